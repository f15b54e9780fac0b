/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psp_frame.h: PSP transport and tunnel mode on whole Ethernet frames, framed the way
 * the PSP reference tools (google/psp psp_encrypt/psp_decrypt) frame them, so that
 * captures from either side can be read by the other.
 *
 *   transport: ETH | IP | L4...          ->  ETH | IP' | UDP | PSP | [VC] | L4... | ICV
 *   tunnel:    ETH | inner IP packet     ->  ETH | outer IP | UDP | PSP | [VC] | inner | ICV
 *
 * IP' is the original IP header with its length grown by the encapsulation and its
 * protocol set to UDP; the tunnel's outer IP header is a copy of the inner one's
 * fixed part, likewise adjusted. The outer UDP source port is the XOR of the inner L4
 * ports (1000 when the inner L4 is not TCP/UDP), the destination port the PSP port,
 * the checksum 0. 802.1Q/802.1ad tags after the MAC addresses are kept.
 *
 * Errors: 0 or a negative errno:
 *   -ENOTSUP   not IPv4/IPv6; or, in transport mode, an IP-in-IP packet (protocol 4
 *              or 41 would read as tunnel mode) or IPv6 not carrying TCP/UDP directly
 *   -ENOENT    (decap) not a UDP packet to the PSP port: not PSP, left alone
 *   -EMSGSIZE  the output buffer is too small
 *   -EBADMSG   malformed Ethernet/IP/UDP/PSP headers or lengths
 *   and the errors of psp.h (-EKEYREJECTED when authentication fails).
 */
#ifndef SRD_ENCAP_PSP_FRAME_H
#define SRD_ENCAP_PSP_FRAME_H

#include "encap/psp.h"

/* How to encapsulate: the settings of a PSP reference-tool cfg file. */
struct srd_psp_frame_opts {
	bool tunnel;           /* tunnel mode; transport mode otherwise */
	uint8_t off_transport; /* crypt offset, 4-byte units, transport mode */
	uint8_t off_tunnel_v4; /* crypt offset, 4-byte units, tunnel, inner IPv4 */
	uint8_t off_tunnel_v6; /* crypt offset, 4-byte units, tunnel, inner IPv6 */
	bool vc;               /* add a virtualization cookie */
	uint64_t cookie;       /* its value */
	uint16_t udp_port;     /* outer UDP destination port (SRD_PSP_UDP_PORT) */
};

/* Bytes encapsulation adds at most: outer IPv6 + UDP + PSP + VC + ICV. */
#define SRD_PSP_FRAME_MAX_OVERHEAD (40u + 8u + 16u + 8u + 16u)

/* Encapsulate and seal frame `in` with IV `iv` into out (cap bytes). */
int srd_psp_frame_encap(const struct srd_psp_sa *sa,
			const struct srd_psp_frame_opts *opts, uint64_t iv,
			const uint8_t *in, size_t in_len,
			uint8_t *out, size_t cap, size_t *out_len);

/* Authenticate, decrypt and decapsulate frame `in` into out (cap >= in_len).
 * udp_port is the PSP destination port to accept. Fills h when not NULL. */
int srd_psp_frame_decap(struct srd_psp_rx *rx, uint16_t udp_port,
			const uint8_t *in, size_t in_len,
			uint8_t *out, size_t cap, size_t *out_len,
			struct srd_psp_hdr *h);

#endif
