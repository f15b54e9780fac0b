/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim.c: the deterministic network simulator (tests/sim/) and the scenario
 * table of the SRD engine.
 *
 * First the simulator's own parts: the event queue, a link's rate, queue, jitter,
 * loss models and blackholes, and the invariant checker (it must catch what it
 * claims to catch). Then the scenarios, short enough for CI and the ASan build,
 * and fairness: several connections sharing the paths, one joining late;
 * bench/sim_scenarios.sh runs the same table longer and prints the numbers. The
 * floors here are deliberately generous: a run is deterministic, so a failure is
 * a real change, never noise. SRD_SIM_SEED=n reruns the scenarios with another
 * seed; the checker prints the seed with every broken invariant.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "tests/check.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_events.h"
#include "tests/sim/sim_link.h"

#define MS 1000000ull
#define US 1000ull

static uint64_t seed = 1;                /* SRD_SIM_SEED overrides */
static struct srd_sim_cfg cfg;           /* the scenario being built */
static struct srd_sim_result res, res2;  /* the outcomes */

static void events__ties_run_in_push_order(void)
{
	struct srd_sim_events q;
	struct srd_sim_event ev = { 0 };
	uint32_t i;

	srd_sim_events_init(&q);
	for (i = 0; i < 100; i++)
		CHECK_EQ(srd_sim_events_push(&q, (i * 7919) % 10, 0, i, NULL), 0);
	for (i = 0; i < 100; i++) {
		uint64_t prev_at = q.now;
		uint32_t prev_arg = ev.arg;

		CHECK(srd_sim_events_pop(&q, &ev));
		CHECK(ev.at >= prev_at);
		if (i && ev.at == prev_at)
			CHECK(ev.arg > prev_arg);
	}
	CHECK(!srd_sim_events_pop(&q, &ev));
	srd_sim_events_fini(&q);
}

static void events__past_runs_now(void)
{
	struct srd_sim_events q;
	struct srd_sim_event ev;

	srd_sim_events_init(&q);
	srd_sim_events_push(&q, 50, 1, 0, NULL);
	CHECK(srd_sim_events_pop(&q, &ev));
	srd_sim_events_push(&q, 10, 2, 0, NULL);
	CHECK_EQ(srd_sim_events_peek(&q), 50);
	CHECK(srd_sim_events_pop(&q, &ev));
	CHECK_EQ(ev.at, 50);
	CHECK_EQ(q.now, 50);
	srd_sim_events_fini(&q);
}

static struct srd_sim_link_cfg gig(void)
{
	return (struct srd_sim_link_cfg){ .rate_bps = 1000000000ull, .delay_ns = 10 * US };
}

static void link__serialises_at_rate(void)
{
	struct srd_sim_link_cfg c = gig();
	struct srd_sim_link l;
	uint64_t at[2];

	srd_sim_link_init(&l, &c, 1, 1);
	CHECK_EQ(srd_sim_link_send(&l, 0, 1500, at), 1);
	CHECK_EQ(at[0], 12 * US + 10 * US);
	CHECK_EQ(srd_sim_link_send(&l, 0, 1500, at), 1);
	CHECK_EQ(at[0], 24 * US + 10 * US);
	CHECK_EQ(srd_sim_link_backlog(&l, 12 * US), 1500);
	srd_sim_link_set_rate(&l, 24 * US, 2000000000ull);
	CHECK_EQ(srd_sim_link_send(&l, 100 * US, 1500, at), 1);
	CHECK_EQ(at[0], 106 * US + 10 * US);
}

static void link__tail_drops_at_queue_limit(void)
{
	struct srd_sim_link_cfg c = gig();
	struct srd_sim_link l;
	uint64_t at[2];
	unsigned i, sent = 0;

	c.queue_bytes = 4500;
	srd_sim_link_init(&l, &c, 1, 1);
	for (i = 0; i < 5; i++)
		sent += srd_sim_link_send(&l, 0, 1500, at);
	CHECK_EQ(sent, 3);
	CHECK_EQ(l.stats.drop_queue, 2);
	CHECK_EQ(srd_sim_link_send(&l, 12 * US, 1500, at), 1);  /* one left the queue */
}

static void link__jitter_never_reorders(void)
{
	struct srd_sim_link_cfg c = gig();
	struct srd_sim_link l;
	uint64_t at[2], last = 0, t;
	bool varied = false;

	c.jitter_ns = 50 * US;
	srd_sim_link_init(&l, &c, 7, 1);
	for (t = 0; t < 2000 * US; t += 3 * US) {
		CHECK_EQ(srd_sim_link_send(&l, t, 64, at), 1);
		CHECK(at[0] >= last);
		varied |= at[0] - t > 20 * US;
		last = at[0];
	}
	CHECK(varied);
}

static void link__mask_rotates_one_bit_per_packet(void)
{
	struct srd_sim_link_cfg c = gig();
	struct srd_sim_link l;
	uint64_t at[2];
	unsigned i, got[130];

	c.loss_mask = 0x5;   /* packets 0 and 2 of every 64 */
	srd_sim_link_init(&l, &c, 1, 1);
	for (i = 0; i < 130; i++)
		got[i] = srd_sim_link_send(&l, i * MS, 100, at);
	CHECK_EQ(got[0] + got[1] + got[2] + got[3], 2);
	CHECK_EQ(got[1], 1);
	CHECK_EQ(got[64], 0);
	CHECK_EQ(got[66], 0);
	CHECK_EQ(got[129], 1);
	CHECK_EQ(l.stats.drop_loss, 5);  /* 0, 2, 64, 66, 128 */
}

static void link__random_and_burst_loss_rates(void)
{
	struct srd_sim_link_cfg c = gig();
	struct srd_sim_link l;
	uint64_t at[2], runs = 0;
	unsigned i, lost = 0;
	bool prev = false;

	c.loss = 0.1;
	srd_sim_link_init(&l, &c, 3, 1);
	for (i = 0; i < 20000; i++)
		lost += !srd_sim_link_send(&l, i * MS, 100, at);
	CHECK(lost > 1800 && lost < 2200);
	c.loss = 0;
	c.burst_leave = 0.25;               /* bursts of 4 on average */
	c.burst_enter = 0.25 * 0.05 / 0.95; /* 5 % of packets lost */
	srd_sim_link_init(&l, &c, 3, 2);
	for (i = 0, lost = 0; i < 40000; i++) {
		bool drop = !srd_sim_link_send(&l, i * MS, 100, at);

		lost += drop;
		runs += drop && !prev;
		prev = drop;
	}
	CHECK(lost > 1600 && lost < 2400);
	CHECK(runs && lost / runs >= 3 && lost / runs <= 5);
}

static void link__down_drops_what_it_carries(void)
{
	struct srd_sim_link_cfg c = gig();
	struct srd_sim_link l;
	uint64_t at[2];
	uint32_t epoch;

	srd_sim_link_init(&l, &c, 1, 1);
	epoch = l.epoch;
	CHECK_EQ(srd_sim_link_send(&l, 0, 1500, at), 1);
	srd_sim_link_set_up(&l, 5 * US, false);
	CHECK(!srd_sim_link_alive(&l, epoch));
	CHECK_EQ(srd_sim_link_send(&l, 6 * US, 1500, at), 0);
	CHECK_EQ(l.stats.drop_down, 1);
	srd_sim_link_set_up(&l, 1 * MS, true);
	CHECK(!srd_sim_link_alive(&l, epoch));
	CHECK(srd_sim_link_alive(&l, l.epoch));
	/* capacity counts only the time up: 5 us + 1 ms more */
	CHECK_EQ((uint64_t)srd_sim_link_capacity(&l, 2 * MS), 5000 + 1000000);
}

/* The checker must catch what it claims to: duplicates, reordering, stalls. */
static void check__catches_broken_delivery(void)
{
	struct srd_sim_check ck;
	uint8_t buf[100];
	uint32_t a, b;

	CHECK_EQ(srd_sim_check_init(&ck, 2, 9, MS), 0);
	ck.quiet = true;
	a = srd_sim_check_new_frame(&ck, 0, 1, 100, 0);
	b = srd_sim_check_new_frame(&ck, 0, 1, 100, 0);
	srd_sim_check_fill(&ck, b, buf);
	CHECK_EQ(srd_sim_check_tx(&ck, 0, 1, 0, SRD_DATA_FIRST | SRD_DATA_LAST, buf, 100, 0),
		 true);
	srd_sim_check_fill(&ck, a, buf);
	CHECK_EQ(srd_sim_check_deliver_bytes(&ck, 0, 1, buf, 100, 10), a);
	buf[50] ^= 1;   /* no stamp there: only the header and stamps are checked */
	srd_sim_check_deliver(&ck, a, 0, 1, 11);
	CHECK_EQ(ck.t.duplicates, 1);
	srd_sim_check_fill(&ck, b, buf);
	buf[99] ^= 1;   /* tail stamp */
	srd_sim_check_deliver_bytes(&ck, 0, 1, buf, 100, 12);
	CHECK_EQ(ck.t.corrupt, 1);
	CHECK(!srd_sim_check_ok(&ck));
	srd_sim_check_fini(&ck);
}

static void check__catches_a_stalled_lane(void)
{
	struct srd_sim_check ck;
	uint8_t buf[64];
	uint32_t id;

	CHECK_EQ(srd_sim_check_init(&ck, 4, 9, MS), 0);
	ck.quiet = true;
	id = srd_sim_check_new_frame(&ck, 0, 3, 64, 0);
	srd_sim_check_fill(&ck, id, buf);
	srd_sim_check_tx(&ck, 0, 3, 0, SRD_DATA_FIRST, buf, 32, 0);
	srd_sim_check_tx(&ck, 0, 3, 1, SRD_DATA_LAST, buf + 32, 32, 0);
	srd_sim_check_orig_lost(&ck, 0, 3, 0);
	srd_sim_check_rx(&ck, 0, 3, 1, true, 5);
	srd_sim_check_stall(&ck, 0, 3, 5);
	CHECK_EQ(ck.t.stalls, 0);         /* seq 0 is still missing */
	srd_sim_check_rx(&ck, 0, 3, 0, true, 9);
	CHECK_EQ(ck.t.recoveries, 1);
	srd_sim_check_stall(&ck, 0, 3, 9);
	CHECK_EQ(ck.t.stalls, 1);         /* complete and first in its lane */
	srd_sim_check_finish(&ck, 10);
	CHECK_EQ(ck.t.lost, 1);
	CHECK_EQ(ck.t.rec_p50, 9);
	srd_sim_check_fini(&ck);
}

static void check__give_up_maps_to_frames(void)
{
	struct srd_sim_check ck;
	uint8_t buf[64];
	uint32_t id;

	CHECK_EQ(srd_sim_check_init(&ck, 1, 9, MS), 0);
	ck.quiet = true;
	id = srd_sim_check_new_frame(&ck, 1, 0, 64, 0);
	srd_sim_check_fill(&ck, id, buf);
	srd_sim_check_tx(&ck, 1, 0, 0, SRD_DATA_FIRST | SRD_DATA_LAST, buf, 64, 0);
	CHECK_EQ(ck.unresolved, 1);
	srd_sim_check_give_up(&ck, 1, 0, 0, 5);
	CHECK_EQ(ck.unresolved, 0);
	srd_sim_check_finish(&ck, 10);
	CHECK_EQ(ck.t.given_up, 1);
	CHECK(srd_sim_check_ok(&ck));
	srd_sim_check_fini(&ck);
}

/* A small scenario: K paths of rate gbps and one-way delay_us each. */
static void scenario(unsigned paths, double gbps, uint64_t delay_us, uint64_t ms)
{
	unsigned i;

	srd_sim_cfg_default(&cfg);
	cfg.paths = paths;
	for (i = 0; i < paths; i++) {
		cfg.fwd[i].rate_bps = cfg.rev[i].rate_bps = (uint64_t)(gbps * 1e9);
		cfg.fwd[i].delay_ns = cfg.rev[i].delay_ns = delay_us * US;
	}
	cfg.duration_ns = ms * MS;
	cfg.seed = seed;
}

static bool run(void)
{
	int rc = srd_sim_run(&cfg, &res);

	CHECK_EQ(rc, 0);
	if (rc)
		return false;
	if (!res.invariants_ok)
		fprintf(stderr, "seed %llu: invariants broken\n", (unsigned long long)seed);
	CHECK(res.invariants_ok);
	CHECK(res.mem_ok);
	CHECK(res.drained);
	CHECK(res.t.delivered > 0);
	return true;
}

static void sim__same_seed_same_run(void)
{
	scenario(4, 1, 10, 10);
	cfg.fwd[2].loss = 0.02;
	cfg.fwd[1].jitter_ns = 5 * US;
	cfg.traffic.mode = SRD_SIM_MIXED;
	if (!run())
		return;
	CHECK_EQ(srd_sim_run(&cfg, &res2), 0);
	CHECK_EQ(res.events, res2.events);
	CHECK_EQ(res.end_ns, res2.end_ns);
	CHECK_EQ(res.t.lat_p999, res2.t.lat_p999);
	CHECK_EQ(res.retransmits, res2.retransmits);
	CHECK(res.t.rr_done > 0);
}

/* Table row 1: 4 clean paths fill up (bench: goodput_ratio >= 0.90). */
static void scenario__four_paths_clean(void)
{
	scenario(4, 1, 10, 30);
	if (!run())
		return;
	CHECK_EQ(res.t.lost + res.t.given_up, 0);
	CHECK_EQ(res.retransmits, 0);
	CHECK(res.goodput_ratio >= 0.80);
}

/* Row 2: 1 % random loss on one of 4 paths: every frame arrives, few retransmits. */
static void scenario__one_lossy_path(void)
{
	scenario(4, 1, 10, 30);
	cfg.fwd[1].loss = 0.01;
	if (!run())
		return;
	CHECK_EQ(res.t.lost + res.t.given_up, 0);
	CHECK(res.t.recoveries > 0);
	CHECK(res.retransmits >= res.t.recoveries);
	CHECK(res.retransmits < 3 * res.link_loss + 10);
	CHECK(res.goodput_ratio >= 0.70);
	CHECK(res.t.rec_p99 < 2 * MS);   /* microseconds, never a 200 ms RTO */
}

/* Row 3: a path blackholes mid-run and revives: traffic moves off it within a few
 * RTTs, nothing is lost, and the path carries data again afterwards. */
static void scenario__blackhole_and_revive(void)
{
	scenario(4, 1, 10, 40);
	cfg.script[0] = (struct srd_sim_script){ .at = 15 * MS, .path = 2,
						 .op = SRD_SIM_OP_DOWN };
	cfg.script[1] = (struct srd_sim_script){ .at = 25 * MS, .path = 2,
						 .op = SRD_SIM_OP_UP };
	cfg.nscript = 2;
	if (!run())
		return;
	CHECK_EQ(res.t.lost + res.t.given_up, 0);
	CHECK(res.bh_dead_at > 0);
	/* no data after the death at all, or none later than 1 ms (base RTT 20 us) */
	CHECK(res.bh.last_data == 0 || res.bh.last_data - res.bh.down_at < 1 * MS);
	CHECK(res.bh.revived_data > 100);
	CHECK(res.goodput_ratio >= 0.65);
}

/* Row 4: 16 paths, one-way delays 10..100 us, jitter: order and memory hold. */
static void scenario__sixteen_paths_spread_delays(void)
{
	unsigned i;

	scenario(16, 1, 10, 20);
	for (i = 0; i < 16; i++) {
		cfg.fwd[i].delay_ns = cfg.rev[i].delay_ns = (10 + 6 * i) * US;
		cfg.fwd[i].jitter_ns = cfg.rev[i].jitter_ns = 20 * US;
	}
	cfg.traffic.lanes = 64;
	cfg.traffic.mode = SRD_SIM_MIXED;
	if (!run())
		return;
	CHECK_EQ(res.t.lost + res.t.given_up, 0);
	CHECK_EQ(res.t.out_of_order, 0);
	CHECK(res.rob_peak_bytes > 0);
	CHECK(res.rob_peak_bytes <= res.rob_bound_bytes);
}

/* Row 5: 64 paths, 100 Gbit/s in all, 10 us base RTT, 1 % loss everywhere. */
static void scenario__sixty_four_paths_lossy(void)
{
	unsigned i;

	scenario(64, 1.5625, 5, 3);
	for (i = 0; i < 64; i++)
		cfg.fwd[i].loss = 0.01;
	cfg.traffic.lanes = 256;
	if (!run())
		return;
	CHECK_EQ(res.t.lost + res.t.given_up, 0);
	CHECK(res.t.recoveries > 0);
	CHECK(res.t.rec_p99 < 1 * MS);
	CHECK(res.goodput_gbps > 5);
}

/* Row 6: SRD against the TCP baseline under 1 % loss, at half load: SRD's p99.9
 * frame latency must be far below TCP's (whose tail waits for 200 ms RTOs). */
static void scenario__srd_beats_tcp_tail(void)
{
	unsigned i;

	scenario(4, 1, 10, 40);
	for (i = 0; i < 4; i++)
		cfg.fwd[i].loss = 0.01;
	cfg.load = 0.5;
	if (!run())
		return;
	CHECK_EQ(srd_sim_run_tcp(&cfg, &res2), 0);
	CHECK(res2.invariants_ok);
	CHECK(res2.timeouts > 0);
	CHECK(res.t.lat_p999 * 10 < res2.t.lat_p999);
	CHECK_EQ(res.t.lost + res.t.given_up, 0);
}

/* Fairness (row 7): n connections share 4 paths of 2.5 Gbit/s with 64 KiB queues,
 * the last one joins at 10 ms. Every pair's invariants hold, the paths stay full,
 * and over the fairness window (25-40 ms) each gets a share: Jain's index at least
 * min_jain (1 is equal shares, 0.75 one of four starved). Measured: 0.991 for two,
 * 0.870 for four — a connection that measured its base RTT behind the others'
 * queue still takes more (docs/performance.md); the floors keep what is won. */
/* Every connection gets at least min_share of an equal share, and the Jain index over
 * them is at least min_jain. With four connections on this fabric the engine's
 * fairness is a known weakness (docs/performance.md): Jain 0.82 +- 0.05 over 30 seeds,
 * the worst connection near a quarter of its share; the floors catch starvation. */
static void fair(unsigned n, double min_jain, double min_share)
{
	uint64_t delivered = 0;
	double total = 0;
	unsigned i;

	scenario(4, 2.5, 10, 40);
	for (i = 0; i < 4; i++)
		cfg.fwd[i].queue_bytes = cfg.rev[i].queue_bytes = 64 * 1024;
	cfg.conns = n;
	cfg.conn_start_ns[n - 1] = 10 * MS;
	if (!run())
		return;
	CHECK_EQ(res.conns, n);
	printf("     %u conns, conn %u joins at 10 ms: ratio %.3f, Jain %.4f, Gbit/s",
	       n, n - 1, res.goodput_ratio, res.fairness_jain);
	for (i = 0; i < n; i++) {
		printf(" %.3f", res.conn[i].goodput_gbps);
		CHECK(res.conn[i].invariants_ok);
		CHECK(res.conn[i].delivered > 0);
		delivered += res.conn[i].delivered;
		total += res.conn[i].goodput_gbps;
	}
	printf("\n");
	for (i = 0; i < n; i++)
		CHECK(res.conn[i].goodput_gbps >= min_share * total / n);
	CHECK_EQ(delivered, res.t.delivered);
	CHECK_EQ(res.t.lost + res.t.given_up, 0);
	CHECK(res.goodput_ratio >= 0.80);
	CHECK(res.fairness_jain >= min_jain);
}

static void fair__two_conns_one_joins_late(void)
{
	fair(2, 0.95, 0.5);
}

static void fair__four_conns_one_joins_late(void)
{
	fair(4, 0.75, 0.2);
	CHECK_EQ(srd_sim_run(&cfg, &res2), 0);   /* several pairs: still deterministic */
	CHECK_EQ(res.events, res2.events);
	CHECK(res.fairness_jain == res2.fairness_jain);
}

int main(void)
{
	const char *s = getenv("SRD_SIM_SEED");

	if (s)
		seed = strtoull(s, NULL, 0);
	printf("scenario seed %llu\n", (unsigned long long)seed);
	RUN(events__ties_run_in_push_order);
	RUN(events__past_runs_now);
	RUN(link__serialises_at_rate);
	RUN(link__tail_drops_at_queue_limit);
	RUN(link__jitter_never_reorders);
	RUN(link__mask_rotates_one_bit_per_packet);
	RUN(link__random_and_burst_loss_rates);
	RUN(link__down_drops_what_it_carries);
	RUN(check__catches_broken_delivery);
	RUN(check__catches_a_stalled_lane);
	RUN(check__give_up_maps_to_frames);
	RUN(sim__same_seed_same_run);
	RUN(scenario__four_paths_clean);
	RUN(scenario__one_lossy_path);
	RUN(scenario__blackhole_and_revive);
	RUN(scenario__sixteen_paths_spread_delays);
	RUN(scenario__sixty_four_paths_lossy);
	RUN(scenario__srd_beats_tcp_tail);
	RUN(fair__two_conns_one_joins_late);
	RUN(fair__four_conns_one_joins_late);
	return check_exit();
}
