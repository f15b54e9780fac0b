/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.c: the SRD run: two engines, K paths, a virtual clock. See sim.h.
 *
 * Events: a packet arriving at the end of a link, an engine timer, traffic
 * falling due, a scripted link event, and the end of the measurement window.
 * After anything happens to an engine it is "serviced": frames it can deliver are
 * read and checked, its events polled, the traffic offered, its packets written
 * out until srd_conn_write() has nothing more, and its timer re-armed. Every
 * packet written is parsed (encap/srd_wire.h) so the book can follow DATA
 * packets by (lane, seq); that is how give-ups map to frames and how the stall
 * check knows a frame was fully accepted.
 *
 * The engine's clock is the virtual clock plus ENGINE_T0, so that no engine
 * timestamp is ever 0.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encap/srd_wire.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_events.h"

#define ENGINE_T0 1000000000ull
#define BATCH 32u
#define SPIN_LIMIT 2000000u  /* events at one instant before we call it a livelock */

enum ev_type {
	EV_ARRIVE,     /* ptr: a struct pkt reaching the end of its link */
	EV_TIMER,      /* arg: side whose engine timer fires */
	EV_TRAFFIC,    /* arg: side whose traffic falls due */
	EV_SCRIPT,     /* arg: index in cfg->script */
	EV_WINDOW_END, /* the measurement window closes */
};

/* A packet on the wire. */
struct pkt {
	struct pkt *next; /* free list */
	uint64_t pn;      /* packet number */
	uint32_t len;     /* SRD plaintext bytes */
	uint32_t epoch;   /* its link's epoch when sent */
	uint32_t seq;     /* DATA: lane seq */
	uint16_t lane;    /* DATA: lane */
	uint16_t path;    /* link index */
	uint8_t dir;      /* 0: A to B */
	bool data;        /* carries DATA */
	bool first;       /* DATA: first transmission of its seq */
	uint8_t buf[];    /* the SRD plaintext */
};

/* One host. */
struct side {
	struct srd_conn *conn;    /* its engine */
	uint64_t timer_at;        /* earliest timer event queued, UINT64_MAX if none */
	uint64_t traffic_at;      /* earliest traffic event queued */
	struct srd_sim_rand rand; /* the engine's randomness */
};

/* A run in progress. */
struct sim {
	const struct srd_sim_cfg *cfg;  /* the scenario */
	struct srd_sim_events q;        /* clock and events */
	struct srd_sim_net net;         /* the links */
	struct srd_sim_check ck;        /* the book */
	struct srd_sim_traffic tr;      /* the guests */
	struct side side[2];            /* A and B */
	struct pkt *free_pkts;          /* recycled packets */
	size_t pkt_cap;                 /* plaintext room per packet */
	struct pkt *txp[BATCH];         /* packets lent to srd_conn_write() */
	uint8_t *rxbuf;                 /* frame being read */
	uint64_t data_pkts;             /* DATA packets first sent */
	uint64_t path_changes;          /* PATH_STATE events */
	uint64_t bh_dead_at;            /* A declared the blackholed path dead */
	bool engine_bad;                /* the engine misbehaved outside the book */
	uint32_t cwnd_end;              /* A's window at the window end */
	struct srd_path_stats path_end[SRD_SIM_MAX_PATHS]; /* A's paths then */
};

static uint64_t eng(uint64_t t)
{
	return t + ENGINE_T0;
}

static uint64_t now_of(const struct sim *s)
{
	return s->q.now;
}

static struct pkt *pkt_get(struct sim *s)
{
	struct pkt *p = s->free_pkts;

	if (p) {
		s->free_pkts = p->next;
		return p;
	}
	return malloc(sizeof(*p) + s->pkt_cap);
}

static void pkt_put(struct sim *s, struct pkt *p)
{
	p->next = s->free_pkts;
	s->free_pkts = p;
}

static void engine_fail(struct sim *s, const char *what, int rc)
{
	s->engine_bad = true;
	srd_sim_check_fail(&s->ck, now_of(s), "engine: %s (%d)", what, rc);
}

static void push(struct sim *s, uint64_t at, int type, uint32_t arg, void *ptr)
{
	if (srd_sim_events_push(&s->q, at, type, arg, ptr))
		s->ck.oom = true;
}

static uint64_t engine_rand(void *user)
{
	return srd_sim_rand_next(user);
}

static int submit(void *ctx, unsigned dir, uint16_t lane, const uint8_t *buf,
		  size_t len, uint64_t now)
{
	struct sim *s = ctx;
	struct srd_frame_in f = { .lane = lane, .vni = 0x5d, .data = buf, .len = len };
	int rc = srd_conn_send_frame(s->side[dir].conn, &f, eng(now));

	if (rc == -ENOBUFS)
		return rc;
	if (rc)
		engine_fail(s, "srd_conn_send_frame refused a valid frame", rc);
	return 0;
}

static void on_event(struct sim *s, unsigned side, const struct srd_event *ev)
{
	uint64_t now = now_of(s);

	if (ev->type != SRD_EV_PATH_STATE && (ev->lane == s->cfg->trace_lane ||
					      s->cfg->trace_lane == SRD_SIM_TRACE_ALL))
		fprintf(stderr, "trace t=%.3fus %s at %c lane %u seq %u count %u\n", now / 1e3,
			ev->type == SRD_EV_GIVE_UP ? "GIVE_UP" : "SKIPPED", 'A' + side,
			ev->lane, ev->seq, ev->count);
	switch (ev->type) {
	case SRD_EV_GIVE_UP:
		srd_sim_check_give_up(&s->ck, side, ev->lane, ev->seq, now);
		break;
	case SRD_EV_SKIPPED:
		srd_sim_check_skipped(&s->ck, 1 - side, ev->lane, ev->seq, ev->count);
		break;
	case SRD_EV_PATH_STATE:
		s->path_changes++;
		if (side == 0 && ev->to == SRD_PATH_DEAD && !s->bh_dead_at &&
		    s->net.bh.path >= 0 && ev->path % s->net.paths == (unsigned)s->net.bh.path &&
		    now >= s->net.bh.down_at)
			s->bh_dead_at = now;
		break;
	}
}

/* Read what side's engine delivers (frames of the other direction). */
static void drain(struct sim *s, unsigned side)
{
	struct srd_conn *c = s->side[side].conn;
	struct srd_frame_out fo;
	struct srd_event ev;
	unsigned dir = 1 - side;
	uint32_t id;
	int rc;

	while ((rc = srd_conn_read_frame(c, &fo, s->rxbuf, SRD_CONN_MAX_FRAME)) == 1) {
		id = srd_sim_check_deliver_bytes(&s->ck, dir, fo.lane, s->rxbuf, fo.len,
						 now_of(s));
		if (fo.lane == s->cfg->trace_lane || s->cfg->trace_lane == SRD_SIM_TRACE_ALL)
			fprintf(stderr, "trace t=%.3fus deliver dir %u lane %u frame %u\n",
				now_of(s) / 1e3, dir, fo.lane, id);
		if (id != SRD_SIM_NO_FRAME)
			srd_sim_traffic_delivered(&s->tr, dir, fo.lane, id, now_of(s));
	}
	if (rc < 0)
		engine_fail(s, "srd_conn_read_frame", rc);
	while (srd_conn_poll_event(c, &ev) == 1)
		on_event(s, side, &ev);
}

/* Parse what the engine wrote and tell the book about DATA. */
static bool observe(struct sim *s, struct pkt *p)
{
	struct srd_packet sp;
	int rc = srd_wire_parse(p->buf, p->len, p->pn, &sp);

	if (rc) {
		engine_fail(s, "srd_conn_write produced a packet that does not parse", rc);
		return false;
	}
	p->data = sp.has_data;
	if (!p->data)
		return true;
	p->lane = sp.data.lane;
	p->seq = sp.data.seq;
	p->first = srd_sim_check_tx(&s->ck, p->dir, p->lane, p->seq, sp.data.flags,
				    sp.data.frame, sp.data.frame_len, now_of(s));
	s->data_pkts += p->first;
	return true;
}

/* --trace-lane: one line per DATA packet event of that lane, on stderr. */
static void trace(const struct sim *s, const struct pkt *p, const char *what, int rc)
{
	if (!p->data || (p->lane != s->cfg->trace_lane && s->cfg->trace_lane != SRD_SIM_TRACE_ALL))
		return;
	fprintf(stderr, "trace t=%.3fus %s dir %u path %u pn %llu lane %u seq %u%s rc %d\n",
		now_of(s) / 1e3, what, p->dir, p->path, (unsigned long long)p->pn, p->lane,
		p->seq, p->first ? " first" : "", rc);
}

static void lost(struct sim *s, struct pkt *p)
{
	trace(s, p, "lost", 0);
	if (p->data && p->first)
		srd_sim_check_orig_lost(&s->ck, p->dir, p->lane, p->seq);
	pkt_put(s, p);
}

/* Put a packet written by side on its link. */
static void transmit(struct sim *s, unsigned side, struct pkt *p,
		     const struct srd_tx_pkt *tx)
{
	uint64_t at[2];
	unsigned n;
	struct pkt *dup;

	p->pn = tx->pn;
	p->len = (uint32_t)tx->len;
	p->dir = (uint8_t)side;
	p->path = (uint16_t)(tx->path % s->net.paths);
	if (!observe(s, p)) {
		pkt_put(s, p);
		return;
	}
	p->epoch = s->net.link[side][p->path].epoch;
	trace(s, p, "send", 0);
	n = srd_sim_net_send(&s->net, side, p->path, p->len + SRD_SIM_WIRE_OVERHEAD,
			     p->data, now_of(s), at);
	if (!n) {
		lost(s, p);
		return;
	}
	if (n == 2 && (dup = pkt_get(s))) {
		memcpy(dup, p, sizeof(*p) + p->len);
		dup->first = false;
		push(s, at[1], EV_ARRIVE, 0, dup);
	}
	push(s, at[0], EV_ARRIVE, 0, p);
}

/* Write out everything side's engine has to send now. */
static void flush(struct sim *s, unsigned side)
{
	struct srd_tx_pkt tx[BATCH];
	unsigned i, n;

	do {
		for (i = 0; i < BATCH; i++) {
			if (!s->txp[i] && !(s->txp[i] = pkt_get(s))) {
				s->ck.oom = true;
				return;
			}
			tx[i] = (struct srd_tx_pkt){ .buf = s->txp[i]->buf, .cap = s->pkt_cap };
		}
		n = srd_conn_write(s->side[side].conn, tx, BATCH, eng(now_of(s)));
		for (i = 0; i < n; i++) {
			transmit(s, side, s->txp[i], &tx[i]);
			s->txp[i] = NULL;
		}
	} while (n == BATCH);
}

static void arm(struct sim *s, unsigned side)
{
	struct side *sd = &s->side[side];
	uint64_t exp = srd_conn_next_expiry(sd->conn);
	uint64_t t;

	if (exp == SRD_NEVER)
		return;
	t = exp > ENGINE_T0 ? exp - ENGINE_T0 : 0;
	if (t < now_of(s))
		t = now_of(s);
	if (t < sd->timer_at) {
		push(s, t, EV_TIMER, side, NULL);
		sd->timer_at = t;
	}
}

static void pump(struct sim *s, unsigned side)
{
	struct side *sd = &s->side[side];
	uint64_t due = srd_sim_traffic_pump(&s->tr, side, now_of(s));

	if (due != UINT64_MAX && due < sd->traffic_at) {
		push(s, due, EV_TRAFFIC, side, NULL);
		sd->traffic_at = due;
	}
}

static void service(struct sim *s, unsigned side)
{
	drain(s, side);
	pump(s, side);
	flush(s, side);
	drain(s, side);  /* writing may have fired events (give-ups) */
	arm(s, side);
}

/* Receiver-side drop counters: a DATA packet raised none of them if accepted. */
static uint64_t refusals(const struct srd_conn *c)
{
	const struct srd_conn_stats *st = srd_conn_stats(c);

	return st->dup_pkts + st->too_old_pkts + st->rob_full_drops + st->replays +
	       st->malformed;
}

static void arrive(struct sim *s, struct pkt *p)
{
	struct srd_sim_link *l = &s->net.link[p->dir][p->path];
	unsigned side = 1 - p->dir;
	struct srd_conn *c = s->side[side].conn;
	uint64_t before = refusals(c);
	int rc;

	if (!srd_sim_link_alive(l, p->epoch)) {
		l->stats.drop_down++;
		lost(s, p);
		return;
	}
	l->stats.rx_pkts++;
	rc = srd_conn_recv(c, p->pn, p->buf, p->len, eng(now_of(s)));
	if (rc && rc != -EALREADY && rc != -ESTALE)
		engine_fail(s, "srd_conn_recv refused a well-formed packet", rc);
	trace(s, p, refusals(c) == before ? "recv" : "refused", rc);
	if (p->data)
		srd_sim_check_rx(&s->ck, p->dir, p->lane, p->seq,
				 !rc && refusals(c) == before, now_of(s));
	service(s, side);
	if (p->data)
		srd_sim_check_stall(&s->ck, p->dir, p->lane, now_of(s));
	pkt_put(s, p);
}

static void timer(struct sim *s, unsigned side, uint64_t at)
{
	struct side *sd = &s->side[side];

	if (at == sd->timer_at)
		sd->timer_at = UINT64_MAX;
	if (srd_conn_next_expiry(sd->conn) <= eng(now_of(s)))
		srd_conn_handle_expiry(sd->conn, eng(now_of(s)));
	service(s, side);
}

/* A's paths and window as the traffic stops. */
static void snapshot(struct sim *s)
{
	unsigned i;

	s->cwnd_end = srd_conn_stats(s->side[0].conn)->cwnd;
	for (i = 0; i < s->cfg->paths; i++)
		srd_conn_path_stats(s->side[0].conn, i, &s->path_end[i]);
}

static void dispatch(struct sim *s, const struct srd_sim_event *ev)
{
	switch (ev->type) {
	case EV_ARRIVE:
		arrive(s, ev->ptr);
		break;
	case EV_TIMER:
		timer(s, ev->arg, ev->at);
		break;
	case EV_TRAFFIC:
		if (ev->at == s->side[ev->arg].traffic_at)
			s->side[ev->arg].traffic_at = UINT64_MAX;
		service(s, ev->arg);
		break;
	case EV_SCRIPT:
		srd_sim_net_apply(&s->net, &s->cfg->script[ev->arg], ev->at);
		break;
	case EV_WINDOW_END:
		srd_sim_net_window_end(&s->net, ev->at);
		snapshot(s);
		break;
	}
}

static int make_conns(struct sim *s)
{
	const struct srd_sim_cfg *cfg = s->cfg;
	struct srd_conn_cfg ec = cfg->engine;
	unsigned i;

	ec.npaths = (uint16_t)cfg->paths;
	ec.lanes = (uint16_t)cfg->traffic.lanes;
	ec.max_payload = cfg->mtu - SRD_SIM_WIRE_OVERHEAD;
	ec.rand = engine_rand;
	s->pkt_cap = ec.max_payload;
	for (i = 0; i < 2; i++) {
		struct side *sd = &s->side[i];

		srd_sim_rand_init(&sd->rand, cfg->seed, 0x1000 + i);
		ec.rand_user = &sd->rand;
		sd->conn = srd_conn_new(&ec, (uint64_t)(i + 1) << 40, eng(0));
		if (!sd->conn)
			return -EINVAL;
		sd->timer_at = sd->traffic_at = UINT64_MAX;
	}
	return 0;
}

static int setup(struct sim *s, const struct srd_sim_cfg *cfg)
{
	struct srd_sim_traffic_cfg tc;
	unsigned i;
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	srd_sim_events_init(&s->q);
	srd_sim_traffic_setup(cfg, &tc);
	if (srd_sim_net_init(&s->net, cfg) ||
	    srd_sim_check_init(&s->ck, tc.lanes, cfg->seed, cfg->duration_ns))
		return -ENOMEM;
	s->ck.quiet = cfg->quiet;
	rc = make_conns(s);
	if (rc)
		return rc;
	if (srd_sim_traffic_init(&s->tr, &tc, &s->ck, submit, s) ||
	    !(s->rxbuf = malloc(SRD_CONN_MAX_FRAME)))
		return -ENOMEM;
	s->tr.stop_on_full = true;
	for (i = 0; i < cfg->nscript; i++)
		push(s, cfg->script[i].at, EV_SCRIPT, i, NULL);
	push(s, cfg->duration_ns, EV_WINDOW_END, 0, NULL);
	push(s, 0, EV_TRAFFIC, 0, NULL);
	push(s, 0, EV_TRAFFIC, 1, NULL);
	return s->ck.oom ? -ENOMEM : 0;
}

static void teardown(struct sim *s)
{
	struct srd_sim_event ev;
	struct pkt *p;
	unsigned i;

	while (srd_sim_events_pop(&s->q, &ev))
		free(ev.ptr);
	srd_sim_events_fini(&s->q);
	while ((p = s->free_pkts)) {
		s->free_pkts = p->next;
		free(p);
	}
	for (i = 0; i < BATCH; i++)
		free(s->txp[i]);
	for (i = 0; i < 2; i++)
		srd_conn_free(s->side[i].conn);
	free(s->rxbuf);
	srd_sim_traffic_fini(&s->tr);
	srd_sim_check_fini(&s->ck);
	srd_sim_net_fini(&s->net);
}

/* Every frame accounted for and nothing in flight. */
static bool settled(const struct sim *s)
{
	return !s->ck.unresolved && !srd_sim_traffic_pending(&s->tr) &&
	       !srd_conn_stats(s->side[0].conn)->inflight &&
	       !srd_conn_stats(s->side[1].conn)->inflight;
}

/* Run events to the end of the drain; true if everything settled. */
static bool loop(struct sim *s)
{
	uint64_t end = s->cfg->duration_ns + s->cfg->drain_ns, last = 0;
	struct srd_sim_event ev;
	unsigned spin = 0;

	while (srd_sim_events_peek(&s->q) <= end && srd_sim_events_pop(&s->q, &ev)) {
		spin = ev.at == last ? spin + 1 : 0;
		last = ev.at;
		if (spin > SPIN_LIMIT) {
			engine_fail(s, "no progress: events keep firing at one instant", 0);
			free(ev.ptr);
			return false;
		}
		dispatch(s, &ev);
		if (ev.at >= s->cfg->duration_ns && settled(s))
			return true;
		if (s->ck.oom)
			return false;
	}
	return settled(s);
}

void srd_sim_result_rates(struct srd_sim_result *res, const struct srd_sim_cfg *cfg,
			  const struct srd_sim_net *net)
{
	double secs = (double)cfg->duration_ns / SRD_SIM_NS_PER_S;

	res->goodput_gbps = res->t.bytes_in_window[0] * 8.0 / secs / 1e9;
	res->capacity_gbps = net->cap_bits / secs / 1e9;
	res->goodput_ratio = res->capacity_gbps > 0 ?
			     res->goodput_gbps / res->capacity_gbps : 0;
	res->link_loss = srd_sim_net_sum(net, offsetof(struct srd_sim_link_stats, drop_loss));
	res->link_queue_drops = srd_sim_net_sum(net, offsetof(struct srd_sim_link_stats,
							      drop_queue));
	res->link_down_drops = srd_sim_net_sum(net, offsetof(struct srd_sim_link_stats,
							     drop_down));
	res->link_dups = srd_sim_net_sum(net, offsetof(struct srd_sim_link_stats, dups));
	res->bh = net->bh;
}

static void engine_results(struct sim *s, struct srd_sim_result *res)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		const struct srd_conn_stats *st = srd_conn_stats(s->side[i].conn);

		res->retransmits += st->retransmits;
		res->lost_pkts += st->lost_pkts;
		res->timeouts += st->pto_count;
		res->spurious += st->spurious_losses;
		res->rob_full_drops += st->rob_full_drops;
		res->rx_skipped += st->skipped_frames;
		res->hold_timeouts += st->hold_timeouts;
		res->partial_frames += st->partial_frames;
		res->giveups += st->giveups;
		if (st->rob_peak_bytes > res->rob_peak_bytes)
			res->rob_peak_bytes = st->rob_peak_bytes;
		res->rob_bound_bytes = st->rob_bound_bytes;
		if (st->rob_peak_bytes > st->rob_bound_bytes)
			res->mem_ok = false;
	}
}

static void results(struct sim *s, struct srd_sim_result *res, bool drained)
{
	memset(res, 0, sizeof(*res));
	srd_sim_check_finish(&s->ck, now_of(s));
	res->t = s->ck.t;
	srd_sim_result_rates(res, s->cfg, &s->net);
	res->mem_ok = true;
	engine_results(s, res);
	if (!res->mem_ok)
		srd_sim_check_fail(&s->ck, now_of(s), "reorder buffer peak %llu bytes > bound %llu",
				   (unsigned long long)res->rob_peak_bytes,
				   (unsigned long long)res->rob_bound_bytes);
	res->data_pkts = s->data_pkts;
	res->cwnd_end = s->cwnd_end;
	memcpy(res->path, s->path_end, sizeof(res->path));
	res->path_changes = s->path_changes;
	res->bh_dead_at = s->bh_dead_at;
	res->end_ns = now_of(s);
	res->events = s->q.popped;
	res->drained = drained;
	res->engines_idle = srd_conn_idle(s->side[0].conn) && srd_conn_idle(s->side[1].conn);
	res->engine_ok = !s->engine_bad;
	res->invariants_ok = srd_sim_check_ok(&s->ck) && res->mem_ok && res->engine_ok;
}

int srd_sim_run(const struct srd_sim_cfg *cfg, struct srd_sim_result *res)
{
	struct sim *s = malloc(sizeof(*s));
	bool drained;
	int rc;

	if (!s)
		return -ENOMEM;
	rc = setup(s, cfg);
	if (!rc) {
		drained = loop(s);
		results(s, res, drained);
		rc = s->ck.oom ? -ENOMEM : 0;
	}
	teardown(s);
	free(s);
	return rc;
}
