#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every metric the renderer writes (the TYPE lines of its fixture) is listed
# in teardownd(8) and docs/metrics.md, and nothing listed there is gone.
# usage: test-metrics-docs.sh SOURCE_ROOT
set -u
src=$1
fixture=$src/tests/unit/fixtures/metrics/prometheus.txt
n=0 failed=0
rendered=$(sed -n 's/^# TYPE \(teardownd_[a-z_]*\) .*/\1/p' "$fixture" | sort -u)
echo "1..4"
for doc in man/teardownd.8 docs/metrics.md; do
	missing=
	for m in $rendered; do grep -q "$m" "$src/$doc" || missing+=" $m"; done
	n=$((n + 1))
	if [ -z "$missing" ]; then echo "ok $n - $doc lists all $(wc -w <<<"$rendered") metrics"; else
		echo "not ok $n - $doc does not list:$missing"; failed=1; fi
	stale=
	for m in $(grep -oE 'teardownd_[a-z_]+[a-z]' "$src/$doc" | sort -u); do
		grep -qx "$m" <<<"$rendered" || grep -q "^$m[ {]" "$fixture" || stale+=" $m"
	done
	n=$((n + 1))
	if [ -z "$stale" ]; then echo "ok $n - $doc names no metric the daemon does not render"; else
		echo "not ok $n - $doc names metrics nobody renders:$stale"; failed=1; fi
done
exit $failed
