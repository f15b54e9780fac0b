/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srd_wire.h: parse and write the SRD transport header carried in a PSP payload.
 *
 * An SRD packet is a 4-byte preamble, a 16-byte session block when the preamble's
 * HELLO flag is set, and then records, in this order: at most one ACK, at most one
 * SKIP, then at most one DATA (followed by the frame, to the end of the packet) or
 * PROBE (followed by padding). A packet has at least one record, except that a
 * HELLO-only packet (session block, no record) is valid. Layouts are in
 * encap/wire.h, the prose
 * specification in docs/protocol.md. The packet number is not in the SRD header: it
 * is the IV of the enclosing PSP packet, which the caller passes in.
 *
 * The parser validates everything before it returns: a struct srd_packet that
 * srd_wire_parse() filled only describes well-formed input, and its pointers point
 * into the caller's buffer (keep the buffer while using the view). Writers append one
 * part at p, at most cap bytes, and return the bytes written; a packet is a preamble
 * followed by records in the order above. Nothing here allocates or does I/O.
 *
 * Errors: functions returning int return 0 or a byte count on success, or:
 *   -EBADMSG          malformed packet (any rule of docs/protocol.md broken)
 *   -EPROTONOSUPPORT  preamble version other than SRD_WIRE_VERSION
 *   -EMSGSIZE         a writer has no room for what it was asked to write
 *   -EINVAL           caller error (bad argument to a writer or accessor)
 */
#ifndef SRD_ENCAP_SRD_WIRE_H
#define SRD_ENCAP_SRD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encap/wire.h"

/* An ACK record: ranges of packet numbers the peer received, highest first. */
struct srd_ack {
	uint64_t largest;        /* largest pn acknowledged */
	uint32_t delay_ns;       /* ns from receiving `largest` to sending the ACK */
	uint32_t credit;         /* peer's free reorder capacity, in packets */
	uint32_t first_count;    /* pns acknowledged ending at largest */
	unsigned nranges;        /* ranges in total, first included: 1..65 */
	const uint8_t *ranges;   /* wire gap/count pairs after the first range */
};

/* Walks the ranges of a parsed ACK, highest first. */
struct srd_ack_iter {
	const uint8_t *next;  /* next gap/count pair on the wire */
	unsigned left;        /* ranges still to return */
	uint64_t hi;          /* highest pn of the next range */
	uint32_t count;       /* pns in the next range */
};

/* An acknowledged range for srd_wire_put_ack(): pns lo..hi, both included. */
struct srd_range {
	uint64_t lo;  /* lowest acknowledged pn */
	uint64_t hi;  /* highest acknowledged pn */
};

/* The ACK fields that are not ranges, for srd_wire_put_ack(). */
struct srd_ack_info {
	uint32_t delay_ns;  /* ns since the highest pn was received */
	uint32_t credit;    /* free reorder capacity, in packets */
};

/* A SKIP record: lanes whose earlier frames the sender abandoned. */
struct srd_skip {
	unsigned count;          /* entries, 1..SRD_SKIP_MAX */
	const uint8_t *entries;  /* wire entries, read with srd_skip_entry() */
};

/* One SKIP entry. */
struct srd_skip_ent {
	uint16_t lane;  /* lane the sender gave up on */
	uint32_t seq;   /* frames before seq are abandoned; deliver from seq on */
};

/* DATA offload block: struct virtio_net_hdr in host order. */
struct srd_offload {
	uint8_t gso_type;      /* VIRTIO_NET_HDR_GSO_* */
	uint8_t vnet_flags;    /* VIRTIO_NET_HDR_F_* */
	uint16_t hdr_len;      /* bytes of headers to replicate per segment */
	uint16_t gso_size;     /* segment payload size */
	uint16_t csum_start;   /* where checksumming starts */
	uint16_t csum_offset;  /* where the checksum goes, from csum_start */
};

/* A DATA record and the frame bytes that follow it. */
struct srd_data {
	uint32_t vni;               /* virtual network id, < 2^24 */
	uint16_t lane;              /* in-order delivery domain */
	uint8_t flags;              /* SRD_DATA_* */
	uint32_t seq;               /* per-lane packet sequence */
	struct srd_offload offload; /* valid when flags has SRD_DATA_OFFLOAD */
	const uint8_t *frame;       /* frame bytes (parser output; writer ignores) */
	size_t frame_len;           /* frame bytes, >= 1 */
};

/* A session block for srd_wire_put_preamble_hello(). */
struct srd_hello {
	uint64_t session;  /* sender's session (its first pn), nonzero */
	uint64_t echo;     /* receiver's session as the sender knows it, 0 = none */
};

/* A parsed SRD packet. Parts whose has_* is false are left unset. */
struct srd_packet {
	uint64_t pn;            /* packet number: the PSP IV, from the caller */
	uint8_t version;        /* preamble version */
	uint16_t path;          /* sender's path index */
	uint16_t hdr_len;       /* all but the frame or padding that follows */
	bool has_hello;         /* a session block follows the preamble */
	uint64_t hello_session; /* HELLO: sender's session, 1..pn */
	uint64_t hello_echo;    /* HELLO: our session as the sender knows it, 0 = none */
	bool has_ack;           /* ack is set */
	bool has_skip;          /* skip is set */
	bool has_data;          /* data is set */
	bool has_probe;         /* packet is a PROBE, padding after hdr_len */
	struct srd_ack ack;     /* the ACK record */
	struct srd_skip skip;   /* the SKIP record */
	struct srd_data data;   /* the DATA record and its frame */
};

/* Parse the SRD header of a decrypted PSP payload of len bytes (ICV excluded) that
 * arrived with packet number pn. Fills out on success; out is undefined on error. */
int srd_wire_parse(const uint8_t *buf, size_t len, uint64_t pn,
		   struct srd_packet *out);

/* Range i of a parsed ACK, i = 0 being the highest; O(i). -EINVAL if i is not
 * below a->nranges. srd_ack_iter is the linear-time way to walk them all. */
int srd_ack_range(const struct srd_ack *a, unsigned i, uint64_t *lo, uint64_t *hi);
void srd_ack_iter_init(struct srd_ack_iter *it, const struct srd_ack *a);
/* Next range, highest first; false when there are no more. */
bool srd_ack_iter_next(struct srd_ack_iter *it, uint64_t *lo, uint64_t *hi);

/* Entry i of a parsed SKIP; -EINVAL if i is not below s->count. */
int srd_skip_entry(const struct srd_skip *s, unsigned i, struct srd_skip_ent *e);

/* Write the preamble (SRD_PRE_LEN bytes). */
int srd_wire_put_preamble(uint8_t *p, size_t cap, uint16_t path);
/* Write the preamble with flag HELLO and the session block h (SRD_PRE_LEN +
 * SRD_HELLO_LEN bytes); -EINVAL if h->session is 0. With h NULL, the same as
 * srd_wire_put_preamble(). A packet of a preamble with HELLO alone is valid. */
int srd_wire_put_preamble_hello(uint8_t *p, size_t cap, uint16_t path,
				const struct srd_hello *h);
/* Write an ACK of n acknowledged ranges, sorted highest first, disjoint and not
 * adjacent (-EINVAL otherwise, or when n is 0). Only the first
 * SRD_ACK_MAX_RANGES + 1 ranges are encoded; a range longer than 2^32 - 1 pns is
 * cut to its highest 2^32 - 1, and encoding stops early where a gap or a cut range
 * cannot be expressed. Under-acknowledging is always safe. */
int srd_wire_put_ack(uint8_t *p, size_t cap, const struct srd_ack_info *a,
		     const struct srd_range *ranges, unsigned n);
/* Write a SKIP of n entries, 1..SRD_SKIP_MAX. */
int srd_wire_put_skip(uint8_t *p, size_t cap, const struct srd_skip_ent *ents,
		      unsigned n);
/* Write a DATA record (16 bytes, 28 with SRD_DATA_OFFLOAD); the caller puts
 * d->frame_len frame bytes right after it, and cap must include them. */
int srd_wire_put_data_hdr(uint8_t *p, size_t cap, const struct srd_data *d);
/* Write a PROBE record followed by pad zero bytes. */
int srd_wire_put_probe(uint8_t *p, size_t cap, size_t pad);

/* Bytes srd_wire_put_ack() writes for n ranges (before any early stop). */
static inline size_t srd_wire_ack_len(unsigned n)
{
	unsigned more = n > 1 ? n - 1 : 0;

	if (more > SRD_ACK_MAX_RANGES)
		more = SRD_ACK_MAX_RANGES;
	return SRD_ACK_LEN + (size_t)more * SRD_ACK_RANGE_LEN;
}

/* A session block and no record: a handshake packet (protocol.md §4.4). */
static inline bool srd_packet_hello_only(const struct srd_packet *pkt)
{
	return pkt->has_hello && !pkt->has_ack && !pkt->has_skip && !pkt->has_data &&
	       !pkt->has_probe;
}

/* An ACK-only packet does not elicit an ACK; a SKIP, DATA or PROBE does. A
 * HELLO-only packet elicits none either (the engine answers some, protocol.md §4.4). */
static inline bool srd_packet_ack_eliciting(const struct srd_packet *pkt)
{
	return pkt->has_skip || pkt->has_data || pkt->has_probe;
}

/* The sender asked for an ACK without delay: a PROBE, or DATA with ACK_NOW. */
static inline bool srd_packet_ack_now(const struct srd_packet *pkt)
{
	return pkt->has_probe ||
	       (pkt->has_data && (pkt->data.flags & SRD_DATA_ACK_NOW));
}

/* 32-bit serial-number order (RFC 1982): a comes before b. */
static inline bool srd_seq_before(uint32_t a, uint32_t b)
{
	return ((a - b) & 0x80000000u) != 0;
}

#endif
