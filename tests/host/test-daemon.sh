#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# teardownd itself on the host: --test-config exit codes and FILE:LINE
# errors, start-up on a kernel without the patch saying what it cannot do,
# SIGHUP with a broken policy keeping the last good config, SIGTERM exiting
# cleanly. The config lives in a --root tree; the host has no system bus,
# so the daemon serves the private socket below that root.
# usage: test-daemon.sh TEARDOWND FIXTURES_DIR TEARDOWNCTL
set -u
td=$1 fixtures=$2 ctl=$3
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

"$td" --version | grep -q '^teardownd [0-9]' && ok "--version" || not_ok "--version"

"$td" --test-config --root="$fixtures/good" >/dev/null 2>&1
check "--test-config on the good fixture exits 0" test $? -eq 0

# --config-dir= is the old name of --root=: a root with etc/teardownd below it
"$td" --test-config --config-dir="$fixtures/good" >/dev/null 2>&1
check "--config-dir=ROOT still works as --root=ROOT" test $? -eq 0
err=$("$td" --test-config --config-dir="$fixtures/good/etc/teardownd" 2>&1 >/dev/null)
rc=$?
check "--config-dir=/etc/teardownd is refused, not read as an empty root (exit $rc)" test $rc -ne 0
check "... and says to use --root=" grep -q 'use --root=ROOT' <<<"$err"
"$td" --help | grep -q -- '--config-dir=DIR.*old name of --root'
check "--help says --config-dir= is the old name of --root=" test $? -eq 0

err=$("$td" --test-config --root="$fixtures/bad" 2>&1 >/dev/null)
rc=$?
check "--test-config on the bad fixture exits 1" test $rc -eq 1
check "--test-config names FILE:LINE of each error" \
	grep -q "bad/etc/teardownd/policy.d/10-broken.policy:7: Workers=65: expected an integer in 1..64" <<<"$err"

tmp=$(mktemp -d)
log=$tmp/log
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/etc/teardownd/policy.d"
printf '[Match]\nUnit=host-test.service\n[Teardown]\nMinSize=64M\n' >"$tmp/etc/teardownd/policy.d/10-good.policy"

# a bad config at start is fatal
printf '[Manager]\nMaxTracked=1\n' >"$tmp/etc/teardownd/teardownd.conf"
"$td" --root="$tmp" >"$log" 2>&1
rc=$?
check "a bad config at start is fatal (exit $rc) and names the line" \
	sh -c "[ $rc -ne 0 ] && grep -q 'teardownd.conf:2: MaxTracked=1' '$log'"
rm "$tmp/etc/teardownd/teardownd.conf"

# WATCHDOG_USEC=0 made manager_new() fail after it had taken the config,
# which main() then freed a second time (exit 139)
WATCHDOG_USEC=0 "$td" --root="$tmp" >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$tmp/run/teardownd/private" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
check "WATCHDOG_USEC=0: starts without the watchdog and exits cleanly (status $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'Failed to enable the watchdog' '$log'"

"$td" --root="$tmp" --log-level=info >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$tmp/run/teardownd/private" ] && break; sleep 0.1; done
check "starts and listens on the private socket" test -S "$tmp/run/teardownd/private"
out=$(python3 "$(dirname "$0")/pipelined-peer.py" "$tmp/run/teardownd/private" 10 2>&1)
check "a peer that sends BEGIN and its first call in one packet is answered ($out)" test $? -eq 0
# a second instance for the same root used to unlink the first one's socket and take over
timeout 10 "$td" --root="$tmp" >"$tmp/log2" 2>&1
rc=$?
check "a second teardownd refuses to start (exit $rc) and names the first ($pid)" \
	sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'Another teardownd (PID $pid) is running' '$tmp/log2'"
sed 's/^/# /' "$tmp/log2" | tail -3
out=$(python3 "$(dirname "$0")/pipelined-peer.py" "$tmp/run/teardownd/private" 10 2>&1)
check "the first still answers on its socket after the second was refused ($out)" test $? -eq 0
export TEARDOWNCTL_PRIVATE_SOCKET=$tmp/run/teardownd/private
timeout 30 "$ctl" status >"$tmp/out" 2>&1
rc=$?
check "teardownctl status via \$TEARDOWNCTL_PRIVATE_SOCKET exits 0 (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q '(running, via $tmp/run/teardownd/private)' '$tmp/out'"
sed 's/^/# /' "$tmp/out" | head -6
# status looked healthy while the daemon ran with reduced function
if grep -q "Running with reduced function: " "$log"; then
	why=$(sed -n 's/.*Running with reduced function: \([^:]*\):.*/\1/p' "$log" | head -1)
	check "status says LIMITED and why ($why), as the daemon logged at start" \
		sh -c "grep -q '^ *State: LIMITED\$' '$tmp/out' && grep -qF '$why' '$tmp/out'"
else
	ok "status says LIMITED # SKIP this host has every kernel feature"
fi
if grep -q "without a CPU budget" "$log"; then
	check "status says the workers have no CPU budget, as the daemon logged" \
		grep -q "without a CPU budget" "$tmp/out"
else
	ok "status names a missing CPU budget # SKIP the worker cgroups are set up here"
fi
timeout 30 "$ctl" -q status >"$tmp/out" 2>&1
rc=$?
check "teardownctl -q status: exit 0 and not a word (exit $rc, $(wc -c <"$tmp/out") bytes)" \
	sh -c "[ $rc -eq 0 ] && [ ! -s '$tmp/out' ]"

# a stopped daemon accepts the connection and never answers: sd-bus alone waits 90 s
kill -STOP $pid
for t in "--timeout=1 1 4" " 5 9"; do
	set -- $t
	[ $# -eq 2 ] && set -- "" "$@"
	start=$(date +%s)
	timeout 120 "$ctl" $1 status >"$tmp/out" 2>&1
	rc=$? took=$(($(date +%s) - start))
	check "status against a stopped daemon${1:+ with $1}: exit 3 after ${2}s (exit $rc after ${took}s)" \
		sh -c "[ $rc -eq 3 ] && [ $took -ge $2 ] && [ $took -le $3 ] && grep -q 'teardownd did not answer' '$tmp/out'"
done
sed 's/^/# /' "$tmp/out" | head -3
timeout 30 "$ctl" --timeout=1 --json list >"$tmp/out" 2>&1
rc=$?
check "list against a stopped daemon: exit 3 (exit $rc)" test $rc -eq 3
kill -CONT $pid
if [ -e /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers &&
   ls /sys/fs/cgroup/*/memory.teardown_mode >/dev/null 2>&1; then
	ok "patched kernel with cgroup2 memory: nothing to declare # SKIP this host has the feature"
else
	check "says at start what this kernel cannot do" grep -q "Running with reduced function: " "$log"
fi

# the private socket's connections: each uid but root has its own share, root always gets in
chmod 755 "$tmp"
kept=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 \
	"$(dirname "$0")/private-share.py" "$tmp/run/teardownd/private" 12 2>&1 &
	sleep 0.3; python3 "$(dirname "$0")/pipelined-peer.py" "$tmp/run/teardownd/private" 10 >"$tmp/root-peer" 2>&1;
	echo $? >"$tmp/root-peer.rc"; wait)
check "uid 65534 keeps 8 of 12 private connections (kept $kept)" test "$kept" = 8
check "root is answered on the private socket meanwhile ($(cat "$tmp/root-peer"))" test "$(cat "$tmp/root-peer.rc")" = 0
chmod 700 "$tmp"

printf '[Match]\nUnit=x.service\n[Teardown]\nMode=fast\n' >"$tmp/etc/teardownd/policy.d/20-broken.policy"
kill -HUP $pid
for _ in $(seq 50); do grep -q "keeping the last good config" "$log" && break; sleep 0.1; done
check "SIGHUP with a broken policy keeps the last good config and names 20-broken.policy:4" \
	grep -q "keeping the last good config: .*20-broken.policy:4: Mode=fast" "$log"
check "still running after the failed reload" kill -0 $pid

kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM exits cleanly (status $rc) and removes the socket" \
	sh -c "[ $rc -eq 0 ] && [ ! -e '$tmp/run/teardownd/private' ]"

# --log-level= from the command line was overridden by LogLevel= on every reload
rm -f "$tmp/etc/teardownd/policy.d/20-broken.policy"
printf '[Manager]\nLogLevel=info\n' >"$tmp/etc/teardownd/teardownd.conf"
"$td" --root="$tmp" --log-level=debug >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$tmp/run/teardownd/private" ] && break; sleep 0.1; done
for i in 1 2; do
	kill -HUP $pid
	for _ in $(seq 50); do [ "$(grep -c 'Reloaded configuration' "$log")" -ge $i ] && break; sleep 0.1; done
done
check "--log-level=debug outlives two reloads with LogLevel=info" \
	test "$(grep -c 'Log level debug after the reload (--log-level=)' "$log")" -eq 2
kill -TERM $pid
wait $pid

# ReapPid of a process not dying yet waits on the event loop, not in a pool
# thread: with MaxConcurrentTeardowns=1, a second ReapPid of a process
# killed meanwhile is answered at once (it used to queue behind the first,
# whose pool thread retried for 10 s)
printf '[Manager]\nMaxConcurrentTeardowns=1\n' >"$tmp/etc/teardownd/teardownd.conf"
"$td" --root="$tmp" >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$tmp/run/teardownd/private" ] && break; sleep 0.1; done
reap_pid() { dbus-send --peer="unix:path=$tmp/run/teardownd/private" --print-reply --reply-timeout=30000 \
	/org/teardownd1 org.teardownd1.Manager.ReapPid "uint32:$1" uint32:0; }
sleep 100 & live=$!
sleep 100 & doomed=$!
t0=$(date +%s%N)
reap_pid $live >"$tmp/r1" 2>&1 &
c1=$!
sleep 0.3
reap_pid $doomed >"$tmp/r2" 2>&1 &
c2=$!
sleep 0.3
kill -KILL $doomed
wait $c2
ms2=$((($(date +%s%N) - t0) / 1000000))
check "a second ReapPid, of a killed process, is answered while the first waits (${ms2} ms)" test $ms2 -lt 5000
sed 's/^/# /' "$tmp/r2" | head -3
wait $c1
ms1=$((($(date +%s%N) - t0) / 1000000))
check "ReapPid of a live process gives up after 10 s and says so (${ms1} ms)" \
	sh -c "[ $ms1 -ge 9500 ] && grep -q 'did not start dying within 10 s' '$tmp/r1'"
kill $live 2>/dev/null
kill -TERM $pid
wait $pid
echo "1..$n"
[ $failed -eq 0 ]
