/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_proto.c: the control channel's request line (ctl/ctl_proto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "ctl/ctl_proto.h"

/* Any byte but space, NUL and the other ASCII control characters. */
static bool word_byte(unsigned char c)
{
	return c > ' ' && c != 0x7f;
}

static bool valid_word(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if (!word_byte((unsigned char)*w))
			return false;
	return true;
}

/* Check line[0..len) and return its word count, or -EINVAL with *why. */
static int check_line(const char *line, size_t len, const char **why)
{
	int words = 1;
	size_t i;

	if (!len) {
		*why = "empty request";
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (line[i] != ' ') {
			if (word_byte((unsigned char)line[i]))
				continue;
			*why = "control character in request";
			return -EINVAL;
		}
		if (i == 0 || i == len - 1 || line[i - 1] == ' ') {
			*why = "empty word in request (a leading, trailing or double space)";
			return -EINVAL;
		}
		if (++words > SRD_CTL_MAX_ARGS) {
			*why = "more than 8 words in request";
			return -EINVAL;
		}
	}
	return words;
}

/* Cut a checked line[0..len) into words; line[len] is its '\r' or '\n'. */
static void split_line(char *line, size_t len, char *argv[])
{
	int argc = 0;
	size_t i;

	argv[argc++] = line;
	for (i = 0; i < len; i++) {
		if (line[i] == ' ') {
			line[i] = '\0';
			argv[argc++] = line + i + 1;
		}
	}
	line[len] = '\0';
	argv[argc] = NULL;
}

int srd_ctl_request_parse(char *buf, size_t len, char *argv[SRD_CTL_MAX_ARGS + 1],
			  const char **why)
{
	size_t scan = len < SRD_CTL_MAX_REQUEST ? len : SRD_CTL_MAX_REQUEST;
	const char *nl = memchr(buf, '\n', scan);
	size_t end;
	int argc;

	if (!nl) {
		if (len < SRD_CTL_MAX_REQUEST)
			return 0;
		*why = "request longer than 4096 bytes";
		return -EMSGSIZE;
	}
	end = (size_t)(nl - buf);
	if (end && buf[end - 1] == '\r')
		end--;
	argc = check_line(buf, end, why);
	if (argc > 0)
		split_line(buf, end, argv);
	return argc;
}

int srd_ctl_request_format(int argc, char *const argv[], char *buf, size_t size)
{
	size_t len = 0, n;
	int i;

	if (argc < 1 || argc > SRD_CTL_MAX_ARGS)
		return -EINVAL;
	for (i = 0; i < argc; i++) {
		if (!valid_word(argv[i]))
			return -EINVAL;
		len += strlen(argv[i]) + 1;   /* the word and a space or the '\n' */
		if (len > SRD_CTL_MAX_REQUEST)
			return -EMSGSIZE;
	}
	if (len >= size)
		return -EMSGSIZE;
	for (len = 0, i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		memcpy(buf + len, argv[i], n);
		len += n;
		buf[len++] = i + 1 < argc ? ' ' : '\n';
	}
	buf[len] = '\0';
	return (int)len;
}

int srd_ctl_fail(char **errp, int err, const char *fmt, ...)
{
	va_list ap;

	if (errp) {
		va_start(ap, fmt);
		if (vasprintf(errp, fmt, ap) < 0)
			*errp = NULL;
		va_end(ap);
	}
	return err;
}
