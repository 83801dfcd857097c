#!/usr/bin/env python3
"""Summarise tdbench CSV rows: medians, p90, ratios against sync of the same
case in the same run, the acceptance figures of issue 5, a Markdown table, a
summary CSV and a gnuplot PNG.

usage: report.py RAW.csv OUTDIR [--title TEXT] [--quota 0.5] [--period-ms 100]
"""
import csv
import math
import os
import statistics
import subprocess
import sys
from collections import defaultdict


def pct(values, q):
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    raw, outdir = argv[1], argv[2]
    title = "teardown benchmark"
    quota = 0.5
    if "--title" in argv:
        title = argv[argv.index("--title") + 1]
    if "--quota" in argv:
        quota = float(argv[argv.index("--quota") + 1])
    period_ms = 100.0  # the cpu.max period guest-bench writes ("50000 100000")
    if "--period-ms" in argv:
        period_ms = float(argv[argv.index("--period-ms") + 1])
    os.makedirs(outdir, exist_ok=True)

    groups = defaultdict(list)
    with open(raw) as f:
        for row in csv.DictReader(f):
            if row["case"] == "header":
                continue
            key = (row["case"], row["strategy"], int(row["workers"]))
            groups[key].append(row)

    summary = []
    for (case, strat, workers), rows in groups.items():
        kw = [float(r["kill_wait_ms"]) for r in rows]
        km = [float(r["kill_mem_ms"]) for r in rows]
        wc = [float(r["worker_cpu_ms"]) for r in rows]
        sc = [float(r["sys_cpu_ms"]) for r in rows]
        summary.append({
            "case": case, "strategy": strat, "workers": workers, "runs": len(rows),
            "size_mb": int(rows[0]["size_mb"]), "pages": rows[0]["pages"],
            "wait_med": statistics.median(kw), "wait_p90": pct(kw, 0.9),
            "mem_med": statistics.median(km), "mem_p90": pct(km, 0.9),
            "worker_cpu_med": statistics.median(wc), "sys_cpu_med": statistics.median(sc),
            "esrch": sum(int(r["esrch"]) for r in rows),
            "calls": len(rows) * max(workers, 1),
        })
    sync = {s["case"]: s for s in summary if s["strategy"] == "sync"}
    for s in summary:
        base = sync.get(s["case"])
        s["wait_ratio"] = s["wait_med"] / base["wait_med"] if base and base["wait_med"] else float("nan")
        s["mem_speedup"] = base["mem_med"] / s["mem_med"] if base and s["mem_med"] else float("nan")
    order = {"sync": 0, "async": 1, "reaper": 2, "join": 3, "mrelease": 4}
    summary.sort(key=lambda s: (s["case"].split("-")[0], s["size_mb"], s["case"], order.get(s["strategy"], 9), s["workers"]))

    fields = ["case", "strategy", "workers", "runs", "size_mb", "pages", "wait_med", "wait_p90",
              "wait_ratio", "mem_med", "mem_p90", "mem_speedup", "worker_cpu_med", "sys_cpu_med", "esrch", "calls"]
    with open(os.path.join(outdir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for s in summary:
            w.writerow({k: (round(v, 3) if isinstance(v, float) else v) for k, v in s.items() if k in fields})

    lines = [f"### {title}", "",
             "| case | strategy | workers | kill→waitpid ms (median / p90) | vs sync | kill→memory back ms (median / p90) | speed-up vs sync | worker CPU ms | system CPU ms | ESRCH |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        lines.append(f"| {s['case']} | {s['strategy']} | {s['workers'] or '-'} | {s['wait_med']:.1f} / {s['wait_p90']:.1f} | "
                     f"{s['wait_ratio'] * 100:.1f}% | {s['mem_med']:.1f} / {s['mem_p90']:.1f} | {s['mem_speedup']:.2f}x | "
                     f"{s['worker_cpu_med']:.1f} | {s['sys_cpu_med']:.0f} | {s['esrch']}/{s['calls'] if s['workers'] else '-'} |")

    # acceptance figures (issue 5)
    checks = []
    notes = []

    def get(case, strat, workers=None):
        for s in summary:
            if s["case"] == case and s["strategy"] == strat and (workers is None or s["workers"] == workers):
                return s
        return None

    for strat, wk in (("async", None), ("reaper", 2)):
        s = get("4k-1G", strat, wk)
        if s:
            checks.append((f"{strat} kill→waitpid at 1 GiB is {s['wait_ratio'] * 100:.1f}% of sync (≤ 5%)", s["wait_ratio"] <= 0.05))
        # kill->waitpid here is a few ms in two modes (~1 ms, ~4 ms) in
        # every size, and a median of such samples lands in either: resampling
        # one run's 20 values per mode, two equal sizes compared on medians of
        # 5 read > 1.5 in 20-30% of tries, on means of 25 in 2-3%. So the
        # flat-* cases (25 runs) are compared on their means.
        fs, fb = groups.get(("flat-256M", strat, wk or 0)), groups.get(("flat-2G", strat, wk or 0))
        if fs and fb:
            ms = statistics.mean(float(r["kill_wait_ms"]) for r in fs)
            mb = statistics.mean(float(r["kill_wait_ms"]) for r in fb)
            r = mb / ms if ms else float("inf")
            checks.append((f"{strat} kill→waitpid 2 GiB / 256 MiB = {r:.2f} (≤ 1.5, flat in size; means of "
                           f"{len(fb)} and {len(fs)} runs: {mb:.2f} / {ms:.2f} ms)", r <= 1.5))
            continue
        small, big = get("4k-256M", strat, wk), get("4k-2G", strat, wk)
        if small and big:
            r = big["wait_med"] / small["wait_med"] if small["wait_med"] else float("inf")
            checks.append((f"{strat} kill→waitpid 2 GiB / 256 MiB = {r:.2f} (≤ 1.5, flat in size; medians)", r <= 1.5))
    s = get("4k-1G", "reaper", 2)
    if s:
        checks.append((f"reaper, 2 workers: memory back {s['mem_speedup']:.2f}x faster than sync at 1 GiB 4K (≥ 1.6x)", s["mem_speedup"] >= 1.6))
    watch_esrch = sum(s["esrch"] for s in summary if s["strategy"] in ("reaper", "join"))
    watch_calls = sum(s["calls"] for s in summary if s["strategy"] in ("reaper", "join"))
    mr_esrch = sum(s["esrch"] for s in summary if s["strategy"] == "mrelease")
    mr_calls = sum(s["calls"] for s in summary if s["strategy"] == "mrelease")
    if watch_calls:
        checks.append((f"ESRCH with the watch API: {watch_esrch} in {watch_calls // max(1, 1)} worker runs "
                       f"(process_mrelease after kill, same run: {mr_esrch} of {mr_calls} calls)", watch_esrch == 0))
    # cpu.max grants the quota once per period, and a window of T ms touches
    # up to ceil(T / period) + 1 periods: on a teardown of ~10 periods of
    # 100 ms the edges alone allow 10% more than quota x T. So the share is
    # judged (within 5% of the quota, relative) on the 10 ms period
    # (CPUQuotaPeriodMSec=10), and printed for the default 100 ms one, with
    # the CPU against what the quota grants over the periods touched.
    for case, period, judged in (("budget50p10-1G", 10.0, True), ("budget50-1G", period_ms, False)):
        b = get(case, "reaper", 2)
        if not (b and b["mem_med"]):
            continue
        rows = [r for r in groups[(case, "reaper", 2)] if float(r["kill_mem_ms"]) > 0]
        share = statistics.median(float(r["worker_cpu_ms"]) / float(r["kill_mem_ms"]) for r in rows)
        of_grant = statistics.median(
            float(r["worker_cpu_ms"]) / (quota * period * (math.ceil(float(r["kill_mem_ms"]) / period) + 1))
            for r in rows)
        text = (f"reapers' CPU share under a {quota * 100:.0f}% cpu.max with a {period:.0f} ms period: "
                f"{share * 100:.1f}% of the wall time ({abs(share - quota) / quota * 100:.1f}% off the quota; "
                f"{of_grant * 100:.1f}% of what the quota grants over the periods the teardown touched)")
        if judged:
            checks.append((text + " (within 5% of the quota)", abs(share - quota) <= 0.05 * quota))
        else:
            notes.append(text + ": the default period, not judged; the edges of ~10 periods allow up to 10% more")

    lines += ["", "Acceptance (issue 5):", ""]
    for text, ok in checks:
        lines.append(f"- {'PASS' if ok else 'FAIL'}: {text}")
    for text in notes:
        lines.append(f"- note: {text}")
    md = "\n".join(lines) + "\n"
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(md)
    print(md)

    # plot: kill->waitpid and kill->memory back against size, 4K pages
    dat = os.path.join(outdir, "plot.dat")
    series = [("sync", 0), ("async", 0), ("reaper", 1), ("reaper", 2), ("reaper", 4), ("mrelease", 2)]
    with open(dat, "w") as f:
        for strat, wk in series:
            f.write(f"# {strat} {wk}\n")
            for s in sorted((s for s in summary if s["case"].startswith("4k-") and s["strategy"] == strat and s["workers"] == wk),
                            key=lambda s: s["size_mb"]):
                f.write(f"{s['size_mb']} {s['wait_med']:.3f} {s['mem_med']:.3f}\n")
            f.write("\n\n")
    png = os.path.join(outdir, "plot.png")
    plots_w, plots_m = [], []
    for i, (strat, wk) in enumerate(series):
        name = strat + (f" x{wk}" if wk else "")
        plots_w.append(f"'{dat}' index {i} using 1:2 with linespoints title '{name}'")
        plots_m.append(f"'{dat}' index {i} using 1:3 with linespoints title '{name}'")
    gp = f"""set terminal pngcairo size 1200,500 noenhanced
set output '{png}'
set multiplot layout 1,2 title '{title}'
set logscale y
set xlabel 'victim size (MiB, 4K pages)'
set key top left
set grid
set ylabel 'kill -> waitpid (ms, median)'
plot {', '.join(plots_w)}
set ylabel 'kill -> memory back (ms, median)'
plot {', '.join(plots_m)}
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report.py: gnuplot failed: {e}", file=sys.stderr)
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
