// SPDX-License-Identifier: Apache-2.0
/*
 * dp_bridge.c: the built-in L2 bridge, one broadcast domain per VNI.
 *
 * From a guest port: learn the source MAC on that port; a known unicast
 * destination goes to its port or peer; broadcast, multicast and unknown unicast
 * flood to every other local port of the VNI and, by head-end replication, to every
 * peer that carries the VNI (one copy on each peer's connection).
 * From a peer: learn the source MAC on that peer; deliver to the known port, or
 * flood to the VNI's local ports only, never back to peers (split horizon: every
 * host floods its own guests' frames, so nothing loops).
 */
#include <errno.h>
#include <string.h>

#include "vswitch/dp_int.h"
#include "vswitch/mactable.h"

static const struct srd_mac_dst no_dst = { .kind = 0xff };

static bool is_group(const uint8_t *mac)
{
	return mac[0] & 1;
}

static struct srd_mac_dst port_dst(unsigned slot)
{
	return (struct srd_mac_dst){ .kind = SRD_MAC_PORT, .idx = slot };
}

static struct srd_mac_dst peer_dst(unsigned slot)
{
	return (struct srd_mac_dst){ .kind = SRD_MAC_PEER, .idx = slot };
}

int dp_bridge_init(struct srd_dp *dp, const struct srd_config *cfg)
{
	struct srd_mactable_cfg mc = {
		.max_entries = cfg->bridge.mac_table_size,
		.aging_ns = cfg->bridge.mac_aging_ns,
	};

	dp->macs = srd_mactable_new(&mc);
	return dp->macs ? 0 : -errno;
}

void dp_bridge_fini(struct srd_dp *dp)
{
	srd_mactable_free(dp->macs);
	dp->macs = NULL;
}

void dp_bridge_set_aging(struct srd_dp *dp, uint64_t aging_ns)
{
	srd_mactable_set_aging(dp->macs, aging_ns);
}

/* Every local bridge port of vni but `except` gets the frame. */
static void flood_ports(struct srd_dp *dp, uint32_t vni, const struct dp_port *except,
			struct srd_pkt *pkt)
{
	unsigned i;

	for (i = 0; i < dp->port_hw; i++) {
		struct dp_port *p = &dp->ports[i];

		if (p->used && !p->p2p && p->vni == vni && p != except)
			dp_tap_send(dp, p, pkt);
	}
}

static void flood_peers(struct srd_dp *dp, uint32_t vni, struct srd_pkt *pkt)
{
	unsigned i;

	for (i = 0; i < dp->peer_hw; i++) {
		struct dp_peer *p = &dp->peers[i];

		if (p->used && dp_peer_carries(p, vni))
			dp_guest_to_peer(dp, p, vni, pkt);
	}
}

/* Send to a learned destination; false if it is gone (then the caller floods). */
static bool to_dst(struct srd_dp *dp, struct srd_mac_dst d, uint32_t vni,
		   const struct dp_port *in, struct srd_pkt *pkt)
{
	if (d.kind == SRD_MAC_PORT && d.idx < DP_MAX_PORTS) {
		struct dp_port *p = &dp->ports[d.idx];

		if (!p->used || p->p2p || p->vni != vni)
			return false;
		if (p != in) {            /* a frame back to its own port is dropped */
			dp_tap_send(dp, p, pkt);
			dp->cnt.local_switched += in != NULL;
		}
		return true;
	}
	if (d.kind == SRD_MAC_PEER && d.idx < DP_MAX_PEERS && in) {
		struct dp_peer *p = &dp->peers[d.idx];

		if (!p->used || !dp_peer_carries(p, vni))
			return false;
		dp_guest_to_peer(dp, p, vni, pkt);
		return true;
	}
	return false;
}

void dp_bridge_from_guest(struct srd_dp *dp, struct dp_port *in, struct srd_pkt *pkt)
{
	const uint8_t *dmac = pkt->buf, *smac = pkt->buf + 6;
	unsigned slot = (unsigned)(in - dp->ports);
	struct srd_mac_dst d = no_dst;

	srd_mactable_learn(dp->macs, in->vni, smac, port_dst(slot), dp->now);
	if (!is_group(dmac) && srd_mactable_lookup(dp->macs, in->vni, dmac, dp->now, &d) == 1 &&
	    to_dst(dp, d, in->vni, in, pkt))
		return;
	dp->cnt.floods++;
	flood_ports(dp, in->vni, in, pkt);
	flood_peers(dp, in->vni, pkt);
}

void dp_bridge_from_peer(struct srd_dp *dp, struct dp_peer *p, uint32_t vni,
			 struct srd_pkt *pkt)
{
	const uint8_t *dmac = pkt->buf, *smac = pkt->buf + 6;
	struct srd_mac_dst d = no_dst;

	if (pkt->len < 14) {
		dp->cnt.rx_no_port++;
		return;
	}
	srd_mactable_learn(dp->macs, vni, smac, peer_dst(p->idx), dp->now);
	if (!is_group(dmac) && srd_mactable_lookup(dp->macs, vni, dmac, dp->now, &d) == 1 &&
	    d.kind == SRD_MAC_PORT && to_dst(dp, d, vni, NULL, pkt))
		return;
	dp->cnt.floods++;
	flood_ports(dp, vni, NULL, pkt);
}

void dp_bridge_forget_peer(struct srd_dp *dp, unsigned slot)
{
	srd_mactable_flush_dst(dp->macs, peer_dst(slot), dp->now);
}

void dp_bridge_forget_port(struct srd_dp *dp, unsigned slot)
{
	const struct srd_config_port *pc = &dp->ports[slot].cfg;
	uint32_t i;

	for (i = 0; i < pc->static_macs.n; i++)
		srd_mactable_del_static(dp->macs, pc->vni, pc->static_macs.mac[i]);
	srd_mactable_flush_dst(dp->macs, port_dst(slot), dp->now);
}

int dp_bridge_add_static(struct srd_dp *dp, unsigned slot)
{
	const struct srd_config_port *pc = &dp->ports[slot].cfg;
	uint32_t i;
	int err;

	for (i = 0; i < pc->static_macs.n; i++) {
		err = srd_mactable_add_static(dp->macs, pc->vni, pc->static_macs.mac[i],
					      port_dst(slot), dp->now);
		if (err < 0)
			return err;
	}
	return 0;
}

void dp_bridge_expire(struct srd_dp *dp)
{
	srd_mactable_expire(dp->macs, dp->now, DP_MAC_EXPIRE_BUDGET);
}
