/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rob.c: per-lane reorder buffer with whole-frame delivery and a hold timer.
 * See rob.h for the semantics.
 *
 * Each packet lives in a slot taken from one connection-wide free list. A slot is
 * in exactly one place at a time:
 *   - waiting: in its lane's ring (indexed by seq & (ring - 1); the window
 *     [base, base + ring) never holds two seqs with the same index) and in the
 *     lane's age list, oldest first, whose head sets the lane's hold deadline;
 *   - queued: its frame is whole and in order; it sits on the lane's delivery
 *     queue and base has passed it;
 *   - free.
 * After every operation a lane is settled: base .. base + run - 1 are the pieces,
 * present, of a frame whose LAST has not arrived, and base + run is empty (or run
 * is the whole ring). A lane with waiting packets is blocked and sits in the timer
 * heap; a lane with queued packets sits in the ready FIFO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reorder/rob.h"

#define NONE UINT32_MAX  /* no slot, no lane, not in the heap */
#define ALIGN 16u        /* alignment of each region in the single allocation */

/* One packet. */
struct slot {
	uint64_t arrival;           /* rob clock when stored: orders the age list */
	uint32_t seq;               /* its seq */
	uint32_t len;               /* payload bytes, in rob->data */
	uint32_t next;              /* age list: newer; delivery queue, free list: next */
	uint32_t prev;              /* age list: older */
	uint32_t lost;              /* seqs lost just before it (set when queued) */
	uint8_t flags;              /* SRD_ROB_FIRST / SRD_ROB_LAST */
	uint8_t meta[SRD_ROB_META]; /* the caller's opaque bytes */
};

/* One lane's ordering state. */
struct lane {
	uint64_t deadline;   /* hold deadline, valid while in the heap */
	uint32_t base;       /* lowest seq still awaited */
	uint32_t run;        /* pieces present from base of a frame awaiting LAST */
	uint32_t count;      /* waiting packets (in the ring) */
	uint32_t lost;       /* seqs lost since the last queued packet, saturating */
	uint32_t age_head;   /* oldest waiting slot */
	uint32_t age_tail;   /* newest waiting slot */
	uint32_t q_head;     /* delivery queue: next slot to pop */
	uint32_t q_tail;     /* delivery queue: last slot */
	uint32_t next_ready; /* next lane in the ready FIFO */
	uint32_t heap_pos;   /* index in the timer heap, or NONE */
	bool ready;          /* on the ready FIFO */
};

struct srd_rob {
	struct srd_rob_cfg cfg;   /* as given, validated */
	uint64_t clock;           /* largest now seen: arrival time of new packets */
	uint32_t free_head;       /* free slot list */
	uint32_t nfree;           /* slots on it */
	uint32_t ready_head;      /* lane to pop from next, or NONE */
	uint32_t ready_tail;      /* last lane of the ready FIFO, or NONE */
	uint32_t nheap;           /* lanes in the timer heap */
	struct lane *lanes;       /* cfg.lanes lanes */
	uint32_t *heap;           /* blocked lanes, min-heap on (deadline, lane) */
	uint32_t *ring;           /* cfg.lanes rings of cfg.ring slot indices */
	struct slot *slots;       /* cfg.slots slot headers */
	uint8_t *data;            /* cfg.slots payloads of cfg.slot_bytes */
	struct srd_rob_stats st;  /* counters */
};

/* Byte offsets of the regions of the single allocation. */
struct layout {
	size_t lanes;  /* struct lane[lanes] */
	size_t heap;   /* uint32_t[lanes] */
	size_t ring;   /* uint32_t[lanes * ring] */
	size_t slots;  /* struct slot[slots] */
	size_t data;   /* uint8_t[slots * slot_bytes] */
	size_t total;  /* bytes to allocate */
};

/* Serial-number order: a comes before b. */
static bool before(uint32_t a, uint32_t b)
{
	return ((a - b) & 0x80000000u) != 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint32_t lane_id(const struct srd_rob *rob, const struct lane *l)
{
	return (uint32_t)(l - rob->lanes);
}

static uint32_t *ring_at(const struct srd_rob *rob, const struct lane *l,
			 uint32_t seq)
{
	size_t row = (size_t)lane_id(rob, l) * rob->cfg.ring;

	return &rob->ring[row + (seq & (rob->cfg.ring - 1))];
}

static uint8_t *slot_data(const struct srd_rob *rob, uint32_t i)
{
	return rob->data + (size_t)i * rob->cfg.slot_bytes;
}

static void tick(struct srd_rob *rob, uint64_t now)
{
	if (now > rob->clock)
		rob->clock = now;
}

/* ---- slots ---- */

static uint32_t slot_get(struct srd_rob *rob)
{
	uint32_t i = rob->free_head;

	rob->free_head = rob->slots[i].next;
	rob->nfree--;
	return i;
}

static void slot_put(struct srd_rob *rob, uint32_t i)
{
	rob->st.buffered_pkts--;
	rob->st.buffered_bytes -= rob->slots[i].len;
	rob->slots[i].next = rob->free_head;
	rob->free_head = i;
	rob->nfree++;
}

static void age_append(struct srd_rob *rob, struct lane *l, uint32_t i)
{
	struct slot *s = &rob->slots[i];

	s->prev = l->age_tail;
	s->next = NONE;
	if (l->age_tail == NONE)
		l->age_head = i;
	else
		rob->slots[l->age_tail].next = i;
	l->age_tail = i;
}

static void age_unlink(struct srd_rob *rob, struct lane *l, uint32_t i)
{
	struct slot *s = &rob->slots[i];

	if (s->prev == NONE)
		l->age_head = s->next;
	else
		rob->slots[s->prev].next = s->next;
	if (s->next == NONE)
		l->age_tail = s->prev;
	else
		rob->slots[s->next].prev = s->prev;
}

/* ---- timer heap: blocked lanes by hold deadline ---- */

static bool heap_less(const struct srd_rob *rob, uint32_t a, uint32_t b)
{
	const struct lane *x = &rob->lanes[a], *y = &rob->lanes[b];

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline;
	return a < b;
}

static void heap_place(struct srd_rob *rob, uint32_t pos, uint32_t li)
{
	rob->heap[pos] = li;
	rob->lanes[li].heap_pos = pos;
}

static void sift_up(struct srd_rob *rob, uint32_t pos)
{
	uint32_t li = rob->heap[pos];

	while (pos > 0) {
		uint32_t up = (pos - 1) / 2;

		if (!heap_less(rob, li, rob->heap[up]))
			break;
		heap_place(rob, pos, rob->heap[up]);
		pos = up;
	}
	heap_place(rob, pos, li);
}

static void sift_down(struct srd_rob *rob, uint32_t pos)
{
	uint32_t li = rob->heap[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= rob->nheap)
			break;
		if (c + 1 < rob->nheap && heap_less(rob, rob->heap[c + 1], rob->heap[c]))
			c++;
		if (!heap_less(rob, rob->heap[c], li))
			break;
		heap_place(rob, pos, rob->heap[c]);
		pos = c;
	}
	heap_place(rob, pos, li);
}

/* Move the lane at pos to where its deadline belongs. */
static void heap_fix(struct srd_rob *rob, uint32_t pos)
{
	uint32_t li = rob->heap[pos];

	sift_up(rob, pos);
	sift_down(rob, rob->lanes[li].heap_pos);
}

static void heap_del(struct srd_rob *rob, struct lane *l)
{
	uint32_t pos = l->heap_pos;

	if (pos == NONE)
		return;
	l->heap_pos = NONE;
	if (pos == --rob->nheap)
		return;
	heap_place(rob, pos, rob->heap[rob->nheap]);
	heap_fix(rob, pos);
}

static void heap_set(struct srd_rob *rob, struct lane *l, uint64_t deadline)
{
	l->deadline = deadline;
	if (l->heap_pos == NONE)
		heap_place(rob, rob->nheap++, lane_id(rob, l));
	heap_fix(rob, l->heap_pos);
}

/* Arm the lane's hold timer from its oldest waiting packet, or disarm it. */
static void rearm(struct srd_rob *rob, struct lane *l)
{
	uint64_t deadline = SRD_ROB_NEVER;

	if (l->count)
		deadline = sat_add(rob->slots[l->age_head].arrival, rob->cfg.hold_ns);
	if (deadline == SRD_ROB_NEVER)
		heap_del(rob, l);
	else if (l->heap_pos == NONE || deadline != l->deadline)
		heap_set(rob, l, deadline);
}

/* ---- ready FIFO: lanes with queued packets ---- */

static void ready_add(struct srd_rob *rob, struct lane *l)
{
	uint32_t li = lane_id(rob, l);

	if (l->ready)
		return;
	l->ready = true;
	l->next_ready = NONE;
	if (rob->ready_tail == NONE)
		rob->ready_head = li;
	else
		rob->lanes[rob->ready_tail].next_ready = li;
	rob->ready_tail = li;
}

static void ready_shift(struct srd_rob *rob)
{
	struct lane *l = &rob->lanes[rob->ready_head];

	rob->ready_head = l->next_ready;
	if (rob->ready_head == NONE)
		rob->ready_tail = NONE;
	l->ready = false;
}

/* ---- lane ordering ---- */

static void count_lost(struct lane *l, uint64_t n)
{
	l->lost = n > UINT32_MAX - l->lost ? UINT32_MAX : l->lost + (uint32_t)n;
}

/* Pass n empty seqs at base, counting them in *counter. */
static void lose(struct lane *l, uint32_t n, uint64_t *counter)
{
	*counter += n;
	count_lost(l, n);
	l->base += n;
}

/* Unhook the waiting packet at base and advance base past it. */
static uint32_t take_base(struct srd_rob *rob, struct lane *l)
{
	uint32_t *at = ring_at(rob, l, l->base);
	uint32_t i = *at;

	*at = NONE;
	age_unlink(rob, l, i);
	l->count--;
	l->base++;
	return i;
}

/* Drop the n pieces from base: their frame can never be whole. */
static void drop_pieces(struct srd_rob *rob, struct lane *l, uint32_t n)
{
	rob->st.partial_dropped += n;
	count_lost(l, n);
	for (; n > 0; n--)
		slot_put(rob, take_base(rob, l));
	l->run = 0;
}

/* The run from base is a whole frame: move it to the delivery queue. */
static void queue_run(struct srd_rob *rob, struct lane *l)
{
	for (; l->run > 0; l->run--) {
		uint32_t i = take_base(rob, l);
		struct slot *s = &rob->slots[i];

		s->lost = l->lost;
		l->lost = 0;
		s->next = NONE;
		if (l->q_tail == NONE)
			l->q_head = i;
		else
			rob->slots[l->q_tail].next = i;
		l->q_tail = i;
	}
	ready_add(rob, l);
}

/* Grow the run from base over present pieces, queueing every frame that becomes
 * whole and dropping pieces that cannot belong to one. */
static void settle(struct srd_rob *rob, struct lane *l)
{
	while (l->run < rob->cfg.ring) {
		uint32_t i = *ring_at(rob, l, l->base + l->run);
		unsigned flags;

		if (i == NONE)
			return;
		flags = rob->slots[i].flags;
		if (l->run == 0 && !(flags & SRD_ROB_FIRST)) {
			drop_pieces(rob, l, 1);       /* its FIRST is gone */
		} else if (l->run > 0 && (flags & SRD_ROB_FIRST)) {
			drop_pieces(rob, l, l->run);  /* a frame began before LAST */
		} else {
			l->run++;
			if (flags & SRD_ROB_LAST)
				queue_run(rob, l);
		}
	}
}

/* Distance from base (empty) to the next waiting packet; needs count > 0. */
static uint32_t next_used(const struct srd_rob *rob, const struct lane *l)
{
	uint32_t d = 1;

	while (d < rob->cfg.ring && *ring_at(rob, l, l->base + d) == NONE)
		d++;
	return d;
}

/* Move base to seq (after base), queueing whole frames on the way. */
static void skip_to(struct srd_rob *rob, struct lane *l, uint32_t seq)
{
	while (l->count && before(l->base, seq)) {
		uint32_t gap;

		drop_pieces(rob, l, l->run);
		if (!l->count || !before(l->base, seq))
			break;
		gap = next_used(rob, l);
		if (gap > seq - l->base)
			gap = seq - l->base;
		lose(l, gap, &rob->st.skipped);
		settle(rob, l);
	}
	if (before(l->base, seq))
		lose(l, seq - l->base, &rob->st.skipped);
	settle(rob, l);
}

/* The lane's oldest packet waited hold_ns: give up on the hole in front of it. */
static void expire(struct srd_rob *rob, struct lane *l)
{
	rob->st.hold_timeouts++;
	drop_pieces(rob, l, l->run);
	if (l->count) {
		lose(l, next_used(rob, l), &rob->st.timed_out);
		settle(rob, l);
	}
	rearm(rob, l);
}

/* ---- insert ---- */

/* Can seq be stored in l? Counts the rejection. */
static int admit(struct srd_rob *rob, const struct lane *l, uint32_t seq)
{
	if (seq - l->base >= rob->cfg.ring) {
		if (before(seq, l->base)) {
			rob->st.too_old++;
			return -ESTALE;
		}
		rob->st.beyond_window++;
		return -ERANGE;
	}
	if (*ring_at(rob, l, seq) != NONE) {
		rob->st.duplicate++;
		return -EALREADY;
	}
	if (!rob->nfree) {
		rob->st.full++;
		return -ENOBUFS;
	}
	return 0;
}

static void store(struct srd_rob *rob, struct lane *l, uint32_t seq, unsigned flags,
		  const void *meta, const uint8_t *data, size_t len)
{
	uint32_t i = slot_get(rob);
	struct slot *s = &rob->slots[i];

	s->arrival = rob->clock;
	s->seq = seq;
	s->len = (uint32_t)len;
	s->flags = (uint8_t)flags;
	s->lost = 0;
	if (meta)
		memcpy(s->meta, meta, SRD_ROB_META);
	else
		memset(s->meta, 0, SRD_ROB_META);
	if (len)
		memcpy(slot_data(rob, i), data, len);
	*ring_at(rob, l, seq) = i;
	age_append(rob, l, i);
	l->count++;
}

static void account(struct srd_rob *rob, size_t len)
{
	struct srd_rob_stats *st = &rob->st;

	st->inserted++;
	st->buffered_pkts++;
	st->buffered_bytes += len;
	if (st->buffered_bytes > st->peak_bytes)
		st->peak_bytes = st->buffered_bytes;
}

int srd_rob_insert(struct srd_rob *rob, uint32_t lane, uint32_t seq, unsigned flags,
		   const void *meta, const uint8_t *data, size_t len, uint64_t now)
{
	struct lane *l;
	int err;

	if (lane >= rob->cfg.lanes || (flags & ~(SRD_ROB_FIRST | SRD_ROB_LAST)) ||
	    len > rob->cfg.slot_bytes || (len && !data))
		return -EINVAL;
	tick(rob, now);
	l = &rob->lanes[lane];
	err = admit(rob, l, seq);
	if (err)
		return err;
	store(rob, l, seq, flags, meta, data, len);
	account(rob, len);
	if (seq - l->base == l->run)
		settle(rob, l);
	rearm(rob, l);
	return 0;
}

/* ---- skip, pop, timers ---- */

int srd_rob_skip(struct srd_rob *rob, uint32_t lane, uint32_t seq, uint64_t now)
{
	struct lane *l;

	if (lane >= rob->cfg.lanes)
		return -EINVAL;
	tick(rob, now);
	l = &rob->lanes[lane];
	if (!before(l->base, seq))
		return 0;
	skip_to(rob, l, seq);
	rearm(rob, l);
	return 0;
}

static void fill(const struct srd_rob *rob, struct srd_rob_pkt *out, uint32_t li,
		 uint32_t i)
{
	const struct slot *s = &rob->slots[i];

	out->lane = li;
	out->seq = s->seq;
	out->flags = s->flags;
	out->gap_before = s->lost != 0;
	out->lost_before = s->lost;
	memcpy(out->meta, s->meta, SRD_ROB_META);
	out->data = slot_data(rob, i);
	out->len = s->len;
}

int srd_rob_pop(struct srd_rob *rob, struct srd_rob_pkt *out)
{
	struct lane *l;
	uint32_t i;
	bool frame_done;

	if (rob->ready_head == NONE)
		return 0;
	l = &rob->lanes[rob->ready_head];
	i = l->q_head;
	fill(rob, out, rob->ready_head, i);
	l->q_head = rob->slots[i].next;
	if (l->q_head == NONE)
		l->q_tail = NONE;
	frame_done = rob->slots[i].flags & SRD_ROB_LAST;
	slot_put(rob, i);
	rob->st.delivered++;
	if (l->q_head == NONE || frame_done) {
		ready_shift(rob);           /* next lane's turn, one frame each */
		if (l->q_head != NONE)
			ready_add(rob, l);
	}
	return 1;
}

uint64_t srd_rob_next_expiry(const struct srd_rob *rob)
{
	if (!rob->nheap)
		return SRD_ROB_NEVER;
	return rob->lanes[rob->heap[0]].deadline;
}

void srd_rob_handle_expiry(struct srd_rob *rob, uint64_t now)
{
	tick(rob, now);
	while (rob->nheap && rob->lanes[rob->heap[0]].deadline <= now)
		expire(rob, &rob->lanes[rob->heap[0]]);
}

uint32_t srd_rob_free_slots(const struct srd_rob *rob)
{
	return rob->nfree;
}

uint32_t srd_rob_lane_base(const struct srd_rob *rob, uint32_t lane)
{
	return lane < rob->cfg.lanes ? rob->lanes[lane].base : 0;
}

const struct srd_rob_stats *srd_rob_stats(const struct srd_rob *rob)
{
	return &rob->st;
}

/* ---- lifetime ---- */

static bool cfg_ok(const struct srd_rob_cfg *c)
{
	return c && c->lanes >= 1 && c->lanes <= SRD_ROB_MAX_LANES &&
	       c->ring >= 1 && c->ring <= SRD_ROB_MAX_RING &&
	       (c->ring & (c->ring - 1)) == 0 &&
	       c->slots >= 1 && c->slots <= SRD_ROB_MAX_SLOTS &&
	       c->slot_bytes >= 1 && c->slot_bytes <= SRD_ROB_MAX_SLOT_BYTES;
}

/* Reserve n objects of size bytes at the next aligned offset; false on overflow. */
static bool reserve(size_t *end, size_t n, size_t size, size_t *at)
{
	size_t start = (*end + ALIGN - 1) & ~(size_t)(ALIGN - 1);

	if (start < *end || (n && size > (SIZE_MAX - start) / n))
		return false;
	*at = start;
	*end = start + n * size;
	return true;
}

static bool layout(const struct srd_rob_cfg *c, struct layout *lay)
{
	size_t end = sizeof(struct srd_rob);

	return reserve(&end, c->lanes, sizeof(struct lane), &lay->lanes) &&
	       reserve(&end, c->lanes, sizeof(uint32_t), &lay->heap) &&
	       reserve(&end, (size_t)c->lanes * c->ring, sizeof(uint32_t), &lay->ring) &&
	       reserve(&end, c->slots, sizeof(struct slot), &lay->slots) &&
	       reserve(&end, c->slots, c->slot_bytes, &lay->data) &&
	       reserve(&end, 0, 1, &lay->total);
}

static void carve(struct srd_rob *rob, const struct srd_rob_cfg *cfg,
		  const struct layout *lay)
{
	uint8_t *base = (uint8_t *)rob;

	rob->cfg = *cfg;
	rob->lanes = (struct lane *)(base + lay->lanes);
	rob->heap = (uint32_t *)(base + lay->heap);
	rob->ring = (uint32_t *)(base + lay->ring);
	rob->slots = (struct slot *)(base + lay->slots);
	rob->data = base + lay->data;
	rob->st.bound_bytes = lay->total;
}

static void reset(struct srd_rob *rob)
{
	const struct srd_rob_cfg *c = &rob->cfg;

	for (uint32_t i = 0; i < c->lanes; i++)
		rob->lanes[i] = (struct lane){
			.age_head = NONE, .age_tail = NONE, .q_head = NONE,
			.q_tail = NONE, .next_ready = NONE, .heap_pos = NONE,
		};
	memset(rob->ring, 0xff, (size_t)c->lanes * c->ring * sizeof(uint32_t));
	for (uint32_t i = 0; i < c->slots; i++)
		rob->slots[i].next = i + 1 < c->slots ? i + 1 : NONE;
	rob->free_head = 0;
	rob->nfree = c->slots;
	rob->ready_head = NONE;
	rob->ready_tail = NONE;
}

struct srd_rob *srd_rob_new(const struct srd_rob_cfg *cfg)
{
	struct layout lay;
	struct srd_rob *rob;

	if (!cfg_ok(cfg) || !layout(cfg, &lay)) {
		errno = EINVAL;
		return NULL;
	}
	rob = calloc(1, lay.total);
	if (!rob) {
		errno = ENOMEM;
		return NULL;
	}
	carve(rob, cfg, &lay);
	reset(rob);
	return rob;
}

void srd_rob_free(struct srd_rob *rob)
{
	free(rob);
}
