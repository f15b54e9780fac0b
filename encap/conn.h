/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.h: the SRD connection engine — one per remote host, no I/O, no clock.
 *
 * A connection turns guest frames into SRD packets sprayed over N paths and back:
 *
 *   sender:   srd_conn_send_frame()  queue a frame (a super-frame becomes several
 *                                     DATA packets with consecutive lane seqs)
 *             srd_conn_write()       packets that may leave now, each with its packet
 *                                     number (the PSP IV) and path (the UDP source
 *                                     port index); ACKs and SKIPs ride along
 *   receiver: srd_conn_recv()        an authenticated SRD plaintext; anti-replay on
 *                                     the pn, ACK bookkeeping, dedupe and reorder
 *             srd_conn_read_frame()  the next in-order frame of any lane
 *   both:     srd_conn_next_expiry() / srd_conn_handle_expiry(now): timers (ACK
 *                                     delay, loss, probe timeout, give-up, path
 *                                     re-probe, reorder hold); the caller owns the clock
 *             srd_conn_poll_event()  path state changes and give-ups
 *
 * Every entry point takes now (ns, any monotonic origin). Randomness comes from the
 * cfg's rand callback. Memory is allocated once, in srd_conn_new(); nothing on the
 * packet path allocates. A connection is not thread-safe: one caller at a time.
 *
 * Sessions (protocol.md §4.4). A connection's session is its first_pn, the sender's
 * CLOCK_REALTIME in ns when it was created, so a restarted host's session is newer.
 * A new connection is unbound: it sends only HELLO packets, and queued frames wait,
 * until the peer echoes its session back; then it is bound and runs normally. When
 * a bound connection hears a newer session from its peer (the peer restarted),
 * srd_conn_recv() returns -ECONNRESET and changes nothing. The caller then frees
 * the connection, creates a new one with a fresh first_pn (its clock now, above
 * every pn the old one used) and hands the same packet to it. Frames queued on the
 * old connection are lost; those queued on the new one wait for it to bind.
 *
 * Errors: 0 (or a count, where stated) on success, a negative errno on failure:
 *   -ENOBUFS   send buffer full: the frame was not queued (the caller counts it)
 *   -EMSGSIZE  frame larger than SRD_CONN_MAX_FRAME or a buffer too small
 *   -EINVAL    bad argument (lane out of range, empty frame, bad cfg)
 *   -EBADMSG   malformed SRD packet (counted in stats)
 *   -EALREADY / -ESTALE  packet number replayed / below the replay window (counted)
 *   -ESTALE    also: packet of an older session of the peer, or sent before it
 *              knew ours (counted stale_session)
 *   -ENOTCONN  records from the peer while this connection is unbound (counted
 *              unbound_drops; a HELLO goes back)
 *   -ECONNRESET  the peer restarted: replace the connection, see Sessions above
 *   -EPROTONOSUPPORT  SRD header version this engine does not speak (counted)
 *   -ENOMEM    srd_conn_new could not allocate
 */
#ifndef SRD_ENCAP_CONN_H
#define SRD_ENCAP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encap/srd_wire.h"

#define SRD_CONN_MAX_PATHS 256u
#define SRD_CONN_MAX_FRAME (64u * 1024u + 64u)  /* a TSO super-frame and headers */
#define SRD_NEVER UINT64_MAX                     /* no deadline */

/* Settings of one connection; srd_conn_cfg_default() fills sensible values. */
struct srd_conn_cfg {
	uint16_t npaths;            /* paths to spray over, 1..SRD_CONN_MAX_PATHS */
	uint16_t lanes;             /* reorder lanes the peer keeps, 1..65535 */
	uint32_t max_payload;       /* largest SRD plaintext per packet, bytes */
	uint32_t send_slots;        /* send buffer: DATA packets awaiting ACK */
	uint32_t rob_slots;         /* receive reorder buffer: packets (memory bound) */
	uint32_t rob_ring;          /* per-lane reorder window, packets, power of two */
	uint64_t ack_delay_ns;      /* longest an ACK is held back */
	uint32_t ack_every;         /* ACK at once after this many ack-eliciting pkts */
	uint64_t initial_rtt_ns;    /* RTT assumed before the first sample */
	uint64_t pto_floor_ns;      /* lower bound of the probe timeout (0: none) */
	uint64_t giveup_ns;         /* abandon a frame this long after it was queued */
	uint32_t giveup_tries;      /* ... or after this many transmissions */
	uint64_t hold_ns;           /* receiver skips a hole older than this */
	uint64_t probe_interval_ns; /* how often a dead path is re-probed */
	uint32_t dead_after;        /* consecutive losses that declare a path dead */
	uint64_t target_delay_ns;   /* congestion control: queuing delay target */
	uint32_t cwnd_init;         /* congestion window at start, packets */
	uint32_t cwnd_min;          /* never below, packets */
	uint32_t cwnd_max;          /* never above, packets */
	uint32_t path_cap;          /* most packets in flight per path (0: automatic) */
	bool pacing;                /* spread packets over the RTT instead of bursts */
	uint64_t (*rand)(void *user); /* randomness for path choice */
	void *rand_user;            /* passed to rand */
};

/* A frame handed to the sender. */
struct srd_frame_in {
	uint16_t lane;                  /* reorder lane (hash of the guest flow) */
	uint32_t vni;                   /* 24-bit virtual network */
	const uint8_t *data;            /* frame bytes */
	size_t len;                     /* 1..SRD_CONN_MAX_FRAME */
	const struct srd_offload *offload; /* segmentation/checksum offload, or NULL */
};

/* A frame delivered in order. */
struct srd_frame_out {
	uint16_t lane;                  /* lane it arrived on */
	uint32_t vni;                   /* its virtual network */
	size_t len;                     /* bytes copied to the caller's buffer */
	bool has_offload;               /* offload is valid */
	struct srd_offload offload;     /* as sent */
};

/* A packet produced by srd_conn_write(); the caller supplies buf and cap. */
struct srd_tx_pkt {
	uint8_t *buf;    /* SRD plaintext goes here (PSP seals it afterwards) */
	size_t cap;      /* room in buf: at least cfg.max_payload */
	size_t len;      /* out: bytes written */
	uint64_t pn;     /* out: packet number, the PSP IV */
	uint16_t path;   /* out: path index, picks the UDP source port */
};

enum srd_path_state {
	SRD_PATH_ACTIVE,   /* carrying traffic normally */
	SRD_PATH_SUSPECT,  /* recent loss or probe timeout: used sparingly */
	SRD_PATH_DEAD,     /* too many consecutive losses: not used */
	SRD_PATH_PROBING,  /* dead, a probe is out: revived when it is acknowledged */
};

enum srd_event_type {
	SRD_EV_PATH_STATE,   /* a path changed state */
	SRD_EV_GIVE_UP,      /* the sender abandoned a frame */
	SRD_EV_SKIPPED,      /* the receiver skipped frames (peer's SKIP or hold timeout) */
};

/* Something the caller may want to log or count. */
struct srd_event {
	enum srd_event_type type;  /* what happened */
	uint16_t path;             /* PATH_STATE: which path */
	enum srd_path_state from;  /* PATH_STATE: old state */
	enum srd_path_state to;    /* PATH_STATE: new state */
	uint16_t lane;             /* GIVE_UP/SKIPPED: lane */
	uint32_t seq;              /* GIVE_UP: first seq of the frame; SKIPPED: first seq skipped */
	uint32_t count;            /* GIVE_UP: packets of the frame; SKIPPED: seqs skipped */
	uint64_t now;              /* when */
};

/* Per-path view for srdctl and tests. */
struct srd_path_stats {
	enum srd_path_state state; /* current state */
	uint64_t srtt_ns;          /* smoothed RTT */
	uint64_t rttvar_ns;        /* RTT variation */
	uint64_t min_rtt_ns;       /* lowest RTT seen */
	uint32_t inflight;         /* packets sent on this path, not yet acked or lost */
	uint64_t tx_pkts;          /* packets sent */
	uint64_t acked_pkts;       /* packets acknowledged */
	uint64_t lost_pkts;        /* packets declared lost */
	uint64_t rx_pkts;          /* packets received from the peer on this path */
};

/* Connection counters; names follow ENA Express where they mean the same. */
struct srd_conn_stats {
	uint64_t srd_tx_pkts;      /* packets sent, retransmissions included */
	uint64_t srd_rx_pkts;      /* packets accepted */
	uint64_t tx_frames;        /* frames queued by the guest side */
	uint64_t rx_frames;        /* frames delivered in order */
	uint64_t retransmits;      /* DATA packets sent again */
	uint64_t lost_pkts;        /* packets declared lost (RACK or probe timeout) */
	uint64_t pto_count;        /* probe timeouts */
	uint64_t spurious_losses;  /* packets declared lost and acked later */
	uint64_t acks_tx;          /* ACK records sent */
	uint64_t giveups;          /* frames the sender abandoned */
	uint64_t skipped_frames;   /* seqs the receiver skipped (SKIP or hold timeout) */
	uint64_t hold_timeouts;    /* holes skipped by the receiver's hold timer */
	uint64_t dup_pkts;         /* DATA packets already delivered or buffered */
	uint64_t too_old_pkts;     /* DATA packets older than their lane's window */
	uint64_t rob_full_drops;   /* DATA dropped: reorder buffer full */
	uint64_t replays;          /* packet numbers seen before (replayed or duplicated) */
	uint64_t stale_pns;        /* packet numbers below the replay window */
	uint64_t malformed;        /* SRD headers that did not parse */
	uint64_t partial_frames;   /* super-frames dropped because a piece was skipped */
	uint64_t sendbuf_full;     /* frames refused by srd_conn_send_frame */
	uint64_t events_dropped;   /* events lost because the caller did not poll */
	uint64_t rob_peak_bytes;   /* most bytes ever held in the reorder buffer */
	uint64_t rob_bound_bytes;  /* the reorder buffer's memory bound */
	uint64_t hello_tx;         /* HELLO-only packets sent (binding, retries) */
	uint64_t unbound_drops;    /* packets with records refused while unbound */
	uint64_t stale_session;    /* packets of an older session of the peer, or sent
				    * before it knew ours, refused */
	uint32_t cwnd;             /* congestion window now, packets */
	uint32_t inflight;         /* packets in flight now */
	uint32_t peer_credit;      /* receive credit the peer last granted, packets */
};

void srd_conn_cfg_default(struct srd_conn_cfg *cfg);
/* first_pn: the first packet number and the session id (security.md §5: the
 * sender's CLOCK_REALTIME in ns), nonzero. NULL if it is 0 or cfg is bad. */
struct srd_conn *srd_conn_new(const struct srd_conn_cfg *cfg, uint64_t first_pn,
			      uint64_t now);
void srd_conn_free(struct srd_conn *c);

int srd_conn_send_frame(struct srd_conn *c, const struct srd_frame_in *f, uint64_t now);
/* The lane seq the next queued packet of `lane` gets: a frame queued next takes this
 * seq and the following ones, one per packet (GIVE_UP events name them). */
uint32_t srd_conn_lane_next_seq(const struct srd_conn *c, uint16_t lane);
/* Fill up to n packets that may leave now. Returns how many were written. While
 * unbound, that is at most one HELLO-only packet, when one is due. */
unsigned srd_conn_write(struct srd_conn *c, struct srd_tx_pkt *pkts, unsigned n,
			uint64_t now);
/* An authenticated SRD plaintext with its packet number. -ECONNRESET: the peer
 * restarted; nothing changed, see Sessions above. */
int srd_conn_recv(struct srd_conn *c, uint64_t pn, const uint8_t *pkt, size_t len,
		  uint64_t now);
/* Copy the next in-order frame into buf. 1 if a frame was read, 0 if none,
 * -EMSGSIZE if cap is too small (the frame stays queued). */
int srd_conn_read_frame(struct srd_conn *c, struct srd_frame_out *f, uint8_t *buf,
			size_t cap);
/* 1 if an event was returned, 0 if none. The engine keeps 256 events; give-ups wait
 * while that queue is full (poll, then call srd_conn_handle_expiry again), and any
 * other event that finds it full pushes out the oldest, counted in events_dropped. */
int srd_conn_poll_event(struct srd_conn *c, struct srd_event *ev);

uint64_t srd_conn_next_expiry(const struct srd_conn *c);
void srd_conn_handle_expiry(struct srd_conn *c, uint64_t now);

const struct srd_conn_stats *srd_conn_stats(const struct srd_conn *c);
void srd_conn_path_stats(const struct srd_conn *c, unsigned path,
			 struct srd_path_stats *out);
/* True when nothing is queued, in flight, or waiting to be acknowledged. */
bool srd_conn_idle(const struct srd_conn *c);
/* The peer echoed this connection's session: it sends and accepts records. */
bool srd_conn_bound(const struct srd_conn *c);
/* This connection's session (its first_pn). */
uint64_t srd_conn_session(const struct srd_conn *c);
/* The newest session heard from the peer, 0 before any. */
uint64_t srd_conn_remote_session(const struct srd_conn *c);

#endif
