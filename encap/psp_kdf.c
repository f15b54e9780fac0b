/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psp_kdf.c: PSP's per-SPI key derivation.
 *
 * NIST SP 800-108 in counter mode with AES-256-CMAC keyed by the master key that SPI
 * bit 31 selects. Each 16-byte CMAC input block is
 *   counter (u32) || label "Pv0"/"Pv1" || 0x00 || SPI (u32) || L in bits (u32),
 * which is exactly OpenSSL's KBKDF with the label as "salt" and the SPI as "info".
 * AES-GCM-128 keys are block 1; AES-GCM-256 keys are blocks 1 and 2.
 */
#include <errno.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "encap/bytes.h"
#include "encap/psp.h"

size_t srd_psp_key_len(unsigned version)
{
	switch (version) {
	case SRD_PSP_V0_AES_GCM_128:
		return 16;
	case SRD_PSP_V1_AES_GCM_256:
		return 32;
	default:
		return 0;
	}
}

static int kbkdf_cmac(const uint8_t master[SRD_PSP_MASTER_KEY_LEN],
		      const uint8_t label[3], const uint8_t context[4],
		      uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[7], *p = params;
	EVP_KDF_CTX *kctx;
	EVP_KDF *kdf;
	int ret = -EIO;

	kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
	if (!kdf)
		return -EIO;
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (!kctx)
		return -ENOMEM;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, "counter", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, "CMAC", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_CIPHER, "AES-256-CBC", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master,
						 SRD_PSP_MASTER_KEY_LEN);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, 3);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)context, 4);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, out_len, params) == 1)
		ret = 0;
	EVP_KDF_CTX_free(kctx);
	return ret;
}

int srd_psp_derive_key(const uint8_t master[SRD_PSP_MASTER_KEY_LEN], uint32_t spi,
		       unsigned version, uint8_t *key)
{
	size_t key_len = srd_psp_key_len(version);
	uint8_t label[3] = { 'P', 'v', (uint8_t)('0' + version) };
	uint8_t context[4];
	int err;

	if (!key_len || !master || !key)
		return -EINVAL;
	srd_put_be32(context, spi);
	err = kbkdf_cmac(master, label, context, key, key_len);
	if (err)
		OPENSSL_cleanse(key, key_len);
	return err;
}
