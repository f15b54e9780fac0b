/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_report.h: srd-sim's output, on stdout.
 *
 * Both forms list the same numbers under the same names (sim.h defines them):
 * the table has one column for SRD and, with a baseline, one for it; the JSON
 * object has SRD's numbers at the top level, latency_us and blackhole as nested
 * objects, and with a baseline a "baseline" object and p999_reduction_pct.
 * With several connections both add each connection's numbers and the fairness
 * index (the JSON: conns, fair_from_ms, goodput_per_conn_gbps, fairness_jain and
 * per_conn); a one-connection run prints neither, as it always did.
 */
#ifndef SRD_SIM_REPORT_H
#define SRD_SIM_REPORT_H

#include <stdbool.h>

#include "tests/sim/sim.h"

/* How much lower SRD's p99.9 frame latency is than the baseline's, in percent. */
double srd_sim_p999_reduction(const struct srd_sim_result *srd,
			      const struct srd_sim_result *tcp);
/* tcp may be NULL (no baseline). */
void srd_sim_report_table(const struct srd_sim_cfg *cfg, const struct srd_sim_result *srd,
			  const struct srd_sim_result *tcp);
/* paths: include host A's paths as "host_a". */
void srd_sim_report_json(const struct srd_sim_cfg *cfg, const struct srd_sim_result *srd,
			 const struct srd_sim_result *tcp, bool paths);
/* Host A's paths as the traffic stopped: a table, or a JSON object. */
void srd_sim_report_paths(const struct srd_sim_cfg *cfg, const struct srd_sim_result *r,
			  bool json);

#endif
