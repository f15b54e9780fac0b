/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_link.c: one simulated one-way link. See sim_link.h.
 *
 * The queue is kept as a single number, busy_until: a FIFO at a constant rate holds
 * exactly (busy_until - now) * rate bytes, so no per-packet queue is needed. Loss
 * is decided after serialisation (a lost packet used the link), the way a bad
 * cable or a dropping switch downstream behaves.
 */
#include <string.h>

#include "tests/sim/sim_link.h"

#define NS_PER_S 1000000000ull

void srd_sim_link_init(struct srd_sim_link *l, const struct srd_sim_link_cfg *cfg,
		       uint64_t seed, uint64_t stream)
{
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	l->mask = cfg->loss_mask;
	l->up = true;
	srd_sim_rand_init(&l->rand, seed, stream);
}

static uint64_t tx_time(const struct srd_sim_link *l, size_t len)
{
	uint64_t rate = l->cfg.rate_bps;

	return ((uint64_t)len * 8 * NS_PER_S + rate / 2) / rate;
}

uint64_t srd_sim_link_backlog(const struct srd_sim_link *l, uint64_t now)
{
	if (l->busy_until <= now)
		return 0;
	return (l->busy_until - now) * l->cfg.rate_bps / (8 * NS_PER_S);
}

/* picoquic's rotating mask: bit 0 decides this packet, then rotates to bit 63. */
static bool mask_drop(struct srd_sim_link *l)
{
	uint64_t bit = l->mask & 1;

	l->mask = (l->mask >> 1) | (bit << 63);
	return bit;
}

/* Gilbert-Elliott with loss 1 in the bad state and 0 in the good one. */
static bool burst_drop(struct srd_sim_link *l)
{
	if (l->burst_bad)
		l->burst_bad = !srd_sim_rand_chance(&l->rand, l->cfg.burst_leave);
	else
		l->burst_bad = srd_sim_rand_chance(&l->rand, l->cfg.burst_enter);
	return l->burst_bad;
}

static bool lost(struct srd_sim_link *l)
{
	bool drop = mask_drop(l);

	drop |= burst_drop(l);
	drop |= srd_sim_rand_chance(&l->rand, l->cfg.loss);
	return drop;
}

static uint64_t arrival(struct srd_sim_link *l)
{
	uint64_t at = l->busy_until + l->cfg.delay_ns;

	if (l->cfg.jitter_ns)
		at += srd_sim_rand_range(&l->rand, 0, l->cfg.jitter_ns);
	if (at < l->last_arrival)
		at = l->last_arrival;
	l->last_arrival = at;
	return at;
}

unsigned srd_sim_link_send(struct srd_sim_link *l, uint64_t now, size_t len,
			   uint64_t at[2])
{
	uint64_t backlog = srd_sim_link_backlog(l, now);

	l->stats.offered_pkts++;
	if (!l->up) {
		l->stats.drop_down++;
		return 0;
	}
	if (l->cfg.queue_bytes && backlog + len > l->cfg.queue_bytes) {
		l->stats.drop_queue++;
		return 0;
	}
	if (backlog + len > l->stats.queue_peak)
		l->stats.queue_peak = backlog + len;
	l->busy_until = (l->busy_until > now ? l->busy_until : now) + tx_time(l, len);
	l->stats.tx_bytes += len;
	if (lost(l)) {
		l->stats.drop_loss++;
		return 0;
	}
	at[0] = arrival(l);
	if (!srd_sim_rand_chance(&l->rand, l->cfg.dup))
		return 1;
	l->stats.dups++;
	at[1] = at[0];
	return 2;
}

static void account(struct srd_sim_link *l, uint64_t now)
{
	if (now <= l->cap_at)
		return;
	if (l->up)
		l->cap_bits += (double)l->cfg.rate_bps * (double)(now - l->cap_at) / NS_PER_S;
	l->cap_at = now;
}

double srd_sim_link_capacity(struct srd_sim_link *l, uint64_t now)
{
	account(l, now);
	return l->cap_bits;
}

void srd_sim_link_set_up(struct srd_sim_link *l, uint64_t now, bool up)
{
	account(l, now);
	if (l->up && !up) {
		l->epoch++;
		l->busy_until = now;
	}
	l->up = up;
}

void srd_sim_link_set_rate(struct srd_sim_link *l, uint64_t now, uint64_t rate_bps)
{
	account(l, now);
	if (rate_bps)
		l->cfg.rate_bps = rate_bps;
}
