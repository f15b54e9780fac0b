/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_mactable.c: libFuzzer target for the MAC learning table
 * (vswitch/mactable.c), checked against a reference: an array of the live
 * entries, searched linearly.
 *
 * The input drives a table of 16 entries (32 slots) with aging 64 ns, so runs
 * wrap around the slot array, the table fills and entries age within a few
 * operations. Byte 0 seeds the hash key (another layout of the same keys);
 * then every 4 bytes [op, key, dst, arg] are one operation on the key
 * vni = 1 + key >> 6, MAC number key & 31, and dst = (dst & 1: peer, port;
 * index dst >> 1 & 3):
 *
 *   op % 10  0-2 learn         3-4 lookup          5 add_static
 *            6   del_static    7   clock += arg    8 expire(arg % 80 slots)
 *            9   arg % 4: 0 flush_dst, 1 learn of a multicast or zero MAC,
 *                2 audit, 3 lookup of a multicast MAC
 *
 * After every operation it aborts unless each result matches the reference,
 * the counters (moves, refused_full, refused_invalid, static_conflicts,
 * lookups, misses) match exactly, statics == reference statics,
 * reference learned <= learned, entries == learned + statics <= 16. A learn or
 * add_static of a new key refused with room in the reference (aged entries
 * still hold slots) needs entries == 16 and must succeed after a full
 * expire(). An audit looks up all 128 keys, iterates (exactly the reference,
 * with its ages), runs a full expire() and then needs learned exact.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/rng.h"
#include "vswitch/mactable.h"

#define MAX 16u      /* max_entries */
#define SLOTS 32u    /* its slots */
#define AGING 64u    /* aging_ns */

/* One live entry of the reference. */
struct ent {
	uint8_t key;              /* the key byte: VNI and MAC number */
	struct srd_mac_dst dst;   /* destination */
	bool is_static;           /* static entry */
	uint64_t seen;            /* last learn */
};

/* The reference and the clock. */
struct ref {
	struct ent e[MAX];                /* live entries */
	unsigned n;                       /* entries in e */
	uint64_t now;                     /* the clock, never steps back */
	struct srd_mactable_stats want;   /* the exact counters */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort, naming the broken expectation, unless ok. */
#define need(ok)                                                             \
	do {                                                                 \
		if (!(ok)) {                                                 \
			fprintf(stderr, "fuzz_mactable.c:%d: %s\n", __LINE__, #ok); \
			abort();                                             \
		}                                                            \
	} while (0)

static uint32_t key_vni(uint8_t key)
{
	return 1u + (key >> 6);
}

static void key_mac(uint8_t key, uint8_t *mac)
{
	const uint8_t m[SRD_MAC_LEN] = { 0x02, 0, 0, 0, key >> 6, key & 31u };

	memcpy(mac, m, SRD_MAC_LEN);
}

static uint8_t key_of(uint8_t key)
{
	return key & 0xdfu;  /* bit 5 unused: 128 keys */
}

static struct srd_mac_dst dst_of(uint8_t b)
{
	return (struct srd_mac_dst){ .kind = b & 1u, .idx = b >> 1 & 3u };
}

static bool dst_eq(struct srd_mac_dst a, struct srd_mac_dst b)
{
	return a.kind == b.kind && a.idx == b.idx;
}

static void prune(struct ref *r)
{
	for (unsigned i = r->n; i-- > 0;)
		if (!r->e[i].is_static && r->now - r->e[i].seen > AGING)
			r->e[i] = r->e[--r->n];
}

static struct ent *find(struct ref *r, uint8_t key)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->e[i].key == key)
			return &r->e[i];
	return NULL;
}

static unsigned count(const struct ref *r, bool is_static)
{
	unsigned c = 0;

	for (unsigned i = 0; i < r->n; i++)
		c += r->e[i].is_static == is_static;
	return c;
}

static int put(struct srd_mactable *t, struct ref *r, uint8_t key,
	       struct srd_mac_dst dst, bool is_static)
{
	uint8_t mac[SRD_MAC_LEN];

	key_mac(key, mac);
	if (is_static)
		return srd_mactable_add_static(t, key_vni(key), mac, dst, r->now);
	return srd_mactable_learn(t, key_vni(key), mac, dst, r->now);
}

/* A new key: refused only when full, counting aged entries not yet removed. */
static void put_new(struct srd_mactable *t, struct ref *r, uint8_t key,
		    struct srd_mac_dst dst, bool is_static, int err)
{
	if (err == -ENOSPC && r->n < MAX) {
		r->want.refused_full++;
		need(srd_mactable_stats(t)->entries == MAX);
		srd_mactable_expire(t, r->now, 4 * SLOTS);
		err = put(t, r, key, dst, is_static);
	}
	need(err == (r->n < MAX ? 0 : -ENOSPC));
	if (err) {
		r->want.refused_full++;
		return;
	}
	r->e[r->n++] = (struct ent){ key, dst, is_static, is_static ? 0 : r->now };
}

static void op_learn(struct srd_mactable *t, struct ref *r, uint8_t key,
		     struct srd_mac_dst dst)
{
	struct ent *e = find(r, key);
	int err = put(t, r, key, dst, false);

	if (!e) {
		put_new(t, r, key, dst, false, err);
	} else if (e->is_static) {
		need(err == (dst_eq(e->dst, dst) ? 0 : -EEXIST));
		r->want.static_conflicts += err != 0;
	} else {
		need(err == 0);
		r->want.moves += !dst_eq(e->dst, dst);
		e->dst = dst;
		e->seen = r->now;
	}
}

static void op_add_static(struct srd_mactable *t, struct ref *r, uint8_t key,
			  struct srd_mac_dst dst)
{
	struct ent *e = find(r, key);
	int err = put(t, r, key, dst, true);

	if (!e) {
		put_new(t, r, key, dst, true, err);
		return;
	}
	need(err == 0);
	*e = (struct ent){ key, dst, true, 0 };
}

static void op_del_static(struct srd_mactable *t, struct ref *r, uint8_t key)
{
	struct ent *e = find(r, key);
	uint8_t mac[SRD_MAC_LEN];
	bool is_static = e && e->is_static;

	key_mac(key, mac);
	need(srd_mactable_del_static(t, key_vni(key), mac) ==
	     (is_static ? 0 : -ENOENT));
	if (is_static)
		*e = r->e[--r->n];
}

static void op_lookup(struct srd_mactable *t, struct ref *r, uint8_t key)
{
	const struct ent *e = find(r, key);
	struct srd_mac_dst got;
	uint8_t mac[SRD_MAC_LEN];
	int hit;

	key_mac(key, mac);
	hit = srd_mactable_lookup(t, key_vni(key), mac, r->now, &got);
	need(hit == (e != NULL));
	need(!hit || dst_eq(got, e->dst));
	r->want.lookups++;
	r->want.misses += !hit;
}

static void op_flush(struct srd_mactable *t, struct ref *r, struct srd_mac_dst dst)
{
	unsigned want = 0;

	for (unsigned i = r->n; i-- > 0;) {
		if (r->e[i].is_static || !dst_eq(r->e[i].dst, dst))
			continue;
		r->e[i] = r->e[--r->n];
		want++;
	}
	need(srd_mactable_flush_dst(t, dst, r->now) == want);
}

static void op_invalid(struct srd_mactable *t, struct ref *r, uint8_t arg,
		       bool lookup)
{
	uint8_t mac[SRD_MAC_LEN] = { 0 };
	struct srd_mac_dst got;

	if (arg & 4)
		memset(mac, 0xff, sizeof(mac));
	else if (arg & 8)
		mac[0] = 0x01;
	if (lookup) {
		mac[0] |= 1;
		need(srd_mactable_lookup(t, 1, mac, r->now, &got) == 0);
		r->want.lookups++;
		r->want.misses++;
		return;
	}
	need(srd_mactable_learn(t, 1, mac, dst_of(arg), r->now) == -EINVAL);
	r->want.refused_invalid++;
}

static void op_audit(struct srd_mactable *t, struct ref *r)
{
	struct srd_mac_entry e;
	uint32_t pos = 0;
	unsigned seen = 0;

	for (unsigned k = 0; k < 256; k++)
		if (key_of((uint8_t)k) == k)
			op_lookup(t, r, (uint8_t)k);
	while (srd_mactable_next(t, &pos, r->now, &e) == 1) {
		const struct ent *x;

		need(e.mac[0] == 0x02 && e.mac[4] == (e.vni - 1) && e.mac[5] < 32);
		x = find(r, (uint8_t)((e.vni - 1) << 6 | e.mac[5]));
		need(x && x->is_static == e.is_static && dst_eq(x->dst, e.dst));
		need(e.age_ns == (x->is_static ? 0 : r->now - x->seen));
		seen++;
	}
	need(seen == r->n);
	srd_mactable_expire(t, r->now, 4 * SLOTS);
	need(srd_mactable_stats(t)->learned == count(r, false));
}

static void check_stats(const struct srd_mactable *t, const struct ref *r)
{
	const struct srd_mactable_stats *st = srd_mactable_stats(t);

	need(st->statics == count(r, true));
	need(st->learned >= count(r, false));
	need(st->entries == st->learned + st->statics && st->entries <= MAX);
	need(st->moves == r->want.moves);
	need(st->refused_full == r->want.refused_full);
	need(st->refused_invalid == r->want.refused_invalid);
	need(st->static_conflicts == r->want.static_conflicts);
	need(st->lookups == r->want.lookups && st->misses == r->want.misses);
}

static void step(struct srd_mactable *t, struct ref *r, const uint8_t *b)
{
	uint8_t key = key_of(b[1]);

	prune(r);
	switch (b[0] % 10) {
	case 0: case 1: case 2:
		op_learn(t, r, key, dst_of(b[2]));
		break;
	case 3: case 4:
		op_lookup(t, r, key);
		break;
	case 5:
		op_add_static(t, r, key, dst_of(b[2]));
		break;
	case 6:
		op_del_static(t, r, key);
		break;
	case 7:
		r->now += b[3];
		break;
	case 8:
		srd_mactable_expire(t, r->now, b[3] % 80u);
		break;
	default:
		if (b[3] % 4 == 0)
			op_flush(t, r, dst_of(b[2]));
		else if (b[3] % 4 == 2)
			op_audit(t, r);
		else
			op_invalid(t, r, b[2], b[3] % 4 == 3);
		break;
	}
	check_stats(t, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hkey[SRD_MAC_HASH_KEY_LEN];
	const struct srd_mactable_cfg cfg = { MAX, AGING, hkey };
	struct srd_mactable *t;
	struct ref r = { .now = 1 };
	uint64_t s;

	if (size < 1)
		return 0;
	s = data[0];
	for (size_t k = 0; k < sizeof(hkey); k++)
		hkey[k] = (uint8_t)test_splitmix64(&s);
	t = srd_mactable_new(&cfg);
	need(t != NULL);
	for (size_t i = 1; i + 4 <= size; i += 4)
		step(t, &r, data + i);
	prune(&r);
	op_audit(t, &r);
	check_stats(t, &r);
	srd_mactable_free(t);
	return 0;
}
