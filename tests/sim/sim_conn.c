/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_conn.c: one connection of an SRD run, a pair of engines. See sim_int.h.
 *
 * After anything happens to an engine it is "serviced": frames it can deliver are
 * read and checked, its events polled, the traffic offered, its packets written
 * out until srd_conn_write() has nothing more, and its timer re-armed. Every
 * packet written is parsed (encap/srd_wire.h) so the book can follow DATA
 * packets by (lane, seq); that is how give-ups map to frames and how the stall
 * check knows a frame was fully accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encap/srd_wire.h"
#include "tests/sim/sim_int.h"

/* Event argument naming side of c. */
static uint32_t ev_arg(const struct sim_conn *c, unsigned side)
{
	return 2 * c->idx + side;
}

static uint64_t now_of(const struct sim_conn *c)
{
	return sim_now(c->s);
}

static bool traced(const struct sim_conn *c, uint16_t lane)
{
	int want = c->s->cfg->trace_lane;

	return lane == want || want == SRD_SIM_TRACE_ALL;
}

void sim_conn_fail(struct sim_conn *c, const char *what, int rc)
{
	c->engine_bad = true;
	srd_sim_check_fail(&c->ck, now_of(c), "engine: %s (%d)", what, rc);
}

static uint64_t engine_rand(void *user)
{
	return srd_sim_rand_next(user);
}

static int submit(void *ctx, unsigned dir, uint16_t lane, const uint8_t *buf,
		  size_t len, uint64_t now)
{
	struct sim_conn *c = ctx;
	struct srd_frame_in f = { .lane = lane, .vni = 0x5d, .data = buf, .len = len };
	struct srd_conn *conn = c->side[dir].conn;
	uint32_t first = srd_conn_lane_next_seq(conn, lane);
	int rc = srd_conn_send_frame(conn, &f, sim_eng(now));

	if (rc == -ENOBUFS)
		return rc;
	if (rc)
		sim_conn_fail(c, "srd_conn_send_frame refused a valid frame", rc);
	else
		srd_sim_check_queued(&c->ck, dir, lane, first,
				     srd_conn_lane_next_seq(conn, lane) - first, buf, len);
	return 0;
}

static void path_state(struct sim_conn *c, unsigned side, const struct srd_event *ev)
{
	const struct srd_sim_net *net = &c->s->net;
	uint64_t now = now_of(c);

	c->path_changes++;
	if (side == 0 && ev->to == SRD_PATH_DEAD && !c->bh_dead_at && net->bh.path >= 0 &&
	    ev->path % net->paths == (unsigned)net->bh.path && now >= net->bh.down_at)
		c->bh_dead_at = now;
}

static void on_event(struct sim_conn *c, unsigned side, const struct srd_event *ev)
{
	uint64_t now = now_of(c);

	if (ev->type != SRD_EV_PATH_STATE && traced(c, ev->lane))
		fprintf(stderr, "trace t=%.3fus%s %s at %c lane %u seq %u count %u\n",
			now / 1e3, c->ck.label,
			ev->type == SRD_EV_GIVE_UP ? "GIVE_UP" : "SKIPPED", 'A' + side,
			ev->lane, ev->seq, ev->count);
	switch (ev->type) {
	case SRD_EV_GIVE_UP:
		c->giveup_events++;
		srd_sim_check_give_up(&c->ck, side, ev->lane, ev->seq, now);
		break;
	case SRD_EV_SKIPPED:
		srd_sim_check_skipped(&c->ck, 1 - side, ev->lane, ev->seq, ev->count);
		break;
	case SRD_EV_PATH_STATE:
		path_state(c, side, ev);
		break;
	}
}

/* Read what side's engine delivers (frames of the other direction). */
static void drain(struct sim_conn *c, unsigned side)
{
	struct srd_conn *e = c->side[side].conn;
	uint8_t *buf = c->s->rxbuf;
	struct srd_frame_out fo;
	struct srd_event ev;
	unsigned dir = 1 - side;
	uint32_t id;
	int rc;

	while ((rc = srd_conn_read_frame(e, &fo, buf, SRD_CONN_MAX_FRAME)) == 1) {
		id = srd_sim_check_deliver_bytes(&c->ck, dir, fo.lane, buf, fo.len,
						 now_of(c));
		if (traced(c, fo.lane))
			fprintf(stderr, "trace t=%.3fus%s deliver dir %u lane %u frame %u\n",
				now_of(c) / 1e3, c->ck.label, dir, fo.lane, id);
		if (id != SRD_SIM_NO_FRAME)
			srd_sim_traffic_delivered(&c->tr, dir, fo.lane, id, now_of(c));
	}
	if (rc < 0)
		sim_conn_fail(c, "srd_conn_read_frame", rc);
	while (srd_conn_poll_event(e, &ev) == 1)
		on_event(c, side, &ev);
}

/* Parse what the engine wrote and tell the book about DATA. */
static bool observe(struct sim_conn *c, struct sim_pkt *p)
{
	struct srd_packet sp;
	int rc = srd_wire_parse(p->buf, p->len, p->pn, &sp);

	if (rc) {
		sim_conn_fail(c, "srd_conn_write produced a packet that does not parse",
			      rc);
		return false;
	}
	p->data = sp.has_data;
	if (!p->data)
		return true;
	p->lane = sp.data.lane;
	p->seq = sp.data.seq;
	p->first = srd_sim_check_tx(&c->ck, p->dir, p->lane, p->seq, sp.data.flags,
				    sp.data.frame, sp.data.frame_len, now_of(c));
	c->data_pkts += p->first;
	return true;
}

/* --trace-lane: one line per DATA packet event of that lane, on stderr. */
static void trace(const struct sim_conn *c, const struct sim_pkt *p, const char *what,
		  int rc)
{
	if (!p->data || !traced(c, p->lane))
		return;
	fprintf(stderr,
		"trace t=%.3fus%s %s dir %u path %u pn %llu lane %u seq %u%s rc %d\n",
		now_of(c) / 1e3, c->ck.label, what, p->dir, p->path,
		(unsigned long long)p->pn, p->lane, p->seq, p->first ? " first" : "", rc);
}

static void lost(struct sim_conn *c, struct sim_pkt *p)
{
	trace(c, p, "lost", 0);
	if (p->data && p->first)
		srd_sim_check_orig_lost(&c->ck, p->dir, p->lane, p->seq);
	sim_pkt_put(c->s, p);
}

/* Put a packet written by side on its link. */
static void transmit(struct sim_conn *c, unsigned side, struct sim_pkt *p,
		     const struct srd_tx_pkt *tx)
{
	struct sim *s = c->s;
	struct sim_pkt *dup;
	uint64_t at[2];
	unsigned n;

	p->pn = tx->pn;
	p->len = (uint32_t)tx->len;
	p->conn = (uint8_t)c->idx;
	p->dir = (uint8_t)side;
	p->path = (uint16_t)(tx->path % s->net.paths);
	if (!observe(c, p)) {
		sim_pkt_put(s, p);
		return;
	}
	p->epoch = s->net.link[side][p->path].epoch;
	trace(c, p, "send", 0);
	n = srd_sim_net_send(&s->net, side, p->path, p->len + SRD_SIM_WIRE_OVERHEAD,
			     p->data, now_of(c), at);
	if (!n) {
		lost(c, p);
		return;
	}
	if (n == 2 && (dup = sim_pkt_get(s))) {
		memcpy(dup, p, sizeof(*p) + p->len);
		dup->first = false;
		sim_push(s, at[1], SIM_EV_ARRIVE, 0, dup);
	}
	sim_push(s, at[0], SIM_EV_ARRIVE, 0, p);
}

/* Write out everything side's engine has to send now. */
static void flush(struct sim_conn *c, unsigned side)
{
	struct sim *s = c->s;
	struct srd_tx_pkt tx[SIM_BATCH];
	unsigned i, n;

	do {
		for (i = 0; i < SIM_BATCH; i++) {
			if (!s->txp[i] && !(s->txp[i] = sim_pkt_get(s))) {
				s->oom = true;
				return;
			}
			tx[i] = (struct srd_tx_pkt){ .buf = s->txp[i]->buf,
						     .cap = s->pkt_cap };
		}
		n = srd_conn_write(c->side[side].conn, tx, SIM_BATCH, sim_eng(now_of(c)));
		for (i = 0; i < n; i++) {
			transmit(c, side, s->txp[i], &tx[i]);
			s->txp[i] = NULL;
		}
	} while (n == SIM_BATCH);
}

static void arm(struct sim_conn *c, unsigned side)
{
	struct sim_side *sd = &c->side[side];
	uint64_t exp = srd_conn_next_expiry(sd->conn);
	uint64_t t;

	if (exp == SRD_NEVER)
		return;
	t = exp > SIM_ENGINE_T0 ? exp - SIM_ENGINE_T0 : 0;
	if (t < now_of(c))
		t = now_of(c);
	if (t < sd->timer_at) {
		sim_push(c->s, t, SIM_EV_TIMER, ev_arg(c, side), NULL);
		sd->timer_at = t;
	}
}

static void pump(struct sim_conn *c, unsigned side)
{
	struct sim_side *sd = &c->side[side];
	uint64_t due;

	if (now_of(c) < c->start)
		return;   /* not started yet: its start event pumps */
	due = srd_sim_traffic_pump(&c->tr, side, now_of(c));
	if (due != UINT64_MAX && due < sd->traffic_at) {
		sim_push(c->s, due, SIM_EV_TRAFFIC, ev_arg(c, side), NULL);
		sd->traffic_at = due;
	}
}

void sim_conn_service(struct sim_conn *c, unsigned side)
{
	drain(c, side);
	pump(c, side);
	flush(c, side);
	drain(c, side);  /* writing may have fired events (give-ups) */
	arm(c, side);
}

/* Receiver-side drop counters: a DATA packet raised none of them if accepted. */
static uint64_t refusals(const struct srd_conn *e)
{
	const struct srd_conn_stats *st = srd_conn_stats(e);

	return st->dup_pkts + st->too_old_pkts + st->rob_full_drops + st->replays +
	       st->malformed;
}

void sim_conn_arrive(struct sim_conn *c, struct sim_pkt *p)
{
	struct srd_sim_link *l = &c->s->net.link[p->dir][p->path];
	unsigned side = 1 - p->dir;
	struct srd_conn *e = c->side[side].conn;
	uint64_t before = refusals(e);
	int rc;

	if (!srd_sim_link_alive(l, p->epoch)) {
		l->stats.drop_down++;
		lost(c, p);
		return;
	}
	l->stats.rx_pkts++;
	rc = srd_conn_recv(e, p->pn, p->buf, p->len, sim_eng(now_of(c)));
	if (rc && rc != -EALREADY && rc != -ESTALE)
		sim_conn_fail(c, "srd_conn_recv refused a well-formed packet", rc);
	trace(c, p, refusals(e) == before ? "recv" : "refused", rc);
	if (p->data)
		srd_sim_check_rx(&c->ck, p->dir, p->lane, p->seq,
				 !rc && refusals(e) == before, now_of(c));
	sim_conn_service(c, side);
	if (p->data)
		srd_sim_check_stall(&c->ck, p->dir, p->lane, now_of(c));
	sim_pkt_put(c->s, p);
}

void sim_conn_timer(struct sim_conn *c, unsigned side, uint64_t at)
{
	struct sim_side *sd = &c->side[side];

	if (at == sd->timer_at)
		sd->timer_at = UINT64_MAX;
	if (srd_conn_next_expiry(sd->conn) <= sim_eng(now_of(c)))
		srd_conn_handle_expiry(sd->conn, sim_eng(now_of(c)));
	sim_conn_service(c, side);
}

void sim_conn_traffic(struct sim_conn *c, unsigned side, uint64_t at)
{
	if (at == c->side[side].traffic_at)
		c->side[side].traffic_at = UINT64_MAX;
	sim_conn_service(c, side);
}

void sim_conn_snapshot(struct sim_conn *c)
{
	const struct srd_conn_stats *st = srd_conn_stats(c->side[0].conn);
	uint64_t srtt = 0, min = 0;
	struct srd_path_stats ps;
	unsigned i, n = 0;

	c->cwnd_end = st->cwnd;
	c->inflight_end = st->inflight;
	for (i = 0; i < c->s->cfg->paths; i++) {
		srd_conn_path_stats(c->side[0].conn, i, &ps);
		if (!ps.min_rtt_ns)
			continue;   /* no sample yet */
		n++;
		srtt += ps.srtt_ns;
		min += ps.min_rtt_ns;
	}
	c->min_rtt_end = n ? min / n : 0;
	c->srtt_end = n ? srtt / n : 0;
}

bool sim_conn_settled(const struct sim_conn *c)
{
	return !c->ck.unresolved && !srd_sim_traffic_pending(&c->tr) &&
	       !srd_conn_stats(c->side[0].conn)->inflight &&
	       !srd_conn_stats(c->side[1].conn)->inflight;
}

static int make_engines(struct sim_conn *c)
{
	const struct srd_sim_cfg *cfg = c->s->cfg;
	struct srd_conn_cfg ec = cfg->engine;
	unsigned i;

	ec.npaths = (uint16_t)cfg->paths;
	ec.lanes = (uint16_t)cfg->traffic.lanes;
	ec.max_payload = cfg->mtu - SRD_SIM_WIRE_OVERHEAD;
	ec.rand = engine_rand;
	for (i = 0; i < 2; i++) {
		struct sim_side *sd = &c->side[i];
		unsigned k = 2 * c->idx + i;

		srd_sim_rand_init(&sd->rand, cfg->seed, 0x1000 + k);
		ec.rand_user = &sd->rand;
		sd->conn = srd_conn_new(&ec, (uint64_t)(k + 1) << 40, sim_eng(c->start));
		if (!sd->conn)
			return -EINVAL;
		sd->timer_at = sd->traffic_at = UINT64_MAX;
	}
	return 0;
}

int sim_conn_init(struct sim *s, struct sim_conn *c, unsigned idx)
{
	const struct srd_sim_cfg *cfg = s->cfg;
	struct srd_sim_traffic_cfg tc;
	int rc;

	c->s = s;
	c->idx = idx;
	c->start = cfg->conn_start_ns[idx];
	srd_sim_traffic_setup(cfg, &tc);
	tc.seed ^= (uint64_t)idx << 48;   /* each connection its own frames */
	if (srd_sim_check_init(&c->ck, tc.lanes, cfg->seed, cfg->duration_ns))
		return -ENOMEM;
	c->ck.quiet = cfg->quiet;
	c->ck.meas_from = s->meas_from;
	c->ck.printed_by = &s->printed;
	if (s->nconns > 1)
		snprintf(c->ck.label, sizeof(c->ck.label), " conn %u", idx);
	rc = make_engines(c);
	if (rc)
		return rc;
	if (srd_sim_traffic_init(&c->tr, &tc, &c->ck, submit, c))
		return -ENOMEM;
	c->tr.stop_on_full = true;
	return 0;
}

void sim_conn_fini(struct sim_conn *c)
{
	unsigned i;

	if (!c->s)
		return;
	for (i = 0; i < 2; i++)
		srd_conn_free(c->side[i].conn);
	srd_sim_traffic_fini(&c->tr);
	srd_sim_check_fini(&c->ck);
}
