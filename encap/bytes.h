/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bytes.h: unaligned big-endian loads and stores. Wire headers are read and written
 * through these, never by casting a packet pointer to a struct.
 */
#ifndef SRD_ENCAP_BYTES_H
#define SRD_ENCAP_BYTES_H

#include <stdint.h>
#include <string.h>
#include <endian.h>

static inline uint16_t srd_get_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static inline uint32_t srd_get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static inline uint64_t srd_get_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static inline void srd_put_be16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void srd_put_be32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void srd_put_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

#endif
