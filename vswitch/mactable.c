/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mactable.c: the bridge's MAC table: one array of slots, linear probing from a
 * SipHash-1-3 home slot, backward-shift deletion (see mactable.h).
 *
 * Invariant of linear probing: every entry sits at or after its home slot with
 * no free slot in between (cyclically). Lookups stop at the first free slot;
 * deletion keeps the invariant by moving later entries of the run back into the
 * hole instead of leaving a tombstone.
 *
 * SipHash by hand rather than OpenSSL's EVP_MAC: the hash runs on every frame,
 * and an EVP_MAC_CTX per call would allocate on the hot path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "vswitch/mactable.h"

#define NONE UINT32_MAX  /* no slot */

/* What a slot holds. */
enum slot_state {
	SLOT_FREE = 0,     /* empty: ends every probe run through it */
	SLOT_LEARNED = 1,  /* a learned entry, ages */
	SLOT_STATIC = 2,   /* a static entry from the config */
};

/* One slot of the table. */
struct slot {
	uint64_t seen_ns;          /* learned: now_ns of the last learn */
	uint32_t vni;              /* key: VNI */
	uint32_t idx;              /* destination: port or peer index */
	uint8_t mac[SRD_MAC_LEN];  /* key: MAC */
	uint8_t kind;              /* destination: enum srd_mac_kind */
	uint8_t state;             /* enum slot_state */
};

_Static_assert(sizeof(struct slot) == 24, "struct slot is 24 bytes");

struct srd_mactable {
	uint64_t k0;                   /* SipHash key, first 8 bytes (LE) */
	uint64_t k1;                   /* SipHash key, last 8 bytes (LE) */
	uint64_t aging_ns;             /* idle time after which learned entries go */
	uint32_t mask;                 /* slots - 1; slots is a power of two */
	uint32_t cursor;               /* expire(): next slot to examine */
	struct srd_mactable_stats st;  /* counters and gauges */
	struct slot slots[];           /* mask + 1 slots */
};

/* Where a probe run for a key ended. */
struct probe {
	uint32_t hit;   /* slot holding the key, or NONE */
	uint32_t free;  /* no hit: the free slot that ended the run */
	uint32_t aged;  /* first aged learned slot passed, or NONE */
};

/* ---- SipHash-1-3 of vni (LE32) || mac: 10 bytes ---- */

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static inline void sipblock(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sipround(v);  /* c = 1 */
	v[0] ^= m;
}

static uint64_t siphash13(const struct srd_mactable *t, uint32_t vni,
			  const uint8_t *mac)
{
	uint64_t v[4] = {
		t->k0 ^ UINT64_C(0x736f6d6570736575),
		t->k1 ^ UINT64_C(0x646f72616e646f6d),
		t->k0 ^ UINT64_C(0x6c7967656e657261),
		t->k1 ^ UINT64_C(0x7465646279746573),
	};
	/* bytes 0-7, then the last block: length 10 in the top byte, bytes 8-9 */
	uint64_t m0 = vni | (uint64_t)mac[0] << 32 | (uint64_t)mac[1] << 40 |
		      (uint64_t)mac[2] << 48 | (uint64_t)mac[3] << 56;
	uint64_t m1 = UINT64_C(10) << 56 | mac[4] | (uint64_t)mac[5] << 8;

	sipblock(v, m0);
	sipblock(v, m1);
	v[2] ^= 0xff;
	sipround(v);  /* d = 3 */
	sipround(v);
	sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t home(const struct srd_mactable *t, uint32_t vni, const uint8_t *mac)
{
	return (uint32_t)siphash13(t, vni, mac) & t->mask;
}

/* ---- keys, destinations, age ---- */

static bool key_ok(uint32_t vni, const uint8_t *mac)
{
	static const uint8_t zero[SRD_MAC_LEN];

	return vni <= SRD_MAC_VNI_MAX && !(mac[0] & 1) &&
	       memcmp(mac, zero, SRD_MAC_LEN) != 0;
}

static bool dst_ok(struct srd_mac_dst dst)
{
	return dst.kind == SRD_MAC_PORT || dst.kind == SRD_MAC_PEER;
}

static bool slot_is(const struct slot *s, uint32_t vni, const uint8_t *mac)
{
	return s->vni == vni && !memcmp(s->mac, mac, SRD_MAC_LEN);
}

static bool slot_to(const struct slot *s, struct srd_mac_dst dst)
{
	return s->kind == dst.kind && s->idx == dst.idx;
}

static uint64_t slot_age(const struct slot *s, uint64_t now_ns)
{
	return now_ns > s->seen_ns ? now_ns - s->seen_ns : 0;
}

static bool slot_aged(const struct srd_mactable *t, const struct slot *s,
		      uint64_t now_ns)
{
	return s->state == SLOT_LEARNED && slot_age(s, now_ns) > t->aging_ns;
}

/* ---- probing, placing, removing ---- */

static void probe(const struct srd_mactable *t, uint32_t vni, const uint8_t *mac,
		  uint64_t now_ns, struct probe *p)
{
	uint32_t i = home(t, vni, mac);

	p->hit = NONE;
	p->aged = NONE;
	p->free = NONE;
	for (;; i = (i + 1) & t->mask) {
		const struct slot *s = &t->slots[i];

		if (s->state == SLOT_FREE) {
			p->free = i;
			return;
		}
		if (slot_is(s, vni, mac)) {
			p->hit = i;
			return;
		}
		if (p->aged == NONE && slot_aged(t, s, now_ns))
			p->aged = i;
	}
}

/* Keep the gauges right as a slot's state goes from `from` to `to`. */
static void count_state(struct srd_mactable *t, uint8_t from, uint8_t to)
{
	t->st.learned += (to == SLOT_LEARNED) - (from == SLOT_LEARNED);
	t->st.statics += (to == SLOT_STATIC) - (from == SLOT_STATIC);
	t->st.entries = t->st.learned + t->st.statics;
}

static void set_dst(struct slot *s, struct srd_mac_dst dst)
{
	s->kind = dst.kind;
	s->idx = dst.idx;
}

/* Remove slot i: shift back each later entry of the run that may sit at i. */
static void remove_at(struct srd_mactable *t, uint32_t i)
{
	uint32_t j = i, h;

	count_state(t, t->slots[i].state, SLOT_FREE);
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j].state == SLOT_FREE)
			break;
		h = home(t, t->slots[j].vni, t->slots[j].mac);
		/* stays when its home lies in (i, j]: moving it would put it before */
		if (((j - h) & t->mask) < ((j - i) & t->mask))
			continue;
		t->slots[i] = t->slots[j];
		i = j;
	}
	t->slots[i].state = SLOT_FREE;
}

/* Store a new key in the first aged slot its probe passed, else in the free
 * slot that ended the probe while there is room. 0 or -ENOSPC. */
static int insert(struct srd_mactable *t, const struct probe *p, uint32_t vni,
		  const uint8_t *mac, struct srd_mac_dst dst, uint8_t state,
		  uint64_t now_ns)
{
	uint32_t i = p->aged;
	struct slot *s;

	if (i != NONE) {
		t->st.aged_out++;
	} else if (t->st.entries < t->st.max_entries) {
		i = p->free;
	} else {
		t->st.refused_full++;
		return -ENOSPC;
	}
	s = &t->slots[i];
	count_state(t, s->state, state);
	*s = (struct slot){ .seen_ns = now_ns, .vni = vni, .state = state };
	memcpy(s->mac, mac, SRD_MAC_LEN);
	set_dst(s, dst);
	return 0;
}

/* A learn of a key the table holds. */
static int refresh(struct srd_mactable *t, struct slot *s, struct srd_mac_dst dst,
		   uint64_t now_ns)
{
	if (s->state == SLOT_STATIC) {
		if (slot_to(s, dst))
			return 0;
		t->st.static_conflicts++;
		return -EEXIST;
	}
	if (slot_aged(t, s, now_ns))
		t->st.aged_out++;  /* gone already: this is a fresh entry */
	else if (!slot_to(s, dst))
		t->st.moves++;
	set_dst(s, dst);
	s->seen_ns = now_ns;
	return 0;
}

/* ---- the API ---- */

static int random_key(uint8_t *key)
{
	ssize_t n;

	do
		n = getrandom(key, SRD_MAC_HASH_KEY_LEN, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == SRD_MAC_HASH_KEY_LEN ? 0 : -EIO;
}

static uint64_t le64(const uint8_t *b)
{
	uint64_t x = 0;

	for (int k = 7; k >= 0; k--)
		x = x << 8 | b[k];
	return x;
}

static bool cfg_ok(const struct srd_mactable_cfg *cfg)
{
	return cfg && cfg->max_entries >= SRD_MAC_MIN_ENTRIES &&
	       cfg->max_entries <= SRD_MAC_MAX_ENTRIES && cfg->aging_ns > 0;
}

struct srd_mactable *srd_mactable_new(const struct srd_mactable_cfg *cfg)
{
	uint8_t key[SRD_MAC_HASH_KEY_LEN];
	struct srd_mactable *t;
	uint32_t slots = 1;
	size_t bytes;
	int err;

	if (!cfg_ok(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	while (slots < 2 * cfg->max_entries)
		slots <<= 1;
	bytes = sizeof(*t) + (size_t)slots * sizeof(struct slot);
	if (cfg->hash_key) {
		memcpy(key, cfg->hash_key, sizeof(key));
	} else if ((err = random_key(key)) < 0) {
		errno = -err;
		return NULL;
	}
	t = calloc(1, bytes);
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->k0 = le64(key);
	t->k1 = le64(key + 8);
	t->aging_ns = cfg->aging_ns;
	t->mask = slots - 1;
	t->st.max_entries = cfg->max_entries;
	t->st.bytes = bytes;
	return t;
}

void srd_mactable_free(struct srd_mactable *t)
{
	free(t);
}

int srd_mactable_set_aging(struct srd_mactable *t, uint64_t aging_ns)
{
	if (!aging_ns)
		return -EINVAL;
	t->aging_ns = aging_ns;
	return 0;
}

int srd_mactable_learn(struct srd_mactable *t, uint32_t vni, const uint8_t *mac,
		       struct srd_mac_dst dst, uint64_t now_ns)
{
	struct probe p;

	if (!key_ok(vni, mac) || !dst_ok(dst)) {
		t->st.refused_invalid++;
		return -EINVAL;
	}
	probe(t, vni, mac, now_ns, &p);
	if (p.hit != NONE)
		return refresh(t, &t->slots[p.hit], dst, now_ns);
	return insert(t, &p, vni, mac, dst, SLOT_LEARNED, now_ns);
}

int srd_mactable_lookup(struct srd_mactable *t, uint32_t vni, const uint8_t *mac,
			uint64_t now_ns, struct srd_mac_dst *dst)
{
	const struct slot *s;
	struct probe p;

	t->st.lookups++;
	if (!key_ok(vni, mac))
		goto miss;
	probe(t, vni, mac, now_ns, &p);
	if (p.hit == NONE)
		goto miss;
	s = &t->slots[p.hit];
	if (slot_aged(t, s, now_ns)) {
		t->st.aged_out++;
		remove_at(t, p.hit);
		goto miss;
	}
	*dst = (struct srd_mac_dst){ .kind = s->kind, .idx = s->idx };
	return 1;

miss:
	t->st.misses++;
	return 0;
}

unsigned srd_mactable_expire(struct srd_mactable *t, uint64_t now_ns,
			     unsigned budget)
{
	unsigned removed = 0;

	for (; budget > 0; budget--) {
		if (slot_aged(t, &t->slots[t->cursor], now_ns)) {
			/* a later entry may shift into the cursor: look again */
			remove_at(t, t->cursor);
			removed++;
			continue;
		}
		t->cursor = (t->cursor + 1) & t->mask;
	}
	t->st.aged_out += removed;
	return removed;
}

int srd_mactable_add_static(struct srd_mactable *t, uint32_t vni,
			    const uint8_t *mac, struct srd_mac_dst dst,
			    uint64_t now_ns)
{
	struct slot *s;
	struct probe p;

	if (!key_ok(vni, mac) || !dst_ok(dst))
		return -EINVAL;
	probe(t, vni, mac, now_ns, &p);
	if (p.hit == NONE)
		return insert(t, &p, vni, mac, dst, SLOT_STATIC, 0);
	s = &t->slots[p.hit];
	if (slot_aged(t, s, now_ns))
		t->st.aged_out++;
	count_state(t, s->state, SLOT_STATIC);
	s->state = SLOT_STATIC;
	s->seen_ns = 0;
	set_dst(s, dst);
	return 0;
}

int srd_mactable_del_static(struct srd_mactable *t, uint32_t vni,
			    const uint8_t *mac)
{
	struct probe p;

	if (!key_ok(vni, mac))
		return -EINVAL;
	probe(t, vni, mac, 0, &p);
	if (p.hit == NONE || t->slots[p.hit].state != SLOT_STATIC)
		return -ENOENT;
	remove_at(t, p.hit);
	return 0;
}

/* A free slot: a run never wraps past it, so a scan from there sees every
 * entry once even while removals shift entries back. */
static uint32_t some_free_slot(const struct srd_mactable *t)
{
	uint32_t i = 0;

	while (t->slots[i].state != SLOT_FREE)  /* load <= 1/2: one exists */
		i++;
	return i;
}

unsigned srd_mactable_flush_dst(struct srd_mactable *t, struct srd_mac_dst dst,
				uint64_t now_ns)
{
	uint32_t start = some_free_slot(t), k = 1, i;
	unsigned removed = 0;
	const struct slot *s;

	while (k <= t->mask) {
		i = (start + k) & t->mask;
		s = &t->slots[i];
		if (s->state != SLOT_LEARNED || !slot_to(s, dst)) {
			k++;
			continue;
		}
		if (slot_aged(t, s, now_ns))
			t->st.aged_out++;
		else
			removed++;
		remove_at(t, i);  /* look at i again: an entry may shift in */
	}
	return removed;
}

int srd_mactable_next(const struct srd_mactable *t, uint32_t *pos,
		      uint64_t now_ns, struct srd_mac_entry *e)
{
	for (uint32_t i = *pos; i <= t->mask; i++) {
		const struct slot *s = &t->slots[i];

		if (s->state == SLOT_FREE || slot_aged(t, s, now_ns))
			continue;
		*e = (struct srd_mac_entry){
			.vni = s->vni,
			.is_static = s->state == SLOT_STATIC,
			.dst = { .kind = s->kind, .idx = s->idx },
			.age_ns = s->state == SLOT_STATIC ? 0 : slot_age(s, now_ns),
		};
		memcpy(e->mac, s->mac, SRD_MAC_LEN);
		*pos = i + 1;
		return 1;
	}
	*pos = t->mask + 1;
	return 0;
}

const struct srd_mactable_stats *srd_mactable_stats(const struct srd_mactable *t)
{
	return &t->st;
}
