/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_replay.c: the anti-replay window (encap/replay.c).
 *
 * Hand-picked cases pin down the window edges, ring laps and UINT64_MAX; two
 * seeded runs (64-path reordering, random stress) compare every decision with a
 * reference model: a flat bitmap of every seq ever accepted, never cleared, plus the
 * top. Set SRD_REPLAY_SEED to rerun the seeded tests with another seed; a failing
 * seeded test prints its seed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "encap/replay.h"
#include "tests/check.h"
#include "tests/rng.h"

#define W ((uint64_t)SRD_REPLAY_WINDOW)
#define LAP ((uint64_t)SRD_REPLAY_WORDS * SRD_REPLAY_WORD_BITS) /* seqs per ring lap */

static uint64_t seed_base = 0x5eed0f5eed0f5eedull; /* SRD_REPLAY_SEED overrides */

static uint64_t splitmix64(uint64_t *s)
{
	return test_splitmix64(s);
}

/* Uniform-enough in [0, n), n > 0. */
static uint64_t below(uint64_t *s, uint64_t n)
{
	return splitmix64(s) % n;
}

/* The reference model: seqs in [lo, lo + cap) as a flat bitmap. */
struct model {
	uint64_t lo;     /* seq of bit 0 */
	uint64_t cap;    /* bits in seen */
	uint64_t top;    /* highest seq accepted, 0 when none */
	uint8_t *seen;   /* bit (seq - lo): seq was accepted */
};

static bool model_init(struct model *m, uint64_t lo, uint64_t cap)
{
	m->lo = lo;
	m->cap = cap;
	m->top = 0;
	m->seen = calloc(cap / 8, 1);
	return m->seen != NULL;
}

/* Same contract as srd_replay_check(), from first principles. */
static int model_check(const struct model *m, uint64_t seq)
{
	uint64_t i = seq - m->lo;

	if (seq > m->top)
		return 0;
	if (m->top - seq >= W)
		return -ESTALE;
	if (seq < m->lo || i >= m->cap)
		abort(); /* test bug: an in-window seq outside the model */
	return m->seen[i / 8] & (1u << (i % 8)) ? -EALREADY : 0;
}

static int model_update(struct model *m, uint64_t seq)
{
	int err = model_check(m, seq);
	uint64_t i = seq - m->lo;

	if (err)
		return err;
	if (i >= m->cap)
		abort();
	m->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	if (seq > m->top)
		m->top = seq;
	return 0;
}

/* top - d, or 0 where that would wrap. */
static uint64_t sub_sat(uint64_t top, uint64_t d)
{
	return top >= d ? top - d : 0;
}

/* Compare one decision with the model; returns false on the first mismatch. */
static bool agree(struct srd_replay *r, struct model *m, uint64_t seq, bool update,
		  uint64_t seed)
{
	int got = update ? srd_replay_update(r, seq) : srd_replay_check(r, seq);
	int want = update ? model_update(m, seq) : model_check(m, seq);

	if (got == want)
		return true;
	fprintf(stderr, "seed %#" PRIx64 ": %s(%" PRIu64 ") = %d, model %d, top %"
		PRIu64 "\n", seed, update ? "update" : "check", seq, got, want, r->top);
	return false;
}

/* Every decision around the top, [top - 2W, top + 64], matches the model. */
static bool agree_window(struct srd_replay *r, struct model *m, uint64_t seed)
{
	uint64_t hi = m->top > UINT64_MAX - 64 ? UINT64_MAX : m->top + 64;
	bool ok = true;

	for (uint64_t seq = sub_sat(m->top, 2 * W); ok; seq++) {
		ok = agree(r, m, seq, false, seed);
		if (seq == hi)
			break;
	}
	return ok;
}

/* check() then update() of seq on a filter expected to accept it. */
static int receive(struct srd_replay *r, uint64_t seq)
{
	int err = srd_replay_check(r, seq);

	return err ? err : srd_replay_update(r, seq);
}

/* Mark every seq in [from, to] in order; returns how many were refused. */
static uint64_t fill(struct srd_replay *r, uint64_t from, uint64_t to)
{
	uint64_t bad = 0;

	for (uint64_t s = from;; s++) {
		bad += receive(r, s) != 0;
		if (s == to)
			break;
	}
	return bad;
}

/* How many seqs in [from, to] check() rates as err. */
static uint64_t count_check(const struct srd_replay *r, uint64_t from, uint64_t to,
			    int err)
{
	uint64_t n = 0;

	for (uint64_t s = from;; s++) {
		n += srd_replay_check(r, s) == err;
		if (s == to)
			break;
	}
	return n;
}

static void replay__window_is_pow2_and_large(void)
{
	CHECK(W >= 4096);
	CHECK((W & (W - 1)) == 0);
	CHECK_EQ(SRD_REPLAY_WORDS, W / 64 + 1);
	CHECK_EQ(sizeof(struct srd_replay), 8 + 8 * SRD_REPLAY_WORDS);
}

static void init__first_packet_zero(void)
{
	struct srd_replay r;

	srd_replay_init(&r);
	CHECK_EQ(srd_replay_check(&r, 0), 0);
	CHECK_EQ(srd_replay_update(&r, 0), 0);
	CHECK_EQ(srd_replay_check(&r, 0), -EALREADY);
	CHECK_EQ(srd_replay_update(&r, 0), -EALREADY);
	CHECK_EQ(receive(&r, 1), 0);
	CHECK_EQ(srd_replay_update(&r, 0), -EALREADY);
}

/* A first packet far from 0 sets the window; below it, the window still works. */
static void init__first_packet_huge(void)
{
	const uint64_t first = UINT64_C(1) << 62;
	struct srd_replay r;

	srd_replay_init(&r);
	CHECK_EQ(receive(&r, first), 0);
	CHECK_EQ(srd_replay_check(&r, first), -EALREADY);
	CHECK_EQ(srd_replay_check(&r, 0), -ESTALE);
	CHECK_EQ(srd_replay_check(&r, first - W), -ESTALE);
	CHECK_EQ(fill(&r, first - W + 1, first - 1), 0);
	CHECK_EQ(count_check(&r, first - W + 1, first, -EALREADY), W);
	CHECK_EQ(receive(&r, first + 1), 0);
}

static void update__in_order_run(void)
{
	struct srd_replay r;
	uint64_t bad = 0;

	srd_replay_init(&r);
	for (uint64_t s = 0; s < 20 * W; s++) {
		bad += receive(&r, s) != 0;
		bad += srd_replay_check(&r, s) != -EALREADY;
		bad += s >= W && srd_replay_check(&r, s - W) != -ESTALE;
		bad += s >= 1 && srd_replay_update(&r, s - 1) != -EALREADY;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(r.top, 20 * W - 1);
}

/* Duplicates are refused by both calls and leave the filter untouched. */
static void update__duplicate_rejected(void)
{
	const uint64_t seqs[] = { 3000, 2000, 3001, 1, 2999, 0, 2047, 2048, 3000 - 64 };
	struct srd_replay r, before;

	srd_replay_init(&r);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		CHECK_EQ(receive(&r, seqs[i]), 0);
	before = r;
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		CHECK_EQ(srd_replay_check(&r, seqs[i]), -EALREADY);
		CHECK_EQ(srd_replay_update(&r, seqs[i]), -EALREADY);
	}
	CHECK_MEM(&r, &before, sizeof(r));
	CHECK_EQ(count_check(&r, 0, 3001, 0), 3002 - 9);
}

/* The oldest acceptable seq is top - W + 1; top - W is stale. */
static void check__window_edges(void)
{
	const uint64_t top = 10 * W + 17;
	struct srd_replay r, before;

	srd_replay_init(&r);
	CHECK_EQ(receive(&r, top), 0);
	before = r;
	CHECK_EQ(srd_replay_check(&r, top - W), -ESTALE);
	CHECK_EQ(srd_replay_update(&r, top - W), -ESTALE);
	CHECK_EQ(srd_replay_check(&r, top - W - 1), -ESTALE);
	CHECK_MEM(&r, &before, sizeof(r));
	CHECK_EQ(srd_replay_check(&r, top - W + 1), 0);
	CHECK_EQ(srd_replay_update(&r, top - W + 1), 0);
	CHECK_EQ(srd_replay_check(&r, top - W + 1), -EALREADY);
	/* One more at the top pushes the oldest out: now stale, not a duplicate. */
	CHECK_EQ(receive(&r, top + 1), 0);
	CHECK_EQ(srd_replay_check(&r, top - W + 1), -ESTALE);
	CHECK_EQ(srd_replay_check(&r, top - W + 2), 0);
}

/* Near 0 the window is cut short: 0 stays acceptable while top <= W - 1. */
static void check__window_edges_near_zero(void)
{
	struct srd_replay r;

	srd_replay_init(&r);
	CHECK_EQ(receive(&r, W - 1), 0);
	CHECK_EQ(srd_replay_check(&r, 0), 0);
	CHECK_EQ(receive(&r, W), 0);
	CHECK_EQ(srd_replay_check(&r, 0), -ESTALE);
	CHECK_EQ(srd_replay_check(&r, 1), 0);
}

/* Crossing into the next word clears only that word. */
static void update__advance_one_word(void)
{
	const uint64_t base = 7 * LAP + 64; /* word-aligned */
	struct srd_replay r;

	srd_replay_init(&r);
	CHECK_EQ(fill(&r, base - W + 1, base + 63), 0);
	CHECK_EQ(receive(&r, base + 64 + 63), 0);  /* exactly one word up */
	CHECK_EQ(count_check(&r, base + 64, base + 126, 0), 63);
	CHECK_EQ(count_check(&r, base + 64 - W + 63 + 1, base + 63, -EALREADY),
		 W - 64);
	CHECK_EQ(srd_replay_check(&r, base + 63 - W), -ESTALE);
	CHECK_EQ(srd_replay_check(&r, base + 64 + 63 - W), -ESTALE);
	CHECK_EQ(srd_replay_check(&r, base + 64 + 63 - W + 1), -EALREADY);
}

/* Jump exactly W: the old top becomes stale, everything above it is new. */
static void update__advance_whole_window(void)
{
	const uint64_t top = 3 * W + 5;
	struct srd_replay r;

	srd_replay_init(&r);
	CHECK_EQ(fill(&r, top - W + 1, top), 0);
	CHECK_EQ(receive(&r, top + W), 0);
	CHECK_EQ(srd_replay_check(&r, top), -ESTALE);
	CHECK_EQ(count_check(&r, top + 1, top + W - 1, 0), W - 1);
	CHECK_EQ(fill(&r, top + 1, top + W - 1), 0);
	CHECK_EQ(count_check(&r, top + 1, top + W, -EALREADY), W);
}

/* Jumps past the window, by amounts that land on every ring offset, including seqs
 * that share a bit with a seq marked one or more laps earlier. */
static void update__advance_beyond_window(void)
{
	const uint64_t jumps[] = { W + 1, W + 63, W + 64, LAP - 1, LAP, LAP + 1,
				   2 * LAP, 5 * LAP + 37, UINT64_C(1) << 40 };
	struct srd_replay r;
	uint64_t top = W - 1;

	srd_replay_init(&r);
	CHECK_EQ(fill(&r, 0, top), 0);
	for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		uint64_t old = top;

		top += jumps[i];
		CHECK_EQ(receive(&r, top), 0);
		CHECK_EQ(count_check(&r, top - W + 1, top - 1, 0), W - 1);
		CHECK_EQ(srd_replay_check(&r, old), -ESTALE);
		CHECK_EQ(fill(&r, top - W + 1, top - 1), 0);
		CHECK_EQ(count_check(&r, top - W + 1, top, -EALREADY), W);
	}
}

/* Same-bit aliasing: s and s + LAP share a bit. After a full window, advancing one
 * seq at a time must accept each s + LAP although s's bit was set. */
static void update__ring_alias_is_new_seq(void)
{
	struct srd_replay r;
	uint64_t bad = 0;

	srd_replay_init(&r);
	CHECK_EQ(fill(&r, 0, W - 1), 0);
	for (uint64_t s = 0; s < W; s++) {
		bad += receive(&r, s + LAP) != 0;
		bad += srd_replay_check(&r, s + LAP) != -EALREADY;
	}
	CHECK_EQ(bad, 0);
}

#define LAPS 60u

/* Many laps of the ring, the top moving by strides of every kind while the
 * multiples of 3 behind it are filled in descending order; after each lap the
 * whole window matches the model. */
static void update__ring_laps(void)
{
	const uint64_t strides[] = { 1, 3, 63, 64, 65, 129, 999, W / 2 + 1, W - 1, W };
	const size_t nstrides = sizeof(strides) / sizeof(strides[0]);
	struct srd_replay r;
	struct model m;
	bool ok = true;

	if (!model_init(&m, 0, (LAPS + 2) * LAP)) {
		CHECK(!"out of memory");
		return;
	}
	srd_replay_init(&r);
	for (unsigned lap = 0; lap < LAPS && ok; lap++) {
		uint64_t stride = strides[lap % nstrides], end = m.top + LAP;

		while (m.top + stride <= end && ok) {
			uint64_t old = m.top;

			ok = agree(&r, &m, old + stride, true, 0);
			for (uint64_t t = old + stride - 1; t > old && ok; t--)
				if (t % 3 == 0)
					ok = agree(&r, &m, t, true, 0);
		}
		ok = ok && agree_window(&r, &m, 0);
	}
	CHECK(ok);
	CHECK(m.top > (LAPS - 1) * LAP);
	free(m.seen);
}

static void update__near_uint64_max(void)
{
	struct srd_replay r;

	srd_replay_init(&r);
	CHECK_EQ(receive(&r, UINT64_MAX), 0);
	CHECK_EQ(srd_replay_check(&r, UINT64_MAX), -EALREADY);
	CHECK_EQ(srd_replay_check(&r, UINT64_MAX - W), -ESTALE);
	CHECK_EQ(srd_replay_check(&r, 0), -ESTALE);
	CHECK_EQ(fill(&r, UINT64_MAX - W + 1, UINT64_MAX - 1), 0);
	CHECK_EQ(count_check(&r, UINT64_MAX - W + 1, UINT64_MAX, -EALREADY), W);

	/* Climb into the top in small steps from below, and jump from 0. */
	srd_replay_init(&r);
	CHECK_EQ(fill(&r, UINT64_MAX - 3 * W, UINT64_MAX - 2 * W), 0);
	CHECK_EQ(fill(&r, UINT64_MAX - W / 2, UINT64_MAX), 0);
	CHECK_EQ(count_check(&r, UINT64_MAX - W + 1, UINT64_MAX - W / 2 - 1, 0),
		 W / 2 - 1);
	srd_replay_init(&r);
	CHECK_EQ(receive(&r, 0), 0);
	CHECK_EQ(receive(&r, UINT64_MAX - 1), 0);
	CHECK_EQ(receive(&r, UINT64_MAX), 0);
	CHECK_EQ(srd_replay_check(&r, UINT64_MAX - 1), -EALREADY);
	CHECK_EQ(srd_replay_check(&r, UINT64_MAX - 2), 0);
}

/* check() on every kind of seq leaves the struct bit-for-bit unchanged. */
static void check__never_mutates(void)
{
	struct srd_replay r, before;
	uint64_t s = 0x1234, bad = 0;

	srd_replay_init(&r);
	for (int round = 0; round < 4; round++) {
		before = r;
		for (int i = 0; i < 20000; i++) {
			uint64_t seq = r.top + W - below(&s, 3 * W);

			srd_replay_check(&r, seq);
			srd_replay_check(&r, UINT64_MAX - below(&s, 2));
		}
		bad += memcmp(&r, &before, sizeof(r)) != 0;
		fill(&r, r.top + 1, r.top + 1 + below(&s, 2 * W));
	}
	CHECK_EQ(bad, 0);
}

/* Only authenticated packets move the window: a forged seq checked but failing
 * authentication leaves every legitimate seq acceptable. */
static void update__only_after_auth(void)
{
	const uint64_t forged = UINT64_MAX - 5;
	struct srd_replay r, before;

	srd_replay_init(&r);
	CHECK_EQ(fill(&r, 100, 200), 0);
	before = r;
	CHECK_EQ(srd_replay_check(&r, forged), 0);
	/* ... authentication fails: no update ... */
	CHECK_EQ(srd_replay_check(&r, 201), 0);
	/* ... authentication fails: no update ... */
	CHECK_MEM(&r, &before, sizeof(r));
	CHECK_EQ(srd_replay_check(&r, 201), 0);
	CHECK_EQ(srd_replay_check(&r, 150), -EALREADY);
	CHECK_EQ(srd_replay_update(&r, 201), 0);   /* the real one authenticates */
	CHECK_EQ(srd_replay_check(&r, forged), 0);

	/* Two copies both pass check() before either is authenticated: one wins. */
	CHECK_EQ(srd_replay_check(&r, 300), 0);
	CHECK_EQ(srd_replay_check(&r, 300), 0);
	CHECK_EQ(srd_replay_update(&r, 300), 0);
	CHECK_EQ(srd_replay_update(&r, 300), -EALREADY);
}

static void reset__forgets_everything(void)
{
	struct srd_replay r, fresh;

	srd_replay_init(&fresh);
	srd_replay_init(&r);
	CHECK_EQ(fill(&r, 0, 3 * W), 0);
	srd_replay_reset(&r);
	CHECK_MEM(&r, &fresh, sizeof(r));
	CHECK_EQ(receive(&r, 0), 0);
	CHECK_EQ(receive(&r, 3 * W), 0);
}

/* One arrival: seq and when it lands. */
struct arrival {
	uint64_t at;   /* arrival time in send slots */
	uint64_t seq;  /* packet number */
};

static int by_arrival(const void *a, const void *b)
{
	const struct arrival *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

#define MP_PKTS 200000u  /* packets sent */
#define MP_PATHS 64u     /* paths, seq i on path i % 64 */
#define MP_DUPS 20000u   /* extra copies injected (network duplicates, replays) */

/* seq i goes on path i % 64; each path has its own delay and jitter, so packets
 * arrive reordered by up to a few thousand. Every seq is accepted exactly once. */
static void update__multipath_reordered(void)
{
	const uint64_t seed = seed_base ^ 0x64;
	uint64_t s = seed, delay[MP_PATHS], accepted = 0, max_disp = 0;
	size_t n = MP_PKTS + MP_DUPS;
	struct arrival *a = calloc(n, sizeof(*a));
	struct srd_replay r;
	struct model m;
	bool ok = true;

	if (!a || !model_init(&m, 0, MP_PKTS)) {
		CHECK(!"out of memory");
		goto out;
	}
	for (unsigned p = 0; p < MP_PATHS; p++)
		delay[p] = below(&s, 3000);
	for (uint64_t i = 0; i < MP_PKTS; i++)
		a[i] = (struct arrival){ i + delay[i % MP_PATHS] + below(&s, 200), i };
	for (size_t i = MP_PKTS; i < n; i++) {
		uint64_t seq = below(&s, MP_PKTS);

		a[i] = (struct arrival){ a[seq].at + 1 + below(&s, 2 * W), seq };
	}
	qsort(a, n, sizeof(*a), by_arrival);
	srd_replay_init(&r);
	for (size_t i = 0; i < n && ok; i++) {
		uint64_t seq = a[i].seq;
		bool fresh = srd_replay_check(&r, seq) == 0;

		ok = agree(&r, &m, seq, false, seed) && agree(&r, &m, seq, fresh, seed);
		accepted += fresh;
		if (fresh && r.top - seq > max_disp)
			max_disp = r.top - seq;
	}
	CHECK(ok);
	CHECK_EQ(accepted, MP_PKTS);
	CHECK(max_disp > 1000 && max_disp < W);
	/* Replay everything: all refused, stale or duplicate as the model says. */
	for (uint64_t seq = 0; seq < MP_PKTS && ok; seq++)
		ok = agree(&r, &m, seq, true, seed) && srd_replay_check(&r, seq) != 0;
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "update__multipath_reordered: seed %#" PRIx64 "\n", seed);
out:
	free(m.seen);
	free(a);
}

#define STRESS_OPS 1000000u
#define STRESS_PHASES 4u
#define STRESS_CAP (UINT64_C(1) << 25)  /* model bits per phase */

/* A seq for the next operation, chosen near the interesting places. */
static uint64_t stress_seq(uint64_t *s, uint64_t top, const uint64_t *recent)
{
	uint64_t r = below(s, 1000), up;

	if (r < 450)
		return sub_sat(top, below(s, W + 128));
	if (r < 650)
		up = 1 + below(s, 64);
	else if (r < 750)
		return sub_sat(top, W) + below(s, 3);
	else if (r < 850)
		return recent[below(s, 256)];
	else if (r < 900)
		return sub_sat(top, W + below(s, 3 * W));
	else if (r < 998)
		up = 1 + below(s, 1024);
	else
		up = W / 2 + below(s, 3 * W);
	return top > UINT64_MAX - up ? UINT64_MAX - below(s, 2) : top + up;
}

/* Phase p's model covers [lo, lo + STRESS_CAP): from 0, mid-range, the very top
 * (where seqs saturate at UINT64_MAX), mid-range. */
static uint64_t stress_lo(unsigned p, uint64_t *s)
{
	if (p == 0)
		return 0;
	if (p == 2)
		return UINT64_MAX - STRESS_CAP + 1;
	return splitmix64(s) >> 2;
}

/* One phase of the stress; false on the first disagreement. */
static bool stress_phase(unsigned p, uint64_t *s, uint64_t seed)
{
	uint64_t lo = stress_lo(p, s), recent[256], nrecent = 0;
	uint64_t start = p == 2 ? UINT64_MAX - STRESS_CAP / 4 : lo + W;
	uint64_t full = lo + (STRESS_CAP - 4 * W);
	struct srd_replay r, before;
	struct model m;
	bool ok;

	if (!model_init(&m, lo, STRESS_CAP))
		return false;
	for (size_t i = 0; i < 256; i++)
		recent[i] = lo;
	srd_replay_init(&r);
	ok = agree(&r, &m, lo, true, seed) && agree(&r, &m, start, true, seed);
	for (uint64_t i = 0; i < STRESS_OPS / STRESS_PHASES && ok; i++) {
		uint64_t seq = stress_seq(s, r.top, recent), op = below(s, 8);

		if (p != 2 && m.top >= full)
			break;  /* model full: this phase has seen enough */
		before = r;
		ok = agree(&r, &m, seq, false, seed);
		if (op == 0)
			ok = ok && memcmp(&r, &before, sizeof(r)) == 0;
		if (op >= 6)
			continue;  /* checked, then failed authentication */
		if (model_check(&m, seq) == 0)
			recent[nrecent++ % 256] = seq;
		ok = ok && agree(&r, &m, seq, true, seed);
	}
	ok = ok && agree_window(&r, &m, seed);
	free(m.seen);
	return ok;
}

/* 1e6 random checks and updates against the model, in four phases that start at
 * 0, mid-range and UINT64_MAX - 2^25. */
static void update__random_stress_vs_model(void)
{
	const uint64_t seed = seed_base;
	uint64_t s = seed;

	for (unsigned p = 0; p < STRESS_PHASES; p++) {
		if (!stress_phase(p, &s, seed)) {
			fprintf(stderr, "update__random_stress_vs_model: seed %#" PRIx64
				" phase %u\n", seed, p);
			CHECK(!"model disagrees");
			return;
		}
	}
}

int main(void)
{
	const char *env = getenv("SRD_REPLAY_SEED");

	if (env)
		seed_base = strtoull(env, NULL, 0);
	printf("seed %#" PRIx64 "\n", seed_base);
	RUN(replay__window_is_pow2_and_large);
	RUN(init__first_packet_zero);
	RUN(init__first_packet_huge);
	RUN(update__in_order_run);
	RUN(update__duplicate_rejected);
	RUN(check__window_edges);
	RUN(check__window_edges_near_zero);
	RUN(update__advance_one_word);
	RUN(update__advance_whole_window);
	RUN(update__advance_beyond_window);
	RUN(update__ring_alias_is_new_seq);
	RUN(update__ring_laps);
	RUN(update__near_uint64_max);
	RUN(check__never_mutates);
	RUN(update__only_after_auth);
	RUN(reset__forgets_everything);
	RUN(update__multipath_reordered);
	RUN(update__random_stress_vs_model);
	return check_exit();
}
