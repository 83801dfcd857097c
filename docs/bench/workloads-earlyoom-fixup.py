#!/usr/bin/env python3
"""Recompute other_kills and first_kill_ms of the earlyoom rows of a raw.csv
from the saved killer logs, with the kill pattern fixed in tests/bench/guest-workloads
(earlyoom's start-up banner "sending SIGTERM when mem <= ..." was counted as a kill).
usage: docs/bench/workloads-earlyoom-fixup.py RAW.CSV LOGDIR > FIXED.CSV
(run once on the OOM run of 2026-12-03, before the pattern was fixed in c4d0787)"""
import csv, re, sys
raw, logdir = sys.argv[1], sys.argv[2]
old = re.compile(r'^sending SIG(TERM|KILL)|^Killed /|Killed process')
new = re.compile(r'^sending SIG(TERM|KILL) to |^Killed /|Killed process')
line_re = re.compile(r'^\[\s*([0-9.]+)\] \S+ ([^:]+): (.*)$')
rows = list(csv.DictReader(open(raw)))
w = csv.DictWriter(sys.stdout, fieldnames=rows[0].keys(), lineterminator='\n')
w.writeheader()
for r in rows:
    if r['scenario'] == 'earlyoom':
        olds, news = [], []
        for l in open('%s/killer-earlyoom-%s-%s.txt' % (logdir, r['mode'], r['run'])):
            m = line_re.match(l.rstrip('\n'))
            if not m:
                continue
            ts, msg = float(m.group(1)), m.group(3)
            if old.search(msg):
                olds.append((ts, msg))
            if new.search(msg):
                news.append((ts, msg))
        r['other_kills'] = str(sum(1 for _, m in news if 'wl-hog' not in m))
        if olds and news and r['first_kill_ms']:
            shift = (min(t for t, _ in news) - min(t for t, _ in olds)) * 1000
            r['first_kill_ms'] = '%.1f' % (float(r['first_kill_ms']) + shift)
    w.writerow(r)
