/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_keys.c: every section and key of the config file, with types, ranges and
 * defaults. docs/config.md documents exactly these tables.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/config_int.h"
#include "encap/psp.h"
#include "encap/wire.h"

#define MS 1000000ull
#define S 1000000000ull
#define U32 0xffffffffull
#define FLD(st, f) offsetof(struct st, f), sizeof(((struct st *)0)->f)

/* key(name, type, struct, field, required, min, max) */
#define KEY(n, t, st, f, req, lo, hi) { n, t, FLD(st, f), req, lo, hi }

static const struct cfg_key host_keys[] = {
	KEY("underlay", CT_ADDR, srd_config_host, underlay, true, 0, 0),
	KEY("port", CT_UINT, srd_config_host, port, false, 1, 65535),
	KEY("paths", CT_UINT, srd_config_host, paths, false, 1, SRD_CONN_MAX_PATHS),
	KEY("psk-file", CT_PATH, srd_config_host, psk_file, true, 1, SRD_CONFIG_PATH_MAX),
	KEY("ctl-socket", CT_PATH, srd_config_host, ctl_socket, false, 1,
	    SRD_CONFIG_SOCK_MAX),
	KEY("cipher", CT_CIPHER, srd_config_host, cipher, false, 0, 0),
	KEY("spi-low", CT_SPI, srd_config_host, spi_low, false, 1, SRD_SPI_LOW_MASK),
	KEY("key-period", CT_DUR, srd_config_host, key_period_ns, false,
	    SRD_KEYRING_PERIOD_MIN, 7 * 86400 * S),
	KEY("key-grace", CT_DUR, srd_config_host, key_grace_ns, false, 1 * S, 86400 * S),
	KEY("key-offset", CT_UINT, srd_config_host, key_offset, false, 0, U32),
	KEY("busy-poll", CT_BOOL, srd_config_host, busy_poll, false, 0, 1),
};

static const struct cfg_key bridge_keys[] = {
	KEY("mac-aging", CT_DUR, srd_config_bridge, mac_aging_ns, false, 1 * S, 86400 * S),
	KEY("mac-table-size", CT_UINT, srd_config_bridge, mac_table_size, false, 16,
	    1u << 20),
};

static const struct cfg_key timers_keys[] = {
	KEY("ack-delay", CT_DUR, srd_config_engine, ack_delay_ns, false, 0, 1 * S),
	KEY("initial-rtt", CT_DUR, srd_config_engine, initial_rtt_ns, false, 1000, 10 * S),
	KEY("probe-timeout-floor", CT_DUR, srd_config_engine, pto_floor_ns, false, 0,
	    10 * S),
	KEY("giveup", CT_DUR, srd_config_engine, giveup_ns, false, 1 * MS, 60 * S),
	KEY("reorder-hold", CT_DUR, srd_config_engine, hold_ns, false, 1 * MS, 60 * S),
	KEY("dead-path-probe", CT_DUR, srd_config_engine, probe_interval_ns, false, 1000,
	    60 * S),
	KEY("target-delay", CT_DUR, srd_config_engine, target_delay_ns, false, 1000, 1 * S),
};

static const struct cfg_key engine_keys[] = {
	KEY("ack-every", CT_UINT, srd_config_engine, ack_every, false, 1, 1024),
	KEY("giveup-tries", CT_UINT, srd_config_engine, giveup_tries, false, 1, 1024),
	KEY("dead-after", CT_UINT, srd_config_engine, dead_after, false, 1, 1024),
	KEY("lanes", CT_UINT, srd_config_engine, lanes, false, 1, 65535),
	KEY("max-payload", CT_UINT, srd_config_engine, max_payload, false,
	    SRD_WIRE_MAX_HDR + 64, 65000),
	KEY("send-slots", CT_UINT, srd_config_engine, send_slots, false, 16, 1u << 20),
	KEY("reorder-slots", CT_UINT, srd_config_engine, rob_slots, false, 16, 1u << 20),
	KEY("reorder-window", CT_POW2, srd_config_engine, rob_ring, false, 16, 1u << 16),
	KEY("cwnd-init", CT_UINT, srd_config_engine, cwnd_init, false, 1, 1u << 20),
	KEY("cwnd-min", CT_UINT, srd_config_engine, cwnd_min, false, 1, 1u << 20),
	KEY("cwnd-max", CT_UINT, srd_config_engine, cwnd_max, false, 1, 1u << 20),
	KEY("path-cap", CT_AUTO, srd_config_engine, path_cap, false, 1, 1u << 20),
	KEY("pacing", CT_BOOL, srd_config_engine, pacing, false, 0, 1),
};

static const struct cfg_key port_keys[] = {
	KEY("vni", CT_UINT, srd_config_port, vni, true, 1, SRD_CONFIG_VNI_MAX),
	KEY("mtu", CT_AUTO, srd_config_port, mtu, false, 68, 65535),
	KEY("static-mac", CT_MACS, srd_config_port, static_macs, false, 1,
	    SRD_CONFIG_MAX_STATIC_MACS),
};

static const struct cfg_key peer_keys[] = {
	KEY("underlay", CT_ADDR, srd_config_peer, underlay, true, 0, 0),
	KEY("vni", CT_VNIS, srd_config_peer, vnis, false, 1, SRD_CONFIG_MAX_PEER_VNIS),
	KEY("port", CT_UINT, srd_config_peer, port, false, 1, 65535),
	KEY("paths", CT_UINT, srd_config_peer, paths, false, 1, SRD_CONN_MAX_PATHS),
	KEY("spi-low", CT_SPI, srd_config_peer, spi_low, false, 1, SRD_SPI_LOW_MASK),
};

static const struct cfg_key p2p_keys[] = {
	KEY("peer", CT_NAME, srd_config_p2p, peer, true, 1, SRD_CONFIG_NAME_MAX),
	KEY("vni", CT_UINT, srd_config_p2p, vni, true, 1, SRD_CONFIG_VNI_MAX),
	KEY("mtu", CT_AUTO, srd_config_p2p, mtu, false, 68, 65535),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const struct cfg_sect cfg_sects[CS_COUNT] = {
	[CS_HOST] = { "host", false, 0, 1, host_keys, N(host_keys) },
	[CS_BRIDGE] = { "bridge", false, 0, 1, bridge_keys, N(bridge_keys) },
	[CS_TIMERS] = { "timers", false, 0, 1, timers_keys, N(timers_keys) },
	[CS_ENGINE] = { "engine", false, 0, 1, engine_keys, N(engine_keys) },
	[CS_PORT] = { "port", true, SRD_CONFIG_IFNAME_MAX, SRD_CONFIG_MAX_PORTS,
		      port_keys, N(port_keys) },
	[CS_PEER] = { "peer", true, SRD_CONFIG_NAME_MAX, SRD_CONFIG_MAX_PEERS,
		      peer_keys, N(peer_keys) },
	[CS_P2P] = { "p2p", true, SRD_CONFIG_IFNAME_MAX, SRD_CONFIG_MAX_P2P,
		     p2p_keys, N(p2p_keys) },
};

_Static_assert(N(engine_keys) <= CFG_MAX_KEYS && N(host_keys) <= CFG_MAX_KEYS,
	       "CFG_MAX_KEYS too small");

void *cfg_inst(struct srd_config *cfg, enum cfg_sect_id s, unsigned i)
{
	switch (s) {
	case CS_HOST:
		return &cfg->host;
	case CS_BRIDGE:
		return &cfg->bridge;
	case CS_TIMERS:
	case CS_ENGINE:
		return &cfg->engine;
	case CS_PORT:
		return &cfg->ports[i];
	case CS_PEER:
		return &cfg->peers[i];
	default:
		return &cfg->p2p[i];
	}
}

const void *cfg_inst_const(const struct srd_config *cfg, enum cfg_sect_id s,
			   unsigned i)
{
	return cfg_inst((struct srd_config *)cfg, s, i);
}

static void engine_defaults(struct srd_config_engine *e)
{
	struct srd_conn_cfg d;

	srd_conn_cfg_default(&d);
	e->ack_delay_ns = d.ack_delay_ns;
	e->initial_rtt_ns = d.initial_rtt_ns;
	e->pto_floor_ns = d.pto_floor_ns;
	e->giveup_ns = d.giveup_ns;
	e->hold_ns = d.hold_ns;
	e->probe_interval_ns = d.probe_interval_ns;
	/* The engine's 50 us suits a fabric measured in hardware; srd-vswitchd's RTTs
	 * include a software datapath (tap, epoll wake-ups, sockets) whose scheduling
	 * noise alone exceeds it and would hold the window at its minimum
	 * (docs/performance.md). */
	e->target_delay_ns = SRD_CONFIG_TARGET_DELAY_NS;
	e->ack_every = d.ack_every;
	e->giveup_tries = d.giveup_tries;
	e->dead_after = d.dead_after;
	e->lanes = d.lanes;
	e->max_payload = d.max_payload;
	e->send_slots = d.send_slots;
	e->rob_slots = d.rob_slots;
	e->rob_ring = d.rob_ring;
	e->cwnd_init = d.cwnd_init;
	e->cwnd_min = d.cwnd_min;
	e->cwnd_max = d.cwnd_max;
	e->path_cap = d.path_cap;
	e->pacing = d.pacing;
}

/* Named instances start zeroed (mtu auto, no list entries, peer port and paths 0:
 * "as [host]", filled in by cfg_check). */
void cfg_defaults(struct srd_config *cfg, enum cfg_sect_id s, unsigned i)
{
	(void)i;
	switch (s) {
	case CS_HOST:
		cfg->host.port = SRD_PSP_UDP_PORT;
		cfg->host.paths = 16;
		strcpy(cfg->host.ctl_socket, SRD_CONFIG_DEFAULT_SOCKET);
		cfg->host.cipher = SRD_PSP_V1_AES_GCM_256;
		cfg->host.key_period_ns = SRD_KEYRING_PERIOD_DEFAULT;
		cfg->host.key_grace_ns = SRD_KEYRING_GRACE_DEFAULT;
		break;
	case CS_BRIDGE:
		cfg->bridge.mac_aging_ns = 300 * S;
		cfg->bridge.mac_table_size = 8192;
		break;
	case CS_TIMERS:
	case CS_ENGINE:
		engine_defaults(&cfg->engine);
		break;
	default:
		break;
	}
}

int cfg_key_index(enum cfg_sect_id s, const char *name)
{
	unsigned i;

	for (i = 0; i < cfg_sects[s].nkeys; i++)
		if (strcmp(cfg_sects[s].keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

void cfg_sect_desc(const struct srd_config *cfg, enum cfg_sect_id s, unsigned i,
		   char *buf, size_t len)
{
	if (cfg_sects[s].named)
		snprintf(buf, len, "[%s \"%s\"]", cfg_sects[s].kind,
			 (const char *)cfg_inst_const(cfg, s, i));
	else
		snprintf(buf, len, "[%s]", cfg_sects[s].kind);
}
