// SPDX-License-Identifier: Apache-2.0
/*
 * srdctl_ovs.c: `srdctl ovs-migrate [--db REMOTE] [--revert [--type T]] [--dry-run]
 * IFACE`: read the Interface row from ovsdb-server, plan the change
 * (ctl/ovs_migrate.h) and commit it as one transaction. ovs-vswitchd and
 * srd-vswitchd both follow the database from there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/ovs_migrate.h"
#include "ctl/ovsdb.h"
#include "ctl/ovsdb_data.h"
#include "ctl/srdctl.h"

#define MSG_MAX 2048

/* The command line. */
struct migrate_args {
	struct srd_ovs_migrate_req req;   /* what to do */
	const char *db;                   /* ovsdb-server remote */
	bool dry_run;                     /* print the transaction, do not commit it */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: srdctl ovs-migrate [--db REMOTE] [--dry-run] IFACE\n"
		"       srdctl ovs-migrate [--db REMOTE] [--dry-run] --revert [--type vxlan|geneve] IFACE\n"
		"\n"
		"Turn the vxlan or geneve Interface IFACE into an SRD port (or back) in one\n"
		"OVSDB transaction; docs/ovs.md. REMOTE: unix:PATH or tcp:IP:PORT, default\n"
		"unix:$OVS_RUNDIR/db.sock (%s).\n",
		SRD_OVSDB_DEFAULT_REMOTE);
}

static int parse_args(int argc, char **argv, struct migrate_args *a)
{
	int i;

	a->db = srd_ovsdb_default_remote();
	a->req.revert_type = "vxlan";
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--revert"))
			a->req.revert = true;
		else if (!strcmp(argv[i], "--dry-run"))
			a->dry_run = true;
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			a->db = argv[++i];
		else if (!strcmp(argv[i], "--type") && i + 1 < argc)
			a->req.revert_type = argv[++i];
		else if (argv[i][0] == '-' || a->req.iface)
			return -EINVAL;
		else
			a->req.iface = argv[i];
	}
	return a->req.iface ? 0 : -EINVAL;
}

static struct json_object *select_op(const char *table, struct json_object *where,
				     const char *const *cols)
{
	struct json_object *op = srd_ovsdb_op("select", table, where);

	json_object_object_add(op, "columns", srd_ovsdb_strings(cols));
	return op;
}

/* Row 0 of the i-th select's result, or NULL. */
static struct json_object *first_row(struct json_object *res, size_t i)
{
	struct json_object *rows;

	if (!json_object_is_type(res, json_type_array) || json_object_array_length(res) <= i ||
	    !json_object_object_get_ex(json_object_array_get_idx(res, i), "rows", &rows) ||
	    !json_object_is_type(rows, json_type_array) || json_object_array_length(rows) < 1)
		return NULL;
	return json_object_array_get_idx(rows, 0);
}

/* The first operation error of a transaction's result, or NULL. */
static const char *txn_error(struct json_object *res, char *buf, size_t len)
{
	size_t i, n = json_object_is_type(res, json_type_array) ?
		      json_object_array_length(res) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(res, i), *e, *d;

		if (!json_object_object_get_ex(r, "error", &e))
			continue;
		snprintf(buf, len, "%s%s%s", json_object_get_string(e),
			 json_object_object_get_ex(r, "details", &d) ? ": " : "",
			 json_object_object_get_ex(r, "details", &d) ?
			 json_object_get_string(d) : "");
		return buf;
	}
	return NULL;
}

/* Read the rows, plan, commit. */
static int migrate(struct srd_ovsdb *c, const struct migrate_args *a)
{
	static const char *const ovs_cols[] = { "_uuid", "external_ids", NULL };
	struct json_object *params = json_object_new_array(), *res = NULL, *ops = NULL;
	char msg[MSG_MAX], err[512];
	int ret;

	json_object_array_add(params, json_object_new_string(SRD_OVSDB_DB));
	json_object_array_add(params, select_op("Interface",
			      srd_ovsdb_where_eq("name", json_object_new_string(a->req.iface)),
						srd_ovs_migrate_iface_cols));
	json_object_array_add(params, select_op("Open_vSwitch", json_object_new_array(),
						ovs_cols));
	ret = srd_ovsdb_call(c, "transact", params, SRDCTL_TIMEOUT_MS, &res, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "srdctl: %s\n", err);
		return SRDCTL_FAILED;
	}
	if (!first_row(res, 0)) {
		fprintf(stderr, "srdctl: no Interface named %s in %s\n", a->req.iface, a->db);
		json_object_put(res);
		return SRDCTL_FAILED;
	}
	ret = srd_ovs_migrate_plan(&a->req, first_row(res, 0), first_row(res, 1), &ops, msg,
				   sizeof(msg));
	json_object_put(res);
	res = NULL;
	if (ret == -EALREADY || ret == -EINVAL || ret == -ENOMEM) {
		fprintf(ret == -EALREADY ? stdout : stderr, "%s%s\n",
			ret == -EALREADY ? "" : "srdctl: ", ret == -ENOMEM ? "out of memory" : msg);
		return ret == -EALREADY ? SRDCTL_OK : SRDCTL_FAILED;
	}
	if (a->dry_run) {
		puts(json_object_to_json_string_ext(ops, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(ops);
		printf("%s (dry run: nothing committed)\n", msg);
		return SRDCTL_OK;
	}
	ret = srd_ovsdb_call(c, "transact", ops, SRDCTL_TIMEOUT_MS, &res, err, sizeof(err));
	if (ret == 0 && txn_error(res, err, sizeof(err)))
		ret = -EREMOTEIO;
	json_object_put(res);
	if (ret < 0) {
		fprintf(stderr, "srdctl: %s: not changed: %s\n", a->req.iface, err);
		return SRDCTL_FAILED;
	}
	printf("%s\n", msg);
	return SRDCTL_OK;
}

int srdctl_ovs_migrate(int argc, char **argv)
{
	struct migrate_args a = { 0 };
	struct srd_ovsdb *c = NULL;
	char err[512] = "";
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return SRDCTL_OK;
	}
	if (parse_args(argc, argv, &a) < 0) {
		usage(stderr);
		return SRDCTL_USAGE;
	}
	ret = srd_ovsdb_open(a.db, &c, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "srdctl: cannot reach ovsdb-server: %s\n",
			err[0] ? err : strerror(-ret));
		return SRDCTL_FAILED;
	}
	ret = migrate(c, &a);
	srd_ovsdb_close(c);
	return ret;
}
