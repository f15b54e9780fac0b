#!/usr/bin/env bash
# srd-vswitchd on host B restarted under a running TCP flow and a ping.
#
#  guest A          host A                  router A ═ 4 paths ═ router B      host B                     guest B
#  ┌──────────┐     ┌──────────────────┐    ┌───────┐            ┌───────┐     ┌────────────────────────┐ ┌──────────┐
#  │eth0 .77.1├─────┤guest0─br0─vm0    │    │  p1 ══╪════════════╪══ p1  │     │    vm0─br0─guest0      ├─┤.77.2 eth0│
#  │iperf3 -c │     │ srd-vswitchd     ├────┤  ..   │            │  ..   ├─────┤ srd-vswitchd           │ │iperf3 -s │
#  │ping 10 ms│     │ (keeps running)  │    │  p4 ══╪════════════╪══ p4  │     │ SIGTERM at 3 s, start  │ │          │
#  └──────────┘     └──────────────────┘    └───────┘            └───────┘     │ again at once (the tap │ └──────────┘
#                                                                              │ vm0 persists)          │
#                                                                              └────────────────────────┘
# B's new daemon starts a new session; A sees it (srd_conn_recv -ECONNRESET), rebuilds its
# connection to B and counts a reset. Frames in flight are lost; guest TCP repairs that.
# Checks (asserted): the 10 s transfer completes; ping works afterwards; A's resets for
# hostB >= 1; both sides list the other as "connected"; no sanitizer report; nothing
# leaks. Printed: the outage the guest saw (longest ping reply gap, lost pings, longest
# iperf3 stall), how long stop + start took.
# Usage: srd_restart.sh SRD_VSWITCHD SRDCTL. Exit 77 (skip) without root or tools.
SRD_VSWITCHD=${1:-} SRDCTL=${2:-}   # read by srd.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/srd_test.sh
. "$here/srd_test.sh"
srd_test_init

step "fabric: 4 paths, srd-vswitchd on both hosts"
fabric_up 4 || { echo "FAIL: fabric_up"; exit 1; }
spread=$(srd_spread_paths) || fail "srd_spread_paths"
srd_up || { echo "FAIL: srd_up"; cat "$FAB_TMP"/[AB].log 2>/dev/null; exit 1; }
fabric_iperf_server || fail "iperf3 server in guest B"
wait_until 5 nga ping -c 1 -W 1 "$FAB_GUEST_B" || fail "guest A cannot ping guest B"
resets0=$(srd_stat A hostB resets)
pid0=$(srd_pid B)

step "10 s flow and ping -i 0.01; host B's daemon restarted at 3 s"
flow_and_ping 10 0.01 1000
sleep 3
t_stop=$EPOCHREALTIME
srd_stop B || fail "srd_stop B"
srd_start B || fail "srd_start B"
t_up=$EPOCHREALTIME
restart_ms=$(awk -v a="$t_stop" -v b="$t_up" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
pid1=$(srd_pid B)
[ -n "$pid1" ] && [ "$pid1" != "$pid0" ] || fail "host B's daemon did not restart (pid $pid0 -> $pid1)"
wait "$flow_job"; flow_rc=$?
wait "$ping_job"

read -r n_iv zero_iv _ mbit retr stall <<<"$(e2e_py iperf-intervals "$FAB_TMP/flow.json")" ||
	{ fail "iperf3: $(tail -c 300 "$FAB_TMP/flow.json")"; n_iv=0 zero_iv=0 mbit=0 retr=0 stall=0; }
read -r sent _ lost max_rtt gap <<<"$(e2e_py ping-stats "$FAB_TMP/ping.out" 0.01)"
note "stop + start of host B's daemon" "$restart_ms ms (pid $pid0 -> $pid1)"
note "10 s flow across the restart" "$mbit Mbit/s, iperf3 retransmits $retr, $zero_iv empty 100 ms intervals (longest stall $stall ms)"
note "ping -i 0.01 across the restart" "$sent sent, $lost lost, longest reply gap $gap ms, max RTT $max_rtt ms"
[ "$flow_rc" -eq 0 ] && [ "$n_iv" -ge 90 ] ||
	fail "the transfer did not complete (rc $flow_rc, $n_iv intervals): $(tail -c 300 "$FAB_TMP/flow.json")"

step "after the restart"
wait_until 5 nga ping -c 1 -W 1 "$FAB_GUEST_B" || fail "ping A -> B fails after B's restart"
nga ping -c 3 -i 0.2 -W 2 "$FAB_GUEST_B" >/dev/null || fail "ping A -> B lossy after B's restart"
resets=$(($(srd_stat A hostB resets) - resets0))
st_a=$(srd_peer_field A hostB state) st_b=$(srd_peer_field B hostA state)
note "A: resets for hostB" "$resets (host peer_resets $(srd_host_stat A peer_resets))"
note "peer state A->hostB / B->hostA" "$st_a / $st_b"
[ "$resets" -ge 1 ] || fail "A did not notice B's new session (resets +$resets)"
[ "$st_a" = connected ] || fail "A lists hostB as '$st_a'"
[ "$st_b" = connected ] || fail "B lists hostA as '$st_b'"
grep 'new session' "$FAB_TMP/A.log"
srdctl_on A peers

srd_test_finish "host B's srd-vswitchd restarted under one TCP flow"
