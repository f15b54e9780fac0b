#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/report.py: the comparison benchmark's results directory as a Markdown report
and two charts. Standard library only; the charts need gnuplot (Debian gnuplot-nox).

  python3 bench/report.py RESULTS_DIR [--no-plots] [--gnuplot PATH]

Reads, in RESULTS_DIR:
  results.csv   header system,scenario,metric,value,unit; one measurement a row.
                systems: kernel-vxlan (the baseline of the ratios), srdvs, srdvs-ovs,
                  ovs-vxlan, openvpn, tinc, ... (others are listed after these);
                scenarios and metrics read:
                  unlimited, tbf4, tbf4-loss, parallel8: mbit (Mbit/s; also Gbit/s,
                    kbit/s by unit); tbf4-loss: retrans; parallel8: jain;
                  rr-idle: p50_us p99_us p999_us max_us; rr-loss: p999_us max_us
                    (µs; also ms, ns by unit); cpu: cpu_s_per_gbit;
                  status (any scenario): "ok", "skipped: REASON" (for scenario "all",
                    "-" or empty: the whole system; its row says so), anything else
                    is listed under the table;
                a metric given more than once (repeated runs): the median is shown.
  meta.txt      "key: value" lines (kernel, cpu, date, commit, paths, rate, ...),
                printed in the header. The tbf4 aggregate rate is "aggregate:" if
                given, else "rate:" (per path: 100mbit, 1gbit, 400 Mbit/s; bits) times
                "paths:" (unless rate reads "4x100mbit"; no paths: rate is the total);
                with it the tbf4 column also shows the share of it reached.
  lat_SYSTEM_SCENARIO.txt  optional: one RTT in µs a line (srd-rr --samples).
Writes, in RESULTS_DIR: results.md; throughput.png (Mbit/s per scenario and system)
and latency_cdf.png (CDF and tail of the rr-loss RTTs per system), through
bench/throughput.gp and bench/latency_cdf.gp.
Exit status: 0 done (also when gnuplot is missing: a warning, no charts), 1 failed,
2 usage error.
"""
import csv
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

BASELINE = "kernel-vxlan"
KNOWN_SYSTEMS = ["kernel-vxlan", "srdvs", "srdvs-ovs", "ovs-vxlan", "openvpn", "tinc"]
WHOLE_SYSTEM = ("", "-", "all", "*")
THROUGHPUT_SCENARIOS = ["unlimited", "tbf4", "tbf4-loss", "parallel8"]
CDF_SCENARIO = "rr-loss"
CDF_MAX_POINTS = 4000
HERE = os.path.dirname(os.path.abspath(__file__))

# The main table: (heading, scenario, metric, format, in the ratio table).
COLUMNS = [
    ("unlimited Mbit/s", "unlimited", "mbit", "mbit", True),
    ("tbf4 Mbit/s", "tbf4", "mbit", "mbit", True),
    ("tbf4-loss Mbit/s", "tbf4-loss", "mbit", "mbit", True),
    ("tbf4-loss retrans", "tbf4-loss", "retrans", "int", False),
    ("rr-idle p50 µs", "rr-idle", "p50_us", "us", True),
    ("rr-idle p99 µs", "rr-idle", "p99_us", "us", True),
    ("rr-idle p99.9 µs", "rr-idle", "p999_us", "us", True),
    ("rr-idle max µs", "rr-idle", "max_us", "us", True),
    ("rr-loss p99.9 µs", "rr-loss", "p999_us", "us", True),
    ("rr-loss max µs", "rr-loss", "max_us", "us", True),
    ("parallel8 Mbit/s", "parallel8", "mbit", "mbit", True),
    ("parallel8 Jain", "parallel8", "jain", "jain", False),
    ("CPU-s per Gbit", "cpu", "cpu_s_per_gbit", "cpu", False),
]

# Unit conversions to the metric's own unit (Mbit/s, µs); unknown units are taken as is.
UNIT_SCALE = {
    "mbit": {"gbit/s": 1e3, "gbit": 1e3, "gbps": 1e3, "kbit/s": 1e-3, "kbit": 1e-3,
             "bit/s": 1e-6},
    "us": {"ms": 1e3, "s": 1e6, "ns": 1e-3},
}

DASH = "—"


class ReportError(Exception):
    """A results directory the report cannot be made from."""


def read_meta(path):
    """meta.txt as an ordered list of (key, value); [] when absent."""
    meta = []
    if not os.path.exists(path):
        return meta
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.strip().partition(":")
            if sep and key.strip():
                meta.append((key.strip(), value.strip()))
    return meta


def scale_for(metric, unit):
    kind = "us" if metric.endswith("_us") else metric
    return UNIT_SCALE.get(kind, {}).get(unit.strip().lower(), 1.0)


def read_results(path):
    """results.csv as (systems in order, {(system, scenario, metric): [values]},
    {system: [(scenario, status)]}); numbers converted to the metric's unit."""
    values, statuses, seen = {}, {}, []
    try:
        f = open(path, newline="", encoding="utf-8")
    except OSError as e:
        raise ReportError(f"{path}: {e.strerror}") from e
    with f:
        rows = csv.DictReader(f)
        want = ["system", "scenario", "metric", "value", "unit"]
        if [h.strip() for h in rows.fieldnames or []] != want:
            raise ReportError(f"{path}: header is not {','.join(want)}")
        for n, row in enumerate(rows, start=2):
            system, scenario, metric = (row[k].strip() for k in want[:3])
            value, unit = (row["value"] or "").strip(), (row["unit"] or "").strip()
            if not system or not metric:
                raise ReportError(f"{path}:{n}: no system or metric")
            if system not in seen:
                seen.append(system)
            if metric == "status":
                statuses.setdefault(system, []).append((scenario, value))
                continue
            try:
                v = float(value) * scale_for(metric, unit)
            except ValueError:
                raise ReportError(f"{path}:{n}: {metric} '{value}' is not a number") from None
            values.setdefault((system, scenario, metric), []).append(v)
    order = [s for s in KNOWN_SYSTEMS if s in seen] + [s for s in seen if s not in KNOWN_SYSTEMS]
    return order, values, statuses


def value(values, system, scenario, metric):
    """The median of a metric's values, or None."""
    v = values.get((system, scenario, metric))
    return statistics.median(v) if v else None


def skip_reason(statuses, system):
    """The whole system's "skipped: ..." status, or None."""
    for scenario, status in statuses.get(system, []):
        if scenario in WHOLE_SYSTEM and status.lower().startswith("skipped"):
            return status
    return None


def parse_rate(text):
    """Mbit/s of a rate: "100mbit", "1gbit", "400 Mbit/s", "4x100mbit", bare "400"
    (Mbit/s); bit, bps and bit/s all count bits. None if it is none of these."""
    m = re.match(r"\s*(?:(\d+)\s*[x×*]\s*)?(\d+(?:\.\d+)?)\s*([kmgt]?)(bit|bps)?",
                 text, re.I)
    if not m:
        return None
    rate = float(m.group(2)) * int(m.group(1) or 1)
    if m.group(3) or m.group(4):
        rate *= {"": 1e-6, "k": 1e-3, "m": 1.0, "g": 1e3, "t": 1e6}[m.group(3).lower()]
    return rate or None


def aggregate_rate(meta):
    """The tbf4 scenario's total rate in Mbit/s from meta.txt, or None."""
    keys = dict(meta)
    if "aggregate" in keys:
        return parse_rate(keys["aggregate"])
    rate = parse_rate(keys.get("rate", ""))
    paths = re.match(r"\s*(\d+)", keys.get("paths", ""))
    if rate and paths and not re.search(r"\d\s*[x×*]", keys["rate"]):
        rate *= int(paths.group(1))
    return rate


def fmt(v, kind):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return DASH
    if kind == "int":
        return f"{v:.0f}"
    if kind == "jain":
        return f"{v:.3f}"
    if kind == "cpu":
        return f"{v:.2f}"
    if kind == "ratio":
        return f"{v:.2f}" if v >= 0.1 else f"{v:.2g}"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def table(head, rows):
    rows = [[c.replace("|", "\\|") for c in r] for r in rows]
    lines = ["| " + " | ".join(head) + " |",
             "|---|" + "---:|" * (len(head) - 1)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def main_table(systems, values, statuses, aggregate):
    head = ["system"] + [c[0] for c in COLUMNS]
    rows = []
    for s in systems:
        reason = skip_reason(statuses, s)
        if reason:
            rows.append([s, reason] + [""] * (len(COLUMNS) - 1))
            continue
        row = [s]
        for _, scen, metric, kind, _ in COLUMNS:
            v = value(values, s, scen, metric)
            cell = fmt(v, kind)
            if scen == "tbf4" and metric == "mbit" and v is not None and aggregate:
                cell += f" ({100 * v / aggregate:.0f}%)"
            row.append(cell)
        rows.append(row)
    return table(head, rows)


def ratio_table(systems, values, statuses):
    cols = [c for c in COLUMNS if c[4]]
    head = ["system"] + [c[0].replace(" Mbit/s", "").replace(" µs", "") for c in cols]
    rows = []
    for s in systems:
        if skip_reason(statuses, s):
            continue
        row = [s]
        for _, scen, metric, _, _ in cols:
            v, base = value(values, s, scen, metric), value(values, BASELINE, scen, metric)
            row.append(fmt(v / base if v is not None and base else None, "ratio"))
        rows.append(row)
    return table(head, rows)


def status_notes(systems, statuses):
    notes = []
    for s in systems:
        for scen, status in statuses.get(s, []):
            whole_skip = scen in WHOLE_SYSTEM and status.lower().startswith("skipped")
            if status.lower() != "ok" and not whole_skip:
                notes.append(f"- {s}, {scen or 'all'}: {status}")
    return notes


def markdown(meta, systems, values, statuses):
    aggregate = aggregate_rate(meta)
    out = ["# srdvs comparison benchmark", ""]
    out += [f"- **{k}**: {v}" for k, v in meta] or ["(no meta.txt)"]
    out += ["", "## Results", ""]
    out += main_table(systems, values, statuses, aggregate)
    out.append("")
    if aggregate:
        out.append(f"tbf4: in parentheses, the share of the aggregate rate "
                   f"({fmt(aggregate, 'mbit')} Mbit/s) reached.")
    out.append(f"{DASH}: not measured. Repeated measurements: the median.")
    notes = status_notes(systems, statuses)
    if notes:
        out += ["", "Not ok:", ""] + notes
    out += ["", f"## Ratios to {BASELINE}", ""]
    if skip_reason(statuses, BASELINE) or not any(k[0] == BASELINE for k in values):
        out.append(f"No {BASELINE} results: no ratios.")
    else:
        out.append(f"System value / {BASELINE} value: above 1 is more throughput, "
                   f"or more latency (worse).")
        out.append("")
        out += ratio_table(systems, values, statuses)
    return "\n".join(out) + "\n"


# ---- charts ----

def gnuplot_terminal(gnuplot):
    """pngcairo when this gnuplot has it, else png."""
    r = subprocess.run([gnuplot, "-e", "set terminal pngcairo"], capture_output=True,
                       timeout=30, check=False)
    return "pngcairo" if r.returncode == 0 and not r.stderr.strip() else "png"


def run_gnuplot(gnuplot, script, variables):
    args = [gnuplot]
    for k, v in variables.items():
        args += ["-e", f"{k}='{v}'" if isinstance(v, str) else f"{k}={v}"]
    r = subprocess.run(args + [os.path.join(HERE, script)], capture_output=True,
                       text=True, timeout=120, check=False)
    if r.returncode != 0:
        raise ReportError(f"gnuplot {script}: {r.stderr.strip()}")


def throughput_data(path, systems, values, statuses):
    """A table scenario x system of Mbit/s ('?' missing); the systems in it."""
    shown = [s for s in systems if not skip_reason(statuses, s) and
             any(value(values, s, sc, "mbit") is not None for sc in THROUGHPUT_SCENARIOS)]
    with open(path, "w", encoding="utf-8") as f:
        f.write("scenario " + " ".join(f'"{s}"' for s in shown) + "\n")
        for sc in THROUGHPUT_SCENARIOS:
            cells = [value(values, s, sc, "mbit") for s in shown]
            f.write(sc + " " + " ".join("?" if v is None else f"{v:.3f}" for v in cells) + "\n")
    return shown


def read_samples(path):
    with open(path, encoding="utf-8") as f:
        out = []
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    out.append(float(line))
                except ValueError:
                    raise ReportError(f"{path}:{n}: '{line.strip()}' is not a number") from None
    return sorted(v for v in out if v > 0)


def cdf_points(samples):
    """(µs, fraction <= it) points; every one of the slowest 1000, the rest thinned."""
    n = len(samples)
    keep = set(range(max(0, n - 1000), n))
    step = max(1, (n - len(keep)) // CDF_MAX_POINTS)
    keep.update(range(0, n - len(keep), step))
    return [(samples[i], (i + 1) / n) for i in sorted(keep)]


def latency_data(resdir, tmp, systems, statuses):
    """One CDF file per system with rr-loss samples: [(system, file, count)]."""
    out = []
    for s in systems:
        src = os.path.join(resdir, f"lat_{s}_{CDF_SCENARIO}.txt")
        if skip_reason(statuses, s) or not os.path.exists(src):
            continue
        samples = read_samples(src)
        if not samples:
            continue
        dst = os.path.join(tmp, f"cdf_{len(out)}.dat")
        with open(dst, "w", encoding="utf-8") as f:
            for x, y in cdf_points(samples):
                f.write(f"{x:.3f} {y:.6f} {max(1.0 - y, 0.5 / len(samples)):.6g}\n")
        out.append((s, dst, len(samples)))
    return out


def lat_systems(resdir, systems):
    """Systems from lat_*_rr-loss.txt files that results.csv does not name."""
    extra = []
    for name in sorted(os.listdir(resdir)):
        m = re.fullmatch(r"lat_(.+)_([^_]+)\.txt", name)
        if m and m.group(2) == CDF_SCENARIO and m.group(1) not in systems:
            extra.append(m.group(1))
    return extra


def plots(resdir, gnuplot, meta, systems, values, statuses):
    term = gnuplot_terminal(gnuplot)
    title = dict(meta).get("date", "")
    every = systems + lat_systems(resdir, systems)
    color = {s: i + 1 for i, s in enumerate(every)}  # a system's colour in both charts
    with tempfile.TemporaryDirectory(prefix="srd-report-") as tmp:
        data = os.path.join(tmp, "throughput.dat")
        shown = throughput_data(data, systems, values, statuses)
        v = {"term": term, "datafile": data, "nsys": len(shown), "subtitle": title,
             "nscen": len(THROUGHPUT_SCENARIOS),
             "outfile": os.path.join(resdir, "throughput.png")}
        v.update({f"col{i}": color[s] for i, s in enumerate(shown, start=1)})
        run_gnuplot(gnuplot, "throughput.gp", v)
        cdfs = latency_data(resdir, tmp, every, statuses)
        v = {"term": term, "ncdf": len(cdfs), "scenario": CDF_SCENARIO, "subtitle": title,
             "outfile": os.path.join(resdir, "latency_cdf.png")}
        for i, (s, path, n) in enumerate(cdfs, start=1):
            v[f"file{i}"], v[f"name{i}"], v[f"col{i}"] = path, f"{s} (n={n})", color[s]
        run_gnuplot(gnuplot, "latency_cdf.gp", v)


def main(argv):
    args, no_plots, gnuplot = [], False, None
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if a == "--no-plots":
            no_plots = True
        elif a == "--gnuplot" and i + 1 < len(argv):
            i += 1
            gnuplot = argv[i]
        elif a.startswith("-"):
            print(f"report.py: bad option '{a}'", file=sys.stderr)
            return 2
        else:
            args.append(a)
        i += 1
    if len(args) != 1:
        print("usage: report.py RESULTS_DIR [--no-plots] [--gnuplot PATH]", file=sys.stderr)
        return 2
    resdir = args[0]
    try:
        meta = read_meta(os.path.join(resdir, "meta.txt"))
        systems, values, statuses = read_results(os.path.join(resdir, "results.csv"))
        with open(os.path.join(resdir, "results.md"), "w", encoding="utf-8") as f:
            f.write(markdown(meta, systems, values, statuses))
        if no_plots:
            return 0
        gnuplot = gnuplot or shutil.which("gnuplot")
        if not gnuplot:
            print("report.py: no gnuplot (Debian gnuplot-nox): results.md only",
                  file=sys.stderr)
            return 0
        plots(resdir, gnuplot, meta, systems, values, statuses)
    except (ReportError, OSError, subprocess.TimeoutExpired) as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
