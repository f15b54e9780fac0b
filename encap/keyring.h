/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keyring.h: PSP master keys from a pre-shared key, with scheduled and commanded
 * rotation and zero round trips (docs/security.md is the prose specification).
 *
 * Every host shares one 32-byte PSK (ctl/psk_file.h reads it). A RECEIVING host's
 * PSP master key for generation g is
 *     master(addr, g) = HKDF-SHA256(salt = "srdvs-psk-v1", ikm = PSK,
 *                                   info = "srdvs psp master key" || addr[16] || be32(g))
 * where addr is the receiver's underlay address (IPv4 as ::ffff:a.b.c.d). A sender
 * derives the same master key for the receiver it sends to and keys an SA for
 * SPI = (g & 1) << 31 | spi_low with PSP's CMAC KDF (srd_psp_sa_init_master).
 *
 * Generations. gen(t) = floor(t / period) + offset, t in unix nanoseconds
 * (CLOCK_REALTIME: hosts agree on the schedule without talking). offset counts
 * commanded rotations (srd_keyring_set_offset); every host must be given the same
 * offset. A host's current generation never decreases, even if its clock steps back.
 *
 * State machine of one keyring (T = a switch time, G = grace, P = period):
 *
 *     STEADY(c)  receiver slots hold {c, c+1}; senders use c
 *        |  scheduled switch at T = (c+1-offset) * P, or a commanded advance at T
 *        v
 *     GRACE(c+1) receiver slots hold {c, c+1} (unchanged); senders use c+1;
 *        |       until T + G
 *        v
 *     STEADY(c+1) the slot of c is reloaded with c+2: slots {c+1, c+2}
 *
 * The slots change once per rotation, at T + G; the next generation is installed a
 * whole period ahead, so a sender whose clock runs ahead is accepted. Assumptions:
 * pairwise clock skew |skew| <= G (each host within G/2 of UTC), G <= P/8, and a
 * commanded rotation reaches every host within G. Then a sender's generation is
 * always one of the two its receiver holds (tests/unit/test_keyring.c checks this
 * over 10 rotations at the bound). Two slots cannot hold three generations, so a
 * commanded rotation is refused (-EBUSY) within 2G after the last switch (scheduled
 * or commanded) and within 2G before the next scheduled switch; the caller retries.
 *
 * SPIs. Bit 31 is the generation's parity (PSP's master key selector); the low 31 bits
 * (spi_low, nonzero) are chosen by the sender and must be unique per sender towards
 * one receiver per generation: two senders with the same SPI share the SA key and
 * could reuse GCM nonces. srd_keyring_spi_low_from_addr() derives it from the
 * sender's address; srd_keyring_spi_collision() finds collisions among configured
 * peers so a receiver can refuse such a configuration.
 *
 * No I/O, no clock: time comes in as now_ns (unix ns); the caller arms a timer for
 * srd_keyring_next_expiry() and calls srd_keyring_tick() then.
 *
 * Errors: functions returning int return 0 on success or a negative errno:
 *   -EINVAL  bad argument (options out of range, spi_low 0 or >= 2^31, offset lowered)
 *   -EBUSY   commanded rotation refused now (grace running or a switch is near)
 *   -ENOMEM / -EIO  OpenSSL allocation or internal failure
 * Key material (the PSK copy, master keys) is wiped with OPENSSL_cleanse.
 */
#ifndef SRD_ENCAP_KEYRING_H
#define SRD_ENCAP_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "encap/psp.h"

#define SRD_PSK_LEN 32u                          /* pre-shared key bytes */
#define SRD_NS_PER_SEC 1000000000ull
#define SRD_KEYRING_PERIOD_DEFAULT (3600ull * SRD_NS_PER_SEC) /* one generation */
#define SRD_KEYRING_GRACE_DEFAULT (60ull * SRD_NS_PER_SEC)    /* old gen accepted */
#define SRD_KEYRING_PERIOD_MIN (60ull * SRD_NS_PER_SEC) /* keeps gen within u32 */
#define SRD_SPI_LOW_MASK 0x7fffffffu             /* sender-chosen SPI bits */

/* An underlay address as the KDF sees it: IPv6, or IPv4 as ::ffff:a.b.c.d. */
struct srd_addr {
	uint8_t b[16];  /* network byte order */
};

void srd_addr_from_in(struct srd_addr *a, const struct in_addr *in);
void srd_addr_from_in6(struct srd_addr *a, const struct in6_addr *in6);
/* AF_INET or AF_INET6 only (port ignored); -EAFNOSUPPORT otherwise. */
int srd_addr_from_sockaddr(struct srd_addr *a, const struct sockaddr *sa);

/* Rotation settings; a zero field takes its default. */
struct srd_keyring_opts {
	uint64_t period_ns;  /* generation length, >= 60 s; default 1 h */
	uint64_t grace_ns;   /* previous generation accepted after a switch, <= period/8;
			      * default 60 s */
	uint32_t offset;     /* commanded rotations so far (same on every host) */
};

/* One receiver slot as installed in the struct srd_psp_rx. */
struct srd_keyring_slot {
	uint32_t gen;  /* generation whose master key is installed */
	bool valid;    /* a key is installed */
};

struct srd_keyring {
	uint8_t psk[SRD_PSK_LEN];        /* the pre-shared key (copy) */
	struct srd_addr local;           /* this host's underlay address (receiver) */
	uint64_t period_ns;              /* generation length */
	uint64_t grace_ns;               /* grace after a switch */
	uint32_t offset;                 /* commanded rotations */
	uint32_t cur;                    /* current generation: senders use it */
	uint64_t grace_until;            /* generation cur-1 accepted before this time */
	uint64_t last_switch;            /* time cur took effect (switch or command) */
	uint64_t next_ns;                /* when srd_keyring_tick() must run next */
	bool started;                    /* the first tick has run */
	struct srd_keyring_slot slot[2]; /* indexed by generation parity (SPI bit 31) */
};

int srd_keyring_init(struct srd_keyring *kr, const uint8_t psk[SRD_PSK_LEN],
		     const struct srd_addr *local, const struct srd_keyring_opts *opts);
/* Wipes the keyring. The caller removes the keys it installed from its rx. */
void srd_keyring_fini(struct srd_keyring *kr);

/* Scheduled generation at unix time now_ns (offset included, no monotonic guard). */
uint32_t srd_keyring_gen_at(const struct srd_keyring *kr, uint64_t now_ns);
/* Generation to send with, as of the last tick or set_offset. */
uint32_t srd_keyring_tx_gen(const struct srd_keyring *kr);

/* Advance to the generation due at now_ns and make rx hold the two generations the
 * state machine above calls for (rx may be NULL for a send-only keyring). Call once
 * before sending or receiving, then at srd_keyring_next_expiry(); calling late or
 * early is safe. */
int srd_keyring_tick(struct srd_keyring *kr, uint64_t now_ns, struct srd_psp_rx *rx);
/* Unix ns of the next switch or grace end; 0 (due now) before the first tick. */
uint64_t srd_keyring_next_expiry(const struct srd_keyring *kr);

/* Commanded rotation. set_offset is idempotent (setting the current offset is a
 * no-op, lowering it is -EINVAL), so an orchestrator can retry it; advance is
 * set_offset(offset + 1) and is not safe to retry. Only +1 keeps a grace for the
 * previous generation. -EBUSY as described above (the tick it runs first still
 * happened). Before the first tick the offset is only recorded. */
int srd_keyring_set_offset(struct srd_keyring *kr, uint32_t offset, uint64_t now_ns,
			   struct srd_psp_rx *rx);
int srd_keyring_advance(struct srd_keyring *kr, uint64_t now_ns, struct srd_psp_rx *rx);

/* Key an encrypting SA towards the receiver at remote for generation gen (usually
 * srd_keyring_tx_gen()); SPI = srd_keyring_spi_make(gen, spi_low). The caller
 * finishes it with srd_psp_sa_fini(). */
int srd_keyring_tx_sa(const struct srd_keyring *kr, const struct srd_addr *remote,
		      uint32_t gen, uint32_t spi_low, unsigned version,
		      struct srd_psp_sa *sa);

/* The master key construction above. */
int srd_keyring_derive_master(const uint8_t psk[SRD_PSK_LEN],
			      const struct srd_addr *rx_addr, uint32_t gen,
			      uint8_t master[SRD_PSP_MASTER_KEY_LEN]);

/* SPI for a generation: bit 31 = gen & 1, low bits = spi_low. */
uint32_t srd_keyring_spi_make(uint32_t gen, uint32_t spi_low);
/* Default spi_low of a sender: the first 31 bits of SHA-256("srdvs spi v1" ||
 * addr[16]), never 0. Returns 0 only when SHA-256 fails. */
uint32_t srd_keyring_spi_low_from_addr(const struct srd_addr *sender);
/* True when two of the n spi_low values are equal; *i < *j name the first pair.
 * O(n^2): meant for configuration time. */
bool srd_keyring_spi_collision(const uint32_t *spi_low, size_t n, size_t *i,
			       size_t *j);

#endif
