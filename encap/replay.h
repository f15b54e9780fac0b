/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay.h: the receive-side anti-replay filter, one per connection and direction.
 *
 * Sequence numbers are the 64-bit PSP IV, which srdvs uses as the per-connection
 * packet number. Because a connection sprays packets over many paths, they arrive
 * heavily reordered, so the filter is a sliding window (RFC 6479) rather than a
 * "must increase" rule.
 *
 * Semantics. Let top be the highest sequence number accepted so far (0 before any).
 * A sequence number seq is
 *   - acceptable     if seq > top, or if top - WINDOW < seq <= top and seq was not
 *                    accepted before; the oldest acceptable seq is therefore
 *                    top - SRD_REPLAY_WINDOW + 1 (or 0 while top < WINDOW - 1);
 *   - stale          if seq <= top - SRD_REPLAY_WINDOW: too old to tell, so rejected;
 *   - a duplicate    if seq is inside the window and was accepted before.
 * A fresh filter accepts every seq, 0 included, and each exactly once. All 2^64
 * values are usable; nothing overflows near UINT64_MAX.
 *
 * Check, then authenticate, then update. srd_replay_check() is pure and only says
 * whether a packet is worth decrypting; srd_replay_update() marks the seq and may
 * advance the window, and must be called only after the packet authenticated.
 * Otherwise anyone could forge a packet with a huge seq and slide the window past
 * every legitimate packet in flight, or mark seqs as seen so the real packets are
 * dropped as replays. update() re-checks, so two packets with the same seq that
 * both passed check() cannot both be accepted.
 *
 * Window and memory. SRD_REPLAY_WINDOW is a compile-time power of two, at least
 * 4096 (default 32768 packets, as many as a connection tracks in flight, so a late
 * packet from a slow path is never mistaken for a replay). The bitmap is a ring of
 * SRD_REPLAY_WINDOW / 64 + 1 64-bit words: the extra word is RFC 6479's redundancy,
 * so advancing the window only zeroes whole words and never shifts bits. With the
 * default the struct is 4 KiB. No allocation, no I/O, no locking: the caller
 * serialises access.
 *
 * Errors: functions returning int return 0 when seq is acceptable (and, for
 * update, now marked) or a negative errno:
 *   -ESTALE    seq is below the window (too old)
 *   -EALREADY  seq is inside the window and was already accepted (replay)
 * Counting rejections is the caller's business.
 */
#ifndef SRD_ENCAP_REPLAY_H
#define SRD_ENCAP_REPLAY_H

#include <stdint.h>

/* Packets accepted at and behind the top. Override only for the whole build (-D). */
#ifndef SRD_REPLAY_WINDOW
#define SRD_REPLAY_WINDOW 32768u
#endif

#define SRD_REPLAY_WORD_BITS 64u  /* bits per bitmap word */
/* Ring words: the window plus one word of redundancy (RFC 6479). */
#define SRD_REPLAY_WORDS (SRD_REPLAY_WINDOW / SRD_REPLAY_WORD_BITS + 1u)

_Static_assert(SRD_REPLAY_WINDOW >= 4096u, "replay window below 4096 packets");
_Static_assert((SRD_REPLAY_WINDOW & (SRD_REPLAY_WINDOW - 1u)) == 0,
	       "replay window must be a power of two");

/* One receiver's window. Plain data: copying it copies the filter. */
struct srd_replay {
	uint64_t top;  /* highest seq accepted; 0 when none, indistinguishable by design */
	uint64_t bitmap[SRD_REPLAY_WORDS]; /* bit seq % 64 of word (seq / 64) % WORDS */
};

/* Start empty: every seq, 0 included, is acceptable once. */
void srd_replay_init(struct srd_replay *r);
/* Forget everything seen, as after a rekey. Same as srd_replay_init(). */
void srd_replay_reset(struct srd_replay *r);

/* Would seq be accepted? Pure; call before authenticating. 0, -ESTALE, -EALREADY. */
int srd_replay_check(const struct srd_replay *r, uint64_t seq);
/* Mark seq as seen; call only after the packet authenticated. Re-checks first and
 * changes nothing on error. 0, -ESTALE, -EALREADY. */
int srd_replay_update(struct srd_replay *r, uint64_t seq);

#endif
