#!/usr/bin/env bash
# Point-to-point SRD ports (the mode Open vSwitch or a Linux bridge attaches to), added at
# run time by reload, K = 2:
#
#  guest A         host A                                        host B          guest B
#  ┌─────────┐   ┌───────────────────────────────────┐     ┌───────────────────────────────────┐   ┌─────────┐
#  │eth0     ├───┤guest0─br1─srdp0 (p2p: hostB, VNI 200)│ 2  │(p2p: hostA, VNI 200) srdp0─br1─guest0├───┤eth0     │
#  │.77.1    │   │       br0─vm0  (bridge port, VNI 100)├═══╡(bridge port, VNI 100)  vm0─br0       │   │.77.2    │
#  └─────────┘   └───────────────────────────────────┘     └───────────────────────────────────┘   └─────────┘
#
# Checks: the guests ping over the built-in bridge (VNI 100); `[p2p]` sections added to
# both configs and applied with SIGHUP create the srdp0 taps without touching the
# connection (resets stay 0); with guest0 moved to a Linux bridge with srdp0, the guests
# ping over the p2p ports, and the frames show up on them (srdctl show rx/tx_frames).
# Exit 77 (skip) without root or tools. About 15 s.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRD_VSWITCHD=${1:?usage: srd_p2p.sh SRD_VSWITCHD SRDCTL}
SRDCTL=${2:?usage: srd_p2p.sh SRD_VSWITCHD SRDCTL}
# shellcheck source=tests/e2e/fabric.sh
. "$here/fabric.sh"
# shellcheck source=tests/e2e/srd.sh
. "$here/srd.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
lacking=$(fabric_missing_tools)
[ -z "$lacking" ] || skip "missing tools: $lacking (tests/deps.sh lists their packages)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

trap fabric_down_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
step() { echo "== $*"; }
ping_ok() { nga ping -c 3 -i 0.2 -W 2 "$FAB_GUEST_B" >/dev/null; }
# p2p_frames H FIELD: srdp0's rx_frames or tx_frames on host H.
p2p_frames() {
	srdctl_on "$1" --json show | python3 -c '
import json, sys
print(next(p for p in json.load(sys.stdin)["p2p"] if p["name"] == "srdp0")[sys.argv[1]])' "$2"
}

fabric_up 2 || exit 1
srd_up || exit 1
step "built-in bridge, VNI 100"
ping_ok || fail "no ping over the built-in bridge"

step "add p2p ports (VNI 200) with SIGHUP"
srd_conf A $'[p2p "srdp0"]\npeer = hostB\nvni = 200'
srd_conf B $'[p2p "srdp0"]\npeer = hostA\nvni = 200'
kill -HUP "$(cat "$FAB_TMP/A.pid")" "$(cat "$FAB_TMP/B.pid")"
for ns in "$FAB_NS_HA" "$FAB_NS_HB"; do
	for i in $(seq 1 30); do
		ip -n "$ns" link show srdp0 >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip -n "$ns" link show srdp0 >/dev/null 2>&1 || fail "no srdp0 in $ns after SIGHUP"
done
srdctl_on A show | sed -n '/^p2p/,/^peers/p'
[ "$(srd_stat A hostB resets)" = 0 ] || fail "adding a p2p port reset the connection"

step "guests through the p2p ports (guest0 moved to br1 with srdp0)"
for ns in "$FAB_NS_HA" "$FAB_NS_HB"; do
	ip -n "$ns" link add br1 type bridge
	ip -n "$ns" link set srdp0 master br1
	ip -n "$ns" link set guest0 master br1
	ip -n "$ns" link set srdp0 up
	ip -n "$ns" link set br1 up
done
ping_ok || fail "no ping over the p2p ports"
out=$(p2p_frames A rx_frames) in=$(p2p_frames B tx_frames)
echo "srdp0 on host A read $out frames from guest A; srdp0 on host B wrote $in to guest B"
[ "$out" -ge 3 ] && [ "$in" -ge 3 ] || fail "the p2p ports did not carry the pings"

step "p2p port removed by reload: the tap goes, the bridge port stays"
srd_conf A
srdctl_on A reload || fail "srdctl reload"
ip -n "$FAB_NS_HA" link show srdp0 >/dev/null 2>&1 && fail "srdp0 still there after its removal"
ip -n "$FAB_NS_HA" link show vm0 >/dev/null 2>&1 || fail "vm0 disappeared"

fabric_down_all
fabric_leak_check || fail "leftovers"
[ "$fails" -eq 0 ] && echo "PASS" || echo "$fails check(s) failed"
[ "$fails" -eq 0 ]
