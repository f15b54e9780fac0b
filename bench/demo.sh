#!/usr/bin/env bash
# bench/demo.sh: the README's main command (until the datapath daemon lands).
# On a fresh Debian 12 machine, as root: installs what it needs, builds srdvs, then
#   1. makes a capture of guest-like UDP frames and a PSP cfg with fresh random keys,
#      encrypts it with `srdctl psp encrypt` and shows what the fabric would see;
#   2. decrypts it back with `srdctl psp decrypt` and checks it is the original;
#   3. flips one ciphertext bit and shows the frame rejected by number;
#   4. checks every PSP reference vector (../shared/psp-vectors), when present;
#   5. runs the crypto benchmark beside `openssl speed` (bench/crypto.sh);
#   6. runs the SRD engine in the deterministic simulator: 4 paths with 1 % loss,
#      SRD against a TCP-like single-path baseline, same traffic, same links.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build/release
vectors=${SRD_VECTORS_DIR:-$(cd "$here/.." && pwd)/shared/psp-vectors}
# shellcheck source=tests/deps.sh
. "$here/tests/deps.sh"
srd_install_deps
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== building srdvs (Release)"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSRD_VECTORS_DIR="$vectors" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
srdctl=$build/ctl/srdctl

echo "== 1. a guest capture (4 UDP frames 198.19.77.1 -> 198.19.77.2), encrypted with PSP"
python3 - "$tmp/guest.pcap" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
out = open(sys.argv[1], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for i in range(4):
    data = b'hello from guest A, frame %d ' % i + bytes(range(32))
    udp = struct.pack('!HHHH', 40000 + i, 5201, 8 + len(data), 0) + data
    ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i, 0x4000, 64, 17, 0,
                               bytes([198, 19, 77, 1]), bytes([198, 19, 77, 2])))
    ip[10:12] = struct.pack('!H', csum(bytes(ip)))
    frame = bytes.fromhex('020000000002020000000001') + b'\x08\x00' + bytes(ip) + udp
    out.write(struct.pack('<IIII', 1700000000 + i, 0, len(frame), len(frame)) + frame)
PY
key() { openssl rand -hex 32 | sed 's/../& /g'; }
{ key; key; echo "9A345678 tunnel aes-gcm-256 0 0 0 no-vc"; } >"$tmp/demo.cfg"
"$srdctl" psp encrypt --cfg "$tmp/demo.cfg" "$tmp/guest.pcap" "$tmp/wire.pcap"
tcpdump -nr "$tmp/wire.pcap" -X -c 1 2>/dev/null | head -8
tcpdump -nr "$tmp/wire.pcap" 2>/dev/null | tail -3

echo "== 2. decrypted back"
head -n 2 "$tmp/demo.cfg" >"$tmp/keys.cfg"   # the two key lines only
"$srdctl" psp decrypt --cfg "$tmp/keys.cfg" "$tmp/wire.pcap" "$tmp/back.pcap"
tcpdump -nr "$tmp/back.pcap" -A 2>/dev/null | grep -a 'hello from guest' | head -4
cmp -s <(tcpdump -nr "$tmp/back.pcap" -xx 2>/dev/null) <(tcpdump -nr "$tmp/guest.pcap" -xx 2>/dev/null) &&
	echo "decrypted capture is byte for byte the original"

echo "== 3. one bit flipped in frame 3's ciphertext"
python3 - "$tmp/wire.pcap" "$tmp/tampered.pcap" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); i = 24
for n in range(3):
    ln = int.from_bytes(d[i + 8:i + 12], 'little')
    if n == 2: d[i + 16 + ln - 30] ^= 0x01
    i += 16 + ln
open(sys.argv[2], 'wb').write(d)
PY
"$srdctl" psp decrypt --cfg "$tmp/keys.cfg" "$tmp/tampered.pcap" "$tmp/t.pcap" ||
	echo "(exit status $?: the tampered frame was reported and not written)"

echo "== 4. PSP reference vectors"
if [ -d "$vectors/encrypted" ]; then
	bash "$here/tests/cli/srdctl_psp.sh" "$srdctl" "$vectors"
else
	echo "skipped: $vectors not found"
fi

echo "== 5. crypto benchmark (one core; ratios against openssl speed)"
bash "$here/bench/crypto.sh" 1 "$build"

echo "== 6. the SRD engine in the simulator: 4 x 10 Gbit/s paths, 1 % loss on each, half load"
"$build/tests/srd-sim" --paths 4 --rate-gbps 10 --delay-us 10 --loss 1 --load 0.5 \
	--duration-ms 100 --baseline tcp |
	grep -E 'srd-sim:|srd  tcp|^(delivered|lost |goodput_gbps|latency_us|retransmits|recovery_us_p99|invariants_ok)|reduction'
