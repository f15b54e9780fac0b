// SPDX-License-Identifier: Apache-2.0
/*
 * rr_server.c: srd-rr server — accepts one connection at a time, answers the hello
 * and echoes every request, until SIGTERM, SIGINT or --max-seconds (rr.c describes
 * the protocol).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/rr.h"

#define RR_TICK_MS 100  /* how often the server sees signals and its deadline */

/* The server's state. */
struct rr_server {
	int lfd;               /* listening socket */
	uint64_t deadline;     /* CLOCK_MONOTONIC ns when it stops */
	uint64_t conns;        /* connections served */
	uint64_t requests;     /* requests answered */
};

static volatile sig_atomic_t stop_signal;  /* SIGTERM or SIGINT seen */

static uint8_t srv_buf[RR_MAX_SIZE];  /* the request being echoed */

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* SIGTERM and SIGINT end the server; without SA_RESTART they interrupt its calls. */
static int catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL);
}

static bool server_alive(const struct rr_server *s)
{
	return !stop_signal && rr_now_ns() < s->deadline;
}

/*
 * Sends or receives exactly len bytes on a connection whose socket timeouts are
 * RR_TICK_MS: IO_OK, IO_CLOSED (the peer closed before the first byte), IO_ERR.
 */
static int srv_io(const struct rr_server *s, int fd, bool tx, uint8_t *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (!server_alive(s))
			return IO_ERR;
		n = tx ? send(fd, buf + done, len - done, MSG_NOSIGNAL) :
			 recv(fd, buf + done, len - done, 0);
		if (n > 0)
			done += (size_t)n;
		else if (n == 0 && !tx)
			return done ? IO_ERR : IO_CLOSED;
		else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return IO_ERR;
	}
	return IO_OK;
}

/* The hello: the message size, or 0 (reported). Answers it. */
static uint32_t srv_hello(const struct rr_server *s, int fd)
{
	uint8_t h[RR_HELLO_LEN];
	uint32_t size;

	if (srv_io(s, fd, false, h, sizeof(h)))
		return 0;
	memcpy(&size, h + 4, 4);
	size = ntohl(size);
	if (memcmp(h, rr_magic, 4) || !size || size > RR_MAX_SIZE) {
		rr_fail("server: not an srd-rr client (bad hello), connection closed");
		return 0;
	}
	return srv_io(s, fd, true, h, sizeof(h)) ? 0 : size;
}

/* Echoes requests on one connection until the client closes it or the server stops. */
static void serve_conn(struct rr_server *s, int fd)
{
	uint64_t n = 0;
	uint32_t size;
	int r = IO_OK;

	if (rr_set_nodelay(fd) || rr_set_timeouts(fd, 0, RR_TICK_MS * 1000000ull)) {
		rr_fail("server: setsockopt: %s", strerror(errno));
		return;
	}
	size = srv_hello(s, fd);
	while (size && r == IO_OK) {
		r = srv_io(s, fd, false, srv_buf, size);
		if (r == IO_OK)
			r = srv_io(s, fd, true, srv_buf, size);
		if (r == IO_OK)
			n++;
	}
	s->requests += n;
	if (size)
		fprintf(stderr, "srd-rr server: connection %" PRIu64 ": %" PRIu64
			" requests of %u bytes%s\n", s->conns + 1, n, size,
			r == IO_CLOSED ? "" : ", ended early");
}

/* Accepts and serves connections, one at a time, until a signal or the deadline. */
static int server_run(struct rr_server *s)
{
	struct pollfd p = { .fd = s->lfd, .events = POLLIN };
	int fd;

	while (server_alive(s)) {
		if (poll(&p, 1, RR_TICK_MS) <= 0)
			continue;
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
				continue;
			return rr_fail("server: accept: %s", strerror(errno));
		}
		serve_conn(s, fd);
		close(fd);
		s->conns++;
	}
	return 0;
}

/* "listening=ADDR port=N" for the socket fd is bound to. */
static int print_listening(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV))
		return rr_fail("server: getsockname: %s", strerror(errno));
	printf("listening=%s port=%s\n", host, serv);
	fflush(stdout);
	return 0;
}

/* A listening socket on o->bind, o->port; -1 (reported) if none. */
static int listen_on(const struct rr_opts *o)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *res, *ai;
	char port[8];
	int fd = -1, one = 1, err;

	snprintf(port, sizeof(port), "%" PRIu64, o->port);
	err = getaddrinfo(o->bind, port, &hints, &res);
	if (err)
		return rr_fail("server: cannot resolve %s: %s", o->bind, gai_strerror(err));
	err = 0;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 8)) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return rr_fail("server: cannot listen on %s port %s: %s", o->bind, port,
			       strerror(err));
	return fd;
}

int rr_server_main(const struct rr_opts *o)
{
	struct rr_server s = { .deadline = rr_now_ns() + o->max_seconds * NS_PER_S };
	int r;

	if (catch_signals()) {
		rr_fail("sigaction: %s", strerror(errno));
		return RR_FAIL;
	}
	s.lfd = listen_on(o);
	if (s.lfd < 0)
		return RR_FAIL;
	r = print_listening(s.lfd);
	if (!r)
		r = server_run(&s);
	close(s.lfd);
	fprintf(stderr, "srd-rr server: %s after %" PRIu64 " connections, %" PRIu64
		" requests\n", stop_signal ? "stopped by a signal" :
		r ? "failed" : "--max-seconds reached", s.conns, s.requests);
	return r ? RR_FAIL : RR_OK;
}

