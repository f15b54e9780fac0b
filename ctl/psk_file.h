/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psk_file.h: the pre-shared key file (docs/security.md, "Key file").
 *
 * Format: text, at most 4 KiB. Lines end in LF or CRLF. Blank lines and lines whose
 * first non-blank character is '#' are ignored. Exactly one other line, the key
 * line: 32 random bytes as 64 hex digits (either case) or as 44 characters of
 * standard padded base64 (`openssl rand -base64 32`, like WireGuard keys), with
 * optional spaces or tabs around it and nothing else on the line. Generate one with
 *     umask 077; openssl rand -hex 32 > /etc/srdvs/psk
 *
 * Weak keys are refused, to catch hand-typed or passphrase-derived keys: fewer than
 * 16 distinct byte values among the 32 (this covers all-zero and all-equal keys and
 * repeated patterns such as "abcabc..."), or every byte printable ASCII (a
 * passphrase written as base64). 32 random bytes fail these tests with probability
 * below 2e-14.
 *
 * The file must be a regular file (a symlink to one is fine), owned by the reading
 * user or root, with no permission bits for group or others (mode 0600 or 0400), as
 * ssh requires of private keys.
 *
 * Errors: 0 on success or a negative errno, with a message in err (which may be NULL
 * when err_len is 0) that never quotes key material:
 *   -EINVAL  malformed or weak key, not a regular file
 *   -EPERM   the file is accessible by group or others, or owned by another user
 *   -EFBIG   the file is larger than 4 KiB
 *   other    from open(2) / read(2)
 * On failure psk is zeroed; every buffer that held key material is wiped.
 */
#ifndef SRD_CTL_PSK_FILE_H
#define SRD_CTL_PSK_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "encap/keyring.h"

#define SRD_PSK_FILE_MAX 4096u   /* largest accepted key file */
#define SRD_PSK_HEX_LEN 64u      /* key line as hex */
#define SRD_PSK_B64_LEN 44u      /* key line as padded base64 */
#define SRD_PSK_MIN_DISTINCT 16u /* fewest distinct byte values in a key */

/* Parse a key file's contents (len bytes, need not be NUL-terminated). */
int srd_psk_parse(const char *text, size_t len, uint8_t psk[SRD_PSK_LEN],
		  char *err, size_t err_len);
/* The weak-key rule above. Returns 0 or -EINVAL. */
int srd_psk_check(const uint8_t psk[SRD_PSK_LEN], char *err, size_t err_len);
/* Check the file's type, owner, mode and size, then read and parse it. */
int srd_psk_load(const char *path, uint8_t psk[SRD_PSK_LEN], char *err,
		 size_t err_len);
/* Write the key as 64 lowercase hex digits and a NUL. */
void srd_psk_to_hex(const uint8_t psk[SRD_PSK_LEN], char hex[SRD_PSK_HEX_LEN + 1]);

#endif
