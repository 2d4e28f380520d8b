#!/bin/bash
# Build every prefix of the series: each patch must build on its own, with
# the debug config, kernel and selftests, without compiler warnings.
# Uses the scratch worktree build/linux-apply and its own object directory
# build/obj-series, so build/obj-debug is left alone. Incremental: a patch
# rebuilds only what it touches.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
. "$top/scripts/kconfig.sh"
tree="$top/build/linux"
scratch="$top/build/linux-apply"
obj="$top/build/obj-series"
tests="$top/build/tests-series"
frags=("$top/configs/base.config" "$top/configs/debug.config")
jobs="$(($(nproc) + 1))"
st=tools/testing/selftests/iommu

"$top/scripts/kernel-tree.sh" sync
mkdir -p "$obj" "$tests"
n=0
for c in $(git -C "$tree" rev-list --reverse base..exported); do
	n=$((n + 1))
	subj="$(git -C "$tree" log -1 --format=%s "$c")"
	git -C "$scratch" checkout -q --detach -f "$c"
	make_config "$scratch" "$obj" "${frags[@]}"
	install_config "$obj"
	echo "series: patch $n: $subj"
	if ! make -C "$scratch" O="$obj" -j"$jobs" bzImage >"$obj/build-$n.log" 2>&1 ||
		grep -E '(^|[^a-z_])(warning|error):' "$obj/build-$n.log"; then
		echo "series: patch $n does not build cleanly, see build/obj-series/build-$n.log" >&2
		exit 1
	fi
	make -s -C "$scratch" O="$obj" headers_install >/dev/null
	if ! make -s -C "$scratch/$st" OUTPUT="$tests" \
		KHDR_INCLUDES="-isystem $obj/usr/include" LDFLAGS=-static \
		USERCFLAGS=-Werror >"$obj/tests-$n.log" 2>&1; then
		cat "$obj/tests-$n.log" >&2
		echo "series: the selftests do not build at patch $n" >&2
		exit 1
	fi
	rm -f "$tests"/iommufd "$tests"/iommufd_fail_nth
done
echo "series: all $n patches build on their own"
