#!/usr/bin/env bash
# bench/sim_scenarios.sh: the SRD scenario table (issue #3, tests/sim/), run longer
# than CI runs it, through srd-sim --json. Prints a Markdown table and, under it,
# each scenario's command line; a row's verdict compares the run with the bench
# thresholds. The simulator is deterministic: the same seed gives the same table.
# The fairness row runs 4 connections over the same paths, the last joining late:
# its name lists Jain's index and each connection's goodput over the fairness
# window (the second half of the time after the last start).
#   bash bench/sim_scenarios.sh [SCALE] [BUILD_DIR]
# SCALE multiplies every duration (default 1). Exit status 1 if a threshold or an
# invariant failed.
set -euo pipefail
scale=${1:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$here/build-bench}
seed=${SRD_SIM_SEED:-1}

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target srd-sim -j"$(nproc)" >/dev/null
sim=$build/tests/srd-sim
ms() { awk -v a="$1" -v s="$scale" 'BEGIN { print a * s }'; }
spread=$(python3 -c 'print(",".join(str(10 + 6 * i) for i in range(16)))')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name | threshold | the same as a python expression on j (the JSON object) | args
scenarios=(
"4 paths, no loss|ratio >= 0.90|j['goodput_ratio'] >= 0.90|--paths 4 --rate-gbps 10 --delay-us 10 --duration-ms $(ms 100)"
"4 paths, 1% loss on path 1|ratio >= 0.85, none lost|j['goodput_ratio'] >= 0.85 and j['lost'] + j['given_up'] == 0|--paths 4 --rate-gbps 10 --delay-us 10 --loss 1@1 --duration-ms $(ms 100)"
"4 paths, path 1 dies at 30 ms, back at 60 ms|none lost, data off the dead path < 200 us, used after revival|j['lost'] + j['given_up'] == 0 and j['blackhole']['last_data_us'] < 200 and j['blackhole']['revived_data_pkts'] > 0|--paths 4 --rate-gbps 10 --delay-us 10 --blackhole 1@$(ms 30) --revive 1@$(ms 60) --duration-ms $(ms 100)"
"16 paths, delays 10-100 us, jitter 20 us|in order, memory in bound, none lost|j['out_of_order'] == 0 and j['mem_ok'] and j['lost'] + j['given_up'] == 0|--paths 16 --rate-gbps 10 --delay-us $spread --jitter-us 20 --lanes 64 --traffic mixed --duration-ms $(ms 50)"
"64 paths, 100 Gbit/s, 10 us RTT, 1% loss|none lost (goodput, p99.9 reported)|j['lost'] + j['given_up'] == 0|--paths 64 --rate-gbps 1.5625 --delay-us 5 --loss 1 --lanes 256 --duration-ms $(ms 50)"
"SRD vs TCP, 4 paths, 1% loss, half load|p99.9 reduction >= 90%|j['p999_reduction_pct'] >= 90|--paths 4 --rate-gbps 10 --delay-us 10 --loss 1 --load 0.5 --duration-ms $(ms 100) --baseline tcp"
"4 connections share 4 paths, one joins late|Jain >= 0.90, ratio >= 0.80|j['fairness_jain'] >= 0.90 and j['goodput_ratio'] >= 0.80|--paths 4 --rate-gbps 2.5 --delay-us 10 --queue-kb 64 --conns 4 --conn-start-ms 0,0,0,$(ms 20) --duration-ms $(ms 100)"
)

echo "srd-sim scenario table, seed $seed, durations x$scale ($(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "| scenario | goodput Gbit/s | capacity Gbit/s | ratio | latency p50 / p99 / p99.9 us | recovery p99 us | retransmits | lost | given up | reorder peak KiB | invariants | verdict |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
bad=0
i=0
for s in "${scenarios[@]}"; do
	IFS='|' read -r name what check args <<<"$s"
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$sim" $args --seed "$seed" --json >"$tmp/$i.json" 2>"$tmp/$i.err" || true
	python3 - "$tmp/$i.json" "$tmp/$i.err" "$name" "$what" "$check" <<'PY' || bad=$((bad + 1))
import json, sys
path, err, name, what, check = sys.argv[1:]
try:
    j = json.load(open(path))
except ValueError:
    print(f"| {name} | run failed: {open(err).read().strip()[:200]} |" + " |" * 10)
    sys.exit(1)
ok = bool(eval(check, {}, {"j": j})) and j["invariants_ok"]
lat = j["latency_us"]
row = [name, f"{j['goodput_gbps']:.2f}", f"{j['capacity_gbps']:.2f}", f"{j['goodput_ratio']:.3f}",
       f"{lat['p50']:.0f} / {lat['p99']:.0f} / {lat['p999']:.0f}", f"{j['recovery_us_p99']:.0f}",
       str(j["retransmits"]), str(j["lost"]), str(j["given_up"]),
       f"{j['reorder_peak_bytes'] / 1024:.0f}", "ok" if j["invariants_ok"] else "**BROKEN**",
       ("pass" if ok else "**FAIL**") + f" ({what})"]
if "baseline" in j:
    b = j["baseline"]["latency_us"]
    row[0] += (f"; tcp: {j['baseline']['goodput_gbps']:.2f} Gbit/s, p99.9 {b['p999']:.0f} us,"
               f" p99.9 reduction {j['p999_reduction_pct']:.1f}%")
if "conns" in j:
    per = " / ".join(f"{g:.2f}" for g in j["goodput_per_conn_gbps"])
    row[0] += (f"; Jain {j['fairness_jain']:.3f} over {j['fair_from_ms']:.0f}-{j['duration_ms']:.0f} ms,"
               f" per conn {per} Gbit/s")
if "blackhole" in j:
    h = j["blackhole"]
    row[0] += (f"; data stopped {h['last_data_us']:.0f} us after death,"
               f" {h['revived_data_pkts']} pkts after revival")
print("| " + " | ".join(row) + " |")
sys.exit(0 if ok else 1)
PY
done
echo
i=0
for s in "${scenarios[@]}"; do
	IFS='|' read -r name _ _ args <<<"$s"
	i=$((i + 1))
	echo "$i. $name: srd-sim $args --seed $seed"
	grep -v '^$' "$tmp/$i.err" | head -3 | sed 's/^/   /' || true
done
[ "$bad" -eq 0 ]
