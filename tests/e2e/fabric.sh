# shellcheck shell=bash disable=SC2034  # FAB_* globals are read by the sourcing script
# tests/e2e/fabric.sh: the namespace fabric srdvs end-to-end tests and benchmarks run on.
# Sourced (bash), never run. Root only.
#
#  guest A        host A               router A             router B             host B               guest B
#  ┌──────────┐   ┌────────────────┐   ┌──────────────┐     ┌──────────────┐     ┌────────────────┐   ┌──────────┐
#  │     eth0 ├───┤ guest0     ul0 ├───┤ host0     p1 ╞═════╡ p1     host0 ├─────┤ ul0     guest0 ├───┤ eth0     │
#  │ .77.1/24 │   │ overlay   .1.1 │   │ .1.254    p2 ╞═════╡ p2    .2.254 │     │ .2.1   overlay │   │ .77.2/24 │
#  │ mtu 1450 │   │ (vxlan, srd)   │   │ tbf       .. │     │ ..       tbf │     │ (vxlan, srd)   │   │ mtu 1450 │
#  │          │   │                │   │ nft loss  pK ╞═════╡ pK  nft loss │     │                │   │          │
#  └──────────┘   └────────────────┘   └──────────────┘     └──────────────┘     └────────────────┘   └──────────┘
#  namespaces $FAB_NS_GA, _HA, _RA, _RB, _HB, _GB; guests 198.19.77.0/24, host underlays
#  198.18.1.0/24 and 198.18.2.0/24, path i 198.18.(10+i).0/24.
#
# Path i joins the routers' pI interfaces over 198.18.(10+i).0/24 (.1 router A, .2 router
# B). Each router routes the far host's /24 over all K paths with one multipath route,
# hashed on the outer L4 5-tuple (fib_multipath_hash_policy=3, fields 0x0037), so one
# outer UDP source port always takes one path. Offloads are off on every underlay veth
# (the kernel segments at the host's ul0, like a NIC), so tbf, loss and the counters see
# wire packets. Addresses come only from the benchmarking range 198.18.0.0/15.
# Guests are plain namespaces with a veth to their host (guest0); the host owns the
# underlay and whatever overlay joins guest0 to ul0 (fabric_vxlan, or srd-vswitchd).
#
# Every namespace name starts with $FAB_PREFIX (default srd<pid>-), so parallel runs never
# collide and a killed run's leftovers are recognised and reaped by the next fabric_up.
# Interfaces are created directly inside the namespaces, never in the root namespace.
#
# API (each returns non-zero with a message on stderr on failure):
#   fabric_up K [--rate MBIT] [--guest-mtu N]   build the fabric with K paths (1..64)
#   fabric_vxlan [VNI]         bridge each guest0 with a kernel vxlan device (dstport 4789)
#                              and the BPF hash fix (FAB_NO_HASH_FIX=1 leaves it out)
#   fabric_rate PATH MBIT      tbf on path PATH in both directions; 0 removes it
#   fabric_loss PATH PCT [a2b|b2a|both]   random loss (nftables numgen), PCT 0..100 ("1",
#                              "0.5", "1%", or "10pm" per mille); 0 removes it
#   fabric_down PATH [drop|link]   blackhole the path (routers still hash onto it), or set
#                              its links down (routers reroute); fabric_up_path PATH undoes
#   fabric_counters            per-path packets each way, and drops, since the last reset
#   fabric_counters_reset      zero them
#   fabric_busiest_path [a2b|b2a]  the path that carried the most packets
#   fabric_iperf_server        iperf3 server in guest B (killed by fabric_down_all)
#   fabric_iperf ARGS...       iperf3 client guest A -> guest B (bounded by timeout);
#                              sets FAB_MBIT and FAB_RETR, JSON in $FAB_TMP/iperf.json
#   fabric_down_all            kill every process in the fabric's namespaces, delete them
#                              (idempotent: use as trap fabric_down_all EXIT)
#   fabric_leak_check          fail if a namespace or link with the prefix remains
#   fabric_missing_tools       print the missing tools (empty when all are there)
# PATH is 1..K or "all". Wrappers: nga nha nra nrb nhb ngb CMD... run CMD in a namespace;
# ipga ... ipgb ARGS... run ip -n NS ARGS.

FAB_PREFIX=${FAB_PREFIX:-srd$$-}
FAB_GUEST_A=198.19.77.1
FAB_GUEST_B=198.19.77.2
FAB_HOST_A=198.18.1.1
FAB_HOST_B=198.18.2.1
FAB_NS_GA=${FAB_PREFIX}A-g FAB_NS_HA=${FAB_PREFIX}A-h FAB_NS_RA=${FAB_PREFIX}A-r
FAB_NS_RB=${FAB_PREFIX}B-r FAB_NS_HB=${FAB_PREFIX}B-h FAB_NS_GB=${FAB_PREFIX}B-g
FAB_K=0
FAB_TMP=
FAB_HASH_FIX=        # "bpf" once fabric_vxlan invalidated the guests' skb hash
declare -gA FAB_LOSS=() FAB_DOWN=()   # [a2b,I]/[b2a,I] per-10000 loss; [I] down mode

nga() { ip netns exec "$FAB_NS_GA" "$@"; }
nha() { ip netns exec "$FAB_NS_HA" "$@"; }
nra() { ip netns exec "$FAB_NS_RA" "$@"; }
nrb() { ip netns exec "$FAB_NS_RB" "$@"; }
nhb() { ip netns exec "$FAB_NS_HB" "$@"; }
ngb() { ip netns exec "$FAB_NS_GB" "$@"; }
ipga() { ip -n "$FAB_NS_GA" "$@"; }
ipha() { ip -n "$FAB_NS_HA" "$@"; }
ipra() { ip -n "$FAB_NS_RA" "$@"; }
iprb() { ip -n "$FAB_NS_RB" "$@"; }
iphb() { ip -n "$FAB_NS_HB" "$@"; }
ipgb() { ip -n "$FAB_NS_GB" "$@"; }

fab_log() { echo "[fabric] $*" >&2; }
fab_all_ns() { echo "$FAB_NS_GA $FAB_NS_HA $FAB_NS_RA $FAB_NS_RB $FAB_NS_HB $FAB_NS_GB"; }

fabric_missing_tools() {
	local t missing=()
	for t in ip tc nft ethtool ping iperf3 nstat python3 timeout; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	echo "${missing[*]}"
}

# fab_paths PATH: the path numbers PATH names ("all" or one of 1..K).
fab_paths() {
	if [ "$1" = all ]; then
		seq 1 "$FAB_K"
	elif [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le "$FAB_K" ]; then
		echo "$1"
	else
		fab_log "no path '$1' (1..$FAB_K or all)"
		return 1
	fi
}

# fab_reap: delete the namespaces and temporary directories of earlier runs (default
# prefixes srd<pid>-, ovs<pid>- of tests/ovs, bench<pid>- of bench/run) whose process
# is gone, e.g. after a SIGKILL (a ctest timeout) that skipped their trap. Killing what
# runs in a namespace also stops the daemons such a run left there.
fab_reap() {
	local ns pid d
	for ns in $(ip netns list | awk '{ print $1 }' |
		    grep -E '^(srd|ovs|bench)[0-9]+-[AB]-[ghr]$'); do
		pid=${ns%%-*}
		pid=${pid##*[a-z]}
		[ -d "/proc/$pid" ] && continue
		fab_log "reaping $ns left by dead process $pid"
		fab_ns_del "$ns"
	done
	for d in /tmp/srd*-?????? /tmp/ovs*-?????? /tmp/bench*-??????; do
		[[ ${d#/tmp/} =~ ^(srd|ovs|bench)([0-9]+)-[A-Za-z0-9]{6}$ ]] || continue
		[ -d "/proc/${BASH_REMATCH[2]}" ] || rm -rf "$d"
	done
}

# fab_ns_del NS: kill what runs inside NS, then delete it. Deleting a namespace that
# still has processes only removes its name; their devices would live on.
fab_ns_del() {
	local pids i
	pids=$(ip netns pids "$1" 2>/dev/null)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		kill $pids 2>/dev/null
		for i in 1 2 3 4 5 6 7 8 9 10; do
			pids=$(ip netns pids "$1" 2>/dev/null)
			[ -z "$pids" ] && break
			sleep 0.1
		done
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	fi
	ip netns del "$1" 2>/dev/null
	return 0
}

fabric_up() {
	local k=$1 rate=0 gmtu=1450
	shift || true
	while [ $# -gt 0 ]; do
		case $1 in
		--rate) rate=$2; shift 2 ;;
		--guest-mtu) gmtu=$2; shift 2 ;;
		*) fab_log "fabric_up: unknown option $1"; return 1 ;;
		esac
	done
	if ! [[ $k =~ ^[0-9]+$ ]] || [ "$k" -lt 1 ] || [ "$k" -gt 64 ]; then
		fab_log "fabric_up: K must be 1..64, not '$k'"
		return 1
	fi
	fab_reap
	FAB_K=$k FAB_LOSS=() FAB_DOWN=() FAB_HASH_FIX=
	FAB_TMP=$(mktemp -d "/tmp/${FAB_PREFIX}XXXXXX") || return 1
	if ! (set -eE; trap 'fab_log "fabric_up: line $LINENO: $BASH_COMMAND"' ERR
		fab_build "$gmtu"); then
		fabric_down_all
		return 1
	fi
	[ "$rate" = 0 ] || fabric_rate all "$rate"
}

# fab_build GUEST_MTU: runs under set -e in a subshell; all state lives in the kernel.
fab_build() {
	local gmtu=$1 ns i
	for ns in $(fab_all_ns); do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		# No IPv6: its router solicitations and MLD reports would pollute the counters.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	for ns in "$FAB_NS_RA" "$FAB_NS_RB"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.fib_multipath_hash_policy=3 \
			net.ipv4.fib_multipath_hash_fields=0x0037
	done

	fab_build_side A "$FAB_NS_GA" "$FAB_NS_HA" "$FAB_NS_RA" "$FAB_GUEST_A" "$gmtu" 1
	fab_build_side B "$FAB_NS_GB" "$FAB_NS_HB" "$FAB_NS_RB" "$FAB_GUEST_B" "$gmtu" 2

	local via_a=() via_b=()
	for i in $(seq 1 "$FAB_K"); do
		ipra link add "p$i" type veth peer name "p$i" netns "$FAB_NS_RB"
		ipra addr add "198.18.$((10 + i)).1/24" dev "p$i"
		iprb addr add "198.18.$((10 + i)).2/24" dev "p$i"
		ipra link set "p$i" up
		iprb link set "p$i" up
		fab_wire_packets "$FAB_NS_RA" "p$i"
		fab_wire_packets "$FAB_NS_RB" "p$i"
		via_a+=(nexthop via "198.18.$((10 + i)).2" dev "p$i")
		via_b+=(nexthop via "198.18.$((10 + i)).1" dev "p$i")
	done
	ipra route add 198.18.2.0/24 "${via_a[@]}"
	iprb route add 198.18.1.0/24 "${via_b[@]}"
	fab_nft_setup "$FAB_NS_RA"
	fab_nft_setup "$FAB_NS_RB"
}

# fab_build_side A|B GUEST_NS HOST_NS ROUTER_NS GUEST_ADDR GUEST_MTU N: the guest's veth
# to its host, and the host's underlay veth to its router over 198.18.N.0/24.
fab_build_side() {
	local g=$2 h=$3 r=$4 gaddr=$5 gmtu=$6 n=$7
	ip -n "$g" link add eth0 mtu "$gmtu" type veth peer name guest0 mtu "$gmtu" netns "$h"
	ip -n "$g" addr add "$gaddr/24" dev eth0
	ip -n "$g" link set eth0 up
	ip -n "$h" link set guest0 up
	ip -n "$h" link add ul0 type veth peer name host0 netns "$r"
	ip -n "$h" addr add "198.18.$n.1/24" dev ul0
	ip -n "$r" addr add "198.18.$n.254/24" dev host0
	ip -n "$h" link set ul0 up
	ip -n "$r" link set host0 up
	ip -n "$h" route add 198.18.0.0/15 via "198.18.$n.254"
	fab_wire_packets "$h" ul0
	fab_wire_packets "$r" host0
}

# fab_wire_packets NS DEV: no TCP/UDP/UDP-tunnel segmentation offload on DEV, so GSO skbs
# are cut into wire packets when they reach it (as a NIC would) and stay cut.
fab_wire_packets() {
	local f
	for f in tso tx-udp-segmentation tx-udp_tnl-segmentation tx-udp_tnl-csum-segmentation; do
		ip netns exec "$1" ethtool -K "$2" "$f" off 2>/dev/null || true
	done
}

# fab_nft_setup NS: table inet fab in a router. Chain floss (forward hook) counts every
# packet leaving on path I in named counter pkts_I, then jumps to loss_I, which holds the
# path's loss or blackhole rule (drops counted in drop_I).
fab_nft_setup() {
	local i rules=""
	for i in $(seq 1 "$FAB_K"); do
		rules+="add counter inet fab pkts_$i
add counter inet fab drop_$i
add chain inet fab loss_$i
add rule inet fab floss oifname \"p$i\" counter name \"pkts_$i\" jump loss_$i
"
	done
	ip netns exec "$1" nft -f - <<EOF
add table inet fab
add chain inet fab floss { type filter hook forward priority 0; policy accept; }
$rules
EOF
}

# fab_loss_apply NS DIR I: rewrite chain loss_I in NS from FAB_DOWN/FAB_LOSS.
fab_loss_apply() {
	local ns=$1 dir=$2 i=$3 pm=${FAB_LOSS[$2,$3]:-0} rule=""
	if [ "${FAB_DOWN[$i]:-}" = drop ]; then
		rule="add rule inet fab loss_$i counter name \"drop_$i\" drop"
	elif [ "$pm" -gt 0 ]; then
		rule="add rule inet fab loss_$i numgen random mod 10000 < $pm counter name \"drop_$i\" drop"
	fi
	ip netns exec "$ns" nft -f - <<EOF
flush chain inet fab loss_$i
$rule
EOF
}

fabric_rate() {
	local p=$1 mbit=$2 i ns
	[[ $mbit =~ ^[0-9]+$ ]] || { fab_log "fabric_rate: MBIT must be an integer"; return 1; }
	for i in $(fab_paths "$p") ; do
		for ns in "$FAB_NS_RA" "$FAB_NS_RB"; do
			if [ "$mbit" -eq 0 ]; then
				ip netns exec "$ns" tc qdisc del dev "p$i" root 2>/dev/null
			else
				ip netns exec "$ns" tc qdisc replace dev "p$i" root \
					tbf rate "${mbit}mbit" burst 32kb latency 5ms || return 1
			fi
		done
	done
}

# fab_per10000 LOSS: "1" "0.5" "1%" -> percent; "10pm" -> per mille; printed per 10000.
fab_per10000() {
	local v=$1 scale=100
	case $v in
	*pm) v=${v%pm}; scale=10 ;;
	*%) v=${v%\%} ;;
	esac
	[[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || { fab_log "bad loss '$1'"; return 1; }
	awk -v v="$v" -v s="$scale" 'BEGIN { n = int(v * s + 0.5); if (n > 10000) n = 10000; print n }'
}

fabric_loss() {
	local p=$1 pm dir=${3:-both} i paths
	pm=$(fab_per10000 "$2") || return 1
	paths=$(fab_paths "$p") || return 1
	case $dir in a2b|b2a|both) ;; *) fab_log "fabric_loss: direction a2b, b2a or both"; return 1 ;; esac
	for i in $paths; do
		if [ "$dir" != b2a ]; then
			FAB_LOSS[a2b,$i]=$pm
			fab_loss_apply "$FAB_NS_RA" a2b "$i" || return 1
		fi
		if [ "$dir" != a2b ]; then
			FAB_LOSS[b2a,$i]=$pm
			fab_loss_apply "$FAB_NS_RB" b2a "$i" || return 1
		fi
	done
}

fabric_down() {
	local mode=${2:-drop} i paths
	paths=$(fab_paths "$1") || return 1
	for i in $paths; do
		case $mode in
		drop)
			FAB_DOWN[$i]='drop'
			fab_loss_apply "$FAB_NS_RA" a2b "$i" && fab_loss_apply "$FAB_NS_RB" b2a "$i" ||
				return 1 ;;
		link)
			FAB_DOWN[$i]='link'
			ipra link set "p$i" down && iprb link set "p$i" down || return 1 ;;
		*) fab_log "fabric_down: mode drop or link, not '$mode'"; return 1 ;;
		esac
	done
}

fabric_up_path() {
	local i paths
	paths=$(fab_paths "$1") || return 1
	for i in $paths; do
		ipra link set "p$i" up && iprb link set "p$i" up || return 1
		FAB_DOWN[$i]=
		fab_loss_apply "$FAB_NS_RA" a2b "$i" && fab_loss_apply "$FAB_NS_RB" b2a "$i" ||
			return 1
	done
}

# fab_counter_dump NS: "NAME PACKETS" for every named counter of table inet fab in NS.
fab_counter_dump() {
	ip netns exec "$1" nft list counters table inet fab |
		awk '$1 == "counter" { name = $2 } $1 == "packets" { print name, $2 }'
}

# fabric_counters: "path a2b b2a a2b_drop b2a_drop" then one line per path.
fabric_counters() {
	local a b
	a=$(fab_counter_dump "$FAB_NS_RA") && b=$(fab_counter_dump "$FAB_NS_RB") || return 1
	awk -v k="$FAB_K" -v a="$a" -v b="$b" 'BEGIN {
		n = split(a, x, "\n"); for (j = 1; j <= n; j++) { split(x[j], f, " "); A[f[1]] = f[2] }
		n = split(b, x, "\n"); for (j = 1; j <= n; j++) { split(x[j], f, " "); B[f[1]] = f[2] }
		printf "%-6s %10s %10s %9s %9s\n", "path", "a2b", "b2a", "a2b_drop", "b2a_drop"
		for (i = 1; i <= k; i++)
			printf "%-6s %10d %10d %9d %9d\n", "p" i, A["pkts_" i], B["pkts_" i],
				A["drop_" i], B["drop_" i]
	}'
}

fabric_counters_reset() {
	nra nft reset counters table inet fab >/dev/null &&
		nrb nft reset counters table inet fab >/dev/null
}

fabric_busiest_path() {
	local col=2
	[ "${1:-a2b}" = b2a ] && col=3
	fabric_counters | awk -v c="$col" 'NR > 1 && $c > max { max = $c; p = NR - 1 }
		END { if (p) print p; else exit 1 }'
}

fabric_iperf_server() {
	ngb iperf3 -s -B "$FAB_GUEST_B" -p 5201 >"$FAB_TMP/iperf-server.log" 2>&1 &
	local i
	for i in $(seq 1 50); do
		ngb ss -ltnH 'sport = :5201' | grep -q . && return 0
		sleep 0.1
	done
	fab_log "iperf3 server did not start: $(cat "$FAB_TMP/iperf-server.log")"
	return 1
}

# fabric_iperf ARGS...: iperf3 -c guest B from guest A with ARGS (-t 5 unless given);
# sets FAB_MBIT (received) and FAB_RETR (sender's retransmits). Call it directly, not
# in $(...): it waits in the background so that the caller's signal traps run at once.
fabric_iperf() {
	local t=5 a prev='' out=$FAB_TMP/iperf.json r
	local -a targs=(-t 5)
	for a in "$@"; do
		[ "$prev" = -t ] && t=$a targs=()
		prev=$a
	done
	FAB_MBIT=0 FAB_RETR=0
	timeout $((t + 15)) ip netns exec "$FAB_NS_GA" iperf3 -c "$FAB_GUEST_B" -p 5201 -J \
		--connect-timeout 3000 "${targs[@]}" "$@" >"$out" 2>&1 &
	if ! wait $!; then
		fab_log "iperf3 failed: $(grep -m1 '"error"' "$out" || tail -c 300 "$out")"
		return 1
	fi
	r=$(python3 - "$out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
if "error" in j:
    sys.exit("[fabric] iperf3: " + j["error"])
e = j["end"]
print("%.1f %d" % (e["sum_received"]["bits_per_second"] / 1e6,
                   e["sum_sent"].get("retransmits", 0)))
PY
	) || return 1
	read -r FAB_MBIT FAB_RETR <<<"$r"
}

# fabric_vxlan [VNI]: in each host, bridge br0 = guest0 + vx0 (kernel vxlan, VNI, UDP
# 4789, local/remote = the hosts' underlay addresses, inner MTU 1450). When clang can
# build it, a tc BPF program on guest0's ingress clears the skb hash the guest's socket
# set, so vxlan picks its UDP source port from the inner flow as behind a real NIC;
# without it the guest's random per-socket hash leaks through the veth into that choice.
fabric_vxlan() {
	local vni=${1:-42}
	(set -eE; trap 'fab_log "fabric_vxlan: line $LINENO: $BASH_COMMAND"' ERR
		fab_vxlan_host "$FAB_NS_HA" "$FAB_HOST_A" "$FAB_HOST_B" "$vni"
		fab_vxlan_host "$FAB_NS_HB" "$FAB_HOST_B" "$FAB_HOST_A" "$vni") || return 1
	if [ -n "${FAB_NO_HASH_FIX:-}" ]; then
		fab_log "FAB_NO_HASH_FIX set: guest skb hash picks the vxlan port"
	elif fab_hash_fix "$FAB_NS_HA" guest0 && fab_hash_fix "$FAB_NS_HB" guest0; then
		FAB_HASH_FIX=bpf
	else
		fab_log "no BPF hash fix (clang or tc bpf missing): guest skb hash picks the vxlan port"
	fi
}

fab_vxlan_host() {
	local h=$1 local_ip=$2 remote_ip=$3 vni=$4
	ip -n "$h" link add vx0 type vxlan id "$vni" dstport 4789 local "$local_ip" \
		remote "$remote_ip"
	ip -n "$h" link set vx0 mtu 1450
	ip -n "$h" link add br0 type bridge
	ip -n "$h" link set guest0 master br0
	ip -n "$h" link set vx0 master br0
	ip -n "$h" link set vx0 up
	ip -n "$h" link set br0 up
}

# fab_hash_fix NS DEV: tc BPF on DEV's ingress calling bpf_set_hash_invalid().
fab_hash_fix() {
	local o=$FAB_TMP/hash_invalid.o
	if [ ! -f "$o" ]; then
		command -v clang >/dev/null || return 1
		cat >"$FAB_TMP/hash_invalid.c" <<'EOF'
/* Forget the skb hash a sending socket attached, as a packet off a real NIC has none. */
struct __sk_buff;
static void (*bpf_set_hash_invalid)(struct __sk_buff *skb) = (void *)41; /* BPF_FUNC_ */
__attribute__((section("tc"), used)) int hash_invalid(struct __sk_buff *skb)
{
	bpf_set_hash_invalid(skb);
	return 0; /* TC_ACT_OK */
}
char _license[] __attribute__((section("license"), used)) = "GPL";
EOF
		clang -O2 -target bpf -c "$FAB_TMP/hash_invalid.c" -o "$o" 2>/dev/null || return 1
	fi
	ip netns exec "$1" tc qdisc add dev "$2" clsact 2>/dev/null &&
		ip netns exec "$1" tc filter add dev "$2" ingress bpf da obj "$o" sec tc 2>/dev/null
}

fabric_down_all() {
	local ns
	for ns in $(fab_all_ns); do
		fab_ns_del "$ns"
	done
	[ -n "$FAB_TMP" ] && rm -rf "$FAB_TMP"
	FAB_TMP=
	return 0
}

fabric_leak_check() {
	local left
	left=$(ip netns list | awk '{ print $1 }' | grep -F "$FAB_PREFIX"
		ip -o link show | grep -F "$FAB_PREFIX"
		ls -d /tmp/"$FAB_PREFIX"* 2>/dev/null)
	[ -z "$left" ] && return 0
	fab_log "leaked: $left"
	return 1
}
