#!/bin/bash
# Build every prefix of the series: each patch must build on its own, with
# the debug config, kernel and selftests, without compiler warnings.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
. "$top/scripts/series-lib.sh"

"$top/scripts/kernel-tree.sh" sync
n=0
for c in $(series_commits); do
	n=$((n + 1))
	echo "series: patch $n: $(git -C "$tree" log -1 --format=%s "$c")"
	build_prefix "$c" "$n"
done
echo "series: all $n patches build on their own"
