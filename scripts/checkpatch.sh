#!/bin/bash
# checkpatch.pl --strict over every patch of the series (or the patches
# named, file names in patches/), with the script of the pinned source (and
# Debian's python3, for spdxcheck's ply).  Exits non-zero on any error,
# warning or check. KERNEL=mainline: the mainline series, patches/mainline/,
# with build/linux-mainline's script.
#   checkpatch.sh [PATCH...]
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/kernel-select.sh
. "$top/scripts/kernel-select.sh"
src="$series_tree"
pdir="$series_dir"
bad=0
while read -r p; do
	if ! out="$(cd "$src" && PATH="/usr/bin:$PATH" ./scripts/checkpatch.pl --strict --no-tree -q \
		"$pdir/$p" 2>&1)"; then
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
done < <(if [ "$#" -gt 0 ]; then printf '%s\n' "$@"; else
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$pdir/series"; fi)
exit "$bad"
