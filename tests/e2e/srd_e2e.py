#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/e2e/srd_e2e.py: the small tools the srd-vswitchd end-to-end tests need.

Run it inside a namespace (ip netns exec NS python3 srd_e2e.py CMD ...) when it sends or
receives. Standard library only. Every command is bounded in time.

  pcap-grep FILE HEX...            packets in a pcap holding any of the byte strings;
                                   prints "MATCHES TOTAL"
  pcap-udp-payloads FILE OUT PORT  UDP payloads to PORT (IPv4 over Ethernet) into OUT
                                   (4-byte length + bytes each); prints how many
  udp-replay BIND DST PORT FILE    send the payloads of FILE from BIND:any to DST:PORT
  udp-garbage BIND DST PORT N [HDRFILE]
                                   N datagrams that are no valid PSP packet: odd and
                                   truncated sizes, random bytes, and (with HDRFILE, the
                                   payloads file of real packets) real PSP headers with a
                                   random body; prints "N FORGED" (FORGED: real header)
  marker-recv BIND PORT MARKER SECS  UDP and TCP receiver on BIND:PORT; prints how many
                                   datagrams/streams held MARKER once SECS have passed
  marker-send DST PORT MARKER N    N UDP datagrams and one TCP stream carrying MARKER
  ping-stats FILE INTERVAL_S       from `ping -D` output: "sent received lost max_rtt_ms
                                   longest_gap_ms" (gap: between two received replies)
  iperf-intervals FILE             from iperf3 -J: "intervals zero_intervals min_mbit
                                   mbit retransmits longest_stall_ms" (stall: a run of
                                   intervals that carried nothing)
"""
import json
import os
import random
import re
import select
import socket
import struct
import sys
import time


def pcap_records(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        sys.exit("%s: not a pcap file (pcapng?)" % path)
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        yield data[off:off + caplen]
        off += caplen


def cmd_pcap_grep(path, *hexes):
    needles = [bytes.fromhex(h) for h in hexes]
    total = matches = 0
    for rec in pcap_records(path):
        total += 1
        if any(n in rec for n in needles):
            matches += 1
    print(matches, total)


def udp_payload(frame, port):
    """The UDP payload of an Ethernet/IPv4 frame to port, or None."""
    if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 17 or len(ip) < ihl + 8:
        return None
    tot = struct.unpack(">H", ip[2:4])[0]
    udp = ip[ihl:tot]
    if struct.unpack(">H", udp[2:4])[0] != port:
        return None
    ulen = struct.unpack(">H", udp[4:6])[0]
    return udp[8:ulen]


def cmd_pcap_udp_payloads(path, out, port):
    n = 0
    with open(out, "wb") as f:
        for rec in pcap_records(path):
            p = udp_payload(rec, int(port))
            if p is not None:
                f.write(struct.pack(">I", len(p)) + p)
                n += 1
    print(n)


def read_payloads(path):
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 0
    while off + 4 <= len(data):
        (n,) = struct.unpack(">I", data[off:off + 4])
        out.append(data[off + 4:off + 4 + n])
        off += 4 + n
    return out


def udp_socket(bind):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, 0))
    return s


def cmd_udp_replay(bind, dst, port, path):
    s = udp_socket(bind)
    pl = read_payloads(path)
    for p in pl:
        s.sendto(p, (dst, int(port)))
        time.sleep(0.001)
    print(len(pl))


def cmd_udp_garbage(bind, dst, port, n, hdrfile=None):
    n = int(n)
    s = udp_socket(bind)
    rnd = random.Random(os.getpid() ^ int(time.time()))
    hdrs = [p[:16] for p in read_payloads(hdrfile) if len(p) > 32] if hdrfile else []
    # PSP needs 16 header + 16 ICV bytes: sizes around that, and random ones.
    odd = [0, 1, 2, 3, 7, 8, 15, 16, 17, 23, 24, 31, 32, 33, 47, 48, 64, 65, 1399, 1472]
    forged = 0
    for i in range(n):
        if hdrs and i % 3 == 2:
            # A real header (flags, SPI) with a fresh IV and a random body and ICV: it
            # parses, finds its key and must fail authentication.
            h = bytearray(rnd.choice(hdrs))
            h[8:16] = rnd.getrandbits(64).to_bytes(8, "big")
            body = rnd.randbytes(rnd.randrange(16, 1400))
            payload = bytes(h) + body
            forged += 1
        elif i < len(odd):
            payload = rnd.randbytes(odd[i])
        else:
            payload = rnd.randbytes(rnd.randrange(0, 1473))
        s.sendto(payload, (dst, int(port)))
        time.sleep(0.001)
    print(n, forged)


def cmd_marker_recv(bind, port, marker, secs):
    m = marker.encode()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((bind, int(port)))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((bind, int(port)))
    t.listen(4)
    print("ready", flush=True)
    got, conns, bufs = 0, [], {}
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        r, _, _ = select.select([u, t] + conns, [], [], 0.1)
        for s in r:
            if s is u:
                if m in u.recv(65536):
                    got += 1
            elif s is t:
                c, _ = t.accept()
                conns.append(c)
                bufs[c] = b""
            else:
                d = s.recv(65536)
                bufs[s] += d
                if not d:
                    got += m in bufs[s]
                    conns.remove(s)
                    s.close()
    print(got, flush=True)


def cmd_marker_send(dst, port, marker, n):
    m = marker.encode()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(int(n)):
        u.sendto(b"udp %d: " % i + m * 8, (dst, int(port)))
        time.sleep(0.01)
    t = socket.create_connection((dst, int(port)), timeout=3)
    t.sendall(b"tcp: " + m * 64)
    t.close()


def cmd_ping_stats(path, interval):
    interval = float(interval)
    sent = 0
    seqs, times, rtts = set(), [], []
    with open(path, errors="replace") as f:
        for line in f:
            m = re.search(r"(\d+) packets transmitted", line)
            if m:
                sent = int(m.group(1))
            m = re.match(r"\[(\d+\.\d+)\].*icmp_seq=(\d+).*time=([\d.]+) ms", line)
            if m:
                seqs.add(int(m.group(2)))
                times.append(float(m.group(1)))
                rtts.append(float(m.group(3)))
    times.sort()
    gap = max((b - a for a, b in zip(times, times[1:])), default=0.0)
    if not sent and seqs:
        sent = max(seqs)
    print(sent, len(seqs), max(sent - len(seqs), 0), "%.2f" % max(rtts, default=0.0),
          "%.1f" % (gap * 1000))


def cmd_iperf_intervals(path):
    with open(path) as f:
        j = json.load(f)
    if "error" in j:
        sys.exit("iperf3: " + j["error"])
    iv = [i["sum"] for i in j.get("intervals", [])]
    # The last interval may be a sliver (iperf3 ends it at -t): judge only full ones.
    full = [i for i in iv if i["seconds"] >= 0.05]
    zero = sum(1 for i in full if i["bytes"] == 0)
    mn = min((i["bits_per_second"] for i in full), default=0.0) / 1e6
    stall = run = 0.0
    for i in iv:
        run = run + i["seconds"] if i["bytes"] == 0 else 0.0
        stall = max(stall, run)
    e = j["end"]
    print(len(full), zero, "%.1f" % mn, "%.1f" % (e["sum_received"]["bits_per_second"] / 1e6),
          e["sum_sent"].get("retransmits", 0), "%.0f" % (stall * 1000))


CMDS = {
    "pcap-grep": cmd_pcap_grep,
    "pcap-udp-payloads": cmd_pcap_udp_payloads,
    "udp-replay": cmd_udp_replay,
    "udp-garbage": cmd_udp_garbage,
    "marker-recv": cmd_marker_recv,
    "marker-send": cmd_marker_send,
    "ping-stats": cmd_ping_stats,
    "iperf-intervals": cmd_iperf_intervals,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit(__doc__)
    CMDS[sys.argv[1]](*sys.argv[2:])
