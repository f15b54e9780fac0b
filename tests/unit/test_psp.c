/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_psp.c: PSP header, key derivation, seal/open, batches and the receiver cache.
 */
#include <errno.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "encap/bytes.h"
#include "encap/psp.h"
#include "tests/check.h"
#include "tests/rng.h"

static const uint8_t master0[32] = {
	0x34, 0x44, 0x8a, 0x06, 0x42, 0x92, 0x60, 0x1b, 0x11, 0xa0, 0x97, 0x8f, 0x56,
	0xa2, 0xd3, 0x4c, 0xf3, 0xfc, 0x35, 0xed, 0xe1, 0xa6, 0xbc, 0x04, 0xf8, 0xdb,
	0x3e, 0x52, 0x43, 0xa2, 0xb0, 0xca,
};
static const uint8_t master1[32] = {
	0x56, 0x39, 0x52, 0x56, 0x5d, 0x3a, 0x78, 0xae, 0x77, 0x3e, 0xc1, 0xb7, 0x79,
	0xf2, 0xf2, 0xd9, 0x9f, 0x4a, 0x7f, 0x53, 0xa6, 0xfb, 0xb9, 0xb0, 0x7d, 0x5b,
	0x71, 0xf3, 0x93, 0x64, 0xd7, 0x39,
};

static uint64_t rng_state = 0x5eed;

static uint64_t rng(void)
{
	return test_splitmix64(&rng_state);
}

/* The PSP KDF block by hand, MACed with EVP_MAC CMAC: an independent check of the
 * KBKDF parameters used by srd_psp_derive_key(). */
static void cmac_block(const uint8_t *master, uint8_t counter, unsigned version,
		       uint32_t spi, uint8_t out[16])
{
	uint8_t block[16] = { 0, 0, 0, counter, 'P', 'v', (uint8_t)('0' + version), 0 };
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, "AES-256-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t len;

	srd_put_be32(block + 8, spi);
	srd_put_be32(block + 12, version ? 256 : 128);
	CHECK(EVP_MAC_init(ctx, master, 32, params) == 1);
	CHECK(EVP_MAC_update(ctx, block, sizeof(block)) == 1);
	CHECK(EVP_MAC_final(ctx, out, &len, 16) == 1 && len == 16);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

static void derive_key__matches_hand_built_cmac_blocks(void)
{
	uint32_t spis[] = { 0x1a345678, 0x9a345678, 0, 0xffffffff, 0x80000000 };
	uint8_t key[32], want[32];
	unsigned i, v;

	for (i = 0; i < sizeof(spis) / sizeof(spis[0]); i++) {
		const uint8_t *m = spis[i] >> 31 ? master1 : master0;

		for (v = 0; v <= 1; v++) {
			CHECK_EQ(srd_psp_derive_key(m, spis[i], v, key), 0);
			cmac_block(m, 1, v, spis[i], want);
			if (v)
				cmac_block(m, 2, v, spis[i], want + 16);
			CHECK_MEM(key, want, v ? 32 : 16);
		}
	}
}

static void derive_key__128_is_not_prefix_of_256(void)
{
	uint8_t k128[16], k256[32];

	CHECK_EQ(srd_psp_derive_key(master1, 0x9a345678, 0, k128), 0);
	CHECK_EQ(srd_psp_derive_key(master1, 0x9a345678, 1, k256), 0);
	CHECK(memcmp(k128, k256, 16) != 0);
}

static void derive_key__unknown_version_rejected(void)
{
	uint8_t key[32];

	CHECK_EQ(srd_psp_key_len(2), 0);
	CHECK_EQ(srd_psp_derive_key(master0, 1, 2, key), -EINVAL);
}

static void hdr_build__parse_round_trip(void)
{
	struct srd_psp_hdr h = {
		.next_hdr = SRD_IPPROTO_SRD, .crypt_off = 12, .version = 1, .vc = true,
		.spi = 0x9a345678, .iv = 0x0102030405060708ull, .cookie = 0xabcdefull,
	}, got;
	uint8_t pkt[64] = { 0 };

	CHECK_EQ(srd_psp_hdr_build(pkt, &h), 24);
	CHECK_EQ(pkt[1], 2);
	CHECK_EQ(pkt[3], 0x07);
	CHECK_EQ(srd_psp_hdr_parse(pkt, sizeof(pkt), &got), 0);
	CHECK_EQ(got.next_hdr, h.next_hdr);
	CHECK_EQ(got.crypt_off, 12);
	CHECK_EQ(got.version, 1);
	CHECK(got.vc);
	CHECK_EQ(got.spi, h.spi);
	CHECK_EQ(got.iv, h.iv);
	CHECK_EQ(got.cookie, h.cookie);
	CHECK_EQ(got.hdr_len, 24);
}

static void hdr_build__bad_crypt_offset_rejected(void)
{
	struct srd_psp_hdr h = { .crypt_off = 6 };
	uint8_t pkt[32];

	CHECK_EQ(srd_psp_hdr_build(pkt, &h), -EINVAL);
	h.crypt_off = 254;
	CHECK_EQ(srd_psp_hdr_build(pkt, &h), -EINVAL);
	h.crypt_off = 252;
	CHECK_EQ(srd_psp_hdr_build(pkt, &h), 16);
	h.version = 2;
	CHECK_EQ(srd_psp_hdr_build(pkt, &h), -EINVAL);
}

static void build_plain(uint8_t *pkt, bool vc, uint8_t crypt_off)
{
	struct srd_psp_hdr h = {
		.next_hdr = 17, .crypt_off = crypt_off, .vc = vc, .spi = 1, .iv = 1,
	};

	srd_psp_hdr_build(pkt, &h);
}

static void hdr_parse__malformed_rejected(void)
{
	struct srd_psp_hdr h;
	uint8_t pkt[64] = { 0 };

	build_plain(pkt, false, 0);
	CHECK_EQ(srd_psp_hdr_parse(pkt, 31, &h), -EBADMSG);   /* no room for ICV */
	CHECK_EQ(srd_psp_hdr_parse(pkt, 32, &h), 0);          /* empty payload */
	pkt[3] &= (uint8_t)~SRD_PSP_FLAG_ONE;
	CHECK_EQ(srd_psp_hdr_parse(pkt, 64, &h), -EBADMSG);
	build_plain(pkt, false, 0);
	pkt[3] |= 2 << SRD_PSP_VER_SHIFT;
	CHECK_EQ(srd_psp_hdr_parse(pkt, 64, &h), -EPROTONOSUPPORT);
	build_plain(pkt, false, 0);
	pkt[1] = 2;                                           /* ext len without V */
	CHECK_EQ(srd_psp_hdr_parse(pkt, 64, &h), -EBADMSG);
	build_plain(pkt, true, 0);
	pkt[1] = 1;                                           /* V without ext len */
	CHECK_EQ(srd_psp_hdr_parse(pkt, 64, &h), -EBADMSG);
	build_plain(pkt, true, 0);
	CHECK_EQ(srd_psp_hdr_parse(pkt, 39, &h), -EBADMSG);   /* cookie cut */
	CHECK_EQ(srd_psp_hdr_parse(pkt, 40, &h), 0);
	build_plain(pkt, false, 36);
	CHECK_EQ(srd_psp_hdr_parse(pkt, 16 + 32 + 16, &h), -EBADMSG); /* off > body */
	CHECK_EQ(srd_psp_hdr_parse(pkt, 16 + 36 + 16, &h), 0);
}

static void hdr_parse__reserved_bits_masked_not_trusted(void)
{
	struct srd_psp_hdr h;
	uint8_t pkt[64] = { 0 };

	build_plain(pkt, false, 4);
	pkt[2] |= 0xc0;
	CHECK_EQ(srd_psp_hdr_parse(pkt, sizeof(pkt), &h), 0);
	CHECK_EQ(h.crypt_off, 4);
}

/* Build, fill and seal a packet of `len` bytes; returns the plaintext copy in ref. */
static int make_sealed(const struct srd_psp_sa *sa, uint8_t *pkt, size_t len,
		       bool vc, uint8_t crypt_off, uint64_t iv, uint8_t *ref)
{
	struct srd_psp_hdr h = {
		.next_hdr = SRD_IPPROTO_SRD, .crypt_off = crypt_off, .version = sa->version,
		.vc = vc, .spi = sa->spi, .iv = iv, .cookie = 0x1122334455667788ull,
	};
	size_t i;
	int hl = srd_psp_hdr_build(pkt, &h);

	for (i = (size_t)hl; i < len - SRD_PSP_ICV_LEN; i++)
		pkt[i] = (uint8_t)rng();
	memcpy(ref, pkt, len);
	return srd_psp_seal(sa, pkt, len);
}

static void seal_open__round_trip_sizes_versions_offsets(void)
{
	static uint8_t pkt[9100], ref[9100];
	size_t sizes[] = { 32, 33, 40, 64, 100, 1500, 9000 };
	struct srd_psp_sa tx, rx;
	struct srd_psp_hdr h;
	unsigned v, s, vc;
	uint8_t key[32];

	for (v = 0; v <= 1; v++) {
		srd_psp_derive_key(master0, 0x1234, v, key);
		CHECK_EQ(srd_psp_sa_init(&tx, key, v, 0x1234, true), 0);
		CHECK_EQ(srd_psp_sa_init(&rx, key, v, 0x1234, false), 0);
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			for (vc = 0; vc <= 1; vc++) {
				size_t len = sizes[s] + (vc ? 8 : 0);
				uint8_t off = (uint8_t)(rng() % ((len - 32) / 4 + 1)) * 4;

				CHECK_EQ(make_sealed(&tx, pkt, len, vc, off, s + 1, ref), 0);
				CHECK(len == 32 || memcmp(pkt + 16 + off, ref + 16 + off,
							  len - 32 - off) != 0 || off == len - 32);
				CHECK_EQ(srd_psp_open(&rx, pkt, len, &h), 0);
				CHECK_MEM(pkt, ref, len - SRD_PSP_ICV_LEN);
				CHECK_EQ(h.cookie, vc ? 0x1122334455667788ull : 0);
			}
		}
		srd_psp_sa_fini(&tx);
		srd_psp_sa_fini(&rx);
	}
}

static void seal__sa_mismatch_rejected(void)
{
	uint8_t pkt[64] = { 0 }, key[16] = { 1 };
	struct srd_psp_sa tx;

	CHECK_EQ(srd_psp_sa_init(&tx, key, 0, 7, true), 0);
	build_plain(pkt, false, 0);   /* SPI 1, not 7 */
	CHECK_EQ(srd_psp_seal(&tx, pkt, sizeof(pkt)), -EINVAL);
	CHECK_EQ(srd_psp_open(&tx, pkt, sizeof(pkt), NULL), -ENOKEY);
	srd_psp_sa_fini(&tx);
	srd_psp_sa_fini(NULL);
}

static void rx_open__derives_once_per_spi(void)
{
	static uint8_t pkt[200], ref[200];
	struct srd_psp_sa tx;
	struct srd_psp_rx rx;
	unsigned i;

	CHECK_EQ(srd_psp_rx_init(&rx), 0);
	CHECK_EQ(srd_psp_rx_open(&rx, pkt, sizeof(pkt), NULL), -EBADMSG);
	CHECK_EQ(srd_psp_sa_init_master(&tx, master1, 1, 0x80000042, true), 0);
	CHECK_EQ(make_sealed(&tx, pkt, sizeof(pkt), false, 0, 1, ref), 0);
	CHECK_EQ(srd_psp_rx_open(&rx, pkt, sizeof(pkt), NULL), -ENOKEY);
	CHECK_EQ(srd_psp_rx_set_master(&rx, 1, master1), 0);
	for (i = 0; i < 100; i++) {
		CHECK_EQ(make_sealed(&tx, pkt, sizeof(pkt), false, 0, i + 2, ref), 0);
		CHECK_EQ(srd_psp_rx_open(&rx, pkt, sizeof(pkt), NULL), 0);
		CHECK_MEM(pkt, ref, sizeof(pkt) - 16);
	}
	CHECK_EQ(rx.derivations, 1);
	srd_psp_sa_fini(&tx);
	srd_psp_rx_fini(&rx);
}

static void rx_set_master__replacing_key_drops_cached_sas(void)
{
	static uint8_t pkt[100], ref[100];
	struct srd_psp_sa tx;
	struct srd_psp_rx rx;

	CHECK_EQ(srd_psp_rx_init(&rx), 0);
	CHECK_EQ(srd_psp_rx_set_master(&rx, 0, master0), 0);
	CHECK_EQ(srd_psp_rx_set_master(&rx, 2, master0), -EINVAL);
	CHECK_EQ(srd_psp_sa_init_master(&tx, master0, 0, 0x42, true), 0);
	CHECK_EQ(make_sealed(&tx, pkt, sizeof(pkt), false, 0, 1, ref), 0);
	CHECK_EQ(srd_psp_rx_open(&rx, pkt, sizeof(pkt), NULL), 0);
	CHECK_EQ(srd_psp_rx_set_master(&rx, 0, master1), 0);  /* rotated */
	CHECK_EQ(make_sealed(&tx, pkt, sizeof(pkt), false, 0, 2, ref), 0);
	CHECK_EQ(srd_psp_rx_open(&rx, pkt, sizeof(pkt), NULL), -EKEYREJECTED);
	CHECK_EQ(srd_psp_rx_set_master(&rx, 0, NULL), 0);     /* removed */
	CHECK_EQ(make_sealed(&tx, pkt, sizeof(pkt), false, 0, 3, ref), 0);
	CHECK_EQ(srd_psp_rx_open(&rx, pkt, sizeof(pkt), NULL), -ENOKEY);
	srd_psp_sa_fini(&tx);
	srd_psp_rx_fini(&rx);
}

static void rx_open__colliding_cache_slots_both_work(void)
{
	static uint8_t pkt[100], ref[100];
	struct srd_psp_sa tx[3 * SRD_PSP_RX_CACHE];
	struct srd_psp_rx rx;
	unsigned i, n = sizeof(tx) / sizeof(tx[0]);

	CHECK_EQ(srd_psp_rx_init(&rx), 0);
	srd_psp_rx_set_master(&rx, 0, master0);
	for (i = 0; i < n; i++)
		CHECK_EQ(srd_psp_sa_init_master(&tx[i], master0, i & 1, i, true), 0);
	for (i = 0; i < 2 * n; i++) {
		CHECK_EQ(make_sealed(&tx[i % n], pkt, sizeof(pkt), false, 0, i, ref), 0);
		CHECK_EQ(srd_psp_rx_open(&rx, pkt, sizeof(pkt), NULL), 0);
		CHECK_MEM(pkt, ref, sizeof(pkt) - 16);
	}
	for (i = 0; i < n; i++)
		srd_psp_sa_fini(&tx[i]);
	srd_psp_rx_fini(&rx);
}

static void batch__reports_each_packet(void)
{
	static uint8_t buf[8][300], ref[300];
	struct srd_psp_pkt pkts[8];
	struct srd_psp_sa tx;
	struct srd_psp_rx rx;
	unsigned i;

	CHECK_EQ(srd_psp_sa_init_master(&tx, master0, 0, 9, true), 0);
	CHECK_EQ(srd_psp_rx_init(&rx), 0);
	srd_psp_rx_set_master(&rx, 0, master0);
	for (i = 0; i < 8; i++) {
		struct srd_psp_hdr h = { .next_hdr = 253, .spi = i == 5 ? 8 : 9, .iv = i };

		srd_psp_hdr_build(buf[i], &h);
		pkts[i] = (struct srd_psp_pkt){ .data = buf[i], .len = 300 };
	}
	CHECK_EQ(srd_psp_seal_batch(&tx, pkts, 8), 7);
	CHECK_EQ(pkts[5].err, -EINVAL);
	buf[2][100] ^= 1;
	pkts[5].len = 10;
	CHECK_EQ(srd_psp_rx_open_batch(&rx, pkts, 8), 6);
	CHECK_EQ(pkts[2].err, -EKEYREJECTED);
	CHECK_EQ(pkts[5].err, -EBADMSG);
	CHECK_EQ(pkts[0].err, 0);
	memset(ref, 0, sizeof(ref));
	CHECK_MEM(buf[0] + 16, ref + 16, 300 - 32);
	srd_psp_sa_fini(&tx);
	srd_psp_rx_fini(&rx);
}

int main(void)
{
	RUN(derive_key__matches_hand_built_cmac_blocks);
	RUN(derive_key__128_is_not_prefix_of_256);
	RUN(derive_key__unknown_version_rejected);
	RUN(hdr_build__parse_round_trip);
	RUN(hdr_build__bad_crypt_offset_rejected);
	RUN(hdr_parse__malformed_rejected);
	RUN(hdr_parse__reserved_bits_masked_not_trusted);
	RUN(seal_open__round_trip_sizes_versions_offsets);
	RUN(seal__sa_mismatch_rejected);
	RUN(rx_open__derives_once_per_spi);
	RUN(rx_set_master__replacing_key_drops_cached_sas);
	RUN(rx_open__colliding_cache_slots_both_work);
	RUN(batch__reports_each_packet);
	return check_exit();
}
