/* SPDX-License-Identifier: Apache-2.0 */
/*
 * path.c: per-path RTT estimation, path states and the choice of path per packet.
 *
 * States (enum srd_path_state): ACTIVE carries traffic; one loss makes it SUSPECT
 * (still used, at a quarter of its share); cfg.dead_after consecutive losses make it
 * DEAD (not used). A DEAD path is re-probed every probe interval (doubling up to 64
 * intervals while probes keep failing): PROBING while a PROBE is out; an ACK for any
 * packet sent on a path makes it ACTIVE again.
 *
 * Choice: "power of two choices" — draw two usable paths at random and take the one
 * whose queue would drain first, (in_flight + 1) * srtt, so slow or congested paths
 * get fewer packets without any central schedule. A SUSPECT path with nothing in
 * flight would starve: its penalty keeps it out of most choices, and only an ACK of
 * a packet sent on it makes it ACTIVE again. So each choice first looks at one path,
 * in turn, and an idle SUSPECT one takes the packet: within npaths choices it is
 * proven healthy (ACTIVE) or lossy (its losses count on towards DEAD).
 */
#include <string.h>

#include "encap/conn_int.h"

#define CHOICE_DRAWS 8u       /* random draws before falling back to a scan */
#define SUSPECT_PENALTY 4u    /* a suspect path looks this much slower */
#define BACKOFF_MAX 64u       /* re-probe interval grows to this many intervals */
#define REO_MULT_MAX 16u      /* reordering window at most 4 min_rtt */
#define REO_DECAY 256u        /* clean acks that shrink it one step */

void path_init(struct path *p, uint64_t initial_rtt)
{
	memset(p, 0, sizeof(*p));
	p->state = SRD_PATH_ACTIVE;
	p->head = p->tail = NIL;
	p->min_rtt = UINT64_MAX;
	p->cc_min_rtt = UINT64_MAX;
	p->reo_mult = 1;
	p->latest_rtt = initial_rtt;
}

uint64_t path_srtt(const struct srd_conn *c, unsigned i)
{
	return c->paths[i].srtt ? c->paths[i].srtt : c->cfg.initial_rtt_ns;
}

/* RFC 6298 / RFC 9002 smoothing; ack_delay is removed when that stays above min. */
void path_rtt_sample(struct path *p, uint64_t rtt, uint64_t ack_delay)
{
	uint64_t adj = rtt, diff;

	if (rtt < p->min_rtt)
		p->min_rtt = rtt;
	if (rtt >= p->min_rtt + ack_delay)
		adj = rtt - ack_delay;
	p->latest_rtt = adj;
	if (!p->srtt) {
		p->srtt = adj;
		p->rttvar = adj / 2;
		return;
	}
	diff = p->srtt > adj ? p->srtt - adj : adj - p->srtt;
	p->rttvar = (3 * p->rttvar + diff) / 4;
	p->srtt = (7 * p->srtt + adj) / 8;
}

/* How long a packet on path i may stay unacknowledged, while later packets on other
 * paths are acknowledged, before it is declared lost. */
uint64_t path_loss_threshold(const struct srd_conn *c, unsigned i)
{
	const struct path *p = &c->paths[i];
	uint64_t srtt = path_srtt(c, i);

	return srtt + srtt / 8 + 4 * p->rttvar + c->cfg.ack_delay_ns + path_reorder_extra(p);
}

/* Reordering tolerated beyond the RTT: min_rtt / 4 per step, one more step for every
 * loss the path proved spurious, one less after REO_DECAY clean acks (RFC 8985 6.2). */
uint64_t path_reorder_extra(const struct path *p)
{
	uint64_t min = p->min_rtt == UINT64_MAX ? p->latest_rtt : p->min_rtt;

	return min / 4 * p->reo_mult;
}

void path_on_spurious(struct path *p)
{
	if (p->reo_mult < REO_MULT_MAX)
		p->reo_mult++;
	p->reo_acks = 0;
}

static void reorder_decay(struct path *p)
{
	if (p->reo_mult > 1 && ++p->reo_acks >= REO_DECAY) {
		p->reo_mult--;
		p->reo_acks = 0;
	}
}

static bool usable(enum srd_path_state s)
{
	return s == SRD_PATH_ACTIVE || s == SRD_PATH_SUSPECT;
}

static void set_state(struct srd_conn *c, unsigned i, enum srd_path_state to,
		      uint64_t now)
{
	struct path *p = &c->paths[i];
	struct srd_event ev = {
		.type = SRD_EV_PATH_STATE, .path = (uint16_t)i, .from = p->state,
		.to = to, .now = now,
	};

	if (p->state == to)
		return;
	c->usable_paths += usable(to) - usable(p->state);
	p->state = to;
	conn_event(c, &ev);
}

void path_on_ack(struct srd_conn *c, unsigned i, uint64_t now)
{
	struct path *p = &c->paths[i];

	reorder_decay(p);
	p->losses = 0;
	p->probe_out = false;
	p->probe_backoff = 0;
	set_state(c, i, SRD_PATH_ACTIVE, now);
}

void path_on_loss(struct srd_conn *c, unsigned i, uint64_t now)
{
	struct path *p = &c->paths[i];
	uint64_t max = c->cfg.probe_interval_ns > SRD_NEVER / BACKOFF_MAX ? SRD_NEVER :
		       BACKOFF_MAX * c->cfg.probe_interval_ns;

	p->losses++;
	if (p->state == SRD_PATH_ACTIVE)
		set_state(c, i, SRD_PATH_SUSPECT, now);
	if (p->state == SRD_PATH_PROBING || (p->state == SRD_PATH_SUSPECT &&
					     p->losses >= c->cfg.dead_after)) {
		p->probe_backoff = p->probe_backoff ? sat_add(p->probe_backoff,
							      p->probe_backoff)
						    : c->cfg.probe_interval_ns;
		if (p->probe_backoff > max)
			p->probe_backoff = max;
		p->revive_at = sat_add(now, p->probe_backoff);
		p->probe_out = false;
		set_state(c, i, SRD_PATH_DEAD, now);
	}
}

/* Move DEAD paths whose re-probe time came to PROBING (the sender probes them). */
void path_tick(struct srd_conn *c, uint64_t now)
{
	unsigned i;

	for (i = 0; i < c->cfg.npaths; i++)
		if (c->paths[i].state == SRD_PATH_DEAD && c->paths[i].revive_at <= now)
			set_state(c, i, SRD_PATH_PROBING, now);
}

uint64_t path_next_probe(const struct srd_conn *c)
{
	uint64_t t = SRD_NEVER;
	unsigned i;

	if (c->usable_paths == c->cfg.npaths)
		return SRD_NEVER;   /* no path is DEAD: the common case, no scan */
	for (i = 0; i < c->cfg.npaths; i++)
		if (c->paths[i].state == SRD_PATH_DEAD && c->paths[i].revive_at < t)
			t = c->paths[i].revive_at;
	return t;
}

static uint64_t conn_rand(struct srd_conn *c)
{
	uint64_t z;

	if (c->cfg.rand)
		return c->cfg.rand(c->cfg.rand_user);
	z = (c->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t path_cap(const struct srd_conn *c)
{
	uint32_t n = c->usable_paths ? c->usable_paths : 1;
	uint32_t cap = (uint32_t)(2 * c->cc.cwnd / n) + 2;

	if (c->cfg.path_cap)
		return c->cfg.path_cap;
	return cap < 8 ? 8 : cap;
}

static bool eligible(const struct srd_conn *c, unsigned i, int avoid, uint32_t cap)
{
	const struct path *p = &c->paths[i];

	return (int)i != avoid && usable(p->state) && p->inflight < cap;
}

static uint64_t cost(const struct srd_conn *c, unsigned i)
{
	uint64_t v = (uint64_t)(c->paths[i].inflight + 1) * path_srtt(c, i);

	return c->paths[i].state == SRD_PATH_SUSPECT ? v * SUSPECT_PENALTY : v;
}

static int scan_best(const struct srd_conn *c, int avoid, uint32_t cap)
{
	int best = -1;
	unsigned i;

	for (i = 0; i < c->cfg.npaths; i++)
		if (eligible(c, i, avoid, cap) &&
		    (best < 0 || cost(c, i) < cost(c, (unsigned)best)))
			best = (int)i;
	return best;
}

/* The path whose turn it is, if it is SUSPECT and idle (see the top); -1 if not. */
static int idle_suspect(struct srd_conn *c, int avoid, uint32_t cap)
{
	unsigned i = c->explore_next++ % c->cfg.npaths;

	if (c->paths[i].state == SRD_PATH_SUSPECT && !c->paths[i].inflight &&
	    eligible(c, i, avoid, cap))
		return (int)i;
	return -1;
}

/* A path for the next packet, not `avoid` (-1: any); -1 if none may take one. */
int path_choose(struct srd_conn *c, int avoid)
{
	uint32_t cap = path_cap(c);
	int pick[2] = { -1, idle_suspect(c, avoid, cap) };
	unsigned draws, got = 0;

	if (pick[1] >= 0)
		return pick[1];
	pick[1] = -1;

	for (draws = 0; draws < CHOICE_DRAWS && got < 2; draws++) {
		unsigned i = (unsigned)(conn_rand(c) % c->cfg.npaths);

		if (eligible(c, i, avoid, cap) && (got == 0 || (int)i != pick[0]))
			pick[got++] = (int)i;
	}
	if (got == 0)
		return scan_best(c, avoid, cap);
	if (got == 1 || cost(c, (unsigned)pick[0]) <= cost(c, (unsigned)pick[1]))
		return pick[0];
	return pick[1];
}
