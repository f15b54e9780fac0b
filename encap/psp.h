/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psp.h: the PSP security protocol's packet transform (AES-GCM-128/256) on buffers.
 *
 * A PSP packet here is the bytes from the first PSP header byte to the end of the
 * ICV: base header (16) | [virtualization cookie (8)] | cleartext crypt-offset
 * region | ciphertext | ICV (16). Outer Ethernet/IP/UDP headers are the caller's
 * (psp_frame.h builds the reference tool's framing; the datapath builds its own).
 *
 * Lifecycle: an SA (security association) is one derived key bound to one SPI and one
 * direction, keyed once with OpenSSL; per packet only the nonce changes, so sealing
 * and opening allocate nothing. A receiver keeps a struct srd_psp_rx: the two master
 * keys (SPI bit 31 picks one) and a cache of SAs derived on first use per SPI.
 *
 * Errors: every function returning int returns 0 (or a count, where stated) on
 * success and a negative errno on failure:
 *   -EBADMSG          malformed header or lengths (nothing was decrypted)
 *   -EPROTONOSUPPORT  PSP version other than 0 (AES-GCM-128) or 1 (AES-GCM-256)
 *   -ENOKEY           the SPI selects a master key that is not installed
 *   -EKEYREJECTED     authentication failed (ICV mismatch); buffer contents undefined
 *   -EINVAL           caller error (bad argument)
 *   -ENOMEM / -EIO    OpenSSL allocation or internal failure
 * Key material is wiped with OPENSSL_cleanse on every path that drops it.
 */
#ifndef SRD_ENCAP_PSP_H
#define SRD_ENCAP_PSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "encap/wire.h"

enum srd_psp_version {
	SRD_PSP_V0_AES_GCM_128 = 0,  /* 128-bit derived key */
	SRD_PSP_V1_AES_GCM_256 = 1,  /* 256-bit derived key */
};

#define SRD_PSP_MASTER_KEY_LEN 32u  /* master keys are AES-256 keys */
#define SRD_PSP_MAX_KEY_LEN 32u     /* longest derived key */
#define SRD_PSP_RX_CACHE 64u        /* receiver SA cache slots (power of two) */

/* A parsed PSP header. */
struct srd_psp_hdr {
	uint8_t next_hdr;   /* IP protocol number of the payload */
	uint8_t crypt_off;  /* cleartext bytes after the base header (multiple of 4) */
	uint8_t version;    /* enum srd_psp_version */
	bool vc;            /* a virtualization cookie follows the base header */
	uint32_t spi;       /* security parameters index, bit 31 included */
	uint64_t iv;        /* per-packet IV (srdvs: the packet number) */
	uint64_t cookie;    /* virtualization cookie, when vc */
	uint16_t hdr_len;   /* base header plus cookie: 16 or 24 */
};

/* One direction of one SPI, keyed and ready. */
struct srd_psp_sa {
	EVP_CIPHER_CTX *ctx;  /* AES-GCM context keyed with the derived key */
	uint32_t spi;         /* SPI this key was derived for */
	uint8_t version;      /* enum srd_psp_version */
	bool encrypt;         /* direction the context was set up for */
};

/* One packet of a batch call. */
struct srd_psp_pkt {
	uint8_t *data;  /* first byte of the PSP header */
	uint32_t len;   /* bytes from data through the ICV */
	int err;        /* out: 0 or a negative errno as above */
};

/* A receiver's keys: two master keys and SAs derived from them on demand. */
struct srd_psp_rx_slot {
	struct srd_psp_sa sa;  /* decrypting SA for (spi, version) */
	bool used;             /* sa holds a derived key */
};
struct srd_psp_rx {
	uint8_t master[2][SRD_PSP_MASTER_KEY_LEN]; /* indexed by SPI bit 31 */
	bool master_set[2];                        /* which master keys are installed */
	struct srd_psp_rx_slot cache[SRD_PSP_RX_CACHE]; /* direct-mapped by SPI */
	uint64_t derivations;                      /* cache misses (key derivations) */
};

/* Key length in bytes for a version, 0 if unsupported. */
size_t srd_psp_key_len(unsigned version);

/* SP 800-108 counter-mode AES-256-CMAC key derivation, as PSP specifies.
 * Writes srd_psp_key_len(version) bytes to key. */
int srd_psp_derive_key(const uint8_t master[SRD_PSP_MASTER_KEY_LEN], uint32_t spi,
		       unsigned version, uint8_t *key);

/* Parse and validate the header of a packet of len bytes (header through ICV). */
int srd_psp_hdr_parse(const uint8_t *pkt, size_t len, struct srd_psp_hdr *h);
/* Write h as a PSP header (16 or 24 bytes, per h->vc) at pkt. h->crypt_off must be a
 * multiple of 4 below 256. Returns the header length or a negative errno. */
int srd_psp_hdr_build(uint8_t *pkt, const struct srd_psp_hdr *h);

/* Key an SA. key holds srd_psp_key_len(version) bytes; the caller wipes its copy. */
int srd_psp_sa_init(struct srd_psp_sa *sa, const uint8_t *key, unsigned version,
		    uint32_t spi, bool encrypt);
/* Derive the key for spi from a master key and key an SA with it. */
int srd_psp_sa_init_master(struct srd_psp_sa *sa,
			   const uint8_t master[SRD_PSP_MASTER_KEY_LEN],
			   unsigned version, uint32_t spi, bool encrypt);
void srd_psp_sa_fini(struct srd_psp_sa *sa);

/* Encrypt in place a packet whose header is already built (srd_psp_hdr_build) with
 * this SA's SPI and version, and write its ICV into the last 16 bytes. */
int srd_psp_seal(const struct srd_psp_sa *sa, uint8_t *pkt, size_t len);
/* Authenticate and decrypt in place with a known SA; fills h when not NULL. */
int srd_psp_open(const struct srd_psp_sa *sa, uint8_t *pkt, size_t len,
		 struct srd_psp_hdr *h);
/* Seal n packets with one SA. Returns how many succeeded; see pkts[i].err. */
unsigned srd_psp_seal_batch(const struct srd_psp_sa *sa, struct srd_psp_pkt *pkts,
			    unsigned n);

int srd_psp_rx_init(struct srd_psp_rx *rx);
void srd_psp_rx_fini(struct srd_psp_rx *rx);
/* Install (key != NULL) or remove (key == NULL) master key `slot` (0 or 1); drops
 * every cached SA derived from the old key. */
int srd_psp_rx_set_master(struct srd_psp_rx *rx, unsigned slot,
			  const uint8_t key[SRD_PSP_MASTER_KEY_LEN]);
/* Parse, look up or derive the SA for the packet's SPI, authenticate and decrypt in
 * place. Fills h (when not NULL) after parsing, also when authentication fails. */
int srd_psp_rx_open(struct srd_psp_rx *rx, uint8_t *pkt, size_t len,
		    struct srd_psp_hdr *h);
/* Open n packets. Returns how many succeeded; see pkts[i].err. */
unsigned srd_psp_rx_open_batch(struct srd_psp_rx *rx, struct srd_psp_pkt *pkts,
			       unsigned n);

#endif
