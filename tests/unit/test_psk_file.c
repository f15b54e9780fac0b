/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_psk_file.c: the pre-shared key file parser, weak-key rule and file checks
 * (ctl/psk_file.h). File tests use mkstemp files in /tmp and remove them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/psk_file.h"
#include "tests/check.h"

/* A random key, as `openssl rand -hex 32` printed it, and the same bytes in base64. */
#define KEY_HEX "37b3769b72d62b58d18f16f702028fa4a4bd39779671d3a0f10428c8d23749b7"
#define KEY_B64 "N7N2m3LWK1jRjxb3AgKPpKS9OXeWcdOg8QQoyNI3Sbc="

static const uint8_t key_bytes[SRD_PSK_LEN] = {
	0x37, 0xb3, 0x76, 0x9b, 0x72, 0xd6, 0x2b, 0x58, 0xd1, 0x8f, 0x16,
	0xf7, 0x02, 0x02, 0x8f, 0xa4, 0xa4, 0xbd, 0x39, 0x77, 0x96, 0x71,
	0xd3, 0xa0, 0xf1, 0x04, 0x28, 0xc8, 0xd2, 0x37, 0x49, 0xb7,
};

static char err[256];

static int parse(const char *text, uint8_t key[SRD_PSK_LEN])
{
	err[0] = '\0';
	return srd_psk_parse(text, strlen(text), key, err, sizeof(err));
}

/* Parse must fail with -EINVAL, a message containing want, and a zeroed key. */
static void rejects(const char *text, const char *want)
{
	static const uint8_t zero[SRD_PSK_LEN];
	uint8_t key[SRD_PSK_LEN];

	memset(key, 0xee, sizeof(key));
	CHECK_EQ(parse(text, key), -EINVAL);
	if (!strstr(err, want))
		fprintf(stderr, "  message '%s' lacks '%s'\n", err, want);
	CHECK(strstr(err, want) != NULL);
	CHECK_MEM(key, zero, SRD_PSK_LEN);
}

/* ---- parser ---- */

static void parse__hex_with_comments_blanks_crlf(void)
{
	uint8_t key[SRD_PSK_LEN];

	CHECK_EQ(parse("# srdvs PSK\r\n\r\n  # indented comment\r\n" KEY_HEX "\r\n\r\n",
		       key), 0);
	CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
	CHECK_EQ(parse(KEY_HEX, key), 0);  /* no final newline */
	CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
	CHECK_EQ(parse(" \t" KEY_HEX " \t\n# after\n", key), 0);
	CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
}

static void parse__upper_case_hex(void)
{
	char text[SRD_PSK_HEX_LEN + 2];
	uint8_t key[SRD_PSK_LEN];
	unsigned i;

	for (i = 0; i < SRD_PSK_HEX_LEN; i++)
		text[i] = (char)(KEY_HEX[i] >= 'a' ? KEY_HEX[i] - 'a' + 'A' : KEY_HEX[i]);
	strcpy(text + SRD_PSK_HEX_LEN, "\n");
	CHECK_EQ(parse(text, key), 0);
	CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
}

static void parse__base64_like_openssl_rand(void)
{
	uint8_t key[SRD_PSK_LEN];

	CHECK_EQ(parse(KEY_B64 "\n", key), 0);
	CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
	CHECK_EQ(parse("# base64\r\n" KEY_B64 "\r\n", key), 0);
	CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
}

static void parse__rejects_wrong_length(void)
{
	rejects("# c\n\n0123456789abcdef0123456789abcdef01234567\n",
		"line 3: expected 64 hex digits or 44 base64 characters, got 40 characters");
	rejects(KEY_HEX "0\n", "got 65 characters");
	rejects("N7N2m3LWK1jRjxb3AgKPpKS9OXeWcdOg8QQoyNI3Sbc\n", "got 43 characters");
	rejects("\xef\xbb\xbf" KEY_HEX "\n", "got 67 characters");  /* UTF-8 BOM */
}

static void parse__rejects_bad_characters(void)
{
	rejects("37b3769b72d62b58d18f16f702028fa4a4bd39779671d3a0f10428c8d23749bg\n",
		"line 1: character 64 is not a hex digit");
	rejects("0x b3769b72d62b58d18f16f702028fa4a4bd39779671d3a0f10428c8d23749b7\n",
		"line 1: unexpected characters after the key");
	/* base64url is not base64 */
	rejects("N7N2m3LWK1jRjxb3AgKPpKS9OXeWcdOg8QQoyNI3Sb-=\n",
		"line 1: character 43 is not a base64 character");
	rejects("N7N2m3LWK1jRjxb3AgKPpKS9OXeWcdOg8QQoyNI3Sbcc\n", "must end in one '='");
	rejects("N7N2m3LWK1jRjxb3AgKPpKS9OXeWcdOg8QQoyNI3Sb==\n",
		"character 43 is not a base64 character");
	/* An embedded NUL or a lone CR is a character like any other. */
	rejects("37b3769b72d62b58d18f16f702028fa4a4bd39779671d3a0f10428c8d23749b7\r\r\n",
		"got 65 characters");
	{
		static const char nul[] = KEY_HEX "\n";
		char text[sizeof(nul)];
		uint8_t key[SRD_PSK_LEN];

		memcpy(text, nul, sizeof(nul));
		text[10] = '\0';
		CHECK_EQ(srd_psk_parse(text, sizeof(text) - 1, key, err, sizeof(err)),
			 -EINVAL);
		CHECK(strstr(err, "character 11 is not a hex digit") != NULL);
	}
}

static void parse__rejects_noncanonical_base64(void)
{
	/* ...Sbc= and ...Sbd= decode to the same bytes with different stray bits. */
	rejects("N7N2m3LWK1jRjxb3AgKPpKS9OXeWcdOg8QQoyNI3Sbd=\n", "non-canonical base64");
}

static void parse__rejects_trailing_garbage(void)
{
	rejects(KEY_HEX " # my key\n", "line 1: unexpected characters after the key (column 66)");
	rejects(KEY_B64 " x\n", "unexpected characters after the key");
	/* The message never quotes the key. */
	CHECK(strstr(err, "N7N2") == NULL);
}

static void parse__rejects_second_key_line(void)
{
	rejects(KEY_HEX "\n# rotated\n" KEY_B64 "\n",
		"line 3: a second key line (the first is line 1)");
	rejects(KEY_HEX "\nfoo\n", "line 2: a second key line");
}

static void parse__rejects_no_key_line(void)
{
	rejects("", "no key line");
	rejects("# comment only\n\n \t\n\r\n", "no key line");
}

static void parse__rejects_weak_keys(void)
{
	rejects("0000000000000000000000000000000000000000000000000000000000000000\n",
		"weak key: only 1 distinct byte values among 32 (need 16)");
	rejects("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "weak key: only 1 distinct");
	rejects("abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca\n",
		"weak key: only 3 distinct");
	rejects("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		"weak key: only 8 distinct");
	/* 15 distinct values, no pattern */
	rejects("000102030405060708090a0b0c0d0e000102030405060708090a0b0c0d0e0000\n",
		"weak key: only 15 distinct");
	/* base64 of "correct horse battery staple 123": a passphrase */
	rejects("Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZSAxMjM=\n", "every byte is printable ASCII");
}

static void check__distinct_threshold(void)
{
	uint8_t key[SRD_PSK_LEN];
	unsigned i;

	for (i = 0; i < SRD_PSK_LEN; i++)
		key[i] = (uint8_t)(0x80 + i % 16);  /* 16 distinct, none printable */
	CHECK_EQ(srd_psk_check(key, err, sizeof(err)), 0);
	key[15] = key[31] = 0x80;  /* now 15 */
	CHECK_EQ(srd_psk_check(key, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "only 15 distinct") != NULL);
	key[15] = 0x7e;  /* 16 again, one printable byte is fine */
	CHECK_EQ(srd_psk_check(key, NULL, 0), 0);
}

static void to_hex__round_trip(void)
{
	char hex[SRD_PSK_HEX_LEN + 1];
	uint8_t key[SRD_PSK_LEN];

	srd_psk_to_hex(key_bytes, hex);
	CHECK_EQ(strcmp(hex, KEY_HEX), 0);
	CHECK_EQ(parse(hex, key), 0);
	CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
}

/* ---- files ---- */

/* A temp file with text and mode; path receives its name. */
static bool temp_file(char path[32], const char *text, size_t len, mode_t mode)
{
	int fd;

	strcpy(path, "/tmp/srd_psk_XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return false;
	CHECK_EQ(write(fd, text, len), (long long)len);
	CHECK_EQ(fchmod(fd, mode), 0);
	close(fd);
	return true;
}

static int load(const char *path, uint8_t key[SRD_PSK_LEN])
{
	err[0] = '\0';
	return srd_psk_load(path, key, err, sizeof(err));
}

static void load__reads_private_file(void)
{
	static const char text[] = "# srdvs\n" KEY_HEX "\n";
	static const mode_t modes[] = { 0600, 0400, 0700 };
	uint8_t key[SRD_PSK_LEN];
	char path[32];
	unsigned i;

	for (i = 0; i < 3; i++) {
		if (!temp_file(path, text, strlen(text), modes[i]))
			return;
		CHECK_EQ(load(path, key), 0);
		CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
		unlink(path);
	}
}

static void load__rejects_group_or_world_access(void)
{
	static const mode_t modes[] = { 0640, 0604, 0620, 0602, 0644, 0666, 0610 };
	static const char text[] = KEY_HEX "\n";
	static const uint8_t zero[SRD_PSK_LEN];
	char path[32], want[96];
	uint8_t key[SRD_PSK_LEN];
	unsigned i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!temp_file(path, text, strlen(text), modes[i]))
			return;
		memset(key, 0xee, sizeof(key));
		CHECK_EQ(load(path, key), -EPERM);
		CHECK_MEM(key, zero, SRD_PSK_LEN);
		snprintf(want, sizeof(want), "mode %04o", (unsigned)modes[i]);
		CHECK(strstr(err, want) != NULL);
		snprintf(want, sizeof(want), "chmod 600 %s", path);
		CHECK(strstr(err, want) != NULL);
		unlink(path);
	}
}

static void load__rejects_foreign_owner(void)
{
	static const char text[] = KEY_HEX "\n";
	uint8_t key[SRD_PSK_LEN];
	char path[32];

	if (geteuid() != 0)
		return;  /* only root can give a file away */
	if (!temp_file(path, text, strlen(text), 0600))
		return;
	CHECK_EQ(chown(path, 12345, (gid_t)-1), 0);
	CHECK_EQ(load(path, key), -EPERM);
	CHECK(strstr(err, "owned by uid 12345") != NULL);
	unlink(path);
}

static void load__rejects_special_files(void)
{
	uint8_t key[SRD_PSK_LEN];
	char dir[] = "/tmp/srd_psk_dir_XXXXXX", fifo[64];

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(load(dir, key), -EINVAL);
	CHECK(strstr(err, "not a regular file") != NULL);
	/* A FIFO must be refused, not waited on. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	CHECK_EQ(mkfifo(fifo, 0600), 0);
	CHECK_EQ(load(fifo, key), -EINVAL);
	CHECK(strstr(err, "not a regular file") != NULL);
	unlink(fifo);
	rmdir(dir);
}

static void load__rejects_large_file(void)
{
	char text[SRD_PSK_FILE_MAX + 1], path[32];
	uint8_t key[SRD_PSK_LEN];

	memset(text, '#', sizeof(text));
	memcpy(text, KEY_HEX "\n", SRD_PSK_HEX_LEN + 1);
	if (!temp_file(path, text, sizeof(text), 0600))
		return;
	CHECK_EQ(load(path, key), -EFBIG);
	CHECK(strstr(err, "4096") != NULL);
	unlink(path);
	/* Exactly 4 KiB is fine. */
	if (!temp_file(path, text, SRD_PSK_FILE_MAX, 0600))
		return;
	CHECK_EQ(load(path, key), 0);
	unlink(path);
}

static void load__errors_name_the_file(void)
{
	static const char bad[] = "# key\n" KEY_HEX KEY_HEX "\n";
	uint8_t key[SRD_PSK_LEN];
	char path[32], want[96];

	CHECK_EQ(load("/nonexistent/srdvs/psk", key), -ENOENT);
	CHECK(strstr(err, "/nonexistent/srdvs/psk: cannot open") != NULL);
	if (!temp_file(path, bad, strlen(bad), 0600))
		return;
	CHECK_EQ(load(path, key), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 2: expected 64 hex digits", path);
	CHECK(strstr(err, want) != NULL);
	unlink(path);
}

static void load__follows_symlink_to_private_file(void)
{
	static const char text[] = KEY_B64 "\n";
	uint8_t key[SRD_PSK_LEN];
	char path[32], link[48];

	if (!temp_file(path, text, strlen(text), 0600))
		return;
	snprintf(link, sizeof(link), "%s.lnk", path);
	CHECK_EQ(symlink(path, link), 0);
	CHECK_EQ(load(link, key), 0);
	CHECK_MEM(key, key_bytes, SRD_PSK_LEN);
	unlink(link);
	unlink(path);
}

int main(void)
{
	RUN(parse__hex_with_comments_blanks_crlf);
	RUN(parse__upper_case_hex);
	RUN(parse__base64_like_openssl_rand);
	RUN(parse__rejects_wrong_length);
	RUN(parse__rejects_bad_characters);
	RUN(parse__rejects_noncanonical_base64);
	RUN(parse__rejects_trailing_garbage);
	RUN(parse__rejects_second_key_line);
	RUN(parse__rejects_no_key_line);
	RUN(parse__rejects_weak_keys);
	RUN(check__distinct_threshold);
	RUN(to_hex__round_trip);
	RUN(load__reads_private_file);
	RUN(load__rejects_group_or_world_access);
	RUN(load__rejects_foreign_owner);
	RUN(load__rejects_special_files);
	RUN(load__rejects_large_file);
	RUN(load__errors_name_the_file);
	RUN(load__follows_symlink_to_private_file);
	return check_exit();
}
