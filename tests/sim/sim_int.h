/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_int.h: the inside of an SRD run (sim.c), shared with sim_conn.c.
 *
 * A run is cfg.conns connections over one fabric. Connection i is a pair of
 * engines, A_i and B_i, with its own traffic generator and its own book: its
 * invariants are checked apart from the others', and only the links are shared,
 * so the connections compete for their rates and queues. sim.c owns the clock,
 * the fabric, the packet pool and the results; sim_conn.c drives a pair's engines.
 *
 * Timer and traffic events name a side of a connection as arg = 2 * conn + side,
 * so a one-connection run schedules exactly what it always did.
 */
#ifndef SRD_SIM_INT_H
#define SRD_SIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/sim/sim.h"
#include "tests/sim/sim_events.h"

#define SIM_ENGINE_T0 1000000000ull /* engine clock = virtual clock + this (never 0) */
#define SIM_BATCH 32u               /* packets asked of srd_conn_write() at once */

enum sim_ev_type {
	SIM_EV_ARRIVE,     /* ptr: a struct sim_pkt reaching the end of its link */
	SIM_EV_TIMER,      /* arg: 2 * conn + side whose engine timer fires */
	SIM_EV_TRAFFIC,    /* arg: 2 * conn + side whose traffic falls due */
	SIM_EV_SCRIPT,     /* arg: index in cfg->script */
	SIM_EV_WINDOW_END, /* the measurement window closes */
};

/* A packet on the wire. */
struct sim_pkt {
	struct sim_pkt *next; /* free list */
	uint64_t pn;          /* packet number */
	uint32_t len;         /* SRD plaintext bytes */
	uint32_t epoch;       /* its link's epoch when sent */
	uint32_t seq;         /* DATA: lane seq */
	uint16_t lane;        /* DATA: lane */
	uint16_t path;        /* link index */
	uint8_t conn;         /* connection that sent it */
	uint8_t dir;          /* 0: A to B */
	bool data;            /* carries DATA */
	bool first;           /* DATA: first transmission of its seq */
	uint8_t buf[];        /* the SRD plaintext */
};

/* One host of one connection. */
struct sim_side {
	struct srd_conn *conn;    /* its engine */
	uint64_t timer_at;        /* earliest timer event queued, UINT64_MAX if none */
	uint64_t traffic_at;      /* earliest traffic event queued */
	struct srd_sim_rand rand; /* the engine's randomness */
};

struct sim;

/* One connection: a pair of engines, its guests and its book. */
struct sim_conn {
	struct sim *s;             /* the run it is part of */
	unsigned idx;              /* its index, 0..cfg.conns - 1 */
	uint64_t start;            /* its traffic starts then, ns */
	struct srd_sim_check ck;   /* its book */
	struct srd_sim_traffic tr; /* its guests */
	struct sim_side side[2];   /* A and B */
	uint64_t data_pkts;        /* DATA packets first sent */
	uint64_t path_changes;     /* PATH_STATE events */
	uint64_t giveup_events;    /* GIVE_UP events polled (A and B) */
	uint64_t bh_dead_at;       /* A declared the blackholed path dead */
	bool engine_bad;           /* an engine misbehaved outside the book */
	uint32_t cwnd_end;         /* A's window at the window end */
	uint32_t inflight_end;     /* A's packets in flight then */
	uint64_t min_rtt_end;      /* A's lowest RTT sample then, mean over its paths */
	uint64_t srtt_end;         /* A's smoothed RTT then, mean over its paths */
};

/* A run in progress. */
struct sim {
	const struct srd_sim_cfg *cfg;  /* the scenario */
	struct srd_sim_events q;        /* clock and events */
	struct srd_sim_net net;         /* the links */
	unsigned nconns;                /* connections */
	struct sim_conn *conn;          /* nconns of them */
	uint64_t meas_from;             /* the fairness window opens, ns */
	struct sim_pkt *free_pkts;      /* recycled packets */
	size_t pkt_cap;                 /* plaintext room per packet */
	struct sim_pkt *txp[SIM_BATCH]; /* packets lent to srd_conn_write() */
	uint8_t *rxbuf;                 /* frame being read */
	unsigned printed;               /* failure lines every book printed */
	bool oom;                       /* a packet or an event could not be kept */
	struct srd_path_stats path_end[SRD_SIM_MAX_PATHS]; /* conn 0's A paths then */
};

static inline uint64_t sim_now(const struct sim *s)
{
	return s->q.now;
}

static inline uint64_t sim_eng(uint64_t t)
{
	return t + SIM_ENGINE_T0;
}

void sim_push(struct sim *s, uint64_t at, int type, uint32_t arg, void *ptr);
struct sim_pkt *sim_pkt_get(struct sim *s);
void sim_pkt_put(struct sim *s, struct sim_pkt *p);

/* sim_conn.c. init: 0, -EINVAL (engine refused the cfg) or -ENOMEM. */
int sim_conn_init(struct sim *s, struct sim_conn *c, unsigned idx);
void sim_conn_fini(struct sim_conn *c);
/* Read, poll, offer traffic, write out and re-arm the engine of side. */
void sim_conn_service(struct sim_conn *c, unsigned side);
void sim_conn_arrive(struct sim_conn *c, struct sim_pkt *p);
void sim_conn_timer(struct sim_conn *c, unsigned side, uint64_t at);
void sim_conn_traffic(struct sim_conn *c, unsigned side, uint64_t at);
/* A's window, in-flight packets and RTTs as the traffic stops. */
void sim_conn_snapshot(struct sim_conn *c);
/* Every frame accounted for and nothing in flight. */
bool sim_conn_settled(const struct sim_conn *c);
void sim_conn_fail(struct sim_conn *c, const char *what, int rc);

#endif
