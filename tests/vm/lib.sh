# shellcheck shell=bash
# Helpers for VM suites (tests/vm/suites/NAME): source "$(dirname "$0")/../lib.sh"
#
# TAP:     plan N | ok DESC | not_ok DESC | skip DESC REASON | skip_all REASON
#          diag MSG... | is GOT WANT DESC | cmp_ok A OP B DESC | check DESC CMD...
#          bail_out MSG | done_testing   (prints the plan if none was given,
#          exits 1 if any test failed)
# cgroups: td_cgroup_new NAME [MEMMAX] [CPUMAX] -> prints the cgroup path
#          td_cgroup_run CGPATH CMD...   run CMD inside the cgroup (foreground)
#          td_cgroup_spawn CGPATH CMD... start CMD in the background there; PID in TD_PID
#          td_cgroup_remove CGPATH       kill what is left, rmdir
#          td_scope [systemd-run PROP=VAL...] -- CMD...  transient systemd scope
# waiting: wait_for SECONDS CMD...  (poll every 0.1 s; 1 on timeout)
#          wait_for_unit SECONDS UNIT [STATE] (default: active)
# install: td_install_build | td_uninstall_build  (the host build as
#          "meson install" places it; see below)
# kernel:  td_fast_kernel   true on a kernel without lockdep (the perf flavour
#          of tests/bench/run), where timing bounds are asserted
# All helpers return non-zero on failure; none exits the suite by itself
# except bail_out, skip_all and done_testing.

TD_BUILD=${TD_BUILD:-/td/build}
TD_RESULTS=${TD_RESULTS:-/tmp}
TD_CGROOT=${TD_CGROOT:-/sys/fs/cgroup}

_tap_n=0
_tap_failed=0
_tap_planned=

plan() { _tap_planned=$1; echo "1..$1"; }
diag() { local l; printf '%s\n' "$*" | while IFS= read -r l; do echo "# $l"; done; }
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; return 1; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP ${2:-}"; }
# A whole suite that cannot run still reports one skipped test, so the
# skip is counted (tests/run counts "ok ... # SKIP" lines).
skip_all() { echo "1..1"; echo "ok 1 - ${TD_SUITE:-suite} # SKIP $*"; exit 0; }
bail_out() { echo "Bail out! $*"; exit 1; }

is() { # GOT WANT DESC
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3"; diag "got: '$1'" "want: '$2'"; return 1; fi
}
cmp_ok() { # A OP B DESC; OP: -eq -ne -lt -le -gt -ge (integers)
	if [ "$1" "$2" "$3" ] 2>/dev/null; then ok "$4"; else not_ok "$4"; diag "failed: $1 $2 $3"; return 1; fi
}
check() { # DESC CMD...: ok if CMD exits 0; its output becomes diagnostics on failure
	local desc=$1 out rc; shift
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then ok "$desc"; else not_ok "$desc"; diag "\$ $*" "exit $rc" "$out"; return 1; fi
}
done_testing() {
	[ -n "$_tap_planned" ] || echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ] || exit 1
	exit 0
}

wait_for() { # SECONDS CMD...
	local deadline=$(( $(date +%s%N) + ${1%.*} * 1000000000 )); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}
wait_for_unit() { # SECONDS UNIT [STATE]
	local t=$1 u=$2 want=${3:-active}
	_unit_is() { [ "$(systemctl is-active "$1" 2>/dev/null)" = "$2" ]; }
	wait_for "$t" _unit_is "$u" "$want"
}

# Direct cgroupfs: test cgroups live under $TD_CGROOT/td.test, outside what
# systemd manages, with the memory and cpu controllers enabled down to them.
# Timing bounds that lockdep and DEBUG_VM break under TCG are asserted only
# on a kernel built without them; /proc/config.gz says which one booted.
td_fast_kernel() {
	[ -r /proc/config.gz ] && ! zcat /proc/config.gz | grep -q '^CONFIG_PROVE_LOCKING=y'
}

td_cgroup_new() { # NAME [MEMMAX] [CPUMAX] -> path
	local name=$1 mem=${2:-} cpu=${3:-} parent=$TD_CGROOT/td.test cg
	cg=$parent/$name
	echo "+memory +cpu" >"$TD_CGROOT/cgroup.subtree_control" || return 1
	mkdir -p "$parent" || return 1
	echo "+memory +cpu" >"$parent/cgroup.subtree_control" || return 1
	mkdir "$cg" || return 1
	if [ -n "$mem" ]; then echo "$mem" >"$cg/memory.max" || return 1; fi
	if [ -n "$cpu" ]; then echo "$cpu" >"$cg/cpu.max" || return 1; fi
	echo "$cg"
}
td_cgroup_run() { # CGPATH CMD...
	local cg=$1; shift
	( echo $BASHPID >"$cg/cgroup.procs" && exec "$@" )
}
td_cgroup_spawn() { # CGPATH CMD... -> sets TD_PID (a child of the caller: wait works)
	local cg=$1; shift
	( echo $BASHPID >"$cg/cgroup.procs" && exec "$@" ) &
	TD_PID=$!
}
td_cgroup_remove() { # CGPATH
	local cg=$1
	[ -d "$cg" ] || return 0
	if [ -e "$cg/cgroup.kill" ]; then echo 1 >"$cg/cgroup.kill"; fi
	wait_for 10 _td_cg_empty "$cg" || return 1
	rmdir "$cg"
}
_td_cg_empty() { grep -q '^populated 0' "$1/cgroup.events"; }

td_scope() { # [PROP=VAL...] -- CMD...: run CMD in a transient scope (foreground)
	local props=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do props+=(-p "$1"); shift; done
	[ "${1:-}" = -- ] && shift
	systemd-run --quiet --scope --collect "${props[@]}" -- "$@"
}

# td_install_build: install the host build into the guest the way
# "meson install" places it (the guest has no meson): replays
# meson-info/intro-installed.json of $TD_BUILD/meson with the host's source
# and build paths mapped to /td and /td/build, then runs what a package's
# scripts would (daemon-reload, sysusers, tmpfiles, dbus ReloadConfig,
# catalog; their failures are not fatal here: suites that test them check
# them). Every file is written, so the guest runs this build; the paths that
# did not exist before are appended to TD_INSTALLED (array) and to
# $TD_RESULTS/installed.txt, and only those are removed again by
# td_uninstall_build (a file the image or an earlier suite left stays).
# TD_INSTALL_COUNT: files written. Returns 1 and prints what failed.
TD_INSTALLED=()
TD_INSTALL_COUNT=0
td_install_build() {
	local b=$TD_BUILD/meson info from to mode host_src host_build bad= existed
	info=$b/meson-info
	[ -s "$info/intro-installed.json" ] || { echo "no host build at $b" >&2; return 1; }
	host_src=$(jq -r .directories.source "$info/meson-info.json")
	host_build=$(jq -r .directories.build "$info/meson-info.json")
	mkdir -p "$TD_RESULTS"
	while IFS=$'\t' read -r from to; do
		case $from in
		"$host_build"/*) from=$b/${from#"$host_build"/} ;;
		"$host_src"/*) from=/td/${from#"$host_src"/} ;;
		esac
		mode=0644
		[ -x "$from" ] && mode=0755
		existed=; [ -e "$to" ] && existed=1
		if install -D -m "$mode" "$from" "$to"; then
			TD_INSTALL_COUNT=$((TD_INSTALL_COUNT + 1))
			[ -n "$existed" ] && continue
			TD_INSTALLED+=("$to"); echo "$to" >>"$TD_RESULTS/installed.txt"
		else
			bad+="$from -> $to"$'\n'
		fi
	done < <(jq -r 'to_entries[] | [.key, .value] | @tsv' "$info/intro-installed.json")
	[ -z "$bad" ] || { printf 'install failed:\n%s' "$bad" >&2; return 1; }
	systemctl daemon-reload
	systemd-sysusers >/dev/null 2>&1
	systemd-tmpfiles --create /usr/lib/tmpfiles.d/teardownd.conf >/dev/null 2>&1
	busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null 2>&1
	journalctl --update-catalog >/dev/null 2>&1
	return 0
}
td_uninstall_build() {
	local f
	for f in "${TD_INSTALLED[@]}"; do rm -f "$f"; done
	TD_INSTALLED=()
	systemctl daemon-reload >/dev/null 2>&1
	# the D-Bus policy file may be gone: let dbus forget it
	busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null 2>&1
	return 0
}
