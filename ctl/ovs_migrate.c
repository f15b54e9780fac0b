// SPDX-License-Identifier: Apache-2.0
/*
 * ovs_migrate.c: VXLAN/GENEVE <-> SRD as one OVSDB transaction (ctl/ovs_migrate.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/ovs_migrate.h"
#include "ctl/ovs_conf.h"
#include "ctl/ovsdb_data.h"

const char *const srd_ovs_migrate_iface_cols[] = {
	"_uuid", "name", "type", "options", "external_ids", "ofport", "ofport_request", NULL
};

/* Every key an SRD row may carry; revert removes them all. */
static const char *const srd_keys[] = {
	"srd-remote-ip", "srd-vni", "srd-paths", "srd-mtu", "srd-migrated-from",
	"srd-saved-options", "srd-state", "srd-error", NULL
};

static void say(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(msg, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg + used, len - used, fmt, ap);
	va_end(ap);
}

static bool is_tunnel(const char *type)
{
	return type && (!strcmp(type, "vxlan") || !strcmp(type, "geneve"));
}

/* ---- operations ---- */

static struct json_object *op_new(const char *op, const char *table, const char *uuid)
{
	return srd_ovsdb_op(op, table, srd_ovsdb_where_uuid(uuid));
}

/* Fail unless type and options are still what was read. */
static struct json_object *op_wait(const char *uuid, struct json_object *iface)
{
	static const char *const cols[] = { "type", "options", NULL };
	struct json_object *o = op_new("wait", "Interface", uuid), *rows, *row;

	row = json_object_new_object();
	json_object_object_add(row, "type", json_object_get(srd_ovsdb_col(iface, "type")));
	json_object_object_add(row, "options",
			       json_object_get(srd_ovsdb_col(iface, "options")));
	rows = json_object_new_array();
	json_object_array_add(rows, row);
	json_object_object_add(o, "timeout", json_object_new_int(0));
	json_object_object_add(o, "columns", srd_ovsdb_strings(cols));
	json_object_object_add(o, "until", json_object_new_string("=="));
	json_object_object_add(o, "rows", rows);
	return o;
}

static struct json_object *empty_map(void)
{
	struct json_object *map = json_object_new_array();

	json_object_array_add(map, json_object_new_string("map"));
	json_object_array_add(map, json_object_new_array());
	return map;
}

/* update type and options (a map datum, consumed); ofport_request when > 0. */
static struct json_object *op_update(const char *uuid, const char *type,
				     struct json_object *options, int64_t ofport_request)
{
	struct json_object *o = op_new("update", "Interface", uuid), *row;

	row = json_object_new_object();
	json_object_object_add(row, "type", json_object_new_string(type));
	json_object_object_add(row, "options", options);
	if (ofport_request > 0)
		json_object_object_add(row, "ofport_request",
				       json_object_new_int64(ofport_request));
	json_object_object_add(o, "row", row);
	return o;
}

/* Delete every srd-* key of external_ids, then insert pairs (consumed, may be NULL). */
static struct json_object *op_srd_keys(const char *table, const char *uuid,
				       struct json_object *pairs)
{
	struct json_object *o = op_new("mutate", table, uuid), *muts;

	muts = json_object_new_array();
	json_object_array_add(muts, srd_ovsdb_mutation("external_ids", "delete", "set",
						       srd_ovsdb_strings(srd_keys)));
	if (pairs)
		json_object_array_add(muts, srd_ovsdb_mutation("external_ids", "insert", "map",
							       pairs));
	json_object_object_add(o, "mutations", muts);
	return o;
}

/* Insert srd-local-ip into Open_vSwitch (insert never overwrites an existing key). */
static struct json_object *op_local_ip(const char *uuid, const char *ip)
{
	struct json_object *o = op_new("mutate", "Open_vSwitch", uuid), *muts, *pairs;

	pairs = json_object_new_array();
	json_object_array_add(pairs, srd_ovsdb_pair("srd-local-ip", ip));
	muts = json_object_new_array();
	json_object_array_add(muts, srd_ovsdb_mutation("external_ids", "insert", "map", pairs));
	json_object_object_add(o, "mutations", muts);
	return o;
}

static struct json_object *op_comment(const struct srd_ovs_migrate_req *req)
{
	struct json_object *o = json_object_new_object();
	char text[128];

	snprintf(text, sizeof(text), "srdctl ovs-migrate%s %s", req->revert ? " --revert" : "",
		 req->iface);
	json_object_object_add(o, "op", json_object_new_string("comment"));
	json_object_object_add(o, "comment", json_object_new_string(text));
	return o;
}

/* ---- forward ---- */

/* The options of a tunnel row, sorted into what SRD takes. */
struct tun_opts {
	const char *remote_ip;   /* options:remote_ip */
	const char *key;         /* options:key, or NULL */
	const char *local_ip;    /* options:local_ip, or NULL */
};

static int read_options(struct json_object *options, struct tun_opts *t, char *msg,
			size_t len)
{
	struct json_object *pairs = NULL;
	size_t i, n;

	if (json_object_is_type(options, json_type_array) &&
	    json_object_array_length(options) == 2)
		pairs = json_object_array_get_idx(options, 1);
	n = json_object_is_type(pairs, json_type_array) ? json_object_array_length(pairs) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *kv = json_object_array_get_idx(pairs, i);
		const char *k, *v;

		if (!json_object_is_type(kv, json_type_array) ||
		    json_object_array_length(kv) != 2)
			continue;
		k = json_object_get_string(json_object_array_get_idx(kv, 0));
		v = json_object_get_string(json_object_array_get_idx(kv, 1));
		if (!k || !v)
			continue;
		if (!strcmp(v, "flow") || !strcmp(k, "in_key") || !strcmp(k, "out_key")) {
			say(msg, len, "options:%s=%s: a flow-based or asymmetric tunnel setting "
			    "has no SRD equivalent (one SRD port per remote host and VNI; "
			    "docs/ovs.md \"Flow-based tunnels\")", k, v);
			return -EINVAL;
		}
		if (!strcmp(k, "remote_ip"))
			t->remote_ip = v;
		else if (!strcmp(k, "key"))
			t->key = v;
		else if (!strcmp(k, "local_ip"))
			t->local_ip = v;
		else
			say(msg, len, "note: options:%s=%s is not carried over\n", k, v);
	}
	if (!t->remote_ip) {
		say(msg, len, "no options:remote_ip: nothing says where the tunnel goes");
		return -EINVAL;
	}
	return 0;
}

/* The VNI for key ("0x2a" or "42"): 0 for none. */
static int key_vni(const char *key, uint32_t *vni, char *msg, size_t len)
{
	unsigned long long v;
	char *end;

	*vni = 0;
	if (!key)
		return 0;
	errno = 0;
	v = strtoull(key, &end, 0);
	if (errno || end == key || *end || v > 0xffffff) {
		say(msg, len, "options:key=%s is not a 24-bit VNI", key);
		return -EINVAL;
	}
	*vni = (uint32_t)v;
	return 0;
}

/* Refuse what srd-vswitchd would put in error: a name that cannot be a tap, an
 * address that cannot be an SRD peer or is not of this host's family. */
static int srd_usable(const char *iface, const struct tun_opts *t, const char *host_ip,
		      char *msg, size_t len)
{
	struct srd_config_addr remote, local;
	const char *mine = host_ip ? host_ip : t->local_ip;
	char why[160];

	if (!srd_config_name_ok(iface, SRD_CONFIG_IFNAME_MAX)) {
		say(msg, len, "%s cannot name a tap device (1..%u of a-z A-Z 0-9 . _ -): "
		    "rename the port first", iface, SRD_CONFIG_IFNAME_MAX);
		return -EINVAL;
	}
	if (srd_config_parse_addr(t->remote_ip, &remote, why, sizeof(why)) < 0) {
		say(msg, len, "options:remote_ip: %s", why);
		return -EINVAL;
	}
	if (mine && srd_config_parse_addr(mine, &local, why, sizeof(why)) == 0 &&
	    local.family != remote.family) {
		say(msg, len, "options:remote_ip=%s is not of the family of this host's "
		    "address %s", t->remote_ip, mine);
		return -EINVAL;
	}
	return 0;
}

static struct json_object *srd_pairs(const char *type, const struct tun_opts *t,
				     uint32_t vni, struct json_object *options)
{
	struct json_object *pairs = json_object_new_array(), *saved;
	char num[16];

	json_object_array_add(pairs, srd_ovsdb_pair("srd-remote-ip", t->remote_ip));
	if (vni) {
		snprintf(num, sizeof(num), "%u", vni);
		json_object_array_add(pairs, srd_ovsdb_pair("srd-vni", num));
	}
	json_object_array_add(pairs, srd_ovsdb_pair("srd-migrated-from", type));
	saved = json_object_get(options);
	json_object_array_add(pairs, srd_ovsdb_pair("srd-saved-options",
		json_object_to_json_string_ext(saved, JSON_C_TO_STRING_PLAIN)));
	json_object_put(saved);
	return pairs;
}

static int plan_forward(const struct srd_ovs_migrate_req *req, struct json_object *iface,
			struct json_object *ovs, struct json_object *ops, char *msg,
			size_t len)
{
	const char *uuid = srd_ovsdb_uuid(srd_ovsdb_col(iface, "_uuid"));
	const char *type = srd_ovsdb_string(srd_ovsdb_col(iface, "type"));
	struct json_object *options = srd_ovsdb_col(iface, "options");
	const char *host_ip = srd_ovsdb_map_get(srd_ovsdb_col(ovs, "external_ids"),
						"srd-local-ip");
	int64_t ofport = srd_ovsdb_integer(srd_ovsdb_col(iface, "ofport"), -1);
	int64_t request = srd_ovsdb_integer(srd_ovsdb_col(iface, "ofport_request"), -1);
	struct tun_opts t = { 0 };
	uint32_t vni;

	if (!is_tunnel(type)) {
		bool srd = srd_ovsdb_map_get(srd_ovsdb_col(iface, "external_ids"),
					     "srd-remote-ip");
		say(msg, len, srd ? "%s is already an SRD port" :
			"%s has type \"%s\": only vxlan and geneve interfaces are migrated",
		    req->iface, type ? type : "");
		return srd ? -EALREADY : -EINVAL;
	}
	if (read_options(options, &t, msg, len) < 0 || key_vni(t.key, &vni, msg, len) < 0 ||
	    srd_usable(req->iface, &t, host_ip, msg, len) < 0)
		return -EINVAL;
	json_object_array_add(ops, op_wait(uuid, iface));
	json_object_array_add(ops, op_update(uuid, "", empty_map(), request > 0 ? 0 : ofport));
	json_object_array_add(ops, op_srd_keys("Interface", uuid,
					       srd_pairs(type, &t, vni, options)));
	if (t.local_ip && !host_ip && srd_ovsdb_uuid(srd_ovsdb_col(ovs, "_uuid")))
		json_object_array_add(ops, op_local_ip(srd_ovsdb_uuid(srd_ovsdb_col(ovs, "_uuid")),
						       t.local_ip));
	else if (!t.local_ip && !host_ip)
		say(msg, len, "note: this host has no external_ids:srd-local-ip yet: the SRD "
		    "port stays down until it is set\n");
	else if (t.local_ip && host_ip && strcmp(host_ip, t.local_ip))
		say(msg, len, "note: options:local_ip=%s differs from this host's "
		    "srd-local-ip=%s, which SRD uses\n", t.local_ip, host_ip);
	if (!vni)
		say(msg, len, "note: no tunnel key: the SRD port uses VNI %u on both ends\n", 1u);
	say(msg, len, "%s: %s -> SRD port to %s, VNI %u%s", req->iface, type, t.remote_ip,
	    vni ? vni : 1u, ofport > 0 ? ", OpenFlow port kept" : "");
	return 0;
}

/* ---- revert ---- */

/* The map datum saved at migration, if it parses as one. */
static struct json_object *saved_options(struct json_object *ext)
{
	const char *s = srd_ovsdb_map_get(ext, "srd-saved-options");
	struct json_object *o = s ? json_tokener_parse(s) : NULL;

	if (o && !srd_ovsdb_map_get(o, "remote_ip")) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *rebuilt_options(struct json_object *ext)
{
	struct json_object *pairs = json_object_new_array(), *map = json_object_new_array();
	const char *vni = srd_ovsdb_map_get(ext, "srd-vni");

	json_object_array_add(pairs, srd_ovsdb_pair("remote_ip",
						    srd_ovsdb_map_get(ext, "srd-remote-ip")));
	if (vni)
		json_object_array_add(pairs, srd_ovsdb_pair("key", vni));
	json_object_array_add(map, json_object_new_string("map"));
	json_object_array_add(map, pairs);
	return map;
}

static int plan_revert(const struct srd_ovs_migrate_req *req, struct json_object *iface,
		       struct json_object *ops, char *msg, size_t len)
{
	const char *uuid = srd_ovsdb_uuid(srd_ovsdb_col(iface, "_uuid"));
	const char *type = srd_ovsdb_string(srd_ovsdb_col(iface, "type"));
	struct json_object *ext = srd_ovsdb_col(iface, "external_ids"), *options;
	const char *from = srd_ovsdb_map_get(ext, "srd-migrated-from");
	const char *to = is_tunnel(from) ? from : req->revert_type;

	if (!srd_ovsdb_map_get(ext, "srd-remote-ip") || (type && type[0] &&
							  strcmp(type, "system"))) {
		say(msg, len, "%s is not an SRD port (type \"%s\")", req->iface,
		    type ? type : "");
		return -EALREADY;
	}
	if (!is_tunnel(to)) {
		say(msg, len, "--type must be vxlan or geneve, not \"%s\"", to ? to : "");
		return -EINVAL;
	}
	options = saved_options(ext);
	if (!options)
		options = rebuilt_options(ext);
	json_object_array_add(ops, op_wait(uuid, iface));
	json_object_array_add(ops, op_update(uuid, to, options, 0));
	json_object_array_add(ops, op_srd_keys("Interface", uuid, NULL));
	say(msg, len, "%s: SRD -> %s to %s", req->iface, to,
	    srd_ovsdb_map_get(ext, "srd-remote-ip"));
	return 0;
}

int srd_ovs_migrate_plan(const struct srd_ovs_migrate_req *req,
			 struct json_object *iface, struct json_object *ovs,
			 struct json_object **ops, char *msg, size_t msg_len)
{
	struct json_object *arr = json_object_new_array();
	int err;

	msg[0] = 0;
	if (!arr)
		return -ENOMEM;
	if (!srd_ovsdb_uuid(srd_ovsdb_col(iface, "_uuid"))) {
		json_object_put(arr);
		say(msg, msg_len, "%s: the row has no _uuid", req->iface);
		return -EINVAL;
	}
	json_object_array_add(arr, json_object_new_string("Open_vSwitch"));
	err = req->revert ? plan_revert(req, iface, arr, msg, msg_len) :
			    plan_forward(req, iface, ovs, arr, msg, msg_len);
	if (err) {
		json_object_put(arr);
		return err;
	}
	json_object_array_add(arr, op_comment(req));
	*ops = arr;
	return 0;
}
