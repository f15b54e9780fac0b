/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.c: the SRD run: cfg.conns pairs of engines, K shared paths, a virtual
 * clock. See sim.h; a pair's engines are driven by sim_conn.c (sim_int.h).
 *
 * Events: a packet arriving at the end of a link, an engine timer, traffic
 * falling due (a connection's first at its start time), a scripted link event,
 * and the end of the measurement window.
 *
 * The engine's clock is the virtual clock plus SIM_ENGINE_T0, so that no engine
 * timestamp is ever 0.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim_int.h"

#define SPIN_LIMIT 2000000u  /* events at one instant before we call it a livelock */

struct sim_pkt *sim_pkt_get(struct sim *s)
{
	struct sim_pkt *p = s->free_pkts;

	if (p) {
		s->free_pkts = p->next;
		return p;
	}
	return malloc(sizeof(*p) + s->pkt_cap);
}

void sim_pkt_put(struct sim *s, struct sim_pkt *p)
{
	p->next = s->free_pkts;
	s->free_pkts = p;
}

void sim_push(struct sim *s, uint64_t at, int type, uint32_t arg, void *ptr)
{
	if (srd_sim_events_push(&s->q, at, type, arg, ptr))
		s->oom = true;
}

/* The connection and side an event argument names. */
static struct sim_conn *conn_of(struct sim *s, uint32_t arg, unsigned *side)
{
	*side = arg & 1;
	return &s->conn[arg / 2];
}

/* Connection 0's A as the traffic stops, and every connection's window. */
static void snapshot(struct sim *s)
{
	unsigned i;

	for (i = 0; i < s->nconns; i++)
		sim_conn_snapshot(&s->conn[i]);
	for (i = 0; i < s->cfg->paths; i++)
		srd_conn_path_stats(s->conn[0].side[0].conn, i, &s->path_end[i]);
}

static void dispatch(struct sim *s, const struct srd_sim_event *ev)
{
	struct sim_pkt *p = ev->ptr;
	struct sim_conn *c;
	unsigned side;

	switch (ev->type) {
	case SIM_EV_ARRIVE:
		sim_conn_arrive(&s->conn[p->conn], p);
		break;
	case SIM_EV_TIMER:
		c = conn_of(s, ev->arg, &side);
		sim_conn_timer(c, side, ev->at);
		break;
	case SIM_EV_TRAFFIC:
		c = conn_of(s, ev->arg, &side);
		sim_conn_traffic(c, side, ev->at);
		break;
	case SIM_EV_SCRIPT:
		srd_sim_net_apply(&s->net, &s->cfg->script[ev->arg], ev->at);
		break;
	case SIM_EV_WINDOW_END:
		srd_sim_net_window_end(&s->net, ev->at);
		snapshot(s);
		break;
	}
}

/* The fairness window opens half way from the last start to the window end. */
static uint64_t fair_from(const struct srd_sim_cfg *cfg, unsigned nconns)
{
	uint64_t last = 0;
	unsigned i;

	for (i = 0; i < nconns; i++)
		if (cfg->conn_start_ns[i] > last)
			last = cfg->conn_start_ns[i];
	if (last > cfg->duration_ns)
		last = cfg->duration_ns;
	return last + (cfg->duration_ns - last) / 2;
}

static int make_conns(struct sim *s)
{
	unsigned i;
	int rc;

	s->conn = calloc(s->nconns, sizeof(*s->conn));
	if (!s->conn)
		return -ENOMEM;
	for (i = 0; i < s->nconns; i++) {
		rc = sim_conn_init(s, &s->conn[i], i);
		if (rc)
			return rc;
	}
	return 0;
}

static int setup(struct sim *s, const struct srd_sim_cfg *cfg)
{
	unsigned i;
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->nconns = cfg->conns > 1 ? cfg->conns : 1;
	if (s->nconns > SRD_SIM_MAX_CONNS)
		return -EINVAL;
	s->meas_from = fair_from(cfg, s->nconns);
	s->pkt_cap = cfg->mtu - SRD_SIM_WIRE_OVERHEAD;
	srd_sim_events_init(&s->q);
	if (srd_sim_net_init(&s->net, cfg))
		return -ENOMEM;
	rc = make_conns(s);
	if (rc)
		return rc;
	if (!(s->rxbuf = malloc(SRD_CONN_MAX_FRAME)))
		return -ENOMEM;
	for (i = 0; i < cfg->nscript; i++)
		sim_push(s, cfg->script[i].at, SIM_EV_SCRIPT, i, NULL);
	sim_push(s, cfg->duration_ns, SIM_EV_WINDOW_END, 0, NULL);
	for (i = 0; i < s->nconns; i++) {
		sim_push(s, s->conn[i].start, SIM_EV_TRAFFIC, 2 * i, NULL);
		sim_push(s, s->conn[i].start, SIM_EV_TRAFFIC, 2 * i + 1, NULL);
	}
	return s->oom ? -ENOMEM : 0;
}

static void teardown(struct sim *s)
{
	struct srd_sim_event ev;
	struct sim_pkt *p;
	unsigned i;

	while (srd_sim_events_pop(&s->q, &ev))
		free(ev.ptr);
	srd_sim_events_fini(&s->q);
	while ((p = s->free_pkts)) {
		s->free_pkts = p->next;
		free(p);
	}
	for (i = 0; i < SIM_BATCH; i++)
		free(s->txp[i]);
	for (i = 0; s->conn && i < s->nconns; i++)
		sim_conn_fini(&s->conn[i]);
	free(s->conn);
	free(s->rxbuf);
	srd_sim_net_fini(&s->net);
}

/* Every connection settled. */
static bool settled(const struct sim *s)
{
	unsigned i;

	for (i = 0; i < s->nconns; i++)
		if (!sim_conn_settled(&s->conn[i]))
			return false;
	return true;
}

/* A record could not be kept: the run fails. */
static bool out_of_memory(const struct sim *s)
{
	unsigned i;

	for (i = 0; i < s->nconns; i++)
		if (s->conn[i].ck.oom)
			return true;
	return s->oom;
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
			sim_conn_fail(&s->conn[0],
				      "no progress: events keep firing at one instant", 0);
			free(ev.ptr);
			return false;
		}
		dispatch(s, &ev);
		if (ev.at >= s->cfg->duration_ns && settled(s))
			return true;
		if (out_of_memory(s))
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

/* Add c's engine counters to res; false if its reorder memory broke its bound. */
static bool engine_results(struct sim_conn *c, struct srd_sim_result *res)
{
	bool mem_ok = true;
	unsigned i;

	for (i = 0; i < 2; i++) {
		const struct srd_conn_stats *st = srd_conn_stats(c->side[i].conn);

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
			mem_ok = false;
	}
	return mem_ok;
}

/* Jain's fairness index over the connections' goodputs; 0 if none moved. */
static double jain(const struct srd_sim_result *res)
{
	double sum = 0, sq = 0;
	unsigned i;

	for (i = 0; i < res->conns; i++) {
		sum += res->conn[i].goodput_gbps;
		sq += res->conn[i].goodput_gbps * res->conn[i].goodput_gbps;
	}
	return sq > 0 ? sum * sum / (res->conns * sq) : 0;
}

/* c's engine counters into part; false if its reorder memory broke its bound. */
static bool conn_engines(struct sim *s, struct sim_conn *c, struct srd_sim_result *part)
{
	bool mem_ok;

	memset(part, 0, sizeof(*part));
	mem_ok = engine_results(c, part);
	if (part->giveups != c->giveup_events && !s->cfg->quiet)
		fprintf(stderr, "srd-sim: seed %llu%s: the engines counted %llu give-ups "
			"but reported %llu GIVE_UP events: events were dropped\n",
			(unsigned long long)s->cfg->seed, c->ck.label,
			(unsigned long long)part->giveups,
			(unsigned long long)c->giveup_events);
	if (!mem_ok)
		srd_sim_check_fail(&c->ck, sim_now(s),
				   "reorder buffer peak %llu bytes > bound %llu",
				   (unsigned long long)part->rob_peak_bytes,
				   (unsigned long long)part->rob_bound_bytes);
	return mem_ok;
}

/* Connection c's own numbers: counters are read before the books are merged. */
static void conn_result(struct sim *s, struct sim_conn *c, struct srd_sim_result *res)
{
	struct srd_sim_conn_result *r = &res->conn[c->idx];
	const struct srd_sim_tally *t = &c->ck.t;
	uint64_t end = s->cfg->duration_ns;
	struct srd_sim_result part;
	bool mem_ok = conn_engines(s, c, &part);

	r->invariants_ok = mem_ok && !c->engine_bad && srd_sim_check_ok(&c->ck);
	r->start_ns = c->start;
	if (end > s->meas_from)
		r->goodput_gbps = t->bytes_in_meas[0] * 8.0 / (double)(end - s->meas_from);
	if (end > c->start)
		r->run_gbps = t->bytes_in_window[0] * 8.0 / (double)(end - c->start);
	r->frames = t->frames;
	r->delivered = t->delivered;
	r->retransmits = part.retransmits;
	r->lost_pkts = part.lost_pkts;
	r->cwnd_end = c->cwnd_end;
	r->inflight_end = c->inflight_end;
	r->min_rtt_ns = c->min_rtt_end;
	r->srtt_ns = c->srtt_end;
}

/* Finish every book, keep each connection's numbers, merge them into conn 0's. */
static void books(struct sim *s, struct srd_sim_result *res)
{
	unsigned i;

	for (i = 0; i < s->nconns; i++) {
		srd_sim_check_finish(&s->conn[i].ck, sim_now(s));
		conn_result(s, &s->conn[i], res);
	}
	for (i = 1; i < s->nconns; i++)
		srd_sim_check_merge(&s->conn[0].ck, &s->conn[i].ck);
	s->conn[0].ck.oom |= s->oom;
	res->conns = s->nconns;
	res->fair_from_ns = s->meas_from;
	res->fairness_jain = jain(res);
}

/* Totals over every connection. */
static void totals(struct sim *s, struct srd_sim_result *res)
{
	unsigned i;

	res->mem_ok = true;
	res->engine_ok = true;
	res->engines_idle = true;
	for (i = 0; i < s->nconns; i++) {
		struct sim_conn *c = &s->conn[i];

		res->mem_ok &= engine_results(c, res);
		res->engine_ok &= !c->engine_bad;
		res->engines_idle &= srd_conn_idle(c->side[0].conn) &&
				     srd_conn_idle(c->side[1].conn);
		res->data_pkts += c->data_pkts;
		res->path_changes += c->path_changes;
	}
}

static void results(struct sim *s, struct srd_sim_result *res, bool drained)
{
	memset(res, 0, sizeof(*res));
	books(s, res);
	res->t = s->conn[0].ck.t;
	srd_sim_result_rates(res, s->cfg, &s->net);
	totals(s, res);
	res->cwnd_end = s->conn[0].cwnd_end;
	memcpy(res->path, s->path_end, sizeof(res->path));
	res->bh_dead_at = s->conn[0].bh_dead_at;
	res->end_ns = sim_now(s);
	res->events = s->q.popped;
	res->drained = drained;
	res->invariants_ok = srd_sim_check_ok(&s->conn[0].ck) && res->mem_ok &&
			     res->engine_ok;
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
		rc = s->conn[0].ck.oom ? -ENOMEM : 0;
	}
	teardown(s);
	free(s);
	return rc;
}
