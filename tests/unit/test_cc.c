/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cc.c: congestion control (encap/cc.c), driven directly. The engine feeds
 * cc_on_ack() with a path's cc_srtt, the smoothed RTT of packets that came back on
 * their own path index (conn_ack.c rtt_update); queuing delay is that minus the
 * path's cc_min_rtt. The tests set a path's RTTs by hand and call cc_* as the engine
 * does, on a virtual clock.
 */
#include "encap/conn_int.h"
#include "tests/check.h"

#define US 1000ull
#define T0 1000000000ull       /* a start time well past any "last decrease" */
#define MIN_RTT (20 * US)      /* every path's lowest round trip */
#define TARGET (50 * US)       /* cfg.target_delay_ns */
#define SRTT (100 * US)        /* path srtt: the once-per-RTT spacing */

static struct srd_conn *conn_make(bool pacing)
{
	struct srd_conn_cfg cfg;
	struct srd_conn *c;

	srd_conn_cfg_default(&cfg);
	cfg.npaths = 2;
	cfg.lanes = 2;
	cfg.send_slots = 16;
	cfg.rob_slots = 16;
	cfg.rob_ring = 16;
	cfg.initial_rtt_ns = 40 * US;
	cfg.target_delay_ns = TARGET;
	cfg.cwnd_init = 10;
	cfg.cwnd_min = 4;
	cfg.cwnd_max = 200;
	cfg.pacing = pacing;
	c = srd_conn_new(&cfg, 1, 0);
	if (!c) {
		fprintf(stderr, "srd_conn_new failed\n");
		exit(1);
	}
	/* path 0 has samples: no queue yet, srtt SRTT; path 1 has none */
	c->paths[0].srtt = SRTT;
	c->paths[0].min_rtt = MIN_RTT;
	c->paths[0].latest_rtt = MIN_RTT;
	c->paths[0].cc_min_rtt = MIN_RTT;
	c->paths[0].cc_srtt = MIN_RTT;
	return c;
}

static void set_cwnd(struct srd_conn *c, double cwnd, bool slow_start)
{
	c->cc.cwnd = cwnd;
	c->cc.slow_start = slow_start;
	c->cc.last_decrease = 0;
}

/* The window after a delay decrease from cwnd: Swift's 1 - 0.8 (d - T) / d against
 * the flow-scaled target T at that window, at most halved. */
static double decreased(struct srd_conn *c, double cwnd, uint64_t delay)
{
	double t, f;

	set_cwnd(c, cwnd, c->cc.slow_start);
	t = (double)cc_target_delay(c);
	f = 1 - 0.8 * ((double)delay - t) / (double)delay;
	return cwnd * (f < 0.5 ? 0.5 : f);
}

static bool near(double a, double b)
{
	return a - b < 1e-6 && b - a < 1e-6;
}

/* ---- growth ---- */

static void cc_on_ack__slow_start_adds_one_per_ack_below_target(void)
{
	struct srd_conn *c = conn_make(false);
	unsigned k;

	CHECK(near(c->cc.cwnd, 10));
	CHECK(c->cc.slow_start);
	for (k = 0; k < 5; k++)
		cc_on_ack(c, 0, MIN_RTT + 10 * US, T0 + k);
	CHECK(near(c->cc.cwnd, 15));
	CHECK_EQ(srd_conn_stats(c)->cwnd, 15);
	cc_on_ack(c, 0, MIN_RTT + TARGET, T0 + 5);   /* at the target: still growing */
	CHECK(near(c->cc.cwnd, 16));
	CHECK(c->cc.slow_start);
	srd_conn_free(c);
}

static void cc_on_ack__no_sample_means_no_queue(void)
{
	struct srd_conn *c = conn_make(false);

	cc_on_ack(c, 1, 10000 * US, T0);   /* path 1 has no cc_min_rtt yet */
	CHECK(near(c->cc.cwnd, 11));
	CHECK(c->cc.slow_start);
	srd_conn_free(c);
}

static void cc_on_ack__avoidance_adds_one_per_window(void)
{
	struct srd_conn *c = conn_make(false);
	unsigned k;

	set_cwnd(c, 20, false);
	for (k = 0; k < 20; k++)
		cc_on_ack(c, 0, MIN_RTT, T0 + k);
	CHECK(c->cc.cwnd > 20.9 && c->cc.cwnd < 21.0);
	CHECK_EQ(srd_conn_stats(c)->cwnd, 20);
	for (k = 0; k < 21; k++)
		cc_on_ack(c, 0, MIN_RTT, T0 + 20 + k);
	CHECK(c->cc.cwnd > 21.9 && c->cc.cwnd < 22.0);
	CHECK(!c->cc.slow_start);
	srd_conn_free(c);
}

/* ---- delay ---- */

static void cc_on_ack__queuing_exits_slow_start_and_decreases_in_proportion(void)
{
	struct srd_conn *c = conn_make(false);

	double want = decreased(c, 100, 100 * US);

	set_cwnd(c, 100, true);
	cc_on_ack(c, 0, MIN_RTT + 100 * US, T0);
	CHECK(near(c->cc.cwnd, want));
	CHECK(want > 55 && want < 65);               /* about 1 - 0.8 * 50/100 */
	CHECK(!c->cc.slow_start);
	CHECK_EQ(c->cc.last_decrease, T0);
	CHECK_EQ(srd_conn_stats(c)->cwnd, (uint32_t)want);
	want = decreased(c, 100, 70 * US);
	set_cwnd(c, 100, true);
	cc_on_ack(c, 0, MIN_RTT + 70 * US, T0);
	CHECK(near(c->cc.cwnd, want));
	set_cwnd(c, 100, true);
	cc_on_ack(c, 0, MIN_RTT + 1000 * US, T0);    /* 0.24, at most halved */
	CHECK(near(c->cc.cwnd, 50));
	set_cwnd(c, 100, false);
	cc_on_ack(c, 0, MIN_RTT + cc_target_delay(c) + 1, T0); /* just above: a sliver */
	CHECK(c->cc.cwnd < 100 && c->cc.cwnd > 99.99);
	srd_conn_free(c);
}

static void cc_on_ack__at_most_one_decrease_per_rtt(void)
{
	struct srd_conn *c = conn_make(false);

	double first = decreased(c, 100, 100 * US), second;

	set_cwnd(c, 100, true);
	cc_on_ack(c, 0, MIN_RTT + 100 * US, T0);
	CHECK(near(c->cc.cwnd, first));
	cc_on_ack(c, 0, MIN_RTT + 100 * US, T0 + SRTT / 2);
	CHECK(near(c->cc.cwnd, first));
	cc_on_ack(c, 0, MIN_RTT + 100 * US, T0 + SRTT - 1);
	CHECK(near(c->cc.cwnd, first));
	cc_on_loss(c, 0, T0 + SRTT - 1);             /* a loss counts the same RTT */
	CHECK(near(c->cc.cwnd, first));
	second = decreased(c, first, 100 * US);
	set_cwnd(c, first, false);
	cc_on_ack(c, 0, MIN_RTT + 100 * US, T0 + SRTT);
	CHECK(near(c->cc.cwnd, second));
	CHECK_EQ(c->cc.last_decrease, T0 + SRTT);
	srd_conn_free(c);
}

static void cc_target_delay__flow_scaling_favours_small_windows(void)
{
	struct srd_conn *c = conn_make(false);
	uint64_t prev = UINT64_MAX, t;
	double w;

	set_cwnd(c, c->cfg.cwnd_min, false);
	CHECK_EQ(cc_target_delay(c), 2 * TARGET);     /* the smallest window: twice */
	for (w = c->cfg.cwnd_min; w <= 1024; w *= 2) {
		set_cwnd(c, w, false);
		t = cc_target_delay(c);
		CHECK(t <= prev);                     /* never more for a bigger window */
		prev = t;
	}
	set_cwnd(c, 512, false);
	CHECK_EQ(cc_target_delay(c), TARGET);         /* big windows: the target */
	srd_conn_free(c);
}

/* Every 256 RTTs (at least 1 ms apart) a quarter window for 2 RTTs, so a standing
 * queue drains and every connection re-measures its base RTT. */
static void cc_window__drains_periodically_to_a_quarter(void)
{
	struct srd_conn *c = conn_make(false);
	uint64_t rtt, every, start;

	set_cwnd(c, 100, false);
	c->srtt_any = SRTT;
	rtt = SRTT;
	every = 256 * rtt > 1000000 ? 256 * rtt : 1000000;
	cc_on_ack(c, 0, MIN_RTT, T0);                 /* schedules the first probe */
	CHECK_EQ(cc_window(c), 100);
	cc_on_ack(c, 0, MIN_RTT, T0 + every - 1);
	CHECK(cc_window(c) >= 100);
	start = T0 + every;
	cc_on_ack(c, 0, MIN_RTT, start);
	CHECK(cc_window(c) >= 25 && cc_window(c) <= 26);
	cc_on_ack(c, 0, MIN_RTT, start + 2 * rtt - 1);
	CHECK(cc_window(c) <= 26);
	cc_on_ack(c, 0, MIN_RTT, start + 2 * rtt);    /* over: the whole window again */
	CHECK(cc_window(c) >= 100);
	set_cwnd(c, c->cfg.cwnd_min, false);          /* never below cwnd_min */
	cc_on_ack(c, 0, MIN_RTT, start + 2 * rtt + every);
	CHECK_EQ(cc_window(c), c->cfg.cwnd_min);
	srd_conn_free(c);
}

static void cc__window_stays_within_min_and_max(void)
{
	struct srd_conn *c = conn_make(false);
	uint64_t now = T0;
	unsigned k;

	set_cwnd(c, 100, true);
	for (k = 0; k < 20; k++, now += SRTT) {
		cc_on_ack(c, 0, MIN_RTT + 1000 * US, now);
		CHECK(c->cc.cwnd >= 4);
	}
	CHECK(near(c->cc.cwnd, 4));
	CHECK_EQ(srd_conn_stats(c)->cwnd, 4);
	c->paths[0].cc_srtt = MIN_RTT + 1000 * US;
	for (k = 0; k < 20; k++, now += SRTT)
		cc_on_loss(c, 0, now);
	CHECK(near(c->cc.cwnd, 4));
	set_cwnd(c, 10, true);
	for (k = 0; k < 500; k++) {
		cc_on_ack(c, 0, MIN_RTT, now + k);
		CHECK(c->cc.cwnd <= 200);
	}
	CHECK(near(c->cc.cwnd, 200));
	CHECK_EQ(srd_conn_stats(c)->cwnd, 200);
	srd_conn_free(c);
}

/* ---- loss ---- */

static void cc_on_loss__with_queuing_halves_once_per_rtt(void)
{
	struct srd_conn *c = conn_make(false);

	set_cwnd(c, 64, true);
	c->paths[0].cc_srtt = MIN_RTT + 100 * US;
	c->paths[0].latest_rtt = MIN_RTT + 100 * US;
	cc_on_loss(c, 0, T0);
	CHECK(near(c->cc.cwnd, 32));
	CHECK(!c->cc.slow_start);
	cc_on_loss(c, 0, T0 + SRTT / 2);
	CHECK(near(c->cc.cwnd, 32));
	cc_on_loss(c, 0, T0 + SRTT);
	CHECK(near(c->cc.cwnd, 16));
	CHECK_EQ(srd_conn_stats(c)->cwnd, 16);
	srd_conn_free(c);
}

static void cc_on_loss__without_queuing_leaves_window(void)
{
	struct srd_conn *c = conn_make(false);

	set_cwnd(c, 64, true);
	c->paths[0].cc_srtt = MIN_RTT + 10 * US;
	c->paths[0].latest_rtt = MIN_RTT + 10 * US;
	cc_on_loss(c, 0, T0);
	CHECK(near(c->cc.cwnd, 64));
	CHECK(c->cc.slow_start);
	CHECK_EQ(c->cc.last_decrease, 0);
	cc_on_loss(c, 1, T0);                        /* no sample at all */
	CHECK(near(c->cc.cwnd, 64));
	cc_on_ack(c, 0, MIN_RTT + 100 * US, T0 + 1); /* a delay decrease may follow */
	CHECK(c->cc.cwnd < 64 * 0.7 && c->cc.cwnd > 64 * 0.5);
	srd_conn_free(c);
}

/* latest_rtt also holds samples whose ACK came back on another, slower path; the
 * queue is judged on the path's own round trips (cc_srtt), like cc_on_ack. */
static void cc_on_loss__queuing_judged_on_own_round_trips(void)
{
	struct srd_conn *c = conn_make(false);

	set_cwnd(c, 64, true);
	c->paths[0].cc_srtt = MIN_RTT + 2 * US;
	c->paths[0].latest_rtt = MIN_RTT + 100 * US; /* ACK returned on a slow path */
	cc_on_loss(c, 0, T0);
	CHECK(near(c->cc.cwnd, 64));
	c->paths[0].cc_srtt = MIN_RTT + 100 * US;    /* a queue on its own round trips */
	c->paths[0].latest_rtt = MIN_RTT;
	cc_on_loss(c, 0, T0 + SRTT);
	CHECK(near(c->cc.cwnd, 32));
	srd_conn_free(c);
}

/* ---- sending ---- */

static void cc_can_send__inflight_below_cwnd(void)
{
	struct srd_conn *c = conn_make(false);

	set_cwnd(c, 10, true);
	c->inflight = 9;
	CHECK(cc_can_send(c, T0));
	c->inflight = 10;
	CHECK(!cc_can_send(c, T0));
	set_cwnd(c, 10.9, true);                     /* whole packets only */
	CHECK(!cc_can_send(c, T0));
	set_cwnd(c, 11, true);
	CHECK(cc_can_send(c, T0));
	c->cc.next_send = T0 + 5 * US;               /* ignored without pacing */
	CHECK(cc_can_send(c, T0));
	c->inflight = 0;
	srd_conn_free(c);
}

static void cc_can_send__pacing_waits_for_next_send(void)
{
	struct srd_conn *c = conn_make(true);

	c->cc.next_send = T0 + 5 * US;
	CHECK(!cc_can_send(c, T0));
	CHECK(!cc_can_send(c, T0 + 5 * US - 1));
	CHECK(cc_can_send(c, T0 + 5 * US));
	c->inflight = 10;                            /* the window still applies */
	CHECK(!cc_can_send(c, T0 + 5 * US));
	c->inflight = 0;
	srd_conn_free(c);
}

static void cc_on_send__pacing_spreads_window_over_srtt(void)
{
	struct srd_conn *c = conn_make(true);

	cc_on_send(c, T0);                           /* no sample: initial_rtt / cwnd */
	CHECK_EQ(c->cc.next_send, T0 + 4 * US);
	c->srtt_any = 100 * US;
	c->cc.next_send = 0;
	cc_on_send(c, T0);
	CHECK_EQ(c->cc.next_send, T0 + 10 * US);
	cc_on_send(c, T0);                           /* a burst queues up behind */
	CHECK_EQ(c->cc.next_send, T0 + 20 * US);
	cc_on_send(c, T0 + 50 * US);                 /* after idle: from now */
	CHECK_EQ(c->cc.next_send, T0 + 60 * US);
	set_cwnd(c, 20, true);
	cc_on_send(c, T0 + 60 * US);
	CHECK_EQ(c->cc.next_send, T0 + 65 * US);
	srd_conn_free(c);
}

static void cc_on_send__no_pacing_no_spacing(void)
{
	struct srd_conn *c = conn_make(false);

	c->srtt_any = 100 * US;
	cc_on_send(c, T0);
	cc_on_send(c, T0);
	CHECK_EQ(c->cc.next_send, 0);
	CHECK(cc_can_send(c, T0));
	srd_conn_free(c);
}

int main(void)
{
	RUN(cc_on_ack__slow_start_adds_one_per_ack_below_target);
	RUN(cc_on_ack__no_sample_means_no_queue);
	RUN(cc_on_ack__avoidance_adds_one_per_window);
	RUN(cc_on_ack__queuing_exits_slow_start_and_decreases_in_proportion);
	RUN(cc_on_ack__at_most_one_decrease_per_rtt);
	RUN(cc_target_delay__flow_scaling_favours_small_windows);
	RUN(cc_window__drains_periodically_to_a_quarter);
	RUN(cc__window_stays_within_min_and_max);
	RUN(cc_on_loss__with_queuing_halves_once_per_rtt);
	RUN(cc_on_loss__without_queuing_leaves_window);
	RUN(cc_on_loss__queuing_judged_on_own_round_trips);
	RUN(cc_can_send__inflight_below_cwnd);
	RUN(cc_can_send__pacing_waits_for_next_send);
	RUN(cc_on_send__pacing_spreads_window_over_srtt);
	RUN(cc_on_send__no_pacing_no_spacing);
	return check_exit();
}
