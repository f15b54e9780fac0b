// SPDX-License-Identifier: Apache-2.0
/* test_loop.c: the event loop (vswitch/loop.h): fds, deadlines, removal in callbacks. */
#include <errno.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "tests/check.h"
#include "vswitch/loop.h"

/* What a callback saw. */
struct seen {
	int calls;              /* callbacks run */
	int fd;                 /* last fd */
	struct srd_loop *loop;  /* for removal from inside the callback */
	int drop_fd;            /* fd to remove when called (-1: none) */
};

static void on_read(void *user, int fd)
{
	struct seen *s = user;
	char buf[64];

	s->calls++;
	s->fd = fd;
	if (read(fd, buf, sizeof(buf)) < 0) {
		/* nothing there: still a call */
	}
	if (s->drop_fd >= 0)
		srd_loop_del(s->loop, s->drop_fd);
}

static void loop__fd_callback(void)
{
	struct srd_loop *l = srd_loop_new(false);
	struct seen s = { .drop_fd = -1 };
	int p[2];

	CHECK(l != NULL);
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(srd_loop_add(l, p[0], on_read, &s), 0);
	CHECK_EQ(srd_loop_add(l, p[0], on_read, &s), -EEXIST);
	CHECK_EQ(write(p[1], "x", 1), 1);
	srd_loop_arm(l, srd_now_ns() + 1000000000ull);
	CHECK_EQ(srd_loop_wait(l), 1);
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(s.fd, p[0]);
	CHECK_EQ(srd_loop_del(l, p[0]), 0);
	CHECK_EQ(srd_loop_del(l, p[0]), -ENOENT);
	close(p[0]);
	close(p[1]);
	srd_loop_free(l);
}

/* The deadline wakes the loop: never early, and late by little (timer slack 1 ns). */
static void deadline_case(bool busy)
{
	struct srd_loop *l = srd_loop_new(busy);
	uint64_t worst = 0;
	int i;

	CHECK(l != NULL);
	for (i = 0; i < 20; i++) {
		uint64_t due = srd_now_ns() + 200000, now;   /* 200 us */

		srd_loop_arm(l, due);
		CHECK_EQ(srd_loop_wait(l), 0);
		now = srd_now_ns();
		CHECK(now >= due);
		if (now - due > worst)
			worst = now - due;
	}
	printf("  %s: worst lateness over 20 wake-ups: %llu us\n",
	       busy ? "busy poll" : "timerfd", (unsigned long long)(worst / 1000));
	/* Generous: a loaded CI machine may deschedule us; only a broken timer is 100x off. */
	CHECK(worst < 20000000ull);
	srd_loop_free(l);
}

static void loop__deadline_timerfd(void)
{
	deadline_case(false);
}

static void loop__deadline_busy(void)
{
	deadline_case(true);
}

/* A deadline already past returns at once, however often it is re-armed. */
static void loop__deadline_past(void)
{
	struct srd_loop *l = srd_loop_new(false);
	int i;

	for (i = 0; i < 3; i++) {
		srd_loop_arm(l, srd_now_ns() - 1);
		CHECK_EQ(srd_loop_wait(l), 0);
	}
	srd_loop_free(l);
}

/* Removing another ready fd from inside a callback: its event is not delivered. */
static void loop__del_in_callback(void)
{
	struct srd_loop *l = srd_loop_new(false);
	struct seen a = { .drop_fd = -1 }, b = { .drop_fd = -1 };
	int p[2], q[2];

	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(pipe(q), 0);
	a.loop = b.loop = l;
	a.drop_fd = q[0];
	b.drop_fd = p[0];
	CHECK_EQ(srd_loop_add(l, p[0], on_read, &a), 0);
	CHECK_EQ(srd_loop_add(l, q[0], on_read, &b), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(write(q[1], "y", 1), 1);
	srd_loop_arm(l, UINT64_MAX);
	CHECK_EQ(srd_loop_wait(l), 1);       /* whichever ran first removed the other */
	CHECK_EQ(a.calls + b.calls, 1);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	srd_loop_free(l);
}

int main(void)
{
	prctl(PR_SET_TIMERSLACK, 1UL);
	RUN(loop__fd_callback);
	RUN(loop__deadline_timerfd);
	RUN(loop__deadline_busy);
	RUN(loop__deadline_past);
	RUN(loop__del_in_callback);
	return check_exit();
}
