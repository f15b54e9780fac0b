/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keyring.c: PSK-derived PSP master keys and their rotation schedule (keyring.h).
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "encap/bytes.h"
#include "encap/keyring.h"

#define HKDF_SALT "srdvs-psk-v1"
#define HKDF_INFO_LABEL "srdvs psp master key"
#define SPI_LABEL "srdvs spi v1"
#define LABEL_LEN(s) (sizeof(s) - 1)  /* labels go on the wire without their NUL */
#define INFO_LEN (LABEL_LEN(HKDF_INFO_LABEL) + 16 + 4)
#define OFFSET_MAX 0x7fffffffu  /* with period >= 60 s, gen stays below 2^32 */

/* ---- addresses and SPIs ---- */

void srd_addr_from_in(struct srd_addr *a, const struct in_addr *in)
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(a->b + 12, &in->s_addr, 4);
}

void srd_addr_from_in6(struct srd_addr *a, const struct in6_addr *in6)
{
	memcpy(a->b, in6->s6_addr, sizeof(a->b));
}

int srd_addr_from_sockaddr(struct srd_addr *a, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		srd_addr_from_in(a, &sin->sin_addr);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		srd_addr_from_in6(a, &sin6->sin6_addr);
		return 0;
	}
	return -EAFNOSUPPORT;
}

uint32_t srd_keyring_spi_make(uint32_t gen, uint32_t spi_low)
{
	return (gen & 1u) << 31 | (spi_low & SRD_SPI_LOW_MASK);
}

uint32_t srd_keyring_spi_low_from_addr(const struct srd_addr *sender)
{
	uint8_t msg[LABEL_LEN(SPI_LABEL) + sizeof(sender->b)];
	uint8_t md[EVP_MAX_MD_SIZE];
	uint32_t low;

	memcpy(msg, SPI_LABEL, LABEL_LEN(SPI_LABEL));
	memcpy(msg + LABEL_LEN(SPI_LABEL), sender->b, sizeof(sender->b));
	if (!EVP_Digest(msg, sizeof(msg), md, NULL, EVP_sha256(), NULL))
		return 0;
	low = srd_get_be32(md) >> 1;
	return low ? low : 1;
}

bool srd_keyring_spi_collision(const uint32_t *spi_low, size_t n, size_t *i,
			       size_t *j)
{
	size_t a, b;

	for (a = 0; a < n; a++)
		for (b = a + 1; b < n; b++)
			if ((spi_low[a] & SRD_SPI_LOW_MASK) ==
			    (spi_low[b] & SRD_SPI_LOW_MASK)) {
				*i = a;
				*j = b;
				return true;
			}
	return false;
}

/* ---- key derivation ---- */

int srd_keyring_derive_master(const uint8_t psk[SRD_PSK_LEN],
			      const struct srd_addr *rx_addr, uint32_t gen,
			      uint8_t master[SRD_PSP_MASTER_KEY_LEN])
{
	uint8_t info[INFO_LEN];
	OSSL_PARAM params[5];
	EVP_KDF_CTX *ctx;
	EVP_KDF *kdf;
	int err = 0;

	memcpy(info, HKDF_INFO_LABEL, LABEL_LEN(HKDF_INFO_LABEL));
	memcpy(info + LABEL_LEN(HKDF_INFO_LABEL), rx_addr->b, sizeof(rx_addr->b));
	srd_put_be32(info + LABEL_LEN(HKDF_INFO_LABEL) + sizeof(rx_addr->b), gen);

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						      (void *)psk, SRD_PSK_LEN);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						      (void *)HKDF_SALT,
						      LABEL_LEN(HKDF_SALT));
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
						      sizeof(info));
	params[4] = OSSL_PARAM_construct_end();

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (!kdf)
		return -EIO;
	ctx = EVP_KDF_CTX_new(kdf);
	if (!ctx) {
		err = -ENOMEM;
		goto err_ctx;
	}
	if (EVP_KDF_derive(ctx, master, SRD_PSP_MASTER_KEY_LEN, params) != 1) {
		OPENSSL_cleanse(master, SRD_PSP_MASTER_KEY_LEN);
		err = -EIO;
	}
	EVP_KDF_CTX_free(ctx);  /* wipes the PRK it held */
err_ctx:
	EVP_KDF_free(kdf);
	return err;
}

int srd_keyring_tx_sa(const struct srd_keyring *kr, const struct srd_addr *remote,
		      uint32_t gen, uint32_t spi_low, unsigned version,
		      struct srd_psp_sa *sa)
{
	uint8_t master[SRD_PSP_MASTER_KEY_LEN];
	int err;

	if (!spi_low || spi_low > SRD_SPI_LOW_MASK)
		return -EINVAL;
	err = srd_keyring_derive_master(kr->psk, remote, gen, master);
	if (!err)
		err = srd_psp_sa_init_master(sa, master, version,
					     srd_keyring_spi_make(gen, spi_low), true);
	OPENSSL_cleanse(master, sizeof(master));
	return err;
}

/* ---- lifecycle ---- */

int srd_keyring_init(struct srd_keyring *kr, const uint8_t psk[SRD_PSK_LEN],
		     const struct srd_addr *local, const struct srd_keyring_opts *opts)
{
	uint64_t period = opts && opts->period_ns ? opts->period_ns
						  : SRD_KEYRING_PERIOD_DEFAULT;
	uint64_t grace = opts && opts->grace_ns ? opts->grace_ns
						: SRD_KEYRING_GRACE_DEFAULT;
	uint32_t offset = opts ? opts->offset : 0;

	memset(kr, 0, sizeof(*kr));
	if (period < SRD_KEYRING_PERIOD_MIN || grace > period / 8 ||
	    offset > OFFSET_MAX)
		return -EINVAL;
	memcpy(kr->psk, psk, SRD_PSK_LEN);
	kr->local = *local;
	kr->period_ns = period;
	kr->grace_ns = grace;
	kr->offset = offset;
	return 0;
}

void srd_keyring_fini(struct srd_keyring *kr)
{
	if (kr)
		OPENSSL_cleanse(kr, sizeof(*kr));
}

/* ---- schedule ---- */

uint32_t srd_keyring_gen_at(const struct srd_keyring *kr, uint64_t now_ns)
{
	return (uint32_t)(now_ns / kr->period_ns) + kr->offset;
}

uint32_t srd_keyring_tx_gen(const struct srd_keyring *kr)
{
	return kr->cur;
}

uint64_t srd_keyring_next_expiry(const struct srd_keyring *kr)
{
	return kr->next_ns;
}

static uint64_t next_switch(const struct srd_keyring *kr, uint64_t now_ns)
{
	return (now_ns / kr->period_ns + 1) * kr->period_ns;
}

static bool in_grace(const struct srd_keyring *kr, uint64_t now_ns)
{
	return kr->cur > 0 && now_ns < kr->grace_until;
}

static void arm(struct srd_keyring *kr, uint64_t now_ns)
{
	uint64_t next = next_switch(kr, now_ns);

	if (in_grace(kr, now_ns) && kr->grace_until < next)
		next = kr->grace_until;
	kr->next_ns = next;
}

/* Make the receiver's slots hold {cur-1, cur} during a grace, else {cur, cur+1}. */
static int install(struct srd_keyring *kr, uint64_t now_ns, struct srd_psp_rx *rx)
{
	uint8_t master[SRD_PSP_MASTER_KEY_LEN];
	uint32_t lo = in_grace(kr, now_ns) ? kr->cur - 1 : kr->cur;
	uint32_t gen;
	int err = 0;

	if (!rx)
		return 0;
	for (gen = lo; gen != lo + 2; gen++) {
		struct srd_keyring_slot *s = &kr->slot[gen & 1];

		if (s->valid && s->gen == gen)
			continue;
		err = srd_keyring_derive_master(kr->psk, &kr->local, gen, master);
		if (!err)
			err = srd_psp_rx_set_master(rx, gen & 1, master);
		if (err)
			break;
		s->gen = gen;
		s->valid = true;
	}
	OPENSSL_cleanse(master, sizeof(master));
	return err;
}

/* Make gen current as of time `at`; with grace, gen-1 stays accepted until at + G. */
static void switch_to(struct srd_keyring *kr, uint32_t gen, uint64_t at, bool grace)
{
	kr->cur = gen;
	kr->last_switch = at;
	kr->grace_until = grace ? at + kr->grace_ns : 0;
	kr->started = true;
}

int srd_keyring_tick(struct srd_keyring *kr, uint64_t now_ns, struct srd_psp_rx *rx)
{
	uint64_t sched = now_ns / kr->period_ns;
	uint32_t due = (uint32_t)sched + kr->offset;

	/* A late tick dates the switch back to when it was due; a clock that stepped
	 * back never lowers the generation. */
	if (!kr->started || due > kr->cur)
		switch_to(kr, due, sched * kr->period_ns, true);
	arm(kr, now_ns);
	return install(kr, now_ns, rx);
}

int srd_keyring_set_offset(struct srd_keyring *kr, uint32_t offset, uint64_t now_ns,
			   struct srd_psp_rx *rx)
{
	uint32_t due;
	int err;

	if (offset < kr->offset || offset > OFFSET_MAX)
		return -EINVAL;
	if (offset == kr->offset)
		return 0;
	if (!kr->started) {
		kr->offset = offset;
		return 0;
	}
	err = srd_keyring_tick(kr, now_ns, rx);
	if (err)
		return err;
	if (now_ns < kr->last_switch + 2 * kr->grace_ns ||
	    next_switch(kr, now_ns) - now_ns < 2 * kr->grace_ns)
		return -EBUSY;
	due = (uint32_t)(now_ns / kr->period_ns) + offset;
	kr->offset = offset;
	if (due > kr->cur)
		switch_to(kr, due, now_ns, due == kr->cur + 1);
	arm(kr, now_ns);
	return install(kr, now_ns, rx);
}

int srd_keyring_advance(struct srd_keyring *kr, uint64_t now_ns, struct srd_psp_rx *rx)
{
	return srd_keyring_set_offset(kr, kr->offset + 1, now_ns, rx);
}
