/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_net.h: the simulated fabric between hosts A and B, and the scenario that
 * describes it.
 *
 * The scenario may run several connections (cfg.conns pairs of engines, A_i to
 * B_i) over the same fabric: they share every link, its rate and its queue.
 * K paths, each a pair of one-way links: A to B (forward) and B to A (reverse).
 * Scripted events act on a path at a virtual time: down (blackhole, both
 * directions, or only A to B with cfg.one_way_down), up (revive), and rate
 * changes (both directions). The net also keeps what the
 * scenario checks about a blackholed path: when it died, when the engine stopped
 * sending data on it, and whether it carried data again after it came back.
 */
#ifndef SRD_SIM_NET_H
#define SRD_SIM_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "encap/conn.h"
#include "tests/sim/sim_link.h"
#include "tests/sim/sim_traffic.h"

#define SRD_SIM_MAX_PATHS 256u
#define SRD_SIM_MAX_SCRIPT 64u
#define SRD_SIM_MAX_CONNS 16u             /* most connections sharing the paths */
#define SRD_SIM_WIRE_OVERHEAD 60u /* IPv4 20 + UDP 8 + PSP header 16 + ICV 16 */
#define SRD_SIM_NS_PER_S 1000000000ull
#define SRD_SIM_TRACE_ALL (-2)            /* cfg.trace_lane: every lane */

enum srd_sim_op {
	SRD_SIM_OP_DOWN,  /* blackhole the path, both directions */
	SRD_SIM_OP_UP,    /* revive it */
	SRD_SIM_OP_RATE,  /* change its rate, both directions */
};

/* One scripted event. */
struct srd_sim_script {
	uint64_t at;        /* virtual time, ns */
	unsigned path;      /* path it acts on */
	enum srd_sim_op op; /* what happens */
	uint64_t rate_bps;  /* SRD_SIM_OP_RATE: the new rate */
};

/* A scenario; srd_sim_cfg_default() fills a small clean one. */
struct srd_sim_cfg {
	unsigned paths;                                 /* K, 1..SRD_SIM_MAX_PATHS */
	struct srd_sim_link_cfg fwd[SRD_SIM_MAX_PATHS]; /* A to B link of each path */
	struct srd_sim_link_cfg rev[SRD_SIM_MAX_PATHS]; /* B to A link of each path */
	struct srd_sim_script script[SRD_SIM_MAX_SCRIPT]; /* sorted or not */
	unsigned nscript;                               /* events in script */
	uint64_t duration_ns;  /* traffic runs and goodput is measured this long */
	uint64_t drain_ns;     /* then the run continues at most this long */
	struct srd_sim_traffic_cfg traffic; /* lanes, mode, sizes (stop_at, seed set by run) */
	double load;           /* bulk load, fraction of capacity, split among the
				* connections; 0: backlogged */
	uint32_t mtu;          /* underlay IP MTU: engine max_payload = mtu - 60 */
	struct srd_conn_cfg engine; /* engine settings (npaths, lanes, rand set by run) */
	uint64_t seed;         /* everything random derives from it */
	bool quiet;            /* do not print invariant failures */
	int trace_lane;        /* print DATA events of this lane (-1: none, -2: all) */
	bool one_way_down;     /* blackholes hit only the A-to-B link of a path */
	unsigned conns;        /* connections sharing the paths, 1..SRD_SIM_MAX_CONNS */
	uint64_t conn_start_ns[SRD_SIM_MAX_CONNS]; /* when each one's traffic starts,
						    * < duration_ns */
};

/* What a blackhole did (the first DOWN of the script). */
struct srd_sim_blackhole {
	int path;              /* path blackholed, -1 if none */
	uint64_t down_at;      /* when, ns */
	uint64_t up_at;        /* when it came back, UINT64_MAX if never */
	uint64_t last_data;    /* last DATA offered to it while down, 0 if none */
	uint64_t dead_data;    /* DATA packets offered to it while down */
	uint64_t revived_data; /* DATA packets it carried after coming back */
};

/* The fabric. */
struct srd_sim_net {
	unsigned paths;                /* K */
	struct srd_sim_link *link[2];  /* [0] A to B, [1] B to A; K each */
	struct srd_sim_blackhole bh;   /* blackhole bookkeeping */
	double cap_bits;               /* forward capacity over the window, bits */
	bool one_way_down;             /* blackholes spare the B-to-A links */
};

void srd_sim_cfg_default(struct srd_sim_cfg *cfg);
/* Traffic settings of a run of cfg (stop_at, seed, rate per bulk lane). */
void srd_sim_traffic_setup(const struct srd_sim_cfg *cfg, struct srd_sim_traffic_cfg *t);

/* 0 or -ENOMEM. */
int srd_sim_net_init(struct srd_sim_net *net, const struct srd_sim_cfg *cfg);
void srd_sim_net_fini(struct srd_sim_net *net);
void srd_sim_net_apply(struct srd_sim_net *net, const struct srd_sim_script *s,
		       uint64_t now);
/* Offer a packet to the link of path in dir; see srd_sim_link_send(). Counts
 * DATA packets for the blackhole record. */
unsigned srd_sim_net_send(struct srd_sim_net *net, unsigned dir, unsigned path,
			  size_t wire_len, bool data, uint64_t now, uint64_t at[2]);
/* Freeze the forward capacity at the window's end. */
void srd_sim_net_window_end(struct srd_sim_net *net, uint64_t now);
/* Sum of a link counter over both directions, by offset in the stats struct. */
uint64_t srd_sim_net_sum(const struct srd_sim_net *net, size_t stat_offset);

#endif
