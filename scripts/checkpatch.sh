#!/bin/bash
# checkpatch.pl --strict over every patch of the series, with the script of
# the pinned source.  Exits non-zero on any error, warning or check.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
src="$top/build/linux"
bad=0
while read -r p; do
	if ! out="$(cd "$src" && PATH="/usr/bin:$PATH" ./scripts/checkpatch.pl --strict --no-tree -q \
		"$top/patches/$p" 2>&1)"; then
		echo "checkpatch: $p"
		echo "$out" | sed 's/^/    /'
		bad=1
	elif [ -n "$out" ]; then
		echo "checkpatch: $p"
		echo "$out" | sed 's/^/    /'
		bad=1
	else
		echo "checkpatch: $p: clean"
	fi
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/patches/series")
exit "$bad"
