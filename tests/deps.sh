# tests/deps.sh: the Debian packages srdvs builds, tests and benchmarks with, and the
# function that installs them. Sourced by tests/run.sh and bench/*.sh.
SRD_DEB_PACKAGES=(
	build-essential cmake pkg-config   # toolchain
	libssl-dev                         # OpenSSL 3: AES-GCM, CMAC/KBKDF, HKDF
	libpcap-dev tcpdump                # srdctl psp captures, and reading them back
	libjson-c-dev                      # srdctl <-> srd-vswitchd control channel (JSON)
	clang llvm libclang-rt-14-dev      # libFuzzer and sanitizer runtimes
	openssl python3 util-linux         # openssl speed, test helpers, taskset
	iproute2 iperf3 nftables ethtool   # tests/e2e namespace fabric: ip/tc/nstat, flows, loss
	iputils-ping                       # tests/e2e reachability (clang builds its tc BPF)
	openvswitch-switch                 # tests/ovs: private OVS instances (userspace datapath)
	gnuplot-nox                        # bench/report.py charts (pngcairo), tests/cli/report.sh
	openvpn tinc                       # bench/run: encrypted userspace L2 peers (bench/lib/vpn.sh)
)

srd_install_deps() {
	local missing=()
	local p
	for p in "${SRD_DEB_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	if [ "$(id -u)" -ne 0 ]; then
		[ ${#missing[@]} -eq 0 ] && return 0
		echo "missing Debian packages: ${missing[*]}; run as root to install them" >&2
		return 1
	fi
	echo "== installing build and test dependencies (apt-get)"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${SRD_DEB_PACKAGES[@]}"
}
