/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.h: the datapath's event loop: epoll for file descriptors and one timerfd for
 * the earliest deadline, with microsecond (in fact nanosecond) resolution.
 *
 * The owner runs   for (;;) { srd_loop_wait(); do work; srd_loop_arm(next); }.
 * srd_loop_wait() sleeps until an fd is readable or the armed deadline passes, and
 * calls the callbacks of the readable fds (level-triggered: a callback that leaves
 * data behind is called again on the next turn). Deadlines are CLOCK_MONOTONIC ns,
 * absolute; the timerfd is armed with TFD_TIMER_ABSTIME and is only re-armed when
 * the deadline changes. Pair it with PR_SET_TIMERSLACK (the daemon sets 1 ns), or
 * the kernel adds up to 50 us of slack to every wake-up.
 *
 * Busy poll: the loop never sleeps; it polls epoll without timeout until an fd is
 * ready or the deadline has passed. Lower latency, one full core.
 *
 * Not thread-safe: one thread owns a loop. Registration allocates (control path);
 * waiting does not.
 */
#ifndef SRD_VSWITCH_LOOP_H
#define SRD_VSWITCH_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct srd_loop;

/* Called when fd is readable (or has an error: the callback finds out by reading). */
typedef void (*srd_loop_cb)(void *user, int fd);

/* NULL and errno set on failure. */
struct srd_loop *srd_loop_new(bool busy_poll);
void srd_loop_free(struct srd_loop *l);

/* Watch fd for input; 0 or -errno (-EEXIST if it is already watched). */
int srd_loop_add(struct srd_loop *l, int fd, srd_loop_cb cb, void *user);
/* Stop watching fd (safe from inside a callback); 0 or -ENOENT. */
int srd_loop_del(struct srd_loop *l, int fd);

/* The next deadline (CLOCK_MONOTONIC ns, absolute); UINT64_MAX for none. */
void srd_loop_arm(struct srd_loop *l, uint64_t deadline_ns);
/* Wait for input or the deadline and run the callbacks. Returns how many callbacks
 * ran (0: the deadline passed, or a signal interrupted the wait), or -errno. */
int srd_loop_wait(struct srd_loop *l);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in ns. */
uint64_t srd_now_ns(void);
uint64_t srd_realtime_ns(void);

#endif
