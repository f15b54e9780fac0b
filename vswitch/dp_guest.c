// SPDX-License-Identifier: Apache-2.0
/*
 * dp_guest.c: frames from the guests. A tap's burst goes to the bridge (bridge
 * ports) or straight to its peer (p2p ports); dp_guest_to_peer() queues a frame on a
 * peer's connection, on the reorder lane of its flow.
 *
 * Lanes. Frames of one guest flow must arrive in order, frames of different flows
 * need not, so the lane is a hash of the flow: IPv4/IPv6 addresses, protocol and,
 * for TCP, UDP and SCTP, the ports (not for fragments, whose later pieces have
 * none); other frames hash their MAC addresses. One TCP flow is thus one lane: the
 * receiver puts its packets back in order whatever path each took.
 */
#include <errno.h>
#include <string.h>

#include "vswitch/dp_int.h"

#define ETH_P_IPV4 0x0800u
#define ETH_P_IPV6 0x86ddu
#define ETH_P_VLAN 0x8100u
#define ETH_P_QINQ 0x88a8u

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static uint64_t load(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;   /* TCP, UDP, SCTP */
}

static uint64_t hash_ipv4(const uint8_t *ip, size_t len, uint64_t h)
{
	size_t ihl;
	uint16_t frag;

	if (len < 20 || (ip[0] >> 4) != 4)
		return h;
	ihl = (size_t)(ip[0] & 15) * 4;
	frag = (uint16_t)(ip[6] << 8 | ip[7]) & 0x3fff;   /* MF and offset */
	h = mix(mix(h, load(ip + 12, 8)), ip[9]);
	if (!frag && has_ports(ip[9]) && ihl >= 20 && len >= ihl + 4)
		h = mix(h, load(ip + ihl, 4));
	return h;
}

static uint64_t hash_ipv6(const uint8_t *ip, size_t len, uint64_t h)
{
	if (len < 40 || (ip[0] >> 4) != 6)
		return h;
	h = mix(mix(mix(mix(h, load(ip + 8, 8)), load(ip + 16, 8)),
		    load(ip + 24, 8)), load(ip + 32, 8));
	h = mix(h, ip[6]);
	if (has_ports(ip[6]) && len >= 44)
		h = mix(h, load(ip + 40, 4));
	return h;
}

/* The reorder lane of a frame (at least 14 bytes long). */
uint16_t dp_flow_lane(const uint8_t *f, size_t len, uint16_t lanes)
{
	size_t off = 12;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	uint64_t h = 0;
	int tags;

	for (tags = 0; tags < 2 && (type == ETH_P_VLAN || type == ETH_P_QINQ) &&
		       len >= off + 6; tags++) {
		off += 4;
		type = (uint16_t)(f[off] << 8 | f[off + 1]);
	}
	off += 2;
	if (type == ETH_P_IPV4)
		h = hash_ipv4(f + off, len - off, 1);
	else if (type == ETH_P_IPV6)
		h = hash_ipv6(f + off, len - off, 2);
	if (!h)
		h = mix(mix(3, load(f, 6)), load(f + 6, 6));
	return (uint16_t)(h % lanes);
}

int dp_guest_to_peer(struct srd_dp *dp, struct dp_peer *p, uint32_t vni,
		     const struct srd_pkt *pkt)
{
	bool off = pkt->off.gso_type || pkt->off.vnet_flags;
	struct srd_frame_in f = {
		.lane = dp_flow_lane(pkt->buf, pkt->len, p->conn_cfg.lanes),
		.vni = vni,
		.data = pkt->buf,
		.len = pkt->len,
		.offload = off ? &pkt->off : NULL,
	};
	int err = srd_conn_send_frame(p->conn, &f, dp->now);

	if (err == -ENOBUFS)
		dp->cnt.sendbuf_full++;
	else if (err == -EMSGSIZE)
		dp->cnt.guest_oversize++;
	if (err < 0)
		return err;
	p->cnt.frames_out++;
	p->dirty = true;
	return 0;
}

static void guest_frame(struct srd_dp *dp, struct dp_port *port, struct srd_pkt *pkt)
{
	struct dp_peer *peer;

	port->rx_frames++;
	if (pkt->len < 14) {
		dp->cnt.guest_unknown++;
		return;
	}
	if (!port->p2p) {
		dp_bridge_from_guest(dp, port, pkt);
		return;
	}
	peer = &dp->peers[port->peer];
	if (!peer->used) {
		dp->cnt.guest_no_peer++;
		return;
	}
	dp_guest_to_peer(dp, peer, port->vni, pkt);
}

/* Readable tap: a few bursts at most, so that other ports get their turn. */
void dp_guest_input(void *user, int fd)
{
	struct dp_port *port = user;
	struct srd_dp *dp = port->dp;
	int n = DP_BURST, i, round;

	(void)fd;
	dp->now = srd_now_ns();
	for (round = 0; round < 4 && n == DP_BURST; round++) {
		for (i = 0; i < (int)DP_BURST; i++) {
			dp->guest_pkts[i]->len = 0;
			memset(&dp->guest_pkts[i]->off, 0, sizeof(dp->guest_pkts[i]->off));
		}
		n = srd_port_rx_burst(port->port, dp->guest_pkts, DP_BURST);
		if (n < 0) {
			/* The device is gone (deleted under us): stop watching it. */
			srd_err("port %s: receive failed (%s); port disabled until reload",
				port->name, strerror(-n));
			srd_loop_del(dp->loop, srd_port_fd(port->port));
			return;
		}
		for (i = 0; i < n; i++)
			guest_frame(dp, port, dp->guest_pkts[i]);
	}
}
