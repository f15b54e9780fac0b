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
 * leaves the window alone. Per-path caps in
 * path.c keep one path from taking the whole window. Optional pacing spreads the
 * window over the smoothed RTT.
 */
#include <string.h>

#include "encap/conn_int.h"

#define DECREASE_GAIN 0.8        /* Swift's beta */
#define MAX_DECREASE 0.5         /* never shrink more than this per RTT */

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

void cc_on_ack(struct srd_conn *c, unsigned path, uint64_t rtt, uint64_t now)
{
	uint64_t delay = queuing_delay(&c->paths[path], rtt);
	uint64_t target = c->cfg.target_delay_ns;

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
	if (queuing_delay(p, p->cc_srtt) > c->cfg.target_delay_ns)
		decrease(c, MAX_DECREASE, now);
}

bool cc_can_send(const struct srd_conn *c, uint64_t now)
{
	if (c->inflight >= (uint32_t)c->cc.cwnd)
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
