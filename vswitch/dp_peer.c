// SPDX-License-Identifier: Apache-2.0
/*
 * dp_peer.c: peers. A peer is a remote host: one SRD connection carrying every VNI
 * to it, a sealing key derived for its address, and its slot in the address hash
 * that the underlay receive path looks senders up in.
 *
 * Restart of a peer: when its daemon restarts, its new connection announces a newer
 * session (protocol.md, sessions) and srd_conn_recv() answers -ECONNRESET; the
 * connection is rebuilt here (dp_peer_reset) and the packet handed to the new one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vswitch/dp_int.h"

static const char *const path_state_names[] = {
	"ACTIVE", "SUSPECT", "DEAD", "PROBING",
};

uint32_t dp_spi_low_of(const struct srd_config_addr *a, uint32_t configured)
{
	if (configured != SRD_CONFIG_SPI_AUTO)
		return configured;
	return srd_keyring_spi_low_from_addr(&a->addr);
}

static uint32_t addr_hash(const struct srd_addr *a)
{
	uint64_t x, y;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	x ^= y * 0x9e3779b97f4a7c15ull;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return (uint32_t)x & (DP_PEER_HASH - 1);
}

/* Rebuild the address hash from the used slots (control path). */
static void peer_hash_rebuild(struct srd_dp *dp)
{
	unsigned i;

	memset(dp->peer_hash, 0xff, sizeof(dp->peer_hash));
	for (i = 0; i < DP_MAX_PEERS; i++) {
		uint32_t h;

		if (!dp->peers[i].used)
			continue;
		h = addr_hash(&dp->peers[i].addr);
		while (dp->peer_hash[h] != DP_NO_PEER)
			h = (h + 1) & (DP_PEER_HASH - 1);
		dp->peer_hash[h] = (uint16_t)i;
	}
}

struct dp_peer *dp_peer_by_addr(struct srd_dp *dp, const union srd_sockaddr *sa)
{
	struct srd_addr a;
	uint32_t h, n;

	if (srd_addr_from_sockaddr(&a, &sa->sa) < 0)
		return NULL;
	for (h = addr_hash(&a), n = 0; n < DP_PEER_HASH && dp->peer_hash[h] != DP_NO_PEER;
	     h = (h + 1) & (DP_PEER_HASH - 1), n++) {
		struct dp_peer *p = &dp->peers[dp->peer_hash[h]];

		if (!memcmp(p->addr.b, a.b, sizeof(a.b)))
			return p;
	}
	return NULL;
}

int dp_peer_by_name(const struct srd_dp *dp, const char *name)
{
	unsigned i;

	for (i = 0; i < DP_MAX_PEERS; i++)
		if (dp->peers[i].used && !strcmp(dp->peers[i].cfg.name, name))
			return (int)i;
	return -ENOENT;
}

bool dp_peer_carries(const struct dp_peer *p, uint32_t vni)
{
	uint32_t i;

	for (i = 0; i < p->cfg.vnis.n; i++)
		if (p->cfg.vnis.vni[i] == vni)
			return true;
	return false;
}

/* Key the sealing SA for the keyring's current generation. */
int dp_peer_rekey(struct srd_dp *dp, struct dp_peer *p)
{
	struct srd_psp_sa sa;
	uint32_t gen = srd_keyring_tx_gen(&dp->kr);
	int err;

	if (p->tx_sa_set && p->tx_gen == gen)
		return 0;
	err = srd_keyring_tx_sa(&dp->kr, &p->addr, gen, dp->spi_low, dp->cipher, &sa);
	if (err < 0)
		return err;
	if (p->tx_sa_set)
		srd_psp_sa_fini(&p->tx_sa);
	p->tx_sa = sa;
	p->tx_sa_set = true;
	p->tx_gen = gen;
	p->cnt.rekeys++;
	return 0;
}

static int peer_new_conn(struct srd_dp *dp, struct dp_peer *p)
{
	uint64_t session = srd_realtime_ns();

	p->conn = srd_conn_new(&p->conn_cfg, session, dp->now);
	if (!p->conn)
		return -ENOMEM;
	p->created_ns = dp->now;
	p->dirty = true;
	p->deadline = 0;
	return 0;
}

int dp_peer_add(struct srd_dp *dp, const struct srd_config *cfg, unsigned ci,
		char **errp)
{
	const struct srd_config_peer *pc = &cfg->peers[ci];
	struct dp_peer *p = NULL;
	unsigned i;
	int err;

	for (i = 0; i < DP_MAX_PEERS && !p; i++)
		if (!dp->peers[i].used)
			p = &dp->peers[i];
	if (!p)
		return dp_err(errp, -ENOSPC, "peer %s: no free peer slot", pc->name);
	memset(p, 0, sizeof(*p));
	p->idx = (uint32_t)(p - dp->peers);
	p->cfg = *pc;
	p->addr = pc->underlay.addr;
	p->spi_low = dp_spi_low_of(&pc->underlay, pc->spi_low);
	dp_sockaddr_of(&p->dst, &pc->underlay, pc->port);
	p->rl = (struct srd_ratelimit){ .interval_ns = 1000000000ull, .burst = 20 };
	srd_config_to_conn_cfg(cfg, ci, &p->conn_cfg);
	p->conn_cfg.rand = dp_rand;
	p->conn_cfg.rand_user = dp;
	err = dp_peer_rekey(dp, p);
	if (err < 0)
		return dp_err(errp, err, "peer %s: cannot derive its key", pc->name);
	err = peer_new_conn(dp, p);
	if (err < 0) {
		srd_psp_sa_fini(&p->tx_sa);
		return dp_err(errp, err, "peer %s: cannot create its connection "
			      "(engine settings?)", pc->name);
	}
	p->used = true;
	peer_hash_rebuild(dp);
	dp_slots_update(dp);
	srd_info("peer %s: added (%s paths %u)", pc->name,
		 pc->underlay.family == AF_INET ? "IPv4" : "IPv6", pc->paths);
	return 0;
}

void dp_peer_remove(struct srd_dp *dp, unsigned slot)
{
	struct dp_peer *p = &dp->peers[slot];

	if (!p->used)
		return;
	srd_info("peer %s: removed", p->cfg.name);
	dp_bridge_forget_peer(dp, slot);
	srd_conn_free(p->conn);
	if (p->tx_sa_set)
		srd_psp_sa_fini(&p->tx_sa);
	memset(p, 0, sizeof(*p));
	peer_hash_rebuild(dp);
	dp_slots_update(dp);
}

/* A new connection for new settings (engine, address, port, paths), in the same slot:
 * its p2p ports and their taps stay, so a switch attached to them sees nothing. */
int dp_peer_rebuild(struct srd_dp *dp, unsigned slot, const struct srd_config *cfg,
		    unsigned ci, char **errp)
{
	struct dp_peer *p = &dp->peers[slot];
	const struct srd_config_peer *pc = &cfg->peers[ci];
	struct srd_conn *old = p->conn;
	int err;

	p->cfg = *pc;
	p->addr = pc->underlay.addr;
	p->spi_low = dp_spi_low_of(&pc->underlay, pc->spi_low);
	dp_sockaddr_of(&p->dst, &pc->underlay, pc->port);
	srd_config_to_conn_cfg(cfg, ci, &p->conn_cfg);
	p->conn_cfg.rand = dp_rand;
	p->conn_cfg.rand_user = dp;
	if (p->tx_sa_set)
		srd_psp_sa_fini(&p->tx_sa);
	p->tx_sa_set = false;
	err = dp_peer_rekey(dp, p);
	if (!err)
		err = peer_new_conn(dp, p);
	if (err < 0) {
		p->conn = old;
		dp_peer_remove(dp, slot);
		return dp_err(errp, err, "peer %s: cannot rebuild its connection", pc->name);
	}
	srd_conn_free(old);
	dp_bridge_forget_peer(dp, slot);
	peer_hash_rebuild(dp);
	p->cnt.resets++;
	srd_info("peer %s: connection rebuilt for new settings (paths %u)", pc->name,
		 pc->paths);
	return 0;
}

/* The peer restarted: a new connection, bound to its new session by the packet the
 * caller hands to it next. Frames queued for the old session are lost. */
int dp_peer_reset(struct srd_dp *dp, struct dp_peer *p)
{
	struct srd_conn *old = p->conn;
	int err = peer_new_conn(dp, p);

	if (err < 0) {
		p->conn = old;
		return err;
	}
	srd_conn_free(old);
	p->cnt.resets++;
	dp->cnt.peer_resets++;
	srd_log_rl(&p->rl, dp->now, SRD_LOG_INFO,
		   "peer %s: new session from the peer (restarted?): connection rebuilt",
		   p->cfg.name);
	return 0;
}

/* A path dying or coming back is news; a brief suspicion (one loss) is not. */
static enum srd_log_level path_event_level(const struct srd_event *ev)
{
	bool minor = (ev->from == SRD_PATH_ACTIVE || ev->from == SRD_PATH_SUSPECT) &&
		     (ev->to == SRD_PATH_ACTIVE || ev->to == SRD_PATH_SUSPECT);

	return minor ? SRD_LOG_DEBUG : SRD_LOG_INFO;
}

/* Log what the engine reports: path state changes and give-ups. */
void dp_peer_events(struct srd_dp *dp, struct dp_peer *p)
{
	struct srd_event ev;

	while (srd_conn_poll_event(p->conn, &ev) == 1) {
		if (ev.type == SRD_EV_PATH_STATE)
			srd_log_rl(&p->rl, dp->now, path_event_level(&ev),
				   "peer %s: path %u %s -> %s", p->cfg.name, ev.path,
				   path_state_names[ev.from], path_state_names[ev.to]);
		else if (ev.type == SRD_EV_GIVE_UP)
			srd_log_rl(&p->rl, dp->now, SRD_LOG_DEBUG,
				   "peer %s: gave up lane %u seq %u (%u packets)",
				   p->cfg.name, ev.lane, ev.seq, ev.count);
	}
}

unsigned dp_peer_paths_in(const struct dp_peer *p, enum srd_path_state st)
{
	struct srd_path_stats ps;
	unsigned i, n = 0;

	for (i = 0; i < p->conn_cfg.npaths; i++) {
		srd_conn_path_stats(p->conn, i, &ps);
		n += ps.state == st;
	}
	return n;
}
