/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_tx.c: the sending side — frames into slots, slots into packets.
 *
 * srd_conn_write() fills one packet at a time, in this order of priority:
 *   1. a control packet: an ACK that is due and/or SKIPs the peer must learn;
 *   2. a PROBE on a path being revived, or after a probe timeout;
 *   3. a DATA packet: retransmissions first, then new data, when the congestion
 *      window, the peer's credit and the sent ring allow, on a path chosen by
 *      path_choose() (never the path a retransmitted packet was lost on).
 * Until the session is bound (conn_session.c) it writes HELLO-only packets and
 * nothing else; until the peer is known to be bound, every packet carries HELLO,
 * so frames queued meanwhile are cut SRD_HELLO_LEN shorter to leave it room.
 */
#include <errno.h>
#include <string.h>

#include "encap/conn_int.h"

static struct slot_queue *queue_of(struct srd_conn *c, uint8_t which)
{
	return which == QUEUE_RTX ? &c->rtxq : &c->newq;
}

void slot_queue_push(struct srd_conn *c, uint8_t which, uint32_t i)
{
	struct slot_queue *q = queue_of(c, which);
	struct slot *s = &c->slots[i];

	s->qnext = NIL;
	s->qprev = q->tail;
	s->inq = which;
	if (q->tail == NIL)
		q->head = i;
	else
		c->slots[q->tail].qnext = i;
	q->tail = i;
	q->count++;
}

void slot_dequeue(struct srd_conn *c, uint32_t i)
{
	struct slot *s = &c->slots[i];
	struct slot_queue *q;

	if (!s->inq)
		return;
	q = queue_of(c, s->inq);
	if (s->qprev == NIL)
		q->head = s->qnext;
	else
		c->slots[s->qprev].qnext = s->qnext;
	if (s->qnext == NIL)
		q->tail = s->qprev;
	else
		c->slots[s->qnext].qprev = s->qprev;
	q->count--;
	s->inq = 0;
}

static uint8_t *slot_bytes(const struct srd_conn *c, uint32_t i)
{
	return c->slot_data + (size_t)i * c->data_cap;
}

static void lane_append(struct srd_conn *c, struct lane *l, uint32_t i)
{
	c->slots[i].lane_next = NIL;
	if (l->head == NIL)
		l->head = i;
	else
		c->slots[l->tail].lane_next = i;
	l->tail = i;
}

/* Frame bytes per DATA packet for a frame queued now: room for a session block
 * while packets may still need one (the session only moves forward, so a packet
 * cut without that room never needs it). */
static uint32_t piece_len(const struct srd_conn *c)
{
	return sess_confirmed(c) ? c->data_cap : c->data_cap - SRD_HELLO_LEN;
}

static void slot_fill(struct srd_conn *c, uint32_t i, const struct srd_frame_in *f,
		      uint32_t part, uint32_t nparts, uint64_t now)
{
	struct slot *s = &c->slots[i];
	struct lane *l = &c->lanes[f->lane];
	uint32_t piece = piece_len(c);
	size_t off = (size_t)part * piece;
	size_t len = f->len - off < piece ? f->len - off : piece;

	memset(s, 0, sizeof(*s));
	s->state = SLOT_NEW;
	s->flags = (off == 0 ? SRD_DATA_FIRST : 0) | (off + len == f->len ? SRD_DATA_LAST : 0);
	if (off == 0 && f->offload) {
		s->flags |= SRD_DATA_OFFLOAD;
		s->offload = *f->offload;
	}
	s->lane = f->lane;
	s->seq = l->next_seq++;
	s->vni = f->vni;
	s->len = (uint32_t)len;
	s->part = part;
	s->nparts = nparts;
	memcpy(slot_bytes(c, i), f->data + off, len);
	lane_append(c, l, i);
	slot_queue_push(c, QUEUE_NEW, i);
	slot_queued(c, i, now);
}

int srd_conn_send_frame(struct srd_conn *c, const struct srd_frame_in *f, uint64_t now)
{
	uint32_t parts, first, k, piece = piece_len(c);

	if (f->lane >= c->cfg.lanes || !f->len || (f->vni & ~SRD_VNI_MASK))
		return -EINVAL;
	if (f->len > SRD_CONN_MAX_FRAME)
		return -EMSGSIZE;
	parts = (uint32_t)((f->len + piece - 1) / piece);
	if (c->slot_used + parts > c->cfg.send_slots) {
		c->st.sendbuf_full++;
		return -ENOBUFS;
	}
	first = (c->slot_head + c->slot_used) % c->cfg.send_slots;
	for (k = 0; k < parts; k++)
		slot_fill(c, (first + k) % c->cfg.send_slots, f, k, parts, now);
	c->slot_used += parts;
	c->st.tx_frames++;
	return 0;
}

uint32_t srd_conn_lane_next_seq(const struct srd_conn *c, uint16_t lane)
{
	return lane < c->cfg.lanes ? c->lanes[lane].next_seq : 0;
}

/* ---- recording transmissions ---- */

static void bit_set(uint64_t *bits, uint32_t idx)
{
	bits[idx >> 6] |= 1ull << (idx & 63);
}

static void path_link(struct srd_conn *c, struct path *p, uint32_t idx)
{
	c->sent[idx].prev = p->tail;
	c->sent[idx].next = NIL;
	if (p->tail == NIL)
		p->head = idx;
	else
		c->sent[p->tail].next = idx;
	p->tail = idx;
}

static bool ring_has_room(const struct srd_conn *c)
{
	return c->next_pn - c->sent_base <= c->sent_mask;
}

static void sent_record(struct srd_conn *c, uint32_t slot, unsigned path,
			uint8_t flags, uint64_t now)
{
	uint64_t pn = c->next_pn++;
	uint32_t idx = (uint32_t)(pn & c->sent_mask);
	struct path *p = &c->paths[path];

	c->st.srd_tx_pkts++;
	p->st.tx_pkts++;
	if (!(flags & SENT_INFLIGHT)) {
		/* Not tracked: with nothing in flight the window moves on at once, so
		 * ACK-only packets never fill it; an entry still in flight keeps its
		 * bits. */
		if (!c->inflight)
			c->sent_base = c->next_pn;
		else if (!(c->inflight_bits[idx >> 6] & (1ull << (idx & 63))))
			c->track_bits[idx >> 6] &= ~(1ull << (idx & 63));
		return;
	}
	c->sent[idx] = (struct sent){ .pn = pn, .sent_ns = now, .slot = slot,
				      .path = (uint16_t)path, .flags = flags };
	if (slot != NIL) {
		c->sent[idx].lane = c->slots[slot].lane;
		c->sent[idx].seq = c->slots[slot].seq;
	}
	bit_set(c->inflight_bits, idx);
	bit_set(c->track_bits, idx);
	path_link(c, p, idx);
	p->inflight++;
	c->inflight++;
	c->st.inflight = c->inflight;
	c->last_eliciting = now;
}

/* ---- composing packets ---- */

/* The preamble, with the session block while the session wants one. */
static int put_pre(const struct srd_conn *c, struct srd_tx_pkt *t, unsigned path)
{
	struct srd_hello h;

	return srd_wire_put_preamble_hello(t->buf, t->cap, (uint16_t)path,
					   sess_tx_hello(c, &h));
}

static bool ack_due(const struct srd_conn *c, uint64_t now)
{
	const struct acktr *t = &c->acktr;

	return t->dirty && (t->now || t->unacked >= c->cfg.ack_every ||
			    t->deadline <= now);
}

/* The ranges one ACK reports, highest first: every range that changed in the last
 * ACK_REPEAT ACKs, then the newest others, up to ACK_RANGES. */
static unsigned ack_select(struct acktr *t, struct srd_range *out)
{
	unsigned i, n = 0, fresh = 0, others;

	for (i = 0; i < t->n; i++)
		fresh += t->fresh[i] > 0;
	others = fresh < ACK_RANGES ? ACK_RANGES - fresh : 0;
	for (i = 0; i < t->n && n < ACK_RANGES; i++) {
		if (!t->fresh[i] && !others)
			continue;
		if (t->fresh[i])
			t->fresh[i]--;
		else
			others--;
		out[n++] = t->r[i];
	}
	return n;
}

static int put_ack(struct srd_conn *c, uint8_t *p, size_t cap, uint64_t now)
{
	struct srd_range sel[ACK_RANGES];
	struct acktr *t = &c->acktr;
	uint64_t delay = now > t->largest_at ? now - t->largest_at : 0;
	struct srd_ack_info info = {
		.delay_ns = delay > UINT32_MAX ? UINT32_MAX : (uint32_t)delay,
		.credit = srd_rob_free_slots(c->rob),
	};
	int n = srd_wire_put_ack(p, cap, &info, sel, ack_select(t, sel));

	t->unacked = 0;
	t->dirty = t->now = false;
	t->deadline = SRD_NEVER;
	if (n < 0)
		return n;      /* cannot happen with a consistent tracker: drop it */
	c->credit_sent = info.credit;
	c->st.acks_tx++;
	return n;
}

static int put_skips(struct srd_conn *c, uint8_t *p, size_t cap, uint64_t pn)
{
	struct srd_skip_ent ents[SKIP_MAX];
	unsigned i, n = 0;

	for (i = 0; i < c->nskips; i++) {
		if (c->skips[i].out)
			continue;
		ents[n].lane = c->skips[i].lane;
		ents[n++].seq = c->skips[i].seq;
		c->skips[i].pn = pn;
		c->skips[i].out = true;
	}
	return n ? srd_wire_put_skip(p, cap, ents, n) : 0;
}

static bool skips_unsent(const struct srd_conn *c)
{
	unsigned i;

	for (i = 0; i < c->nskips; i++)
		if (!c->skips[i].out)
			return true;
	return false;
}

/* Control packets follow the path the peer last reached us on: it just worked, and
 * the peer's path states never learn about paths only ACKs use. */
static unsigned ctl_path(struct srd_conn *c)
{
	unsigned i, p;

	if (c->reply_path >= 0 && c->paths[c->reply_path].state <= SRD_PATH_SUSPECT)
		return (unsigned)c->reply_path;
	for (i = 0; i < c->cfg.npaths; i++) {
		p = (c->ctl_path + i) % c->cfg.npaths;
		if (c->paths[p].state <= SRD_PATH_SUSPECT) {
			c->ctl_path = p + 1;
			return p;
		}
	}
	return c->ctl_path++ % c->cfg.npaths;
}

/* An ACK and/or SKIPs, alone in a packet. */
static bool write_control(struct srd_conn *c, struct srd_tx_pkt *t, uint64_t now)
{
	bool skip = skips_unsent(c) && ring_has_room(c);
	unsigned path;
	int n, off, pre;

	if (!ack_due(c, now) && !skip)
		return false;
	path = ctl_path(c);
	off = pre = put_pre(c, t, path);
	if (c->acktr.dirty) {
		n = put_ack(c, t->buf + off, t->cap - (size_t)off, now);
		off += n > 0 ? n : 0;
	}
	if (skip)
		off += put_skips(c, t->buf + off, t->cap - (size_t)off, c->next_pn);
	if (off == pre)
		return false;     /* nothing to say after all */
	t->len = (size_t)off;
	t->pn = c->next_pn;
	t->path = (uint16_t)path;
	sent_record(c, NIL, path, skip ? SENT_INFLIGHT | SENT_ELICITING | SENT_SKIP : 0,
		    now);
	return true;
}

static int probe_path(struct srd_conn *c)
{
	unsigned i;

	for (i = 0; i < c->cfg.npaths; i++)
		if (c->paths[i].state == SRD_PATH_PROBING && !c->paths[i].probe_out)
			return (int)i;
	if (c->probe_now)
		return path_choose(c, -1);
	return -1;
}

static bool write_probe(struct srd_conn *c, struct srd_tx_pkt *t, uint64_t now)
{
	int path = probe_path(c);
	int off;

	if (path < 0 || !ring_has_room(c))
		return false;
	off = put_pre(c, t, (unsigned)path);
	off += srd_wire_put_probe(t->buf + off, t->cap - (size_t)off, 0);
	t->len = (size_t)off;
	t->pn = c->next_pn;
	t->path = (uint16_t)path;
	if (c->paths[path].state == SRD_PATH_PROBING)
		c->paths[path].probe_out = true;
	c->probe_now = false;
	sent_record(c, NIL, (unsigned)path, SENT_INFLIGHT | SENT_ELICITING | SENT_PROBE,
		    now);
	return true;
}

static bool lane_window_open(const struct srd_conn *c, const struct slot *s)
{
	const struct lane *l = &c->lanes[s->lane];
	uint32_t oldest = l->head == NIL ? s->seq :
			  c->slots[l->head].seq - c->slots[l->head].part;

	return s->seq - oldest < c->cfg.rob_ring;
}

/* The next slot to send and its path, or NIL. */
static uint32_t next_data(struct srd_conn *c, uint64_t now, int *path)
{
	uint32_t i = c->rtxq.head;
	const struct slot *s;

	if (!cc_can_send(c, now) || !ring_has_room(c))
		return NIL;
	if (i == NIL) {
		i = c->newq.head;
		if (i == NIL || c->outstanding >= c->peer_credit ||
		    !lane_window_open(c, &c->slots[i]))
			return NIL;
	}
	s = &c->slots[i];
	*path = path_choose(c, s->tries ? s->last_path : -1);
	if (*path < 0 && s->tries)
		*path = path_choose(c, -1);
	return *path < 0 ? NIL : i;
}

static void put_data(struct srd_conn *c, struct srd_tx_pkt *t, uint32_t i, int path)
{
	struct slot *s = &c->slots[i];
	struct srd_data d = {
		.vni = s->vni, .lane = s->lane, .seq = s->seq, .flags = s->flags,
		.offload = s->offload, .frame_len = s->len,
	};
	int off;

	if (s->tries || (!c->newq.count && !c->rtxq.count))
		d.flags |= SRD_DATA_ACK_NOW;   /* a repair, or the end of a burst */
	off = put_pre(c, t, (unsigned)path);
	off += srd_wire_put_data_hdr(t->buf + off, t->cap - (size_t)off, &d);
	memcpy(t->buf + off, slot_bytes(c, i), s->len);
	t->len = (size_t)off + s->len;
	t->pn = c->next_pn;
	t->path = (uint16_t)path;
}

static bool write_data(struct srd_conn *c, struct srd_tx_pkt *t, uint64_t now)
{
	struct slot *s;
	int path = -1;
	uint32_t i = next_data(c, now, &path);

	if (i == NIL)
		return false;
	s = &c->slots[i];
	slot_dequeue(c, i);
	if (s->tries)
		c->st.retransmits++;
	else
		slot_first_send(c, i);
	put_data(c, t, i, path);
	s->state = SLOT_OUT;
	s->tries++;
	s->last_path = (uint16_t)path;
	s->last_pn = c->next_pn;
	sent_record(c, i, (unsigned)path, SENT_INFLIGHT | SENT_ELICITING, now);
	cc_on_send(c, now);
	return true;
}

/* Unbound: a HELLO-only packet when one is due (not ack-eliciting, not tracked,
 * outside the congestion window, but a packet number like any packet). */
static unsigned write_hello(struct srd_conn *c, struct srd_tx_pkt *t, unsigned n,
			    uint64_t now)
{
	unsigned path;

	if (!n || t->cap < c->cfg.max_payload || !sess_hello_due(c, now))
		return 0;
	path = sess_hello_path(c);
	t->len = (size_t)put_pre(c, t, path);
	t->pn = c->next_pn;
	t->path = (uint16_t)path;
	sent_record(c, NIL, path, 0, now);
	sess_hello_sent(c, now);
	return 1;
}

unsigned srd_conn_write(struct srd_conn *c, struct srd_tx_pkt *pkts, unsigned n,
			uint64_t now)
{
	unsigned k;

	if (!srd_conn_bound(c))
		return write_hello(c, pkts, n, now);
	skips_refill(c);
	for (k = 0; k < n; k++) {
		struct srd_tx_pkt *t = &pkts[k];

		if (t->cap < c->cfg.max_payload)
			break;
		if (!write_control(c, t, now) && !write_probe(c, t, now) &&
		    !write_data(c, t, now))
			break;
	}
	return k;
}
