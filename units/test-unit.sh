#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: test-unit.sh security|verify UNIT [DAEMON MANDIR [MORE_UNITS...]]
#
# security: `systemd-analyze security --offline=yes` must rate the unit
#           below 2.0 (systemd-oomd.service: 2.0, earlyoom.service: 8.4).
# verify:   `systemd-analyze verify` must print nothing. The unit is checked
#           as installed, except that the Exec*= lines that run the daemon
#           point at the built one
#           and the man pages of Documentation= are looked up in the source.
#           MORE_UNITS (teardownd.slice) sit beside it and are verified too.
# Exit 77 (skip) when systemd-analyze is missing.
set -euo pipefail

mode=$1 unit=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=$(basename "$unit")

case "$mode" in
security)
	cp "$unit" "$tmp/$name"
	out=$(cd "$tmp" && systemd-analyze security --offline=yes --no-pager "$tmp/$name" 2>&1) || {
		echo "$out"; echo "systemd-analyze security failed"; exit 1; }
	echo "$out" | grep -E '✗|Overall'
	score=$(echo "$out" | sed -n 's/.*Overall exposure level for .*: \([0-9][0-9]*\.[0-9]\).*/\1/p')
	[ -n "$score" ] || { echo "no exposure level in the output"; exit 1; }
	echo "exposure: $score (must be < 2.0)"
	awk -v s="$score" 'BEGIN { exit !(s < 2.0) }'
	;;
verify)
	daemon=$(realpath "$3") mandir=$(realpath "$4")
	more=()
	for u in "${@:5}"; do
		cp "$u" "$tmp/"
		more+=("$tmp/$(basename "$u")")
	done
	[ -x "$daemon" ] || { echo "daemon not built: $daemon"; exit 1; }
	# every Exec*= line that runs the daemon (ExecStartPre=+, ExecReload=-+ too)
	sed -E "s#^(Exec[A-Za-z]+=[-+!@:]*)[^ ]*/teardownd( |\$)#\1$daemon\2#" "$unit" > "$tmp/$name"
	grep -q "^ExecStart=$daemon\$" "$tmp/$name" || { echo "no ExecStart= of the daemon in $unit"; exit 1; }
	for p in "$mandir"/*.[0-9]; do
		s=${p##*.}
		mkdir -p "$tmp/man/man$s"
		ln -s "$p" "$tmp/man/man$s/"
	done
	out=$(cd "$tmp" && MANPATH="$tmp/man" systemd-analyze verify "$tmp/$name" "${more[@]}" 2>&1) || {
		echo "$out"; echo "systemd-analyze verify failed"; exit 1; }
	# it warns about dependencies missing on the build host (dbus.socket in
	# a container); those are about the host, not the unit
	out=$(echo "$out" | grep -v -E "(dbus|systemd-journald)\.socket" || true)
	if [ -n "$out" ]; then
		echo "$out"
		exit 1
	fi
	echo "systemd-analyze verify: clean"
	;;
*)
	echo "unknown mode $mode"; exit 2 ;;
esac
