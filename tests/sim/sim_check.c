/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_check.c: the book of frames and the invariant checks. See sim_check.h.
 *
 * Per direction and lane the book keeps the lane's frames in order and a table of
 * its DATA packets indexed by engine seq, filled from what the sender writes: a
 * FIRST packet names its frame (the id is in the frame's first bytes), and the
 * packets after it belong to the same frame until the next FIRST. That mapping
 * turns the engine's seq-level reports (GIVE_UP, SKIPPED) into frames, and tells
 * when every packet of a frame has been accepted by the receiver.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encap/wire.h"
#include "tests/sim/sim_check.h"
#include "tests/sim/sim_rand.h"

#define MAGIC 0x5du
#define STAMP_EVERY 512u
#define MAX_PRINTED 20u
#define MAX_PIECES 64u   /* most packets of one frame: 64 KiB in 1 KiB packets */

enum {
	SEQ_SENT = 1,      /* written by the sender at least once */
	SEQ_ORIG_LOST = 2, /* its first transmission was lost */
	SEQ_ARRIVED = 4,   /* a copy reached the receiver */
	SEQ_ACCEPTED = 8,  /* the receiver accepted a copy */
};

/* One DATA packet (engine seq) of a lane. */
struct seq_rec {
	uint64_t first_tx; /* first transmission, ns */
	uint32_t frame;    /* frame it is a piece of */
	uint8_t flags;     /* SEQ_* */
};

/* Per-direction, per-lane book. */
struct srd_sim_lane {
	uint32_t *frames;     /* frame ids in lane order */
	uint32_t nframes;     /* frames offered on the lane */
	uint32_t fcap;        /* room in frames */
	struct seq_rec *seqs; /* DATA packets by seq */
	uint32_t nseqs;       /* seqs seen (highest + 1) */
	uint32_t scap;        /* room in seqs */
	uint32_t cur;         /* frame of the latest FIRST written */
	int64_t last_done;    /* lane_seq of the latest delivery, -1 if none */
};

static void *grow(void *p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t n = *cap ? *cap : 64;
	void *q;

	while (n < need)
		n *= 2;
	q = realloc(p, (size_t)n * elem);
	if (!q)
		return NULL;
	memset((char *)q + (size_t)*cap * elem, 0, (size_t)(n - *cap) * elem);
	*cap = n;
	return q;
}

static int sample(struct srd_sim_samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *p = realloc(s->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

void srd_sim_check_fail(struct srd_sim_check *ck, uint64_t now, const char *fmt, ...)
{
	unsigned *printed = ck->printed_by ? ck->printed_by : &ck->printed;
	va_list ap;

	if (ck->quiet || (*printed)++ >= MAX_PRINTED)
		return;
	fprintf(stderr, "srd-sim: seed %llu%s: t=%.3f us: ", (unsigned long long)ck->seed,
		ck->label, now / 1e3);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int srd_sim_check_init(struct srd_sim_check *ck, unsigned nlanes, uint64_t seed,
		       uint64_t window_end)
{
	unsigned d, i;

	memset(ck, 0, sizeof(*ck));
	ck->seed = seed;
	ck->window_end = window_end;
	ck->nlanes = nlanes;
	for (d = 0; d < 2; d++) {
		ck->lanes[d] = calloc(nlanes, sizeof(*ck->lanes[d]));
		if (!ck->lanes[d])
			return -ENOMEM;
		for (i = 0; i < nlanes; i++) {
			ck->lanes[d][i].last_done = -1;
			ck->lanes[d][i].cur = SRD_SIM_NO_FRAME;
		}
	}
	return 0;
}

void srd_sim_check_fini(struct srd_sim_check *ck)
{
	unsigned d, i;

	for (d = 0; d < 2; d++) {
		for (i = 0; ck->lanes[d] && i < ck->nlanes; i++) {
			free(ck->lanes[d][i].frames);
			free(ck->lanes[d][i].seqs);
		}
		free(ck->lanes[d]);
	}
	free(ck->frames);
	free(ck->lat.v);
	free(ck->rec.v);
	free(ck->rr.v);
	memset(ck, 0, sizeof(*ck));
}

uint32_t srd_sim_check_new_frame(struct srd_sim_check *ck, unsigned dir,
				 uint16_t lane, uint32_t len, uint64_t now)
{
	struct srd_sim_lane *l = &ck->lanes[dir][lane];
	struct srd_sim_frame *f;
	uint32_t cap = (uint32_t)ck->cap;

	if (ck->nframes >= SRD_SIM_NO_FRAME - 1)
		return SRD_SIM_NO_FRAME;
	if (ck->nframes == ck->cap) {
		f = grow(ck->frames, &cap, cap + 1, sizeof(*f));
		if (!f)
			return SRD_SIM_NO_FRAME;
		ck->frames = f;
		ck->cap = cap;
	}
	if (l->nframes == l->fcap) {
		uint32_t *p = grow(l->frames, &l->fcap, l->fcap + 1, sizeof(*p));

		if (!p)
			return SRD_SIM_NO_FRAME;
		l->frames = p;
	}
	f = &ck->frames[ck->nframes];
	*f = (struct srd_sim_frame){ .born = now, .len = len, .lane = lane, .dir = dir,
				     .lane_seq = l->nframes };
	l->frames[l->nframes++] = (uint32_t)ck->nframes;
	ck->unresolved++;
	ck->t.frames++;
	return (uint32_t)ck->nframes++;
}

/* The 8 bytes expected at offset off of frame id. */
static uint64_t stamp(uint32_t id, uint32_t off)
{
	uint64_t x = ((uint64_t)id << 32) | off;

	return srd_sim_splitmix64(&x);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Stamps sit every STAMP_EVERY bytes and in the last 8, never overlapping. */
static bool stamp_at(uint32_t len, uint32_t off)
{
	return off + 8 <= len - 8;
}

void srd_sim_check_fill(const struct srd_sim_check *ck, uint32_t id, uint8_t *buf)
{
	const struct srd_sim_frame *f = &ck->frames[id];
	uint64_t v;
	uint32_t off;

	put32(buf, id);
	put32(buf + 4, f->lane_seq);
	buf[8] = (uint8_t)f->lane;
	buf[9] = (uint8_t)(f->lane >> 8);
	buf[10] = f->dir;
	buf[11] = MAGIC;
	put32(buf + 12, f->len);
	for (off = STAMP_EVERY; stamp_at(f->len, off); off += STAMP_EVERY) {
		v = stamp(id, off);
		memcpy(buf + off, &v, 8);
	}
	v = stamp(id, f->len);
	memcpy(buf + f->len - 8, &v, 8);
}

/* Is buf what frame id looked like when it was sent? */
static bool intact(const struct srd_sim_frame *f, uint32_t id, const uint8_t *buf,
		   size_t len)
{
	uint64_t v;
	uint32_t off;

	if (len != f->len || get32(buf + 4) != f->lane_seq ||
	    (buf[8] | buf[9] << 8) != f->lane || buf[10] != f->dir ||
	    get32(buf + 12) != f->len)
		return false;
	for (off = STAMP_EVERY; stamp_at(f->len, off); off += STAMP_EVERY) {
		memcpy(&v, buf + off, 8);
		if (v != stamp(id, off))
			return false;
	}
	memcpy(&v, buf + len - 8, 8);
	return v == stamp(id, f->len);
}

uint32_t srd_sim_check_deliver_bytes(struct srd_sim_check *ck, unsigned dir,
				     uint16_t lane, const uint8_t *buf, size_t len,
				     uint64_t now)
{
	uint32_t id = len >= SRD_SIM_MIN_FRAME ? get32(buf) : SRD_SIM_NO_FRAME;

	if (len < SRD_SIM_MIN_FRAME || buf[11] != MAGIC || id >= ck->nframes) {
		ck->t.corrupt++;
		srd_sim_check_fail(ck, now, "dir %u lane %u: unrecognisable frame of %zu bytes",
				   dir, lane, len);
		return SRD_SIM_NO_FRAME;
	}
	if (!intact(&ck->frames[id], id, buf, len)) {
		ck->t.corrupt++;
		srd_sim_check_fail(ck, now, "dir %u lane %u: frame %u (%u bytes) delivered as %zu bytes that differ",
				   dir, lane, id, ck->frames[id].len, len);
	}
	srd_sim_check_deliver(ck, id, dir, lane, now);
	return id;
}

/* The frame is delivered or reported: it no longer counts as unresolved. */
static void resolve(struct srd_sim_check *ck, struct srd_sim_frame *f, uint8_t flag)
{
	if (!(f->flags & (SRD_SIM_F_DELIVERED | SRD_SIM_F_GIVEN_UP | SRD_SIM_F_SKIPPED)))
		ck->unresolved--;
	f->flags |= flag;
}

void srd_sim_check_deliver(struct srd_sim_check *ck, uint32_t id, unsigned dir,
			   uint16_t lane, uint64_t now)
{
	struct srd_sim_frame *f = &ck->frames[id];
	struct srd_sim_lane *l = &ck->lanes[f->dir][f->lane];

	if (f->dir != dir || f->lane != lane)
		srd_sim_check_fail(ck, now, "frame %u of dir %u lane %u delivered in dir %u lane %u",
				   id, f->dir, f->lane, dir, lane);
	if (f->deliveries) {
		ck->t.duplicates++;
		srd_sim_check_fail(ck, now, "dir %u lane %u: frame %u (lane seq %u) delivered again",
				   dir, lane, id, f->lane_seq);
		if (f->deliveries < UINT8_MAX)
			f->deliveries++;
		return;
	}
	f->deliveries = 1;
	f->done_at = now;
	resolve(ck, f, SRD_SIM_F_DELIVERED);
	ck->t.delivered++;
	if ((int64_t)f->lane_seq <= l->last_done) {
		ck->t.out_of_order++;
		srd_sim_check_fail(ck, now, "dir %u lane %u: frame %u (lane seq %u) delivered after lane seq %lld",
				   f->dir, f->lane, id, f->lane_seq, (long long)l->last_done);
	} else {
		l->last_done = f->lane_seq;
	}
	if (now <= ck->window_end)
		ck->t.bytes_in_window[f->dir] += f->len;
	if (now <= ck->window_end && now >= ck->meas_from)
		ck->t.bytes_in_meas[f->dir] += f->len;
	if (sample(&ck->lat, now - f->born))
		ck->oom = true;
}

static struct seq_rec *seq_get(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			       uint32_t seq)
{
	struct srd_sim_lane *l = &ck->lanes[dir][lane];

	return seq < l->nseqs ? &l->seqs[seq] : NULL;
}

/* Room for seq in the lane's table; NULL when out of memory. */
static struct seq_rec *seq_make(struct srd_sim_lane *l, uint32_t seq)
{
	if (seq >= l->scap) {
		struct seq_rec *p = grow(l->seqs, &l->scap, seq + 1, sizeof(*p));

		if (!p)
			return NULL;
		l->seqs = p;
	}
	if (seq >= l->nseqs)
		l->nseqs = seq + 1;
	return &l->seqs[seq];
}

/* A FIRST packet starts frame id at seq. */
static void first_piece(struct srd_sim_check *ck, struct srd_sim_lane *l, uint32_t seq,
			const uint8_t *data, size_t len, uint64_t now)
{
	uint32_t id = len >= 4 ? get32(data) : SRD_SIM_NO_FRAME;
	struct srd_sim_frame *f;

	l->cur = SRD_SIM_NO_FRAME;
	if (id >= ck->nframes) {
		srd_sim_check_fail(ck, now, "engine wrote a FIRST packet (seq %u) of an unknown frame",
				   seq);
		ck->t.corrupt++;
		return;
	}
	f = &ck->frames[id];
	f->first_seq = seq;
	f->flags |= SRD_SIM_F_HAVE_FIRST;
	l->cur = id;
}

void srd_sim_check_queued(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			  uint32_t first, uint32_t count, const uint8_t *data, size_t len)
{
	struct srd_sim_lane *l = &ck->lanes[dir][lane];
	uint32_t id = len >= 4 ? get32(data) : SRD_SIM_NO_FRAME;
	struct srd_sim_frame *f;
	uint32_t k;

	if (id >= ck->nframes || !count)
		return;
	for (k = 0; k < count; k++) {
		struct seq_rec *r = seq_make(l, first + k);

		if (!r) {
			ck->oom = true;
			return;
		}
		r->frame = id;   /* flags stay clear until it is sent */
	}
	f = &ck->frames[id];
	f->first_seq = first;
	f->last_seq = first + count - 1;
	f->flags |= SRD_SIM_F_HAVE_FIRST | SRD_SIM_F_HAVE_LAST;
}

bool srd_sim_check_tx(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
		      uint32_t seq, unsigned flags, const uint8_t *data, size_t len,
		      uint64_t now)
{
	struct srd_sim_lane *l = &ck->lanes[dir][lane];
	struct seq_rec *r = seq_make(l, seq);

	if (!r) {
		ck->oom = true;
		return false;
	}
	if (r->flags & SEQ_SENT)
		return false;
	r->flags = SEQ_SENT;
	r->first_tx = now;
	if (flags & SRD_DATA_FIRST)
		first_piece(ck, l, seq, data, len, now);
	if (r->frame >= ck->nframes)
		r->frame = l->cur;   /* not mapped when it was queued */
	if ((flags & SRD_DATA_LAST) && l->cur != SRD_SIM_NO_FRAME) {
		ck->frames[l->cur].last_seq = seq;
		ck->frames[l->cur].flags |= SRD_SIM_F_HAVE_LAST;
	}
	return true;
}

void srd_sim_check_orig_lost(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			     uint32_t seq)
{
	struct seq_rec *r = seq_get(ck, dir, lane, seq);

	if (r)
		r->flags |= SEQ_ORIG_LOST;
}

void srd_sim_check_rx(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
		      uint32_t seq, bool accepted, uint64_t now)
{
	struct seq_rec *r = seq_get(ck, dir, lane, seq);

	if (!r || !(r->flags & SEQ_SENT)) {
		srd_sim_check_fail(ck, now, "dir %u lane %u: seq %u arrived but was never sent",
				   dir, lane, seq);
		ck->t.corrupt++;
		return;
	}
	if (!(r->flags & SEQ_ARRIVED) && (r->flags & SEQ_ORIG_LOST)) {
		ck->t.recoveries++;
		if (sample(&ck->rec, now - r->first_tx))
			ck->oom = true;
	}
	r->flags |= SEQ_ARRIVED;
	if (accepted)
		r->flags |= SEQ_ACCEPTED;
}

void srd_sim_check_give_up(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			   uint32_t seq, uint64_t now)
{
	struct seq_rec *r = seq_get(ck, dir, lane, seq);
	struct srd_sim_frame *f;

	if (!r || r->frame == SRD_SIM_NO_FRAME) {
		ck->t.unmapped++;
		srd_sim_check_fail(ck, now, "note: dir %u lane %u: GIVE_UP of seq %u, never written",
				   dir, lane, seq);
		return;
	}
	f = &ck->frames[r->frame];
	if (!(f->flags & SRD_SIM_F_HAVE_FIRST) || f->first_seq != seq)
		srd_sim_check_fail(ck, now, "note: dir %u lane %u: GIVE_UP names seq %u, not the FIRST of frame %u",
				   dir, lane, seq, r->frame);
	resolve(ck, f, SRD_SIM_F_GIVEN_UP);
}

/* The frame seq belongs to, written or not: a seq the sender has not written yet
 * belongs to the frame of the nearest written seq before it, unless that frame
 * ended before seq. SRD_SIM_NO_FRAME if unknown. */
static uint32_t frame_of(const struct srd_sim_check *ck, const struct srd_sim_lane *l,
			 uint32_t seq)
{
	uint32_t s = seq < l->nseqs ? seq : l->nseqs, back;
	const struct srd_sim_frame *f;

	if (seq < l->nseqs && (l->seqs[seq].flags & SEQ_SENT))
		return l->seqs[seq].frame;
	for (back = 0; s > 0 && back < MAX_PIECES; back++, s--) {
		const struct seq_rec *r = &l->seqs[s - 1];

		if (!(r->flags & SEQ_SENT))
			continue;
		if (r->frame == SRD_SIM_NO_FRAME)
			return SRD_SIM_NO_FRAME;
		f = &ck->frames[r->frame];
		return (f->flags & SRD_SIM_F_HAVE_LAST) && f->last_seq < seq ?
		       SRD_SIM_NO_FRAME : r->frame;
	}
	return SRD_SIM_NO_FRAME;
}

void srd_sim_check_skipped(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			   uint32_t seq, uint32_t count)
{
	struct srd_sim_lane *l = &ck->lanes[dir][lane];
	uint32_t i, id;

	for (i = 0; i < count && i <= l->nseqs; i++) {
		id = frame_of(ck, l, seq + i);
		if (id != SRD_SIM_NO_FRAME)
			resolve(ck, &ck->frames[id], SRD_SIM_F_SKIPPED);
	}
}

/* Every packet of frame f was accepted by the receiver. */
static bool complete(const struct srd_sim_lane *l, const struct srd_sim_frame *f)
{
	uint32_t s;

	if ((f->flags & (SRD_SIM_F_HAVE_FIRST | SRD_SIM_F_HAVE_LAST)) !=
	    (SRD_SIM_F_HAVE_FIRST | SRD_SIM_F_HAVE_LAST))
		return false;
	for (s = f->first_seq; s != f->last_seq + 1; s++)
		if (s >= l->nseqs || !(l->seqs[s].flags & SEQ_ACCEPTED))
			return false;
	return true;
}

void srd_sim_check_stall(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			 uint64_t now)
{
	struct srd_sim_lane *l = &ck->lanes[dir][lane];
	uint32_t p = (uint32_t)(l->last_done + 1);
	struct srd_sim_frame *f;

	while (p < l->nframes &&
	       (ck->frames[l->frames[p]].flags & SRD_SIM_F_SKIPPED) &&
	       !(ck->frames[l->frames[p]].flags & SRD_SIM_F_DELIVERED))
		p++;
	if (p >= l->nframes)
		return;
	f = &ck->frames[l->frames[p]];
	if (f->flags & (SRD_SIM_F_DELIVERED | SRD_SIM_F_GIVEN_UP | SRD_SIM_F_STALLED) ||
	    !complete(l, f))
		return;
	f->flags |= SRD_SIM_F_STALLED;
	ck->t.stalls++;
	srd_sim_check_fail(ck, now, "dir %u lane %u: frame %u (lane seq %u, seqs %u..%u) fully accepted, lane clear before it, not delivered",
			   dir, lane, l->frames[p], f->lane_seq, f->first_seq, f->last_seq);
}

void srd_sim_check_rr(struct srd_sim_check *ck, uint64_t ns)
{
	ck->t.rr_done++;
	if (sample(&ck->rr, ns))
		ck->oom = true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t srd_sim_samples_quantile(struct srd_sim_samples *s, double q)
{
	size_t i;

	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	i = (size_t)(q * (double)(s->n - 1) + 0.5);
	return s->v[i < s->n ? i : s->n - 1];
}

static void percentiles(struct srd_sim_check *ck)
{
	ck->t.lat_p50 = srd_sim_samples_quantile(&ck->lat, 0.50);
	ck->t.lat_p99 = srd_sim_samples_quantile(&ck->lat, 0.99);
	ck->t.lat_p999 = srd_sim_samples_quantile(&ck->lat, 0.999);
	ck->t.lat_max = srd_sim_samples_quantile(&ck->lat, 1.0);
	ck->t.rec_p50 = srd_sim_samples_quantile(&ck->rec, 0.50);
	ck->t.rec_p99 = srd_sim_samples_quantile(&ck->rec, 0.99);
	ck->t.rec_max = srd_sim_samples_quantile(&ck->rec, 1.0);
	ck->t.rr_p99 = srd_sim_samples_quantile(&ck->rr, 0.99);
}

void srd_sim_check_finish(struct srd_sim_check *ck, uint64_t now)
{
	size_t i;

	for (i = 0; i < ck->nframes; i++) {
		const struct srd_sim_frame *f = &ck->frames[i];

		if (f->flags & SRD_SIM_F_DELIVERED)
			continue;
		if (f->flags & (SRD_SIM_F_GIVEN_UP | SRD_SIM_F_SKIPPED))
			ck->t.given_up++;
		else if (ck->t.lost++ < 5)
			srd_sim_check_fail(ck, now, "frame %zu (dir %u lane %u lane seq %u, %u bytes) never delivered nor reported",
					   i, f->dir, f->lane, f->lane_seq, f->len);
	}
	percentiles(ck);
}

static int append(struct srd_sim_samples *into, const struct srd_sim_samples *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		if (sample(into, from->v[i]))
			return -ENOMEM;
	return 0;
}

/* Add b's counters to a (the percentiles are recomputed instead). */
static void add_tally(struct srd_sim_tally *a, const struct srd_sim_tally *b)
{
	unsigned d;

	a->frames += b->frames;
	a->delivered += b->delivered;
	a->given_up += b->given_up;
	a->lost += b->lost;
	a->duplicates += b->duplicates;
	a->out_of_order += b->out_of_order;
	a->corrupt += b->corrupt;
	a->stalls += b->stalls;
	a->unmapped += b->unmapped;
	for (d = 0; d < 2; d++) {
		a->bytes_in_window[d] += b->bytes_in_window[d];
		a->bytes_in_meas[d] += b->bytes_in_meas[d];
	}
	a->recoveries += b->recoveries;
	a->rr_done += b->rr_done;
}

int srd_sim_check_merge(struct srd_sim_check *into, const struct srd_sim_check *from)
{
	add_tally(&into->t, &from->t);
	into->oom |= from->oom;
	into->unresolved += from->unresolved;
	if (append(&into->lat, &from->lat) || append(&into->rec, &from->rec) ||
	    append(&into->rr, &from->rr)) {
		into->oom = true;
		return -ENOMEM;
	}
	percentiles(into);
	return 0;
}

bool srd_sim_check_ok(const struct srd_sim_check *ck)
{
	const struct srd_sim_tally *t = &ck->t;

	return !ck->oom && !t->lost && !t->duplicates && !t->out_of_order &&
	       !t->corrupt && !t->stalls;
}
