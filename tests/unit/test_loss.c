/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_loss.c: loss detection through the public API (encap/conn_ack.c): RACK per
 * path, the time threshold across paths, the probe timeout and its backoff, where
 * retransmissions leave, spurious losses, and giving up. Two endpoints over the
 * scripted wire of wire_harness.h, every path 10 us one way unless a test says
 * otherwise, ACKs at once (ack_every 1), so RTTs are exact and so are the times at
 * which the sender decides.
 */
#include "tests/unit/wire_harness.h"
#include "tests/rng.h"

#define DELAY (10 * US)        /* one-way delay of every path */
#define RTT (2 * DELAY)        /* round trip on any path */
#define ACK_DELAY (20 * US)    /* cfg.ack_delay_ns */
#define INIT_RTT (40 * US)     /* cfg.initial_rtt_ns */
#define WARM 64u               /* frames sent to warm up RTT estimates */

/* State of the seeded generator given to cfg.rand. */
struct rng {
	uint64_t s;   /* splitmix64 state */
};

static struct rng rng;

static uint64_t rng_next(void *user)
{
	struct rng *r = user;

	return test_splitmix64(&r->s);
}

static struct srd_conn_cfg loss_cfg(void)
{
	struct srd_conn_cfg cfg = wire_cfg();

	cfg.ack_every = 1;
	cfg.ack_delay_ns = ACK_DELAY;
	cfg.initial_rtt_ns = INIT_RTT;
	cfg.giveup_ns = 50000 * US;
	cfg.hold_ns = 200000 * US;
	cfg.probe_interval_ns = 5000 * US;
	cfg.rand = rng_next;
	cfg.rand_user = &rng;
	return cfg;
}

static void setup_cfg(struct net *n, const struct srd_conn_cfg *cfg)
{
	unsigned i;

	rng.s = 0x10552eed;
	net_init(n, cfg);
	for (i = 0; i < cfg->npaths; i++)
		n->delay[i] = DELAY;
}

static void setup(struct net *n)
{
	struct srd_conn_cfg cfg = loss_cfg();

	setup_cfg(n, &cfg);
}

/* Send count frames of 500 bytes over the lanes at n->now. */
static void burst(struct net *n, unsigned count)
{
	unsigned i;

	for (i = 0; i < count; i++)
		CHECK_EQ(send_frame(n, (uint16_t)(i % 8), 500, (uint8_t)i), 0);
}

/* Give every path RTT samples, then let everything settle. */
static void warm_up(struct net *n)
{
	unsigned i;

	burst(n, WARM);
	run(n, n->now + 2000 * US);
	CHECK_EQ(n->frames, WARM);
	CHECK(srd_conn_idle(n->end[0]));
	CHECK_EQ(srd_conn_stats(n->end[0])->lost_pkts, 0);
	for (i = 0; i < 4; i++) {
		struct srd_path_stats ps;

		srd_conn_path_stats(n->end[0], i, &ps);
		CHECK_EQ(ps.min_rtt_ns, 2 * n->delay[i]);
		CHECK_EQ(ps.srtt_ns, 2 * n->delay[i]);
	}
}

static unsigned logged(const struct net *n)
{
	return n->sent_data < WIRE_LOG ? n->sent_data : WIRE_LOG;
}

/* The next transmission of the DATA packet logged at i, or -1. */
static int next_copy(const struct net *n, unsigned i)
{
	const struct wire_tx *a = &n->data[i];
	unsigned j;

	for (j = i + 1; j < logged(n); j++)
		if (n->data[j].lane == a->lane && n->data[j].seq == a->seq)
			return (int)j;
	return -1;
}

/* The first DATA packet logged from `from` on that the script dropped, or -1. */
static int first_dropped(const struct net *n, unsigned from)
{
	unsigned i;

	for (i = from; i < logged(n); i++)
		if (n->data[i].dropped)
			return (int)i;
	return -1;
}

/* ---- RACK, per path ---- */

/* Script state: drop the first DATA on `path` once armed. */
struct drop_once {
	uint16_t path;   /* path to drop on */
	bool armed;      /* drop the next DATA packet on it */
};

static bool drop_once_on_path(struct net *n, int from, const struct srd_tx_pkt *t)
{
	struct drop_once *d = n->user;

	if (from != 0 || !d->armed || t->path != d->path || !is_data(t))
		return false;
	d->armed = false;
	return true;
}

static void loss__rack_same_path_after_srtt_plus_window(void)
{
	struct drop_once d = { .path = 0 };
	unsigned first, later = 0, j;
	uint64_t elapsed;
	struct net n;
	int i, r;

	setup(&n);
	warm_up(&n);
	n.drop = drop_once_on_path;
	n.user = &d;
	d.armed = true;
	first = n.sent_data;
	burst(&n, 32);
	run(&n, n.now + 2000 * US);
	CHECK_EQ(n.frames, WARM + 32);
	i = first_dropped(&n, first);
	CHECK(i >= 0);
	if (i < 0)
		goto out;
	for (j = (unsigned)i + 1; j < logged(&n); j++)   /* later, same path, delivered */
		later += n.data[j].path == 0 && n.data[j].at == n.data[i].at &&
			 !n.data[j].dropped;
	CHECK(later >= 1);
	r = next_copy(&n, (unsigned)i);
	CHECK(r > i);
	if (r < 0)
		goto out;
	elapsed = n.data[r].at - n.data[i].at;
	/* RACK: max(latest_rtt, srtt) + min_rtt / 4 + rttvar (rttvar ~0 here), well
	 * before the cross-path threshold, srtt + srtt/8 + ack delay + min_rtt/4 */
	CHECK(elapsed >= RTT + RTT / 4);
	CHECK(elapsed <= RTT + RTT / 4 + 1 * US);
	CHECK(RTT + RTT / 4 + 1 * US < RTT + RTT / 8 + ACK_DELAY + RTT / 4);
	CHECK(n.data[r].path != 0);
	CHECK_EQ(srd_conn_stats(n.end[0])->lost_pkts, 1);
	CHECK_EQ(srd_conn_stats(n.end[0])->pto_count, 0);
	CHECK_EQ(srd_conn_stats(n.end[0])->spurious_losses, 0);
out:
	net_fini(&n);
}

/* ---- time threshold, across paths ---- */

static void loss__time_threshold_uses_own_path_rtt(void)
{
	struct srd_conn_cfg cfg = loss_cfg();
	struct srd_path_stats ps;
	uint64_t elapsed, thr;
	unsigned first, j;
	struct net n;
	int i, r;

	cfg.initial_rtt_ns = 10 * RTT;          /* no loss before path 3's first sample */
	setup_cfg(&n, &cfg);
	n.delay[3] = 4 * DELAY;                 /* a slow path */
	warm_up(&n);
	n.drop = drop_path;                     /* path 3 goes black */
	n.blackhole_path = 3;
	n.blackhole_from = n.now;
	n.blackhole_until = SRD_NEVER;
	first = n.sent_data;
	burst(&n, 48);
	run(&n, n.now + 3000 * US);
	CHECK_EQ(n.frames, WARM + 48);
	i = first_dropped(&n, first);
	CHECK(i >= 0);
	if (i < 0)
		goto out;
	/* no later packet on path 3 was acknowledged */
	for (j = (unsigned)i + 1; j < logged(&n); j++)
		CHECK(n.data[j].path != 3 || n.data[j].dropped);
	r = next_copy(&n, (unsigned)i);
	CHECK(r > i);
	if (r < 0)
		goto out;
	/* path 3's estimates froze with the blackhole; no spurious loss has widened
	 * its reordering window beyond the first step, min_rtt / 4 */
	srd_conn_path_stats(n.end[0], 3, &ps);
	thr = ps.srtt_ns + ps.srtt_ns / 8 + 4 * ps.rttvar_ns + ACK_DELAY +
	      ps.min_rtt_ns / 4;
	elapsed = n.data[r].at - n.data[i].at;
	CHECK(elapsed >= thr);
	CHECK(elapsed <= thr + 1 * US);
	/* judged by its own RTT, not by a fast path's threshold */
	CHECK(elapsed > RTT + RTT / 8 + ACK_DELAY + RTT / 4 + 10 * US);
	CHECK(n.data[r].path != 3);
	CHECK_EQ(srd_conn_stats(n.end[0])->pto_count, 0);
out:
	net_fini(&n);
}

/* ---- probe timeout ---- */

static bool drop_all_from_a(struct net *n, int from, const struct srd_tx_pkt *t)
{
	(void)n;
	(void)t;
	return from == 0;
}

static void loss__pto_backs_off_without_floor(void)
{
	struct srd_conn_cfg cfg = loss_cfg();
	/* No sample yet: the path's loss threshold, srtt + srtt/8 + ack delay + the
	 * reordering allowance (a quarter RTT), which the probe timeout never undercuts. */
	uint64_t d = INIT_RTT + INIT_RTT / 8 + ACK_DELAY + INIT_RTT / 4;
	struct net n;
	unsigned k;

	cfg.dead_after = 1000;                   /* keep every path usable */
	setup_cfg(&n, &cfg);
	n.drop = drop_all_from_a;
	burst(&n, 1);
	run(&n, d - 1);
	CHECK_EQ(srd_conn_stats(n.end[0])->pto_count, 0);
	CHECK_EQ(n.sent_probes, 0);
	run(&n, d);
	CHECK_EQ(srd_conn_stats(n.end[0])->pto_count, 1);
	run(&n, 2400 * US);
	CHECK_EQ(srd_conn_stats(n.end[0])->pto_count, 5);   /* 75, 225, 525, 1125, 2325 */
	CHECK_EQ(n.sent_probes, 5);
	CHECK_EQ(n.probe[0].at, d);              /* 75 us: no millisecond floor */
	for (k = 1; k < 5 && k < n.sent_probes; k++)
		CHECK_EQ(n.probe[k].at - n.probe[k - 1].at, d << k);
	CHECK_EQ(srd_conn_stats(n.end[0])->retransmits, 5);
	CHECK_EQ(srd_conn_stats(n.end[0])->lost_pkts, 1 + 4 * 2);  /* data and probes */
	net_fini(&n);
}

static void loss__pto_floor_respected(void)
{
	struct srd_conn_cfg cfg = loss_cfg();
	uint64_t floor = 2000 * US;
	struct net n;

	cfg.dead_after = 1000;
	cfg.pto_floor_ns = floor;
	setup_cfg(&n, &cfg);
	n.drop = drop_all_from_a;
	burst(&n, 1);
	run(&n, floor - 1);
	CHECK_EQ(srd_conn_stats(n.end[0])->pto_count, 0);
	run(&n, 15000 * US);
	CHECK_EQ(srd_conn_stats(n.end[0])->pto_count, 3);
	CHECK_EQ(n.sent_probes, 3);
	CHECK_EQ(n.probe[0].at, floor);
	CHECK_EQ(n.probe[1].at, 3 * floor);
	CHECK_EQ(n.probe[2].at, 7 * floor);
	net_fini(&n);
}

/* ---- where repairs go ---- */

static bool drop_random_data(struct net *n, int from, const struct srd_tx_pkt *t)
{
	struct rng *r = n->user;

	return from == 0 && is_data(t) && rng_next(r) % 100 < 15;
}

static void loss__retransmission_leaves_on_another_path(void)
{
	struct srd_conn_cfg cfg = loss_cfg();
	struct rng drops = { 0xd209 };
	unsigned i, repairs = 0;
	struct net n;
	int j;

	cfg.dead_after = 1000;                   /* every path stays usable */
	setup_cfg(&n, &cfg);
	n.drop = drop_random_data;
	n.user = &drops;
	burst(&n, 300);
	run(&n, 20000 * US);
	CHECK_EQ(n.frames, 300);
	CHECK(n.sent_data < WIRE_LOG);
	for (i = 0; i < logged(&n); i++) {
		j = next_copy(&n, i);
		if (j < 0)
			continue;
		repairs++;
		CHECK(n.data[j].path != n.data[i].path);
	}
	CHECK(repairs >= 30);
	CHECK_EQ(repairs, srd_conn_stats(n.end[0])->retransmits);
	net_fini(&n);
}

/* ---- spurious losses ---- */

static void loss__late_packet_counts_spurious(void)
{
	struct srd_path_stats ps;
	unsigned first, i, slow = 0;
	struct net n;

	setup(&n);
	warm_up(&n);
	n.delay[1] = 300 * US;                  /* path 1's delay jumps */
	first = n.sent_data;
	burst(&n, 32);
	run(&n, n.now + 5000 * US);
	for (i = first; i < logged(&n); i++)
		slow += n.data[i].path == 1 && n.data[i].at == n.data[first].at;
	CHECK(slow >= 1);
	CHECK_EQ(n.frames, WARM + 32);          /* each exactly once */
	CHECK_EQ(srd_conn_stats(n.end[1])->dup_pkts +       /* the late originals */
		 srd_conn_stats(n.end[1])->too_old_pkts, slow);
	CHECK_EQ(srd_conn_stats(n.end[0])->lost_pkts, slow);
	CHECK_EQ(srd_conn_stats(n.end[0])->spurious_losses, slow);
	srd_conn_path_stats(n.end[0], 1, &ps);
	CHECK_EQ(ps.state, SRD_PATH_ACTIVE);    /* the late ACK revived it */
	CHECK(srd_conn_idle(n.end[0]));
	net_fini(&n);
}

/* ---- giving up ---- */

/* Drop every transmission of lane 2, seq 1. */
static bool drop_lane2_seq1(struct net *n, int from, const struct srd_tx_pkt *t)
{
	struct srd_packet p;

	(void)n;
	return from == 0 && wire_parse(t, &p) && p.has_data && p.data.lane == 2 &&
	       p.data.seq == 1;
}

static void loss__give_up_after_giveup_tries(void)
{
	struct srd_conn_cfg cfg = loss_cfg();
	unsigned i, tries = 0, gave = 0;
	struct srd_event ev;
	struct net n;

	cfg.giveup_tries = 4;
	setup_cfg(&n, &cfg);
	n.drop = drop_lane2_seq1;
	burst(&n, 24);                           /* lane 2 gets seqs 0, 1, 2 */
	run(&n, 20000 * US);
	for (i = 0; i < logged(&n); i++)
		tries += n.data[i].lane == 2 && n.data[i].seq == 1;
	CHECK_EQ(tries, 4);
	CHECK_EQ(srd_conn_stats(n.end[0])->giveups, 1);
	while (srd_conn_poll_event(n.end[0], &ev))
		if (ev.type == SRD_EV_GIVE_UP) {
			gave++;
			CHECK_EQ(ev.lane, 2);
			CHECK_EQ(ev.seq, 1);
			CHECK_EQ(ev.count, 1);
			CHECK(ev.now < cfg.giveup_ns);   /* tries, not the clock */
		}
	CHECK_EQ(gave, 1);
	CHECK_EQ(n.frames, 23);
	CHECK_EQ(srd_conn_stats(n.end[1])->skipped_frames, 1);
	CHECK(srd_conn_idle(n.end[0]));
	net_fini(&n);
}

int main(void)
{
	RUN(loss__rack_same_path_after_srtt_plus_window);
	RUN(loss__time_threshold_uses_own_path_rtt);
	RUN(loss__pto_backs_off_without_floor);
	RUN(loss__pto_floor_respected);
	RUN(loss__retransmission_leaves_on_another_path);
	RUN(loss__late_packet_counts_spurious);
	RUN(loss__give_up_after_giveup_tries);
	return check_exit();
}
