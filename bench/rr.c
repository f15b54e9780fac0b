// SPDX-License-Identifier: Apache-2.0
/*
 * rr.c: srd-rr, TCP request/response latency for the benchmarks (what netperf
 * TCP_RR and sockperf ping-pong measure): the command line and the helpers the
 * server (rr_server.c) and the client (rr_client.c) share.
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
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "bench/rr.h"

#define RR_DEFAULT_PORT 7471
#define RR_MAX_COUNT 20000000ull     /* most timed requests: 160 MB of samples */
#define RR_SLOTS_PER_S 250000ull     /* --seconds alone: room for RTTs of 4 µs */

const uint8_t rr_magic[4] = { 'S', 'R', 'R', '1' };

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

/* ---- shared by the server and the client (bench/rr.h) ---- */

/* Prints "srd-rr: REASON" on stderr; returns -1. */
int rr_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("srd-rr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

uint64_t rr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Socket timeout which (SO_RCVTIMEO, SO_SNDTIMEO, or 0: both) to ns, at least 1 µs. */
int rr_set_timeouts(int fd, int which, uint64_t ns)
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

int rr_set_nodelay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int main(int argc, char **argv)
{
	struct rr_opts o;
	int r = parse_args(argc, argv, &o);

	if (r >= 0)
		return r;
	return o.mode == MODE_SERVER ? rr_server_main(&o) : rr_client_main(&o);
}

