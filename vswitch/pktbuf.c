/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pktbuf.c: a fixed packet pool: one array of struct srd_pkt, one block of
 * buffers, and a stack of free packet pointers.
 */
#include <stdlib.h>
#include <string.h>

#include "vswitch/pktbuf.h"

struct srd_pktpool {
	unsigned count;          /* packets in the pool */
	unsigned nfree;          /* entries used in free_stack */
	uint32_t size;           /* buffer bytes after headroom */
	uint32_t headroom;       /* bytes in front of each pkt->buf */
	uint8_t *mem;            /* count * stride bytes */
	size_t stride;           /* headroom + size, rounded up to 64 bytes */
	struct srd_pkt *pkts;    /* count packets */
	struct srd_pkt **free_stack; /* free packets, top at nfree - 1 */
	uint8_t *taken;          /* taken[i]: pkts[i] is out (catches double puts) */
};

struct srd_pktpool *srd_pktpool_new(unsigned count, uint32_t size,
				    uint32_t headroom)
{
	struct srd_pktpool *pool;
	size_t stride = ((size_t)size + headroom + 63) & ~(size_t)63;  /* aligned */
	unsigned i;

	if (!count || !size)
		return NULL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->count = count;
	pool->size = size;
	pool->headroom = headroom;
	pool->stride = stride;
	pool->mem = aligned_alloc(64, stride * count);
	pool->pkts = calloc(count, sizeof(*pool->pkts));
	pool->free_stack = calloc(count, sizeof(*pool->free_stack));
	pool->taken = calloc(count, 1);
	if (!pool->mem || !pool->pkts || !pool->free_stack || !pool->taken) {
		srd_pktpool_free(pool);
		return NULL;
	}
	for (i = 0; i < count; i++)
		pool->free_stack[i] = &pool->pkts[count - 1 - i];
	pool->nfree = count;
	return pool;
}

void srd_pktpool_free(struct srd_pktpool *pool)
{
	if (!pool)
		return;
	free(pool->mem);
	free(pool->pkts);
	free(pool->free_stack);
	free(pool->taken);
	free(pool);
}

static void pktpool_reset(const struct srd_pktpool *pool, struct srd_pkt *pkt)
{
	size_t idx = (size_t)(pkt - pool->pkts);

	memset(pkt, 0, sizeof(*pkt));
	pkt->buf = pool->mem + idx * pool->stride + pool->headroom;
	pkt->cap = pool->size;
}

unsigned srd_pktpool_get(struct srd_pktpool *pool, struct srd_pkt **pkts,
			 unsigned n)
{
	unsigned i;

	if (n > pool->nfree)
		n = pool->nfree;
	for (i = 0; i < n; i++) {
		pkts[i] = pool->free_stack[--pool->nfree];
		pool->taken[pkts[i] - pool->pkts] = 1;
		pktpool_reset(pool, pkts[i]);
	}
	return n;
}

void srd_pktpool_put(struct srd_pktpool *pool, struct srd_pkt **pkts, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		size_t idx = (size_t)(pkts[i] - pool->pkts);

		/* Another pool's packet, or one already returned: handing it out twice
		 * would let two owners write one buffer. Ignore it. */
		if (pkts[i] < pool->pkts || idx >= pool->count || !pool->taken[idx])
			continue;
		pool->taken[idx] = 0;
		pool->free_stack[pool->nfree++] = pkts[i];
	}
}

unsigned srd_pktpool_avail(const struct srd_pktpool *pool)
{
	return pool->nfree;
}
