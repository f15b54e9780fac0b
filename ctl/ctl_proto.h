/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_proto.h: the control channel between srdctl and srd-vswitchd (docs/control.md):
 * its limits and the request line, which both ends share.
 *
 * A request is one line: words separated by single spaces, ended by '\n' (a '\r'
 * before it is dropped), SRD_CTL_MAX_REQUEST bytes at most with the '\n', 1 to
 * SRD_CTL_MAX_ARGS words. A word is any bytes but space, NUL and the other ASCII
 * control characters (0x00-0x1f, 0x7f); UTF-8 passes through. The first word is the
 * command. The reply is one JSON object, then the server closes the connection.
 *
 * Errors: 0 / a count, or a negative errno, as each prototype says.
 */
#ifndef SRD_CTL_CTL_PROTO_H
#define SRD_CTL_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SRD_CTL_MAX_REQUEST 4096u   /* longest request line, its '\n' included */
#define SRD_CTL_MAX_ARGS 8          /* most words in a request */
#define SRD_CTL_MAX_CLIENTS 16u     /* clients served at once; more are refused */
#define SRD_CTL_CLIENT_TIMEOUT_NS 2000000000ull  /* to send the request; again to read the reply */
#define SRD_CTL_MAX_REPLY (64u << 20) /* largest reply a client accepts */

/*
 * Look at the request bytes received so far, buf[0..len), which need not be
 * NUL-terminated. Returns
 *   0          incomplete: no '\n' yet and len < SRD_CTL_MAX_REQUEST; read more
 *   1..8       a complete, valid line: the word count. argv[0..argc) point into buf
 *              (the spaces and the line end are overwritten with NULs) and
 *              argv[argc] is NULL. Bytes after the '\n' are ignored.
 *   -EMSGSIZE  SRD_CTL_MAX_REQUEST bytes without a '\n'
 *   -EINVAL    the line is malformed
 * On a negative return *why holds the reason (a static string) and buf is unchanged.
 */
int srd_ctl_request_parse(char *buf, size_t len, char *argv[SRD_CTL_MAX_ARGS + 1],
			  const char **why);

/*
 * Write the request line for argv[0..argc) into buf: the words joined by single
 * spaces, a '\n', then a NUL. Returns the line's length with its '\n', or
 *   -EINVAL    argc is not 1..8, or a word is empty or holds a space or control byte
 *   -EMSGSIZE  the line is longer than SRD_CTL_MAX_REQUEST, or does not fit in size
 */
int srd_ctl_request_format(int argc, char *const argv[], char *buf, size_t size);

/* Return err; when errp is not NULL, also a malloc'd printf message in *errp (NULL if
 * that allocation failed). Both ends of the channel report errors this way. */
int srd_ctl_fail(char **errp, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
