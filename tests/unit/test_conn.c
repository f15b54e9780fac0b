/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_conn.c: the connection engine between two endpoints over a tiny scripted
 * wire (per-path delay, drops chosen by a callback), on a virtual clock. The
 * simulator (tests/sim) covers rates, queues and long runs; these tests pin single
 * behaviours exactly: delivery, repair, give-up, flow control, and the session
 * binding (handshake, HELLO retries, restarts of one or both hosts, old sessions).
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

/* A DATA packet of lane (and seq, unless seq < 0) from A. */
static bool a_data(int from, const struct srd_tx_pkt *t, unsigned lane, long seq)
{
	struct srd_packet p;

	return from == 0 && wire_parse(t, &p) && p.has_data && p.data.lane == lane &&
	       (seq < 0 || p.data.seq == (uint32_t)seq);
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
	return a_data(from, t, 1, -1) && n->now < 1000 * US;
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
	return a_data(from, t, 5, 1);
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

	setup(&n);                  /* B is bound to A's session 1000 */
	CHECK_EQ(srd_conn_recv(n.end[1], 2077, pkt, 8, 0), 0);
	CHECK_EQ(srd_conn_recv(n.end[1], 2077, pkt, 8, 0), -EALREADY);
	pkt[0] = 9;
	CHECK_EQ(srd_conn_recv(n.end[1], 2078, pkt, 8, 0), -EPROTONOSUPPORT);
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
	return a_data(from, t, 5, 0) || (a_data(from, t, 5, 3) && n->now < 6000 * US);
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

/* ---- sessions (protocol.md §4.4) ---- */

#define FULL_FRAME 1368u   /* test_cfg's max_payload - preamble - DATA with offload */

/* What every packet must respect, checked as it leaves: records only once bound,
 * the sender's sessions in every HELLO, never more than max_payload, and on A's
 * DATA a session block until the first one without (then never again). */
struct rules {
	unsigned hello_data;   /* A's DATA packets with a session block */
	unsigned plain_data;   /* A's DATA packets without */
	unsigned broken;       /* packets that broke a rule */
};

static bool rules_check(struct net *n, int from, const struct srd_tx_pkt *t)
{
	const struct srd_conn *c = n->end[from];
	struct rules *r = n->user;
	struct srd_packet p;
	bool bad = !wire_parse(t, &p) || t->len > n->cfg.max_payload;

	bad |= !bad && !srd_conn_bound(c) && !srd_packet_hello_only(&p);
	bad |= !bad && p.has_hello && (p.hello_session != srd_conn_session(c) ||
				       p.hello_echo != srd_conn_remote_session(c));
	if (!bad && from == 0 && p.has_data) {
		bad |= p.has_hello && r->plain_data;
		r->hello_data += p.has_hello;
		r->plain_data += !p.has_hello;
	}
	r->broken += bad;
	return false;
}

/* Queue frame `id` (every byte of it) on end[side], lane 3. */
static int send_id(struct net *n, int side, size_t len, uint8_t id)
{
	static uint8_t buf[FULL_FRAME];
	struct srd_frame_in f = { .lane = 3, .vni = 42, .data = buf, .len = len };

	memset(buf, id, len);
	return srd_conn_send_frame(n->end[side], &f, n->now);
}

static void session__handshake_binds_then_queued_frames_flow_in_order(void)
{
	struct srd_conn_cfg cfg = test_cfg();
	struct rules r = { 0 };
	struct net n;
	unsigned i, k;

	net_start(&n, &cfg);
	n.drop = rules_check;
	n.user = &r;
	for (i = 0; i < 40; i++)   /* full-size frames, queued before binding */
		CHECK_EQ(send_id(&n, 0, FULL_FRAME, (uint8_t)i), 0);
	run(&n, 21 * US);          /* HELLOs crossed on path 0 (10 us), answers on 1 */
	CHECK(!srd_conn_bound(n.end[0]) && !srd_conn_bound(n.end[1]));
	run(&n, 22 * US);          /* 22 us: both bound, one round trip */
	CHECK(srd_conn_bound(n.end[0]) && srd_conn_bound(n.end[1]));
	CHECK_EQ(srd_conn_remote_session(n.end[0]), srd_conn_session(n.end[1]));
	CHECK_EQ(srd_conn_remote_session(n.end[1]), srd_conn_session(n.end[0]));
	run(&n, 3000 * US);
	CHECK_EQ(n.frames, 40);
	for (k = 0; k < n.frames; k++)
		CHECK_EQ(n.first[k], k);
	CHECK_EQ(r.broken, 0);
	CHECK(r.hello_data > 0);   /* A's first DATA bound B if it had to ... */
	CHECK(r.plain_data > 0);   /* ... and B's ACKs then showed it was bound */
	for (i = 0; i < 2; i++) {
		CHECK_EQ(srd_conn_stats(n.end[i])->hello_tx, 2);
		CHECK_EQ(srd_conn_stats(n.end[i])->unbound_drops, 0);
		CHECK_EQ(srd_conn_stats(n.end[i])->stale_session, 0);
	}
	CHECK(srd_conn_idle(n.end[0]));
	net_fini(&n);
}

/* Log of the HELLO-only packets each side sent, all of them dropped. */
struct hello_log {
	unsigned n[2];         /* HELLO-only packets per side */
	uint64_t at[2][32];    /* when the first 32 of them left */
};

static bool drop_all_log_hellos(struct net *n, int from, const struct srd_tx_pkt *t)
{
	struct hello_log *h = n->user;
	struct srd_packet p;

	if (wire_parse(t, &p) && srd_packet_hello_only(&p) && h->n[from] < 32)
		h->at[from][h->n[from]++] = n->now;
	return true;
}

static void session__hello_retried_with_backoff_up_to_a_second(void)
{
	struct srd_conn_cfg cfg = test_cfg();
	struct hello_log h;
	uint64_t gap = cfg.probe_interval_ns;
	struct net n;
	unsigned k;

	memset(&h, 0, sizeof(h));
	net_start(&n, &cfg);
	n.drop = drop_all_log_hellos;
	n.user = &h;
	run(&n, 5000000 * US);
	CHECK_EQ(h.n[0], 15);          /* 0, 0.5, 1.5, 3.5 ... 1023.5 ms, then every s */
	CHECK_EQ(h.at[0][0], 0);
	for (k = 1; k < h.n[0]; k++) {
		CHECK_EQ(h.at[0][k] - h.at[0][k - 1], gap);
		gap = 2 * gap < 1000000000ull ? 2 * gap : 1000000000ull;
	}
	CHECK_EQ(srd_conn_next_expiry(n.end[0]), h.at[0][14] + 1000000000ull);
	CHECK_EQ(srd_conn_stats(n.end[0])->hello_tx, 15);
	CHECK_EQ(srd_conn_stats(n.end[0])->srd_tx_pkts, 15);   /* nothing else */
	n.drop = NULL;                 /* the fabric heals: the next HELLOs bind */
	run(&n, n.now + 1000001 * US);
	CHECK(srd_conn_bound(n.end[0]) && srd_conn_bound(n.end[1]));
	CHECK_EQ(srd_conn_next_expiry(n.end[0]), SRD_NEVER);
	net_fini(&n);
}

/* A one-packet frame of lane 0 as A would send it, with no session block. */
static size_t data_pkt(uint8_t *b, size_t cap)
{
	struct srd_data d = { .vni = 42, .flags = SRD_DATA_FIRST | SRD_DATA_LAST,
			      .frame_len = 4 };
	int off = srd_wire_put_preamble(b, cap, 0);

	off += srd_wire_put_data_hdr(b + off, cap - (size_t)off, &d);
	memcpy(b + off, "abcd", 4);
	return (size_t)off + 4;
}

static void session__records_to_unbound_conn_dropped_and_answered(void)
{
	struct srd_conn_cfg cfg = test_cfg();   /* probe_interval 500 us */
	struct hello_log h;
	uint8_t pk[64];
	size_t len = data_pkt(pk, sizeof(pk));
	struct net n;

	memset(&h, 0, sizeof(h));
	net_start(&n, &cfg);
	n.drop = drop_all_log_hellos;
	n.user = &h;
	run(&n, 700 * US);                      /* B's HELLOs: 0 and 500 us */
	CHECK_EQ(srd_conn_recv(n.end[1], 2000, pk, len, n.now), -ENOTCONN);
	CHECK_EQ(srd_conn_next_expiry(n.end[1]), 1000 * US);   /* not before 500 + 500 */
	run(&n, 1100 * US);
	CHECK_EQ(srd_conn_recv(n.end[1], 2001, pk, len, n.now), -ENOTCONN);
	CHECK_EQ(srd_conn_next_expiry(n.end[1]), 1500 * US);
	run(&n, 1600 * US);
	CHECK_EQ(h.n[1], 4);
	CHECK_EQ(h.at[1][2], 1000 * US);
	CHECK_EQ(h.at[1][3], 1500 * US);
	CHECK_EQ(srd_conn_stats(n.end[1])->unbound_drops, 2);
	CHECK_EQ(srd_conn_stats(n.end[1])->srd_rx_pkts, 0);
	CHECK_EQ(n.frames, 0);
	CHECK_EQ(srd_conn_recv(n.end[1], 2000, pk, len, n.now), -ENOTCONN); /* not marked */
	net_fini(&n);
}

static bool drop_before_300us(struct net *n, int from, const struct srd_tx_pkt *t)
{
	(void)from;
	(void)t;
	return n->now < 300 * US;
}

/* B comes up late with nothing to send: A learns its session from B's first HELLO
 * and echoes it, which binds B; B's answer (an ACK, carrying HELLO) binds A. */
static void session__late_peer_binds_by_answering_a_hello(void)
{
	struct srd_conn_cfg cfg = test_cfg();
	struct net n;

	net_start(&n, &cfg);
	n.drop = drop_before_300us;
	CHECK_EQ(send_frame(&n, 2, 500, 7), 0);
	run(&n, 300 * US);                 /* A heard nothing; its next HELLO at 500 us */
	net_replace(&n, 1);
	run(&n, 322 * US);                 /* 310: A echoes B on path 1, 12 us */
	CHECK(srd_conn_bound(n.end[1]) && !srd_conn_bound(n.end[0]));
	run(&n, 334 * US);                 /* B's answer came back on that path */
	CHECK(srd_conn_bound(n.end[0]));
	run(&n, 400 * US);
	CHECK_EQ(n.frames, 1);
	CHECK_EQ(n.last[0], 7);
	CHECK_EQ(srd_conn_stats(n.end[0])->hello_tx, 2);   /* 0 us, and 310 us */
	net_fini(&n);
}

/* A packet as a peer of session `session` (0: no session block) sends it,
 * echoing `echo`, with a PROBE unless hello_only. */
static size_t peer_pkt(uint8_t *b, uint64_t session, uint64_t echo, bool hello_only)
{
	struct srd_hello h = { session, echo };
	int off = srd_wire_put_preamble_hello(b, 64, 0, session ? &h : NULL);

	if (!hello_only)
		off += srd_wire_put_probe(b + off, 64 - (size_t)off, 0);
	return (size_t)off;
}

static void session__unbound_conn_takes_newest_session_only(void)
{
	struct srd_conn_cfg cfg = test_cfg();
	uint64_t local;
	uint8_t pk[64];
	struct net n;

	net_start(&n, &cfg);
	local = srd_conn_session(n.end[1]);
	CHECK_EQ(srd_conn_recv(n.end[1], 3000, pk, peer_pkt(pk, 3000, 0, true), 1), 0);
	CHECK_EQ(srd_conn_remote_session(n.end[1]), 3000);
	CHECK(!srd_conn_bound(n.end[1]));
	CHECK_EQ(srd_conn_recv(n.end[1], 2500, pk, peer_pkt(pk, 2000, local, false), 2),
		 -ESTALE);                            /* an older session of the peer */
	CHECK_EQ(srd_conn_stats(n.end[1])->stale_session, 1);
	CHECK_EQ(srd_conn_recv(n.end[1], 3001, pk, peer_pkt(pk, 3000, 7, false), 3),
		 -ENOTCONN);                          /* records, but it does not know us */
	CHECK(!srd_conn_bound(n.end[1]));
	CHECK_EQ(srd_conn_recv(n.end[1], 4000, pk, peer_pkt(pk, 4000, local, false), 4), 0);
	CHECK(srd_conn_bound(n.end[1]));             /* newer, and it echoes us */
	CHECK_EQ(srd_conn_remote_session(n.end[1]), 4000);
	CHECK_EQ(srd_conn_recv(n.end[1], 3999, pk, peer_pkt(pk, 0, 0, false), 5),
		 -ESTALE);                            /* below the bound session */
	CHECK_EQ(srd_conn_recv(n.end[1], 4001, pk, peer_pkt(pk, 4000, 7, false), 6),
		 -ESTALE);                            /* sent before it knew us */
	CHECK_EQ(srd_conn_recv(n.end[1], 4002, pk, peer_pkt(pk, 0, 0, false), 7), 0);
	CHECK_EQ(srd_conn_stats(n.end[1])->stale_session, 3);
	CHECK_EQ(srd_conn_stats(n.end[1])->unbound_drops, 1);
	CHECK(srd_conn_new(&cfg, 0, 0) == NULL);    /* a session is never 0 */
	net_fini(&n);
}

static void session__newer_peer_session_resets_and_changes_nothing(void)
{
	struct srd_conn_stats before;
	uint8_t pk[64];
	struct net n;
	size_t len;

	setup(&n);                                   /* A bound to session 5000000 */
	CHECK_EQ(send_frame(&n, 1, 100, 1), 0);
	run(&n, 1000 * US);
	before = *srd_conn_stats(n.end[0]);
	len = peer_pkt(pk, 6000000, 0, true);
	CHECK_EQ(srd_conn_recv(n.end[0], 6000000, pk, len, n.now), -ECONNRESET);
	CHECK_EQ(srd_conn_recv(n.end[0], 6000000, pk, len, n.now), -ECONNRESET);
	CHECK_MEM(srd_conn_stats(n.end[0]), &before, sizeof(before));
	CHECK_EQ(srd_conn_remote_session(n.end[0]), 5000000);
	CHECK_EQ(srd_conn_next_expiry(n.end[0]), SRD_NEVER);
	net_fini(&n);
}

/* Two-way traffic across restarts: ids queued per side, ids A delivered. */
struct flow {
	unsigned sent[2];        /* frames queued per side, the next id */
	unsigned restarts[2];    /* endpoints the test replaced */
	unsigned gen[2];         /* connection generation the last frame went to */
	unsigned first_new[2];   /* first id queued on the current generation */
	unsigned got_a;          /* frames A delivered */
	uint8_t a_first[256];    /* their ids */
};

static unsigned generation(const struct net *n, const struct flow *f, int side)
{
	return n->resets[side] + f->restarts[side];
}

static void read_a(struct net *n, struct flow *f)
{
	static uint8_t buf[FRAME_BUF];
	struct srd_frame_out fo;

	while (srd_conn_read_frame(n->end[0], &fo, buf, sizeof(buf)) == 1)
		if (f->got_a < 256)
			f->a_first[f->got_a++] = buf[0];
}

/* A frame from each side every 25 us until `until`, then quiet until `settle`. */
static void two_way(struct net *n, struct flow *f, uint64_t until, uint64_t settle)
{
	int side;

	while (n->now < until) {
		for (side = 0; side < 2; side++) {
			if (generation(n, f, side) != f->gen[side]) {
				f->gen[side] = generation(n, f, side);
				f->first_new[side] = f->sent[side];
			}
			CHECK_EQ(send_id(n, side, 200, (uint8_t)f->sent[side]++), 0);
		}
		run(n, n->now + 25 * US);
		read_a(n, f);
	}
	run(n, settle);
	read_a(n, f);
}

static void restart(struct net *n, struct flow *f, int side)
{
	net_replace(n, side);
	f->restarts[side]++;
}

/* Delivered ids strictly increase (in order, no duplicate), and every id queued
 * on the current connections, from first_new on, arrived. */
static void check_delivery(const uint8_t *ids, unsigned got, unsigned first_new,
			   unsigned sent)
{
	unsigned k, from = got;

	for (k = 1; k < got; k++)
		CHECK(ids[k] > ids[k - 1]);
	for (k = 0; k < got && from == got; k++)
		if (ids[k] >= first_new)
			from = k;
	CHECK_EQ(got - from, sent - first_new);
}

static void check_bound_pair(const struct net *n)
{
	CHECK(srd_conn_bound(n->end[0]) && srd_conn_bound(n->end[1]));
	CHECK_EQ(srd_conn_remote_session(n->end[0]), srd_conn_session(n->end[1]));
	CHECK_EQ(srd_conn_remote_session(n->end[1]), srd_conn_session(n->end[0]));
}

static void session__one_side_restarts_both_directions_recover(void)
{
	struct flow f;
	uint64_t old_b;
	struct net n;

	memset(&f, 0, sizeof(f));
	setup(&n);
	two_way(&n, &f, 1000 * US, 1000 * US);
	old_b = srd_conn_session(n.end[1]);
	restart(&n, &f, 1);                          /* B's daemon restarts */
	two_way(&n, &f, 3000 * US, 8000 * US);
	CHECK_EQ(n.resets[0], 1);                    /* A rebuilt its connection once */
	CHECK_EQ(n.resets[1], 0);                    /* and B never had to */
	CHECK(srd_conn_session(n.end[1]) > old_b);
	check_bound_pair(&n);
	check_delivery(n.first, n.frames, f.first_new[0], f.sent[0]);
	check_delivery(f.a_first, f.got_a, f.first_new[1], f.sent[1]);
	CHECK(f.first_new[1] == 40 && f.sent[1] == 120);   /* B's frames all on B' */
	CHECK(srd_conn_idle(n.end[0]) && srd_conn_idle(n.end[1]));
	net_fini(&n);
}

static void session__both_sides_restart_at_once(void)
{
	struct flow f;
	struct net n;

	memset(&f, 0, sizeof(f));
	setup(&n);
	two_way(&n, &f, 1000 * US, 1000 * US);
	restart(&n, &f, 0);
	restart(&n, &f, 1);
	two_way(&n, &f, 3000 * US, 8000 * US);
	CHECK_EQ(n.resets[0], 0);                    /* both new: nothing to reset */
	CHECK_EQ(n.resets[1], 0);
	check_bound_pair(&n);
	check_delivery(n.first, n.frames, f.first_new[0], f.sent[0]);
	check_delivery(f.a_first, f.got_a, f.first_new[1], f.sent[1]);
	CHECK_EQ(f.first_new[0], 40);                /* everything after the restart */
	CHECK_EQ(f.first_new[1], 40);
	net_fini(&n);
}

/* Copies of packets with records, from either side, while armed. */
struct capture {
	bool armed;                  /* copy what leaves now */
	unsigned n;                  /* packets copied */
	struct wire_pkt pkt[64];     /* them, `to` naming the receiving side */
};

static bool capture_records(struct net *n, int from, const struct srd_tx_pkt *t)
{
	struct capture *c = n->user;
	struct srd_packet p;

	if (!c->armed || c->n == 64 || !wire_parse(t, &p) || srd_packet_hello_only(&p))
		return false;
	c->pkt[c->n] = (struct wire_pkt){ .to = !from, .pn = t->pn, .len = t->len };
	memcpy(c->pkt[c->n++].buf, t->buf, t->len);
	return false;
}

static void session__old_session_packets_refused_after_recovery(void)
{
	static struct capture cap;
	struct flow f;
	unsigned k, frames, got_a, refused = 0, stale[2];
	struct net n;

	memset(&f, 0, sizeof(f));
	setup(&n);
	cap = (struct capture){ .armed = true };
	n.drop = capture_records;
	n.user = &cap;
	two_way(&n, &f, 500 * US, 1000 * US);
	cap.armed = false;
	restart(&n, &f, 1);
	two_way(&n, &f, 2000 * US, 6000 * US);
	check_bound_pair(&n);
	frames = n.frames;
	got_a = f.got_a;
	stale[0] = srd_conn_stats(n.end[0])->stale_session;
	stale[1] = srd_conn_stats(n.end[1])->stale_session;
	CHECK(cap.n >= 40);
	for (k = 0; k < cap.n; k++)                  /* the attacker replays them all */
		refused += wire_recv(&n, &cap.pkt[k]) == -ESTALE;
	run(&n, n.now + 2000 * US);
	read_a(&n, &f);
	CHECK_EQ(refused, cap.n);
	CHECK_EQ(srd_conn_stats(n.end[0])->stale_session +
		 srd_conn_stats(n.end[1])->stale_session - stale[0] - stale[1], cap.n);
	CHECK_EQ(srd_conn_stats(n.end[0])->stale_pns + srd_conn_stats(n.end[1])->stale_pns,
		 0);                                 /* the window alone would not do */
	CHECK_EQ(n.frames, frames);
	CHECK_EQ(f.got_a, got_a);
	CHECK_EQ(n.resets[0], 1);
	CHECK_EQ(n.resets[1], 0);
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
	RUN(session__handshake_binds_then_queued_frames_flow_in_order);
	RUN(session__hello_retried_with_backoff_up_to_a_second);
	RUN(session__records_to_unbound_conn_dropped_and_answered);
	RUN(session__late_peer_binds_by_answering_a_hello);
	RUN(session__unbound_conn_takes_newest_session_only);
	RUN(session__newer_peer_session_resets_and_changes_nothing);
	RUN(session__one_side_restarts_both_directions_recover);
	RUN(session__both_sides_restart_at_once);
	RUN(session__old_session_packets_refused_after_recovery);
	return check_exit();
}
