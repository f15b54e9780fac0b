# shellcheck shell=bash disable=SC2034  # OVS_* globals are read by the sourcing script
# tests/ovs/ovs.sh: private Open vSwitch instances (userspace datapath) in the host
# namespaces of the srdvs namespace fabric. Sourced (bash) after tests/e2e/fabric.sh and
# fabric_up, never run. Root only.
#
#  guest A       host A: ovsdb-server + ovs-vswitchd, files in $FAB_TMP/ovs-A     router A
#  ┌──────────┐  ┌────────────────────────────────────────────────────────┐  ┌───────────┐
#  │     eth0 ├──┤ guest0 ── br-int ── vx0 (type vxlan, remote_ip, key)   │  │           │
#  │ .77.1/24 │  │          (netdev)    ┆ tnl_push/tnl_pop; next hop from │  │           │
#  │ mtu 1450 │  │                      ┆ the kernel routes on br-phy and │  │           │
#  │ tx off   │  │                      ┆ the ARP snooped there           │  │           │
#  │          │  │ br-phy (netdev; internal tap 198.18.1.1/24,            │  │           │
#  │          │  │         198.18.0.0/15 via .1.254; kernel UDP, too)     │  │     p1..pK╞═ router B
#  │          │  │   └── ul0 ─────────────────────────────────────────────┼──┤ host0     │  ─ host B
#  └──────────┘  └────────────────────────────────────────────────────────┘  │ .1.254    │  ─ guest B
#                                                                            └───────────┘
#  Host B mirrors it: ovs-B, br-phy 198.18.2.1/24 via .2.254, vx0 remote_ip 198.18.1.1.
#
# One OVS instance per host namespace: a single instance with two bridges would pop its
# own tunnel packets instead of putting them on the wire. Userspace tunnels need the tunnel
# endpoint on an OVS bridge, so ovs_up adds ul0 to br-phy and moves the host's underlay
# address and route from ul0 to br-phy's internal port (a tap that ovs-vswitchd keeps
# persistent: address and route survive a switch restart). ovs-vswitchd copies the
# namespace's kernel routes (ovs/route/show) and snoops ARP on br-phy once a tunnel port
# exists (tnl/arp/show); ovs_vxlan and ovs_start_switch prime that cache with a kernel
# ping of the router. The host's kernel still reaches the other host (198.18.x.1), through
# br-phy and ovs-vswitchd (slower than ul0 alone). The guests' eth0 get `ethtool -K eth0
# tx off`: ovs-vswitchd 3.1 reads guest0 without offload metadata, so checksum-offloaded
# TCP would leave with bad checksums (no connection at all).
#
# API (each returns non-zero with a message on stderr on failure; S is A or B):
#   ovs_missing_tools          print the missing OVS tools (empty when all are there)
#   ovs_up S                   start both daemons in host S, create br-int (+ guest0) and
#                              br-phy (+ ul0, underlay address and route); ovs_up_all: A, B
#   ovs_vxlan S IFACE REMOTE_IP KEY   add IFACE (type vxlan, UDP 4789) to br-int, wait
#                              for its ofport, prime the tunnel ARP cache
#   ovs_start_db S, ovs_stop_db S     ovsdb-server; the db file survives a restart. While
#                              it is down ovs-vswitchd does not forward at all (it spins,
#                              packets are lost) until it reconnects (backoff 1, 2, 4, 8 s);
#                              ovs_start_db waits (<= 10 s) for that reconnection
#   ovs_start_switch S, ovs_stop_switch S   ovs-vswitchd (start waits until configured)
#   ovs_sync S                 wait (<= 10 s) until ovs-vswitchd applied the database
#   ovs_vsctl S ARGS...        ovs-vsctl on instance S (--timeout=10)
#   ovs_appctl S ARGS...       ovs-appctl on instance S (default target ovs-vswitchd)
#   ovs_db_sock S              print the path of S's ovsdb unix socket
#   ovs_dir S                  print S's run/db/log directory
#   ovs_srd_start S            srd-vswitchd --ovsdb in host S (needs SRD_VSWITCHD)
#   ovs_log_warnings S         print the WARN/ERR/EMER lines of S's ovs-vswitchd.log
#   ovs_down_all               stop every daemon (idempotent; trap it before
#                              fabric_down_all: trap 'ovs_down_all; fabric_down_all' EXIT)
#   ovs_leak_check             fail if an OVS daemon of this $FAB_PREFIX still runs
# Stops go by pidfile: SIGTERM, up to 5 s, then SIGKILL. Every wait is bounded.
# A system-type Interface (e.g. a tap) whose device does not exist yet has ofport -1 and
# error "... No such device" (a WARN at every reconfiguration); ovs-vswitchd attaches the
# device within milliseconds of its creation. Without ofport_request the number is the
# lowest free one and is lost when the switch restarts while the device is missing.

OVS_TOOLS="ovsdb-server ovs-vswitchd ovs-vsctl ovsdb-tool ovs-appctl"
OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
OVS_UP_MS=                    # how long the last ovs_up took, in ms

ovs_log() { echo "[ovs] $*" >&2; }

ovs_missing_tools() {
	local t missing=()
	for t in $OVS_TOOLS; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	echo "${missing[*]}"
}

# ovs_side S: check that S is A or B and that the fabric is up.
ovs_side() {
	case ${1:-} in
	A|B) ;;
	*) ovs_log "host must be A or B, not '${1:-}'"; return 1 ;;
	esac
	[ -n "${FAB_TMP:-}" ] && [ -d "$FAB_TMP" ] || { ovs_log "the fabric is not up"; return 1; }
}

ovs_ns() { if [ "$1" = A ]; then echo "$FAB_NS_HA"; else echo "$FAB_NS_HB"; fi; }
ovs_gns() { if [ "$1" = A ]; then echo "$FAB_NS_GA"; else echo "$FAB_NS_GB"; fi; }
ovs_num() { if [ "$1" = A ]; then echo 1; else echo 2; fi; }   # 198.18.N.0/24
ovs_dir() { ovs_side "$1" && echo "$FAB_TMP/ovs-$1"; }
ovs_db_sock() { ovs_side "$1" && echo "$FAB_TMP/ovs-$1/db.sock"; }

# ovs_in S CMD...: CMD in host S's namespace, with the OVS_* directories of instance S.
ovs_in() {
	local s=$1 d
	shift
	d=$(ovs_dir "$s") || return 1
	OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d \
		ip netns exec "$(ovs_ns "$s")" "$@"
}

ovs_vsctl() {
	local s=$1
	shift
	ovs_in "$s" ovs-vsctl --timeout=10 --db="unix:$FAB_TMP/ovs-$s/db.sock" "$@"
}

ovs_appctl() {
	local s=$1
	shift
	ovs_in "$s" ovs-appctl --timeout=10 "$@"
}

# ovs_pid S NAME: print the pid in NAME.pid when that process is alive and is NAME.
ovs_pid() {
	local f=$FAB_TMP/ovs-$1/$2.pid pid
	[ -f "$f" ] || return 1
	read -r pid <"$f" 2>/dev/null || return 1
	[[ $pid =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] &&
		! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || return 1
	echo "$pid"
}

# ovs_stop S NAME: SIGTERM NAME by its pidfile, wait up to 5 s, then SIGKILL; removes
# what a killed daemon leaves (pidfile, control socket).
ovs_stop() {
	local d=$FAB_TMP/ovs-$1 pid
	if pid=$(ovs_pid "$1" "$2"); then
		if ! ovs_kill_wait "$1" "$2" "$pid" TERM 50; then
			ovs_log "$2 ($1, pid $pid) ignored SIGTERM for 5 s: SIGKILL"
			ovs_kill_wait "$1" "$2" "$pid" KILL 20 ||
				{ ovs_log "cannot stop $2 ($1, pid $pid)"; return 1; }
		fi
		rm -f "$d/$2.$pid.ctl"
	fi
	rm -f "$d/$2.pid"
}

# ovs_kill_wait S NAME PID SIGNAL TENTHS: signal PID, wait up to TENTHS/10 s for it to go.
ovs_kill_wait() {
	local i
	kill "-$4" "$3" 2>/dev/null
	for i in $(seq 1 "$5"); do
		ovs_pid "$1" "$2" >/dev/null || return 0
		sleep 0.1
	done
	! ovs_pid "$1" "$2" >/dev/null
}

# ovs_daemon S NAME ARGS...: start NAME detached in host S's namespace. --detach returns
# once the daemon is ready (ovs-vswitchd: configured from the db), so it is bounded here.
ovs_daemon() {
	local s=$1 name=$2 d=$FAB_TMP/ovs-$1
	shift 2
	if ovs_pid "$s" "$name" >/dev/null; then
		ovs_log "$name already runs in $s"
		return 1
	fi
	if ! ovs_in "$s" timeout 15 "$name" "$@" --pidfile="$d/$name.pid" \
		--log-file="$d/$name.log" --detach --no-chdir >"$d/$name.start" 2>&1 ||
		! ovs_pid "$s" "$name" >/dev/null; then
		ovs_log "$name did not start in $s: $(tail -n 3 "$d/$name.start" "$d/$name.log" 2>/dev/null)"
		ovs_stop "$s" "$name"
		return 1
	fi
}

ovs_start_db() {
	local s=$1 d
	ovs_side "$s" || return 1
	d=$FAB_TMP/ovs-$s
	mkdir -p "$d" || return 1
	if [ ! -f "$d/conf.db" ]; then
		ovsdb-tool create "$d/conf.db" "$OVS_SCHEMA" || { ovs_log "ovsdb-tool create failed"; return 1; }
	fi
	ovs_daemon "$s" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" || return 1
	ovs_vsctl "$s" --no-wait init || { ovs_log "ovs-vsctl init failed in $s"; return 1; }
	if ovs_pid "$s" ovs-vswitchd >/dev/null; then
		ovs_sync "$s" || return 1
	fi
}

ovs_stop_db() { ovs_side "$1" && ovs_stop "$1" ovsdb-server; }

# ovs_start_switch S: ovs-vswitchd on S's db; waits until it applied the db and, when a
# vxlan port exists (a restart), primes its tunnel ARP cache again.
ovs_start_switch() {
	local s=$1
	ovs_side "$s" || return 1
	ovs_daemon "$s" ovs-vswitchd "unix:$FAB_TMP/ovs-$s/db.sock" || return 1
	ovs_sync "$s" || return 1
	if [ -n "$(ovs_vsctl "$s" --columns=name --no-headings find Interface type=vxlan)" ]; then
		ovs_prime "$s" || return 1
	fi
}

ovs_stop_switch() { ovs_side "$1" && ovs_stop "$1" ovs-vswitchd; }

# ovs_sync S: make a change ovs-vswitchd must apply, and wait (10 s) until it did.
ovs_sync() {
	ovs_vsctl "$1" set Open_vSwitch . "external_ids:ovs-sh-sync=$SECONDS.$RANDOM" >/dev/null ||
		{ ovs_log "ovs-vswitchd in $1 did not apply the database within 10 s"; return 1; }
}

# ovs_prime S: forget the kernel's neighbours on br-phy and ping the router: the ARP
# exchange crosses br-phy, where ovs-vswitchd learns the tunnel next hop (tnl/arp/show;
# it snoops only once a tunnel port exists). Without it the first tunnel packets are
# dropped while OVS resolves the next hop itself.
ovs_prime() {
	local s=$1 n gw ns i
	n=$(ovs_num "$s")
	gw=198.18.$n.254
	ns=$(ovs_ns "$s")
	ip -n "$ns" neigh flush dev br-phy 2>/dev/null
	for i in 1 2 3 4 5; do
		if ip netns exec "$ns" ping -c 1 -W 1 -I br-phy "$gw" >/dev/null 2>&1 &&
			ovs_appctl "$s" tnl/arp/show 2>/dev/null |
			awk -v ip="$gw" '$1 == ip { f = 1 } END { exit !f }'; then
			return 0
		fi
		ip -n "$ns" neigh flush dev br-phy 2>/dev/null
		sleep 0.2
	done
	ovs_log "$s: no tunnel ARP entry for the router $gw: $(ovs_appctl "$s" tnl/arp/show 2>&1 | tail -n +3)"
	return 1
}

# ovs_gw_ping S: the kernel of host S reaches its router through br-phy (3 tries).
ovs_gw_ping() {
	local gw i
	gw=198.18.$(ovs_num "$1").254
	for i in 1 2 3; do
		ip netns exec "$(ovs_ns "$1")" ping -c 1 -W 1 "$gw" >/dev/null 2>&1 && return 0
	done
	ovs_log "$1: the kernel cannot ping the router $gw through br-phy"
	return 1
}

# ovs_underlay S: br-phy (netdev) with ul0, and the host's underlay address and route
# moved from ul0 to br-phy's internal port.
ovs_underlay() {
	local s=$1 n ns addr
	n=$(ovs_num "$s")
	ns=$(ovs_ns "$s")
	addr=198.18.$n.1/24
	ovs_vsctl "$s" --may-exist add-br br-phy -- set Bridge br-phy datapath_type=netdev \
		-- --may-exist add-port br-phy ul0 || return 1
	ip -n "$ns" addr del "$addr" dev ul0 2>/dev/null
	ip -n "$ns" addr replace "$addr" dev br-phy &&
		ip -n "$ns" link set br-phy up &&
		ip -n "$ns" route replace 198.18.0.0/15 via "198.18.$n.254" dev br-phy ||
		{ ovs_log "$s: cannot move $addr and its route to br-phy"; return 1; }
}

ovs_up() {
	local s=$1 t0 gns
	ovs_side "$s" || return 1
	t0=$(date +%s%N)
	ovs_start_db "$s" && ovs_start_switch "$s" || return 1
	ovs_vsctl "$s" --may-exist add-br br-int -- set Bridge br-int datapath_type=netdev \
		-- --may-exist add-port br-int guest0 || { ovs_log "$s: cannot create br-int"; return 1; }
	ovs_underlay "$s" && ovs_gw_ping "$s" || return 1
	gns=$(ovs_gns "$s")
	ip netns exec "$gns" ethtool -K eth0 tx off >/dev/null ||
		{ ovs_log "$s: ethtool -K eth0 tx off failed in $gns"; return 1; }
	OVS_UP_MS=$((($(date +%s%N) - t0) / 1000000))
}

ovs_up_all() { ovs_up A && ovs_up B; }

# ovs_vxlan S IFACE REMOTE_IP KEY: waits (5 s) until the port has an OpenFlow number.
ovs_vxlan() {
	local s=$1 ifc=$2 remote=$3 key=$4 i of
	ovs_side "$s" || return 1
	if [ -z "$ifc" ] || ! [[ $remote =~ ^[0-9.]+$ ]] || ! [[ $key =~ ^[0-9]+$ ]]; then
		ovs_log "usage: ovs_vxlan A|B IFACE REMOTE_IP KEY"
		return 1
	fi
	ovs_vsctl "$s" --may-exist add-port br-int "$ifc" -- set Interface "$ifc" type=vxlan \
		"options:remote_ip=$remote" "options:key=$key" || return 1
	for i in $(seq 1 50); do
		of=$(ovs_vsctl "$s" get Interface "$ifc" ofport 2>/dev/null)
		[[ $of =~ ^[0-9]+$ ]] && [ "$of" -gt 0 ] && { ovs_prime "$s"; return; }
		sleep 0.1
	done
	ovs_log "$s: $ifc has no ofport: $(ovs_vsctl "$s" get Interface "$ifc" error 2>&1)"
	return 1
}

# ovs_srd_start S: srd-vswitchd --ovsdb (SRD_VSWITCHD) in host S with the base config
# $FAB_TMP/S.conf (created empty if missing), control socket $FAB_TMP/S.sock, log
# $FAB_TMP/S.log, pid file $FAB_TMP/S.pid (the names tests/e2e/srd.sh uses); returns
# once the control socket exists. Sanitizer reports go to $FAB_TMP/asan.* / ubsan.*.
ovs_srd_start() {
	local s=$1 i
	[ -f "$FAB_TMP/$s.conf" ] || echo "# srd-vswitchd --ovsdb base settings" >"$FAB_TMP/$s.conf"
	rm -f "$FAB_TMP/$s.sock"
	srd_san_env       # tests/e2e/srd.sh
	ovs_in "$s" env "${SRD_SAN_ENV[@]}" "$SRD_VSWITCHD" --ovsdb --config "$FAB_TMP/$s.conf" --ctl "$FAB_TMP/$s.sock" --detach \
		--pidfile "$FAB_TMP/$s.pid" --log-file "$FAB_TMP/$s.log" -v info ||
		{ tail -5 "$FAB_TMP/$s.log" >&2; return 1; }
	for i in $(seq 1 50); do
		[ -S "$FAB_TMP/$s.sock" ] && return 0
		sleep 0.1
	done
	ovs_log "srd-vswitchd --ovsdb in $s made no control socket"
	return 1
}

ovs_log_warnings() {
	local d
	d=$(ovs_dir "$1") || return 1
	grep -E '\|(WARN|ERR|EMER)\|' "$d/ovs-vswitchd.log" 2>/dev/null
	return 0
}

ovs_down_all() {
	local s
	[ -n "${FAB_TMP:-}" ] && [ -d "$FAB_TMP" ] || return 0
	for s in A B; do
		[ -d "$FAB_TMP/ovs-$s" ] || continue
		ovs_stop "$s" ovs-vswitchd
		ovs_stop "$s" ovsdb-server
	done
	return 0
}

# ovs_leak_check: live ovsdb-server/ovs-vswitchd whose command line names a directory of
# this prefix (zombies do not count: they hold nothing).
ovs_leak_check() {
	local p c left=""
	for p in /proc/[0-9]*; do
		c=$(cat "$p/comm" 2>/dev/null) || continue
		[ "$c" = ovsdb-server ] || [ "$c" = ovs-vswitchd ] || continue
		grep -q '^State:.*Z' "$p/status" 2>/dev/null && continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "/tmp/$FAB_PREFIX" &&
			left+=" ${p#/proc/}($c)"
	done
	[ -z "$left" ] && return 0
	ovs_log "leaked OVS daemons:$left"
	return 1
}
