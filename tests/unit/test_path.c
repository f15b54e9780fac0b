/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_path.c: per-path RTT estimation, path states and path choice (encap/path.c),
 * driven directly: a connection from srd_conn_new() whose paths the tests set up by
 * hand, and the path_* functions called as the engine calls them.
 */
#include "encap/conn_int.h"
#include "tests/check.h"
#include "tests/rng.h"

#define US 1000ull
#define NPATHS 4u
#define INTERVAL (500 * US)    /* cfg.probe_interval_ns */
#define DRAWS 10000u

/* State of the seeded generator given to cfg.rand. */
struct rng {
	uint64_t s;   /* splitmix64 state */
};

static uint64_t rng_next(void *user)
{
	struct rng *r = user;

	return test_splitmix64(&r->s);
}

static struct rng rng = { 0x5eed };

static struct srd_conn *conn_make(uint32_t path_cap)
{
	struct srd_conn_cfg cfg;
	struct srd_conn *c;

	srd_conn_cfg_default(&cfg);
	cfg.npaths = NPATHS;
	cfg.lanes = 2;
	cfg.send_slots = 16;
	cfg.rob_slots = 16;
	cfg.rob_ring = 16;
	cfg.initial_rtt_ns = 40 * US;
	cfg.probe_interval_ns = INTERVAL;
	cfg.dead_after = 3;
	cfg.path_cap = path_cap;
	cfg.rand = rng_next;
	cfg.rand_user = &rng;
	rng.s = 0x5eed;
	c = srd_conn_new(&cfg, 1, 0);
	if (!c) {
		fprintf(stderr, "srd_conn_new failed\n");
		exit(1);
	}
	return c;
}

/* The next event must be a state change of path from -> to at now. */
static void expect_event(struct srd_conn *c, unsigned path, enum srd_path_state from,
			 enum srd_path_state to, uint64_t now)
{
	struct srd_event ev;

	CHECK_EQ(srd_conn_poll_event(c, &ev), 1);
	CHECK_EQ(ev.type, SRD_EV_PATH_STATE);
	CHECK_EQ(ev.path, path);
	CHECK_EQ(ev.from, from);
	CHECK_EQ(ev.to, to);
	CHECK_EQ(ev.now, now);
}

static void expect_no_event(struct srd_conn *c)
{
	struct srd_event ev;

	CHECK_EQ(srd_conn_poll_event(c, &ev), 0);
}

/* Paths ACTIVE or SUSPECT, counted the slow way. */
static uint32_t count_usable(const struct srd_conn *c)
{
	uint32_t n = 0;
	unsigned i;

	for (i = 0; i < c->cfg.npaths; i++)
		n += c->paths[i].state == SRD_PATH_ACTIVE ||
		     c->paths[i].state == SRD_PATH_SUSPECT;
	return n;
}

/* Losses on path i until it is DEAD, at now; the events are consumed. */
static void kill_path(struct srd_conn *c, unsigned i, uint64_t now)
{
	unsigned k;

	for (k = 0; k < c->cfg.dead_after && c->paths[i].state != SRD_PATH_DEAD; k++)
		path_on_loss(c, i, now);
	while (srd_conn_poll_event(c, &(struct srd_event){ 0 }))
		;
	CHECK_EQ(c->paths[i].state, SRD_PATH_DEAD);
}

/* ---- RTT ---- */

static void path_rtt_sample__first_sets_srtt_and_half_rttvar(void)
{
	struct path p;

	path_init(&p, 40 * US);
	CHECK_EQ(p.srtt, 0);
	CHECK_EQ(p.latest_rtt, 40 * US);
	path_rtt_sample(&p, 80 * US, 0);
	CHECK_EQ(p.srtt, 80 * US);
	CHECK_EQ(p.rttvar, 40 * US);
	CHECK_EQ(p.min_rtt, 80 * US);
	CHECK_EQ(p.latest_rtt, 80 * US);
}

static void path_rtt_sample__ewma_after_first(void)
{
	struct path p;

	path_init(&p, 40 * US);
	path_rtt_sample(&p, 80 * US, 0);
	path_rtt_sample(&p, 160 * US, 0);
	CHECK_EQ(p.srtt, (7 * 80 * US + 160 * US) / 8);          /* 90 us */
	CHECK_EQ(p.rttvar, (3 * 40 * US + 80 * US) / 4);         /* 50 us */
	path_rtt_sample(&p, 90 * US, 0);
	CHECK_EQ(p.srtt, 90 * US);
	CHECK_EQ(p.rttvar, 3 * 50 * US / 4);                     /* diff 0 */
	CHECK_EQ(p.min_rtt, 80 * US);
	CHECK_EQ(p.latest_rtt, 90 * US);
}

static void path_rtt_sample__ack_delay_removed_only_above_min(void)
{
	struct path p;

	path_init(&p, 40 * US);
	path_rtt_sample(&p, 100 * US, 30 * US);   /* first: min = rtt, kept whole */
	CHECK_EQ(p.latest_rtt, 100 * US);
	CHECK_EQ(p.srtt, 100 * US);
	path_rtt_sample(&p, 150 * US, 30 * US);   /* 120 >= min: removed */
	CHECK_EQ(p.latest_rtt, 120 * US);
	path_rtt_sample(&p, 130 * US, 30 * US);   /* exactly min + delay: removed */
	CHECK_EQ(p.latest_rtt, 100 * US);
	path_rtt_sample(&p, 110 * US, 30 * US);   /* 80 < min: kept whole */
	CHECK_EQ(p.latest_rtt, 110 * US);
	CHECK_EQ(p.min_rtt, 100 * US);            /* min is of raw samples */
}

static void path_rtt_sample__min_rtt_tracks_lowest(void)
{
	static const uint64_t rtts[] = { 50, 70, 30, 90, 31, 200 };
	struct path p;
	unsigned i;

	path_init(&p, 40 * US);
	CHECK_EQ(p.min_rtt, UINT64_MAX);
	for (i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		path_rtt_sample(&p, rtts[i] * US, 0);
		CHECK_EQ(p.min_rtt, (i < 2 ? 50 : 30) * US);
	}
}

/* ---- states ---- */

static void path_on_loss__active_to_suspect_on_one_loss(void)
{
	struct srd_conn *c = conn_make(0);

	expect_no_event(c);
	path_on_loss(c, 1, 7 * US);
	CHECK_EQ(c->paths[1].state, SRD_PATH_SUSPECT);
	expect_event(c, 1, SRD_PATH_ACTIVE, SRD_PATH_SUSPECT, 7 * US);
	expect_no_event(c);
	CHECK_EQ(c->usable_paths, NPATHS);
	srd_conn_free(c);
}

static void path_on_loss__dead_after_consecutive_losses(void)
{
	struct srd_conn *c = conn_make(0);

	path_on_loss(c, 2, 10 * US);
	path_on_loss(c, 2, 11 * US);
	CHECK_EQ(c->paths[2].state, SRD_PATH_SUSPECT);
	CHECK_EQ(c->usable_paths, NPATHS);
	path_on_loss(c, 2, 12 * US);
	CHECK_EQ(c->paths[2].state, SRD_PATH_DEAD);
	CHECK_EQ(c->paths[2].revive_at, 12 * US + INTERVAL);
	CHECK_EQ(path_next_probe(c), 12 * US + INTERVAL);
	expect_event(c, 2, SRD_PATH_ACTIVE, SRD_PATH_SUSPECT, 10 * US);
	expect_event(c, 2, SRD_PATH_SUSPECT, SRD_PATH_DEAD, 12 * US);
	expect_no_event(c);
	CHECK_EQ(c->usable_paths, NPATHS - 1);
	CHECK_EQ(c->usable_paths, count_usable(c));
	srd_conn_free(c);
}

static void path_on_loss__ack_between_losses_resets_count(void)
{
	struct srd_conn *c = conn_make(0);

	path_on_loss(c, 0, 1);
	path_on_loss(c, 0, 2);
	path_on_ack(c, 0, 3);
	path_on_loss(c, 0, 4);
	path_on_loss(c, 0, 5);
	CHECK_EQ(c->paths[0].state, SRD_PATH_SUSPECT);
	expect_event(c, 0, SRD_PATH_ACTIVE, SRD_PATH_SUSPECT, 1);
	expect_event(c, 0, SRD_PATH_SUSPECT, SRD_PATH_ACTIVE, 3);
	expect_event(c, 0, SRD_PATH_ACTIVE, SRD_PATH_SUSPECT, 4);
	expect_no_event(c);
	CHECK_EQ(c->usable_paths, NPATHS);
	srd_conn_free(c);
}

static void path_tick__dead_to_probing_at_revive_at(void)
{
	struct srd_conn *c = conn_make(0);
	uint64_t at;

	kill_path(c, 3, 100 * US);
	at = c->paths[3].revive_at;
	CHECK_EQ(at, 100 * US + INTERVAL);
	path_tick(c, at - 1);
	CHECK_EQ(c->paths[3].state, SRD_PATH_DEAD);
	expect_no_event(c);
	path_tick(c, at);
	CHECK_EQ(c->paths[3].state, SRD_PATH_PROBING);
	expect_event(c, 3, SRD_PATH_DEAD, SRD_PATH_PROBING, at);
	expect_no_event(c);
	CHECK_EQ(path_next_probe(c), SRD_NEVER);
	CHECK_EQ(c->usable_paths, NPATHS - 1);   /* PROBING is not usable */
	CHECK_EQ(c->usable_paths, count_usable(c));
	path_tick(c, at + 1);                    /* no second change */
	expect_no_event(c);
	srd_conn_free(c);
}

static void path_on_loss__lost_probe_doubles_backoff_up_to_64(void)
{
	static const uint64_t mult[] = { 2, 4, 8, 16, 32, 64, 64, 64 };
	struct srd_conn *c = conn_make(0);
	uint64_t now = 0;
	unsigned k;

	kill_path(c, 1, now);
	for (k = 0; k < sizeof(mult) / sizeof(mult[0]); k++) {
		now = c->paths[1].revive_at;
		path_tick(c, now);
		CHECK_EQ(c->paths[1].state, SRD_PATH_PROBING);
		c->paths[1].probe_out = true;        /* as write_probe does */
		now += 3 * US;
		path_on_loss(c, 1, now);             /* the probe was lost */
		CHECK_EQ(c->paths[1].state, SRD_PATH_DEAD);
		CHECK_EQ(c->paths[1].revive_at, now + mult[k] * INTERVAL);
		CHECK(!c->paths[1].probe_out);
		expect_event(c, 1, SRD_PATH_DEAD, SRD_PATH_PROBING, now - 3 * US);
		expect_event(c, 1, SRD_PATH_PROBING, SRD_PATH_DEAD, now);
		expect_no_event(c);
		CHECK_EQ(c->usable_paths, NPATHS - 1);
	}
	srd_conn_free(c);
}

static void path_on_ack__any_ack_revives_and_resets_backoff(void)
{
	struct srd_conn *c = conn_make(0);
	uint64_t now;

	kill_path(c, 0, 0);
	now = c->paths[0].revive_at;
	path_tick(c, now);
	path_on_loss(c, 0, now);                 /* backoff now 2 intervals */
	path_tick(c, c->paths[0].revive_at);
	while (srd_conn_poll_event(c, &(struct srd_event){ 0 }))
		;
	now = c->paths[0].revive_at + 5 * US;
	path_on_ack(c, 0, now);                  /* the probe came back */
	CHECK_EQ(c->paths[0].state, SRD_PATH_ACTIVE);
	expect_event(c, 0, SRD_PATH_PROBING, SRD_PATH_ACTIVE, now);
	CHECK_EQ(c->paths[0].probe_backoff, 0);
	CHECK_EQ(c->paths[0].losses, 0);
	CHECK_EQ(c->usable_paths, NPATHS);
	path_on_ack(c, 0, now + 1);              /* already ACTIVE: no event */
	expect_no_event(c);
	kill_path(c, 0, now + 2);                /* dies again: one interval */
	CHECK_EQ(c->paths[0].revive_at, now + 2 + INTERVAL);
	path_on_ack(c, 0, now + 3);              /* a late ACK while DEAD */
	CHECK_EQ(c->paths[0].state, SRD_PATH_ACTIVE);
	expect_event(c, 0, SRD_PATH_DEAD, SRD_PATH_ACTIVE, now + 3);
	CHECK_EQ(path_next_probe(c), SRD_NEVER);
	CHECK_EQ(c->usable_paths, count_usable(c));
	srd_conn_free(c);
}

static void path_states__usable_paths_follows_every_change(void)
{
	struct srd_conn *c = conn_make(0);
	uint64_t now = 0;
	unsigned k;

	for (k = 0; k < 2000; k++) {
		unsigned i = (unsigned)(rng_next(&rng) % NPATHS);

		now += 7 * US;
		switch (rng_next(&rng) % 3) {
		case 0:
			path_on_loss(c, i, now);
			break;
		case 1:
			path_on_ack(c, i, now);
			break;
		default:
			path_tick(c, now);
		}
		CHECK_EQ(c->usable_paths, count_usable(c));
	}
	srd_conn_free(c);
}

/* ---- choice ---- */

static void set_srtt(struct srd_conn *c, unsigned i, uint64_t srtt)
{
	c->paths[i].srtt = srtt;
}

static void path_choose__never_dead_probing_or_avoided(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned k, hits[NPATHS] = { 0 };

	kill_path(c, 0, 0);
	kill_path(c, 1, 0);
	path_tick(c, c->paths[1].revive_at);     /* 0 and 1 PROBING */
	kill_path(c, 0, 1);                      /* 0 DEAD again */
	CHECK_EQ(c->paths[0].state, SRD_PATH_DEAD);
	CHECK_EQ(c->paths[1].state, SRD_PATH_PROBING);
	for (k = 0; k < DRAWS; k++) {
		int p = path_choose(c, 2);

		CHECK(p == 3);
		if (p >= 0)
			hits[p]++;
	}
	CHECK_EQ(hits[3], DRAWS);
	for (k = 0; k < DRAWS; k++) {
		int p = path_choose(c, -1);

		CHECK(p == 2 || p == 3);
		if (p >= 0)
			hits[p]++;
	}
	CHECK(hits[2] > DRAWS / 3);
	srd_conn_free(c);
}

static void path_choose__respects_path_cap(void)
{
	struct srd_conn *c = conn_make(3);
	unsigned i, k;

	for (i = 0; i < 3; i++)
		c->paths[i].inflight = 3;
	for (k = 0; k < 1000; k++)
		CHECK_EQ(path_choose(c, -1), 3);
	CHECK_EQ(path_choose(c, 3), -1);
	c->paths[3].inflight = 3;
	CHECK_EQ(path_choose(c, -1), -1);
	c->paths[1].inflight = 2;
	CHECK_EQ(path_choose(c, -1), 1);
	srd_conn_free(c);
}

static void path_choose__automatic_cap(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned i;

	/* cwnd 32 over 4 usable paths: 2 * 32 / 4 + 2 = 18 */
	for (i = 0; i < NPATHS; i++)
		c->paths[i].inflight = 18;
	CHECK_EQ(path_choose(c, -1), -1);
	c->paths[2].inflight = 17;
	CHECK_EQ(path_choose(c, -1), 2);
	srd_conn_free(c);
}

static void path_choose__none_eligible(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned i;

	for (i = 1; i < NPATHS; i++)
		kill_path(c, i, 0);
	CHECK_EQ(path_choose(c, -1), 0);
	CHECK_EQ(path_choose(c, 0), -1);        /* the only usable one is avoided */
	kill_path(c, 0, 0);
	CHECK_EQ(c->usable_paths, 0);
	CHECK_EQ(path_choose(c, -1), -1);
	srd_conn_free(c);
}

static void draw(struct srd_conn *c, unsigned *hits)
{
	unsigned k;
	int p;

	memset(hits, 0, NPATHS * sizeof(*hits));
	for (k = 0; k < DRAWS; k++) {
		p = path_choose(c, -1);
		CHECK(p >= 0 && p < (int)NPATHS);
		if (p >= 0 && p < (int)NPATHS)
			hits[p]++;
	}
}

static void path_choose__equal_costs_spread_evenly(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned i, hits[NPATHS];

	for (i = 0; i < NPATHS; i++)
		set_srtt(c, i, 20 * US);
	draw(c, hits);
	for (i = 0; i < NPATHS; i++)
		CHECK(hits[i] > DRAWS / 4 - DRAWS / 25 &&
		      hits[i] < DRAWS / 4 + DRAWS / 25);
	srd_conn_free(c);
}

static void path_choose__slow_path_gets_far_fewer(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned i, hits[NPATHS];

	for (i = 0; i < NPATHS; i++)
		set_srtt(c, i, 20 * US);
	set_srtt(c, 3, 80 * US);
	draw(c, hits);
	for (i = 0; i < 3; i++)
		CHECK(hits[3] * 10 < hits[i]);
	srd_conn_free(c);
}

static void path_choose__cost_counts_inflight(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned i, hits[NPATHS];

	for (i = 0; i < NPATHS; i++)
		set_srtt(c, i, 20 * US);
	set_srtt(c, 3, 80 * US);                 /* cost 80 */
	c->paths[0].inflight = 7;                /* cost 8 * 20 = 160 */
	draw(c, hits);
	CHECK(hits[0] * 10 < hits[3]);           /* 3 wins only against 0 */
	CHECK(hits[3] * 2 < hits[1]);            /* 1 and 2 still cost 20 */
	srd_conn_free(c);
}

static void path_choose__suspect_path_penalised(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned i, hits[NPATHS];

	for (i = 0; i < NPATHS; i++)
		set_srtt(c, i, 20 * US);
	c->paths[1].inflight = 1;                /* 40: dearer than 20 */
	path_on_loss(c, 2, 0);                   /* SUSPECT: 4 * (1 + 1) * 20 = 160 */
	c->paths[2].inflight = 1;                /* not idle: no exploration */
	draw(c, hits);
	CHECK(hits[2] * 10 < hits[0]);
	CHECK(hits[2] * 10 < hits[3]);
	CHECK(hits[2] < hits[1]);
	srd_conn_free(c);
}

/* An idle SUSPECT path gets a packet within npaths choices, whatever its cost, so an
 * ACK can make it ACTIVE again; once that packet is in flight, it waits. */
static void path_choose__idle_suspect_explored(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned i, k, chosen = 0;

	for (i = 0; i < NPATHS; i++)
		set_srtt(c, i, 20 * US);
	set_srtt(c, 2, 1000 * US);               /* a stale, huge sample */
	path_on_loss(c, 2, 0);
	for (k = 0; k < NPATHS && !chosen; k++)
		chosen = path_choose(c, -1) == 2;
	CHECK(chosen);
	c->paths[2].inflight = 1;
	for (k = 0; k < 4 * NPATHS; k++)
		CHECK(path_choose(c, -1) != 2);
	srd_conn_free(c);
}

static void path_choose__no_sample_uses_initial_rtt(void)
{
	struct srd_conn *c = conn_make(0);
	unsigned i, hits[NPATHS];

	for (i = 0; i < 3; i++)
		set_srtt(c, i, 200 * US);
	/* path 3 has no sample: counted at initial_rtt (40 us), the cheapest */
	draw(c, hits);
	for (i = 0; i < 3; i++)
		CHECK(hits[i] < hits[3]);
	CHECK_EQ(path_srtt(c, 3), 40 * US);
	srd_conn_free(c);
}

/* ---- reordering window ---- */

static void path_on_spurious__grows_window_and_decays(void)
{
	struct srd_conn *c = conn_make(0);
	struct path *p = &c->paths[1];
	uint64_t base;
	unsigned k;

	CHECK_EQ(path_reorder_extra(p), 40 * US / 4);   /* no sample: latest_rtt */
	path_rtt_sample(p, 80 * US, 0);
	CHECK_EQ(path_reorder_extra(p), 20 * US);
	base = path_loss_threshold(c, 1);
	path_on_spurious(p);
	path_on_spurious(p);
	CHECK_EQ(path_reorder_extra(p), 3 * 20 * US);
	CHECK_EQ(path_loss_threshold(c, 1), base + 2 * 20 * US);
	for (k = 0; k < 40; k++)
		path_on_spurious(p);
	CHECK_EQ(path_reorder_extra(p), 16 * 20 * US);  /* at most 4 min_rtt */
	for (k = 0; k < 255; k++)
		path_on_ack(c, 1, k);
	CHECK_EQ(path_reorder_extra(p), 16 * 20 * US);
	path_on_ack(c, 1, 255);
	CHECK_EQ(path_reorder_extra(p), 15 * 20 * US);
	for (k = 0; k < 100; k++)
		path_on_ack(c, 1, 256 + k);
	path_on_spurious(p);                             /* restarts the decay count */
	for (k = 0; k < 255; k++)
		path_on_ack(c, 1, 400 + k);
	CHECK_EQ(path_reorder_extra(p), 16 * 20 * US);
	for (k = 0; k < 256 * 20; k++)
		path_on_ack(c, 1, 1000 + k);
	CHECK_EQ(path_reorder_extra(p), 20 * US);        /* never below one step */
	srd_conn_free(c);
}

int main(void)
{
	RUN(path_rtt_sample__first_sets_srtt_and_half_rttvar);
	RUN(path_rtt_sample__ewma_after_first);
	RUN(path_rtt_sample__ack_delay_removed_only_above_min);
	RUN(path_rtt_sample__min_rtt_tracks_lowest);
	RUN(path_on_loss__active_to_suspect_on_one_loss);
	RUN(path_on_loss__dead_after_consecutive_losses);
	RUN(path_on_loss__ack_between_losses_resets_count);
	RUN(path_tick__dead_to_probing_at_revive_at);
	RUN(path_on_loss__lost_probe_doubles_backoff_up_to_64);
	RUN(path_on_ack__any_ack_revives_and_resets_backoff);
	RUN(path_states__usable_paths_follows_every_change);
	RUN(path_choose__never_dead_probing_or_avoided);
	RUN(path_choose__respects_path_cap);
	RUN(path_choose__automatic_cap);
	RUN(path_choose__none_eligible);
	RUN(path_choose__equal_costs_spread_evenly);
	RUN(path_choose__slow_path_gets_far_fewer);
	RUN(path_choose__cost_counts_inflight);
	RUN(path_choose__suspect_path_penalised);
	RUN(path_choose__idle_suspect_explored);
	RUN(path_choose__no_sample_uses_initial_rtt);
	RUN(path_on_spurious__grows_window_and_decays);
	return check_exit();
}
