/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_slot.c: the life of a sender's DATA slot after it first leaves — acked, lost
 * (retransmit, or give up after cfg.giveup_tries), or abandoned after cfg.giveup_ns —
 * and how abandoned frames become SKIPs the peer reliably learns.
 *
 * Slots are allocated as a ring; a slot whose state is ACKED or DEAD is returned to
 * the ring when the ring's head reaches it. Each lane lists its slots in seq order,
 * so the lane's head is its oldest unresolved packet: a SKIP to that seq tells the
 * peer that everything before it was delivered or abandoned.
 */
#include <string.h>

#include "encap/conn_int.h"

static bool unresolved(const struct slot *s)
{
	return s->state == SLOT_NEW || s->state == SLOT_OUT || s->state == SLOT_RTX;
}

/* ---- queue order (the give-up clock) ---- */

void slot_first_send(struct srd_conn *c, uint32_t i)
{
	c->slots[i].sent_once = true;
	c->outstanding++;
}

void slot_queued(struct srd_conn *c, uint32_t i, uint64_t now)
{
	struct slot *s = &c->slots[i];

	s->queued_at = now;
	s->aged = true;
	s->age_next = NIL;
	s->age_prev = c->age_tail;
	if (c->age_tail == NIL)
		c->age_head = i;
	else
		c->slots[c->age_tail].age_next = i;
	c->age_tail = i;
}

static void age_unlink(struct srd_conn *c, uint32_t i)
{
	struct slot *s = &c->slots[i];

	if (!s->aged)
		return;
	if (s->age_prev == NIL)
		c->age_head = s->age_next;
	else
		c->slots[s->age_prev].age_next = s->age_next;
	if (s->age_next == NIL)
		c->age_tail = s->age_prev;
	else
		c->slots[s->age_next].age_prev = s->age_prev;
	s->aged = false;
	if (s->sent_once)
		c->outstanding--;
}

/* ---- lanes ---- */

/* Where a SKIP for lane l may point: the start of the frame of its oldest unresolved
 * packet (never inside a frame, whose acked pieces the peer must keep), or the next
 * seq when nothing is unresolved. */
static uint32_t lane_skip_seq(const struct srd_conn *c, const struct lane *l)
{
	if (l->head == NIL)
		return l->next_seq;
	return c->slots[l->head].seq - c->slots[l->head].part;
}

/* Drop resolved slots from the head of a lane; owe a SKIP once the head has passed
 * every abandoned packet. */
static void lane_settle(struct srd_conn *c, uint16_t lane)
{
	struct lane *l = &c->lanes[lane];
	uint32_t head_seq;

	while (l->head != NIL && !unresolved(&c->slots[l->head]))
		l->head = c->slots[l->head].lane_next;
	if (l->head == NIL)
		l->tail = NIL;
	if (!l->skip_owed)
		return;
	head_seq = lane_skip_seq(c, l);
	if (!srd_seq_before(head_seq, l->abandoned_to)) {
		l->skip_owed = false;
		if (!l->skip_pending)
			c->owed_lanes++;
		l->skip_pending = true;
	}
}

/* Queue the SKIPs lanes are owed, as room allows. */
void skips_refill(struct srd_conn *c)
{
	unsigned lane, i;

	for (lane = 0; c->owed_lanes && lane < c->cfg.lanes; lane++) {
		struct lane *l = &c->lanes[lane];
		uint32_t seq = lane_skip_seq(c, l);

		if (!l->skip_pending)
			continue;
		for (i = 0; i < c->nskips && c->skips[i].lane != lane; i++)
			;
		if (i == c->nskips && c->nskips == SKIP_MAX)
			return;
		if (i == c->nskips)
			c->nskips++;
		c->skips[i] = (struct skip_pending){ .lane = (uint16_t)lane, .seq = seq };
		l->skip_pending = false;
		c->owed_lanes--;
	}
}

static void skip_remove(struct srd_conn *c, unsigned i)
{
	c->skips[i] = c->skips[--c->nskips];
}

void skips_on_ack(struct srd_conn *c, uint64_t pn)
{
	unsigned i = 0;

	while (i < c->nskips)
		if (c->skips[i].out && c->skips[i].pn == pn)
			skip_remove(c, i);
		else
			i++;
}

void skips_on_loss(struct srd_conn *c, uint64_t pn)
{
	unsigned i;

	for (i = 0; i < c->nskips; i++)
		if (c->skips[i].out && c->skips[i].pn == pn)
			c->skips[i].out = false;
}

/* ---- outcomes ---- */

/* Return resolved slots at the ring head to the free pool. */
void slots_reclaim(struct srd_conn *c)
{
	while (c->slot_used) {
		struct slot *s = &c->slots[c->slot_head];

		if (unresolved(s))
			return;
		lane_settle(c, s->lane);
		s->state = SLOT_FREE;
		c->slot_head = (c->slot_head + 1) % c->cfg.send_slots;
		c->slot_used--;
	}
}

void slot_acked(struct srd_conn *c, uint32_t i, uint16_t lane, uint32_t seq)
{
	struct slot *s = &c->slots[i];

	if (!unresolved(s) || s->lane != lane || s->seq != seq)
		return;   /* resolved, or reused for another frame since */
	slot_dequeue(c, i);
	age_unlink(c, i);
	s->state = SLOT_ACKED;
	lane_settle(c, s->lane);
	slots_reclaim(c);
}

void slot_lost(struct srd_conn *c, uint32_t i, uint64_t pn, uint64_t now)
{
	struct slot *s = &c->slots[i];

	if (s->state != SLOT_OUT || s->last_pn != pn)
		return;   /* acked meanwhile, or a newer copy is out */
	if (s->tries >= c->cfg.giveup_tries) {
		slot_abandon_frame(c, i, now);
		return;
	}
	s->state = SLOT_RTX;
	slot_queue_push(c, QUEUE_RTX, i);
}

/* Slot j still holds piece k of the frame (lane, first_seq): slots of an abandoned
 * frame's acked pieces may already hold other frames. */
static bool same_frame(const struct slot *t, uint16_t lane, uint32_t first_seq,
		       uint32_t k)
{
	return t->state != SLOT_FREE && t->lane == lane && t->seq == first_seq + k &&
	       t->part == k;
}

/* Abandon the frame slot i belongs to. */
void slot_abandon_frame(struct srd_conn *c, uint32_t i, uint64_t now)
{
	const struct slot *s = &c->slots[i];
	uint32_t n = c->cfg.send_slots, first = (i + n - s->part % n) % n;
	struct lane *l = &c->lanes[s->lane];
	struct srd_event ev = {
		.type = SRD_EV_GIVE_UP, .lane = s->lane, .seq = s->seq - s->part,
		.count = s->nparts, .now = now,
	};
	uint32_t k;

	for (k = 0; k < ev.count; k++) {
		struct slot *t = &c->slots[(first + k) % n];

		if (!same_frame(t, ev.lane, ev.seq, k) || !unresolved(t))
			continue;
		slot_dequeue(c, (first + k) % n);
		age_unlink(c, (first + k) % n);
		t->state = SLOT_DEAD;
	}
	if (!l->skip_owed || srd_seq_before(l->abandoned_to, ev.seq + ev.count))
		l->abandoned_to = ev.seq + ev.count;
	l->skip_owed = true;
	c->st.giveups++;
	conn_event(c, &ev);
	lane_settle(c, ev.lane);
	slots_reclaim(c);
}
