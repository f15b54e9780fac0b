/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srdctl_psp.c: `srdctl psp decrypt|encrypt` — read a capture, write a capture
 * (`srdctl psp keys`, the cfg for srdvs's own traffic, is in srdctl_keys.c).
 *
 * decrypt: frames to the PSP UDP port are authenticated and decapsulated; frames that
 * fail are not written and are reported with their 1-based frame number; other frames
 * are copied unchanged. encrypt: IP frames are encapsulated with IVs counting up from
 * --iv (default 1, as the reference encryptor does); frames that cannot be (not IP,
 * or IPv6 transport without TCP/UDP) are copied unchanged and consume no IV.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/pcap_io.h"
#include "ctl/psp_cfg.h"
#include "ctl/srdctl.h"
#include "encap/psp_frame.h"

#define FRAME_BUF (SRD_PCAP_SNAPLEN + SRD_PSP_FRAME_MAX_OVERHEAD)

/* What one run did, for the summary line. */
struct psp_counts {
	unsigned long frames;   /* frames read */
	unsigned long done;     /* frames encrypted or decrypted */
	unsigned long copied;   /* frames passed through unchanged */
	unsigned long failed;   /* frames dropped with an error */
};

/* Options and state of one run. */
struct psp_run {
	bool encrypt;             /* direction */
	const char *cfg_path;     /* --cfg */
	uint16_t port;            /* --port: PSP UDP destination port */
	uint64_t iv;              /* next IV (encrypt) */
	struct srd_psp_cfg cfg;   /* keys and encryptor settings */
	struct srd_psp_sa tx;     /* encrypt: the SA for cfg.spi */
	struct srd_psp_rx rx;     /* decrypt: receiver keys */
	struct psp_counts n;      /* results */
	uint8_t buf[FRAME_BUF];   /* output frame */
};

static void psp_usage(FILE *f)
{
	fprintf(f,
		"usage: srdctl psp decrypt --cfg FILE [--port N] IN.pcap OUT.pcap\n"
		"       srdctl psp encrypt --cfg FILE [--port N] [--iv N] IN.pcap OUT.pcap\n"
		"       srdctl psp keys --psk-file F --receiver ADDR [...]   (psp keys --help)\n"
		"\n"
		"FILE is a PSP reference-tool cfg: two master keys (32 hex bytes each) and,\n"
		"for encrypt, SPI, transport|tunnel, aes-gcm-128|aes-gcm-256, three crypt\n"
		"offsets and vc|no-vc. --port is the PSP UDP port (default 1000); --iv the\n"
		"first IV (default 1). Frames failing authentication are reported on stderr\n"
		"by frame number and not written; the exit status is then 1.\n");
}

static const char *psp_strerror(int err)
{
	switch (err) {
	case -EKEYREJECTED:
		return "authentication failed";
	case -ENOKEY:
		return "no master key for this SPI";
	case -EPROTONOSUPPORT:
		return "unsupported PSP version";
	case -EBADMSG:
		return "malformed packet";
	case -EMSGSIZE:
		return "frame too large";
	default:
		return strerror(-err);
	}
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(struct psp_run *r, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cfg", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "iv", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:p:i:h", longopts, NULL)) != -1) {
		if (c == 'c') {
			r->cfg_path = optarg;
		} else if (c == 'p' && !parse_u64(optarg, UINT16_MAX, &v) && v) {
			r->port = (uint16_t)v;
		} else if (c == 'i' && r->encrypt && !parse_u64(optarg, UINT64_MAX, &v)) {
			r->iv = v;
		} else {
			if (c != 'h')
				fprintf(stderr, "srdctl psp: bad option or value '%s'\n",
					argv[optind - 1]);
			return -1;
		}
	}
	if (!r->cfg_path || argc - optind != 2) {
		fprintf(stderr, "srdctl psp: need --cfg FILE, IN.pcap and OUT.pcap\n");
		return -1;
	}
	return 0;
}

static int setup_rx(struct srd_psp_rx *rx, const struct srd_psp_cfg *cfg)
{
	int ret = srd_psp_rx_init(rx);

	if (!ret)
		ret = srd_psp_rx_set_master(rx, 0, cfg->master[0]);
	if (!ret)
		ret = srd_psp_rx_set_master(rx, 1, cfg->master[1]);
	return ret;
}

static int setup_keys(struct psp_run *r)
{
	char err[512];
	int ret;

	if (srd_psp_cfg_load(r->cfg_path, &r->cfg, err, sizeof(err))) {
		fprintf(stderr, "srdctl psp: %s\n", err);
		return -1;
	}
	r->cfg.opts.udp_port = r->port;
	if (r->encrypt && !r->cfg.has_tx) {
		fprintf(stderr, "srdctl psp: %s: encrypt needs SPI, mode, algorithm, offsets and vc tokens after the keys\n",
			r->cfg_path);
		return -1;
	}
	if (r->encrypt)
		ret = srd_psp_sa_init_master(&r->tx, r->cfg.master[r->cfg.spi >> 31],
					     r->cfg.version, r->cfg.spi, true);
	else
		ret = setup_rx(&r->rx, &r->cfg);
	srd_psp_cfg_wipe(&r->cfg);
	if (ret)
		fprintf(stderr, "srdctl psp: key setup: %s\n", strerror(-ret));
	return ret ? -1 : 0;
}

static void frame_failed(struct psp_run *r, const struct srd_pcap_frame *f,
			 int err, const struct srd_psp_hdr *h, bool have_hdr)
{
	r->n.failed++;
	if (have_hdr)
		fprintf(stderr, "frame %lu: %s (SPI 0x%08" PRIx32 ", IV %" PRIu64 ", %zu bytes)\n",
			r->n.frames, psp_strerror(err), h->spi, h->iv, f->len);
	else
		fprintf(stderr, "frame %lu: %s (%zu bytes)\n", r->n.frames,
			psp_strerror(err), f->len);
}

/* Transform one frame and write what should be written. */
static void one_frame(struct psp_run *r, struct srd_pcap *out,
		      const struct srd_pcap_frame *f)
{
	struct srd_psp_hdr h = { 0 };
	size_t len = 0;
	int err;

	r->n.frames++;
	if (f->len != f->orig_len) {
		frame_failed(r, f, -EBADMSG, &h, false);
		fprintf(stderr, "frame %lu: capture truncated to %zu of %zu bytes\n",
			r->n.frames, f->len, f->orig_len);
		return;
	}
	if (r->encrypt)
		err = srd_psp_frame_encap(&r->tx, &r->cfg.opts, r->iv, f->data, f->len,
					  r->buf, sizeof(r->buf), &len);
	else
		err = srd_psp_frame_decap(&r->rx, r->port, f->data, f->len,
					  r->buf, sizeof(r->buf), &len, &h);
	if (err == -ENOTSUP || err == -ENOENT) {
		r->n.copied++;
		srd_pcap_write(out, &f->ts, f->data, f->len);
	} else if (err) {
		frame_failed(r, f, err, &h, !r->encrypt && err != -EBADMSG);
	} else {
		r->n.done++;
		r->iv += r->encrypt;
		srd_pcap_write(out, &f->ts, r->buf, len);
	}
}

static int run_files(struct psp_run *r, const char *in_path, const char *out_path)
{
	struct srd_pcap in, out;
	struct srd_pcap_frame f;
	char err[512];
	int got;

	if (srd_pcap_open_read(&in, in_path, err, sizeof(err)))
		goto err_in;
	if (srd_pcap_open_write(&out, out_path, err, sizeof(err)))
		goto err_out;
	while ((got = srd_pcap_next(&in, &f, err, sizeof(err))) == 1)
		one_frame(r, &out, &f);
	if (got < 0)
		fprintf(stderr, "srdctl psp: %s\n", err);
	if (srd_pcap_close(&out, err, sizeof(err))) {
		fprintf(stderr, "srdctl psp: %s\n", err);
		got = -1;
	}
	srd_pcap_close(&in, err, sizeof(err));
	return got;
err_out:
	srd_pcap_close(&in, err + 256, sizeof(err) - 256);
err_in:
	fprintf(stderr, "srdctl psp: %s\n", err);
	return -1;
}

static void summary(const struct psp_run *r)
{
	fprintf(stderr, "%s: %lu frames: %lu %s, %lu copied unchanged, %lu failed\n",
		r->encrypt ? "encrypt" : "decrypt", r->n.frames, r->n.done,
		r->encrypt ? "encrypted" : "decrypted", r->n.copied, r->n.failed);
}

int srdctl_psp(int argc, char **argv)
{
	struct psp_run *r;
	int ret = SRDCTL_USAGE;

	if (argc >= 1 && !strcmp(argv[0], "keys"))
		return srdctl_psp_keys(argc, argv);
	if (argc < 1 || (strcmp(argv[0], "decrypt") && strcmp(argv[0], "encrypt"))) {
		psp_usage(argc >= 1 && !strcmp(argv[0], "--help") ? stdout : stderr);
		return argc >= 1 && !strcmp(argv[0], "--help") ? SRDCTL_OK : SRDCTL_USAGE;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return SRDCTL_USAGE;
	r->encrypt = !strcmp(argv[0], "encrypt");
	r->port = SRD_PSP_UDP_PORT;
	r->iv = 1;
	if (parse_args(r, argc, argv)) {
		psp_usage(stderr);
		goto out;
	}
	if (setup_keys(r))
		goto out_keys;
	if (run_files(r, argv[optind], argv[optind + 1]) == 0) {
		summary(r);
		ret = r->n.failed ? SRDCTL_FAILED : SRDCTL_OK;
	}
out_keys:
	srd_psp_sa_fini(&r->tx);
	srd_psp_rx_fini(&r->rx);
out:
	free(r);
	return ret;
}
