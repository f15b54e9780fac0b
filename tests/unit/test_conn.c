/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_conn.c: the connection engine between two endpoints over a tiny scripted
 * wire (per-path delay, drops chosen by a callback), on a virtual clock. The
 * simulator (tests/sim) covers rates, queues and long runs; these tests pin single
 * behaviours exactly.
 */
#include <errno.h>

#include "tests/unit/wire_harness.h"

static struct srd_conn_cfg test_cfg(void)
{
	struct srd_conn_cfg cfg = wire_cfg();

	cfg.giveup_ns = 5000 * US;
	cfg.hold_ns = 20000 * US;
	cfg.probe_interval_ns = 500 * US;
	return cfg;
}

static void setup(struct net *n)
{
	struct srd_conn_cfg cfg = test_cfg();

	net_init(n, &cfg);
}

static void conn__single_frame_delivered_and_acked(void)
{
	struct net n;

	setup(&n);
	CHECK_EQ(send_frame(&n, 3, 1000, 1), 0);
	run(&n, 2000 * US);
	CHECK_EQ(n.frames, 1);
	CHECK_EQ(n.last_len, 1000);
	CHECK_EQ(n.last[999], (uint8_t)(1 + 999 * 7));
	CHECK_EQ(n.last_meta.lane, 3);
	CHECK_EQ(n.last_meta.vni, 42);
	CHECK(srd_conn_idle(n.end[0]));
	CHECK_EQ(srd_conn_stats(n.end[0])->retransmits, 0);
	net_fini(&n);
}

static void conn__super_frame_reassembled_with_offload(void)
{
	static uint8_t buf[65536];
	struct srd_offload off = { .gso_type = 1, .hdr_len = 54, .gso_size = 1448,
				   .csum_start = 34, .csum_offset = 16 };
	struct srd_frame_in f = { .lane = 1, .vni = 7, .data = buf, .len = sizeof(buf),
				  .offload = &off };
	struct net n;
	size_t i;

	setup(&n);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13);
	CHECK_EQ(srd_conn_send_frame(n.end[0], &f, 0), 0);
	run(&n, 5000 * US);
	CHECK_EQ(n.frames, 1);
	CHECK_EQ(n.last_len, sizeof(buf));
	CHECK(memcmp(n.last, buf, sizeof(buf)) == 0);
	CHECK(n.last_meta.has_offload);
	CHECK_EQ(n.last_meta.offload.gso_size, 1448);
	CHECK(n.sent_data >= 47);
	net_fini(&n);
}

/* Drop A's first DATA transmission only. */
static bool drop_first_data(struct net *n, int from, const struct srd_tx_pkt *t)
{
	return from == 0 && is_data(t) && n->sent_data == 1;
}

static void conn__lost_packet_repaired_on_another_path(void)
{
	struct net n;

	setup(&n);
	n.drop = drop_first_data;
	CHECK_EQ(send_frame(&n, 0, 500, 9), 0);
	CHECK_EQ(send_frame(&n, 0, 500, 10), 0);
	CHECK_EQ(send_frame(&n, 0, 500, 11), 0);
	run(&n, 3000 * US);
	CHECK_EQ(n.frames, 3);
	CHECK_EQ(n.last[0], 11);
	CHECK(srd_conn_stats(n.end[0])->retransmits >= 1);
	CHECK(n.sent_data >= 4);
	CHECK(n.data[3].path != n.data[0].path);   /* the repair left on another path */
	CHECK(srd_conn_idle(n.end[0]));
	net_fini(&n);
}

/* Drop every DATA packet of lane 1 for the first millisecond. */
static bool drop_lane1_early(struct net *n, int from, const struct srd_tx_pkt *t)
{
	return from == 0 && is_data(t) && t->buf[13] == 1 && n->now < 1000 * US;
}

static void conn__hole_in_one_lane_does_not_block_another(void)
{
	struct net n;
	unsigned i, lane2_before_lane1 = 0;

	setup(&n);
	n.drop = drop_lane1_early;
	CHECK_EQ(send_frame(&n, 1, 300, 1), 0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(send_frame(&n, 2, 300, 2), 0);
	run(&n, 5000 * US);
	CHECK_EQ(n.frames, 6);
	for (i = 0; i < n.frames && n.order[i] == 2; i++)
		lane2_before_lane1++;
	CHECK_EQ(lane2_before_lane1, 5);
	net_fini(&n);
}

static void conn__dead_path_avoided_then_revived(void)
{
	struct srd_path_stats ps;
	struct srd_event ev;
	struct net n;
	unsigned i, died = 0, revived = 0;

	setup(&n);
	n.drop = drop_path;
	n.blackhole_path = 2;
	n.blackhole_until = 3000 * US;
	for (i = 0; i < 200; i++)
		CHECK_EQ(send_frame(&n, (uint16_t)(i % 8), 1200, (uint8_t)i), 0);
	run(&n, 2500 * US);
	srd_conn_path_stats(n.end[0], 2, &ps);
	CHECK(ps.state == SRD_PATH_DEAD || ps.state == SRD_PATH_PROBING);
	CHECK_EQ(n.frames, 200);
	for (i = 0; i < 200; i++)
		CHECK_EQ(send_frame(&n, (uint16_t)(i % 8), 1200, (uint8_t)i), 0);
	run(&n, 20000 * US);
	CHECK_EQ(n.frames, 400);
	srd_conn_path_stats(n.end[0], 2, &ps);
	CHECK_EQ(ps.state, SRD_PATH_ACTIVE);
	while (srd_conn_poll_event(n.end[0], &ev))
		if (ev.type == SRD_EV_PATH_STATE && ev.path == 2) {
			died += ev.to == SRD_PATH_DEAD;
			revived += ev.to == SRD_PATH_ACTIVE;
		}
	CHECK(died >= 1);
	CHECK(revived >= 1);
	CHECK_EQ(srd_conn_stats(n.end[0])->giveups, 0);
	net_fini(&n);
}

/* Drop every DATA packet of lane 5 seq 1 (the second frame of lane 5). */
static bool drop_lane5_seq1(struct net *n, int from, const struct srd_tx_pkt *t)
{
	(void)n;
	return from == 0 && is_data(t) && t->buf[13] == 5 && t->buf[19] == 1;
}

static void conn__given_up_frame_is_skipped_by_receiver(void)
{
	struct srd_event ev;
	struct net n;
	unsigned gaveup = 0;

	setup(&n);
	n.drop = drop_lane5_seq1;
	CHECK_EQ(send_frame(&n, 5, 100, 1), 0);
	CHECK_EQ(send_frame(&n, 5, 100, 2), 0);   /* never arrives */
	CHECK_EQ(send_frame(&n, 5, 100, 3), 0);
	run(&n, 30000 * US);
	CHECK_EQ(n.frames, 2);
	CHECK_EQ(n.last[0], 3);
	CHECK_EQ(srd_conn_stats(n.end[0])->giveups, 1);
	CHECK_EQ(srd_conn_stats(n.end[1])->skipped_frames, 1);
	CHECK_EQ(srd_conn_stats(n.end[1])->hold_timeouts, 0);  /* the SKIP came first */
	while (srd_conn_poll_event(n.end[0], &ev))
		gaveup += ev.type == SRD_EV_GIVE_UP && ev.lane == 5 && ev.seq == 1;
	CHECK_EQ(gaveup, 1);
	CHECK(srd_conn_idle(n.end[0]));
	net_fini(&n);
}

static void recv__replay_and_malformed_counted(void)
{
	uint8_t pkt[64] = { 1, 0, 0, 0, SRD_REC_PROBE, 0, 0, 4 };
	struct net n;

	setup(&n);
	CHECK_EQ(srd_conn_recv(n.end[1], 77, pkt, 8, 0), 0);
	CHECK_EQ(srd_conn_recv(n.end[1], 77, pkt, 8, 0), -EALREADY);
	pkt[0] = 9;
	CHECK_EQ(srd_conn_recv(n.end[1], 78, pkt, 8, 0), -EPROTONOSUPPORT);
	CHECK_EQ(srd_conn_stats(n.end[1])->replays, 1);
	CHECK_EQ(srd_conn_stats(n.end[1])->malformed, 1);
	net_fini(&n);
}

static void send_frame__full_buffer_refused(void)
{
	struct net n;
	unsigned i;
	int err = 0;

	setup(&n);
	for (i = 0; i < 600 && !err; i++)
		err = send_frame(&n, 0, 1000, 0);
	CHECK_EQ(err, -ENOBUFS);
	CHECK_EQ(i, 513);
	CHECK_EQ(srd_conn_stats(n.end[0])->sendbuf_full, 1);
	CHECK_EQ(send_frame(&n, 8, 100, 0), -EINVAL);     /* lane out of range */
	CHECK_EQ(send_frame(&n, 0, 0, 0), -EINVAL);
	net_fini(&n);
}

static void flow_control__small_reorder_buffer_never_overrun(void)
{
	struct srd_conn_cfg cfg = test_cfg();
	struct net n;
	unsigned i;

	cfg.rob_slots = 16;
	net_init(&n, &cfg);
	n.drop = drop_first_data;             /* a hole holds packets in the buffer */
	for (i = 0; i < 300; i++)
		CHECK_EQ(send_frame(&n, 0, 1200, (uint8_t)i), 0);
	run(&n, 50000 * US);
	CHECK_EQ(n.frames, 300);
	CHECK_EQ(srd_conn_stats(n.end[1])->rob_full_drops, 0);
	CHECK(srd_conn_stats(n.end[1])->rob_peak_bytes <=
	      srd_conn_stats(n.end[1])->rob_bound_bytes);
	net_fini(&n);
}

/* A host that mostly receives sends thousands of ACK-only packets; they take packet
 * numbers but must never fill the sent window and block its own data. */
static void conn__ack_only_traffic_never_blocks_sending(void)
{
	static uint8_t buf[2000], out[FRAME_BUF];
	struct srd_frame_in f = { .lane = 2, .vni = 1, .data = buf, .len = 1000 };
	struct srd_frame_out fo;
	struct net n;
	unsigned i, got = 0;

	setup(&n);
	for (i = 0; i < 3000; i++) {
		CHECK_EQ(srd_conn_send_frame(n.end[1], &f, n.now), 0);
		run(&n, n.now + 20 * US);
		while (srd_conn_read_frame(n.end[0], &fo, out, sizeof(out)) == 1)
			got++;
	}
	CHECK_EQ(got, 3000);
	CHECK(srd_conn_stats(n.end[0])->acks_tx >= 1500);
	CHECK_EQ(send_frame(&n, 0, 500, 1), 0);
	run(&n, n.now + 2000 * US);
	CHECK_EQ(n.frames, 1);
	net_fini(&n);
}

/* Lane 5: frame F1 (seq 0) never arrives and is given up at 5 ms, while frame F2
 * (seqs 1..3) has pieces 1 and 2 acknowledged and piece 3 still being repaired. The
 * SKIP must point at F2's start, never inside it, or F2 is lost unreported. */
static bool drop_f1_and_f2_tail(struct net *n, int from, const struct srd_tx_pkt *t)
{
	if (from != 0 || !is_data(t) || t->buf[13] != 5)
		return false;
	return t->buf[19] == 0 || (t->buf[19] == 3 && n->now < 6000 * US);
}

static void conn__skip_never_cuts_a_frame_in_flight(void)
{
	struct srd_conn_cfg cfg = test_cfg();
	struct net n;

	cfg.giveup_tries = 1000;                  /* only time gives up here */
	net_init(&n, &cfg);
	n.drop = drop_f1_and_f2_tail;
	CHECK_EQ(send_frame(&n, 5, 100, 1), 0);   /* F1 */
	run(&n, 3000 * US);
	CHECK_EQ(send_frame(&n, 5, 3000, 2), 0);  /* F2: three pieces */
	run(&n, 7000 * US);
	CHECK_EQ(send_frame(&n, 5, 100, 3), 0);   /* F3 */
	run(&n, 12000 * US);
	CHECK_EQ(n.frames, 2);
	CHECK_EQ(n.last[0], 3);
	CHECK_EQ(srd_conn_stats(n.end[0])->giveups, 1);
	CHECK_EQ(srd_conn_stats(n.end[1])->partial_frames, 0);
	CHECK_EQ(srd_conn_stats(n.end[1])->skipped_frames, 1);
	net_fini(&n);
}

/* Packet numbers at the very top of the 64-bit space must neither wrap the ACK
 * tracker nor leave an ACK that cannot be written. */
static void recv__packet_numbers_at_the_top_stay_consistent(void)
{
	static uint8_t bufs[8][1600];
	uint8_t pk[64];
	struct srd_tx_pkt t[8];
	struct net n;
	unsigned i, got, data = 0;
	int off;

	setup(&n);
	off = srd_wire_put_preamble(pk, sizeof(pk), 0);
	off += srd_wire_put_probe(pk + off, sizeof(pk) - (size_t)off, 0);
	CHECK_EQ(srd_conn_recv(n.end[0], UINT64_MAX, pk, (size_t)off, 10), 0);
	CHECK_EQ(srd_conn_recv(n.end[0], UINT64_MAX - 5, pk, (size_t)off, 11), 0);
	CHECK_EQ(send_frame(&n, 1, 100, 1), 0);
	for (i = 0; i < 8; i++)
		t[i] = (struct srd_tx_pkt){ .buf = bufs[i], .cap = sizeof(bufs[i]) };
	got = srd_conn_write(n.end[0], t, 8, 12);
	for (i = 0; i < got; i++) {
		CHECK(t[i].len > SRD_PRE_LEN);        /* never an empty packet */
		data += is_data(&t[i]);
	}
	CHECK_EQ(data, 1);
	CHECK(got <= 2);
	net_fini(&n);
}

int main(void)
{
	RUN(conn__single_frame_delivered_and_acked);
	RUN(conn__super_frame_reassembled_with_offload);
	RUN(conn__lost_packet_repaired_on_another_path);
	RUN(conn__hole_in_one_lane_does_not_block_another);
	RUN(conn__dead_path_avoided_then_revived);
	RUN(conn__given_up_frame_is_skipped_by_receiver);
	RUN(recv__replay_and_malformed_counted);
	RUN(send_frame__full_buffer_refused);
	RUN(flow_control__small_reorder_buffer_never_overrun);
	RUN(conn__ack_only_traffic_never_blocks_sending);
	RUN(conn__skip_never_cuts_a_frame_in_flight);
	RUN(recv__packet_numbers_at_the_top_stay_consistent);
	return check_exit();
}
