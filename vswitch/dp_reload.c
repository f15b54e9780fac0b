// SPDX-License-Identifier: Apache-2.0
/*
 * dp_reload.c: bringing the running datapath to a configuration, at start and on
 * every reload (SIGHUP, srdctl reload).
 *
 * A file that does not parse changes nothing. A parsed one is compared with the
 * running configuration, object by object, by name:
 *   - a peer that is gone is removed; a new one is added; one whose address, port,
 *     paths or SPI changed is rebuilt in its slot (its connection starts a new
 *     session, and the remote end follows, protocol.md §sessions; its p2p taps
 *     stay); a change of its VNI list only is applied in place. Other peers are not touched: their connections, keys and
 *     in-flight packets carry on.
 *   - [timers] and [engine] changes rebuild every connection (they are engine
 *     settings, fixed for a connection's life).
 *   - ports and p2p ports: removed, added, or reopened when their VNI, MTU, static
 *     MACs or peer changed.
 *   - [host] key-offset: a commanded key rotation (security.md §4), refused while a
 *     grace period runs (-EBUSY; retry).
 *   - the other [host] keys, [bridge] mac-table-size and [engine] max-payload size
 *     sockets, keys and buffers made at start: changing them needs a restart, and a
 *     reload that tries is refused as a whole, naming the key.
 * Errors while applying (a tap that cannot be created) do not stop the rest; they
 * are all reported, and the objects that failed are absent until the next reload.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vswitch/dp_int.h"

/* ---- what a reload cannot change ---- */

static int need_restart(char **errp, const char *key)
{
	return dp_err(errp, -EINVAL, "%s: changed, but it only takes effect at restart "
		      "(the running configuration is kept)", key);
}

/* The link (dp_link.c): fixed when it comes from a file. */
static int check_link(const struct srd_config *old, const struct srd_config *new,
		      char **errp)
{
	const struct srd_config_host *a = &old->host, *b = &new->host;
	int err = 0;

	if (a->underlay.family != b->underlay.family ||
	    memcmp(&a->underlay.addr, &b->underlay.addr, sizeof(a->underlay.addr)))
		err = need_restart(errp, "[host] underlay");
	if (a->port != b->port)
		err = need_restart(errp, "[host] port");
	if (strcmp(a->psk_file, b->psk_file) || a->psk_inline != b->psk_inline ||
	    CRYPTO_memcmp(a->psk, b->psk, sizeof(a->psk)))
		err = need_restart(errp, "[host] psk-file");
	return err;
}

static int check_fixed(const struct srd_config *old, const struct srd_config *new,
		       bool ovs_mode, char **errp)
{
	const struct srd_config_host *a = &old->host, *b = &new->host;
	int err = 0;

	if (!ovs_mode)
		err = check_link(old, new, errp);
	if (strcmp(a->ctl_socket, b->ctl_socket))
		err = need_restart(errp, "[host] ctl-socket");
	if (a->cipher != b->cipher)
		err = need_restart(errp, "[host] cipher");
	if (a->spi_low != b->spi_low)
		err = need_restart(errp, "[host] spi-low");
	if (a->key_period_ns != b->key_period_ns || a->key_grace_ns != b->key_grace_ns)
		err = need_restart(errp, "[host] key-period/key-grace");
	if (a->busy_poll != b->busy_poll)
		err = need_restart(errp, "[host] busy-poll");
	if (old->bridge.mac_table_size != new->bridge.mac_table_size)
		err = need_restart(errp, "[bridge] mac-table-size");
	if (old->engine.max_payload != new->engine.max_payload)
		err = need_restart(errp, "[engine] max-payload");
	return err;
}

static int check_paths(const struct srd_dp *dp, const struct srd_config *cfg,
		       char **errp)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].paths > dp->udp_paths)
			err = dp_err(errp, -EINVAL, "[peer \"%s\"] paths: %u, but the "
				     "underlay opened %u source ports at start; restart "
				     "to raise it", cfg->peers[i].name,
				     cfg->peers[i].paths, dp->udp_paths);
	return err;
}

int dp_config_check(const struct srd_dp *dp, const struct srd_config *cfg, char **errp)
{
	if (!dp->configured)
		return 0;
	if (check_fixed(dp->cfg, cfg, dp->ovs_mode, errp) < 0 || check_paths(dp, cfg, errp) < 0)
		return -EINVAL;
	return 0;
}

/* ---- peers ---- */

static bool peer_same_link(const struct srd_config_peer *a,
			   const struct srd_config_peer *b)
{
	return a->underlay.family == b->underlay.family &&
	       !memcmp(&a->underlay.addr, &b->underlay.addr, sizeof(a->underlay.addr)) &&
	       a->port == b->port && a->paths == b->paths && a->spi_low == b->spi_low;
}

/* Remove peers that are gone; rebuild, in place, those whose link changed (all of
 * them when rebuild_all: the engine settings changed); update VNI lists in place. */
static int peers_prune(struct srd_dp *dp, const struct srd_config *cfg,
		       bool rebuild_all, char **errp)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < DP_MAX_PEERS; i++) {
		struct dp_peer *p = &dp->peers[i];
		int ci;

		if (!p->used)
			continue;
		ci = srd_config_peer_find(cfg, p->cfg.name);
		if (ci < 0) {
			dp_peer_remove(dp, i);
			continue;
		}
		if (rebuild_all || !peer_same_link(&p->cfg, &cfg->peers[ci])) {
			if (dp_peer_rebuild(dp, i, cfg, (unsigned)ci, errp) < 0)
				err = -EIO;
			continue;
		}
		if (memcmp(&p->cfg.vnis, &cfg->peers[ci].vnis, sizeof(p->cfg.vnis))) {
			p->cfg.vnis = cfg->peers[ci].vnis;
			dp_bridge_forget_peer(dp, i);
			srd_info("peer %s: VNI list updated", p->cfg.name);
		}
	}
	return err;
}

static int peers_add(struct srd_dp *dp, const struct srd_config *cfg, char **errp)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < cfg->n_peers; i++) {
		if (dp_peer_by_name(dp, cfg->peers[i].name) >= 0)
			continue;
		if (dp_peer_add(dp, cfg, i, errp) < 0)
			err = -EIO;
	}
	return err;
}

/* ---- ports ---- */

static bool bridge_port_same(const struct srd_config_port *a,
			     const struct srd_config_port *b)
{
	return a->vni == b->vni && a->mtu == b->mtu &&
	       !memcmp(&a->static_macs, &b->static_macs, sizeof(a->static_macs));
}

static int find_p2p(const struct srd_config *cfg, const char *name)
{
	unsigned i;

	for (i = 0; i < cfg->n_p2p; i++)
		if (!strcmp(cfg->p2p[i].name, name))
			return (int)i;
	return -ENOENT;
}

static int find_port(const struct srd_config *cfg, const char *name)
{
	unsigned i;

	for (i = 0; i < cfg->n_ports; i++)
		if (!strcmp(cfg->ports[i].name, name))
			return (int)i;
	return -ENOENT;
}

static bool p2p_keep(const struct srd_dp *dp, const struct dp_port *p,
		     const struct srd_config *cfg)
{
	int ci = find_p2p(cfg, p->name);
	const struct srd_config_p2p *pc;

	if (ci < 0)
		return false;
	pc = &cfg->p2p[ci];
	return pc->vni == p->vni && pc->mtu == p->cfg.mtu &&
	       !strcmp(pc->peer, p->peer_name) && dp->peers[p->peer].used &&
	       !strcmp(dp->peers[p->peer].cfg.name, pc->peer);
}

static void ports_prune(struct srd_dp *dp, const struct srd_config *cfg)
{
	unsigned i;

	for (i = 0; i < DP_MAX_PORTS; i++) {
		struct dp_port *p = &dp->ports[i];
		int ci;

		if (!p->used)
			continue;
		if (p->p2p) {
			if (!p2p_keep(dp, p, cfg))
				dp_port_remove(dp, i, false);
			continue;
		}
		ci = find_port(cfg, p->name);
		if (ci < 0 || !bridge_port_same(&p->cfg, &cfg->ports[ci]))
			dp_port_remove(dp, i, false);
	}
}

static int ports_add(struct srd_dp *dp, const struct srd_config *cfg, char **errp)
{
	unsigned i;
	int err = 0, peer;

	for (i = 0; i < cfg->n_ports; i++)
		if (dp_port_by_name(dp, cfg->ports[i].name) < 0 &&
		    dp_port_add_bridge(dp, &cfg->ports[i], errp) < 0)
			err = -EIO;
	for (i = 0; i < cfg->n_p2p; i++) {
		if (dp_port_by_name(dp, cfg->p2p[i].name) >= 0)
			continue;
		peer = dp_peer_by_name(dp, cfg->p2p[i].peer);
		if (peer < 0) {
			err = dp_err(errp, -ENOENT, "p2p %s: peer %s is not running",
				     cfg->p2p[i].name, cfg->p2p[i].peer);
			continue;
		}
		if (dp_port_add_p2p(dp, &cfg->p2p[i], (unsigned)peer, errp) < 0)
			err = -EIO;
	}
	return err;
}

/* ---- the whole ---- */

static int apply_key_offset(struct srd_dp *dp, const struct srd_config *cfg,
			    char **errp)
{
	int err;

	if (!dp->linked || cfg->host.key_offset == dp->kr.offset)
		return 0;
	err = srd_keyring_set_offset(&dp->kr, cfg->host.key_offset, srd_realtime_ns(),
				     &dp->rx);
	if (err == -EBUSY)
		return dp_err(errp, err, "[host] key-offset: a key rotation is refused "
			      "within the grace period of the last one; retry later");
	if (err < 0)
		return dp_err(errp, err, "[host] key-offset: %u refused (%s)",
			      cfg->host.key_offset, strerror(-err));
	srd_info("key rotation commanded: key-offset %u", cfg->host.key_offset);
	return dp_keys_tick(dp);
}

int dp_apply_config(struct srd_dp *dp, const struct srd_config *cfg, char **errp)
{
	bool engine_changed = dp->configured &&
			      memcmp(&dp->cfg->engine, &cfg->engine, sizeof(cfg->engine));
	bool rebuild_all = engine_changed || dp->relinked;
	int err = 0;

	if (dp_config_check(dp, cfg, errp) < 0)
		return -EINVAL;
	if (apply_key_offset(dp, cfg, errp) < 0)
		return -EINVAL;
	dp_bridge_set_aging(dp, cfg->bridge.mac_aging_ns);
	*dp->cfg = *cfg;
	dp->configured = true;
	if (engine_changed)
		srd_info("[timers]/[engine] changed: every connection is rebuilt");
	dp->relinked = false;
	if (peers_prune(dp, cfg, rebuild_all, errp) < 0)
		err = -EIO;
	ports_prune(dp, cfg);     /* after peers: p2p ports of removed peers go too */
	if (peers_add(dp, cfg, errp) < 0)
		err = -EIO;
	if (ports_add(dp, cfg, errp) < 0)
		err = -EIO;
	dp->cnt.reloads++;
	return err;
}

int srd_dp_reload(struct srd_dp *dp, char **errp)
{
	struct srd_config *cfg = calloc(1, sizeof(*cfg));
	char msg[4096] = "";
	int err;

	if (!cfg)
		return dp_err(errp, -ENOMEM, "out of memory");
	if (dp->ovs_mode && !dp->cfg_path[0])
		err = srd_config_parse_ex("", 0, "(defaults)", SRD_CONFIG_OVSDB, cfg, msg,
					  sizeof(msg));
	else
		err = srd_config_load_ex(dp->cfg_path, dp->ovs_mode ? SRD_CONFIG_OVSDB : 0,
					 cfg, msg, sizeof(msg));
	while (msg[0] && msg[strlen(msg) - 1] == '\n')
		msg[strlen(msg) - 1] = 0;      /* one message per line, no blank one */
	if (err < 0) {
		dp_err(errp, err, "%s", msg[0] ? msg : strerror(-err));
	} else {
		if (msg[0])
			srd_warn("%s", msg);
		err = dp->ovs_mode ? dp_ovs_reload(dp, cfg, errp) :
				     dp_apply_config(dp, cfg, errp);
	}
	if (err < 0)
		dp->cnt.reload_failures++;
	else
		srd_info("configuration reloaded from %s",
			 dp->cfg_path[0] ? dp->cfg_path : "(defaults)");
	OPENSSL_cleanse(cfg, sizeof(*cfg));
	free(cfg);
	return err;
}
