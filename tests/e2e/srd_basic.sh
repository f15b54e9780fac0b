#!/usr/bin/env bash
# srd-vswitchd end to end, K = 4 paths, no rate limit: connectivity, spraying,
# encryption, anti-replay, garbage and strangers.
#
#  guest A          host A                       router A          router B       host B                      guest B
#  ┌──────────┐     ┌──────────────────────┐     ┌──────────┐      ┌──────────┐    ┌──────────────────────┐     ┌──────────┐
#  │eth0      │     │guest0─br0─vm0 (tap)  │     │    p1 ═══╪══════╪═══ p1    │    │  (tap) vm0─br0─guest0│     │      eth0│
#  │.77.1     ├─────┤   srd-vswitchd       │     │    p2 ═══╪══════╪═══ p2    │    │       srd-vswitchd   ├─────┤     .77.2│
#  │mtu 1394  │     │                      │     │    p3 ═══╪══════╪═══ p3    │    │                      │     │  mtu 1394│
#  │marker tx │     │ ul0 198.18.1.1 :1000 ├─────┤host0 p4 ═╪══════╪═ p4 host0├────┤ ul0 198.18.2.1 :1000 │     │marker rx │
#  └──────────┘     └──────────────────────┘     └──────────┘      └────.2.254┘    └──────────────────────┘     └──────────┘
#     tcpdump: guest0 (plaintext), ul0 and router A p1..p4 (must be ciphertext only);
#     host B ul0 (SRD datagrams to replay); replay and garbage from host A, strangers
#     from router B (198.18.2.254)
#
# Checks (asserted): ping guest A -> B; a 5 s TCP flow whose A->B packets cross every
# fabric path (each >= 5 % of them) and all 16 SRD paths; a plaintext marker (ping -p
# pattern, UDP and TCP payloads) seen on guest0 and reaching guest B is absent from every
# underlay capture; N captured SRD datagrams replayed from host A's address count N
# replays (replays + stale_pns) at B and deliver no frame; garbage from host A counts
# one rx_malformed/auth_failures/rx_no_key each (forged PSP headers: auth_failures);
# datagrams from router B count rx_unknown_peer; afterwards ping works, both daemons
# live; no sanitizer report; nothing leaks.
# Usage: srd_basic.sh SRD_VSWITCHD SRDCTL. Exit 77 (skip) without root or tools.
SRD_VSWITCHD=${1:-} SRDCTL=${2:-}   # read by srd.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/srd_test.sh
. "$here/srd_test.sh"
srd_test_init tcpdump

# cap_start NS IF NAME [FILTER...]: tcpdump in the background into $FAB_TMP/NAME.pcap;
# waits until it listens. cap_stop NAME...: stop them (bounded), pcaps stay.
declare -A cap_pid=()
cap_start() {
	local ns=$1 dev=$2 name=$3 i
	shift 3
	ip netns exec "$ns" tcpdump -i "$dev" -n -U -s 0 -w "$FAB_TMP/$name.pcap" "$@" \
		>"$FAB_TMP/$name.tcpdump.log" 2>&1 &
	cap_pid[$name]=$!
	for i in $(seq 1 50); do
		grep -q 'listening on' "$FAB_TMP/$name.tcpdump.log" && return 0
		sleep 0.1
	done
	fail "tcpdump on $dev ($name) did not start: $(cat "$FAB_TMP/$name.tcpdump.log")"
	return 1
}
cap_stop() {
	local name pid i
	for name in "$@"; do
		pid=${cap_pid[$name]:-}
		[ -n "$pid" ] || continue
		kill -INT "$pid" 2>/dev/null
		for i in $(seq 1 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		cap_pid[$name]=
	done
}
b_peer() { srd_stat B hostA "$1"; }
b_host() { srd_host_stat B "$1"; }

step "fabric: 4 paths, srd-vswitchd on both hosts"
fabric_up 4 || { echo "FAIL: fabric_up"; exit 1; }
spread=$(srd_spread_paths) || fail "srd_spread_paths"
note "ECMP seed, SRD ports per fabric path" "${spread//$'\n'/; }"
srd_up || { echo "FAIL: srd_up"; cat "$FAB_TMP"/[AB].log 2>/dev/null; exit 1; }

# ---- connectivity and spraying ----
step "ping guest A -> guest B"
if out=$(nga ping -c 5 -i 0.2 -W 2 "$FAB_GUEST_B"); then
	note "ping A -> B (5)" "$(echo "$out" | awk -F'[/ ]' '/received/ { r = $4 }
		/^rtt/ { a = $8 } END { printf "%s received, rtt avg %s ms", r, a }')"
else
	fail "guest A cannot ping guest B over srd-vswitchd"
	cat "$FAB_TMP/A.log"
fi

step "one TCP flow, 5 s"
fabric_iperf_server || fail "iperf3 server in guest B"
fabric_counters_reset
if fabric_iperf -t 5; then
	note "1 TCP flow, 5 s" "$FAB_MBIT Mbit/s, iperf3 retransmits $FAB_RETR"
else
	fail "iperf3 over srd-vswitchd"
fi
fabric_counters
shares=$(fabric_counters | awk 'NR > 1 { n[NR - 1] = $2; t += $2 }
	END { for (i = 1; i < NR; i++) printf "%s%.1f", (i > 1 ? " " : ""), t ? 100 * n[i] / t : 0 }')
note "A->B share of paths p1..p4 (%)" "$shares"
for s in $shares; do
	awk -v s="$s" 'BEGIN { exit !(s >= 5) }' || fail "a fabric path carried $s % (< 5 %) of the flow: $shares"
done
used=$(srd_paths_used A hostB)
note "SRD paths used A -> hostB" "$used of 16"
[ "$used" = 16 ] || { fail "only $used of 16 SRD paths carried packets"; srdctl_on A paths hostB; }

# ---- encryption: a plaintext marker in, none of it on the underlay ----
step "encryption: plaintext marker on guest0, absent from ul0 and p1..p4"
marker="SRDVS-E2E-PLAINTEXT-$(openssl rand -hex 8)"
marker_hex=$(printf '%s' "$marker" | od -An -tx1 | tr -d ' \n')
pattern=$(openssl rand -hex 16)
underlay_caps="ulA pA1 pA2 pA3 pA4"
cap_start "$FAB_NS_HA" guest0 plainA &&
	cap_start "$FAB_NS_HA" ul0 ulA &&
	for i in 1 2 3 4; do cap_start "$FAB_NS_RA" "p$i" "pA$i" || break; done
ngb python3 "$e2e_dir/srd_e2e.py" marker-recv "$FAB_GUEST_B" 7777 "$marker" 4 \
	>"$FAB_TMP/marker-recv.out" 2>&1 &
recv_job=$!
wait_until 3 grep -q ready "$FAB_TMP/marker-recv.out" || fail "marker receiver in guest B did not start"
nga ping -c 5 -i 0.1 -s 200 -p "$pattern" -W 2 "$FAB_GUEST_B" >/dev/null ||
	fail "ping -p PATTERN lost replies"
nga python3 "$e2e_dir/srd_e2e.py" marker-send "$FAB_GUEST_B" 7777 "$marker" 10 ||
	fail "marker sender in guest A"
wait "$recv_job"
got=$(tail -1 "$FAB_TMP/marker-recv.out")
sleep 0.2
cap_stop plainA $underlay_caps
[ "$got" = 11 ] || fail "guest B received $got of 11 marker datagrams/streams"
read -r plain_hits plain_total <<<"$(e2e_py pcap-grep "$FAB_TMP/plainA.pcap" "$marker_hex" "$pattern")"
[ "${plain_hits:-0}" -ge 16 ] ||
	fail "the marker is not in the plaintext capture on guest0 ($plain_hits of $plain_total packets): the check is blind"
leaks=0 ul_total=0 per=""
for c in $underlay_caps; do
	read -r hits total <<<"$(e2e_py pcap-grep "$FAB_TMP/$c.pcap" "$marker_hex" "$pattern")"
	leaks=$((leaks + ${hits:-1})) ul_total=$((ul_total + ${total:-0}))
	per+=" $c:${hits:-?}/${total:-?}"
done
note "marker on guest0 (plaintext)" "$plain_hits of $plain_total packets; guest B got $got/11"
note "marker on underlay (hits/packets)" "${per# }"
[ "$leaks" -eq 0 ] || fail "plaintext marker found on the underlay:$per"
read -r _ ul_a <<<"$(e2e_py pcap-grep "$FAB_TMP/ulA.pcap" 00)"
[ "${ul_a:-0}" -gt 0 ] || fail "the ul0 capture is empty: the check is blind"

# ---- replay ----
step "replay: captured SRD datagrams sent again from host A's address"
nhb tcpdump -i ul0 -n -U -s 0 -c 30 -w "$FAB_TMP/replay.pcap" \
	"udp dst port 1000 and src host $FAB_HOST_A" >"$FAB_TMP/replay.tcpdump.log" 2>&1 &
cap=$!
wait_until 5 grep -q 'listening on' "$FAB_TMP/replay.tcpdump.log" || fail "tcpdump on host B ul0"
nga ping -c 40 -i 0.02 -W 1 "$FAB_GUEST_B" >/dev/null
for i in $(seq 1 30); do kill -0 "$cap" 2>/dev/null || break; sleep 0.1; done
kill -INT "$cap" 2>/dev/null; wait "$cap" 2>/dev/null
n=$(e2e_py pcap-udp-payloads "$FAB_TMP/replay.pcap" "$FAB_TMP/replay.bin" 1000)
sleep 0.5   # guests idle from here
r0=$(b_peer replays) s0=$(b_peer stale_pns) f0=$(b_peer frames_in) ss0=$(b_peer stale_session)
nha python3 "$e2e_dir/srd_e2e.py" udp-replay "$FAB_HOST_A" "$FAB_HOST_B" 1000 \
	"$FAB_TMP/replay.bin" >/dev/null || fail "replay sender"
sleep 0.5
r1=$(b_peer replays) s1=$(b_peer stale_pns) f1=$(b_peer frames_in) ss1=$(b_peer stale_session)
refused=$((r1 - r0 + s1 - s0))
note "replayed SRD datagrams" "$n sent: replays +$((r1 - r0)), stale_pns +$((s1 - s0)), stale_session +$((ss1 - ss0)), frames_in +$((f1 - f0))"
[ "${n:-0}" -ge 20 ] || fail "captured only ${n:-0} SRD datagrams to replay"
[ "$refused" -ge $((n * 9 / 10)) ] && [ "$refused" -le "$n" ] ||
	fail "B counted $refused replays/stale packet numbers for $n replayed datagrams"
[ "$f1" -eq "$f0" ] || fail "replayed datagrams delivered $((f1 - f0)) frames at B"

# ---- garbage from the peer's address, and datagrams from a stranger ----
step "garbage from host A's address to 198.18.2.1:1000"
m0=$(b_host rx_malformed) a0=$(b_host auth_failures) k0=$(b_host rx_no_key)
read -r sent forged <<<"$(nha python3 "$e2e_dir/srd_e2e.py" udp-garbage "$FAB_HOST_A" \
	"$FAB_HOST_B" 1000 60 "$FAB_TMP/replay.bin")"
sleep 0.5
m1=$(b_host rx_malformed) a1=$(b_host auth_failures) k1=$(b_host rx_no_key)
counted=$((m1 - m0 + a1 - a0 + k1 - k0))
note "garbage datagrams" "${sent:-0} sent (${forged:-0} forged PSP headers): rx_malformed +$((m1 - m0)), auth_failures +$((a1 - a0)), rx_no_key +$((k1 - k0))"
[ "$counted" -eq "${sent:-0}" ] || fail "B counted $counted of ${sent:-0} garbage datagrams"
[ "$((a1 - a0))" -ge "${forged:-1}" ] ||
	fail "forged PSP packets: auth_failures +$((a1 - a0)), expected ${forged:-?}"

step "datagrams from router B (198.18.2.254, no peer) to 198.18.2.1:1000"
u0=$(b_host rx_unknown_peer)
read -r strangers _ <<<"$(nrb python3 "$e2e_dir/srd_e2e.py" udp-garbage 198.18.2.254 \
	"$FAB_HOST_B" 1000 20 "$FAB_TMP/replay.bin")"
sleep 0.5
u1=$(b_host rx_unknown_peer)
note "datagrams from a stranger" "${strangers:-0} sent: rx_unknown_peer +$((u1 - u0))"
[ "$((u1 - u0))" -eq "${strangers:-0}" ] || fail "rx_unknown_peer +$((u1 - u0)) for ${strangers:-0}"

# ---- still alive ----
step "after all that: ping, daemons alive"
nga ping -c 3 -i 0.2 -W 2 "$FAB_GUEST_B" >/dev/null || fail "ping A -> B fails after the attacks"
for h in A B; do
	srd_alive "$(srd_pid "$h")" && srdctl_on "$h" show >/dev/null ||
		fail "the daemon on host $h is gone or does not answer"
done
note "host B auth_failures total" "$(b_host auth_failures) (peer hostA: $(b_peer auth_failures))"

srd_test_finish "srd-vswitchd basic, 4 paths, no rate limit"
