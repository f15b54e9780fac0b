// SPDX-License-Identifier: Apache-2.0
/*
 * dp_ovs.c: OVSDB mode: follow Open_vSwitch and Interface in ovsdb-server and keep
 * the datapath equal to what they ask for (dp_ovs.h, ctl/ovs_conf.h, docs/ovs.md).
 *
 * Reconciling is level-triggered: whatever changed, the whole replica is translated
 * again (ctl/ovs_conf.c) into a struct srd_config, and when that differs from the
 * running one it is applied through the same code as a reload (dp_reload.c), which
 * touches only the peers and ports that changed. The underlay link follows the host
 * settings (dp_link.c). Then the status of every row is compared with what the
 * datapath does and fixed where it differs (dp_ovs_status.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "ctl/ovsdb.h"
#include "ctl/ovsdb_data.h"
#include "vswitch/dp_int.h"
#include "vswitch/dp_ovs.h"

static void ovs_input(void *user, int fd);

/* ---- connection ---- */

static void disconnect(struct srd_dp *dp, const char *why, int err)
{
	struct dp_ovs *o = dp->ovs;

	if (o->conn) {
		srd_loop_del(dp->loop, srd_ovsdb_fd(o->conn));
		srd_ovsdb_close(o->conn);
		o->conn = NULL;
		o->cnt.disconnects++;
		srd_warn("ovsdb %s: %s (%s); the datapath keeps its configuration, "
			 "reconnecting", o->remote, why, strerror(-err));
	}
	snprintf(o->last_error, sizeof(o->last_error), "%s: %s", why, strerror(-err));
	o->synced = false;
	o->inflight = 0;
	o->next_connect = dp->now + o->backoff_ns;
	o->backoff_ns = o->backoff_ns * 2 > DP_OVS_BACKOFF_MAX_NS ?
			DP_OVS_BACKOFF_MAX_NS : o->backoff_ns * 2;
	o->next_flush = UINT64_MAX;
}

/* {"columns": [...]} for one table of the monitor request. */
static struct json_object *columns(const char *const *cols)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "columns", srd_ovsdb_strings(cols));
	return req;
}

static int send_monitor(struct dp_ovs *o)
{
	static const char *const ovs_cols[] = { "external_ids", NULL };
	static const char *const if_cols[] = { "name", "type", "external_ids", NULL };
	struct json_object *params = json_object_new_array(), *reqs = json_object_new_object();

	json_object_object_add(reqs, "Open_vSwitch", columns(ovs_cols));
	json_object_object_add(reqs, "Interface", columns(if_cols));
	json_object_array_add(params, json_object_new_string(SRD_OVSDB_DB));
	json_object_array_add(params, json_object_new_string("srd-vswitchd"));
	json_object_array_add(params, reqs);
	return srd_ovsdb_request(o->conn, "monitor", params, &o->monitor_id);
}

static void try_connect(struct srd_dp *dp)
{
	struct dp_ovs *o = dp->ovs;
	char why[256] = "";
	int err;

	err = srd_ovsdb_open(o->remote, &o->conn, why, sizeof(why));
	if (err < 0) {
		o->conn = NULL;
		if (!o->last_error[0])        /* once per outage, not per retry */
			srd_warn("ovsdb: cannot connect to %s: %s; retrying", o->remote,
				 why[0] ? why : strerror(-err));
		disconnect(dp, "cannot connect", err);
		return;
	}
	json_object_put(o->replica);
	o->replica = srd_ovsdb_replica_new();
	err = o->replica ? send_monitor(o) : -ENOMEM;
	if (!err)
		err = srd_loop_add(dp->loop, srd_ovsdb_fd(o->conn), ovs_input, dp);
	if (!err)
		err = srd_ovsdb_flush(o->conn);
	if (err < 0)
		disconnect(dp, "cannot start the monitor", err);
}

/* ---- reconciling ---- */

/* Without a link no row can work: say why in every verdict. */
static void unlinked_verdicts(struct dp_ovs *o, const char *why)
{
	uint32_t i;

	for (i = 0; i < o->view->n_ifaces; i++) {
		o->view->ifaces[i].p2p = -1;
		snprintf(o->view->ifaces[i].error, sizeof(o->view->ifaces[i].error),
			 "host not ready: %.180s", why);
	}
	o->want->n_peers = o->want->n_p2p = 0;
	o->want->host.underlay.family = 0;
}

static void sync_link(struct srd_dp *dp)
{
	struct dp_ovs *o = dp->ovs;
	char *why = NULL;

	o->link_error[0] = 0;
	if (!o->view->host_ok)
		o->want->host.underlay.family = 0;   /* unlink: the host has no identity */
	if (dp_link_sync(dp, o->want, &why) < 0) {
		snprintf(o->link_error, sizeof(o->link_error), "%s", why ? why : "underlay");
		srd_err("ovsdb: cannot open the underlay: %s", o->link_error);
		unlinked_verdicts(o, o->link_error);
	} else if (!o->view->host_ok) {
		unlinked_verdicts(o, o->view->host_error);
	} else if (o->want->host.psk_inline && !(dp->configured && dp->cfg->host.psk_inline)) {
		srd_warn("ovsdb: the key comes from external_ids:srd-psk, which every OVSDB "
			 "client can read; prefer srd-psk-file (docs/security.md §7)");
	}
	free(why);
}

/* Bring the datapath to what the replica asks. force: apply even when the wanted
 * configuration equals the running one (a tap or the underlay failed before and is
 * retried). Returns what applying returned, -EINVAL when it was refused. */
static int reconcile(struct srd_dp *dp, bool force)
{
	struct dp_ovs *o = dp->ovs;
	int err;

	o->dirty = false;
	err = srd_ovs_translate(o->replica, o->base, dp->configured ? dp->cfg : NULL,
				o->want, o->view);
	if (err == -ENOMEM) {
		srd_err("ovsdb: out of memory translating the rows");
		return err;
	}
	if (err == -E2BIG)
		srd_log_rl(&dp->rl, dp->now, SRD_LOG_WARN,
			   "ovsdb: more than %u SRD interfaces; the rest are ignored",
			   SRD_CONFIG_MAX_P2P);
	free(o->apply_errors);
	o->apply_errors = NULL;
	if (dp_config_check(dp, o->want, &o->apply_errors) < 0) {
		srd_log_rl(&dp->rl, dp->now, SRD_LOG_ERR, "ovsdb: configuration refused:\n%s",
			   o->apply_errors ? o->apply_errors : "");
		return -EINVAL;          /* nothing changed, not even the link */
	}
	sync_link(dp);
	err = 0;
	if (force || !dp->configured || memcmp(o->want, dp->cfg, sizeof(*o->want))) {
		err = dp_apply_config(dp, o->want, &o->apply_errors);
		if (err < 0)
			srd_err("ovsdb: applying the configuration:\n%s",
				o->apply_errors ? o->apply_errors : "");
		o->cnt.reconciles++;
	}
	dp_ovs_status_sync(dp);
	return err;
}

/* ---- messages ---- */

static int64_t msg_id(struct json_object *msg)
{
	struct json_object *id;

	if (!json_object_object_get_ex(msg, "id", &id) || !json_object_is_type(id, json_type_int))
		return -1;
	return json_object_get_int64(id);
}

/* The monitor's reply: the initial contents. */
static int on_monitor_reply(struct srd_dp *dp, struct json_object *msg)
{
	struct dp_ovs *o = dp->ovs;
	struct json_object *res, *err;

	if (json_object_object_get_ex(msg, "error", &err) && err) {
		srd_err("ovsdb %s: monitor refused: %s", o->remote,
			json_object_to_json_string_ext(err, JSON_C_TO_STRING_PLAIN));
		return -EREMOTEIO;
	}
	if (!json_object_object_get_ex(msg, "result", &res) ||
	    srd_ovsdb_replica_apply(o->replica, res) < 0)
		return -EPROTO;
	o->synced = true;
	o->dirty = true;
	o->backoff_ns = DP_OVS_BACKOFF_MIN_NS;
	o->cnt.connects++;
	o->last_error[0] = 0;
	srd_info("ovsdb %s: connected, monitoring Open_vSwitch and Interface", o->remote);
	return 0;
}

/* A status transaction's reply: one result per operation, errors inside. */
static void on_txn_reply(struct srd_dp *dp, struct json_object *msg)
{
	struct dp_ovs *o = dp->ovs;
	struct json_object *res, *e;
	size_t i, n;

	if (o->inflight)
		o->inflight--;            /* differences left are written at the next tick */
	if (!json_object_object_get_ex(msg, "result", &res) ||
	    !json_object_is_type(res, json_type_array)) {
		o->cnt.txn_errors++;
		return;
	}
	n = json_object_array_length(res);
	for (i = 0; i < n; i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(res, i), "error", &e))
			continue;
		o->cnt.txn_errors++;
		srd_log_rl(&dp->rl, dp->now, SRD_LOG_WARN, "ovsdb: status write failed: %s",
			   json_object_to_json_string_ext(json_object_array_get_idx(res, i),
							  JSON_C_TO_STRING_PLAIN));
		return;
	}
}

/* An "update" notification: params [monitor-id, table-updates]. */
static int on_update(struct dp_ovs *o, struct json_object *msg)
{
	struct json_object *params;

	if (!json_object_object_get_ex(msg, "params", &params) ||
	    !json_object_is_type(params, json_type_array) ||
	    json_object_array_length(params) != 2 ||
	    srd_ovsdb_replica_apply(o->replica, json_object_array_get_idx(params, 1)) < 0)
		return -EPROTO;
	o->cnt.updates++;
	o->dirty = true;
	return 0;
}

static int on_message(struct srd_dp *dp, struct json_object *msg)
{
	struct dp_ovs *o = dp->ovs;
	struct json_object *method;
	int64_t id = msg_id(msg);

	if (json_object_object_get_ex(msg, "method", &method)) {
		if (json_object_is_type(method, json_type_string) &&
		    !strcmp(json_object_get_string(method), "update") && o->synced)
			return on_update(o, msg);
		return 0;                 /* other notifications: not ours */
	}
	if (id == o->monitor_id && !o->synced)
		return on_monitor_reply(dp, msg);
	on_txn_reply(dp, msg);
	return 0;
}

/* What a received message is, for the debug log (never its contents: srd-psk). */
static void log_message(struct json_object *msg)
{
	struct json_object *m;

	if (!srd_log_enabled(SRD_LOG_DEBUG))
		return;
	if (json_object_object_get_ex(msg, "method", &m))
		srd_dbg("ovsdb: received %s", json_object_get_string(m));
	else
		srd_dbg("ovsdb: received the reply to %lld", (long long)msg_id(msg));
}

/* Read and handle what the server sent, DP_OVS_MSGS_PER_TURN messages at most; more
 * left in the buffer (where epoll cannot see them) sets o->more for the next turn. */
static void ovs_read(struct srd_dp *dp)
{
	struct dp_ovs *o = dp->ovs;
	struct json_object *msg;
	unsigned n = 0;
	int ret = 0;

	o->more = false;
	while ((ret = srd_ovsdb_recv(o->conn, &msg)) == 1) {
		log_message(msg);
		ret = on_message(dp, msg);
		json_object_put(msg);
		if (ret < 0)
			break;
		if (++n == DP_OVS_MSGS_PER_TURN) {
			o->more = true;
			break;
		}
	}
	if (ret < 0) {
		disconnect(dp, ret == -EPIPE ? "connection closed" : "bad message", ret);
		return;
	}
	if (o->dirty && o->synced && !o->more)
		reconcile(dp, false);
}

static void ovs_input(void *user, int fd)
{
	struct srd_dp *dp = user;

	(void)fd;
	dp->now = srd_now_ns();
	ovs_read(dp);
}

/* ---- the datapath's side ---- */

static void flush(struct srd_dp *dp)
{
	struct dp_ovs *o = dp->ovs;
	int err;

	o->next_flush = UINT64_MAX;
	if (!o->conn)
		return;
	err = srd_ovsdb_flush(o->conn);
	if (err < 0)
		disconnect(dp, "send failed", err);
	else if (srd_ovsdb_want_write(o->conn))
		o->next_flush = dp->now + DP_OVS_FLUSH_RETRY_NS;
}

/* An underlay that would not open, or a placed row without its tap: retry them. */
static bool needs_retry(const struct srd_dp *dp)
{
	const struct dp_ovs *o = dp->ovs;
	uint32_t i;

	if (o->link_error[0])
		return true;
	for (i = 0; i < o->view->n_ifaces; i++)
		if (o->view->ifaces[i].p2p >= 0 && dp_port_by_name(dp, o->view->ifaces[i].name) < 0)
			return true;
	return false;
}

/* Keep the SRD taps up: ovs-vswitchd attaching a tap in the moment it is created
 * can write back flags it read before the daemon set IFF_UP (srd_tap_ensure_up). */
static void taps_up(struct srd_dp *dp)
{
	unsigned i;

	for (i = 0; i < dp->port_hw; i++) {
		struct dp_port *p = &dp->ports[i];

		if (p->used && p->p2p && srd_tap_ensure_up(p->port) == 1)
			srd_log_rl(&dp->rl, dp->now, SRD_LOG_INFO,
				   "tap %s was down (taken down while it was created?): "
				   "set up again", p->name);
	}
}

void dp_ovs_run(struct srd_dp *dp)
{
	struct dp_ovs *o = dp->ovs;

	if (!o)
		return;
	if (!o->conn && o->next_connect <= dp->now)
		try_connect(dp);
	if (o->conn && o->more)
		ovs_read(dp);
	if (o->next_status <= dp->now) {
		o->next_status = dp->now + DP_OVS_STATUS_NS;
		taps_up(dp);
		if (o->inflight && dp->now - o->inflight_since > DP_OVS_TXN_TIMEOUT_NS) {
			srd_warn("ovsdb: no reply to a status write in %llu s: writing again",
				 DP_OVS_TXN_TIMEOUT_NS / 1000000000ull);
			o->inflight = 0;
		}
		if (o->synced && needs_retry(dp) && dp->now >= o->retry_at) {
			o->retry_at = dp->now + DP_OVS_RETRY_NS;
			reconcile(dp, true);
		}
		if (o->synced)
			dp_ovs_status_sync(dp);
	}
	if (o->conn)
		flush(dp);
}

uint64_t dp_ovs_next(const struct srd_dp *dp)
{
	const struct dp_ovs *o = dp->ovs;
	uint64_t next;

	if (!o)
		return UINT64_MAX;
	if (o->conn && o->more)
		return dp->now;
	next = o->next_status < o->next_flush ? o->next_status : o->next_flush;
	if (!o->conn && o->next_connect < next)
		next = o->next_connect;
	return next;
}

int dp_ovs_reload(struct srd_dp *dp, const struct srd_config *base, char **errp)
{
	struct dp_ovs *o = dp->ovs;

	int err = dp_config_check(dp, base, errp);

	if (err < 0)
		return err;                     /* refused: the running settings stay */
	*o->base = *base;
	if (!o->synced) {                       /* never apply the file alone: no ports */
		srd_info("ovsdb: not connected; the new settings apply once it is");
		return 0;
	}
	err = reconcile(dp, false);
	if (err < 0)
		return dp_err(errp, err, "%s", o->apply_errors ? o->apply_errors :
			      strerror(-err));
	return 0;
}

int dp_ovs_open(struct srd_dp *dp, const char *remote, const struct srd_config *base,
		char **errp)
{
	struct dp_ovs *o = calloc(1, sizeof(*o));

	dp->ovs = o;
	if (!o)
		return dp_err(errp, -ENOMEM, "out of memory");
	o->base = malloc(sizeof(*o->base));
	o->want = malloc(sizeof(*o->want));
	o->view = malloc(sizeof(*o->view));
	o->replica = srd_ovsdb_replica_new();
	if (!o->base || !o->want || !o->view || !o->replica)
		return dp_err(errp, -ENOMEM, "out of memory");
	if (strlen(remote) >= sizeof(o->remote))
		return dp_err(errp, -ENAMETOOLONG, "--ovsdb %s: too long", remote);
	snprintf(o->remote, sizeof(o->remote), "%s", remote);
	*o->base = *base;
	o->backoff_ns = DP_OVS_BACKOFF_MIN_NS;
	o->next_flush = UINT64_MAX;
	o->next_status = dp->now + DP_OVS_STATUS_NS;
	try_connect(dp);       /* failing now is fine: ovsdb-server may start later */
	return 0;
}

void dp_ovs_close(struct srd_dp *dp)
{
	struct dp_ovs *o = dp->ovs;

	if (!o)
		return;
	if (o->conn) {
		srd_loop_del(dp->loop, srd_ovsdb_fd(o->conn));
		srd_ovsdb_close(o->conn);
	}
	json_object_put(o->replica);
	if (o->base)
		OPENSSL_cleanse(o->base, sizeof(*o->base));
	if (o->want)
		OPENSSL_cleanse(o->want, sizeof(*o->want));
	free(o->base);
	free(o->want);
	free(o->view);
	free(o->apply_errors);
	free(o);
	dp->ovs = NULL;
}
