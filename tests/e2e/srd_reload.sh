#!/usr/bin/env bash
# Reloading host A's configuration (SIGHUP, srdctl reload) under a running TCP flow.
#
#  guest A          host A                             router A ═ 4 paths ═ router B     host B            guest B
#  ┌──────────┐     ┌─────────────────────────────┐    ┌───────┐          ┌───────┐      ┌──────────────┐  ┌──────────┐
#  │eth0 .77.1├─────┤guest0─br0─vm0  srd-vswitchd │    │  p1 ══╪══════════╪══ p1  │      │ srd-vswitchd ├──┤.77.2 eth0│
#  │iperf3 -c │     │ A.conf: [peer "hostB"]      ├────┤  ..   │          │  ..   ├──────┤ peer hostA   │  │iperf3 -s │
#  └──────────┘     │   + [peer "hostC"] (SIGHUP) │    │  p4 ══╪══════════╪══ p4  │      └──────────────┘  └──────────┘
#                   │   - hostC (srdctl reload)   │    └───────┘          └───────┘
#                   │   paths = 999 (refused)     │      hostC 198.18.3.1: nobody there (no route)
#                   │   [host] port (refused)     │
#                   │   - hostB, + hostB          │
#                   └─────────────────────────────┘
#
# Checks (asserted), during one 12 s iperf3 flow to B: a third peer hostC appears in
# `srdctl peers` after SIGHUP and disappears after `srdctl reload`; a file with
# `paths = 999` makes `srdctl reload` exit non-zero naming "[host] paths" and "out of
# range", a [host] port change is refused naming "[host] port", and the running
# configuration stays (same `srdctl show` host and peers, ping works); hostB's
# connection is never rebuilt (resets 0 on both sides, uptime spans the flow) and the
# flow completes. After it: hostB's [peer] removed -> ping fails; added back -> ping
# works again. No sanitizer report; nothing leaks.
# Last, an [engine] change (cwnd-max) rebuilds the connection, as docs/config.md says,
# and traffic flows on the new one.
# Usage: srd_reload.sh SRD_VSWITCHD SRDCTL. Exit 77 (skip) without root or tools.
SRD_VSWITCHD=${1:-} SRDCTL=${2:-}   # read by srd.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/srd_test.sh
. "$here/srd_test.sh"
srd_test_init

HOST_C='[peer "hostC"]
underlay = 198.18.3.1
vni = 100'

step "fabric: 4 paths, srd-vswitchd on both hosts"
fabric_up 4 || { echo "FAIL: fabric_up"; exit 1; }
spread=$(srd_spread_paths) || fail "srd_spread_paths"
srd_up || { echo "FAIL: srd_up"; cat "$FAB_TMP"/[AB].log 2>/dev/null; exit 1; }
fabric_iperf_server || fail "iperf3 server in guest B"
wait_until 5 nga ping -c 1 -W 1 "$FAB_GUEST_B" || fail "guest A cannot ping guest B"

peer_is() { [ "$(srd_peer_field A "$1" state)" = "$2" ]; }
peer_absent() { [ "$(srd_peer_field A "$1" state)" = absent ]; }
# The parts of `srdctl show` a refused reload must leave alone.
show_state() {
	srdctl_on A --json show | python3 -c '
import json, sys
j = json.load(sys.stdin)
h = {k: v for k, v in j["host"].items() if k != "uptime_s"}
print(json.dumps([h, j["peers"], [(p["name"], p["vni"], p["mtu"]) for p in j["ports"]]], sort_keys=True))'
}
# reload_refused LABEL EXPECT...: srdctl reload must fail, its message holding each EXPECT,
# and the running configuration must stay.
reload_refused() {
	local label=$1 before after rc msg e
	shift
	before=$(show_state)
	msg=$(srdctl_on A reload 2>&1)
	rc=$?
	echo "srdctl reload ($label): exit $rc: $msg"
	[ "$rc" -ne 0 ] || fail "$label: srdctl reload exited 0"
	for e in "$@"; do
		[[ $msg == *"$e"* ]] || fail "$label: the message does not say '$e': $msg"
	done
	after=$(show_state)
	[ "$before" = "$after" ] || fail "$label: the running configuration changed: $before -> $after"
	peer_is hostB connected || fail "$label: hostB is no longer connected"
	nga ping -c 3 -i 0.1 -W 1 "$FAB_GUEST_B" >/dev/null || fail "$label: ping A -> B fails"
	note "refused reload: $label" "exit $rc: ${msg//$'\n'/ }"
}

step "12 s flow A -> B; reloads of host A meanwhile"
timeout 30 ip netns exec "$FAB_NS_GA" iperf3 -c "$FAB_GUEST_B" -p 5201 -J -t 12 -i 0.1 \
	--connect-timeout 3000 >"$FAB_TMP/flow.json" 2>&1 &
flow_job=$!
sleep 1

step "add hostC (198.18.3.1, nobody there), SIGHUP"
srd_conf A "$HOST_C"
kill -HUP "$(srd_pid A)"
if wait_until 3 peer_is hostC connecting; then
	note "SIGHUP: hostC added" "state $(srd_peer_field A hostC state), $(srd_peer_field A hostC paths) paths"
else
	fail "hostC did not appear in srdctl peers after SIGHUP (state $(srd_peer_field A hostC state))"
fi
sleep 1
srdctl_on A peers

step "remove hostC, srdctl reload"
srd_conf A
out=$(srdctl_on A reload 2>&1) || fail "srdctl reload (hostC removed): $out"
wait_until 3 peer_absent hostC || fail "hostC still listed after srdctl reload"
note "srdctl reload: hostC removed" "$(peer_absent hostC && echo gone) (reloads $(srd_host_stat A reloads))"

step "a config with an error: paths = 999"
srd_conf A
sed -i 's/^paths = .*/paths = 999/' "$FAB_TMP/A.conf"
reload_refused "paths = 999" "[host] paths" "out of range"
step "a config changing a start-only key: [host] port = 1001"
srd_conf A
sed -i 's/^paths = .*/&\nport = 1001/' "$FAB_TMP/A.conf"
reload_refused "[host] port = 1001" "[host] port" "restart"
srd_conf A
out=$(srdctl_on A reload 2>&1) || fail "srdctl reload (good file again): $out"
note "reload_failures on A" "$(srd_host_stat A reload_failures)"

wait "$flow_job"; flow_rc=$?
read -r n_iv _ _ mbit retr stall <<<"$(e2e_py iperf-intervals "$FAB_TMP/flow.json")" ||
	{ fail "iperf3: $(tail -c 300 "$FAB_TMP/flow.json")"; n_iv=0 mbit=0 retr=0 stall=0; }
note "12 s flow across the reloads" "$mbit Mbit/s, iperf3 retransmits $retr, longest stall $stall ms"
[ "$flow_rc" -eq 0 ] && [ "$n_iv" -ge 110 ] || fail "the transfer did not complete (rc $flow_rc, $n_iv intervals)"
ra=$(srd_stat A hostB resets) rb=$(srd_stat B hostA resets) up=$(srd_peer_field A hostB uptime_s)
note "hostB connection through the reloads" "resets A $ra / B $rb, uptime ${up} s"
[ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] || fail "hostB's connection was rebuilt (resets A $ra, B $rb)"
[ "$up" -ge 12 ] || fail "hostB's connection is only $up s old: a reload rebuilt it"

step "remove hostB's [peer]: guest B unreachable"
srd_conf --no-peer A
out=$(srdctl_on A reload 2>&1) || fail "srdctl reload (hostB removed): $out"
peer_absent hostB || fail "hostB still listed after its removal"
if nga ping -c 3 -i 0.2 -W 1 "$FAB_GUEST_B" >/dev/null; then
	fail "ping A -> B works without a [peer] for hostB"
	note "ping without hostB's [peer]" "works (wrong)"
else
	note "ping without hostB's [peer]" "fails (right); guest_no_peer $(srd_host_stat A guest_no_peer)"
fi
step "add hostB back"
srd_conf A
t0=$EPOCHREALTIME
out=$(srdctl_on A reload 2>&1) || fail "srdctl reload (hostB back): $out"
if wait_until 10 nga ping -c 1 -W 1 "$FAB_GUEST_B"; then
	note "ping after hostB is back" "works after $(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.0f", (b - a) * 1000 }') ms; B resets $(srd_stat B hostA resets)"
else
	fail "ping A -> B fails after hostB's [peer] is back"
fi

step "an [engine] change (cwnd-max) rebuilds every connection"
sleep 2.2   # so that a rebuilt connection shows as a younger one
up0=$(srd_peer_field A hostB uptime_s)
rm0=$(grep -c 'peer hostB: removed' "$FAB_TMP/A.log")
srd_conf A
sed -i 's/^max-payload = .*/&\ncwnd-max = 2048/' "$FAB_TMP/A.conf"
srdctl_on A reload >/dev/null 2>&1 || fail "srdctl reload ([engine] cwnd-max = 2048)"
up1=$(srd_peer_field A hostB uptime_s)
rm1=$(grep -c 'peer hostB: removed' "$FAB_TMP/A.log")
if [ "$up1" -lt "$up0" ] || [ "$rm1" -gt "$rm0" ]; then
	note "[engine] change rebuilds connections" "yes (hostB uptime $up0 -> $up1 s)"
else
	fail "[engine] change did not rebuild hostB's connection (uptime $up0 -> $up1 s)"
fi
nga ping -c 2 -i 0.2 -W 1 "$FAB_GUEST_B" >/dev/null || fail "ping A -> B after the [engine] reload"

srd_test_finish "reloads of host A under one TCP flow"
