#!/usr/bin/env python3
"""Fill the scaling note from a benchmark's raw.csv.

Reads the per-run rows tdbench wrote (tests/bench/run copies them to
docs/bench/raw.csv), keeps the 4K anonymous victims (cases named 4k-SIZE) and
replaces, in TEMPLATE:

  @MEASURED@  per-page cost of sync and of the reaper with 1, 2 and 4 workers:
              wall ns/page of kill -> memory back (kill_mem_ms / pages) and
              CPU ns/page (worker_cpu_ms for the reaper, system-wide
              sys_cpu_ms for sync), median and min..max over runs;
  @MODEL@     Amdahl's serial fraction s fitted, per size, to the measured
              1 -> 2 worker speed-up S2 = T1 / T2 of memory-back time
              (s = 2 / S2 - 1, clamped to [0, 1]), whether the fit means
              anything, and what it predicts (speed-up, time to free 1 TiB of
              4K pages at the 1-worker ns/page) at 16, 32, 64 and 144 workers;
  @RUNINFO@   the content of --run-info FILE (docs/bench/run-info.txt).

Every figure printed comes from RAW_CSV. Writes OUT; exits 1 if the input
cannot be read or the template lacks a placeholder, 2 on usage errors.
"""
import argparse
import csv
import os
import re
import statistics
import sys
import textwrap
from collections import defaultdict

PAGE = 4096
TIB_PAGES = (1 << 40) // PAGE
CORES = (16, 32, 64, 144)
STRATS = (("sync", 0), ("reaper", 1), ("reaper", 2), ("reaper", 4))
CASE_RE = re.compile(r"^4k-(\d+)([MG])$")


class Stat:
    """Median and min..max of a list of per-run values."""

    def __init__(self, values):
        self.values = list(values)
        self.med = statistics.median(self.values)
        self.lo = min(self.values)
        self.hi = max(self.values)

    def fmt(self, f):
        return f"{f(self.med)} ({f(self.lo)}..{f(self.hi)})"


def f_ns(x):
    return f"{x:.0f}"


def f_ms(x):
    return f"{x:.1f}"


def f_x(x):
    return f"{x:.2f}"


def f_s(x):
    return f"{x:.2f}"


def f_time(seconds):
    """Seconds with 3 significant figures, and minutes/hours past 2 minutes."""
    if seconds >= 100:
        t = f"{seconds:.0f} s"
    elif seconds >= 10:
        t = f"{seconds:.1f} s"
    else:
        t = f"{seconds:.2f} s"
    if seconds >= 7200:
        t += f" ({seconds / 3600:.1f} h)"
    elif seconds >= 120:
        t += f" ({seconds / 60:.1f} min)"
    return t


def size_label(mb):
    return f"{mb // 1024} GiB" if mb >= 1024 and mb % 1024 == 0 else f"{mb} MiB"


def amdahl(s, n):
    return 1.0 / (s + (1.0 - s) / n)


def fit_s(s2):
    """Amdahl's serial fraction from the 2-worker speed-up, clamped to [0, 1]."""
    return min(1.0, max(0.0, 2.0 / s2 - 1.0))


def load(path):
    """{size_mb: {(strategy, workers): [row, ...]}} for the 4K anonymous cases."""
    data = defaultdict(lambda: defaultdict(list))
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        need = {"case", "strategy", "size_mb", "pages", "kind", "workers", "run",
                "kill_mem_ms", "worker_cpu_ms", "sys_cpu_ms", "reaped_mb"}
        missing = need - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: no column(s) {', '.join(sorted(missing))}")
        for row in reader:
            if not CASE_RE.match(row["case"]) or row["pages"] != "4k" or row["kind"] != "anon":
                continue
            key = (row["strategy"], int(row["workers"]))
            if key not in STRATS:
                continue
            data[int(row["size_mb"])][key].append(row)
    return data


class Cell:
    """One (size, strategy, workers): per-page wall and CPU cost over runs."""

    def __init__(self, size_mb, strat, workers, rows):
        self.size_mb, self.strat, self.workers, self.rows = size_mb, strat, workers, rows
        self.pages = size_mb * 1024 * 1024 // PAGE
        self.mem = Stat(float(r["kill_mem_ms"]) for r in rows)
        cpu_col = "sys_cpu_ms" if strat == "sync" else "worker_cpu_ms"
        self.cpu = Stat(float(r[cpu_col]) for r in rows)
        self.wall_ns = Stat(float(r["kill_mem_ms"]) * 1e6 / self.pages for r in rows)
        self.cpu_ns = Stat(float(r[cpu_col]) * 1e6 / self.pages for r in rows)
        # CPUs kept busy during the teardown (CPU time / wall time), per run
        self.busy = Stat(float(r[cpu_col]) / float(r["kill_mem_ms"])
                         for r in rows if float(r["kill_mem_ms"]) > 0) \
            if any(float(r["kill_mem_ms"]) > 0 for r in rows) else None

    @property
    def name(self):
        return "sync" if self.strat == "sync" else f"reaper x{self.workers}"


def build_cells(data):
    cells = {}
    for size in sorted(data):
        for strat, workers in STRATS:
            rows = data[size].get((strat, workers))
            if rows:
                cells[(size, strat, workers)] = Cell(size, strat, workers, rows)
    return cells


def measured(data, cells):
    if not cells:
        return "No 4K anonymous cases (4k-SIZE) in this run's raw.csv: nothing was measured."
    out = [
        "Per page of 4 KiB: wall time from SIGKILL to the memory back in the cgroup "
        "(`kill_mem_ms / pages`) and CPU time (the reaper threads' own CPU time for "
        "the reaper; for sync, the system-wide CPU time of `/proc/stat` over the same "
        "window, in 10 ms ticks). Median over runs, min..max in brackets. "
        "\"CPUs busy\" is CPU time / wall time, median over runs.",
        "",
        "| victim | strategy | runs | memory back, ms | wall ns/page | CPU ns/page | CPUs busy |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in sorted(data):
        for strat, workers in STRATS:
            c = cells.get((size, strat, workers))
            if not c:
                out.append(f"| {size_label(size)} | {'sync' if strat == 'sync' else f'reaper x{workers}'} "
                           f"| 0 | not measured | | | |")
                continue
            busy = f_x(c.busy.med) if c.busy else "-"
            out.append(f"| {size_label(size)} | {c.name} | {len(c.rows)} | {c.mem.fmt(f_ms)} | "
                       f"{c.wall_ns.fmt(f_ns)} | {c.cpu_ns.fmt(f_ns)} | {busy} |")
    notes = []
    # one reaper worker against the exiting task's own exit_mmap()
    cmp = []
    for size in sorted(data):
        s, r1 = cells.get((size, "sync", 0)), cells.get((size, "reaper", 1))
        if s and r1 and s.wall_ns.med > 0:
            cmp.append(f"{size_label(size)} {f_x(r1.wall_ns.med / s.wall_ns.med)}x")
    if cmp:
        notes.append("One reaper worker against the exiting task's own `exit_mmap()` (sync), "
                     "wall ns/page, ratio of medians (above 1: the worker was slower): "
                     + ", ".join(cmp) + ".")
    # runs in which the reapers did not unmap the whole victim
    short = []
    for (size, strat, workers), c in sorted(cells.items()):
        if strat != "reaper":
            continue
        for r in c.rows:
            if float(r["reaped_mb"]) < 0.95 * size:
                short.append(f"{c.name} at {size_label(size)}, run {r['run']}: memory back after "
                             f"{float(r['kill_mem_ms']):.0f} ms, the reapers unmapped "
                             f"{float(r['reaped_mb']):.0f} of {size} MiB (the exiting task freed the rest)")
    if short:
        notes.append("Runs in which the reapers did not unmap the whole victim (they are in the "
                     "medians and the ranges above): " + "; ".join(short) + ".")
    for n in notes:
        out += ["", n]
    return "\n".join(out)


class Fit:
    def __init__(self, size, t1, t2, t4, r1_cpu, r2_cpu):
        self.size, self.t1, self.t2, self.t4 = size, t1, t2, t4
        self.s2 = t1.med / t2.med
        self.s2_lo = t1.lo / t2.hi
        self.s2_hi = t1.hi / t2.lo
        self.s = fit_s(self.s2)
        # a high S2 gives a low s: the range of s runs the other way
        self.s_lo, self.s_hi = fit_s(self.s2_hi), fit_s(self.s2_lo)
        self.meaningful = 1.0 <= self.s2 <= 2.0
        self.cpu_ratio = r2_cpu / r1_cpu if r1_cpu > 0 else float("nan")

    def verdict(self):
        if self.s2 < 1.0:
            return "2 workers slower than 1: contention, no fit (s clamped to 1)"
        if self.s2 > 2.0:
            return "more than 2x on 2 CPUs: noise, no fit (s clamped to 0)"
        if self.s2_lo < 1.0:
            return "fit, weak: some runs of 2 workers were slower than some of 1"
        return "fit"


def model(data, cells, cpus, host_cores=None):
    fits = []
    unmeasured = []
    for size in sorted(data):
        c1, c2, c4 = (cells.get((size, "reaper", w)) for w in (1, 2, 4))
        if not (c1 and c2) or c2.mem.med <= 0 or c1.mem.med <= 0 or c2.mem.lo <= 0:
            unmeasured.append(size_label(size))
            continue
        fits.append((Fit(size, c1.mem, c2.mem, c4.mem if c4 else None,
                         c1.cpu_ns.med, c2.cpu_ns.med), c1))
    if not fits:
        return ("No 4K size has both a 1-worker and a 2-worker reaper run: the serial fraction "
                "cannot be fitted and no prediction can be made.")

    out = [
        "Amdahl's law with one parameter: a share s of a page's cost is serial, the rest "
        "divides among N workers, so N workers go 1 / (s + (1 - s) / N) times faster than "
        "one, and never more than 1 / s. In this teardown s stands for the time under the "
        "two locks that every worker freeing one victim shares (one memcg, one node): "
        "**`lruvec->lru_lock`** (taken in `folios_put_refs()` for each batch of folios "
        "coming off the LRU) and **`zone->lock`** (taken in `free_pcppages_bulk()` when a "
        "CPU's pcp list passes its high mark). s is fitted, per victim size, to the "
        "measured speed-up of memory-back time from 1 to 2 reaper workers: S2 = T1 / T2 "
        "(medians), s = 2 / S2 - 1, clamped to [0, 1]. The ranges come from the extreme "
        "runs: S2 from min(T1) / max(T2) to max(T1) / min(T2).",
        "",
        "| victim | T1, ms | T2, ms | S2 | S2 range | serial fraction s | s range | CPU/page x2 vs x1 | fit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f, _ in fits:
        out.append(f"| {size_label(f.size)} | {f.t1.fmt(f_ms)} | {f.t2.fmt(f_ms)} | {f_x(f.s2)} | "
                   f"{f_x(f.s2_lo)}..{f_x(f.s2_hi)} | {f_s(f.s)} | {f_s(f.s_lo)}..{f_s(f.s_hi)} | "
                   f"{f_x(f.cpu_ratio)}x | {f.verdict()} |")
    if unmeasured:
        out += ["", "Not fitted (no 1-worker or 2-worker reaper runs): " + ", ".join(unmeasured) + "."]

    good = [(f, c1) for f, c1 in fits if f.meaningful]
    slow = [(f, c1) for f, c1 in fits if f.s2 < 1.0]
    fast = [(f, c1) for f, c1 in fits if f.s2 > 2.0]

    out.append("")
    if slow:
        names = ", ".join(f"{size_label(f.size)} (S2 = {f_x(f.s2)})" for f, _ in slow)
        cpu = ", ".join(f"{f_x(f.cpu_ratio)}x" for f, _ in slow)
        busy = []
        for f, _ in slow:
            c2 = cells[(f.size, "reaper", 2)]
            if c2.busy:
                busy.append(f_x(c2.busy.med))
        text = (f"**What this run measured: at {names} two workers freed the victim slower than "
                f"one.** Amdahl's law has no term for that: a slowdown means the workers got in "
                f"each other's way, so the fit is meaningless there and s is clamped to 1. At "
                f"the same sizes the two workers together spent {cpu} the CPU time per page of "
                f"one worker")
        if busy:
            text += f", and kept {', '.join(busy)} CPUs busy (median) for the whole teardown"
        text += "."
        if all(f.cpu_ratio > 1.5 for f, _ in slow):
            host = (f", on a {host_cores}-core host where every other host thread (qemu's own, "
                    f"the host's) takes a core away from a vCPU," if host_cores and host_cores <= cpus + 2
                    else "")
            text += (f" More CPU for less throughput is the signature of spinning: a worker "
                     f"waits on a spinlock whose holder is not running. The likely cause on "
                     f"this {cpus}-vCPU TCG guest{host} is lock-holder preemption: each vCPU is "
                     f"a host thread, and when the host deschedules the vCPU that holds "
                     f"`lruvec->lru_lock` or `zone->lock`, the other vCPU spins until the "
                     f"holder runs again (TCG has no paravirtual spinlocks to make it yield). "
                     f"This run does not show which lock was spun on, nor rule out plain "
                     f"contention (no lock statistics were taken); it shows that the shared "
                     f"part of the path collapsed with 2 workers here. It says more about this "
                     f"emulator than about the kernel patch, and it has to be measured again on "
                     f"hardware (or KVM with at least 4 CPUs) before a serial fraction can be "
                     f"read from it.")
        out.append(text)
        out.append("")
    if fast:
        names = ", ".join(f"{size_label(f.size)} (S2 = {f_x(f.s2)})" for f, _ in fast)
        out += [f"At {names} two workers on {cpus} CPUs went more than twice as fast as one: "
                f"that is noise between runs (or cache effects), not a serial fraction; s is "
                f"clamped to 0 and these sizes are left out of the prediction.", ""]

    # 4 workers on `cpus` CPUs: Amdahl predicts no gain over min(4, cpus) workers
    checks = []
    for f, _ in fits:
        if f.t4 and f.t4.med > 0:
            checks.append(f"{size_label(f.size)} {f_x(f.t1.med / f.t4.med)}x (predicted "
                          f"{f_x(amdahl(f.s, min(4, cpus)))}x)")
    if checks:
        out += [f"Check against the one other point measured, 4 workers on {cpus} CPUs (which "
                f"Amdahl's law treats as {min(4, cpus)} workers): T1 / T4 = " + ", ".join(checks) + ".", ""]

    if not good:
        out.append("**No prediction can be made from this run:** no victim size gives a 1 -> 2 "
                   "worker speed-up between 1 and 2, so there is no serial fraction to carry to "
                   "16..144 cores.")
        rates = "; ".join(f"{size_label(c1.size_mb)}: {f_ns(c1.wall_ns.med)} ns/page, 1 TiB in "
                          f"{f_time(c1.wall_ns.med * TIB_PAGES / 1e9)}" for _, c1 in fits)
        out.append("")
        out.append(f"What one worker did, for scale (this emulator's time): {rates}.")
        return "\n".join(out)

    best_f, best_c = min(good, key=lambda fc: fc[0].s)
    # the worst size is the one with the largest fitted (clamped) s, fit or not
    # (ties: the one with the lower S2)
    worst_f, worst_c = max((fc for fc in fits if fc[0].s2 <= 2.0), key=lambda fc: (fc[0].s, -fc[0].s2))
    best_name = size_label(best_f.size)
    worst_name = size_label(worst_f.size)
    if best_f is worst_f:
        out.append(f"Prediction from the {best_name} fit (s = {f_s(best_f.s)}, at most "
                   f"{f_x(1 / best_f.s) + 'x' if best_f.s > 0 else 'unbounded'}), 1 worker at "
                   f"{f_ns(best_c.wall_ns.med)} ns/page:")
        out += ["", "| workers (= cores) | speed-up | time to free 1 TiB |", "|---|---|---|"]
        out.append(f"| 1 (measured rate) | 1.00x | {f_time(best_c.wall_ns.med * TIB_PAGES / 1e9)} |")
        for n in CORES:
            sp = amdahl(best_f.s, n)
            out.append(f"| {n} | {f_x(sp)}x | {f_time(best_c.wall_ns.med * TIB_PAGES / 1e9 / sp)} |")
    else:
        worst_desc = (f"{worst_name}, s = {f_s(worst_f.s)}"
                      + (", clamped: no fit" if not worst_f.meaningful else ""))
        rates = [c1 for _, c1 in fits]
        fastest = min(rates, key=lambda c: c.wall_ns.med)
        slowest = max(rates, key=lambda c: c.wall_ns.med)
        out.append(f"Prediction as a range. Speed-up: from the best size ({best_name}, "
                   f"s = {f_s(best_f.s)}) to the worst ({worst_desc}). Time to free 1 TiB: from "
                   f"the fastest 1-worker rate measured ({size_label(fastest.size_mb)}, "
                   f"{f_ns(fastest.wall_ns.med)} ns/page) with the best speed-up to the slowest "
                   f"({size_label(slowest.size_mb)}, {f_ns(slowest.wall_ns.med)} ns/page) with "
                   f"the worst, so that every size of this run falls inside it:")
        out += ["", "| workers (= cores) | speed-up, best .. worst | time to free 1 TiB, fastest .. slowest |",
                "|---|---|---|"]
        tb = fastest.wall_ns.med * TIB_PAGES / 1e9
        tw = slowest.wall_ns.med * TIB_PAGES / 1e9
        out.append(f"| 1 (measured rate) | 1.00x .. 1.00x | {f_time(tb)} .. {f_time(tw)} |")
        for n in CORES:
            sb, sw = amdahl(best_f.s, n), amdahl(worst_f.s, n)
            out.append(f"| {n} | {f_x(sb)}x .. {f_x(sw)}x | {f_time(tb / sb)} .. {f_time(tw / sw)} |")
        if not worst_f.meaningful:
            out += ["", f"The worst end is not a prediction but the floor of the model: s = 1 means "
                        f"no speed-up at any core count. What {worst_name} measured (2 workers "
                        f"slower than 1) is worse than that floor, and nothing in this run says "
                        f"how such contention grows with 16..144 workers."]
    if best_f.s2_lo < 1.0:
        out += ["", f"Even the best end is weak: across runs, S2 at {best_name} went from "
                    f"{f_x(best_f.s2_lo)} to {f_x(best_f.s2_hi)}, i.e. s anywhere from "
                    f"{f_s(best_f.s_lo)} to {f_s(best_f.s_hi)}."]
    out += ["", "Times are this run's, in the emulated guest: they scale with the 1-worker "
                "ns/page of the machine the note is re-measured on; the speed-ups depend only "
                "on s."]
    return "\n".join(out)


def wrap(md, width=76):
    """Fill the prose paragraphs of generated Markdown; tables and lists stay as they are."""
    out = []
    for para in md.split("\n\n"):
        if para.startswith(("|", "- ", "* ", "```")) or "\n|" in para:
            out.append(para)
        else:
            # keep "1 GiB", "580 s", "[0, 1]" on one line: textwrap breaks only at ASCII blanks
            para = re.sub(r"(\d) (?=MiB|GiB|ms\b|ns/page|s\b|min\b|h\b|CPUs|workers?\b)", "\\1\u00a0", para)
            para = para.replace("[0, 1]", "[0,\u00a01]").replace("1 -> 2", "1\u00a0->\u00a02")
            out.append(textwrap.fill(para, width, break_long_words=False,
                                     break_on_hyphens=False).replace("\u00a0", " "))
    return "\n\n".join(out)


def display_path(p):
    rel = os.path.relpath(p)
    return p if rel.startswith("..") else rel


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Fill @MEASURED@, @MODEL@ and @RUNINFO@ of the scaling note from a "
                    "tdbench raw.csv (4K anonymous cases 4k-SIZE: sync and reaper with 1, 2 "
                    "and 4 workers): per-page cost, Amdahl's serial fraction fitted to the "
                    "1 -> 2 worker speed-up, and the prediction at 16..144 cores.",
        epilog="example: tests/bench/scaling.py docs/bench/raw.csv docs/scaling.md.in "
               "docs/scaling.md --run-info docs/bench/run-info.txt")
    ap.add_argument("raw_csv", metavar="RAW_CSV", help="per-run rows (docs/bench/raw.csv)")
    ap.add_argument("template", metavar="TEMPLATE", help="the note with @MEASURED@, @MODEL@, @RUNINFO@")
    ap.add_argument("out", metavar="OUT", help="where to write the note")
    ap.add_argument("--run-info", metavar="FILE",
                    help="the run's description (docs/bench/run-info.txt) for @RUNINFO@")
    ap.add_argument("--cpus", type=int, default=2, metavar="N",
                    help="CPUs of the machine the benchmark ran on (the VM's vCPUs; default 2)")
    args = ap.parse_args(argv)
    if args.cpus < 2:
        ap.error("--cpus: the fit needs at least 2 CPUs")

    try:
        data = load(args.raw_csv)
        with open(args.template) as f:
            tmpl = f.read()
        if args.run_info:
            with open(args.run_info) as f:
                runinfo = f.read().strip()
        else:
            runinfo = "(no run information given: scaling.py was run without --run-info)"
    except (OSError, ValueError, KeyError, csv.Error) as e:
        print(f"scaling.py: {e}", file=sys.stderr)
        return 1
    m = re.search(r"^host: (\d+) cores", runinfo, re.M)
    host_cores = int(m.group(1)) if m else None
    for p in ("@MEASURED@", "@MODEL@", "@RUNINFO@"):
        if p not in tmpl:
            print(f"scaling.py: {args.template} has no {p}", file=sys.stderr)
            return 1

    try:
        cells = build_cells(data)
        text = (tmpl.replace("@MEASURED@", wrap(measured(data, cells)))
                .replace("@MODEL@", wrap(model(data, cells, args.cpus, host_cores)))
                .replace("@RUNINFO@", runinfo))
    except ValueError as e:
        print(f"scaling.py: {args.raw_csv}: {e}", file=sys.stderr)
        return 1
    head = (f"<!-- generated by tests/bench/scaling.py from {display_path(args.template)} and "
            f"{display_path(args.raw_csv)}: edit the template, not this file -->\n")
    with open(args.out, "w") as f:
        f.write(head + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
