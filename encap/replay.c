/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay.c: RFC 6479 sliding-window anti-replay filter. See replay.h.
 *
 * seq lives in block seq / 64, which maps to ring word block % SRD_REPLAY_WORDS.
 * The ring holds SRD_REPLAY_WORDS consecutive blocks ending at top's block; any
 * window of SRD_REPLAY_WINDOW seqs spans at most that many blocks, so every seq in
 * the window has its own bit. The word count is not a power of two (window + 1
 * word); the modulo is by a constant and compiles to a multiply.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "encap/replay.h"

static uint64_t block_of(uint64_t seq)
{
	return seq / SRD_REPLAY_WORD_BITS;
}

static size_t word_of(uint64_t seq)
{
	return block_of(seq) % SRD_REPLAY_WORDS;
}

static uint64_t bit_of(uint64_t seq)
{
	return UINT64_C(1) << (seq % SRD_REPLAY_WORD_BITS);
}

/* Move top to seq (> top), zeroing the words of every block newly entered. Blocks
 * skipped entirely are zeroed too: at most one lap of the ring. */
static void advance(struct srd_replay *r, uint64_t seq)
{
	uint64_t n = block_of(seq) - block_of(r->top);
	size_t i = word_of(r->top);

	if (n > SRD_REPLAY_WORDS)
		n = SRD_REPLAY_WORDS;
	for (; n > 0; n--) {
		i = i + 1 == SRD_REPLAY_WORDS ? 0 : i + 1;
		r->bitmap[i] = 0;
	}
	r->top = seq;
}

void srd_replay_init(struct srd_replay *r)
{
	memset(r, 0, sizeof(*r));
}

void srd_replay_reset(struct srd_replay *r)
{
	srd_replay_init(r);
}

int srd_replay_check(const struct srd_replay *r, uint64_t seq)
{
	if (seq > r->top)
		return 0;
	if (r->top - seq >= SRD_REPLAY_WINDOW)
		return -ESTALE;
	if (r->bitmap[word_of(seq)] & bit_of(seq))
		return -EALREADY;
	return 0;
}

int srd_replay_update(struct srd_replay *r, uint64_t seq)
{
	int err = srd_replay_check(r, seq);

	if (err)
		return err;
	if (seq > r->top)
		advance(r, seq);
	r->bitmap[word_of(seq)] |= bit_of(seq);
	return 0;
}
