// SPDX-License-Identifier: Apache-2.0
/*
 * rr.c: srd-rr, TCP request/response latency for the benchmarks (what netperf
 * TCP_RR and sockperf ping-pong measure).
 *
 *   srd-rr server [--bind ADDR] [--port N] [--max-seconds N]
 *   srd-rr client --host ADDR [--port N] [--size BYTES] [--count N] [--seconds S]
 *                 [--interval-us U] [--warmup N] [--timeout-ms T] [--samples FILE]
 *                 [--local-port N]
 *
 * The client opens one TCP connection (TCP_NODELAY) and says hello: "SRR1" and the
 * message size, 32 bits big-endian; the server answers with the same 8 bytes. Then,
 * per request, the client sends SIZE bytes (the first 8 a sequence number), the
 * server reads all of them and writes them back, and the client times the exchange
 * from just before the send to the last byte of the response (CLOCK_MONOTONIC). A
 * response later than --timeout-ms fails the run; one TCP had to retransmit is only
 * a slow sample. The client prints one line (nearest-rank percentiles, µs)
 *   count=N p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=.. mean_us=..
 * and with --samples writes every RTT in µs, one a line, in the order measured.
 * The server serves one connection at a time until SIGTERM or SIGINT (exit 0) or
 * --max-seconds; it prints "listening=ADDR port=N" first (--port 0: any free port).
 * Exit status: 0 done, 1 failed (the reason on stderr), 2 usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RR_OK 0     /* exit: done */
#define RR_FAIL 1   /* exit: runtime failure */
#define RR_USAGE 2  /* exit: bad command line */

#define NS_PER_S 1000000000ull
#define RR_DEFAULT_PORT 7471
#define RR_MAX_SIZE (1u << 20)       /* largest request and response */
#define RR_MAX_COUNT 20000000ull     /* most timed requests: 160 MB of samples */
#define RR_SLOTS_PER_S 250000ull     /* --seconds alone: room for RTTs of 4 µs */
#define RR_TICK_MS 100               /* server: how often it sees signals and deadline */
#define RR_HELLO_LEN 8               /* "SRR1" and the size */

enum { MODE_SERVER = 1, MODE_CLIENT = 2 };
enum { IO_OK = 0, IO_ERR = -1, IO_TIMEOUT = -2, IO_CLOSED = -3 };

static const uint8_t rr_magic[4] = { 'S', 'R', 'R', '1' };

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

/* One option: its name, the modes that take it, and where its value goes. */
struct rr_optdef {
	const char *name;   /* "--size" */
	int modes;          /* MODE_* bits */
	bool is_str;        /* value is a string (else a number) */
	size_t off;         /* offset of the field in struct rr_opts */
	uint64_t min;       /* smallest number accepted */
	uint64_t max;       /* largest number accepted */
};

#define OPT_STR(n, m, f) { n, m, true, offsetof(struct rr_opts, f), 0, 0 }
#define OPT_NUM(n, m, f, lo, hi) { n, m, false, offsetof(struct rr_opts, f), lo, hi }

static const struct rr_optdef optdefs[] = {
	OPT_STR("--bind", MODE_SERVER, bind),
	OPT_NUM("--max-seconds", MODE_SERVER, max_seconds, 1, 7 * 86400),
	OPT_STR("--host", MODE_CLIENT, host),
	OPT_STR("--samples", MODE_CLIENT, samples),
	OPT_NUM("--port", MODE_SERVER | MODE_CLIENT, port, 0, 65535),
	OPT_NUM("--size", MODE_CLIENT, size, 1, RR_MAX_SIZE),
	OPT_NUM("--count", MODE_CLIENT, count, 1, RR_MAX_COUNT),
	OPT_NUM("--seconds", MODE_CLIENT, seconds, 1, 7 * 86400),
	OPT_NUM("--interval-us", MODE_CLIENT, interval_us, 0, 60000000),
	OPT_NUM("--warmup", MODE_CLIENT, warmup, 0, RR_MAX_COUNT),
	OPT_NUM("--timeout-ms", MODE_CLIENT, timeout_ms, 1, 3600000),
	OPT_NUM("--local-port", MODE_CLIENT, local_port, 0, 65535),
};

#define NOPTDEFS (sizeof(optdefs) / sizeof(optdefs[0]))

static volatile sig_atomic_t stop_signal;  /* server: SIGTERM or SIGINT seen */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: srd-rr server [--bind ADDR] [--port N] [--max-seconds N]\n"
		"       srd-rr client --host ADDR [--port N] [--size BYTES] [--count N]\n"
		"                     [--seconds S] [--interval-us U] [--warmup N]\n"
		"                     [--timeout-ms T] [--samples FILE] [--local-port N]\n"
		"\n"
		"TCP request/response latency over one connection (TCP_NODELAY).\n"
		"server: echoes every request, one connection at a time, until SIGTERM\n"
		"        or --max-seconds (default 600); --bind default 0.0.0.0;\n"
		"        prints \"listening=ADDR port=N\" (--port 0: any free port).\n"
		"client: --size bytes per request and response (default 64, max %u);\n"
		"        --count requests (default 1000) or --seconds, or both: whichever\n"
		"        ends first; --interval-us between request starts (default 0:\n"
		"        back to back); --warmup untimed requests first (default 0);\n"
		"        a response later than --timeout-ms (default 5000) fails the run.\n"
		"        Prints: count=N p50_us= p90_us= p99_us= p999_us= max_us= mean_us=\n"
		"        --samples FILE: every RTT in µs, one a line, in order.\n"
		"        --local-port N: the source port (default any); the same one again\n"
		"        keeps the connection's addresses and ports, so its ECMP path.\n"
		"--port default %u.\n"
		"Exit status: 0 done, 1 failed (the reason on stderr), 2 usage error.\n",
		RR_MAX_SIZE, RR_DEFAULT_PORT);
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("srd-rr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage(stderr);
	return RR_USAGE;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "srd-rr: REASON" on stderr; returns -1. */
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("srd-rr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* A decimal number in [min, max] into *out: 0, or -1. */
static int parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static const struct rr_optdef *find_opt(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NOPTDEFS; i++)
		if (strlen(optdefs[i].name) == len && !strncmp(optdefs[i].name, name, len))
			return &optdefs[i];
	return NULL;
}

/* Stores val for d in o: -1 to go on, or the exit status of a usage error. */
static int set_opt(struct rr_opts *o, const struct rr_optdef *d, const char *val)
{
	char *field = (char *)o + d->off;

	if (d->is_str) {
		if (!*val)
			return bad_usage("%s: empty value", d->name);
		*(const char **)(void *)field = val;
		return -1;
	}
	if (parse_num(val, d->min, d->max, (uint64_t *)(void *)field))
		return bad_usage("%s: '%s' is not a number in %" PRIu64 "..%" PRIu64,
				 d->name, val, d->min, d->max);
	return -1;
}

/* The option at argv[*i], "--name VALUE" or "--name=VALUE": -1, or an exit status. */
static int parse_opt(int argc, char **argv, int *i, struct rr_opts *o)
{
	const char *a = argv[*i], *eq = strchr(a, '=');
	const struct rr_optdef *d;

	if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
		usage(stdout);
		return RR_OK;
	}
	d = find_opt(a, eq ? (size_t)(eq - a) : strlen(a));
	if (!d)
		return bad_usage("bad option '%s'", a);
	if (!(d->modes & o->mode))
		return bad_usage("%s is not a %s option", d->name,
				 o->mode == MODE_SERVER ? "server" : "client");
	if (eq)
		return set_opt(o, d, eq + 1);
	if (*i + 1 >= argc)
		return bad_usage("%s needs a value", d->name);
	return set_opt(o, d, argv[++*i]);
}

/* Defaults for what the command line left out, and the checks across options. */
static int finish_opts(struct rr_opts *o)
{
	if (!o->bind)
		o->bind = "0.0.0.0";
	if (!o->max_seconds)
		o->max_seconds = 600;
	if (o->mode == MODE_SERVER)
		return -1;
	if (!o->host)
		return bad_usage("client needs --host");
	if (!o->port)
		return bad_usage("client needs a --port other than 0");
	if (!o->size)
		o->size = 64;
	if (!o->timeout_ms)
		o->timeout_ms = 5000;
	if (!o->count && !o->seconds)
		o->count = 1000;
	else if (!o->count)
		o->count = o->seconds < RR_MAX_COUNT / RR_SLOTS_PER_S ?
			   o->seconds * RR_SLOTS_PER_S : RR_MAX_COUNT;
	return -1;
}

/* The command line into o: -1 to run, or the exit status. */
static int parse_args(int argc, char **argv, struct rr_opts *o)
{
	int i, r;

	memset(o, 0, sizeof(*o));
	o->port = RR_DEFAULT_PORT;
	if (argc < 2)
		return bad_usage("no mode: server or client");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return RR_OK;
	}
	if (!strcmp(argv[1], "server"))
		o->mode = MODE_SERVER;
	else if (!strcmp(argv[1], "client"))
		o->mode = MODE_CLIENT;
	else
		return bad_usage("unknown mode '%s': server or client", argv[1]);
	for (i = 2; i < argc; i++) {
		r = parse_opt(argc, argv, &i, o);
		if (r >= 0)
			return r;
	}
	return finish_opts(o);
}

/* Socket timeout which (SO_RCVTIMEO, SO_SNDTIMEO, or 0: both) to ns, at least 1 µs. */
static int set_timeouts(int fd, int which, uint64_t ns)
{
	struct timeval tv = {
		.tv_sec = (time_t)(ns / NS_PER_S),
		.tv_usec = (suseconds_t)(ns % NS_PER_S / 1000),
	};

	if (!tv.tv_sec && !tv.tv_usec)
		tv.tv_usec = 1;  /* 0 would mean forever */
	if (which != SO_SNDTIMEO &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	if (which != SO_RCVTIMEO &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -1;
	return 0;
}

static int set_nodelay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- server ---- */

/* The server's state. */
struct rr_server {
	int lfd;               /* listening socket */
	uint64_t deadline;     /* CLOCK_MONOTONIC ns when it stops */
	uint64_t conns;        /* connections served */
	uint64_t requests;     /* requests answered */
};

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
	return !stop_signal && now_ns() < s->deadline;
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
		fail("server: not an srd-rr client (bad hello), connection closed");
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

	if (set_nodelay(fd) || set_timeouts(fd, 0, RR_TICK_MS * 1000000ull)) {
		fail("server: setsockopt: %s", strerror(errno));
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
			return fail("server: accept: %s", strerror(errno));
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
		return fail("server: getsockname: %s", strerror(errno));
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
		return fail("server: cannot resolve %s: %s", o->bind, gai_strerror(err));
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
		return fail("server: cannot listen on %s port %s: %s", o->bind, port,
			    strerror(err));
	return fd;
}

static int server_main(const struct rr_opts *o)
{
	struct rr_server s = { .deadline = now_ns() + o->max_seconds * NS_PER_S };
	int r;

	if (catch_signals()) {
		fail("sigaction: %s", strerror(errno));
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

/* ---- client ---- */

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
		return fail("cannot resolve %s: %s", o->host, gai_strerror(err));
	c->fd = -1;
	err = 0;
	for (ai = res; ai && c->fd < 0; ai = ai->ai_next) {
		c->fd = connect_one(ai, (int)o->timeout_ms, (uint16_t)o->local_port);
		err = errno;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return fail("cannot connect to %s port %s: %s", o->host, port, strerror(err));
	if (set_nodelay(c->fd) || set_timeouts(c->fd, 0, c->timeout_ns))
		return fail("setsockopt: %s", strerror(errno));
	return 0;
}

/* Shortens the timeout of one direction to what is left until deadline: 0, or -1. */
static int rearm(struct rr_client *c, bool tx, uint64_t deadline)
{
	uint64_t now = now_ns();

	if (now >= deadline)
		return -1;
	c->rearmed = true;
	return set_timeouts(c->fd, tx ? SO_SNDTIMEO : SO_RCVTIMEO, deadline - now);
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
		return fail("no response to %s within %" PRIu64 " ms", what, c->o->timeout_ms);
	if (r == IO_CLOSED)
		return fail("the server closed the connection during %s", what);
	return fail("%s: %s", what, strerror(errno));
}

static int client_hello(struct rr_client *c)
{
	uint8_t h[RR_HELLO_LEN], back[RR_HELLO_LEN];
	uint32_t size = htonl((uint32_t)c->o->size);
	uint64_t deadline = now_ns() + c->timeout_ns;
	int r;

	memcpy(h, rr_magic, 4);
	memcpy(h + 4, &size, 4);
	r = cli_io(c, true, h, sizeof(h), deadline);
	if (r == IO_OK)
		r = cli_io(c, false, back, sizeof(back), deadline);
	if (r != IO_OK)
		return io_failed(c, r, "hello");
	if (memcmp(h, back, sizeof(h)))
		return fail("%s port %" PRIu64 " is not an srd-rr server (bad hello)",
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
		if (set_timeouts(c->fd, 0, c->timeout_ns))
			return fail("setsockopt: %s", strerror(errno));
		c->rearmed = false;
	}
	memcpy(c->req, &c->seq, k);
	t0 = now_ns();
	deadline = t0 + c->timeout_ns;
	r = cli_io(c, true, c->req, size, deadline);
	if (r == IO_OK)
		r = cli_io(c, false, c->resp, size, deadline);
	*rtt = now_ns() - t0;
	if (r == IO_OK && !memcmp(c->req, c->resp, size)) {
		c->seq++;
		return 0;
	}
	snprintf(what, sizeof(what), "request %" PRIu64, c->seq + 1);
	if (r != IO_OK)
		return io_failed(c, r, what);
	return fail("the response to %s is not its echo", what);
}

/* Waits until the next request is due (*next) and sets the one after; late: now. */
static void pace(const struct rr_client *c, uint64_t *next)
{
	uint64_t now = now_ns();
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
		end = now_ns() + c->o->seconds * NS_PER_S;
	for (c->n = 0; c->n < c->o->count; c->n++) {
		pace(c, &next);
		if (end && now_ns() >= end)
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
		return fail("%s: %s", c->o->samples, strerror(errno));
	for (i = 0; i < c->n; i++)
		fprintf(f, "%.3f\n", (double)c->rtt[i] / 1e3);
	err = ferror(f);
	if (fclose(f) || err)
		return fail("%s: write failed", c->o->samples);
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
		return fail("out of memory for %" PRIu64 " samples", c->o->count);
	for (i = 0; i < c->o->size; i++)
		c->req[i] = (uint8_t)(i * 131 + 7);
	return 0;
}

static int client_main(const struct rr_opts *o)
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
		r = fail("no request completed");
	if (!r && o->samples)
		r = write_samples(&c);
	if (!r)
		report(&c);
	free(c.req);
	free(c.resp);
	free(c.rtt);
	return r ? RR_FAIL : RR_OK;
}

int main(int argc, char **argv)
{
	struct rr_opts o;
	int r = parse_args(argc, argv, &o);

	if (r >= 0)
		return r;
	return o.mode == MODE_SERVER ? server_main(&o) : client_main(&o);
}
