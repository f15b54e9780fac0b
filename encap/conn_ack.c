/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_ack.c: what the sender learns from ACKs, and what it concludes from silence.
 *
 * Timers (all reported through srd_conn_next_expiry, none read a clock):
 *   loss_time   RACK per path: a packet is lost once a packet sent after it on the
 *               SAME path was acknowledged and it is still missing max(latest_rtt,
 *               srtt) plus a reordering window later (ACKs of one path come back on
 *               varying paths, so the latest sample alone is too noisy); or, when
 *               a packet sent after it on ANY path was acknowledged, once its path's loss threshold (srtt + srtt/8 +
 *               4 rttvar + ack delay + reordering) has passed. Paths keep their own
 *               RTTs, so a slow path is not mistaken for a lossy one.
 *   pto         nothing acknowledged for srtt + 4 rttvar + ack delay (at least
 *               cfg.pto_floor_ns, doubling per consecutive timeout): what has been
 *               out that long is declared lost, and a PROBE goes out. Not armed
 *               while a loss deadline is pending (RFC 9002 6.2.1): a slow path's
 *               packets wait for their own path's threshold.
 *   give-up     a frame queued cfg.giveup_ns ago is abandoned (SKIP follows).
 * A lost DATA packet is retransmitted on another path (conn_tx.c).
 */
#include <string.h>

#include "encap/conn_int.h"

static bool bit_test(const uint64_t *bits, uint32_t idx)
{
	return bits[idx >> 6] >> (idx & 63) & 1;
}

static void bit_clear(uint64_t *bits, uint32_t idx)
{
	bits[idx >> 6] &= ~(1ull << (idx & 63));
}

/* Take a record off its path's in-flight list and out of the window. */
void sent_unlink(struct srd_conn *c, uint64_t pn)
{
	uint32_t idx = (uint32_t)(pn & c->sent_mask);
	struct sent *s = &c->sent[idx];
	struct path *p = &c->paths[s->path];

	if (!bit_test(c->inflight_bits, idx))
		return;
	if (s->prev == NIL)
		p->head = s->next;
	else
		c->sent[s->prev].next = s->next;
	if (s->next == NIL)
		p->tail = s->prev;
	else
		c->sent[s->next].prev = s->prev;
	bit_clear(c->inflight_bits, idx);
	p->inflight--;
	c->inflight--;
	c->st.inflight = c->inflight;
}

/* Move sent_base past records no longer in flight. Records declared lost keep their
 * track bit until the ring reuses their entry, so a late ACK still proves the loss
 * spurious and revives its path. */
static void sent_advance(struct srd_conn *c)
{
	if (!c->inflight) {
		c->sent_base = c->next_pn;
		return;
	}
	while (c->sent_base < c->next_pn &&
	       !bit_test(c->inflight_bits, (uint32_t)(c->sent_base & c->sent_mask)))
		c->sent_base++;
}

static void declare_lost(struct srd_conn *c, uint64_t pn, uint64_t now)
{
	struct sent *s = &c->sent[pn & c->sent_mask];

	sent_unlink(c, pn);
	s->lost = 1;
	c->st.lost_pkts++;
	c->paths[s->path].st.lost_pkts++;
	path_on_loss(c, s->path, now);
	if (!(s->flags & SENT_PROBE))
		cc_on_loss(c, s->path, now);
	if (s->flags & SENT_SKIP)
		skips_on_loss(c, pn);
	if (s->slot != NIL)
		slot_lost(c, s->slot, pn, now);
}

/* Every acknowledged packet gives its path an RTT sample for loss detection. Only a
 * packet that went out on the path index the ACK came back on measures one path out
 * and the same path back: those samples, and only those, feed congestion control,
 * so another path's reverse delay is never mistaken for queuing. */
static void rtt_update(struct srd_conn *c, const struct sent *s, uint64_t ack_delay,
		       unsigned ack_path, uint64_t now)
{
	struct path *p = &c->paths[s->path];
	uint64_t rtt = now > s->sent_ns ? now - s->sent_ns : 0, diff;

	path_rtt_sample(p, rtt, ack_delay);
	if (!c->srtt_any) {
		c->srtt_any = p->latest_rtt;
		c->rttvar_any = p->latest_rtt / 2;
	} else {
		diff = c->srtt_any > p->latest_rtt ? c->srtt_any - p->latest_rtt
						   : p->latest_rtt - c->srtt_any;
		c->rttvar_any = (3 * c->rttvar_any + diff) / 4;
		c->srtt_any = (7 * c->srtt_any + p->latest_rtt) / 8;
	}
	if (s->path != ack_path)
		return;
	if (p->latest_rtt < p->cc_min_rtt)
		p->cc_min_rtt = p->latest_rtt;
	p->cc_srtt = p->cc_srtt ? (7 * p->cc_srtt + p->latest_rtt) / 8 : p->latest_rtt;
	cc_on_ack(c, s->path, p->cc_srtt, now);
}

static void on_acked(struct srd_conn *c, uint64_t pn, const struct srd_ack *ack,
		     unsigned ack_path, uint64_t now)
{
	uint32_t idx = (uint32_t)(pn & c->sent_mask);
	struct sent *s = &c->sent[idx];
	struct path *p = &c->paths[s->path];

	if (s->pn != pn)
		return;
	bit_clear(c->track_bits, idx);
	if (s->lost) {
		c->st.spurious_losses++;
		path_on_spurious(p);
	}
	sent_unlink(c, pn);
	if (!s->lost)   /* a late ACK of a lost packet says nothing about the RTT now */
		rtt_update(c, s, pn == ack->largest ? ack->delay_ns : 0, ack_path, now);
	if (pn > p->rack_pn)
		p->rack_pn = pn;
	if (pn > c->acked_pn_any)
		c->acked_pn_any = pn;
	p->st.acked_pkts++;
	path_on_ack(c, s->path, now);
	if (s->flags & SENT_SKIP)
		skips_on_ack(c, pn);
	if (s->slot != NIL) {
		slot_acked(c, s->slot, s->lane, s->seq);
		c->data_acked = true;
	}
}

/* Next pn in [pn, hi] whose track bit is set, or hi + 1. */
static uint64_t next_tracked(const struct srd_conn *c, uint64_t pn, uint64_t hi)
{
	while (pn <= hi) {
		uint32_t idx = (uint32_t)(pn & c->sent_mask);
		uint64_t bits = c->track_bits[idx >> 6] >> (idx & 63);

		if (bits)
			return pn + (uint64_t)__builtin_ctzll(bits);
		pn += 64 - (idx & 63);
	}
	return pn;
}

static void ack_range(struct srd_conn *c, uint64_t lo, uint64_t hi,
		      const struct srd_ack *ack, unsigned ack_path, uint64_t now)
{
	uint64_t oldest = c->next_pn > c->sent_mask ? c->next_pn - c->sent_mask : 0;
	uint64_t pn;

	if (lo < oldest)
		lo = oldest;   /* older entries of the ring hold newer packets now */
	if (hi >= c->next_pn)
		hi = c->next_pn - 1;
	for (pn = next_tracked(c, lo, hi); pn <= hi; pn = next_tracked(c, pn + 1, hi))
		on_acked(c, pn, ack, ack_path, now);
}

void ack_process(struct srd_conn *c, const struct srd_ack *ack, unsigned ack_path,
		 uint64_t now)
{
	struct srd_ack_iter it;
	uint64_t lo, hi;

	if (ack->largest >= c->next_pn)
		return;   /* acknowledges what was never sent: ignore it */
	if (ack->largest >= c->largest_acked) {
		c->largest_acked = ack->largest;
		c->peer_credit = ack->credit;
		c->st.peer_credit = ack->credit;
	}
	c->data_acked = false;
	srd_ack_iter_init(&it, ack);
	while (srd_ack_iter_next(&it, &lo, &hi))
		ack_range(c, lo, hi, ack, ack_path, now);
	if (c->data_acked || !credit_blocked(c))
		c->pto_count = 0;   /* zero-window probes keep backing off */
	sent_advance(c);
	loss_detect(c, now);
}

/* ---- loss detection ---- */

static uint64_t reorder_window(const struct path *p)
{
	return path_reorder_extra(p) + p->rttvar;
}

/* Loss deadline of record s on path i, or SRD_NEVER while nothing sent after it (a
 * higher pn) has been acknowledged. */
static uint64_t loss_deadline(const struct srd_conn *c, unsigned i, const struct sent *s)
{
	const struct path *p = &c->paths[i];

	if (s->pn < p->rack_pn)
		return s->sent_ns + (p->latest_rtt > p->srtt ? p->latest_rtt : p->srtt) +
		       reorder_window(p);
	if (s->pn < c->acked_pn_any)
		return s->sent_ns + path_loss_threshold(c, i);
	return SRD_NEVER;
}

void loss_detect(struct srd_conn *c, uint64_t now)
{
	unsigned i;

	c->loss_time = SRD_NEVER;
	for (i = 0; i < c->cfg.npaths; i++) {
		uint32_t idx = c->paths[i].head;

		while (idx != NIL) {
			const struct sent *s = &c->sent[idx];
			uint64_t deadline = loss_deadline(c, i, s);
			uint32_t next = s->next;

			if (deadline > now) {
				if (deadline < c->loss_time)
					c->loss_time = deadline;
				break;
			}
			declare_lost(c, s->pn, now);
			idx = next;
		}
	}
	sent_advance(c);
}

/* The probe timeout: the loss threshold of the slowest path with packets in flight
 * (so a slow path's tail is not declared lost on a fast path's clock), at least the
 * floor, doubled per consecutive timeout. */
static uint64_t pto_duration(const struct srd_conn *c)
{
	uint64_t srtt = c->srtt_any ? c->srtt_any : c->cfg.initial_rtt_ns;
	uint64_t d = srtt + 4 * c->rttvar_any + c->cfg.ack_delay_ns, t;
	unsigned i, shift = c->pto_count < 16 ? c->pto_count : 16;

	for (i = 0; i < c->cfg.npaths; i++) {
		if (!c->paths[i].inflight)
			continue;
		t = path_loss_threshold(c, i);
		if (t > d)
			d = t;
	}
	if (d < c->cfg.pto_floor_ns)
		d = c->cfg.pto_floor_ns;
	return d > (SRD_NEVER >> shift) ? SRD_NEVER : d << shift;
}

/* New data waits for the peer's credit and nothing is out to bring an ACK. */
bool credit_blocked(const struct srd_conn *c)
{
	return !c->inflight && c->newq.count && c->outstanding >= c->peer_credit;
}

/* With packets out: the probe timeout. With none out but the peer's credit used up:
 * the same timer sends a zero-window probe, in case its window update was lost. */
uint64_t pto_deadline(const struct srd_conn *c)
{
	if (!c->inflight && !credit_blocked(c))
		return SRD_NEVER;
	if (c->loss_time != SRD_NEVER)
		return SRD_NEVER;   /* the loss timer comes first (RFC 9002 6.2.1) */
	return sat_add(c->last_eliciting, pto_duration(c));
}

void loss_on_pto(struct srd_conn *c, uint64_t now)
{
	uint64_t age = pto_duration(c);
	unsigned i;

	c->pto_count++;
	c->st.pto_count++;
	for (i = 0; i < c->cfg.npaths; i++) {
		uint32_t idx = c->paths[i].head;

		while (idx != NIL && c->sent[idx].sent_ns + age <= now) {
			uint32_t next = c->sent[idx].next;

			declare_lost(c, c->sent[idx].pn, now);
			idx = next;
		}
	}
	c->probe_now = true;
	c->last_eliciting = now;   /* the next timeout counts from here */
	sent_advance(c);
}

/* ---- give-up ---- */

uint64_t giveup_deadline(const struct srd_conn *c)
{
	if (c->age_head == NIL)
		return SRD_NEVER;
	return sat_add(c->slots[c->age_head].queued_at, c->cfg.giveup_ns);
}

/* Abandon what is due, but never more than the event queue can report: the rest
 * stays due, so the caller's next srd_conn_handle_expiry(), after it polled the
 * events, carries on. */
void giveup_check(struct srd_conn *c, uint64_t now)
{
	/* A caller that polled since last time gets every GIVE_UP; one that does not
	 * poll must not wedge the send buffer: then events are dropped, counted. */
	unsigned budget = c->ev_count ? EVENT_RING - c->ev_count : UINT32_MAX;

	while (c->age_head != NIL && giveup_deadline(c) <= now && budget--)
		slot_abandon_frame(c, c->age_head, now);
}
