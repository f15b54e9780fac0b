/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_rob.c: the per-lane reorder buffer (reorder/rob.c).
 *
 * Hand-picked cases pop everything into a log, "lane.seq" per packet with "+n" when
 * n seqs were lost just before it (seqs print as signed 32-bit, so -1 is
 * UINT32_MAX), and compare the log. Every popped payload and meta are checked
 * against the pattern they were inserted with. A seeded run then drives 1e5 random
 * operations from a model sender (frames, reordering, loss, duplicates, give-ups,
 * a virtual clock) and checks every pop and counter against a reference model. Set
 * SRD_ROB_SEED to rerun it with another seed; a failure prints the seed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "reorder/rob.h"
#include "tests/check.h"
#include "tests/rng.h"

#define HOLD 100u     /* hold_ns of the hand-picked cases */
#define F SRD_ROB_FIRST
#define L SRD_ROB_LAST
#define M 0u          /* a middle piece */
#define SLOT_BYTES 64u

static uint64_t seed_base = 0x0b5e55ed5eed0b00ull; /* SRD_ROB_SEED overrides */

static char pop_log[8192];

/* ---- helpers ---- */

static struct srd_rob *rob_make(uint32_t lanes, uint32_t ring, uint32_t slots)
{
	struct srd_rob_cfg cfg = {
		.lanes = lanes, .ring = ring, .slots = slots,
		.slot_bytes = SLOT_BYTES, .hold_ns = HOLD,
	};
	struct srd_rob *r = srd_rob_new(&cfg);

	if (!r)
		abort();
	return r;
}

static uint8_t pattern(uint32_t lane, uint32_t seq, size_t k)
{
	return (uint8_t)(seq * 131u + lane * 17u + k * 7u);
}

static size_t pattern_len(uint32_t lane, uint32_t seq, uint32_t slot_bytes)
{
	return 1 + (seq * 7u + lane) % slot_bytes;
}

static void pattern_fill(uint32_t lane, uint32_t seq, uint8_t *meta, uint8_t *data,
			 size_t len)
{
	for (size_t k = 0; k < SRD_ROB_META; k++)
		meta[k] = pattern(lane, seq, k + 1000);
	for (size_t k = 0; k < len; k++)
		data[k] = pattern(lane, seq, k);
}

static bool pattern_ok(const struct srd_rob_pkt *p, uint32_t slot_bytes)
{
	uint8_t meta[SRD_ROB_META], data[256];
	size_t len = pattern_len(p->lane, p->seq, slot_bytes);

	if (p->len != len || len > sizeof(data))
		return false;
	pattern_fill(p->lane, p->seq, meta, data, len);
	return !memcmp(meta, p->meta, SRD_ROB_META) && !memcmp(data, p->data, len);
}

static int put(struct srd_rob *r, uint32_t lane, uint32_t seq, unsigned flags,
	       uint64_t now)
{
	uint8_t meta[SRD_ROB_META], data[SLOT_BYTES];
	size_t len = pattern_len(lane, seq, SLOT_BYTES);

	pattern_fill(lane, seq, meta, data, len);
	return srd_rob_insert(r, lane, seq, flags, meta, data, len, now);
}

/* A single-packet frame. */
static int put1(struct srd_rob *r, uint32_t lane, uint32_t seq, uint64_t now)
{
	return put(r, lane, seq, F | L, now);
}

/* Pop everything into pop_log; check each payload. */
static const char *drain(struct srd_rob *r)
{
	struct srd_rob_pkt p;
	size_t n = 0;

	pop_log[0] = '\0';
	while (srd_rob_pop(r, &p) == 1 && n < sizeof(pop_log) - 64) {
		CHECK(pattern_ok(&p, SLOT_BYTES));
		CHECK(p.gap_before == (p.lost_before != 0));
		n += (size_t)snprintf(pop_log + n, sizeof(pop_log) - n, "%s%u.%d",
				      n ? " " : "", p.lane, (int32_t)p.seq);
		if (p.lost_before)
			n += (size_t)snprintf(pop_log + n, sizeof(pop_log) - n, "+%u",
					      p.lost_before);
	}
	return pop_log;
}

#define CHECK_POPS(r, want)                                                  \
	do {                                                                 \
		const char *got_ = drain(r);                                 \
		if (strcmp(got_, (want)) != 0) {                             \
			fprintf(stderr, "%s:%d: popped \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, got_, (want));           \
			check_failures++;                                    \
		}                                                            \
	} while (0)

/* Invariants that hold after any call. */
static void check_accounting(const struct srd_rob *r, uint32_t slots)
{
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(srd_rob_free_slots(r) + st->buffered_pkts, slots);
	CHECK(st->peak_bytes <= st->bound_bytes);
	CHECK(st->buffered_bytes <= st->peak_bytes);
}

/* Move an idle lane's base to seq anywhere in 2^32: two skips of less than half
 * to seq - 1, then an empty packet through, so nothing counts as lost. */
static void set_base(struct srd_rob *r, uint32_t lane, uint32_t seq)
{
	uint32_t base = srd_rob_lane_base(r, lane);
	struct srd_rob_pkt p;

	srd_rob_skip(r, lane, base + (seq - 1 - base) / 2, 0);
	srd_rob_skip(r, lane, seq - 1, 0);
	CHECK_EQ(srd_rob_insert(r, lane, seq - 1, F | L, NULL, NULL, 0, 0), 0);
	CHECK_EQ(srd_rob_pop(r, &p), 1);
	CHECK(p.lane == lane && p.seq == seq - 1 && p.len == 0);
	CHECK_EQ(srd_rob_lane_base(r, lane), seq);
}

/* ---- lifetime ---- */

static void new__rejects_bad_cfg(void)
{
	const struct srd_rob_cfg good = { 4, 16, 32, 64, HOLD };
	struct srd_rob_cfg bad[] = { good, good, good, good, good, good, good };
	struct srd_rob *r;

	bad[0].lanes = 0;
	bad[1].lanes = SRD_ROB_MAX_LANES + 1;
	bad[2].ring = 24;
	bad[3].ring = 0;
	bad[4].slots = 0;
	bad[5].slot_bytes = 0;
	bad[6].ring = SRD_ROB_MAX_RING * 2;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(srd_rob_new(&bad[i]) == NULL);
		CHECK_EQ(errno, EINVAL);
	}
	CHECK(srd_rob_new(NULL) == NULL);
	r = srd_rob_new(&good);
	CHECK(r != NULL);
	check_accounting(r, 32);
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	srd_rob_free(r);
	srd_rob_free(NULL);
}

static void stats__bound_covers_formula(void)
{
	struct srd_rob *r = rob_make(8, 64, 100);
	const struct srd_rob_stats *st = srd_rob_stats(r);
	uint64_t floor = 100ull * SLOT_BYTES + 8ull * 64 * sizeof(uint32_t);

	CHECK(st->bound_bytes >= floor);
	/* headers: ~64 bytes a slot, ~64 a lane, and the struct itself */
	CHECK(st->bound_bytes <= floor + 100 * 80 + 8 * 80 + 512);
	srd_rob_free(r);
}

/* ---- insert ---- */

static void insert__in_order_single_lane(void)
{
	struct srd_rob *r = rob_make(1, 16, 8);

	for (uint32_t s = 0; s < 40; s++) {
		char want[32];

		CHECK_EQ(put1(r, 0, s, s), 0);
		snprintf(want, sizeof(want), "0.%u", s);
		CHECK_POPS(r, want);
	}
	CHECK_EQ(srd_rob_stats(r)->delivered, 40);
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	check_accounting(r, 8);
	srd_rob_free(r);
}

static void insert__reverse_order(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);

	for (uint32_t s = 9; s >= 1; s--) {
		CHECK_EQ(put1(r, 0, s, 0), 0);
		CHECK_POPS(r, "");
	}
	CHECK_EQ(srd_rob_stats(r)->buffered_pkts, 9);
	CHECK_EQ(put1(r, 0, 0, 0), 0);
	CHECK_POPS(r, "0.0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9");
	CHECK_EQ(srd_rob_lane_base(r, 0), 10);
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	check_accounting(r, 16);
	srd_rob_free(r);
}

static void insert__holes_filled_later(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);

	CHECK_EQ(put1(r, 0, 0, 0), 0);
	CHECK_EQ(put1(r, 0, 2, 0), 0);
	CHECK_EQ(put1(r, 0, 4, 0), 0);
	CHECK_POPS(r, "0.0");
	CHECK_EQ(put1(r, 0, 3, 0), 0);
	CHECK_POPS(r, "");
	CHECK_EQ(put1(r, 0, 1, 0), 0);
	CHECK_POPS(r, "0.1 0.2 0.3 0.4");
	CHECK_EQ(srd_rob_stats(r)->buffered_pkts, 0);
	srd_rob_free(r);
}

static void insert__duplicate_and_stale(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put1(r, 0, 3, 0), 0);
	CHECK_EQ(put1(r, 0, 3, 0), -EALREADY);
	CHECK_EQ(put1(r, 0, 0, 0), 0);
	CHECK_POPS(r, "0.0");
	CHECK_EQ(put1(r, 0, 0, 0), -ESTALE);
	CHECK_EQ(put1(r, 0, 3, 0), -EALREADY);
	CHECK_EQ(put1(r, 0, 1, 0), 0);
	CHECK_EQ(put1(r, 0, 2, 0), 0);
	CHECK_EQ(put1(r, 0, 2, 0), -ESTALE); /* queued: base passed it */
	CHECK_POPS(r, "0.1 0.2 0.3");
	CHECK_EQ(put1(r, 0, 3, 0), -ESTALE);
	CHECK_EQ(st->duplicate, 2);
	CHECK_EQ(st->too_old, 3);
	CHECK_EQ(st->inserted, 4);
	CHECK_EQ(st->delivered, 4);
	srd_rob_free(r);
}

static void insert__window_edges(void)
{
	struct srd_rob *r = rob_make(1, 16, 32);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put1(r, 0, 16, 0), -ERANGE);
	CHECK_EQ(put1(r, 0, 15, 0), 0);
	CHECK_EQ(put1(r, 0, 0x7fffffff, 0), -ERANGE);
	CHECK_EQ(put1(r, 0, 0x80000001, 0), -ESTALE);
	CHECK_EQ(put1(r, 0, UINT32_MAX, 0), -ESTALE);
	CHECK_EQ(put1(r, 0, 0, 0), 0);
	CHECK_POPS(r, "0.0");
	CHECK_EQ(put1(r, 0, 17, 0), -ERANGE); /* base 1: window 1..16 */
	CHECK_EQ(put1(r, 0, 16, 0), 0);
	CHECK_EQ(st->beyond_window, 3);
	CHECK_EQ(st->too_old, 2);
	srd_rob_free(r);
}

static void insert__full_then_recover(void)
{
	struct srd_rob *r = rob_make(2, 16, 4);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	for (uint32_t s = 0; s < 4; s++)
		CHECK_EQ(put1(r, 1, s, 0), 0); /* queued, not popped yet */
	CHECK_EQ(srd_rob_free_slots(r), 0);
	CHECK_EQ(put1(r, 1, 4, 0), -ENOBUFS);
	CHECK_EQ(put1(r, 0, 0, 0), -ENOBUFS);
	CHECK_EQ(st->full, 2);
	check_accounting(r, 4);
	struct srd_rob_pkt p;

	CHECK_EQ(srd_rob_pop(r, &p), 1);
	CHECK_EQ(srd_rob_pop(r, &p), 1);
	CHECK_EQ(srd_rob_free_slots(r), 2);
	CHECK_EQ(put1(r, 0, 0, 0), 0);
	CHECK_EQ(put1(r, 1, 4, 0), 0);
	CHECK_POPS(r, "1.2 0.0 1.3 1.4"); /* lanes alternate, frame by frame */
	check_accounting(r, 4);
	srd_rob_free(r);
}

static void insert__bad_args(void)
{
	struct srd_rob *r = rob_make(2, 16, 4);
	uint8_t big[SLOT_BYTES + 1] = { 0 };

	CHECK_EQ(put1(r, 2, 0, 0), -EINVAL);
	CHECK_EQ(put(r, 0, 0, 0x4, 0), -EINVAL);
	CHECK_EQ(srd_rob_insert(r, 0, 0, F | L, NULL, big, sizeof(big), 0), -EINVAL);
	CHECK_EQ(srd_rob_insert(r, 0, 0, F | L, NULL, NULL, 1, 0), -EINVAL);
	CHECK_EQ(srd_rob_skip(r, 2, 5, 0), -EINVAL);
	CHECK_EQ(srd_rob_stats(r)->inserted, 0);
	/* empty payload, no meta: allowed */
	CHECK_EQ(srd_rob_insert(r, 0, 0, F | L, NULL, NULL, 0, 0), 0);
	struct srd_rob_pkt p;

	CHECK_EQ(srd_rob_pop(r, &p), 1);
	CHECK_EQ(p.len, 0);
	CHECK_EQ(p.meta[0] | p.meta[SRD_ROB_META - 1], 0);
	srd_rob_free(r);
}

/* ---- pop ---- */

static void pop__hole_in_one_lane_never_blocks_another(void)
{
	struct srd_rob *r = rob_make(3, 16, 32);

	for (uint32_t s = 1; s < 4; s++)
		CHECK_EQ(put1(r, 1, s, 0), 0);
	for (uint32_t s = 0; s < 4; s++) {
		char want[16];

		CHECK_EQ(put1(r, 2, s, 0), 0);
		snprintf(want, sizeof(want), "2.%u", s);
		CHECK_POPS(r, want);
	}
	CHECK_EQ(put1(r, 1, 0, 0), 0);
	CHECK_POPS(r, "1.0 1.1 1.2 1.3");
	srd_rob_free(r);
}

/* Lanes take turns one frame at a time; a frame's pieces are never interleaved. */
static void pop__round_robin_by_frame(void)
{
	struct srd_rob *r = rob_make(3, 16, 32);

	for (uint32_t lane = 0; lane < 3; lane++) {
		for (uint32_t s = 0; s < 4; s += 2) {
			CHECK_EQ(put(r, lane, s + 1, SRD_ROB_LAST, 0), 0);
			CHECK_EQ(put(r, lane, s, SRD_ROB_FIRST, 0), 0);
		}
	}
	CHECK_POPS(r, "0.0 0.1 1.0 1.1 2.0 2.1 0.2 0.3 1.2 1.3 2.2 2.3");
	srd_rob_free(r);
}

static void pop__data_valid_until_next_call(void)
{
	struct srd_rob *r = rob_make(1, 16, 2);
	struct srd_rob_pkt a, b;

	CHECK_EQ(put1(r, 0, 0, 0), 0);
	CHECK_EQ(put1(r, 0, 1, 0), 0);
	CHECK_EQ(srd_rob_pop(r, &a), 1);
	CHECK(pattern_ok(&a, SLOT_BYTES));
	CHECK_EQ(srd_rob_free_slots(r), 1);
	CHECK_EQ(srd_rob_pop(r, &b), 1);
	CHECK(pattern_ok(&b, SLOT_BYTES));
	CHECK_EQ(srd_rob_pop(r, &b), 0);
	srd_rob_free(r);
}

/* ---- skip ---- */

static void skip__into_middle_of_buffered_run(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put1(r, 0, 2, 0), 0);
	CHECK_EQ(put1(r, 0, 3, 0), 0);
	CHECK_EQ(put1(r, 0, 5, 0), 0);
	CHECK_EQ(put1(r, 0, 6, 0), 0);
	CHECK_EQ(srd_rob_skip(r, 0, 4, 0), 0);
	CHECK_POPS(r, "0.2+2 0.3");
	CHECK_EQ(srd_rob_lane_base(r, 0), 4);
	CHECK_EQ(st->skipped, 2);
	CHECK_EQ(srd_rob_skip(r, 0, 6, 0), 0);
	CHECK_POPS(r, "0.5+1 0.6");
	CHECK_EQ(srd_rob_lane_base(r, 0), 7);
	CHECK_EQ(st->skipped, 3);
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	srd_rob_free(r);
}

static void skip__backwards_is_noop(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(srd_rob_skip(r, 0, 5, 0), 0);
	CHECK_EQ(put1(r, 0, 7, 0), 0);
	CHECK_EQ(srd_rob_skip(r, 0, 5, 0), 0);
	CHECK_EQ(srd_rob_skip(r, 0, 2, 0), 0);
	CHECK_EQ(srd_rob_skip(r, 0, 0x90000000u, 0), 0); /* serially before 5 */
	CHECK_EQ(srd_rob_lane_base(r, 0), 5);
	CHECK_EQ(st->skipped, 5);
	CHECK_POPS(r, "");
	CHECK_EQ(put1(r, 0, 5, 0), 0);
	CHECK_EQ(put1(r, 0, 6, 0), 0);
	CHECK_POPS(r, "0.5+5 0.6 0.7");
	srd_rob_free(r);
}

static void skip__far_ahead(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put1(r, 0, 3, 0), 0);
	CHECK_EQ(put1(r, 0, 7, 0), 0);
	CHECK(srd_rob_next_expiry(r) != SRD_ROB_NEVER);
	CHECK_EQ(srd_rob_skip(r, 0, 1000000, 0), 0);
	CHECK_POPS(r, "0.3+3 0.7+3");
	CHECK_EQ(srd_rob_lane_base(r, 0), 1000000);
	CHECK_EQ(st->skipped, 1000000 - 2);
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	CHECK_EQ(put1(r, 0, 999999, 0), -ESTALE);
	CHECK_EQ(put1(r, 0, 1000000, 0), 0);
	CHECK_POPS(r, "0.1000000+999992");
	srd_rob_free(r);
}

/* ---- hold timer ---- */

static void expiry__single_hole(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put1(r, 0, 1, 10), 0);
	CHECK_EQ(put1(r, 0, 2, 50), 0);
	CHECK_EQ(srd_rob_next_expiry(r), 10 + HOLD);
	srd_rob_handle_expiry(r, 10 + HOLD - 1);
	CHECK_POPS(r, "");
	srd_rob_handle_expiry(r, 10 + HOLD);
	CHECK_POPS(r, "0.1+1 0.2");
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	CHECK_EQ(st->timed_out, 1);
	CHECK_EQ(st->hold_timeouts, 1);
	CHECK_EQ(put1(r, 0, 0, 200), -ESTALE); /* the late packet */
	srd_rob_free(r);
}

/* Each hole is held until the oldest packet waiting behind it is HOLD old. */
static void expiry__successive_holes_one_lane(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);

	CHECK_EQ(put1(r, 0, 1, 0), 0);   /* holes at 0, 2, 4, 7 */
	CHECK_EQ(put1(r, 0, 3, 50), 0);
	CHECK_EQ(put1(r, 0, 5, 60), 0);
	CHECK_EQ(put1(r, 0, 6, 10), 0);  /* the clock stepped back: counts as 60 */
	CHECK_EQ(put1(r, 0, 8, 70), 0);
	CHECK_EQ(srd_rob_next_expiry(r), HOLD);
	srd_rob_handle_expiry(r, HOLD);
	CHECK_POPS(r, "0.1+1");
	CHECK_EQ(srd_rob_next_expiry(r), 50 + HOLD);
	CHECK_EQ(put1(r, 0, 2, 120), 0); /* hole 2 fills in time */
	CHECK_POPS(r, "0.2 0.3");
	CHECK_EQ(srd_rob_next_expiry(r), 60 + HOLD);
	srd_rob_handle_expiry(r, 70 + HOLD); /* holes 4 and 7, one call */
	CHECK_POPS(r, "0.5+1 0.6 0.8+1");
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	CHECK_EQ(srd_rob_stats(r)->timed_out, 3);
	CHECK_EQ(srd_rob_stats(r)->hold_timeouts, 3);
	srd_rob_free(r);
}

static void expiry__many_lanes_in_deadline_order(void)
{
	enum { N = 64 };
	struct srd_rob *r = rob_make(N, 16, 2 * N);
	uint64_t arrive[N];

	for (uint32_t k = 0; k < N; k++) {
		uint32_t lane = (k * 37u) % N; /* lanes blocked in shuffled order */

		arrive[lane] = k * 10u;
		CHECK_EQ(put1(r, lane, 1, arrive[lane]), 0);
	}
	for (uint32_t k = 0; k < N; k++) {
		uint64_t t = srd_rob_next_expiry(r);
		struct srd_rob_pkt p;

		CHECK_EQ(t, k * 10u + HOLD);
		srd_rob_handle_expiry(r, t);
		CHECK_EQ(srd_rob_pop(r, &p), 1);
		CHECK_EQ(arrive[p.lane], k * 10u);
		CHECK(p.seq == 1 && p.gap_before);
		CHECK_EQ(srd_rob_pop(r, &p), 0);
	}
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	srd_rob_free(r);
}

static void expiry__filled_hole_disarms(void)
{
	struct srd_rob *r = rob_make(2, 16, 16);

	CHECK_EQ(put1(r, 0, 1, 0), 0);
	CHECK_EQ(put1(r, 1, 1, 30), 0);
	CHECK_EQ(srd_rob_next_expiry(r), HOLD);
	CHECK_EQ(put1(r, 0, 0, 40), 0);
	CHECK_EQ(srd_rob_next_expiry(r), 30 + HOLD);
	CHECK_EQ(put1(r, 1, 0, 50), 0);
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	CHECK_POPS(r, "0.0 1.0 0.1 1.1");
	srd_rob_free(r);
}

/* ---- frames ---- */

static void frame__pieces_wait_for_last(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);

	CHECK_EQ(put(r, 0, 0, F, 0), 0);
	CHECK_EQ(put(r, 0, 1, M, 0), 0);
	CHECK_POPS(r, "");
	CHECK(srd_rob_next_expiry(r) != SRD_ROB_NEVER);
	CHECK_EQ(put(r, 0, 2, L, 0), 0);
	CHECK_POPS(r, "0.0 0.1 0.2");
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	srd_rob_free(r);
}

/* A middle piece never arrives: its frame is dropped whole, the next frame flows. */
static void frame__middle_piece_timed_out(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put(r, 0, 0, F, 0), 0);
	CHECK_EQ(put(r, 0, 1, M, 0), 0);
	CHECK_EQ(put(r, 0, 3, L, 0), 0);
	CHECK_EQ(put(r, 0, 4, F, 0), 0);
	CHECK_EQ(put(r, 0, 5, L, 0), 0);
	srd_rob_handle_expiry(r, HOLD);
	CHECK_POPS(r, "0.4+4 0.5");
	CHECK_EQ(st->partial_dropped, 3);
	CHECK_EQ(st->timed_out, 1);
	CHECK_EQ(put(r, 0, 2, M, 0), -ESTALE);
	check_accounting(r, 16);
	srd_rob_free(r);
}

static void frame__middle_piece_skipped(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put(r, 0, 0, F, 0), 0);
	CHECK_EQ(put(r, 0, 2, L, 0), 0);
	CHECK_EQ(put(r, 0, 3, F | L, 0), 0);
	CHECK_EQ(srd_rob_skip(r, 0, 3, 0), 0); /* the sender gave up on 0..2 */
	CHECK_POPS(r, "0.3+3");
	CHECK_EQ(st->partial_dropped, 2);
	CHECK_EQ(st->skipped, 1);
	srd_rob_free(r);
}

/* The skip lands inside a frame: its buffered start and late pieces are dropped. */
static void frame__late_pieces_after_skip(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put(r, 0, 0, F, 0), 0);
	CHECK_EQ(put(r, 0, 1, M, 0), 0);
	CHECK_EQ(srd_rob_skip(r, 0, 2, 0), 0);
	CHECK_EQ(srd_rob_lane_base(r, 0), 2);
	CHECK_EQ(put(r, 0, 3, L, 0), 0);
	CHECK_EQ(put(r, 0, 2, M, 0), 0);
	CHECK_EQ(put(r, 0, 4, F | L, 0), 0);
	CHECK_POPS(r, "0.4+4");
	CHECK_EQ(st->partial_dropped, 4);
	CHECK_EQ(st->skipped, 0);
	CHECK_EQ(srd_rob_next_expiry(r), SRD_ROB_NEVER);
	srd_rob_free(r);
}

/* A frame whose FIRST was skipped: its remaining pieces never surface. */
static void frame__first_piece_skipped(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);

	CHECK_EQ(put(r, 0, 1, M, 0), 0);
	CHECK_EQ(put(r, 0, 2, L, 0), 0);
	CHECK_EQ(put(r, 0, 3, F, 0), 0);
	CHECK_EQ(put(r, 0, 4, L, 0), 0);
	CHECK_EQ(srd_rob_skip(r, 0, 1, 0), 0);
	CHECK_POPS(r, "0.3+3 0.4");
	CHECK_EQ(srd_rob_stats(r)->partial_dropped, 2);
	srd_rob_free(r);
}

/* A FIRST before the previous frame's LAST ends that frame as partial. */
static void frame__first_before_last(void)
{
	struct srd_rob *r = rob_make(1, 16, 16);

	CHECK_EQ(put(r, 0, 0, F, 0), 0);
	CHECK_EQ(put(r, 0, 1, M, 0), 0);
	CHECK_EQ(put(r, 0, 2, F, 0), 0);
	CHECK_EQ(put(r, 0, 3, L, 0), 0);
	CHECK_POPS(r, "0.2+2 0.3");
	srd_rob_free(r);
}

/* A frame longer than the window can never complete: the timer clears it. */
static void frame__longer_than_window(void)
{
	struct srd_rob *r = rob_make(1, 4, 16);
	const struct srd_rob_stats *st = srd_rob_stats(r);

	CHECK_EQ(put(r, 0, 0, F, 0), 0);
	for (uint32_t s = 1; s < 4; s++)
		CHECK_EQ(put(r, 0, s, M, 0), 0);
	CHECK_EQ(put(r, 0, 4, L, 0), -ERANGE);
	srd_rob_handle_expiry(r, HOLD);
	CHECK_EQ(st->partial_dropped, 4);
	CHECK_EQ(srd_rob_lane_base(r, 0), 4);
	CHECK_EQ(put(r, 0, 4, L, 0), 0);
	CHECK_EQ(put(r, 0, 5, F | L, 0), 0);
	CHECK_POPS(r, "0.5+5");
	check_accounting(r, 16);
	srd_rob_free(r);
}

/* ---- wrap-around ---- */

static void wrap__across_2pow32(void)
{
	struct srd_rob *r = rob_make(2, 16, 32);

	set_base(r, 0, UINT32_MAX - 7);
	set_base(r, 1, UINT32_MAX);
	CHECK_EQ(put1(r, 0, UINT32_MAX - 8, 0), -ESTALE);
	CHECK_EQ(put1(r, 0, 8, 0), -ERANGE);     /* base + ring */
	CHECK_EQ(put1(r, 0, 7, 0), 0);           /* base + ring - 1 */
	for (uint32_t k = 14; k > 0; k--)
		CHECK_EQ(put1(r, 0, UINT32_MAX - 7 + k, 0), 0);
	CHECK_POPS(r, "");
	CHECK_EQ(put1(r, 0, UINT32_MAX - 7, 0), 0);
	CHECK_POPS(r, "0.-8 0.-7 0.-6 0.-5 0.-4 0.-3 0.-2 0.-1 0.0 0.1 0.2 0.3 0.4 "
		      "0.5 0.6 0.7");
	CHECK_EQ(srd_rob_lane_base(r, 0), 8);
	/* a frame straddling the wrap, its pieces backwards */
	CHECK_EQ(put(r, 1, 1, L, 0), 0);
	CHECK_EQ(put(r, 1, 0, M, 0), 0);
	CHECK_EQ(put(r, 1, UINT32_MAX, F, 0), 0);
	CHECK_POPS(r, "1.-1 1.0 1.1");
	/* a hold timeout across the wrap */
	set_base(r, 1, UINT32_MAX - 1);
	CHECK_EQ(put1(r, 1, 1, 0), 0);
	srd_rob_handle_expiry(r, HOLD);
	CHECK_POPS(r, "1.1+3");
	srd_rob_free(r);
}

/* ---- memory ---- */

static void stats__peak_within_bound(void)
{
	struct srd_rob *r = rob_make(4, 16, 32);
	const struct srd_rob_stats *st = srd_rob_stats(r);
	uint8_t data[SLOT_BYTES] = { 0 };
	uint32_t n = 0;

	for (uint32_t lane = 0; lane < 4; lane++)
		for (uint32_t s = 1; s < 16; s++)
			if (srd_rob_insert(r, lane, s, F | L, NULL, data, SLOT_BYTES,
					   0) == 0)
				n++;
	CHECK_EQ(n, 32);
	CHECK_EQ(st->peak_bytes, 32 * SLOT_BYTES);
	CHECK(st->peak_bytes <= st->bound_bytes);
	struct srd_rob_pkt p;

	srd_rob_handle_expiry(r, HOLD);
	for (n = 0; srd_rob_pop(r, &p) == 1; n++)
		CHECK_EQ(p.len, SLOT_BYTES);
	CHECK_EQ(n, 32);
	CHECK_EQ(st->buffered_bytes, 0);
	CHECK_EQ(st->peak_bytes, 32 * SLOT_BYTES);
	check_accounting(r, 32);
	srd_rob_free(r);
}

/* ---- randomized, against a reference model ---- */

#define ML 8u          /* lanes */
#define MRING 64u      /* window */
#define MSLOTS 48u     /* slots: small enough to fill up */
#define MBYTES 48u     /* slot_bytes */
#define MHOLD 1000u    /* hold_ns */
#define MOPS 100000u   /* operations */
#define MSEQS 65536u   /* seqs a lane may use in one run */
#define MPOOL 96u      /* packets in flight */

/* A packet the model sender has in flight. */
struct mpkt {
	uint32_t lane;  /* its lane */
	uint32_t v;     /* model seq: rob seq - lane offset */
};

/* The reference: what the sender sent and what must come out of the rob. */
struct model {
	struct srd_rob *r;           /* under test */
	uint64_t rng;                /* splitmix64 state */
	uint64_t now;                /* virtual clock */
	uint32_t off[ML];            /* rob seq of model seq 0 */
	uint32_t next_v[ML];         /* next model seq the sender assigns */
	uint32_t expect_v[ML];       /* model seq after the last delivered one */
	uint8_t flags[ML][MSEQS];    /* flags of each sent seq */
	uint8_t state[ML][MSEQS];    /* 0 never stored, 1 stored, 2 delivered */
	struct mpkt pool[MPOOL];     /* in flight, any order */
	uint32_t npool;              /* entries in pool */
	uint64_t stored;             /* inserts that returned 0 */
	int open_lane;               /* lane of a frame being popped, or -1 */
	const char *fail;            /* first broken expectation */
	int fail_line;               /* where */
};

#define MCHECK(m, cond)                                                      \
	do {                                                                 \
		if (!(cond) && !(m)->fail) {                                 \
			(m)->fail = #cond;                                   \
			(m)->fail_line = __LINE__;                           \
		}                                                            \
	} while (0)

static uint64_t splitmix64(uint64_t *s)
{
	return test_splitmix64(s);
}

static uint32_t below(struct model *m, uint32_t n)
{
	return (uint32_t)(splitmix64(&m->rng) % n);
}

static void m_pool_del(struct model *m, uint32_t i)
{
	m->pool[i] = m->pool[--m->npool];
}

/* The sender queues a frame of 1..4 packets on a lane; low lanes are busier. */
static void m_send_frame(struct model *m)
{
	uint32_t lane = below(m, 1 + below(m, ML)), n = 1 + below(m, 4);

	if (m->npool + n > MPOOL || m->next_v[lane] + n >= MSEQS ||
	    m->next_v[lane] + n - m->expect_v[lane] > MRING + 32)
		return;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t v = m->next_v[lane]++;

		m->flags[lane][v] = (uint8_t)((k == 0 ? F : 0) | (k == n - 1 ? L : 0));
		m->pool[m->npool++] = (struct mpkt){ lane, v };
	}
}

/* One packet of the pool reaches the receiver. */
static void m_insert(struct model *m)
{
	uint32_t i = below(m, m->npool), lane = m->pool[i].lane, v = m->pool[i].v;
	uint8_t meta[SRD_ROB_META], data[MBYTES];
	uint32_t seq = m->off[lane] + v;
	size_t len = pattern_len(lane, seq, MBYTES);
	int err;

	pattern_fill(lane, seq, meta, data, len);
	err = srd_rob_insert(m->r, lane, seq, m->flags[lane][v], meta, data, len,
			     m->now);
	if (err == 0) {
		MCHECK(m, m->state[lane][v] == 0);
		m->state[lane][v] = 1;
		m->stored++;
	}
	MCHECK(m, m->state[lane][v] != 2 || err == -ESTALE);
	MCHECK(m, err == 0 || err == -ESTALE || err == -EALREADY || err == -ERANGE ||
		  err == -ENOBUFS);
	MCHECK(m, err != -ERANGE || v - m->expect_v[lane] >= MRING);
	if (err == -ERANGE || err == -ENOBUFS || (err == 0 && below(m, 8) == 0))
		return; /* retransmitted or duplicated later */
	m_pool_del(m, i);
}

/* The sender gives up on a lane up to a frame boundary. */
static void m_skip(struct model *m)
{
	uint32_t lane = below(m, ML), to = m->next_v[lane];
	const struct mpkt *p = m->npool ? &m->pool[below(m, m->npool)] : NULL;

	if (p && p->lane == lane && (m->flags[lane][p->v] & F))
		to = p->v; /* give up before a frame still in flight */
	srd_rob_skip(m->r, lane, m->off[lane] + to, m->now);
	for (uint32_t i = m->npool; i-- > 0;) /* most of them stop coming */
		if (m->pool[i].lane == lane && m->pool[i].v < to && below(m, 4))
			m_pool_del(m, i);
}

static void m_check_pkt(struct model *m, const struct srd_rob_pkt *p)
{
	uint32_t lane = p->lane, v = p->seq - m->off[lane];

	MCHECK(m, lane < ML && v < m->next_v[lane]);
	if (m->fail)
		return;
	MCHECK(m, m->state[lane][v] == 1);
	MCHECK(m, v - p->lost_before == m->expect_v[lane]);
	MCHECK(m, p->flags == m->flags[lane][v]);
	MCHECK(m, pattern_ok(p, MBYTES));
	if (m->open_lane < 0) /* a frame starts with FIRST */
		MCHECK(m, p->flags & F);
	else                  /* its pieces follow back to back */
		MCHECK(m, (uint32_t)m->open_lane == lane && !(p->flags & F) &&
			  !p->lost_before);
	m->state[lane][v] = 2;
	m->expect_v[lane] = v + 1;
	m->open_lane = p->flags & L ? -1 : (int)lane;
}

static void m_pop(struct model *m)
{
	struct srd_rob_pkt p;

	for (uint32_t n = 1 + below(m, 8); n > 0 && !m->fail; n--) {
		if (srd_rob_pop(m->r, &p) != 1) {
			MCHECK(m, m->open_lane < 0);
			return;
		}
		m_check_pkt(m, &p);
	}
}

static void m_time(struct model *m)
{
	m->now += below(m, MHOLD / 16);
	if (below(m, 2)) {
		srd_rob_handle_expiry(m->r, m->now);
		MCHECK(m, srd_rob_next_expiry(m->r) > m->now);
	}
}

static void m_check_counts(struct model *m)
{
	const struct srd_rob_stats *st = srd_rob_stats(m->r);

	MCHECK(m, st->buffered_pkts == m->stored - st->delivered - st->partial_dropped);
	MCHECK(m, srd_rob_free_slots(m->r) + st->buffered_pkts == MSLOTS);
	MCHECK(m, st->buffered_pkts <= MSLOTS);
	MCHECK(m, st->peak_bytes <= st->bound_bytes);
}

static void m_step(struct model *m)
{
	uint32_t op = below(m, 100);

	if (op < 40 && m->npool)
		m_insert(m);
	else if (op < 41 && m->npool)
		m_pool_del(m, below(m, m->npool)); /* lost in the network */
	else if (op < 61)
		m_send_frame(m);
	else if (op < 63)
		m_skip(m);
	else if (op < 78)
		m_time(m);
	else
		m_pop(m);
	m_check_counts(m);
}

/* Give up everything, pop the rest, and account for every seq ever sent. */
static uint64_t m_accounted(const struct model *m)
{
	const struct srd_rob_stats *st = srd_rob_stats(m->r);

	return st->delivered + st->partial_dropped + st->skipped + st->timed_out;
}

static void m_finish(struct model *m, uint64_t accounted_before)
{
	const struct srd_rob_stats *st = srd_rob_stats(m->r);
	uint64_t sent = 0;

	for (uint32_t lane = 0; lane < ML; lane++) {
		srd_rob_skip(m->r, lane, m->off[lane] + m->next_v[lane], m->now);
		sent += m->next_v[lane];
	}
	while (!m->fail && srd_rob_stats(m->r)->buffered_pkts)
		m_pop(m);
	MCHECK(m, m->open_lane < 0);
	MCHECK(m, st->buffered_pkts == 0 && srd_rob_next_expiry(m->r) == SRD_ROB_NEVER);
	MCHECK(m, m_accounted(m) - accounted_before == sent);
	m_check_counts(m);
}

static struct model *m_new(uint64_t seed)
{
	struct srd_rob_cfg cfg = { ML, MRING, MSLOTS, MBYTES, MHOLD };
	struct model *m = calloc(1, sizeof(*m));

	if (!m || !(m->r = srd_rob_new(&cfg)))
		abort();
	m->rng = seed;
	m->open_lane = -1;
	for (uint32_t lane = 0; lane < ML; lane++) {
		/* half the lanes start near the top of the seq space */
		m->off[lane] = lane % 2 ? UINT32_MAX - 40 - lane : lane * 1000 + 1;
		set_base(m->r, lane, m->off[lane]);
	}
	m->stored = srd_rob_stats(m->r)->inserted;
	return m;
}

static void model__random_ops_vs_reference(void)
{
	const uint64_t seed = seed_base;
	struct model *m = m_new(seed);
	const struct srd_rob_stats *st = srd_rob_stats(m->r);
	uint64_t accounted_before = m_accounted(m), skipped_before = st->skipped;
	uint32_t i;

	for (i = 0; i < MOPS && !m->fail; i++)
		m_step(m);
	if (!m->fail)
		m_finish(m, accounted_before);
	if (m->fail) {
		fprintf(stderr, "model__random_ops_vs_reference: seed %#" PRIx64
			" op %u: line %d: %s\n", seed, i, m->fail_line, m->fail);
		CHECK(!"model disagrees");
	}
	printf("     delivered %" PRIu64 " partial %" PRIu64 " skipped %" PRIu64
	       " timed_out %" PRIu64 " full %" PRIu64 " range %" PRIu64 "\n",
	       st->delivered, st->partial_dropped, st->skipped - skipped_before,
	       st->timed_out, st->full, st->beyond_window);
	srd_rob_free(m->r);
	free(m);
}

int main(void)
{
	const char *env = getenv("SRD_ROB_SEED");

	if (env)
		seed_base = strtoull(env, NULL, 0);
	printf("seed %#" PRIx64 "\n", seed_base);
	RUN(new__rejects_bad_cfg);
	RUN(stats__bound_covers_formula);
	RUN(insert__in_order_single_lane);
	RUN(insert__reverse_order);
	RUN(insert__holes_filled_later);
	RUN(insert__duplicate_and_stale);
	RUN(insert__window_edges);
	RUN(insert__full_then_recover);
	RUN(insert__bad_args);
	RUN(pop__hole_in_one_lane_never_blocks_another);
	RUN(pop__round_robin_by_frame);
	RUN(pop__data_valid_until_next_call);
	RUN(skip__into_middle_of_buffered_run);
	RUN(skip__backwards_is_noop);
	RUN(skip__far_ahead);
	RUN(expiry__single_hole);
	RUN(expiry__successive_holes_one_lane);
	RUN(expiry__many_lanes_in_deadline_order);
	RUN(expiry__filled_hole_disarms);
	RUN(frame__pieces_wait_for_last);
	RUN(frame__middle_piece_timed_out);
	RUN(frame__middle_piece_skipped);
	RUN(frame__late_pieces_after_skip);
	RUN(frame__first_piece_skipped);
	RUN(frame__first_before_last);
	RUN(frame__longer_than_window);
	RUN(wrap__across_2pow32);
	RUN(stats__peak_within_bound);
	RUN(model__random_ops_vs_reference);
	return check_exit();
}
