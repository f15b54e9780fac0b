/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_rand.h: the simulator's only source of randomness, xoshiro256** seeded by
 * splitmix64. Every consumer (each link, the traffic of each lane, the engine's
 * rand callback) gets its own stream derived from the run's seed and a stream
 * number, so a change in one consumer never shifts the numbers another one sees,
 * and a run is reproducible from its seed alone.
 */
#ifndef SRD_SIM_RAND_H
#define SRD_SIM_RAND_H

#include <stdint.h>
#include "tests/rng.h"

/* One xoshiro256** stream. */
struct srd_sim_rand {
	uint64_t s[4]; /* generator state, never all zero */
};

static inline uint64_t srd_sim_splitmix64(uint64_t *x)
{
	return test_splitmix64(x);
}

/* Seed stream number `stream` of the run seeded with `seed`. */
static inline void srd_sim_rand_init(struct srd_sim_rand *r, uint64_t seed,
				     uint64_t stream)
{
	uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = srd_sim_splitmix64(&x);
}

static inline uint64_t srd_sim_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t srd_sim_rand_next(struct srd_sim_rand *r)
{
	uint64_t *s = r->s;
	uint64_t out = srd_sim_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = srd_sim_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, 1). */
static inline double srd_sim_rand_unit(struct srd_sim_rand *r)
{
	return (double)(srd_sim_rand_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi], both included. */
static inline uint64_t srd_sim_rand_range(struct srd_sim_rand *r, uint64_t lo,
					  uint64_t hi)
{
	return lo + srd_sim_rand_next(r) % (hi - lo + 1);
}

/* True with probability p. */
static inline int srd_sim_rand_chance(struct srd_sim_rand *r, double p)
{
	return p > 0 && srd_sim_rand_unit(r) < p;
}

#endif
