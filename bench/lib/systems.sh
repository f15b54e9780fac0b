# shellcheck shell=bash
# bench/lib/systems.sh: the overlays bench/run compares, each set up on a fresh
# namespace fabric (tests/e2e/fabric.sh) so that no system inherits another's state.
# Sourced after fabric.sh, srd.sh, ovs.sh and vpn.sh; never run. Root only.
#
#  guest A ── host A ══ K ECMP paths (routers, tbf, loss) ══ host B ── guest B
#             └─ the system under test joins guest0 to the underlay, in each host ─┘
#
#   name          what carries guest A's frames to guest B                  guest MTU
#   kernel-vxlan  Linux bridge + kernel vxlan device, UDP 4789 (baseline)        1450
#   srdvs         srd-vswitchd, built-in bridge, SRD + PSP over UDP 1000         1394
#   srdvs-ovs     Open vSwitch (netdev) br-int, an SRD port (srd-vswitchd        1450
#                 --ovsdb), target-delay 1ms as docs/ovs.md §7 advises
#   ovs-vxlan     Open vSwitch (netdev) br-int, OVS's userspace VXLAN port       1450
#   openvpn       OpenVPN 2.6 TAP, AES-256-GCM, bridged with guest0            vpn.sh
#   tinc          tinc 1.0 switch mode, bridged with guest0                    vpn.sh
#
# API:
#   sys_list                 every system name, in the order bench/run measures them
#   sys_up NAME K            fabric_up K, then the system; 0 up, 2 cannot run here
#                            (the reason in SYS_WHY), 1 failed (reason on stderr)
#   sys_down NAME            stop the system and tear the fabric down (idempotent)
#   sys_pids NAME            pids of the system's daemons on both hosts (none for
#                            the kernel baseline)
# Needs SRD_VSWITCHD and SRDCTL for the srdvs systems.

sys_list() { echo "kernel-vxlan srdvs srdvs-ovs ovs-vxlan openvpn tinc"; }

# sys_ovs_missing: true (with SYS_WHY) when Open vSwitch is not installed.
sys_ovs_missing() {
	[ -z "$(ovs_missing_tools)" ] && return 1
	SYS_WHY="no Open vSwitch ($(ovs_missing_tools))"
}

sys_up_kernel_vxlan() { fabric_up "$1" && fabric_vxlan 42; }

sys_up_srdvs() {
	fabric_up "$1" && srd_spread_paths 2 >/dev/null && srd_up
}

sys_up_ovs_vxlan() {
	sys_ovs_missing && return 2
	fabric_up "$1" && ovs_up_all &&
		ovs_vxlan A vx0 "$FAB_HOST_B" 42 && ovs_vxlan B vx0 "$FAB_HOST_A" 42
}

sys_up_srdvs_ovs() {
	local h n
	sys_ovs_missing && return 2
	fabric_up "$1" && srd_spread_paths 2 >/dev/null && ovs_up_all || return 1
	(umask 077; openssl rand -hex 32 >"$FAB_TMP/psk")
	for h in A B; do
		n=$([ "$h" = A ] && echo 1 || echo 2)
		printf '[timers]\ntarget-delay = 1ms\n' >"$FAB_TMP/$h.conf"
		ovs_vsctl "$h" set Open_vSwitch . "external_ids:srd-local-ip=198.18.$n.1" \
			"external_ids:srd-psk-file=$FAB_TMP/psk" && ovs_srd_start "$h" || return 1
		ovs_vsctl "$h" --no-wait add-port br-int srd0 -- set Interface srd0 \
			"external_ids:srd-remote-ip=198.18.$((3 - n)).1" external_ids:srd-vni=42 ||
			return 1
	done
}

sys_up_vpn() {
	local bin=$2
	[ "$bin" = tinc ] && bin=tincd
	command -v "$bin" >/dev/null || { SYS_WHY="$bin is not installed"; return 2; }
	fabric_up "$1" || return 1
	"vpn_${2}_up"     # installed but not working is a failure, not a skip
}

sys_up() {
	local name=$1 k=$2 rc
	SYS_WHY=
	case $name in
	kernel-vxlan) sys_up_kernel_vxlan "$k" ;;
	srdvs) sys_up_srdvs "$k" ;;
	srdvs-ovs) sys_up_srdvs_ovs "$k" ;;
	ovs-vxlan) sys_up_ovs_vxlan "$k" ;;
	openvpn|tinc) sys_up_vpn "$k" "$name" ;;
	*) echo "unknown system $name" >&2; return 1 ;;
	esac
	rc=$?
	[ "$rc" -eq 0 ] || return "$rc"
	sys_wait_ping || { echo "$name: guest A cannot ping guest B" >&2; return 1; }
}

# sys_wait_ping: guest A reaches guest B (10 s at most: tunnels need a handshake).
sys_wait_ping() {
	local i
	for i in $(seq 1 20); do
		nga ping -c 1 -W 1 "$FAB_GUEST_B" >/dev/null 2>&1 && return 0
		sleep 0.4
	done
	return 1
}

sys_down() {
	case $1 in
	srdvs|srdvs-ovs) [ -n "${FAB_TMP:-}" ] && { srd_stop A; srd_stop B; } ;;
	openvpn|tinc) [ -n "${FAB_TMP:-}" ] && "vpn_${1}_down" ;;
	esac
	ovs_down_all
	fabric_down_all
	return 0
}

sys_pids() {
	local h
	case $1 in
	srdvs|srdvs-ovs) for h in A B; do srd_pid "$h"; done ;;
	ovs-vxlan) for h in A B; do ovs_pid "$h" ovs-vswitchd; done ;;
	openvpn|tinc) vpn_pids "$1" ;;
	esac
	if [ "$1" = srdvs-ovs ]; then
		for h in A B; do ovs_pid "$h" ovs-vswitchd; done
	fi
	return 0
}
