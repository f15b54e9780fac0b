# shellcheck shell=bash disable=SC2034  # globals are read by the sourcing test
# tests/e2e/srd_test.sh: what every srd-vswitchd end-to-end test (tests/e2e/srd_*.sh)
# starts with. Sourced, never run; it sources fabric.sh and srd.sh.
#
#   SRD_VSWITCHD=$1 SRDCTL=$2; . srd_test.sh; srd_test_init [TOOL...]
#       skip (exit 77) without root, namespaces, the binaries or the tools; traps
#       fabric_down_all on EXIT; sets E2E_SANITIZED=1 when the daemon has ASan in it
#   fail MSG / step MSG / note LABEL VALUE     a failed check / progress / summary line
#   e2e_py CMD ARGS...                         tests/e2e/srd_e2e.py (see its header)
#   retrans_segs                               guest A's TcpRetransSegs (nstat)
#   wait_until SECS CMD...                     poll CMD every 0.1 s until it succeeds,
#                                              for SECS seconds of wall time at most
#   srd_test_finish TITLE                      stop the daemons, check sanitizer reports,
#                                              tear down, leak check, print the summary,
#                                              exit 0 or 1
set -u
e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/fabric.sh
. "$e2e_dir/fabric.sh"
# shellcheck source=tests/e2e/srd.sh
. "$e2e_dir/srd.sh"

E2E_SANITIZED=0
e2e_fails=0
e2e_summary=()
e2e_start=$SECONDS

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; e2e_fails=$((e2e_fails + 1)); }
step() { echo "== [$((SECONDS - e2e_start))s] $*"; }
note() { e2e_summary+=("$(printf '%-40s %s' "$1" "$2")"); }
e2e_py() { python3 "$e2e_dir/srd_e2e.py" "$@"; }
retrans_segs() { nga nstat -asz TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }'; }

# flow_and_ping SECONDS PING_INTERVAL PING_COUNT: in the background, an iperf3 flow
# guest A -> B with 100 ms intervals ($FAB_TMP/flow.json) and a timestamped ping
# ($FAB_TMP/ping.out); sets flow_job and ping_job.
flow_and_ping() {
	timeout 30 ip netns exec "$FAB_NS_GA" iperf3 -c "$FAB_GUEST_B" -p 5201 -J -t "$1" \
		-i 0.1 --connect-timeout 3000 >"$FAB_TMP/flow.json" 2>&1 &
	flow_job=$!
	timeout 30 ip netns exec "$FAB_NS_GA" ping -D -n -i "$2" -c "$3" -W 1 "$FAB_GUEST_B" \
		>"$FAB_TMP/ping.out" 2>&1 &
	ping_job=$!
}

wait_until() {
	local secs=$1 end=$((SECONDS + $1)) i
	shift
	for i in $(seq 1 $(((secs + 1) * 20))); do   # bounded in count as well as in time
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
	return 1
}

srd_test_init() {
	local t missing probe
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	if [ -z "${SRD_VSWITCHD:-}" ] || [ ! -x "$SRD_VSWITCHD" ]; then
		skip "usage: $0 SRD_VSWITCHD SRDCTL (no srd-vswitchd at '${SRD_VSWITCHD:-}')"
	fi
	if [ -z "${SRDCTL:-}" ] || [ ! -x "$SRDCTL" ]; then
		skip "no srdctl at '${SRDCTL:-}'"
	fi
	missing=$(fabric_missing_tools)
	for t in openssl "$@"; do
		command -v "$t" >/dev/null || missing+=" $t"
	done
	[ -z "${missing// /}" ] || skip "missing tools:$missing (tests/deps.sh lists their packages)"
	probe=${FAB_PREFIX}probe
	ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces"
	ip netns exec "$probe" test -c /dev/net/tun
	t=$?
	ip netns del "$probe"
	[ "$t" -eq 0 ] || skip "no /dev/net/tun"
	ldd "$SRD_VSWITCHD" 2>/dev/null | grep -q libasan && E2E_SANITIZED=1
	trap fabric_down_all EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

srd_test_finish() {
	local h
	for h in A B; do
		[ -n "$FAB_TMP" ] && [ -n "$(srd_pid "$h")" ] && srd_stop "$h"
	done
	if [ -n "$FAB_TMP" ]; then
		srd_asan_check || fail "sanitizer reports (above)"
	fi
	fabric_down_all
	fabric_leak_check || fail "namespaces, links or files left behind"
	echo "== summary: $1$([ "$E2E_SANITIZED" = 1 ] && echo ' (sanitizer build)')"
	printf '%s\n' "${e2e_summary[@]}"
	echo "runtime $((SECONDS - e2e_start))s"
	if [ "$e2e_fails" -ne 0 ]; then
		echo "FAIL: $e2e_fails check(s)"
		exit 1
	fi
	echo "PASS"
	exit 0
}
