/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psp_cfg.h: the PSP reference tools' cfg file (see ../shared/psp-vectors/README.md):
 * whitespace-separated tokens: master key 0 (32 hex bytes), master key 1 (32 hex
 * bytes), SPI (hex), transport|tunnel, aes-gcm-128|aes-gcm-256, crypt offsets for
 * transport / tunnel IPv4 / tunnel IPv6 (decimal, 4-byte units, 0..63), vc|no-vc.
 * A decrypt cfg holds only the two keys.
 *
 * srd_psp_cfg_parse() returns 0, or -EINVAL with a message naming the token and the
 * reason in err. Key material is wiped by srd_psp_cfg_wipe().
 */
#ifndef SRD_CTL_PSP_CFG_H
#define SRD_CTL_PSP_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encap/psp.h"
#include "encap/psp_frame.h"

struct srd_psp_cfg {
	uint8_t master[2][SRD_PSP_MASTER_KEY_LEN]; /* master keys 0 and 1 */
	bool has_tx;                    /* the encryptor tokens (3..9) are present */
	uint32_t spi;                   /* SPI to send with, bit 31 included */
	unsigned version;               /* enum srd_psp_version */
	struct srd_psp_frame_opts opts; /* mode, crypt offsets, cookie */
};

int srd_psp_cfg_parse(const char *text, size_t len, struct srd_psp_cfg *cfg,
		      char *err, size_t err_len);
/* Read and parse a cfg file; err names the file on failure. */
int srd_psp_cfg_load(const char *path, struct srd_psp_cfg *cfg,
		     char *err, size_t err_len);
void srd_psp_cfg_wipe(struct srd_psp_cfg *cfg);

#endif
