/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_check.h: the simulator's book of frames and its invariant checker.
 *
 * Every frame the traffic offers gets an id and a record here. The first 16 bytes
 * of the frame carry the id, its lane and its sequence in the lane, and stamps
 * every 512 bytes let the receiver side check that pieces were put back in order.
 * The simulator reports to the book what happens on the way (first transmissions
 * and arrivals of each DATA packet, deliveries, give-ups, skips) and the book
 * checks, as the run goes and at its end:
 *
 *   - exactly once: every frame is delivered once, or reported given up (a
 *     GIVE_UP at the sender, or a SKIPPED at the receiver) and not delivered;
 *   - in order per lane: a lane's frames are delivered in the order offered;
 *   - intact: a delivered frame is the frame that was sent, byte stamps included;
 *   - no lane held back by another lane's hole: a frame whose packets were all
 *     accepted by the receiver, in a lane that delivered everything before it,
 *     is delivered at that same virtual instant (srd_sim_check_stall()).
 *
 * A failure is printed at once to stderr, with the run's seed and the virtual
 * time, and counted. Memory: frames and per-lane packet tables grow with the run
 * (about 60 bytes per frame and 16 per DATA packet).
 *
 * Errors: functions returning int return 0 or -ENOMEM.
 */
#ifndef SRD_SIM_CHECK_H
#define SRD_SIM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRD_SIM_HDR_LEN 16u      /* frame header: id, lane seq, lane, magic */
#define SRD_SIM_MIN_FRAME 24u    /* header and a tail stamp */
#define SRD_SIM_NO_FRAME UINT32_MAX

/* Frame record flags. */
enum {
	SRD_SIM_F_DELIVERED = 1,  /* delivered at least once */
	SRD_SIM_F_GIVEN_UP = 2,   /* the sender reported GIVE_UP */
	SRD_SIM_F_SKIPPED = 4,    /* the receiver reported SKIPPED */
	SRD_SIM_F_HAVE_FIRST = 8, /* first_seq is known */
	SRD_SIM_F_HAVE_LAST = 16, /* last_seq is known */
	SRD_SIM_F_STALLED = 32,   /* a stall was reported for it */
};

/* One frame offered to the transport. */
struct srd_sim_frame {
	uint64_t born;       /* first offered to the transport, ns */
	uint64_t done_at;    /* delivered, ns */
	uint32_t len;        /* bytes */
	uint32_t lane_seq;   /* its place in its lane (0, 1, ...) */
	uint32_t first_seq;  /* engine seq of its FIRST packet */
	uint32_t last_seq;   /* engine seq of its LAST packet */
	uint16_t lane;       /* lane */
	uint8_t dir;         /* 0: A to B, 1: B to A */
	uint8_t flags;       /* SRD_SIM_F_* */
	uint8_t deliveries;  /* times delivered (saturates) */
};

/* Counters and samples gathered by the book. */
struct srd_sim_tally {
	uint64_t frames;        /* frames offered */
	uint64_t delivered;     /* frames delivered (first deliveries) */
	uint64_t given_up;      /* frames reported given up and not delivered */
	uint64_t lost;          /* neither delivered nor reported */
	uint64_t duplicates;    /* extra deliveries */
	uint64_t out_of_order;  /* deliveries behind a later frame of their lane */
	uint64_t corrupt;       /* delivered bytes that were not what was sent */
	uint64_t stalls;        /* frames held back though deliverable */
	uint64_t unmapped;      /* give-ups or skips naming unknown packets */
	uint64_t bytes_in_window[2]; /* frame bytes delivered before window end, per dir */
	uint64_t bytes_in_meas[2]; /* ... of them, delivered from meas_from on, per dir */
	uint64_t lat_p50;       /* frame latency percentiles, ns */
	uint64_t lat_p99;       /* ... */
	uint64_t lat_p999;      /* ... */
	uint64_t lat_max;       /* ... */
	uint64_t recoveries;    /* DATA packets whose first transmission was lost */
	uint64_t rec_p50;       /* first send to first arrival of a repaired packet, ns */
	uint64_t rec_p99;       /* ... */
	uint64_t rec_max;       /* ... */
	uint64_t rr_done;       /* request/response transactions completed */
	uint64_t rr_p99;        /* their latency, ns */
};

/* A growable array of samples. */
struct srd_sim_samples {
	uint64_t *v;  /* values */
	size_t n;     /* used */
	size_t cap;   /* room */
};

struct srd_sim_lane;

/* The book. */
struct srd_sim_check {
	uint64_t seed;                 /* printed with every failure */
	uint64_t window_end;           /* goodput counts deliveries before this, ns */
	uint64_t meas_from;            /* bytes_in_meas counts deliveries from this, ns */
	char label[16];                /* printed after the seed ("" or " conn 3") */
	unsigned nlanes;               /* lanes per direction */
	struct srd_sim_frame *frames;  /* every frame, by id */
	size_t nframes;                /* frames offered */
	size_t cap;                    /* room in frames */
	struct srd_sim_lane *lanes[2]; /* per direction, per lane state */
	uint64_t unresolved;           /* frames not yet delivered nor reported */
	struct srd_sim_samples lat;    /* frame latencies */
	struct srd_sim_samples rec;    /* loss recovery times */
	struct srd_sim_samples rr;     /* request/response latencies */
	struct srd_sim_tally t;        /* counters (percentiles filled at the end) */
	unsigned printed;              /* failure lines printed so far */
	unsigned *printed_by;          /* the count to use (books of one run share
					* theirs), or NULL: printed */
	bool quiet;                    /* do not print failures */
	bool oom;                      /* a record could not be kept: the run fails */
};

int srd_sim_check_init(struct srd_sim_check *ck, unsigned nlanes, uint64_t seed,
		       uint64_t window_end);
void srd_sim_check_fini(struct srd_sim_check *ck);

/* A new frame of len bytes on (dir, lane), offered first at now: its id, or
 * SRD_SIM_NO_FRAME when out of memory. */
uint32_t srd_sim_check_new_frame(struct srd_sim_check *ck, unsigned dir,
				 uint16_t lane, uint32_t len, uint64_t now);
/* Write frame id's bytes into buf (len of the frame). */
void srd_sim_check_fill(const struct srd_sim_check *ck, uint32_t id, uint8_t *buf);

/* The sender wrote DATA (lane, seq) with flags, whose frame bytes start at data.
 * True if this is the packet's first transmission. */
/* A frame was queued as lane seqs first..first+count-1 (GIVE_UP may name them
 * before they are ever written). */
void srd_sim_check_queued(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			  uint32_t first, uint32_t count, const uint8_t *data, size_t len);
bool srd_sim_check_tx(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
		      uint32_t seq, unsigned flags, const uint8_t *data, size_t len,
		      uint64_t now);
/* The network lost the first transmission of (lane, seq). */
void srd_sim_check_orig_lost(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			     uint32_t seq);
/* A copy of (lane, seq) reached the receiver, which accepted it or not. */
void srd_sim_check_rx(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
		      uint32_t seq, bool accepted, uint64_t now);

/* The receiver of dir delivered len bytes in buf on lane: check them and record
 * the delivery. Returns the frame id, or SRD_SIM_NO_FRAME if unrecognisable. */
uint32_t srd_sim_check_deliver_bytes(struct srd_sim_check *ck, unsigned dir,
				     uint16_t lane, const uint8_t *buf, size_t len,
				     uint64_t now);
/* Record the delivery of frame id (the bytes were checked, or there are none). */
void srd_sim_check_deliver(struct srd_sim_check *ck, uint32_t id, unsigned dir,
			   uint16_t lane, uint64_t now);
/* The sender of dir gave up the frame whose FIRST packet is (lane, seq). */
void srd_sim_check_give_up(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			   uint32_t seq, uint64_t now);
/* The receiver of dir skipped count seqs of lane from seq on. */
void srd_sim_check_skipped(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			   uint32_t seq, uint32_t count);
/* After the receiver of dir was drained at now: is lane's next frame deliverable
 * but not delivered? */
void srd_sim_check_stall(struct srd_sim_check *ck, unsigned dir, uint16_t lane,
			 uint64_t now);
/* A request/response transaction took ns. */
void srd_sim_check_rr(struct srd_sim_check *ck, uint64_t ns);
/* Print a failure line with the seed (counted only by the caller). */
void srd_sim_check_fail(struct srd_sim_check *ck, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Count what is unresolved as lost and compute the percentiles into ck->t. */
void srd_sim_check_finish(struct srd_sim_check *ck, uint64_t now);
/* Add the counters and samples of a finished book to a finished book, whose
 * percentiles then cover both (several connections in one result). */
int srd_sim_check_merge(struct srd_sim_check *into, const struct srd_sim_check *from);
/* True if no invariant failed. */
bool srd_sim_check_ok(const struct srd_sim_check *ck);
/* The value at quantile q (0..1) of s, sorting it; 0 if empty. */
uint64_t srd_sim_samples_quantile(struct srd_sim_samples *s, double q);

#endif
