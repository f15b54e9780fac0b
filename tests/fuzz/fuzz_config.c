/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_config.c: libFuzzer target for the srd-vswitchd config parser (ctl/config.h).
 * Any text: no crash, and a rejection always says why. A text that parses must
 * parse to the identical struct after srd_config_format() writes it back, and
 * writing that again must give the same text.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct srd_config a, b;
static char err[4096], text[1 << 20], again[1 << 20];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srd_conn_cfg cc;
	size_t len;
	unsigned i;

	if (srd_config_parse((const char *)data, size, "f.conf", &a, err, sizeof(err))) {
		if (strncmp(err, "f.conf:", 7) != 0)
			abort();  /* every rejection says where and why */
		return 0;
	}
	len = srd_config_format(&a, text, sizeof(text));
	if (len >= sizeof(text))
		abort();
	if (srd_config_parse(text, len, "f.conf", &b, err, sizeof(err)) ||
	    memcmp(&a, &b, sizeof(a)))
		abort();
	if (srd_config_format(&b, again, sizeof(again)) != len || memcmp(text, again, len))
		abort();
	for (i = 0; i < a.n_peers; i++)
		if (srd_config_to_conn_cfg(&a, i, &cc) || cc.npaths != a.peers[i].paths)
			abort();
	return 0;
}
