/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_port_tap.c: the guest-side tap port (vswitch/port_tap.c) on a real kernel.
 *
 * A forked child unshares a "host" netns H and two "guest" namespaces G1, G2 (held
 * by fds only, so all three vanish with the child, whatever happens). Two taps are
 * opened in H through the port and moved into the guests, the way a namespace
 * plays a VM whose NIC is the daemon's tap:
 *
 *   G1: srdt0 198.18.1.1/24 ══ fd ══ test (H) ══ fd ══ srdt1 198.18.1.2/24 :G2
 *
 * In the last test the test itself is the switch: it moves frames between the two
 * taps with rx_burst/tx_burst, offload metadata untouched, while G1 sends 1 MiB
 * over TCP to G2: TSO super-frames up to 64 KiB must cross whole. Needs root
 * and /dev/net/tun; skips otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "tests/check.h"
#include "vswitch/pktbuf.h"
#include "vswitch/port.h"

#define NB 32              /* packets per burst */
#define TCP_BYTES (1 << 20) /* the TCP write that must become super-frames */

static int h_fd, g1_fd, g2_fd;      /* netns fds: host, guest 1, guest 2 */
static struct srd_port *tap0, *tap1; /* srdt0 (now in G1), srdt1 (now in G2) */
static struct srd_pktpool *pool;     /* 64 KiB buffers */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run a shell command inside netns fd; returns its exit status. */
static int ns_sh(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ns_sh(int fd, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (setns(fd, CLONE_NEWNET) < 0)
		return -1;
	rc = system(cmd);
	if (setns(h_fd, CLONE_NEWNET) < 0)
		exit(2);
	return rc;
}

/* A socket created inside netns fd (it stays there). */
static int ns_socket(int fd, int domain, int type)
{
	int s;

	if (setns(fd, CLONE_NEWNET) < 0)
		return -1;
	s = socket(domain, type, 0);
	if (setns(h_fd, CLONE_NEWNET) < 0)
		exit(2);
	return s;
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

/* Wait up to ms for rx_burst to return a frame matching match(); true if found. */
static bool rx_find(struct srd_port *port, struct srd_pkt **pkts, int ms,
		    bool (*match)(const struct srd_pkt *), int *idx)
{
	struct pollfd pfd = { .fd = srd_port_fd(port), .events = POLLIN };
	uint64_t end = now_ms() + (uint64_t)ms;
	int i, r;

	while (now_ms() < end) {
		r = srd_port_rx_burst(port, pkts, NB);
		for (i = 0; i < r; i++) {
			if (match(pkts[i])) {
				*idx = i;
				return true;
			}
		}
		if (r <= 0)
			poll(&pfd, 1, 10);
	}
	return false;
}

static bool is_udp_9999(const struct srd_pkt *p)
{
	const uint8_t *f = p->buf;

	return p->len >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 17 &&
	       f[36] == 9999 >> 8 && f[37] == (9999 & 0xff);
}

/* G1 sends UDP to a neighbour behind srdt0: rx_burst returns it with its header. */
static void tap_rx__udp_from_netns(void)
{
	struct sockaddr_in dst = sin_of("198.18.1.3", 9999);
	struct srd_pkt *rx[NB];
	struct srd_port_stats st;
	int s = ns_socket(g1_fd, AF_INET, SOCK_DGRAM), i = 0;

	CHECK(s >= 0);
	srd_pktpool_get(pool, rx, NB);
	CHECK(sendto(s, "hello tap", 9, 0, (struct sockaddr *)&dst, sizeof(dst)) == 9);
	CHECK(rx_find(tap0, rx, 2000, is_udp_9999, &i));
	CHECK_EQ(rx[i]->len, 14 + 20 + 8 + 9);
	CHECK_MEM(rx[i]->buf + 42, "hello tap", 9);
	CHECK_EQ(rx[i]->off.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	if (rx[i]->off.vnet_flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		CHECK_EQ(rx[i]->off.csum_start, 34); /* checksum left to us: CSUM on */
		CHECK_EQ(rx[i]->off.csum_offset, 6);
	}
	srd_port_stats(tap0, &st);
	CHECK(st.rx_packets >= 1 && st.rx_errors == 0 && st.rx_truncated == 0);
	srd_pktpool_put(pool, rx, NB);
	close(s);
}

/* A frame longer than the caller's buffer is dropped and counted, not cut. */
static void tap_rx__short_buffer_counted(void)
{
	struct sockaddr_in dst = sin_of("198.18.1.3", 9999);
	int s = ns_socket(g1_fd, AF_INET, SOCK_DGRAM);
	uint64_t end = now_ms() + 1000;
	struct srd_port_stats st;
	struct srd_pkt *rx[1];

	CHECK(s >= 0);
	srd_pktpool_get(pool, rx, 1);
	rx[0]->cap = 32;
	CHECK(sendto(s, "hello tap", 9, 0, (struct sockaddr *)&dst, sizeof(dst)) == 9);
	do {
		CHECK_EQ(srd_port_rx_burst(tap0, rx, 1), 0);
		srd_port_stats(tap0, &st);
	} while (!st.rx_truncated && now_ms() < end);
	CHECK_EQ(st.rx_truncated, 1);
	srd_pktpool_put(pool, rx, 1);
	close(s);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An Ethernet/IPv4/UDP frame 198.18.1.3:5555 -> 198.18.1.1:7777 to dst_mac.
 * partial: leave the UDP checksum to the receiver (NEEDS_CSUM metadata). */
static void build_frame(struct srd_pkt *p, const uint8_t *dst_mac, const char *msg,
			bool partial)
{
	static const uint8_t src_mac[6] = { 2, 0, 0, 0, 0, 3 };
	static const uint8_t ip_hdr[20] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
					    198, 18, 1, 3, 198, 18, 1, 1 };
	uint16_t plen = (uint16_t)strlen(msg), ulen = (uint16_t)(8 + plen);
	uint8_t *f = p->buf, *ip = f + 14, *udp = f + 34;
	uint32_t sum;

	memset(&p->off, 0, sizeof(p->off));
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put16(f + 12, 0x0800);
	memcpy(ip, ip_hdr, 20);
	put16(ip + 2, (uint16_t)(20 + ulen));
	put16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, 20)));
	put16(udp, 5555);
	put16(udp + 2, 7777);
	put16(udp + 4, ulen);
	put16(udp + 6, 0);
	memcpy(udp + 8, msg, plen);
	sum = csum_add(17 + ulen, ip + 12, 8); /* pseudo header */
	if (partial) {
		put16(udp + 6, csum_fold(sum));
		p->off.vnet_flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		p->off.csum_start = 34;
		p->off.csum_offset = 6;
	} else {
		put16(udp + 6, (uint16_t)~csum_fold(csum_add(sum, udp, ulen)));
	}
	p->len = 34 + ulen;
}

static bool mac_in_ns(int ns, const char *dev, uint8_t *mac)
{
	struct ifreq ifr;
	int s = ns_socket(ns, AF_INET, SOCK_DGRAM);
	bool ok;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ok = s >= 0 && ioctl(s, SIOCGIFHWADDR, &ifr) == 0;
	if (ok)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (s >= 0)
		close(s);
	return ok;
}

/* tx_burst injects frames (full and partial checksum) that G1's socket receives;
 * a header the kernel refuses is counted, not fatal. */
static void tap_tx__frames_into_netns(void)
{
	struct sockaddr_in me = sin_of("198.18.1.1", 7777);
	int s = ns_socket(g1_fd, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	struct srd_pkt *tx[3];
	struct srd_port_stats st;
	uint8_t mac[6];
	char buf[64];
	ssize_t r;

	CHECK(s >= 0 && !bind(s, (struct sockaddr *)&me, sizeof(me)));
	CHECK(mac_in_ns(g1_fd, "srdt0", mac));
	srd_pktpool_get(pool, tx, 3);
	build_frame(tx[0], mac, "full checksum", false);
	build_frame(tx[1], mac, "bad gso header", false);
	tx[1]->off.gso_type = VIRTIO_NET_HDR_GSO_TCPV4; /* UDP with TSO, gso_size 0 */
	build_frame(tx[2], mac, "partial checksum", true);
	CHECK_EQ(srd_port_tx_burst(tap0, tx, 3), 3);
	srd_port_stats(tap0, &st);
	CHECK_EQ(st.tx_packets, 2);
	CHECK_EQ(st.tx_errors, 1);
	CHECK(poll(&pfd, 1, 2000) == 1);
	r = recv(s, buf, sizeof(buf), 0);
	CHECK(r == 13 && !memcmp(buf, "full checksum", 13));
	CHECK(poll(&pfd, 1, 2000) == 1);
	r = recv(s, buf, sizeof(buf), 0);
	CHECK(r == 16 && !memcmp(buf, "partial checksum", 16));
	srd_pktpool_put(pool, tx, 3);
	close(s);
}

/* SRD_PORT_BENCH: 1 s of 32-frame tx_bursts of 1000-byte UDP into G1. */
static void tap_bench(void)
{
	struct srd_pkt *tx[NB];
	struct srd_port_stats st0, st1;
	uint64_t t0 = now_ms();
	char msg[1000 - 42 + 1];
	uint8_t mac[6];
	int i;

	if (!mac_in_ns(g1_fd, "srdt0", mac))
		return;
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	srd_pktpool_get(pool, tx, NB);
	for (i = 0; i < NB; i++)
		build_frame(tx[i], mac, msg, true);
	srd_port_stats(tap0, &st0);
	while (now_ms() - t0 < 1000)
		srd_port_tx_burst(tap0, tx, NB);
	srd_port_stats(tap0, &st1);
	printf("bench tap tx_burst: %" PRIu64 " frames/s of 1000 bytes\n",
	       st1.tx_packets - st0.tx_packets);
	srd_pktpool_put(pool, tx, NB);
}

/* The TCP transfer of the last test, G1 (client) -> G2 (server). */
struct xfer {
	int lsn;                 /* listener in G2 */
	int cli;                 /* client in G1 */
	int srv;                 /* accepted socket in G2, -1 before */
	size_t sent;             /* bytes written by cli */
	size_t got;              /* bytes read by srv */
	uint8_t out[TCP_BYTES];  /* what cli sends */
	uint8_t in[TCP_BYTES];   /* what srv received */
	uint32_t max_len;        /* longest frame G1 -> G2 */
	unsigned super;          /* TCPV4 super-frames (> 1514 bytes) G1 -> G2 */
};

/* Move one burst from a to b; note super-frames when a is G1's tap. */
static void pump(struct srd_port *a, struct srd_port *b, struct xfer *x)
{
	struct srd_pkt *pk[NB];
	int n, i;

	srd_pktpool_get(pool, pk, NB);
	n = srd_port_rx_burst(a, pk, NB);
	for (i = 0; a == tap0 && i < n; i++) {
		if (pk[i]->len > x->max_len)
			x->max_len = pk[i]->len;
		if ((pk[i]->off.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) ==
		    VIRTIO_NET_HDR_GSO_TCPV4 && pk[i]->len > 1514 &&
		    pk[i]->off.gso_size > 0 && pk[i]->off.gso_size <= 1460)
			x->super++;
	}
	if (n > 0)
		CHECK_EQ(srd_port_tx_burst(b, pk, n), n);
	srd_pktpool_put(pool, pk, NB);
}

static void xfer_step(struct xfer *x)
{
	ssize_t r;

	if (x->srv < 0)
		x->srv = accept4(x->lsn, NULL, NULL, SOCK_NONBLOCK);
	if (x->sent < TCP_BYTES) {
		r = send(x->cli, x->out + x->sent, TCP_BYTES - x->sent, MSG_NOSIGNAL);
		x->sent += r > 0 ? (size_t)r : 0;
	}
	if (x->srv >= 0 && x->got < TCP_BYTES) {
		r = recv(x->srv, x->in + x->got, TCP_BYTES - x->got, 0);
		x->got += r > 0 ? (size_t)r : 0;
	}
}

static bool xfer_open(struct xfer *x)
{
	struct sockaddr_in srv = sin_of("198.18.1.2", 8080);
	size_t i;

	x->srv = -1;
	x->lsn = ns_socket(g2_fd, AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	x->cli = ns_socket(g1_fd, AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	for (i = 0; i < TCP_BYTES; i++)
		x->out[i] = (uint8_t)(i * 13 + (i >> 8));
	if (x->lsn < 0 || x->cli < 0 ||
	    bind(x->lsn, (struct sockaddr *)&srv, sizeof(srv)) || listen(x->lsn, 1))
		return false;
	return !connect(x->cli, (struct sockaddr *)&srv, sizeof(srv)) ||
	       errno == EINPROGRESS;
}

/* 1 MiB of TCP from G1 to G2 through the two taps: super-frames, all bytes. */
static void tap_tso__tcp_through_two_taps(void)
{
	static struct xfer x;
	uint64_t t0 = now_ms(), end = t0 + 5000;

	memset(&x, 0, sizeof(x));
	CHECK(xfer_open(&x));
	while (x.got < TCP_BYTES && now_ms() < end) {
		pump(tap0, tap1, &x);
		pump(tap1, tap0, &x);
		xfer_step(&x);
		usleep(100);
	}
	CHECK_EQ(x.got, TCP_BYTES);
	CHECK_MEM(x.in, x.out, TCP_BYTES);
	CHECK(x.super >= 1);
	printf("     tcp: %zu bytes in %" PRIu64 " ms, %u TSO super-frames G1->G2, "
	       "longest frame %u bytes\n", x.got, now_ms() - t0, x.super, x.max_len);
	close(x.cli);
	close(x.lsn);
	if (x.srv >= 0)
		close(x.srv);
}

/* Open srdt<i> here in H, then move it into netns ns and address it there. */
static int make_tap(const char *name, int ns, const char *cidr,
		    struct srd_port **portp)
{
	struct srd_port_cfg cfg = { .name = name, .mtu = 1500 };
	struct srd_port_info info;
	char *err = NULL;

	if (srd_port_open("tap", &cfg, portp, &err)) {
		fprintf(stderr, "open tap: %s\n", err ? err : "?");
		free(err);
		return -1;
	}
	srd_port_info(*portp, &info);
	printf("     %s: vnet hdr %u, offloads 0x%x, mtu %u\n", info.name,
	       info.vnet_hdr_len, info.offloads, info.mtu);
	if (ns_sh(h_fd, "ip link set %s netns /proc/%d/fd/%d", name, getpid(), ns))
		return -1;
	return ns_sh(ns, "ip link set lo up && ip addr add %s dev %s && "
		     "ip link set %s up", cidr, name, name);
}

/* A fresh netns whose new links have no IPv6 (no RS/MLD noise); its fd. */
static int new_ns(void)
{
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (system("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"))
		fprintf(stderr, "cannot disable IPv6 in a test netns\n");
	return fd;
}

static int setup(void)
{
	h_fd = new_ns();
	g1_fd = h_fd >= 0 ? new_ns() : -1;
	g2_fd = g1_fd >= 0 ? new_ns() : -1;
	if (g2_fd < 0 || setns(h_fd, CLONE_NEWNET) < 0) {
		printf("SKIP: network namespaces: %s\n", strerror(errno));
		return 77;
	}
	if (make_tap("srdt0", g1_fd, "198.18.1.1/24", &tap0) ||
	    make_tap("srdt1", g2_fd, "198.18.1.2/24", &tap1) ||
	    ns_sh(g1_fd, "ip neigh add 198.18.1.3 lladdr 02:00:00:00:00:03 dev srdt0"))
		return 1;
	pool = srd_pktpool_new(2 * NB + 8, SRD_PKT_FRAME_MAX, 0);
	return pool ? 0 : 1;
}

/* A persistent tap outlives its port, and a port of the same name re-attaches. */
static void tap_persist__survives_close(void)
{
	struct srd_port_cfg cfg = { .name = "srdtp", .tap.persist = true };
	struct srd_port *p = NULL;

	CHECK_EQ(srd_port_open("tap", &cfg, &p, NULL), 0);
	CHECK_EQ(ns_sh(h_fd, "ip link set srdtp master srdtbr 2>/dev/null || "
		       "(ip link add srdtbr type bridge && ip link set srdtp master srdtbr)"), 0);
	srd_port_close(p);
	CHECK_EQ(ns_sh(h_fd, "ip link show srdtp >/dev/null 2>&1"), 0);
	p = NULL;
	CHECK_EQ(srd_port_open("tap", &cfg, &p, NULL), 0);
	CHECK_EQ(ns_sh(h_fd, "ip -o link show srdtp | grep -q 'master srdtbr'"), 0);
	CHECK_EQ(srd_tap_set_persist(p, false), 0);
	srd_port_close(p);
	CHECK(ns_sh(h_fd, "ip link show srdtp >/dev/null 2>&1") != 0);
	ns_sh(h_fd, "ip link del srdtbr");
}

/* A tap someone set down is set up again, once (srd_tap_ensure_up). */
static void tap_ensure_up__after_link_down(void)
{
	struct srd_port_cfg cfg = { .name = "srdtu" };
	struct srd_port *p = NULL;

	CHECK_EQ(srd_port_open("tap", &cfg, &p, NULL), 0);
	CHECK_EQ(srd_tap_ensure_up(p), 0);
	CHECK_EQ(ns_sh(h_fd, "ip link set srdtu down"), 0);
	CHECK_EQ(srd_tap_ensure_up(p), 1);
	CHECK_EQ(ns_sh(h_fd, "ip -o link show srdtu | grep -q '<.*,UP'"), 0);
	CHECK_EQ(srd_tap_ensure_up(p), 0);
	srd_port_close(p);
}

static int run_all(void)
{
	int rc = setup();

	if (rc)
		return rc;
	RUN(tap_rx__udp_from_netns);
	RUN(tap_rx__short_buffer_counted);
	RUN(tap_tx__frames_into_netns);
	RUN(tap_tso__tcp_through_two_taps);
	RUN(tap_persist__survives_close);
	RUN(tap_ensure_up__after_link_down);
	if (getenv("SRD_PORT_BENCH"))
		tap_bench();
	srd_port_close(tap0);
	srd_port_close(tap1);
	srd_pktpool_free(pool);
	return check_exit();
}

int main(void)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP("needs root for network namespaces and taps");
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		SKIP("no /dev/net/tun");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		SKIP("fork failed");
	if (pid == 0) {
		alarm(120); /* a hang fails the test instead of blocking ctest */
		exit(run_all());
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
		fprintf(stderr, "test child died (status 0x%x)\n", status);
		return 1;
	}
	return WEXITSTATUS(status);
}
