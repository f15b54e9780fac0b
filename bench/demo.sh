#!/usr/bin/env bash
# bench/demo.sh: the README's main command. On a fresh Debian 12 machine, as root:
# installs what it needs, builds srdvs, and shows two guests talking through two
# srd-vswitchd daemons over an encrypted 4-path ECMP fabric:
#
#  guest A ── host A: srd-vswitchd ══ 4 ECMP paths (routers) ══ host B: srd-vswitchd ── guest B
#  198.19.77.1    198.18.1.1          UDP 1000, PSP AES-GCM           198.18.2.1      198.19.77.2
#
#   1. builds (Release), creates the namespaces (tests/e2e/fabric.sh) and starts one
#      daemon per host on the built-in bridge (tests/e2e/srd.sh);
#   2. ping guest A -> guest B;
#   3. one TCP flow for 10 s (iperf3) guest A -> guest B;
#   4. shows what the fabric saw: packets per ECMP path, and a captured packet (UDP to
#      port 1000, PSP-encrypted: no guest byte readable);
#   5. `srdctl peers` and `srdctl paths hostB` on host A: every path carried traffic;
#   6. tears everything down (also on failure or Ctrl-C).
# Exit status 0 only if traffic crossed and every path carried some of it.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${SRD_BUILD_DIR:-$here/build/release}
# shellcheck source=tests/deps.sh
. "$here/tests/deps.sh"
srd_install_deps || exit 1
[ "$(id -u)" -eq 0 ] || { echo "bench/demo.sh: run as root (network namespaces)" >&2; exit 1; }

echo "== building srdvs (Release) in $build"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
	cmake --build "$build" -j"$(nproc)" >/dev/null || exit 1
SRD_VSWITCHD=$build/vswitch/srd-vswitchd
SRDCTL=$build/ctl/srdctl

# shellcheck source=tests/e2e/fabric.sh
. "$here/tests/e2e/fabric.sh"
# shellcheck source=tests/e2e/srd.sh
. "$here/tests/e2e/srd.sh"
trap fabric_down_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "DEMO FAILED: $*"; exit 1; }

echo "== 1. two hosts, two guests, 4 ECMP paths; one srd-vswitchd per host"
fabric_up 4 || fail "fabric"
srd_up || fail "daemons"
srdctl_on A show | sed -n '1,/^macs/p' | head -40

echo "== 2. ping guest A -> guest B over srdvs"
nga ping -c 5 -i 0.2 -W 2 "$FAB_GUEST_B" | tail -3
nga ping -c 1 -W 2 "$FAB_GUEST_B" >/dev/null || fail "no ping reply"

echo "== 3. one TCP flow, 10 s, guest A -> guest B (iperf3)"
fabric_iperf_server || fail "iperf3 server"
fabric_counters_reset
fabric_iperf -t 10 || fail "iperf3"
echo "single TCP flow: $FAB_MBIT Mbit/s, $FAB_RETR retransmissions at the guest"

echo "== 4. the fabric: packets per ECMP path during the flow"
fabric_counters
busy=$(fabric_counters | awk 'NR > 1 && $2 > 0' | wc -l)
echo "ECMP paths that carried guest A's single flow: $busy of $FAB_K"
echo "-- one packet as captured on path 1 (PSP over UDP 1000; the payload is ciphertext)"
timeout 5 ip netns exec "$FAB_NS_RA" tcpdump -ni p1 -c 1 -X 'udp port 1000' 2>/dev/null &
dump=$!
sleep 0.5
nga ping -c 3 -i 0.2 "$FAB_GUEST_B" >/dev/null
wait "$dump"

echo "== 5. srdctl on host A"
srdctl_on A peers
srdctl_on A paths hostB
used=$(srd_paths_used A hostB)
echo "SRD paths (UDP source ports) towards hostB that carried traffic: $used of $SRD_PATHS"

[ "$busy" -eq "$FAB_K" ] || fail "only $busy of $FAB_K fabric paths carried traffic"
[ "$used" -eq "$SRD_PATHS" ] || fail "only $used of $SRD_PATHS SRD paths carried traffic"
echo "== demo passed: guest traffic crossed the encrypted multipath underlay on every path"
