// SPDX-License-Identifier: Apache-2.0
/*
 * rr_client.c: srd-rr client — one connection, the hello, the warmup and the timed
 * requests, then the percentile line and --samples (rr.c describes the protocol).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/rr.h"

/* The client's connection, buffers and measurements. */
struct rr_client {
	const struct rr_opts *o;  /* its options */
	int fd;                   /* the connection */
	uint8_t *req;             /* request, o->size bytes */
	uint8_t *resp;            /* response, o->size bytes */
	uint64_t *rtt;            /* RTT of each timed request, ns; o->count slots */
	uint64_t n;               /* timed requests done */
	uint64_t seq;             /* requests sent, warmup included */
	uint64_t timeout_ns;      /* o->timeout_ms in ns */
	bool rearmed;             /* a socket timeout was shortened during a request */
};

/* Bind fd to the wildcard address and port (SO_REUSEADDR: the previous run's
 * connection from that port may still be in TIME_WAIT). 0, or -1 with errno. */
static int bind_port(int fd, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		len = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		len = sizeof(struct sockaddr_in);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		return -1;
	return bind(fd, (struct sockaddr *)&ss, len);
}

/* A connected, blocking socket for ai within timeout_ms, from local_port when it is
 * not 0; -1 with errno if not. */
static int connect_one(const struct addrinfo *ai, int timeout_ms, uint16_t local_port)
{
	struct pollfd p;
	socklen_t len = sizeof(int);
	int fd, err = 0, r;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (local_port && bind_port(fd, ai->ai_family, local_port))
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		goto fail;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	r = poll(&p, 1, timeout_ms);
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		goto fail;
	errno = err;
	if (err || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* c->fd: connected to o->host, o->port, TCP_NODELAY, timeouts set. 0, or -1. */
static int client_connect(struct rr_client *c)
{
	const struct rr_opts *o = c->o;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res, *ai;
	char port[8];
	int err;

	snprintf(port, sizeof(port), "%" PRIu64, o->port);
	err = getaddrinfo(o->host, port, &hints, &res);
	if (err)
		return rr_fail("cannot resolve %s: %s", o->host, gai_strerror(err));
	c->fd = -1;
	err = 0;
	for (ai = res; ai && c->fd < 0; ai = ai->ai_next) {
		c->fd = connect_one(ai, (int)o->timeout_ms, (uint16_t)o->local_port);
		err = errno;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return rr_fail("cannot connect to %s port %s: %s", o->host, port,
			       strerror(err));
	if (rr_set_nodelay(c->fd) || rr_set_timeouts(c->fd, 0, c->timeout_ns))
		return rr_fail("setsockopt: %s", strerror(errno));
	return 0;
}

/* Shortens the timeout of one direction to what is left until deadline: 0, or -1. */
static int rearm(struct rr_client *c, bool tx, uint64_t deadline)
{
	uint64_t now = rr_now_ns();

	if (now >= deadline)
		return -1;
	c->rearmed = true;
	return rr_set_timeouts(c->fd, tx ? SO_SNDTIMEO : SO_RCVTIMEO, deadline - now);
}

/* Sends or receives exactly len bytes by deadline: IO_OK, _TIMEOUT, _CLOSED, _ERR. */
static int cli_io(struct rr_client *c, bool tx, uint8_t *buf, size_t len,
		  uint64_t deadline)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = tx ? send(c->fd, buf + done, len - done, MSG_NOSIGNAL) :
			 recv(c->fd, buf + done, len - done, 0);
		if (n > 0)
			done += (size_t)n;
		else if (n == 0 && !tx)
			return IO_CLOSED;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IO_TIMEOUT;
		else if (errno != EINTR)
			return IO_ERR;
		if (done < len && rearm(c, tx, deadline))
			return IO_TIMEOUT;
	}
	return IO_OK;
}

/* Reports a failed exchange (what: "hello", "request 17"); returns -1. */
static int io_failed(const struct rr_client *c, int r, const char *what)
{
	if (r == IO_TIMEOUT)
		return rr_fail("no response to %s within %" PRIu64 " ms", what,
			       c->o->timeout_ms);
	if (r == IO_CLOSED)
		return rr_fail("the server closed the connection during %s", what);
	return rr_fail("%s: %s", what, strerror(errno));
}

static int client_hello(struct rr_client *c)
{
	uint8_t h[RR_HELLO_LEN], back[RR_HELLO_LEN];
	uint32_t size = htonl((uint32_t)c->o->size);
	uint64_t deadline = rr_now_ns() + c->timeout_ns;
	int r;

	memcpy(h, rr_magic, 4);
	memcpy(h + 4, &size, 4);
	r = cli_io(c, true, h, sizeof(h), deadline);
	if (r == IO_OK)
		r = cli_io(c, false, back, sizeof(back), deadline);
	if (r != IO_OK)
		return io_failed(c, r, "hello");
	if (memcmp(h, back, sizeof(h)))
		return rr_fail("%s port %" PRIu64 " is not an srd-rr server (bad hello)",
			       c->o->host, c->o->port);
	return 0;
}

/* One request and its response, timed into *rtt (ns). 0, or -1 (reported). */
static int exchange(struct rr_client *c, uint64_t *rtt)
{
	size_t size = c->o->size, k = size < 8 ? size : 8;
	uint64_t t0, deadline;
	char what[40];
	int r;

	if (c->rearmed) {
		if (rr_set_timeouts(c->fd, 0, c->timeout_ns))
			return rr_fail("setsockopt: %s", strerror(errno));
		c->rearmed = false;
	}
	memcpy(c->req, &c->seq, k);
	t0 = rr_now_ns();
	deadline = t0 + c->timeout_ns;
	r = cli_io(c, true, c->req, size, deadline);
	if (r == IO_OK)
		r = cli_io(c, false, c->resp, size, deadline);
	*rtt = rr_now_ns() - t0;
	if (r == IO_OK && !memcmp(c->req, c->resp, size)) {
		c->seq++;
		return 0;
	}
	snprintf(what, sizeof(what), "request %" PRIu64, c->seq + 1);
	if (r != IO_OK)
		return io_failed(c, r, what);
	return rr_fail("the response to %s is not its echo", what);
}

/* Waits until the next request is due (*next) and sets the one after; late: now. */
static void pace(const struct rr_client *c, uint64_t *next)
{
	uint64_t now = rr_now_ns();
	struct timespec ts;

	if (!c->o->interval_us)
		return;
	if (*next > now) {
		ts.tv_sec = (time_t)(*next / NS_PER_S);
		ts.tv_nsec = (long)(*next % NS_PER_S);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	} else {
		*next = now;
	}
	*next += c->o->interval_us * 1000;
}

/* The warmup, then the timed requests until --count or --seconds. 0, or -1. */
static int client_run(struct rr_client *c)
{
	uint64_t i, rtt, end = 0, next = 0;

	for (i = 0; i < c->o->warmup; i++) {
		pace(c, &next);
		if (exchange(c, &rtt))
			return -1;
	}
	if (c->o->seconds)
		end = rr_now_ns() + c->o->seconds * NS_PER_S;
	for (c->n = 0; c->n < c->o->count; c->n++) {
		pace(c, &next);
		if (end && rr_now_ns() >= end)
			break;
		if (exchange(c, &rtt))
			return -1;
		c->rtt[c->n] = rtt;
	}
	return 0;
}

static int write_samples(const struct rr_client *c)
{
	FILE *f = fopen(c->o->samples, "w");
	uint64_t i;
	int err;

	if (!f)
		return rr_fail("%s: %s", c->o->samples, strerror(errno));
	for (i = 0; i < c->n; i++)
		fprintf(f, "%.3f\n", (double)c->rtt[i] / 1e3);
	err = ferror(f);
	if (fclose(f) || err)
		return rr_fail("%s: write failed", c->o->samples);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile q (in 1/10000) of n sorted samples, in µs. */
static double pct_us(const uint64_t *s, uint64_t n, uint64_t q)
{
	uint64_t rank = (n * q + 9999) / 10000;

	return (double)s[rank ? rank - 1 : 0] / 1e3;
}

/* Sorts the samples and prints the result line. */
static void report(struct rr_client *c)
{
	uint64_t i, n = c->n, *s = c->rtt;
	double sum = 0;

	qsort(s, n, sizeof(*s), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)s[i];
	printf("count=%" PRIu64 " p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f"
	       " max_us=%.1f mean_us=%.1f\n", n, pct_us(s, n, 5000), pct_us(s, n, 9000),
	       pct_us(s, n, 9900), pct_us(s, n, 9990), (double)s[n - 1] / 1e3,
	       sum / (double)n / 1e3);
}

/* Buffers for one request, one response and every sample; the request's pattern. */
static int client_alloc(struct rr_client *c)
{
	size_t i;

	c->req = malloc(c->o->size);
	c->resp = malloc(c->o->size);
	c->rtt = calloc(c->o->count, sizeof(*c->rtt));
	if (!c->req || !c->resp || !c->rtt)
		return rr_fail("out of memory for %" PRIu64 " samples", c->o->count);
	for (i = 0; i < c->o->size; i++)
		c->req[i] = (uint8_t)(i * 131 + 7);
	return 0;
}

int rr_client_main(const struct rr_opts *o)
{
	struct rr_client c = { .o = o, .fd = -1, .timeout_ns = o->timeout_ms * 1000000ull };
	int r;

	if (o->interval_us)
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  /* wake on time, not 50 µs late */
	r = client_alloc(&c);
	if (!r)
		r = client_connect(&c);
	if (!r)
		r = client_hello(&c);
	if (!r)
		r = client_run(&c);
	if (c.fd >= 0)
		close(c.fd);
	if (!r && !c.n)
		r = rr_fail("no request completed");
	if (!r && o->samples)
		r = write_samples(&c);
	if (!r)
		report(&c);
	free(c.req);
	free(c.resp);
	free(c.rtt);
	return r ? RR_FAIL : RR_OK;
}
