/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cc.c: congestion control, one window per connection, Swift-style.
 *
 * The signal is queuing delay: the smoothed RTT of packets that came back on their own
 * path index (conn_ack.c) minus the lowest such RTT, so per-packet jitter averages
 * out and another path's reverse delay never counts. Below
 * cfg.target_delay_ns the window grows (doubling per RTT in slow start, then one
 * packet per RTT); above it, the window shrinks in proportion to the excess, at most
 * once per RTT and at most by half. A loss halves the window, at most once per RTT,
 * when the path's delay also shows a queue (congestion: the queue overflowed); a loss
 * without queuing is a lossy link, which path states and spraying route around, and
 * leaves the window alone.
 *
 * Fairness needs every connection to measure queuing against the true base RTT. One
 * that starts while a queue stands would take base + queue for the base, see less
 * delay than the others and crowd them out; so every DRAIN_EVERY_RTTS round trips a
 * connection sends only a quarter of its window for DRAIN_RTTS round trips (BBR's
 * ProbeRTT, shortened), letting the queue drain so the minimum is re-measured. And,
 * as Swift does ("flow scaling"), a connection with a small window tolerates more
 * delay: its target grows by up to another target as 1/sqrt(cwnd) grows, so a starved
 * connection keeps growing while big ones back off. Per-path caps in
 * path.c keep one path from taking the whole window. Optional pacing spreads the
 * window over the smoothed RTT.
 */
#include <math.h>
#include <string.h>

#include "encap/conn_int.h"

#define DECREASE_GAIN 0.8        /* Swift's beta */
#define MAX_DECREASE 0.5         /* never shrink more than this per RTT */
#define DRAIN_EVERY_RTTS 256u    /* a base-RTT probe every this many RTTs ... */
#define DRAIN_EVERY_MIN 1000000u /* ... and at least 1 ms apart */
#define DRAIN_RTTS 2u            /* it lasts this many RTTs */
#define DRAIN_SHARE 4u           /* sending 1/DRAIN_SHARE of the window */
#define FS_MAX_WINDOW 512.0      /* flow scaling adds nothing from this window up */

void cc_init(struct cc *cc, const struct srd_conn_cfg *cfg)
{
	memset(cc, 0, sizeof(*cc));
	cc->cwnd = cfg->cwnd_init;
	cc->slow_start = true;
}

static void clamp(struct srd_conn *c)
{
	if (c->cc.cwnd < c->cfg.cwnd_min)
		c->cc.cwnd = c->cfg.cwnd_min;
	if (c->cc.cwnd > c->cfg.cwnd_max)
		c->cc.cwnd = c->cfg.cwnd_max;
	c->st.cwnd = (uint32_t)c->cc.cwnd;
}

static bool may_decrease(const struct srd_conn *c, unsigned path, uint64_t now)
{
	return now - c->cc.last_decrease >= path_srtt(c, path);
}

static void decrease(struct srd_conn *c, double factor, uint64_t now)
{
	if (factor < MAX_DECREASE)
		factor = MAX_DECREASE;
	c->cc.cwnd *= factor;
	c->cc.slow_start = false;
	c->cc.last_decrease = now;
	clamp(c);
}

static uint64_t queuing_delay(const struct path *p, uint64_t rtt)
{
	return p->cc_min_rtt != UINT64_MAX && rtt > p->cc_min_rtt ? rtt - p->cc_min_rtt : 0;
}

static uint64_t conn_rtt(const struct srd_conn *c)
{
	return c->srtt_any ? c->srtt_any : c->cfg.initial_rtt_ns;
}

/* Start or end a base-RTT probe (see the top of this file). */
static void drain_tick(struct srd_conn *c, uint64_t now)
{
	struct cc *cc = &c->cc;
	uint64_t every = DRAIN_EVERY_RTTS * conn_rtt(c);

	if (every < DRAIN_EVERY_MIN)
		every = DRAIN_EVERY_MIN;
	if (!cc->drain_next)
		cc->drain_next = now + every;
	if (cc->draining && now >= cc->drain_end) {
		cc->draining = false;
		cc->drain_next = now + every;
	} else if (!cc->draining && now >= cc->drain_next) {
		cc->draining = true;
		cc->drain_end = now + DRAIN_RTTS * conn_rtt(c);
	}
}

/* The window in force: a quarter of it while probing the base RTT. */
uint32_t cc_window(const struct srd_conn *c)
{
	double w = c->cc.draining ? c->cc.cwnd / DRAIN_SHARE : c->cc.cwnd;

	return w < c->cfg.cwnd_min ? c->cfg.cwnd_min : (uint32_t)w;
}

/* The delay target for the current window: cfg.target_delay_ns plus flow scaling. */
uint64_t cc_target_delay(const struct srd_conn *c)
{
	double lo = 1.0 / sqrt(FS_MAX_WINDOW), hi = 1.0 / sqrt((double)c->cfg.cwnd_min);
	double x;

	if (c->cfg.cwnd_min >= FS_MAX_WINDOW)
		return c->cfg.target_delay_ns;   /* no small windows to favour */
	x = (1.0 / sqrt(c->cc.cwnd) - lo) / (hi - lo);
	if (x < 0)
		x = 0;
	if (x > 1)
		x = 1;
	return c->cfg.target_delay_ns + (uint64_t)(x * (double)c->cfg.target_delay_ns);
}

void cc_on_ack(struct srd_conn *c, unsigned path, uint64_t rtt, uint64_t now)
{
	uint64_t delay = queuing_delay(&c->paths[path], rtt);
	uint64_t target = cc_target_delay(c);

	drain_tick(c, now);
	if (delay <= target) {
		c->cc.cwnd += c->cc.slow_start ? 1.0 : 1.0 / c->cc.cwnd;
		clamp(c);
	} else if (may_decrease(c, path, now)) {
		decrease(c, 1.0 - DECREASE_GAIN * (double)(delay - target) / (double)delay,
			 now);
	}
}

void cc_on_loss(struct srd_conn *c, unsigned path, uint64_t now)
{
	const struct path *p = &c->paths[path];

	if (!may_decrease(c, path, now))
		return;
	if (queuing_delay(p, p->cc_srtt) > cc_target_delay(c))
		decrease(c, MAX_DECREASE, now);
}

bool cc_can_send(const struct srd_conn *c, uint64_t now)
{
	if (c->inflight >= cc_window(c))
		return false;
	return !c->cfg.pacing || now >= c->cc.next_send;
}

void cc_on_send(struct srd_conn *c, uint64_t now)
{
	uint64_t gap;

	if (!c->cfg.pacing)
		return;
	gap = (uint64_t)((double)(c->srtt_any ? c->srtt_any : c->cfg.initial_rtt_ns) /
			 c->cc.cwnd);
	c->cc.next_send = (c->cc.next_send > now ? c->cc.next_send : now) + gap;
}
