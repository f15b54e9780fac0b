/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire_harness.h: two connection endpoints, A (0) and B (1), over a tiny scripted
 * wire on a virtual clock, for the engine's unit tests (test_conn.c, test_loss.c).
 *
 * Every path has a one-way delay (the same both ways) that a test may change at any
 * moment: packets already on the wire keep the delay they left with. A drop callback
 * decides the fate of every packet. Every DATA and PROBE packet A sends is logged
 * with its time, path, pn, lane and seq. The simulator (tests/sim) covers rates,
 * queues and long runs; this harness pins single behaviours exactly.
 *
 * Sessions: net_init() binds the two endpoints at time 0 over a zero-delay wire
 * (HELLOs only: no RTT sample, no timer), so tests start from bound connections;
 * net_start() leaves them unbound. An endpoint whose srd_conn_recv() answers
 * -ECONNRESET is replaced as a daemon would (net_replace: a new connection, a newer
 * session) and the packet handed to the new one; net_replace() also plays a host
 * restart.
 */
#ifndef SRD_TESTS_UNIT_WIRE_HARNESS_H
#define SRD_TESTS_UNIT_WIRE_HARNESS_H

#include <errno.h>

#include "encap/conn.h"
#include "tests/check.h"

#define WIRE_MAX 8192
#define WIRE_LOG 1024
#define WIRE_STEPS 200000u
#define FRAME_BUF SRD_CONN_MAX_FRAME
#define US 1000ull

/* A packet on the wire. */
struct wire_pkt {
	uint64_t at;          /* delivery time */
	int to;               /* 0: A, 1: B */
	uint64_t pn;          /* packet number */
	uint16_t path;        /* path it took */
	size_t len;           /* bytes */
	uint8_t buf[1600];    /* SRD plaintext */
};

/* One DATA or PROBE packet A sent. */
struct wire_tx {
	uint64_t at;          /* when it left */
	uint64_t pn;          /* its packet number */
	uint16_t path;        /* path it took */
	uint16_t lane;        /* DATA: lane */
	uint32_t seq;         /* DATA: lane seq */
	bool dropped;         /* the drop callback took it */
};

/* Two endpoints and the wire between them. */
struct net {
	struct srd_conn *end[2];                  /* A and B */
	struct wire_pkt *q;                       /* packets in flight */
	unsigned n;                               /* entries in q */
	uint64_t now;                             /* virtual clock */
	uint64_t delay[SRD_CONN_MAX_PATHS];       /* one-way delay per path */
	bool (*drop)(struct net *, int from, const struct srd_tx_pkt *); /* loss script */
	void *user;                               /* the loss script's state */
	unsigned sent_data;                       /* DATA packets A put on the wire */
	struct wire_tx data[WIRE_LOG];            /* the first WIRE_LOG of them */
	unsigned sent_probes;                     /* PROBE packets A sent */
	struct wire_tx probe[WIRE_LOG];           /* the first WIRE_LOG of them */
	unsigned frames;                          /* frames B delivered */
	uint16_t order[4096];                     /* lane of each delivered frame */
	uint8_t first[4096];                      /* first byte of each delivered frame */
	uint8_t last[FRAME_BUF];                  /* last frame B delivered */
	size_t last_len;                          /* its length */
	struct srd_frame_out last_meta;           /* its metadata */
	unsigned blackhole_path;                  /* path dropped by drop_path */
	uint64_t blackhole_until;                 /* until then */
	uint64_t blackhole_from;                  /* from then (0: from the start) */
	struct srd_conn_cfg cfg;                  /* settings of both endpoints */
	unsigned resets[2];                       /* -ECONNRESETs that replaced end[i] */
};

/* A small connection for scripted-wire tests: 4 paths, 8 lanes, 512-packet buffers,
 * a 40 us initial RTT; tests change what they exercise. */
static inline struct srd_conn_cfg wire_cfg(void)
{
	struct srd_conn_cfg cfg;

	srd_conn_cfg_default(&cfg);
	cfg.npaths = 4;
	cfg.lanes = 8;
	cfg.send_slots = 512;
	cfg.rob_slots = 512;
	cfg.rob_ring = 256;
	cfg.initial_rtt_ns = 40 * US;
	return cfg;
}

/* Two unbound endpoints, A of session 1000 and B of session 5000000. */
static inline void net_start(struct net *n, const struct srd_conn_cfg *cfg)
{
	unsigned i;

	memset(n, 0, sizeof(*n));
	n->cfg = *cfg;
	n->q = calloc(WIRE_MAX, sizeof(*n->q));
	n->end[0] = srd_conn_new(cfg, 1000, 0);
	n->end[1] = srd_conn_new(cfg, 5000000, 0);
	for (i = 0; i < SRD_CONN_MAX_PATHS; i++)
		n->delay[i] = (10 + 2 * i) * US;
	CHECK(n->q && n->end[0] && n->end[1]);
}

/* The session a replacement of end[i] takes: its host's clock, which runs a little
 * ahead of the packet numbers the old connection used. */
static inline uint64_t net_session(const struct net *n, int i)
{
	const struct srd_conn *c = n->end[i];

	return srd_conn_session(c) + srd_conn_stats(c)->srd_tx_pkts + 1000;
}

/* Replace end[i] with a new, unbound connection of a newer session, as a daemon
 * does on -ECONNRESET or after a restart. Whatever the old one held is lost. */
static inline void net_replace(struct net *n, int i)
{
	uint64_t session = net_session(n, i);

	srd_conn_free(n->end[i]);
	n->end[i] = srd_conn_new(&n->cfg, session, n->now);
	CHECK(n->end[i] != NULL);
}

static inline void net_fini(struct net *n)
{
	srd_conn_free(n->end[0]);
	srd_conn_free(n->end[1]);
	free(n->q);
}

/* Parse a packet an endpoint wrote; false if it does not parse. */
static inline bool wire_parse(const struct srd_tx_pkt *t, struct srd_packet *p)
{
	return srd_wire_parse(t->buf, t->len, t->pn, p) == 0;
}

static inline bool is_data(const struct srd_tx_pkt *t)
{
	struct srd_packet p;

	return wire_parse(t, &p) && p.has_data;
}

/* Log a DATA or PROBE packet A sent. */
static inline void wire_log(struct net *n, const struct srd_tx_pkt *t, bool dropped)
{
	struct wire_tx rec = { .at = n->now, .pn = t->pn, .path = t->path,
			       .dropped = dropped };
	struct srd_packet p;

	if (!wire_parse(t, &p))
		return;
	if (p.has_data) {
		rec.lane = p.data.lane;
		rec.seq = p.data.seq;
		if (n->sent_data < WIRE_LOG)
			n->data[n->sent_data] = rec;
		n->sent_data++;
	} else if (p.has_probe) {
		if (n->sent_probes < WIRE_LOG)
			n->probe[n->sent_probes] = rec;
		n->sent_probes++;
	}
}

/* Put one packet on the wire, unless the script drops it. */
static inline void wire_put(struct net *n, int from, const struct srd_tx_pkt *t)
{
	bool dropped = (n->drop && n->drop(n, from, t)) || n->n == WIRE_MAX;

	if (from == 0)
		wire_log(n, t, dropped);
	if (dropped)
		return;
	n->q[n->n] = (struct wire_pkt){ .at = n->now + n->delay[t->path], .to = !from,
					.pn = t->pn, .path = t->path, .len = t->len };
	memcpy(n->q[n->n++].buf, t->buf, t->len);
}

static inline void flush(struct net *n, int from)
{
	static uint8_t bufs[16][1600];
	struct srd_tx_pkt t[16];
	unsigned i, got;

	do {
		for (i = 0; i < 16; i++)
			t[i] = (struct srd_tx_pkt){ .buf = bufs[i],
						    .cap = sizeof(bufs[i]) };
		got = srd_conn_write(n->end[from], t, 16, n->now);
		for (i = 0; i < got; i++)
			wire_put(n, from, &t[i]);
	} while (got == 16);
}

static inline void drain(struct net *n)
{
	static uint8_t buf[FRAME_BUF];
	struct srd_frame_out f;

	while (srd_conn_read_frame(n->end[1], &f, buf, sizeof(buf)) == 1) {
		if (n->frames < 4096) {
			n->order[n->frames] = f.lane;
			n->first[n->frames] = buf[0];
		}
		n->frames++;
		memcpy(n->last, buf, f.len);
		n->last_len = f.len;
		n->last_meta = f;
	}
}

static inline uint64_t next_time(const struct net *n, uint64_t until)
{
	uint64_t t = until, e;
	unsigned i;

	for (i = 0; i < n->n; i++)
		if (n->q[i].at < t)
			t = n->q[i].at;
	for (i = 0; i < 2; i++) {
		e = srd_conn_next_expiry(n->end[i]);
		if (e < t)
			t = e;
	}
	return t < n->now ? n->now : t;
}

/* Hand a packet to its endpoint; on -ECONNRESET replace it and hand it again. */
static inline int wire_recv(struct net *n, const struct wire_pkt *p)
{
	int rc = srd_conn_recv(n->end[p->to], p->pn, p->buf, p->len, n->now);

	if (rc != -ECONNRESET)
		return rc;
	n->resets[p->to]++;
	net_replace(n, p->to);
	return srd_conn_recv(n->end[p->to], p->pn, p->buf, p->len, n->now);
}

static inline void deliver_due(struct net *n)
{
	unsigned i = 0;

	while (i < n->n) {
		struct wire_pkt *p = &n->q[i];

		if (p->at > n->now) {
			i++;
			continue;
		}
		wire_recv(n, p);
		n->q[i] = n->q[--n->n];
	}
}

/* Run the two endpoints until `until` (virtual ns), bounded in steps. */
static inline void run(struct net *n, uint64_t until)
{
	unsigned steps;

	for (steps = 0; steps < WIRE_STEPS; steps++) {
		deliver_due(n);
		srd_conn_handle_expiry(n->end[0], n->now);
		srd_conn_handle_expiry(n->end[1], n->now);
		flush(n, 0);
		flush(n, 1);
		drain(n);
		if (n->now >= until)
			break;
		n->now = next_time(n, until);
	}
	CHECK(steps < WIRE_STEPS);
}

/* Bind both endpoints now over a wire without delay: HELLOs and the ACKs that
 * answer them, nothing tracked, so no RTT sample and no timer is left behind. */
static inline void net_handshake(struct net *n)
{
	uint64_t delay[SRD_CONN_MAX_PATHS];
	unsigned k;

	memcpy(delay, n->delay, sizeof(delay));
	memset(n->delay, 0, sizeof(n->delay));
	for (k = 0; k < 8; k++) {
		flush(n, 0);
		flush(n, 1);
		if (!n->n)
			break;
		deliver_due(n);
	}
	memcpy(n->delay, delay, sizeof(delay));
	CHECK(srd_conn_bound(n->end[0]) && srd_conn_bound(n->end[1]));
	CHECK_EQ(n->n, 0);
}

/* Two endpoints bound to each other at time 0, ready for a test. */
static inline void net_init(struct net *n, const struct srd_conn_cfg *cfg)
{
	net_start(n, cfg);
	net_handshake(n);
}

/* Queue a frame on A: len bytes of a pattern derived from fill. */
static inline int send_frame(struct net *n, uint16_t lane, size_t len, uint8_t fill)
{
	static uint8_t buf[FRAME_BUF];
	struct srd_frame_in f = { .lane = lane, .vni = 42, .data = buf, .len = len };
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(fill + i * 7);
	return srd_conn_send_frame(n->end[0], &f, n->now);
}

/* Drop everything on blackhole_path in [blackhole_from, blackhole_until). */
static inline bool drop_path(struct net *n, int from, const struct srd_tx_pkt *t)
{
	(void)from;
	return t->path == n->blackhole_path && n->now >= n->blackhole_from &&
	       n->now < n->blackhole_until;
}

#endif
