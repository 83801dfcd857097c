#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: test-sysusers-tmpfiles.sh SYSUSERS TMPFILES
# Applies both files to a scratch root as the package would on install:
# systemd-sysusers must create the teardownd user (a bad GECOS field once
# kept the service from starting: status=217/USER), then systemd-tmpfiles
# must create the directories, owned as declared. Needs root (chown).
set -euo pipefail
sysusers=$(realpath "$1") tmpfiles=$(realpath "$2")
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null || { echo "systemd tools missing"; exit 77; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc"
systemd-sysusers --root="$root" "$sysusers"
grep '^teardownd:' "$root/etc/passwd"
uid=$(awk -F: '$1 == "teardownd" { print $3 }' "$root/etc/passwd")
[ -n "$uid" ] || { echo "no teardownd user created"; exit 1; }
systemd-tmpfiles --root="$root" --create "$tmpfiles"
for d in etc/teardownd/policy.d etc/teardownd/teardownd.conf.d run/teardownd/policy.d; do
	[ -d "$root/$d" ] || { echo "$d not created"; exit 1; }
done
[ "$(stat -c %u "$root/run/teardownd")" = "$uid" ] || { echo "/run/teardownd not owned by teardownd"; exit 1; }
echo "sysusers and tmpfiles apply cleanly (teardownd uid $uid)"
