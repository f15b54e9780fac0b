/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ovs.c: OVSDB mode without a server: the JSON-RPC stream (ctl/ovsdb.h), datums
 * and the replica (ctl/ovsdb_data.h), rows -> configuration (ctl/ovs_conf.h) and
 * the migration plan (ctl/ovs_migrate.h). tests/cli/srdctl_ovs.sh and tests/ovs/ run
 * the same code against a real ovsdb-server.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/ovs_conf.h"
#include "ctl/ovs_migrate.h"
#include "ctl/ovsdb.h"
#include "ctl/ovsdb_data.h"
#include "tests/check.h"

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"
#define U3 "33333333-3333-3333-3333-333333333333"
#define U4 "44444444-4444-4444-4444-444444444444"
#define UO "00000000-0000-0000-0000-00000000000a"
#define PSK "3f8a9c0d1e2b4a6f7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

static struct srd_config *base, *cfg;
static struct srd_ovs_view *view;

static struct json_object *parse(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	CHECK(o != NULL);
	return o;
}

/* ---- the stream ---- */

static void next__split_messages(void)
{
	static const char text[] =
		"{\"id\":1,\"result\":{},\"error\":null}  {\"method\":\"update\","
		"\"params\":[\"x\",{}],\"id\":null}{\"id\":2,\"result\":[1,2]}";
	struct srd_ovsdb *c = srd_ovsdb_new_unconnected();
	struct json_object *msg;
	size_t i;
	int got = 0, r;

	for (i = 0; i < sizeof(text) - 1; i++) {       /* one byte at a time */
		CHECK_EQ(srd_ovsdb_feed(c, text + i, 1), 0);
		while ((r = srd_ovsdb_next(c, &msg)) == 1) {
			got++;
			json_object_put(msg);
		}
		CHECK_EQ(r, 0);
	}
	CHECK_EQ(got, 3);
	srd_ovsdb_close(c);
}

static void next__echo_is_answered(void)
{
	static const char echo[] = "{\"method\":\"echo\",\"params\":[\"hi\"],\"id\":\"echo\"}";
	struct srd_ovsdb *c = srd_ovsdb_new_unconnected();
	struct json_object *msg = NULL;

	CHECK_EQ(srd_ovsdb_feed(c, echo, strlen(echo)), 0);
	CHECK_EQ(srd_ovsdb_next(c, &msg), 0);       /* not handed to the caller */
	CHECK(srd_ovsdb_want_write(c));             /* the reply is queued */
	srd_ovsdb_close(c);
}

static void next__garbage_and_non_objects(void)
{
	struct srd_ovsdb *c = srd_ovsdb_new_unconnected();
	struct json_object *msg;

	CHECK_EQ(srd_ovsdb_feed(c, "]", 1), 0);
	CHECK_EQ(srd_ovsdb_next(c, &msg), -EPROTO);
	srd_ovsdb_close(c);
	c = srd_ovsdb_new_unconnected();
	CHECK_EQ(srd_ovsdb_feed(c, "[1,2] ", 6), 0);
	CHECK_EQ(srd_ovsdb_next(c, &msg), -EPROTO);
	srd_ovsdb_close(c);
}

static void open__bad_remotes(void)
{
	struct srd_ovsdb *c;
	char err[128];

	CHECK_EQ(srd_ovsdb_open("ssl:1.2.3.4:6640", &c, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not a remote") != NULL);
	CHECK_EQ(srd_ovsdb_open("tcp:nohost", &c, err, sizeof(err)), -EINVAL);
	CHECK(srd_ovsdb_open("unix:/nonexistent/db.sock", &c, err, sizeof(err)) < 0);
	CHECK(strstr(err, "/nonexistent/db.sock") != NULL);
}

/* ---- datums and the replica ---- */

static void datum__readers(void)
{
	struct json_object *map = parse("[\"map\",[[\"a\",\"1\"],[\"b\",\"2\"],[3,\"x\"]]]");
	struct json_object *set1 = parse("[\"set\",[7]]"), *set0 = parse("[\"set\",[]]");
	struct json_object *u = parse("[\"uuid\",\"" U1 "\"]"), *s = parse("\"str\"");

	CHECK(!strcmp(srd_ovsdb_map_get(map, "b"), "2"));
	CHECK(srd_ovsdb_map_get(map, "c") == NULL);
	CHECK(srd_ovsdb_map_get(set1, "a") == NULL);
	CHECK_EQ(srd_ovsdb_integer(set1, -1), 7);
	CHECK_EQ(srd_ovsdb_integer(set0, -1), -1);
	CHECK(!strcmp(srd_ovsdb_uuid(u), U1));
	CHECK(srd_ovsdb_uuid(s) == NULL);
	CHECK(!strcmp(srd_ovsdb_string(s), "str"));
	CHECK(srd_ovsdb_string(set0) == NULL);
	json_object_put(map);
	json_object_put(set1);
	json_object_put(set0);
	json_object_put(u);
	json_object_put(s);
}

static void replica__insert_modify_delete(void)
{
	struct json_object *r = srd_ovsdb_replica_new(), *up, *rows, *row;

	up = parse("{\"Interface\":{\"" U1 "\":{\"new\":{\"name\":\"a\",\"type\":\"\"}}}}");
	CHECK_EQ(srd_ovsdb_replica_apply(r, up), 0);
	json_object_put(up);
	up = parse("{\"Interface\":{\"" U1 "\":{\"old\":{\"type\":\"\"},\"new\":{\"type\":\"vxlan\"}}}}");
	CHECK_EQ(srd_ovsdb_replica_apply(r, up), 0);
	json_object_put(up);
	rows = srd_ovsdb_replica_table(r, "Interface");
	CHECK(json_object_object_get_ex(rows, U1, &row));
	CHECK(!strcmp(srd_ovsdb_string(srd_ovsdb_col(row, "name")), "a"));   /* kept */
	CHECK(!strcmp(srd_ovsdb_string(srd_ovsdb_col(row, "type")), "vxlan")); /* merged */
	up = parse("{\"Interface\":{\"" U1 "\":{\"old\":{}}}}");
	CHECK_EQ(srd_ovsdb_replica_apply(r, up), 0);
	json_object_put(up);
	CHECK_EQ(json_object_object_length(rows), 0);
	up = parse("{\"Interface\":{\"short\":{\"new\":{}}}}");
	CHECK_EQ(srd_ovsdb_replica_apply(r, up), -EPROTO);
	json_object_put(up);
	up = parse("[1]");
	CHECK_EQ(srd_ovsdb_replica_apply(r, up), -EPROTO);
	json_object_put(up);
	json_object_put(r);
}

/* ---- translation ---- */

/* A replica with the Open_vSwitch row's external_ids and Interface rows. */
static struct json_object *db(const char *ovs_ext, const char *ifaces)
{
	char text[4096];
	struct json_object *r = srd_ovsdb_replica_new(), *up;

	snprintf(text, sizeof(text), "{\"Open_vSwitch\":{\"" UO "\":{\"new\":"
		 "{\"external_ids\":[\"map\",[%s]]}}},\"Interface\":{%s}}", ovs_ext, ifaces);
	up = parse(text);
	CHECK_EQ(srd_ovsdb_replica_apply(r, up), 0);
	json_object_put(up);
	return r;
}

#define HOST "[\"srd-local-ip\",\"198.18.1.1\"],[\"srd-psk-file\",\"/etc/srdvs/psk\"]"
#define IFACE(u, name, ext) \
	"\"" u "\":{\"new\":{\"name\":\"" name "\",\"type\":\"\",\"external_ids\":" \
	"[\"map\",[" ext "]]}}"

static const struct srd_ovs_iface *iface(const char *name)
{
	uint32_t i;

	for (i = 0; i < view->n_ifaces; i++)
		if (!strcmp(view->ifaces[i].name, name))
			return &view->ifaces[i];
	return NULL;
}

static const char *err_of(const char *name)
{
	const struct srd_ovs_iface *f = iface(name);

	return f ? f->error : "(no such row)";
}

static int p2p_of(const char *name)
{
	const struct srd_ovs_iface *f = iface(name);

	return f ? f->p2p : -2;
}

static void translate__host_missing(void)
{
	struct json_object *r = db("", IFACE(U1, "srd-b", "[\"srd-remote-ip\",\"198.18.2.1\"]"));

	CHECK_EQ(srd_ovs_translate(r, base, NULL, cfg, view), 0);
	CHECK(!view->host_ok);
	CHECK(strstr(view->host_error, "srd-local-ip is not set") != NULL);
	CHECK_EQ(cfg->n_peers, 0);
	CHECK_EQ(view->n_ifaces, 1);
	CHECK_EQ(view->ifaces[0].p2p, -1);
	CHECK(strstr(view->ifaces[0].error, "host not ready") != NULL);
	json_object_put(r);
}

static void translate__host_keys(void)
{
	struct json_object *r = db("[\"srd-local-ip\",\"198.18.1.1\"],[\"srd-psk\",\"" PSK "\"],"
				   "[\"srd-udp-port\",\"4797\"],[\"srd-paths\",\"8\"]", "");

	CHECK_EQ(srd_ovs_translate(r, base, NULL, cfg, view), 0);
	CHECK(view->host_ok);
	CHECK(cfg->host.psk_inline);
	CHECK_EQ(cfg->host.psk[0], 0x3f);
	CHECK_EQ(cfg->host.port, 4797);
	CHECK_EQ(cfg->host.paths, 8);
	CHECK(!strcmp(view->ovs_uuid, UO));
	json_object_put(r);
	r = db("[\"srd-local-ip\",\"198.18.1.1\"],[\"srd-psk\",\"x\"],[\"srd-psk-file\",\"/k\"]", "");
	srd_ovs_translate(r, base, NULL, cfg, view);
	CHECK(strstr(view->host_error, "both set") != NULL);
	json_object_put(r);
	r = db("[\"srd-local-ip\",\"224.0.0.1\"],[\"srd-psk-file\",\"/k\"]", "");
	srd_ovs_translate(r, base, NULL, cfg, view);
	CHECK(strstr(view->host_error, "multicast") != NULL);
	json_object_put(r);
	r = db(HOST ",[\"srd-udp-port\",\"70000\"]", "");
	srd_ovs_translate(r, base, NULL, cfg, view);
	CHECK(strstr(view->host_error, "srd-udp-port: \"70000\" is not a number in 1..65535")
	      != NULL);
	json_object_put(r);
}

static void translate__rows_share_peers(void)
{
	struct json_object *r = db(HOST,
		IFACE(U1, "srd-b1", "[\"srd-remote-ip\",\"198.18.2.1\"],[\"srd-vni\",\"5\"]") ","
		IFACE(U2, "srd-b2", "[\"srd-remote-ip\",\"198.18.2.1\"],[\"srd-vni\",\"6\"]") ","
		IFACE(U3, "srd-c", "[\"srd-remote-ip\",\"198.18.3.1\"],[\"srd-mtu\",\"1400\"]") ","
		"\"" U4 "\":{\"new\":{\"name\":\"eth0\",\"type\":\"\",\"external_ids\":[\"map\",[]]}}");

	CHECK_EQ(srd_ovs_translate(r, base, NULL, cfg, view), 0);
	CHECK_EQ(view->n_ifaces, 3);                  /* eth0 is not an SRD row */
	CHECK_EQ(cfg->n_peers, 2);
	CHECK_EQ(cfg->n_p2p, 3);
	CHECK(!strcmp(cfg->peers[0].name, "198.18.2.1"));
	CHECK_EQ(cfg->peers[0].vnis.n, 2);
	CHECK_EQ(cfg->p2p[p2p_of("srd-c")].vni, SRD_OVS_DEFAULT_VNI);
	CHECK_EQ(cfg->p2p[p2p_of("srd-c")].mtu, 1400);
	CHECK_EQ(cfg->p2p[p2p_of("srd-b1")].mtu, SRD_OVS_DEFAULT_MTU);
	CHECK_EQ(cfg->peers[1].paths, 16);
	json_object_put(r);
}

static void translate__bad_rows_alone_fail(void)
{
	struct json_object *r = db(HOST,
		IFACE(U1, "good", "[\"srd-remote-ip\",\"198.18.2.1\"]") ","
		IFACE(U2, "bad-ip", "[\"srd-remote-ip\",\"198.18.2\"]") ","
		IFACE(U3, "a-name-far-too-long", "[\"srd-remote-ip\",\"198.18.3.1\"]") ","
		IFACE(U4, "self", "[\"srd-remote-ip\",\"198.18.1.1\"]"));

	CHECK_EQ(srd_ovs_translate(r, base, NULL, cfg, view), 0);
	CHECK(p2p_of("good") >= 0);
	CHECK(strstr(err_of("bad-ip"), "srd-remote-ip") != NULL);
	CHECK(strstr(err_of("self"), "own srd-local-ip") != NULL);
	CHECK_EQ(cfg->n_p2p, 1);
	CHECK_EQ(cfg->n_peers, 1);
	json_object_put(r);
}

static void translate__running_port_wins_conflict(void)
{
	struct json_object *r = db(HOST,
		IFACE(U1, "zz-old", "[\"srd-remote-ip\",\"198.18.2.1\"],[\"srd-vni\",\"9\"]") ","
		IFACE(U2, "aa-new", "[\"srd-remote-ip\",\"198.18.2.1\"],[\"srd-vni\",\"9\"]"));
	struct srd_config *running = malloc(sizeof(*running));

	CHECK_EQ(srd_ovs_translate(r, base, NULL, cfg, view), 0);
	CHECK(p2p_of("aa-new") >= 0);             /* no port runs: name order */
	CHECK(strstr(err_of("zz-old"), "already carried by aa-new") != NULL);
	*running = *cfg;
	snprintf(running->p2p[0].name, sizeof(running->p2p[0].name), "zz-old");
	CHECK_EQ(srd_ovs_translate(r, base, running, cfg, view), 0);
	CHECK(p2p_of("zz-old") >= 0);             /* the running one stays */
	CHECK(p2p_of("aa-new") < 0);
	free(running);
	json_object_put(r);
}

static void translate__paths_conflict_and_type(void)
{
	struct json_object *r = db(HOST,
		IFACE(U1, "p1", "[\"srd-remote-ip\",\"198.18.2.1\"],[\"srd-paths\",\"4\"]") ","
		IFACE(U2, "p2", "[\"srd-remote-ip\",\"198.18.2.1\"],[\"srd-vni\",\"2\"]") ","
		"\"" U3 "\":{\"new\":{\"name\":\"vx\",\"type\":\"vxlan\",\"external_ids\":"
		"[\"map\",[[\"srd-remote-ip\",\"198.18.3.1\"]]]}}");

	CHECK_EQ(srd_ovs_translate(r, base, NULL, cfg, view), 0);
	CHECK(p2p_of("p1") >= 0);
	CHECK(strstr(err_of("p2"), "srd-paths: 16, but another port") != NULL);
	CHECK(strstr(err_of("vx"), "system port") != NULL);
	json_object_put(r);
}

/* ---- migration ---- */

static struct json_object *tunnel_row(const char *type, const char *options)
{
	char text[1024];

	snprintf(text, sizeof(text), "{\"_uuid\":[\"uuid\",\"" U1 "\"],\"name\":\"vx0\","
		 "\"type\":\"%s\",\"options\":[\"map\",[%s]],\"external_ids\":[\"map\",[]],"
		 "\"ofport\":3,\"ofport_request\":[\"set\",[]]}", type, options);
	return parse(text);
}

static const struct srd_ovs_migrate_req fwd = { .iface = "vx0" };

/* The op of the given kind in a plan. */
static struct json_object *op_of(struct json_object *ops, const char *kind)
{
	size_t i;

	for (i = 1; i < json_object_array_length(ops); i++) {
		struct json_object *op = json_object_array_get_idx(ops, i), *k;

		if (json_object_object_get_ex(op, "op", &k) &&
		    !strcmp(json_object_get_string(k), kind))
			return op;
	}
	return NULL;
}

static void migrate__vxlan_to_srd(void)
{
	struct json_object *row = tunnel_row("vxlan", "[\"remote_ip\",\"198.18.2.1\"],"
		"[\"key\",\"0x2a\"],[\"local_ip\",\"198.18.1.1\"],[\"tos\",\"inherit\"]");
	struct json_object *ovs = parse("{\"_uuid\":[\"uuid\",\"" UO "\"],"
					"\"external_ids\":[\"map\",[]]}");
	struct json_object *ops = NULL, *upd, *r, *m;
	char msg[1024];
	const char *text;

	CHECK_EQ(srd_ovs_migrate_plan(&fwd, row, ovs, &ops, msg, sizeof(msg)), 0);
	CHECK(strstr(msg, "VNI 42") != NULL);
	CHECK(strstr(msg, "options:tos=inherit is not carried over") != NULL);
	upd = op_of(ops, "update");
	CHECK(json_object_object_get_ex(upd, "row", &r));
	CHECK(!strcmp(srd_ovsdb_string(srd_ovsdb_col(r, "type")), ""));
	CHECK_EQ(srd_ovsdb_integer(srd_ovsdb_col(r, "ofport_request"), -1), 3);
	CHECK(op_of(ops, "wait") != NULL);
	m = op_of(ops, "mutate");
	text = json_object_to_json_string(m);
	CHECK(strstr(text, "srd-remote-ip") && strstr(text, "\"42\""));
	text = json_object_to_json_string(ops);
	CHECK(strstr(text, "Open_vSwitch") && strstr(text, "srd-local-ip"));
	json_object_put(ops);
	json_object_put(row);
	json_object_put(ovs);
}

static void migrate__refusals(void)
{
	struct json_object *row = tunnel_row("vxlan", "[\"remote_ip\",\"flow\"]"), *ops;
	char msg[1024];

	CHECK_EQ(srd_ovs_migrate_plan(&fwd, row, NULL, &ops, msg, sizeof(msg)), -EINVAL);
	CHECK(strstr(msg, "remote_ip=flow") != NULL);
	json_object_put(row);
	row = tunnel_row("gre", "[\"remote_ip\",\"198.18.2.1\"]");
	CHECK_EQ(srd_ovs_migrate_plan(&fwd, row, NULL, &ops, msg, sizeof(msg)), -EINVAL);
	json_object_put(row);
	row = tunnel_row("geneve", "[\"remote_ip\",\"198.18.2.1\"],[\"key\",\"16777216\"]");
	CHECK_EQ(srd_ovs_migrate_plan(&fwd, row, NULL, &ops, msg, sizeof(msg)), -EINVAL);
	CHECK(strstr(msg, "24-bit") != NULL);
	json_object_put(row);
	row = tunnel_row("vxlan", "[\"key\",\"5\"]");
	CHECK_EQ(srd_ovs_migrate_plan(&fwd, row, NULL, &ops, msg, sizeof(msg)), -EINVAL);
	json_object_put(row);
	row = tunnel_row("vxlan", "[\"remote_ip\",\"198.18.999.1\"]");
	CHECK_EQ(srd_ovs_migrate_plan(&fwd, row, NULL, &ops, msg, sizeof(msg)), -EINVAL);
	CHECK(strstr(msg, "options:remote_ip") != NULL);
	json_object_put(row);
	row = tunnel_row("vxlan", "[\"remote_ip\",\"2001:db8::2\"],[\"local_ip\",\"198.18.1.1\"]");
	CHECK_EQ(srd_ovs_migrate_plan(&fwd, row, NULL, &ops, msg, sizeof(msg)), -EINVAL);
	CHECK(strstr(msg, "family") != NULL);
	json_object_put(row);
	row = tunnel_row("vxlan", "[\"remote_ip\",\"198.18.2.1\"]");
	{
		const struct srd_ovs_migrate_req longname = { .iface = "vxlan-to-rack-b-17" };

		CHECK_EQ(srd_ovs_migrate_plan(&longname, row, NULL, &ops, msg, sizeof(msg)),
			 -EINVAL);
		CHECK(strstr(msg, "cannot name a tap") != NULL);
	}
	json_object_put(row);
}

static void migrate__revert_restores_saved(void)
{
	static const struct srd_ovs_migrate_req rev = { .iface = "vx0", .revert = true,
							.revert_type = "vxlan" };
	struct json_object *row = parse("{\"_uuid\":[\"uuid\",\"" U1 "\"],\"type\":\"\","
		"\"options\":[\"map\",[]],\"external_ids\":[\"map\",[[\"srd-remote-ip\","
		"\"198.18.2.1\"],[\"srd-migrated-from\",\"geneve\"],[\"srd-saved-options\","
		"\"[\\\"map\\\",[[\\\"remote_ip\\\",\\\"198.18.2.1\\\"],[\\\"key\\\",\\\"7\\\"]]]\"]]]}");
	struct json_object *ops = NULL, *r;
	char msg[512];

	CHECK_EQ(srd_ovs_migrate_plan(&rev, row, NULL, &ops, msg, sizeof(msg)), 0);
	CHECK(strstr(msg, "SRD -> geneve") != NULL);
	CHECK(json_object_object_get_ex(op_of(ops, "update"), "row", &r));
	CHECK(!strcmp(srd_ovsdb_string(srd_ovsdb_col(r, "type")), "geneve"));
	CHECK(!strcmp(srd_ovsdb_map_get(srd_ovsdb_col(r, "options"), "key"), "7"));
	json_object_put(ops);
	CHECK_EQ(srd_ovs_migrate_plan(&fwd, row, NULL, &ops, msg, sizeof(msg)), -EALREADY);
	json_object_put(row);
}

int main(void)
{
	char err[512];

	base = malloc(sizeof(*base));
	cfg = malloc(sizeof(*cfg));
	view = malloc(sizeof(*view));
	if (!base || !cfg || !view ||
	    srd_config_parse_ex("", 0, "-", SRD_CONFIG_OVSDB, base, err, sizeof(err)))
		SKIP("no memory or no default configuration");
	RUN(next__split_messages);
	RUN(next__echo_is_answered);
	RUN(next__garbage_and_non_objects);
	RUN(open__bad_remotes);
	RUN(datum__readers);
	RUN(replica__insert_modify_delete);
	RUN(translate__host_missing);
	RUN(translate__host_keys);
	RUN(translate__rows_share_peers);
	RUN(translate__bad_rows_alone_fail);
	RUN(translate__running_port_wins_conflict);
	RUN(translate__paths_conflict_and_type);
	RUN(migrate__vxlan_to_srd);
	RUN(migrate__refusals);
	RUN(migrate__revert_restores_saved);
	free(base);
	free(cfg);
	free(view);
	return check_exit();
}
