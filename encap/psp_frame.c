/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psp_frame.c: PSP transport/tunnel framing of Ethernet frames (see psp_frame.h).
 */
#include <errno.h>

#include "encap/bytes.h"
#include "encap/psp_frame.h"

#define ETH_HLEN 14u
#define ETH_P_IPV4 0x0800u
#define ETH_P_IPV6 0x86ddu
#define ETH_P_8021Q 0x8100u
#define ETH_P_8021AD 0x88a8u
#define VLAN_HLEN 4u
#define MAX_VLAN_TAGS 2u
#define IPV4_HLEN 20u
#define IPV6_HLEN 40u
#define UDP_HLEN 8u
#define IPPROTO_TCP_ 6u
#define IPPROTO_UDP_ 17u
#define PSP_NO_PORTS_SPORT 1000u  /* outer source port when the inner has no ports */

/* Where the IP packet sits in an Ethernet frame. */
struct l3_info {
	size_t eth_len;     /* MAC addresses, VLAN tags and ethertype */
	unsigned version;   /* 4 or 6 */
	size_t hdr_len;     /* IPv4 IHL * 4, or 40 */
	size_t ip_len;      /* IP header plus payload, Ethernet padding excluded */
	uint8_t proto;      /* IPv4 protocol or IPv6 next header */
};

static int parse_eth(const uint8_t *f, size_t len, struct l3_info *l3)
{
	size_t off = ETH_HLEN - 2;
	uint16_t type;
	unsigned tags;

	for (tags = 0; tags <= MAX_VLAN_TAGS; tags++) {
		if (len < off + 2)
			return -EBADMSG;
		type = srd_get_be16(f + off);
		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			break;
		off += VLAN_HLEN;
	}
	l3->eth_len = off + 2;
	if (type == ETH_P_IPV4)
		l3->version = 4;
	else if (type == ETH_P_IPV6)
		l3->version = 6;
	else
		return -ENOTSUP;
	return 0;
}

static int parse_ipv4(const uint8_t *ip, size_t avail, struct l3_info *l3)
{
	if (avail < IPV4_HLEN || ip[0] >> 4 != 4)
		return -EBADMSG;
	l3->hdr_len = (ip[0] & 0x0fu) * 4u;
	l3->ip_len = srd_get_be16(ip + 2);
	if (l3->hdr_len < IPV4_HLEN || l3->ip_len < l3->hdr_len || l3->ip_len > avail)
		return -EBADMSG;
	l3->proto = ip[9];
	return 0;
}

static int parse_ipv6(const uint8_t *ip, size_t avail, struct l3_info *l3)
{
	if (avail < IPV6_HLEN || ip[0] >> 4 != 6)
		return -EBADMSG;
	l3->hdr_len = IPV6_HLEN;
	l3->ip_len = IPV6_HLEN + srd_get_be16(ip + 4);
	if (l3->ip_len > avail)
		return -EBADMSG;
	l3->proto = ip[6];
	return 0;
}

static int parse_l3(const uint8_t *f, size_t len, struct l3_info *l3)
{
	int err = parse_eth(f, len, l3);

	if (err)
		return err;
	if (l3->version == 4)
		return parse_ipv4(f + l3->eth_len, len - l3->eth_len, l3);
	return parse_ipv6(f + l3->eth_len, len - l3->eth_len, l3);
}

static void ipv4_set_csum(uint8_t *ip, size_t hdr_len)
{
	uint32_t sum = 0;
	size_t i;

	srd_put_be16(ip + 10, 0);
	for (i = 0; i < hdr_len; i += 2)
		sum += srd_get_be16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	srd_put_be16(ip + 10, (uint16_t)~sum);
}

/* Set an IP header's length and protocol for `payload` bytes after it. */
static int ip_set_payload(uint8_t *ip, unsigned version, size_t hdr_len,
			  size_t payload, uint8_t proto)
{
	if (version == 4) {
		if (hdr_len + payload > UINT16_MAX)
			return -EMSGSIZE;
		srd_put_be16(ip + 2, (uint16_t)(hdr_len + payload));
		ip[9] = proto;
		ipv4_set_csum(ip, hdr_len);
		return 0;
	}
	if (payload > UINT16_MAX)
		return -EMSGSIZE;
	srd_put_be16(ip + 4, (uint16_t)payload);
	ip[6] = proto;
	return 0;
}

static uint16_t outer_sport(const uint8_t *frame, const struct l3_info *l3)
{
	const uint8_t *l4 = frame + l3->eth_len + l3->hdr_len;

	if ((l3->proto != IPPROTO_TCP_ && l3->proto != IPPROTO_UDP_) ||
	    l3->ip_len - l3->hdr_len < 4)
		return PSP_NO_PORTS_SPORT;
	return srd_get_be16(l4) ^ srd_get_be16(l4 + 2);
}

static uint8_t crypt_units(const struct srd_psp_frame_opts *o, unsigned version)
{
	if (!o->tunnel)
		return o->off_transport;
	return version == 4 ? o->off_tunnel_v4 : o->off_tunnel_v6;
}

/* Transport mode keeps the IP protocol in the PSP next header, where 4 and 41 mean
 * tunnel mode: IP-in-IP cannot be sent in transport mode. IPv6 must carry TCP or
 * UDP directly (no extension headers), as in the reference encryptor. */
static bool transport_ok(const struct l3_info *l3)
{
	if (l3->proto == SRD_IPPROTO_IPIP || l3->proto == SRD_IPPROTO_IPV6)
		return false;
	return l3->version == 4 || l3->proto == IPPROTO_TCP_ || l3->proto == IPPROTO_UDP_;
}

/* Outer IP header for an encapsulation: a copy of the inner one's fixed part in
 * tunnel mode, of the whole header in transport mode. Returns its length. */
static size_t outer_ip_len(const struct srd_psp_frame_opts *o,
			   const struct l3_info *l3)
{
	if (!o->tunnel)
		return l3->hdr_len;
	return l3->version == 4 ? IPV4_HLEN : IPV6_HLEN;
}

static int build_psp_hdr(uint8_t *psp, const struct srd_psp_sa *sa,
			 const struct srd_psp_frame_opts *o,
			 const struct l3_info *l3, uint64_t iv)
{
	struct srd_psp_hdr h = {
		.next_hdr = o->tunnel ? (l3->version == 4 ? SRD_IPPROTO_IPIP
							  : SRD_IPPROTO_IPV6)
				      : l3->proto,
		.crypt_off = (uint8_t)(crypt_units(o, l3->version) * 4u),
		.version = sa->version,
		.vc = o->vc,
		.spi = sa->spi,
		.iv = iv,
		.cookie = o->cookie,
	};

	if (crypt_units(o, l3->version) > SRD_PSP_CRYPT_OFF_MASK)
		return -EINVAL;
	return srd_psp_hdr_build(psp, &h);
}

int srd_psp_frame_encap(const struct srd_psp_sa *sa,
			const struct srd_psp_frame_opts *opts, uint64_t iv,
			const uint8_t *in, size_t in_len,
			uint8_t *out, size_t cap, size_t *out_len)
{
	size_t ip_len, psp_hdr_len, payload_len, udp_len, total;
	const uint8_t *payload;
	struct l3_info l3;
	uint8_t *udp;
	int err;

	err = parse_l3(in, in_len, &l3);
	if (err)
		return err;
	if (!opts->tunnel && !transport_ok(&l3))
		return -ENOTSUP;
	ip_len = outer_ip_len(opts, &l3);
	psp_hdr_len = SRD_PSP_HDR_LEN + (opts->vc ? SRD_PSP_VC_LEN : 0);
	payload = in + l3.eth_len + (opts->tunnel ? 0 : l3.hdr_len);
	payload_len = opts->tunnel ? l3.ip_len : l3.ip_len - l3.hdr_len;
	udp_len = UDP_HLEN + psp_hdr_len + payload_len + SRD_PSP_ICV_LEN;
	total = l3.eth_len + ip_len + udp_len;
	if (total > cap || udp_len > UINT16_MAX)
		return -EMSGSIZE;

	memcpy(out, in, l3.eth_len + ip_len);
	if (opts->tunnel && l3.version == 4)
		out[l3.eth_len] = 0x45;  /* IHL 5: options are not copied */
	err = ip_set_payload(out + l3.eth_len, l3.version, ip_len, udp_len,
			     IPPROTO_UDP_);
	if (err)
		return err;
	udp = out + l3.eth_len + ip_len;
	srd_put_be16(udp, outer_sport(in, &l3));
	srd_put_be16(udp + 2, opts->udp_port);
	srd_put_be16(udp + 4, (uint16_t)udp_len);
	srd_put_be16(udp + 6, 0);
	err = build_psp_hdr(udp + UDP_HLEN, sa, opts, &l3, iv);
	if (err < 0)
		return err;
	memcpy(udp + UDP_HLEN + psp_hdr_len, payload, payload_len);
	*out_len = total;
	return srd_psp_seal(sa, udp + UDP_HLEN, udp_len - UDP_HLEN);
}

/* Replace the frame's IP packet by the tunnel's inner packet. */
static int decap_tunnel(uint8_t *out, const struct l3_info *l3,
			const struct srd_psp_hdr *h, const uint8_t *payload,
			size_t payload_len, size_t *out_len)
{
	unsigned inner = h->next_hdr == SRD_IPPROTO_IPIP ? 4 : 6;

	if (payload_len == 0 || payload[0] >> 4 != inner)
		return -EBADMSG;
	memmove(out + l3->eth_len, payload, payload_len);
	srd_put_be16(out + l3->eth_len - 2, inner == 4 ? ETH_P_IPV4 : ETH_P_IPV6);
	*out_len = l3->eth_len + payload_len;
	return 0;
}

/* Put the transport payload back behind the original IP header. */
static int decap_transport(uint8_t *out, const struct l3_info *l3,
			   const struct srd_psp_hdr *h, const uint8_t *payload,
			   size_t payload_len, size_t *out_len)
{
	uint8_t *ip = out + l3->eth_len;
	int err;

	memmove(ip + l3->hdr_len, payload, payload_len);
	err = ip_set_payload(ip, l3->version, l3->hdr_len, payload_len, h->next_hdr);
	*out_len = l3->eth_len + l3->hdr_len + payload_len;
	return err;
}

int srd_psp_frame_decap(struct srd_psp_rx *rx, uint16_t udp_port,
			const uint8_t *in, size_t in_len,
			uint8_t *out, size_t cap, size_t *out_len,
			struct srd_psp_hdr *h)
{
	size_t udp_off, udp_len, payload_len;
	struct srd_psp_hdr local;
	struct l3_info l3;
	uint8_t *psp;
	int err;

	if (!h)
		h = &local;
	err = parse_l3(in, in_len, &l3);
	if (err)
		return err == -ENOTSUP ? -ENOENT : err;
	udp_off = l3.eth_len + l3.hdr_len;
	if (l3.proto != IPPROTO_UDP_ || l3.ip_len - l3.hdr_len < UDP_HLEN ||
	    srd_get_be16(in + udp_off + 2) != udp_port)
		return -ENOENT;
	udp_len = srd_get_be16(in + udp_off + 4);
	if (udp_len < UDP_HLEN || udp_len > l3.ip_len - l3.hdr_len)
		return -EBADMSG;
	if (cap < udp_off + udp_len)
		return -EMSGSIZE;
	memcpy(out, in, udp_off + udp_len);
	psp = out + udp_off + UDP_HLEN;
	err = srd_psp_rx_open(rx, psp, udp_len - UDP_HLEN, h);
	if (err)
		return err;
	payload_len = udp_len - UDP_HLEN - h->hdr_len - SRD_PSP_ICV_LEN;
	if (h->next_hdr == SRD_IPPROTO_IPIP || h->next_hdr == SRD_IPPROTO_IPV6)
		return decap_tunnel(out, &l3, h, psp + h->hdr_len, payload_len,
				    out_len);
	return decap_transport(out, &l3, h, psp + h->hdr_len, payload_len, out_len);
}
