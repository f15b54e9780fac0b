/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.c: connection lifecycle, settings, events, timers and counters. The sender
 * is in conn_tx.c, the receiver in conn_rx.c, ACK and loss handling in conn_ack.c,
 * the session binding in conn_session.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "encap/conn_int.h"

void srd_conn_cfg_default(struct srd_conn_cfg *cfg)
{
	*cfg = (struct srd_conn_cfg){
		.npaths = 16,
		.lanes = 1024,
		.max_payload = 1400,
		.send_slots = 8192,
		.rob_slots = 8192,
		.rob_ring = 1024,
		.ack_delay_ns = 20000,
		.ack_every = 2,
		.initial_rtt_ns = 100000,
		.pto_floor_ns = 0,
		.giveup_ns = 100000000,
		.giveup_tries = 32,
		.hold_ns = 200000000,
		.probe_interval_ns = 1000000,
		.dead_after = 3,
		.target_delay_ns = 50000,
		.cwnd_init = 32,
		.cwnd_min = 4,
		.cwnd_max = 4096,
	};
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int cfg_check(const struct srd_conn_cfg *cfg)
{
	if (!cfg->npaths || cfg->npaths > SRD_CONN_MAX_PATHS || !cfg->lanes ||
	    cfg->max_payload < SRD_WIRE_MAX_HDR + 64 || cfg->max_payload > 65000 ||
	    !cfg->send_slots || !cfg->rob_slots || !pow2(cfg->rob_ring) ||
	    !cfg->ack_every || !cfg->initial_rtt_ns || !cfg->giveup_tries ||
	    !cfg->dead_after || !cfg->cwnd_min || cfg->cwnd_min > cfg->cwnd_init ||
	    cfg->cwnd_init > cfg->cwnd_max || !cfg->probe_interval_ns)
		return -EINVAL;
	return 0;
}

static uint32_t sent_ring_size(const struct srd_conn_cfg *cfg)
{
	uint64_t want = 2ull * ((uint64_t)cfg->send_slots + cfg->cwnd_max);
	uint32_t n = SENT_RING_MIN;

	while (n < want && n < (1u << 30))
		n <<= 1;
	return n;
}

static struct srd_rob *make_rob(const struct srd_conn_cfg *cfg, uint32_t data_cap)
{
	struct srd_rob_cfg rc = {
		.lanes = cfg->lanes,
		.ring = cfg->rob_ring,
		.slots = cfg->rob_slots,
		.slot_bytes = data_cap,
		.hold_ns = cfg->hold_ns,
	};

	return srd_rob_new(&rc);
}

static int conn_alloc(struct srd_conn *c)
{
	uint32_t ring = sent_ring_size(&c->cfg);

	c->slots = calloc(c->cfg.send_slots, sizeof(*c->slots));
	c->slot_data = malloc((size_t)c->cfg.send_slots * c->data_cap);
	c->lanes = calloc(c->cfg.lanes, sizeof(*c->lanes));
	c->sent = calloc(ring, sizeof(*c->sent));
	c->inflight_bits = calloc(ring / 64, sizeof(uint64_t));
	c->track_bits = calloc(ring / 64, sizeof(uint64_t));
	c->paths = calloc(c->cfg.npaths, sizeof(*c->paths));
	c->asm_buf = malloc(SRD_CONN_MAX_FRAME);
	c->rob = make_rob(&c->cfg, c->data_cap);
	c->sent_mask = ring - 1;
	if (!c->slots || !c->slot_data || !c->lanes || !c->sent || !c->inflight_bits || !c->track_bits ||
	    !c->paths || !c->asm_buf || !c->rob)
		return -ENOMEM;
	return 0;
}

static void conn_init_state(struct srd_conn *c, uint64_t first_pn, uint64_t now)
{
	unsigned i;

	for (i = 0; i < c->cfg.lanes; i++)
		c->lanes[i].head = c->lanes[i].tail = NIL;
	for (i = 0; i < c->cfg.npaths; i++)
		path_init(&c->paths[i], c->cfg.initial_rtt_ns);
	c->usable_paths = c->cfg.npaths;
	c->newq = c->rtxq = (struct slot_queue){ NIL, NIL, 0 };
	c->age_head = c->age_tail = NIL;
	c->sent_base = c->next_pn = first_pn;
	c->rng = first_pn ^ 0x5eedu;
	c->peer_credit = c->cfg.rob_slots;
	c->credit_sent = c->cfg.rob_slots;
	c->loss_time = SRD_NEVER;
	c->reply_path = -1;
	c->acktr.deadline = SRD_NEVER;
	srd_replay_init(&c->replay);
	cc_init(&c->cc, &c->cfg);
	c->st.cwnd = (uint32_t)c->cc.cwnd;
	c->st.peer_credit = c->peer_credit;
	c->st.rob_bound_bytes = srd_rob_stats(c->rob)->bound_bytes;
	sess_init(c, first_pn, now);
}

struct srd_conn *srd_conn_new(const struct srd_conn_cfg *cfg, uint64_t first_pn,
			      uint64_t now)
{
	struct srd_conn *c;

	if (!cfg || cfg_check(cfg) || !first_pn)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->data_cap = cfg->max_payload - SRD_PRE_LEN - SRD_DATA_LEN -
		      SRD_OFFLOAD_LEN;
	if (conn_alloc(c)) {
		srd_conn_free(c);
		return NULL;
	}
	conn_init_state(c, first_pn, now);
	return c;
}

void srd_conn_free(struct srd_conn *c)
{
	if (!c)
		return;
	srd_rob_free(c->rob);
	free(c->asm_buf);
	free(c->paths);
	free(c->inflight_bits);
	free(c->track_bits);
	free(c->sent);
	free(c->lanes);
	free(c->slot_data);
	free(c->slots);
	free(c);
}

void conn_event(struct srd_conn *c, const struct srd_event *ev)
{
	if (c->ev_count == EVENT_RING) {   /* full: the oldest goes, counted */
		c->ev_head = (c->ev_head + 1) % EVENT_RING;
		c->ev_count--;
		c->st.events_dropped++;
	}
	c->events[(c->ev_head + c->ev_count) % EVENT_RING] = *ev;
	c->ev_count++;
}

int srd_conn_poll_event(struct srd_conn *c, struct srd_event *ev)
{
	if (!c->ev_count)
		return 0;
	*ev = c->events[c->ev_head];
	c->ev_head = (c->ev_head + 1) % EVENT_RING;
	c->ev_count--;
	return 1;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t srd_conn_next_expiry(const struct srd_conn *c)
{
	uint64_t t = c->acktr.dirty ? c->acktr.deadline : SRD_NEVER;

	t = min_u64(t, c->loss_time);
	t = min_u64(t, pto_deadline(c));
	t = min_u64(t, giveup_deadline(c));
	t = min_u64(t, path_next_probe(c));
	t = min_u64(t, srd_rob_next_expiry(c->rob));
	t = min_u64(t, sess_next_expiry(c));   /* HELLO retry; srd_conn_write sends it */
	if (c->cfg.pacing && (c->newq.count || c->rtxq.count) &&
	    c->inflight < cc_window(c) && c->cc.next_send > 0)
		t = min_u64(t, c->cc.next_send);   /* only pacing holds the next packet */
	return t;
}

void srd_conn_handle_expiry(struct srd_conn *c, uint64_t now)
{
	if (c->acktr.dirty && c->acktr.deadline <= now)
		c->acktr.now = true;
	if (c->loss_time <= now)
		loss_detect(c, now);
	if (pto_deadline(c) <= now)
		loss_on_pto(c, now);
	giveup_check(c, now);
	path_tick(c, now);
	srd_rob_handle_expiry(c->rob, now);
}

const struct srd_conn_stats *srd_conn_stats(const struct srd_conn *c)
{
	return &c->st;
}

void srd_conn_path_stats(const struct srd_conn *c, unsigned path,
			 struct srd_path_stats *out)
{
	const struct path *p;

	memset(out, 0, sizeof(*out));
	if (path >= c->cfg.npaths)
		return;
	p = &c->paths[path];
	*out = p->st;
	out->state = p->state;
	out->srtt_ns = p->srtt;
	out->rttvar_ns = p->rttvar;
	out->min_rtt_ns = p->min_rtt == UINT64_MAX ? 0 : p->min_rtt;
	out->inflight = p->inflight;
}

bool srd_conn_idle(const struct srd_conn *c)
{
	return !c->slot_used && !c->inflight && !c->newq.count && !c->rtxq.count &&
	       !c->nskips && !c->acktr.dirty;
}

bool srd_conn_bound(const struct srd_conn *c)
{
	return c->sess.state != SESS_UNBOUND;
}

uint64_t srd_conn_session(const struct srd_conn *c)
{
	return c->sess.local;
}

uint64_t srd_conn_remote_session(const struct srd_conn *c)
{
	return c->sess.remote;
}
