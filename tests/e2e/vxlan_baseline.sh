#!/usr/bin/env bash
# The kernel VXLAN baseline on the srdvs namespace fabric (tests/e2e/fabric.sh), K = 4:
#
#  guest A            host A                 router A          router B           host B             guest B
#  ┌───────────┐      ┌────────────────┐     ┌───────────┐     ┌───────────┐      ┌────────────────┐ ┌───────────┐
#  │eth0       │      │guest0─br0─vx0  │     │      p1 ══╪═════╪═ p1       │      │  vx0─br0─guest0│ │       eth0│
#  │198.19.77.1├──────┤   (bpf: hash   │     │      p2 ══╪═════╪═ p2       │      │ VNI 42, 4789   ├─┤198.19.77.2│
#  │ mtu 1450  │      │   invalidate)  │     │      p3 ══╪═════╪═ p3       │      │                │ │ mtu 1450  │
#  └───────────┘      │ ul0 198.18.1.1 ├─────┤host0 p4 ══╪═════╪═ p4  host0├──────┤ ul0 198.18.2.1 │ └───────────┘
#                     └────────────────┘     └───────────┘     └───────────┘      └────────────────┘
#                                       ECMP on the outer UDP 5-tuple, tbf and loss per path
#
# Checks (asserted): guest A pings guest B over VXLAN; 5 s iperf3 TCP flows complete with
# throughput > 0; nothing leaks. Measured and printed in a final summary (the numbers srdvs
# is compared with on this fabric): per-path packet counts (one guest flow rides one
# path), one flow unlimited and with 4 x 100 Mbit/s tbf, 8 flows at 4 x 100, and one
# flow with 1 % loss on its path (guest A's TcpRetransSegs from nstat).
# Exit 77 (skip) without root, namespaces or tools. About 30 s.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/fabric.sh
. "$here/fabric.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
lacking=$(fabric_missing_tools)
[ -z "$lacking" ] || skip "missing tools: $lacking (tests/deps.sh lists their packages)"
probe=${FAB_PREFIX}probe
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces"
ip -n "$probe" link add vx0 type vxlan id 1 dstport 4789 2>/dev/null
vxlan_ok=$?
ip netns del "$probe"
[ "$vxlan_ok" -eq 0 ] || skip "the kernel has no VXLAN"

trap fabric_down_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
step() { echo "== $*"; }
summary=()
note() { summary+=("$(printf '%-44s %s' "$1" "$2")"); }
# share: "pN PCT" for the path that carried most A->B packets since the last reset.
share() {
	fabric_counters | awk 'NR > 1 { t += $2; if ($2 > m) { m = $2; p = $1 } }
		END { printf "%s %.1f\n", p, t ? 100 * m / t : 0 }'
}
retrans_segs() { nga nstat -asz TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }'; }
# flow LABEL IPERF_ARGS...: one iperf3 run; sets mbit and rtx (guest A's TcpRetransSegs
# during the run) and prints the per-path counters.
flow() {
	local label=$1 before
	shift
	fabric_counters_reset
	step "$label: iperf3 $*"
	before=$(retrans_segs)
	fabric_iperf "$@"
	mbit=$FAB_MBIT
	rtx=$(($(retrans_segs) - before))
	fabric_counters
	awk -v m="$mbit" 'BEGIN { exit !(m > 0) }' || fail "$label: no iperf3 throughput"
	echo "$mbit Mbit/s, TcpRetransSegs $rtx"
}

start=$SECONDS
step "fabric: 4 paths, kernel vxlan VNI 42 between the hosts"
fabric_up 4 || { echo "FAIL: fabric_up"; exit 1; }
fabric_vxlan 42 || { echo "FAIL: fabric_vxlan"; exit 1; }
hashfix=${FAB_HASH_FIX:-none}

step "ping guest A -> guest B over vxlan"
if out=$(nga ping -c 5 -i 0.2 -W 2 "$FAB_GUEST_B"); then
	note "ping guest A -> B (5)" "$(echo "$out" | awk -F'[/ ]' '/received/ { r = $4 }
		/^rtt/ { a = $8 } END { printf "%s received, rtt avg %s ms", r, a }')"
else
	fail "guest A cannot ping guest B over vxlan"
fi
fabric_iperf_server || fail "iperf3 server in guest B"

# One client port for the single flows: with the hash fix the inner 5-tuple, hence the
# vxlan source port, hence the path, is the same in every run.
flow "1 flow, no rate limit" -t 5 --cport 40001
read -r path pct <<<"$(share)"
note "1 flow, no rate limit, 5 s" "$mbit Mbit/s, TcpRetransSegs $rtx ($path: $pct% of A->B pkts)"

fabric_rate all 100
flow "1 flow, 4 x 100 Mbit/s" -t 5 --cport 40001
read -r path pct <<<"$(share)"
note "1 flow, 4 x 100 Mbit/s tbf, 5 s" "$mbit Mbit/s, TcpRetransSegs $rtx ($path: $pct%)"

flow "8 flows, 4 x 100 Mbit/s" -t 5 -P 8
used=$(fabric_counters | awk 'NR > 1 && $2 > 1000 { n++ } END { print n + 0 }')
note "8 flows, 4 x 100 Mbit/s tbf, 5 s" "$mbit Mbit/s, TcpRetransSegs $rtx, $used of 4 paths"

if [ "$hashfix" = bpf ]; then
	lossy=${path#p}
	where="on $path"
else
	# Without the hash fix each run's socket hash picks a new path: lose on all of them.
	lossy=all
	where="on every path"
fi
fabric_loss "$lossy" 1
flow "1 flow, 4 x 100 Mbit/s, 1% loss $where" -t 5 --cport 40001
drops=$(fabric_counters | awk 'NR > 1 { d += $4 } END { print d + 0 }')
note "1 flow, 4 x 100, 1% loss $where, 5 s" \
	"$mbit Mbit/s, TcpRetransSegs $rtx (A->B drops $drops)"

fabric_down_all
fabric_leak_check || fail "namespaces or links left behind"

echo "== summary: kernel VXLAN baseline, 4 paths, per-wire-packet, hash fix: $hashfix"
printf '%s\n' "${summary[@]}"
[ "$hashfix" = bpf ] ||
	echo "(no BPF hash fix: the guest socket's random skb hash picks the vxlan port and path)"
echo "runtime ${SECONDS}s (from fabric_up: $((SECONDS - start))s)"
if [ "$fails" -ne 0 ]; then
	echo "FAIL: $fails check(s)"
	exit 1
fi
echo "PASS"
