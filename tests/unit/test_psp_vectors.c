/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_psp_vectors.c: the PSP reference implementation's known answers
 * (../shared/psp-vectors, read at test time): decrypt every capture back to its
 * cleartext, re-encrypt every cleartext to the exact encrypted frame, reject the
 * corrupt captures and every single-bit flip from the PSP header to the ICV.
 */
#include <errno.h>
#include <sys/stat.h>

#include "ctl/pcap_io.h"
#include "ctl/psp_cfg.h"
#include "encap/psp_frame.h"
#include "tests/check.h"

#define MAX_FRAMES 8
#define FRAME_MAX 2048

/* One encrypted capture and where it came from. */
struct vector {
	const char *name;       /* encrypted/<name>.pcap */
	const char *cleartext;  /* cleartext/<cleartext>.pcap */
	const char *cfg;        /* cfg/<cfg>.cfg */
};

static const struct vector vectors[] = {
	{ "v4_encrypt_transport_crypt_off_128", "v4_cleartext", "encrypt_transport_crypt_off_128" },
	{ "v4_encrypt_transport_no_crypt_off_128", "v4_cleartext", "encrypt_transport_no_crypt_off_128" },
	{ "v4_encrypt_transport_crypt_off_256", "v4_cleartext", "encrypt_transport_crypt_off_256" },
	{ "v4_encrypt_transport_no_crypt_off_256", "v4_cleartext", "encrypt_transport_no_crypt_off_256" },
	{ "v4_encrypt_tunnel_crypt_off_128", "v4_cleartext", "encrypt_tunnel_crypt_off_128" },
	{ "v4_encrypt_tunnel_no_crypt_off_128", "v4_cleartext", "encrypt_tunnel_no_crypt_off_128" },
	{ "v4_encrypt_tunnel_crypt_off_256", "v4_cleartext", "encrypt_tunnel_crypt_off_256" },
	{ "v4_encrypt_tunnel_no_crypt_off_256", "v4_cleartext", "encrypt_tunnel_no_crypt_off_256" },
	{ "v6_encrypt_transport_crypt_off_128", "v6_cleartext", "encrypt_transport_crypt_off_128" },
	{ "v6_encrypt_transport_no_crypt_off_128", "v6_cleartext", "encrypt_transport_no_crypt_off_128" },
	{ "v6_encrypt_transport_crypt_off_256", "v6_cleartext", "encrypt_transport_crypt_off_256" },
	{ "v6_encrypt_transport_no_crypt_off_256", "v6_cleartext", "encrypt_transport_no_crypt_off_256" },
	{ "v6_encrypt_tunnel_crypt_off_128", "v6_cleartext", "encrypt_tunnel_crypt_off_128" },
	{ "v6_encrypt_tunnel_no_crypt_off_128", "v6_cleartext", "encrypt_tunnel_no_crypt_off_128" },
	{ "v6_encrypt_tunnel_crypt_off_256", "v6_cleartext", "encrypt_tunnel_crypt_off_256" },
	{ "v6_encrypt_tunnel_no_crypt_off_256", "v6_cleartext", "encrypt_tunnel_no_crypt_off_256" },
	{ "v4_encrypt_transport_crypt_off_128_empty", "v4_cleartext_empty", "encrypt_transport_crypt_off_128_empty" },
	{ "v6_encrypt_tunnel_crypt_off_256_empty", "v6_cleartext_empty", "encrypt_tunnel_crypt_off_256_empty" },
	{ "v4_encrypt_transport_crypt_off_128_vc", "v4_cleartext", "encrypt_transport_crypt_off_128_vc" },
	{ "v4_encrypt_transport_no_crypt_off_128_vc", "v4_cleartext", "encrypt_transport_no_crypt_off_128_vc" },
	{ "v6_encrypt_tunnel_crypt_off_256_vc", "v6_cleartext", "encrypt_tunnel_crypt_off_256_vc" },
	{ "v6_encrypt_tunnel_no_crypt_off_256_vc", "v6_cleartext", "encrypt_tunnel_no_crypt_off_256_vc" },
	{ "v4_encrypt_transport_crypt_off_128_4pkt", "v4_cleartext_4pkt", "encrypt_transport_crypt_off_128" },
	{ "v6_encrypt_tunnel_crypt_off_256_4pkt", "v6_cleartext_4pkt", "encrypt_tunnel_crypt_off_256" },
};

static const struct vector corrupt[] = {
	{ "v4_encrypt_transport_crypt_off_128_corrupt", "v4_cleartext", "encrypt_transport_crypt_off_128" },
	{ "v6_encrypt_tunnel_crypt_off_256_corrupt", "v6_cleartext", "encrypt_tunnel_crypt_off_256" },
};

/* The frames of one capture file. */
struct capture {
	unsigned n;                          /* frames */
	size_t len[MAX_FRAMES];              /* frame lengths */
	uint8_t frame[MAX_FRAMES][FRAME_MAX];/* frame bytes */
};

static struct capture enc, clear;      /* the pair under test */
static struct srd_psp_rx rx;           /* receiver with decrypt.cfg's keys */

static int load_capture(const char *dir, const char *name, struct capture *c)
{
	char path[512], err[512];
	struct srd_pcap_frame f;
	struct srd_pcap pc;
	int got;

	snprintf(path, sizeof(path), "%s/%s/%s.pcap", SRD_VECTORS_DIR, dir, name);
	c->n = 0;
	if (srd_pcap_open_read(&pc, path, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	while ((got = srd_pcap_next(&pc, &f, err, sizeof(err))) == 1 && c->n < MAX_FRAMES &&
	       f.len <= FRAME_MAX) {
		memcpy(c->frame[c->n], f.data, f.len);
		c->len[c->n++] = f.len;
	}
	srd_pcap_close(&pc, err, sizeof(err));
	return got == 0 ? 0 : -1;
}

static int load_cfg(const char *name, struct srd_psp_cfg *cfg)
{
	char path[512], err[512];

	snprintf(path, sizeof(path), "%s/cfg/%s.cfg", SRD_VECTORS_DIR, name);
	if (srd_psp_cfg_load(path, cfg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int load_pair(const struct vector *v)
{
	if (load_capture("encrypted", v->name, &enc) ||
	    load_capture("cleartext", v->cleartext, &clear)) {
		fprintf(stderr, "vector %s: cannot load\n", v->name);
		return -1;
	}
	return 0;
}

static void decrypt_one(const struct vector *v)
{
	static uint8_t out[FRAME_MAX];
	size_t len;
	unsigned i;

	CHECK(load_pair(v) == 0);
	CHECK_EQ(enc.n, clear.n);
	for (i = 0; i < enc.n && i < clear.n; i++) {
		int err = srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, enc.frame[i], enc.len[i],
					      out, sizeof(out), &len, NULL);
		if (err || len != clear.len[i] || memcmp(out, clear.frame[i], len))
			fprintf(stderr, "  decrypt %s frame %u: err %d\n", v->name, i + 1, err);
		CHECK_EQ(err, 0);
		CHECK_EQ(len, clear.len[i]);
		CHECK(memcmp(out, clear.frame[i], clear.len[i]) == 0);
	}
}

static void frame_decap__every_vector_gives_cleartext(void)
{
	unsigned i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		decrypt_one(&vectors[i]);
}

static void encrypt_one(const struct vector *v)
{
	static uint8_t out[FRAME_MAX];
	struct srd_psp_cfg cfg;
	struct srd_psp_sa sa;
	size_t len;
	unsigned i;

	CHECK(load_pair(v) == 0);
	if (load_cfg(v->cfg, &cfg) || !cfg.has_tx) {
		CHECK(!"encryptor cfg loads");
		return;
	}
	CHECK_EQ(srd_psp_sa_init_master(&sa, cfg.master[cfg.spi >> 31], cfg.version,
					cfg.spi, true), 0);
	for (i = 0; i < clear.n && i < enc.n; i++) {
		int err = srd_psp_frame_encap(&sa, &cfg.opts, i + 1, clear.frame[i],
					      clear.len[i], out, sizeof(out), &len);
		if (err || len != enc.len[i] || memcmp(out, enc.frame[i], len))
			fprintf(stderr, "  encrypt %s frame %u: err %d\n", v->name, i + 1, err);
		CHECK_EQ(err, 0);
		CHECK_EQ(len, enc.len[i]);
		CHECK(memcmp(out, enc.frame[i], enc.len[i]) == 0);
	}
	srd_psp_sa_fini(&sa);
	srd_psp_cfg_wipe(&cfg);
}

static void frame_encap__every_cleartext_gives_vector_bytes(void)
{
	unsigned i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		encrypt_one(&vectors[i]);
}

static void frame_decap__corrupt_vectors_fail_authentication(void)
{
	static uint8_t out[FRAME_MAX];
	size_t len;
	unsigned i;

	for (i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		CHECK(load_pair(&corrupt[i]) == 0);
		CHECK_EQ(enc.n, 1);
		CHECK_EQ(srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, enc.frame[0], enc.len[0],
					     out, sizeof(out), &len, NULL), -EKEYREJECTED);
	}
}

/* Offset of the PSP header: Ethernet, IP header, UDP. */
static size_t psp_offset(const uint8_t *f)
{
	size_t ip = 14;

	return f[ip] >> 4 == 4 ? ip + (f[ip] & 0xfu) * 4 + 8 : ip + 40 + 8;
}

static unsigned flips_rejected(const uint8_t *frame, size_t len)
{
	static uint8_t in[FRAME_MAX], out[FRAME_MAX];
	size_t bit, out_len, start = psp_offset(frame) * 8;
	unsigned accepted = 0;

	memcpy(in, frame, len);
	for (bit = start; bit < len * 8; bit++) {
		in[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, in, len, out, sizeof(out),
					&out_len, NULL) == 0) {
			fprintf(stderr, "  bit %zu of %zu accepted\n", bit, len * 8);
			accepted++;
		}
		in[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	return accepted;
}

static void frame_decap__every_single_bit_flip_rejected(void)
{
	unsigned i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		CHECK(load_pair(&vectors[i]) == 0);
		CHECK_EQ(flips_rejected(enc.frame[0], enc.len[0]), 0);
	}
}

int main(void)
{
	struct srd_psp_cfg keys;
	struct stat st;

	if (stat(SRD_VECTORS_DIR "/encrypted", &st) != 0)
		SKIP("PSP vectors not found at " SRD_VECTORS_DIR
		     " (the repository's sibling ../shared/psp-vectors)");
	if (load_cfg("decrypt", &keys) || srd_psp_rx_init(&rx) ||
	    srd_psp_rx_set_master(&rx, 0, keys.master[0]) ||
	    srd_psp_rx_set_master(&rx, 1, keys.master[1])) {
		fprintf(stderr, "cannot set up decrypt.cfg keys\n");
		return 1;
	}
	srd_psp_cfg_wipe(&keys);
	RUN(frame_decap__every_vector_gives_cleartext);
	RUN(frame_encap__every_cleartext_gives_vector_bytes);
	RUN(frame_decap__corrupt_vectors_fail_authentication);
	RUN(frame_decap__every_single_bit_flip_rejected);
	srd_psp_rx_fini(&rx);
	return check_exit();
}
