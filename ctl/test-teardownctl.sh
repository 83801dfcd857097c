#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: test-teardownctl.sh unit TEARDOWNCTL SRCDIR
#        test-teardownctl.sh kill TEARDOWNCTL SRCDIR TEST_HOG
#
# unit: --help, --version, bad command lines and their exit codes, policy
#       check on the shipped example (valid) and on the broken fixture;
#       pure, no root, no daemon.
# kill: kills a 256 MiB process of our own and reaps it (process_mrelease on
#       a stock kernel, the pidfd reaper on the patched one); the JSON report
#       must parse, name the backend and account for the RSS within 5%.
set -uo pipefail

mode=$1 ctl=$2 src=$3
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# expect CODE DESCRIPTION -- ARGS...: the exit code of teardownctl ARGS
expect() {
	local want=$1 what=$2 got
	shift 3
	"$ctl" "$@" >/tmp/ctl-out.$$ 2>/tmp/ctl-err.$$
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"
	else not_ok "$what: exit $got, expected $want"; sed 's/^/# /' /tmp/ctl-out.$$ /tmp/ctl-err.$$; fi
}

case "$mode" in
unit)
	expect 0 "--help" -- --help
	grep -q '^  kill PID' /tmp/ctl-out.$$ && ok "--help lists kill" || not_ok "--help lists kill"
	expect 0 "--version" -- --version
	grep -qx "teardownctl [0-9.]*" /tmp/ctl-out.$$ && ok "--version format" || not_ok "--version format: $(cat /tmp/ctl-out.$$)"
	expect 2 "no command" --
	grep -qx "teardownctl: Command expected; see --help." /tmp/ctl-err.$$ &&
		ok "errors are prefixed with the program name" || not_ok "error format: $(cat /tmp/ctl-err.$$)"
	JOURNAL_STREAM=1:1 "$ctl" >/dev/null 2>/tmp/ctl-err.$$
	grep -q "^<" /tmp/ctl-err.$$ && not_ok "a JOURNAL_STREAM that is not our stderr is ignored: $(cat /tmp/ctl-err.$$)" ||
		ok "a JOURNAL_STREAM that is not our stderr is ignored"
	expect 2 "unknown command" -- frobnicate
	expect 2 "unknown option" -- --frobnicate status
	expect 2 "kill without PID" -- kill
	expect 2 "kill with a non-numeric PID" -- kill abc
	expect 2 "kill with PID 0" -- kill 0
	expect 2 "reap with a negative PID" -- reap -- -5
	expect 2 "--workers=0" -- kill --workers 0 1
	expect 2 "--workers=65" -- kill --workers 65 1
	expect 2 "--signal=BOGUS" -- kill --signal BOGUS 1
	expect 2 "--chunk not a multiple of 2M" -- kill --chunk 3M 1
	expect 2 "--json=xml" -- --json=xml list
	expect 2 "--timeout=0" -- --timeout=0 status
	expect 2 "--timeout=abc" -- --timeout=abc status
	grep -q "timeout" /tmp/ctl-out.$$ /tmp/ctl-err.$$ && ok "--timeout=abc is explained" || not_ok "--timeout=abc is explained"
	expect 2 "status with an argument" -- status extra
	expect 2 "policy frob" -- policy frob
	expect 2 "policy show without NAME" -- policy show
	expect 4 "reap of a PID that does not exist" -- reap 2147483647
	grep -q "No such process" /tmp/ctl-err.$$ && ok "ESRCH is explained" || not_ok "ESRCH is explained"
	expect 0 "policy check on the shipped example" -- policy check "$src/conf/policy.d/50-example.policy"
	grep -q "Mode: reaper" /tmp/ctl-out.$$ && ok "policy check shows the mode" || not_ok "policy check shows the mode"
	expect 0 "policy check --json" -- --json policy check "$src/conf/policy.d/50-example.policy"
	if command -v jq >/dev/null; then
		[ "$(jq -r '.workers' /tmp/ctl-out.$$)" = 2 ] && ok "policy check --json parses, workers=2" ||
			not_ok "policy check --json: $(cat /tmp/ctl-out.$$)"
	fi
	expect 6 "policy check on a broken policy" -- policy check "$src/tests/unit/fixtures/bad/etc/teardownd/policy.d/10-broken.policy"
	grep -q "10-broken.policy:5: Mode=fast" /tmp/ctl-err.$$ && ok "errors name FILE:LINE" || not_ok "errors name FILE:LINE"
	expect 1 "policy check on a missing file" -- policy check /nonexistent/x.policy
	# policy check --json printed nothing on a refused file
	expect 6 "policy check --json on a broken policy" -- --json policy check "$src/tests/unit/fixtures/bad/etc/teardownd/policy.d/10-broken.policy"
	if command -v jq >/dev/null; then
		[ "$(jq -r '.valid, (.errors[] | select(.line == 5) | .message), (.errors[0].file | endswith("10-broken.policy"))' /tmp/ctl-out.$$ 2>&1)" = \
		  "$(printf 'false\nMode=fast: expected sync, async or reaper\ntrue')" ] &&
			ok "policy check --json: an error object with file, line and message" ||
			not_ok "policy check --json on errors: '$(cat /tmp/ctl-out.$$)'"
	fi
	expect 1 "policy check --json on a missing file" -- --json policy check /nonexistent/x.policy
	if command -v jq >/dev/null; then
		jq -e '.valid == false and .errors[0].line == null and (.errors[0].message | test("No such file"))' /tmp/ctl-out.$$ >/dev/null &&
			ok "policy check --json: a missing file is an error object" || not_ok "policy check --json, missing file: '$(cat /tmp/ctl-out.$$)'"
	fi
	# -q status printed the whole "not running" text
	TEARDOWNCTL_PRIVATE_SOCKET=/nonexistent/private expect 3 "-q status without a daemon" -- -q status
	[ ! -s /tmp/ctl-out.$$ ] && ok "-q status prints nothing" || not_ok "-q status prints: $(cat /tmp/ctl-out.$$)"
	# help verb and per-verb help
	expect 0 "help" -- help
	grep -q '^  help \[COMMAND\]' /tmp/ctl-out.$$ && ok "help lists itself" || not_ok "help lists itself"
	expect 0 "help kill" -- help kill
	grep -q -- '--signal=SIG' /tmp/ctl-out.$$ && ! grep -q -- '--follow' /tmp/ctl-out.$$ &&
		ok "help kill shows kill's options only" || not_ok "help kill: $(cat /tmp/ctl-out.$$)"
	expect 0 "kill --help" -- kill --help
	grep -q '^  kill PID' /tmp/ctl-out.$$ && ! grep -q '^  status' /tmp/ctl-out.$$ &&
		ok "kill --help is the help of kill" || not_ok "kill --help: $(cat /tmp/ctl-out.$$)"
	expect 0 "policy check --help" -- policy check --help
	grep -q '^  policy check FILE' /tmp/ctl-out.$$ && ok "policy check --help is the help of policy" || not_ok "policy check --help"
	expect 2 "help of an unknown command" -- help frob
	bash -n "$src/ctl/teardownctl.bash-completion" && ok "bash completion: bash -n" || not_ok "bash completion: bash -n"
	if [ -f /usr/share/bash-completion/bash_completion ]; then
		# complete WORDS... (the last one is being completed) -> the candidates
		complete_words() {
			bash -c 'source /usr/share/bash-completion/bash_completion
				source "$0"
				COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
				COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
				_teardownctl; echo "${COMPREPLY[*]}"' "$src/ctl/teardownctl.bash-completion" "$@"
		}
		c=$(complete_words teardownctl ""); [ "$c" = "kill reap status list events policy metrics help" ] &&
			ok "completion: verbs" || not_ok "completion: verbs, got '$c'"
		c=$(complete_words teardownctl --json policy ""); [ "$c" = "list show check" ] &&
			ok "completion: policy subcommands after an option" || not_ok "completion: policy subcommands, got '$c'"
		# --json takes its mode only as --json=MODE: after "--json " comes the command
		c=$(complete_words teardownctl --json ""); [ "$c" = "kill reap status list events policy metrics help" ] &&
			ok "completion: a command after --json, not 'short'" || not_ok "completion after --json, got '$c'"
		c=$(complete_words teardownctl --json=p); [ "$c" = "pretty" ] &&
			ok "completion: --json=MODE" || not_ok "completion: --json=MODE, got '$c'"
		c=$(complete_words teardownctl help p); [ "$c" = "policy" ] &&
			ok "completion: help COMMAND" || not_ok "completion: help COMMAND, got '$c'"
		c=$(complete_words teardownctl --time); [ "$c" = "--timeout=" ] &&
			ok "completion: --timeout=" || not_ok "completion: --timeout=, got '$c'"
		c=$(complete_words teardownctl kill --signal T); [ "$c" = "TERM" ] &&
			ok "completion: signal names" || not_ok "completion: signal names, got '$c'"
		c=$(complete_words teardownctl kill "$$"); case " $c " in *" $$ "*) ok "completion: PIDs" ;; *) not_ok "completion: PIDs, got '$c'" ;; esac
	else
		n=$((n + 1)); echo "ok $n - completion behaviour # SKIP bash-completion not installed"
	fi
	;;
kill)
	# a private anonymous mapping: the memory process_mrelease(2) can reap
	# (it skips VM_SHARED, so a shared mapping would be left to the exit)
	hog_exe=${4:?usage: test-teardownctl.sh kill TEARDOWNCTL SRCDIR TEST_HOG}
	"$hog_exe" 256M >/tmp/ctl-hog.$$ &
	hog=$!
	for _ in $(seq 100); do grep -q ready /tmp/ctl-hog.$$ 2>/dev/null && break; sleep 0.1; done
	rss=$(awk '/^VmRSS/ { print $2 * 1024 }' /proc/$hog/status)
	expect 0 "kill --workers 2 of a 256M process" -- --json kill --workers 2 $hog
	wait $hog 2>/dev/null
	st=$?
	[ $st -eq 137 ] && ok "the process died of SIGKILL" || not_ok "the process ended with $st, expected 137"
	if jq -e . /tmp/ctl-out.$$ >/dev/null; then
		ok "kill --json parses"
		backend=$(jq -r '.[0].backend' /tmp/ctl-out.$$)
		bytes=$(jq -r '.[0].bytes' /tmp/ctl-out.$$)
		echo "# rss=$rss backend=$backend bytes=$bytes reason=$(jq -r '.[0].reason // ""' /tmp/ctl-out.$$)"
		case "$backend" in pidfd-reap|process_mrelease) ok "backend $backend" ;; *) not_ok "backend '$backend'" ;; esac
		if [ "$backend" = process_mrelease ] && [ "$bytes" -eq 0 ]; then
			# the documented race: the victim passed exit_mm first (ESRCH)
			jq -e '.[0].reason | length > 0' /tmp/ctl-out.$$ >/dev/null &&
				ok "nothing reaped, and the reason is stated" || not_ok "bytes=0 without a reason"
		else
			awk -v b="$bytes" -v r="$rss" 'BEGIN { d = b - r; if (d < 0) d = -d; exit !(d <= r * 0.05) }' &&
				ok "bytes within 5% of RSS" || not_ok "bytes $bytes not within 5% of RSS $rss"
		fi
	else
		not_ok "kill --json parses"
	fi

	# a kernel thread has no memory of its own: refused, not an ESRCH story and exit 0
	kt=
	for d in /proc/[0-9]*; do
		st=$(cat "$d/stat" 2>/dev/null) || continue
		set -- ${st##*) }
		[ $(( $7 & 0x200000 )) -ne 0 ] && { kt=${d#/proc/}; break; }
	done
	if [ -n "$kt" ]; then
		expect 1 "reap of a kernel thread ($kt) is refused" -- reap "$kt"
		grep -q "is a kernel thread" /tmp/ctl-err.$$ && ok "the kernel thread is named as such" ||
			not_ok "the kernel thread is named as such: $(cat /tmp/ctl-err.$$)"
	else
		n=$((n + 1)); echo "ok $n - reap of a kernel thread # SKIP no kernel thread visible (PID namespace)"
	fi

	# a thread ID is not a process: say whose thread it is
	python3 -c 'import threading, time; threading.Thread(target=time.sleep, args=(30,)).start()' &
	py=$!
	for _ in $(seq 50); do tid=$(ls /proc/$py/task 2>/dev/null | grep -vx "$py" | head -1); [ -n "$tid" ] && break; sleep 0.1; done
	expect 1 "reap of a thread ID" -- reap "$tid"
	grep -q "$tid is a thread of process $py (python3)" /tmp/ctl-err.$$ && ok "the thread's process is named" ||
		not_ok "the thread's process is named: $(cat /tmp/ctl-err.$$)"
	kill $py 2>/dev/null

	# reap of a live process: no 'freed 0B of ...', it says the process is alive
	sleep 60 &
	live=$!
	expect 1 "reap of a live process" -- reap $live
	grep -q "alive and not being torn down" /tmp/ctl-err.$$ && ! grep -q freed /tmp/ctl-out.$$ &&
		ok "reap of a live process says so, without 'freed'" ||
		not_ok "reap of a live process: $(cat /tmp/ctl-out.$$ /tmp/ctl-err.$$)"

	# kill --signal=TERM of a process that ignores TERM: it is still alive, say so
	bash -c 'trap "" TERM; while :; do sleep 1; done' &
	ign=$!
	sleep 0.3
	start=$(date +%s)
	expect 1 "kill --signal=TERM of a process that ignores TERM" -- kill --signal=TERM $ign
	took=$(($(date +%s) - start))
	grep -q "$ign (bash) is still alive 5s after SIGTERM" /tmp/ctl-err.$$ && [ $took -le 9 ] &&
		ok "it is reported still alive (after ${took}s)" || not_ok "still alive not reported: $(cat /tmp/ctl-err.$$)"
	kill -0 $ign 2>/dev/null && ok "and it is" || not_ok "and it is"
	kill -KILL $ign 2>/dev/null

	# --json kill: every PID has an entry, the failed ones with their error
	expect 4 "--json kill of a missing and a live PID" -- --json kill 2147483647 $live
	if [ "$(jq -r 'length' /tmp/ctl-out.$$ 2>/dev/null)" = 2 ] &&
	   [ "$(jq -r '.[0].pid, .[0].error' /tmp/ctl-out.$$)" = "$(printf '2147483647\nNo such process')" ] &&
	   [ "$(jq -r '.[1].pid' /tmp/ctl-out.$$)" = $live ]; then
		ok "--json kill lists the failed PID with its error"
	else
		not_ok "--json kill: $(cat /tmp/ctl-out.$$)"
	fi
	wait $live 2>/dev/null
	;;
esac
rm -f /tmp/ctl-out.$$ /tmp/ctl-err.$$ /tmp/ctl-hog.$$
echo "1..$n"
[ $failed -eq 0 ]
