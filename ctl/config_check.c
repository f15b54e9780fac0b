/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_check.c: rules that span keys and sections (docs/config.md §4), run once
 * the whole file is read, so that a section may name one defined further down.
 * Each violation is reported at the line of the key that completes it.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/config_int.h"

/* Line of key in instance i of s; the section's header when the key is unset. */
static uint32_t kline(const struct cfg_ctx *c, enum cfg_sect_id s, unsigned i,
		      const char *key)
{
	const struct cfg_lines *l = &c->lines[s][i];
	int k = cfg_key_index(s, key);

	return k >= 0 && l->key[k] ? l->key[k] : l->hdr;
}

static bool has_key(const struct cfg_ctx *c, enum cfg_sect_id s, unsigned i,
		    const char *key)
{
	return c->lines[s][i].key[cfg_key_index(s, key)] != 0;
}

static const char *desc(const struct cfg_ctx *c, enum cfg_sect_id s, unsigned i,
			char buf[112])
{
	cfg_sect_desc(c->cfg, s, i, buf, 112);
	return buf;
}

static bool addr_eq(const struct srd_config_addr *a, const struct srd_config_addr *b)
{
	return a->family == b->family && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static bool vni_listed(const struct srd_config_vnis *l, uint32_t vni)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->vni[i] == vni)
			return true;
	return false;
}

static void check_host(struct cfg_ctx *c)
{
	const struct srd_config_host *h = &c->cfg->host;
	const char *key;

	if (c->ovsdb && (has_key(c, CS_HOST, 0, "underlay") ||
			 has_key(c, CS_HOST, 0, "psk-file")))
		cfg_error_at(c, kline(c, CS_HOST, 0, has_key(c, CS_HOST, 0, "underlay") ?
				      "underlay" : "psk-file"), "[host]", NULL,
			     "underlay and psk-file are not used with --ovsdb: set "
			     "external_ids:srd-local-ip and srd-psk-file in Open_vSwitch");
	if (!c->lines[CS_HOST][0].hdr && !c->ovsdb) {
		cfg_error_at(c, c->last_line, "[host]", NULL,
			     "missing section (required, with underlay and psk-file)");
		return;
	}
	if (h->key_grace_ns <= h->key_period_ns / 8)
		return;
	key = has_key(c, CS_HOST, 0, "key-grace") ? "key-grace" : "key-period";
	cfg_error_at(c, kline(c, CS_HOST, 0, key), "[host]", key,
		     "key-grace must be at most key-period / 8 (%llus / 8)",
		     (unsigned long long)(h->key_period_ns / 1000000000ull));
}

static const char *family(sa_family_t f)
{
	return f == AF_INET ? "IPv4" : "IPv6";
}

/* The peer's underlay against the host's and the earlier peers'. */
static void check_peer_addr(struct cfg_ctx *c, unsigned i)
{
	const struct srd_config_peer *p = &c->cfg->peers[i];
	const struct srd_config_addr *h = &c->cfg->host.underlay;
	char a[INET6_ADDRSTRLEN], d[112];
	uint32_t line = kline(c, CS_PEER, i, "underlay");
	unsigned j;

	if (!has_key(c, CS_PEER, i, "underlay") || !p->underlay.family)
		return;
	desc(c, CS_PEER, i, d);
	srd_config_addr_str(&p->underlay, a);
	if (h->family && addr_eq(&p->underlay, h))
		cfg_error_at(c, line, d, "underlay",
			     "%s is this host's own address ([host] underlay, line %u)",
			     a, kline(c, CS_HOST, 0, "underlay"));
	else if (h->family && p->underlay.family != h->family)
		cfg_error_at(c, line, d, "underlay", "%s is %s but [host] underlay is %s (line %u)",
			     a, family(p->underlay.family), family(h->family),
			     kline(c, CS_HOST, 0, "underlay"));
	for (j = 0; j < i; j++) {
		if (!addr_eq(&c->cfg->peers[j].underlay, &p->underlay))
			continue;
		cfg_error_at(c, line, d, "underlay",
			     "%s is also the address of [peer \"%s\"] (line %u)", a,
			     c->cfg->peers[j].name,
			     kline(c, CS_PEER, j, "underlay"));
		break;
	}
}

static uint32_t peer_spi(const struct srd_config_peer *p)
{
	return p->spi_low ? p->spi_low : srd_keyring_spi_low_from_addr(&p->underlay.addr);
}

/* As a receiver we tell senders apart by SPI (docs/security.md §3). */
static void check_peer_spi(struct cfg_ctx *c, unsigned i, const uint32_t *spis)
{
	const struct srd_config_peer *p = &c->cfg->peers[i];
	uint32_t spi = spis[i];
	const char *key = has_key(c, CS_PEER, i, "spi-low") ? "spi-low" : "underlay";
	char d[112];
	unsigned j;

	for (j = 0; j < i && p->underlay.family; j++) {
		if (!c->cfg->peers[j].underlay.family || spis[j] != spi ||
		    addr_eq(&c->cfg->peers[j].underlay, &p->underlay))
			continue;
		cfg_error_at(c, kline(c, CS_PEER, i, key), desc(c, CS_PEER, i, d), key,
			     "SPI low bits 0x%x are also those of [peer \"%s\"] (line %u); set spi-low on one of the two hosts",
			     spi, c->cfg->peers[j].name, c->lines[CS_PEER][j].hdr);
		break;
	}
}

static void check_peers(struct cfg_ctx *c)
{
	uint32_t spis[SRD_CONFIG_MAX_PEERS];
	unsigned i;

	for (i = 0; i < c->cfg->n_peers; i++) {
		struct srd_config_peer *p = &c->cfg->peers[i];

		if (!p->port)
			p->port = c->cfg->host.port;
		if (!p->paths)
			p->paths = c->cfg->host.paths;
		spis[i] = p->underlay.family ? peer_spi(p) : 0;
		check_peer_addr(c, i);
		check_peer_spi(c, i, spis);
	}
}

/* A (peer, VNI) pair goes to the bridge or to one p2p port, never to two places. */
static void check_p2p_pair(struct cfg_ctx *c, unsigned i)
{
	const struct srd_config_p2p *q = &c->cfg->p2p[i];
	const struct srd_config_peer *p = &c->cfg->peers[q->peer_idx];
	char d[112];
	unsigned j;

	desc(c, CS_P2P, i, d);
	if (vni_listed(&p->vnis, q->vni)) {
		cfg_error_at(c, kline(c, CS_P2P, i, "vni"), d, "vni",
			     "%u is also in [peer \"%s\"] vni (line %u): the bridge already carries it to that peer",
			     q->vni, p->name, kline(c, CS_PEER, q->peer_idx, "vni"));
		return;
	}
	for (j = 0; j < i; j++) {
		if (c->cfg->p2p[j].vni != q->vni || strcmp(c->cfg->p2p[j].peer, q->peer))
			continue;
		cfg_error_at(c, kline(c, CS_P2P, i, "vni"), d, "vni",
			     "%u to peer %s is already carried by [p2p \"%s\"] (line %u)",
			     q->vni, q->peer, c->cfg->p2p[j].name, c->lines[CS_P2P][j].hdr);
		return;
	}
}

static void check_p2p(struct cfg_ctx *c)
{
	char d[112];
	unsigned i;
	int idx;

	for (i = 0; i < c->cfg->n_p2p; i++) {
		struct srd_config_p2p *q = &c->cfg->p2p[i];

		if (!q->peer[0] || !q->vni)
			continue;  /* missing, already reported */
		idx = srd_config_peer_find(c->cfg, q->peer);
		if (idx < 0) {
			cfg_error_at(c, kline(c, CS_P2P, i, "peer"), desc(c, CS_P2P, i, d), "peer",
				     "no [peer \"%s\"] in this file", q->peer);
			continue;
		}
		q->peer_idx = (uint32_t)idx;
		check_p2p_pair(c, i);
	}
}

/* Static MACs are unique per VNI. */
static void check_static_macs(struct cfg_ctx *c, unsigned i)
{
	const struct srd_config_port *p = &c->cfg->ports[i];
	char d[112];
	unsigned j, m, n;

	for (m = 0; m < p->static_macs.n; m++) {
		const uint8_t *a = p->static_macs.mac[m];

		for (j = 0; j < i; j++) {
			const struct srd_config_port *q = &c->cfg->ports[j];

			for (n = 0; n < q->static_macs.n && q->vni == p->vni; n++) {
				if (memcmp(q->static_macs.mac[n], a, 6))
					continue;
				cfg_error_at(c, kline(c, CS_PORT, i, "static-mac"),
					     desc(c, CS_PORT, i, d), "static-mac",
					     "%02x:%02x:%02x:%02x:%02x:%02x is already static on [port \"%s\"] (line %u) in VNI %u",
					     a[0], a[1], a[2], a[3], a[4], a[5], q->name,
					     kline(c, CS_PORT, j, "static-mac"), p->vni);
				return;
			}
		}
	}
}

static void check_ports(struct cfg_ctx *c)
{
	char d[112];
	unsigned i, j;

	for (i = 0; i < c->cfg->n_ports; i++) {
		const struct srd_config_port *p = &c->cfg->ports[i];

		check_static_macs(c, i);
		for (j = 0; j < c->cfg->n_peers && !vni_listed(&c->cfg->peers[j].vnis, p->vni); j++)
			;
		if (p->vni && j == c->cfg->n_peers)
			cfg_warn_at(c, kline(c, CS_PORT, i, "vni"), desc(c, CS_PORT, i, d), "vni",
				    "%u is carried by no [peer]: the port only reaches local ports",
				    p->vni);
	}
}

/* A peer VNI with no local bridge port: its frames have nowhere to go. */
static void check_peer_vnis(struct cfg_ctx *c)
{
	char d[112];
	unsigned i, j, v;

	for (i = 0; i < c->cfg->n_peers; i++) {
		const struct srd_config_vnis *l = &c->cfg->peers[i].vnis;

		for (v = 0; v < l->n; v++) {
			for (j = 0; j < c->cfg->n_ports && c->cfg->ports[j].vni != l->vni[v]; j++)
				;
			if (j == c->cfg->n_ports)
				cfg_warn_at(c, kline(c, CS_PEER, i, "vni"), desc(c, CS_PEER, i, d),
					    "vni", "%u has no local [port]: frames from this peer on it are dropped",
					    l->vni[v]);
		}
	}
}

/* cwnd-min <= cwnd-init <= cwnd-max, reported on a key the file sets. */
static void check_cwnd(struct cfg_ctx *c)
{
	const struct srd_config_engine *e = &c->cfg->engine;
	const char *key = NULL;

	if (e->cwnd_min > e->cwnd_init)
		key = has_key(c, CS_ENGINE, 0, "cwnd-min") ? "cwnd-min" : "cwnd-init";
	else if (e->cwnd_init > e->cwnd_max)
		key = has_key(c, CS_ENGINE, 0, "cwnd-max") ? "cwnd-max" : "cwnd-init";
	if (key)
		cfg_error_at(c, kline(c, CS_ENGINE, 0, key), "[engine]", key,
			     "needs cwnd-min <= cwnd-init <= cwnd-max (now %u, %u, %u)",
			     e->cwnd_min, e->cwnd_init, e->cwnd_max);
}

void cfg_check(struct cfg_ctx *c)
{
	check_host(c);
	check_peers(c);
	check_p2p(c);
	check_ports(c);
	check_peer_vnis(c);
	check_cwnd(c);
}
