/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srd_sim_main.c: srd-sim, the deterministic network simulator's command line.
 *
 * Parses a scenario, runs it through two SRD engines, or --conns pairs of them
 * sharing the paths (and, with --baseline tcp, through the TCP-like baseline over
 * the same links and traffic), prints a table or one JSON object, and exits 0 if
 * every invariant held, 1 if one did not (the failures and the seed are on
 * stderr), 2 on a usage error. Number parsing is in sim_args.c.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/sim/sim.h"
#include "tests/sim/sim_args.h"
#include "tests/sim/sim_report.h"

#define MAX_SPECS 64u

/* A per-path setting: value, and the path it applies to (-1: all). */
struct spec {
	double v;     /* value (a probability, for losses) */
	double v2;    /* second value (burst length) */
	uint64_t u;   /* integer value (loss mask) */
	int path;     /* path, -1 for every path */
};

/* The command line, before it becomes a struct srd_sim_cfg. */
struct opts {
	unsigned paths;                   /* --paths */
	double rate[SRD_SIM_MAX_PATHS];   /* --rate-gbps list */
	unsigned nrate;                   /* ... entries */
	double delay[SRD_SIM_MAX_PATHS];  /* --delay-us list */
	unsigned ndelay;                  /* ... entries */
	struct spec loss[MAX_SPECS];      /* --loss */
	unsigned nloss;                   /* ... entries */
	struct spec burst[MAX_SPECS];     /* --burst */
	unsigned nburst;                  /* ... entries */
	struct spec mask[MAX_SPECS];      /* --loss-mask */
	unsigned nmask;                   /* ... entries */
	struct spec dup[MAX_SPECS];       /* --dup */
	unsigned ndup;                    /* ... entries */
	double start[SRD_SIM_MAX_PATHS];  /* --conn-start-ms list */
	unsigned nstart;                  /* ... entries */
	bool reverse_loss;                /* --reverse-loss */
	bool baseline;                    /* --baseline tcp */
	bool json;                        /* --json */
	bool verbose;                     /* --verbose */
	unsigned wall_limit;              /* --wall-limit-s: 0 = none */
	struct srd_sim_cfg *cfg;          /* everything else goes straight here */
};

static const char usage[] =
"usage: srd-sim [options]\n"
"Simulates two hosts joined by K paths and carries guest frames between them over\n"
"SRD (and, with --baseline tcp, over a TCP-like baseline) on a virtual clock.\n"
"\n"
"network (PATH is 0..K-1; a value without @PATH applies to every path):\n"
"  --paths K                 paths (1..256, default 4)\n"
"  --rate-gbps R[,R2,...]    rate per path: one value for all, or K values (default 1)\n"
"  --delay-us D[,D2,...]     one-way delay per path, likewise (default 10)\n"
"  --jitter-us J             extra delay, uniform in [0, J]; never reorders a link\n"
"  --queue-kb Q              queue per link, tail drop (default 128)\n"
"  --loss PCT[@PATH]         random loss in percent; repeatable\n"
"  --burst PCT:LEN[@PATH]    Gilbert-Elliott bursts: PCT%% of packets lost in bursts\n"
"                            of LEN packets on average; repeatable\n"
"  --loss-mask HEX[@PATH]    deterministic loss: bit 0 drops the next packet, the\n"
"                            mask rotates one bit per packet; repeatable\n"
"  --dup PCT[@PATH]          duplicate packets; repeatable\n"
"  --reverse-loss            losses and duplication also hit B-to-A links\n"
"  --blackhole PATH@MS       path drops everything from MS on (both directions,\n"
"                            or only A to B with --one-way)\n"
"  --revive PATH@MS          path carries traffic again from MS on\n"
"  --one-way                 blackholes hit only the A-to-B direction\n"
"  --rate-change PATH@MS=G   path rate becomes G Gbit/s at MS\n"
"traffic:\n"
"  --lanes L                 lanes (guest flows), default 16\n"
"  --traffic bulk|rr|mixed   bulk A to B, request/response, or half each (bulk)\n"
"  --load F                  bulk offers F times the capacity (0 < F); default:\n"
"                            as fast as the sender accepts (backlogged)\n"
"  --frame-bytes MIN-MAX     bulk frame sizes, mixed (default 64-9000)\n"
"  --mtu BYTES               underlay MTU (default 1500; SRD payload = MTU - 60)\n"
"  --conns N                 N connections (pairs of hosts) share the paths, each\n"
"                            with these lanes and traffic (1..16, default 1); a\n"
"                            --load is split among them\n"
"  --conn-start-ms T1,...    when each connection starts (N values, < duration)\n"
"run:\n"
"  --duration-ms T           traffic time (default 50); --drain-ms T: at most\n"
"                            this long after it to settle (default 500)\n"
"  --seed S                  everything random derives from S (default 1)\n"
"  --baseline tcp            also run the TCP-like baseline (single path per flow\n"
"                            by ECMP hash, in order, Reno, RTO >= 200 ms)\n"
"  --json                    one JSON object instead of the table\n"
"  --quiet                   do not print invariant failures\n"
"  --verbose                 also print host A's per-path engine stats\n"
"  --trace-lane L|all        print every DATA packet event of lane L on stderr\n"
"  --wall-limit-s N          give up after N s of real time, printing the seed\n"
"                            (an engine call that never returns; default 600)\n"
"\n"
"Reported: goodput = frame bytes delivered A to B during T, per second; capacity =\n"
"sum of the A-to-B path rates, each counted while its path was up; latency = frame\n"
"delivery time - the time it was first offered to the sender (send-buffer wait\n"
"included), both directions; recovery = for each data packet whose first\n"
"transmission the network lost, the time from that transmission to the first\n"
"arrival of a copy; reorder peak = the receiver's reorder buffer peak, bytes.\n"
"With --conns: each connection's goodput over the fairness window (the second half\n"
"of the time from the last start to T) and Jain's index over them,\n"
"(sum x)^2 / (N sum x^2); totals cover every connection, --verbose shows conn 0.\n"
"Invariants (per connection): every frame delivered exactly once or reported given\n"
"up, in order per lane, intact, never held back by another lane's hole; reorder\n"
"memory within its bound. Exit status: 0 held, 1 broken (details and seed on\n"
"stderr), 2 usage.\n";

static struct spec *spec_add(const char *opt, const char *s, struct spec *v,
			     unsigned *n, char *buf, size_t cap)
{
	struct spec *sp;

	if (*n == MAX_SPECS)
		sim_die_usage(opt, s, "is repeated too often");
	sp = &v[(*n)++];
	memset(sp, 0, sizeof(*sp));
	sim_arg_at_path(opt, s, buf, cap, &sp->path);
	return sp;
}

static void opt_pct(const char *opt, const char *s, struct spec *v, unsigned *n)
{
	char buf[64];
	struct spec *sp = spec_add(opt, s, v, n, buf, sizeof(buf));

	sp->v = sim_arg_whole(opt, buf, 0, 100) / 100;
}

static void opt_burst(const char *opt, const char *s, struct spec *v, unsigned *n)
{
	char buf[64], *colon;
	struct spec *sp = spec_add(opt, s, v, n, buf, sizeof(buf));

	colon = strchr(buf, ':');
	if (!colon)
		sim_die_usage(opt, s, "is not PCT:LEN[@PATH]");
	*colon = 0;
	sp->v = sim_arg_whole(opt, buf, 0, 99) / 100;
	sp->v2 = sim_arg_whole(opt, colon + 1, 1, 1e6);
}

static void opt_mask(const char *opt, const char *s, struct spec *v, unsigned *n)
{
	char buf[64];
	struct spec *sp = spec_add(opt, s, v, n, buf, sizeof(buf));

	sp->u = sim_arg_int_base(opt, buf, 0, UINT64_MAX, 16);
}

/* "PATH@MS" or, with want_rate, "PATH@MS=GBPS" into a script event. */
static void opt_script(const char *opt, const char *s, struct srd_sim_cfg *cfg,
		       enum srd_sim_op op)
{
	struct srd_sim_script *ev;
	char buf[64], *at, *eq;

	if (cfg->nscript == SRD_SIM_MAX_SCRIPT)
		sim_die_usage(opt, s, "is one scripted event too many");
	if (strlen(s) >= sizeof(buf))
		sim_die_usage(opt, s, "is too long");
	strcpy(buf, s);
	at = strchr(buf, '@');
	eq = strchr(buf, '=');
	if (!at || (op == SRD_SIM_OP_RATE) != !!eq || (eq && eq < at))
		sim_die_usage(opt, s, op == SRD_SIM_OP_RATE ? "is not PATH@MS=GBPS" :
			  "is not PATH@MS");
	*at = 0;
	if (eq)
		*eq = 0;
	ev = &cfg->script[cfg->nscript++];
	ev->op = op;
	ev->path = (unsigned)sim_arg_int(opt, buf, 0, SRD_SIM_MAX_PATHS - 1);
	ev->at = (uint64_t)(sim_arg_whole(opt, at + 1, 0, 1e6) * 1e6);
	if (eq)
		ev->rate_bps = (uint64_t)(sim_arg_whole(opt, eq + 1, 1e-6, 1e5) * 1e9);
}

static void opt_traffic(const char *opt, const char *s, struct srd_sim_cfg *cfg)
{
	if (!strcmp(s, "bulk"))
		cfg->traffic.mode = SRD_SIM_BULK;
	else if (!strcmp(s, "rr"))
		cfg->traffic.mode = SRD_SIM_RR;
	else if (!strcmp(s, "mixed"))
		cfg->traffic.mode = SRD_SIM_MIXED;
	else
		sim_die_usage(opt, s, "is not bulk, rr or mixed");
}

static void opt_sizes(const char *opt, const char *s, struct srd_sim_cfg *cfg)
{
	char *end;
	double lo = sim_arg_num(opt, s, SRD_SIM_MIN_FRAME, 65536, &end);
	double hi;

	if (*end != '-')
		sim_die_usage(opt, s, "is not MIN-MAX");
	hi = sim_arg_whole(opt, end + 1, lo, 65536);
	cfg->traffic.min_frame = (uint32_t)lo;
	cfg->traffic.max_frame = (uint32_t)hi;
}

enum {
	O_PATHS = 256, O_RATE, O_DELAY, O_JITTER, O_QUEUE, O_LOSS, O_BURST, O_MASK,
	O_DUP, O_REVLOSS, O_ONEWAY, O_BLACKHOLE, O_REVIVE, O_RATECHG, O_LANES, O_TRAFFIC,
	O_LOAD, O_SIZES, O_MTU, O_DURATION, O_DRAIN, O_SEED, O_BASELINE, O_JSON,
	O_QUIET, O_VERBOSE, O_TRACE, O_WALL, O_CONNS, O_STARTS, O_HELP,
};

static const struct option longopts[] = {
	{ "paths", required_argument, NULL, O_PATHS },
	{ "rate-gbps", required_argument, NULL, O_RATE },
	{ "delay-us", required_argument, NULL, O_DELAY },
	{ "jitter-us", required_argument, NULL, O_JITTER },
	{ "queue-kb", required_argument, NULL, O_QUEUE },
	{ "loss", required_argument, NULL, O_LOSS },
	{ "burst", required_argument, NULL, O_BURST },
	{ "loss-mask", required_argument, NULL, O_MASK },
	{ "dup", required_argument, NULL, O_DUP },
	{ "reverse-loss", no_argument, NULL, O_REVLOSS },
	{ "blackhole", required_argument, NULL, O_BLACKHOLE },
	{ "one-way", no_argument, NULL, O_ONEWAY },
	{ "revive", required_argument, NULL, O_REVIVE },
	{ "rate-change", required_argument, NULL, O_RATECHG },
	{ "lanes", required_argument, NULL, O_LANES },
	{ "traffic", required_argument, NULL, O_TRAFFIC },
	{ "load", required_argument, NULL, O_LOAD },
	{ "frame-bytes", required_argument, NULL, O_SIZES },
	{ "mtu", required_argument, NULL, O_MTU },
	{ "duration-ms", required_argument, NULL, O_DURATION },
	{ "drain-ms", required_argument, NULL, O_DRAIN },
	{ "seed", required_argument, NULL, O_SEED },
	{ "baseline", required_argument, NULL, O_BASELINE },
	{ "json", no_argument, NULL, O_JSON },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "trace-lane", required_argument, NULL, O_TRACE },
	{ "wall-limit-s", required_argument, NULL, O_WALL },
	{ "conns", required_argument, NULL, O_CONNS },
	{ "conn-start-ms", required_argument, NULL, O_STARTS },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Options that describe the network; false if c is not one of them. */
static bool net_opt(struct opts *o, int c, const char *opt, const char *arg)
{
	struct srd_sim_cfg *cfg = o->cfg;
	unsigned i;

	switch (c) {
	case O_PATHS:
		o->paths = (unsigned)sim_arg_int(opt, arg, 1, SRD_SIM_MAX_PATHS);
		break;
	case O_RATE:
		o->nrate = sim_arg_list(opt, arg, o->rate, 1e-6, 1e5);
		break;
	case O_DELAY:
		o->ndelay = sim_arg_list(opt, arg, o->delay, 0, 1e7);
		break;
	case O_JITTER:
		for (i = 0; i < SRD_SIM_MAX_PATHS; i++)
			cfg->fwd[i].jitter_ns = cfg->rev[i].jitter_ns =
				(uint64_t)(sim_arg_whole(opt, arg, 0, 1e7) * 1e3);
		break;
	case O_QUEUE:
		for (i = 0; i < SRD_SIM_MAX_PATHS; i++)
			cfg->fwd[i].queue_bytes = cfg->rev[i].queue_bytes =
				sim_arg_int(opt, arg, 1, 1u << 30) * 1024;
		break;
	case O_LOSS:
		opt_pct(opt, arg, o->loss, &o->nloss);
		break;
	case O_BURST:
		opt_burst(opt, arg, o->burst, &o->nburst);
		break;
	case O_MASK:
		opt_mask(opt, arg, o->mask, &o->nmask);
		break;
	case O_DUP:
		opt_pct(opt, arg, o->dup, &o->ndup);
		break;
	case O_REVLOSS:
		o->reverse_loss = true;
		break;
	case O_ONEWAY:
		cfg->one_way_down = true;
		break;
	default:
		return false;
	}
	return true;
}

/* Options about traffic and the run; false if c is not one of them. */
static bool run_opt(struct opts *o, int c, const char *opt, const char *arg)
{
	struct srd_sim_cfg *cfg = o->cfg;

	switch (c) {
	case O_BLACKHOLE:
		opt_script(opt, arg, cfg, SRD_SIM_OP_DOWN);
		break;
	case O_REVIVE:
		opt_script(opt, arg, cfg, SRD_SIM_OP_UP);
		break;
	case O_RATECHG:
		opt_script(opt, arg, cfg, SRD_SIM_OP_RATE);
		break;
	case O_LANES:
		cfg->traffic.lanes = (unsigned)sim_arg_int(opt, arg, 1, 65535);
		break;
	case O_TRAFFIC:
		opt_traffic(opt, arg, cfg);
		break;
	case O_LOAD:
		cfg->load = sim_arg_whole(opt, arg, 1e-6, 100);
		break;
	case O_SIZES:
		opt_sizes(opt, arg, cfg);
		break;
	case O_MTU:
		cfg->mtu = (uint32_t)sim_arg_int(opt, arg, 1000, 65000);
		break;
	case O_DURATION:
		cfg->duration_ns = (uint64_t)(sim_arg_whole(opt, arg, 0.001, 1e6) * 1e6);
		break;
	case O_DRAIN:
		cfg->drain_ns = (uint64_t)(sim_arg_whole(opt, arg, 0, 1e6) * 1e6);
		break;
	case O_SEED:
		cfg->seed = sim_arg_int(opt, arg, 0, UINT64_MAX);
		break;
	case O_TRACE:
		cfg->trace_lane = strcmp(arg, "all") ? (int)sim_arg_int(opt, arg, 0, 65535) :
						       SRD_SIM_TRACE_ALL;
		break;
	case O_WALL:
		o->wall_limit = (unsigned)sim_arg_int(opt, arg, 0, 86400);
		break;
	case O_CONNS:
		cfg->conns = (unsigned)sim_arg_int(opt, arg, 1, SRD_SIM_MAX_CONNS);
		break;
	case O_STARTS:
		o->nstart = sim_arg_list(opt, arg, o->start, 0, 1e6);
		break;
	case O_BASELINE:
		if (strcmp(arg, "tcp"))
			sim_die_usage(opt, arg, "is not a known baseline (tcp)");
		o->baseline = true;
		break;
	default:
		return false;
	}
	return true;
}

static void parse(struct opts *o, int argc, char **argv)
{
	int c, idx;

	char opt[40];

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, &idx)) != -1) {
		if (c == '?')
			sim_die_usage("option", argv[optind - 1], "is not known");
		if (c == ':')
			sim_die_usage(argv[optind - 1], "", "needs a value");
		snprintf(opt, sizeof(opt), "--%s", longopts[idx].name);
		if (c == O_HELP) {
			fputs(usage, stdout);
			exit(0);
		}
		if (c == O_JSON)
			o->json = true;
		else if (c == O_QUIET)
			o->cfg->quiet = true;
		else if (c == O_VERBOSE)
			o->verbose = true;
		else if (!net_opt(o, c, opt, optarg) && !run_opt(o, c, opt, optarg))
			sim_die_usage("option", opt, "is not handled");
	}
	if (optind < argc)
		sim_die_usage("argument", argv[optind], "is not an option");
}

static void check_path(const char *opt, int path, unsigned paths)
{
	char arg[16];

	if (path >= (int)paths) {
		snprintf(arg, sizeof(arg), "@%d", path);
		sim_die_usage(opt, arg, "names a path beyond --paths");
	}
}

/* Apply spec to link fields chosen by what, on path (-1: all). */
static void apply(struct opts *o, const char *opt, const struct spec *sp,
		  void (*set)(struct srd_sim_link_cfg *l, const struct spec *sp))
{
	unsigned i;

	check_path(opt, sp->path, o->paths);
	for (i = 0; i < o->paths; i++) {
		if (sp->path >= 0 && (unsigned)sp->path != i)
			continue;
		set(&o->cfg->fwd[i], sp);
		if (o->reverse_loss)
			set(&o->cfg->rev[i], sp);
	}
}

static void set_loss(struct srd_sim_link_cfg *l, const struct spec *sp)
{
	l->loss = sp->v;
}

/* Gilbert-Elliott with mean burst LEN and stationary loss PCT. */
static void set_burst(struct srd_sim_link_cfg *l, const struct spec *sp)
{
	l->burst_leave = 1 / sp->v2;
	l->burst_enter = l->burst_leave * sp->v / (1 - sp->v);
}

static void set_mask(struct srd_sim_link_cfg *l, const struct spec *sp)
{
	l->loss_mask = sp->u;
}

static void set_dup(struct srd_sim_link_cfg *l, const struct spec *sp)
{
	l->dup = sp->v;
}

static void per_path(const char *opt, unsigned n, unsigned paths)
{
	char arg[32];

	if (n > 1 && n != paths) {
		snprintf(arg, sizeof(arg), "%u values", n);
		sim_die_usage(opt, arg, "is neither one value nor one per path");
	}
}

static void finish_conns(struct opts *o)
{
	struct srd_sim_cfg *cfg = o->cfg;
	char arg[32];
	unsigned i;

	if (o->baseline && cfg->conns > 1)
		sim_die_usage("--baseline", "tcp", "runs one connection, not --conns");
	if (o->nstart && o->nstart != cfg->conns) {
		snprintf(arg, sizeof(arg), "%u value%s", o->nstart, o->nstart > 1 ? "s" : "");
		sim_die_usage("--conn-start-ms", arg, "is not one per connection");
	}
	for (i = 0; i < o->nstart; i++) {
		cfg->conn_start_ns[i] = (uint64_t)(o->start[i] * 1e6);
		if (cfg->conn_start_ns[i] < cfg->duration_ns)
			continue;
		snprintf(arg, sizeof(arg), "%g", o->start[i]);
		sim_die_usage("--conn-start-ms", arg, "is not before the end (--duration-ms)");
	}
}

static void finish(struct opts *o)
{
	struct srd_sim_cfg *cfg = o->cfg;
	unsigned i;

	cfg->paths = o->paths;
	per_path("--rate-gbps", o->nrate, o->paths);
	per_path("--delay-us", o->ndelay, o->paths);
	for (i = 0; i < o->paths; i++) {
		if (o->nrate)
			cfg->fwd[i].rate_bps = cfg->rev[i].rate_bps =
				(uint64_t)(o->rate[o->nrate > 1 ? i : 0] * 1e9);
		if (o->ndelay)
			cfg->fwd[i].delay_ns = cfg->rev[i].delay_ns =
				(uint64_t)(o->delay[o->ndelay > 1 ? i : 0] * 1e3);
	}
	for (i = 0; i < o->nloss; i++)
		apply(o, "--loss", &o->loss[i], set_loss);
	for (i = 0; i < o->nburst; i++)
		apply(o, "--burst", &o->burst[i], set_burst);
	for (i = 0; i < o->nmask; i++)
		apply(o, "--loss-mask", &o->mask[i], set_mask);
	for (i = 0; i < o->ndup; i++)
		apply(o, "--dup", &o->dup[i], set_dup);
	for (i = 0; i < cfg->nscript; i++)
		check_path("--blackhole/--revive/--rate-change", (int)cfg->script[i].path,
			   o->paths);
	if (cfg->traffic.max_frame > SRD_CONN_MAX_FRAME)
		sim_die_usage("--frame-bytes", "MAX", "exceeds the engine's largest frame");
	finish_conns(o);
}

static void print(const struct opts *o, const struct srd_sim_result *srd,
		  const struct srd_sim_result *tcp)
{
	const struct srd_sim_cfg *cfg = o->cfg;

	if (!o->json) {
		srd_sim_report_table(cfg, srd, tcp);
		if (o->verbose)
			srd_sim_report_paths(cfg, srd, false);
		return;
	}
	srd_sim_report_json(cfg, srd, tcp, o->verbose);
}

static int run(const struct opts *o)
{
	static struct srd_sim_result srd, tcp;
	const struct srd_sim_cfg *cfg = o->cfg;
	int rc = srd_sim_run(cfg, &srd);

	if (!rc && o->baseline)
		rc = srd_sim_run_tcp(cfg, &tcp);
	if (rc) {
		fprintf(stderr, "srd-sim: seed %" PRIu64 ": the run failed: %s\n", cfg->seed,
			strerror(-rc));
		return rc == -EINVAL ? 2 : 1;
	}
	print(o, &srd, o->baseline ? &tcp : NULL);
	if (srd.invariants_ok && (!o->baseline || tcp.invariants_ok))
		return 0;
	fprintf(stderr, "srd-sim: seed %" PRIu64 ": INVARIANTS BROKEN (%s)\n", cfg->seed,
		srd.invariants_ok ? "baseline" : "srd");
	return 1;
}

static char watchdog_msg[160];  /* written by the SIGALRM handler */

static void watchdog(int sig)
{
	ssize_t n = write(2, watchdog_msg, strlen(watchdog_msg));

	(void)sig;
	(void)n;
	_exit(1);
}

/* A run is virtual time: one that takes this long in real time is stuck. */
static void arm_watchdog(const struct opts *o)
{
	if (!o->wall_limit)
		return;
	snprintf(watchdog_msg, sizeof(watchdog_msg),
		 "srd-sim: seed %" PRIu64 ": still running after %u s of real time: "
		 "an engine call that does not return?\n", o->cfg->seed, o->wall_limit);
	signal(SIGALRM, watchdog);
	alarm(o->wall_limit);
}

int main(int argc, char **argv)
{
	static struct srd_sim_cfg cfg;
	static struct opts o;

	srd_sim_cfg_default(&cfg);
	o.cfg = &cfg;
	o.paths = cfg.paths;
	o.wall_limit = 600;
	parse(&o, argc, argv);
	finish(&o);
	arm_watchdog(&o);
	return run(&o);
}
