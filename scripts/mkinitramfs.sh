#!/bin/bash
# Pack busybox, our init, the suites and the test programs into a cpio.
#   mkinitramfs.sh OUT.cpio PROGRAM...
# The archive is rebuilt only when one of its inputs is newer.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: mkinitramfs.sh OUT.cpio PROGRAM...}"
shift
suites=(check check-vtd demo stress)
inputs=(/bin/busybox "$top/guest/init" "${suites[@]/#/$top/guest/}" "$@")

if [ -f "$out" ]; then
	newer=0
	for f in "${inputs[@]}"; do
		[ -e "$f" ] || continue
		[ "$f" -nt "$out" ] && newer=1
	done
	if [ "$newer" -eq 0 ]; then
		exit 0
	fi
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,tests,bench,vtd,suites,root}
cp /bin/busybox "$stage/bin/busybox"
cp "$top/guest/init" "$stage/init"
for s in "${suites[@]}"; do
	[ -f "$top/guest/$s" ] && cp "$top/guest/$s" "$stage/suites/$s"
done
for p in "$@"; do
	case "$(file -b "$p")" in
	*statically\ linked* | *static-pie\ linked*) ;;
	*) echo "initramfs: $p is not a static binary" >&2; exit 1 ;;
	esac
	case "$(basename "$p")" in
	iopf_bench*) cp "$p" "$stage/bench/" ;;
	# Needs the emulated IOMMU and device of check-vtd: not in /tests
	vtd_*) cp "$p" "$stage/vtd/" ;;
	*) cp "$p" "$stage/tests/" ;;
	esac
done
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $(basename "$out") with $# programs"
