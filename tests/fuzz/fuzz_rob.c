/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_rob.c: libFuzzer target for the reorder buffer (reorder/rob.c).
 *
 * The input drives a small buffer (4 lanes, ring 16, 32 slots of 32 bytes). Byte 0
 * picks which lanes start just below 2^32; then every 4 bytes are one operation:
 *
 *   op % 8   0-2 insert  lane, seq = base - 8 + b2 % 40, flags b3 & 3, len b3 >> 2
 *            3   skip    lane, seq = base - 8 + b2 % 40 (b3 odd: base + b2 << 20,
 *                        after popping everything: see resync())
 *            4   advance the clock by b1 * (b2 % 8 + 1) ns
 *            5   pop up to b1 % 8 + 1 packets
 *            6   handle_expiry(now)
 *            7   jump the clock to next_expiry and handle it
 *
 * After every operation it aborts unless: each lane's delivered seqs strictly
 * increase (serial order) and account for every seq between them (lost_before);
 * a frame's pieces come back to back, FIRST first; payloads are intact; every
 * stored packet is delivered, dropped as partial or still buffered;
 * buffered_pkts <= slots, free_slots + buffered_pkts == slots, peak <= bound; and
 * after handle_expiry(now), next_expiry > now.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reorder/rob.h"

#define LANES 4u
#define RING 16u
#define SLOTS 32u
#define BYTES 32u
#define HOLD 64u

/* What the harness knows of each lane. */
struct ref {
	uint32_t next[LANES];  /* seq after the last delivered (or the start) */
	uint32_t carry[LANES]; /* seqs lost before next that lost_before will include */
	int open;              /* lane of a frame half popped, or -1 */
	uint64_t stored;       /* inserts that returned 0 */
	uint64_t popped;       /* packets popped */
	uint64_t now;          /* the clock */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort, naming the broken expectation, unless ok. */
#define need(ok)                                                             \
	do {                                                                 \
		if (!(ok)) {                                                 \
			fprintf(stderr, "fuzz_rob.c:%d: %s\n", __LINE__, #ok); \
			abort();                                             \
		}                                                            \
	} while (0)

static uint8_t pattern(uint32_t lane, uint32_t seq, size_t k)
{
	return (uint8_t)(seq * 131u + lane * 17u + k * 7u);
}

static bool before(uint32_t a, uint32_t b)
{
	return ((a - b) & 0x80000000u) != 0;
}

static void check_pkt(struct ref *r, const struct srd_rob_pkt *p)
{
	need(p->lane < LANES && p->len <= BYTES);
	need(p->gap_before == (p->lost_before != 0));
	need(!before(p->seq, r->next[p->lane])); /* strictly after the last one */
	if (p->lost_before != UINT32_MAX)
		need(p->seq - (p->lost_before - r->carry[p->lane]) == r->next[p->lane]);
	r->carry[p->lane] = 0;
	if (r->open >= 0)
		need((uint32_t)r->open == p->lane && !(p->flags & SRD_ROB_FIRST) &&
		     !p->lost_before);
	else
		need(p->flags & SRD_ROB_FIRST);
	for (size_t k = 0; k < p->len; k++)
		need(p->data[k] == pattern(p->lane, p->seq, k));
	need(p->meta[0] == pattern(p->lane, p->seq, 99));
	r->next[p->lane] = p->seq + 1;
	r->open = p->flags & SRD_ROB_LAST ? -1 : (int)p->lane;
	r->popped++;
}

static void check_rob(const struct ref *r, const struct srd_rob *rob)
{
	const struct srd_rob_stats *st = srd_rob_stats(rob);

	need(st->buffered_pkts <= SLOTS);
	need(srd_rob_free_slots(rob) + st->buffered_pkts == SLOTS);
	need(st->peak_bytes <= st->bound_bytes);
	need(st->buffered_bytes <= st->peak_bytes);
	need(st->delivered == r->popped && st->inserted == r->stored);
	need(r->stored == st->delivered + st->partial_dropped + st->buffered_pkts);
}

static uint32_t near_base(const struct srd_rob *rob, uint32_t lane, uint8_t b)
{
	return srd_rob_lane_base(rob, lane) - 8 + b % 40u;
}

static void op_insert(struct ref *r, struct srd_rob *rob, const uint8_t *b)
{
	uint32_t lane = b[1] % LANES, seq = near_base(rob, lane, b[2]);
	uint8_t meta[SRD_ROB_META] = { pattern(lane, seq, 99) }, buf[64];
	size_t len = b[3] >> 2; /* up to 63: some too long */
	int err;

	for (size_t k = 0; k < len; k++)
		buf[k] = pattern(lane, seq, k);
	err = srd_rob_insert(rob, lane, seq, b[3] & 3u, meta, buf, len, r->now);
	need(err == 0 || err == -ESTALE || err == -EALREADY || err == -ERANGE ||
	     err == -ENOBUFS || (err == -EINVAL && len > BYTES));
	if (err == 0)
		r->stored++;
}

static void op_pop(struct ref *r, struct srd_rob *rob, unsigned n);

/* Serial order only spans 2^31, and far skips could carry a lane's base further
 * than that from its last delivery. With nothing queued, every later delivery is
 * at or after base: restart the lane's reference there. */
static void resync(struct ref *r, struct srd_rob *rob, uint32_t lane)
{
	uint32_t base = srd_rob_lane_base(rob, lane);

	op_pop(r, rob, SLOTS + 1);
	r->carry[lane] += base - r->next[lane];
	r->next[lane] = base;
}

static void op_skip(struct ref *r, struct srd_rob *rob, const uint8_t *b)
{
	uint32_t lane = b[1] % LANES, seq = near_base(rob, lane, b[2]);

	if (b[3] & 1) {
		resync(r, rob, lane);
		seq = srd_rob_lane_base(rob, lane) + ((uint32_t)b[2] << 20);
	}
	need(srd_rob_skip(rob, lane, seq, r->now) == 0);
	need(!before(srd_rob_lane_base(rob, lane), seq));
}

static void op_pop(struct ref *r, struct srd_rob *rob, unsigned n)
{
	struct srd_rob_pkt p;

	for (; n > 0; n--) {
		if (srd_rob_pop(rob, &p) == 0) {
			need(r->open < 0);
			return;
		}
		check_pkt(r, &p);
	}
}

static void op_expire(struct ref *r, struct srd_rob *rob, bool jump)
{
	uint64_t t = srd_rob_next_expiry(rob);

	if (jump && t != SRD_ROB_NEVER && t > r->now)
		r->now = t;
	srd_rob_handle_expiry(rob, r->now);
	need(srd_rob_next_expiry(rob) > r->now);
}

static void step(struct ref *r, struct srd_rob *rob, const uint8_t *b)
{
	switch (b[0] % 8) {
	case 0: case 1: case 2:
		op_insert(r, rob, b);
		break;
	case 3:
		op_skip(r, rob, b);
		break;
	case 4:
		r->now += (uint64_t)b[1] * (b[2] % 8u + 1);
		break;
	case 5:
		op_pop(r, rob, b[1] % 8u + 1);
		break;
	default:
		op_expire(r, rob, b[0] % 8 == 7);
		break;
	}
	check_rob(r, rob);
}

/* Lanes whose bit is set in b start 8 below 2^32. */
static void set_bases(struct ref *r, struct srd_rob *rob, uint8_t b)
{
	for (uint32_t lane = 0; lane < LANES; lane++) {
		if (!(b >> lane & 1))
			continue;
		need(srd_rob_skip(rob, lane, 0x7fffffffu, 0) == 0);
		need(srd_rob_skip(rob, lane, UINT32_MAX - 7, 0) == 0);
		resync(r, rob, lane);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct srd_rob_cfg cfg = { LANES, RING, SLOTS, BYTES, HOLD };
	struct ref r = { .open = -1 };
	struct srd_rob *rob;

	if (size < 1)
		return 0;
	rob = srd_rob_new(&cfg);
	need(rob != NULL);
	set_bases(&r, rob, data[0]);
	for (size_t i = 1; i + 4 <= size; i += 4)
		step(&r, rob, data + i);
	/* every hole times out in the end; then everything left pops */
	srd_rob_handle_expiry(rob, UINT64_MAX - 1);
	op_pop(&r, rob, SLOTS + 1);
	need(srd_rob_stats(rob)->buffered_pkts == 0);
	check_rob(&r, rob);
	srd_rob_free(rob);
	return 0;
}
