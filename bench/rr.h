/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rr.h: what srd-rr's command line (rr.c), server (rr_server.c) and client
 * (rr_client.c) share. rr.c describes the tool and its protocol.
 *
 * Errors: rr_fail() reports on stderr and returns -1; the functions here that return
 * int give 0 or -1 (errno set, not reported), and rr_server_main()/rr_client_main()
 * give the process exit status, RR_OK or RR_FAIL.
 */
#ifndef SRD_BENCH_RR_H
#define SRD_BENCH_RR_H

#include <stdint.h>

#define RR_OK 0     /* exit: done */
#define RR_FAIL 1   /* exit: runtime failure */
#define RR_USAGE 2  /* exit: bad command line */

#define NS_PER_S 1000000000ull
#define RR_MAX_SIZE (1u << 20)       /* largest request and response */
#define RR_HELLO_LEN 8               /* "SRR1" and the size */

enum { MODE_SERVER = 1, MODE_CLIENT = 2 };
/* What sending or receiving a whole message came to. */
enum { IO_OK = 0, IO_ERR = -1, IO_TIMEOUT = -2, IO_CLOSED = -3 };

/* The hello's first 4 bytes. */
extern const uint8_t rr_magic[4];

/* The command line. */
struct rr_opts {
	int mode;               /* MODE_SERVER or MODE_CLIENT */
	const char *bind;       /* server: local address */
	const char *host;       /* client: the server's address */
	const char *samples;    /* client: file for every RTT, or NULL */
	uint64_t port;          /* TCP port (server: 0 picks a free one) */
	uint64_t size;          /* client: bytes per request and per response */
	uint64_t count;         /* client: timed requests (with --seconds: at most) */
	uint64_t seconds;       /* client: timed run length; 0: by count only */
	uint64_t interval_us;   /* client: from one request's start to the next; 0: none */
	uint64_t warmup;        /* client: untimed requests before the timed ones */
	uint64_t timeout_ms;    /* client: longest wait for connect, hello, a response */
	uint64_t max_seconds;   /* server: longest life */
	uint64_t local_port;    /* client: source port, 0 = any (the same one again keeps
				 * the connection's 5-tuple, so its ECMP path) */
};

/* Prints "srd-rr: REASON" on stderr; returns -1. */
int rr_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* CLOCK_MONOTONIC in ns. */
uint64_t rr_now_ns(void);
/* Socket timeout which (SO_RCVTIMEO, SO_SNDTIMEO, or 0: both) to ns, at least 1 µs. */
int rr_set_timeouts(int fd, int which, uint64_t ns);
/* TCP_NODELAY on fd. */
int rr_set_nodelay(int fd);

/* Serves until a signal or o->max_seconds (rr_server.c): the exit status. */
int rr_server_main(const struct rr_opts *o);
/* Runs the client's requests and prints the result (rr_client.c): the exit status. */
int rr_client_main(const struct rr_opts *o);

#endif
