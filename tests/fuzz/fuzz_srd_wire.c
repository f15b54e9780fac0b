/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_srd_wire.c: libFuzzer target for the SRD transport header parser.
 *
 * Arbitrary bytes go to srd_wire_parse(). Whatever it accepts is walked (every ACK
 * range, every SKIP entry, the frame) and re-encoded from the parsed view with the
 * writers. The parser accepts only canonical encodings, so the re-encoded header
 * must equal the input byte for byte (PROBE padding aside) and must parse to the
 * same view. Any difference aborts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "encap/srd_wire.h"

#define PN 0x0123456789abcdefull
#define MAX_IN 65536u

static uint8_t out[MAX_IN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void need(bool ok)
{
	if (!ok)
		abort();
}

/* Every range of a parsed ACK, highest first; checks the iterator's promises. */
static unsigned ack_ranges(const struct srd_ack *a, struct srd_range *rg)
{
	struct srd_ack_iter it;
	unsigned n = 0;

	srd_ack_iter_init(&it, a);
	while (srd_ack_iter_next(&it, &rg[n].lo, &rg[n].hi)) {
		need(rg[n].lo <= rg[n].hi);
		need(n == 0 || rg[n].hi + 1 < rg[n - 1].lo);
		n++;
		need(n <= SRD_ACK_MAX_RANGES + 1);
	}
	need(n == a->nranges && rg[0].hi == a->largest);
	return n;
}

static size_t put_ack(uint8_t *b, size_t cap, const struct srd_ack *a)
{
	struct srd_range rg[SRD_ACK_MAX_RANGES + 1];
	struct srd_ack_info info = { a->delay_ns, a->credit };
	unsigned n = ack_ranges(a, rg);
	int r = srd_wire_put_ack(b, cap, &info, rg, n);

	need(r > 0 && (size_t)r == srd_wire_ack_len(n));
	return (size_t)r;
}

static size_t put_skip(uint8_t *b, size_t cap, const struct srd_skip *s)
{
	struct srd_skip_ent ents[SRD_SKIP_MAX];
	unsigned i;
	int r;

	need(s->count >= 1 && s->count <= SRD_SKIP_MAX);
	for (i = 0; i < s->count; i++)
		need(srd_skip_entry(s, i, &ents[i]) == 0);
	need(srd_skip_entry(s, i, &ents[0]) == -EINVAL);
	r = srd_wire_put_skip(b, cap, ents, s->count);
	need(r > 0);
	return (size_t)r;
}

/* Re-encode p, a parse of len bytes, into b; returns the bytes written. */
static size_t reencode(const struct srd_packet *p, size_t len, uint8_t *b)
{
	struct srd_hello h = { p->hello_session, p->hello_echo };
	int r = srd_wire_put_preamble_hello(b, len, p->path, p->has_hello ? &h : NULL);
	size_t n;

	need(r > 0);
	n = (size_t)r;

	if (p->has_ack)
		n += put_ack(b + n, len - n, &p->ack);
	if (p->has_skip)
		n += put_skip(b + n, len - n, &p->skip);
	if (p->has_data) {
		r = srd_wire_put_data_hdr(b + n, len - n, &p->data);
		need(r > 0);
		n += (size_t)r;
		memcpy(b + n, p->data.frame, p->data.frame_len);
		n += p->data.frame_len;
	}
	if (p->has_probe) {
		r = srd_wire_put_probe(b + n, len - n, len - p->hdr_len);
		need(r > 0);
		n += (size_t)r;
	}
	return n;
}

static void same_ack(const struct srd_ack *a, const struct srd_ack *b)
{
	struct srd_range ra[SRD_ACK_MAX_RANGES + 1], rb[SRD_ACK_MAX_RANGES + 1];
	unsigned n = ack_ranges(a, ra);

	need(a->largest == b->largest && a->delay_ns == b->delay_ns &&
	     a->credit == b->credit && a->first_count == b->first_count);
	need(ack_ranges(b, rb) == n && !memcmp(ra, rb, n * sizeof(ra[0])));
}

static void same_data(const struct srd_data *a, const struct srd_data *b)
{
	need(a->vni == b->vni && a->lane == b->lane && a->seq == b->seq &&
	     a->flags == b->flags && a->frame_len == b->frame_len);
	need(!memcmp(&a->offload, &b->offload, sizeof(a->offload)));
	need(!memcmp(a->frame, b->frame, a->frame_len));
}

static void same_view(const struct srd_packet *a, const struct srd_packet *b)
{
	struct srd_skip_ent ea, eb;

	need(a->pn == b->pn && a->version == b->version && a->path == b->path &&
	     a->hdr_len == b->hdr_len && a->has_hello == b->has_hello &&
	     a->hello_session == b->hello_session && a->hello_echo == b->hello_echo &&
	     a->has_ack == b->has_ack &&
	     a->has_skip == b->has_skip && a->has_data == b->has_data &&
	     a->has_probe == b->has_probe);
	if (a->has_ack)
		same_ack(&a->ack, &b->ack);
	for (unsigned i = 0; a->has_skip && i < a->skip.count; i++) {
		need(b->skip.count == a->skip.count);
		srd_skip_entry(&a->skip, i, &ea);
		srd_skip_entry(&b->skip, i, &eb);
		need(ea.lane == eb.lane && ea.seq == eb.seq);
	}
	if (a->has_data)
		same_data(&a->data, &b->data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srd_packet p, q;
	size_t n;

	if (size > MAX_IN || srd_wire_parse(data, size, PN, &p) != 0)
		return 0;
	need(p.hdr_len <= size);
	need(!p.has_hello || (p.hello_session && p.hello_session <= PN));
	need(!p.has_data || p.data.frame + p.data.frame_len == data + size);
	n = reencode(&p, size, out);
	need(n == size && !memcmp(out, data, p.hdr_len));
	need(p.has_probe || !memcmp(out, data, size));
	need(srd_wire_parse(out, n, PN, &q) == 0);
	same_view(&p, &q);
	return 0;
}
