/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pktbuf.h: a fixed pool of struct srd_pkt and their buffers, made in one
 * allocation at start-up. get/put move pointers on a free stack: O(1) per packet,
 * no allocation afterwards. A pool belongs to one thread (no locking).
 *
 * Each buffer has headroom bytes in front of pkt->buf, so an encapsulation can
 * prepend headers in place: pkt->buf - headroom is the start of the storage.
 */
#ifndef SRD_VSWITCH_PKTBUF_H
#define SRD_VSWITCH_PKTBUF_H

#include <stdint.h>

#include "vswitch/port.h"

struct srd_pktpool;

/*
 * A pool of count packets whose buffers hold size bytes after headroom bytes.
 * NULL if out of memory or count is 0.
 */
struct srd_pktpool *srd_pktpool_new(unsigned count, uint32_t size,
				    uint32_t headroom);

/* Free the pool and every buffer, taken or not. NULL is a no-op. */
void srd_pktpool_free(struct srd_pktpool *pool);

/*
 * Take up to n packets into pkts; returns how many (fewer when the pool runs dry).
 * Each comes back with buf and cap restored, len 0 and its metadata zeroed.
 */
unsigned srd_pktpool_get(struct srd_pktpool *pool, struct srd_pkt **pkts,
			 unsigned n);

/* Return n packets taken from this pool. */
void srd_pktpool_put(struct srd_pktpool *pool, struct srd_pkt **pkts, unsigned n);

/* Packets currently in the pool (not taken). */
unsigned srd_pktpool_avail(const struct srd_pktpool *pool);

#endif
