/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h: srd-vswitchd's configuration file (docs/config.md is the reference).
 *
 * An INI-like text file: [host], [bridge], [timers], [engine] once each, and any
 * number of [port "NAME"], [peer "NAME"] and [p2p "NAME"]; `key = value` lines,
 * `#` comments. srd_config_parse() turns it into a plain struct srd_config.
 *
 * Diagnostics: every problem is reported, not only the first, one per line in err:
 *     FILE:LINE: [SECTION] KEY: REASON
 *     FILE:LINE: warning: [SECTION] KEY: REASON
 * (no KEY when the problem is the section itself). A message that does not fit in
 * err is dropped and counted in a final "... N more" line.
 *
 * Errors: 0 on success (err may hold warnings), or a negative errno:
 *   -EINVAL  the text has at least one error (all of them are in err)
 *   -EFBIG   larger than SRD_CONFIG_MAX_BYTES
 *   -ENOMEM  no memory for the parser's bookkeeping
 *   other    from open(2) / read(2) (srd_config_load)
 * On failure *cfg holds whatever parsed and must not be used.
 *
 * struct srd_config is large (about 300 KiB): allocate it, do not put it on a stack.
 */
#ifndef SRD_CTL_CONFIG_H
#define SRD_CTL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "encap/conn.h"
#include "encap/keyring.h"

#define SRD_CONFIG_MAX_BYTES (1u << 20)   /* largest config file */
#define SRD_CONFIG_MAX_LINE 1024u         /* longest line, end of line excluded */
#define SRD_CONFIG_MAX_PEERS 256u         /* [peer] sections */
#define SRD_CONFIG_MAX_PORTS 1024u        /* [port] sections */
#define SRD_CONFIG_MAX_P2P 1024u          /* [p2p] sections */
#define SRD_CONFIG_MAX_PEER_VNIS 64u      /* VNIs in one peer's vni list */
#define SRD_CONFIG_MAX_STATIC_MACS 16u    /* MACs in one port's static-mac list */
#define SRD_CONFIG_IFNAME_MAX 15u         /* port and p2p names (tap devices) */
#define SRD_CONFIG_NAME_MAX 63u           /* peer names */
#define SRD_CONFIG_PATH_MAX 255u          /* psk-file */
#define SRD_CONFIG_SOCK_MAX 107u          /* ctl-socket: sun_path minus the NUL */
#define SRD_CONFIG_VNI_MAX 0xffffffu      /* VNIs are 24 bits, 0 is not one */
#define SRD_CONFIG_MTU_AUTO 0u            /* mtu = auto */
#define SRD_CONFIG_SPI_AUTO 0u            /* spi-low = auto: from the address */
#define SRD_CONFIG_DEFAULT_SOCKET "/run/srdvs/srd-vswitchd.sock"
#define SRD_CONFIG_TARGET_DELAY_NS 500000ull /* [timers] target-delay default */

/* An underlay address. */
struct srd_config_addr {
	sa_family_t family;    /* AF_INET or AF_INET6 */
	struct srd_addr addr;  /* IPv4 as ::ffff:a.b.c.d, as the key derivation sees it */
};

/* [host]: this host. */
struct srd_config_host {
	struct srd_config_addr underlay;          /* local underlay address */
	uint16_t port;                            /* UDP destination port, ours and peers' */
	uint16_t paths;                           /* default UDP source ports per peer */
	char psk_file[SRD_CONFIG_PATH_MAX + 1];   /* pre-shared key file (ctl/psk_file.h) */
	bool psk_inline;                          /* psk holds the key (OVSDB srd-psk) */
	uint8_t psk[SRD_PSK_LEN];                 /* that key; wipe the config after use */
	char ctl_socket[SRD_CONFIG_SOCK_MAX + 1]; /* srdctl's unix socket */
	uint32_t cipher;                          /* enum srd_psp_version to send with */
	uint32_t spi_low;                         /* our SPI low bits, or SRD_CONFIG_SPI_AUTO */
	uint64_t key_period_ns;                   /* key generation length */
	uint64_t key_grace_ns;                    /* old generation accepted after a switch */
	uint32_t key_offset;                      /* commanded rotations (same on all hosts) */
	bool busy_poll;                           /* datapath spins instead of sleeping */
};

/* [bridge]: the built-in L2 bridge. */
struct srd_config_bridge {
	uint64_t mac_aging_ns;   /* a learned MAC is forgotten after this idle time */
	uint32_t mac_table_size; /* most MAC entries, learned and static */
};

/* [timers] and [engine]: struct srd_conn_cfg settings shared by all peers. */
struct srd_config_engine {
	uint64_t ack_delay_ns;      /* [timers] ack-delay */
	uint64_t initial_rtt_ns;    /* [timers] initial-rtt */
	uint64_t pto_floor_ns;      /* [timers] probe-timeout-floor */
	uint64_t giveup_ns;         /* [timers] giveup */
	uint64_t hold_ns;           /* [timers] reorder-hold */
	uint64_t probe_interval_ns; /* [timers] dead-path-probe */
	uint64_t target_delay_ns;   /* [timers] target-delay */
	uint32_t ack_every;         /* [engine] ack-every */
	uint32_t giveup_tries;      /* [engine] giveup-tries */
	uint32_t dead_after;        /* [engine] dead-after */
	uint32_t lanes;             /* [engine] lanes */
	uint32_t max_payload;       /* [engine] max-payload */
	uint32_t send_slots;        /* [engine] send-slots */
	uint32_t rob_slots;         /* [engine] reorder-slots */
	uint32_t rob_ring;          /* [engine] reorder-window */
	uint32_t cwnd_init;         /* [engine] cwnd-init */
	uint32_t cwnd_min;          /* [engine] cwnd-min */
	uint32_t cwnd_max;          /* [engine] cwnd-max */
	uint32_t path_cap;          /* [engine] path-cap, 0 = auto */
	bool pacing;                /* [engine] pacing */
};

/* A list of MAC addresses. */
struct srd_config_macs {
	uint32_t n;                                   /* entries used */
	uint8_t mac[SRD_CONFIG_MAX_STATIC_MACS][6];   /* unicast, in file order */
};

/* A list of VNIs. */
struct srd_config_vnis {
	uint32_t n;                              /* entries used */
	uint32_t vni[SRD_CONFIG_MAX_PEER_VNIS];  /* 1..SRD_CONFIG_VNI_MAX, in file order */
};

/* [port "NAME"]: a guest-facing tap port on the built-in bridge. */
struct srd_config_port {
	char name[SRD_CONFIG_IFNAME_MAX + 1]; /* tap device name */
	uint32_t vni;                         /* its virtual network */
	uint32_t mtu;                         /* bytes, or SRD_CONFIG_MTU_AUTO */
	struct srd_config_macs static_macs;   /* MACs always forwarded to this port */
};

/* [peer "NAME"]: a remote host. */
struct srd_config_peer {
	char name[SRD_CONFIG_NAME_MAX + 1]; /* operator's name for it */
	struct srd_config_addr underlay;    /* its underlay address */
	uint16_t port;                      /* its UDP destination port */
	uint16_t paths;                     /* UDP source ports towards it */
	uint32_t spi_low;                   /* its SPI low bits, or SRD_CONFIG_SPI_AUTO */
	struct srd_config_vnis vnis;        /* VNIs the bridge floods to it */
};

/* [p2p "NAME"]: a tap carrying every frame of one VNI to one peer. */
struct srd_config_p2p {
	char name[SRD_CONFIG_IFNAME_MAX + 1]; /* tap device name */
	char peer[SRD_CONFIG_NAME_MAX + 1];   /* the peer's name */
	uint32_t peer_idx;                    /* index of that peer in peers[] */
	uint32_t vni;                         /* the VNI carried */
	uint32_t mtu;                         /* bytes, or SRD_CONFIG_MTU_AUTO */
};

/* A whole configuration; every default already filled in. */
struct srd_config {
	struct srd_config_host host;                           /* [host] */
	struct srd_config_bridge bridge;                       /* [bridge] */
	struct srd_config_engine engine;                       /* [timers] and [engine] */
	uint32_t n_ports;                                      /* ports[] used */
	uint32_t n_peers;                                      /* peers[] used */
	uint32_t n_p2p;                                        /* p2p[] used */
	uint32_t n_warnings;                                   /* warnings reported */
	struct srd_config_port ports[SRD_CONFIG_MAX_PORTS];    /* in file order */
	struct srd_config_peer peers[SRD_CONFIG_MAX_PEERS];    /* in file order */
	struct srd_config_p2p p2p[SRD_CONFIG_MAX_P2P];         /* in file order */
};

/* Parse len bytes of text (need not be NUL-terminated); name is the file name used in
 * messages. err may be NULL when err_len is 0. */
int srd_config_parse(const char *text, size_t len, const char *name,
		     struct srd_config *cfg, char *err, size_t err_len);
/* Read path (a regular file of at most SRD_CONFIG_MAX_BYTES) and parse it. */
int srd_config_load(const char *path, struct srd_config *cfg, char *err,
		    size_t err_len);

/* Flags of the _ex variants. SRD_CONFIG_OVSDB: the file of srd-vswitchd --ovsdb,
 * which gets this host's identity (underlay, key) and its peers and ports from OVSDB
 * (ctl/ovs_conf.h): [host] is optional, its underlay and psk-file keys and every
 * [port], [peer] and [p2p] section are errors. */
#define SRD_CONFIG_OVSDB 1u
int srd_config_parse_ex(const char *text, size_t len, const char *name,
			unsigned flags, struct srd_config *cfg, char *err, size_t err_len);
int srd_config_load_ex(const char *path, unsigned flags, struct srd_config *cfg,
		       char *err, size_t err_len);
/* Parse an underlay address as the underlay keys do (IPv4 or IPv6, not unspecified,
 * multicast, broadcast or IPv4-mapped). 0, or -EINVAL with the reason in why. */
int srd_config_parse_addr(const char *val, struct srd_config_addr *a, char *why,
			  size_t why_len);
/* The address as text ("?" if it has no family); returns buf. */
const char *srd_config_addr_str(const struct srd_config_addr *a,
				char buf[INET6_ADDRSTRLEN]);
/* A name as ports, p2p ports and peers take it: 1..max of A-Z a-z 0-9 . _ -, not
 * "." or "..". With max = SRD_CONFIG_IFNAME_MAX, a valid tap device name. */
bool srd_config_name_ok(const char *name, size_t max);
/* Write cfg back as a config file that parses to the same struct. Returns the length
 * the text needs (like snprintf: truncated and NUL-terminated when it is >= cap). */
size_t srd_config_format(const struct srd_config *cfg, char *buf, size_t cap);
/* The engine settings for peers[peer]: srd_conn_cfg_default() overlaid with [timers],
 * [engine] and the peer's paths. rand stays NULL. Returns 0 or -EINVAL (no such peer). */
int srd_config_to_conn_cfg(const struct srd_config *cfg, unsigned peer,
			   struct srd_conn_cfg *out);
/* Index of the peer called name, or -ENOENT. */
int srd_config_peer_find(const struct srd_config *cfg, const char *name);

#endif
