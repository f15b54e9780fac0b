/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_psp_cfg.c: libFuzzer target for the PSP cfg parser. Whatever parses must
 * parse to the same settings again after being written back out canonically.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/psp_cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t write_cfg(const struct srd_psp_cfg *c, char *out, size_t cap)
{
	size_t len = 0;
	unsigned k, i;

	for (k = 0; k < 2; k++)
		for (i = 0; i < SRD_PSP_MASTER_KEY_LEN; i++)
			len += (size_t)snprintf(out + len, cap - len, "%02x ", c->master[k][i]);
	if (c->has_tx)
		len += (size_t)snprintf(out + len, cap - len, "%x %s %s %u %u %u %s\n",
					c->spi, c->opts.tunnel ? "tunnel" : "transport",
					c->version ? "aes-gcm-256" : "aes-gcm-128",
					c->opts.off_transport, c->opts.off_tunnel_v4,
					c->opts.off_tunnel_v6, c->opts.vc ? "vc" : "no-vc");
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srd_psp_cfg a, b;
	char err[256], text[1024];
	size_t len;

	if (srd_psp_cfg_parse((const char *)data, size, &a, err, sizeof(err))) {
		if (!err[0])
			abort();  /* every rejection says why */
		return 0;
	}
	len = write_cfg(&a, text, sizeof(text));
	if (srd_psp_cfg_parse(text, len, &b, err, sizeof(err)) ||
	    memcmp(&a, &b, sizeof(a)))
		abort();
	return 0;
}
