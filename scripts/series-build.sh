#!/bin/bash
# Check every patch of the series and build every prefix of it: each patch
# must be checkpatch --strict clean and build on its own, with the debug
# config, kernel and selftests, without compiler warnings, and the C files
# it touches also with W=1 without new warnings. KERNEL=mainline: the
# mainline series.
#   series-build.sh [FIRST]   start at patch FIRST (default 1)
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
. "$top/scripts/series-lib.sh"

"$top/scripts/kernel-tree.sh" sync
first="${1:-1}"
n=0
for c in $(series_commits); do
	n=$((n + 1))
	[ "$n" -ge "$first" ] || continue
	echo "series: patch $n: $(git -C "$tree" log -1 --format=%s "$c")"
	checkpatch_patch "$n"
	build_prefix "$c" "$n"
done
echo "series: patches $first to $n are checkpatch clean and build on their own"
