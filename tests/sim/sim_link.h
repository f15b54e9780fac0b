/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_link.h: one simulated one-way link, after picoquic's sim_link.c.
 *
 * A packet offered to a link waits in a FIFO queue (tail drop at a byte limit), is
 * serialised at the link's rate, then propagates for the delay plus a random
 * jitter. Jitter never reorders: a packet arrives no earlier than the one before
 * it on the same link. Once serialised, a packet may be lost (random at a
 * probability, in Gilbert-Elliott bursts, or by a deterministic mask that rotates
 * one bit per packet) or duplicated. A link that goes down (blackhole) drops what
 * is offered to it and what it was carrying; it can come back up and change rate
 * at any time.
 *
 * The link holds no packet bytes and schedules nothing: srd_sim_link_send() says
 * how many copies arrive and when, and the caller schedules the arrivals, tagged
 * with the link's epoch so that srd_sim_link_alive() can drop those that were in
 * flight when the link went down.
 */
#ifndef SRD_SIM_LINK_H
#define SRD_SIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/sim/sim_rand.h"

/* What a link is like; all-zero loss fields mean a clean link. */
struct srd_sim_link_cfg {
	uint64_t rate_bps;    /* serialisation rate, bit/s, > 0 */
	uint64_t delay_ns;    /* propagation delay */
	uint64_t jitter_ns;   /* extra delay, uniform in [0, jitter_ns] */
	uint64_t queue_bytes; /* queue limit in bytes, tail drop; 0 = unlimited */
	double loss;          /* probability a packet is lost at random */
	double burst_enter;   /* Gilbert-Elliott: per packet P(good -> bad) */
	double burst_leave;   /* per packet P(bad -> good); bad state loses all */
	uint64_t loss_mask;   /* bit 0 set: the next packet is lost; rotates per packet */
	double dup;           /* probability a packet is delivered twice */
};

/* Per-link counters. */
struct srd_sim_link_stats {
	uint64_t offered_pkts;  /* packets offered to the link */
	uint64_t tx_bytes;      /* bytes serialised (lost ones included) */
	uint64_t rx_pkts;       /* copies delivered */
	uint64_t drop_queue;    /* tail drops: queue full */
	uint64_t drop_loss;     /* lost at random, in a burst, or by the mask */
	uint64_t drop_down;     /* offered to or in flight on a link that was down */
	uint64_t dups;          /* extra copies made */
	uint64_t queue_peak;    /* most bytes ever queued */
};

/* One direction of one path. */
struct srd_sim_link {
	struct srd_sim_link_cfg cfg;     /* current settings (rate changes land here) */
	struct srd_sim_rand rand;        /* this link's own random stream */
	bool up;                         /* false while blackholed */
	uint32_t epoch;                  /* bumped when the link goes down */
	bool burst_bad;                  /* Gilbert-Elliott state: in a loss burst */
	uint64_t mask;                   /* loss mask, rotated one bit per packet */
	uint64_t busy_until;             /* when the last queued packet is serialised */
	uint64_t last_arrival;           /* arrival of the last packet: keeps FIFO */
	double cap_bits;                 /* capacity offered while up: integral of rate */
	uint64_t cap_at;                 /* cap_bits is accounted up to this time */
	struct srd_sim_link_stats stats; /* counters */
};

/* seed and stream pick the link's random stream (see sim_rand.h). */
void srd_sim_link_init(struct srd_sim_link *l, const struct srd_sim_link_cfg *cfg,
		       uint64_t seed, uint64_t stream);
/* Offer a len-byte packet at now. Returns how many copies arrive (0, 1 or 2) and
 * stores their arrival times in at[]. */
unsigned srd_sim_link_send(struct srd_sim_link *l, uint64_t now, size_t len,
			   uint64_t at[2]);
/* A copy sent in epoch is still wanted when it arrives: the link stayed up. */
static inline bool srd_sim_link_alive(const struct srd_sim_link *l, uint32_t epoch)
{
	return l->up && l->epoch == epoch;
}
void srd_sim_link_set_up(struct srd_sim_link *l, uint64_t now, bool up);
void srd_sim_link_set_rate(struct srd_sim_link *l, uint64_t now, uint64_t rate_bps);
/* Bits the link could have carried from its start to now (while up). */
double srd_sim_link_capacity(struct srd_sim_link *l, uint64_t now);
/* Bytes queued at now, not yet serialised. */
uint64_t srd_sim_link_backlog(const struct srd_sim_link *l, uint64_t now);

#endif
