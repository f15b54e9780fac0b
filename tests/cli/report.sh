#!/usr/bin/env bash
# bench/report.py on a made-up results directory: the Markdown rows (values, medians
# of repeated runs, unit conversion, the tbf4 share of the aggregate rate, a skipped
# system, "—" for what is missing, the ratios to kernel-vxlan), non-empty PNG charts,
# and its exit status for a bad directory (1) and a bad command line (2).
# Skips (77) without python3 or gnuplot.
# usage: report.sh REPORT_PY
set -u
report=$1
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v gnuplot >/dev/null || { echo "SKIP: no gnuplot (Debian gnuplot-nox)"; exit 77; }
tmp=$(mktemp -d /tmp/srd-report-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

res=$tmp/res
mkdir "$res"
cat >"$res/meta.txt" <<'EOF'
kernel: 6.1.0-test
cpu: test CPU
date: 2025-01-01T00:00Z
commit: 0123abc
paths: 4
rate: 100mbit
EOF
cat >"$res/results.csv" <<'EOF'
system,scenario,metric,value,unit
srdvs,unlimited,mbit,1.5,Gbit/s
srdvs,tbf4,mbit,380,Mbit/s
srdvs,tbf4,mbit,390,Mbit/s
srdvs,tbf4,mbit,200,Mbit/s
srdvs,tbf4-loss,mbit,300,Mbit/s
srdvs,tbf4-loss,retrans,412,segments
srdvs,rr-idle,p50_us,50,us
srdvs,rr-idle,p99_us,80,us
srdvs,rr-idle,p999_us,120,us
srdvs,rr-idle,max_us,400,us
srdvs,rr-loss,p999_us,900,us
srdvs,rr-loss,max_us,2.5,ms
srdvs,parallel8,mbit,1800,Mbit/s
srdvs,parallel8,jain,0.991,
srdvs,cpu,cpu_s_per_gbit,1.75,s/Gbit
kernel-vxlan,all,status,ok,
kernel-vxlan,unlimited,mbit,2000,Mbit/s
kernel-vxlan,tbf4,mbit,100,Mbit/s
kernel-vxlan,tbf4-loss,mbit,60,Mbit/s
kernel-vxlan,tbf4-loss,retrans,80,segments
kernel-vxlan,rr-idle,p50_us,40,us
kernel-vxlan,rr-idle,p99_us,64,us
kernel-vxlan,rr-idle,p999_us,100,us
kernel-vxlan,rr-idle,max_us,200,us
kernel-vxlan,rr-loss,p999_us,3000,us
kernel-vxlan,rr-loss,max_us,0.41,s
kernel-vxlan,parallel8,mbit,2000,Mbit/s
kernel-vxlan,parallel8,jain,0.95,
kernel-vxlan,cpu,cpu_s_per_gbit,1.25,s/Gbit
openvpn,all,status,"skipped: openvpn not installed, see deps",
tinc,unlimited,mbit,400,Mbit/s
tinc,tbf4-loss,status,failed: iperf3 exited 1,
EOF
python3 - "$res" <<'PY'
import random, sys
random.seed(7)
for system, tail in (("kernel-vxlan", 210000.0), ("srdvs", 1500.0)):
    with open(f"{sys.argv[1]}/lat_{system}_rr-loss.txt", "w") as f:
        for i in range(3000):
            v = random.uniform(30, 90) + (tail if i % 200 == 7 else 0)
            f.write(f"{v:.3f}\n")
PY

python3 "$report" "$res" >"$tmp/out" 2>&1 || fail "report.py: exit $?: $(cat "$tmp/out")"
md=$res/results.md
# expect_line TEXT: results.md has a line starting with TEXT.
expect_line() {
	grep -qF -- "$1" "$md" || fail "results.md lacks '$1'"
}
expect_line '- **kernel**: 6.1.0-test'
expect_line '- **commit**: 0123abc'
expect_line '| kernel-vxlan | 2000 | 100 (25%) | 60.0 | 80 | 40.0 | 64.0 | 100 | 200 | 3000 | 410000 | 2000 | 0.950 | 1.25 |'
expect_line '| srdvs | 1500 | 380 (95%) | 300 | 412 | 50.0 | 80.0 | 120 | 400 | 900 | 2500 | 1800 | 0.991 | 1.75 |'
expect_line '| openvpn | skipped: openvpn not installed, see deps |'
expect_line '| tinc | 400 | — | — | — | — | — | — | — | — | — | — | — | — |'
expect_line '- tinc, tbf4-loss: failed: iperf3 exited 1'
expect_line '| kernel-vxlan | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 |'
expect_line '| srdvs | 0.75 | 3.80 | 5.00 | 1.25 | 1.25 | 1.20 | 2.00 | 0.30 | 0.0061 | 0.90 |'
expect_line '| tinc | 0.20 | — | — | — | — | — | — | — | — | — |'
[ "$(grep -c '^| openvpn ' "$md")" -eq 1 ] || fail "openvpn: not one row (skipped systems have no ratios)"
# kernel-vxlan first (the baseline), whatever the order in results.csv.
[ "$(grep -m1 -oE '^\| (kernel-vxlan|srdvs|tinc|openvpn) ' "$md")" = "| kernel-vxlan " ] ||
	fail "kernel-vxlan is not the first row"
for png in throughput latency_cdf; do
	f=$res/$png.png
	[ -s "$f" ] || { fail "$png.png missing or empty"; continue; }
	[ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "$png.png is not a PNG"
	[ "$(stat -c %s "$f")" -gt 5000 ] || fail "$png.png: only $(stat -c %s "$f") bytes"
done

# Failures: no results.csv, a wrong header, a value that is no number: 1. Usage: 2.
mkdir "$tmp/empty"
python3 "$report" "$tmp/empty" 2>/dev/null
[ $? -eq 1 ] || fail "report.py on a directory without results.csv: not exit 1"
mkdir "$tmp/bad"
printf 'system,metric,value\n' >"$tmp/bad/results.csv"
python3 "$report" "$tmp/bad" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "wrong header: exit $rc"
grep -q 'header is not' "$tmp/err" || fail "wrong header: $(cat "$tmp/err")"
printf 'system,scenario,metric,value,unit\nx,unlimited,mbit,fast,\n' >"$tmp/bad/results.csv"
python3 "$report" "$tmp/bad" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "bad number: exit $rc"
grep -q "results.csv:2: mbit 'fast' is not a number" "$tmp/err" || fail "bad number: $(cat "$tmp/err")"
python3 "$report" 2>/dev/null
[ $? -eq 2 ] || fail "report.py without a directory: not exit 2"
python3 "$report" --bogus "$res" 2>/dev/null
[ $? -eq 2 ] || fail "report.py --bogus: not exit 2"

echo "report.py: $fails failures"
[ $fails -eq 0 ]
