/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psp_cfg.c: parser for the PSP reference tools' cfg format (see psp_cfg.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ctl/psp_cfg.h"

#define MAX_TOKEN 32u
#define CFG_MAX_BYTES 4096u
#define TX_TOKENS 7u  /* tokens after the two keys in an encryptor cfg */

/* A cursor over the whitespace-separated tokens of the text. */
struct tokens {
	const char *p;    /* next unread byte */
	const char *end;  /* end of the text */
	unsigned n;       /* tokens read so far */
};

static int fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Copy the next token into tok (NUL-terminated). Returns its length, 0 at the end,
 * or -E2BIG when it is longer than MAX_TOKEN. */
static int next_token(struct tokens *t, char tok[MAX_TOKEN + 1])
{
	size_t len = 0;

	while (t->p < t->end && isspace((unsigned char)*t->p))
		t->p++;
	while (t->p < t->end && !isspace((unsigned char)*t->p)) {
		if (len == MAX_TOKEN)
			return -E2BIG;
		tok[len++] = *t->p++;
	}
	tok[len] = '\0';
	if (len)
		t->n++;
	return (int)len;
}

/* A hex digit's value, or -1 (OpenSSL's parser). */
static int hex_nibble(char c)
{
	return OPENSSL_hexchar2int((unsigned char)c);
}

static int parse_key(struct tokens *t, uint8_t key[SRD_PSP_MASTER_KEY_LEN],
		     unsigned which, char *err, size_t err_len)
{
	char tok[MAX_TOKEN + 1];
	unsigned i;
	int len, ret = 0;

	for (i = 0; i < SRD_PSP_MASTER_KEY_LEN && !ret; i++) {
		len = next_token(t, tok);
		if (len <= 0)
			ret = fail(err, err_len,
				   "token %u (master key %u, byte %u): missing, the file ends early",
				   t->n + 1, which, i + 1);
		else if (len != 2 || hex_nibble(tok[0]) < 0 || hex_nibble(tok[1]) < 0)
			ret = fail(err, err_len,
				   "token %u (master key %u, byte %u): expected two hex digits",
				   t->n, which, i + 1);
		else
			key[i] = (uint8_t)(hex_nibble(tok[0]) << 4 | hex_nibble(tok[1]));
	}
	OPENSSL_cleanse(tok, sizeof(tok));
	return ret;
}

static int parse_spi(const char *tok, uint32_t *spi)
{
	uint32_t v = 0;
	size_t i, len = strlen(tok);

	if (len == 0 || len > 8)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (hex_nibble(tok[i]) < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)hex_nibble(tok[i]);
	}
	*spi = v;
	return 0;
}

static int parse_units(const char *tok, uint8_t *units)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)tok[0]))
		return -EINVAL;
	errno = 0;
	v = strtol(tok, &end, 10);
	if (errno || *end || v < 0 || v > SRD_PSP_CRYPT_OFF_MASK)
		return -EINVAL;
	*units = (uint8_t)v;
	return 0;
}

static int parse_choice(const char *tok, const char *a, const char *b, bool *is_b)
{
	if (strcmp(tok, a) == 0)
		*is_b = false;
	else if (strcmp(tok, b) == 0)
		*is_b = true;
	else
		return -EINVAL;
	return 0;
}

/* The encryptor tokens 3..9: SPI, mode, algorithm, three offsets, cookie. */
static int parse_tx(char tok[TX_TOKENS][MAX_TOKEN + 1], struct srd_psp_cfg *cfg,
		    char *err, size_t err_len)
{
	struct srd_psp_frame_opts *o = &cfg->opts;
	bool v1;

	if (parse_spi(tok[0], &cfg->spi))
		return fail(err, err_len, "token 3 (SPI): expected up to 8 hex digits, got '%s'", tok[0]);
	if (parse_choice(tok[1], "transport", "tunnel", &o->tunnel))
		return fail(err, err_len, "token 4 (mode): expected 'transport' or 'tunnel', got '%s'", tok[1]);
	if (parse_choice(tok[2], "aes-gcm-128", "aes-gcm-256", &v1))
		return fail(err, err_len, "token 5 (algorithm): expected 'aes-gcm-128' or 'aes-gcm-256', got '%s'", tok[2]);
	cfg->version = v1 ? SRD_PSP_V1_AES_GCM_256 : SRD_PSP_V0_AES_GCM_128;
	if (parse_units(tok[3], &o->off_transport) || parse_units(tok[4], &o->off_tunnel_v4) ||
	    parse_units(tok[5], &o->off_tunnel_v6))
		return fail(err, err_len, "tokens 6-8 (crypt offsets): expected decimal 0..63 (4-byte units), got '%s %s %s'",
			    tok[3], tok[4], tok[5]);
	if (parse_choice(tok[6], "no-vc", "vc", &o->vc))
		return fail(err, err_len, "token 9 (cookie): expected 'vc' or 'no-vc', got '%s'", tok[6]);
	cfg->has_tx = true;
	return 0;
}

static int parse_rest(struct tokens *t, struct srd_psp_cfg *cfg, char *err,
		      size_t err_len)
{
	char tok[TX_TOKENS][MAX_TOKEN + 1], extra[MAX_TOKEN + 1];
	unsigned i;
	int len;

	for (i = 0; i < TX_TOKENS; i++) {
		len = next_token(t, tok[i]);
		if (len < 0)
			return fail(err, err_len, "token %u: longer than %u characters", t->n + 1, MAX_TOKEN);
		if (len == 0 && i == 0)
			return 0;  /* keys only: a decrypt cfg */
		if (len == 0)
			return fail(err, err_len, "token %u: missing (a cfg has 2 keys, or 2 keys and 7 more tokens)", t->n + 1);
	}
	if (next_token(t, extra) != 0)
		return fail(err, err_len, "token %u: unexpected trailing token", t->n);
	return parse_tx(tok, cfg, err, err_len);
}

int srd_psp_cfg_parse(const char *text, size_t len, struct srd_psp_cfg *cfg,
		      char *err, size_t err_len)
{
	struct tokens t = { .p = text, .end = text + len };
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->opts.udp_port = SRD_PSP_UDP_PORT;
	ret = parse_key(&t, cfg->master[0], 0, err, err_len);
	if (!ret)
		ret = parse_key(&t, cfg->master[1], 1, err, err_len);
	if (!ret)
		ret = parse_rest(&t, cfg, err, err_len);
	if (ret)
		srd_psp_cfg_wipe(cfg);
	return ret;
}

int srd_psp_cfg_load(const char *path, struct srd_psp_cfg *cfg, char *err,
		     size_t err_len)
{
	char buf[CFG_MAX_BYTES + 1], why[256];
	size_t len;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f)
		return fail(err, err_len, "%s: %s", path, strerror(errno));
	len = fread(buf, 1, sizeof(buf), f);
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (ret || len > CFG_MAX_BYTES)
		ret = fail(err, err_len, "%s: %s", path,
			   ret ? "read error" : "larger than 4096 bytes");
	else if (srd_psp_cfg_parse(buf, len, cfg, why, sizeof(why)))
		ret = fail(err, err_len, "%s: %s", path, why);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

void srd_psp_cfg_wipe(struct srd_psp_cfg *cfg)
{
	if (cfg)
		OPENSSL_cleanse(cfg->master, sizeof(cfg->master));
}
