/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_tcp.h: the TCP-like baseline that srd-sim --baseline tcp compares SRD with.
 *
 * srd_sim_run_tcp() (declared in sim.h) carries the same traffic over the same
 * links as srd_sim_run(), the way a guest's TCP flows cross a VXLAN/GENEVE fabric:
 * each lane is one flow per direction, pinned to one path by an ECMP hash of the
 * flow, delivering a byte stream strictly in order. The sender is deliberately
 * plain: Reno congestion control (slow start from 10 segments, congestion
 * avoidance, fast retransmit after 3 duplicate ACKs with NewReno partial ACKs),
 * cumulative ACKs only (no SACK), an immediate ACK per segment, RTT samples from
 * timestamps (RFC 7323: the echo of the segment that moved the ACK), and Linux's
 * retransmission timeout: max(200 ms, srtt + 4 rttvar), 1 s before the first
 * sample, doubling on every expiry, go-back-N after it. That is enough to show
 * the two things SRD removes: head-of-line blocking behind a lost segment and the
 * 200 ms floor on recovering a tail loss, plus ECMP collisions of flows.
 */
#ifndef SRD_SIM_TCP_H
#define SRD_SIM_TCP_H

#define SRD_SIM_TCP_HDR 52u                 /* IPv4 20 + TCP 20 + timestamps 12 */
#define SRD_SIM_TCP_RTO_MIN 200000000ull    /* Linux TCP_RTO_MIN, ns */
#define SRD_SIM_TCP_RTO_INIT 1000000000ull  /* RFC 6298 initial RTO, ns */
#define SRD_SIM_TCP_RTO_MAX 60000000000ull  /* cap of the backed-off RTO, ns */
#define SRD_SIM_TCP_SNDBUF (4u << 20)       /* bytes a flow holds unacknowledged */
#define SRD_SIM_TCP_CWND_INIT 10u           /* initial window, segments */
#define SRD_SIM_TCP_CWND_MAX 65536u         /* window cap, segments */

#endif
