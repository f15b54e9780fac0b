// SPDX-License-Identifier: Apache-2.0
/*
 * dp_ctl.c: srdctl's commands (docs/control.md), answered as JSON.
 *
 *   show          the daemon, this host, ports, p2p ports, peers, the MAC table
 *   peers         one row per peer: session, RTT, traffic, drops
 *   paths PEER    one row per path of a peer: state, RTT, in flight, loss
 *   stats         every counter: host-wide, per peer (engine and datapath), per port
 *   reload        re-read the config file and apply it
 * Counter names follow ENA Express's where they mean the same (srd_tx_pkts,
 * srd_rx_pkts); the rest are named after what they count (dp_int.h, conn.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl/ctl_server.h"
#include "vswitch/dp_int.h"
#include "vswitch/dp_ovs.h"
#include "vswitch/mactable.h"

#define CTL_MAX_MACS 4096  /* MAC entries `show` lists */

static const char *const state_names[] = { "active", "suspect", "dead", "probing" };

static void put_int(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void put_us(struct json_object *o, const char *k, uint64_t ns)
{
	json_object_object_add(o, k, json_object_new_double((double)ns / 1000.0));
}

static struct json_object *vni_list(const struct srd_config_vnis *v)
{
	struct json_object *a = json_object_new_array();
	uint32_t i;

	for (i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_int64(v->vni[i]));
	return a;
}

/* ---- peers ---- */

static uint64_t min_srtt(const struct dp_peer *p)
{
	struct srd_path_stats ps;
	uint64_t best = 0;
	unsigned i;

	for (i = 0; i < p->conn_cfg.npaths; i++) {
		srd_conn_path_stats(p->conn, i, &ps);
		if (ps.srtt_ns && (!best || ps.srtt_ns < best))
			best = ps.srtt_ns;
	}
	return best;
}

static struct json_object *peer_row(const struct srd_dp *dp, const struct dp_peer *p)
{
	const struct srd_conn_stats *st = srd_conn_stats(p->conn);
	struct json_object *o = json_object_new_object();
	char a[INET6_ADDRSTRLEN];

	srd_config_addr_str(&p->cfg.underlay, a);
	put_str(o, "name", p->cfg.name);
	put_str(o, "underlay", a);
	put_str(o, "state", srd_conn_bound(p->conn) ? "connected" : "connecting");
	put_int(o, "paths", p->conn_cfg.npaths);
	put_int(o, "paths_active", dp_peer_paths_in(p, SRD_PATH_ACTIVE));
	put_int(o, "paths_dead", dp_peer_paths_in(p, SRD_PATH_DEAD) + dp_peer_paths_in(p, SRD_PATH_PROBING));
	put_us(o, "min_srtt_us", min_srtt(p));
	put_int(o, "srd_tx_pkts", st->srd_tx_pkts);
	put_int(o, "srd_rx_pkts", st->srd_rx_pkts);
	put_int(o, "retransmits", st->retransmits);
	put_int(o, "inflight", st->inflight);
	put_int(o, "cwnd", st->cwnd);
	put_int(o, "resets", p->cnt.resets);
	put_int(o, "uptime_s", (dp->now - p->created_ns) / SRD_NS_PER_SEC);
	return o;
}

static struct json_object *cmd_peers(struct srd_dp *dp)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	unsigned i;

	for (i = 0; i < DP_MAX_PEERS; i++)
		if (dp->peers[i].used)
			json_object_array_add(a, peer_row(dp, &dp->peers[i]));
	json_object_object_add(o, "peers", a);
	return o;
}

/* ---- paths ---- */

static struct json_object *path_row(const struct dp_peer *p, unsigned i)
{
	struct json_object *o = json_object_new_object();
	struct srd_path_stats ps;
	uint64_t sent;

	srd_conn_path_stats(p->conn, i, &ps);
	sent = ps.acked_pkts + ps.lost_pkts;
	put_int(o, "path", i);
	put_int(o, "sport", DP_BASE_SPORT + i);
	put_str(o, "state", state_names[ps.state]);
	put_us(o, "srtt_us", ps.srtt_ns);
	put_us(o, "rttvar_us", ps.rttvar_ns);
	put_us(o, "min_rtt_us", ps.min_rtt_ns);
	put_int(o, "inflight", ps.inflight);
	put_int(o, "tx_pkts", ps.tx_pkts);
	put_int(o, "acked_pkts", ps.acked_pkts);
	put_int(o, "lost_pkts", ps.lost_pkts);
	put_int(o, "rx_pkts", ps.rx_pkts);
	json_object_object_add(o, "loss_pct", json_object_new_double(
		sent ? 100.0 * (double)ps.lost_pkts / (double)sent : 0.0));
	return o;
}

static struct json_object *cmd_paths(struct srd_dp *dp, int argc, char **argv)
{
	struct json_object *o, *a;
	const struct dp_peer *p;
	unsigned i;
	int slot;

	if (argc != 2)
		return srd_ctl_reply_error("usage: paths PEER");
	slot = dp_peer_by_name(dp, argv[1]);
	if (slot < 0)
		return srd_ctl_reply_error("no peer called %s", argv[1]);
	p = &dp->peers[slot];
	o = json_object_new_object();
	a = json_object_new_array();
	put_str(o, "peer", p->cfg.name);
	for (i = 0; i < p->conn_cfg.npaths; i++)
		json_object_array_add(a, path_row(p, i));
	json_object_object_add(o, "paths", a);
	return o;
}

/* ---- stats ---- */

static struct json_object *host_counters(const struct srd_dp *dp)
{
	const struct dp_counters *c = &dp->cnt;
	struct json_object *o = json_object_new_object();

#define C(f) put_int(o, #f, c->f)
	C(rx_unknown_peer); C(rx_malformed); C(rx_no_key); C(auth_failures);
	C(rx_spi_mismatch); C(rx_vni_denied); C(rx_no_port); C(guest_no_peer);
	C(guest_unknown); C(guest_oversize); C(sendbuf_full); C(tap_tx_drops);
	C(tx_backlog_drops); C(tx_backlog_peak); C(floods); C(local_switched);
	C(peer_resets); C(loop_turns); C(reloads); C(reload_failures);
#undef C
	put_int(o, "psp_key_derivations", dp->rx.derivations);
	return o;
}

static struct json_object *peer_counters(const struct dp_peer *p)
{
	const struct srd_conn_stats *s = srd_conn_stats(p->conn);
	struct json_object *o = json_object_new_object();

	put_str(o, "name", p->cfg.name);
#define S(f) put_int(o, #f, s->f)
	S(srd_tx_pkts); S(srd_rx_pkts); S(tx_frames); S(rx_frames); S(retransmits);
	S(lost_pkts);
	put_int(o, "timeouts", s->pto_count);
	put_int(o, "give_ups", s->giveups);
	put_int(o, "reorder_drops", s->rob_full_drops + s->partial_frames);
	S(replays); S(stale_pns); S(dup_pkts); S(too_old_pkts); S(spurious_losses);
	S(skipped_frames); S(hold_timeouts); S(malformed); S(sendbuf_full);
	S(acks_tx); S(hello_tx); S(unbound_drops); S(stale_session);
	S(rob_peak_bytes); S(rob_bound_bytes); S(cwnd); S(inflight); S(peer_credit);
#undef S
	put_int(o, "auth_failures", p->cnt.auth_failures);
#define P(f) put_int(o, #f, p->cnt.f)
	P(rx_malformed); P(rx_dropped); P(frames_in); P(frames_out); P(resets);
	P(rekeys);
#undef P
	return o;
}

static struct json_object *port_counters(const char *name, const struct srd_port *port)
{
	struct json_object *o = json_object_new_object();
	struct srd_port_stats s;

	srd_port_stats(port, &s);
	put_str(o, "name", name);
#define S(f) put_int(o, #f, s.f)
	S(rx_packets); S(rx_bytes); S(rx_errors); S(rx_truncated); S(rx_syscalls);
	S(rx_gro_bufs); S(rx_gro_segs); S(tx_packets); S(tx_bytes); S(tx_errors);
	S(tx_oversize); S(tx_syscalls); S(tx_gso_sends); S(tx_gso_segs); S(tx_full);
#undef S
	return o;
}

static struct json_object *cmd_stats(struct srd_dp *dp)
{
	struct json_object *o = json_object_new_object();
	struct json_object *peers = json_object_new_array();
	struct json_object *ports = json_object_new_array();
	unsigned i;

	json_object_object_add(o, "host", host_counters(dp));
	for (i = 0; i < DP_MAX_PEERS; i++)
		if (dp->peers[i].used)
			json_object_array_add(peers, peer_counters(&dp->peers[i]));
	json_object_object_add(o, "peers", peers);
	if (dp->udp)
		json_object_object_add(o, "underlay", port_counters("underlay", dp->udp));
	for (i = 0; i < DP_MAX_PORTS; i++)
		if (dp->ports[i].used)
			json_object_array_add(ports, port_counters(dp->ports[i].name,
								   dp->ports[i].port));
	json_object_object_add(o, "ports", ports);
	return o;
}

/* ---- show ---- */

static struct json_object *show_host(const struct srd_dp *dp)
{
	const struct srd_config_host *h = &dp->cfg->host;
	struct json_object *o = json_object_new_object();
	char a[INET6_ADDRSTRLEN];

	if (dp->linked)
		srd_config_addr_str(&h->underlay, a);
	else
		snprintf(a, sizeof(a), "none (not configured)");
	put_int(o, "pid", (uint64_t)getpid());
	put_str(o, "version", SRD_VERSION);
	put_int(o, "uptime_s", (dp->now - dp->start_ns) / SRD_NS_PER_SEC);
	put_str(o, "config", dp->cfg_path);
	put_str(o, "ctl_socket", dp->ctl_path);
	put_str(o, "underlay", a);
	put_int(o, "port", h->port);
	put_int(o, "source_ports", dp->udp_paths);
	put_str(o, "cipher", dp->cipher ? "aes-gcm-256" : "aes-gcm-128");
	if (dp->linked)
		put_int(o, "key_generation", srd_keyring_tx_gen(&dp->kr));
	put_str(o, "busy_poll", h->busy_poll ? "yes" : "no");
	return o;
}

static struct json_object *show_ports(const struct srd_dp *dp, bool p2p)
{
	struct json_object *a = json_object_new_array();
	unsigned i;

	for (i = 0; i < DP_MAX_PORTS; i++) {
		const struct dp_port *p = &dp->ports[i];
		struct json_object *o;

		if (!p->used || p->p2p != p2p)
			continue;
		o = json_object_new_object();
		put_str(o, "name", p->name);
		if (p2p)
			put_str(o, "peer", dp->peers[p->peer].cfg.name);
		put_int(o, "vni", p->vni);
		put_int(o, "mtu", p->mtu);
		put_int(o, "rx_frames", p->rx_frames);
		put_int(o, "tx_frames", p->tx_frames);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *show_peers(const struct srd_dp *dp)
{
	struct json_object *a = json_object_new_array();
	unsigned i;

	for (i = 0; i < DP_MAX_PEERS; i++) {
		const struct dp_peer *p = &dp->peers[i];
		struct json_object *o;
		char addr[INET6_ADDRSTRLEN];

		if (!p->used)
			continue;
		o = json_object_new_object();
		srd_config_addr_str(&p->cfg.underlay, addr);
		put_str(o, "name", p->cfg.name);
		put_str(o, "underlay", addr);
		put_int(o, "port", p->cfg.port);
		put_int(o, "paths", p->cfg.paths);
		put_str(o, "state", srd_conn_bound(p->conn) ? "connected" : "connecting");
		json_object_object_add(o, "vnis", vni_list(&p->cfg.vnis));
		json_object_array_add(a, o);
	}
	return a;
}

static const char *dst_name(const struct srd_dp *dp, struct srd_mac_dst d)
{
	if (d.kind == SRD_MAC_PORT && d.idx < DP_MAX_PORTS && dp->ports[d.idx].used)
		return dp->ports[d.idx].name;
	if (d.kind == SRD_MAC_PEER && d.idx < DP_MAX_PEERS && dp->peers[d.idx].used)
		return dp->peers[d.idx].cfg.name;
	return "?";
}

static struct json_object *show_macs(const struct srd_dp *dp)
{
	struct json_object *a = json_object_new_array();
	struct srd_mac_entry e;
	uint32_t pos = 0;
	unsigned n = 0;

	while (n++ < CTL_MAX_MACS && srd_mactable_next(dp->macs, &pos, dp->now, &e) == 1) {
		struct json_object *o = json_object_new_object();
		char mac[18];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e.mac[0],
			 e.mac[1], e.mac[2], e.mac[3], e.mac[4], e.mac[5]);
		put_int(o, "vni", e.vni);
		put_str(o, "mac", mac);
		put_str(o, "to", dst_name(dp, e.dst));
		put_str(o, "type", e.is_static ? "static" : "learned");
		put_int(o, "age_s", e.age_ns / SRD_NS_PER_SEC);
		json_object_array_add(a, o);
	}
	return a;
}

/* OVSDB mode: the connection, and the rows in error. */
static struct json_object *show_ovsdb(const struct srd_dp *dp)
{
	const struct dp_ovs *ov = dp->ovs;
	struct json_object *o = json_object_new_object(), *errs = json_object_new_array();
	uint32_t i, n_ok = 0;

	put_str(o, "remote", ov->remote);
	put_str(o, "state", ov->synced ? "connected" : ov->conn ? "connecting" : "down");
	if (ov->last_error[0])
		put_str(o, "last_error", ov->last_error);
	put_str(o, "host", ov->link_error[0] ? ov->link_error :
			   ov->view->host_ok ? "ready" : ov->view->host_error);
	for (i = 0; ov->synced && i < ov->view->n_ifaces; i++) {
		const struct srd_ovs_iface *f = &ov->view->ifaces[i];
		struct json_object *e;

		if (f->p2p >= 0) {
			n_ok++;
			continue;
		}
		e = json_object_new_object();
		put_str(e, "interface", f->name);
		put_str(e, "error", f->error);
		json_object_array_add(errs, e);
	}
	put_int(o, "srd_interfaces", n_ok);
	put_int(o, "connects", ov->cnt.connects);
	put_int(o, "disconnects", ov->cnt.disconnects);
	put_int(o, "updates", ov->cnt.updates);
	put_int(o, "reconciles", ov->cnt.reconciles);
	put_int(o, "status_txns", ov->cnt.status_txns);
	put_int(o, "txn_errors", ov->cnt.txn_errors);
	json_object_object_add(o, "errors", errs);
	return o;
}

static struct json_object *cmd_show(struct srd_dp *dp)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "host", show_host(dp));
	if (dp->ovs)
		json_object_object_add(o, "ovsdb", show_ovsdb(dp));
	json_object_object_add(o, "ports", show_ports(dp, false));
	json_object_object_add(o, "p2p", show_ports(dp, true));
	json_object_object_add(o, "peers", show_peers(dp));
	json_object_object_add(o, "macs", show_macs(dp));
	return o;
}

/* ---- reload and dispatch ---- */

static struct json_object *cmd_reload(struct srd_dp *dp)
{
	struct json_object *o;
	char *why = NULL;
	int err = srd_dp_reload(dp, &why);

	if (err < 0) {
		srd_err("reload (srdctl) failed:\n%s", why ? why : "");
		o = srd_ctl_reply_error("%s", why ? why : strerror(-err));
	} else {
		o = json_object_new_object();
		put_str(o, "result", "reloaded");
		put_str(o, "config", dp->cfg_path);
	}
	free(why);
	return o;
}

static struct json_object *ctl_handle(void *user, int argc, char **argv)
{
	struct srd_dp *dp = user;

	if (!strcmp(argv[0], "show") && argc == 1)
		return cmd_show(dp);
	if (!strcmp(argv[0], "peers") && argc == 1)
		return cmd_peers(dp);
	if (!strcmp(argv[0], "paths"))
		return cmd_paths(dp, argc, argv);
	if (!strcmp(argv[0], "stats") && argc == 1)
		return cmd_stats(dp);
	if (!strcmp(argv[0], "reload") && argc == 1)
		return cmd_reload(dp);
	return srd_ctl_reply_error("unknown command '%s' (show, peers, paths PEER, "
				   "stats, reload)", argv[0]);
}

static void ctl_input(void *user, int fd)
{
	struct srd_dp *dp = user;

	(void)fd;
	dp->now = srd_now_ns();
	srd_ctl_server_run(dp->ctl, dp->now);
}

int dp_ctl_open(struct srd_dp *dp, char **errp)
{
	char *why = NULL;
	int err;

	json_c_set_serialization_double_format("%.3f", JSON_C_OPTION_GLOBAL);
	err = srd_ctl_server_open(dp->ctl_path, ctl_handle, dp, &dp->ctl, &why);

	if (err < 0) {
		dp_err(errp, err, "%s", why ? why : "control socket: cannot open");
		free(why);
		return err;
	}
	return srd_loop_add(dp->loop, srd_ctl_server_fd(dp->ctl), ctl_input, dp);
}

void dp_ctl_close(struct srd_dp *dp)
{
	if (!dp->ctl)
		return;
	srd_loop_del(dp->loop, srd_ctl_server_fd(dp->ctl));
	srd_ctl_server_close(dp->ctl);
	dp->ctl = NULL;
}
