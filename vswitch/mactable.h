/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mactable.h: the MAC learning table of the built-in L2 bridge. This header is
 * the spec.
 *
 * The bridge forwards guest Ethernet frames per VNI (a 24-bit virtual network).
 * The table maps a key (vni, mac) to a destination: a local guest port or a
 * remote peer (struct srd_mac_dst; the caller picks the index). The same MAC in
 * two VNIs is two unrelated entries.
 *
 * Entries. A learned entry comes from srd_mactable_learn(), called with the
 * source MAC of every frame received: it is inserted, or refreshed (its idle
 * time restarts) and, when the MAC now comes from another destination, moved
 * (stats.moves). A static entry comes from the config (srd_mactable_add_static)
 * and stays until srd_mactable_del_static(): it never ages, and learning never
 * overrides it: a learn of a static MAC from another destination is ignored,
 * counted in stats.static_conflicts and returns -EEXIST.
 *
 * Aging, lazily. A learned entry not refreshed for more than aging_ns is absent:
 * lookups miss it, learning it again starts a fresh entry, iteration skips it.
 * It still holds its slot (and counts in stats.entries) until it is removed by
 * srd_mactable_expire(), which the daemon calls from a timer (every ~100 ms)
 * with a slot budget, by a lookup or learn of its key, or when a learn or
 * add_static reuses its slot. Each removal counts once in stats.aged_out.
 *
 * Full. At most max_entries entries (learned + static) are held. A learn or
 * add_static of a new key with the table full fails with -ENOSPC (counted in
 * stats.refused_full) and evicts nothing; unknown destinations are flooded, so
 * the bridge still works, and expire() makes room as entries age. An aged entry
 * on the new key's probe path is reused first, so a full table of aged entries
 * does not refuse.
 *
 * Source MACs. Multicast and broadcast MACs (bit 0 of byte 0 set) and the
 * all-zero MAC are never entries: learn and add_static refuse them (-EINVAL,
 * learn counts them in stats.refused_invalid), lookup misses them.
 *
 * Structure. Open addressing with linear probing and backward-shift deletion
 * (Knuth, TAOCP vol. 3, 6.4, Algorithm R: no tombstones) in 2^k slots,
 * 2^k >= 2 * max_entries, so the load stays at or under 1/2 (expected probes
 * about 1.5 on a hit, 2.5 on a miss). The slot index is SipHash-1-3 (Aumasson
 * and Bernstein; the variant CPython and Rust hash with) of the 10 bytes
 * vni (32-bit little-endian) || mac, keyed with 128 random bits from
 * getrandom() at creation, so a guest cannot choose MACs that collide.
 *
 * Memory: one allocation in srd_mactable_new(), none afterwards:
 * 24 bytes per slot plus 128 bytes, reported in stats.bytes (48 MiB for
 * max_entries = 2^20).
 *
 * Complexity: learn, lookup, add_static and del_static are O(1) expected (one
 * probe run). expire() examines at most budget slots, round-robin from where the
 * previous call stopped. flush_dst() and a full iteration are O(slots) (control
 * path).
 *
 * Time: now_ns is any monotonic clock in ns; the caller owns it. An entry's age
 * is now_ns - the last learn; a clock that steps back gives age 0.
 *
 * Errors: int functions return 0 (or a count, or 1/0 for found/not found) or a
 * negative errno:
 *   -EINVAL  vni above 24 bits, multicast or zero MAC, unknown dst kind
 *   -ENOSPC  table full (the key is new)
 *   -EEXIST  learn: a static entry holds the MAC with another destination
 *   -ENOENT  del_static: no static entry for the key
 * srd_mactable_new() returns NULL with errno EINVAL (cfg out of range), ENOMEM,
 * or the errno of getrandom().
 *
 * Threading: one thread, no locking. Nothing is kept from one call to the next
 * but the table; iteration positions are invalid after any call that changes it.
 */
#ifndef SRD_VSWITCH_MACTABLE_H
#define SRD_VSWITCH_MACTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define SRD_MAC_LEN 6u                    /* bytes of an Ethernet address */
#define SRD_MAC_VNI_MAX 0xffffffu         /* VNIs are 24 bits */
#define SRD_MAC_MIN_ENTRIES 16u           /* cfg.max_entries lower limit */
#define SRD_MAC_MAX_ENTRIES (1u << 20)    /* cfg.max_entries upper limit */
#define SRD_MAC_HASH_KEY_LEN 16u          /* bytes of the SipHash key */
#define SRD_MAC_NEVER UINT64_MAX          /* cfg.aging_ns: learned entries never age */

/* What a destination index names. */
enum srd_mac_kind {
	SRD_MAC_PORT = 0,  /* a local guest port (tap) */
	SRD_MAC_PEER = 1,  /* a remote host behind the underlay */
};

/* Where frames to a MAC go; two are equal when kind and idx are. */
struct srd_mac_dst {
	uint8_t kind;   /* enum srd_mac_kind */
	uint32_t idx;   /* port or peer index, chosen by the caller */
};

/* Shape of a table; every field is checked by srd_mactable_new(). */
struct srd_mactable_cfg {
	uint32_t max_entries;     /* SRD_MAC_MIN_ENTRIES..SRD_MAC_MAX_ENTRIES */
	uint64_t aging_ns;        /* idle time after which learned entries go; > 0 */
	const uint8_t *hash_key;  /* SRD_MAC_HASH_KEY_LEN bytes (tests); NULL: random */
};

/* One entry, as iteration returns it. */
struct srd_mac_entry {
	uint32_t vni;                /* its VNI */
	uint8_t mac[SRD_MAC_LEN];    /* its MAC */
	bool is_static;              /* from the config: never ages */
	struct srd_mac_dst dst;      /* where frames to it go */
	uint64_t age_ns;             /* learned: time since the last learn; static: 0 */
};

/* Gauges (entries, learned, statics) and counters (the rest, only grow). */
struct srd_mactable_stats {
	uint64_t max_entries;       /* capacity, as configured */
	uint64_t bytes;             /* bytes srd_mactable_new() allocated */
	uint64_t entries;           /* entries held now: learned + statics */
	uint64_t learned;           /* learned entries held now (aged, unremoved too) */
	uint64_t statics;           /* static entries held now */
	uint64_t moves;             /* learns that changed a live entry's destination */
	uint64_t refused_full;      /* learns and add_statics that got -ENOSPC */
	uint64_t refused_invalid;   /* learns of multicast, zero MACs or bad args */
	uint64_t static_conflicts;  /* learns ignored: a static entry, other dst */
	uint64_t aged_out;          /* learned entries removed or reused once aged */
	uint64_t lookups;           /* srd_mactable_lookup() calls */
	uint64_t misses;            /* lookups that returned 0 (caller floods) */
};

struct srd_mactable;

/* A table; NULL with errno EINVAL, ENOMEM or getrandom()'s (see above). */
struct srd_mactable *srd_mactable_new(const struct srd_mactable_cfg *cfg);
/* Free the table; NULL is a no-op. */
void srd_mactable_free(struct srd_mactable *t);

/* Change the aging time (config reload); it applies at once to every learned
 * entry, measured from its last learn. A longer time may bring back entries
 * that had aged but were not removed yet: MACs seen within the new time, so
 * harmless. 0 or -EINVAL (aging_ns 0). */
int srd_mactable_set_aging(struct srd_mactable *t, uint64_t aging_ns);

/* A frame from mac in vni came from dst: insert or refresh (and move) a learned
 * entry. 0 or -EINVAL, -ENOSPC, -EEXIST (a static entry, left as is). */
int srd_mactable_learn(struct srd_mactable *t, uint32_t vni, const uint8_t *mac,
		       struct srd_mac_dst dst, uint64_t now_ns);

/* Where frames to mac in vni go: 1 and *dst set, or 0 (unknown or aged:
 * flood). Removes the aged entry it finds. */
int srd_mactable_lookup(struct srd_mactable *t, uint32_t vni, const uint8_t *mac,
			uint64_t now_ns, struct srd_mac_dst *dst);

/* Remove up to budget slots' worth of aged learned entries, resuming where the
 * previous call stopped. Returns how many it removed. */
unsigned srd_mactable_expire(struct srd_mactable *t, uint64_t now_ns,
			     unsigned budget);

/* Make (vni, mac) a static entry to dst, replacing a learned entry or the dst of
 * a static one. 0 or -EINVAL, -ENOSPC. */
int srd_mactable_add_static(struct srd_mactable *t, uint32_t vni,
			    const uint8_t *mac, struct srd_mac_dst dst,
			    uint64_t now_ns);

/* Remove the static entry (vni, mac). 0 or -EINVAL, -ENOENT (none, or the
 * entry is learned: left as is). */
int srd_mactable_del_static(struct srd_mactable *t, uint32_t vni,
			    const uint8_t *mac);

/* Remove every learned entry to dst (its port or peer went away); static ones
 * stay. Returns how many live ones it removed (aged ones go too, counted in
 * stats.aged_out). */
unsigned srd_mactable_flush_dst(struct srd_mactable *t, struct srd_mac_dst dst,
				uint64_t now_ns);

/* Iterate: set *pos = 0, then each call fills *e with the next live entry and
 * returns 1, or returns 0 at the end. Aged entries are skipped. Order is the
 * table's, not sorted; *pos is valid only while the table does not change. */
int srd_mactable_next(const struct srd_mactable *t, uint32_t *pos,
		      uint64_t now_ns, struct srd_mac_entry *e);

const struct srd_mactable_stats *srd_mactable_stats(const struct srd_mactable *t);

#endif
