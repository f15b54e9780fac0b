/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire.h: every on-the-wire layout srdvs sends or reads, in one place.
 *
 * The structs document layout and pin sizes and offsets with _Static_assert; code
 * reads and writes packets through the offsets and the helpers in bytes.h, never by
 * casting packet memory to these structs. All multi-byte fields are big-endian.
 * docs/protocol.md is the prose specification of the same formats.
 */
#ifndef SRD_ENCAP_WIRE_H
#define SRD_ENCAP_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* ---- PSP (PSP Architecture Specification; Linux include/net/psp/types.h) ---- */

/* The 16-byte PSP base header, directly after the outer UDP header. */
struct srd_wire_psp {
	uint8_t next_hdr;     /* IP protocol of what follows, 4/41 in tunnel mode */
	uint8_t hdr_ext_len;  /* header length in 8-byte units, minus one */
	uint8_t crypt_off;    /* low 6 bits: cleartext bytes after the base header / 4 */
	uint8_t s_d_ver_v_1;  /* S(7) D(6) version(5..2) V(1) always-one(0) */
	uint32_t spi;         /* security parameters index; bit 31 picks master key */
	uint64_t iv;          /* per-packet IV; GCM nonce = spi || iv */
};
_Static_assert(sizeof(struct srd_wire_psp) == 16, "PSP base header is 16 bytes");
_Static_assert(offsetof(struct srd_wire_psp, spi) == 4, "PSP SPI at 4");
_Static_assert(offsetof(struct srd_wire_psp, iv) == 8, "PSP IV at 8");

#define SRD_PSP_HDR_LEN 16u        /* base header */
#define SRD_PSP_VC_LEN 8u          /* optional virtualization cookie */
#define SRD_PSP_ICV_LEN 16u        /* GCM tag, always the last 16 bytes */
#define SRD_PSP_UDP_PORT 1000u     /* IANA-assigned PSP UDP destination port */

#define SRD_PSP_OFF_NEXT_HDR 0
#define SRD_PSP_OFF_EXT_LEN 1
#define SRD_PSP_OFF_CRYPT_OFF 2
#define SRD_PSP_OFF_FLAGS 3
#define SRD_PSP_OFF_SPI 4
#define SRD_PSP_OFF_IV 8

#define SRD_PSP_CRYPT_OFF_MASK 0x3fu   /* bits 7..6 are reserved */
#define SRD_PSP_FLAG_S 0x80u           /* sample bit (never set by srdvs) */
#define SRD_PSP_FLAG_D 0x40u           /* drop bit (never set by srdvs) */
#define SRD_PSP_FLAG_V 0x02u           /* virtualization cookie present */
#define SRD_PSP_FLAG_ONE 0x01u         /* always one */
#define SRD_PSP_VER_SHIFT 2
#define SRD_PSP_VER_MASK 0x0fu
#define SRD_PSP_SPI_KEY_BIT 0x80000000u /* selects master key 0 or 1 */

#define SRD_IPPROTO_IPIP 4u     /* PSP next header: tunnel mode, inner IPv4 */
#define SRD_IPPROTO_IPV6 41u    /* PSP next header: tunnel mode, inner IPv6 */
#define SRD_IPPROTO_SRD 253u    /* PSP next header of srdvs (RFC 3692 experimental) */

/* ---- SRD transport (inside the PSP payload) ---- */
/* SRD_WIRE_SRD_BEGIN: layouts of the SRD transport header go here. */
/*
 * PSP payload of next header SRD_IPPROTO_SRD, all of it encrypted (crypt offset 0):
 *   preamble (4) | [session block (16), flag HELLO] | [ACK] | [SKIP] |
 *   [DATA + frame | PROBE + padding]
 * The packet number is not here: it is the PSP IV. Offsets below are from the start
 * of the preamble or of the record; encap/srd_wire.h reads and writes them.
 */

/* Preamble: the first 4 bytes of every SRD packet. */
struct srd_wire_pre {
	uint8_t version;  /* SRD_WIRE_VERSION; others are not understood */
	uint8_t flags;    /* SRD_PRE_F_*; undefined bits must be 0 */
	uint16_t path;    /* sender's path index the packet left on */
};
_Static_assert(sizeof(struct srd_wire_pre) == 4, "SRD preamble is 4 bytes");
_Static_assert(offsetof(struct srd_wire_pre, path) == 2, "SRD path at 2");

/* Session block: right after the preamble when its flag HELLO is set. */
struct srd_wire_hello {
	uint64_t session;  /* sender's session: its first packet number, never 0 */
	uint64_t echo;     /* receiver's session as the sender knows it, 0 = none */
};
_Static_assert(sizeof(struct srd_wire_hello) == 16, "SRD session block is 16 bytes");
_Static_assert(offsetof(struct srd_wire_hello, echo) == 8, "SRD echo at 8");

/* Record header: starts every record. */
struct srd_wire_rec {
	uint8_t type;   /* SRD_REC_* */
	uint8_t flags;  /* per type; 0 unless the type defines flags */
	uint16_t len;   /* record bytes including this header, multiple of 4 */
};
_Static_assert(sizeof(struct srd_wire_rec) == 4, "SRD record header is 4 bytes");
_Static_assert(offsetof(struct srd_wire_rec, len) == 2, "SRD record len at 2");

/* ACK body, after the record header: the first (highest) acknowledged range. */
struct srd_wire_ack {
	uint64_t largest;      /* largest packet number acknowledged */
	uint32_t ack_delay;    /* ns from receiving `largest` to sending this ACK */
	uint32_t credit;       /* receiver's free reorder capacity, in packets */
	uint32_t first_count;  /* pns acknowledged ending at largest, >= 1 */
	uint16_t nranges;      /* srd_wire_ack_range entries that follow, <= 64 */
	uint16_t reserved;     /* must be 0 */
};
_Static_assert(sizeof(struct srd_wire_ack) == 24, "SRD ACK body is 24 bytes");
_Static_assert(offsetof(struct srd_wire_ack, ack_delay) == 8, "ACK delay at 8");
_Static_assert(offsetof(struct srd_wire_ack, first_count) == 16, "ACK count at 16");
_Static_assert(offsetof(struct srd_wire_ack, nranges) == 20, "ACK nranges at 20");

/* One further ACK range, below the previous one. */
struct srd_wire_ack_range {
	uint32_t gap;    /* pns NOT acknowledged below the previous range, >= 1 */
	uint32_t count;  /* pns acknowledged below that gap, >= 1 */
};
_Static_assert(sizeof(struct srd_wire_ack_range) == 8, "SRD ACK range is 8 bytes");
_Static_assert(offsetof(struct srd_wire_ack_range, count) == 4, "range count at 4");

/* SKIP body, after the record header. */
struct srd_wire_skip {
	uint16_t count;     /* srd_wire_skip_entry entries that follow, 1..32 */
	uint16_t reserved;  /* must be 0 */
};
_Static_assert(sizeof(struct srd_wire_skip) == 4, "SRD SKIP body is 4 bytes");
_Static_assert(offsetof(struct srd_wire_skip, reserved) == 2, "SKIP reserved at 2");

/* One SKIP entry: frames of `lane` before `seq` are abandoned. */
struct srd_wire_skip_entry {
	uint16_t lane;      /* lane the sender gave up on */
	uint16_t reserved;  /* must be 0 */
	uint32_t seq;       /* first seq the receiver should deliver next */
};
_Static_assert(sizeof(struct srd_wire_skip_entry) == 8, "SRD SKIP entry is 8 bytes");
_Static_assert(offsetof(struct srd_wire_skip_entry, seq) == 4, "SKIP seq at 4");

/* DATA body, after the record header; the frame follows the record. */
struct srd_wire_data {
	uint32_t vni;       /* virtual network id in bits 23..0; bits 31..24 zero */
	uint16_t lane;      /* in-order delivery domain (hash of the guest flow) */
	uint16_t reserved;  /* must be 0 */
	uint32_t seq;       /* per-lane packet sequence, 32-bit serial arithmetic */
};
_Static_assert(sizeof(struct srd_wire_data) == 12, "SRD DATA body is 12 bytes");
_Static_assert(offsetof(struct srd_wire_data, lane) == 4, "DATA lane at 4");
_Static_assert(offsetof(struct srd_wire_data, seq) == 8, "DATA seq at 8");

/* DATA offload block (flag OFFLOAD): struct virtio_net_hdr, big-endian. */
struct srd_wire_offload {
	uint8_t gso_type;      /* VIRTIO_NET_HDR_GSO_* */
	uint8_t vnet_flags;    /* VIRTIO_NET_HDR_F_* */
	uint16_t hdr_len;      /* bytes of headers to replicate per segment */
	uint16_t gso_size;     /* segment payload size */
	uint16_t csum_start;   /* where checksumming starts */
	uint16_t csum_offset;  /* where the checksum goes, from csum_start */
	uint16_t reserved;     /* must be 0 */
};
_Static_assert(sizeof(struct srd_wire_offload) == 12, "SRD offload block is 12 bytes");
_Static_assert(offsetof(struct srd_wire_offload, hdr_len) == 2, "offload hdr_len at 2");
_Static_assert(offsetof(struct srd_wire_offload, csum_offset) == 8, "csum_offset at 8");

#define SRD_WIRE_VERSION 1u

#define SRD_PRE_LEN 4u          /* preamble */
#define SRD_PRE_OFF_VERSION 0
#define SRD_PRE_OFF_FLAGS 1
#define SRD_PRE_OFF_PATH 2
#define SRD_PRE_F_HELLO 0x01u   /* a session block follows the preamble */
#define SRD_PRE_FLAGS_ALL 0x01u /* preamble flags defined in version 1 */

/* Session block, at SRD_PRE_LEN; offsets from its start */
#define SRD_HELLO_LEN 16u
#define SRD_HELLO_OFF_SESSION 0
#define SRD_HELLO_OFF_ECHO 8

#define SRD_REC_HDR_LEN 4u      /* record header */
#define SRD_REC_OFF_TYPE 0
#define SRD_REC_OFF_FLAGS 1
#define SRD_REC_OFF_LEN 2
#define SRD_REC_ALIGN 4u        /* record lengths are multiples of this */

#define SRD_REC_ACK 0x01u
#define SRD_REC_SKIP 0x02u
#define SRD_REC_DATA 0x03u
#define SRD_REC_PROBE 0x04u

/* ACK record, offsets from the record header */
#define SRD_ACK_OFF_LARGEST 4
#define SRD_ACK_OFF_DELAY 12
#define SRD_ACK_OFF_CREDIT 16
#define SRD_ACK_OFF_FIRST_COUNT 20
#define SRD_ACK_OFF_NRANGES 24
#define SRD_ACK_OFF_RESERVED 26
#define SRD_ACK_OFF_RANGES 28
#define SRD_ACK_RANGE_OFF_GAP 0
#define SRD_ACK_RANGE_OFF_COUNT 4
#define SRD_ACK_LEN 28u             /* record without ranges */
#define SRD_ACK_RANGE_LEN 8u
#define SRD_ACK_MAX_RANGES 64u      /* ranges after the first, on the wire */
#define SRD_ACK_MAX_LEN (SRD_ACK_LEN + SRD_ACK_MAX_RANGES * SRD_ACK_RANGE_LEN)

/* SKIP record */
#define SRD_SKIP_OFF_COUNT 4
#define SRD_SKIP_OFF_RESERVED 6
#define SRD_SKIP_OFF_ENTRIES 8
#define SRD_SKIP_ENT_OFF_LANE 0
#define SRD_SKIP_ENT_OFF_RESERVED 2
#define SRD_SKIP_ENT_OFF_SEQ 4
#define SRD_SKIP_LEN 8u             /* record without entries */
#define SRD_SKIP_ENTRY_LEN 8u
#define SRD_SKIP_MAX 32u            /* entries per SKIP record */
#define SRD_SKIP_MAX_LEN (SRD_SKIP_LEN + SRD_SKIP_MAX * SRD_SKIP_ENTRY_LEN)

/* DATA record */
#define SRD_DATA_OFF_VNI 4
#define SRD_DATA_OFF_LANE 8
#define SRD_DATA_OFF_RESERVED 10
#define SRD_DATA_OFF_SEQ 12
#define SRD_DATA_OFF_OFFLOAD 16
#define SRD_OFL_OFF_GSO_TYPE 0
#define SRD_OFL_OFF_FLAGS 1
#define SRD_OFL_OFF_HDR_LEN 2
#define SRD_OFL_OFF_GSO_SIZE 4
#define SRD_OFL_OFF_CSUM_START 6
#define SRD_OFL_OFF_CSUM_OFFSET 8
#define SRD_OFL_OFF_RESERVED 10
#define SRD_DATA_LEN 16u            /* record without offload block */
#define SRD_OFFLOAD_LEN 12u
#define SRD_DATA_MAX_LEN (SRD_DATA_LEN + SRD_OFFLOAD_LEN)

#define SRD_DATA_FIRST 0x01u        /* first packet of a frame */
#define SRD_DATA_LAST 0x02u         /* last packet of a frame */
#define SRD_DATA_OFFLOAD 0x04u      /* offload block present; needs FIRST */
#define SRD_DATA_ACK_NOW 0x08u      /* sender asks for an immediate ACK */
#define SRD_DATA_FLAGS_ALL 0x0fu
#define SRD_VNI_MASK 0x00ffffffu    /* VNI bits of the vni field */

/* PROBE record: header only, the rest of the packet is padding */
#define SRD_PROBE_LEN 4u

/* Longest SRD header without a session block: preamble, full ACK, full SKIP, DATA
 * with offload block. A session block adds SRD_HELLO_LEN; the engine's lower bound
 * on max_payload (SRD_WIRE_MAX_HDR + 64) leaves room for it. */
#define SRD_WIRE_MAX_HDR \
	(SRD_PRE_LEN + SRD_ACK_MAX_LEN + SRD_SKIP_MAX_LEN + SRD_DATA_MAX_LEN)

_Static_assert(SRD_ACK_OFF_LARGEST == SRD_REC_HDR_LEN +
	       offsetof(struct srd_wire_ack, largest), "ACK offsets");
_Static_assert(SRD_ACK_OFF_RANGES == SRD_REC_HDR_LEN +
	       sizeof(struct srd_wire_ack), "ACK ranges offset");
_Static_assert(SRD_SKIP_OFF_ENTRIES == SRD_REC_HDR_LEN +
	       sizeof(struct srd_wire_skip), "SKIP entries offset");
_Static_assert(SRD_DATA_OFF_SEQ == SRD_REC_HDR_LEN +
	       offsetof(struct srd_wire_data, seq), "DATA offsets");
_Static_assert(SRD_DATA_OFF_OFFLOAD == SRD_REC_HDR_LEN +
	       sizeof(struct srd_wire_data), "offload block offset");
_Static_assert(SRD_WIRE_MAX_HDR == 836, "SRD_WIRE_MAX_HDR");
_Static_assert(SRD_HELLO_LEN == sizeof(struct srd_wire_hello), "session block length");
_Static_assert(SRD_HELLO_OFF_ECHO == offsetof(struct srd_wire_hello, echo),
	       "session block offsets");
/* SRD_WIRE_SRD_END */

#endif
