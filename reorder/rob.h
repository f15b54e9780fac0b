/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rob.h: the receiver's reorder buffer, one per connection, in-order per lane.
 *
 * The underlay sprays a connection's packets over many paths, so they arrive out of
 * order. Each packet belongs to a lane (a hash of its guest flow) and carries a
 * 32-bit per-lane seq; the buffer hands packets back in seq order per lane, and a
 * hole in one lane never holds back another lane.
 *
 * Lanes. Every lane starts with base 0. base is the lowest seq the lane still waits
 * for: everything before it was delivered (or queued for delivery), skipped or
 * dropped. seq compares in serial-number arithmetic (RFC 1982), so lanes wrap
 * through 2^32 freely. A lane accepts seq only inside its window,
 * base <= seq < base + ring (as unsigned 32-bit differences).
 *
 * Frames. A frame is FIRST..LAST on consecutive seqs (one packet: FIRST | LAST).
 * Only whole frames are delivered, and srd_rob_pop() returns the pieces of one
 * frame back to back, never interleaved with another lane, so the caller can
 * assemble a super-frame in a single buffer. A frame moves to its lane's delivery
 * queue as soon as all its pieces are here and everything before it was settled;
 * base then passes it.
 *
 * Partial frames are dropped by the buffer itself, never delivered, and counted in
 * stats.partial_dropped (each piece also counts as a lost seq, see below):
 *   - a piece that is not FIRST, found at base (its FIRST was skipped or lost);
 *   - the pieces buffered from base when a skip or hold timeout passes the hole
 *     that splits their frame;
 *   - the pieces from base when a FIRST follows them before any LAST (a sender bug);
 *   - a frame longer than the window can never complete: its pieces wait for the
 *     hold timer and are dropped then (configure ring >= the longest frame).
 *
 * Losing seqs. srd_rob_skip() (the sender gave up) and the hold timer move base
 * past holes; each seq passed that held no packet counts in stats.skipped or
 * stats.timed_out. The next packet delivered on the lane has gap_before set and
 * lost_before = how many seqs were skipped or dropped since the lane's previous
 * delivered packet (so that packet's seq - lost_before is the first one lost).
 *
 * Hold timer. A lane with packets buffered but nothing deliverable is blocked; its
 * deadline is the arrival time of its oldest buffered packet + hold_ns, so no
 * packet waits more than hold_ns for a hole. When it fires, the partial frame at
 * base (if any) is dropped, the hole up to the next buffered packet is skipped,
 * whole frames behind it are queued, and the lane re-arms for its next hole.
 * Arrival times are the largest now seen so far by insert/skip/handle_expiry, so a
 * clock that steps back never reorders them.
 *
 * Memory: one allocation in srd_rob_new(), none afterwards (LP64 sizes):
 *   slots * (slot_bytes + 64) + lanes * (ring * 4 + 60) + about 300 bytes
 * (payload and slot headers; per-lane rings of 32-bit slot indices, lane state and
 * timer heap; the handle and alignment), reported exactly in stats.bound_bytes.
 * Queued packets hold their slots until popped. Full means no free slot: inserts
 * fail with -ENOBUFS until pops or the hold timer free some; advertise
 * srd_rob_free_slots() to the peer as flow-control credit to avoid it.
 *
 * Complexity: insert, pop and skip are O(1) amortised per seq they pass, plus
 * O(log lanes) when a lane's timer changes; a skip or timeout scans at most one
 * window (ring) of the lane. next_expiry is O(1) (a min-heap of blocked lanes);
 * handle_expiry is O(log lanes) per lane fired. Lanes are served round-robin,
 * one frame at a time, from a FIFO of lanes with something deliverable.
 *
 * Time: now is in ns on any monotonic origin; the caller owns the clock. No I/O, no
 * locking: one caller at a time.
 *
 * Errors: int functions return 0 (or 1 for a popped packet) or a negative errno:
 *   -EINVAL    lane out of range, unknown flag, len > slot_bytes, NULL data
 *   -ESTALE    seq before base: already delivered, queued, skipped or dropped
 *              (a late retransmission of a delivered packet lands here)
 *   -EALREADY  seq inside the window and already buffered (duplicate)
 *   -ERANGE    seq at or past base + ring: beyond the window
 *   -ENOBUFS   no free slot
 * Each rejection (but -EINVAL) is counted in the stats. srd_rob_new() returns NULL
 * with errno EINVAL (bad cfg) or ENOMEM.
 */
#ifndef SRD_REORDER_ROB_H
#define SRD_REORDER_ROB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRD_ROB_FIRST 0x1u           /* packet starts a frame */
#define SRD_ROB_LAST 0x2u            /* packet ends a frame */
#define SRD_ROB_META 32u             /* opaque per-packet bytes kept for the caller */
#define SRD_ROB_MAX_LANES 65536u     /* cfg.lanes upper limit */
#define SRD_ROB_MAX_RING (1u << 20)  /* cfg.ring upper limit */
#define SRD_ROB_MAX_SLOTS (1u << 24) /* cfg.slots upper limit */
#define SRD_ROB_MAX_SLOT_BYTES (1u << 20) /* cfg.slot_bytes upper limit */
#define SRD_ROB_NEVER UINT64_MAX     /* no deadline */

/* Shape of a reorder buffer; every field is checked by srd_rob_new(). */
struct srd_rob_cfg {
	uint32_t lanes;       /* lanes, 1..SRD_ROB_MAX_LANES */
	uint32_t ring;        /* per-lane window in packets, power of two, 1..MAX_RING */
	uint32_t slots;       /* packets held for the whole buffer: the memory bound */
	uint32_t slot_bytes;  /* largest payload stored, 1..SRD_ROB_MAX_SLOT_BYTES */
	uint64_t hold_ns;     /* longest a packet waits for a hole; UINT64_MAX: forever */
};

/* A delivered packet, filled by srd_rob_pop(). */
struct srd_rob_pkt {
	uint32_t lane;                 /* its lane */
	uint32_t seq;                  /* its seq */
	unsigned flags;                /* SRD_ROB_FIRST / SRD_ROB_LAST as inserted */
	bool gap_before;               /* seqs were lost just before it in its lane */
	uint32_t lost_before;          /* how many (saturates at UINT32_MAX) */
	uint8_t meta[SRD_ROB_META];    /* the meta given to srd_rob_insert() */
	const uint8_t *data;           /* payload: valid until the next pop/insert/skip */
	size_t len;                    /* payload bytes */
};

/* Counters; the packet ones only grow. */
struct srd_rob_stats {
	uint64_t inserted;        /* packets stored (insert returned 0) */
	uint64_t delivered;       /* packets returned by srd_rob_pop() */
	uint64_t too_old;         /* -ESTALE */
	uint64_t duplicate;       /* -EALREADY */
	uint64_t full;            /* -ENOBUFS */
	uint64_t beyond_window;   /* -ERANGE */
	uint64_t skipped;         /* empty seqs passed by srd_rob_skip() */
	uint64_t timed_out;       /* empty seqs passed by the hold timer */
	uint64_t partial_dropped; /* buffered pieces of frames that could not complete */
	uint64_t hold_timeouts;   /* times a lane's hold timer fired */
	uint64_t buffered_pkts;   /* packets held now (waiting or queued) */
	uint64_t buffered_bytes;  /* their payload bytes */
	uint64_t peak_bytes;      /* most payload bytes ever held at once */
	uint64_t bound_bytes;     /* bytes srd_rob_new() allocated: the memory bound */
};

struct srd_rob;

/* NULL with errno EINVAL (cfg out of range) or ENOMEM. */
struct srd_rob *srd_rob_new(const struct srd_rob_cfg *cfg);
void srd_rob_free(struct srd_rob *rob);

/* Copy one packet in. meta is SRD_ROB_META bytes (NULL: zeros). A packet that
 * completes a frame makes it deliverable at once. 0 or -EINVAL, -ESTALE,
 * -EALREADY, -ERANGE, -ENOBUFS (the packet is not stored). */
int srd_rob_insert(struct srd_rob *rob, uint32_t lane, uint32_t seq, unsigned flags,
		   const void *meta, const uint8_t *data, size_t len, uint64_t now);
/* The sender gave up on every seq before seq in lane: queue the whole frames
 * buffered before it, drop partial ones, skip the holes, move base to seq (or just
 * past the buffered frame, whole or partial, that straddles seq). seq at or before
 * base: no-op. 0 or -EINVAL. */
int srd_rob_skip(struct srd_rob *rob, uint32_t lane, uint32_t seq, uint64_t now);
/* The next deliverable packet: 1 and *out filled, or 0 when none. */
int srd_rob_pop(struct srd_rob *rob, struct srd_rob_pkt *out);

/* Earliest hold deadline of any blocked lane, or SRD_ROB_NEVER. */
uint64_t srd_rob_next_expiry(const struct srd_rob *rob);
/* Fire every hold deadline at or before now. */
void srd_rob_handle_expiry(struct srd_rob *rob, uint64_t now);

/* Slots free now: slots - stats.buffered_pkts. */
uint32_t srd_rob_free_slots(const struct srd_rob *rob);
/* The lane's base (next seq it waits for); 0 for a lane out of range. */
uint32_t srd_rob_lane_base(const struct srd_rob *rob, uint32_t lane);
const struct srd_rob_stats *srd_rob_stats(const struct srd_rob *rob);

#endif
