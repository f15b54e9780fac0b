/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_tcp.c: the TCP-like baseline over the simulated fabric. See sim_tcp.h.
 *
 * Segments are numbered per flow; segment i carries stream bytes
 * [segs[i].start, segs[i].start + segs[i].len), fixed when it is first sent, and a
 * retransmission resends it unchanged. The receiver's cumulative ACK is the
 * number of the first segment it lacks; frames are handed to the guest when the
 * in-order stream covers their last byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim.h"
#include "tests/sim/sim_events.h"
#include "tests/sim/sim_tcp.h"

#define TCP_DRAIN 10000000000ull

enum ev_type {
	EV_SEG,        /* ptr: a data segment reaching the receiver */
	EV_ACK,        /* ptr: an ACK reaching the sender */
	EV_RTO,        /* arg: flow whose retransmission timer may fire */
	EV_TRAFFIC,    /* arg: direction whose traffic falls due */
	EV_SCRIPT,     /* arg: index in cfg->script */
	EV_WINDOW_END, /* the measurement window closes */
};

/* A segment or an ACK on the wire. */
struct tpkt {
	struct tpkt *next; /* free list */
	uint64_t ts;       /* timestamp option: segment send time; ACK: echo of it */
	uint32_t flow;     /* flow index */
	uint32_t num;      /* segment number, or cumulative ACK */
	uint32_t epoch;    /* link epoch when sent */
	bool first;        /* segment: first transmission */
};

/* A segment as first cut from the stream. */
struct seg {
	uint64_t start;   /* first stream byte */
	uint32_t len;     /* bytes */
	uint16_t tx;      /* transmissions */
	bool got;         /* the receiver has it */
};

/* A frame in a flow's stream. */
struct fref {
	uint32_t id;   /* frame id in the book */
	uint64_t end;  /* stream offset just past its last byte */
};

/* One direction of one lane. */
struct flow {
	unsigned dir;          /* 0: A to B */
	uint16_t lane;         /* lane */
	unsigned path;         /* ECMP-hashed path */
	uint64_t stream_end;   /* bytes the guest queued */
	struct seg *segs;      /* segments cut so far */
	uint32_t nsegs;        /* ... how many */
	uint32_t scap;         /* room in segs */
	uint32_t una;          /* first unacknowledged segment */
	uint32_t nxt;          /* next segment to send */
	uint32_t high;         /* highest segment sent + 1 */
	double cwnd;           /* congestion window, segments */
	double ssthresh;       /* slow start threshold, segments */
	unsigned dupacks;      /* duplicate ACKs in a row */
	bool recovery;         /* in fast recovery */
	uint32_t recover;      /* recovery ends when this is acked */
	uint64_t srtt;         /* smoothed RTT, ns (0: no sample) */
	uint64_t rttvar;       /* RTT variation, ns */
	unsigned backoff;      /* RTO doublings */
	uint64_t rto_at;       /* retransmission deadline, UINT64_MAX if none */
	uint64_t rto_ev;       /* earliest EV_RTO queued */
	uint32_t rcv_nxt;      /* receiver: first segment missing */
	struct fref *fr;       /* frames in stream order */
	uint32_t nfr;          /* ... how many */
	uint32_t frcap;        /* room in fr */
	uint32_t fr_head;      /* next frame to deliver */
};

/* A baseline run. */
struct tcp {
	const struct srd_sim_cfg *cfg; /* the scenario */
	struct srd_sim_events q;       /* clock and events */
	struct srd_sim_net net;        /* the links */
	struct srd_sim_check ck;       /* the book */
	struct srd_sim_traffic tr;     /* the guests */
	struct flow *flows;            /* 2 * lanes: dir * lanes + lane */
	unsigned nflows;               /* 2 * lanes */
	uint32_t mss;                  /* segment payload, bytes */
	struct tpkt *free_pkts;        /* recycled packets */
	uint64_t traffic_at[2];        /* earliest EV_TRAFFIC queued per direction */
	uint64_t retransmits;          /* segments sent again */
	uint64_t timeouts;             /* RTO expiries */
	uint64_t data_pkts;            /* segments first sent */
};

static uint64_t now_of(const struct tcp *t)
{
	return t->q.now;
}

static void push(struct tcp *t, uint64_t at, int type, uint32_t arg, void *ptr)
{
	if (srd_sim_events_push(&t->q, at, type, arg, ptr))
		t->ck.oom = true;
}

static struct tpkt *tpkt_get(struct tcp *t)
{
	struct tpkt *p = t->free_pkts;

	if (p) {
		t->free_pkts = p->next;
		return p;
	}
	p = malloc(sizeof(*p));
	if (!p)
		t->ck.oom = true;
	return p;
}

static void tpkt_put(struct tcp *t, struct tpkt *p)
{
	p->next = t->free_pkts;
	t->free_pkts = p;
}

static uint32_t flow_index(const struct tcp *t, const struct flow *f)
{
	return (uint32_t)(f - t->flows);
}

static uint64_t rto(const struct flow *f)
{
	uint64_t r = f->srtt ? f->srtt + 4 * f->rttvar : SRD_SIM_TCP_RTO_INIT;

	if (r < SRD_SIM_TCP_RTO_MIN)
		r = SRD_SIM_TCP_RTO_MIN;
	r <<= f->backoff < 20 ? f->backoff : 20;
	return r < SRD_SIM_TCP_RTO_MAX ? r : SRD_SIM_TCP_RTO_MAX;
}

static void arm_rto(struct tcp *t, struct flow *f)
{
	f->rto_at = f->una < f->high ? now_of(t) + rto(f) : UINT64_MAX;
	if (f->rto_at < f->rto_ev) {
		push(t, f->rto_at, EV_RTO, flow_index(t, f), NULL);
		f->rto_ev = f->rto_at;
	}
}

/* Cut the next segment from the stream; false if no byte is waiting. */
static bool cut(struct tcp *t, struct flow *f)
{
	uint64_t start = f->nsegs ? f->segs[f->nsegs - 1].start + f->segs[f->nsegs - 1].len : 0;
	uint64_t left = f->stream_end - start;

	if (!left)
		return false;
	if (f->nsegs == f->scap) {
		uint32_t cap = f->scap ? 2 * f->scap : 256;
		struct seg *s = realloc(f->segs, cap * sizeof(*s));

		if (!s) {
			t->ck.oom = true;
			return false;
		}
		f->segs = s;
		f->scap = cap;
	}
	f->segs[f->nsegs++] = (struct seg){
		.start = start, .len = (uint32_t)(left < t->mss ? left : t->mss) };
	return true;
}

static void send_seg(struct tcp *t, struct flow *f, uint32_t i)
{
	struct seg *s = &f->segs[i];
	struct tpkt *p = tpkt_get(t);
	uint64_t at[2];
	unsigned n;

	if (!p)
		return;
	*p = (struct tpkt){ .flow = flow_index(t, f), .num = i, .first = !s->tx,
			    .epoch = t->net.link[f->dir][f->path].epoch, .ts = now_of(t) };
	if (s->tx++)
		t->retransmits++;
	else
		t->data_pkts++;
	if (p->first)
		srd_sim_check_tx(&t->ck, f->dir, f->lane, i, 0, NULL, 0, now_of(t));
	n = srd_sim_net_send(&t->net, f->dir, f->path, s->len + SRD_SIM_TCP_HDR, true,
			     now_of(t), at);
	if (!n) {
		if (p->first)
			srd_sim_check_orig_lost(&t->ck, f->dir, f->lane, i);
		tpkt_put(t, p);
		return;
	}
	push(t, at[0], EV_SEG, 0, p);
	if (n == 2 && (p = tpkt_get(t))) {
		*p = (struct tpkt){ .flow = flow_index(t, f), .num = i, .ts = now_of(t),
				    .epoch = t->net.link[f->dir][f->path].epoch };
		push(t, at[1], EV_SEG, 0, p);
	}
}

static void send_more(struct tcp *t, struct flow *f)
{
	while (f->nxt - f->una < (uint32_t)f->cwnd) {
		if (f->nxt == f->nsegs && !cut(t, f))
			break;
		send_seg(t, f, f->nxt++);
		if (f->nxt > f->high)
			f->high = f->nxt;
	}
	if (f->rto_at == UINT64_MAX)
		arm_rto(t, f);
}

static int submit(void *ctx, unsigned dir, uint16_t lane, const uint8_t *buf,
		  size_t len, uint64_t now)
{
	struct tcp *t = ctx;
	struct flow *f = &t->flows[dir * t->cfg->traffic.lanes + lane];
	uint64_t acked = f->una < f->nsegs ? f->segs[f->una].start : f->stream_end;
	uint32_t id;

	(void)now;
	if (f->stream_end - acked + len > SRD_SIM_TCP_SNDBUF)
		return -ENOBUFS;
	if (f->nfr == f->frcap) {
		uint32_t cap = f->frcap ? 2 * f->frcap : 256;
		struct fref *r = realloc(f->fr, cap * sizeof(*r));

		if (!r) {
			t->ck.oom = true;
			return 0;
		}
		f->fr = r;
		f->frcap = cap;
	}
	memcpy(&id, buf, sizeof(id));
	f->stream_end += len;
	f->fr[f->nfr++] = (struct fref){ .id = id, .end = f->stream_end };
	send_more(t, f);
	return 0;
}

static void deliver(struct tcp *t, struct flow *f)
{
	const struct seg *last = &f->segs[f->rcv_nxt - 1];
	uint64_t done = last->start + last->len;

	while (f->fr_head < f->nfr && f->fr[f->fr_head].end <= done) {
		uint32_t id = f->fr[f->fr_head++].id;

		srd_sim_check_deliver(&t->ck, id, f->dir, f->lane, now_of(t));
		srd_sim_traffic_delivered(&t->tr, f->dir, f->lane, id, now_of(t));
	}
}

/* An ACK echoing the timestamp of the segment that triggered it (RFC 7323). */
static void send_ack(struct tcp *t, struct flow *f, uint64_t echo)
{
	struct tpkt *p = tpkt_get(t);
	uint64_t at[2];
	unsigned n;

	if (!p)
		return;
	*p = (struct tpkt){ .flow = flow_index(t, f), .num = f->rcv_nxt, .ts = echo,
			    .epoch = t->net.link[!f->dir][f->path].epoch };
	n = srd_sim_net_send(&t->net, !f->dir, f->path, SRD_SIM_TCP_HDR, false,
			     now_of(t), at);
	if (!n) {
		tpkt_put(t, p);
		return;
	}
	push(t, at[0], EV_ACK, 0, p);  /* a duplicated ACK is one ACK here */
}

static bool alive(struct tcp *t, unsigned dir, unsigned path, uint32_t epoch)
{
	struct srd_sim_link *l = &t->net.link[dir][path];

	if (srd_sim_link_alive(l, epoch))
		return true;
	l->stats.drop_down++;
	return false;
}

static void on_seg(struct tcp *t, struct tpkt *p)
{
	struct flow *f = &t->flows[p->flow];
	struct seg *s = &f->segs[p->num];

	if (!alive(t, f->dir, f->path, p->epoch)) {
		if (p->first)
			srd_sim_check_orig_lost(&t->ck, f->dir, f->lane, p->num);
		return;
	}
	srd_sim_check_rx(&t->ck, f->dir, f->lane, p->num, true, now_of(t));
	s->got = true;
	if (p->num == f->rcv_nxt) {
		while (f->rcv_nxt < f->nsegs && f->segs[f->rcv_nxt].got)
			f->rcv_nxt++;
		deliver(t, f);  /* may answer a request or end a transaction: */
		srd_sim_traffic_pump_lane(&t->tr, !f->dir, f->lane, now_of(t));
	}
	send_ack(t, f, p->ts);
}

static void rtt_sample(struct flow *f, uint64_t r)
{
	uint64_t d;

	if (!f->srtt) {
		f->srtt = r;
		f->rttvar = r / 2;
		return;
	}
	d = f->srtt > r ? f->srtt - r : r - f->srtt;
	f->rttvar = (3 * f->rttvar + d) / 4;
	f->srtt = (7 * f->srtt + r) / 8;
}

static void new_ack(struct tcp *t, struct flow *f, uint32_t ack, uint64_t echo)
{
	uint32_t acked = ack - f->una;

	rtt_sample(f, now_of(t) - echo);  /* timestamps: retransmissions sample too */
	f->una = ack;
	f->dupacks = 0;
	if (f->nxt < f->una)
		f->nxt = f->una;
	if (f->recovery && ack >= f->recover) {
		f->recovery = false;
		f->cwnd = f->ssthresh;
	} else if (f->recovery) {
		send_seg(t, f, f->una);   /* NewReno: a partial ACK shows the next hole */
	} else if (f->cwnd < f->ssthresh) {
		f->cwnd += acked;
	} else {
		f->cwnd += acked / f->cwnd;
	}
	if (f->cwnd > SRD_SIM_TCP_CWND_MAX)
		f->cwnd = SRD_SIM_TCP_CWND_MAX;
	f->backoff = 0;
	arm_rto(t, f);
}

static void enter_loss(struct flow *f)
{
	double flight = f->high - f->una;

	f->ssthresh = flight / 2 > 2 ? flight / 2 : 2;
}

static void dup_ack(struct tcp *t, struct flow *f)
{
	if (++f->dupacks == 3 && !f->recovery) {
		enter_loss(f);
		f->cwnd = f->ssthresh + 3;
		f->recovery = true;
		f->recover = f->high;
		send_seg(t, f, f->una);
	} else if (f->recovery) {
		f->cwnd += 1;
	}
}

static void on_ack(struct tcp *t, struct tpkt *p)
{
	struct flow *f = &t->flows[p->flow];

	if (!alive(t, !f->dir, f->path, p->epoch))
		return;
	if (p->num > f->una)
		new_ack(t, f, p->num, p->ts);
	else if (p->num == f->una && f->una < f->high)
		dup_ack(t, f);
	send_more(t, f);
	srd_sim_traffic_pump_lane(&t->tr, f->dir, f->lane, now_of(t));
}

static void on_rto(struct tcp *t, struct flow *f, uint64_t at)
{
	if (at == f->rto_ev)
		f->rto_ev = UINT64_MAX;
	if (f->rto_at > now_of(t)) {
		if (f->rto_at != UINT64_MAX && f->rto_at < f->rto_ev) {
			push(t, f->rto_at, EV_RTO, flow_index(t, f), NULL);
			f->rto_ev = f->rto_at;
		}
		return;
	}
	t->timeouts++;
	enter_loss(f);
	f->cwnd = 1;
	f->recovery = false;
	f->dupacks = 0;
	f->nxt = f->una;   /* go back N */
	f->backoff++;
	f->rto_at = UINT64_MAX;
	send_more(t, f);
}

static void traffic(struct tcp *t, unsigned dir, uint64_t at)
{
	uint64_t due;

	if (at == t->traffic_at[dir])
		t->traffic_at[dir] = UINT64_MAX;
	due = srd_sim_traffic_pump(&t->tr, dir, now_of(t));
	if (due != UINT64_MAX && due < t->traffic_at[dir]) {
		push(t, due, EV_TRAFFIC, dir, NULL);
		t->traffic_at[dir] = due;
	}
}

static void dispatch(struct tcp *t, const struct srd_sim_event *ev)
{
	switch (ev->type) {
	case EV_SEG:
		on_seg(t, ev->ptr);
		tpkt_put(t, ev->ptr);
		break;
	case EV_ACK:
		on_ack(t, ev->ptr);
		tpkt_put(t, ev->ptr);
		break;
	case EV_RTO:
		on_rto(t, &t->flows[ev->arg], ev->at);
		break;
	case EV_TRAFFIC:
		traffic(t, ev->arg, ev->at);
		break;
	case EV_SCRIPT:
		srd_sim_net_apply(&t->net, &t->cfg->script[ev->arg], ev->at);
		break;
	case EV_WINDOW_END:
		srd_sim_net_window_end(&t->net, ev->at);
		break;
	}
}

/* ECMP: a flow's path is a hash of the flow, fixed for its life. */
static unsigned ecmp(const struct srd_sim_cfg *cfg, unsigned flow)
{
	uint64_t x = cfg->seed ^ (0xec3bull << 32) ^ flow;

	return (unsigned)(srd_sim_splitmix64(&x) % cfg->paths);
}

static int setup(struct tcp *t, const struct srd_sim_cfg *cfg)
{
	struct srd_sim_traffic_cfg tc;
	unsigned i;

	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->mss = cfg->mtu - SRD_SIM_TCP_HDR;
	srd_sim_events_init(&t->q);
	srd_sim_traffic_setup(cfg, &tc);
	t->nflows = 2 * tc.lanes;
	t->flows = calloc(t->nflows, sizeof(*t->flows));
	if (!t->flows || srd_sim_net_init(&t->net, cfg) ||
	    srd_sim_check_init(&t->ck, tc.lanes, cfg->seed, cfg->duration_ns) ||
	    srd_sim_traffic_init(&t->tr, &tc, &t->ck, submit, t))
		return -ENOMEM;
	t->ck.quiet = cfg->quiet;
	for (i = 0; i < t->nflows; i++) {
		struct flow *f = &t->flows[i];

		f->dir = i / tc.lanes;
		f->lane = (uint16_t)(i % tc.lanes);
		f->path = ecmp(cfg, i);
		f->cwnd = SRD_SIM_TCP_CWND_INIT;
		f->ssthresh = SRD_SIM_TCP_CWND_MAX;
		f->rto_at = f->rto_ev = UINT64_MAX;
	}
	t->traffic_at[0] = t->traffic_at[1] = UINT64_MAX;
	for (i = 0; i < cfg->nscript; i++)
		push(t, cfg->script[i].at, EV_SCRIPT, i, NULL);
	push(t, cfg->duration_ns, EV_WINDOW_END, 0, NULL);
	push(t, 0, EV_TRAFFIC, 0, NULL);
	return t->ck.oom ? -ENOMEM : 0;
}

static void teardown(struct tcp *t)
{
	struct srd_sim_event ev;
	struct tpkt *p;
	unsigned i;

	while (srd_sim_events_pop(&t->q, &ev))
		free(ev.ptr);
	srd_sim_events_fini(&t->q);
	while ((p = t->free_pkts)) {
		t->free_pkts = p->next;
		free(p);
	}
	for (i = 0; t->flows && i < t->nflows; i++) {
		free(t->flows[i].segs);
		free(t->flows[i].fr);
	}
	free(t->flows);
	srd_sim_traffic_fini(&t->tr);
	srd_sim_check_fini(&t->ck);
	srd_sim_net_fini(&t->net);
}

/* Every frame delivered and every flow quiet. */
static bool settled(const struct tcp *t)
{
	unsigned i;

	if (t->ck.unresolved || srd_sim_traffic_pending(&t->tr))
		return false;
	for (i = 0; i < t->nflows; i++)
		if (t->flows[i].una < t->flows[i].high)
			return false;
	return true;
}

/* The baseline drains for at least TCP_DRAIN: backed-off RTOs take seconds. */
static bool loop(struct tcp *t)
{
	uint64_t drain = t->cfg->drain_ns > TCP_DRAIN ? t->cfg->drain_ns : TCP_DRAIN;
	uint64_t end = t->cfg->duration_ns + drain;
	struct srd_sim_event ev;

	while (srd_sim_events_peek(&t->q) <= end && srd_sim_events_pop(&t->q, &ev)) {
		dispatch(t, &ev);
		if (t->ck.oom)
			return false;
		if (ev.at >= t->cfg->duration_ns && !t->ck.unresolved && settled(t))
			return true;
	}
	return settled(t);
}

static void results(struct tcp *t, struct srd_sim_result *res, bool drained)
{
	memset(res, 0, sizeof(*res));
	srd_sim_check_finish(&t->ck, now_of(t));
	res->t = t->ck.t;
	srd_sim_result_rates(res, t->cfg, &t->net);
	res->retransmits = t->retransmits;
	res->timeouts = t->timeouts;
	res->data_pkts = t->data_pkts;
	res->end_ns = now_of(t);
	res->events = t->q.popped;
	res->drained = drained;
	res->engines_idle = drained;
	res->mem_ok = true;
	res->engine_ok = true;
	/* the baseline may leave frames undelivered (a dead path): not an error */
	res->invariants_ok = !t->ck.oom && !res->t.duplicates && !res->t.out_of_order &&
			     !res->t.corrupt;
}

int srd_sim_run_tcp(const struct srd_sim_cfg *cfg, struct srd_sim_result *res)
{
	struct tcp *t = malloc(sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = setup(t, cfg);
	if (!rc) {
		results(t, res, loop(t));
		rc = t->ck.oom ? -ENOMEM : 0;
	}
	teardown(t);
	free(t);
	return rc;
}
