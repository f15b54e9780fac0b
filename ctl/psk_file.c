/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psk_file.c: read and parse the pre-shared key file (psk_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ctl/psk_file.h"

#define MSG_LEN 192u  /* parser message before the file name is prefixed */

__attribute__((format(printf, 4, 5)))
static int fail(int code, char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A hex digit's value, or -1 (OpenSSL's parser). */
static int hex_nibble(char c)
{
	return OPENSSL_hexchar2int((unsigned char)c);
}

static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* ---- key line decoders: tok holds exactly the line's key characters ---- */

static int decode_hex(const char *tok, unsigned line, uint8_t key[SRD_PSK_LEN],
		      char *err, size_t err_len)
{
	unsigned i;

	for (i = 0; i < SRD_PSK_HEX_LEN; i++)
		if (hex_nibble(tok[i]) < 0)
			return fail(-EINVAL, err, err_len,
				    "line %u: character %u is not a hex digit", line,
				    i + 1);
	for (i = 0; i < SRD_PSK_LEN; i++)
		key[i] = (uint8_t)(hex_nibble(tok[2 * i]) << 4 |
				   hex_nibble(tok[2 * i + 1]));
	return 0;
}

/* Strict: 43 alphabet characters, one '=', and no stray bits in the last symbol. */
static int decode_b64(const char *tok, unsigned line, uint8_t key[SRD_PSK_LEN],
		      char *err, size_t err_len)
{
	uint8_t out[SRD_PSK_LEN + 1];
	unsigned i;
	int n, ret = 0;

	for (i = 0; i < SRD_PSK_B64_LEN - 1; i++)
		if (!is_b64(tok[i]))
			return fail(-EINVAL, err, err_len,
				    "line %u: character %u is not a base64 character",
				    line, i + 1);
	if (tok[SRD_PSK_B64_LEN - 1] != '=')
		return fail(-EINVAL, err, err_len,
			    "line %u: base64 key must end in one '=' (44 characters encode 32 bytes)",
			    line);
	/* '=' decodes as zero bits: 33 bytes out, the last one from the padding. */
	n = EVP_DecodeBlock(out, (const unsigned char *)tok, (int)SRD_PSK_B64_LEN);
	if (n != (int)sizeof(out))
		ret = fail(-EINVAL, err, err_len, "line %u: invalid base64", line);
	else if (out[SRD_PSK_LEN])
		ret = fail(-EINVAL, err, err_len,
			   "line %u: non-canonical base64 (the character before '=' has stray low bits)",
			   line);
	else
		memcpy(key, out, SRD_PSK_LEN);
	OPENSSL_cleanse(out, sizeof(out));
	return ret;
}

/* One key line between [p, end) without its line ending. Leading blanks skipped. */
static int parse_key_line(const char *p, const char *end, unsigned line,
			  uint8_t key[SRD_PSK_LEN], char *err, size_t err_len)
{
	const char *tok = p;
	size_t len;

	while (p < end && !is_blank(*p))
		p++;
	len = (size_t)(p - tok);
	while (p < end && is_blank(*p))
		p++;
	if (p != end)
		return fail(-EINVAL, err, err_len,
			    "line %u: unexpected characters after the key (column %zu)",
			    line, (size_t)(p - tok) + 1);
	if (len == SRD_PSK_HEX_LEN)
		return decode_hex(tok, line, key, err, err_len);
	if (len == SRD_PSK_B64_LEN)
		return decode_b64(tok, line, key, err, err_len);
	return fail(-EINVAL, err, err_len,
		    "line %u: expected 64 hex digits or 44 base64 characters, got %zu characters",
		    line, len);
}

int srd_psk_check(const uint8_t psk[SRD_PSK_LEN], char *err, size_t err_len)
{
	bool seen[256] = { false };
	unsigned i, distinct = 0, printable = 0;

	for (i = 0; i < SRD_PSK_LEN; i++) {
		distinct += !seen[psk[i]];
		seen[psk[i]] = true;
		printable += psk[i] >= 0x20 && psk[i] <= 0x7e;
	}
	OPENSSL_cleanse(seen, sizeof(seen));
	if (distinct < SRD_PSK_MIN_DISTINCT)
		return fail(-EINVAL, err, err_len,
			    "weak key: only %u distinct byte values among 32 (need %u); generate one with 'openssl rand -hex 32'",
			    distinct, SRD_PSK_MIN_DISTINCT);
	if (printable == SRD_PSK_LEN)
		return fail(-EINVAL, err, err_len,
			    "weak key: every byte is printable ASCII (a passphrase?); generate one with 'openssl rand -hex 32'");
	return 0;
}

int srd_psk_parse(const char *text, size_t len, uint8_t psk[SRD_PSK_LEN],
		  char *err, size_t err_len)
{
	uint8_t key[SRD_PSK_LEN];
	const char *p = text, *end = text + len;
	unsigned line = 0, key_line = 0;
	int ret = 0;

	while (p < end && !ret) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		line++;
		if (eol > p && eol[-1] == '\r')
			eol--;
		while (p < eol && is_blank(*p))
			p++;
		if (p == eol || *p == '#')
			;  /* blank or comment */
		else if (key_line)
			ret = fail(-EINVAL, err, err_len,
				   "line %u: a second key line (the first is line %u); the file holds exactly one key",
				   line, key_line);
		else if (!(ret = parse_key_line(p, eol, line, key, err, err_len)))
			key_line = line;
		p = nl ? nl + 1 : end;
	}
	if (!ret && !key_line)
		ret = fail(-EINVAL, err, err_len,
			   "no key line: expected one line of 64 hex digits or 44 base64 characters");
	if (!ret)
		ret = srd_psk_check(key, err, err_len);
	if (!ret)
		memcpy(psk, key, SRD_PSK_LEN);
	else
		OPENSSL_cleanse(psk, SRD_PSK_LEN);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

void srd_psk_to_hex(const uint8_t psk[SRD_PSK_LEN], char hex[SRD_PSK_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < SRD_PSK_LEN; i++) {
		hex[2 * i] = digits[psk[i] >> 4];
		hex[2 * i + 1] = digits[psk[i] & 0xf];
	}
	hex[SRD_PSK_HEX_LEN] = '\0';
}

/* ---- the file ---- */

/* Type, owner, mode and size of the opened file, ssh-style. */
static int check_stat(int fd, const char *path, char *err, size_t err_len)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fail(-errno, err, err_len, "%s: cannot stat: %s", path,
			    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(-EINVAL, err, err_len, "%s: not a regular file", path);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return fail(-EPERM, err, err_len,
			    "%s: owned by uid %u, expected uid %u or root; fix with: chown %u %s",
			    path, (unsigned)st.st_uid, (unsigned)geteuid(),
			    (unsigned)geteuid(), path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return fail(-EPERM, err, err_len,
			    "%s: mode %04o lets group or others access the key; fix with: chmod 600 %s",
			    path, (unsigned)(st.st_mode & 07777), path);
	if (st.st_size > (off_t)SRD_PSK_FILE_MAX)
		return fail(-EFBIG, err, err_len, "%s: %lld bytes, a key file holds at most %u",
			    path, (long long)st.st_size, SRD_PSK_FILE_MAX);
	return 0;
}

/* Read the whole file into buf (SRD_PSK_FILE_MAX + 1 bytes). Returns its length. */
static ssize_t read_all(int fd, char *buf, const char *path, char *err,
			size_t err_len)
{
	size_t got = 0;

	while (got <= SRD_PSK_FILE_MAX) {
		ssize_t n = read(fd, buf + got, SRD_PSK_FILE_MAX + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(-errno, err, err_len, "%s: cannot read: %s", path,
				    strerror(errno));
		if (n == 0)
			return (ssize_t)got;
		got += (size_t)n;
	}
	return fail(-EFBIG, err, err_len, "%s: larger than %u bytes", path,
		    SRD_PSK_FILE_MAX);
}

int srd_psk_load(const char *path, uint8_t psk[SRD_PSK_LEN], char *err,
		 size_t err_len)
{
	char buf[SRD_PSK_FILE_MAX + 1];
	char msg[MSG_LEN];
	ssize_t len;
	int fd, ret;

	OPENSSL_cleanse(psk, SRD_PSK_LEN);
	/* O_NONBLOCK: a FIFO planted at path must not hang us before fstat. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(-errno, err, err_len, "%s: cannot open: %s", path,
			    strerror(errno));
	ret = check_stat(fd, path, err, err_len);
	if (ret)
		goto out_close;
	len = read_all(fd, buf, path, err, err_len);
	if (len < 0) {
		ret = (int)len;
		goto out_wipe;
	}
	ret = srd_psk_parse(buf, (size_t)len, psk, msg, sizeof(msg));
	if (ret)
		fail(ret, err, err_len, "%s: %s", path, msg);
out_wipe:
	OPENSSL_cleanse(buf, sizeof(buf));
out_close:
	close(fd);
	return ret;
}
