#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: test-catalog.sh CATALOG MESSAGES_H
# The catalog must compile (journalctl --update-catalog into a scratch root)
# and document exactly the MESSAGE_IDs that include/teardownd/messages.h
# defines, so journalctl -x explains every message teardownd logs.
set -euo pipefail
catalog=$1 header=$2
command -v journalctl >/dev/null || { echo "journalctl not installed"; exit 77; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/catalog" "$root/var/lib/systemd/catalog"
cp "$catalog" "$root/usr/lib/systemd/catalog/"
journalctl --root="$root" --update-catalog
listed=$(journalctl --root="$root" --list-catalog | awk '{ print $1 }' | sort)
defined=$(sed -n 's/^#define TEARDOWND_MESSAGE_[A-Z_]*_STR "\([0-9a-f]\{32\}\)".*/\1/p' "$header" | sort)
echo "catalog: $(echo $listed)"
echo "header:  $(echo $defined)"
[ -n "$defined" ] || { echo "no ids found in $header"; exit 1; }
[ "$listed" = "$defined" ] || { echo "catalog and messages.h disagree"; exit 1; }
