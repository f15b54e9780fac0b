#!/usr/bin/env bash
# srd-rr (bench/rr.c) on loopback, no root:
#   a server on 127.0.0.1 with a free port (--port 0) and a client for 300 requests:
#   the result line has every field, p50 <= p90 <= p99 <= p99.9 <= max, --samples has
#   one line per request; --seconds and --interval-us; two connections in a row;
#   usage errors: exit 2; a closed port, a listener that never answers: exit 1;
#   the server exits 0 on SIGTERM and at --max-seconds.
# usage: rr.sh SRD_RR
set -u
rr=$1
tmp=$(mktemp -d /tmp/srd-rr-XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# start_server OUT ARGS...: srd-rr server ARGS in the background, its pid last in
# pids, its port in $port once it listens.
start_server() {
	local out=$1 _
	shift
	"$rr" server --bind 127.0.0.1 --port 0 "$@" >"$out" 2>"$out.err" &
	pids+=($!)
	for _ in $(seq 50); do
		grep -q '^listening=127.0.0.1 port=[0-9]*$' "$out" && break
		sleep 0.1
	done
	port=$(sed -n 's/^listening=.* port=//p' "$out")
}

# expect RC PATTERN ARGS...: srd-rr ARGS exits RC with PATTERN (grep -E) on stderr.
expect() {
	local want=$1 pat=$2 rc
	shift 2
	timeout 20 "$rr" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq "$want" ] || { fail "srd-rr $*: exit $rc, expected $want"; return; }
	grep -qE -- "$pat" "$tmp/err" || fail "srd-rr $*: stderr lacks '$pat': $(head -2 "$tmp/err")"
}

# check_line FILE COUNT: FILE's one line has every field, COUNT requests, ordered.
check_line() {
	local line
	line=$(cat "$1")
	[[ $line =~ ^count=([0-9]+)\ p50_us=([0-9.]+)\ p90_us=([0-9.]+)\ p99_us=([0-9.]+)\ p999_us=([0-9.]+)\ max_us=([0-9.]+)\ mean_us=([0-9.]+)$ ]] ||
		{ fail "result line: '$line'"; return; }
	[ -z "$2" ] || [ "${BASH_REMATCH[1]}" -eq "$2" ] || fail "count ${BASH_REMATCH[1]}, expected $2"
	awk -v a="${BASH_REMATCH[2]}" -v b="${BASH_REMATCH[3]}" -v c="${BASH_REMATCH[4]}" \
		-v d="${BASH_REMATCH[5]}" -v e="${BASH_REMATCH[6]}" -v m="${BASH_REMATCH[7]}" \
		'BEGIN { exit !(a > 0 && a <= b && b <= c && c <= d && d <= e && m <= e) }' ||
		fail "percentiles out of order: $line"
}

start_server "$tmp/server"
[ -n "$port" ] || { echo "FAIL: no server port: $(cat "$tmp/server.err")"; exit 1; }

# 300 timed requests after 20 untimed ones, every RTT kept.
timeout 60 "$rr" client --host 127.0.0.1 --port "$port" --count 300 --warmup 20 \
	--samples "$tmp/samples" >"$tmp/line" 2>"$tmp/err" ||
	fail "client: exit $?: $(cat "$tmp/err")"
check_line "$tmp/line" 300
[ "$(wc -l <"$tmp/samples")" -eq 300 ] || fail "samples: $(wc -l <"$tmp/samples") lines, expected 300"
bad=$(grep -vE '^[0-9]+\.[0-9]{3}$' "$tmp/samples" | head -1)
[ -z "$bad" ] || fail "samples: a line is not µs: '$bad'"
max=$(sed -n 's/.* max_us=\([0-9.]*\) .*/\1/p' "$tmp/line")
awk -v m="$max" '$1 > m + 0.05 { bad = 1 } END { exit bad }' "$tmp/samples" ||
	fail "a sample exceeds max_us=$max"

# By time, paced: about 1 s at 1 ms apart; then odd sizes on new connections.
timeout 60 "$rr" client --host 127.0.0.1 --port "$port" --seconds 1 --interval-us 1000 \
	>"$tmp/line" 2>"$tmp/err" || fail "client --seconds: exit $?: $(cat "$tmp/err")"
check_line "$tmp/line" ""
n=$(sed -n 's/^count=\([0-9]*\) .*/\1/p' "$tmp/line")
if [ "${n:-0}" -lt 300 ] || [ "${n:-0}" -gt 1001 ]; then
	fail "--seconds 1 --interval-us 1000: count=$n"
fi
for size in 1 7 70000; do
	timeout 60 "$rr" client --host 127.0.0.1 --port "$port" --size=$size --count 20 \
		>"$tmp/line" 2>"$tmp/err" || fail "client --size $size: exit $?: $(cat "$tmp/err")"
	check_line "$tmp/line" 20
done

# The server: SIGTERM ends it with status 0, after it served every connection.
kill -TERM "${pids[0]}"
wait "${pids[0]}"
rc=$?
[ $rc -eq 0 ] || fail "server after SIGTERM: exit $rc"
grep -q 'stopped by a signal after 5 connections' "$tmp/server.err" ||
	fail "server summary: $(tail -1 "$tmp/server.err")"

# Usage errors: exit 2 and the reason.
expect 2 'no mode'
expect 2 "unknown mode 'ping'" ping
expect 2 'client needs --host' client --count 5
expect 2 "--count: 'x' is not a number" client --host 127.0.0.1 --count x
expect 2 "--count: '0' is not a number" client --host 127.0.0.1 --count 0
expect 2 "--size: '2000000' is not a number" client --host 127.0.0.1 --size 2000000
expect 2 '--port needs a value' client --host 127.0.0.1 --port
expect 2 'client needs a --port other than 0' client --host 127.0.0.1 --port 0
expect 2 '--bind is not a client option' client --host 127.0.0.1 --bind 0.0.0.0
expect 2 '--samples is not a server option' server --samples x
expect 2 "bad option '--bogus'" server --bogus
"$rr" --help | grep -q '^usage: srd-rr server' || fail "--help lacks the usage"

# Runtime failures: exit 1. A closed port (the server's, now gone), a listener that
# accepts but never answers.
expect 1 "cannot connect to 127.0.0.1 port $port: Connection refused" \
	client --host 127.0.0.1 --port "$port" --count 5
if command -v python3 >/dev/null; then
	python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
print(s.getsockname()[1], flush=True)
time.sleep(30)
' >"$tmp/mute" &
	pids+=($!)
	for _ in $(seq 50); do
		[ -s "$tmp/mute" ] && break
		sleep 0.1
	done
	expect 1 'no response to hello within 300 ms' \
		client --host 127.0.0.1 --port "$(cat "$tmp/mute")" --timeout-ms 300
else
	echo "srd-rr: no python3, the silent listener is not tried"
fi

# --max-seconds bounds an idle server: exit 0.
start_server "$tmp/idle" --max-seconds 1
wait "${pids[-1]}"
rc=$?
[ $rc -eq 0 ] || fail "server --max-seconds 1: exit $rc"
grep -q -- '--max-seconds reached after 0 connections' "$tmp/idle.err" ||
	fail "idle server: $(cat "$tmp/idle.err")"

echo "srd-rr: $fails failures"
[ $fails -eq 0 ]
