/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mactable.c: the bridge's MAC learning table (vswitch/mactable.c).
 *
 * Hand-picked cases cover learning, moves, VNI isolation, lazy aging and
 * expire(), static entries, a full table, flush_dst and iteration. A seeded run
 * then drives 1e5 random operations on small, crowded tables (long probe runs,
 * many removals) and checks every result and counter against a reference: an
 * array searched linearly. Set SRD_MACTABLE_SEED to rerun it with another seed;
 * a failure prints the seed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "tests/check.h"
#include "tests/rng.h"
#include "vswitch/mactable.h"

#define AGE 1000u  /* aging_ns of the hand-picked cases */

static uint64_t seed_base = 0x3ac7ab1e5eed0001ull; /* SRD_MACTABLE_SEED overrides */

/* An Ethernet address by value, so helpers can make them. */
struct mac {
	uint8_t b[SRD_MAC_LEN];  /* the bytes */
};

/* ---- helpers ---- */

/* A locally administered unicast MAC numbered n. */
static struct mac mac_n(uint32_t n)
{
	return (struct mac){ { 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			       (uint8_t)(n >> 8), (uint8_t)n } };
}

static struct srd_mac_dst port(uint32_t idx)
{
	return (struct srd_mac_dst){ .kind = SRD_MAC_PORT, .idx = idx };
}

static struct srd_mac_dst peer(uint32_t idx)
{
	return (struct srd_mac_dst){ .kind = SRD_MAC_PEER, .idx = idx };
}

static bool dst_eq(struct srd_mac_dst a, struct srd_mac_dst b)
{
	return a.kind == b.kind && a.idx == b.idx;
}

static struct srd_mactable *mt_make(uint32_t max_entries, uint64_t aging_ns,
				    uint64_t key_seed)
{
	uint8_t key[SRD_MAC_HASH_KEY_LEN];
	struct srd_mactable_cfg cfg = { max_entries, aging_ns, key };
	struct srd_mactable *t;

	for (size_t k = 0; k < sizeof(key); k++)
		key[k] = (uint8_t)test_splitmix64(&key_seed);
	t = srd_mactable_new(&cfg);
	if (!t)
		abort();
	return t;
}

static int learn(struct srd_mactable *t, uint32_t vni, uint32_t n,
		 struct srd_mac_dst dst, uint64_t now)
{
	struct mac m = mac_n(n);

	return srd_mactable_learn(t, vni, m.b, dst, now);
}

/* 1 and *dst, or 0: the lookup of MAC number n. */
static int look(struct srd_mactable *t, uint32_t vni, uint32_t n, uint64_t now,
		struct srd_mac_dst *dst)
{
	struct mac m = mac_n(n);

	return srd_mactable_lookup(t, vni, m.b, now, dst);
}

/* Whether MAC number n in vni leads to want now. */
static bool goes_to(struct srd_mactable *t, uint32_t vni, uint32_t n, uint64_t now,
		    struct srd_mac_dst want)
{
	struct srd_mac_dst got = { 0xff, 0 };

	return look(t, vni, n, now, &got) == 1 && dst_eq(got, want);
}

static bool absent(struct srd_mactable *t, uint32_t vni, uint32_t n, uint64_t now)
{
	struct srd_mac_dst got;

	return look(t, vni, n, now, &got) == 0;
}

static int add_static(struct srd_mactable *t, uint32_t vni, uint32_t n,
		      struct srd_mac_dst dst)
{
	struct mac m = mac_n(n);

	return srd_mactable_add_static(t, vni, m.b, dst, 0);
}

static int del_static(struct srd_mactable *t, uint32_t vni, uint32_t n)
{
	struct mac m = mac_n(n);

	return srd_mactable_del_static(t, vni, m.b);
}

static unsigned count_live(const struct srd_mactable *t, uint64_t now)
{
	struct srd_mac_entry e;
	uint32_t pos = 0;
	unsigned n = 0;

	while (srd_mactable_next(t, &pos, now, &e) == 1)
		n++;
	return n;
}

/* Slots of a table of max_entries: the power of two >= 2 * max_entries. */
static uint32_t slots_of(uint32_t max_entries)
{
	uint32_t s = 1;

	while (s < 2 * max_entries)
		s <<= 1;
	return s;
}

/* ---- lifetime ---- */

static void new__rejects_bad_cfg(void)
{
	struct srd_mactable_cfg cfg = { SRD_MAC_MIN_ENTRIES, AGE, NULL };

	errno = 0;
	CHECK(srd_mactable_new(NULL) == NULL && errno == EINVAL);
	cfg.max_entries = SRD_MAC_MIN_ENTRIES - 1;
	CHECK(srd_mactable_new(&cfg) == NULL && errno == EINVAL);
	cfg.max_entries = SRD_MAC_MAX_ENTRIES + 1;
	CHECK(srd_mactable_new(&cfg) == NULL && errno == EINVAL);
	cfg.max_entries = 100;
	cfg.aging_ns = 0;
	CHECK(srd_mactable_new(&cfg) == NULL && errno == EINVAL);
	srd_mactable_free(NULL);
}

static void new__one_allocation_sized_by_capacity(void)
{
	struct srd_mactable_cfg cfg = { SRD_MAC_MAX_ENTRIES, SRD_MAC_NEVER, NULL };
	struct srd_mactable *t = srd_mactable_new(&cfg);  /* random key */
	const struct srd_mactable_stats *st;

	CHECK(t != NULL);
	if (!t)
		return;
	st = srd_mactable_stats(t);
	CHECK_EQ(st->max_entries, SRD_MAC_MAX_ENTRIES);
	CHECK(st->bytes >= (uint64_t)slots_of(SRD_MAC_MAX_ENTRIES) * 24);
	CHECK(st->bytes < (uint64_t)slots_of(SRD_MAC_MAX_ENTRIES) * 24 + 256);
	CHECK_EQ(st->entries, 0);
	CHECK_EQ(learn(t, 1, 1, port(0), 0), 0);
	CHECK(goes_to(t, 1, 1, UINT64_MAX, port(0)));  /* never ages */
	srd_mactable_free(t);
	cfg.max_entries = 100;  /* 256 slots */
	t = srd_mactable_new(&cfg);
	CHECK(t && srd_mactable_stats(t)->bytes >= 256 * 24 &&
	      srd_mactable_stats(t)->bytes < 256 * 24 + 256);
	srd_mactable_free(t);
}

/* ---- learning ---- */

static void learn__then_lookup(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 1);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);

	CHECK(absent(t, 7, 1, 0));
	CHECK_EQ(learn(t, 7, 1, port(3), 0), 0);
	CHECK_EQ(learn(t, 7, 2, peer(3), 0), 0);
	CHECK(goes_to(t, 7, 1, 10, port(3)));
	CHECK(goes_to(t, 7, 2, 10, peer(3)));  /* the kind tells them apart */
	CHECK(absent(t, 7, 3, 10));
	CHECK_EQ(st->entries, 2);
	CHECK_EQ(st->learned, 2);
	CHECK_EQ(st->statics, 0);
	CHECK_EQ(st->lookups, 4);
	CHECK_EQ(st->misses, 2);
	CHECK_EQ(st->moves, 0);
	srd_mactable_free(t);
}

static void learn__move_counts_once_per_change(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 2);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);

	CHECK_EQ(learn(t, 1, 1, port(1), 0), 0);
	CHECK_EQ(learn(t, 1, 1, port(1), 5), 0);  /* refresh: no move */
	CHECK_EQ(st->moves, 0);
	CHECK_EQ(learn(t, 1, 1, peer(9), 6), 0);  /* VM migrated away */
	CHECK(goes_to(t, 1, 1, 7, peer(9)));
	CHECK_EQ(learn(t, 1, 1, peer(9), 8), 0);
	CHECK_EQ(learn(t, 1, 1, port(2), 9), 0);
	CHECK(goes_to(t, 1, 1, 10, port(2)));
	CHECK_EQ(st->moves, 2);
	CHECK_EQ(st->entries, 1);
	srd_mactable_free(t);
}

static void learn__vni_isolation(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 3);
	struct mac m = mac_n(42);
	struct srd_mac_dst d;

	CHECK_EQ(learn(t, 1, 42, port(1), 0), 0);
	CHECK_EQ(learn(t, 2, 42, peer(2), 0), 0);
	CHECK_EQ(learn(t, SRD_MAC_VNI_MAX, 42, port(3), 0), 0);
	CHECK(goes_to(t, 1, 42, 1, port(1)));
	CHECK(goes_to(t, 2, 42, 1, peer(2)));
	CHECK(goes_to(t, SRD_MAC_VNI_MAX, 42, 1, port(3)));
	CHECK(absent(t, 3, 42, 1));
	CHECK(absent(t, 0, 42, 1));
	CHECK_EQ(srd_mactable_learn(t, SRD_MAC_VNI_MAX + 1, m.b, port(1), 0), -EINVAL);
	/* not the entry of VNI 1 */
	CHECK_EQ(srd_mactable_lookup(t, (1u << 24) | 1, m.b, 1, &d), 0);
	CHECK_EQ(learn(t, 1, 42, peer(7), 2), 0);  /* moves in VNI 1 only */
	CHECK(goes_to(t, 1, 42, 3, peer(7)));
	CHECK(goes_to(t, 2, 42, 3, peer(2)));
	CHECK_EQ(srd_mactable_stats(t)->entries, 3);
	srd_mactable_free(t);
}

static void learn__refuses_multicast_zero_and_bad_dst(void)
{
	static const uint8_t bad[][SRD_MAC_LEN] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },  /* broadcast */
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },  /* IPv4 multicast */
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },  /* IPv6 multicast */
		{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x00 },  /* group bit, local bit */
		{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },  /* zero */
	};
	struct srd_mactable *t = mt_make(64, AGE, 4);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);
	struct srd_mac_dst d;
	struct mac good = mac_n(1);
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(srd_mactable_learn(t, 1, bad[i], port(1), 0), -EINVAL);
		CHECK_EQ(srd_mactable_add_static(t, 1, bad[i], port(1), 0), -EINVAL);
		CHECK_EQ(srd_mactable_del_static(t, 1, bad[i]), -EINVAL);
		CHECK_EQ(srd_mactable_lookup(t, 1, bad[i], 0, &d), 0);
	}
	CHECK_EQ(srd_mactable_learn(t, 1, good.b, (struct srd_mac_dst){ 2, 0 }, 0),
		 -EINVAL);
	CHECK_EQ(srd_mactable_add_static(t, 1, good.b, (struct srd_mac_dst){ 9, 0 }, 0),
		 -EINVAL);
	CHECK_EQ(st->refused_invalid, 6);
	CHECK_EQ(st->entries, 0);
	CHECK_EQ(st->misses, 5);
	/* 0x02 (locally administered) and 0x00:00:00:00:00:01 are fine */
	CHECK_EQ(srd_mactable_learn(t, 1, (const uint8_t[]){ 0, 0, 0, 0, 0, 1 },
				    port(1), 0), 0);
	CHECK_EQ(srd_mactable_learn(t, 1, good.b, port(1), 0), 0);
	CHECK_EQ(st->entries, 2);
	srd_mactable_free(t);
}

/* ---- aging ---- */

static void aging__lookup_misses_after_aging_time(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 5);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);

	CHECK_EQ(learn(t, 1, 1, port(1), 100), 0);
	CHECK(goes_to(t, 1, 1, 100 + AGE, port(1)));  /* idle exactly AGE: still here */
	CHECK_EQ(count_live(t, 100 + AGE + 1), 0);
	CHECK(absent(t, 1, 1, 100 + AGE + 1));
	CHECK_EQ(st->aged_out, 1);  /* the lookup removed it */
	CHECK_EQ(st->entries, 0);
	CHECK_EQ(st->learned, 0);
	CHECK(absent(t, 1, 1, 100));  /* gone for good, even at an earlier time */
	srd_mactable_free(t);
}

static void aging__relearn_refreshes(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 6);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);

	CHECK_EQ(learn(t, 1, 1, port(1), 0), 0);
	CHECK_EQ(learn(t, 1, 1, port(1), 900), 0);
	CHECK(goes_to(t, 1, 1, 1800, port(1)));  /* lookups do not refresh */
	CHECK(absent(t, 1, 1, 1901));
	/* aged, then learned again from elsewhere: a fresh entry, not a move */
	CHECK_EQ(learn(t, 1, 2, port(1), 0), 0);
	CHECK_EQ(learn(t, 1, 2, peer(1), 5000), 0);
	CHECK(goes_to(t, 1, 2, 5000, peer(1)));
	CHECK_EQ(st->moves, 0);
	CHECK_EQ(st->aged_out, 2);
	CHECK_EQ(st->entries, 1);
	srd_mactable_free(t);
}

static void aging__clock_step_back_is_age_zero(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 7);
	struct srd_mac_entry e;
	uint32_t pos = 0;

	CHECK_EQ(learn(t, 1, 1, port(1), 5000), 0);
	CHECK(goes_to(t, 1, 1, 4000, port(1)));
	CHECK_EQ(srd_mactable_next(t, &pos, 4000, &e), 1);
	CHECK_EQ(e.age_ns, 0);
	CHECK_EQ(srd_mactable_expire(t, 4000, 1000), 0);
	CHECK(goes_to(t, 1, 1, 6000, port(1)));
	srd_mactable_free(t);
}

static void aging__set_aging_applies_at_once(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 16);

	CHECK_EQ(learn(t, 1, 1, port(1), 0), 0);
	CHECK_EQ(learn(t, 1, 2, port(1), 400), 0);
	CHECK_EQ(srd_mactable_set_aging(t, 0), -EINVAL);
	CHECK_EQ(srd_mactable_set_aging(t, 500), 0);
	CHECK(absent(t, 1, 1, 600));  /* idle 600 > 500 */
	CHECK(goes_to(t, 1, 2, 600, port(1)));
	CHECK_EQ(srd_mactable_set_aging(t, SRD_MAC_NEVER), 0);
	CHECK(goes_to(t, 1, 2, UINT64_MAX, port(1)));
	CHECK_EQ(srd_mactable_expire(t, UINT64_MAX, 1024), 0);
	srd_mactable_free(t);
}

static void expire__bounded_round_robin(void)
{
	const uint32_t max = 128, slots = slots_of(max), n = 100;
	struct srd_mactable *t = mt_make(max, AGE, 8);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);
	unsigned removed = 0, r, calls;
	uint32_t i;

	for (i = 0; i < n; i++)
		CHECK_EQ(learn(t, 1 + i % 3, i, port(i % 4), i < 60 ? 0 : 500), 0);
	CHECK_EQ(srd_mactable_expire(t, AGE + 1, 0), 0);
	CHECK_EQ(srd_mactable_expire(t, AGE, slots * 2), 0);  /* none aged yet */
	/* at AGE + 1 the first 60 are aged; 16 slots per call, a bit over a pass */
	for (calls = 0; calls < (slots + 60) / 16 + 1; calls++) {
		r = srd_mactable_expire(t, AGE + 1, 16);
		CHECK(r <= 16);
		removed += r;
	}
	CHECK_EQ(removed, 60);
	CHECK_EQ(st->aged_out, 60);
	CHECK_EQ(st->entries, 40);
	CHECK_EQ(count_live(t, AGE + 1), 40);
	for (i = 0; i < n; i++)
		if (i >= 60)
			CHECK(goes_to(t, 1 + i % 3, i, AGE + 1, port(i % 4)));
	CHECK_EQ(srd_mactable_expire(t, 500 + AGE + 1, slots * 2), 40);
	CHECK_EQ(st->entries, 0);
	srd_mactable_free(t);
}

/* ---- static entries ---- */

static void static__beats_learning(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 9);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);

	CHECK_EQ(add_static(t, 1, 1, port(1)), 0);
	CHECK_EQ(learn(t, 1, 1, peer(2), 10), -EEXIST);
	CHECK_EQ(st->static_conflicts, 1);
	CHECK(goes_to(t, 1, 1, 20, port(1)));
	CHECK_EQ(learn(t, 1, 1, port(1), 30), 0);  /* from where it belongs: fine */
	CHECK_EQ(st->static_conflicts, 1);
	CHECK(goes_to(t, 1, 1, UINT64_MAX, port(1)));  /* never ages */
	CHECK_EQ(srd_mactable_expire(t, UINT64_MAX, 1024), 0);
	CHECK_EQ(srd_mactable_flush_dst(t, port(1), 0), 0);  /* not learned */
	CHECK(goes_to(t, 1, 1, 40, port(1)));
	CHECK_EQ(st->statics, 1);
	CHECK_EQ(st->learned, 0);
	CHECK_EQ(st->moves, 0);
	srd_mactable_free(t);
}

static void static__replaces_learned_and_deletes(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 10);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);

	CHECK_EQ(learn(t, 1, 1, peer(5), 0), 0);
	CHECK_EQ(del_static(t, 1, 1), -ENOENT);  /* learned: left as is */
	CHECK(goes_to(t, 1, 1, 0, peer(5)));
	CHECK_EQ(add_static(t, 1, 1, port(1)), 0);
	CHECK(goes_to(t, 1, 1, 5000, port(1)));
	CHECK_EQ(st->learned, 0);
	CHECK_EQ(st->statics, 1);
	CHECK_EQ(add_static(t, 1, 1, port(2)), 0);  /* a new dst for a static */
	CHECK(goes_to(t, 1, 1, 5000, port(2)));
	CHECK_EQ(st->entries, 1);
	CHECK_EQ(del_static(t, 1, 1), 0);
	CHECK(absent(t, 1, 1, 5000));
	CHECK_EQ(del_static(t, 1, 1), -ENOENT);
	CHECK_EQ(del_static(t, 2, 1), -ENOENT);
	CHECK_EQ(st->entries, 0);
	CHECK_EQ(learn(t, 1, 1, peer(5), 6000), 0);  /* learnable again */
	CHECK(goes_to(t, 1, 1, 6000, peer(5)));
	srd_mactable_free(t);
}

/* ---- a full table ---- */

static void full__refuses_and_keeps_what_it_has(void)
{
	const uint32_t max = SRD_MAC_MIN_ENTRIES;
	struct srd_mactable *t = mt_make(max, AGE, 11);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);
	uint32_t i;

	for (i = 0; i < max; i++)
		CHECK_EQ(learn(t, 1, i, port(i), 0), 0);
	CHECK_EQ(learn(t, 1, max, port(0), 1), -ENOSPC);
	CHECK_EQ(learn(t, 2, 0, port(0), 1), -ENOSPC);
	CHECK_EQ(add_static(t, 1, max, port(0)), -ENOSPC);
	CHECK_EQ(st->refused_full, 3);
	CHECK_EQ(learn(t, 1, 3, peer(3), 2), 0);  /* known keys still move */
	CHECK_EQ(add_static(t, 1, 4, peer(4)), 0);  /* and turn static */
	for (i = 0; i < max; i++)
		CHECK(goes_to(t, 1, i, 3, i == 3 ? peer(3) : i == 4 ? peer(4) :
						      port(i)));
	CHECK(absent(t, 1, max, 3));
	CHECK_EQ(st->entries, max);
	srd_mactable_free(t);
}

static void full__aged_entries_make_room(void)
{
	const uint32_t max = SRD_MAC_MIN_ENTRIES;
	struct srd_mactable *t = mt_make(max, AGE, 12);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);
	uint64_t now = 2 * AGE;
	uint32_t i;
	int err;

	for (i = 0; i < max; i++)
		CHECK_EQ(learn(t, 1, i, port(1), 0), 0);
	/* every entry aged: a new key reuses one on its probe run, or, if it passes
	 * none, is refused until expire() removes them */
	for (i = max; i < 2 * max; i++) {
		err = learn(t, 1, i, port(2), now);
		if (err == -ENOSPC) {
			CHECK_EQ(st->entries, max);
			srd_mactable_expire(t, now, 4 * slots_of(max));
			err = learn(t, 1, i, port(2), now);
		}
		CHECK_EQ(err, 0);
	}
	for (i = 0; i < 2 * max; i++)
		CHECK(i < max ? absent(t, 1, i, now) : goes_to(t, 1, i, now, port(2)));
	CHECK_EQ(st->aged_out, max);
	CHECK_EQ(st->entries, max);
	srd_mactable_free(t);
}

static void full__statics_are_never_evicted(void)
{
	const uint32_t max = SRD_MAC_MIN_ENTRIES;
	struct srd_mactable *t = mt_make(max, AGE, 13);
	uint32_t i;

	for (i = 0; i < max; i++)
		CHECK_EQ(add_static(t, 1, i, peer(i)), 0);
	CHECK_EQ(srd_mactable_expire(t, UINT64_MAX, 1024), 0);
	CHECK_EQ(learn(t, 1, max, port(0), UINT64_MAX), -ENOSPC);
	for (i = 0; i < max; i++)
		CHECK(goes_to(t, 1, i, UINT64_MAX, peer(i)));
	CHECK_EQ(del_static(t, 1, 7), 0);
	CHECK_EQ(learn(t, 1, max, port(0), UINT64_MAX), 0);
	srd_mactable_free(t);
}

/* ---- flush_dst ---- */

static void flush_dst__removes_only_that_destination(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 14);
	const struct srd_mactable_stats *st = srd_mactable_stats(t);
	uint32_t i;

	CHECK_EQ(learn(t, 1, 400, port(1), 0), 0);
	for (i = 0; i < 10; i++) {
		CHECK_EQ(learn(t, 1 + i % 2, i, port(1), 1000), 0);
		CHECK_EQ(learn(t, 1 + i % 2, 100 + i, peer(1), 1000), 0); /* same idx */
		CHECK_EQ(learn(t, 1 + i % 2, 200 + i, port(2), 1000), 0);
	}
	CHECK_EQ(add_static(t, 1, 300, port(1)), 0);
	CHECK_EQ(learn(t, 1, 401, port(1), 1000), 0);
	/* 400 is aged at 1500: removed too, but not counted as flushed */
	CHECK_EQ(srd_mactable_flush_dst(t, port(1), 1500), 11);
	CHECK_EQ(st->aged_out, 1);
	for (i = 0; i < 10; i++) {
		CHECK(absent(t, 1 + i % 2, i, 1500));
		CHECK(goes_to(t, 1 + i % 2, 100 + i, 1500, peer(1)));
		CHECK(goes_to(t, 1 + i % 2, 200 + i, 1500, port(2)));
	}
	CHECK(goes_to(t, 1, 300, 1500, port(1)));
	CHECK_EQ(st->entries, 21);
	CHECK_EQ(srd_mactable_flush_dst(t, port(1), 1500), 0);
	CHECK_EQ(srd_mactable_flush_dst(t, peer(1), 1500), 10);
	CHECK_EQ(srd_mactable_flush_dst(t, port(2), 1500), 10);
	CHECK_EQ(st->entries, 1);
	CHECK_EQ(st->learned, 0);
	srd_mactable_free(t);
}

/* ---- iteration ---- */

static void next__returns_live_entries_once(void)
{
	struct srd_mactable *t = mt_make(64, AGE, 15);
	struct srd_mac_entry e;
	uint8_t seen[40] = { 0 };
	uint32_t pos = 0, i;
	unsigned n = 0;

	for (i = 0; i < 30; i++)
		CHECK_EQ(learn(t, 5, i, peer(i), i < 10 ? 0 : 1000), 0);
	for (i = 30; i < 35; i++)
		CHECK_EQ(add_static(t, 6, i, port(i)), 0);
	while (srd_mactable_next(t, &pos, 1500, &e) == 1) {
		struct mac m = mac_n(e.mac[5]);

		n++;
		CHECK(!memcmp(m.b, e.mac, SRD_MAC_LEN) && e.mac[5] < 40);
		CHECK(e.mac[5] >= 10);  /* 0..9 are aged at 1500 */
		CHECK(!seen[e.mac[5]]);
		seen[e.mac[5] % 40] = 1;
		CHECK_EQ(e.is_static, e.mac[5] >= 30);
		CHECK_EQ(e.vni, e.is_static ? 6 : 5);
		CHECK(dst_eq(e.dst, e.is_static ? port(e.mac[5]) : peer(e.mac[5])));
		CHECK_EQ(e.age_ns, e.is_static ? 0 : 500);
	}
	CHECK_EQ(n, 25);
	CHECK_EQ(srd_mactable_next(t, &pos, 1500, &e), 0);  /* stays at the end */
	pos = UINT32_MAX;
	CHECK_EQ(srd_mactable_next(t, &pos, 1500, &e), 0);
	srd_mactable_free(t);
}

/* ---- randomized, against a reference model ---- */

#define MOPS 100000u  /* operations over all shapes */
#define MREF 1024u    /* reference entries at most */
#define MAGE 1000u    /* aging_ns */

/* One entry of the reference. */
struct ref {
	uint32_t vni;             /* key */
	uint32_t n;               /* key: MAC number */
	struct srd_mac_dst dst;   /* destination */
	bool is_static;           /* static entry */
	uint64_t seen;            /* last learn */
};

/* A table shape to run the model on. */
struct shape {
	uint32_t max;   /* max_entries */
	uint32_t vnis;  /* keys use VNIs 1..vnis */
	uint32_t macs;  /* and MACs 0..macs-1 */
	uint32_t ops;   /* operations */
};

/* The reference: every live entry, and the counters the table must show. */
struct model {
	struct srd_mactable *t;          /* under test */
	struct shape sh;                 /* its shape */
	uint64_t rng;                    /* splitmix64 state */
	uint64_t now;                    /* virtual clock, never steps back */
	struct ref e[MREF];              /* live entries */
	uint32_t n;                      /* entries in e */
	struct srd_mactable_stats want;  /* counters (gauges are computed) */
	const char *fail;                /* first broken expectation */
	int fail_line;                   /* where */
};

#define MCHECK(m, cond)                                                      \
	do {                                                                 \
		if (!(cond) && !(m)->fail) {                                 \
			(m)->fail = #cond;                                   \
			(m)->fail_line = __LINE__;                           \
		}                                                            \
	} while (0)

static uint32_t below(struct model *m, uint32_t n)
{
	return (uint32_t)(test_splitmix64(&m->rng) % n);
}

/* Forget what aged: the table treats it as absent. */
static void m_prune(struct model *m)
{
	for (uint32_t i = m->n; i-- > 0;)
		if (!m->e[i].is_static && m->now - m->e[i].seen > MAGE)
			m->e[i] = m->e[--m->n];
}

static struct ref *m_find(struct model *m, uint32_t vni, uint32_t n)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (m->e[i].vni == vni && m->e[i].n == n)
			return &m->e[i];
	return NULL;
}

static uint32_t m_count(const struct model *m, bool is_static)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < m->n; i++)
		c += m->e[i].is_static == is_static;
	return c;
}

static struct srd_mac_dst m_dst(struct model *m)
{
	return (struct srd_mac_dst){ .kind = (uint8_t)below(m, 2), .idx = below(m, 4) };
}

/* A new key with live < max may still be refused while aged entries hold the
 * room; then the table must be full, and expire() must make room. */
static int m_retry_full(struct model *m, int err, uint32_t vni, uint32_t n,
			struct srd_mac_dst dst, bool is_static)
{
	const struct srd_mactable_stats *st = srd_mactable_stats(m->t);
	struct mac mac = mac_n(n);

	if (err != -ENOSPC || m->n >= m->sh.max)
		return err;
	m->want.refused_full++;
	MCHECK(m, st->entries == m->sh.max);
	srd_mactable_expire(m->t, m->now, 4 * slots_of(m->sh.max));
	if (is_static)
		return srd_mactable_add_static(m->t, vni, mac.b, dst, m->now);
	return srd_mactable_learn(m->t, vni, mac.b, dst, m->now);
}

static void m_add(struct model *m, uint32_t vni, uint32_t n, struct srd_mac_dst dst,
		  bool is_static)
{
	m->e[m->n++] = (struct ref){ vni, n, dst, is_static, m->now };
}

static void m_learn(struct model *m, uint32_t vni, uint32_t n)
{
	struct srd_mac_dst dst = m_dst(m);
	struct ref *r = m_find(m, vni, n);
	int err = learn(m->t, vni, n, dst, m->now);

	if (r && r->is_static) {
		MCHECK(m, err == (dst_eq(r->dst, dst) ? 0 : -EEXIST));
		m->want.static_conflicts += err != 0;
		return;
	}
	if (r) {
		MCHECK(m, err == 0);
		m->want.moves += !dst_eq(r->dst, dst);
		r->dst = dst;
		r->seen = m->now;
		return;
	}
	err = m_retry_full(m, err, vni, n, dst, false);
	MCHECK(m, err == (m->n < m->sh.max ? 0 : -ENOSPC));
	if (err == 0)
		m_add(m, vni, n, dst, false);
	else
		m->want.refused_full++;
}

static void m_learn_invalid(struct model *m)
{
	static const uint8_t bad[][SRD_MAC_LEN] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0, 0, 0, 0, 0, 0 },
	};

	MCHECK(m, srd_mactable_learn(m->t, 1, bad[below(m, 3)], m_dst(m), m->now) ==
		  -EINVAL);
	m->want.refused_invalid++;
}

static void m_lookup(struct model *m, uint32_t vni, uint32_t n)
{
	const struct ref *r = m_find(m, vni, n);
	struct srd_mac_dst got;
	int hit = look(m->t, vni, n, m->now, &got);

	m->want.lookups++;
	m->want.misses += !r;
	MCHECK(m, hit == (r != NULL));
	MCHECK(m, !r || !hit || dst_eq(got, r->dst));
}

static void m_add_static(struct model *m, uint32_t vni, uint32_t n)
{
	struct srd_mac_dst dst = m_dst(m);
	struct ref *r = m_find(m, vni, n);
	struct mac mac = mac_n(n);
	int err = srd_mactable_add_static(m->t, vni, mac.b, dst, m->now);

	if (r) {
		MCHECK(m, err == 0);
		*r = (struct ref){ vni, n, dst, true, 0 };
		return;
	}
	err = m_retry_full(m, err, vni, n, dst, true);
	MCHECK(m, err == (m->n < m->sh.max ? 0 : -ENOSPC));
	if (err == 0)
		m_add(m, vni, n, dst, true);
	else
		m->want.refused_full++;
}

static void m_del_static(struct model *m, uint32_t vni, uint32_t n)
{
	struct ref *r = m_find(m, vni, n);
	int err = del_static(m->t, vni, n);

	MCHECK(m, err == (r && r->is_static ? 0 : -ENOENT));
	if (r && r->is_static)
		*r = m->e[--m->n];
}

static void m_flush(struct model *m)
{
	struct srd_mac_dst dst = m_dst(m);
	unsigned want = 0;

	for (uint32_t i = m->n; i-- > 0;) {
		if (m->e[i].is_static || !dst_eq(m->e[i].dst, dst))
			continue;
		m->e[i] = m->e[--m->n];
		want++;
	}
	MCHECK(m, srd_mactable_flush_dst(m->t, dst, m->now) == want);
}

/* Every pool key looks up as the reference says; iteration returns exactly
 * the reference; after a full expire() the gauges are exact. */
static void m_audit(struct model *m)
{
	const struct srd_mactable_stats *st = srd_mactable_stats(m->t);
	struct srd_mac_entry e;
	uint32_t pos = 0, seen = 0;

	for (uint32_t v = 1; v <= m->sh.vnis; v++)
		for (uint32_t n = 0; n < m->sh.macs; n++)
			m_lookup(m, v, n);
	while (srd_mactable_next(m->t, &pos, m->now, &e) == 1) {
		uint32_t n = (uint32_t)e.mac[2] << 24 | (uint32_t)e.mac[3] << 16 |
			     (uint32_t)e.mac[4] << 8 | e.mac[5];
		const struct ref *r = m_find(m, e.vni, n);

		seen++;
		MCHECK(m, r && r->is_static == e.is_static && dst_eq(r->dst, e.dst));
		MCHECK(m, !r || e.age_ns == (r->is_static ? 0 : m->now - r->seen));
	}
	MCHECK(m, seen == m->n);
	srd_mactable_expire(m->t, m->now, 4 * slots_of(m->sh.max));
	MCHECK(m, st->learned == m_count(m, false));
}

/* Counters exact; gauges bounded (aged entries may linger until removed). */
static void m_check_stats(struct model *m)
{
	const struct srd_mactable_stats *st = srd_mactable_stats(m->t);

	MCHECK(m, st->statics == m_count(m, true));
	MCHECK(m, st->learned >= m_count(m, false));
	MCHECK(m, st->entries == st->learned + st->statics);
	MCHECK(m, st->entries <= m->sh.max);
	MCHECK(m, st->moves == m->want.moves);
	MCHECK(m, st->refused_full == m->want.refused_full);
	MCHECK(m, st->refused_invalid == m->want.refused_invalid);
	MCHECK(m, st->static_conflicts == m->want.static_conflicts);
	MCHECK(m, st->lookups == m->want.lookups);
	MCHECK(m, st->misses == m->want.misses);
}

static void m_step(struct model *m)
{
	uint32_t op = below(m, 100), vni = 1 + below(m, m->sh.vnis);
	uint32_t n = below(m, m->sh.macs);

	m_prune(m);
	if (op < 40)
		m_learn(m, vni, n);
	else if (op < 70)
		m_lookup(m, vni, n);
	else if (op < 80)
		m->now += below(m, 60);
	else if (op < 84)
		m_add_static(m, vni, n);
	else if (op < 90)
		m_del_static(m, vni, n);
	else if (op < 96)
		srd_mactable_expire(m->t, m->now, below(m, 16));
	else if (op < 97)
		m_flush(m);
	else if (op < 98)
		m_learn_invalid(m);
	else if (op < 99)
		m->now += below(m, 2 * MAGE);
	else
		m_audit(m);
	m_check_stats(m);
}

static void m_run(const struct shape *sh, uint64_t seed)
{
	struct model *m = calloc(1, sizeof(*m));
	uint32_t i;

	if (!m)
		abort();
	m->sh = *sh;
	m->rng = seed;
	m->now = 1;
	m->t = mt_make(sh->max, MAGE, seed);
	for (i = 0; i < sh->ops && !m->fail; i++)
		m_step(m);
	m_prune(m);
	if (!m->fail)
		m_audit(m);
	if (m->fail) {
		fprintf(stderr, "model__random_ops_vs_reference: seed %#" PRIx64
			" max %u op %u: line %d: %s\n", seed, sh->max, i,
			m->fail_line, m->fail);
		CHECK(!"model disagrees");
	}
	printf("     max %u: live %u moves %" PRIu64 " full %" PRIu64 " aged_out %"
	       PRIu64 " conflicts %" PRIu64 "\n", sh->max, m->n,
	       srd_mactable_stats(m->t)->moves, srd_mactable_stats(m->t)->refused_full,
	       srd_mactable_stats(m->t)->aged_out,
	       srd_mactable_stats(m->t)->static_conflicts);
	srd_mactable_free(m->t);
	free(m);
}

static void model__random_ops_vs_reference(void)
{
	/* crowded small tables: long runs that wrap, a full table, many removals */
	static const struct shape shapes[] = {
		{ 16, 1, 20, MOPS / 4 },
		{ 16, 3, 16, MOPS / 4 },
		{ 64, 2, 48, MOPS / 4 },
		{ 500, 4, 160, MOPS / 4 },
	};

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		m_run(&shapes[i], seed_base + i);
}

int main(void)
{
	const char *env = getenv("SRD_MACTABLE_SEED");

	if (env)
		seed_base = strtoull(env, NULL, 0);
	printf("seed %#" PRIx64 "\n", seed_base);
	RUN(new__rejects_bad_cfg);
	RUN(new__one_allocation_sized_by_capacity);
	RUN(learn__then_lookup);
	RUN(learn__move_counts_once_per_change);
	RUN(learn__vni_isolation);
	RUN(learn__refuses_multicast_zero_and_bad_dst);
	RUN(aging__lookup_misses_after_aging_time);
	RUN(aging__relearn_refreshes);
	RUN(aging__clock_step_back_is_age_zero);
	RUN(aging__set_aging_applies_at_once);
	RUN(expire__bounded_round_robin);
	RUN(static__beats_learning);
	RUN(static__replaces_learned_and_deletes);
	RUN(full__refuses_and_keeps_what_it_has);
	RUN(full__aged_entries_make_room);
	RUN(full__statics_are_never_evicted);
	RUN(flush_dst__removes_only_that_destination);
	RUN(next__returns_live_entries_once);
	RUN(model__random_ops_vs_reference);
	return check_exit();
}
