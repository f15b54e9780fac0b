/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config.c: the srd-vswitchd config file (ctl/config.h, docs/config.md): every
 * key at its edges, every error class with its exact message and line, warnings,
 * the cross-section rules, the writer's round trip, the example files.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/config.h"
#include "tests/check.h"

/* Three lines every valid test file starts with. */
#define HOST "[host]\nunderlay = 198.18.1.1\npsk-file = /etc/srdvs/psk\n"

static struct srd_config cfg, cfg2;
static char err[16384];
static char text[1 << 17];

static int parse(const char *t)
{
	return srd_config_parse(t, strlen(t), "t.conf", &cfg, err, sizeof(err));
}

/* err holds want as one whole line. */
static bool has_line(const char *want)
{
	char line[600];

	snprintf(line, sizeof(line), "%s\n", want);
	if (strncmp(err, line, strlen(line)) == 0)
		return true;
	snprintf(line, sizeof(line), "\n%s\n", want);
	return strstr(err, line) != NULL;
}

/* t fails, and err holds want (a whole line). */
static void rejects(const char *t, const char *want)
{
	CHECK_EQ(parse(t), -EINVAL);
	if (!has_line(want))
		fprintf(stderr, "  wanted: %s\n  got:\n%s", want, err);
	CHECK(has_line(want));
}

static void accepts(const char *t)
{
	int ret = parse(t);

	if (ret)
		fprintf(stderr, "  unexpected: %s", err);
	CHECK_EQ(ret, 0);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- the basics ---- */

static void same_conn_cfg(const struct srd_conn_cfg *a, const struct srd_conn_cfg *b)
{
	CHECK_EQ(a->npaths, b->npaths);
	CHECK_EQ(a->lanes, b->lanes);
	CHECK_EQ(a->max_payload, b->max_payload);
	CHECK_EQ(a->send_slots, b->send_slots);
	CHECK_EQ(a->rob_slots, b->rob_slots);
	CHECK_EQ(a->rob_ring, b->rob_ring);
	CHECK_EQ(a->ack_delay_ns, b->ack_delay_ns);
	CHECK_EQ(a->ack_every, b->ack_every);
	CHECK_EQ(a->initial_rtt_ns, b->initial_rtt_ns);
	CHECK_EQ(a->pto_floor_ns, b->pto_floor_ns);
	CHECK_EQ(a->giveup_ns, b->giveup_ns);
	CHECK_EQ(a->giveup_tries, b->giveup_tries);
	CHECK_EQ(a->hold_ns, b->hold_ns);
	CHECK_EQ(a->probe_interval_ns, b->probe_interval_ns);
	CHECK_EQ(a->dead_after, b->dead_after);
	CHECK_EQ(a->target_delay_ns, b->target_delay_ns);
	CHECK_EQ(a->cwnd_init, b->cwnd_init);
	CHECK_EQ(a->cwnd_min, b->cwnd_min);
	CHECK_EQ(a->cwnd_max, b->cwnd_max);
	CHECK_EQ(a->path_cap, b->path_cap);
	CHECK_EQ(a->pacing, b->pacing);
	CHECK(a->rand == b->rand && a->rand_user == b->rand_user);
}

static void parse__minimal_has_defaults(void)
{
	struct srd_conn_cfg d, got;

	accepts(HOST);
	CHECK_EQ(err[0], 0);
	CHECK_EQ(cfg.host.underlay.family, AF_INET);
	CHECK_MEM(cfg.host.underlay.addr.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x12\x01\x01", 16);
	CHECK_EQ(cfg.host.port, 1000);
	CHECK_EQ(cfg.host.paths, 16);
	CHECK(strcmp(cfg.host.psk_file, "/etc/srdvs/psk") == 0);
	CHECK(strcmp(cfg.host.ctl_socket, SRD_CONFIG_DEFAULT_SOCKET) == 0);
	CHECK_EQ(cfg.host.cipher, 1);
	CHECK_EQ(cfg.host.key_period_ns, 3600000000000ull);
	CHECK_EQ(cfg.host.key_grace_ns, 60000000000ull);
	CHECK_EQ(cfg.bridge.mac_aging_ns, 300000000000ull);
	CHECK_EQ(cfg.bridge.mac_table_size, 8192);
	CHECK_EQ(cfg.n_ports + cfg.n_peers + cfg.n_p2p + cfg.n_warnings, 0);
	/* A peer's engine settings are srd_conn_cfg_default's, but for the software
	 * datapath's delay target. */
	accepts(HOST "[peer \"b\"]\nunderlay = 198.18.2.1\n");
	srd_conn_cfg_default(&d);
	CHECK_EQ(d.target_delay_ns, 50000);
	d.target_delay_ns = SRD_CONFIG_TARGET_DELAY_NS;
	CHECK_EQ(srd_config_to_conn_cfg(&cfg, 0, &got), 0);
	same_conn_cfg(&got, &d);
	CHECK_EQ(srd_config_to_conn_cfg(&cfg, 1, &got), -EINVAL);
}

static void parse__comments_blanks_crlf_quotes(void)
{
	accepts("# leading comment\r\n\r\n   \t\r\n  [ host ]  # trailing\r\n"
		"\tunderlay=198.18.1.1# no blank before the comment\r\n"
		"  psk-file   =   \"/etc/srd vs/#psk \\\"q\\\" \\\\\"   # quoted\r\n"
		"ctl-socket = /run/a\\b\r\n[peer \"b\"]\r\nunderlay = 198.18.2.1");
	CHECK(strcmp(cfg.host.psk_file, "/etc/srd vs/#psk \"q\" \\") == 0);
	CHECK(strcmp(cfg.host.ctl_socket, "/run/a\\b") == 0);
	CHECK_EQ(cfg.n_peers, 1);
	CHECK(strcmp(cfg.peers[0].name, "b") == 0);
	rejects("", "t.conf:1: [host]: missing section (required, with underlay and psk-file)");
}

static void parse__durations(void)
{
	static const struct {
		const char *v;   /* written */
		uint64_t ns;     /* read */
	} ok[] = { { "0", 0 }, { "1000ns", 1000 }, { "20us", 20000 }, { "3ms", 3000000 },
		   { "1s", 1000000000 }, { "0005us", 5000 }, { "1000000000ns", 1000000000 } };
	char t[256];
	unsigned i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(t, sizeof(t), HOST "[timers]\nack-delay = %s\n", ok[i].v);
		accepts(t);
		CHECK_EQ(cfg.engine.ack_delay_ns, ok[i].ns);
	}
	rejects(HOST "[timers]\nack-delay = 20\n",
		"t.conf:5: [timers] ack-delay: 20 needs a unit (ns, us, ms, s)");
	rejects(HOST "[timers]\nack-delay = 20 us\n",
		"t.conf:5: [timers] ack-delay: \"20 us\" has an unknown unit (ns, us, ms, s)");
	rejects(HOST "[timers]\nack-delay = 2m\n",
		"t.conf:5: [timers] ack-delay: \"2m\" has an unknown unit (ns, us, ms, s)");
	rejects(HOST "[timers]\nack-delay = 1.5ms\n",
		"t.conf:5: [timers] ack-delay: \"1.5ms\" has an unknown unit (ns, us, ms, s)");
	rejects(HOST "[timers]\nack-delay = us\n",
		"t.conf:5: [timers] ack-delay: \"us\" is not a duration (a number and a unit: 20us, 100ms, 1s)");
	rejects(HOST "[timers]\nack-delay = -1us\n",
		"t.conf:5: [timers] ack-delay: \"-1us\" is not a duration (a number and a unit: 20us, 100ms, 1s)");
	rejects(HOST "[timers]\nack-delay = 99999999999999999999s\n",
		"t.conf:5: [timers] ack-delay: 99999999999999999999s is out of range (0..1s)");
	rejects(HOST "[timers]\nack-delay = 18446744073s\n",
		"t.conf:5: [timers] ack-delay: 18446744073s is out of range (0..1s)");
	rejects(HOST "[timers]\ngiveup = 0\n",
		"t.conf:5: [timers] giveup: 0 is out of range (1ms..60s)");
}

/* ---- every key at its edges ---- */

struct edge {
	const char *sect;  /* section header line */
	const char *key;   /* the key */
	const char *lo;    /* smallest accepted value */
	const char *hi;    /* largest accepted value */
	const char *bad;   /* a value just outside */
	const char *why;   /* the message for bad, after "KEY: " */
};

static const struct edge edges[] = {
	{ "[host]", "port", "1", "65535", "65536", "65536 is out of range (1..65535)" },
	{ "[host]", "port", "1", "65535", "0", "0 is out of range (1..65535)" },
	{ "[host]", "paths", "1", "256", "257", "257 is out of range (1..256)" },
	{ "[host]", "ctl-socket", "/", "/run/srdvs/012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345",
	  "/run/srdvs/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456",
	  "path is 108 bytes, longer than 107" },
	{ "[host]", "cipher", "aes-gcm-128", "aes-gcm-256", "aes-gcm", "\"aes-gcm\" is not a cipher (aes-gcm-128, aes-gcm-256)" },
	{ "[host]", "spi-low", "0x1", "0x7fffffff", "0x80000000", "0x80000000 is out of range (0x1..0x7fffffff)" },
	{ "[host]", "spi-low", "auto", "0X7FFFFFFF", "12", "\"12\" is not auto or a hex number (0x1..0x7fffffff)" },
	{ "[host]", "key-period", "480s", "604800s", "59s", "59s is out of range (60s..604800s)" },
	{ "[host]", "key-grace", "1s", "450s", "999ms", "999ms is out of range (1s..86400s)" },
	{ "[host]", "key-offset", "0", "4294967295", "4294967296", "4294967296 is out of range (0..4294967295)" },
	{ "[host]", "busy-poll", "no", "yes", "2", "\"2\" is not a boolean (yes, no, true, false, on, off)" },
	{ "[bridge]", "mac-aging", "1s", "86400s", "86401s", "86401s is out of range (1s..86400s)" },
	{ "[bridge]", "mac-table-size", "16", "1048576", "15", "15 is out of range (16..1048576)" },
	{ "[timers]", "ack-delay", "0", "1s", "1000000001ns", "1000000001ns is out of range (0..1s)" },
	{ "[timers]", "initial-rtt", "1us", "10s", "999ns", "999ns is out of range (1us..10s)" },
	{ "[timers]", "probe-timeout-floor", "0", "10s", "11s", "11s is out of range (0..10s)" },
	{ "[timers]", "giveup", "1ms", "60s", "61s", "61s is out of range (1ms..60s)" },
	{ "[timers]", "reorder-hold", "1ms", "60s", "999us", "999us is out of range (1ms..60s)" },
	{ "[timers]", "dead-path-probe", "1us", "60s", "0", "0 is out of range (1us..60s)" },
	{ "[timers]", "target-delay", "1us", "1s", "2s", "2s is out of range (1us..1s)" },
	{ "[engine]", "ack-every", "1", "1024", "0", "0 is out of range (1..1024)" },
	{ "[engine]", "giveup-tries", "1", "1024", "1025", "1025 is out of range (1..1024)" },
	{ "[engine]", "dead-after", "1", "1024", "0", "0 is out of range (1..1024)" },
	{ "[engine]", "lanes", "1", "65535", "65536", "65536 is out of range (1..65535)" },
	{ "[engine]", "max-payload", "65000", "65000", "65001", "65001 is out of range (900..65000)" },
	{ "[engine]", "max-payload", "900", "1400", "899", "899 is out of range (900..65000)" },
	{ "[engine]", "send-slots", "16", "1048576", "1048577", "1048577 is out of range (16..1048576)" },
	{ "[engine]", "reorder-slots", "16", "1048576", "8", "8 is out of range (16..1048576)" },
	{ "[engine]", "reorder-window", "16", "65536", "131072", "131072 is out of range (16..65536)" },
	{ "[engine]", "reorder-window", "16", "65536", "48", "48 is not a power of two" },
	{ "[engine]", "cwnd-init", "4", "4096", "+5", "\"+5\" is not a decimal number" },
	{ "[engine]", "cwnd-min", "1", "32", "0", "0 is out of range (1..1048576)" },
	{ "[engine]", "cwnd-max", "32", "1048576", "1048577", "1048577 is out of range (1..1048576)" },
	{ "[engine]", "path-cap", "1", "1048576", "0", "0 is out of range (1..1048576)" },
	{ "[engine]", "path-cap", "auto", "8", "many", "\"many\" is not auto or a decimal number" },
	{ "[engine]", "pacing", "off", "on", "", "empty value" },
	{ "[engine]", "pacing", "false", "true", "Yes", "\"Yes\" is not a boolean (yes, no, true, false, on, off)" },
	{ "[port \"p\"]\nvni = 1", "mtu", "68", "65535", "67", "67 is out of range (68..65535)" },
	{ "[port \"p\"]\nvni = 1", "mtu", "auto", "9000", "0x10", "\"0x10\" is not a decimal number" },
	{ "[port \"p\"]\nmtu = 1500", "vni", "1", "16777215", "16777216", "16777216 is out of range (1..16777215)" },
	{ "[port \"p\"]\nvni = 1", "static-mac", "02:00:00:00:00:01", "fe:ff:ff:ff:ff:ff", "02:00:00:00:00",
	  "\"02:00:00:00:00\" is not a MAC address (02:00:00:00:00:01)" },
	{ "[port \"p\"]\nvni = 1", "static-mac", "0a:Bc:dE:00:00:01", "02:00:00:00:00:01", "00:00:00:00:00:00",
	  "00:00:00:00:00:00 is all zeros" },
	{ "[peer \"q\"]\nunderlay = 198.18.2.1", "paths", "1", "256", "300", "300 is out of range (1..256)" },
	{ "[peer \"q\"]\nunderlay = 198.18.2.1", "port", "1", "65535", "70000", "70000 is out of range (1..65535)" },
	{ "[peer \"q\"]\nunderlay = 198.18.2.1", "vni", "1", "16777215", "0", "0 is out of range (1..16777215)" },
	{ "[peer \"q\"]\nunderlay = 198.18.2.1", "spi-low", "0x1", "0x7fffffff", "0x0", "0x0 is out of range (0x1..0x7fffffff)" },
	{ "[peer \"q\"]\nunderlay = 198.18.2.1", "spi-low", "0xabc", "auto", "0x123456789", "\"0x123456789\" is not auto or a hex number (0x1..0x7fffffff)" },
	{ "[peer \"q\"]\nunderlay = 198.18.2.1\n[p2p \"r\"]\npeer = q", "vni", "1", "16777215", "abc", "\"abc\" is not a decimal number" },
	{ "[peer \"q\"]\nunderlay = 198.18.2.1\n[p2p \"r\"]\npeer = q\nvni = 1", "mtu", "68", "65535", "65536", "65536 is out of range (68..65535)" },
};

/* "[peer \"q\"]" -> [peer "q"] as messages print it: the first line. */
static void sect_of(const char *sect, char *out, size_t len)
{
	const char *nl = strrchr(sect, '\n'), *hdr = sect;

	if (nl) {  /* the last header in a multi-line setup */
		const char *p;

		for (p = sect; (p = strchr(p, '[')) != NULL; p++)
			hdr = p;
	}
	snprintf(out, len, "%.*s", (int)(strchr(hdr, ']') - hdr + 1), hdr);
}

static void parse__every_key_at_its_edges(void)
{
	char t[1024], want[512], sect[64];
	unsigned i, line;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const struct edge *e = &edges[i];

		snprintf(t, sizeof(t), HOST "%s\n%s = %s\n", e->sect, e->key, e->lo);
		if (strcmp(e->sect, "[host]") == 0)
			snprintf(t, sizeof(t), HOST "%s = %s\n", e->key, e->lo);
		accepts(t);
		*strrchr(t, '=') = '\0';
		snprintf(t + strlen(t), sizeof(t) - strlen(t), "= %s\n", e->hi);
		accepts(t);
		*strrchr(t, '=') = '\0';
		snprintf(t + strlen(t), sizeof(t) - strlen(t), "= %s\n", e->bad);
		line = count_lines(t);
		sect_of(e->sect, sect, sizeof(sect));
		snprintf(want, sizeof(want), "t.conf:%u: %s %s: %s", line, sect, e->key, e->why);
		rejects(t, want);
	}
}

static void parse__values_land_in_the_struct(void)
{
	accepts(HOST "paths = 256\nport = 65535\ncipher = aes-gcm-128\nspi-low = 0x7fffffff\n"
		"key-period = 80s\nkey-grace = 10s\nkey-offset = 7\nbusy-poll = on\n"
		"[bridge]\nmac-aging = 1s\nmac-table-size = 16\n"
		"[timers]\nack-delay = 1us\ninitial-rtt = 2us\nprobe-timeout-floor = 3us\n"
		"giveup = 4ms\nreorder-hold = 5ms\ndead-path-probe = 6us\ntarget-delay = 7us\n"
		"[engine]\nack-every = 8\ngiveup-tries = 9\ndead-after = 10\nlanes = 11\n"
		"max-payload = 1200\nsend-slots = 100\nreorder-slots = 200\nreorder-window = 64\n"
		"cwnd-init = 12\ncwnd-min = 12\ncwnd-max = 13\npath-cap = 14\npacing = true\n"
		"[peer \"q\"]\nunderlay = 198.18.2.1\n");
	CHECK_EQ(cfg.host.paths, 256);
	CHECK_EQ(cfg.host.port, 65535);
	CHECK_EQ(cfg.host.cipher, 0);
	CHECK_EQ(cfg.host.spi_low, 0x7fffffff);
	CHECK_EQ(cfg.host.key_offset, 7);
	CHECK(cfg.host.busy_poll);
	CHECK_EQ(cfg.bridge.mac_table_size, 16);
	CHECK_EQ(cfg.peers[0].paths, 256);  /* from [host] */
	CHECK_EQ(cfg.peers[0].port, 65535);
	struct srd_conn_cfg cc;

	CHECK_EQ(srd_config_to_conn_cfg(&cfg, 0, &cc), 0);
	CHECK_EQ(cc.npaths, 256);
	CHECK_EQ(cc.ack_delay_ns, 1000);
	CHECK_EQ(cc.initial_rtt_ns, 2000);
	CHECK_EQ(cc.pto_floor_ns, 3000);
	CHECK_EQ(cc.giveup_ns, 4000000);
	CHECK_EQ(cc.hold_ns, 5000000);
	CHECK_EQ(cc.probe_interval_ns, 6000);
	CHECK_EQ(cc.target_delay_ns, 7000);
	CHECK_EQ(cc.ack_every, 8);
	CHECK_EQ(cc.giveup_tries, 9);
	CHECK_EQ(cc.dead_after, 10);
	CHECK_EQ(cc.lanes, 11);
	CHECK_EQ(cc.max_payload, 1200);
	CHECK_EQ(cc.send_slots, 100);
	CHECK_EQ(cc.rob_slots, 200);
	CHECK_EQ(cc.rob_ring, 64);
	CHECK_EQ(cc.cwnd_init, 12);
	CHECK_EQ(cc.cwnd_min, 12);
	CHECK_EQ(cc.cwnd_max, 13);
	CHECK_EQ(cc.path_cap, 14);
	CHECK(cc.pacing);
	CHECK(cc.rand == NULL);
	cc.rand = NULL;
	struct srd_conn *conn = srd_conn_new(&cc, 1, 0);  /* the engine takes it */

	CHECK(conn != NULL);
	srd_conn_free(conn);
}

/* ---- addresses, lists, names ---- */

static void parse__addresses(void)
{
	accepts("[host]\nunderlay = 2001:db8::1\npsk-file = /k\n"
		"[peer \"a\"]\nunderlay = 2001:DB8:0:0:0:0:0:2\n"
		"[peer \"b\"]\nunderlay = fe80::3\n[peer \"c\"]\nunderlay = ::1\n");
	CHECK_EQ(cfg.host.underlay.family, AF_INET6);
	CHECK_MEM(cfg.peers[0].underlay.addr.b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	rejects(HOST "[peer \"a\"]\nunderlay = 198.18.2\n",
		"t.conf:5: [peer \"a\"] underlay: \"198.18.2\" is not an IPv4 or IPv6 address");
	rejects(HOST "[peer \"a\"]\nunderlay = fe80::1%eth0\n",
		"t.conf:5: [peer \"a\"] underlay: \"fe80::1%eth0\" is not an IPv4 or IPv6 address");
	rejects(HOST "[peer \"a\"]\nunderlay = [2001:db8::1]\n",
		"t.conf:5: [peer \"a\"] underlay: \"[2001:db8::1]\" is not an IPv4 or IPv6 address");
	rejects(HOST "[peer \"a\"]\nunderlay = 0.0.0.0\n",
		"t.conf:5: [peer \"a\"] underlay: 0.0.0.0 is the unspecified address");
	rejects(HOST "[peer \"a\"]\nunderlay = 239.1.1.1\n",
		"t.conf:5: [peer \"a\"] underlay: 239.1.1.1 is a multicast address");
	rejects(HOST "[peer \"a\"]\nunderlay = 255.255.255.255\n",
		"t.conf:5: [peer \"a\"] underlay: 255.255.255.255 is the broadcast address");
	rejects("[host]\nunderlay = ::\npsk-file = /k\n",
		"t.conf:2: [host] underlay: :: is the unspecified address");
	rejects("[host]\nunderlay = ff02::1\npsk-file = /k\n",
		"t.conf:2: [host] underlay: ff02::1 is a multicast address");
	rejects("[host]\nunderlay = ::ffff:198.18.1.1\npsk-file = /k\n",
		"t.conf:2: [host] underlay: ::ffff:198.18.1.1 is an IPv4-mapped address: write the IPv4 address");
	rejects(HOST "[peer \"a\"]\nunderlay = 2001:db8::2\n",
		"t.conf:5: [peer \"a\"] underlay: 2001:db8::2 is IPv6 but [host] underlay is IPv4 (line 2)");
	rejects("[host]\nunderlay = 2001:db8::1\npsk-file = /k\n[peer \"a\"]\nunderlay = 10.0.0.1\n",
		"t.conf:5: [peer \"a\"] underlay: 10.0.0.1 is IPv4 but [host] underlay is IPv6 (line 2)");
	rejects(HOST "[peer \"a\"]\nunderlay = 198.18.1.1\n",
		"t.conf:5: [peer \"a\"] underlay: 198.18.1.1 is this host's own address ([host] underlay, line 2)");
	rejects(HOST "[peer \"a\"]\nunderlay = 198.18.2.1\n[peer \"b\"]\nunderlay = 198.18.2.1\nport = 2000\n",
		"t.conf:7: [peer \"b\"] underlay: 198.18.2.1 is also the address of [peer \"a\"] (line 5)");
	rejects(HOST "psk-file = etc/psk\n", "t.conf:4: [host] psk-file: set twice (first at line 3)");
	rejects("[host]\nunderlay = 198.18.1.1\npsk-file = etc/psk\n",
		"t.conf:3: [host] psk-file: \"etc/psk\" is not an absolute path");
}

static void parse__lists(void)
{
	char t[2048];
	size_t n;
	unsigned i;

	accepts(HOST "[port \"p\"]\nvni=5\n[peer \"a\"]\nunderlay = 198.18.2.1\n"
		"vni = 5,6 ,\t7 , 16777215\n[port \"p2\"]\nvni = 6\n"
		"static-mac = 02:00:00:00:00:01,02:00:00:00:00:02\n"
		"[port \"p3\"]\nvni = 7\n[port \"p4\"]\nvni = 16777215\n");
	CHECK_EQ(cfg.peers[0].vnis.n, 4);
	CHECK_EQ(cfg.peers[0].vnis.vni[1], 6);
	CHECK_EQ(cfg.peers[0].vnis.vni[3], 16777215);
	CHECK_EQ(cfg.ports[1].static_macs.n, 2);
	CHECK_MEM(cfg.ports[1].static_macs.mac[1], "\x02\0\0\0\0\x02", 6);
	CHECK_EQ(cfg.n_warnings, 0);
	rejects(HOST "[peer \"a\"]\nunderlay = 198.18.2.1\nvni = 5,\n",
		"t.conf:6: [peer \"a\"] vni: \"5,\": entry 2 is empty");
	rejects(HOST "[peer \"a\"]\nunderlay = 198.18.2.1\nvni = , 5\n",
		"t.conf:6: [peer \"a\"] vni: \", 5\": entry 1 is empty");
	rejects(HOST "[peer \"a\"]\nunderlay = 198.18.2.1\nvni = 5, 6, 5\n",
		"t.conf:6: [peer \"a\"] vni: 5 is listed twice");
	rejects(HOST "[peer \"a\"]\nunderlay = 198.18.2.1\nvni = 5 6\n",
		"t.conf:6: [peer \"a\"] vni: \"5 6\" is not a decimal number");
	rejects(HOST "[port \"a\"]\nvni = 1\nstatic-mac = 02:00:00:00:00:01, 02:00:00:00:00:01\n",
		"t.conf:6: [port \"a\"] static-mac: 02:00:00:00:00:01 is listed twice");
	rejects(HOST "[peer \"b\"]\nunderlay = 198.18.2.1\nvni = 000000000000000000000000000000100abc\n",
		"t.conf:6: [peer \"b\"] vni: \"000000000000000000000000000000100abc\": entry 1 is longer than 32 characters");
	rejects(HOST "[port \"a\"]\nvni = 1\nstatic-mac = 03:00:00:00:00:01\n",
		"t.conf:6: [port \"a\"] static-mac: 03:00:00:00:00:01 is a multicast address");
	rejects(HOST "[port \"a\"]\nvni = 1\nstatic-mac = 02-00-00-00-00-01\n",
		"t.conf:6: [port \"a\"] static-mac: \"02-00-00-00-00-01\" is not a MAC address (02:00:00:00:00:01)");
	/* 64 VNIs fit, 65 do not; 16 MACs fit, 17 do not. */
	n = (size_t)snprintf(t, sizeof(t), HOST "[peer \"a\"]\nunderlay = 198.18.2.1\nvni = 1");
	for (i = 2; i <= 64; i++)
		n += (size_t)snprintf(t + n, sizeof(t) - n, ",%u", i);
	accepts(t);
	CHECK_EQ(cfg.peers[0].vnis.n, 64);
	snprintf(t + n, sizeof(t) - n, ",65\n");
	rejects(t, "t.conf:6: [peer \"a\"] vni: more than 64 entries");
	n = (size_t)snprintf(t, sizeof(t), HOST "[port \"a\"]\nvni = 1\nstatic-mac = 02:00:00:00:00:00");
	for (i = 1; i < 16; i++)
		n += (size_t)snprintf(t + n, sizeof(t) - n, ", 02:00:00:00:00:%02x", i);
	accepts(t);
	CHECK_EQ(cfg.ports[0].static_macs.n, 16);
	snprintf(t + n, sizeof(t) - n, ", 02:00:00:00:00:ff\n");
	rejects(t, "t.conf:6: [port \"a\"] static-mac: more than 16 entries");
}

static void parse__names(void)
{
	accepts(HOST "[port \"Ab-0_.x12345678\"]\nvni = 1\n[peer \"n\"]\nunderlay=1.2.3.4\n"
		"[peer \"012345678901234567890123456789012345678901234567890123456789012\"]\n"
		"underlay = 1.2.3.5\n");
	rejects(HOST "[port \"0123456789abcdef\"]\nvni = 1\n",
		"t.conf:4: [port \"0123456789abcdef\"]: \"0123456789abcdef\" is not a valid name (1..15 characters of A-Z a-z 0-9 . _ -)");
	rejects(HOST "[port \"a b\"]\nvni = 1\n",
		"t.conf:4: [port \"a b\"]: \"a b\" is not a valid name (1..15 characters of A-Z a-z 0-9 . _ -)");
	rejects(HOST "[port \"..\"]\nvni = 1\n",
		"t.conf:4: [port \"..\"]: \"..\" is not a valid name (1..15 characters of A-Z a-z 0-9 . _ -)");
	rejects(HOST "[port \"\"]\nvni = 1\n",
		"t.conf:4: [port \"\"]: \"\" is not a valid name (1..15 characters of A-Z a-z 0-9 . _ -)");
	rejects(HOST "[port]\nvni = 1\n", "t.conf:4: [port]: needs a name: [port \"NAME\"]");
	rejects(HOST "[bridge \"x\"]\n", "t.conf:4: [bridge \"x\"]: takes no name: write [bridge]");
	rejects(HOST "[port \"a\"]\nvni = 1\n[port \"a\"]\nvni = 2\n",
		"t.conf:6: [port \"a\"]: name used twice (first at line 4)");
	rejects(HOST "[peer \"a\"]\nunderlay = 1.2.3.4\n[p2p \"a\"]\npeer = a\nvni = 1\n[port \"a\"]\nvni = 1\n",
		"t.conf:9: [port \"a\"]: name already used by [p2p \"a\"] at line 6; both are tap devices");
	rejects(HOST "[p2p \"x\"]\npeer = a b\nvni = 1\n",
		"t.conf:5: [p2p \"x\"] peer: \"a b\" is not a valid name (1..63 characters of A-Z a-z 0-9 . _ -)");
}

/* ---- syntax errors ---- */

static void parse__syntax_errors(void)
{
	rejects("vni = 1\n" HOST, "t.conf:1: vni: outside any section (a [section] line comes first)");
	rejects(HOST "[hosts]\nfoo = 1\n",
		"t.conf:4: [hosts]: unknown section (host, bridge, timers, engine, port, peer, p2p)");
	CHECK(strstr(err, "foo") == NULL);  /* keys of a bad section are not reported */
	rejects(HOST "[host\n", "t.conf:4: section header: expected [kind] or [kind \"NAME\"], then at most a comment");
	rejects(HOST "[]\n", "t.conf:4: section header: expected [kind] or [kind \"NAME\"], then at most a comment");
	rejects(HOST "[port \"a\"] x\n", "t.conf:4: section header: expected [kind] or [kind \"NAME\"], then at most a comment");
	rejects(HOST "[port \"a]\n", "t.conf:4: section header: the name lacks its closing quote");
	rejects(HOST "[Host]\n", "t.conf:4: section header: expected [kind] or [kind \"NAME\"], then at most a comment");
	rejects(HOST "[host]\n", "t.conf:4: [host]: section repeated (first at line 1); merge the two");
	rejects(HOST "port 1000\n", "t.conf:4: [host]: expected key = value, a [section] or a # comment");
	rejects(HOST "= 1000\n", "t.conf:4: [host]: expected key = value, a [section] or a # comment");
	rejects(HOST "Port = 1000\n", "t.conf:4: [host] Port: unknown key");
	rejects(HOST "port =\n", "t.conf:4: [host] port: empty value");
	rejects(HOST "port = # nothing\n", "t.conf:4: [host] port: empty value");
	rejects(HOST "ctl-socket = \"\"\n", "t.conf:4: [host] ctl-socket: empty value");
	rejects(HOST "ctl-socket = \"/a\n", "t.conf:4: [host] ctl-socket: the quoted value lacks its closing quote");
	rejects(HOST "ctl-socket = \"/a\" b\n", "t.conf:4: [host] ctl-socket: text after the closing quote");
	rejects(HOST "ctl-socket = \"/a\\n\"\n",
		"t.conf:4: [host] ctl-socket: unknown escape in a quoted value (only \\\" and \\\\)");
	rejects(HOST "port = 1000 2000\n", "t.conf:4: [host] port: \"1000 2000\" is not a decimal number");
	rejects(HOST "port = 1\nport = 2\n", "t.conf:5: [host] port: set twice (first at line 4)");
	rejects("[host]\npsk-file = /k\n", "t.conf:1: [host] underlay: missing (required)");
	rejects(HOST "[peer \"a\"]\nvni = 1\n", "t.conf:4: [peer \"a\"] underlay: missing (required)");
	rejects(HOST "[p2p \"a\"]\n", "t.conf:4: [p2p \"a\"] peer: missing (required)");
	CHECK(has_line("t.conf:4: [p2p \"a\"] vni: missing (required)"));
	rejects(HOST "[port \"a\"]\n", "t.conf:4: [port \"a\"] vni: missing (required)");
}

static void parse__bytes_errors(void)
{
	static const char nul[] = HOST "port = 1\0002\n";
	char t[2200];

	CHECK_EQ(srd_config_parse(nul, sizeof(nul) - 1, "t.conf", &cfg, err, sizeof(err)), -EINVAL);
	CHECK(has_line("t.conf:4: control character 0x00 in column 9"));
	rejects(HOST "port = 1\r2\n", "t.conf:4: control character 0x0d in column 9");
	rejects(HOST "port = \x7f\n", "t.conf:4: control character 0x7f in column 8");
	rejects(HOST "port = 1\n\033[31m\n", "t.conf:5: control character 0x1b in column 1");
	memset(t, 0, sizeof(t));
	strcpy(t, HOST "# ");
	memset(t + strlen(t), 'x', 1023);
	rejects(t, "t.conf:4: line longer than 1024 bytes");
	t[strlen(t) - 1] = '\0';
	accepts(t);  /* 1024 bytes exactly */
	accepts(HOST "# caf\xc3\xa9, bytes above 0x7f are fine in comments\n");
	CHECK_EQ(srd_config_parse(HOST, SRD_CONFIG_MAX_BYTES + 1, "t.conf", &cfg, err, sizeof(err)),
		 -EFBIG);
	CHECK(strcmp(err, "t.conf:1: larger than 1048576 bytes\n") == 0);
}

/* ---- rules across sections ---- */

static void parse__cross_section_rules(void)
{
	rejects(HOST "[p2p \"t\"]\npeer = nobody\nvni = 1\n",
		"t.conf:5: [p2p \"t\"] peer: no [peer \"nobody\"] in this file");
	/* The peer may come after the p2p port naming it. */
	accepts(HOST "[p2p \"t\"]\npeer = b\nvni = 1\n[peer \"b\"]\nunderlay = 198.18.2.1\n");
	CHECK_EQ(cfg.p2p[0].peer_idx, 0);
	rejects(HOST "[peer \"b\"]\nunderlay = 198.18.2.1\nvni = 1, 2\n[port \"g\"]\nvni = 2\n"
		"[p2p \"t\"]\npeer = b\nvni = 2\n",
		"t.conf:11: [p2p \"t\"] vni: 2 is also in [peer \"b\"] vni (line 6): the bridge already carries it to that peer");
	rejects(HOST "[peer \"b\"]\nunderlay = 198.18.2.1\n[p2p \"t\"]\npeer = b\nvni = 2\n"
		"[p2p \"u\"]\npeer = b\nvni = 2\n",
		"t.conf:11: [p2p \"u\"] vni: 2 to peer b is already carried by [p2p \"t\"] (line 6)");
	rejects(HOST "[port \"a\"]\nvni = 1\nstatic-mac = 02:00:00:00:00:01\n"
		"[port \"b\"]\nvni = 1\nstatic-mac = 02:00:00:00:00:02, 02:00:00:00:00:01\n",
		"t.conf:9: [port \"b\"] static-mac: 02:00:00:00:00:01 is already static on [port \"a\"] (line 6) in VNI 1");
	/* The same MAC in two VNIs is fine. */
	accepts(HOST "[port \"a\"]\nvni = 1\nstatic-mac = 02:00:00:00:00:01\n"
		"[port \"b\"]\nvni = 2\nstatic-mac = 02:00:00:00:00:01\n");
	rejects(HOST "[engine]\ncwnd-min = 64\n",
		"t.conf:5: [engine] cwnd-min: needs cwnd-min <= cwnd-init <= cwnd-max (now 64, 32, 4096)");
	rejects(HOST "[engine]\ncwnd-init = 8000\n",
		"t.conf:5: [engine] cwnd-init: needs cwnd-min <= cwnd-init <= cwnd-max (now 4, 8000, 4096)");
	rejects(HOST "[engine]\ncwnd-max = 16\n",
		"t.conf:5: [engine] cwnd-max: needs cwnd-min <= cwnd-init <= cwnd-max (now 4, 32, 16)");
	rejects(HOST "key-grace = 451s\n",
		"t.conf:4: [host] key-grace: key-grace must be at most key-period / 8 (3600s / 8)");
	rejects(HOST "key-period = 60s\n",
		"t.conf:4: [host] key-period: key-grace must be at most key-period / 8 (60s / 8)");
	rejects(HOST "[peer \"b\"]\nunderlay = 198.18.2.1\nspi-low = 0x1234\n"
		"[peer \"c\"]\nunderlay = 198.18.3.1\nspi-low = 0x1234\n",
		"t.conf:9: [peer \"c\"] spi-low: SPI low bits 0x1234 are also those of [peer \"b\"] (line 4); set spi-low on one of the two hosts");
	rejects("[peer \"b\"]\nunderlay = 198.18.2.1\n",
		"t.conf:2: [host]: missing section (required, with underlay and psk-file)");
}

static void parse__warnings(void)
{
	accepts(HOST "[port \"g\"]\nvni = 7\n[peer \"b\"]\nunderlay = 198.18.2.1\nvni = 8\n");
	CHECK_EQ(cfg.n_warnings, 2);
	CHECK(strcmp(err, "t.conf:5: warning: [port \"g\"] vni: 7 is carried by no [peer]: the port only reaches local ports\n"
		      "t.conf:8: warning: [peer \"b\"] vni: 8 has no local [port]: frames from this peer on it are dropped\n") == 0);
}

static void parse__too_many(void)
{
	size_t n = (size_t)snprintf(text, sizeof(text), HOST);
	unsigned i;

	for (i = 0; i < SRD_CONFIG_MAX_PEERS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[peer \"p%u\"]\nunderlay = 10.%u.%u.1\n", i, i / 200, i % 200);
	accepts(text);
	CHECK_EQ(cfg.n_peers, SRD_CONFIG_MAX_PEERS);
	snprintf(text + n, sizeof(text) - n, "[peer \"p256\"]\nunderlay = 10.9.9.9\n");
	rejects(text, "t.conf:516: [peer \"p256\"]: too many [peer] sections (at most 256)");
	n = (size_t)snprintf(text, sizeof(text), HOST "[peer \"b\"]\nunderlay = 198.18.2.1\nvni = 1\n");
	for (i = 0; i <= SRD_CONFIG_MAX_PORTS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[port \"t%u\"]\nvni = 1\n", i);
	rejects(text, "t.conf:2055: [port \"t1024\"]: too many [port] sections (at most 1024)");
	CHECK_EQ(cfg.n_ports, SRD_CONFIG_MAX_PORTS);
}

/* Several errors, all reported, in line order (cross-section ones included). */
static void parse__all_errors_in_line_order(void)
{
	rejects("[host]\nunderlay = 198.18.1.1\npaths = 300\nbogus = 1\n"
		"[peer \"hostB\"]\nunderlay = 198.18.1.1\npaths = 0\n"
		"[p2p \"t\"]\npeer = hostX\nvni = 1\n[timers]\ngiveup = 5\n",
		"t.conf:1: [host] psk-file: missing (required)");
	CHECK(strcmp(err,
		     "t.conf:1: [host] psk-file: missing (required)\n"
		     "t.conf:3: [host] paths: 300 is out of range (1..256)\n"
		     "t.conf:4: [host] bogus: unknown key\n"
		     "t.conf:6: [peer \"hostB\"] underlay: 198.18.1.1 is this host's own address ([host] underlay, line 2)\n"
		     "t.conf:7: [peer \"hostB\"] paths: 0 is out of range (1..256)\n"
		     "t.conf:9: [p2p \"t\"] peer: no [peer \"hostX\"] in this file\n"
		     "t.conf:12: [timers] giveup: 5 needs a unit (ns, us, ms, s)\n") == 0);
	if (!has_line("t.conf:12: [timers] giveup: 5 needs a unit (ns, us, ms, s)"))
		fprintf(stderr, "%s", err);
}

static void parse__small_err_buffer(void)
{
	char small[100];
	const char *t = HOST "a = 1\nb = 2\nc = 3\nd = 4\n";

	CHECK_EQ(srd_config_parse(t, strlen(t), "t.conf", &cfg, small, sizeof(small)), -EINVAL);
	CHECK(strcmp(small, "t.conf:4: [host] a: unknown key\n"
			    "... 3 more messages not shown\n") == 0);
	CHECK_EQ(srd_config_parse(t, strlen(t), "t.conf", &cfg, NULL, 0), -EINVAL);
	CHECK_EQ(srd_config_parse(t, strlen(t), "t.conf", &cfg, small, 10), -EINVAL);
	CHECK_EQ(strlen(small), 9);
}

/* ---- writer and files ---- */

static void roundtrip(void)
{
	size_t len = srd_config_format(&cfg, text, sizeof(text));

	CHECK(len < sizeof(text));
	CHECK_EQ(srd_config_parse(text, len, "out", &cfg2, err, sizeof(err)), 0);
	CHECK_MEM(&cfg, &cfg2, sizeof(cfg));
	CHECK_EQ(srd_config_format(&cfg2, NULL, 0), len);
}

static char example[512];

static const char *example_path(const char *name)
{
	const char *src = __FILE__;
	size_t root = strlen(src) - strlen("tests/unit/test_config.c");

	snprintf(example, sizeof(example), "%.*sdocs/examples/%s", (int)root, src, name);
	return example;
}

static void format__roundtrip(void)
{
	char buf[64];

	accepts(HOST "ctl-socket = \"/run/a b #1 \\\"x\\\" \\\\ \"\n"
		"[port \"p\"]\nvni = 9\nmtu = 9000\nstatic-mac = 0A:00:00:00:00:01\n"
		"[peer \"q\"]\nunderlay = 198.18.2.1\nvni = 9, 10\nspi-low = 0xABC\n"
		"[p2p \"r\"]\npeer = q\nvni = 11\n[timers]\ngiveup = 1000000us\nack-delay = 1500ns\n");
	roundtrip();
	CHECK(strstr(text, "ctl-socket = \"/run/a b #1 \\\"x\\\" \\\\ \"\n") != NULL);
	CHECK(strstr(text, "giveup = 1s\n") != NULL);
	CHECK(strstr(text, "ack-delay = 1500ns\n") != NULL);
	CHECK(strstr(text, "spi-low = 0xabc\n") != NULL);
	CHECK(strstr(text, "static-mac = 0a:00:00:00:00:01\n") != NULL);
	CHECK_EQ(srd_config_load(example_path("two-hosts.conf"), &cfg, err, sizeof(err)), 0);
	roundtrip();
	/* A long VNI list round-trips (the writer once indexed the MAC array). */
	{
		char big[2048];
		int n = snprintf(big, sizeof(big), HOST "[peer \"q\"]\nunderlay = 198.18.2.1\nvni = 1");
		unsigned v;

		for (v = 2; v <= 64; v++)
			n += snprintf(big + n, sizeof(big) - (size_t)n, ", %u", v);
		snprintf(big + n, sizeof(big) - (size_t)n, "\n");
		CHECK_EQ(parse(big), 0);
		CHECK_EQ(cfg.peers[0].vnis.n, 64);
		roundtrip();
	}
	/* Truncation works like snprintf. */
	CHECK(srd_config_format(&cfg, buf, sizeof(buf)) > sizeof(buf));
	CHECK_EQ(strlen(buf), sizeof(buf) - 1);
}

static void load__examples(void)
{
	int ret = srd_config_load(example_path("two-hosts.conf"), &cfg, err, sizeof(err));

	if (ret)
		fprintf(stderr, "%s", err);
	CHECK_EQ(ret, 0);
	CHECK_EQ(err[0], 0);  /* not even a warning */
	CHECK_EQ(cfg.n_ports, 2);
	CHECK_EQ(cfg.n_peers, 1);
	CHECK_EQ(cfg.peers[0].vnis.n, 2);
	CHECK_EQ(cfg.ports[0].mtu, SRD_CONFIG_MTU_AUTO);
	ret = srd_config_load(example_path("p2p.conf"), &cfg, err, sizeof(err));
	if (ret)
		fprintf(stderr, "%s", err);
	CHECK_EQ(ret, 0);
	CHECK_EQ(err[0], 0);
	CHECK_EQ(cfg.n_p2p, 3);
	CHECK_EQ(cfg.p2p[2].peer_idx, 1);
	CHECK_EQ(cfg.peers[1].port, 10000);
	CHECK_EQ(cfg.peers[0].paths, 8);
	CHECK_EQ(srd_config_peer_find(&cfg, "hostC"), 1);
	CHECK_EQ(srd_config_peer_find(&cfg, "hostD"), -ENOENT);
	roundtrip();
}

static void load__file_errors(void)
{
	char path[] = "/tmp/srd-config-XXXXXX", want[128];
	int fd;

	CHECK_EQ(srd_config_load("/nonexistent/srd.conf", &cfg, err, sizeof(err)), -ENOENT);
	CHECK(strcmp(err, "/nonexistent/srd.conf: No such file or directory\n") == 0);
	CHECK_EQ(srd_config_load("/tmp", &cfg, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "/tmp: not a regular file\n") == 0);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, "[host]\nport = 0\n", 16), 16);
	CHECK_EQ(srd_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: [host] port: 0 is out of range (1..65535)", path);
	CHECK(has_line(want));
	CHECK_EQ(ftruncate(fd, SRD_CONFIG_MAX_BYTES + 1), 0);
	CHECK_EQ(srd_config_load(path, &cfg, err, sizeof(err)), -EFBIG);
	close(fd);
	unlink(path);
}

int main(void)
{
	RUN(parse__minimal_has_defaults);
	RUN(parse__comments_blanks_crlf_quotes);
	RUN(parse__durations);
	RUN(parse__every_key_at_its_edges);
	RUN(parse__values_land_in_the_struct);
	RUN(parse__addresses);
	RUN(parse__lists);
	RUN(parse__names);
	RUN(parse__syntax_errors);
	RUN(parse__bytes_errors);
	RUN(parse__cross_section_rules);
	RUN(parse__warnings);
	RUN(parse__too_many);
	RUN(parse__all_errors_in_line_order);
	RUN(parse__small_err_buffer);
	RUN(format__roundtrip);
	RUN(load__examples);
	RUN(load__file_errors);
	return check_exit();
}
