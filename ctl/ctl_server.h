/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_server.h: srd-vswitchd's end of the control channel (docs/control.md).
 *
 * A unix stream socket; each connection carries one request line (ctl/ctl_proto.h)
 * and gets one JSON object back, then the server closes it. The server never blocks:
 * every socket is nonblocking and the caller drives it from its own event loop:
 *
 *     add srd_ctl_server_fd(s) to the loop's epoll (EPOLLIN, level-triggered);
 *     sleep at most until srd_ctl_server_next_expiry(s);
 *     on wakeup (that fd readable, or the expiry reached) call srd_ctl_server_run(s, now).
 *
 * Time is CLOCK_MONOTONIC in nanoseconds, always passed in: the server reads no
 * clock. A client has SRD_CTL_CLIENT_TIMEOUT_NS (2 s) from its accept to send its
 * request, and again from the moment its reply is ready to read all of it; past that
 * it is dropped. At most SRD_CTL_MAX_CLIENTS (16) are served at once: the next ones
 * are accepted, sent {"error": "..."} if their socket takes it, and closed. A reply
 * (up to a few MB) is buffered and written as the socket allows.
 *
 * The handler runs inside srd_ctl_server_run(), once per valid request. Malformed or
 * over-long requests never reach it: the server answers {"error": "..."} itself.
 *
 * Errors: 0 or a negative errno. When errp is not NULL, a failing call stores there a
 * malloc'd message naming the path and the reason (or NULL if that allocation
 * failed); the caller frees it.
 */
#ifndef SRD_CTL_CTL_SERVER_H
#define SRD_CTL_CTL_SERVER_H

#include <stdint.h>

#include "ctl/ctl_proto.h"

struct json_object;
struct srd_ctl_server;

/*
 * Answer one request: argv[0..argc) are its words, argv[0] the command, argc >= 1.
 * Returns a new JSON object whose reference passes to the server (an object:
 * {"error": "reason"} for a failed command, see srd_ctl_reply_error), or NULL when
 * out of memory (the client then gets {"error": "out of memory"}). The words live
 * only until the handler returns.
 */
typedef struct json_object *(*srd_ctl_handler)(void *user, int argc, char **argv);

/*
 * Listen on path with mode 0600. Creates path's parent directory (mode 0755, less the
 * umask) if it is missing, but not the directories above it. An existing socket
 * file nothing listens on (connect() gets ECONNREFUSED) is stale and is replaced.
 * Errors:
 *   -EADDRINUSE    a live server listens on path (another srd-vswitchd)
 *   -EEXIST        path exists and is not a socket
 *   -ENAMETOOLONG  path does not fit in sockaddr_un (107 bytes)
 *   -ENOMEM        no memory
 *   other          from mkdir(2), socket(2), bind(2), listen(2), epoll_create1(2)
 */
int srd_ctl_server_open(const char *path, srd_ctl_handler h, void *user,
			struct srd_ctl_server **out, char **errp);
/* One fd for the caller's epoll: readable while the server has work to do. */
int srd_ctl_server_fd(const struct srd_ctl_server *s);
/* Do all ready work without blocking; drop the clients whose deadline <= now_ns. */
void srd_ctl_server_run(struct srd_ctl_server *s, uint64_t now_ns);
/* The earliest client deadline (CLOCK_MONOTONIC ns), or UINT64_MAX with no client. */
uint64_t srd_ctl_server_next_expiry(const struct srd_ctl_server *s);
/* How many clients are connected (being read from or written to). */
unsigned srd_ctl_server_clients(const struct srd_ctl_server *s);
/* Close every client and the socket, and unlink path if it is still ours. NULL is fine. */
void srd_ctl_server_close(struct srd_ctl_server *s);

/* {"error": printf(fmt, ...)} for a handler to return; NULL when out of memory. */
struct json_object *srd_ctl_reply_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
