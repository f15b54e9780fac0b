/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_psk.c: libFuzzer target for the pre-shared key file parser (ctl/psk_file.h).
 * Arbitrary bytes go to srd_psk_parse(). A rejected input must come with a message;
 * an accepted key must pass the weak-key rule and come back unchanged when written
 * as hex and as base64 and parsed again. A second parse with a tiny message buffer
 * must give the same verdict (truncation is safe).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ctl/psk_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse text as a key file; it must give back exactly key. */
static void reparse(const char *text, size_t len, const uint8_t key[SRD_PSK_LEN])
{
	uint8_t again[SRD_PSK_LEN];
	char err[256];

	if (srd_psk_parse(text, len, again, err, sizeof(err)) ||
	    memcmp(again, key, SRD_PSK_LEN))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], tiny[4];
	char text[SRD_PSK_HEX_LEN + 16];
	uint8_t key[SRD_PSK_LEN], key2[SRD_PSK_LEN];
	int ret;

	if (size > 2 * SRD_PSK_FILE_MAX)
		return 0;
	err[0] = '\0';
	ret = srd_psk_parse((const char *)data, size, key, err, sizeof(err));
	if (srd_psk_parse((const char *)data, size, key2, tiny, sizeof(tiny)) != ret ||
	    srd_psk_parse((const char *)data, size, key2, NULL, 0) != ret)
		abort();
	if (ret) {
		if (!err[0] || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if (srd_psk_check(key, NULL, 0))
		abort();
	srd_psk_to_hex(key, text);
	reparse(text, SRD_PSK_HEX_LEN, key);
	memcpy(text + SRD_PSK_HEX_LEN, "\r\n# x\n", 6);
	reparse(text, SRD_PSK_HEX_LEN + 6, key);
	if (EVP_EncodeBlock((unsigned char *)text, key, SRD_PSK_LEN) !=
	    (int)SRD_PSK_B64_LEN)
		abort();
	reparse(text, SRD_PSK_B64_LEN, key);
	return 0;
}
