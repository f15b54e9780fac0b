/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srd_wire.c: the SRD transport header: parser, ACK/SKIP accessors and writers.
 * docs/protocol.md is the specification every check here comes from.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "encap/bytes.h"
#include "encap/srd_wire.h"

/* ---- parsing ---- */

/* The session block: a session is a sender's first pn, so it is neither 0 nor
 * above the pn of a packet that carries it. */
static int parse_hello(const uint8_t *buf, size_t len, struct srd_packet *out)
{
	const uint8_t *h = buf + SRD_PRE_LEN;

	if (len < SRD_PRE_LEN + SRD_HELLO_LEN)
		return -EBADMSG;
	out->has_hello = true;
	out->hello_session = srd_get_be64(h + SRD_HELLO_OFF_SESSION);
	out->hello_echo = srd_get_be64(h + SRD_HELLO_OFF_ECHO);
	if (!out->hello_session || out->hello_session > out->pn)
		return -EBADMSG;
	return 0;
}

static int parse_preamble(const uint8_t *buf, size_t len, uint64_t pn,
			  struct srd_packet *out)
{
	unsigned flags;

	if (len < SRD_PRE_LEN)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	out->pn = pn;
	out->version = buf[SRD_PRE_OFF_VERSION];
	out->path = srd_get_be16(buf + SRD_PRE_OFF_PATH);
	if (out->version != SRD_WIRE_VERSION)
		return -EPROTONOSUPPORT;
	flags = buf[SRD_PRE_OFF_FLAGS];
	if (flags & ~SRD_PRE_FLAGS_ALL)
		return -EBADMSG;
	return flags & SRD_PRE_F_HELLO ? parse_hello(buf, len, out) : 0;
}

/* Every range must hold at least one pn and stay at or above pn 0. */
static int check_ack_ranges(const struct srd_ack *a)
{
	const uint8_t *pair = a->ranges;
	uint32_t gap, count;
	uint64_t lo, hi;
	unsigned i;

	if (a->first_count == 0 || a->first_count - 1 > a->largest)
		return -EBADMSG;
	lo = a->largest - (a->first_count - 1);
	for (i = 1; i < a->nranges; i++, pair += SRD_ACK_RANGE_LEN) {
		gap = srd_get_be32(pair + SRD_ACK_RANGE_OFF_GAP);
		count = srd_get_be32(pair + SRD_ACK_RANGE_OFF_COUNT);
		if (gap == 0 || count == 0 || lo <= gap)
			return -EBADMSG;
		hi = lo - gap - 1;
		if (count - 1 > hi)
			return -EBADMSG;
		lo = hi - (count - 1);
	}
	return 0;
}

static int parse_ack(const uint8_t *r, unsigned rlen, unsigned flags,
		     struct srd_ack *a)
{
	unsigned more;

	if (flags || rlen < SRD_ACK_LEN ||
	    srd_get_be16(r + SRD_ACK_OFF_RESERVED) != 0)
		return -EBADMSG;
	more = srd_get_be16(r + SRD_ACK_OFF_NRANGES);
	if (more > SRD_ACK_MAX_RANGES ||
	    rlen != SRD_ACK_LEN + more * SRD_ACK_RANGE_LEN)
		return -EBADMSG;
	a->largest = srd_get_be64(r + SRD_ACK_OFF_LARGEST);
	a->delay_ns = srd_get_be32(r + SRD_ACK_OFF_DELAY);
	a->credit = srd_get_be32(r + SRD_ACK_OFF_CREDIT);
	a->first_count = srd_get_be32(r + SRD_ACK_OFF_FIRST_COUNT);
	a->nranges = more + 1;
	a->ranges = r + SRD_ACK_OFF_RANGES;
	return check_ack_ranges(a);
}

static int parse_skip(const uint8_t *r, unsigned rlen, unsigned flags,
		      struct srd_skip *s)
{
	const uint8_t *e;
	unsigned i;

	if (flags || rlen < SRD_SKIP_LEN ||
	    srd_get_be16(r + SRD_SKIP_OFF_RESERVED) != 0)
		return -EBADMSG;
	s->count = srd_get_be16(r + SRD_SKIP_OFF_COUNT);
	if (s->count == 0 || s->count > SRD_SKIP_MAX ||
	    rlen != SRD_SKIP_LEN + s->count * SRD_SKIP_ENTRY_LEN)
		return -EBADMSG;
	s->entries = r + SRD_SKIP_OFF_ENTRIES;
	for (i = 0, e = s->entries; i < s->count; i++, e += SRD_SKIP_ENTRY_LEN) {
		if (srd_get_be16(e + SRD_SKIP_ENT_OFF_RESERVED) != 0)
			return -EBADMSG;
	}
	return 0;
}

static int parse_offload(const uint8_t *o, struct srd_offload *ofl)
{
	if (srd_get_be16(o + SRD_OFL_OFF_RESERVED) != 0)
		return -EBADMSG;
	ofl->gso_type = o[SRD_OFL_OFF_GSO_TYPE];
	ofl->vnet_flags = o[SRD_OFL_OFF_FLAGS];
	ofl->hdr_len = srd_get_be16(o + SRD_OFL_OFF_HDR_LEN);
	ofl->gso_size = srd_get_be16(o + SRD_OFL_OFF_GSO_SIZE);
	ofl->csum_start = srd_get_be16(o + SRD_OFL_OFF_CSUM_START);
	ofl->csum_offset = srd_get_be16(o + SRD_OFL_OFF_CSUM_OFFSET);
	return 0;
}

/* DATA record r of rlen bytes; room counts from r to the end of the packet. */
static int parse_data(const uint8_t *r, unsigned rlen, unsigned flags,
		      size_t room, struct srd_data *d)
{
	bool ofl = flags & SRD_DATA_OFFLOAD;

	if ((flags & ~SRD_DATA_FLAGS_ALL) ||
	    (ofl && !(flags & SRD_DATA_FIRST)) ||
	    rlen != (ofl ? SRD_DATA_MAX_LEN : SRD_DATA_LEN) || room == rlen)
		return -EBADMSG;
	d->vni = srd_get_be32(r + SRD_DATA_OFF_VNI);
	if ((d->vni & ~SRD_VNI_MASK) ||
	    srd_get_be16(r + SRD_DATA_OFF_RESERVED) != 0)
		return -EBADMSG;
	d->lane = srd_get_be16(r + SRD_DATA_OFF_LANE);
	d->seq = srd_get_be32(r + SRD_DATA_OFF_SEQ);
	d->flags = (uint8_t)flags;
	d->frame = r + rlen;
	d->frame_len = room - rlen;
	if (!ofl)
		return 0;
	return parse_offload(r + SRD_DATA_OFF_OFFLOAD, &d->offload);
}

static int parse_body(const uint8_t *r, unsigned type, unsigned flags,
		      unsigned rlen, size_t room, struct srd_packet *out)
{
	switch (type) {
	case SRD_REC_ACK:
		out->has_ack = true;
		return parse_ack(r, rlen, flags, &out->ack);
	case SRD_REC_SKIP:
		out->has_skip = true;
		return parse_skip(r, rlen, flags, &out->skip);
	case SRD_REC_DATA:
		out->has_data = true;
		return parse_data(r, rlen, flags, room, &out->data);
	case SRD_REC_PROBE:
		out->has_probe = true;
		return flags || rlen != SRD_PROBE_LEN ? -EBADMSG : 0;
	}
	return -EBADMSG;
}

/* One record at *off. Types must strictly increase, which also rules out
 * duplicates and anything but ACK < SKIP < DATA | PROBE. */
static int parse_record(const uint8_t *buf, size_t len, size_t *off,
			unsigned *last, struct srd_packet *out)
{
	const uint8_t *r = buf + *off;
	size_t room = len - *off;
	unsigned type, rlen;

	if (room < SRD_REC_HDR_LEN)
		return -EBADMSG;
	type = r[SRD_REC_OFF_TYPE];
	rlen = srd_get_be16(r + SRD_REC_OFF_LEN);
	if (type <= *last || rlen < SRD_REC_HDR_LEN || rlen % SRD_REC_ALIGN ||
	    rlen > room)
		return -EBADMSG;
	*last = type;
	*off += rlen;
	return parse_body(r, type, r[SRD_REC_OFF_FLAGS], rlen, room, out);
}

int srd_wire_parse(const uint8_t *buf, size_t len, uint64_t pn,
		   struct srd_packet *out)
{
	size_t off = SRD_PRE_LEN;
	unsigned last = 0;
	int err;

	err = parse_preamble(buf, len, pn, out);
	if (err)
		return err;
	if (out->has_hello) {
		off += SRD_HELLO_LEN;
		if (off == len) {          /* HELLO-only: the one packet without records */
			out->hdr_len = (uint16_t)off;
			return 0;
		}
	}
	do {
		err = parse_record(buf, len, &off, &last, out);
		if (err)
			return err;
	} while (off < len && last < SRD_REC_DATA);
	out->hdr_len = (uint16_t)off;
	return 0;
}

/* ---- accessors ---- */

void srd_ack_iter_init(struct srd_ack_iter *it, const struct srd_ack *a)
{
	it->next = a->ranges;
	it->left = a->nranges;
	it->hi = a->largest;
	it->count = a->first_count;
}

bool srd_ack_iter_next(struct srd_ack_iter *it, uint64_t *lo, uint64_t *hi)
{
	uint32_t gap;

	if (!it->left)
		return false;
	*hi = it->hi;
	*lo = it->hi - (it->count - 1);
	if (--it->left) {
		gap = srd_get_be32(it->next + SRD_ACK_RANGE_OFF_GAP);
		it->count = srd_get_be32(it->next + SRD_ACK_RANGE_OFF_COUNT);
		it->hi = *lo - gap - 1;
		it->next += SRD_ACK_RANGE_LEN;
	}
	return true;
}

int srd_ack_range(const struct srd_ack *a, unsigned i, uint64_t *lo, uint64_t *hi)
{
	struct srd_ack_iter it;

	if (i >= a->nranges)
		return -EINVAL;
	srd_ack_iter_init(&it, a);
	do {
		srd_ack_iter_next(&it, lo, hi);
	} while (i--);
	return 0;
}

int srd_skip_entry(const struct srd_skip *s, unsigned i, struct srd_skip_ent *e)
{
	const uint8_t *w;

	if (i >= s->count)
		return -EINVAL;
	w = s->entries + (size_t)i * SRD_SKIP_ENTRY_LEN;
	e->lane = srd_get_be16(w + SRD_SKIP_ENT_OFF_LANE);
	e->seq = srd_get_be32(w + SRD_SKIP_ENT_OFF_SEQ);
	return 0;
}

/* ---- writers ---- */

static void put_rec_hdr(uint8_t *p, unsigned type, unsigned flags, size_t len)
{
	p[SRD_REC_OFF_TYPE] = (uint8_t)type;
	p[SRD_REC_OFF_FLAGS] = (uint8_t)flags;
	srd_put_be16(p + SRD_REC_OFF_LEN, (uint16_t)len);
}

int srd_wire_put_preamble(uint8_t *p, size_t cap, uint16_t path)
{
	if (cap < SRD_PRE_LEN)
		return -EMSGSIZE;
	p[SRD_PRE_OFF_VERSION] = SRD_WIRE_VERSION;
	p[SRD_PRE_OFF_FLAGS] = 0;
	srd_put_be16(p + SRD_PRE_OFF_PATH, path);
	return SRD_PRE_LEN;
}

int srd_wire_put_preamble_hello(uint8_t *p, size_t cap, uint16_t path,
				const struct srd_hello *h)
{
	uint8_t *b = p + SRD_PRE_LEN;

	if (!h)
		return srd_wire_put_preamble(p, cap, path);
	if (!h->session)
		return -EINVAL;
	if (cap < SRD_PRE_LEN + SRD_HELLO_LEN)
		return -EMSGSIZE;
	srd_wire_put_preamble(p, cap, path);
	p[SRD_PRE_OFF_FLAGS] = SRD_PRE_F_HELLO;
	srd_put_be64(b + SRD_HELLO_OFF_SESSION, h->session);
	srd_put_be64(b + SRD_HELLO_OFF_ECHO, h->echo);
	return SRD_PRE_LEN + SRD_HELLO_LEN;
}

/* Sorted highest first, each lo <= hi, at least one pn between neighbours. */
static bool ranges_valid(const struct srd_range *rg, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (rg[i].lo > rg[i].hi)
			return false;
		if (i && (rg[i - 1].lo < 2 || rg[i].hi > rg[i - 1].lo - 2))
			return false;
	}
	return true;
}

/* The wire count of a range, cut to its highest 2^32 - 1 pns if longer. */
static uint32_t range_count(const struct srd_range *r, bool *cut)
{
	uint64_t span = r->hi - r->lo;

	*cut = span >= UINT32_MAX;
	return *cut ? UINT32_MAX : (uint32_t)(span + 1);
}

/* How many of the n ranges the ACK can express: stop at the range limit, after a
 * cut range (its true lo is lost), or before a gap that does not fit 32 bits. */
static unsigned ack_plan(const struct srd_range *rg, unsigned n)
{
	unsigned m = 1;
	bool cut;

	range_count(&rg[0], &cut);
	while (m < n && m <= SRD_ACK_MAX_RANGES && !cut &&
	       rg[m - 1].lo - rg[m].hi - 1 <= UINT32_MAX) {
		range_count(&rg[m], &cut);
		m++;
	}
	return m;
}

int srd_wire_put_ack(uint8_t *p, size_t cap, const struct srd_ack_info *a,
		     const struct srd_range *rg, unsigned n)
{
	uint8_t *pair = p + SRD_ACK_OFF_RANGES;
	unsigned i, m;
	size_t len;
	bool cut;

	if (!a || !rg || !n)
		return -EINVAL;
	m = n < SRD_ACK_MAX_RANGES + 1 ? n : SRD_ACK_MAX_RANGES + 1;
	if (!ranges_valid(rg, m))
		return -EINVAL;
	m = ack_plan(rg, m);
	len = srd_wire_ack_len(m);
	if (cap < len)
		return -EMSGSIZE;
	put_rec_hdr(p, SRD_REC_ACK, 0, len);
	srd_put_be64(p + SRD_ACK_OFF_LARGEST, rg[0].hi);
	srd_put_be32(p + SRD_ACK_OFF_DELAY, a->delay_ns);
	srd_put_be32(p + SRD_ACK_OFF_CREDIT, a->credit);
	srd_put_be32(p + SRD_ACK_OFF_FIRST_COUNT, range_count(&rg[0], &cut));
	srd_put_be16(p + SRD_ACK_OFF_NRANGES, (uint16_t)(m - 1));
	srd_put_be16(p + SRD_ACK_OFF_RESERVED, 0);
	for (i = 1; i < m; i++, pair += SRD_ACK_RANGE_LEN) {
		srd_put_be32(pair + SRD_ACK_RANGE_OFF_GAP,
			     (uint32_t)(rg[i - 1].lo - rg[i].hi - 1));
		srd_put_be32(pair + SRD_ACK_RANGE_OFF_COUNT,
			     range_count(&rg[i], &cut));
	}
	return (int)len;
}

int srd_wire_put_skip(uint8_t *p, size_t cap, const struct srd_skip_ent *ents,
		      unsigned n)
{
	size_t len = SRD_SKIP_LEN + (size_t)n * SRD_SKIP_ENTRY_LEN;
	uint8_t *e = p + SRD_SKIP_OFF_ENTRIES;
	unsigned i;

	if (!ents || n == 0 || n > SRD_SKIP_MAX)
		return -EINVAL;
	if (cap < len)
		return -EMSGSIZE;
	put_rec_hdr(p, SRD_REC_SKIP, 0, len);
	srd_put_be16(p + SRD_SKIP_OFF_COUNT, (uint16_t)n);
	srd_put_be16(p + SRD_SKIP_OFF_RESERVED, 0);
	for (i = 0; i < n; i++, e += SRD_SKIP_ENTRY_LEN) {
		srd_put_be16(e + SRD_SKIP_ENT_OFF_LANE, ents[i].lane);
		srd_put_be16(e + SRD_SKIP_ENT_OFF_RESERVED, 0);
		srd_put_be32(e + SRD_SKIP_ENT_OFF_SEQ, ents[i].seq);
	}
	return (int)len;
}

static void put_offload(uint8_t *o, const struct srd_offload *ofl)
{
	o[SRD_OFL_OFF_GSO_TYPE] = ofl->gso_type;
	o[SRD_OFL_OFF_FLAGS] = ofl->vnet_flags;
	srd_put_be16(o + SRD_OFL_OFF_HDR_LEN, ofl->hdr_len);
	srd_put_be16(o + SRD_OFL_OFF_GSO_SIZE, ofl->gso_size);
	srd_put_be16(o + SRD_OFL_OFF_CSUM_START, ofl->csum_start);
	srd_put_be16(o + SRD_OFL_OFF_CSUM_OFFSET, ofl->csum_offset);
	srd_put_be16(o + SRD_OFL_OFF_RESERVED, 0);
}

int srd_wire_put_data_hdr(uint8_t *p, size_t cap, const struct srd_data *d)
{
	bool ofl = d->flags & SRD_DATA_OFFLOAD;
	size_t len = ofl ? SRD_DATA_MAX_LEN : SRD_DATA_LEN;

	if ((d->flags & ~SRD_DATA_FLAGS_ALL) ||
	    (ofl && !(d->flags & SRD_DATA_FIRST)) ||
	    (d->vni & ~SRD_VNI_MASK) || d->frame_len == 0)
		return -EINVAL;
	if (cap < len || cap - len < d->frame_len)
		return -EMSGSIZE;
	put_rec_hdr(p, SRD_REC_DATA, d->flags, len);
	srd_put_be32(p + SRD_DATA_OFF_VNI, d->vni);
	srd_put_be16(p + SRD_DATA_OFF_LANE, d->lane);
	srd_put_be16(p + SRD_DATA_OFF_RESERVED, 0);
	srd_put_be32(p + SRD_DATA_OFF_SEQ, d->seq);
	if (ofl)
		put_offload(p + SRD_DATA_OFF_OFFLOAD, &d->offload);
	return (int)len;
}

int srd_wire_put_probe(uint8_t *p, size_t cap, size_t pad)
{
	if (pad > UINT16_MAX)
		return -EINVAL;
	if (cap < SRD_PROBE_LEN + pad)
		return -EMSGSIZE;
	put_rec_hdr(p, SRD_REC_PROBE, 0, SRD_PROBE_LEN);
	memset(p + SRD_PROBE_LEN, 0, pad);
	return (int)(SRD_PROBE_LEN + pad);
}
