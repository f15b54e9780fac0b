/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psp.c: PSP header parse/build and AES-GCM seal/open with OpenSSL EVP.
 *
 * For a packet P (header through ICV) with header length H, crypt offset C and
 * length L:  AAD = P[0, 16 + C),  text = P[16 + C, L - 16),  ICV = P[L - 16, L),
 * nonce = P[4, 16) = SPI || IV. The crypt offset counts from the end of the base
 * header, so a virtualization cookie lies inside it (and is encrypted when C < 8).
 */
#include <errno.h>

#include <openssl/crypto.h>

#include "encap/bytes.h"
#include "encap/psp.h"

#define NONCE_LEN 12u

/* ---- header ---- */

int srd_psp_hdr_parse(const uint8_t *pkt, size_t len, struct srd_psp_hdr *h)
{
	uint8_t flags;
	size_t body;

	if (len < SRD_PSP_HDR_LEN + SRD_PSP_ICV_LEN)
		return -EBADMSG;
	flags = pkt[SRD_PSP_OFF_FLAGS];
	if (!(flags & SRD_PSP_FLAG_ONE))
		return -EBADMSG;
	h->version = (flags >> SRD_PSP_VER_SHIFT) & SRD_PSP_VER_MASK;
	if (!srd_psp_key_len(h->version))
		return -EPROTONOSUPPORT;
	h->vc = flags & SRD_PSP_FLAG_V;
	/* Header extensions other than the cookie are not defined: length is fixed. */
	if (pkt[SRD_PSP_OFF_EXT_LEN] != (h->vc ? 2 : 1))
		return -EBADMSG;
	h->hdr_len = SRD_PSP_HDR_LEN + (h->vc ? SRD_PSP_VC_LEN : 0);
	/* Reserved crypt-offset bits are masked here and authenticated in the AAD. */
	h->crypt_off = (pkt[SRD_PSP_OFF_CRYPT_OFF] & SRD_PSP_CRYPT_OFF_MASK) * 4;
	body = len - SRD_PSP_HDR_LEN - SRD_PSP_ICV_LEN;
	if (len < h->hdr_len + SRD_PSP_ICV_LEN || h->crypt_off > body)
		return -EBADMSG;
	h->next_hdr = pkt[SRD_PSP_OFF_NEXT_HDR];
	h->spi = srd_get_be32(pkt + SRD_PSP_OFF_SPI);
	h->iv = srd_get_be64(pkt + SRD_PSP_OFF_IV);
	h->cookie = h->vc ? srd_get_be64(pkt + SRD_PSP_HDR_LEN) : 0;
	return 0;
}

int srd_psp_hdr_build(uint8_t *pkt, const struct srd_psp_hdr *h)
{
	uint8_t flags = SRD_PSP_FLAG_ONE;

	if (!srd_psp_key_len(h->version) || h->crypt_off % 4 ||
	    h->crypt_off / 4 > SRD_PSP_CRYPT_OFF_MASK)
		return -EINVAL;
	flags |= h->version << SRD_PSP_VER_SHIFT;
	if (h->vc)
		flags |= SRD_PSP_FLAG_V;
	pkt[SRD_PSP_OFF_NEXT_HDR] = h->next_hdr;
	pkt[SRD_PSP_OFF_EXT_LEN] = h->vc ? 2 : 1;
	pkt[SRD_PSP_OFF_CRYPT_OFF] = h->crypt_off / 4;
	pkt[SRD_PSP_OFF_FLAGS] = flags;
	srd_put_be32(pkt + SRD_PSP_OFF_SPI, h->spi);
	srd_put_be64(pkt + SRD_PSP_OFF_IV, h->iv);
	if (!h->vc)
		return SRD_PSP_HDR_LEN;
	srd_put_be64(pkt + SRD_PSP_HDR_LEN, h->cookie);
	return SRD_PSP_HDR_LEN + SRD_PSP_VC_LEN;
}

/* ---- security associations ---- */

static const EVP_CIPHER *gcm_cipher(unsigned version)
{
	return version == SRD_PSP_V1_AES_GCM_256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
}

/* Key an already allocated context; on failure the context holds no key. */
static int sa_key(struct srd_psp_sa *sa, const uint8_t *key, unsigned version,
		  uint32_t spi, bool encrypt)
{
	int ok;

	if (encrypt)
		ok = EVP_EncryptInit_ex(sa->ctx, gcm_cipher(version), NULL, key, NULL);
	else
		ok = EVP_DecryptInit_ex(sa->ctx, gcm_cipher(version), NULL, key, NULL);
	if (ok != 1) {
		EVP_CIPHER_CTX_reset(sa->ctx);
		return -EIO;
	}
	sa->spi = spi;
	sa->version = version;
	sa->encrypt = encrypt;
	return 0;
}

int srd_psp_sa_init(struct srd_psp_sa *sa, const uint8_t *key, unsigned version,
		    uint32_t spi, bool encrypt)
{
	int err;

	if (!sa || !key || !srd_psp_key_len(version))
		return -EINVAL;
	sa->ctx = EVP_CIPHER_CTX_new();
	if (!sa->ctx)
		return -ENOMEM;
	err = sa_key(sa, key, version, spi, encrypt);
	if (err) {
		EVP_CIPHER_CTX_free(sa->ctx);
		sa->ctx = NULL;
	}
	return err;
}

int srd_psp_sa_init_master(struct srd_psp_sa *sa,
			   const uint8_t master[SRD_PSP_MASTER_KEY_LEN],
			   unsigned version, uint32_t spi, bool encrypt)
{
	uint8_t key[SRD_PSP_MAX_KEY_LEN];
	int err;

	err = srd_psp_derive_key(master, spi, version, key);
	if (!err)
		err = srd_psp_sa_init(sa, key, version, spi, encrypt);
	OPENSSL_cleanse(key, sizeof(key));
	return err;
}

void srd_psp_sa_fini(struct srd_psp_sa *sa)
{
	if (!sa)
		return;
	EVP_CIPHER_CTX_free(sa->ctx);  /* frees and wipes the key schedule */
	sa->ctx = NULL;
}

/* ---- seal and open ---- */

static int gcm_seal(EVP_CIPHER_CTX *ctx, uint8_t *pkt, size_t len,
		    const struct srd_psp_hdr *h)
{
	size_t aad_len = SRD_PSP_HDR_LEN + h->crypt_off;
	size_t text_len = len - SRD_PSP_ICV_LEN - aad_len;
	uint8_t *text = pkt + aad_len;
	int n;

	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, pkt + SRD_PSP_OFF_SPI) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, pkt, (int)aad_len) != 1 ||
	    (text_len && EVP_EncryptUpdate(ctx, text, &n, text, (int)text_len) != 1) ||
	    EVP_EncryptFinal_ex(ctx, text + text_len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SRD_PSP_ICV_LEN,
				pkt + len - SRD_PSP_ICV_LEN) != 1)
		return -EIO;
	return 0;
}

static int gcm_open(EVP_CIPHER_CTX *ctx, uint8_t *pkt, size_t len,
		    const struct srd_psp_hdr *h)
{
	size_t aad_len = SRD_PSP_HDR_LEN + h->crypt_off;
	size_t text_len = len - SRD_PSP_ICV_LEN - aad_len;
	uint8_t *text = pkt + aad_len;
	uint8_t icv[SRD_PSP_ICV_LEN];
	int n;

	memcpy(icv, pkt + len - SRD_PSP_ICV_LEN, sizeof(icv));
	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, pkt + SRD_PSP_OFF_SPI) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof(icv), icv) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, pkt, (int)aad_len) != 1 ||
	    (text_len && EVP_DecryptUpdate(ctx, text, &n, text, (int)text_len) != 1))
		return -EIO;
	if (EVP_DecryptFinal_ex(ctx, text + text_len, &n) != 1)
		return -EKEYREJECTED;
	return 0;
}

static bool sa_matches(const struct srd_psp_sa *sa, const struct srd_psp_hdr *h,
		       bool encrypt)
{
	return sa->ctx && sa->encrypt == encrypt && sa->spi == h->spi &&
	       sa->version == h->version;
}

int srd_psp_seal(const struct srd_psp_sa *sa, uint8_t *pkt, size_t len)
{
	struct srd_psp_hdr h;
	int err;

	if (len > INT32_MAX)
		return -EINVAL;
	err = srd_psp_hdr_parse(pkt, len, &h);
	if (err)
		return err;
	if (!sa_matches(sa, &h, true))
		return -EINVAL;
	return gcm_seal(sa->ctx, pkt, len, &h);
}

/* After a successful open the cookie is plaintext: read it again. */
static void finish_open(const uint8_t *pkt, struct srd_psp_hdr *h)
{
	if (h->vc)
		h->cookie = srd_get_be64(pkt + SRD_PSP_HDR_LEN);
}

int srd_psp_open(const struct srd_psp_sa *sa, uint8_t *pkt, size_t len,
		 struct srd_psp_hdr *h)
{
	struct srd_psp_hdr local;
	int err;

	if (!h)
		h = &local;
	if (len > INT32_MAX)
		return -EBADMSG;
	err = srd_psp_hdr_parse(pkt, len, h);
	if (err)
		return err;
	if (!sa_matches(sa, h, false))
		return -ENOKEY;
	err = gcm_open(sa->ctx, pkt, len, h);
	if (!err)
		finish_open(pkt, h);
	return err;
}

unsigned srd_psp_seal_batch(const struct srd_psp_sa *sa, struct srd_psp_pkt *pkts,
			    unsigned n)
{
	unsigned i, ok = 0;

	for (i = 0; i < n; i++) {
		pkts[i].err = srd_psp_seal(sa, pkts[i].data, pkts[i].len);
		ok += pkts[i].err == 0;
	}
	return ok;
}

/* ---- receiver ---- */

static unsigned rx_slot_index(uint32_t spi, unsigned version)
{
	uint32_t x = spi * 0x9e3779b1u ^ version;

	return (x >> 16 ^ x) & (SRD_PSP_RX_CACHE - 1);
}

_Static_assert((SRD_PSP_RX_CACHE & (SRD_PSP_RX_CACHE - 1)) == 0,
	       "SA cache size is a power of two");

int srd_psp_rx_init(struct srd_psp_rx *rx)
{
	unsigned i;

	memset(rx, 0, sizeof(*rx));
	for (i = 0; i < SRD_PSP_RX_CACHE; i++) {
		rx->cache[i].sa.ctx = EVP_CIPHER_CTX_new();
		if (!rx->cache[i].sa.ctx) {
			srd_psp_rx_fini(rx);
			return -ENOMEM;
		}
	}
	return 0;
}

void srd_psp_rx_fini(struct srd_psp_rx *rx)
{
	unsigned i;

	if (!rx)
		return;
	for (i = 0; i < SRD_PSP_RX_CACHE; i++)
		srd_psp_sa_fini(&rx->cache[i].sa);
	OPENSSL_cleanse(rx->master, sizeof(rx->master));
	memset(rx->master_set, 0, sizeof(rx->master_set));
}

/* Forget every SA derived from master key `slot`, wiping its key schedule. */
static void rx_flush_slot(struct srd_psp_rx *rx, unsigned slot)
{
	unsigned i;

	for (i = 0; i < SRD_PSP_RX_CACHE; i++) {
		struct srd_psp_rx_slot *s = &rx->cache[i];

		if (s->used && (s->sa.spi >> 31) == slot) {
			EVP_CIPHER_CTX_reset(s->sa.ctx);
			s->used = false;
		}
	}
}

int srd_psp_rx_set_master(struct srd_psp_rx *rx, unsigned slot,
			  const uint8_t key[SRD_PSP_MASTER_KEY_LEN])
{
	if (slot > 1)
		return -EINVAL;
	rx_flush_slot(rx, slot);
	OPENSSL_cleanse(rx->master[slot], SRD_PSP_MASTER_KEY_LEN);
	rx->master_set[slot] = key != NULL;
	if (key)
		memcpy(rx->master[slot], key, SRD_PSP_MASTER_KEY_LEN);
	return 0;
}

/* Find or derive the decrypting SA for the header's SPI and version. */
static int rx_lookup(struct srd_psp_rx *rx, const struct srd_psp_hdr *h,
		     const struct srd_psp_sa **out)
{
	struct srd_psp_rx_slot *s = &rx->cache[rx_slot_index(h->spi, h->version)];
	unsigned slot = h->spi >> 31;
	uint8_t key[SRD_PSP_MAX_KEY_LEN];
	int err;

	if (s->used && sa_matches(&s->sa, h, false)) {
		*out = &s->sa;
		return 0;
	}
	if (!rx->master_set[slot])
		return -ENOKEY;
	s->used = false;
	rx->derivations++;
	err = srd_psp_derive_key(rx->master[slot], h->spi, h->version, key);
	if (!err)
		err = sa_key(&s->sa, key, h->version, h->spi, false);
	OPENSSL_cleanse(key, sizeof(key));
	if (err)
		return err;
	s->used = true;
	*out = &s->sa;
	return 0;
}

int srd_psp_rx_open(struct srd_psp_rx *rx, uint8_t *pkt, size_t len,
		    struct srd_psp_hdr *h)
{
	const struct srd_psp_sa *sa;
	struct srd_psp_hdr local;
	int err;

	if (!h)
		h = &local;
	if (len > INT32_MAX)
		return -EBADMSG;
	err = srd_psp_hdr_parse(pkt, len, h);
	if (err)
		return err;
	err = rx_lookup(rx, h, &sa);
	if (err)
		return err;
	err = gcm_open(sa->ctx, pkt, len, h);
	if (!err)
		finish_open(pkt, h);
	return err;
}

unsigned srd_psp_rx_open_batch(struct srd_psp_rx *rx, struct srd_psp_pkt *pkts,
			       unsigned n)
{
	unsigned i, ok = 0;

	for (i = 0; i < n; i++) {
		pkts[i].err = srd_psp_rx_open(rx, pkts[i].data, pkts[i].len, NULL);
		ok += pkts[i].err == 0;
	}
	return ok;
}
