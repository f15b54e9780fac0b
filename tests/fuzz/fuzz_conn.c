/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_conn.c: libFuzzer target for the connection engine's receive path. A fresh
 * small connection per input takes a script of operations: receive a fuzzer-made SRD
 * packet under some packet number (ACKs of anything, SKIPs, DATA of any lane), queue
 * frames, write packets, read frames, advance the clock and fire timers. After every
 * operation the engine's invariants must hold: nothing in flight beyond what was
 * sent, reorder memory within its bound, delivered frames within what was sent.
 */
#include <stdlib.h>
#include <string.h>

#include "encap/conn.h"

#define OP_BYTES 3u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct srd_conn *make_conn(void)
{
	struct srd_conn_cfg cfg;

	srd_conn_cfg_default(&cfg);
	cfg.npaths = 4;
	cfg.lanes = 4;
	cfg.send_slots = 64;
	cfg.rob_slots = 32;
	cfg.rob_ring = 16;
	cfg.cwnd_max = 64;
	cfg.giveup_ns = 1000000;
	cfg.hold_ns = 2000000;
	return srd_conn_new(&cfg, 1000, 0);
}

static void check(const struct srd_conn *c, uint64_t sent_pkts)
{
	const struct srd_conn_stats *st = srd_conn_stats(c);

	if (st->inflight > sent_pkts || st->rob_peak_bytes > st->rob_bound_bytes ||
	    st->srd_tx_pkts != sent_pkts)
		abort();
}

static void write_some(struct srd_conn *c, uint64_t now, uint64_t *sent)
{
	static uint8_t bufs[4][1500];
	struct srd_tx_pkt t[4];
	unsigned i, n;

	for (i = 0; i < 4; i++)
		t[i] = (struct srd_tx_pkt){ .buf = bufs[i], .cap = sizeof(bufs[i]) };
	n = srd_conn_write(c, t, 4, now);
	for (i = 0; i < n; i++)
		if (t[i].len < 4 || t[i].len > 1400)
			abort();
	*sent += n;
}

static void read_all(struct srd_conn *c)
{
	static uint8_t buf[SRD_CONN_MAX_FRAME];
	struct srd_frame_out f;
	struct srd_event ev;

	while (srd_conn_read_frame(c, &f, buf, sizeof(buf)) == 1)
		if (f.len == 0 || f.len > SRD_CONN_MAX_FRAME)
			abort();
	while (srd_conn_poll_event(c, &ev) == 1)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[256 * 16 + 256];
	struct srd_conn *c = make_conn();
	uint64_t now = 0, pn = 1, sent = 0;
	size_t off = 0;

	if (!c)
		abort();
	while (off + OP_BYTES <= size) {
		uint8_t op = data[off], a = data[off + 1], b = data[off + 2];
		size_t len = (size_t)a * 4 + b % 4;

		off += OP_BYTES;
		switch (op % 6) {
		case 0:   /* receive the next len bytes as a packet */
			len = len < size - off ? len : size - off;
			pn += b % 3 == 0 ? 0 : (uint64_t)(b % 17);
			srd_conn_recv(c, pn, data + off, len, now);
			off += len;
			break;
		case 1: {
			struct srd_frame_in f = { .lane = a % 5, .vni = b, .data = frame,
						  .len = (size_t)a * 16 + b };

			srd_conn_send_frame(c, &f, now);
			break;
		}
		case 2:
			write_some(c, now, &sent);
			break;
		case 3:
			read_all(c);
			break;
		case 4:
			now += (uint64_t)a * b * 1000;
			break;
		default:
			if (srd_conn_next_expiry(c) <= now)
				srd_conn_handle_expiry(c, now);
		}
		check(c, sent);
	}
	srd_conn_free(c);
	return 0;
}
