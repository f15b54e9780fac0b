# shellcheck shell=bash
# tests/e2e/srd.sh: srd-vswitchd on the namespace fabric (fabric.sh). Sourced after
# fabric.sh and fabric_up, never run. Root only.
#
#  guest A            host A                                  host B            guest B
#  ┌──────────┐   ┌──────────────────────────────┐       ┌─────────────────────────────┐   ┌──────────┐
#  │ eth0     ├───┤ guest0 ─ br0 ─ vm0 (tap)     │       │    (tap) vm0 ─ br0 ─ guest0 ├───┤ eth0     │
#  │ .77.1    │   │            srd-vswitchd      │  K    │  srd-vswitchd               │   │ .77.2    │
#  │          │   │   built-in bridge, VNI 100   │ paths │  built-in bridge, VNI 100   │   │          │
#  │          │   │   ul0 198.18.1.1 UDP 1000 ═══╪═══════╪═══ ul0 198.18.2.1 UDP 1000  │   │          │
#  └──────────┘   └──────────────────────────────┘       └─────────────────────────────┘   └──────────┘
#
# Each host runs one daemon in its namespace with a config in $FAB_TMP (A.conf, B.conf),
# one PSK file, a control socket ($FAB_TMP/A.sock) and a log ($FAB_TMP/A.log). The
# daemon's tap vm0 joins a Linux bridge br0 with guest0, the veth to the guest (a VM's
# tap would be the guest itself; the bridge stands in for the hypervisor's plumbing).
#
# API:
#   srd_up [--paths N]             configs for both hosts, start both daemons, attach taps
#   srd_conf [--no-peer] A|B [EXTRA]  (re)write a host's config; EXTRA lines are appended;
#                                  --no-peer leaves the other host's [peer] out
#   srd_start A|B / srd_stop A|B   start (detached, waits for the socket) / SIGTERM, wait
#   srd_pid A|B                    the daemon's pid (from its pid file)
#   srdctl_on A|B ARGS...          srdctl against that host's daemon
#   srd_stat A|B PEER FIELD        one per-peer counter from `srdctl --json stats`
#   srd_host_stat A|B FIELD        one host-wide counter
#   srd_peer_field A|B PEER FIELD  one field of PEER's row in `srdctl --json peers`
#                                  ("absent" when there is no such peer)
#   srd_use srd|vxlan              which overlay guest0's bridge br0 uses; works before or
#                                  after srd_up, with or without fabric_vxlan (which must
#                                  come first: it creates br0 itself)
#   srd_paths_used A|B PEER        how many paths of PEER carried packets (tx_pkts > 0)
#   srd_asan_check                 fail, printing them, if a sanitizer wrote a report
#   srd_spread_paths [MIN]         before srd_up: pick each router's ECMP hash seed so that
#                                  every fabric path carries at least MIN (default 3) of
#                                  the SRD_PATHS source ports, each way; prints the
#                                  ports per path (the kernel's default seed is random
#                                  per namespace: a path could otherwise get none)
# Needs SRD_VSWITCHD and SRDCTL (paths to the binaries).
#
# Sanitizer builds: daemons start with ASAN_OPTIONS/UBSAN_OPTIONS log_path in $FAB_TMP
# (a detached daemon's stderr is /dev/null), so reports land in $FAB_TMP/asan.PID and
# ubsan.PID; srd_asan_check after srd_stop (LeakSanitizer reports at exit) finds them.

SRD_PATHS=16
SRD_GUEST_MTU=1394   # protocol.md §8: IPv4, 1500 underlay, offload block
SRD_VNI=100
SRD_OVERLAY=srd      # what guest0's bridge carries: srd (vm0) or vxlan (vx0)

srd_ns() { [ "$1" = A ] && echo "$FAB_NS_HA" || echo "$FAB_NS_HB"; }

srd_conf() {
	local with_peer=1 h extra me peer peer_name peer_sect
	[ "${1:-}" = --no-peer ] && { with_peer=0; shift; }
	h=$1 extra=${2:-}
	if [ "$h" = A ]; then me=$FAB_HOST_A peer=$FAB_HOST_B peer_name=hostB
	else me=$FAB_HOST_B peer=$FAB_HOST_A peer_name=hostA; fi
	peer_sect="[peer \"$peer_name\"]
underlay = $peer
vni = $SRD_VNI"
	[ "$with_peer" = 1 ] || peer_sect="# [peer \"$peer_name\"] left out (srd_conf --no-peer)"
	cat >"$FAB_TMP/$h.conf.new" <<EOF
# srd-vswitchd on host $h (tests/e2e/srd.sh)
[host]
underlay = $me
psk-file = $FAB_TMP/psk
ctl-socket = $FAB_TMP/$h.sock
paths = $SRD_PATHS

[engine]
max-payload = 1440

[port "vm0"]
vni = $SRD_VNI

$peer_sect
$extra
EOF
	mv "$FAB_TMP/$h.conf.new" "$FAB_TMP/$h.conf"
}

# srd_san_env: SRD_SAN_ENV=(ASAN_OPTIONS=... UBSAN_OPTIONS=...) for `env`, so that a
# detached daemon's sanitizer reports land in $FAB_TMP (srd_asan_check reads them).
srd_san_env() {
	SRD_SAN_ENV=(
		"ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$FAB_TMP/asan"
		"UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$FAB_TMP/ubsan")
}

srd_start() {
	local h=$1 ns
	ns=$(srd_ns "$h")
	srd_san_env
	ip netns exec "$ns" env "${SRD_SAN_ENV[@]}" "$SRD_VSWITCHD" --config "$FAB_TMP/$h.conf" --detach \
		--pidfile "$FAB_TMP/$h.pid" --log-file "$FAB_TMP/$h.log" -v info || {
		fab_log "srd-vswitchd on host $h did not start:"; tail -5 "$FAB_TMP/$h.log" >&2
		return 1; }
	for _ in $(seq 1 50); do
		[ -S "$FAB_TMP/$h.sock" ] && break
		sleep 0.1
	done
	# The tap survives restarts; (re)join it to the guest's bridge.
	ip -n "$ns" link show br0 >/dev/null 2>&1 || {
		ip -n "$ns" link add br0 type bridge
		ip -n "$ns" link set br0 up
		ip -n "$ns" link set guest0 master br0; }
	ip -n "$ns" link set vm0 up
	srd_attach "$h"
}

# srd_attach A|B: join the overlay SRD_OVERLAY names to br0, and take the other out.
srd_attach() {
	local ns
	ns=$(srd_ns "$1")
	if [ "$SRD_OVERLAY" = srd ]; then
		ip -n "$ns" link set vx0 nomaster 2>/dev/null
		ip -n "$ns" link show vm0 >/dev/null 2>&1 || return 0   # no daemon yet
		ip -n "$ns" link set vm0 master br0 && ip -n "$ns" link set vm0 up
	else
		ip -n "$ns" link set vm0 nomaster 2>/dev/null
		ip -n "$ns" link set vx0 master br0 || {
			fab_log "srd_use vxlan: no vx0 in host $1 (fabric_vxlan first)"; return 1; }
	fi
}

srd_pid() { cat "$FAB_TMP/$1.pid" 2>/dev/null; }

# srd_alive PID: the process runs. A detached daemon that exited stays a zombie until
# PID 1 reaps it, which some container inits do only every second or two.
srd_alive() {
	local st
	st=$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

srd_stop() {
	local h=$1 pid
	pid=$(cat "$FAB_TMP/$h.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		srd_alive "$pid" || return 0
		sleep 0.05
	done
	fab_log "srd-vswitchd on host $h ignored SIGTERM"
	kill -KILL "$pid" 2>/dev/null
	return 1
}

srd_up() {
	while [ $# -gt 0 ]; do
		case $1 in
		--paths) SRD_PATHS=$2; shift 2 ;;
		*) fab_log "srd_up: unknown option $1"; return 1 ;;
		esac
	done
	(umask 077; openssl rand -hex 32 >"$FAB_TMP/psk")
	srd_conf A && srd_conf B && srd_start A && srd_start B || return 1
	ipga link set eth0 mtu "$SRD_GUEST_MTU"
	ipgb link set eth0 mtu "$SRD_GUEST_MTU"
}

srdctl_on() {
	local h=$1
	shift
	"$SRDCTL" --ctl "$FAB_TMP/$h.sock" "$@"
}

srd_stat() {
	srdctl_on "$1" --json stats | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(next(p for p in j["peers"] if p["name"] == sys.argv[1])[sys.argv[2]])' "$2" "$3"
}

srd_host_stat() {
	srdctl_on "$1" --json stats | python3 -c '
import json, sys
print(json.load(sys.stdin)["host"][sys.argv[1]])' "$2"
}

srd_paths_used() {
	srdctl_on "$1" --json paths "$2" | python3 -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin)["paths"] if p["tx_pkts"] > 0))'
}

srd_peer_field() {
	srdctl_on "$1" --json peers | python3 -c '
import json, sys
p = [p for p in json.load(sys.stdin)["peers"] if p["name"] == sys.argv[1]]
print(p[0][sys.argv[2]] if p else "absent")' "$2" "$3"
}

srd_use() {
	case $1 in
	srd|vxlan) ;;
	*) fab_log "srd_use: srd or vxlan, not '$1'"; return 1 ;;
	esac
	SRD_OVERLAY=$1
	srd_attach A && srd_attach B
}

# srd_probe_ports FROM_NS SRC DST: one datagram from each SRD source port SRC:49152+i
# to DST:1000 (nothing listens yet; the far host's ICMP errors do not matter).
srd_probe_ports() {
	ip netns exec "$1" python3 - "$2" "$3" "$SRD_PATHS" <<'PY'
import socket, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 49152 + i))
    s.sendto(b"srd.sh path probe", (dst, 1000))
    s.close()
PY
}

srd_spread_paths() {
	local min=${1:-3} dir rns from src dst col seed spread
	ip netns exec "$FAB_NS_RA" sysctl -n net.ipv4.fib_multipath_hash_seed >/dev/null 2>&1 || {
		fab_log "srd_spread_paths: no fib_multipath_hash_seed sysctl, random spread"
		return 0; }
	for dir in a2b b2a; do
		if [ "$dir" = a2b ]; then rns=$FAB_NS_RA from=$FAB_NS_HA src=$FAB_HOST_A dst=$FAB_HOST_B col=2
		else rns=$FAB_NS_RB from=$FAB_NS_HB src=$FAB_HOST_B dst=$FAB_HOST_A col=3; fi
		spread=
		for seed in $(seq 1 60); do
			ip netns exec "$rns" sysctl -qw net.ipv4.fib_multipath_hash_seed="$seed" || return 1
			fabric_counters_reset || return 1
			srd_probe_ports "$from" "$src" "$dst" || return 1
			spread=$(fabric_counters | awk -v c="$col" -v m="$min" '
				NR > 1 { s = s (NR > 2 ? "/" : "") $c; if ($c < m) bad = 1 }
				END { if (!bad) print s }')
			[ -n "$spread" ] && break
		done
		fabric_counters_reset
		[ -n "$spread" ] || { fab_log "srd_spread_paths: no seed gives $min ports per path"; return 1; }
		echo "$dir seed $seed: SRD ports per path $spread"
	done
}

srd_asan_check() {
	local f found=0
	for f in "$FAB_TMP"/asan.* "$FAB_TMP"/ubsan.*; do
		[ -e "$f" ] || continue
		found=1
		fab_log "sanitizer report $f:"
		head -60 "$f" >&2
	done
	return "$found"
}
