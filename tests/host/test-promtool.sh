#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Prometheus's own checker on what teardownd ships and renders:
# promtool check rules and promtool test rules on conf/teardownd.rules.yml,
# promtool check metrics on the renderer's fixture (the text format 0.0.4;
# test-metrics.sh checks what a running daemon serves). Exit 77 without
# promtool (Debian: prometheus): never a silent pass.
# usage: test-promtool.sh SOURCE_ROOT
set -u
src=$1
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
run() { # description, command...: passes when the command exits 0; its output goes to the TAP diagnostics
	local d=$1 out rc; shift
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then ok "$d"; else not_ok "$d (exit $rc)"; fi
	sed 's/^/# /' <<<"$out"
}
command -v promtool >/dev/null || { echo "1..0 # SKIP promtool not installed (Debian: prometheus)"; exit 77; }

echo "1..4"
echo "# $(promtool --version 2>&1 | head -1)"
run "promtool check rules conf/teardownd.rules.yml" promtool check rules "$src/conf/teardownd.rules.yml"
run "promtool test rules: every alert fires on its bad series and not on the good ones" \
	promtool test rules "$src/tests/host/teardownd.rules.test.yml"
out=$(promtool check metrics <"$src/tests/unit/fixtures/metrics/prometheus.txt" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then ok "promtool check metrics: the renderer's fixture, no lint"; else not_ok "promtool check metrics on the fixture (exit $rc): $out"; fi
# the rules name only metrics the daemon renders
missing=
for m in $(grep -oE 'teardownd_[a-z_]+' "$src/conf/teardownd.rules.yml" | sort -u); do
	grep -q "^${m}[ {]" "$src/tests/unit/fixtures/metrics/prometheus.txt" || missing+=" $m"
done
if [ -z "$missing" ]; then ok "every metric the rules use is rendered"; else not_ok "the rules use metrics nobody renders:$missing"; fi
[ $failed -eq 0 ]
