#!/usr/bin/env bash
# 1 % random loss on one path: what guest TCP sees over kernel VXLAN and over srdvs.
#
#  guest A        host A                          router A             router B            host B                         guest B
#  ┌─────────┐    ┌───────────────────────────┐   ┌───────────────┐    ┌───────────────┐   ┌───────────────────────────┐   ┌─────────┐
#  │eth0     │    │        ┌ vx0 (VNI 42)     │   │ p1 (SRD: 1 %) ╞════╡ p1 (SRD: 1 %) │   │     (VNI 42) vx0 ┐        │   │     eth0│
#  │.77.1    ├────┤guest0─br0                 │   │ p2            ╞════╡ p2            │   │                 br0─guest0├───┤    .77.2│
#  │mtu 1394 │    │        └ vm0 srd-vswitchd │   │ p3            ╞════╡ p3            │   │ srd-vswitchd vm0 ┘        │   │mtu 1394 │
#  └─────────┘    │ ul0 198.18.1.1            ├───┤ p4            ╞════╡ p4            ├───┤            ul0 198.18.2.1 │   └─────────┘
#                 └───────────────────────────┘   └───────────────┘    └───────────────┘   └───────────────────────────┘
#       VXLAN run: 1 % loss (both ways) on the path its flow takes; SRD run: on path 1
#
# No rate limit. VXLAN: a short flow finds its path (one VXLAN flow rides one path), 1 %
# loss goes on that path, one 10 s flow. SRD: loss off there, 1 % on path 1 both ways,
# one 10 s flow. Guest A's TcpRetransSegs (nstat) for both, and SRD's own retransmits.
# Checks (asserted): both flows complete; SRD's guest TCP retransmissions <= max(5,
# VXLAN's / 10): the loss is repaired below the guest; no sanitizer report; nothing
# leaks.
# Usage: srd_loss.sh SRD_VSWITCHD SRDCTL. Exit 77 (skip) without root or tools.
SRD_VSWITCHD=${1:-} SRDCTL=${2:-}   # read by srd.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/srd_test.sh
. "$here/srd_test.sh"
srd_test_init

step "fabric: 4 paths, no rate limit, kernel vxlan and srd-vswitchd"
fabric_up 4 || { echo "FAIL: fabric_up"; exit 1; }
fabric_vxlan 42 || { echo "FAIL: fabric_vxlan"; exit 1; }
spread=$(srd_spread_paths) || fail "srd_spread_paths"
note "ECMP seed, SRD ports per fabric path" "${spread//$'\n'/; }"
srd_use vxlan || { echo "FAIL: srd_use vxlan"; exit 1; }
srd_up || { echo "FAIL: srd_up"; cat "$FAB_TMP"/[AB].log 2>/dev/null; exit 1; }
fabric_iperf_server || fail "iperf3 server in guest B"
wait_until 5 nga ping -c 1 -W 1 "$FAB_GUEST_B" || fail "vxlan: guest A cannot ping guest B"

# rtt: unloaded guest-to-guest ping RTT, "min/avg/max ms" over 50 pings.
rtt() {
	nga ping -c 50 -i 0.02 -W 1 "$FAB_GUEST_B" | awk -F'[ /]' '/^rtt/ { print $7 "/" $8 "/" $9 }'
}

# flow LABEL ARGS...: one 10 s iperf3; sets mbit, rtx (guest A TcpRetransSegs), drops.
flow() {
	local label=$1 rtx0
	shift
	fabric_counters_reset
	rtx0=$(retrans_segs)
	step "$label: one TCP flow, 10 s"
	mbit=0 ok=1
	fabric_iperf -t 10 "$@" && mbit=$FAB_MBIT || { ok=0; fail "$label: iperf3 did not complete"; }
	rtx=$(($(retrans_segs) - rtx0))
	fabric_counters
	drops=$(fabric_counters | awk 'NR > 1 { d += $4 + $5 } END { print d + 0 }')
	echo "$label: $mbit Mbit/s, TcpRetransSegs $rtx, fabric drops $drops"
}

step "unloaded ping RTT over vxlan"
vx_rtt=$(rtt)
note "unloaded ping RTT, VXLAN (min/avg/max ms)" "$vx_rtt"

step "vxlan: which path does the flow take"
fabric_counters_reset
fabric_iperf -t 2 --cport 40001 || fail "vxlan: short iperf3"
if [ "${FAB_HASH_FIX:-}" = bpf ]; then
	lossy=$(fabric_busiest_path) || { fail "vxlan: no busiest path"; lossy=1; }
	where="p$lossy"
else
	lossy=all where="every path"   # the guest socket's random hash picks the path
fi
fabric_loss "$lossy" 1
flow "vxlan, 1 % loss on $where" --cport 40001
vx=$mbit vx_rtx=$rtx
note "VXLAN, 1 % loss on $where, 10 s" "$vx Mbit/s, TcpRetransSegs $vx_rtx, fabric drops $drops"
fabric_loss "$lossy" 0

srd_use srd || fail "srd_use srd"
wait_until 5 nga ping -c 1 -W 1 "$FAB_GUEST_B" || fail "srd: guest A cannot ping guest B"
step "unloaded ping RTT over srd"
srd_rtt=$(rtt)
note "unloaded ping RTT, SRD (min/avg/max ms)" "$srd_rtt"
fabric_loss 1 1 both
ra0=$(srd_stat A hostB retransmits) rb0=$(srd_stat B hostA retransmits)
ga0=$(srd_stat A hostB give_ups) la0=$(srd_stat A hostB lost_pkts) sa0=$(srd_stat A hostB spurious_losses)
flow "srd, 1 % loss on p1 both ways"
srd_ok=$ok srd_mbit=$mbit srd_rtx=$rtx
ra=$(($(srd_stat A hostB retransmits) - ra0)) rb=$(($(srd_stat B hostA retransmits) - rb0))
ga=$(($(srd_stat A hostB give_ups) - ga0))
la=$(($(srd_stat A hostB lost_pkts) - la0)) sa=$(($(srd_stat A hostB spurious_losses) - sa0))
note "SRD, 1 % loss on p1 both ways, 10 s" "$srd_mbit Mbit/s, TcpRetransSegs $srd_rtx, fabric drops $drops"
note "SRD retransmits (srdctl)" "A->B $ra, B->A $rb; A give_ups $ga, lost_pkts $la (spurious $sa)"
srdctl_on A peers
limit=$((vx_rtx / 10))
[ "$limit" -ge 5 ] || limit=5
note "guest TCP retransmissions SRD / VXLAN" "$srd_rtx / $vx_rtx (limit $limit)"
[ "$srd_ok" = 1 ] || fail "the SRD transfer did not complete"
[ "$srd_rtx" -le "$limit" ] ||
	fail "SRD: guest TcpRetransSegs $srd_rtx > max(5, VXLAN's $vx_rtx / 10 = $((vx_rtx / 10)))"
fabric_loss 1 0

srd_test_finish "1 % loss on one path: kernel VXLAN vs SRD, 4 paths, no rate limit"
