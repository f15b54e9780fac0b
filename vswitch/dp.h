/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp.h: the datapath of srd-vswitchd, as the daemon's main() sees it.
 *
 * One struct srd_dp runs everything on one thread: guest tap ports (on the built-in
 * bridge or point-to-point), one UDP underlay port shared by all peers, one SRD
 * connection (encap/conn.h) per peer multiplexing every VNI to that host, PSP keys
 * from the keyring, the MAC table, the control socket and the signals. docs/daemon.md
 * describes it for operators; the .c files split it by concern:
 *   dp.c          create, run, stop, free
 *   dp_peer.c     peers: connections, keys, address lookup, restart of a peer
 *   dp_port.c     guest tap ports (bridge and p2p)
 *   dp_guest.c    guest frames in: bridge or p2p, onto connections
 *   dp_underlay.c underlay in (decrypt, engine, frames out) and out (engine, seal)
 *   dp_bridge.c   the built-in bridge: learning, flooding, local switching
 *   dp_timer.c    deadlines: engines, keys, MAC aging, control clients
 *   dp_reload.c   applying a new configuration to the running datapath
 *   dp_ctl.c      srdctl's commands, as JSON
 *   dp_link.c     the underlay port and the keys (relinked in OVSDB mode)
 *   dp_ovs.c      OVSDB mode: monitor ovsdb-server, reconcile (docs/ovs.md)
 *   dp_ovs_status.c  status written back into OVSDB rows
 */
#ifndef SRD_VSWITCH_DP_H
#define SRD_VSWITCH_DP_H

#include "ctl/config.h"

struct srd_dp;

/* Where the daemon was told to find things (command-line overrides). */
struct srd_dp_opts {
	const char *config_path;  /* --config: re-read by reload */
	const char *ctl_path;     /* --ctl, or NULL for the config's ctl-socket */
	const char *ovsdb;        /* --ovsdb remote: OVSDB mode; NULL: the file only */
};

/* Build the datapath for cfg (which it copies): open every port, set up every peer,
 * the keys and the control socket. 0 or -errno, with *errp a malloc'd message. */
int srd_dp_new(const struct srd_config *cfg, const struct srd_dp_opts *opts,
	       struct srd_dp **out, char **errp);
/* Run until SIGTERM/SIGINT (or srd_dp_stop). SIGHUP reloads. 0 or -errno. */
int srd_dp_run(struct srd_dp *dp);
void srd_dp_stop(struct srd_dp *dp);
/* Re-read the config file and apply it; on error nothing changes. 0 or -errno with
 * *errp set (may be NULL on success). */
int srd_dp_reload(struct srd_dp *dp, char **errp);
void srd_dp_free(struct srd_dp *dp);

#endif
