// SPDX-License-Identifier: Apache-2.0
/*
 * dp_port.c: guest tap ports. A bridge port belongs to one VNI on the built-in
 * bridge; a p2p port carries one (peer, VNI) for Open vSwitch or a Linux bridge.
 *
 * Taps are persistent: at exit (even a crash) the daemon leaves them in place, so a
 * restart does not unplug the guests or take the taps out of the bridges they were
 * added to, and the new daemon re-attaches to them by name. A port removed from the
 * configuration loses its device.
 *
 * MTU. `mtu = auto` gives the largest guest IP MTU whose frames fit one SRD packet
 * with an offload block (protocol.md §8): max-payload - preamble - DATA record with
 * offload - Ethernet header. A larger frame is not dropped: the engine cuts it into
 * several packets, as it does with super-frames.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vswitch/dp_int.h"

#define ETH_HDR_LEN 14u

unsigned dp_auto_mtu(const struct srd_config *cfg)
{
	return cfg->engine.max_payload - SRD_PRE_LEN - SRD_DATA_LEN - SRD_OFFLOAD_LEN -
	       ETH_HDR_LEN;
}

static struct dp_port *port_free_slot(struct srd_dp *dp)
{
	unsigned i;

	for (i = 0; i < DP_MAX_PORTS; i++)
		if (!dp->ports[i].used)
			return &dp->ports[i];
	return NULL;
}

static int port_open_tap(struct srd_dp *dp, struct dp_port *p, unsigned mtu,
			 char **errp)
{
	struct srd_port_cfg pc = { .name = p->name, .tap.persist = true };
	struct srd_port_info info;
	char *why = NULL;
	int err;

	p->dp = dp;
	pc.mtu = mtu == SRD_CONFIG_MTU_AUTO ? dp_auto_mtu(dp->cfg) : mtu;
	err = srd_port_open("tap", &pc, &p->port, &why);
	if (err < 0) {
		dp_err(errp, err, "port %s: %s", p->name, why ? why : "cannot open");
		free(why);
		return err;
	}
	err = srd_loop_add(dp->loop, srd_port_fd(p->port), dp_guest_input, p);
	if (err < 0) {
		srd_port_close(p->port);
		p->port = NULL;
		return dp_err(errp, err, "port %s: cannot watch it", p->name);
	}
	srd_port_info(p->port, &info);
	p->mtu = info.mtu;
	p->used = true;
	dp_slots_update(dp);
	return 0;
}

int dp_port_add_bridge(struct srd_dp *dp, const struct srd_config_port *pc,
		       char **errp)
{
	struct dp_port *p = port_free_slot(dp);
	int err;

	if (!p)
		return dp_err(errp, -ENOSPC, "port %s: no free port slot", pc->name);
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	p->vni = pc->vni;
	p->cfg = *pc;
	err = port_open_tap(dp, p, pc->mtu, errp);
	if (err < 0)
		return err;
	err = dp_bridge_add_static(dp, (unsigned)(p - dp->ports));
	if (err < 0) {
		dp_port_remove(dp, (unsigned)(p - dp->ports), false);
		return dp_err(errp, err, "port %s: static MACs do not fit the MAC table",
			      pc->name);
	}
	srd_info("port %s: bridge port on VNI %u, MTU %u", p->name, p->vni, p->mtu);
	return 0;
}

int dp_port_add_p2p(struct srd_dp *dp, const struct srd_config_p2p *pc,
		    unsigned peer_slot, char **errp)
{
	struct dp_port *p = port_free_slot(dp);
	int err;

	if (!p)
		return dp_err(errp, -ENOSPC, "p2p %s: no free port slot", pc->name);
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	snprintf(p->peer_name, sizeof(p->peer_name), "%s", pc->peer);
	p->p2p = true;
	p->vni = pc->vni;
	p->peer = peer_slot;
	p->cfg.mtu = pc->mtu;
	err = port_open_tap(dp, p, pc->mtu, errp);
	if (err < 0)
		return err;
	dp->peers[peer_slot].n_p2p++;
	srd_info("p2p %s: peer %s VNI %u, MTU %u", p->name, pc->peer, p->vni, p->mtu);
	return 0;
}

void dp_port_remove(struct srd_dp *dp, unsigned slot, bool shutdown)
{
	struct dp_port *p = &dp->ports[slot];

	if (!p->used)
		return;
	if (!p->p2p)
		dp_bridge_forget_port(dp, slot);
	else if (dp->peers[p->peer].used && dp->peers[p->peer].n_p2p)
		dp->peers[p->peer].n_p2p--;   /* a removed peer's slot was zeroed */
	srd_loop_del(dp->loop, srd_port_fd(p->port));
	if (!shutdown)
		srd_tap_set_persist(p->port, false);   /* removed: the device goes */
	srd_port_close(p->port);
	srd_info("%s %s: removed", p->p2p ? "p2p" : "port", p->name);
	memset(p, 0, sizeof(*p));
	dp_slots_update(dp);
}

int dp_port_by_name(const struct srd_dp *dp, const char *name)
{
	unsigned i;

	for (i = 0; i < dp->port_hw; i++)
		if (dp->ports[i].used && !strcmp(dp->ports[i].name, name))
			return (int)i;
	return -ENOENT;
}

int dp_p2p_port_of(const struct srd_dp *dp, unsigned peer, uint32_t vni)
{
	unsigned i;

	for (i = 0; i < dp->port_hw; i++) {
		const struct dp_port *p = &dp->ports[i];

		if (p->used && p->p2p && p->peer == peer && p->vni == vni)
			return (int)i;
	}
	return -ENOENT;
}

/* Write one frame to a guest tap; false (counted) when the tap did not take it. */
bool dp_tap_send(struct srd_dp *dp, struct dp_port *port, struct srd_pkt *pkt)
{
	int r = srd_port_tx_burst(port->port, &pkt, 1);

	if (r != 1) {
		dp->cnt.tap_tx_drops++;
		return false;
	}
	port->tx_frames++;
	return true;
}
