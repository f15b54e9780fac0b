// SPDX-License-Identifier: Apache-2.0
/*
 * ovs_conf.c: OVSDB rows -> struct srd_config, with a verdict per row (ctl/ovs_conf.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "ctl/ovs_conf.h"
#include "ctl/psk_file.h"

/* An SRD row before its verdict. */
struct cand {
	const char *uuid;          /* row uuid (the replica's key) */
	const char *name;          /* Interface.name, "" when missing */
	struct json_object *row;   /* the row */
	bool running;              /* its port runs now: it wins conflicts */
};

static void why(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, SRD_OVS_ERR_MAX + 1, fmt, ap);
	va_end(ap);
}

/* A decimal number in min..max, nothing else. */
static int parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || p - s > 10)
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* key: "VALUE" is not a number in min..max. */
static int bad_uint(char *err, const char *key, const char *s, uint32_t min, uint32_t max)
{
	why(err, "%s: \"%.40s\" is not a number in %u..%u", key, s, min, max);
	return -EINVAL;
}

static int opt_uint(struct json_object *ext, const char *key, uint32_t min, uint32_t max,
		    uint32_t *out, char *err)
{
	const char *s = srd_ovsdb_map_get(ext, key);

	if (!s)
		return 0;
	return parse_uint(s, min, max, out) ? bad_uint(err, key, s, min, max) : 0;
}

/* ---- this host ---- */

static int host_key(struct json_object *ext, struct srd_config_host *h, char *err)
{
	const char *file = srd_ovsdb_map_get(ext, "srd-psk-file");
	const char *inl = srd_ovsdb_map_get(ext, "srd-psk");
	char reason[SRD_OVS_ERR_MAX + 1];

	if (file && inl) {
		why(err, "srd-psk-file and srd-psk are both set: keep one");
		return -EINVAL;
	}
	if (!file && !inl) {
		why(err, "no key: set external_ids:srd-psk-file (or srd-psk)");
		return -EINVAL;
	}
	if (file) {
		if (file[0] != '/' || strlen(file) > SRD_CONFIG_PATH_MAX) {
			why(err, "srd-psk-file: \"%.60s\" is not an absolute path of at most %u bytes",
			    file, SRD_CONFIG_PATH_MAX);
			return -EINVAL;
		}
		snprintf(h->psk_file, sizeof(h->psk_file), "%s", file);
		return 0;
	}
	if (srd_psk_parse(inl, strlen(inl), h->psk, reason, sizeof(reason)) < 0) {
		why(err, "srd-psk: %s", reason);
		return -EINVAL;
	}
	h->psk_inline = true;
	return 0;
}

static int host_settings(struct json_object *ext, struct srd_config *cfg, char *err)
{
	struct srd_config_host *h = &cfg->host;
	const char *ip = srd_ovsdb_map_get(ext, "srd-local-ip");
	char reason[SRD_OVS_ERR_MAX + 1];
	uint32_t v;

	if (!ip) {
		why(err, "srd-local-ip is not set");
		return -EINVAL;
	}
	if (srd_config_parse_addr(ip, &h->underlay, reason, sizeof(reason)) < 0) {
		why(err, "srd-local-ip: %s", reason);
		return -EINVAL;
	}
	v = h->port;
	if (opt_uint(ext, "srd-udp-port", 1, 65535, &v, err))
		return -EINVAL;
	h->port = (uint16_t)v;
	v = h->paths;
	if (opt_uint(ext, "srd-paths", 1, SRD_CONN_MAX_PATHS, &v, err))
		return -EINVAL;
	h->paths = (uint16_t)v;
	return host_key(ext, h, err);
}

/* The Open_vSwitch row (there is one), or NULL. */
static struct json_object *ovs_row(struct json_object *replica, struct srd_ovs_view *view)
{
	struct json_object *rows = srd_ovsdb_replica_table(replica, "Open_vSwitch");

	if (!rows)
		return NULL;
	json_object_object_foreach(rows, uuid, row) {
		snprintf(view->ovs_uuid, sizeof(view->ovs_uuid), "%s", uuid);
		return row;
	}
	return NULL;
}

/* ---- SRD rows ---- */

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = (int)y->running - (int)x->running;

	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->uuid, y->uuid);
}

static bool runs(const struct srd_config *running, const char *name)
{
	uint32_t i;

	for (i = 0; running && i < running->n_p2p; i++)
		if (!strcmp(running->p2p[i].name, name))
			return true;
	return false;
}

/* The SRD rows of the Interface table: running ports first, each group in name
 * order. When there are more than max, the running ones are the ones kept. */
static uint32_t collect(struct json_object *replica, const struct srd_config *running,
			struct cand *out, uint32_t max, bool *overflow)
{
	struct json_object *rows = srd_ovsdb_replica_table(replica, "Interface");
	uint32_t n = 0;
	int pass;

	*overflow = false;
	for (pass = 0; rows && pass < 2; pass++) {
		json_object_object_foreach(rows, uuid, row) {
			const char *name = srd_ovsdb_string(srd_ovsdb_col(row, "name"));
			struct json_object *ext = srd_ovsdb_col(row, "external_ids");

			if (!srd_ovsdb_map_get(ext, "srd-remote-ip") ||
			    runs(running, name ? name : "") != (pass == 0))
				continue;
			if (n == max) {
				*overflow = true;
				break;
			}
			out[n] = (struct cand){ .uuid = uuid, .name = name ? name : "",
						.row = row, .running = pass == 0 };
			n++;
		}
	}
	qsort(out, n, sizeof(*out), cand_cmp);
	return n;
}

static int find_peer(const struct srd_config *cfg, const struct srd_config_addr *a)
{
	uint32_t i;

	for (i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].underlay.family == a->family &&
		    !memcmp(&cfg->peers[i].underlay.addr, &a->addr, sizeof(a->addr)))
			return (int)i;
	return -1;
}

/* The p2p entry already carrying (peer, vni), or -1. */
static int find_lane(const struct srd_config *cfg, uint32_t peer, uint32_t vni)
{
	uint32_t i;

	for (i = 0; i < cfg->n_p2p; i++)
		if (cfg->p2p[i].peer_idx == peer && cfg->p2p[i].vni == vni)
			return (int)i;
	return -1;
}

/* The settings of one row, checked against the host; no cross-row checks. */
struct row_want {
	struct srd_config_addr remote;  /* srd-remote-ip */
	uint32_t vni;                   /* srd-vni */
	uint32_t paths;                 /* srd-paths, or the host's */
	uint32_t mtu;                   /* srd-mtu */
};

static int row_settings(const struct srd_config *cfg, const struct cand *c,
			struct row_want *w, char *err)
{
	struct json_object *ext = srd_ovsdb_col(c->row, "external_ids");
	const char *type = srd_ovsdb_string(srd_ovsdb_col(c->row, "type"));
	char reason[SRD_OVS_ERR_MAX + 1];

	if (!srd_config_name_ok(c->name, SRD_CONFIG_IFNAME_MAX)) {
		why(err, "name \"%.40s\" cannot be a tap device (1..%u of a-z A-Z 0-9 . _ -)",
		    c->name, SRD_CONFIG_IFNAME_MAX);
		return -EINVAL;
	}
	if (type && type[0] && strcmp(type, "system")) {
		why(err, "type is \"%.20s\": an SRD port is a system port (type \"\")", type);
		return -EINVAL;
	}
	if (srd_config_parse_addr(srd_ovsdb_map_get(ext, "srd-remote-ip"), &w->remote,
				  reason, sizeof(reason)) < 0) {
		why(err, "srd-remote-ip: %s", reason);
		return -EINVAL;
	}
	if (w->remote.family != cfg->host.underlay.family) {
		why(err, "srd-remote-ip: not the address family of srd-local-ip");
		return -EINVAL;
	}
	if (!memcmp(&w->remote.addr, &cfg->host.underlay.addr, sizeof(w->remote.addr))) {
		why(err, "srd-remote-ip: this host's own srd-local-ip");
		return -EINVAL;
	}
	w->vni = SRD_OVS_DEFAULT_VNI;
	w->paths = cfg->host.paths;
	w->mtu = SRD_OVS_DEFAULT_MTU;
	if (opt_uint(ext, "srd-vni", 1, SRD_CONFIG_VNI_MAX, &w->vni, err) ||
	    opt_uint(ext, "srd-paths", 1, SRD_CONN_MAX_PATHS, &w->paths, err) ||
	    opt_uint(ext, "srd-mtu", 68, 65535, &w->mtu, err))
		return -EINVAL;
	return 0;
}

static int new_peer(struct srd_config *cfg, const struct row_want *w)
{
	struct srd_config_peer *p = &cfg->peers[cfg->n_peers];

	memset(p, 0, sizeof(*p));
	_Static_assert(sizeof(p->name) >= INET6_ADDRSTRLEN, "peer names hold addresses");
	srd_config_addr_str(&w->remote, p->name);
	p->underlay = w->remote;
	p->port = cfg->host.port;
	p->paths = (uint16_t)w->paths;
	p->spi_low = SRD_CONFIG_SPI_AUTO;
	return (int)cfg->n_peers++;
}

/* Place one valid row: its peer (found or new) and its p2p entry. */
static int place(struct srd_config *cfg, const struct cand *c, const struct row_want *w,
		 char *err)
{
	int peer = find_peer(cfg, &w->remote), lane;
	struct srd_config_p2p *pp;

	if (peer >= 0 && cfg->peers[peer].paths != w->paths) {
		why(err, "srd-paths: %u, but another port to %s uses %u", w->paths,
		    cfg->peers[peer].name, cfg->peers[peer].paths);
		return -EINVAL;
	}
	if (peer >= 0 && (lane = find_lane(cfg, (uint32_t)peer, w->vni)) >= 0) {
		why(err, "srd-vni: VNI %u to %s is already carried by %s", w->vni,
		    cfg->peers[peer].name, cfg->p2p[lane].name);
		return -EINVAL;
	}
	if (peer < 0 && cfg->n_peers == SRD_CONFIG_MAX_PEERS) {
		why(err, "too many remote hosts (at most %u)", SRD_CONFIG_MAX_PEERS);
		return -EINVAL;
	}
	if (peer >= 0 && cfg->peers[peer].vnis.n == SRD_CONFIG_MAX_PEER_VNIS) {
		why(err, "too many VNIs to %s (at most %u)", cfg->peers[peer].name,
		    SRD_CONFIG_MAX_PEER_VNIS);
		return -EINVAL;
	}
	if (peer < 0)
		peer = new_peer(cfg, w);
	cfg->peers[peer].vnis.vni[cfg->peers[peer].vnis.n++] = w->vni;
	pp = &cfg->p2p[cfg->n_p2p];
	memset(pp, 0, sizeof(*pp));
	snprintf(pp->name, sizeof(pp->name), "%s", c->name);
	_Static_assert(sizeof(pp->peer) == sizeof(cfg->peers[0].name), "peer names");
	memcpy(pp->peer, cfg->peers[peer].name, sizeof(pp->peer));
	pp->peer_idx = (uint32_t)peer;
	pp->vni = w->vni;
	pp->mtu = w->mtu;
	return (int)cfg->n_p2p++;
}

static void judge(struct srd_config *cfg, const struct srd_ovs_view *view,
		  const struct cand *c, struct srd_ovs_iface *out)
{
	struct row_want w;

	memset(out, 0, sizeof(*out));
	out->p2p = -1;
	snprintf(out->uuid, sizeof(out->uuid), "%s", c->uuid);
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	if (!view->host_ok) {
		why(out->error, "host not ready: %s", view->host_error);
		return;
	}
	if (row_settings(cfg, c, &w, out->error) < 0)
		return;
	out->p2p = place(cfg, c, &w, out->error);
	if (out->p2p < 0)
		out->p2p = -1;
}

int srd_ovs_translate(struct json_object *replica, const struct srd_config *base,
		      const struct srd_config *running, struct srd_config *cfg,
		      struct srd_ovs_view *view)
{
	struct cand *cands = malloc(SRD_CONFIG_MAX_P2P * sizeof(*cands));
	struct json_object *ovs;
	bool overflow;
	uint32_t i;

	if (!cands)
		return -ENOMEM;
	*cfg = *base;
	cfg->n_peers = cfg->n_ports = cfg->n_p2p = 0;
	memset(view, 0, offsetof(struct srd_ovs_view, ifaces));
	ovs = ovs_row(replica, view);
	if (!ovs)
		why(view->host_error, "no Open_vSwitch row (run ovs-vsctl init)");
	else
		view->host_ok = !host_settings(srd_ovsdb_col(ovs, "external_ids"), cfg,
					       view->host_error);
	if (!view->host_ok)
		OPENSSL_cleanse(cfg->host.psk, sizeof(cfg->host.psk));
	view->n_ifaces = collect(replica, running, cands, SRD_CONFIG_MAX_P2P, &overflow);
	for (i = 0; i < view->n_ifaces; i++)
		judge(cfg, view, &cands[i], &view->ifaces[i]);
	free(cands);
	return overflow ? -E2BIG : 0;
}
