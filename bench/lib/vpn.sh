# shellcheck shell=bash
# bench/lib/vpn.sh: encrypted userspace L2 tunnels (OpenVPN, tinc) between the two hosts of
# the namespace fabric (tests/e2e/fabric.sh), as baselines for srdvs. Sourced (bash) after
# fabric.sh and `fabric_up K`, never run. Root only.
#
#  guest A        host A                           host B                           guest B
#  ┌──────────┐   ┌──────────────────────────┐     ┌──────────────────────────┐   ┌──────────┐
#  │     eth0 ├───┤ guest0 ─┐            ul0 ├─────┤ ul0            ┌─ guest0 ├───┤ eth0     │
#  │ .77.1/24 │   │         ├ br0       .1.1 │  K  │ .2.1       br0 ┤          │   │ .77.2/24 │
#  │ mtu 1434 │   │ vpn0 ───┘   daemon: tap, │ ECMP│ daemon: tap,   └─── vpn0 │   │ mtu 1434 │
#  │          │   │ (tap)       UDP on ul0   │paths│ UDP on ul0         (tap) │   │          │
#  └──────────┘   └──────────────────────────┘     └──────────────────────────┘   └──────────┘
#
# Each host bridges its guest0 veth with the tap device of a userspace daemon (br0, as
# fabric_vxlan does with vx0); the daemon encrypts the guest's Ethernet frames into one
# UDP flow between the host underlays 198.18.1.1 and 198.18.2.1, so all guest traffic takes
# one of the K ECMP paths. Both daemons of a system run inside the host namespaces (so
# fabric_down_all kills them too); keys, configs, pidfiles and logs live in
# $FAB_TMP/vpn-<system>/.
#
#   openvpn  OpenVPN 2.6, --mode p2p, TLS (throwaway self-signed EC P-256 certs, each side
#            pins the other's with --peer-fingerprint, no CA), data channel AES-256-GCM
#            only, no compression, no DCO (TAP), UDP 1194 both ends.
#   tinc     tinc 1.0, Mode = switch (tap), RSA keys from tincd -K, Cipher = aes-256-cbc,
#            Digest = sha256, MACLength = 16 (1.0 has no AEAD), Compression = 0, UDP+TCP
#            655, PMTUDiscovery = no (see below).
#
# MTU: the underlay is 1500 bytes and nothing may be fragmented, so the guests' eth0, the
# hosts' guest0 and the taps get VPN_GUEST_MTU = 1434 (fabric_up's default is 1450):
#   openvpn  20 IP + 8 UDP + 4 opcode/peer-id + 4 packet-id + 16 GCM tag + 14 Ethernet
#            + 1434 = 1500 (--tun-mtu 1434, --mssfix 0: the guest MTU already fits).
#   tinc     20 IP + 8 UDP + AES-CBC(4 seqno + 14 Ethernet + 1434, padded to 16: 1456)
#            + 16 MAC = 1500 (CBC padding makes 1435-1437 fit too; 1434 keeps the guests
#            the same for both systems). PMTU discovery is off: with it on, tinc 1.0 sends every
#            frame longer than the PMTU it has confirmed so far over its TCP meta
#            connection, for up to 30 s after start; with the MTU set statically all data
#            goes over UDP from the first packet, like OpenVPN.
# Socket buffers: with the OS default (212992 bytes) the receiving daemon's UDP socket
# overflows under one guest TCP flow (UdpRcvbufErrors ~10 % of the packets, 12-15k guest
# retransmissions in 5 s, the same or lower throughput); VPN_SOCKBUF (1 MiB: --rcvbuf/
# --sndbuf, UDPRcvBuf/UDPSndBuf) removes those drops. The kernel caps it at
# net.core.rmem_max/wmem_max (4 MiB on these machines); vpn_*_up warns when it is lower.
# Neither daemon sets the tap's MTU nor brings it up; vpn_*_up does both. The taps are
# opened without IFF_VNET_HDR, so the kernel segments and checksums the guests' TSO
# frames before the daemon reads them: the guests keep their offloads (no ethtool).
#
# API (each returns non-zero with a message on stderr on failure):
#   vpn_openvpn_up     start OpenVPN on both hosts, bridge it, wait (<= VPN_WAIT s) until
#                      guest A pings guest B with a full-size DF packet; 2 = openvpn is
#                      missing or will not start (callers report "skipped: reason")
#   vpn_openvpn_down   stop it (pidfiles), delete br0 and the tap, restore the guest MTU
#   vpn_tinc_up        the same with tinc; 2 = tinc is missing, cannot make keys or will
#                      not start
#   vpn_tinc_down
#   vpn_pids NAME      the pids of NAME's (openvpn|tinc) daemons on both hosts, one line,
#                      space-separated (for utime+stime accounting)
#   vpn_missing_tools  print the missing binaries (empty when all are there)
# Both *_down are idempotent; only one system can be up at a time (both use br0).

VPN_GUEST_MTU=${VPN_GUEST_MTU:-1434}
VPN_WAIT=${VPN_WAIT:-10}           # seconds for the tunnel to carry a guest ping
VPN_OPENVPN_PORT=1194
VPN_TINC_PORT=655
VPN_DEV=vpn0                       # the tap on each host
VPN_SOCKBUF=${VPN_SOCKBUF-1048576} # daemons' UDP SO_RCVBUF/SO_SNDBUF; empty: OS default

vpn_log() { echo "[vpn] $*" >&2; }

vpn_missing_tools() {
	local t missing=()
	for t in ip ping timeout openssl openvpn tincd; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	echo "${missing[*]}"
}

# vpn_dir NAME: the system's directory under $FAB_TMP.
vpn_dir() { echo "$FAB_TMP/vpn-$1"; }

# vpn_check_fabric: the fabric is up and nothing else holds guest0 (fabric_vxlan, srd).
vpn_check_fabric() {
	local h m
	for m in rmem_max wmem_max; do
		[ -z "$VPN_SOCKBUF" ] || [ "$(cat /proc/sys/net/core/$m)" -ge "$VPN_SOCKBUF" ] ||
			vpn_log "warning: net.core.$m < VPN_SOCKBUF=$VPN_SOCKBUF: expect socket drops"
	done
	if [ -z "${FAB_TMP:-}" ] || [ ! -d "$FAB_TMP" ]; then
		vpn_log "no fabric: run fabric_up first"
		return 1
	fi
	for h in "$FAB_NS_HA" "$FAB_NS_HB"; do
		if ! ip -n "$h" link show guest0 >/dev/null 2>&1; then
			vpn_log "no guest0 in $h: run fabric_up first"
			return 1
		fi
		if ip -n "$h" link show br0 >/dev/null 2>&1 ||
			ip -n "$h" -o link show guest0 | grep -q ' master '; then
			vpn_log "guest0 in $h is already bridged (another overlay is up)"
			return 1
		fi
	done
}

# vpn_set_guest_mtu MTU: eth0 in both guests and guest0 in both hosts. The first call
# remembers the fabric's value in $FAB_TMP/vpn.mtu; vpn_restore_guest_mtu puts it back.
vpn_set_guest_mtu() {
	local mtu=$1 old
	if [ ! -f "$FAB_TMP/vpn.mtu" ]; then
		old=$(ip -n "$FAB_NS_GA" -o link show eth0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
		[ -n "$old" ] || { vpn_log "cannot read guest A's MTU"; return 1; }
		echo "$old" >"$FAB_TMP/vpn.mtu"
	fi
	ip -n "$FAB_NS_GA" link set eth0 mtu "$mtu" &&
		ip -n "$FAB_NS_HA" link set guest0 mtu "$mtu" &&
		ip -n "$FAB_NS_GB" link set eth0 mtu "$mtu" &&
		ip -n "$FAB_NS_HB" link set guest0 mtu "$mtu" ||
		{ vpn_log "cannot set the guest MTU to $mtu"; return 1; }
}

vpn_restore_guest_mtu() {
	local old
	[ -f "$FAB_TMP/vpn.mtu" ] || return 0
	old=$(cat "$FAB_TMP/vpn.mtu")
	ip -n "$FAB_NS_GA" link set eth0 mtu "$old" 2>/dev/null
	ip -n "$FAB_NS_HA" link set guest0 mtu "$old" 2>/dev/null
	ip -n "$FAB_NS_GB" link set eth0 mtu "$old" 2>/dev/null
	ip -n "$FAB_NS_HB" link set guest0 mtu "$old" 2>/dev/null
	rm -f "$FAB_TMP/vpn.mtu"
}

# vpn_bridge HOST_NS: wait (<= 5 s) for the daemon's tap, then br0 = guest0 + tap, all up.
vpn_bridge() {
	local h=$1
	for _ in $(seq 1 50); do
		ip -n "$h" link show "$VPN_DEV" >/dev/null 2>&1 && break
		sleep 0.1
	done
	if ! ip -n "$h" link show "$VPN_DEV" >/dev/null 2>&1; then
		vpn_log "no tap $VPN_DEV in $h after 5 s"
		return 1
	fi
	ip -n "$h" link set "$VPN_DEV" mtu "$VPN_GUEST_MTU" &&
		ip -n "$h" link add br0 type bridge &&
		ip -n "$h" link set guest0 master br0 &&
		ip -n "$h" link set "$VPN_DEV" master br0 &&
		ip -n "$h" link set "$VPN_DEV" up &&
		ip -n "$h" link set br0 up ||
		{ vpn_log "cannot bridge guest0 with $VPN_DEV in $h"; return 1; }
}

vpn_unbridge() {
	local h
	for h in "$FAB_NS_HA" "$FAB_NS_HB"; do
		ip -n "$h" link del br0 2>/dev/null
		ip -n "$h" link del "$VPN_DEV" 2>/dev/null
	done
	return 0
}

# vpn_alive PID: PID runs and is no zombie (a daemonized process's parent is pid 1, which
# may reap it only seconds after it exited).
vpn_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# vpn_pid_of PIDFILE COMM: the pid in PIDFILE if that process is alive and named COMM.
vpn_pid_of() {
	local pid
	[ -f "$1" ] || return 1
	read -r pid <"$1" 2>/dev/null || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && vpn_alive "$pid" || return 1
	echo "$pid"
}

# vpn_comm NAME: the daemon's process name.
vpn_comm() {
	case $1 in
	openvpn) echo openvpn ;;
	tinc) echo tincd ;;
	*) vpn_log "unknown system '$1' (openvpn or tinc)"; return 1 ;;
	esac
}

vpn_pids() {
	local comm d s pid pids=()
	comm=$(vpn_comm "$1") || return 1
	[ -n "${FAB_TMP:-}" ] || { vpn_log "no fabric"; return 1; }
	d=$(vpn_dir "$1")
	for s in A B; do
		pid=$(vpn_pid_of "$d/$s.pid" "$comm") && pids+=("$pid")
	done
	[ ${#pids[@]} -gt 0 ] || { vpn_log "no $1 daemon running"; return 1; }
	echo "${pids[*]}"
}

# vpn_stop NAME: SIGTERM the daemons from their pidfiles, SIGKILL after 3 s.
vpn_stop() {
	local comm d s pid pids=()
	comm=$(vpn_comm "$1") || return 1
	d=$(vpn_dir "$1")
	for s in A B; do
		pid=$(vpn_pid_of "$d/$s.pid" "$comm") && pids+=("$pid")
	done
	[ ${#pids[@]} -eq 0 ] && return 0
	kill "${pids[@]}" 2>/dev/null
	for _ in $(seq 1 30); do
		vpn_any_alive "${pids[@]}" || break
		sleep 0.1
	done
	if vpn_any_alive "${pids[@]}"; then
		vpn_log "$1 ignored SIGTERM for 3 s; killing"
		kill -9 "${pids[@]}" 2>/dev/null
		for _ in $(seq 1 10); do
			vpn_any_alive "${pids[@]}" || break
			sleep 0.1
		done
		vpn_any_alive "${pids[@]}" && { vpn_log "$1: pids ${pids[*]} survive SIGKILL"; return 1; }
	fi
	# The daemons were orphaned when they forked, so pid 1 reaps them, here only every
	# ~2 s: wait (<= 5 s) for that too, so that callers counting processes see none.
	for _ in $(seq 1 50); do
		vpn_any_exists "${pids[@]}" || return 0
		sleep 0.1
	done
	return 0
}

vpn_any_exists() {
	local pid
	for pid in "$@"; do
		[ -e "/proc/$pid" ] && return 0
	done
	return 1
}

vpn_any_alive() {
	local pid
	for pid in "$@"; do
		vpn_alive "$pid" && return 0
	done
	return 1
}

# vpn_down NAME: stop, unbridge, restore the guest MTU; idempotent.
vpn_down() {
	local rc=0
	[ -n "${FAB_TMP:-}" ] && [ -d "$FAB_TMP" ] || return 0
	vpn_stop "$1" || rc=1
	vpn_unbridge
	vpn_restore_guest_mtu
	return $rc
}

# vpn_wait_ping NAME: up to VPN_WAIT s for guest A to ping guest B, then one full-size
# ping with DF set (proves the MTU arithmetic). Fails early if a daemon died.
vpn_wait_ping() {
	local name=$1 d end n
	d=$(vpn_dir "$name")
	end=$((SECONDS + VPN_WAIT))
	while :; do
		n=$(vpn_pids "$name" 2>/dev/null | wc -w)
		if [ "$n" -ne 2 ]; then
			vpn_log "$name daemon exited; log tails:"
			tail -n 5 "$d"/*.log >&2 2>/dev/null
			return 1
		fi
		ip netns exec "$FAB_NS_GA" ping -c 1 -W 1 -q "$FAB_GUEST_B" >/dev/null 2>&1 && break
		if [ "$SECONDS" -ge "$end" ]; then
			vpn_log "$name: guest A cannot ping guest B after ${VPN_WAIT} s; log tails:"
			tail -n 5 "$d"/*.log >&2 2>/dev/null
			return 1
		fi
		sleep 0.2
	done
	if ! ip netns exec "$FAB_NS_GA" ping -c 2 -W 1 -q -M "do" -s $((VPN_GUEST_MTU - 28)) \
		"$FAB_GUEST_B" >/dev/null 2>&1; then
		vpn_log "$name: full-size ($VPN_GUEST_MTU byte) DF ping fails: MTU arithmetic wrong"
		return 1
	fi
}

# vpn_mkcert DIR S: throwaway self-signed EC P-256 cert S.crt / key S.key in DIR; prints
# its SHA256 fingerprint (AA:BB:...).
vpn_mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
		-subj "/CN=srdvs-vpn-$2" -keyout "$1/$2.key" -out "$1/$2.crt" >/dev/null 2>&1 ||
		{ vpn_log "openssl cannot make a certificate"; return 1; }
	openssl x509 -in "$1/$2.crt" -noout -fingerprint -sha256 | sed 's/.*=//'
}

# vpn_openvpn_start S HOST_NS LOCAL REMOTE PEER_FP ROLE: one daemon (ROLE tls-server on
# A, tls-client on B, which starts the handshake).
vpn_openvpn_start() {
	local s=$1 h=$2 local_ip=$3 remote_ip=$4 fp=$5 role=$6 d extra=()
	d=$(vpn_dir openvpn)
	[ "$role" = tls-server ] && extra=(--dh none)
	[ -n "$VPN_SOCKBUF" ] && extra+=(--rcvbuf "$VPN_SOCKBUF" --sndbuf "$VPN_SOCKBUF")
	rm -f "$d/$s.pid"
	ip netns exec "$h" openvpn --mode p2p --dev "$VPN_DEV" --dev-type tap --disable-dco \
		--proto udp --local "$local_ip" --lport "$VPN_OPENVPN_PORT" \
		--remote "$remote_ip" --rport "$VPN_OPENVPN_PORT" \
		--"$role" "${extra[@]}" --cert "$d/$s.crt" --key "$d/$s.key" \
		--peer-fingerprint "$fp" \
		--data-ciphers AES-256-GCM --allow-compression no \
		--tun-mtu "$VPN_GUEST_MTU" --mssfix 0 \
		--verb 3 --mute-replay-warnings \
		--daemon "srdvs-openvpn-$s" --writepid "$d/$s.pid" --log "$d/$s.log" ||
		{ vpn_log "openvpn $s would not start: $(tail -n 3 "$d/$s.log" 2>/dev/null)"; return 1; }
}

vpn_openvpn_up() {
	local d fpa fpb s bad=
	command -v openvpn >/dev/null || { vpn_log "skipped: openvpn is not installed"; return 2; }
	command -v openssl >/dev/null || { vpn_log "skipped: openssl is not installed"; return 2; }
	vpn_check_fabric || return 1
	d=$(vpn_dir openvpn)
	mkdir -p "$d" && chmod 700 "$d" || return 1
	fpa=$(vpn_mkcert "$d" A) && fpb=$(vpn_mkcert "$d" B) || return 2
	if ! vpn_openvpn_start A "$FAB_NS_HA" "$FAB_HOST_A" "$FAB_HOST_B" "$fpb" tls-server ||
		! vpn_openvpn_start B "$FAB_NS_HB" "$FAB_HOST_B" "$FAB_HOST_A" "$fpa" tls-client; then
		vpn_down openvpn
		return 2
	fi
	if ! vpn_set_guest_mtu "$VPN_GUEST_MTU" || ! vpn_bridge "$FAB_NS_HA" ||
		! vpn_bridge "$FAB_NS_HB" || ! vpn_wait_ping openvpn; then
		vpn_down openvpn
		return 1
	fi
	# The data channel must have negotiated AES-256-GCM (p2p NCP) on both sides.
	for s in A B; do
		if ! grep -q "Data Channel: cipher 'AES-256-GCM'" "$d/$s.log"; then
			vpn_log "openvpn $s: data channel is not AES-256-GCM: $(grep -m1 'Data Channel' "$d/$s.log")"
			bad=1
		fi
	done
	[ -z "$bad" ] || { vpn_down openvpn; return 1; }
}

vpn_openvpn_down() { vpn_down openvpn; }

# vpn_tinc_conf S NAME PEER LOCAL: tinc.conf and hosts/NAME for one side; tincd -K
# appends the RSA public key to hosts/NAME (stdin not a tty: no questions asked).
vpn_tinc_conf() {
	local s=$1 name=$2 peer=$3 local_ip=$4 c
	c=$(vpn_dir tinc)/$s
	mkdir -p "$c/hosts" || return 1
	cat >"$c/tinc.conf" <<EOF
Name = $name
Mode = switch
DeviceType = tap
Device = /dev/net/tun
Interface = $VPN_DEV
AddressFamily = ipv4
BindToAddress = $local_ip
Port = $VPN_TINC_PORT
ConnectTo = $peer
EOF
	[ -n "$VPN_SOCKBUF" ] && printf 'UDPRcvBuf = %s\nUDPSndBuf = %s\n' "$VPN_SOCKBUF" \
		"$VPN_SOCKBUF" >>"$c/tinc.conf"
	# Host variables: what this node asks its peers to use for packets sent to it.
	cat >"$c/hosts/$name" <<EOF
Address = $local_ip
Port = $VPN_TINC_PORT
Cipher = aes-256-cbc
Digest = sha256
MACLength = 16
Compression = 0
PMTUDiscovery = no
EOF
	tincd -c "$c" -K 3072 </dev/null >"$c/keygen.log" 2>&1 && [ -s "$c/rsa_key.priv" ] ||
		{ vpn_log "tincd -K failed: $(tail -n 2 "$c/keygen.log")"; return 1; }
}

vpn_tinc_start() {
	local s=$1 h=$2 d
	d=$(vpn_dir tinc)
	rm -f "$d/$s.pid"
	ip netns exec "$h" tincd -c "$d/$s" --pidfile="$d/$s.pid" --logfile="$d/$s.log" -d 1 ||
		{ vpn_log "tincd $s would not start: $(tail -n 3 "$d/$s.log" 2>/dev/null)"; return 1; }
	for _ in $(seq 1 30); do
		vpn_pid_of "$d/$s.pid" tincd >/dev/null && return 0
		sleep 0.1
	done
	vpn_log "tincd $s wrote no pidfile in 3 s: $(tail -n 3 "$d/$s.log" 2>/dev/null)"
	return 1
}

vpn_tinc_up() {
	local d
	command -v tincd >/dev/null || { vpn_log "skipped: tinc (tincd) is not installed"; return 2; }
	vpn_check_fabric || return 1
	d=$(vpn_dir tinc)
	mkdir -p "$d" && chmod 700 "$d" || return 1
	if ! vpn_tinc_conf A hosta hostb "$FAB_HOST_A" ||
		! vpn_tinc_conf B hostb hosta "$FAB_HOST_B"; then
		vpn_log "skipped: tinc cannot generate its keys"
		return 2
	fi
	cp "$d/A/hosts/hosta" "$d/B/hosts/" && cp "$d/B/hosts/hostb" "$d/A/hosts/" || return 1
	if ! vpn_tinc_start B "$FAB_NS_HB" || ! vpn_tinc_start A "$FAB_NS_HA"; then
		vpn_log "skipped: tincd does not start"
		vpn_down tinc
		return 2
	fi
	if ! vpn_set_guest_mtu "$VPN_GUEST_MTU" || ! vpn_bridge "$FAB_NS_HA" ||
		! vpn_bridge "$FAB_NS_HB" || ! vpn_wait_ping tinc; then
		vpn_down tinc
		return 1
	fi
}

vpn_tinc_down() { vpn_down tinc; }
