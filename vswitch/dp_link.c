// SPDX-License-Identifier: Apache-2.0
/*
 * dp_link.c: this host's link to the underlay: the UDP port and the PSP keys, made
 * from [host] underlay, port and psk-file (or OVSDB's srd-local-ip, srd-udp-port,
 * srd-psk-file / srd-psk).
 *
 * From a file the link is opened once, at start, and a reload that changes it is
 * refused (dp_reload.c). In OVSDB mode the daemon starts unlinked when those keys
 * are not set yet, and dp_link_sync() relinks when they change: the port and the
 * keys are reopened with the new settings and the next dp_apply_config() rebuilds
 * every peer's connection in its slot, so p2p taps stay where a switch attached them.
 * Without settings (or when reopening fails) there is no link and no peer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ctl/psk_file.h"
#include "vswitch/dp_int.h"

/* Paths the underlay port opens: enough for every peer, and room to add some; in
 * OVSDB mode every row may ask for up to the most a connection can use. */
static unsigned udp_paths_for(const struct srd_dp *dp, const struct srd_config *cfg)
{
	unsigned n = cfg->host.paths > 64 ? cfg->host.paths : 64, i;

	if (dp->ovs_mode)
		return SRD_CONN_MAX_PATHS;
	for (i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].paths > n)
			n = cfg->peers[i].paths;
	return n;
}

static int dp_open_underlay(struct srd_dp *dp, const struct srd_config *cfg,
			    char **errp)
{
	struct srd_port_cfg pc = { .name = "underlay" };
	char *why = NULL;
	int err;

	dp_sockaddr_of(&pc.udp.local, &cfg->host.underlay, cfg->host.port);
	pc.udp.base_sport = DP_BASE_SPORT;
	pc.udp.npaths = (uint16_t)udp_paths_for(dp, cfg);
	err = srd_port_open("udp", &pc, &dp->udp, &why);
	if (err < 0) {
		dp_err(errp, err, "underlay: %s", why ? why : "cannot open");
		free(why);
		return err;
	}
	dp->udp_paths = pc.udp.npaths;
	return srd_loop_add(dp->loop, srd_port_fd(dp->udp), dp_underlay_input, dp);
}

static int dp_open_keys(struct srd_dp *dp, const struct srd_config *cfg, char **errp)
{
	struct srd_keyring_opts ko = {
		.period_ns = cfg->host.key_period_ns,
		.grace_ns = cfg->host.key_grace_ns,
		.offset = cfg->host.key_offset,
	};
	uint8_t psk[SRD_PSK_LEN];
	char why[256] = "";
	int err = 0;

	if (cfg->host.psk_inline)
		memcpy(psk, cfg->host.psk, sizeof(psk));
	else
		err = srd_psk_load(cfg->host.psk_file, psk, why, sizeof(why));
	if (err < 0)
		return dp_err(errp, err, "[host] psk-file: %s", why);
	err = srd_psp_rx_init(&dp->rx);
	if (!err)
		err = srd_keyring_init(&dp->kr, psk, &cfg->host.underlay.addr, &ko);
	OPENSSL_cleanse(psk, sizeof(psk));
	if (err < 0)
		return dp_err(errp, err, "keys: cannot set up the keyring");
	dp->spi_low = dp_spi_low_of(&cfg->host.underlay, cfg->host.spi_low);
	dp->cipher = cfg->host.cipher;
	return dp_keys_tick(dp);
}

int dp_link_open(struct srd_dp *dp, const struct srd_config *cfg, char **errp)
{
	int err = dp_open_keys(dp, cfg, errp);

	if (!err)
		err = dp_open_underlay(dp, cfg, errp);
	if (err < 0) {
		dp_link_close(dp);     /* peers cannot work without a link */
		return err;
	}
	dp->linked = true;
	dp->link_host = cfg->host;
	return 0;
}

/* The underlay port and the keys only; the peers stay. */
static void link_close_io(struct srd_dp *dp)
{
	if (dp->udp) {
		srd_loop_del(dp->loop, srd_port_fd(dp->udp));
		srd_port_close(dp->udp);
		dp->udp = NULL;
	}
	srd_keyring_fini(&dp->kr);
	srd_psp_rx_fini(&dp->rx);
	memset(&dp->kr, 0, sizeof(dp->kr));
	memset(&dp->rx, 0, sizeof(dp->rx));
	if (dp->tx_pool)
		srd_pktpool_put(dp->tx_pool, dp->backlog, dp->n_backlog);
	dp->n_backlog = 0;
	dp->linked = false;
	OPENSSL_cleanse(&dp->link_host, sizeof(dp->link_host));
}

void dp_link_close(struct srd_dp *dp)
{
	unsigned i;

	for (i = 0; i < DP_MAX_PEERS; i++)
		dp_peer_remove(dp, i);
	link_close_io(dp);
}

bool dp_link_same(const struct srd_config_host *a, const struct srd_config_host *b)
{
	return a->underlay.family == b->underlay.family &&
	       !memcmp(&a->underlay.addr, &b->underlay.addr, sizeof(a->underlay.addr)) &&
	       a->port == b->port && !strcmp(a->psk_file, b->psk_file) &&
	       a->psk_inline == b->psk_inline &&
	       !CRYPTO_memcmp(a->psk, b->psk, sizeof(a->psk));
}

int dp_link_sync(struct srd_dp *dp, const struct srd_config *cfg, char **errp)
{
	if (dp->linked && dp_link_same(&dp->link_host, &cfg->host))
		return 0;
	if (!cfg->host.underlay.family) {
		dp_link_close(dp);
		return 0;
	}
	if (dp->linked) {
		srd_info("underlay settings changed: relinking (every connection restarts)");
		link_close_io(dp);
		dp->relinked = true;   /* dp_apply_config rebuilds every peer in place */
	}
	return dp_link_open(dp, cfg, errp);
}
