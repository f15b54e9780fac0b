/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ovsdb.c: libFuzzer target for everything srd-vswitchd and srdctl do with
 * bytes from ovsdb-server: the JSON-RPC stream (ctl/ovsdb.h), fed in chunks whose
 * size the first byte picks; every message's table-updates applied to a replica
 * (ctl/ovsdb_data.h); the replica translated into a configuration (ctl/ovs_conf.h);
 * and every Interface row planned for migration both ways (ctl/ovs_migrate.h).
 *
 * json-c asserts that the array functions get arrays, so every unchecked shape
 * assumption aborts here. Invariants: nothing crashes or leaks; every SRD row has exactly one verdict, a p2p
 * entry with its name or a reason; no two p2p entries carry one (peer, VNI); every
 * peer carries at least one VNI; no host settings, no peers; a plan either succeeds
 * with a transaction or says why not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/ovs_conf.h"
#include "ctl/ovs_migrate.h"
#include "ctl/ovsdb.h"
#include "ctl/ovsdb_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct srd_config *base, *cfg;
static struct srd_ovs_view *view;

static void check_view(void)
{
	uint32_t i, j;

	if (!view->host_ok && (cfg->n_peers || cfg->n_p2p))
		abort();
	for (i = 0; i < view->n_ifaces; i++) {
		const struct srd_ovs_iface *f = &view->ifaces[i];

		if (f->p2p < 0 ? !f->error[0] :
		    (f->error[0] || (uint32_t)f->p2p >= cfg->n_p2p ||
		     strcmp(cfg->p2p[f->p2p].name, f->name)))
			abort();
	}
	for (i = 0; i < cfg->n_p2p; i++)
		for (j = i + 1; j < cfg->n_p2p; j++)
			if (cfg->p2p[i].peer_idx == cfg->p2p[j].peer_idx &&
			    cfg->p2p[i].vni == cfg->p2p[j].vni)
				abort();
	for (i = 0; i < cfg->n_peers; i++)
		if (!cfg->peers[i].vnis.n)
			abort();
}

/* Plan both ways for one row, given a made-up _uuid. */
static void plan(const char *uuid, struct json_object *row)
{
	struct srd_ovs_migrate_req req = { .iface = "x", .revert_type = "geneve" };
	struct json_object *copy = NULL, *ops, *u;
	char msg[512];
	int k, err;

	if (json_object_deep_copy(row, &copy, NULL) || !copy)
		return;
	u = json_object_new_array();
	json_object_array_add(u, json_object_new_string("uuid"));
	json_object_array_add(u, json_object_new_string(uuid));
	json_object_object_add(copy, "_uuid", u);
	for (k = 0; k < 2; k++) {
		req.revert = k;
		ops = NULL;
		err = srd_ovs_migrate_plan(&req, copy, NULL, &ops, msg, sizeof(msg));
		if ((err == 0) != (ops != NULL) || (err && err != -EALREADY &&
						    err != -EINVAL) || !msg[0])
			abort();
		json_object_put(ops);
	}
	json_object_put(copy);
}

/* A message's table-updates: a reply's result, or an update's second param. */
static void apply(struct json_object *replica, struct json_object *msg)
{
	struct json_object *p;

	if (json_object_object_get_ex(msg, "result", &p))
		srd_ovsdb_replica_apply(replica, p);
	else if (json_object_object_get_ex(msg, "params", &p) &&
		 json_object_is_type(p, json_type_array) && json_object_array_length(p) == 2)
		srd_ovsdb_replica_apply(replica, json_object_array_get_idx(p, 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srd_ovsdb *c;
	struct json_object *replica, *msg, *rows;
	size_t chunk, off;
	char err[256];

	if (!base) {
		base = malloc(sizeof(*base));
		cfg = malloc(sizeof(*cfg));
		view = malloc(sizeof(*view));
		if (!base || !cfg || !view ||
		    srd_config_parse_ex("", 0, "-", SRD_CONFIG_OVSDB, base, err, sizeof(err)))
			abort();
	}
	if (size < 1 || size > 60000)
		return 0;
	chunk = 1 + data[0] % 64 * 64;
	c = srd_ovsdb_new_unconnected();
	replica = srd_ovsdb_replica_new();
	for (off = 1; c && off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (srd_ovsdb_feed(c, data + off, n) < 0)
			break;
		while (srd_ovsdb_next(c, &msg) == 1) {
			apply(replica, msg);
			json_object_put(msg);
		}
	}
	srd_ovs_translate(replica, base, NULL, cfg, view);
	check_view();
	rows = srd_ovsdb_replica_table(replica, "Interface");
	if (rows) {
		json_object_object_foreach(rows, uuid, row)
			plan(uuid, row);
	}
	srd_ovsdb_close(c);
	json_object_put(replica);
	return 0;
}
