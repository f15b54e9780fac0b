/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_events.h: the simulator's virtual clock and event queue.
 *
 * A binary min-heap of events keyed by (time, insertion order): events at the same
 * virtual instant run in the order they were scheduled, so a run never depends on
 * the heap's internal layout. Popping an event advances the clock to its time; the
 * clock never goes back (an event scheduled in the past runs "now").
 *
 * Errors: srd_sim_events_push() returns 0 or -ENOMEM.
 */
#ifndef SRD_SIM_EVENTS_H
#define SRD_SIM_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One scheduled event; type, arg and ptr mean what the scheduler says they mean. */
struct srd_sim_event {
	uint64_t at;    /* virtual time it fires, ns */
	uint64_t order; /* insertion number: ties at the same time run in this order */
	int type;       /* what to do */
	uint32_t arg;   /* a small argument: a side, a link, a flow */
	void *ptr;      /* a larger argument (a packet), owned by the event */
};

/* The clock and the pending events. */
struct srd_sim_events {
	struct srd_sim_event *heap; /* min-heap on (at, order) */
	size_t n;                   /* events pending */
	size_t cap;                 /* room in heap */
	uint64_t next_order;        /* insertion number of the next push */
	uint64_t now;               /* virtual time of the event last popped, ns */
	uint64_t popped;            /* events run so far */
};

void srd_sim_events_init(struct srd_sim_events *q);
/* Frees the heap only: the caller pops first if events own memory. */
void srd_sim_events_fini(struct srd_sim_events *q);
int srd_sim_events_push(struct srd_sim_events *q, uint64_t at, int type,
			uint32_t arg, void *ptr);
/* Remove the earliest event into ev and move the clock to it; false if none. */
bool srd_sim_events_pop(struct srd_sim_events *q, struct srd_sim_event *ev);
/* Time of the earliest event, or UINT64_MAX if none. */
uint64_t srd_sim_events_peek(const struct srd_sim_events *q);

#endif
