/* SPDX-License-Identifier: Apache-2.0 */
/*
 * port_udp.c: the underlay port, UDP over IPv4 or IPv6.
 *
 * Sockets. A path is a UDP source port: the fabric's ECMP hash reads it, so path p
 * always leaves from (local address, base_sport + p) and one source port takes one
 * path. Linux cannot choose the source port per message, so there is one send
 * socket per path; that also lets UDP_SEGMENT batch a path's datagrams into one
 * send. A peer always sends to our one listen port (like RoCEv2's 4791), so one
 * receive socket, bound to (local address, listen port), takes everything: one fd
 * for the event loop whatever npaths is. Path sockets only send; a reject-all
 * socket filter keeps stray datagrams from filling their queues.
 *
 * Receive: recvmmsg into rx_bufs buffers of 64 KiB with UDP_GRO on, so one buffer
 * may hold many datagrams of one sender (the UDP_GRO cmsg gives their size, the
 * last may be shorter). rx_burst copies them out one per srd_pkt, in order, and
 * keeps the rest for the next call. Zero UDP checksums are accepted on IPv6
 * (UDP_NO_CHECK6_RX): PSP senders may send them. We always send real checksums.
 *
 * Transmit: tx_burst walks pkts in order. Consecutive packets with the same path
 * and peer form a run (at most UDP_TX_BATCH) that goes out in one sendmmsg; in a
 * run, consecutive datagrams of one size (the last may be shorter) become one
 * message with a UDP_SEGMENT cmsg, up to UDP_GSO_SEGS of them and UDP_GSO_BYTES.
 * Callers get the most from it by grouping a burst by path. Don't-fragment is on
 * (IP_PMTUDISC_DO, IPV6_DONTFRAG): a datagram larger than the route MTU fails with
 * EMSGSIZE and is counted in tx_oversize (a GSO message with such segments is
 * re-sent datagram by datagram so that each is counted).
 *
 * SO_REUSEPORT (cfg.reuseport): every socket of the port sets it, so each datapath
 * thread opens its own port with the same config; the kernel spreads receives
 * over the listen sockets by 4-tuple hash and every thread can send on every path.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vswitch/port.h"

#define UDP_TX_BATCH 64        /* datagrams per sendmmsg */
#define UDP_GSO_SEGS 64        /* datagrams per UDP_SEGMENT message */
#define UDP_GSO_BYTES 65000    /* payload bytes per UDP_SEGMENT message */
#define UDP_RX_BUF 65536       /* bytes per receive buffer (a GRO batch) */
#define UDP_RX_FILLS 4         /* recvmmsg calls per rx_burst at most */
#define UDP_SOCK_BUF (8 << 20) /* default SO_RCVBUF/SO_SNDBUF */

/* Room for one UDP_SEGMENT or UDP_GRO cmsg. */
union udp_ctl {
	char buf[CMSG_SPACE(sizeof(int))]; /* the cmsg */
	struct cmsghdr align;              /* alignment */
};

/* A udp port. */
struct udp_port {
	struct srd_port port;        /* must be first */
	int rx_fd;                   /* receive socket, on the listen port */
	int *path_fd;                /* npaths send sockets, base_sport + p */
	unsigned npaths;             /* paths */
	unsigned offloads;           /* SRD_PORT_OFF_UGSO / _UGRO */
	union srd_sockaddr local;    /* bound listen address */
	char name[16];               /* config name */
	unsigned rx_bufs;            /* receive buffers (messages per recvmmsg) */
	uint8_t *rx_mem;             /* rx_bufs * UDP_RX_BUF bytes */
	struct mmsghdr *rx_msgs;     /* rx_bufs messages */
	struct iovec *rx_iov;        /* rx_bufs iovecs */
	union srd_sockaddr *rx_addr; /* rx_bufs source addresses */
	union udp_ctl *rx_ctl;       /* rx_bufs cmsg buffers */
	unsigned rx_cnt;             /* messages received by the last recvmmsg */
	unsigned rx_cur;             /* message being split */
	uint32_t rx_off;             /* bytes of it already returned */
	struct mmsghdr tx_msgs[UDP_TX_BATCH];   /* messages of one sendmmsg */
	struct iovec tx_iov[UDP_TX_BATCH];      /* one per datagram */
	unsigned tx_npkts[UDP_TX_BATCH];        /* datagrams per message */
	union udp_ctl tx_ctl[UDP_TX_BATCH];     /* UDP_SEGMENT per message */
	struct srd_port_stats st;    /* counters */
};

static struct udp_port *udp_cast(struct srd_port *port)
{
	return (struct udp_port *)((char *)port - offsetof(struct udp_port, port));
}

static const struct udp_port *udp_ccast(const struct srd_port *port)
{
	return udp_cast((struct srd_port *)port);
}

static socklen_t udp_addr_len(const union srd_sockaddr *a)
{
	return a->sa.sa_family == AF_INET ? sizeof(a->v4) : sizeof(a->v6);
}

static bool udp_same_peer(const union srd_sockaddr *a, const union srd_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_port == b->v4.sin_port &&
		       a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return a->v6.sin6_port == b->v6.sin6_port &&
	       !memcmp(&a->v6.sin6_addr, &b->v6.sin6_addr, 16);
}

/* ---- receive ---- */

static uint32_t udp_gro_size(const struct msghdr *mh)
{
	struct cmsghdr *c;
	int seg;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			memcpy(&seg, CMSG_DATA(c), sizeof(seg));
			return seg > 0 ? (uint32_t)seg : 0;
		}
	}
	return 0;
}

/* One recvmmsg: messages received, 0 if none, -errno if the socket is broken. */
static int udp_rx_fill(struct udp_port *u)
{
	unsigned i;
	int r;

	for (i = 0; i < u->rx_bufs; i++) {
		struct msghdr *mh = &u->rx_msgs[i].msg_hdr;

		mh->msg_name = &u->rx_addr[i];
		mh->msg_namelen = sizeof(u->rx_addr[i]);
		mh->msg_iov = &u->rx_iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = u->rx_ctl[i].buf;
		mh->msg_controllen = sizeof(u->rx_ctl[i].buf);
		mh->msg_flags = 0;
	}
	r = recvmmsg(u->rx_fd, u->rx_msgs, u->rx_bufs, MSG_DONTWAIT, NULL);
	if (r < 0) {
		if (errno == EBADF || errno == EFAULT || errno == ENOTSOCK)
			return -errno;
		if (errno != EAGAIN && errno != EINTR)
			u->st.rx_errors++;
		return 0;
	}
	u->st.rx_syscalls++;
	u->rx_cnt = (unsigned)r;
	u->rx_cur = 0;
	u->rx_off = 0;
	return r;
}

/* Copy one datagram of the current message into p; false if it was dropped. */
static bool udp_rx_one(struct udp_port *u, struct srd_pkt *p)
{
	const struct mmsghdr *m = &u->rx_msgs[u->rx_cur];
	const uint8_t *base = u->rx_iov[u->rx_cur].iov_base;
	uint32_t len = m->msg_len, seg = udp_gro_size(&m->msg_hdr), chunk;
	bool ok = true;

	if (seg >= len)
		seg = 0;
	chunk = seg ? seg : len;
	if (chunk > len - u->rx_off)
		chunk = len - u->rx_off;
	if (m->msg_hdr.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		/* cut by the kernel, or the GRO size may be lost: drop the rest whole,
		 * counting every datagram it held */
		chunk = len - u->rx_off;
		u->st.rx_truncated += seg ? (chunk + seg - 1) / seg : 1;
		ok = false;
	} else if (chunk > p->cap) {
		u->st.rx_truncated++;
		ok = false;
	} else {
		memcpy(p->buf, base + u->rx_off, chunk);
		p->len = chunk;
		p->peer = u->rx_addr[u->rx_cur];
		p->seg_size = (uint16_t)seg;
		memset(&p->off, 0, sizeof(p->off));
		u->st.rx_packets++;
		u->st.rx_bytes += chunk;
		u->st.rx_gro_bufs += seg && !u->rx_off;
		u->st.rx_gro_segs += seg != 0;
	}
	u->rx_off += chunk;
	if (u->rx_off >= len) {
		u->rx_cur++;
		u->rx_off = 0;
	}
	return ok;
}

/* Hand out what the last recvmmsg left; returns packets filled. */
static int udp_rx_split(struct udp_port *u, struct srd_pkt **pkts, int n)
{
	int got = 0;

	while (got < n && u->rx_cur < u->rx_cnt)
		got += udp_rx_one(u, pkts[got]);
	return got;
}

static int udp_rx_burst(struct srd_port *port, struct srd_pkt **pkts, int n)
{
	struct udp_port *u = udp_cast(port);
	int got, r, fills;

	got = udp_rx_split(u, pkts, n);
	for (fills = 0; got < n && fills < UDP_RX_FILLS; fills++) {
		r = udp_rx_fill(u);
		if (r < 0 && !got)
			return r;
		if (r <= 0)
			break;
		got += udp_rx_split(u, pkts + got, n - got);
	}
	return got;
}

/* ---- transmit ---- */

/* Length of the run at pkts: same path and peer, at most UDP_TX_BATCH. */
static int udp_run_len(struct srd_pkt **pkts, int n)
{
	int k = 1;

	while (k < n && k < UDP_TX_BATCH && pkts[k]->path == pkts[0]->path &&
	       udp_same_peer(&pkts[k]->peer, &pkts[0]->peer))
		k++;
	return k;
}

/* Datagrams at pkts that one UDP_SEGMENT message can carry (1: no GSO). */
static int udp_gso_group(const struct udp_port *u, struct srd_pkt **pkts, int n)
{
	uint32_t seg = pkts[0]->len, total = seg;
	int k = 1;

	if (!(u->offloads & SRD_PORT_OFF_UGSO) || !seg)
		return 1;
	while (k < n && k < UDP_GSO_SEGS) {
		uint32_t l = pkts[k]->len;

		if (!l || l > seg || total + l > UDP_GSO_BYTES)
			break;
		total += l;
		k++;
		if (l < seg)
			break;
	}
	return k;
}

static void udp_set_segment(struct msghdr *mh, union udp_ctl *ctl, uint32_t seg)
{
	struct cmsghdr *c;
	uint16_t gso = (uint16_t)seg;

	mh->msg_control = ctl->buf;
	mh->msg_controllen = CMSG_SPACE(sizeof(gso));
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(gso));
	memcpy(CMSG_DATA(c), &gso, sizeof(gso));
}

/* Messages for the run pkts[0..n); returns how many. */
static int udp_build(struct udp_port *u, struct srd_pkt **pkts, int n)
{
	int i = 0, j, k, nm = 0;

	while (i < n) {
		struct msghdr *mh = &u->tx_msgs[nm].msg_hdr;

		k = udp_gso_group(u, pkts + i, n - i);
		for (j = 0; j < k; j++) {
			u->tx_iov[i + j].iov_base = pkts[i + j]->buf;
			u->tx_iov[i + j].iov_len = pkts[i + j]->len;
		}
		memset(mh, 0, sizeof(*mh));
		mh->msg_name = &pkts[i]->peer;
		mh->msg_namelen = udp_addr_len(&pkts[i]->peer);
		mh->msg_iov = &u->tx_iov[i];
		mh->msg_iovlen = (size_t)k;
		if (k > 1)
			udp_set_segment(mh, &u->tx_ctl[nm], pkts[i]->len);
		u->tx_npkts[nm++] = (unsigned)k;
		i += k;
	}
	return nm;
}

static void udp_tx_count(struct udp_port *u, int nm)
{
	int m;
	size_t j;

	for (m = 0; m < nm; m++) {
		const struct msghdr *mh = &u->tx_msgs[m].msg_hdr;

		for (j = 0; j < mh->msg_iovlen; j++)
			u->st.tx_bytes += mh->msg_iov[j].iov_len;
		u->st.tx_packets += u->tx_npkts[m];
		if (u->tx_npkts[m] > 1) {
			u->st.tx_gso_sends++;
			u->st.tx_gso_segs += u->tx_npkts[m];
		}
	}
}

/* Count one datagram or message that failed with err, as dropped. */
static void udp_tx_drop(struct udp_port *u, int err, unsigned npkts)
{
	if (err == EMSGSIZE)
		u->st.tx_oversize += npkts;
	else
		u->st.tx_errors += npkts;
}

/* Message 0 failed with err: send its datagrams one by one; returns handled. */
static int udp_tx_single(struct udp_port *u, int fd, int err)
{
	struct msghdr mh = u->tx_msgs[0].msg_hdr;
	struct iovec *iov = mh.msg_iov;
	unsigned i, k = u->tx_npkts[0];

	if (k == 1 || (err != EMSGSIZE && err != EINVAL && err != EIO)) {
		udp_tx_drop(u, err, k);
		return (int)k;
	}
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	mh.msg_iovlen = 1;
	for (i = 0; i < k; i++) {
		mh.msg_iov = &iov[i];
		u->st.tx_syscalls++;
		if (sendmsg(fd, &mh, MSG_DONTWAIT) >= 0) {
			u->st.tx_packets++;
			u->st.tx_bytes += iov[i].iov_len;
		} else if (errno == EAGAIN) {
			break;
		} else {
			udp_tx_drop(u, errno, 1);
		}
	}
	return (int)i;
}

/* Send one run from pkts; handled count, 0 if the socket is full, or -errno. */
static int udp_tx_run(struct udp_port *u, struct srd_pkt **pkts, int n)
{
	int run = udp_run_len(pkts, n), nm, r, m, done = 0, fd;

	if (pkts[0]->path >= u->npaths) {
		u->st.tx_errors += (unsigned)run;
		return run;
	}
	fd = u->path_fd[pkts[0]->path];
	nm = udp_build(u, pkts, run);
	r = sendmmsg(fd, u->tx_msgs, (unsigned)nm, MSG_DONTWAIT);
	u->st.tx_syscalls++;
	if (r > 0) {
		udp_tx_count(u, r);
		for (m = 0; m < r; m++)
			done += (int)u->tx_npkts[m];
		return done;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;   /* full: the caller retries (port.h) */
	if (errno == EBADF || errno == EFAULT || errno == ENOTSOCK)
		return -errno;
	return udp_tx_single(u, fd, errno);
}

static int udp_tx_burst(struct srd_port *port, struct srd_pkt **pkts, int n)
{
	struct udp_port *u = udp_cast(port);
	int done = 0, r;

	while (done < n) {
		r = udp_tx_run(u, pkts + done, n - done);
		if (r < 0)
			return done ? done : r;
		if (r == 0) {
			u->st.tx_full++;
			break;
		}
		done += r;
	}
	return done;
}

/* ---- setup ---- */

static int udp_get_fd(const struct srd_port *port)
{
	return udp_ccast(port)->rx_fd;
}

static void udp_get_stats(const struct srd_port *port, struct srd_port_stats *st)
{
	*st = udp_ccast(port)->st;
}

static void udp_get_info(const struct srd_port *port, struct srd_port_info *info)
{
	const struct udp_port *u = udp_ccast(port);

	memset(info, 0, sizeof(*info));
	info->type = "udp";
	snprintf(info->name, sizeof(info->name), "%s", u->name);
	info->offloads = u->offloads;
	info->npaths = u->npaths;
	info->local = u->local;
}

static int udp_check_cfg(const struct srd_udp_cfg *cfg, char **errp)
{
	int fam = cfg->local.sa.sa_family;
	unsigned lport = ntohs(fam == AF_INET ? cfg->local.v4.sin_port :
						cfg->local.v6.sin6_port);

	if (fam != AF_INET && fam != AF_INET6)
		return srd_port_err(errp, -EAFNOSUPPORT, "udp: local address family %d",
				    fam);
	if (!cfg->npaths || cfg->npaths > SRD_UDP_MAX_PATHS)
		return srd_port_err(errp, -EINVAL, "udp: npaths %u not in 1..%d",
				    cfg->npaths, SRD_UDP_MAX_PATHS);
	if (!cfg->base_sport || cfg->base_sport + cfg->npaths - 1u > 65535u)
		return srd_port_err(errp, -EINVAL, "udp: source ports %u+%u",
				    cfg->base_sport, cfg->npaths);
	if (lport >= cfg->base_sport && lport < cfg->base_sport + cfg->npaths)
		return srd_port_err(errp, -EINVAL,
				    "udp: listen port %u among the path ports", lport);
	return 0;
}

static int udp_setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* A generous buffer: the FORCE variant passes rmem_max/wmem_max when we may. */
static void udp_set_buf(int fd, int force, int plain, int bytes)
{
	if (udp_setopt(fd, SOL_SOCKET, force, bytes))
		(void)udp_setopt(fd, SOL_SOCKET, plain, bytes);
}

/* Options every socket of the port has: reuseport, v6only, don't-fragment. */
static int udp_common_opts(int fd, const struct srd_udp_cfg *cfg)
{
	int err = 0;

	if (cfg->reuseport)
		err = udp_setopt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (cfg->local.sa.sa_family == AF_INET)
		return err ? err : udp_setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER,
					      IP_PMTUDISC_DO);
	if (!err)
		err = udp_setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, cfg->v6only);
	if (!err)
		err = udp_setopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
				 IPV6_PMTUDISC_DO);
	if (!err)
		err = udp_setopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
	if (!err && !cfg->v6only) /* v4-mapped peers */
		(void)udp_setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
	return err;
}

/* The receive socket's extras: GRO, zero IPv6 checksums, a big buffer. */
static void udp_rx_opts(struct udp_port *u, int fd, const struct srd_udp_cfg *cfg)
{
	int bytes = cfg->sock_buf ? cfg->sock_buf : UDP_SOCK_BUF;

	udp_set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, bytes);
	if (!cfg->no_gro && !udp_setopt(fd, SOL_UDP, UDP_GRO, 1))
		u->offloads |= SRD_PORT_OFF_UGRO;
	if (cfg->local.sa.sa_family == AF_INET6)
		(void)udp_setopt(fd, SOL_UDP, UDP_NO_CHECK6_RX, 1);
}

/* A path socket's extras: a big send buffer, and it receives nothing. */
static int udp_tx_opts(int fd, const struct srd_udp_cfg *cfg)
{
	struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop_all };

	udp_set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF,
		    cfg->sock_buf ? cfg->sock_buf : UDP_SOCK_BUF);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

/* A socket bound to (local address, port); rx: the listen socket. fd or -errno. */
static int udp_socket(struct udp_port *u, const struct srd_udp_cfg *cfg,
		      uint16_t port, bool rx)
{
	union srd_sockaddr a = cfg->local;
	int fd, err;

	fd = socket(a.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (a.sa.sa_family == AF_INET)
		a.v4.sin_port = htons(port);
	else
		a.v6.sin6_port = htons(port);
	err = udp_common_opts(fd, cfg);
	if (!err && rx)
		udp_rx_opts(u, fd, cfg);
	if (!err && !rx)
		err = udp_tx_opts(fd, cfg);
	if (!err && bind(fd, &a.sa, udp_addr_len(&a)) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int udp_open_socks(struct udp_port *u, const struct srd_udp_cfg *cfg,
			  char **errp)
{
	socklen_t alen = sizeof(u->local);
	uint16_t lport = ntohs(cfg->local.sa.sa_family == AF_INET ?
			       cfg->local.v4.sin_port : cfg->local.v6.sin6_port);
	unsigned p;

	u->rx_fd = udp_socket(u, cfg, lport, true);
	if (u->rx_fd < 0)
		return srd_port_err(errp, u->rx_fd, "udp %s: listen port %u", u->name,
				    lport);
	if (getsockname(u->rx_fd, &u->local.sa, &alen) < 0)
		return srd_port_err(errp, -errno, "udp %s: getsockname", u->name);
	for (p = 0; p < u->npaths; p++) {
		u->path_fd[p] = udp_socket(u, cfg, (uint16_t)(cfg->base_sport + p),
					   false);
		if (u->path_fd[p] < 0)
			return srd_port_err(errp, u->path_fd[p],
					    "udp %s: path %u source port %u", u->name,
					    p, cfg->base_sport + p);
	}
	/* UDP_SEGMENT 0 is "off": it succeeds where the kernel has UDP GSO. */
	if (!cfg->no_gso && !udp_setopt(u->path_fd[0], SOL_UDP, UDP_SEGMENT, 0))
		u->offloads |= SRD_PORT_OFF_UGSO;
	return 0;
}

static void udp_close(struct srd_port *port)
{
	struct udp_port *u;
	unsigned p;

	if (!port)
		return;
	u = udp_cast(port);
	if (u->rx_fd >= 0)
		close(u->rx_fd);
	for (p = 0; u->path_fd && p < u->npaths; p++)
		if (u->path_fd[p] >= 0)
			close(u->path_fd[p]);
	free(u->path_fd);
	free(u->rx_mem);
	free(u->rx_msgs);
	free(u->rx_iov);
	free(u->rx_addr);
	free(u->rx_ctl);
	free(u);
}

static int udp_alloc(struct udp_port *u, const struct srd_udp_cfg *cfg)
{
	unsigned i;

	u->rx_fd = -1;
	u->npaths = cfg->npaths;
	u->rx_bufs = cfg->rx_bufs ? cfg->rx_bufs : 16;
	u->path_fd = malloc(u->npaths * sizeof(*u->path_fd));
	if (!u->path_fd)
		return -ENOMEM;
	for (i = 0; i < u->npaths; i++)
		u->path_fd[i] = -1;   /* udp_close() may run after any failure below */
	u->rx_mem = malloc((size_t)u->rx_bufs * UDP_RX_BUF);
	u->rx_msgs = calloc(u->rx_bufs, sizeof(*u->rx_msgs));
	u->rx_iov = calloc(u->rx_bufs, sizeof(*u->rx_iov));
	u->rx_addr = calloc(u->rx_bufs, sizeof(*u->rx_addr));
	u->rx_ctl = calloc(u->rx_bufs, sizeof(*u->rx_ctl));
	if (!u->rx_mem || !u->rx_msgs || !u->rx_iov || !u->rx_addr || !u->rx_ctl)
		return -ENOMEM;
	for (i = 0; i < u->rx_bufs; i++) {
		u->rx_iov[i].iov_base = u->rx_mem + (size_t)i * UDP_RX_BUF;
		u->rx_iov[i].iov_len = UDP_RX_BUF;
	}
	return 0;
}

static int udp_open(const struct srd_port_cfg *cfg, struct srd_port **portp,
		    char **errp)
{
	struct udp_port *u;
	int err;

	*portp = NULL;
	err = udp_check_cfg(&cfg->udp, errp);
	if (err)
		return err;
	u = calloc(1, sizeof(*u));
	if (!u)
		return srd_port_err(errp, -ENOMEM, "udp port");
	u->port.ops = &srd_port_udp_ops;
	snprintf(u->name, sizeof(u->name), "%s", cfg->name ? cfg->name : "udp");
	err = udp_alloc(u, &cfg->udp);
	if (err)
		srd_port_err(errp, err, "udp port %s", u->name);
	if (!err)
		err = udp_open_socks(u, &cfg->udp, errp);
	if (err) {
		udp_close(&u->port);
		return err;
	}
	*portp = &u->port;
	return 0;
}

const struct srd_port_ops srd_port_udp_ops = {
	.type = "udp",
	.open = udp_open,
	.close = udp_close,
	.rx_burst = udp_rx_burst,
	.tx_burst = udp_tx_burst,
	.get_fd = udp_get_fd,
	.get_stats = udp_get_stats,
	.get_info = udp_get_info,
};
