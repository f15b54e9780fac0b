// SPDX-License-Identifier: Apache-2.0
/*
 * dp_timer.c: every deadline of the datapath, in one place.
 *
 *   engine     each connection's srd_conn_next_expiry(): ACK delay, loss detection,
 *              probe timeout, give-up, dead-path probes, reorder hold, HELLO retry
 *              (cached in dp_peer.deadline, refreshed whenever the peer is flushed)
 *   keys       srd_keyring_next_expiry(): generation switch or end of grace
 *              (wall clock; converted to the monotonic clock here)
 *   mac aging  every DP_MAC_EXPIRE_NS a bounded scan of the MAC table
 *   backlog    underlay transmit queue full: retry after DP_TX_RETRY_NS
 *   control    srdctl clients past their deadline
 *   ovsdb      reconnect backoff, periodic status check, unsent output (dp_ovs.c)
 *
 * The loop sleeps on a timerfd armed at the earliest of them (loop.h). Connections
 * number at most DP_MAX_PEERS and each already keeps its own timer heap, so the
 * earliest is found by a scan of the peers.
 */
#include <string.h>

#include "ctl/ctl_server.h"
#include "vswitch/dp_int.h"
#include "vswitch/dp_ovs.h"

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int dp_keys_tick(struct srd_dp *dp)
{
	unsigned i;
	int err;

	if (!dp->linked)
		return 0;
	err = srd_keyring_tick(&dp->kr, srd_realtime_ns(), &dp->rx);
	if (err < 0)
		return err;
	for (i = 0; i < dp->peer_hw; i++) {
		if (!dp->peers[i].used)
			continue;
		err = dp_peer_rekey(dp, &dp->peers[i]);
		if (err < 0)
			srd_log_rl(&dp->rl, dp->now, SRD_LOG_ERR,
				   "peer %s: cannot derive the new key: %s",
				   dp->peers[i].cfg.name, strerror(-err));
	}
	return 0;
}

static uint64_t keys_deadline(const struct srd_dp *dp)
{
	uint64_t next, real;

	if (!dp->linked)
		return UINT64_MAX;
	next = srd_keyring_next_expiry(&dp->kr);
	real = srd_realtime_ns();
	return next <= real ? dp->now : dp->now + (next - real);
}

uint64_t dp_timers_next(struct srd_dp *dp)
{
	uint64_t next = min64(keys_deadline(dp), dp->next_mac_expire);
	unsigned i;

	for (i = 0; i < dp->peer_hw; i++)
		if (dp->peers[i].used)
			next = min64(next, dp->peers[i].deadline);
	if (dp->n_backlog)
		next = min64(next, dp->backlog_retry);
	if (dp->ctl)
		next = min64(next, srd_ctl_server_next_expiry(dp->ctl));
	return min64(next, dp_ovs_next(dp));
}

void dp_timers_run(struct srd_dp *dp)
{
	unsigned i;

	for (i = 0; i < dp->peer_hw; i++) {
		struct dp_peer *p = &dp->peers[i];

		if (!p->used || p->deadline > dp->now)
			continue;
		srd_conn_handle_expiry(p->conn, dp->now);
		p->dirty = true;
		dp_peer_deliver(dp, p);    /* a hold timeout may release frames */
	}
	if (keys_deadline(dp) <= dp->now && dp_keys_tick(dp) < 0)
		srd_log_rl(&dp->rl, dp->now, SRD_LOG_ERR, "key rotation failed");
	if (dp->next_mac_expire <= dp->now) {
		dp_bridge_expire(dp);
		dp->next_mac_expire = dp->now + DP_MAC_EXPIRE_NS;
	}
	if (dp->ctl)
		srd_ctl_server_run(dp->ctl, dp->now);
	dp_ovs_run(dp);
}
