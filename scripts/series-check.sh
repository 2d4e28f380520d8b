#!/bin/bash
# Check patch N with checkpatch, boot the series as of patch N and run the
# selftests of that state: every patch must pass on its own, not only build.
# KERNEL=mainline: patch N of the mainline series.
#   series-check.sh N
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
. "$top/scripts/series-lib.sh"
n="${1:?usage: series-check.sh N}"

"$top/scripts/kernel-tree.sh" sync
c="$(series_commits | sed -n "${n}p")"
[ -n "$c" ] || { echo "series: no patch $n" >&2; exit 2; }
echo "series: testing as of patch $n: $(git -C "$tree" log -1 --format=%s "$c")"
checkpatch_patch "$n"
build_prefix "$c" "$n"
"$top/scripts/mkinitramfs.sh" "$top/build/initramfs-${series_prefix}series.cpio" \
	"$tests/iommufd" "$tests/iommufd_fail_nth"
exec "$top/scripts/run-vm.sh" "$obj/arch/x86/boot/bzImage" \
	"$top/build/initramfs-${series_prefix}series.cpio" check \
	"$top/build/logs/${series_prefix}series-$n" 3000
