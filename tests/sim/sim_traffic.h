/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_traffic.h: what the simulated guests send.
 *
 * Lanes carry one of two kinds of traffic:
 *   bulk     A to B only, frames of mixed sizes (a third each drawn from
 *            [min, 256], [min, 1500] and [min, max]), offered as fast as the
 *            transport accepts them, or at a fixed rate per lane (open loop);
 *   request/response  A sends a small request (64..req_max bytes); when B has it,
 *            B answers on the same lane (64..resp_max bytes); when A has the
 *            answer it sends the next request. One transaction per lane at a time.
 * In SRD_SIM_MIXED the first half of the lanes is bulk and the rest request/response.
 *
 * Frames are offered through a submit callback, which returns 0 (accepted) or
 * -ENOBUFS (full: the frame stays pending and is offered again at the next pump;
 * backpressure, never a drop). Each lane draws its sizes from its own random
 * stream, so a lane's frames are the same whatever transport carries them.
 * Frames are born (and their latency starts) when first offered.
 *
 * Errors: srd_sim_traffic_init() returns 0 or -ENOMEM.
 */
#ifndef SRD_SIM_TRAFFIC_H
#define SRD_SIM_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/sim/sim_check.h"

enum srd_sim_mode {
	SRD_SIM_BULK,   /* every lane bulk */
	SRD_SIM_RR,     /* every lane request/response */
	SRD_SIM_MIXED,  /* half and half */
};

/* What to generate. */
struct srd_sim_traffic_cfg {
	unsigned lanes;         /* lanes, 1..65535 */
	enum srd_sim_mode mode; /* kinds of lanes */
	double lane_rate_bps;   /* bulk lanes offer this much each; 0: all accepted */
	uint32_t min_frame;     /* smallest bulk frame, >= SRD_SIM_MIN_FRAME */
	uint32_t max_frame;     /* largest bulk frame */
	uint32_t req_max;       /* largest request */
	uint32_t resp_max;      /* largest response */
	uint64_t stop_at;       /* no new frames or requests from then on, ns */
	uint64_t seed;          /* the run's seed */
};

/* Offer one frame: 0 if accepted, -ENOBUFS to retry later. */
typedef int (*srd_sim_submit_fn)(void *ctx, unsigned dir, uint16_t lane,
				 const uint8_t *buf, size_t len, uint64_t now);

struct srd_sim_gen;

/* The traffic of both directions. */
struct srd_sim_traffic {
	struct srd_sim_traffic_cfg cfg; /* settings */
	struct srd_sim_check *ck;       /* the book: ids, bytes, rr latencies */
	srd_sim_submit_fn submit;       /* offers frames to the transport */
	void *ctx;                      /* passed to submit */
	bool stop_on_full;              /* -ENOBUFS means the direction is full */
	struct srd_sim_gen *g[2];       /* per direction, per lane generator */
	unsigned rr_start[2];           /* lane the next pump starts with */
	uint8_t *buf;                   /* frame being offered */
};

int srd_sim_traffic_init(struct srd_sim_traffic *t, const struct srd_sim_traffic_cfg *cfg,
			 struct srd_sim_check *ck, srd_sim_submit_fn submit, void *ctx);
void srd_sim_traffic_fini(struct srd_sim_traffic *t);
/* Offer what is due in dir, lanes round-robin one frame at a time, until all is
 * offered or (stop_on_full) the transport refuses one. Returns the next time a
 * frame falls due (UINT64_MAX: none, or the transport is full). */
uint64_t srd_sim_traffic_pump(struct srd_sim_traffic *t, unsigned dir, uint64_t now);
/* The same for one lane. */
void srd_sim_traffic_pump_lane(struct srd_sim_traffic *t, unsigned dir, uint16_t lane,
			       uint64_t now);
/* Frame id was delivered in dir on lane: answer a request, finish a transaction. */
void srd_sim_traffic_delivered(struct srd_sim_traffic *t, unsigned dir, uint16_t lane,
			       uint32_t id, uint64_t now);
/* Frames offered but not yet accepted. */
unsigned srd_sim_traffic_pending(const struct srd_sim_traffic *t);

#endif
