/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_events.c: binary min-heap of events on (time, insertion order). See
 * sim_events.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim_events.h"

static bool before(const struct srd_sim_event *a, const struct srd_sim_event *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return a->order < b->order;
}

static void swap(struct srd_sim_event *a, struct srd_sim_event *b)
{
	struct srd_sim_event t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct srd_sim_event *h, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(&h[i], &h[parent]))
			break;
		swap(&h[i], &h[parent]);
		i = parent;
	}
}

static void sift_down(struct srd_sim_event *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && before(&h[l], &h[m]))
			m = l;
		if (r < n && before(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		swap(&h[i], &h[m]);
		i = m;
	}
}

void srd_sim_events_init(struct srd_sim_events *q)
{
	memset(q, 0, sizeof(*q));
}

void srd_sim_events_fini(struct srd_sim_events *q)
{
	free(q->heap);
	memset(q, 0, sizeof(*q));
}

static int grow(struct srd_sim_events *q)
{
	size_t cap = q->cap ? q->cap * 2 : 1024;
	struct srd_sim_event *h = realloc(q->heap, cap * sizeof(*h));

	if (!h)
		return -ENOMEM;
	q->heap = h;
	q->cap = cap;
	return 0;
}

int srd_sim_events_push(struct srd_sim_events *q, uint64_t at, int type,
			uint32_t arg, void *ptr)
{
	struct srd_sim_event *e;

	if (q->n == q->cap && grow(q))
		return -ENOMEM;
	e = &q->heap[q->n];
	e->at = at < q->now ? q->now : at;
	e->order = q->next_order++;
	e->type = type;
	e->arg = arg;
	e->ptr = ptr;
	sift_up(q->heap, q->n++);
	return 0;
}

bool srd_sim_events_pop(struct srd_sim_events *q, struct srd_sim_event *ev)
{
	if (!q->n)
		return false;
	*ev = q->heap[0];
	q->heap[0] = q->heap[--q->n];
	sift_down(q->heap, q->n, 0);
	q->now = ev->at;
	q->popped++;
	return true;
}

uint64_t srd_sim_events_peek(const struct srd_sim_events *q)
{
	return q->n ? q->heap[0].at : UINT64_MAX;
}
