// SPDX-License-Identifier: Apache-2.0
/*
 * dp.c: creating, running and freeing the datapath (dp.h).
 *
 * One loop turn: wait (loop.h) -> callbacks read the guest taps and the underlay
 * -> expired timers -> every connection with something to say writes, seals and
 * sends -> arm the timer for the earliest deadline. Signals arrive through a
 * signalfd in the same loop, so a reload or a shutdown happens between two turns,
 * never in the middle of a packet.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "vswitch/dp_int.h"

int dp_err(char **errp, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!errp)
		return err;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (*errp && msg) {
		char *both = NULL;

		if (asprintf(&both, "%s\n%s", *errp, msg) >= 0) {
			free(msg);
			msg = both;
		}
	}
	if (msg) {
		free(*errp);
		*errp = msg;
	}
	return err;
}

/* After a peer or port comes or goes: where the per-turn scans of the slot arrays
 * can stop (a datapath with 2 peers and 3 ports scans 2 and 3 slots, not 256 and
 * 2048). Control path only. */
void dp_slots_update(struct srd_dp *dp)
{
	unsigned i;

	dp->peer_hw = 0;
	for (i = 0; i < DP_MAX_PEERS; i++)
		if (dp->peers[i].used)
			dp->peer_hw = i + 1;
	dp->port_hw = 0;
	for (i = 0; dp->ports && i < DP_MAX_PORTS; i++)
		if (dp->ports[i].used)
			dp->port_hw = i + 1;
}

/* splitmix64: the engines' path choice needs speed, not secrecy. */
uint64_t dp_rand(void *user)
{
	struct srd_dp *dp = user;
	uint64_t z = (dp->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void dp_sockaddr_of(union srd_sockaddr *sa, const struct srd_config_addr *a,
		    uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	if (a->family == AF_INET) {
		sa->v4.sin_family = AF_INET;
		sa->v4.sin_port = htons(port);
		memcpy(&sa->v4.sin_addr, a->addr.b + 12, 4);
	} else {
		sa->v6.sin6_family = AF_INET6;
		sa->v6.sin6_port = htons(port);
		memcpy(&sa->v6.sin6_addr, a->addr.b, 16);
	}
}

static int dp_open_signals(struct srd_dp *dp)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	dp->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (dp->sig_fd < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void dp_signal(void *user, int fd)
{
	struct srd_dp *dp = user;
	struct signalfd_siginfo si;
	char *why = NULL;

	dp->now = srd_now_ns();
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			srd_info("signal %u: shutting down", si.ssi_signo);
			dp->stop = true;
			continue;
		}
		srd_info("SIGHUP: reloading %s", dp->cfg_path[0] ? dp->cfg_path : "(defaults)");
		srd_log_reopen();
		if (srd_dp_reload(dp, &why) < 0)
			srd_err("reload failed, configuration unchanged:\n%s",
				why ? why : "");
		free(why);
		why = NULL;
	}
}

static int dp_alloc_buffers(struct srd_dp *dp, const struct srd_config *cfg)
{
	uint32_t tx_size = cfg->engine.max_payload + SRD_PSP_HDR_LEN + SRD_PSP_ICV_LEN;

	dp->ports = calloc(DP_MAX_PORTS, sizeof(*dp->ports));
	dp->cfg = calloc(1, sizeof(*dp->cfg));
	dp->frame_buf = malloc(SRD_CONN_MAX_FRAME);
	dp->rx_pool = srd_pktpool_new(DP_BURST, 65536, 0);
	dp->guest_pool = srd_pktpool_new(DP_BURST, SRD_PKT_FRAME_MAX, 0);
	dp->tx_pool = srd_pktpool_new(DP_TX_POOL, tx_size, 0);
	if (!dp->ports || !dp->cfg || !dp->frame_buf || !dp->rx_pool ||
	    !dp->guest_pool || !dp->tx_pool)
		return -ENOMEM;
	srd_pktpool_get(dp->rx_pool, dp->rx_pkts, DP_BURST);
	srd_pktpool_get(dp->guest_pool, dp->guest_pkts, DP_BURST);
	dp->frame_pkt.buf = dp->frame_buf;
	dp->frame_pkt.cap = SRD_CONN_MAX_FRAME;
	return 0;
}

static int dp_setup(struct srd_dp *dp, const struct srd_config *cfg,
		    const struct srd_dp_opts *opts, char **errp)
{
	int err;

	snprintf(dp->cfg_path, sizeof(dp->cfg_path), "%s",
		 opts->config_path ? opts->config_path : "");
	snprintf(dp->ctl_path, sizeof(dp->ctl_path), "%s",
		 opts->ctl_path ? opts->ctl_path : cfg->host.ctl_socket);
	dp->now = dp->start_ns = srd_now_ns();
	dp->ovs_mode = opts->ovsdb != NULL;
	memset(dp->peer_hash, 0xff, sizeof(dp->peer_hash));   /* no peers yet */
	if (getrandom(&dp->rng, sizeof(dp->rng), 0) != sizeof(dp->rng))
		dp->rng = dp->now;
	dp->rl = (struct srd_ratelimit){ .interval_ns = 1000000000ull, .burst = 20 };
	if (dp_alloc_buffers(dp, cfg) < 0)
		return dp_err(errp, -ENOMEM, "out of memory");
	dp->loop = srd_loop_new(cfg->host.busy_poll);
	if (!dp->loop)
		return dp_err(errp, -errno, "event loop: %s", strerror(errno));
	err = dp_open_signals(dp);
	if (!err)
		err = srd_loop_add(dp->loop, dp->sig_fd, dp_signal, dp);
	if (err < 0)
		return dp_err(errp, err, "signals: %s", strerror(-err));
	err = dp_ctl_open(dp, errp);    /* first: a live daemon on it is the clearest error */
	if (err < 0)
		return err;
	if (cfg->host.underlay.family && (err = dp_link_open(dp, cfg, errp)) < 0)
		return err;
	err = dp_bridge_init(dp, cfg);
	if (err < 0)
		return dp_err(errp, err, "[bridge] mac-table-size: cannot allocate");
	err = dp_apply_config(dp, cfg, errp);
	if (!err && dp->ovs_mode)
		err = dp_ovs_open(dp, opts->ovsdb, cfg, errp);
	return err;
}

int srd_dp_new(const struct srd_config *cfg, const struct srd_dp_opts *opts,
	       struct srd_dp **out, char **errp)
{
	struct srd_dp *dp = calloc(1, sizeof(*dp));
	int err;

	if (!dp)
		return dp_err(errp, -ENOMEM, "out of memory");
	dp->sig_fd = -1;
	err = dp_setup(dp, cfg, opts, errp);
	if (err < 0) {
		srd_dp_free(dp);
		return err;
	}
	*out = dp;
	return 0;
}

int srd_dp_run(struct srd_dp *dp)
{
	while (!dp->stop) {
		int n = srd_loop_wait(dp->loop);

		if (n < 0)
			return n;
		dp->now = srd_now_ns();
		dp->cnt.loop_turns++;
		dp_timers_run(dp);
		dp_underlay_flush(dp);
		srd_loop_arm(dp->loop, dp_timers_next(dp));
	}
	return 0;
}

void srd_dp_stop(struct srd_dp *dp)
{
	dp->stop = true;
}

void srd_dp_free(struct srd_dp *dp)
{
	unsigned i;

	if (!dp)
		return;
	dp_ovs_close(dp);
	dp_ctl_close(dp);
	for (i = 0; dp->ports && i < DP_MAX_PORTS; i++)
		dp_port_remove(dp, i, true);
	for (i = 0; i < DP_MAX_PEERS; i++)
		dp_peer_remove(dp, i);
	dp_bridge_fini(dp);
	dp_link_close(dp);
	if (dp->sig_fd >= 0)
		close(dp->sig_fd);
	srd_loop_free(dp->loop);
	srd_pktpool_free(dp->rx_pool);
	srd_pktpool_free(dp->guest_pool);
	srd_pktpool_free(dp->tx_pool);
	free(dp->frame_buf);
	free(dp->ports);
	free(dp->cfg);
	free(dp);
}
