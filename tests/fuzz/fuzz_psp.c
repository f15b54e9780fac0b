/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_psp.c: libFuzzer target for the PSP receive path. The first input byte picks:
 *   0: header parse and receiver open of arbitrary bytes (cache, derivation, auth)
 *   1: frame decapsulation of an arbitrary Ethernet frame
 *   2: seal then open of a fuzzer-shaped packet: must round-trip, and must be
 *      rejected once a fuzzer-chosen bit from the header on is flipped
 *   3: frame encapsulation then decapsulation: the L4 payload must come back
 */
#include <stdlib.h>
#include <string.h>

#include "encap/psp_frame.h"

#define BUF 70000

static struct srd_psp_rx rx;
static struct srd_psp_sa tx[2];
static uint8_t buf[BUF], out[BUF + SRD_PSP_FRAME_MAX_OVERHEAD], ref[BUF];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setup(void)
{
	static const uint8_t m0[32] = { 1, 2, 3 }, m1[32] = { 4, 5, 6 };

	if (srd_psp_rx_init(&rx) || srd_psp_rx_set_master(&rx, 0, m0) ||
	    srd_psp_rx_set_master(&rx, 1, m1) ||
	    srd_psp_sa_init_master(&tx[0], m0, 0, 0x00001234, true) ||
	    srd_psp_sa_init_master(&tx[1], m1, 1, 0x80005678, true))
		abort();
}

static void open_raw(const uint8_t *d, size_t n)
{
	struct srd_psp_hdr h;

	memcpy(buf, d, n);
	srd_psp_hdr_parse(buf, n, &h);
	srd_psp_rx_open(&rx, buf, n, &h);
}

static void decap_raw(const uint8_t *d, size_t n)
{
	size_t len;

	srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, d, n, out, sizeof(out), &len, NULL);
}

static void seal_open(const uint8_t *d, size_t n)
{
	const struct srd_psp_sa *sa;
	struct srd_psp_hdr h = { 0 };
	size_t len, bit;
	int hl;

	if (n < 4)
		return;
	sa = &tx[d[0] & 1];
	h = (struct srd_psp_hdr){ .next_hdr = d[1], .version = sa->version,
				  .vc = d[0] & 2, .spi = sa->spi, .iv = d[2] };
	len = (n - 3) + SRD_PSP_HDR_LEN + SRD_PSP_ICV_LEN + (h.vc ? 8 : 0);
	h.crypt_off = (uint8_t)(((d[3] & 0x3f) * 4) % (len - 31) / 4 * 4);
	hl = srd_psp_hdr_build(buf, &h);
	memcpy(buf + hl, d + 3, n - 3);
	memcpy(ref, buf, len);
	if (srd_psp_seal(sa, buf, len) || srd_psp_rx_open(&rx, buf, len, NULL) ||
	    memcmp(buf, ref, len - SRD_PSP_ICV_LEN))
		abort();
	srd_psp_seal(sa, buf, len);
	bit = ((size_t)d[1] << 8 | d[2]) % (len * 8);
	buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (srd_psp_rx_open(&rx, buf, len, NULL) == 0)
		abort();
}

static size_t differing_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i, diff = 0;

	for (i = 0; i < n; i++)
		diff += a[i] != b[i];
	return diff;
}

static void encap_decap(const uint8_t *d, size_t n)
{
	struct srd_psp_frame_opts o = {
		.tunnel = n && (d[0] & 1), .off_transport = n > 1 ? d[1] & 3 : 0,
		.off_tunnel_v4 = 5, .off_tunnel_v6 = 10, .vc = n && (d[0] & 2),
		.udp_port = SRD_PSP_UDP_PORT,
	};
	size_t len, back;

	if (n < 2)
		return;
	if (srd_psp_frame_encap(&tx[d[0] >> 7], &o, 1, d + 2, n - 2, out, sizeof(out),
				&len))
		return;
	/* Decapsulation gives back the input frame (Ethernet padding trimmed), except
	 * a transport-mode IPv4 header checksum, which is recomputed. */
	if (srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, out, len, buf, sizeof(buf),
				&back, NULL) || back > n - 2)
		abort();
	if (differing_bytes(buf, d + 2, back) > (o.tunnel ? 0 : 2))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1 || size > BUF - 64)
		return 0;
	switch (data[0] & 3) {
	case 0:
		open_raw(data + 1, size - 1);
		break;
	case 1:
		decap_raw(data + 1, size - 1);
		break;
	case 2:
		seal_open(data + 1, size - 1);
		break;
	default:
		encap_decap(data + 1, size - 1);
	}
	return 0;
}
