/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_report.c: srd-sim's output: a table for people, one JSON object for scripts.
 * See sim_report.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tests/sim/sim_report.h"

/* One reported number; a name "group.key" is nested in JSON. */
struct field {
	const char *name; /* JSON key */
	double v;         /* value */
	int prec;         /* decimals; -1: a boolean */
};

static double us(uint64_t ns)
{
	return ns / 1e3;
}

static unsigned bh_fields(const struct srd_sim_result *r, struct field *f)
{
	const struct srd_sim_blackhole *b = &r->bh;
	unsigned n = 0;

	if (b->path < 0)
		return 0;
	f[n++] = (struct field){ "blackhole.path", b->path, 0 };
	f[n++] = (struct field){ "blackhole.down_ms", b->down_at / 1e6, 3 };
	f[n++] = (struct field){ "blackhole.up_ms",
				 b->up_at == UINT64_MAX ? -1 : b->up_at / 1e6, 3 };
	f[n++] = (struct field){ "blackhole.dead_after_us",
				 r->bh_dead_at ? us(r->bh_dead_at - b->down_at) : -1, 1 };
	f[n++] = (struct field){ "blackhole.last_data_us",
				 b->last_data ? us(b->last_data - b->down_at) : 0, 1 };
	f[n++] = (struct field){ "blackhole.dead_data_pkts", (double)b->dead_data, 0 };
	f[n++] = (struct field){ "blackhole.revived_data_pkts", (double)b->revived_data, 0 };
	return n;
}

static unsigned fields(const struct srd_sim_result *r, struct field *f)
{
	const struct srd_sim_tally *t = &r->t;
	unsigned n = 0;

	f[n++] = (struct field){ "frames", (double)t->frames, 0 };
	f[n++] = (struct field){ "delivered", (double)t->delivered, 0 };
	f[n++] = (struct field){ "given_up", (double)t->given_up, 0 };
	f[n++] = (struct field){ "lost", (double)t->lost, 0 };
	f[n++] = (struct field){ "duplicates", (double)t->duplicates, 0 };
	f[n++] = (struct field){ "out_of_order", (double)t->out_of_order, 0 };
	f[n++] = (struct field){ "corrupt", (double)t->corrupt, 0 };
	f[n++] = (struct field){ "stalls", (double)t->stalls, 0 };
	f[n++] = (struct field){ "goodput_gbps", r->goodput_gbps, 3 };
	f[n++] = (struct field){ "capacity_gbps", r->capacity_gbps, 3 };
	f[n++] = (struct field){ "goodput_ratio", r->goodput_ratio, 4 };
	f[n++] = (struct field){ "latency_us.p50", us(t->lat_p50), 1 };
	f[n++] = (struct field){ "latency_us.p99", us(t->lat_p99), 1 };
	f[n++] = (struct field){ "latency_us.p999", us(t->lat_p999), 1 };
	f[n++] = (struct field){ "latency_us.max", us(t->lat_max), 1 };
	f[n++] = (struct field){ "retransmits", (double)r->retransmits, 0 };
	f[n++] = (struct field){ "lost_pkts", (double)r->lost_pkts, 0 };
	f[n++] = (struct field){ "timeouts", (double)r->timeouts, 0 };
	f[n++] = (struct field){ "spurious_losses", (double)r->spurious, 0 };
	f[n++] = (struct field){ "data_pkts", (double)r->data_pkts, 0 };
	f[n++] = (struct field){ "recoveries", (double)t->recoveries, 0 };
	f[n++] = (struct field){ "recovery_us_p50", us(t->rec_p50), 1 };
	f[n++] = (struct field){ "recovery_us_p99", us(t->rec_p99), 1 };
	f[n++] = (struct field){ "recovery_us_max", us(t->rec_max), 1 };
	f[n++] = (struct field){ "reorder_peak_bytes", (double)r->rob_peak_bytes, 0 };
	f[n++] = (struct field){ "reorder_bound_bytes", (double)r->rob_bound_bytes, 0 };
	f[n++] = (struct field){ "rob_full_drops", (double)r->rob_full_drops, 0 };
	f[n++] = (struct field){ "engine_giveups", (double)r->giveups, 0 };
	f[n++] = (struct field){ "rx_skipped", (double)r->rx_skipped, 0 };
	f[n++] = (struct field){ "hold_timeouts", (double)r->hold_timeouts, 0 };
	f[n++] = (struct field){ "partial_frames", (double)r->partial_frames, 0 };
	f[n++] = (struct field){ "link_loss", (double)r->link_loss, 0 };
	f[n++] = (struct field){ "link_queue_drops", (double)r->link_queue_drops, 0 };
	f[n++] = (struct field){ "link_down_drops", (double)r->link_down_drops, 0 };
	f[n++] = (struct field){ "link_dups", (double)r->link_dups, 0 };
	f[n++] = (struct field){ "rr_transactions", (double)t->rr_done, 0 };
	f[n++] = (struct field){ "rr_latency_us_p99", us(t->rr_p99), 1 };
	f[n++] = (struct field){ "path_changes", (double)r->path_changes, 0 };
	f[n++] = (struct field){ "virtual_end_ms", r->end_ns / 1e6, 3 };
	f[n++] = (struct field){ "events", (double)r->events, 0 };
	f[n++] = (struct field){ "drained", r->drained, -1 };
	f[n++] = (struct field){ "engines_idle", r->engines_idle, -1 };
	f[n++] = (struct field){ "mem_ok", r->mem_ok, -1 };
	f[n++] = (struct field){ "invariants_ok", r->invariants_ok, -1 };
	return n + bh_fields(r, f + n);
}

#define MAX_FIELDS 64

static void json_value(const struct field *f)
{
	if (f->prec < 0)
		printf("%s", f->v != 0 ? "true" : "false");
	else
		printf("%.*f", f->prec, f->v);
}

/* The fields of r as JSON members, "a.b" names grouped as "a": {"b": ...}. */
static void json_fields(const struct srd_sim_result *r)
{
	struct field f[MAX_FIELDS];
	unsigned i, n = fields(r, f);
	const char *group = NULL;
	size_t glen = 0;

	for (i = 0; i < n; i++) {
		const char *dot = strchr(f[i].name, '.');

		if (group && (!dot || (size_t)(dot - f[i].name) != glen ||
			      strncmp(f[i].name, group, glen))) {
			printf("}");
			group = NULL;
		}
		printf("%s", i ? ", " : "");
		if (dot && !group) {
			group = f[i].name;
			glen = (size_t)(dot - f[i].name);
			printf("\"%.*s\": {", (int)glen, group);
		}
		printf("\"%s\": ", dot ? dot + 1 : f[i].name);
		json_value(&f[i]);
	}
	if (group)
		printf("}");
}

double srd_sim_p999_reduction(const struct srd_sim_result *srd, const struct srd_sim_result *tcp)
{
	if (!tcp->t.lat_p999)
		return 0;
	return 100.0 * (1.0 - (double)srd->t.lat_p999 / (double)tcp->t.lat_p999);
}

/* Several connections: each one's numbers and the fairness index. */
static void json_conns(const struct srd_sim_result *r)
{
	unsigned i;

	printf(", \"conns\": %u, \"fair_from_ms\": %.3f, \"goodput_per_conn_gbps\": [",
	       r->conns, r->fair_from_ns / 1e6);
	for (i = 0; i < r->conns; i++)
		printf("%s%.3f", i ? ", " : "", r->conn[i].goodput_gbps);
	printf("], \"fairness_jain\": %.4f, \"per_conn\": [", r->fairness_jain);
	for (i = 0; i < r->conns; i++) {
		const struct srd_sim_conn_result *c = &r->conn[i];

		printf("%s{\"conn\": %u, \"start_ms\": %.3f, \"goodput_gbps\": %.3f, "
		       "\"run_goodput_gbps\": %.3f, \"frames\": %" PRIu64 ", "
		       "\"delivered\": %" PRIu64 ", \"retransmits\": %" PRIu64 ", "
		       "\"lost_pkts\": %" PRIu64 ", \"cwnd\": %u, \"inflight\": %u, "
		       "\"min_rtt_us\": %.1f, \"srtt_us\": %.1f, \"invariants_ok\": %s}",
		       i ? ", " : "", i, c->start_ns / 1e6, c->goodput_gbps, c->run_gbps,
		       c->frames, c->delivered, c->retransmits, c->lost_pkts, c->cwnd_end,
		       c->inflight_end, us(c->min_rtt_ns), us(c->srtt_ns),
		       c->invariants_ok ? "true" : "false");
	}
	printf("]");
}

void srd_sim_report_json(const struct srd_sim_cfg *cfg, const struct srd_sim_result *srd,
			 const struct srd_sim_result *tcp, bool paths)
{
	printf("{\"seed\": %" PRIu64 ", \"paths\": %u, \"lanes\": %u, \"duration_ms\": %.3f, ",
	       cfg->seed, cfg->paths, cfg->traffic.lanes, cfg->duration_ns / 1e6);
	json_fields(srd);
	if (srd->conns > 1)
		json_conns(srd);
	if (tcp) {
		printf(", \"baseline\": {\"kind\": \"tcp\", ");
		json_fields(tcp);
		printf("}, \"p999_reduction_pct\": %.2f", srd_sim_p999_reduction(srd, tcp));
	}
	if (paths) {
		printf(", \"host_a\": ");
		srd_sim_report_paths(cfg, srd, true);
	}
	printf("}\n");
}

static void print_value(const struct field *f)
{
	if (f->prec < 0)
		printf(" %14s", f->v != 0 ? "yes" : "NO");
	else
		printf(" %14.*f", f->prec, f->v);
}

static void table_conns(const struct srd_sim_cfg *cfg, const struct srd_sim_result *r)
{
	unsigned i;

	printf("\n%u connections; fairness window %.3f-%.3f ms: Jain's index %.4f\n",
	       r->conns, r->fair_from_ns / 1e6, cfg->duration_ns / 1e6, r->fairness_jain);
	printf("%4s %9s %12s %9s %8s %6s %8s %10s %8s %10s\n", "conn", "start_ms",
	       "window_gbps", "run_gbps", "retrans", "cwnd", "inflight", "min_rtt_us",
	       "srtt_us", "invariants");
	for (i = 0; i < r->conns; i++) {
		const struct srd_sim_conn_result *c = &r->conn[i];

		printf("%4u %9.3f %12.3f %9.3f %8" PRIu64 " %6u %8u %10.1f %8.1f %10s\n", i,
		       c->start_ns / 1e6, c->goodput_gbps, c->run_gbps, c->retransmits,
		       c->cwnd_end, c->inflight_end, us(c->min_rtt_ns), us(c->srtt_ns),
		       c->invariants_ok ? "ok" : "BROKEN");
	}
}

void srd_sim_report_table(const struct srd_sim_cfg *cfg, const struct srd_sim_result *srd,
			  const struct srd_sim_result *tcp)
{
	struct field a[MAX_FIELDS], b[MAX_FIELDS];
	unsigned i, n = fields(srd, a), m = tcp ? fields(tcp, b) : 0;

	printf("srd-sim: %u paths, %u lanes, %.3f ms, seed %" PRIu64 "\n\n", cfg->paths,
	       cfg->traffic.lanes, cfg->duration_ns / 1e6, cfg->seed);
	printf("%-30s %14s%s\n", "", "srd", tcp ? "  tcp baseline" : "");
	for (i = 0; i < n; i++) {
		printf("%-30s", a[i].name);
		print_value(&a[i]);
		if (i < m && !strcmp(a[i].name, b[i].name))
			print_value(&b[i]);
		printf("\n");
	}
	if (tcp)
		printf("\np99.9 latency reduction vs tcp: %.2f %%\n", srd_sim_p999_reduction(srd, tcp));
	if (srd->conns > 1)
		table_conns(cfg, srd);
}

static const char *const state_name[] = {
	[SRD_PATH_ACTIVE] = "active", [SRD_PATH_SUSPECT] = "suspect",
	[SRD_PATH_DEAD] = "dead", [SRD_PATH_PROBING] = "probing",
};

static void paths_head(const struct srd_sim_cfg *cfg, const struct srd_sim_result *r,
		       bool json)
{
	if (json)
		printf("{\"cwnd\": %u, \"path_stats\": [", r->cwnd_end);
	else
		printf("\nhost A at %.3f ms: cwnd %u\n%4s %8s %10s %10s %10s %10s %8s\n",
		       cfg->duration_ns / 1e6, r->cwnd_end, "path", "state", "srtt_us",
		       "min_rtt_us", "tx_pkts", "acked", "lost");
}

void srd_sim_report_paths(const struct srd_sim_cfg *cfg, const struct srd_sim_result *r,
			  bool json)
{
	unsigned i;

	paths_head(cfg, r, json);
	for (i = 0; i < cfg->paths; i++) {
		const struct srd_path_stats *p = &r->path[i];
		const char *st = state_name[p->state & 3];
		unsigned long long tx = p->tx_pkts, ack = p->acked_pkts, lost = p->lost_pkts;

		if (json)
			printf("%s{\"path\": %u, \"state\": \"%s\", \"srtt_us\": %.1f, "
			       "\"min_rtt_us\": %.1f, \"tx_pkts\": %llu, \"acked_pkts\": %llu, "
			       "\"lost_pkts\": %llu}", i ? ", " : "", i, st, us(p->srtt_ns),
			       us(p->min_rtt_ns), tx, ack, lost);
		else
			printf("%4u %8s %10.1f %10.1f %10llu %10llu %8llu\n", i, st,
			       us(p->srtt_ns), us(p->min_rtt_ns), tx, ack, lost);
	}
	if (json)
		printf("]}");
}

