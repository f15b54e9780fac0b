/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_int.h: the connection engine's internals, shared by conn*.c, path.c and cc.c.
 *
 * Sender state:
 *   slots   an allocation ring of DATA packets (frame pieces) kept until acked or
 *           abandoned; a frame is a run of consecutive slots, FIRST..LAST. Each lane
 *           links its live slots in seq order (flow control, SKIP horizons).
 *   sent    a ring of per-transmission records indexed by pn - sent_base; an
 *           in-flight bitmap over the same ring lets an ACK visit only packets that
 *           are still out; each path links its in-flight records in send order
 *           (RACK per path).
 *   queues  slots waiting for their first transmission (new) and for a
 *           retransmission (rtx), both FIFO.
 * Receiver state: the replay window, the ACK tracker (received pn ranges) and the
 * reorder buffer (reorder/rob.h) with a reassembly buffer for super-frames.
 * Both: the session binding (conn_session.c), which gates what is sent and accepted.
 */
#ifndef SRD_ENCAP_CONN_INT_H
#define SRD_ENCAP_CONN_INT_H

#include "encap/conn.h"
#include "encap/replay.h"
#include "reorder/rob.h"

#define NIL UINT32_MAX              /* end of a list of slot or sent indexes */
#define ACKTR_MAX 256u              /* received ranges remembered */
#define ACK_RANGES (SRD_ACK_MAX_RANGES + 1u) /* ranges one ACK can carry */
#define ACK_REPEAT 3u               /* ACKs that report a range after it changed */
#define SKIP_MAX SRD_SKIP_MAX       /* lanes with a SKIP waiting to be acked */
#define EVENT_RING 256u             /* events kept until polled (oldest dropped) */
#define SENT_RING_MIN 1024u         /* smallest sent ring */

enum slot_state {
	SLOT_FREE,      /* not in use */
	SLOT_NEW,       /* queued for its first transmission */
	SLOT_OUT,       /* sent, waiting for an ACK */
	SLOT_RTX,       /* declared lost, queued for retransmission */
	SLOT_ACKED,     /* acknowledged: kept only until the ring head passes */
	SLOT_DEAD,      /* abandoned (given up): kept only until the ring head passes */
};

/* One DATA packet the sender owns. */
struct slot {
	uint8_t state;         /* enum slot_state */
	uint8_t flags;         /* SRD_DATA_FIRST / LAST / OFFLOAD */
	uint16_t lane;         /* lane of its frame */
	uint32_t seq;          /* its lane seq */
	uint32_t vni;          /* virtual network */
	uint32_t len;          /* frame bytes in this packet */
	uint32_t part;         /* its position in its frame, 0 = FIRST */
	uint32_t nparts;       /* packets in its frame */
	uint16_t tries;        /* transmissions so far */
	uint16_t last_path;    /* path of the latest transmission */
	uint64_t queued_at;    /* when the frame was queued (give-up clock) */
	bool aged;             /* on the give-up list (queued, not yet resolved) */
	bool sent_once;        /* transmitted at least once (counts as outstanding) */
	uint64_t last_pn;      /* packet number of the latest transmission */
	uint32_t qnext;        /* next in its queue (newq or rtxq) */
	uint32_t qprev;        /* previous in its queue */
	uint8_t inq;           /* the queue it is on: 0 none, QUEUE_NEW, QUEUE_RTX */
	uint32_t lane_next;    /* next live slot of the same lane */
	uint32_t age_next;     /* next in first-send order (give-up list) */
	uint32_t age_prev;     /* previous in first-send order */
	struct srd_offload offload; /* FIRST only, when SRD_DATA_OFFLOAD */
};

enum { QUEUE_NEW = 1, QUEUE_RTX = 2 };

/* a + b, saturating at SRD_NEVER: timeouts may be configured as "never". */
static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > SRD_NEVER - b ? SRD_NEVER : a + b;
}

/* A FIFO of slot indexes, doubly linked through slot.qnext/qprev: a slot acked or
 * abandoned while queued leaves at once (srd_slot_dequeue). */
struct slot_queue {
	uint32_t head;   /* first slot, NIL when empty */
	uint32_t tail;   /* last slot */
	uint32_t count;  /* slots queued */
};

enum sent_flag {
	SENT_INFLIGHT = 1,   /* counts toward cwnd and the path's in-flight */
	SENT_ELICITING = 2,  /* the peer will ACK it */
	SENT_PROBE = 4,      /* a PROBE for a dead path */
	SENT_SKIP = 8,       /* carried SKIP entries */
};

/* One transmission. */
struct sent {
	uint64_t pn;         /* its packet number (ring entries are reused) */
	uint64_t sent_ns;    /* when it left */
	uint32_t slot;       /* DATA slot it carried, or NIL */
	uint32_t seq;        /* DATA: the lane seq it carried (the slot may be reused) */
	uint16_t lane;       /* DATA: its lane */
	uint16_t path;       /* path it left on */
	uint8_t flags;       /* enum sent_flag */
	uint8_t lost;        /* declared lost (an ACK later is spurious) */
	uint32_t prev;       /* previous in-flight record on the same path (ring index) */
	uint32_t next;       /* next in-flight record on the same path */
};

/* A path: one UDP source port's worth of the fabric. */
struct path {
	enum srd_path_state state; /* see enum srd_path_state */
	uint64_t srtt;             /* smoothed RTT, ns (0 = no sample yet) */
	uint64_t rttvar;           /* RTT variation, ns */
	uint64_t min_rtt;          /* lowest sample, ns */
	uint64_t cc_min_rtt;       /* lowest round trip out and back on this path index */
	uint64_t cc_srtt;          /* smoothed such round trips (0: none yet) */
	uint64_t latest_rtt;       /* last sample, ns */
	uint64_t rack_pn;          /* newest (highest pn) acked packet sent on this path */
	uint32_t inflight;         /* in-flight packets */
	uint32_t head;             /* oldest in-flight sent record, NIL if none */
	uint32_t tail;             /* newest in-flight sent record */
	uint32_t losses;           /* consecutive losses */
	uint32_t reo_mult;         /* reordering window in min_rtt/4 steps (RFC 8985) */
	uint32_t reo_acks;         /* acks since reo_mult last grew (for its decay) */
	uint64_t revive_at;        /* DEAD: when to probe next */
	bool probe_out;            /* PROBING: a probe is in flight */
	uint64_t probe_backoff;    /* DEAD: current re-probe interval */
	struct srd_path_stats st;  /* counters reported by srd_conn_path_stats */
};

/* Per-lane sender state. */
struct lane {
	uint32_t next_seq;    /* seq of the next packet queued on this lane */
	uint32_t head;        /* oldest live slot, NIL if none */
	uint32_t tail;        /* newest live slot */
	uint32_t abandoned_to;/* abandoned packets end before this seq */
	bool skip_owed;       /* frames were abandoned: a SKIP is owed once the head passes them */
	bool skip_pending;    /* the SKIP is due and waits for room in skips[] */
};

/* A SKIP being delivered reliably. */
struct skip_pending {
	uint16_t lane;        /* lane */
	uint32_t seq;         /* skip up to here */
	uint64_t pn;          /* packet it last went out in, when out */
	bool out;             /* in a packet not yet acknowledged or lost */
};

/* Received packet numbers, newest range first. A range that changed is reported in
 * the next ACK_REPEAT ACKs even when it lies below the newest ACK_RANGES ranges, so
 * a packet that arrives late from a slow path is still acknowledged. */
struct acktr {
	struct srd_range r[ACKTR_MAX]; /* disjoint, descending */
	uint8_t fresh[ACKTR_MAX];      /* ACKs still owed a report of range i */
	unsigned n;                    /* ranges in use */
	uint64_t largest_at;           /* when the largest pn arrived */
	uint32_t unacked;              /* ack-eliciting packets since the last ACK */
	uint64_t deadline;             /* send an ACK by then (SRD_NEVER: none due) */
	bool now;                      /* an ACK is wanted at once */
	bool dirty;                    /* ack-eliciting packets arrived since the last ACK */
};

enum sess_state {
	SESS_UNBOUND,    /* the peer has not echoed our session: HELLO-only packets */
	SESS_BOUND,      /* it has: records flow, every packet carries HELLO */
	SESS_CONFIRMED,  /* the peer has shown it is bound to us: no more HELLO */
};

/* The session binding (conn_session.c). */
struct session {
	enum sess_state state;  /* see enum sess_state; only ever moves forward */
	uint64_t local;         /* our session: first_pn, nonzero */
	uint64_t remote;        /* the peer's newest session heard, 0 = none */
	uint64_t hello_at;      /* UNBOUND: next HELLO-only packet due (SRD_NEVER: none) */
	uint64_t hello_last;    /* when the last HELLO-only packet left */
	bool hello_sent;        /* one has left: hello_last is valid */
	uint64_t backoff;       /* UNBOUND: current retry interval */
	uint32_t hello_path;    /* round robin over paths for HELLO-only packets */
};

/* What sess_rx() lets through; refusals are negative errnos. */
enum sess_verdict {
	SESS_RECORDS = 0,  /* from the bound peer session: apply the records */
	SESS_HANDLED = 1,  /* a HELLO an unbound connection took in; no records */
};

/* Congestion control state (cc.c). */
struct cc {
	double cwnd;             /* window, packets */
	bool slow_start;         /* growing exponentially */
	uint64_t last_decrease;  /* time of the last multiplicative decrease */
	uint64_t next_send;      /* pacing: earliest next send */
	bool draining;           /* in a base-RTT probe: sending a quarter window */
	uint64_t drain_end;      /* when the probe ends */
	uint64_t drain_next;     /* when the next probe starts (0: not scheduled) */
};

struct srd_conn {
	struct srd_conn_cfg cfg;      /* settings */
	uint32_t data_cap;            /* frame bytes per DATA packet */

	/* sender */
	struct slot *slots;           /* cfg.send_slots DATA packets */
	uint8_t *slot_data;           /* their bytes, data_cap each */
	uint32_t slot_head;           /* oldest allocated slot */
	uint32_t slot_used;           /* allocated slots (live or waiting for the head) */
	struct slot_queue newq;       /* waiting for a first transmission */
	struct slot_queue rtxq;       /* waiting for a retransmission */
	uint32_t age_head, age_tail;  /* unresolved slots, in the order they were queued */
	uint32_t outstanding;         /* DATA slots sent and not acked or abandoned */
	struct lane *lanes;           /* cfg.lanes */
	struct skip_pending skips[SKIP_MAX]; /* SKIPs in delivery */
	unsigned nskips;              /* entries in skips */
	uint32_t owed_lanes;          /* lanes with skip_owed set */
	uint32_t ctl_path;            /* round robin for control packets, when no reply path */
	int reply_path;               /* path index the last ack-eliciting packet came on */
	bool probe_now;               /* a probe timeout wants a PROBE out at once */
	struct sent *sent;            /* ring of transmissions */
	uint64_t *inflight_bits;      /* one bit per sent ring entry: in flight */
	uint64_t *track_bits;         /* in flight, or lost but an ACK may still come */
	uint32_t sent_mask;           /* ring size - 1 */
	uint64_t sent_base;           /* oldest pn still tracked */
	uint64_t next_pn;             /* next packet number */
	uint32_t inflight;            /* in-flight packets, all paths */
	uint64_t largest_acked;       /* largest pn acknowledged (0: none) */
	uint64_t acked_pn_any;        /* newest (highest pn) acked tracked packet */
	uint64_t last_eliciting;      /* send time of the last ack-eliciting packet */
	uint64_t srtt_any;            /* smoothed RTT over every path's samples */
	uint64_t rttvar_any;          /* its variation */
	uint32_t pto_count;           /* probe timeouts since data was last acked */
	bool data_acked;              /* the ACK being processed acked DATA */
	uint32_t peer_credit;         /* packets the peer's reorder buffer can take */
	struct path *paths;           /* cfg.npaths */
	uint32_t usable_paths;        /* paths ACTIVE or SUSPECT */
	uint32_t explore_next;        /* path path_choose() looks at for an idle SUSPECT */
	uint64_t rng;                 /* state of the built-in generator (no cfg.rand) */
	struct cc cc;                 /* congestion control */
	uint64_t loss_time;           /* earliest RACK/time loss deadline */

	/* receiver */
	struct srd_replay replay;     /* anti-replay on the pn */
	struct acktr acktr;           /* what to acknowledge */
	struct srd_rob *rob;          /* reorder buffer */
	uint8_t *asm_buf;             /* super-frame reassembly */
	size_t asm_len;               /* bytes assembled so far */
	bool asm_open;                /* a FIRST was seen, LAST not yet */
	bool asm_ready;               /* a whole frame waits for a larger buffer */
	uint32_t credit_sent;         /* credit in the last ACK sent */
	struct srd_frame_out asm_meta;/* the frame being assembled */

	/* both */
	struct session sess;          /* session binding */
	struct srd_event events[EVENT_RING]; /* ring of events */
	uint32_t ev_head, ev_count;   /* oldest event, events queued */
	struct srd_conn_stats st;     /* counters */
};

/* Per-packet metadata stored beside each packet in the reorder buffer. */
struct rob_meta {
	uint32_t vni;                 /* virtual network */
	uint8_t has_offload;          /* offload below is valid */
	struct srd_offload offload;   /* the FIRST piece's offload block */
};
_Static_assert(sizeof(struct rob_meta) <= SRD_ROB_META, "meta fits the rob");

/* conn.c */
void conn_event(struct srd_conn *c, const struct srd_event *ev);
/* conn_tx.c */
void slot_queue_push(struct srd_conn *c, uint8_t which, uint32_t i);
void slot_dequeue(struct srd_conn *c, uint32_t i);
/* conn_slot.c */
void slot_acked(struct srd_conn *c, uint32_t i, uint16_t lane, uint32_t seq);
void slot_lost(struct srd_conn *c, uint32_t i, uint64_t pn, uint64_t now);
void slot_queued(struct srd_conn *c, uint32_t i, uint64_t now);
void slot_first_send(struct srd_conn *c, uint32_t i);
void slot_abandon_frame(struct srd_conn *c, uint32_t i, uint64_t now);
void slots_reclaim(struct srd_conn *c);
void skips_refill(struct srd_conn *c);
void skips_on_ack(struct srd_conn *c, uint64_t pn);
void skips_on_loss(struct srd_conn *c, uint64_t pn);
/* conn_ack.c */
void ack_process(struct srd_conn *c, const struct srd_ack *ack, unsigned ack_path,
		 uint64_t now);
void loss_detect(struct srd_conn *c, uint64_t now);
void loss_on_pto(struct srd_conn *c, uint64_t now);
uint64_t pto_deadline(const struct srd_conn *c);
bool credit_blocked(const struct srd_conn *c);
void giveup_check(struct srd_conn *c, uint64_t now);
uint64_t giveup_deadline(const struct srd_conn *c);
void sent_unlink(struct srd_conn *c, uint64_t pn);
/* conn_rx.c */
void acktr_add(struct acktr *t, uint64_t pn, bool eliciting, uint64_t now);
/* conn_session.c */
void sess_init(struct srd_conn *c, uint64_t local, uint64_t now);
/* SESS_RECORDS or SESS_HANDLED; -ESTALE (older peer session, or sent before the
 * peer knew ours), -ENOTCONN (records while unbound), -ECONNRESET (peer restarted;
 * nothing changed). Counts what it refuses. */
int sess_rx(struct srd_conn *c, const struct srd_packet *pkt, uint64_t now);
bool sess_confirmed(const struct srd_conn *c);
const struct srd_hello *sess_tx_hello(const struct srd_conn *c, struct srd_hello *h);
bool sess_hello_due(const struct srd_conn *c, uint64_t now);
unsigned sess_hello_path(struct srd_conn *c);
void sess_hello_sent(struct srd_conn *c, uint64_t now);
uint64_t sess_next_expiry(const struct srd_conn *c);
/* path.c */
void path_init(struct path *p, uint64_t initial_rtt);
void path_rtt_sample(struct path *p, uint64_t rtt, uint64_t ack_delay);
void path_on_ack(struct srd_conn *c, unsigned i, uint64_t now);
void path_on_loss(struct srd_conn *c, unsigned i, uint64_t now);
void path_tick(struct srd_conn *c, uint64_t now);
uint64_t path_next_probe(const struct srd_conn *c);
int path_choose(struct srd_conn *c, int avoid);
uint64_t path_srtt(const struct srd_conn *c, unsigned i);
uint64_t path_loss_threshold(const struct srd_conn *c, unsigned i);
uint64_t path_reorder_extra(const struct path *p);
void path_on_spurious(struct path *p);
/* cc.c */
void cc_init(struct cc *cc, const struct srd_conn_cfg *cfg);
void cc_on_ack(struct srd_conn *c, unsigned path, uint64_t rtt, uint64_t now);
void cc_on_loss(struct srd_conn *c, unsigned path, uint64_t now);
bool cc_can_send(const struct srd_conn *c, uint64_t now);
uint32_t cc_window(const struct srd_conn *c);
uint64_t cc_target_delay(const struct srd_conn *c);
void cc_on_send(struct srd_conn *c, uint64_t now);

#endif
