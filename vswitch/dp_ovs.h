/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp_ovs.h: srd-vswitchd's OVSDB client state (OVSDB mode, docs/ovs.md), shared by
 * dp_ovs.c (connection, monitor, reconciliation) and dp_ovs_status.c (status
 * written back into the rows) and read by dp_ctl.c (srdctl show).
 *
 * Life of the connection:
 *   DOWN --connect--> (monitor sent) --initial contents--> SYNCED --update-->...
 *   any error or EOF: DOWN, and a reconnect after a backoff doubling from
 *   DP_OVS_BACKOFF_MIN_NS to DP_OVS_BACKOFF_MAX_NS (reset by a successful sync).
 * While DOWN the datapath keeps running as last configured: ovsdb-server restarting
 * never disturbs traffic. A new connection starts from an empty replica and only
 * reconciles once the whole initial contents have arrived.
 */
#ifndef SRD_VSWITCH_DP_OVS_H
#define SRD_VSWITCH_DP_OVS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/ovs_conf.h"

#define DP_OVS_BACKOFF_MIN_NS 100000000ull   /* first reconnect after 100 ms */
#define DP_OVS_BACKOFF_MAX_NS 4000000000ull  /* never wait more than 4 s */
#define DP_OVS_STATUS_NS 200000000ull        /* status and tap links re-checked this often */
#define DP_OVS_FLUSH_RETRY_NS 10000000ull    /* socket full: try again */
#define DP_OVS_MSGS_PER_TURN 256u            /* messages read per loop turn */
#define DP_OVS_RETRY_NS 1000000000ull        /* failed underlay or taps: retry this often */
#define DP_OVS_TXN_TIMEOUT_NS 5000000000ull  /* a status write unanswered this long is lost */

struct srd_ovsdb;
struct json_object;

/* Counters for srdctl show. */
struct dp_ovs_counters {
	uint64_t connects;        /* connections that reached SYNCED */
	uint64_t disconnects;     /* connections lost */
	uint64_t updates;         /* update notifications applied */
	uint64_t reconciles;      /* configurations applied from OVSDB */
	uint64_t status_txns;     /* status transactions sent */
	uint64_t txn_errors;      /* status transactions that failed */
};

struct dp_ovs {
	char remote[256];               /* where ovsdb-server listens */
	struct srd_ovsdb *conn;         /* the connection, NULL while DOWN */
	bool synced;                    /* the monitor's initial contents arrived */
	bool dirty;                     /* the replica changed since the last reconcile */
	int64_t monitor_id;             /* id of the monitor request */
	struct json_object *replica;    /* monitored rows (ctl/ovsdb_data.h) */
	struct srd_config *base;        /* the --config file's settings */
	struct srd_config *want;        /* scratch: the last translation */
	struct srd_ovs_view *view;      /* verdicts of the last translation */
	char link_error[SRD_OVS_ERR_MAX + 1]; /* why the underlay could not open */
	char *apply_errors;             /* messages of the last apply (per port) */
	unsigned inflight;              /* status transactions awaiting their reply */
	uint64_t inflight_since;        /* when the last of them was sent */
	uint64_t retry_at;              /* next retry of a failed underlay or tap */
	bool more;                      /* messages left in the input buffer */
	uint64_t next_connect;          /* when to connect again (while DOWN) */
	uint64_t backoff_ns;            /* current reconnect backoff */
	uint64_t next_status;           /* next periodic status check */
	uint64_t next_flush;            /* output waiting: retry then, or UINT64_MAX */
	struct dp_ovs_counters cnt;     /* counters */
	char last_error[256];           /* the last connection problem, for srdctl */
};

struct srd_dp;

/* dp_ovs_status.c: write srd-state/srd-error where they differ from the rows. */
void dp_ovs_status_sync(struct srd_dp *dp);

#endif
