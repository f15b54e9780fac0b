/* SPDX-License-Identifier: Apache-2.0 */
/*
 * port.h: the port interface of srd-vswitchd. Every backend (tap now; AF_XDP and
 * DPDK later) implements struct srd_port_ops, and the datapath moves packets only
 * through these functions. This header is the spec.
 *
 * Two kinds of port. A guest-side port (tap) moves Ethernet frames of up to 64 KiB
 * with their virtio-net offload metadata (struct srd_offload): a TSO super-frame
 * comes in as one frame with gso_type/gso_size set and goes out to the peer's
 * guest the same way, never segmented here. An underlay port (udp) moves UDP
 * datagrams to and from peers; each carries its peer address and, on transmit, the
 * path index that selects the UDP source port (the ECMP entropy).
 *
 * Lifecycle. srd_port_open() creates a port from a config and returns it ready:
 * the device exists, is up, nonblocking, and srd_port_fd() can go into epoll at
 * once. srd_port_close() releases everything (a tap that is not persistent
 * disappears). Ports are never reconfigured in place: close and reopen.
 *
 * Buffers. Ports allocate nothing per packet. The caller owns every struct srd_pkt
 * and the bytes at pkt->buf (pktbuf.h is a fixed pool of them); a port only reads
 * them (tx) or fills them (rx) during the call. A receive buffer must hold
 * SRD_PKT_FRAME_MAX bytes on a guest-side port and the largest datagram expected
 * on an underlay port; anything longer than cap is dropped and counted in
 * rx_truncated, never returned cut short.
 *
 * Bursts, the DPDK way. rx_burst(port, pkts, n) fills pkts[0..k) and returns k,
 * 0 <= k <= n; it never blocks. tx_burst(port, pkts, n) returns k: pkts[0..k)
 * are done with (sent, or dropped and counted: oversize, link down, rejected
 * header) and may be reused; pkts[k..n) were not touched because the device is
 * full (EAGAIN): retry them later, on the next event-loop turn (underlay sockets
 * offer no writability fd; ENOBUFS, a queue that discarded the packet, counts as a
 * drop, not as full). Only when nothing was handled and the port
 * itself is broken (EBADF, EFAULT, ...) does a burst return a negative errno.
 * Per-packet errors are never logged; they are counted in struct srd_port_stats.
 *
 * Draining. A port may keep received data internally (the udp port splits one GRO
 * buffer into many datagrams). An rx_burst that returns n may have more: call it
 * again before sleeping on srd_port_fd(); one that returns less than n has drained
 * the port, so level-triggered epoll on srd_port_fd() then covers what follows.
 *
 * Errors. Every int-returning function returns 0 (or a count) on success and a
 * negative errno on failure; srd_port_open() also sets *errp, when errp is not
 * NULL, to a malloc'd readable message (free() it) naming what failed; it never
 * reads *errp, so it need not be initialised.
 *
 * Threading. A port is one queue and belongs to one thread: rx_burst, tx_burst and
 * get_stats of one port are never called concurrently. Different ports need no
 * locking between them. Several queues of one device are several ports (a tap
 * with multi_queue opened once per queue; udp ports with reuseport sharing a
 * listen port).
 */
#ifndef SRD_VSWITCH_PORT_H
#define SRD_VSWITCH_PORT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "encap/srd_wire.h"

/* Largest frame a guest-side port moves: a 64 KiB GSO frame plus L2 and VLAN. */
#define SRD_PKT_FRAME_MAX (65536 + 14 + 4)

/* Paths of one udp port (one socket each). */
#define SRD_UDP_MAX_PATHS 256

/* An underlay address and port: IPv4 or IPv6 (v4-mapped on dual-stack). */
union srd_sockaddr {
	struct sockaddr sa;       /* sa_family says which member is valid */
	struct sockaddr_in v4;    /* AF_INET */
	struct sockaddr_in6 v6;   /* AF_INET6 */
};

/*
 * One packet: a guest frame or an underlay datagram, in a caller-owned buffer.
 * Fields a port does not use are left as they are on rx and ignored on tx.
 */
struct srd_pkt {
	uint8_t *buf;             /* the bytes; the port never moves this pointer */
	uint32_t cap;             /* bytes available at buf (rx) */
	uint32_t len;             /* bytes of frame or datagram at buf */
	struct srd_offload off;   /* guest side: virtio-net metadata, all 0 = none */
	union srd_sockaddr peer;  /* underlay: remote address (rx: source, tx: dest) */
	uint16_t path;            /* underlay tx: path index, source port base + path */
	uint16_t seg_size;        /* underlay rx: GRO segment size it came in, 0: alone */
};

/* Offloads a port moves in struct srd_offload (srd_port_info.offloads). */
#define SRD_PORT_OFF_CSUM   0x01  /* partial checksums (VIRTIO_NET_HDR_F_NEEDS_CSUM) */
#define SRD_PORT_OFF_TSO4   0x02  /* TCP/IPv4 super-frames */
#define SRD_PORT_OFF_TSO6   0x04  /* TCP/IPv6 super-frames */
#define SRD_PORT_OFF_TSOECN 0x08  /* TSO with ECN (VIRTIO_NET_HDR_GSO_ECN) */
#define SRD_PORT_OFF_USO    0x10  /* UDP super-frames (VIRTIO_NET_HDR_GSO_UDP_L4) */
#define SRD_PORT_OFF_UGSO   0x20  /* underlay: UDP_SEGMENT sends */
#define SRD_PORT_OFF_UGRO   0x40  /* underlay: UDP_GRO receives */

/* Guest-side tap configuration. */
struct srd_tap_cfg {
	bool multi_queue;   /* IFF_MULTI_QUEUE: open again with the same name per queue */
	bool no_uso;        /* do not ask for USO even if the kernel has it */
	bool persist;       /* TUNSETPERSIST: the device outlives the port (and the
			     * process), keeping its links and bridge membership;
			     * opening the same name again re-attaches to it */
};

/* Underlay UDP configuration. */
struct srd_udp_cfg {
	union srd_sockaddr local; /* local address and listen port (receives here) */
	uint16_t base_sport;      /* path p sends from local address, base_sport + p */
	uint16_t npaths;          /* paths, 1..SRD_UDP_MAX_PATHS */
	bool v6only;              /* IPV6_V6ONLY on AF_INET6 sockets */
	bool reuseport;           /* SO_REUSEPORT: several threads share the ports */
	bool no_gso;              /* never send with UDP_SEGMENT (for comparison) */
	bool no_gro;              /* do not enable UDP_GRO */
	int sock_buf;             /* SO_RCVBUF/SO_SNDBUF bytes; 0: 8 MiB */
	unsigned rx_bufs;         /* 64 KiB GRO receive buffers; 0: 16 */
};

/* Everything srd_port_open() needs; each backend reads its own part. */
struct srd_port_cfg {
	const char *name;         /* device or port name; tap: "" lets the kernel pick */
	unsigned mtu;             /* tap: MTU to set, 0 keeps the default */
	struct srd_tap_cfg tap;   /* type "tap" */
	struct srd_udp_cfg udp;   /* type "udp" */
};

/* Counters, written only by the port's thread. */
struct srd_port_stats {
	uint64_t rx_packets;    /* frames or datagrams returned by rx_burst */
	uint64_t rx_bytes;      /* their bytes (no vnet header) */
	uint64_t rx_errors;     /* reads that failed or returned garbage */
	uint64_t rx_truncated;  /* frames or datagrams longer than the buffer, dropped */
	uint64_t rx_syscalls;   /* read/readv/recvmmsg calls that returned data */
	uint64_t rx_gro_bufs;   /* udp: received buffers that held several datagrams */
	uint64_t rx_gro_segs;   /* udp: datagrams split out of those */
	uint64_t tx_packets;    /* frames or datagrams handed to the kernel */
	uint64_t tx_bytes;      /* their bytes */
	uint64_t tx_errors;     /* dropped: rejected by the kernel (link down, bad hdr) */
	uint64_t tx_oversize;   /* dropped: larger than the path MTU (EMSGSIZE, DF) */
	uint64_t tx_syscalls;   /* write/writev/sendmsg/sendmmsg calls */
	uint64_t tx_gso_sends;  /* udp: messages sent with UDP_SEGMENT */
	uint64_t tx_gso_segs;   /* udp: datagrams in those */
	uint64_t tx_full;       /* bursts cut short by EAGAIN */
};

/* What a port is and can do, fixed at open. */
struct srd_port_info {
	const char *type;       /* "tap", "udp" */
	char name[16];          /* device name (tap) or config name */
	int ifindex;            /* tap: interface index in the netns it was made in */
	unsigned mtu;           /* tap: device MTU */
	unsigned offloads;      /* SRD_PORT_OFF_* */
	unsigned vnet_hdr_len;  /* tap: bytes of virtio-net header per frame */
	unsigned npaths;        /* udp: paths (sockets) */
	union srd_sockaddr local; /* udp: the bound listen address and port */
};

struct srd_port;

/* A backend. Every member is mandatory. */
struct srd_port_ops {
	const char *type;  /* name used by srd_port_open() */
	/* Create a port into *portp; 0 or -errno with *errp set (see above). */
	int (*open)(const struct srd_port_cfg *cfg, struct srd_port **portp,
		    char **errp);
	/* Release the port; NULL is a no-op. */
	void (*close)(struct srd_port *port);
	/* Receive up to n packets into pkts[i]->buf; count or -errno (see above). */
	int (*rx_burst)(struct srd_port *port, struct srd_pkt **pkts, int n);
	/* Send pkts[0..n); count handled or -errno (see above). */
	int (*tx_burst)(struct srd_port *port, struct srd_pkt **pkts, int n);
	/* The fd that becomes readable when rx_burst has work (level-triggered). */
	int (*get_fd)(const struct srd_port *port);
	/* Copy the counters. */
	void (*get_stats)(const struct srd_port *port, struct srd_port_stats *st);
	/* Describe the port. */
	void (*get_info)(const struct srd_port *port, struct srd_port_info *info);
};

/* The part every backend's port struct starts with. */
struct srd_port {
	const struct srd_port_ops *ops;  /* the backend */
};

extern const struct srd_port_ops srd_port_tap_ops;
extern const struct srd_port_ops srd_port_udp_ops;

/* tap only: keep (on) or let go (off) the device when the port closes; -errno,
 * -EOPNOTSUPP on another port type. */
int srd_tap_set_persist(struct srd_port *port, bool on);
/* tap only: set the link up if something took it down. 1 if it was down, 0 if it
 * was up, -errno (-EOPNOTSUPP on another port type). A switch that opens the
 * device while the daemon creates it (ovs-vswitchd sets IFF_PROMISC from flags it
 * read a moment earlier) can clear IFF_UP; OVSDB mode checks its taps with this. */
int srd_tap_ensure_up(struct srd_port *port);

/* Open a port of type ("tap", "udp"). -ENOENT (and *errp) for an unknown type. */
int srd_port_open(const char *type, const struct srd_port_cfg *cfg,
		  struct srd_port **portp, char **errp);

/* Set *errp (if errp) to a malloc'd "what: strerror(err)"; returns err. */
int srd_port_err(char **errp, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void srd_port_close(struct srd_port *port)
{
	if (port)
		port->ops->close(port);
}

static inline int srd_port_rx_burst(struct srd_port *port, struct srd_pkt **pkts,
				    int n)
{
	return port->ops->rx_burst(port, pkts, n);
}

static inline int srd_port_tx_burst(struct srd_port *port, struct srd_pkt **pkts,
				    int n)
{
	return port->ops->tx_burst(port, pkts, n);
}

static inline int srd_port_fd(const struct srd_port *port)
{
	return port->ops->get_fd(port);
}

static inline void srd_port_stats(const struct srd_port *port,
				  struct srd_port_stats *st)
{
	port->ops->get_stats(port, st);
}

static inline void srd_port_info(const struct srd_port *port,
				 struct srd_port_info *info)
{
	port->ops->get_info(port, info);
}

#endif
