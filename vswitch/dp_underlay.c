// SPDX-License-Identifier: Apache-2.0
/*
 * dp_underlay.c: the encrypted side. Receive: datagram -> sender's peer (by source
 * address) -> PSP open (authenticate, decrypt) -> SPI check -> srd_conn_recv ->
 * in-order frames -> p2p port or bridge. Transmit: srd_conn_write -> PSP header
 * (SPI of the current key generation, IV = packet number, next header 253) -> seal
 * -> UDP, grouped by path so that UDP GSO can batch a path's datagrams.
 *
 * Receive order follows protocol.md §3.1: nothing in a packet is used before it
 * authenticates; the engine applies anti-replay after that. Each refusal is counted
 * (struct dp_counters, the peer's counters, or the engine's stats).
 *
 * Transmit backpressure: packets the kernel would not take (EAGAIN) wait in a
 * backlog, sent first on the next turn (retried after DP_TX_RETRY_NS); while it is
 * not empty no connection writes more, so the engines see the congestion as delay.
 */
#include <errno.h>
#include <string.h>

#include "vswitch/dp_int.h"

/* ---- receive ---- */

static void deliver_frame(struct srd_dp *dp, struct dp_peer *p,
			  const struct srd_frame_out *fo)
{
	struct srd_pkt *pkt = &dp->frame_pkt;
	int slot;

	pkt->len = (uint32_t)fo->len;
	if (fo->has_offload)
		pkt->off = fo->offload;
	else
		memset(&pkt->off, 0, sizeof(pkt->off));
	p->cnt.frames_in++;
	slot = p->n_p2p ? dp_p2p_port_of(dp, p->idx, fo->vni) : -ENOENT;
	if (slot >= 0) {
		dp_tap_send(dp, &dp->ports[slot], pkt);
		return;
	}
	if (!dp_peer_carries(p, fo->vni)) {
		dp->cnt.rx_vni_denied++;
		return;
	}
	dp_bridge_from_peer(dp, p, fo->vni, pkt);
}

void dp_peer_deliver(struct srd_dp *dp, struct dp_peer *p)
{
	struct srd_frame_out fo;

	while (srd_conn_read_frame(p->conn, &fo, dp->frame_buf, SRD_CONN_MAX_FRAME) == 1)
		deliver_frame(dp, p, &fo);
}

static void count_open_error(struct srd_dp *dp, struct dp_peer *p, int err)
{
	if (err == -EKEYREJECTED) {
		dp->cnt.auth_failures++;
		p->cnt.auth_failures++;
	} else if (err == -ENOKEY) {
		dp->cnt.rx_no_key++;
	} else {
		dp->cnt.rx_malformed++;
		p->cnt.rx_malformed++;
	}
}

static void underlay_packet(struct srd_dp *dp, struct srd_pkt *pkt)
{
	struct dp_peer *p = dp_peer_by_addr(dp, &pkt->peer);
	struct srd_psp_hdr h;
	const uint8_t *srd;
	size_t len;
	int err;

	if (!p) {
		dp->cnt.rx_unknown_peer++;
		return;
	}
	err = srd_psp_rx_open(&dp->rx, pkt->buf, pkt->len, &h);
	if (!err && (h.next_hdr != SRD_IPPROTO_SRD || h.vc || h.crypt_off))
		err = -EBADMSG;
	if (err < 0) {
		count_open_error(dp, p, err);
		return;
	}
	if ((h.spi & SRD_SPI_LOW_MASK) != p->spi_low) {
		dp->cnt.rx_spi_mismatch++;
		return;
	}
	srd = pkt->buf + h.hdr_len;
	len = pkt->len - h.hdr_len - SRD_PSP_ICV_LEN;
	err = srd_conn_recv(p->conn, h.iv, srd, len, dp->now);
	if (err == -ECONNRESET && dp_peer_reset(dp, p) == 0)
		err = srd_conn_recv(p->conn, h.iv, srd, len, dp->now);
	if (err < 0)
		p->cnt.rx_dropped++;
	p->dirty = true;
	dp_peer_deliver(dp, p);
}

void dp_underlay_input(void *user, int fd)
{
	struct srd_dp *dp = user;
	int n = DP_BURST, i, round;

	(void)fd;
	dp->now = srd_now_ns();   /* arrival time: RTT samples and timers need it */
	for (round = 0; round < 8 && n == (int)DP_BURST; round++) {
		n = srd_port_rx_burst(dp->udp, dp->rx_pkts, DP_BURST);
		for (i = 0; i < n; i++)
			underlay_packet(dp, dp->rx_pkts[i]);
	}
}

/* ---- transmit ---- */

static void seal(struct dp_peer *p, unsigned cipher, struct srd_pkt *pkt,
		 const struct srd_tx_pkt *tx)
{
	struct srd_psp_hdr h = {
		.next_hdr = SRD_IPPROTO_SRD,
		.version = (uint8_t)cipher,
		.spi = p->tx_sa.spi,
		.iv = tx->pn,
	};

	srd_psp_hdr_build(pkt->buf, &h);
	pkt->len = (uint32_t)(SRD_PSP_HDR_LEN + tx->len + SRD_PSP_ICV_LEN);
	srd_psp_seal(&p->tx_sa, pkt->buf, pkt->len);
	pkt->peer = p->dst;
	pkt->path = tx->path;
}

/* Stable insertion sort by path: a path's packets become one GSO send. */
static void sort_by_path(struct srd_pkt **pkts, unsigned n)
{
	unsigned i, j;

	for (i = 1; i < n; i++) {
		struct srd_pkt *x = pkts[i];

		for (j = i; j > 0 && pkts[j - 1]->path > x->path; j--)
			pkts[j] = pkts[j - 1];
		pkts[j] = x;
	}
}

/* Hand pkts to the kernel; what it does not take goes to the backlog. */
static void send_burst(struct srd_dp *dp, struct srd_pkt **pkts, unsigned n)
{
	int r = srd_port_tx_burst(dp->udp, pkts, (int)n);
	unsigned done = r < 0 ? n : (unsigned)r, i;

	srd_pktpool_put(dp->tx_pool, pkts, done);
	for (i = done; i < n; i++) {
		if (dp->n_backlog < DP_TX_POOL) {
			dp->backlog[dp->n_backlog++] = pkts[i];
		} else {
			dp->cnt.tx_backlog_drops++;
			srd_pktpool_put(dp->tx_pool, &pkts[i], 1);
		}
	}
	if (dp->n_backlog > dp->cnt.tx_backlog_peak)
		dp->cnt.tx_backlog_peak = dp->n_backlog;
	if (dp->n_backlog)
		dp->backlog_retry = dp->now + DP_TX_RETRY_NS;
}

/* Send what waits in the backlog; true when it is empty. */
static bool flush_backlog(struct srd_dp *dp)
{
	struct srd_pkt *pkts[DP_TX_POOL];
	unsigned n = dp->n_backlog;

	if (!n)
		return true;
	memcpy(pkts, dp->backlog, n * sizeof(pkts[0]));
	dp->n_backlog = 0;
	send_burst(dp, pkts, n);
	return dp->n_backlog == 0;
}

/* Write, seal and send everything one connection has ready. */
static void peer_flush(struct srd_dp *dp, struct dp_peer *p)
{
	struct srd_pkt *pkts[DP_BURST];
	struct srd_tx_pkt tx[DP_BURST];
	unsigned n, k, i;

	for (;;) {
		n = srd_pktpool_get(dp->tx_pool, pkts, DP_BURST);
		if (!n)
			break;   /* pool empty: stays dirty, next turn */
		for (i = 0; i < n; i++) {
			tx[i].buf = pkts[i]->buf + SRD_PSP_HDR_LEN;
			tx[i].cap = pkts[i]->cap - SRD_PSP_HDR_LEN - SRD_PSP_ICV_LEN;
		}
		k = srd_conn_write(p->conn, tx, n, dp->now);
		for (i = 0; i < k; i++)
			seal(p, dp->cipher, pkts[i], &tx[i]);
		srd_pktpool_put(dp->tx_pool, pkts + k, n - k);
		sort_by_path(pkts, k);
		send_burst(dp, pkts, k);
		if (k < n) {
			p->dirty = false;
			break;
		}
		if (dp->n_backlog)
			break;
	}
	dp_peer_events(dp, p);
	p->deadline = srd_conn_next_expiry(p->conn);
}

void dp_underlay_flush(struct srd_dp *dp)
{
	unsigned i;

	if (!flush_backlog(dp))
		return;
	for (i = 0; i < dp->peer_hw; i++) {
		struct dp_peer *p = &dp->peers[i];

		if (p->used && p->dirty)
			peer_flush(dp, p);
		if (dp->n_backlog)
			return;
	}
}
