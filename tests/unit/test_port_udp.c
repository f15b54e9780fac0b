/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_port_udp.c: the underlay UDP port (vswitch/port_udp.c) on a real kernel.
 *
 * Runs in a forked child inside its own network namespace (unshare(CLONE_NEWNET)),
 * so nothing leaks: the namespace dies with the child. Topology: one netns, lo up
 * with MTU 1500 and 198.18.0.1/32 + 2001:db8::1/128; ports A and B on it, 4 paths
 * each:
 *
 *   A: listen :40000, paths :41000..41003 ──▶ B: listen :40001 (GRO on)
 *
 * Loopback carries a UDP GSO send unsplit, so B's socket gets it as one GRO buffer:
 * the split in rx_burst is what is checked. Needs root; skips otherwise.
 * SRD_PORT_BENCH=1 in the environment adds a one-second throughput measurement.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/udp.h>

#include "tests/check.h"
#include "vswitch/pktbuf.h"
#include "vswitch/port.h"

#define NPKT 64
#define NPATH 4
#define PORT_A 40000
#define PORT_B 40001
#define BASE_A 41000
#define BASE_B 42000

static int fam; /* AF_INET or AF_INET6, the address family under test */
static struct srd_pktpool *pool;

static union srd_sockaddr addr_of(uint16_t port)
{
	union srd_sockaddr a;

	memset(&a, 0, sizeof(a));
	a.sa.sa_family = (sa_family_t)fam;
	if (fam == AF_INET) {
		inet_pton(AF_INET, "198.18.0.1", &a.v4.sin_addr);
		a.v4.sin_port = htons(port);
	} else {
		inet_pton(AF_INET6, "2001:db8::1", &a.v6.sin6_addr);
		a.v6.sin6_port = htons(port);
	}
	return a;
}

static uint16_t port_of(const union srd_sockaddr *a)
{
	return ntohs(a->sa.sa_family == AF_INET ? a->v4.sin_port : a->v6.sin6_port);
}

static struct srd_port *open_udp(uint16_t lport, uint16_t base, bool no_gso)
{
	struct srd_port_cfg cfg = { .name = "u" };
	struct srd_port *p = NULL;
	char *err = NULL;

	cfg.udp.local = addr_of(lport);
	cfg.udp.base_sport = base;
	cfg.udp.npaths = NPATH;
	cfg.udp.no_gso = no_gso;
	cfg.udp.v6only = true;
	if (srd_port_open("udp", &cfg, &p, &err)) {
		fprintf(stderr, "open udp: %s\n", err ? err : "?");
		free(err);
	}
	return p;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Receive until want packets or timeout_ms passed; returns how many. */
static int rx_until(struct srd_port *port, struct srd_pkt **pkts, int want,
		    int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	struct pollfd pfd = { .fd = srd_port_fd(port), .events = POLLIN };
	int got = 0, r;

	while (got < want && now_ms() < end) {
		r = srd_port_rx_burst(port, pkts + got, want - got);
		if (r < 0)
			break;
		got += r;
		if (got < want && r == 0)
			poll(&pfd, 1, 10);
	}
	return got;
}

static void fill(struct srd_pkt *p, unsigned idx, uint32_t len, uint16_t path)
{
	uint32_t j;

	p->len = len;
	p->path = path;
	p->peer = addr_of(PORT_B);
	p->buf[0] = (uint8_t)idx;
	for (j = 1; j < len; j++)
		p->buf[j] = (uint8_t)(idx * 7 + j);
}

static bool content_ok(const struct srd_pkt *p, unsigned idx)
{
	uint32_t j;

	for (j = 1; j < p->len; j++)
		if (p->buf[j] != (uint8_t)(idx * 7 + j))
			return false;
	return true;
}

/* Datagram i of a 64-burst: path and size; path-grouped or interleaved. */
static void shape(unsigned i, bool grouped, uint16_t *path, uint32_t *len)
{
	*path = (uint16_t)(grouped ? i / (NPKT / NPATH) : i % NPATH);
	*len = grouped && i % (NPKT / NPATH) == NPKT / NPATH - 1 ? 700 : 1200;
}

/* Send 64 datagrams over 4 paths from A to B and check every one arrived intact. */
static void burst_check(bool grouped)
{
	struct srd_port *a = open_udp(PORT_A, BASE_A, false);
	struct srd_port *b = open_udp(PORT_B, BASE_B, false);
	struct srd_pkt *tx[NPKT], *rx[NPKT];
	struct srd_port_stats sa, sb;
	bool seen[NPKT] = { false };
	uint32_t len;
	uint16_t path;
	int i, got;

	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK_EQ(srd_pktpool_get(pool, tx, NPKT), NPKT);
	CHECK_EQ(srd_pktpool_get(pool, rx, NPKT), NPKT);
	for (i = 0; i < NPKT; i++) {
		shape((unsigned)i, grouped, &path, &len);
		fill(tx[i], (unsigned)i, len, path);
	}
	CHECK_EQ(srd_port_tx_burst(a, tx, NPKT), NPKT);
	got = rx_until(b, rx, NPKT, 2000);
	CHECK_EQ(got, NPKT);
	for (i = 0; i < got; i++) {
		unsigned idx = rx[i]->buf[0];

		CHECK(idx < NPKT && !seen[idx]);
		if (idx >= NPKT || seen[idx])
			continue;
		seen[idx] = true;
		shape(idx, grouped, &path, &len);
		CHECK_EQ(rx[i]->len, len);
		CHECK(content_ok(rx[i], idx));
		CHECK_EQ(port_of(&rx[i]->peer), BASE_A + path);
	}
	CHECK_EQ(rx_until(b, rx, 1, 50), 0);
	srd_port_stats(a, &sa);
	srd_port_stats(b, &sb);
	CHECK_EQ(sa.tx_packets, NPKT);
	CHECK_EQ(sa.tx_gso_sends, grouped ? NPATH : 0);
	CHECK_EQ(sa.tx_gso_segs, grouped ? NPKT : 0);
	CHECK_EQ(sa.tx_syscalls, grouped ? NPATH : NPKT);
	CHECK_EQ(sb.rx_packets, NPKT);
	if (grouped) /* loopback keeps a GSO send whole: GRO buffers on B */
		CHECK(sb.rx_gro_bufs >= 1 && sb.rx_gro_segs >= NPKT / NPATH);
	srd_pktpool_put(pool, tx, NPKT);
	srd_pktpool_put(pool, rx, NPKT);
out:
	srd_port_close(a);
	srd_port_close(b);
}

static void udp_burst__gso_gro(void)
{
	burst_check(true);
}

static void udp_burst__interleaved_no_gso(void)
{
	burst_check(false);
}

/* Larger than lo's 1500 MTU with DF: counted in tx_oversize, never sent. */
static void udp_tx__oversize_counted(void)
{
	static const uint32_t lens[] = { 1000, 1600, 1000, 1600, 1600, 1600 };
	struct srd_port *a = open_udp(PORT_A, BASE_A, false);
	struct srd_port *b = open_udp(PORT_B, BASE_B, false);
	struct srd_pkt *tx[6], *rx[8];
	struct srd_port_stats sa;
	int i;

	CHECK(a && b);
	if (!a || !b)
		goto out;
	srd_pktpool_get(pool, tx, 6);
	srd_pktpool_get(pool, rx, 8);
	for (i = 0; i < 6; i++)
		fill(tx[i], (unsigned)i, lens[i], 1);
	CHECK_EQ(srd_port_tx_burst(a, tx, 6), 6);
	srd_port_stats(a, &sa);
	CHECK_EQ(sa.tx_oversize, 4);
	CHECK_EQ(sa.tx_packets, 2);
	CHECK_EQ(rx_until(b, rx, 8, 300), 2);
	CHECK_EQ(rx[0]->len, 1000);
	srd_pktpool_put(pool, tx, 6);
	srd_pktpool_put(pool, rx, 8);
out:
	srd_port_close(a);
	srd_port_close(b);
}

/* Datagrams longer than the caller's buffer: dropped and counted, never cut. */
static void udp_rx__short_buffer_counted(void)
{
	struct srd_port *a = open_udp(PORT_A, BASE_A, false);
	struct srd_port *b = open_udp(PORT_B, BASE_B, false);
	struct srd_pkt *tx[3], *rx[3];
	struct srd_port_stats sb;
	uint64_t end = now_ms() + 1000;
	int i;

	CHECK(a && b);
	if (!a || !b)
		goto out;
	srd_pktpool_get(pool, tx, 3);
	srd_pktpool_get(pool, rx, 3);
	for (i = 0; i < 3; i++) {
		fill(tx[i], (unsigned)i, i == 2 ? 400 : 1200, 2);
		rx[i]->cap = 500;
	}
	CHECK_EQ(srd_port_tx_burst(a, tx, 3), 3);
	do {
		CHECK(srd_port_rx_burst(b, rx, 3) <= 1);
		srd_port_stats(b, &sb);
	} while (sb.rx_truncated + sb.rx_packets < 3 && now_ms() < end);
	CHECK_EQ(sb.rx_truncated, 2);
	CHECK_EQ(sb.rx_packets, 1);
	CHECK_EQ(rx[0]->len, 400);
	srd_pktpool_put(pool, tx, 3);
	srd_pktpool_put(pool, rx, 3);
out:
	srd_port_close(a);
	srd_port_close(b);
}

/* An IPv6 datagram with a zero UDP checksum: a plain socket drops it, B not. */
static void udp_rx__zero_checksum_v6(void)
{
	union srd_sockaddr dst = addr_of(PORT_B), plain = addr_of(PORT_B + 10);
	struct srd_port *b = open_udp(PORT_B, BASE_B, false);
	int s = socket(AF_INET6, SOCK_DGRAM, 0), ctl = socket(AF_INET6, SOCK_DGRAM, 0);
	int one = 1;
	struct srd_pkt *rx[1];
	char got[8];

	CHECK(b && s >= 0 && ctl >= 0);
	if (!b || s < 0 || ctl < 0)
		goto out;
	CHECK(!setsockopt(s, SOL_UDP, UDP_NO_CHECK6_TX, &one, sizeof(one)));
	CHECK(!bind(ctl, &plain.sa, sizeof(plain.v6)));
	CHECK(sendto(s, "zerosum", 7, 0, &dst.sa, sizeof(dst.v6)) == 7);
	CHECK(sendto(s, "zerosum", 7, 0, &plain.sa, sizeof(plain.v6)) == 7);
	srd_pktpool_get(pool, rx, 1);
	CHECK_EQ(rx_until(b, rx, 1, 1000), 1);
	CHECK_EQ(rx[0]->len, 7);
	CHECK_MEM(rx[0]->buf, "zerosum", 7);
	usleep(50000);
	CHECK(recv(ctl, got, sizeof(got), MSG_DONTWAIT) < 0); /* the control: dropped */
	srd_pktpool_put(pool, rx, 1);
out:
	if (s >= 0)
		close(s);
	if (ctl >= 0)
		close(ctl);
	srd_port_close(b);
}

/* Bad configs fail with -EINVAL and a message, and leave nothing open. */
static void udp_open__bad_cfg(void)
{
	struct srd_port_cfg cfg = { .name = "bad" };
	struct srd_port *p = NULL;
	char *err = NULL;

	cfg.udp.local = addr_of(PORT_A);
	cfg.udp.base_sport = BASE_A;
	CHECK_EQ(srd_port_open("udp", &cfg, &p, &err), -EINVAL);
	CHECK(err && strstr(err, "npaths"));
	free(err);
	err = NULL;
	cfg.udp.npaths = 4;
	cfg.udp.base_sport = PORT_A - 1;
	CHECK_EQ(srd_port_open("udp", &cfg, &p, &err), -EINVAL);
	CHECK(err && strstr(err, "listen port"));
	free(err);
	err = NULL;
	CHECK_EQ(srd_port_open("nope", &cfg, &p, &err), -ENOENT);
	CHECK(p == NULL);
	free(err);
}

/* 1 s of 64-bursts A -> B, path-grouped 1400-byte datagrams; prints rates. */
static void bench_one(bool no_gso)
{
	struct srd_port *a = open_udp(PORT_A, BASE_A, no_gso);
	struct srd_port *b = open_udp(PORT_B, BASE_B, false);
	struct srd_pkt *tx[NPKT], *rx[NPKT];
	uint64_t sent = 0, recvd = 0, t0 = now_ms();
	struct srd_port_stats sa;
	int i, r;

	if (!a || !b)
		goto out;
	srd_pktpool_get(pool, tx, NPKT);
	srd_pktpool_get(pool, rx, NPKT);
	for (i = 0; i < NPKT; i++)
		fill(tx[i], (unsigned)i, 1400, (uint16_t)(i / (NPKT / NPATH)));
	while (now_ms() - t0 < 1000) {
		sent += (uint64_t)srd_port_tx_burst(a, tx, NPKT);
		do {
			r = srd_port_rx_burst(b, rx, NPKT);
			recvd += r > 0 ? (uint64_t)r : 0;
		} while (r == NPKT);
	}
	srd_port_stats(a, &sa);
	printf("bench %s %s: sent %" PRIu64 "/s received %" PRIu64
	       "/s (%" PRIu64 " sendmmsg, %" PRIu64 " GSO msgs)\n",
	       fam == AF_INET ? "v4" : "v6", no_gso ? "no-GSO" : "GSO", sent, recvd,
	       sa.tx_syscalls, sa.tx_gso_sends);
	srd_pktpool_put(pool, tx, NPKT);
	srd_pktpool_put(pool, rx, NPKT);
out:
	srd_port_close(a);
	srd_port_close(b);
}

static void udp_bench(void)
{
	bench_one(false);
	bench_one(true);
}

static int run_all(void)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	unsigned f;

	pool = srd_pktpool_new(2 * NPKT + 16, 2048, 64);
	if (!pool)
		return 1;
	for (f = 0; f < 2; f++) {
		fam = fams[f];
		printf("-- %s\n", fam == AF_INET ? "IPv4" : "IPv6");
		RUN(udp_burst__gso_gro);
		RUN(udp_burst__interleaved_no_gso);
		RUN(udp_tx__oversize_counted);
		RUN(udp_rx__short_buffer_counted);
		RUN(udp_open__bad_cfg);
		if (getenv("SRD_PORT_BENCH"))
			udp_bench();
	}
	RUN(udp_rx__zero_checksum_v6);
	srd_pktpool_free(pool);
	return check_exit();
}

static int netns_setup(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	if (system("ip link set lo mtu 1500 up && "
		   "ip addr add 198.18.0.1/32 dev lo && "
		   "ip -6 addr add 2001:db8::1/128 dev lo nodad") != 0) {
		printf("SKIP: cannot configure lo with ip(8)\n");
		return 77;
	}
	return 0;
}

int main(void)
{
	int status, rc;
	pid_t pid;

	if (geteuid() != 0)
		SKIP("needs root for a network namespace");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		SKIP("fork failed");
	if (pid == 0) {
		alarm(120); /* a hang fails the test instead of blocking ctest */
		rc = netns_setup();
		exit(rc ? rc : run_all());
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
		fprintf(stderr, "test child died (status 0x%x)\n", status);
		return 1;
	}
	return WEXITSTATUS(status);
}
