/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto_bench.c: PSP seal/open throughput on one core.
 *
 * For each cipher and payload size, times srd_psp_seal alone and seal followed by
 * srd_psp_rx_open (through the receiver's SA cache, as the datapath will), each for
 * about SECONDS, over a ring of packets so the working set resembles a batch; the
 * open rate is derived from the two. Two baselines run in the same process on the
 * same buffers: "stream", EVP_EncryptUpdate called back to back on one context (the
 * loop `openssl speed -evp` times), and "aead", the bare per-packet AES-GCM
 * (nonce, 16-byte AAD, encrypt, tag) that any packet protocol must pay.
 * Prints one line per case: "psp <cipher> <bytes> <seal B/s> <open B/s>
 * <seal+open B/s> <seal+open pkt/s> <stream B/s> <aead B/s>", bytes counted as
 * payload (what a guest sent), for bench/crypto.sh to set beside `openssl speed`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encap/psp.h"

#define RING 32u  /* packets cycled through */

static const unsigned sizes[] = { 64, 1500, 9000 };

/* One timed case. */
struct bench {
	unsigned version;          /* PSP version */
	size_t payload;            /* bytes between header and ICV */
	uint8_t *pkt[RING];        /* the packets */
	struct srd_psp_sa tx;      /* sealing SA */
	struct srd_psp_rx rx;      /* receiver */
	uint64_t iv;               /* next IV */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void seal_one(struct bench *b, unsigned i)
{
	struct srd_psp_hdr h = {
		.next_hdr = SRD_IPPROTO_SRD, .version = b->version, .spi = b->tx.spi,
		.iv = b->iv++,
	};
	size_t len = SRD_PSP_HDR_LEN + b->payload + SRD_PSP_ICV_LEN;

	srd_psp_hdr_build(b->pkt[i], &h);
	if (srd_psp_seal(&b->tx, b->pkt[i], len))
		abort();
}

static void open_one(struct bench *b, unsigned i)
{
	size_t len = SRD_PSP_HDR_LEN + b->payload + SRD_PSP_ICV_LEN;

	if (srd_psp_rx_open(&b->rx, b->pkt[i], len, NULL))
		abort();
}

/* Packets per second of `what` (1 seal, 2 open, 3 both), run for `secs`. */
static double run(struct bench *b, int what, double secs)
{
	unsigned long n = 0, i, batch = 1024;
	double t0 = now_s(), t;

	do {
		for (i = 0; i < batch; i++, n++) {
			unsigned k = (unsigned)(n % RING);

			if (what & 1)
				seal_one(b, k);
			if (what & 2)
				open_one(b, k);
		}
		t = now_s() - t0;
	} while (t < secs && n < 1000000000ul);
	return (double)n / t;
}

static void aead_one(struct bench *b, unsigned i, EVP_CIPHER_CTX *ctx)
{
	uint8_t *p = b->pkt[i];
	int n;

	p[11] = (uint8_t)b->iv++;
	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, p + 4) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, p, 16) != 1 ||
	    EVP_EncryptUpdate(ctx, p + 16, &n, p + 16, (int)b->payload) != 1 ||
	    EVP_EncryptFinal_ex(ctx, p + 16 + b->payload, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, p + 16 + b->payload) != 1)
		abort();
}

/* Baselines: 1 = streaming updates, 2 = bare per-packet AEAD. Packets/s. */
static double run_baseline(struct bench *b, int kind, double secs)
{
	static const uint8_t key[32] = { 9 };
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	unsigned long n = 0, i;
	double t0, t;
	int outl;

	if (!ctx || EVP_EncryptInit_ex(ctx, b->version ? EVP_aes_256_gcm() :
				       EVP_aes_128_gcm(), NULL, key, b->pkt[0] + 4) != 1)
		abort();
	t0 = now_s();
	do {
		for (i = 0; i < 1024; i++, n++) {
			uint8_t *p = b->pkt[n % RING] + 16;

			if (kind == 2)
				aead_one(b, (unsigned)(n % RING), ctx);
			else if (EVP_EncryptUpdate(ctx, p, &outl, p, (int)b->payload) != 1)
				abort();
		}
		t = now_s() - t0;
	} while (t < secs && n < 1000000000ul);
	EVP_CIPHER_CTX_free(ctx);
	return (double)n / t;
}

static void setup(struct bench *b, unsigned version, size_t payload)
{
	static const uint8_t master[SRD_PSP_MASTER_KEY_LEN] = { 0x5a, 0xa5, 1, 2, 3 };
	unsigned i;

	memset(b, 0, sizeof(*b));
	b->version = version;
	b->payload = payload;
	b->iv = 1;
	for (i = 0; i < RING; i++) {
		b->pkt[i] = calloc(1, payload + 64);
		if (!b->pkt[i])
			abort();
	}
	if (srd_psp_sa_init_master(&b->tx, master, version, 0x00c0ffee, true) ||
	    srd_psp_rx_init(&b->rx) || srd_psp_rx_set_master(&b->rx, 0, master))
		abort();
	for (i = 0; i < RING; i++)
		seal_one(b, i);  /* every packet valid for the open-only run */
}

static void teardown(struct bench *b)
{
	unsigned i;

	for (i = 0; i < RING; i++)
		free(b->pkt[i]);
	srd_psp_sa_fini(&b->tx);
	srd_psp_rx_fini(&b->rx);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	struct bench b;
	unsigned v, s;

	if (secs <= 0 || secs > 60) {
		fprintf(stderr, "usage: srd-bench-crypto [SECONDS per case, 0-60]\n");
		return 2;
	}
	for (v = 0; v <= 1; v++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			double seal, open, both, stream, aead;

			setup(&b, v, sizes[s]);
			seal = run(&b, 1, secs);
			/* Opening decrypts in place, so a packet opens once: time
			 * seal+open pairs and take open's share as the difference. */
			both = run(&b, 3, secs);
			open = 1.0 / (1.0 / both - 1.0 / seal);
			stream = run_baseline(&b, 1, secs);
			aead = run_baseline(&b, 2, secs);
			printf("psp aes-gcm-%s %u %.0f %.0f %.0f %.0f %.0f %.0f\n",
			       v ? "256" : "128", sizes[s], seal * sizes[s],
			       open * sizes[s], both * sizes[s], both,
			       stream * sizes[s], aead * sizes[s]);
			teardown(&b);
		}
	}
	return 0;
}
