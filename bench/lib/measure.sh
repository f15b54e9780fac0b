# shellcheck shell=bash
# bench/lib/measure.sh: the measurements of bench/run, one function per scenario, each
# appending rows "system,scenario,metric,value,unit" to $out/results.csv (the contract
# bench/report.py reads). Sourced by bench/run after systems.sh; uses its globals K,
# rate, T_BULK, T_RR, T_PROBE, RR (the srd-rr binary), SRD_VSWITCHD, SRDCTL.
#
#   bench_meta OUT           kernel, CPU, date, commit, fabric: the lines of meta.txt
#   bench_system NAME OUT    bring NAME up, run every scenario, record; 0, or 1 failed
# CPU: /proc/stat's busy time (user+nice+system+irq+softirq+steal, both vCPUs) over
# the measurement, and utime+stime of the system's daemons (/proc/PID/stat).

RR_PORT=7000
RR_SRC_PORT=40001   # every srd-rr client run: one 5-tuple, so one ECMP path for it
BENCH_HZ=$(getconf CLK_TCK)

emit() { echo "$1,$2,$3,$4,$5" >>"$out/results.csv"; }

bench_meta() {
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "kernel: $(uname -r)"
	echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) x $(nproc)"
	echo "paths: $K"
	echo "rate: $rate"
	echo "aggregate: $((K * rate))"
	echo "durations: bulk ${T_BULK}s, request/response ${T_RR}s"
}

# Busy jiffies of the machine, and of a list of pids.
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
pid_jiffies() {
	local p t=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$t"
}

# flow_rec NAME SCENARIO [IPERF ARGS...]: one iperf3 run of T_BULK seconds; records
# mbit and retrans; returns iperf3's status.
flow_rec() {
	local name=$1 sc=$2
	shift 2
	fabric_iperf -t "$T_BULK" "$@" || { emit "$name" "$sc" status "failed: iperf3" text; return 1; }
	emit "$name" "$sc" mbit "$FAB_MBIT" Mbit/s
	emit "$name" "$sc" retrans "$FAB_RETR" segments
	echo "   $sc: $FAB_MBIT Mbit/s, $FAB_RETR retransmissions"
}

sc_unlimited() {
	local name=$1 b0 p0 b1 p1 gbit
	local -a pids
	read -ra pids <<<"$(sys_pids "$name" | tr '\n' ' ')"
	b0=$(busy_jiffies) p0=$(pid_jiffies "${pids[@]}")
	flow_rec "$name" unlimited || return 1
	b1=$(busy_jiffies) p1=$(pid_jiffies "${pids[@]}")
	gbit=$(awk -v m="$FAB_MBIT" -v t="$T_BULK" 'BEGIN { print m * t / 1000 }')
	awk -v b=$((b1 - b0)) -v p=$((p1 - p0)) -v g="$gbit" -v hz="$BENCH_HZ" 'BEGIN {
		if (g <= 0) exit 1
		printf "%.2f %.2f\n", b / hz / g, p / hz / g }' >"$FAB_TMP/cpu" || return 0
	read -r cpu_all cpu_daemons <"$FAB_TMP/cpu"
	emit "$name" cpu cpu_s_per_gbit "$cpu_all" CPU-s/Gbit
	emit "$name" cpu daemon_cpu_s_per_gbit "$cpu_daemons" CPU-s/Gbit
	echo "   cpu: $cpu_all CPU-s/Gbit (machine), $cpu_daemons (daemons)"
}

rr_server() {
	ngb "$RR" server --bind "$FAB_GUEST_B" --port "$RR_PORT" --max-seconds 3600 \
		>"$FAB_TMP/rr-server.log" 2>&1 &
	local i
	for i in $(seq 1 50); do
		ngb ss -ltnH "sport = :$RR_PORT" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# rr_rec NAME SCENARIO SECONDS: one request/response run; records the percentiles.
rr_rec() {
	local name=$1 sc=$2 line k v
	line=$(timeout $(($3 + 20)) ip netns exec "$FAB_NS_GA" "$RR" client \
		--host "$FAB_GUEST_B" --port "$RR_PORT" --local-port "$RR_SRC_PORT" \
		--seconds "$3" --warmup 100 \
		--samples "$out/lat_${name}_${sc}.txt" 2>"$FAB_TMP/rr.err") ||
		{ emit "$name" "$sc" status "failed: srd-rr $(head -c 80 "$FAB_TMP/rr.err" | tr ',\n' ';  ')" text
		  return 1; }
	for k in p50_us p99_us p999_us max_us count; do
		v=$(tr ' ' '\n' <<<"$line" | awk -F= -v k="$k" '$1 == k { print $2 }')
		[ -n "$v" ] && emit "$name" "$sc" "$k" "$v" "${k#*_}"
	done
	echo "   $sc: $line"
}

# loss_on_busiest CMD...: run CMD (a short probe flow) with the counters reset, then
# put 1 % loss, both ways, on the path that carried most of it (LOSS_PATH).
loss_on_busiest() {
	fabric_loss all 0
	fabric_counters_reset
	"$@" >/dev/null 2>&1
	LOSS_PATH=$(fabric_busiest_path a2b) || LOSS_PATH=1
	fabric_loss "$LOSS_PATH" 1 both
}

sc_parallel8() {
	local name=$1 jain
	fabric_iperf -t "$T_BULK" -P 8 || { emit "$name" parallel8 status "failed: iperf3" text; return 1; }
	jain=$(python3 - "$FAB_TMP/iperf.json" <<'PY'
import json, sys
s = [x["receiver"]["bits_per_second"] for x in json.load(open(sys.argv[1]))["end"]["streams"]]
print("%.3f" % (sum(s) ** 2 / (len(s) * sum(x * x for x in s)) if any(s) else 0))
PY
	)
	emit "$name" parallel8 mbit "$FAB_MBIT" Mbit/s
	emit "$name" parallel8 jain "$jain" index
	echo "   parallel8: $FAB_MBIT Mbit/s, Jain $jain"
}

sc_rr_loss() {
	local name=$1 bulk
	loss_on_busiest timeout 10 ip netns exec "$FAB_NS_GA" "$RR" client \
		--host "$FAB_GUEST_B" --port "$RR_PORT" --local-port "$RR_SRC_PORT" \
		--seconds "$T_PROBE"
	emit "$name" rr-loss loss_path "$LOSS_PATH" path
	timeout $((T_RR + 20)) ip netns exec "$FAB_NS_GA" iperf3 -c "$FAB_GUEST_B" -p 5201 \
		-t $((T_RR + 2)) >/dev/null 2>&1 &
	bulk=$!
	sleep 1
	rr_rec "$name" rr-loss "$T_RR"
	local rc=$?
	wait "$bulk"
	return "$rc"
}

bench_system() {
	local name=$1 rc
	sys_up "$name" "$K"
	rc=$?
	if [ "$rc" -eq 2 ]; then
		echo "   skipped: $SYS_WHY"
		emit "$name" all status "skipped: ${SYS_WHY//,/;}" text
		return 0
	fi
	if [ "$rc" -ne 0 ]; then
		emit "$name" all status "failed: could not set up" text
		return 1
	fi
	# srd-rr reuses its source port at once (TIME_WAIT): the measured request flow
	# takes the path its probe took.
	nga sysctl -qw net.ipv4.tcp_tw_reuse=1
	fabric_iperf_server && rr_server ||
		{ emit "$name" all status "failed: servers" text; return 1; }
	rc=0
	sc_unlimited "$name" || rc=1
	rr_rec "$name" rr-idle "$T_RR" || rc=1
	fabric_rate all "$rate"
	flow_rec "$name" tbf4 || rc=1
	sc_parallel8 "$name" || rc=1
	loss_on_busiest fabric_iperf -t "$T_PROBE"
	emit "$name" tbf4-loss loss_path "$LOSS_PATH" path
	flow_rec "$name" tbf4-loss || rc=1
	sc_rr_loss "$name" || rc=1
	[ "$rc" -eq 0 ] && emit "$name" all status ok text
	return "$rc"
}
