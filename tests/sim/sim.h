/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.h: the deterministic network simulator: two SRD engines (or the TCP-like
 * baseline) driven through K simulated paths on a virtual clock; or cfg.conns
 * connections, pairs of engines, sharing those paths.
 *
 *   struct srd_sim_cfg cfg;            (sim_net.h)
 *   struct srd_sim_result res;
 *   srd_sim_cfg_default(&cfg);
 *   cfg.paths = 4; cfg.fwd[1].loss = 0.01; ...
 *   srd_sim_run(&cfg, &res);           SRD engine A -> B (and B -> A)
 *   srd_sim_run_tcp(&cfg, &res);       the baseline over the same links and traffic
 *
 * Host A's engine sends every packet of its path p on forward link p % K, host B's
 * on reverse link p % K. With several connections, each A_i and B_i does the same
 * over the same links; each connection has its own traffic, from
 * cfg.conn_start_ns[i] on, and its own book, so its invariants hold or fail alone.
 * The run lasts cfg.duration_ns of traffic, then drains (no new frames) until
 * every frame is accounted for and every engine is idle, or for at most
 * cfg.drain_ns. A run is a pure function of cfg: the same cfg, seed
 * included, gives the same result, bit for bit.
 *
 * Definitions of the reported numbers (srd-sim --help repeats them):
 *   goodput       frame bytes delivered A to B before duration_ns, per second;
 *   capacity      forward link rates integrated over the time each link was up
 *                 during [0, duration_ns], per second (a dead link counts 0);
 *   latency       delivery time - the time the frame was first offered to the
 *                 sender (send buffer wait included), over frames of both directions;
 *   recovery      for each DATA packet whose first transmission the network lost:
 *                 first transmission to the first arrival of any copy;
 *   reorder peak  the receiver's reorder buffer peak (engine stats), checked
 *                 against its bound;
 *   fairness      with several connections: each one's goodput over the fairness
 *                 window, the second half of the time from the last start to
 *                 duration_ns, and Jain's index over them,
 *                 J = (sum x)^2 / (n * sum x^2): 1 when equal, 1/n when one has all.
 * The totals (goodput, frames, latency, ...) cover every connection; cwnd_end and
 * path[] are connection 0's host A.
 *
 * Errors: srd_sim_run*() return 0 when the run completed (whether or not the
 * invariants held: see res->invariants_ok), -ENOMEM, or -EINVAL for a cfg the
 * engine refuses.
 */
#ifndef SRD_SIM_H
#define SRD_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/sim/sim_check.h"
#include "tests/sim/sim_net.h"

/* One connection of a run (host A_i to B_i). */
struct srd_sim_conn_result {
	uint64_t start_ns;      /* its traffic started */
	double goodput_gbps;    /* A to B over the fairness window, see sim.h */
	double run_gbps;        /* A to B from its start to duration_ns */
	uint64_t frames;        /* frames offered, both directions */
	uint64_t delivered;     /* ... delivered */
	uint64_t retransmits;   /* DATA packets A and B sent again */
	uint64_t lost_pkts;     /* packets A and B declared lost */
	uint32_t cwnd_end;      /* A's window at duration_ns, packets */
	uint32_t inflight_end;  /* A's packets in flight then */
	uint64_t min_rtt_ns;    /* A's lowest RTT sample then, mean over its paths */
	uint64_t srtt_ns;       /* A's smoothed RTT then, mean over its paths */
	bool invariants_ok;     /* its book, memory bound and engines held */
};

/* The outcome of one run. */
struct srd_sim_result {
	struct srd_sim_tally t;       /* frames, order, latency and recovery samples */
	double goodput_gbps;          /* see sim.h */
	double capacity_gbps;         /* see sim.h */
	double goodput_ratio;         /* goodput / capacity */
	uint64_t retransmits;         /* DATA packets sent again (RTO resends for tcp) */
	uint64_t lost_pkts;           /* packets the sender declared lost */
	uint64_t timeouts;            /* probe timeouts (RTOs for tcp) */
	uint64_t spurious;            /* declared lost, acked later */
	uint64_t data_pkts;           /* DATA packets first sent */
	uint64_t link_loss;           /* packets lost by links (random, burst, mask) */
	uint64_t link_queue_drops;    /* tail drops */
	uint64_t link_down_drops;     /* packets lost to blackholes */
	uint64_t link_dups;           /* copies made by links */
	uint64_t rob_peak_bytes;      /* reorder buffer peak, the larger of A and B */
	uint64_t rob_bound_bytes;     /* its bound */
	uint64_t rob_full_drops;      /* DATA dropped: reorder buffer full (A + B) */
	uint64_t rx_skipped;          /* seqs receivers skipped (SKIP or hold timeout) */
	uint64_t hold_timeouts;       /* holes skipped by receivers' hold timers */
	uint64_t partial_frames;      /* super-frames receivers dropped for a lost piece */
	uint64_t giveups;             /* frames senders abandoned (engine count) */
	uint64_t path_changes;        /* path state change events (A + B) */
	struct srd_sim_blackhole bh;  /* what the first blackhole did */
	uint64_t bh_dead_at;          /* conn 0's A declared that path dead (0: never) */
	uint64_t end_ns;              /* virtual time the run stopped */
	uint64_t events;              /* events simulated */
	bool drained;                 /* every frame settled, nothing in flight, in time */
	bool engines_idle;            /* srd_conn_idle() of both at the end */
	bool mem_ok;                  /* reorder peak within the bound */
	bool engine_ok;               /* no engine error (malformed output, refusals) */
	bool invariants_ok;           /* all checks held */
	uint32_t cwnd_end;            /* A's window at the end of the traffic, packets */
	struct srd_path_stats path[SRD_SIM_MAX_PATHS]; /* A's paths at the window end */
	unsigned conns;               /* connections (0 for the baseline) */
	uint64_t fair_from_ns;        /* the fairness window: from then to duration_ns */
	double fairness_jain;         /* Jain's index over conn[].goodput_gbps */
	struct srd_sim_conn_result conn[SRD_SIM_MAX_CONNS]; /* per connection */
};

int srd_sim_run(const struct srd_sim_cfg *cfg, struct srd_sim_result *res);
int srd_sim_run_tcp(const struct srd_sim_cfg *cfg, struct srd_sim_result *res);
/* Fill the rates of res from its tally and the net (shared by both runners). */
void srd_sim_result_rates(struct srd_sim_result *res, const struct srd_sim_cfg *cfg,
			  const struct srd_sim_net *net);

#endif
