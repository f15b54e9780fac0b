/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_net.c: the K-path fabric and scenario defaults. See sim_net.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim_net.h"

void srd_sim_cfg_default(struct srd_sim_cfg *cfg)
{
	struct srd_sim_link_cfg link = {
		.rate_bps = 1000000000ull,
		.delay_ns = 10000,
		.queue_bytes = 128 * 1024,
	};
	unsigned i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->paths = 4;
	for (i = 0; i < SRD_SIM_MAX_PATHS; i++)
		cfg->fwd[i] = cfg->rev[i] = link;
	cfg->duration_ns = 50000000ull;
	cfg->drain_ns = 500000000ull;
	cfg->traffic = (struct srd_sim_traffic_cfg){
		.lanes = 16,
		.mode = SRD_SIM_BULK,
		.min_frame = 64,
		.max_frame = 9000,
		.req_max = 512,
		.resp_max = 9000,
	};
	cfg->mtu = 1500;
	srd_conn_cfg_default(&cfg->engine);
	cfg->seed = 1;
	cfg->trace_lane = -1;
	cfg->conns = 1;
}

void srd_sim_traffic_setup(const struct srd_sim_cfg *cfg, struct srd_sim_traffic_cfg *t)
{
	double cap = 0;
	unsigned i, bulk;

	*t = cfg->traffic;
	t->stop_at = cfg->duration_ns;
	t->seed = cfg->seed;
	t->lane_rate_bps = 0;
	if (cfg->load <= 0 || t->mode == SRD_SIM_RR)
		return;
	for (i = 0; i < cfg->paths; i++)
		cap += (double)cfg->fwd[i].rate_bps;
	bulk = t->mode == SRD_SIM_MIXED ? (t->lanes + 1) / 2 : t->lanes;
	t->lane_rate_bps = cfg->load * cap / bulk / (cfg->conns > 1 ? cfg->conns : 1);
}

int srd_sim_net_init(struct srd_sim_net *net, const struct srd_sim_cfg *cfg)
{
	unsigned d, i;

	memset(net, 0, sizeof(*net));
	net->paths = cfg->paths;
	net->one_way_down = cfg->one_way_down;
	net->bh.path = -1;
	net->bh.up_at = UINT64_MAX;
	for (d = 0; d < 2; d++) {
		net->link[d] = calloc(cfg->paths, sizeof(*net->link[d]));
		if (!net->link[d])
			return -ENOMEM;
		for (i = 0; i < cfg->paths; i++)
			srd_sim_link_init(&net->link[d][i], d ? &cfg->rev[i] : &cfg->fwd[i],
					  cfg->seed, 2 * i + d + 1);
	}
	return 0;
}

void srd_sim_net_fini(struct srd_sim_net *net)
{
	free(net->link[0]);
	free(net->link[1]);
	memset(net, 0, sizeof(*net));
}

static void blackhole(struct srd_sim_net *net, const struct srd_sim_script *s,
		      uint64_t now)
{
	if (s->op == SRD_SIM_OP_DOWN && net->bh.path < 0) {
		net->bh.path = (int)s->path;
		net->bh.down_at = now;
	} else if (s->op == SRD_SIM_OP_UP && net->bh.path == (int)s->path &&
		   net->bh.up_at == UINT64_MAX) {
		net->bh.up_at = now;
	}
}

void srd_sim_net_apply(struct srd_sim_net *net, const struct srd_sim_script *s,
		       uint64_t now)
{
	unsigned d;

	if (s->path >= net->paths)
		return;
	for (d = 0; d < 2; d++) {
		struct srd_sim_link *l = &net->link[d][s->path];

		if (s->op == SRD_SIM_OP_RATE)
			srd_sim_link_set_rate(l, now, s->rate_bps);
		else if (!d || !net->one_way_down)
			srd_sim_link_set_up(l, now, s->op == SRD_SIM_OP_UP);
	}
	blackhole(net, s, now);
}

unsigned srd_sim_net_send(struct srd_sim_net *net, unsigned dir, unsigned path,
			  size_t wire_len, bool data, uint64_t now, uint64_t at[2])
{
	struct srd_sim_link *l = &net->link[dir][path];
	struct srd_sim_blackhole *bh = &net->bh;

	if (data && dir == 0 && (int)path == bh->path) {
		if (!l->up && now >= bh->down_at && now < bh->up_at) {
			bh->last_data = now;
			bh->dead_data++;
		} else if (now >= bh->up_at) {
			bh->revived_data++;
		}
	}
	return srd_sim_link_send(l, now, wire_len, at);
}

void srd_sim_net_window_end(struct srd_sim_net *net, uint64_t now)
{
	unsigned i;

	net->cap_bits = 0;
	for (i = 0; i < net->paths; i++)
		net->cap_bits += srd_sim_link_capacity(&net->link[0][i], now);
}

uint64_t srd_sim_net_sum(const struct srd_sim_net *net, size_t stat_offset)
{
	uint64_t sum = 0;
	unsigned d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < net->paths; i++) {
			const char *st = (const char *)&net->link[d][i].stats;
			uint64_t v;

			memcpy(&v, st + stat_offset, sizeof(v));
			sum += v;
		}
	return sum;
}
