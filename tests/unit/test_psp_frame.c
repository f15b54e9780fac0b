/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_psp_frame.c: PSP transport/tunnel framing of Ethernet frames beyond what the
 * reference vectors cover: VLAN tags, padding, refusals and malformed frames.
 */
#include <errno.h>

#include "encap/bytes.h"
#include "encap/psp_frame.h"
#include "tests/check.h"

static const uint8_t master[32] = { 0x77, 1, 2, 3, 4, 5 };
static struct srd_psp_sa tx;
static struct srd_psp_rx rx;
static const struct srd_psp_frame_opts transport = {
	.off_transport = 1, .udp_port = SRD_PSP_UDP_PORT,
};
static const struct srd_psp_frame_opts tunnel = {
	.tunnel = true, .off_tunnel_v4 = 6, .off_tunnel_v6 = 11, .vc = true,
	.cookie = 42, .udp_port = SRD_PSP_UDP_PORT,
};

static void set_ipv4_csum(uint8_t *ip)
{
	uint32_t sum = 0;
	unsigned i;

	for (i = 0; i < 20; i += 2)
		sum += srd_get_be16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	srd_put_be16(ip + 10, (uint16_t)~sum);
}

/* Ethernet (with `tags` 802.1Q tags) + IPv4 (protocol proto) + payload of n bytes. */
static size_t make_v4(uint8_t *f, unsigned tags, uint8_t proto, size_t n)
{
	size_t off = 12, i;

	memset(f, 0x11, 12);
	for (i = 0; i < tags; i++, off += 4)
		srd_put_be32(f + off, 0x81000000u | (uint32_t)(100 + i));
	srd_put_be16(f + off, 0x0800);
	off += 2;
	memset(f + off, 0, 20);
	f[off] = 0x45;
	srd_put_be16(f + off + 2, (uint16_t)(20 + n));
	f[off + 8] = 64;
	f[off + 9] = proto;
	srd_put_be32(f + off + 12, 0xc6120101);  /* 198.18.1.1 */
	srd_put_be32(f + off + 16, 0xc6120201);  /* 198.18.2.1 */
	set_ipv4_csum(f + off);
	for (i = 0; i < n; i++)
		f[off + 20 + i] = (uint8_t)(i * 7);
	return off + 20 + n;
}

static size_t make_v6(uint8_t *f, uint8_t next, size_t n)
{
	size_t i;

	memset(f, 0x22, 12);
	srd_put_be16(f + 12, 0x86dd);
	memset(f + 14, 0, 40);
	f[14] = 0x60;
	srd_put_be16(f + 18, (uint16_t)n);
	f[20] = next;
	f[21] = 64;
	for (i = 0; i < n; i++)
		f[54 + i] = (uint8_t)(i * 3);
	return 54 + n;
}

static int round_trip(const struct srd_psp_frame_opts *o, const uint8_t *f, size_t len,
		      size_t expect_len)
{
	static uint8_t enc[4096], dec[4096];
	size_t enc_len, dec_len;
	int err = srd_psp_frame_encap(&tx, o, 9, f, len, enc, sizeof(enc), &enc_len);

	if (err)
		return err;
	err = srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, enc, enc_len, dec, sizeof(dec),
				  &dec_len, NULL);
	if (err)
		return err;
	CHECK_EQ(dec_len, expect_len);
	CHECK(memcmp(dec, f, expect_len) == 0);
	return 0;
}

static void encap_decap__vlan_tags_kept(void)
{
	uint8_t f[600];
	size_t len;
	unsigned tags;

	for (tags = 0; tags <= 2; tags++) {
		len = make_v4(f, tags, 17, 300);
		CHECK_EQ(round_trip(&transport, f, len, len), 0);
		CHECK_EQ(round_trip(&tunnel, f, len, len), 0);
	}
}

static void encap_decap__ipv6_both_modes(void)
{
	uint8_t f[600];
	size_t len = make_v6(f, 6, 200);

	CHECK_EQ(round_trip(&transport, f, len, len), 0);
	CHECK_EQ(round_trip(&tunnel, f, len, len), 0);
}

static void encap__ip_in_ip_refused_in_transport_mode(void)
{
	uint8_t f[600], out[800];
	size_t len, out_len;

	len = make_v4(f, 0, SRD_IPPROTO_IPIP, 40);
	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 1, f, len, out, sizeof(out), &out_len),
		 -ENOTSUP);
	len = make_v4(f, 0, SRD_IPPROTO_IPV6, 60);
	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 1, f, len, out, sizeof(out), &out_len),
		 -ENOTSUP);
	CHECK_EQ(round_trip(&tunnel, f, len, len), 0);   /* tunnel mode carries it */
}

static void encap__ipv6_transport_needs_tcp_or_udp(void)
{
	uint8_t f[600], out[800];
	size_t len = make_v6(f, 58, 64), out_len;   /* ICMPv6 */

	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 1, f, len, out, sizeof(out), &out_len),
		 -ENOTSUP);
	CHECK_EQ(round_trip(&tunnel, f, len, len), 0);
}

static void encap__non_ip_refused(void)
{
	uint8_t f[64] = { 0 }, out[200];
	size_t out_len;

	srd_put_be16(f + 12, 0x0806);  /* ARP */
	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 1, f, sizeof(f), out, sizeof(out),
				     &out_len), -ENOTSUP);
	CHECK_EQ(srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, f, sizeof(f), out, sizeof(out),
				     &out_len, NULL), -ENOENT);
}

static void encap__portless_inner_uses_source_port_1000(void)
{
	uint8_t f[200], out[400];
	size_t len = make_v4(f, 0, 1, 40), out_len;  /* ICMP */

	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 1, f, len, out, sizeof(out), &out_len),
		 0);
	CHECK_EQ(srd_get_be16(out + 34), 1000);
	CHECK_EQ(srd_get_be16(out + 36), SRD_PSP_UDP_PORT);
}

static void encap__small_output_buffer_emsgsize(void)
{
	uint8_t f[200], out[400];
	size_t len = make_v4(f, 0, 17, 100), out_len;

	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 1, f, len, out, len + 39, &out_len),
		 -EMSGSIZE);
	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 1, f, len, out, len + 40, &out_len), 0);
}

static void decap__ethernet_padding_dropped(void)
{
	static uint8_t f[200], enc[300], dec[300];
	size_t len = make_v4(f, 0, 17, 8), enc_len, dec_len;

	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 3, f, len, enc, sizeof(enc), &enc_len),
		 0);
	memset(enc + enc_len, 0, 20);   /* a switch padded the frame */
	CHECK_EQ(srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, enc, enc_len + 20, dec,
				     sizeof(dec), &dec_len, NULL), 0);
	CHECK_EQ(dec_len, len);
}

static void decap__other_port_or_protocol_left_alone(void)
{
	static uint8_t f[200], enc[300], dec[300];
	size_t len = make_v4(f, 0, 17, 50), enc_len, dec_len;

	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 4, f, len, enc, sizeof(enc), &enc_len),
		 0);
	CHECK_EQ(srd_psp_frame_decap(&rx, 4791, enc, enc_len, dec, sizeof(dec), &dec_len,
				     NULL), -ENOENT);
	CHECK_EQ(srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, f, len, dec, sizeof(dec),
				     &dec_len, NULL), -ENOENT);
}

static void decap__truncated_frames_rejected(void)
{
	static uint8_t f[200], enc[300], dec[300];
	size_t len = make_v4(f, 0, 17, 50), enc_len, dec_len, cut;
	int err;

	CHECK_EQ(srd_psp_frame_encap(&tx, &transport, 5, f, len, enc, sizeof(enc), &enc_len),
		 0);
	for (cut = 0; cut < enc_len; cut++) {
		err = srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, enc, cut, dec, sizeof(dec),
					  &dec_len, NULL);
		CHECK(err == -EBADMSG || err == -ENOENT || err == -ENOTSUP);
	}
	CHECK_EQ(srd_psp_frame_decap(&rx, SRD_PSP_UDP_PORT, enc, enc_len, dec, enc_len - 1,
				     &dec_len, NULL), -EMSGSIZE);
}

int main(void)
{
	if (srd_psp_sa_init_master(&tx, master, 0, 0x1000, true) || srd_psp_rx_init(&rx) ||
	    srd_psp_rx_set_master(&rx, 0, master))
		return 1;
	RUN(encap_decap__vlan_tags_kept);
	RUN(encap_decap__ipv6_both_modes);
	RUN(encap__ip_in_ip_refused_in_transport_mode);
	RUN(encap__ipv6_transport_needs_tcp_or_udp);
	RUN(encap__non_ip_refused);
	RUN(encap__portless_inner_uses_source_port_1000);
	RUN(encap__small_output_buffer_emsgsize);
	RUN(decap__ethernet_padding_dropped);
	RUN(decap__other_port_or_protocol_left_alone);
	RUN(decap__truncated_frames_rejected);
	srd_psp_sa_fini(&tx);
	srd_psp_rx_fini(&rx);
	return check_exit();
}
