#!/usr/bin/env bash
# A fabric path blackholed for 3 s under a running TCP flow and a fast ping, then back.
#
#  guest A          host A                router A                 router B           host B            guest B
#  ┌──────────┐     ┌────────────────┐    ┌────────────────────┐   ┌────────────┐     ┌────────────────┐ ┌──────────┐
#  │eth0      │     │ guest0─br0─vm0 │    │ p1 ════════════════╪═══╪═ p1        │     │ vm0─br0─guest0 │ │      eth0│
#  │.77.1     ├─────┤  srd-vswitchd  │    │ p2 ═══ ✕ drop  ════╪═══╪═ p2 ✕ drop │     │  srd-vswitchd  ├─┤     .77.2│
#  │iperf3 -c │     │                │    │ p3 ════════════════╪═══╪═ p3        │     │                │ │ iperf3 -s│
#  │ping -i 5ms     │ ul0 198.18.1.1 ├────┤ p4 ════════════════╪═══╪═ p4        ├─────┤ ul0 198.18.2.1 │ │          │
#  └──────────┘     └────────────────┘    └────────────────────┘   └────────────┘     └────────────────┘ └──────────┘
#       t = 0 s flow and ping start; t = 3 s fabric_down 2 (drop, both ways, routers still
#       hash onto it); t = 6 s fabric_up_path 2; t = 10 s flow ends
#
# Checks (asserted): the 10 s transfer completes; no 100 ms iperf3 interval carried 0
# bytes; at most 5 pings (of ~1,700 at 5 ms) lost; after the revival a 2 s flow puts
# packets on path 2 again (>= 3 % of A->B); no sanitizer report; nothing leaks.
# Printed: the longest ping RTT and reply gap, lost pings, the slowest interval,
# `srdctl paths` before, during and after the outage.
# Usage: srd_pathdown.sh SRD_VSWITCHD SRDCTL. Exit 77 (skip) without root or tools.
SRD_VSWITCHD=${1:-} SRDCTL=${2:-}   # read by srd.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/srd_test.sh
. "$here/srd_test.sh"
srd_test_init

DOWN=2
step "fabric: 4 paths, srd-vswitchd on both hosts"
fabric_up 4 || { echo "FAIL: fabric_up"; exit 1; }
spread=$(srd_spread_paths) || fail "srd_spread_paths"
note "ECMP seed, SRD ports per fabric path" "${spread//$'\n'/; }"
srd_up || { echo "FAIL: srd_up"; cat "$FAB_TMP"/[AB].log 2>/dev/null; exit 1; }
fabric_iperf_server || fail "iperf3 server in guest B"
wait_until 5 nga ping -c 1 -W 1 "$FAB_GUEST_B" || fail "guest A cannot ping guest B"
nga ping -c 20 -i 0.01 -W 1 "$FAB_GUEST_B" >/dev/null   # every path gets an RTT sample
echo "--- srdctl paths hostB, before"
srdctl_on A paths hostB

# at T CMD...: run CMD once T seconds have passed since t0.
t0=$EPOCHREALTIME
at() {
	local t=$1 wait
	shift
	wait=$(awk -v t0="$t0" -v now="$EPOCHREALTIME" -v t="$t" 'BEGIN { w = t0 + t - now; print (w > 0 ? w : 0) }')
	sleep "$wait"
	"$@"
}

step "10 s flow (100 ms intervals) and ping -i 0.005; path $DOWN down at 3 s, up at 6 s"
flow_and_ping 10 0.005 1800
at 3 fabric_down "$DOWN" drop || fail "fabric_down $DOWN"
at 4.5 echo "--- srdctl paths hostB, path $DOWN down for 1.5 s"
srdctl_on A paths hostB
dead_during=$(srd_peer_field A hostB paths_dead)
at 6 fabric_up_path "$DOWN" || fail "fabric_up_path $DOWN"
fabric_counters
wait "$flow_job"; flow_rc=$?
wait "$ping_job"

read -r n_iv zero_iv min_iv mbit retr stall <<<"$(e2e_py iperf-intervals "$FAB_TMP/flow.json")" ||
	{ fail "iperf3: $(tail -c 300 "$FAB_TMP/flow.json")"; n_iv=0 zero_iv=0 min_iv=0 mbit=0 retr=0 stall=0; }
read -r sent _ lost max_rtt gap <<<"$(e2e_py ping-stats "$FAB_TMP/ping.out" 0.005)"
note "10 s flow, path $DOWN down 3 s..6 s" "$mbit Mbit/s, iperf3 retransmits $retr"
note "100 ms intervals" "$n_iv, of which $zero_iv empty; slowest $min_iv Mbit/s"
note "ping -i 0.005" "$sent sent, $lost lost, max RTT $max_rtt ms, longest reply gap $gap ms"
note "SRD paths dead during the outage" "$dead_during of 16"
[ "$flow_rc" -eq 0 ] && [ "$n_iv" -ge 90 ] || fail "the transfer did not complete (rc $flow_rc, $n_iv intervals)"
[ "$zero_iv" -eq 0 ] || fail "$zero_iv 100 ms intervals carried nothing (longest stall $stall ms)"
[ "${lost:-999}" -le 5 ] || fail "$lost pings lost during the path outage"

step "path $DOWN revived: a 2 s flow must use it again"
sleep 0.5
fabric_counters_reset
fabric_iperf -t 2 || fail "iperf3 after the revival"
fabric_counters
share=$(fabric_counters | awk -v p="$DOWN" 'NR > 1 { t += $2 } NR == p + 1 { n = $2 }
	END { printf "%.1f", t ? 100 * n / t : 0 }')
note "after revival, 2 s flow" "$FAB_MBIT Mbit/s; path $DOWN carried $share % of A->B"
awk -v s="$share" 'BEGIN { exit !(s >= 3) }' || fail "path $DOWN carried only $share % after its revival"
echo "--- srdctl paths hostB, after"
srdctl_on A paths hostB
note "SRD paths active after" "$(srd_peer_field A hostB paths_active) of 16"

srd_test_finish "path $DOWN of 4 blackholed for 3 s under one TCP flow"
