#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The /metrics endpoint of a real teardownd on the host (started in a --root
# tree like test-daemon.sh): off without Listen=, GET /metrics in both
# formats, promtool check metrics on what it serves, 405 for other
# methods, 404 for other paths, a flood of 1000 concurrent connections with
# malformed and never-finished requests while the D-Bus API still answers,
# the socket passed by systemd (teardownctl-metrics.socket) instead of
# Listen=, teardownctl metrics and its atomic --output.
# usage: test-metrics.sh TEARDOWND TEARDOWNCTL METRICS_FLOOD
set -u
td=$1 ctl=$2 flood_exe=$3
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP ${reason:-}"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 77; }
py=$(command -v /usr/bin/python3 python3 | head -1)
free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "1..21"
tmp=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/etc/teardownd/policy.d"
printf '[Match]\nUnit=host-test.service\n[Teardown]\nMinSize=64M\n' >"$tmp/etc/teardownd/policy.d/10-good.policy"
export TEARDOWNCTL_PRIVATE_SOCKET=$tmp/run/teardownd/private

start() { # $1 = log; the rest: a wrapper command, if any
	local log=$1; shift
	"$@" "$td" --root="$tmp" --log-level=info >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -S "$TEARDOWNCTL_PRIVATE_SOCKET" ] && grep -q "Started:" "$log" && return 0; sleep 0.1; done
	return 1
}
stop() {
	kill -TERM $pid 2>/dev/null
	wait $pid
	local rc=$?
	pid=
	return $rc
}

# off unless configured
port=$(free_port)
start "$tmp/log0"
check "without [Metrics] Listen= nothing listens on 127.0.0.1:$port" \
	sh -c "! curl -s -m 2 -o /dev/null http://127.0.0.1:$port/metrics && ! grep -q 'Serving metrics' '$tmp/log0'"
check "without Listen= teardownctl metrics still prints the metrics over D-Bus" \
	sh -c "'$ctl' metrics | grep -q '^teardownd_build_info{version=\"[0-9]'"
stop

printf '[Metrics]\nListen=127.0.0.1:%s\n' "$port" >"$tmp/etc/teardownd/teardownd.conf"
start "$tmp/log1"
check "Listen=127.0.0.1:$port: says where it serves" grep -q "Serving metrics on http://127.0.0.1:$port/metrics" "$tmp/log1"
url=http://127.0.0.1:$port/metrics
code=$(curl -s -m 5 -D "$tmp/headers" -o "$tmp/metrics.txt" -w '%{http_code}' "$url")
check "GET /metrics answers 200 (got $code)" test "$code" = 200
check "... as text/plain; version=0.0.4" grep -qi '^Content-Type: text/plain; version=0.0.4' "$tmp/headers"
check "... with build info, teardowns by policy, mode and trigger, and the histograms" \
	sh -c "grep -q '^teardownd_build_info{version=' '$tmp/metrics.txt' &&
	       grep -q '^teardownd_teardowns_total{policy=\"10-good\",mode=\"reaper\",trigger=\"oom\"} 0\$' '$tmp/metrics.txt' &&
	       grep -q '^teardownd_teardown_duration_seconds_bucket{le=\"+Inf\"} 0\$' '$tmp/metrics.txt' &&
	       ! grep -q 'pid=' '$tmp/metrics.txt'"
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$tmp/metrics.txt" 2>&1)
	check "promtool check metrics passes on the served text${out:+ ($out)}" test $? -eq 0 -a -z "$out"
else
	reason="promtool not installed (Debian: prometheus)" skip "promtool check metrics on the served text"
fi
curl -s -m 5 -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
	-D "$tmp/headers-om" -o "$tmp/metrics-om.txt" "$url"
check "Accept: application/openmetrics-text gets OpenMetrics, ending in # EOF" \
	sh -c "grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0' '$tmp/headers-om' &&
	       [ \"\$(tail -1 '$tmp/metrics-om.txt')\" = '# EOF' ] && grep -q '^# TYPE teardownd_build info' '$tmp/metrics-om.txt'"

bad=
for m in POST PUT DELETE HEAD OPTIONS PATCH; do
	c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X "$m" "$url")
	[ "$c" = 405 ] || bad+=" $m:$c"
done
check "every method but GET is refused with 405${bad:+ (got$bad)}" test -z "$bad"
check "405 names the allowed method (Allow: GET)" \
	sh -c "curl -s -m 5 -o /dev/null -D - -X POST -d x '$url' | grep -qi '^Allow: GET'"
bad=
for p in / /metric /metrics/ /metricsx /foo /metrics/../x "/%2e%2e/etc/passwd"; do
	c=$(curl -s -m 5 --path-as-is -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$p")
	[ "$c" = 404 ] || bad+=" $p:$c"
done
check "every path but /metrics gets 404${bad:+ (got$bad)}" test -z "$bad"
check "a query string is ignored: /metrics?x=1 is /metrics" \
	sh -c "[ \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' '$url?x=1')\" = 200 ]"

# the flood: 1000 connections at once, most of them malformed or never finished
"$flood_exe" 127.0.0.1 "$port" 1000 4000 >"$tmp/flood.out" 2>&1 &
flood=$!
sleep 1.5
t0=$(date +%s%N)
"$ctl" metrics >"$tmp/bus-during-flood.txt" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "during the flood the D-Bus API answers GetMetrics() (exit $rc, $ms ms)" test $rc -eq 0 -a $ms -lt 3000
wait $flood
check "the flood ran: $(cat "$tmp/flood.out")" grep -q "^sent 1000, connected [1-9]" "$tmp/flood.out"
check "the flood got 405, 404 and 4xx for its malformed requests" \
	sh -c "grep -q '405: ' '$tmp/flood.out' && grep -q '404: ' '$tmp/flood.out' && grep -qE '(400|413|431): ' '$tmp/flood.out'"
check "the daemon survived the flood" kill -0 $pid
code=000
for _ in $(seq 30); do
	code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url")
	[ "$code" = 200 ] && break
	sleep 0.5
done
check "after the flood GET /metrics answers 200 again (got $code)" test "$code" = 200

# teardownctl metrics --output: atomic, 0644, nothing left behind
mkdir "$tmp/textfile"
"$ctl" metrics --output="$tmp/textfile/teardownd.prom"
rc=$?
check "teardownctl metrics --output writes the file, mode 0644, and no temporary is left" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(stat -c %a '$tmp/textfile/teardownd.prom')\" = 644 ] &&
	       [ \"\$(ls -A '$tmp/textfile')\" = teardownd.prom ] && grep -q '^teardownd_build_info' '$tmp/textfile/teardownd.prom'"
check "teardownctl metrics has the same series as GET /metrics" \
	bash -c "diff <(grep -v '^#' '$tmp/textfile/teardownd.prom' | cut -d' ' -f1) <(grep -v '^#' '$tmp/metrics.txt' | cut -d' ' -f1)"
stop
check "SIGTERM after the flood exits cleanly (status $?)" test $? -eq 0

# the socket of teardownd-metrics.socket instead of Listen=
if command -v systemd-socket-activate >/dev/null; then
	port2=$(free_port)
	rm -f "$tmp/etc/teardownd/teardownd.conf"
	systemd-socket-activate -l "127.0.0.1:$port2" --fdname=metrics "$td" --root="$tmp" >"$tmp/log2" 2>&1 &
	pid=$!
	sleep 0.3
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port2/metrics")
	# the HTTP thread may answer before the main thread has logged
	for _ in $(seq 50); do grep -q 'Serving metrics on the socket' "$tmp/log2" && break; sleep 0.1; done
	check "a socket passed as \"metrics\" (systemd-socket-activate) is served, the first request too (got $code)" \
		sh -c "[ '$code' = 200 ] && grep -q 'Serving metrics on the socket of teardownd-metrics.socket' '$tmp/log2'"
	stop
else
	reason="systemd-socket-activate not installed" skip "a socket passed as \"metrics\" is served"
fi
[ $failed -eq 0 ]
