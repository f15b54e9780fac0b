/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_srd_wire.c: the SRD transport header: writers, parser, ACK ranges, and
 * every malformed packet the parser must turn away. Packets are parsed from
 * exactly-sized heap copies so AddressSanitizer sees any overread.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encap/bytes.h"
#include "encap/srd_wire.h"
#include "tests/check.h"

#define PN 0x0123456789abcdefull
#define CAP 2048
#define FRAME_LEN 40
#define PAD_LEN 20

/* What build() puts in a sample packet. */
enum {
	K_ACK = 1,     /* three-range ACK */
	K_SKIP = 2,    /* two-entry SKIP */
	K_DATA = 4,    /* DATA without offload block */
	K_OFL = 8,     /* DATA with offload block */
	K_PROBE = 16,  /* PROBE with padding */
	K_HELLO = 32,  /* session block after the preamble */
};

#define SESSION 0x0123456789ab0000ull  /* sample sender session, below PN */
#define ECHO 0x1816687f19bf2f00ull     /* sample echoed session */

static const struct srd_range sample_ranges[] = {
	{ 996, 1000 }, { 992, 992 }, { 950, 979 },
};
static const struct srd_ack_info sample_info = { 10000, 256 };
static const struct srd_skip_ent sample_ents[] = {
	{ 7, 42 }, { 0xffff, 0xfffffff0u },
};
static const struct srd_offload sample_ofl = { 1, 1, 54, 1448, 34, 16 };

static uint8_t *exact;  /* heap copy of the packet parsed last */

/* Parse an exactly-sized copy of b; the view stays valid until the next call. */
static int parse_exact(const uint8_t *b, size_t n, struct srd_packet *p)
{
	free(exact);
	exact = malloc(n ? n : 1);
	if (!exact)
		abort();
	memcpy(exact, b, n);
	return srd_wire_parse(exact, n, PN, p);
}

static size_t must(int r)
{
	CHECK(r > 0);
	return r > 0 ? (size_t)r : 0;
}

static struct srd_data sample_data(bool ofl)
{
	struct srd_data d = {
		.vni = 0x123456, .lane = 7, .seq = 0xfffffffeu,
		.flags = SRD_DATA_FIRST | SRD_DATA_LAST | SRD_DATA_ACK_NOW,
		.frame_len = FRAME_LEN,
	};

	if (ofl) {
		d.flags = SRD_DATA_FIRST | SRD_DATA_OFFLOAD;
		d.offload = sample_ofl;
	}
	return d;
}

static size_t build(uint8_t *b, unsigned k)
{
	static const struct srd_hello hello = { SESSION, ECHO };
	struct srd_data d = sample_data(k & K_OFL);
	size_t n = must(srd_wire_put_preamble_hello(b, CAP, 5,
						    k & K_HELLO ? &hello : NULL));

	if (k & K_ACK)
		n += must(srd_wire_put_ack(b + n, CAP - n, &sample_info,
					   sample_ranges, 3));
	if (k & K_SKIP)
		n += must(srd_wire_put_skip(b + n, CAP - n, sample_ents, 2));
	if (k & (K_DATA | K_OFL)) {
		n += must(srd_wire_put_data_hdr(b + n, CAP - n, &d));
		for (unsigned i = 0; i < FRAME_LEN; i++)
			b[n + i] = (uint8_t)(0xa0 + i);
		n += FRAME_LEN;
	}
	if (k & K_PROBE)
		n += must(srd_wire_put_probe(b + n, CAP - n, PAD_LEN));
	return n;
}

/* Bytes before the frame or padding of a sample packet. */
static size_t sample_hdr_len(unsigned k)
{
	return SRD_PRE_LEN + (k & K_HELLO ? SRD_HELLO_LEN : 0) +
	       (k & K_ACK ? SRD_ACK_LEN + 16 : 0) +
	       (k & K_SKIP ? SRD_SKIP_LEN + 16 : 0) + (k & K_DATA ? 16 : 0) +
	       (k & K_OFL ? 28 : 0) + (k & K_PROBE ? 4 : 0);
}

static void check_sample_ack(const struct srd_ack *a)
{
	uint64_t lo, hi;

	CHECK_EQ(a->largest, 1000);
	CHECK_EQ(a->delay_ns, 10000);
	CHECK_EQ(a->credit, 256);
	CHECK_EQ(a->first_count, 5);
	CHECK_EQ(a->nranges, 3);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(srd_ack_range(a, i, &lo, &hi), 0);
		CHECK_EQ(lo, sample_ranges[i].lo);
		CHECK_EQ(hi, sample_ranges[i].hi);
	}
}

static void check_sample_data(const struct srd_data *d, bool ofl)
{
	struct srd_data want = sample_data(ofl);

	CHECK_EQ(d->vni, want.vni);
	CHECK_EQ(d->lane, want.lane);
	CHECK_EQ(d->seq, want.seq);
	CHECK_EQ(d->flags, want.flags);
	CHECK_EQ(d->frame_len, FRAME_LEN);
	CHECK_EQ(d->frame[0], 0xa0);
	CHECK_EQ(d->frame[FRAME_LEN - 1], 0xa0 + FRAME_LEN - 1);
	CHECK_MEM(&d->offload, &want.offload, sizeof(want.offload));
}

static void check_sample(const struct srd_packet *p, unsigned k)
{
	struct srd_skip_ent e;

	CHECK_EQ(p->pn, PN);
	CHECK_EQ(p->version, 1);
	CHECK_EQ(p->path, 5);
	CHECK_EQ(p->hdr_len, sample_hdr_len(k));
	CHECK_EQ(p->has_ack, !!(k & K_ACK));
	CHECK_EQ(p->has_skip, !!(k & K_SKIP));
	CHECK_EQ(p->has_data, !!(k & (K_DATA | K_OFL)));
	CHECK_EQ(p->has_probe, !!(k & K_PROBE));
	CHECK_EQ(p->has_hello, !!(k & K_HELLO));
	CHECK_EQ(p->hello_session, k & K_HELLO ? SESSION : 0);
	CHECK_EQ(p->hello_echo, k & K_HELLO ? ECHO : 0);
	CHECK_EQ(srd_packet_hello_only(p), k == K_HELLO);
	CHECK_EQ(srd_packet_ack_eliciting(p), (k & ~K_HELLO) != K_ACK && k != K_HELLO);
	if (p->has_ack)
		check_sample_ack(&p->ack);
	if (p->has_skip) {
		CHECK_EQ(p->skip.count, 2);
		CHECK_EQ(srd_skip_entry(&p->skip, 1, &e), 0);
		CHECK_EQ(e.lane, 0xffff);
		CHECK_EQ(e.seq, 0xfffffff0u);
	}
	if (p->has_data)
		check_sample_data(&p->data, k & K_OFL);
}

/* Every non-empty combination: [ACK] [SKIP] [DATA | DATA+offload | PROBE]. */
static const unsigned kinds[] = {
	K_ACK, K_SKIP, K_ACK | K_SKIP,
	K_DATA, K_ACK | K_DATA, K_SKIP | K_DATA, K_ACK | K_SKIP | K_DATA,
	K_OFL, K_ACK | K_OFL, K_SKIP | K_OFL, K_ACK | K_SKIP | K_OFL,
	K_PROBE, K_ACK | K_PROBE, K_SKIP | K_PROBE, K_ACK | K_SKIP | K_PROBE,
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static void parse__every_combination_round_trips(void)
{
	uint8_t b[CAP];
	struct srd_packet p;

	for (unsigned i = 0; i < 2 * NKINDS; i++) {   /* without, then with HELLO */
		unsigned k = kinds[i % NKINDS] | (i < NKINDS ? 0 : K_HELLO);
		size_t n = build(b, k);

		CHECK_EQ(parse_exact(b, n, &p), 0);
		check_sample(&p, k);
	}
}

static void parse__hello_only_packet(void)
{
	static const uint8_t want[] = {
		0x01, 0x01, 0x00, 0x05,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0x00, 0x00,
		0x18, 0x16, 0x68, 0x7f, 0x19, 0xbf, 0x2f, 0x00,
	};
	uint8_t b[CAP];
	struct srd_packet p;
	size_t n = build(b, K_HELLO);

	CHECK_EQ(n, SRD_PRE_LEN + SRD_HELLO_LEN);
	CHECK_MEM(b, want, sizeof(want));
	CHECK_EQ(parse_exact(b, n, &p), 0);
	check_sample(&p, K_HELLO);
	CHECK(!srd_packet_ack_now(&p));
	CHECK_EQ(p.hdr_len, 20);
	for (size_t len = SRD_PRE_LEN; len < n; len++)   /* a cut session block */
		CHECK_EQ(parse_exact(b, len, &p), -EBADMSG);
	b[SRD_PRE_OFF_FLAGS] = 0;                       /* no HELLO: records needed */
	CHECK_EQ(parse_exact(b, SRD_PRE_LEN, &p), -EBADMSG);
}

static void parse__hello_session_zero_or_above_pn_rejected(void)
{
	uint8_t b[CAP];
	struct srd_packet p;

	for (unsigned i = 0; i < 2; i++) {
		size_t n = build(b, i ? K_HELLO | K_DATA : K_HELLO);

		srd_put_be64(b + SRD_PRE_LEN + SRD_HELLO_OFF_SESSION, 0);
		CHECK_EQ(parse_exact(b, n, &p), -EBADMSG);
		srd_put_be64(b + SRD_PRE_LEN + SRD_HELLO_OFF_SESSION, PN + 1);
		CHECK_EQ(parse_exact(b, n, &p), -EBADMSG);  /* a session is its first pn */
		srd_put_be64(b + SRD_PRE_LEN + SRD_HELLO_OFF_SESSION, PN);
		CHECK_EQ(parse_exact(b, n, &p), 0);
		CHECK_EQ(p.hello_session, PN);
		srd_put_be64(b + SRD_PRE_LEN + SRD_HELLO_OFF_ECHO, 0);
		CHECK_EQ(parse_exact(b, n, &p), 0);          /* echo 0: none known */
		CHECK_EQ(p.hello_echo, 0);
	}
}

static void put_preamble_hello__rejects_zero_session_and_no_room(void)
{
	struct srd_hello h = { 0, ECHO };
	uint8_t b[CAP];

	CHECK_EQ(srd_wire_put_preamble_hello(b, CAP, 0, &h), -EINVAL);
	h.session = SESSION;
	for (size_t cap = 0; cap < SRD_PRE_LEN + SRD_HELLO_LEN; cap++)
		CHECK_EQ(srd_wire_put_preamble_hello(b, cap, 0, &h), -EMSGSIZE);
	CHECK_EQ(srd_wire_put_preamble_hello(b, 20, 0, &h), 20);
	CHECK_EQ(srd_wire_put_preamble_hello(b, 4, 9, NULL), 4);   /* plain preamble */
	CHECK_MEM(b, "\x01\x00\x00\x09", 4);
}

/* The packet of the worked example in docs/protocol.md, byte for byte. */
static const uint8_t doc_example[] = {
	0x01, 0x00, 0x00, 0x05,                          /* v1, path 5 */
	0x01, 0x00, 0x00, 0x2c,                          /* ACK, len 44 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  /* largest 1000 */
	0x00, 0x00, 0x27, 0x10,                          /* delay 10000 ns */
	0x00, 0x00, 0x01, 0x00,                          /* credit 256 */
	0x00, 0x00, 0x00, 0x05,                          /* first_count 5 */
	0x00, 0x02, 0x00, 0x00,                          /* nranges 2 */
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,  /* gap 3, count 1 */
	0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x1e,  /* gap 12, count 30 */
	0x03, 0x03, 0x00, 0x10,                          /* DATA FIRST|LAST */
	0x00, 0x01, 0x23, 0x45,                          /* vni 0x12345 */
	0x00, 0x07, 0x00, 0x00,                          /* lane 7 */
	0x00, 0x00, 0x00, 0x2a,                          /* seq 42 */
	0xde, 0xad, 0xbe, 0xef,                          /* frame */
};

static void parse__doc_example(void)
{
	struct srd_packet p;
	uint8_t b[CAP];
	size_t n;
	struct srd_data d = {
		.vni = 0x12345, .lane = 7, .seq = 42, .frame_len = 4,
		.flags = SRD_DATA_FIRST | SRD_DATA_LAST,
	};

	CHECK_EQ(parse_exact(doc_example, sizeof(doc_example), &p), 0);
	CHECK(p.has_ack && p.has_data && !p.has_skip && !p.has_probe);
	check_sample_ack(&p.ack);
	CHECK_EQ(p.data.vni, 0x12345);
	CHECK_EQ(p.data.frame_len, 4);
	n = must(srd_wire_put_preamble(b, CAP, 5));
	n += must(srd_wire_put_ack(b + n, CAP - n, &sample_info, sample_ranges, 3));
	n += must(srd_wire_put_data_hdr(b + n, CAP - n, &d));
	memcpy(b + n, "\xde\xad\xbe\xef", 4);
	CHECK_EQ(n + 4, sizeof(doc_example));
	CHECK_MEM(b, doc_example, sizeof(doc_example));
}

/* The session example of docs/protocol.md §4.4: A's first packet, HELLO(a, 0),
 * then its first DATA once bound, still carrying HELLO(a, b). */
#define DOC_A 1735689600000000000ull     /* 2025-01-01T00:00:00Z, in ns */
#define DOC_B 1735689601500000000ull     /* 1.5 s later */

static const uint8_t doc_hello[] = {
	0x01, 0x01, 0x00, 0x00,                          /* v1, HELLO, path 0 */
	0x18, 0x16, 0x68, 0x7e, 0xc0, 0x57, 0x00, 0x00,  /* session a */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* echo: none */
};

static const uint8_t doc_hello_data[] = {
	0x01, 0x01, 0x00, 0x03,                          /* v1, HELLO, path 3 */
	0x18, 0x16, 0x68, 0x7e, 0xc0, 0x57, 0x00, 0x00,  /* session a */
	0x18, 0x16, 0x68, 0x7f, 0x19, 0xbf, 0x2f, 0x00,  /* echo b */
	0x03, 0x0b, 0x00, 0x10,                          /* DATA FIRST|LAST|ACK_NOW */
	0x00, 0x01, 0x23, 0x45,                          /* vni 0x12345 */
	0x00, 0x07, 0x00, 0x00,                          /* lane 7 */
	0x00, 0x00, 0x00, 0x00,                          /* seq 0 */
	0xde, 0xad, 0xbe, 0xef,                          /* frame */
};

static void parse__doc_session_example(void)
{
	struct srd_hello h = { DOC_A, 0 };
	struct srd_data d = {
		.vni = 0x12345, .lane = 7, .seq = 0, .frame_len = 4,
		.flags = SRD_DATA_FIRST | SRD_DATA_LAST | SRD_DATA_ACK_NOW,
	};
	struct srd_packet p;
	uint8_t b[CAP];
	size_t n;

	CHECK_EQ(srd_wire_parse(doc_hello, sizeof(doc_hello), DOC_A, &p), 0);
	CHECK(srd_packet_hello_only(&p));
	CHECK(p.hello_session == DOC_A && p.hello_echo == 0);
	CHECK_EQ(srd_wire_put_preamble_hello(b, CAP, 0, &h), (int)sizeof(doc_hello));
	CHECK_MEM(b, doc_hello, sizeof(doc_hello));
	CHECK_EQ(srd_wire_parse(doc_hello_data, sizeof(doc_hello_data), DOC_A + 2, &p), 0);
	CHECK(p.has_hello && p.has_data && !p.has_ack);
	CHECK(p.hello_session == DOC_A && p.hello_echo == DOC_B);
	CHECK_EQ(p.data.lane, 7);
	CHECK_EQ(p.data.frame_len, 4);
	h.echo = DOC_B;
	n = must(srd_wire_put_preamble_hello(b, CAP, 3, &h));
	n += must(srd_wire_put_data_hdr(b + n, CAP - n, &d));
	memcpy(b + n, "\xde\xad\xbe\xef", 4);
	CHECK_EQ(n + 4, sizeof(doc_hello_data));
	CHECK_MEM(b, doc_hello_data, sizeof(doc_hello_data));
	CHECK_EQ(srd_wire_parse(doc_hello_data, sizeof(doc_hello_data), DOC_A - 1, &p),
		 -EBADMSG);                              /* session above the pn */
}

/* ---- ACK ranges against a reference bitmap ---- */

#define WIN 1024  /* bitmap window in pns */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool bit(const uint8_t *m, unsigned i)
{
	return m[i / 8] & (1u << (i % 8));
}

/* Ranges of set bits, highest first, as pns base + i. */
static unsigned bitmap_ranges(const uint8_t *m, uint64_t base, struct srd_range *rg)
{
	unsigned n = 0;
	int i = WIN - 1;

	while (i >= 0) {
		if (!bit(m, (unsigned)i)) {
			i--;
			continue;
		}
		rg[n].hi = base + (unsigned)i;
		while (i >= 0 && bit(m, (unsigned)i))
			i--;
		rg[n++].lo = base + (unsigned)(i + 1);
	}
	return n;
}

static uint64_t random_base(void)
{
	switch (rnd() % 4) {
	case 0:
		return 0;
	case 1:
		return rnd() % 5000;
	case 2:
		return UINT64_MAX - WIN + 1;
	}
	return rnd() >> 1;
}

/* A bitmap with density 1/2, 1/8, 1/64 or 7/8 and a bit set at one end. */
static void random_bitmap(uint8_t *m)
{
	static const uint64_t mask[] = { 1, 7, 63, 7 };
	unsigned mode = rnd() % 4;

	memset(m, 0, WIN / 8);
	while (m[WIN / 8 - 1] == 0 && m[0] == 0) {
		for (unsigned i = 0; i < WIN; i++) {
			bool hit = (rnd() & mask[mode]) == 0;

			if (hit != (mode == 3))
				m[i / 8] |= (uint8_t)(1u << (i % 8));
		}
	}
}

/* Decode the ACK of p into a bitmap; false if a range leaves the window. */
static bool ack_bitmap(const struct srd_ack *a, uint64_t base, uint8_t *m)
{
	struct srd_ack_iter it;
	uint64_t lo, hi;
	unsigned n = 0;

	memset(m, 0, WIN / 8);
	srd_ack_iter_init(&it, a);
	while (srd_ack_iter_next(&it, &lo, &hi)) {
		if (lo < base || hi - base >= WIN || lo > hi)
			return false;
		for (uint64_t i = lo - base; i <= hi - base; i++)
			m[i / 8] |= (uint8_t)(1u << (i % 8));
		n++;
	}
	return n == a->nranges;
}

static void one_random_ack(void)
{
	static struct srd_range rg[WIN];
	uint8_t want[WIN / 8], got[WIN / 8], b[CAP];
	struct srd_ack_info info = { (uint32_t)rnd(), (uint32_t)rnd() };
	uint64_t base = random_base();
	struct srd_packet p;
	unsigned n, m;
	size_t len;

	random_bitmap(want);
	n = bitmap_ranges(want, base, rg);
	m = n < SRD_ACK_MAX_RANGES + 1 ? n : SRD_ACK_MAX_RANGES + 1;
	len = must(srd_wire_put_preamble(b, CAP, 0));
	len += must(srd_wire_put_ack(b + len, CAP - len, &info, rg, n));
	CHECK_EQ(len, SRD_PRE_LEN + srd_wire_ack_len(n));
	CHECK_EQ(parse_exact(b, len, &p), 0);
	CHECK_EQ(p.ack.nranges, m);
	CHECK_EQ(p.ack.delay_ns, info.delay_ns);
	CHECK(ack_bitmap(&p.ack, base, got));
	for (unsigned i = 0; i < rg[m - 1].lo - base; i++)
		want[i / 8] &= (uint8_t)~(1u << (i % 8));
	CHECK_MEM(got, want, sizeof(want));
}

static void put_ack__random_sets_match_bitmap(void)
{
	int before = check_failures;

	rng_state = 0x5eed5eed12345678ull;
	for (unsigned i = 0; i < 3000 && check_failures == before; i++)
		one_random_ack();
}

static void put_ack__truncates_to_max_ranges(void)
{
	struct srd_range rg[100];
	struct srd_packet p;
	uint8_t b[CAP];
	uint64_t lo, hi;
	size_t n;

	for (unsigned i = 0; i < 100; i++)
		rg[i].lo = rg[i].hi = 1000 - 3 * i;
	n = must(srd_wire_put_preamble(b, CAP, 0));
	n += must(srd_wire_put_ack(b + n, CAP - n, &sample_info, rg, 100));
	CHECK_EQ(n, SRD_PRE_LEN + SRD_ACK_MAX_LEN);
	CHECK_EQ(parse_exact(b, n, &p), 0);
	CHECK_EQ(p.ack.nranges, SRD_ACK_MAX_RANGES + 1);
	CHECK_EQ(srd_ack_range(&p.ack, SRD_ACK_MAX_RANGES, &lo, &hi), 0);
	CHECK_EQ(lo, 1000 - 3 * SRD_ACK_MAX_RANGES);
	CHECK_EQ(srd_ack_range(&p.ack, SRD_ACK_MAX_RANGES + 1, &lo, &hi), -EINVAL);
}

static void put_ack__rejects_bad_ranges(void)
{
	static const struct srd_range bad[][2] = {
		{ { 5, 4 }, { 0, 0 } },      /* lo > hi */
		{ { 1, 2 }, { 5, 9 } },      /* ascending */
		{ { 5, 9 }, { 3, 5 } },      /* overlapping */
		{ { 5, 9 }, { 1, 4 } },      /* adjacent: no gap */
		{ { 0, 9 }, { 0, 0 } },      /* nothing below pn 0 */
		{ { 1, 9 }, { 0, 0 } },      /* adjacent at pn 0 */
	};
	uint8_t b[CAP];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(srd_wire_put_ack(b, CAP, &sample_info, bad[i], 2), -EINVAL);
	CHECK_EQ(srd_wire_put_ack(b, CAP, &sample_info, sample_ranges, 0), -EINVAL);
	CHECK_EQ(srd_wire_put_ack(b, CAP, NULL, sample_ranges, 1), -EINVAL);
	CHECK_EQ(srd_wire_put_ack(b, CAP, &sample_info, NULL, 1), -EINVAL);
}

static void put_ack__cuts_what_32_bits_cannot_say(void)
{
	static const struct srd_range whole[] = { { 0, UINT64_MAX } };
	static const struct srd_range just[] = {
		{ 9, 9 + (uint64_t)UINT32_MAX }, { 0, 0 },
	};
	static const struct srd_range far[] = { { 1ull << 40, 1ull << 40 }, { 0, 0 } };
	static const struct srd_range near[] = { { 1ull << 32, 1ull << 32 }, { 0, 0 } };
	struct srd_packet p;
	uint8_t b[CAP];
	uint64_t lo, hi;

	must(srd_wire_put_preamble(b, CAP, 0));
	CHECK_EQ(srd_wire_put_ack(b + 4, CAP - 4, &sample_info, whole, 1), 28);
	CHECK_EQ(parse_exact(b, 32, &p), 0);
	CHECK_EQ(p.ack.largest, UINT64_MAX);
	CHECK_EQ(p.ack.first_count, UINT32_MAX);
	CHECK_EQ(srd_wire_put_ack(b + 4, CAP - 4, &sample_info, just, 2), 28);
	CHECK_EQ(parse_exact(b, 32, &p), 0);
	CHECK_EQ(p.ack.first_count, UINT32_MAX);
	CHECK_EQ(p.ack.nranges, 1);
	CHECK_EQ(srd_wire_put_ack(b + 4, CAP - 4, &sample_info, far, 2), 28);
	CHECK_EQ(parse_exact(b, 32, &p), 0);
	CHECK_EQ(p.ack.nranges, 1);
	CHECK_EQ(srd_wire_put_ack(b + 4, CAP - 4, &sample_info, near, 2), 36);
	CHECK_EQ(parse_exact(b, 40, &p), 0);
	CHECK_EQ(srd_ack_range(&p.ack, 1, &lo, &hi), 0);
	CHECK_EQ(lo, 0);
	CHECK_EQ(hi, 0);
}

static void put__no_room(void)
{
	struct srd_data d = sample_data(true);
	uint8_t b[CAP];

	for (size_t cap = 0; cap < 44; cap++)
		CHECK_EQ(srd_wire_put_ack(b, cap, &sample_info, sample_ranges, 3),
			 -EMSGSIZE);
	for (size_t cap = 0; cap < 24; cap++)
		CHECK_EQ(srd_wire_put_skip(b, cap, sample_ents, 2), -EMSGSIZE);
	for (size_t cap = 0; cap < 28 + FRAME_LEN; cap++)
		CHECK_EQ(srd_wire_put_data_hdr(b, cap, &d), -EMSGSIZE);
	CHECK_EQ(srd_wire_put_data_hdr(b, 28 + FRAME_LEN, &d), 28);
	CHECK_EQ(srd_wire_put_preamble(b, 3, 0), -EMSGSIZE);
	CHECK_EQ(srd_wire_put_probe(b, 3, 0), -EMSGSIZE);
	CHECK_EQ(srd_wire_put_probe(b, 13, 10), -EMSGSIZE);
}

static void put_skip__rejects_bad_count(void)
{
	struct srd_skip_ent ents[SRD_SKIP_MAX + 1] = { { 0, 0 } };
	uint8_t b[CAP];

	CHECK_EQ(srd_wire_put_skip(b, CAP, ents, 0), -EINVAL);
	CHECK_EQ(srd_wire_put_skip(b, CAP, ents, SRD_SKIP_MAX + 1), -EINVAL);
	CHECK_EQ(srd_wire_put_skip(b, CAP, NULL, 1), -EINVAL);
	CHECK_EQ(srd_wire_put_skip(b, CAP, ents, SRD_SKIP_MAX), SRD_SKIP_MAX_LEN);
}

static void put_data_hdr__rejects_bad_fields(void)
{
	struct srd_data d = sample_data(false);
	uint8_t b[CAP];

	d.flags = 0x10;
	CHECK_EQ(srd_wire_put_data_hdr(b, CAP, &d), -EINVAL);
	d.flags = SRD_DATA_OFFLOAD | SRD_DATA_LAST;
	CHECK_EQ(srd_wire_put_data_hdr(b, CAP, &d), -EINVAL);
	d = sample_data(false);
	d.vni = 0x01000000;
	CHECK_EQ(srd_wire_put_data_hdr(b, CAP, &d), -EINVAL);
	d = sample_data(false);
	d.frame_len = 0;
	CHECK_EQ(srd_wire_put_data_hdr(b, CAP, &d), -EINVAL);
}

static void put_probe__pads_with_zeros(void)
{
	uint8_t b[64], zero[32] = { 0 };

	memset(b, 0xff, sizeof(b));
	CHECK_EQ(srd_wire_put_probe(b, sizeof(b), 32), 36);
	CHECK_MEM(b, "\x04\x00\x00\x04", 4);
	CHECK_MEM(b + 4, zero, 32);
	CHECK_EQ(b[36], 0xff);
	CHECK_EQ(srd_wire_put_probe(b, sizeof(b), 70000), -EINVAL);
}

/* ---- malformed input ---- */

/* Offsets of the records in sample packets. */
#define ACK_AT 4u                  /* ACK right after the preamble */
#define SKIP_AT (4u + 44u)         /* SKIP after the sample ACK */
#define DATA_AT (4u + 44u + 24u)   /* DATA after ACK and SKIP */
#define ALL (K_ACK | K_SKIP)

/* A parsed view must only describe bytes inside the packet. */
static void check_view_sane(const struct srd_packet *p, size_t len)
{
	struct srd_skip_ent e;
	struct srd_ack_iter it;
	uint64_t lo, hi, prev_lo = 0;
	unsigned n = 0;

	CHECK(p->hdr_len <= len);
	CHECK(!p->has_hello || (p->hello_session && p->hello_session <= p->pn &&
				p->hdr_len >= SRD_PRE_LEN + SRD_HELLO_LEN));
	if (p->has_ack) {
		srd_ack_iter_init(&it, &p->ack);
		while (srd_ack_iter_next(&it, &lo, &hi)) {
			CHECK(lo <= hi);
			CHECK(n == 0 || hi + 1 < prev_lo);
			prev_lo = lo;
			n++;
		}
		CHECK_EQ(n, p->ack.nranges);
	}
	for (unsigned i = 0; p->has_skip && i < p->skip.count; i++)
		CHECK_EQ(srd_skip_entry(&p->skip, i, &e), 0);
	if (p->has_data)
		CHECK_EQ(p->data.frame_len, len - p->hdr_len);
}

/* Whether sample packet k cut to len bytes is still a valid packet: cut right
 * after its ACK or SKIP, or inside the frame or padding. */
static bool cut_valid(unsigned k, size_t len)
{
	size_t hdr = sample_hdr_len(k);
	size_t skip_end = SKIP_AT + 24 - (k & K_ACK ? 0 : 44);

	if (((k & K_ACK) && len == ACK_AT + 44) ||
	    ((k & K_SKIP) && len == skip_end))
		return true;
	if (k & (K_DATA | K_OFL))
		return len > hdr;
	return (k & K_PROBE) && len >= hdr;
}

/* The same with a session block: cut right after it, or as above 16 bytes on. */
static bool cut_valid_hello(unsigned k, size_t len)
{
	size_t hdr = SRD_PRE_LEN + SRD_HELLO_LEN;

	return len == hdr || (len > hdr && cut_valid(k, len - SRD_HELLO_LEN));
}

static void parse__truncation_rejected(void)
{
	uint8_t b[CAP];
	struct srd_packet p;

	for (unsigned i = 0; i < 2 * NKINDS; i++) {
		unsigned k = kinds[i % NKINDS] | (i < NKINDS ? 0 : K_HELLO);
		size_t n = build(b, k);

		for (size_t len = 0; len < n; len++) {
			int r = parse_exact(b, len, &p);
			bool ok = k & K_HELLO ? cut_valid_hello(k & ~K_HELLO, len)
					      : cut_valid(k, len);

			CHECK_EQ(r, ok ? 0 : -EBADMSG);
			if (r == 0)
				check_view_sane(&p, len);
		}
	}
}

static void parse__bad_version_rejected(void)
{
	static const uint8_t vers[] = { 0, 2, 0xff };
	uint8_t b[CAP];
	struct srd_packet p;
	size_t n = build(b, K_DATA);

	for (unsigned i = 0; i < sizeof(vers); i++) {
		b[SRD_PRE_OFF_VERSION] = vers[i];
		CHECK_EQ(parse_exact(b, n, &p), -EPROTONOSUPPORT);
	}
}

/* Set byte off of sample packet k to v and expect -EBADMSG. */
static void expect_bad(unsigned k, size_t off, uint8_t v)
{
	uint8_t b[CAP];
	struct srd_packet p;
	size_t n = build(b, k);

	b[off] = v;
	if (parse_exact(b, n, &p) != -EBADMSG) {
		fprintf(stderr, "kinds %#x byte %zu = %#x accepted\n", k, off, v);
		CHECK(0);
	}
}

static void parse__flags_rejected(void)
{
	for (unsigned f = 0x02; f <= 0x80; f <<= 1) {   /* all but HELLO undefined */
		expect_bad(K_DATA, SRD_PRE_OFF_FLAGS, (uint8_t)f);
		expect_bad(K_HELLO, SRD_PRE_OFF_FLAGS, (uint8_t)(f | SRD_PRE_F_HELLO));
		expect_bad(K_HELLO | K_PROBE, SRD_PRE_OFF_FLAGS, (uint8_t)f);
	}
	expect_bad(K_DATA, SRD_PRE_OFF_FLAGS, SRD_PRE_F_HELLO);   /* no session block */
	expect_bad(ALL | K_DATA, ACK_AT + SRD_REC_OFF_FLAGS, 0x01);
	expect_bad(ALL | K_DATA, SKIP_AT + SRD_REC_OFF_FLAGS, 0x80);
	expect_bad(K_PROBE, 4 + SRD_REC_OFF_FLAGS, SRD_DATA_ACK_NOW);
	for (unsigned f = 0x10; f <= 0x80; f <<= 1)
		expect_bad(ALL | K_DATA, DATA_AT + SRD_REC_OFF_FLAGS,
			   (uint8_t)(f | SRD_DATA_FIRST));
}

static void parse__reserved_nonzero_rejected(void)
{
	expect_bad(ALL | K_DATA, ACK_AT + SRD_ACK_OFF_RESERVED + 1, 1);
	expect_bad(ALL | K_DATA, SKIP_AT + SRD_SKIP_OFF_RESERVED, 0x80);
	expect_bad(ALL | K_DATA, SKIP_AT + SRD_SKIP_OFF_ENTRIES + 8 +
		   SRD_SKIP_ENT_OFF_RESERVED + 1, 1);
	expect_bad(ALL | K_DATA, DATA_AT + SRD_DATA_OFF_RESERVED, 1);
	expect_bad(ALL | K_OFL, DATA_AT + SRD_DATA_OFF_OFFLOAD +
		   SRD_OFL_OFF_RESERVED + 1, 1);
}

static void parse__vni_top_bits_rejected(void)
{
	for (unsigned v = 1; v <= 0x80; v <<= 1)
		expect_bad(K_DATA, 4 + SRD_DATA_OFF_VNI, (uint8_t)v);
}

static void parse__bad_len_rejected(void)
{
	static const uint8_t lens[] = { 0, 1, 2, 3, 42, 46, 48, 0xff };

	for (unsigned i = 0; i < sizeof(lens); i++)
		expect_bad(K_ACK, ACK_AT + SRD_REC_OFF_LEN + 1, lens[i]);
	expect_bad(K_ACK, ACK_AT + SRD_REC_OFF_LEN, 1);     /* past the end */
	expect_bad(K_SKIP, 4 + SRD_REC_OFF_LEN + 1, 18);    /* unaligned */
	expect_bad(K_SKIP, 4 + SRD_REC_OFF_LEN + 1, 16);    /* count says 2 */
	expect_bad(K_DATA, 4 + SRD_REC_OFF_LEN + 1, 20);
	expect_bad(K_DATA, 4 + SRD_REC_OFF_LEN + 1, 28);    /* no OFFLOAD flag */
	expect_bad(K_OFL, 4 + SRD_REC_OFF_LEN + 1, 16);     /* OFFLOAD flag */
	expect_bad(K_PROBE, 4 + SRD_REC_OFF_LEN + 1, 8);
	expect_bad(K_PROBE, 4 + SRD_REC_OFF_LEN + 1, 0);
	expect_bad(K_ACK, ACK_AT + SRD_ACK_OFF_NRANGES + 1, 1);  /* len mismatch */
	expect_bad(K_ACK, ACK_AT + SRD_ACK_OFF_NRANGES + 1, 3);
}

static void parse__duplicate_or_misordered_records_rejected(void)
{
	uint8_t b[CAP];
	struct srd_packet p;
	size_t n = must(srd_wire_put_preamble(b, CAP, 0));

	n += must(srd_wire_put_skip(b + n, CAP - n, sample_ents, 1));
	n += must(srd_wire_put_ack(b + n, CAP - n, &sample_info, sample_ranges, 1));
	CHECK_EQ(parse_exact(b, n, &p), -EBADMSG);              /* SKIP, ACK */
	n = 4 + must(srd_wire_put_ack(b + 4, CAP - 4, &sample_info, sample_ranges, 1));
	n += must(srd_wire_put_ack(b + n, CAP - n, &sample_info, sample_ranges, 1));
	CHECK_EQ(parse_exact(b, n, &p), -EBADMSG);              /* ACK, ACK */
	n = 4 + must(srd_wire_put_skip(b + 4, CAP - 4, sample_ents, 1));
	n += must(srd_wire_put_skip(b + n, CAP - n, sample_ents, 1));
	CHECK_EQ(parse_exact(b, n, &p), -EBADMSG);              /* SKIP, SKIP */
	n = 4 + must(srd_wire_put_probe(b + 4, CAP - 4, 0));
	n += must(srd_wire_put_ack(b + n, CAP - n, &sample_info, sample_ranges, 1));
	CHECK_EQ(parse_exact(b, n, &p), 0);                     /* ACK is padding */
	CHECK(p.has_probe && !p.has_ack);
	CHECK_EQ(p.hdr_len, 8);
}

static void parse__bytes_after_data_are_frame(void)
{
	uint8_t b[CAP];
	struct srd_packet p;
	size_t n = build(b, K_DATA) - FRAME_LEN;

	n += must(srd_wire_put_ack(b + n, CAP - n, &sample_info, sample_ranges, 1));
	CHECK_EQ(parse_exact(b, n, &p), 0);
	CHECK(p.has_data && !p.has_ack);
	CHECK_EQ(p.data.frame_len, 28);
	CHECK_EQ(p.data.frame[0], SRD_REC_ACK);
}

static void parse__empty_data_rejected(void)
{
	uint8_t b[CAP];
	struct srd_packet p;

	for (unsigned k = K_DATA; k <= K_OFL; k <<= 1) {
		size_t n = build(b, K_ACK | k) - FRAME_LEN;

		CHECK_EQ(parse_exact(b, n, &p), -EBADMSG);
		CHECK_EQ(parse_exact(b, n + 1, &p), 0);
	}
}

static void parse__unknown_type_rejected(void)
{
	static const uint8_t types[] = { 0x00, 0x05, 0x06, 0x7f, 0x80, 0xff };

	for (unsigned i = 0; i < sizeof(types); i++) {
		expect_bad(K_PROBE, 4 + SRD_REC_OFF_TYPE, types[i]);
		expect_bad(K_ACK | K_PROBE, ACK_AT + 44 + SRD_REC_OFF_TYPE, types[i]);
	}
}

static void parse__no_records_rejected(void)
{
	uint8_t b[CAP];
	struct srd_packet p;

	must(srd_wire_put_preamble(b, CAP, 0));
	CHECK_EQ(parse_exact(b, SRD_PRE_LEN, &p), -EBADMSG);
}

static void parse__skip_count_rejected(void)
{
	uint8_t b[CAP];
	struct srd_packet p;
	size_t n = SRD_PRE_LEN + SRD_SKIP_LEN + 33 * SRD_SKIP_ENTRY_LEN;

	memset(b, 0, sizeof(b));
	must(srd_wire_put_preamble(b, CAP, 0));
	b[4] = SRD_REC_SKIP;
	srd_put_be16(b + 4 + SRD_REC_OFF_LEN, (uint16_t)(n - 4));
	b[4 + SRD_SKIP_OFF_COUNT + 1] = 33;
	CHECK_EQ(parse_exact(b, n, &p), -EBADMSG);
	srd_put_be16(b + 4 + SRD_REC_OFF_LEN, SRD_SKIP_MAX_LEN);
	b[4 + SRD_SKIP_OFF_COUNT + 1] = 32;
	CHECK_EQ(parse_exact(b, SRD_PRE_LEN + SRD_SKIP_MAX_LEN, &p), 0);
	srd_put_be16(b + 4 + SRD_REC_OFF_LEN, SRD_SKIP_LEN);
	b[4 + SRD_SKIP_OFF_COUNT + 1] = 0;
	CHECK_EQ(parse_exact(b, SRD_PRE_LEN + SRD_SKIP_LEN, &p), -EBADMSG);
}

/* An ACK-only packet: largest, first_count, then n (gap, count) pairs. */
static size_t raw_ack(uint8_t *b, uint64_t largest, uint32_t first,
		      const uint32_t *pairs, unsigned n)
{
	size_t len = SRD_ACK_LEN + n * SRD_ACK_RANGE_LEN;

	memset(b, 0, SRD_PRE_LEN + len);
	must(srd_wire_put_preamble(b, CAP, 0));
	b[4] = SRD_REC_ACK;
	srd_put_be16(b + 4 + SRD_REC_OFF_LEN, (uint16_t)len);
	srd_put_be64(b + 4 + SRD_ACK_OFF_LARGEST, largest);
	srd_put_be32(b + 4 + SRD_ACK_OFF_FIRST_COUNT, first);
	srd_put_be16(b + 4 + SRD_ACK_OFF_NRANGES, (uint16_t)n);
	for (unsigned i = 0; i < 2 * n; i++)
		srd_put_be32(b + 4 + SRD_ACK_OFF_RANGES + 4 * i, pairs[i]);
	return SRD_PRE_LEN + len;
}

static int ack_result(uint64_t largest, uint32_t first, const uint32_t *pairs,
		      unsigned n)
{
	uint8_t b[CAP];
	struct srd_packet p;

	return parse_exact(b, raw_ack(b, largest, first, pairs, n), &p);
}

static void parse__ack_nranges_over_max_rejected(void)
{
	uint32_t pairs[2 * (SRD_ACK_MAX_RANGES + 1)];

	for (unsigned i = 0; i < 2 * (SRD_ACK_MAX_RANGES + 1); i++)
		pairs[i] = 1;
	CHECK_EQ(ack_result(1000, 1, pairs, SRD_ACK_MAX_RANGES), 0);
	CHECK_EQ(ack_result(1000, 1, pairs, SRD_ACK_MAX_RANGES + 1), -EBADMSG);
}

static void parse__ack_zero_gap_or_count_rejected(void)
{
	static const uint32_t zero_gap[] = { 0, 1 };
	static const uint32_t zero_count[] = { 1, 0 };
	static const uint32_t ok[] = { 1, 1 };

	CHECK_EQ(ack_result(100, 1, ok, 1), 0);
	CHECK_EQ(ack_result(100, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(ack_result(UINT64_MAX, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(ack_result(100, 1, zero_gap, 1), -EBADMSG);
	CHECK_EQ(ack_result(100, 1, zero_count, 1), -EBADMSG);
}

static void parse__ack_underflow_rejected(void)
{
	static const uint32_t to_zero[] = { 9, 1 };      /* 10, gap 9 -> [0, 0] */
	static const uint32_t gap_under[] = { 10, 1 };   /* hi would be -1 */
	static const uint32_t count_under[] = { 9, 2 };  /* lo would be -1 */
	static const uint32_t huge_gap[] = { 0xffffffffu, 1 };

	CHECK_EQ(ack_result(5, 6, NULL, 0), 0);
	CHECK_EQ(ack_result(5, 7, NULL, 0), -EBADMSG);
	CHECK_EQ(ack_result(0, 1, NULL, 0), 0);
	CHECK_EQ(ack_result(0, 2, NULL, 0), -EBADMSG);
	CHECK_EQ(ack_result(10, 1, to_zero, 1), 0);
	CHECK_EQ(ack_result(10, 1, gap_under, 1), -EBADMSG);
	CHECK_EQ(ack_result(10, 1, count_under, 1), -EBADMSG);
	CHECK_EQ(ack_result(UINT64_MAX, UINT32_MAX, huge_gap, 1), 0);
	CHECK_EQ(ack_result(0xffffffffu, 1, huge_gap, 1), -EBADMSG);
}

static void parse__offload_without_first_rejected(void)
{
	expect_bad(K_OFL, 4 + SRD_REC_OFF_FLAGS, SRD_DATA_OFFLOAD);
	expect_bad(K_OFL, 4 + SRD_REC_OFF_FLAGS, SRD_DATA_OFFLOAD | SRD_DATA_LAST);
}

static void parse__ack_eliciting_rules(void)
{
	uint8_t b[CAP];
	struct srd_packet p;

	parse_exact(b, build(b, K_ACK), &p);
	CHECK(!srd_packet_ack_eliciting(&p) && !srd_packet_ack_now(&p));
	parse_exact(b, build(b, K_ACK | K_SKIP), &p);
	CHECK(srd_packet_ack_eliciting(&p) && !srd_packet_ack_now(&p));
	parse_exact(b, build(b, K_OFL), &p);
	CHECK(srd_packet_ack_eliciting(&p) && !srd_packet_ack_now(&p));
	parse_exact(b, build(b, K_DATA), &p);
	CHECK(srd_packet_ack_eliciting(&p) && srd_packet_ack_now(&p));
	parse_exact(b, build(b, K_PROBE), &p);
	CHECK(srd_packet_ack_eliciting(&p) && srd_packet_ack_now(&p));
}

static void parse__bit_flips_never_crash(void)
{
	unsigned ok = 0, bad = 0;
	struct srd_packet p;
	uint8_t b[CAP];

	for (unsigned i = 0; i < 2 * NKINDS + 1; i++) {
		unsigned k = i == 2 * NKINDS ? K_HELLO :
			     kinds[i % NKINDS] | (i < NKINDS ? 0 : K_HELLO);
		size_t n = build(b, k);

		for (size_t bitno = 0; bitno < 8 * n; bitno++) {
			b[bitno / 8] ^= (uint8_t)(1u << (bitno % 8));
			if (parse_exact(b, n, &p) == 0) {
				check_view_sane(&p, n);
				ok++;
			} else {
				bad++;
			}
			b[bitno / 8] ^= (uint8_t)(1u << (bitno % 8));
		}
	}
	CHECK(ok > 0 && bad > 0);
}

static void srd_seq_before__wraps(void)
{
	CHECK(srd_seq_before(1, 2));
	CHECK(!srd_seq_before(2, 1));
	CHECK(!srd_seq_before(7, 7));
	CHECK(srd_seq_before(0xfffffff0u, 5));
	CHECK(!srd_seq_before(5, 0xfffffff0u));
	CHECK(srd_seq_before(0, 0x7fffffffu));
	CHECK(!srd_seq_before(0, 0x80000001u));
}

static void srd_skip_entry__index_past_end_rejected(void)
{
	uint8_t b[CAP];
	struct srd_packet p;
	struct srd_skip_ent e;

	CHECK_EQ(parse_exact(b, build(b, K_SKIP), &p), 0);
	CHECK_EQ(srd_skip_entry(&p.skip, 0, &e), 0);
	CHECK_EQ(e.lane, 7);
	CHECK_EQ(e.seq, 42);
	CHECK_EQ(srd_skip_entry(&p.skip, 2, &e), -EINVAL);
	CHECK_EQ(srd_skip_entry(&p.skip, UINT32_MAX, &e), -EINVAL);
}

int main(void)
{
	RUN(parse__every_combination_round_trips);
	RUN(parse__doc_example);
	RUN(parse__hello_only_packet);
	RUN(parse__hello_session_zero_or_above_pn_rejected);
	RUN(parse__doc_session_example);
	RUN(put_preamble_hello__rejects_zero_session_and_no_room);
	RUN(put_ack__random_sets_match_bitmap);
	RUN(put_ack__truncates_to_max_ranges);
	RUN(put_ack__rejects_bad_ranges);
	RUN(put_ack__cuts_what_32_bits_cannot_say);
	RUN(put__no_room);
	RUN(put_skip__rejects_bad_count);
	RUN(put_data_hdr__rejects_bad_fields);
	RUN(put_probe__pads_with_zeros);
	RUN(parse__truncation_rejected);
	RUN(parse__bad_version_rejected);
	RUN(parse__flags_rejected);
	RUN(parse__reserved_nonzero_rejected);
	RUN(parse__vni_top_bits_rejected);
	RUN(parse__bad_len_rejected);
	RUN(parse__duplicate_or_misordered_records_rejected);
	RUN(parse__bytes_after_data_are_frame);
	RUN(parse__empty_data_rejected);
	RUN(parse__unknown_type_rejected);
	RUN(parse__no_records_rejected);
	RUN(parse__skip_count_rejected);
	RUN(parse__ack_nranges_over_max_rejected);
	RUN(parse__ack_zero_gap_or_count_rejected);
	RUN(parse__ack_underflow_rejected);
	RUN(parse__offload_without_first_rejected);
	RUN(parse__ack_eliciting_rules);
	RUN(parse__bit_flips_never_crash);
	RUN(srd_seq_before__wraps);
	RUN(srd_skip_entry__index_past_end_rejected);
	free(exact);
	return check_exit();
}
