// SPDX-License-Identifier: Apache-2.0
/*
 * dp_ovs_status.c: status written back into OVSDB, as ovn-controller marks
 * ovn-installed (ctl/ovs_conf.h lists the keys).
 *
 * An SRD Interface row is
 *   error  its settings are bad, the host's are, or its tap could not be made;
 *          srd-error says which
 *   down   its tap exists but the remote host has not answered yet, or every path
 *          to it is dead
 *   up     its tap exists and the connection to the remote host carries traffic
 * The Open_vSwitch row is "ready", or "error" with the reason the host settings or
 * the underlay failed. Rows that are no longer SRD ports lose both keys.
 *
 * Only differences are written, in one transaction of "mutate" operations (delete
 * the two keys, insert the new ones), and only when no earlier one is in flight: the
 * update that the write causes brings the replica level with the datapath again.
 */
#include <string.h>

#include <json-c/json.h>

#include "ctl/ovsdb.h"
#include "ctl/ovsdb_data.h"
#include "vswitch/dp_int.h"
#include "vswitch/dp_ovs.h"

/* A row's wanted srd-state and srd-error ("" for none). */
struct status {
	const char *state;                    /* "up", "down", "error", "ready", or "" */
	char error[SRD_OVS_ERR_MAX + 64];     /* reason, or "" */
};

/* Replace srd-state and srd-error of one row. */
static struct json_object *mutate_op(const char *table, const char *uuid,
				     const struct status *st)
{
	static const char *const keys[] = { "srd-state", "srd-error", NULL };
	struct json_object *op = srd_ovsdb_op("mutate", table, srd_ovsdb_where_uuid(uuid));
	struct json_object *muts = json_object_new_array(), *map = json_object_new_array();

	json_object_array_add(muts, srd_ovsdb_mutation("external_ids", "delete", "set",
						       srd_ovsdb_strings(keys)));
	if (st->state[0])
		json_object_array_add(map, srd_ovsdb_pair("srd-state", st->state));
	if (st->error[0])
		json_object_array_add(map, srd_ovsdb_pair("srd-error", st->error));
	json_object_array_add(muts, srd_ovsdb_mutation("external_ids", "insert", "map", map));
	json_object_object_add(op, "mutations", muts);
	return op;
}

static bool same(const char *have, const char *want)
{
	return !strcmp(have ? have : "", want);
}

/* Add an op to txn when the row's keys differ from st. */
static void want(struct json_object *txn, struct json_object *replica, const char *table,
		 const char *uuid, const struct status *st)
{
	struct json_object *rows = srd_ovsdb_replica_table(replica, table), *row, *ext;

	if (!rows || !json_object_object_get_ex(rows, uuid, &row))
		return;                          /* deleted meanwhile */
	ext = srd_ovsdb_col(row, "external_ids");
	if (same(srd_ovsdb_map_get(ext, "srd-state"), st->state) &&
	    same(srd_ovsdb_map_get(ext, "srd-error"), st->error))
		return;
	json_object_array_add(txn, mutate_op(table, uuid, st));
}

/* The line of the last apply's messages about the port ("port NAME: ..."), for its
 * srd-error. */
static void tap_failure(const struct dp_ovs *o, const char *name, char *out, size_t len)
{
	const char *s = o->apply_errors, *end;
	size_t nl = strlen(name);

	for (; s && *s; s = end + (*end == '\n')) {
		end = s + strcspn(s, "\n");
		if (!strncmp(s, "port ", 5) && !strncmp(s + 5, name, nl) && s[5 + nl] == ':') {
			snprintf(out, len, "%.*s", (int)(end - s), s);
			return;
		}
	}
	snprintf(out, len, "tap %s could not be created (see srd-vswitchd's log)", name);
}

static void iface_status(const struct srd_dp *dp, const struct srd_ovs_iface *f,
			 struct status *st)
{
	const struct dp_peer *p;
	int slot;

	st->error[0] = 0;
	st->state = "error";
	if (f->p2p < 0) {
		snprintf(st->error, sizeof(st->error), "%s", f->error);
		return;
	}
	slot = dp_port_by_name(dp, f->name);
	if (slot < 0) {
		tap_failure(dp->ovs, f->name, st->error, sizeof(st->error));
		return;
	}
	p = &dp->peers[dp->ports[slot].peer];
	st->state = p->used && srd_conn_bound(p->conn) &&
		    dp_peer_paths_in(p, SRD_PATH_ACTIVE) > 0 ? "up" : "down";
}

static void host_status(const struct dp_ovs *o, struct status *st)
{
	const char *err = o->link_error[0] ? o->link_error :
			  o->view->host_ok ? "" : o->view->host_error;

	st->state = err[0] ? "error" : "ready";
	snprintf(st->error, sizeof(st->error), "%s", err);
}

/* Rows that carry srd-state or srd-error but are no SRD port (any more). */
static void clear_stale(struct json_object *txn, struct json_object *replica)
{
	static const struct status none = { .state = "" };
	struct json_object *rows = srd_ovsdb_replica_table(replica, "Interface");

	if (!rows)
		return;
	json_object_object_foreach(rows, uuid, row) {
		struct json_object *ext = srd_ovsdb_col(row, "external_ids");

		if (srd_ovsdb_map_get(ext, "srd-remote-ip"))
			continue;
		if (srd_ovsdb_map_get(ext, "srd-state") || srd_ovsdb_map_get(ext, "srd-error"))
			json_object_array_add(txn, mutate_op("Interface", uuid, &none));
	}
}

void dp_ovs_status_sync(struct srd_dp *dp)
{
	struct dp_ovs *o = dp->ovs;
	struct json_object *txn;
	struct status st;
	uint32_t i;

	if (!o->conn || !o->synced || o->inflight)
		return;
	txn = json_object_new_array();
	json_object_array_add(txn, json_object_new_string(SRD_OVSDB_DB));
	if (o->view->ovs_uuid[0]) {
		host_status(o, &st);
		want(txn, o->replica, "Open_vSwitch", o->view->ovs_uuid, &st);
	}
	for (i = 0; i < o->view->n_ifaces; i++) {
		iface_status(dp, &o->view->ifaces[i], &st);
		want(txn, o->replica, "Interface", o->view->ifaces[i].uuid, &st);
	}
	clear_stale(txn, o->replica);
	if (json_object_array_length(txn) == 1) {
		json_object_put(txn);
		return;
	}
	if (srd_ovsdb_request(o->conn, "transact", txn, NULL) == 0) {
		o->inflight++;
		o->inflight_since = dp->now;
		o->cnt.status_txns++;
	}
}
