#!/usr/bin/env bash
# srd-sim as an operator runs it:
#   a small lossy scenario with --json: one JSON object, invariants_ok true, every
#   frame delivered, the documented fields present, exit status 0;
#   the same run twice gives the same bytes (the simulator is deterministic);
#   --baseline tcp adds a "baseline" object and p999_reduction_pct;
#   --conns: one connection prints what it always did (no fairness fields, --conns 1
#   gives the same bytes); several add conns, goodput_per_conn_gbps, fairness_jain
#   and per_conn, each connection's invariants holding;
#   usage errors: exit status 2 and a message naming the option.
# usage: srd_sim.sh SRD_SIM
set -u
sim=$1
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

run=(--paths 4 --rate-gbps 1 --delay-us 10,20,30,40 --jitter-us 2 --loss 1@2
     --duration-ms 10 --lanes 8 --seed 7 --json)
"$sim" "${run[@]}" >"$tmp/a.json" 2>"$tmp/err" || fail "lossy run: exit $? ($(cat "$tmp/err"))"
python3 - "$tmp/a.json" <<'PY' || fail "lossy run: JSON check"
import json, sys
j = json.load(open(sys.argv[1]))
need = ["delivered", "given_up", "duplicates", "out_of_order", "goodput_gbps",
        "capacity_gbps", "goodput_ratio", "latency_us", "retransmits",
        "recovery_us_p99", "reorder_peak_bytes", "invariants_ok"]
missing = [k for k in need if k not in j]
assert not missing, f"missing fields {missing}"
assert set(j["latency_us"]) >= {"p50", "p99", "p999", "max"}, j["latency_us"]
assert j["invariants_ok"] is True, "invariants_ok is false"
assert j["delivered"] == j["frames"] > 0, (j["delivered"], j["frames"])
assert j["duplicates"] == 0 and j["out_of_order"] == 0
assert abs(j["capacity_gbps"] - 4.0) < 1e-6, j["capacity_gbps"]
assert "conns" not in j and "fairness_jain" not in j, "one connection prints fairness"
PY
"$sim" "${run[@]}" >"$tmp/b.json" 2>/dev/null
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "two runs with --seed 7 differ"
"$sim" "${run[@]}" --conns 1 >"$tmp/b.json" 2>/dev/null
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "--conns 1 differs from the default"

"$sim" --paths 2 --queue-kb 32 --conns 3 --conn-start-ms 0,0,2 --load 0.6 --duration-ms 6 --json \
	>"$tmp/d.json" 2>"$tmp/err" || fail "--conns run: exit $? ($(cat "$tmp/err"))"
python3 - "$tmp/d.json" <<'PY' || fail "--conns JSON check"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["conns"] == 3 and len(j["goodput_per_conn_gbps"]) == 3, j.get("conns")
assert 1 / 3 - 1e-9 <= j["fairness_jain"] <= 1 + 1e-9, j["fairness_jain"]
assert [c["start_ms"] for c in j["per_conn"]] == [0, 0, 2], j["per_conn"]
assert all(c["invariants_ok"] and c["delivered"] > 0 for c in j["per_conn"])
assert sum(c["delivered"] for c in j["per_conn"]) == j["delivered"]
assert j["invariants_ok"] is True
PY

"$sim" --paths 2 --duration-ms 5 --loss 1 --load 0.5 --baseline tcp --json \
	>"$tmp/c.json" 2>"$tmp/err" || fail "baseline run: exit $? ($(cat "$tmp/err"))"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["baseline"]["kind"] == "tcp" and "p999_reduction_pct" in j
assert j["baseline"]["invariants_ok"] is True' "$tmp/c.json" || fail "baseline JSON"

"$sim" --help >/dev/null || fail "--help: exit $?"
usage() {  # usage OPTION-NAME-IN-MESSAGE ARGS...
	local want=$1
	shift
	"$sim" "$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 2 ] || fail "srd-sim $*: exit $rc, want 2"
	grep -q -- "$want" "$tmp/err" || fail "srd-sim $*: message does not name $want: $(cat "$tmp/err")"
}
usage --loss --loss 150
usage --loss --paths 2 --loss 1@5
usage --rate-gbps --paths 3 --rate-gbps 1,2
usage --delay-us --delay-us ten
usage --blackhole --blackhole 1
usage --revive --paths 2 --revive 3@10
usage --baseline --baseline udp
usage --duration-ms --duration-ms 0
usage --frame-bytes --frame-bytes 9000-64
usage --conns --conns 0
usage --conns --conns 17
usage --conn-start-ms --conns 2 --conn-start-ms 0,1,2
usage --conn-start-ms --conns 2 --duration-ms 5 --conn-start-ms 0,5
usage --baseline --conns 2 --baseline tcp
usage bogus --bogus
[ "$fails" -eq 0 ] && echo "srd-sim CLI: all checks passed"
[ "$fails" -eq 0 ]
