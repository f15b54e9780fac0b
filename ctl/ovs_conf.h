/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ovs_conf.h: what OVSDB asks of srd-vswitchd, as a struct srd_config (docs/ovs.md).
 *
 * Open vSwitch mode is configured with ovs-vsctl only, following OVN's conventions:
 *
 *   Open_vSwitch external_ids (this host)
 *     srd-local-ip     underlay address (required)
 *     srd-psk-file     pre-shared key file (ctl/psk_file.h), or
 *     srd-psk          the key itself, 64 hex digits or 44 base64 characters
 *     srd-udp-port     UDP port, ours and every peer's (default: the file's, 1000)
 *     srd-paths        UDP source ports per peer (default: the file's, 16)
 *   Interface external_ids (one SRD port; the row's name is its tap device)
 *     srd-remote-ip    the remote host's underlay address (marks the row as SRD)
 *     srd-vni          VNI, 1..16777215 (default 1); both ends must agree
 *     srd-paths        source ports towards that host (default: the host's)
 *     srd-mtu          the tap's MTU, 68..65535 (default 9000; frames larger than
 *                      one SRD packet are split, never dropped)
 *
 * Rows with the same srd-remote-ip share one peer (one SRD connection, named by the
 * address). srd_ovs_translate is a pure function of the replica: every row gets a
 * verdict, and a bad row never stops the others. When two rows conflict (same
 * remote and VNI, or different srd-paths for one remote), a row whose port already
 * runs wins, so adding a row never disturbs a working port; between two new rows the
 * name that sorts first wins. The loser is in error.
 *
 * Status written back by srd-vswitchd (ctl/ovs_status in vswitch/dp_ovs.c):
 *   Interface external_ids    srd-state=up|down|error, srd-error=REASON (error only)
 *   Open_vSwitch external_ids srd-state=ready|error, srd-error=REASON
 */
#ifndef SRD_CTL_OVS_CONF_H
#define SRD_CTL_OVS_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/config.h"
#include "ctl/ovsdb_data.h"

struct json_object;

#define SRD_OVS_DEFAULT_MTU 9000u   /* srd-mtu when unset */
#define SRD_OVS_DEFAULT_VNI 1u      /* srd-vni when unset */
#define SRD_OVS_ERR_MAX 200u        /* longest srd-error */

/* One Interface row that carries external_ids:srd-remote-ip. */
struct srd_ovs_iface {
	char uuid[SRD_OVSDB_UUID_LEN + 1];   /* its _uuid */
	char name[SRD_CONFIG_IFNAME_MAX + 1]; /* its name (valid only when p2p >= 0) */
	int p2p;                            /* its entry in cfg->p2p, or -1 (error) */
	char error[SRD_OVS_ERR_MAX + 1];    /* why it is in error ("" when p2p >= 0) */
};

/* The verdicts of one translation. */
struct srd_ovs_view {
	char ovs_uuid[SRD_OVSDB_UUID_LEN + 1]; /* the Open_vSwitch row, "" when none */
	bool host_ok;                       /* host settings complete and valid */
	char host_error[SRD_OVS_ERR_MAX + 1]; /* why not */
	uint32_t n_ifaces;                  /* ifaces[] used */
	struct srd_ovs_iface ifaces[SRD_CONFIG_MAX_P2P]; /* SRD rows, in name order */
};

/*
 * cfg = base (the --config file, SRD_CONFIG_OVSDB) with this host's settings and
 * every valid SRD row from the replica ({table: {uuid: row}}, ctl/ovsdb_data.h, with
 * Open_vSwitch.external_ids and Interface.name, type, external_ids). running (or
 * NULL) is the configuration in force, whose p2p ports win conflicts. Without valid
 * host settings cfg has no peers and no p2p ports, and every row is in error.
 * Returns 0, or -E2BIG when more SRD rows exist than fit (the extra ones are left
 * out of view; they are never touched).
 */
int srd_ovs_translate(struct json_object *replica, const struct srd_config *base,
		      const struct srd_config *running, struct srd_config *cfg,
		      struct srd_ovs_view *view);

#endif
