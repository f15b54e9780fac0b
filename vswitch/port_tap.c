/* SPDX-License-Identifier: Apache-2.0 */
/*
 * port_tap.c: the guest-side port, a tap device with a virtio-net header.
 *
 * The tap is opened IFF_TAP | IFF_NO_PI | IFF_VNET_HDR (| IFF_MULTI_QUEUE), with
 * the 12-byte header (struct virtio_net_hdr_mrg_rxbuf, the virtio 1.0 layout; 10 if
 * the kernel refuses 12) in little-endian order. TUNSETOFFLOAD tells the kernel
 * which super-frames we accept: CSUM, TSO4, TSO6, TSO_ECN and, where the kernel has
 * it, USO4/USO6 (a kernel without USO refuses the whole set with EINVAL, so we ask
 * again without). The kernel then hands us frames up to 64 KiB unsegmented with
 * their offload metadata, and accepts the same from us: nothing is segmented or
 * checksummed here, the peer's tap does it (or its guest's stack).
 *
 * One readv/writev per frame: the tap has no batched read. (A later vhost-net or
 * AF_XDP backend removes that cost; this one is the reference.)
 */
#include <errno.h>
#include <fcntl.h>
#include <endian.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vswitch/port.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20  /* kernel >= 6.2 */
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40  /* kernel >= 6.2 */
#endif

#define TAP_OFFLOADS_BASE (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

/* A tap port. */
struct tap_port {
	struct srd_port port;        /* must be first */
	int fd;                      /* /dev/net/tun, nonblocking */
	int ifindex;                 /* interface index where it was created */
	unsigned mtu;                /* device MTU */
	unsigned offloads;           /* SRD_PORT_OFF_* accepted by TUNSETOFFLOAD */
	unsigned vnet_hdr_len;       /* 12 or 10 */
	char name[IFNAMSIZ];         /* device name */
	struct srd_port_stats st;    /* counters */
};

static struct tap_port *tap_cast(struct srd_port *port)
{
	return (struct tap_port *)((char *)port - offsetof(struct tap_port, port));
}

static const struct tap_port *tap_ccast(const struct srd_port *port)
{
	return tap_cast((struct srd_port *)port);
}

static void tap_hdr_to_off(const struct virtio_net_hdr *vh,
			   struct srd_offload *off)
{
	off->vnet_flags = vh->flags;
	off->gso_type = vh->gso_type;
	off->hdr_len = le16toh(vh->hdr_len);
	off->gso_size = le16toh(vh->gso_size);
	off->csum_start = le16toh(vh->csum_start);
	off->csum_offset = le16toh(vh->csum_offset);
}

static void tap_off_to_hdr(const struct srd_offload *off,
			   struct virtio_net_hdr_mrg_rxbuf *vh)
{
	memset(vh, 0, sizeof(*vh));
	vh->hdr.flags = off->vnet_flags;
	vh->hdr.gso_type = off->gso_type;
	vh->hdr.hdr_len = htole16(off->hdr_len);
	vh->hdr.gso_size = htole16(off->gso_size);
	vh->hdr.csum_start = htole16(off->csum_start);
	vh->hdr.csum_offset = htole16(off->csum_offset);
}

/* Errors after which the fd is useless: the burst reports them. (EINVAL is not one:
 * tun returns it for one frame whose offload it cannot describe, and drops only
 * that frame.) */
static bool tap_fatal(int err)
{
	return err == EBADF || err == EBADFD || err == EFAULT;
}

static int tap_rx_burst(struct srd_port *port, struct srd_pkt **pkts, int n)
{
	struct tap_port *t = tap_cast(port);
	struct virtio_net_hdr_mrg_rxbuf vh;
	int got = 0, tries;
	uint8_t spill;

	for (tries = 0; got < n && tries < 2 * n; tries++) {
		struct srd_pkt *p = pkts[got];
		/* The tap cuts a long frame silently: a byte filled in spill shows it. */
		struct iovec iov[3] = {
			{ .iov_base = &vh, .iov_len = t->vnet_hdr_len },
			{ .iov_base = p->buf, .iov_len = p->cap },
			{ .iov_base = &spill, .iov_len = 1 },
		};
		ssize_t r = readv(t->fd, iov, 3);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				t->st.rx_errors++;
			if (errno == EAGAIN || !tap_fatal(errno) || got)
				break;
			return -errno;
		}
		t->st.rx_syscalls++;
		if ((size_t)r < t->vnet_hdr_len) {
			t->st.rx_errors++;
			continue;
		}
		if ((size_t)r - t->vnet_hdr_len > p->cap) {
			t->st.rx_truncated++;
			continue;
		}
		p->len = (uint32_t)(r - t->vnet_hdr_len);
		tap_hdr_to_off(&vh.hdr, &p->off);
		t->st.rx_packets++;
		t->st.rx_bytes += p->len;
		got++;
	}
	return got;
}

static int tap_tx_burst(struct srd_port *port, struct srd_pkt **pkts, int n)
{
	struct tap_port *t = tap_cast(port);
	struct virtio_net_hdr_mrg_rxbuf vh;
	int done = 0;

	while (done < n) {
		const struct srd_pkt *p = pkts[done];
		struct iovec iov[2] = {
			{ .iov_base = &vh, .iov_len = t->vnet_hdr_len },
			{ .iov_base = p->buf, .iov_len = p->len },
		};
		ssize_t r;

		tap_off_to_hdr(&p->off, &vh);
		r = writev(t->fd, iov, 2);
		t->st.tx_syscalls++;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			t->st.tx_full++;
			break;
		}
		if (r < 0 && (errno == EBADF || errno == EFAULT) && !done)
			return -errno;
		if (r < 0) {
			/* EIO: link down; EINVAL: header the kernel refuses. */
			t->st.tx_errors++;
		} else {
			t->st.tx_packets++;
			t->st.tx_bytes += p->len;
		}
		done++;
	}
	return done;
}

static int tap_get_fd(const struct srd_port *port)
{
	return tap_ccast(port)->fd;
}

static void tap_get_stats(const struct srd_port *port, struct srd_port_stats *st)
{
	*st = tap_ccast(port)->st;
}

static void tap_get_info(const struct srd_port *port, struct srd_port_info *info)
{
	const struct tap_port *t = tap_ccast(port);

	memset(info, 0, sizeof(*info));
	info->type = "tap";
	snprintf(info->name, sizeof(info->name), "%s", t->name);
	info->ifindex = t->ifindex;
	info->mtu = t->mtu;
	info->offloads = t->offloads;
	info->vnet_hdr_len = t->vnet_hdr_len;
}

static unsigned tap_off_flags(unsigned tun_f)
{
	unsigned off = 0;

	off |= tun_f & TUN_F_CSUM ? SRD_PORT_OFF_CSUM : 0;
	off |= tun_f & TUN_F_TSO4 ? SRD_PORT_OFF_TSO4 : 0;
	off |= tun_f & TUN_F_TSO6 ? SRD_PORT_OFF_TSO6 : 0;
	off |= tun_f & TUN_F_TSO_ECN ? SRD_PORT_OFF_TSOECN : 0;
	off |= tun_f & TUN_F_USO4 ? SRD_PORT_OFF_USO : 0;
	return off;
}

/* The virtio-net header size and order, and the offloads; 0 or -errno. */
static int tap_setup_vnet(struct tap_port *t, const struct srd_tap_cfg *cfg,
			  char **errp)
{
	unsigned long tun_f = TAP_OFFLOADS_BASE | TUN_F_USO4 | TUN_F_USO6;
	int sz = sizeof(struct virtio_net_hdr_mrg_rxbuf), le = 1;

	if (ioctl(t->fd, TUNSETVNETHDRSZ, &sz) < 0) {
		sz = sizeof(struct virtio_net_hdr);
		if (ioctl(t->fd, TUNSETVNETHDRSZ, &sz) < 0)
			return srd_port_err(errp, -errno, "tap %s: TUNSETVNETHDRSZ",
					    t->name);
	}
	t->vnet_hdr_len = (unsigned)sz;
	/* Little-endian already on LE hosts; the call only matters on BE ones. */
	(void)ioctl(t->fd, TUNSETVNETLE, &le);
	if (cfg->no_uso || ioctl(t->fd, TUNSETOFFLOAD, tun_f) < 0) {
		tun_f = TAP_OFFLOADS_BASE;
		if (ioctl(t->fd, TUNSETOFFLOAD, tun_f) < 0)
			return srd_port_err(errp, -errno, "tap %s: TUNSETOFFLOAD",
					    t->name);
	}
	t->offloads = tap_off_flags((unsigned)tun_f);
	return 0;
}

/* Set IFF_UP on the device unless it has it: 1 if it was down, 0, or -errno. */
static int link_up(int s, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 1;
}

/* MTU, link up, ifindex, through an ioctl socket in the current netns. */
static int tap_setup_link(struct tap_port *t, unsigned mtu, char **errp)
{
	struct ifreq ifr;
	int s, err = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return srd_port_err(errp, -errno, "tap %s: control socket", t->name);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	ifr.ifr_mtu = (int)mtu;
	if (mtu && ioctl(s, SIOCSIFMTU, &ifr) < 0)
		err = srd_port_err(errp, -errno, "tap %s: set MTU %u", t->name, mtu);
	if (!err && ioctl(s, SIOCGIFMTU, &ifr) == 0)
		t->mtu = (unsigned)ifr.ifr_mtu;
	if (!err && ioctl(s, SIOCGIFINDEX, &ifr) == 0)
		t->ifindex = ifr.ifr_ifindex;
	if (!err) {
		int up = link_up(s, t->name);

		if (up < 0)
			err = srd_port_err(errp, up, "tap %s: link up", t->name);
	}
	close(s);
	return err;
}

int srd_tap_ensure_up(struct srd_port *port)
{
	struct tap_port *t = (struct tap_port *)port;
	int s, ret;

	if (port->ops != &srd_port_tap_ops)
		return -EOPNOTSUPP;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	ret = link_up(s, t->name);
	close(s);
	return ret;
}

static int tap_create(struct tap_port *t, const struct srd_port_cfg *cfg,
		      char **errp)
{
	struct ifreq ifr;

	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		return srd_port_err(errp, -errno, "open /dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (cfg->tap.multi_queue)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (cfg->name && strlen(cfg->name) >= sizeof(ifr.ifr_name))
		return srd_port_err(errp, -ENAMETOOLONG, "tap name \"%s\"",
				    cfg->name);
	if (cfg->name)
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cfg->name);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0)
		return srd_port_err(errp, -errno, "tap \"%s\": TUNSETIFF",
				    cfg->name ? cfg->name : "");
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	if (cfg->tap.persist && ioctl(t->fd, TUNSETPERSIST, 1) < 0)
		return srd_port_err(errp, -errno, "tap %s: TUNSETPERSIST", t->name);
	return 0;
}

int srd_tap_set_persist(struct srd_port *port, bool on)
{
	if (port->ops != &srd_port_tap_ops)
		return -EOPNOTSUPP;
	return ioctl(tap_cast(port)->fd, TUNSETPERSIST, on ? 1 : 0) < 0 ? -errno : 0;
}

static void tap_close(struct srd_port *port)
{
	struct tap_port *t;

	if (!port)
		return;
	t = tap_cast(port);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static int tap_open(const struct srd_port_cfg *cfg, struct srd_port **portp,
		    char **errp)
{
	struct tap_port *t;
	int err;

	*portp = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return srd_port_err(errp, -ENOMEM, "tap port");
	t->port.ops = &srd_port_tap_ops;
	err = tap_create(t, cfg, errp);
	if (!err)
		err = tap_setup_vnet(t, &cfg->tap, errp);
	if (!err)
		err = tap_setup_link(t, cfg->mtu, errp);
	if (err) {
		if (t->fd >= 0)
			close(t->fd);
		free(t);
		return err;
	}
	*portp = &t->port;
	return 0;
}

const struct srd_port_ops srd_port_tap_ops = {
	.type = "tap",
	.open = tap_open,
	.close = tap_close,
	.rx_burst = tap_rx_burst,
	.tx_burst = tap_tx_burst,
	.get_fd = tap_get_fd,
	.get_stats = tap_get_stats,
	.get_info = tap_get_info,
};
