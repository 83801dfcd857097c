#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: test-man.sh PAGE...
# Every page must render with `man --warnings=w -l` (every groff warning
# category; plain --warnings is a subset) at MANWIDTH=80 without a single
# warning, have EXAMPLES and FILES sections, have no
# placeholder left unsubstituted, and give every key's entry its own
# tagged paragraph.
set -uo pipefail
command -v man >/dev/null || { echo "man not installed"; exit 77; }
failed=0
for page in "$@"; do
	name=$(basename "$page")
	warnings=$(MANWIDTH=80 man --warnings=w -l "$page" 2>&1 >/dev/null)
	if [ -n "$warnings" ]; then
		echo "$name: groff warnings:"; echo "$warnings"; failed=1
	fi
	text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
	for s in NAME SYNOPSIS DESCRIPTION FILES EXAMPLES "SEE ALSO"; do
		grep -q "^$s\$" <<<"$text" || { echo "$name: no $s section"; failed=1; }
	done
	# a key's entry (".BI Key= VALUE" on a line of its own) opens a tagged paragraph,
	# or it runs into the text of the key before it
	runon=$(awk '/^\.BI [A-Za-z]+= / && prev !~ /^\.(TP|TQ)/ { print FILENAME ":" FNR ": " $2 " has no .TP before it" } { prev = $0 }' "$page")
	if [ -n "$runon" ]; then
		echo "$runon"; failed=1
	fi
	if grep -n '@[A-Z]*@' "$page"; then
		echo "$name: unsubstituted placeholder"; failed=1
	fi
	[ $failed -eq 0 ] && echo "$name: ok ($(wc -l <<<"$text") lines)"
done
exit $failed
