/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_rx.c: the receiving side. A packet has already authenticated (PSP); here it
 * passes the replay window, is parsed, passes the session binding (conn_session.c),
 * is recorded for the next ACK, and its records are applied: ACK to the sender
 * state, SKIP and DATA to the reorder buffer. A packet refused for any reason
 * leaves the replay window as it was.
 * srd_conn_read_frame() pops in-order packets and reassembles super-frames.
 *
 * A DATA packet the reorder buffer cannot take (full, or beyond its lane's window)
 * is not acknowledged, so the sender repairs it; flow control (the credit in every
 * ACK) keeps that rare.
 */
#include <errno.h>
#include <string.h>

#include "encap/conn_int.h"

/* ---- the ACK tracker ---- */

static void acktr_insert(struct acktr *t, unsigned at, uint64_t pn)
{
	if (t->n == ACKTR_MAX)
		t->n--;                       /* forget the oldest range */
	if (at >= t->n + 1)
		return;
	memmove(&t->r[at + 1], &t->r[at], (t->n - at) * sizeof(t->r[0]));
	memmove(&t->fresh[at + 1], &t->fresh[at], t->n - at);
	t->r[at] = (struct srd_range){ pn, pn };
	t->fresh[at] = ACK_REPEAT;
	t->n++;
}

static void acktr_merge_next(struct acktr *t, unsigned i)
{
	t->r[i].lo = t->r[i + 1].lo;
	memmove(&t->r[i + 1], &t->r[i + 2], (t->n - i - 2) * sizeof(t->r[0]));
	memmove(&t->fresh[i + 1], &t->fresh[i + 2], t->n - i - 2);
	t->n--;
}

/* Record pn; returns false if it was already recorded. */
static bool acktr_record(struct acktr *t, uint64_t pn)
{
	unsigned i;

	for (i = 0; i < t->n; i++) {
		struct srd_range *r = &t->r[i];

		if (pn > r->hi && pn - r->hi > 1) {
			acktr_insert(t, i, pn);
			return true;
		}
		if (pn >= r->lo && pn <= r->hi)
			return false;
		if (pn > r->hi) {   /* pn == hi + 1 */
			r->hi = pn;
			t->fresh[i] = ACK_REPEAT;
			return true;
		}
		if (r->lo && pn == r->lo - 1) {
			r->lo = pn;
			t->fresh[i] = ACK_REPEAT;
			if (i + 1 < t->n && pn && t->r[i + 1].hi == pn - 1)
				acktr_merge_next(t, i);
			return true;
		}
	}
	acktr_insert(t, t->n, pn);
	return true;
}

void acktr_add(struct acktr *t, uint64_t pn, bool eliciting, uint64_t now)
{
	if (!acktr_record(t, pn))
		return;
	if (pn == t->r[0].hi)
		t->largest_at = now;
	t->dirty |= eliciting;   /* an ACK-only packet is acknowledged in passing */
}

/* A HELLO-only packet the session let through is answered at once (rx_records). */
static bool eliciting(const struct srd_packet *pkt)
{
	return srd_packet_ack_eliciting(pkt) || srd_packet_hello_only(pkt);
}

static void ack_schedule(struct srd_conn *c, const struct srd_packet *pkt, uint64_t now)
{
	struct acktr *t = &c->acktr;

	if (!eliciting(pkt))
		return;
	t->unacked++;
	if (t->deadline > sat_add(now, c->cfg.ack_delay_ns))
		t->deadline = sat_add(now, c->cfg.ack_delay_ns);
	if (srd_packet_ack_now(pkt) || srd_packet_hello_only(pkt) ||
	    t->unacked >= c->cfg.ack_every)
		t->now = true;
}

/* ---- records ---- */

static void apply_skips(struct srd_conn *c, const struct srd_skip *skip, uint64_t now)
{
	struct srd_skip_ent e;
	unsigned i;

	for (i = 0; i < skip->count; i++)
		if (!srd_skip_entry(skip, i, &e) && e.lane < c->cfg.lanes)
			srd_rob_skip(c->rob, e.lane, e.seq, now);
}

/* Store a DATA packet; false if it must not be acknowledged. */
static bool apply_data(struct srd_conn *c, const struct srd_data *d, uint64_t now)
{
	struct rob_meta meta = { .vni = d->vni };
	uint8_t blob[SRD_ROB_META] = { 0 };
	unsigned flags = 0;
	int err;

	if (d->lane >= c->cfg.lanes || d->frame_len > c->data_cap) {
		c->st.malformed++;
		return false;
	}
	if (d->flags & SRD_DATA_OFFLOAD) {
		meta.has_offload = 1;
		meta.offload = d->offload;
	}
	flags |= d->flags & SRD_DATA_FIRST ? SRD_ROB_FIRST : 0;
	flags |= d->flags & SRD_DATA_LAST ? SRD_ROB_LAST : 0;
	memcpy(blob, &meta, sizeof(meta));
	err = srd_rob_insert(c->rob, d->lane, d->seq, flags, blob, d->frame,
			     d->frame_len, now);
	if (err == -ENOBUFS || err == -ERANGE) {
		c->st.rob_full_drops++;
		return false;
	}
	return true;   /* stored, or a duplicate: either way the peer may stop */
}

static void rob_counters(struct srd_conn *c)
{
	const struct srd_rob_stats *r = srd_rob_stats(c->rob);

	c->st.dup_pkts = r->duplicate;
	c->st.too_old_pkts = r->too_old;
	c->st.skipped_frames = r->skipped + r->timed_out;
	c->st.hold_timeouts = r->timed_out;
	c->st.rob_peak_bytes = r->peak_bytes;
}

/* Apply the records of a packet from the bound peer session. A HELLO-only packet
 * is answered with an ACK at once: its sender may be unbound, and an ACK (records,
 * which only a bound connection sends) carrying our HELLO is what binds it. An ACK
 * is never answered, so this cannot ping-pong. */
static void rx_records(struct srd_conn *c, const struct srd_packet *pkt, uint64_t now)
{
	bool ack_it = true;

	if (pkt->has_ack)
		ack_process(c, &pkt->ack, pkt->path, now);
	if (pkt->has_skip)
		apply_skips(c, &pkt->skip, now);
	if (pkt->has_data)
		ack_it = apply_data(c, &pkt->data, now);
	if (eliciting(pkt) && pkt->path < c->cfg.npaths)
		c->reply_path = pkt->path;
	if (ack_it) {
		acktr_add(&c->acktr, pkt->pn, eliciting(pkt), now);
		ack_schedule(c, pkt, now);
	}
}

static int replay_refused(struct srd_conn *c, int err)
{
	if (err == -ESTALE)
		c->st.stale_pns++;
	else
		c->st.replays++;
	return err;
}

int srd_conn_recv(struct srd_conn *c, uint64_t pn, const uint8_t *buf, size_t len,
		  uint64_t now)
{
	struct srd_packet pkt;
	int err = srd_replay_check(&c->replay, pn);

	if (err)
		return replay_refused(c, err);
	err = srd_wire_parse(buf, len, pn, &pkt);
	if (err) {
		c->st.malformed++;
		return err;
	}
	err = sess_rx(c, &pkt, now);
	if (err < 0)
		return err;                      /* counted, or -ECONNRESET: untouched */
	srd_replay_update(&c->replay, pn);   /* the caller authenticated it */
	c->st.srd_rx_pkts++;
	if (pkt.path < c->cfg.npaths)
		c->paths[pkt.path].st.rx_pkts++;
	if (err == SESS_RECORDS)
		rx_records(c, &pkt, now);
	rob_counters(c);
	return 0;
}

/* ---- reassembly ---- */

static void asm_start(struct srd_conn *c, const struct srd_rob_pkt *p)
{
	struct rob_meta m;

	memcpy(&m, p->meta, sizeof(m));
	if (c->asm_open)
		c->st.partial_frames++;
	c->asm_open = true;
	c->asm_len = 0;
	c->asm_meta = (struct srd_frame_out){
		.lane = (uint16_t)p->lane, .vni = m.vni,
		.has_offload = m.has_offload, .offload = m.offload,
	};
}

static void report_skipped(struct srd_conn *c, const struct srd_rob_pkt *p)
{
	struct srd_event ev = {
		.type = SRD_EV_SKIPPED, .lane = (uint16_t)p->lane,
		.seq = p->seq - p->lost_before, .count = p->lost_before,
	};

	conn_event(c, &ev);
}

/* Feed one popped packet; true when a whole frame is assembled. */
static bool asm_feed(struct srd_conn *c, const struct srd_rob_pkt *p)
{
	if (p->lost_before)
		report_skipped(c, p);
	if (p->gap_before && c->asm_open) {
		c->st.partial_frames++;
		c->asm_open = false;
	}
	if (p->flags & SRD_ROB_FIRST)
		asm_start(c, p);
	if (!c->asm_open)
		return false;      /* a piece of a frame whose start was skipped */
	if (c->asm_len + p->len > SRD_CONN_MAX_FRAME) {
		c->st.partial_frames++;
		c->asm_open = false;
		return false;
	}
	memcpy(c->asm_buf + c->asm_len, p->data, p->len);
	c->asm_len += p->len;
	if (!(p->flags & SRD_ROB_LAST))
		return false;
	c->asm_open = false;
	c->asm_ready = true;
	return true;
}

/* Delivery freed room the peer does not know about: send a window update. */
static void credit_update(struct srd_conn *c)
{
	uint32_t free = srd_rob_free_slots(c->rob);
	uint32_t step = c->cfg.rob_slots / 4 ? c->cfg.rob_slots / 4 : 1;

	if (free >= c->credit_sent + step) {
		c->acktr.dirty = true;
		c->acktr.now = true;
	}
}

int srd_conn_read_frame(struct srd_conn *c, struct srd_frame_out *f, uint8_t *buf,
			size_t cap)
{
	struct srd_rob_pkt p;

	while (!c->asm_ready) {
		if (srd_rob_pop(c->rob, &p) != 1)
			return 0;
		asm_feed(c, &p);
	}
	if (c->asm_len > cap)
		return -EMSGSIZE;
	memcpy(buf, c->asm_buf, c->asm_len);
	*f = c->asm_meta;
	f->len = c->asm_len;
	c->asm_ready = false;
	c->st.rx_frames++;
	rob_counters(c);
	credit_update(c);
	return 1;
}
