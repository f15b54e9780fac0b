/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_traffic.c: bulk and request/response frame generators. See sim_traffic.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim_rand.h"
#include "tests/sim/sim_traffic.h"

#define NS_PER_S 1e9
#define RR_MIN 64u

/* One lane of one direction. */
struct srd_sim_gen {
	struct srd_sim_rand rand; /* sizes and phase */
	uint32_t pending;         /* frame offered but not accepted, or NO_FRAME */
	uint64_t due;             /* bulk: the next frame may be made then */
	uint64_t req_born;        /* rr, A side: when the request out was made */
	bool bulk;                /* bulk lane (else request/response) */
	bool waiting;             /* rr, A side: a request is out */
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t bulk_size(struct srd_sim_traffic *t, struct srd_sim_gen *g)
{
	uint32_t lo = t->cfg.min_frame, hi = t->cfg.max_frame;

	switch (srd_sim_rand_next(&g->rand) % 3) {
	case 0:
		hi = min_u32(hi, 256 > lo ? 256 : lo);
		break;
	case 1:
		hi = min_u32(hi, 1500 > lo ? 1500 : lo);
		break;
	}
	return (uint32_t)srd_sim_rand_range(&g->rand, lo, hi);
}

static bool bulk_lane(const struct srd_sim_traffic_cfg *cfg, unsigned lane)
{
	if (cfg->mode == SRD_SIM_MIXED)
		return lane < (cfg->lanes + 1) / 2;
	return cfg->mode == SRD_SIM_BULK;
}

static uint64_t interval(const struct srd_sim_traffic *t, uint32_t len)
{
	return (uint64_t)(len * 8 * NS_PER_S / t->cfg.lane_rate_bps);
}

int srd_sim_traffic_init(struct srd_sim_traffic *t, const struct srd_sim_traffic_cfg *cfg,
			 struct srd_sim_check *ck, srd_sim_submit_fn submit, void *ctx)
{
	uint32_t max = cfg->max_frame > cfg->resp_max ? cfg->max_frame : cfg->resp_max;
	unsigned d, i;

	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	t->ck = ck;
	t->submit = submit;
	t->ctx = ctx;
	t->buf = calloc(1, max > cfg->req_max ? max : cfg->req_max);
	t->g[0] = calloc(cfg->lanes, sizeof(*t->g[0]));
	t->g[1] = calloc(cfg->lanes, sizeof(*t->g[1]));
	if (!t->buf || !t->g[0] || !t->g[1])
		return -ENOMEM;
	for (d = 0; d < 2; d++) {
		for (i = 0; i < cfg->lanes; i++) {
			struct srd_sim_gen *g = &t->g[d][i];

			srd_sim_rand_init(&g->rand, cfg->seed, 0x10000u * (d + 1) + i);
			g->pending = SRD_SIM_NO_FRAME;
			g->bulk = bulk_lane(cfg, i);
			if (g->bulk && cfg->lane_rate_bps > 0)
				g->due = srd_sim_rand_range(&g->rand, 0, interval(t, 1500));
		}
	}
	return 0;
}

void srd_sim_traffic_fini(struct srd_sim_traffic *t)
{
	free(t->buf);
	free(t->g[0]);
	free(t->g[1]);
	memset(t, 0, sizeof(*t));
}

static void new_frame(struct srd_sim_traffic *t, unsigned dir, uint16_t lane,
		      uint32_t len, uint64_t now)
{
	t->g[dir][lane].pending = srd_sim_check_new_frame(t->ck, dir, lane, len, now);
}

/* Make the lane's next frame if one is due; false if none. */
static bool make_frame(struct srd_sim_traffic *t, unsigned dir, uint16_t lane,
		       uint64_t now)
{
	struct srd_sim_gen *g = &t->g[dir][lane];
	uint32_t len;

	if (dir == 1 || now >= t->cfg.stop_at)
		return false;   /* B only answers; nothing new after the end */
	if (!g->bulk) {
		if (g->waiting)
			return false;
		len = (uint32_t)srd_sim_rand_range(&g->rand, RR_MIN, t->cfg.req_max);
		g->waiting = true;
		g->req_born = now;
	} else {
		if (now < g->due)
			return false;
		len = bulk_size(t, g);
		if (t->cfg.lane_rate_bps > 0)
			g->due = (g->due > now ? g->due : now) + interval(t, len);
	}
	new_frame(t, dir, lane, len, now);
	return g->pending != SRD_SIM_NO_FRAME;
}

/* Offer the lane's next frame: 1 accepted, 0 nothing due, -ENOBUFS refused. */
static int lane_once(struct srd_sim_traffic *t, unsigned dir, uint16_t lane,
		     uint64_t now)
{
	struct srd_sim_gen *g = &t->g[dir][lane];
	const struct srd_sim_frame *f;
	int rc;

	if (g->pending == SRD_SIM_NO_FRAME && !make_frame(t, dir, lane, now))
		return 0;
	f = &t->ck->frames[g->pending];
	srd_sim_check_fill(t->ck, g->pending, t->buf);
	rc = t->submit(t->ctx, dir, lane, t->buf, f->len, now);
	if (rc)
		return rc;
	g->pending = SRD_SIM_NO_FRAME;
	return 1;
}

static uint64_t next_due(const struct srd_sim_traffic *t, unsigned dir, uint64_t now)
{
	uint64_t due = UINT64_MAX;
	unsigned i;

	if (dir == 1 || t->cfg.lane_rate_bps <= 0 || now >= t->cfg.stop_at)
		return UINT64_MAX;
	for (i = 0; i < t->cfg.lanes; i++) {
		const struct srd_sim_gen *g = &t->g[dir][i];

		if (g->bulk && g->pending == SRD_SIM_NO_FRAME && g->due < due)
			due = g->due;
	}
	return due < t->cfg.stop_at ? due : UINT64_MAX;
}

uint64_t srd_sim_traffic_pump(struct srd_sim_traffic *t, unsigned dir, uint64_t now)
{
	unsigned n = t->cfg.lanes, k, i;
	bool progress;
	int rc;

	do {
		progress = false;
		for (k = 0; k < n; k++) {
			i = (t->rr_start[dir] + k) % n;
			rc = lane_once(t, dir, (uint16_t)i, now);
			if (rc < 0 && t->stop_on_full) {
				t->rr_start[dir] = i;
				return UINT64_MAX;
			}
			progress |= rc > 0;
		}
		t->rr_start[dir] = (t->rr_start[dir] + 1) % n;
	} while (progress);
	return next_due(t, dir, now);
}

void srd_sim_traffic_pump_lane(struct srd_sim_traffic *t, unsigned dir, uint16_t lane,
			       uint64_t now)
{
	while (lane_once(t, dir, lane, now) > 0)
		;
}

void srd_sim_traffic_delivered(struct srd_sim_traffic *t, unsigned dir, uint16_t lane,
			       uint32_t id, uint64_t now)
{
	struct srd_sim_gen *g = &t->g[0][lane];
	struct srd_sim_gen *b = &t->g[1][lane];
	uint32_t len;

	(void)id;
	if (g->bulk)
		return;
	if (dir == 0) {   /* a request reached B: answer it */
		len = (uint32_t)srd_sim_rand_range(&b->rand, RR_MIN, t->cfg.resp_max);
		if (b->pending == SRD_SIM_NO_FRAME)
			new_frame(t, 1, lane, len, now);
		return;
	}
	if (g->waiting) { /* the answer reached A */
		srd_sim_check_rr(t->ck, now - g->req_born);
		g->waiting = false;
	}
}

unsigned srd_sim_traffic_pending(const struct srd_sim_traffic *t)
{
	unsigned d, i, n = 0;

	for (d = 0; d < 2; d++)
		for (i = 0; i < t->cfg.lanes; i++)
			n += t->g[d][i].pending != SRD_SIM_NO_FRAME;
	return n;
}
