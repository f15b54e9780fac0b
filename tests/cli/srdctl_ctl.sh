#!/usr/bin/env bash
# srdctl's daemon commands (show, peers, paths, stats, reload) as an operator meets
# them, with a stand-in for srd-vswitchd:
#   usage errors: exit status 2 and the reason;
#   no daemon: exit status 1 and "cannot connect to SOCKET: REASON (is srd-vswitchd
#   running?)", the socket taken from --ctl, --ctl=, SRDCTL_SOCKET;
#   a python3 server with canned replies: text output, --json, error replies.
# usage: srdctl_ctl.sh SRDCTL
set -u
srdctl=$1
tmp=$(mktemp -d)
server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC PATTERN ARGS...: srdctl ARGS exits RC with PATTERN (grep -E) on stderr.
expect() {
	local want=$1 pat=$2 rc
	shift 2
	"$srdctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq "$want" ] || { fail "srdctl $*: exit $rc, expected $want"; return; }
	grep -qE -- "$pat" "$tmp/err" || fail "srdctl $*: stderr lacks '$pat': $(head -2 "$tmp/err")"
}

# Operator mistakes: exit 2 and a reason.
expect 2 'no command'
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 'paths takes PEER' paths
expect 2 'paths takes PEER' paths hostB hostC
expect 2 'show takes no arguments' show extra
expect 2 "bad option '--ctl'" --ctl
expect 2 "bad option '--bogus'" --bogus show
expect 2 'paths: arguments must be' paths 'host B'
"$srdctl" --help | grep -q '^  paths PEER' || fail "--help does not list 'paths PEER'"
"$srdctl" psp frobnicate 2>/dev/null
[ $? -eq 2 ] || fail "srdctl psp frobnicate: not a usage error"

# No daemon: exit 1 and the socket tried.
sock=$tmp/none.sock
msg="^srdctl: cannot connect to $sock: No such file or directory \(is srd-vswitchd running\?\)\$"
expect 1 "$msg" --ctl "$sock" show
expect 1 "$msg" --ctl="$sock" --json peers
SRDCTL_SOCKET=$sock expect 1 "$msg" stats
SRDCTL_SOCKET=$tmp/other.sock expect 1 "$msg" --ctl "$sock" reload   # --ctl wins
: >"$tmp/file.sock"
expect 1 "cannot connect to $tmp/file.sock: Connection refused" --ctl "$tmp/file.sock" show

# A stand-in daemon: one canned JSON reply per request line.
if ! command -v python3 >/dev/null; then
	echo "srdctl ctl: no python3, stand-in server tests not run; $fails failures"
	[ $fails -eq 0 ]
	exit
fi
sock=$tmp/srd.sock
python3 - "$sock" <<'PY' &
import json, socket, sys
replies = {
    "show": {"version": "0.1.0", "host": {"underlay": "198.18.0.1", "port": 4791}},
    "paths hostB": {"peer": "hostB", "paths": [
        {"sport": 49152, "state": "up", "rtt_us": 41},
        {"sport": 49153, "state": "dead", "rtt_us": None}]},
    "reload": {"error": "srd.conf:4: [host] paths: 300 is out of range (1..256)"},
}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(8)
while True:
    c, _ = s.accept()
    line = b""
    while not line.endswith(b"\n"):
        d = c.recv(4096)
        if not d:
            break
        line += d
    req = line.decode().rstrip("\n")
    reply = replies.get(req, {"error": "unknown command '%s'" % req})
    c.sendall((json.dumps(reply) + "\n").encode())
    c.close()
PY
server=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "the stand-in server did not start"

"$srdctl" --ctl "$sock" show >"$tmp/out" 2>"$tmp/err" || fail "show: exit $?: $(cat "$tmp/err")"
cat >"$tmp/want" <<'EOF_SHOW'
version: 0.1.0
host:
  underlay: 198.18.0.1
  port:     4791
EOF_SHOW
cmp -s "$tmp/out" "$tmp/want" || fail "show: text differs: $(cat "$tmp/out")"

SRDCTL_SOCKET=$sock "$srdctl" paths hostB >"$tmp/out" 2>"$tmp/err" ||
	fail "paths hostB: exit $?: $(cat "$tmp/err")"
cat >"$tmp/want" <<'EOF_PATHS'
peer: hostB
paths:
  sport  state  rtt_us
  49152  up         41
  49153  dead        -
EOF_PATHS
cmp -s "$tmp/out" "$tmp/want" || fail "paths hostB: table differs: $(cat "$tmp/out")"

"$srdctl" --json --ctl "$sock" show >"$tmp/out" 2>"$tmp/err" || fail "--json show: exit $?"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d["host"]["port"] != 4791)' \
	"$tmp/out" || fail "--json show: not the reply: $(cat "$tmp/out")"
grep -q '^  "host": {$' "$tmp/out" || fail "--json show: not indented"

expect 1 '^srdctl: srd.conf:4: \[host\] paths: 300 is out of range \(1..256\)$' --ctl "$sock" reload
[ ! -s "$tmp/out" ] || fail "reload: an error reply printed something on stdout"
expect 1 "^srdctl: unknown command 'stats'\$" --ctl "$sock" --json stats

echo "srdctl ctl: $fails failures"
[ $fails -eq 0 ]
