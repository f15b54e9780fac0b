// SPDX-License-Identifier: Apache-2.0
/* loop.c: see loop.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vswitch/loop.h"

#define LOOP_EVENTS 64  /* events taken per epoll_wait */

/* One watched fd. */
struct watch {
	int fd;               /* the descriptor */
	srd_loop_cb cb;       /* its callback */
	void *user;           /* passed to cb */
	bool dead;            /* removed during dispatch: freed after it */
	struct watch *next;   /* all watches, or the graveyard */
};

struct srd_loop {
	int epfd;              /* epoll instance */
	int tfd;               /* timerfd (CLOCK_MONOTONIC, absolute) */
	bool busy;             /* never sleep */
	uint64_t deadline;     /* armed deadline, UINT64_MAX for none */
	uint64_t armed;        /* value the timerfd holds now */
	struct watch *watches; /* live watches */
	struct watch *graves;  /* removed while dispatching, freed after */
	bool dispatching;      /* inside srd_loop_wait's callback walk */
	struct epoll_event ev[LOOP_EVENTS]; /* events of one wait */
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t srd_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t srd_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

struct srd_loop *srd_loop_new(bool busy_poll)
{
	struct srd_loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!l)
		return NULL;
	l->busy = busy_poll;
	l->deadline = UINT64_MAX;
	l->armed = UINT64_MAX;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd < 0 || l->tfd < 0 ||
	    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) < 0) {
		int err = errno;

		srd_loop_free(l);
		errno = err;
		return NULL;
	}
	return l;
}

static void free_list(struct watch *w)
{
	while (w) {
		struct watch *next = w->next;

		free(w);
		w = next;
	}
}

void srd_loop_free(struct srd_loop *l)
{
	if (!l)
		return;
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->tfd >= 0)
		close(l->tfd);
	free_list(l->watches);
	free_list(l->graves);
	free(l);
}

static struct watch **find(struct srd_loop *l, int fd)
{
	struct watch **pw;

	for (pw = &l->watches; *pw; pw = &(*pw)->next)
		if ((*pw)->fd == fd)
			return pw;
	return NULL;
}

int srd_loop_add(struct srd_loop *l, int fd, srd_loop_cb cb, void *user)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct watch *w;

	if (find(l, fd))
		return -EEXIST;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct watch){ .fd = fd, .cb = cb, .user = user, .next = l->watches };
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(w);
		return err;
	}
	l->watches = w;
	return 0;
}

int srd_loop_del(struct srd_loop *l, int fd)
{
	struct watch **pw = find(l, fd);
	struct watch *w;

	if (!pw)
		return -ENOENT;
	w = *pw;
	*pw = w->next;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (l->dispatching) {
		w->dead = true;
		w->next = l->graves;
		l->graves = w;
	} else {
		free(w);
	}
	return 0;
}

void srd_loop_arm(struct srd_loop *l, uint64_t deadline_ns)
{
	l->deadline = deadline_ns;
}

/* Make the timerfd fire at the deadline (only when it changed). */
static void loop_set_timer(struct srd_loop *l)
{
	struct itimerspec its;
	uint64_t d = l->deadline;

	if (d == l->armed)
		return;
	memset(&its, 0, sizeof(its));
	if (d != UINT64_MAX) {
		if (d == 0)
			d = 1;    /* 0 would disarm */
		its.it_value.tv_sec = (time_t)(d / 1000000000ull);
		its.it_value.tv_nsec = (long)(d % 1000000000ull);
	}
	timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->armed = l->deadline;
}

static int loop_dispatch(struct srd_loop *l, int n)
{
	int i, ran = 0;
	uint64_t ticks;

	l->dispatching = true;
	for (i = 0; i < n; i++) {
		struct watch *w = l->ev[i].data.ptr;

		if (!w) {
			if (read(l->tfd, &ticks, sizeof(ticks)) < 0) {
				/* EAGAIN: a re-arm raced the expiry */
			}
			l->armed = UINT64_MAX;   /* fired: re-arm next time */
			continue;
		}
		if (w->dead)
			continue;
		w->cb(w->user, w->fd);
		ran++;
	}
	l->dispatching = false;
	free_list(l->graves);
	l->graves = NULL;
	return ran;
}

static int loop_busy_wait(struct srd_loop *l)
{
	for (;;) {
		int n = epoll_wait(l->epfd, l->ev, LOOP_EVENTS, 0);

		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		if (n > 0)
			return loop_dispatch(l, n);
		if (srd_now_ns() >= l->deadline)
			return 0;
	}
}

int srd_loop_wait(struct srd_loop *l)
{
	int n;

	if (l->busy)
		return loop_busy_wait(l);
	if (l->deadline != UINT64_MAX && srd_now_ns() >= l->deadline)
		n = epoll_wait(l->epfd, l->ev, LOOP_EVENTS, 0);
	else {
		loop_set_timer(l);
		n = epoll_wait(l->epfd, l->ev, LOOP_EVENTS, -1);
	}
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return loop_dispatch(l, n);
}
