/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ctl_request.c: libFuzzer target for the control channel's request line
 * (ctl/ctl_proto.h), fed the bytes a client sent, as the server sees them.
 * The verdict must follow from the framing alone (a '\n' within the first 4096
 * bytes or not); a rejected line comes with a reason and leaves the buffer as it
 * was; an accepted one splits into 1..8 valid words that srd_ctl_request_format()
 * joins back into exactly the line sent (less a '\r' before the '\n'), and that
 * line parses to the same words.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_word(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if ((unsigned char)*w <= ' ' || *w == 0x7f)
			return false;
	return true;
}

/* An accepted line: check the words, format them and parse the result again. */
static void check_words(const uint8_t *data, size_t line_len, int argc, char **argv)
{
	char line[SRD_CTL_MAX_REQUEST + 1], *again[SRD_CTL_MAX_ARGS + 1];
	const char *why = NULL;
	int i, len;

	if (argc > SRD_CTL_MAX_ARGS || argv[argc])
		abort();
	for (i = 0; i < argc; i++)
		if (!valid_word(argv[i]))
			abort();
	len = srd_ctl_request_format(argc, argv, line, sizeof(line));
	if (line_len && data[line_len - 1] == '\r')
		line_len--;
	if (len != (int)line_len + 1 || memcmp(line, data, line_len) || line[line_len] != '\n')
		abort();
	if (srd_ctl_request_parse(line, (size_t)len, again, &why) != argc)
		abort();
	for (i = 0; i < argc; i++)
		if (strcmp(again[i], argv[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t scan = size < SRD_CTL_MAX_REQUEST ? size : SRD_CTL_MAX_REQUEST;
	const uint8_t *nl = memchr(data, '\n', scan);
	char *buf, *argv[SRD_CTL_MAX_ARGS + 1];
	const char *why = NULL;
	int argc;

	if (size > 2 * SRD_CTL_MAX_REQUEST)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	argc = srd_ctl_request_parse(buf, size, argv, &why);
	if (!nl && argc != (size < SRD_CTL_MAX_REQUEST ? 0 : -EMSGSIZE))
		abort();
	if (nl && argc == 0)
		abort();
	if (argc < 0 && (!why || !*why || memcmp(buf, data, size)))
		abort();
	if (argc > 0)
		check_words(data, (size_t)(nl - data), argc, argv);
	free(buf);
	return 0;
}
