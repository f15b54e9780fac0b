#!/usr/bin/env bash
# srdctl ovs-migrate against a real ovsdb-server (no ovs-vswitchd, no root): the
# database side of docs/ovs.md "Migrating".
#   forward: type, options, external_ids, ofport_request, Open_vSwitch srd-local-ip,
#            the Port's VLAN tag untouched, "not carried over" notes;
#   refusals: flow-based tunnels, other types, a missing row, usage errors;
#   --dry-run commits nothing; running it twice is harmless;
#   --revert: the saved options come back and every srd-* key goes; --revert of a
#            port made as SRD from the start rebuilds the options from srd-* keys;
#   a transaction racing a change of the row is refused, not merged.
# usage: srdctl_ovs.sh SRDCTL
set -u
srdctl=$1
command -v ovsdb-server >/dev/null && command -v ovs-vsctl >/dev/null ||
	{ echo "SKIP: no ovsdb-server/ovs-vsctl (Debian openvswitch-switch)"; exit 77; }
schema=/usr/share/openvswitch/vswitch.ovsschema
[ -f "$schema" ] || { echo "SKIP: no $schema"; exit 77; }
tmp=$(mktemp -d /tmp/srdctl-ovs-XXXXXX)
cleanup() {
	[ -f "$tmp/db.pid" ] && kill "$(cat "$tmp/db.pid")" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export OVS_RUNDIR=$tmp OVS_DBDIR=$tmp OVS_LOGDIR=$tmp
ovsdb-tool create "$tmp/conf.db" "$schema" || exit 1
ovsdb-server "$tmp/conf.db" --remote="punix:$tmp/db.sock" --pidfile="$tmp/db.pid" \
	--log-file="$tmp/db.log" --detach --no-chdir || { echo "FAIL: ovsdb-server"; exit 1; }
vsctl() { ovs-vsctl --no-wait --timeout=10 "$@"; }
get() { vsctl get "$@" 2>/dev/null; }
vsctl init
vsctl add-br br-int -- set Bridge br-int datapath_type=netdev
vsctl add-port br-int vx0 tag=7 -- set Interface vx0 type=vxlan \
	options:remote_ip=198.51.100.2 options:key=0x2a options:local_ip=198.51.100.1 \
	options:tos=inherit
vsctl add-port br-int vx1 -- set Interface vx1 type=vxlan options:remote_ip=flow options:key=flow
vsctl add-port br-int gre0 -- set Interface gre0 type=gre options:remote_ip=198.51.100.3
vsctl add-port br-int srd9 -- set Interface srd9 external_ids:srd-remote-ip=198.51.100.9 \
	external_ids:srd-vni=9

# run RC PATTERN ARGS...: srdctl ARGS exits RC, PATTERN (grep -E) on stdout+stderr.
run() {
	local want=$1 pat=$2 rc
	shift 2
	"$srdctl" "$@" >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq "$want" ] || fail "srdctl $*: exit $rc, expected $want: $(head -3 "$tmp/out")"
	grep -qE -- "$pat" "$tmp/out" || fail "srdctl $*: output lacks '$pat': $(head -3 "$tmp/out")"
}

run 2 usage ovs-migrate
run 2 usage ovs-migrate --bogus vx0
run 0 'usage' ovs-migrate --help
run 1 'cannot reach ovsdb-server.*nonexistent' ovs-migrate --db unix:/nonexistent/db.sock vx0
run 1 'no Interface named nope' ovs-migrate nope
run 1 'remote_ip=flow|key=flow' ovs-migrate vx1
run 1 'type "gre": only vxlan and geneve' ovs-migrate gre0
run 0 'dry run: nothing committed' ovs-migrate --dry-run vx0
[ "$(get Interface vx0 type)" = vxlan ] || fail "--dry-run changed the row"

run 0 'vx0: vxlan -> SRD port to 198.51.100.2, VNI 42' ovs-migrate vx0
grep -q 'options:tos=inherit is not carried over' "$tmp/out" || fail "no note for tos"
[ "$(get Interface vx0 type)" = '""' ] || fail "type is $(get Interface vx0 type)"
[ "$(get Interface vx0 options)" = '{}' ] || fail "options left: $(get Interface vx0 options)"
[ "$(get Interface vx0 external_ids:srd-remote-ip)" = '"198.51.100.2"' ] || fail "srd-remote-ip"
[ "$(get Interface vx0 external_ids:srd-vni)" = '"42"' ] || fail "srd-vni"
[ "$(get Port vx0 tag)" = 7 ] || fail "the Port's tag changed"
[ "$(get Open_vSwitch . external_ids:srd-local-ip)" = '"198.51.100.1"' ] ||
	fail "srd-local-ip not taken from options:local_ip"
run 0 'already an SRD port' ovs-migrate vx0

run 0 'vx0: SRD -> vxlan to 198.51.100.2' ovs-migrate --revert vx0
[ "$(get Interface vx0 type)" = vxlan ] || fail "revert: type $(get Interface vx0 type)"
[ "$(get Interface vx0 options:key)" = '"0x2a"' ] || fail "revert: key not restored"
[ "$(get Interface vx0 options:tos)" = inherit ] || fail "revert: tos not restored"
vsctl list Interface vx0 | grep -q 'srd-' && fail "revert left srd-* keys"
run 0 'not an SRD port' ovs-migrate --revert vx0

run 0 'srd9: SRD -> geneve to 198.51.100.9' ovs-migrate --revert --type geneve srd9
[ "$(get Interface srd9 options:key)" = '"9"' ] || fail "rebuilt options lack key=9"
run 0 'srd9: geneve -> SRD port to 198.51.100.9, VNI 9' ovs-migrate srd9

# A change between srdctl's read and its commit: the "wait" operation refuses it.
python3 - "$tmp/db.sock" "$srdctl" <<'EOF' || fail "a racing change was not refused"
import json, os, socket, subprocess, sys
# Read vx0 as srdctl would, change it behind srdctl's back, then replay its plan.
plan = subprocess.run([sys.argv[2], "ovs-migrate", "--db", "unix:" + sys.argv[1],
                       "--dry-run", "vx0"], capture_output=True, text=True).stdout
txn = json.loads(plan[:plan.rindex("]") + 1])
subprocess.run(["ovs-vsctl", "--no-wait", "set", "Interface", "vx0", "options:key=99"],
               check=True)
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(json.dumps({"method": "transact", "params": txn, "id": 1}).encode())
buf = b""
for _ in range(1000):
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("ovsdb-server closed the connection")
    buf += chunk
    try:
        reply = json.loads(buf)
        break
    except ValueError:
        continue
else:
    sys.exit("no complete reply")
errors = [r for r in reply["result"] if r and "error" in r]
sys.exit(0 if errors and errors[0]["error"] == "timed out" else 1)
EOF
[ "$(get Interface vx0 type)" = vxlan ] || fail "the racing transaction changed vx0"

[ "$fails" -eq 0 ] || { echo "FAIL: $fails check(s)"; exit 1; }
echo "PASS"
