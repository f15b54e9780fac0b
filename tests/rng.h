/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rng.h: the one deterministic generator of the tests (splitmix64), so every
 * randomised test is reproducible from the seed it prints.
 */
#ifndef SRD_TESTS_RNG_H
#define SRD_TESTS_RNG_H

#include <stdint.h>

/* Next value of the splitmix64 sequence whose state is *s. */
static inline uint64_t test_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The same as a struct srd_conn_cfg.rand callback; user points at the state. */
static inline uint64_t test_rand_cb(void *user)
{
	return test_splitmix64(user);
}

#endif
