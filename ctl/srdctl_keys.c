// SPDX-License-Identifier: Apache-2.0
/*
 * srdctl_keys.c: `srdctl psp keys --psk-file F --receiver ADDR [--generation G |
 * --time UNIX_SECONDS] [--key-period SECONDS] [--key-offset N]`: the decrypt cfg
 * (ctl/psp_cfg.h) for packets sent TO the host at ADDR, from the pre-shared key, so
 * that a capture of srdvs traffic reads with `srdctl psp decrypt` (docs/ovs.md,
 * "Debugging"). Generation g's master key (docs/security.md §2.1) goes in slot g & 1
 * and g-1's in the other slot, which covers a capture that spans one key switch.
 * The generation is the one in force at --time (default: now) unless given.
 *
 * The cfg holds key material: it is written with mode 0600 when -o FILE is given,
 * and only to a terminal or a pipe otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctl/config.h"
#include "ctl/psk_file.h"
#include "ctl/srdctl.h"
#include "encap/keyring.h"

/* The command line. */
struct keys_args {
	const char *psk_file;        /* --psk-file */
	const char *receiver;        /* --receiver */
	const char *out;             /* -o FILE, or NULL for stdout */
	uint64_t time_s;             /* --time, default now */
	uint64_t period_s;           /* --key-period, default 3600 ([host] key-period) */
	uint64_t offset;             /* --key-offset, default 0 */
	uint64_t gen;                /* --generation */
	bool has_gen;                /* --generation was given */
};

static void keys_usage(FILE *f)
{
	fprintf(f,
		"usage: srdctl psp keys --psk-file F --receiver ADDR [--generation G |\n"
		"                       --time UNIX_SECONDS] [--key-period SECONDS]\n"
		"                       [--key-offset N] [-o FILE]\n"
		"\n"
		"Print the `srdctl psp decrypt` cfg for packets sent to the host at ADDR:\n"
		"generation G's master key in slot G & 1 and G-1's in the other. G defaults\n"
		"to the generation in force at --time (default now) with the host's\n"
		"key-period (default 3600) and key-offset (default 0).\n");
}

static int num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse(int argc, char **argv, struct keys_args *a)
{
	int i;

	a->time_s = (uint64_t)time(NULL);
	a->period_s = 3600;
	if (argc % 2 == 0)
		return -EINVAL;            /* options come in pairs */
	for (i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		int err = 0;

		if (!strcmp(o, "--psk-file"))
			a->psk_file = v;
		else if (!strcmp(o, "--receiver"))
			a->receiver = v;
		else if (!strcmp(o, "-o"))
			a->out = v;
		else if (!strcmp(o, "--time"))
			err = num(v, UINT64_MAX / 1000000000ull, &a->time_s);
		else if (!strcmp(o, "--key-period"))
			err = num(v, UINT32_MAX, &a->period_s);
		else if (!strcmp(o, "--key-offset"))
			err = num(v, UINT32_MAX, &a->offset);
		else if (!strcmp(o, "--generation"))
			err = num(v, UINT32_MAX, &a->gen), a->has_gen = true;
		else
			return -EINVAL;
		if (err)
			return err;
	}
	return a->psk_file && a->receiver && a->period_s >= 60 ? 0 : -EINVAL;
}

static void put_key(FILE *f, const uint8_t key[SRD_PSP_MASTER_KEY_LEN])
{
	unsigned i;

	for (i = 0; i < SRD_PSP_MASTER_KEY_LEN; i++)
		fprintf(f, "%02x%c", key[i], i + 1 < SRD_PSP_MASTER_KEY_LEN ? ' ' : '\n');
}

static FILE *open_out(const char *path)
{
	int fd;

	if (!path)
		return stdout;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && fchmod(fd, 0600) < 0) {   /* an existing file keeps its mode */
		close(fd);
		return NULL;
	}
	return fd < 0 ? NULL : fdopen(fd, "w");
}

/* Derive and print both slots. */
static int print_cfg(const struct keys_args *a, const uint8_t psk[SRD_PSK_LEN],
		     const struct srd_addr *rx, uint32_t gen)
{
	uint8_t key[2][SRD_PSP_MASTER_KEY_LEN];
	FILE *f;
	int err = srd_keyring_derive_master(psk, rx, gen, key[gen & 1]);

	if (!err)
		err = srd_keyring_derive_master(psk, rx, gen - 1, key[(gen - 1) & 1]);
	f = err ? NULL : open_out(a->out);
	if (err) {
		fprintf(stderr, "srdctl: psp keys: key derivation failed\n");
	} else if (!f) {
		err = -errno;
		fprintf(stderr, "srdctl: psp keys: %s: %s\n", a->out, strerror(errno));
	} else {
		put_key(f, key[0]);
		put_key(f, key[1]);
		if ((f == stdout ? fflush(f) : fclose(f)) != 0) {
			err = -EIO;
			fprintf(stderr, "srdctl: psp keys: writing the keys failed\n");
		}
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (err)
		return SRDCTL_FAILED;
	fprintf(stderr, "generation %" PRIu32 " in slot %u, %" PRIu32 " in slot %u\n", gen,
		gen & 1, gen - 1, (gen - 1) & 1);
	return SRDCTL_OK;
}

int srdctl_psp_keys(int argc, char **argv)
{
	struct keys_args a = { 0 };
	struct srd_config_addr addr;
	uint8_t psk[SRD_PSK_LEN];
	char why[256];
	uint32_t gen;
	int ret;

	if (parse(argc, argv, &a) < 0) {
		keys_usage(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? SRDCTL_OK : SRDCTL_USAGE;
	}
	if (srd_config_parse_addr(a.receiver, &addr, why, sizeof(why)) < 0) {
		fprintf(stderr, "srdctl: psp keys: --receiver: %s\n", why);
		return SRDCTL_USAGE;
	}
	if (!a.out && isatty(STDOUT_FILENO) == 0 && lseek(STDOUT_FILENO, 0, SEEK_CUR) >= 0) {
		fprintf(stderr, "srdctl: psp keys: use -o FILE to write keys to a file "
			"(it gets mode 0600)\n");
		return SRDCTL_USAGE;
	}
	if (srd_psk_load(a.psk_file, psk, why, sizeof(why)) < 0) {
		fprintf(stderr, "srdctl: psp keys: %s\n", why);
		return SRDCTL_FAILED;
	}
	gen = a.has_gen ? (uint32_t)a.gen : (uint32_t)(a.time_s / a.period_s + a.offset);
	ret = print_cfg(&a, psk, &addr.addr, gen);
	OPENSSL_cleanse(psk, sizeof(psk));
	return ret;
}
