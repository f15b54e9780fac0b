/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp_int.h: the datapath's internals, shared by the dp_*.c files (see dp.h).
 *
 * Slots. Ports and peers live in fixed arrays; a slot index never changes while the
 * port or peer exists, so the MAC table and the p2p ports can name them by index.
 * A reload adds into free slots and frees removed ones.
 *
 * Hot path rules: nothing here allocates or logs per packet. Every drop is counted,
 * in struct dp_counters (host-wide), struct dp_peer_counters (per peer) or a port's
 * own struct srd_port_stats.
 */
#ifndef SRD_VSWITCH_DP_INT_H
#define SRD_VSWITCH_DP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/config.h"
#include "encap/conn.h"
#include "encap/keyring.h"
#include "encap/psp.h"
#include "vswitch/dp.h"
#include "vswitch/log.h"
#include "vswitch/loop.h"
#include "vswitch/port.h"
#include "vswitch/pktbuf.h"

#define DP_BURST 64u                 /* packets per rx_burst / srd_conn_write */
#define DP_MAX_PORTS (SRD_CONFIG_MAX_PORTS + SRD_CONFIG_MAX_P2P) /* tap slots */
#define DP_MAX_PEERS SRD_CONFIG_MAX_PEERS  /* peer slots */
#define DP_PEER_HASH 1024u           /* address lookup slots, power of two */
#define DP_TX_POOL 1024u             /* sealed packets, queued or being sent */
#define DP_BASE_SPORT 49152u         /* path p leaves from UDP port 49152 + p */
#define DP_TX_RETRY_NS 20000u        /* underlay full: try again this much later */
#define DP_MAC_EXPIRE_NS 100000000ull /* MAC aging scan period */
#define DP_MAC_EXPIRE_BUDGET 4096u   /* MAC slots scanned per aging tick */
#define DP_NO_PEER 0xffffu           /* peer hash: empty slot */

/* Host-wide counters: packets that never reached a connection, and guest drops. */
struct dp_counters {
	uint64_t rx_unknown_peer;   /* datagrams from an address that is no peer */
	uint64_t rx_malformed;      /* PSP header did not parse, or not srdvs's framing */
	uint64_t rx_no_key;         /* SPI's key generation not installed */
	uint64_t auth_failures;     /* ICV mismatch: forged, corrupted or wrong key */
	uint64_t rx_spi_mismatch;   /* authentic, but with another host's SPI */
	uint64_t rx_vni_denied;     /* frames on a VNI the sending peer may not use */
	uint64_t rx_no_port;        /* frames for a VNI with no local port */
	uint64_t guest_no_peer;     /* guest frames for a peer that is gone */
	uint64_t guest_unknown;     /* guest frames too short to be Ethernet */
	uint64_t guest_oversize;    /* guest frames larger than SRD can carry */
	uint64_t sendbuf_full;      /* guest frames refused: connection's buffer full */
	uint64_t tap_tx_drops;      /* frames a guest tap would not take (full, down) */
	uint64_t tx_backlog_drops;  /* sealed packets dropped: underlay backlog full */
	uint64_t tx_backlog_peak;   /* most packets ever waiting for the underlay */
	uint64_t floods;            /* frames flooded (broadcast, multicast, unknown) */
	uint64_t local_switched;    /* frames switched between two local ports */
	uint64_t peer_resets;       /* connections rebuilt because a peer restarted */
	uint64_t loop_turns;        /* event loop iterations */
	uint64_t reloads;           /* configurations applied */
	uint64_t reload_failures;   /* reloads refused (the old config stays) */
};

/* Per-peer counters the engine does not keep. */
struct dp_peer_counters {
	uint64_t auth_failures;   /* packets from its address that failed the ICV */
	uint64_t rx_malformed;    /* packets from its address with a bad PSP header */
	uint64_t rx_dropped;      /* authentic packets the engine refused */
	uint64_t frames_in;       /* frames delivered from it to local ports */
	uint64_t frames_out;      /* frames queued towards it */
	uint64_t resets;          /* times its connection was rebuilt */
	uint64_t rekeys;          /* transmit SA re-derivations (key rotation) */
};

/* A remote host. */
struct dp_peer {
	bool used;                   /* slot holds a peer */
	bool dirty;                  /* the connection may have packets to write */
	uint32_t idx;                /* this slot's index */
	struct srd_config_peer cfg;  /* as configured */
	union srd_sockaddr dst;      /* its underlay address and destination port */
	struct srd_addr addr;        /* its address as keys see it */
	uint32_t spi_low;            /* SPI low bits it sends with */
	struct srd_conn_cfg conn_cfg;/* engine settings */
	struct srd_conn *conn;       /* the SRD connection */
	struct srd_psp_sa tx_sa;     /* sealing key towards it */
	bool tx_sa_set;              /* tx_sa is keyed */
	uint32_t tx_gen;             /* key generation of tx_sa */
	uint64_t created_ns;         /* when the current connection was made */
	uint64_t deadline;           /* cached srd_conn_next_expiry */
	uint32_t n_p2p;              /* p2p ports for it: 0 spares the receive path a lookup */
	struct dp_peer_counters cnt; /* counters */
	struct srd_ratelimit rl;     /* for its path-state log lines */
};

/* A guest tap: a bridge port, or a p2p port for one (peer, VNI). */
struct dp_port {
	struct srd_dp *dp;           /* owner (the loop callback gets only the port) */
	bool used;                   /* slot holds a port */
	bool p2p;                    /* point-to-point port */
	char name[SRD_CONFIG_IFNAME_MAX + 1]; /* tap device name */
	uint32_t vni;                /* its VNI */
	uint32_t peer;               /* p2p: peer slot */
	char peer_name[SRD_CONFIG_NAME_MAX + 1]; /* p2p: peer name (for reload) */
	unsigned mtu;                /* tap MTU set */
	struct srd_config_port cfg;  /* as configured (p2p: only mtu is used) */
	struct srd_port *port;       /* the tap */
	uint64_t rx_frames;          /* frames read from the guest */
	uint64_t tx_frames;          /* frames written to the guest */
};

struct srd_mactable;
struct srd_ctl_server;
struct dp_ovs;

struct srd_dp {
	struct srd_config *cfg;           /* running configuration (heap) */
	bool configured;                  /* cfg holds an applied configuration */
	char cfg_path[4096];              /* file reload reads */
	char ctl_path[SRD_CONFIG_SOCK_MAX + 1]; /* control socket */
	struct srd_loop *loop;            /* event loop */
	bool stop;                        /* leave srd_dp_run */
	int sig_fd;                       /* signalfd: HUP, TERM, INT */
	uint64_t start_ns;                /* CLOCK_MONOTONIC at start */
	uint64_t now;                     /* CLOCK_MONOTONIC of this loop turn */

	bool linked;                      /* udp, kr and rx are open (dp_link.c) */
	bool relinked;                    /* reopened: the next apply rebuilds every peer */
	struct srd_config_host link_host; /* the settings udp and kr were opened with */
	bool ovs_mode;                    /* configured from OVSDB (dp_ovs.c) */
	struct dp_ovs *ovs;               /* the OVSDB client, in OVSDB mode */
	struct srd_port *udp;             /* underlay port */
	unsigned udp_paths;               /* its paths (sockets) */
	struct srd_keyring kr;            /* PSP master keys */
	struct srd_psp_rx rx;             /* receiving keys */
	uint32_t spi_low;                 /* our SPI low bits */
	unsigned cipher;                  /* enum srd_psp_version we seal with */
	uint64_t rng;                     /* state of the engines' rand callback */

	struct dp_peer peers[DP_MAX_PEERS];  /* peer slots */
	unsigned peer_hw;                    /* 1 + highest used peer slot: hot loops stop there */
	unsigned port_hw;                    /* 1 + highest used port slot */
	uint16_t peer_hash[DP_PEER_HASH];    /* address -> peer slot, DP_NO_PEER */
	struct dp_port *ports;               /* DP_MAX_PORTS tap slots (heap) */
	struct srd_mactable *macs;           /* bridge MAC table */
	uint64_t next_mac_expire;            /* next aging scan */

	struct srd_pktpool *rx_pool;      /* underlay receive buffers */
	struct srd_pktpool *guest_pool;   /* guest receive buffers */
	struct srd_pktpool *tx_pool;      /* sealed packets */
	struct srd_pkt *rx_pkts[DP_BURST];    /* underlay burst (held for good) */
	struct srd_pkt *guest_pkts[DP_BURST]; /* guest burst (held for good) */
	struct srd_pkt *backlog[DP_TX_POOL];  /* sealed, not yet taken by the kernel */
	unsigned n_backlog;               /* packets in backlog */
	uint64_t backlog_retry;           /* when to try the backlog again */
	uint8_t *frame_buf;               /* one frame read from a connection */
	struct srd_pkt frame_pkt;         /* frame_buf as a packet for tap tx */

	struct srd_ctl_server *ctl;       /* srdctl's socket */
	struct dp_counters cnt;           /* host-wide counters */
	struct srd_ratelimit rl;          /* host-wide log rate limit */
};

/* dp_peer.c */
int dp_peer_add(struct srd_dp *dp, const struct srd_config *cfg, unsigned ci,
		char **errp);
void dp_peer_remove(struct srd_dp *dp, unsigned slot);
int dp_peer_rebuild(struct srd_dp *dp, unsigned slot, const struct srd_config *cfg,
		    unsigned ci, char **errp);
struct dp_peer *dp_peer_by_addr(struct srd_dp *dp, const union srd_sockaddr *sa);
int dp_peer_by_name(const struct srd_dp *dp, const char *name);
int dp_peer_rekey(struct srd_dp *dp, struct dp_peer *p);
int dp_peer_reset(struct srd_dp *dp, struct dp_peer *p);
void dp_peer_events(struct srd_dp *dp, struct dp_peer *p);
bool dp_peer_carries(const struct dp_peer *p, uint32_t vni);
/* Paths of p's connection in state st. */
unsigned dp_peer_paths_in(const struct dp_peer *p, enum srd_path_state st);
uint32_t dp_spi_low_of(const struct srd_config_addr *a, uint32_t configured);

/* dp_port.c */
int dp_port_add_bridge(struct srd_dp *dp, const struct srd_config_port *pc,
		       char **errp);
int dp_port_add_p2p(struct srd_dp *dp, const struct srd_config_p2p *pc,
		    unsigned peer_slot, char **errp);
void dp_port_remove(struct srd_dp *dp, unsigned slot, bool shutdown);
int dp_port_by_name(const struct srd_dp *dp, const char *name);
int dp_p2p_port_of(const struct srd_dp *dp, unsigned peer, uint32_t vni);
unsigned dp_auto_mtu(const struct srd_config *cfg);
bool dp_tap_send(struct srd_dp *dp, struct dp_port *port, struct srd_pkt *pkt);

/* dp_guest.c */
uint16_t dp_flow_lane(const uint8_t *frame, size_t len, uint16_t lanes);
void dp_guest_input(void *user, int fd);
int dp_guest_to_peer(struct srd_dp *dp, struct dp_peer *p, uint32_t vni,
		     const struct srd_pkt *pkt);

/* dp_underlay.c */
void dp_underlay_input(void *user, int fd);
void dp_underlay_flush(struct srd_dp *dp);
void dp_peer_deliver(struct srd_dp *dp, struct dp_peer *p);

/* dp_bridge.c */
int dp_bridge_init(struct srd_dp *dp, const struct srd_config *cfg);
void dp_bridge_fini(struct srd_dp *dp);
void dp_bridge_from_guest(struct srd_dp *dp, struct dp_port *in, struct srd_pkt *pkt);
void dp_bridge_from_peer(struct srd_dp *dp, struct dp_peer *p, uint32_t vni,
			 struct srd_pkt *pkt);
void dp_bridge_forget_peer(struct srd_dp *dp, unsigned slot);
void dp_bridge_forget_port(struct srd_dp *dp, unsigned slot);
int dp_bridge_add_static(struct srd_dp *dp, unsigned port_slot);
void dp_bridge_expire(struct srd_dp *dp);
void dp_bridge_set_aging(struct srd_dp *dp, uint64_t aging_ns);

/* dp_timer.c */
void dp_timers_run(struct srd_dp *dp);
uint64_t dp_timers_next(struct srd_dp *dp);
int dp_keys_tick(struct srd_dp *dp);

/* dp_reload.c */
int dp_apply_config(struct srd_dp *dp, const struct srd_config *cfg, char **errp);
/* What dp_apply_config refuses before it changes anything: -EINVAL (why in errp). */
int dp_config_check(const struct srd_dp *dp, const struct srd_config *cfg, char **errp);

/* dp_link.c */
int dp_link_open(struct srd_dp *dp, const struct srd_config *cfg, char **errp);
void dp_link_close(struct srd_dp *dp);
bool dp_link_same(const struct srd_config_host *a, const struct srd_config_host *b);
int dp_link_sync(struct srd_dp *dp, const struct srd_config *cfg, char **errp);

/* dp_ovs.c, dp_ovs_status.c */
int dp_ovs_open(struct srd_dp *dp, const char *remote, const struct srd_config *base,
		char **errp);
void dp_ovs_close(struct srd_dp *dp);
int dp_ovs_reload(struct srd_dp *dp, const struct srd_config *base, char **errp);
void dp_ovs_run(struct srd_dp *dp);
uint64_t dp_ovs_next(const struct srd_dp *dp);

/* dp_ctl.c */
int dp_ctl_open(struct srd_dp *dp, char **errp);
void dp_ctl_close(struct srd_dp *dp);

/* dp.c */
void dp_slots_update(struct srd_dp *dp);
int dp_err(char **errp, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t dp_rand(void *user);
void dp_sockaddr_of(union srd_sockaddr *sa, const struct srd_config_addr *a,
		    uint16_t port);

#endif
