#!/usr/bin/env bash
# srd-vswitchd against kernel VXLAN on 4 paths of 100 Mbit/s each (tbf), one TCP flow.
#
#  guest A        host A                          router A         router B        host B                         guest B
#  ┌─────────┐    ┌───────────────────────────┐   ┌───────────┐    ┌───────────┐   ┌───────────────────────────┐   ┌─────────┐
#  │eth0     │    │        ┌ vx0 (VNI 42)     │   │ p1 tbf 100╞════╡p1 tbf 100 │   │     (VNI 42) vx0 ┐        │   │     eth0│
#  │.77.1    ├────┤guest0─br0                 │   │ p2 tbf 100╞════╡p2 tbf 100 │   │                 br0─guest0├───┤    .77.2│
#  │mtu 1394 │    │        └ vm0 srd-vswitchd │   │ p3 tbf 100╞════╡p3 tbf 100 │   │ srd-vswitchd vm0 ┘        │   │mtu 1394 │
#  └─────────┘    │ ul0 198.18.1.1            ├───┤ p4 tbf 100╞════╡p4 tbf 100 ├───┤            ul0 198.18.2.1 │   └─────────┘
#                 └───────────────────────────┘   └───────────┘    └───────────┘   └───────────────────────────┘
#       br0 holds one overlay at a time (srd_use vxlan | srd); the same guest MTU for both
#
# One VXLAN flow is pinned to one path (at most ~100 Mbit/s); SRD sprays its 16 source
# ports over all four. Measured: one 10 s TCP flow over each; printed: both rates, the
# ratio SRD/VXLAN and SRD's share of the 400 Mbit/s aggregate.
# Checks (asserted): both flows complete; SRD >= 200 Mbit/s (twice one path); no
# sanitizer report; nothing leaks. Nothing is asserted on VXLAN.
# Usage: srd_tbf.sh SRD_VSWITCHD SRDCTL. Exit 77 (skip) without root or tools.
SRD_VSWITCHD=${1:-} SRDCTL=${2:-}   # read by srd.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/srd_test.sh
. "$here/srd_test.sh"
srd_test_init

RATE=100
step "fabric: 4 paths x $RATE Mbit/s, kernel vxlan and srd-vswitchd"
fabric_up 4 --rate "$RATE" || { echo "FAIL: fabric_up"; exit 1; }
fabric_vxlan 42 || { echo "FAIL: fabric_vxlan"; exit 1; }
spread=$(srd_spread_paths) || fail "srd_spread_paths"
note "ECMP seed, SRD ports per fabric path" "${spread//$'\n'/; }"
srd_use vxlan || { echo "FAIL: srd_use vxlan"; exit 1; }
srd_up || { echo "FAIL: srd_up"; cat "$FAB_TMP"/[AB].log 2>/dev/null; exit 1; }
fabric_iperf_server || fail "iperf3 server in guest B"

# run OVERLAY: ping, then one 10 s flow; sets mbit (0 on failure) and prints the counters.
run() {
	local overlay=$1 rtx0
	shift
	srd_use "$overlay" || { fail "srd_use $overlay"; return 1; }
	wait_until 5 nga ping -c 1 -W 1 "$FAB_GUEST_B" || fail "$overlay: guest A cannot ping guest B"
	fabric_counters_reset
	rtx0=$(retrans_segs)
	step "$overlay: one TCP flow, 10 s"
	mbit=0
	fabric_iperf -t 10 "$@" && mbit=$FAB_MBIT || fail "$overlay: iperf3 did not complete"
	rtx=$(($(retrans_segs) - rtx0))
	fabric_counters
	paths=$(fabric_counters | awk 'NR > 1 { s = s (NR > 2 ? "/" : "") $2 } END { print s }')
	echo "$overlay: $mbit Mbit/s, TcpRetransSegs $rtx"
}

run vxlan --cport 40001
vx=$mbit
note "VXLAN, 1 flow, 10 s" "$vx Mbit/s, TcpRetransSegs $rtx, A->B pkts per path $paths"
r0=$(srd_stat A hostB retransmits)
run srd
srd=$mbit
note "SRD, 1 flow, 10 s" "$srd Mbit/s, TcpRetransSegs $rtx, A->B pkts per path $paths"
note "SRD retransmits (srdctl)" "$(($(srd_stat A hostB retransmits) - r0)), paths used $(srd_paths_used A hostB)/16"
note "SRD / VXLAN" "$(awk -v s="$srd" -v v="$vx" 'BEGIN { if (v > 0) printf "%.2f", s / v; else print "-" }')"
note "SRD / $((4 * RATE)) (aggregate)" "$(awk -v s="$srd" -v r=$((4 * RATE)) 'BEGIN { printf "%.2f", s / r }')"
awk -v s="$srd" -v r=$((2 * RATE)) 'BEGIN { exit !(s >= r) }' ||
	fail "SRD $srd Mbit/s < $((2 * RATE)) (twice one path)"

srd_test_finish "SRD vs kernel VXLAN, 4 paths x $RATE Mbit/s tbf, guest MTU $SRD_GUEST_MTU"
