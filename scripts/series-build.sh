#!/bin/bash
# Build every prefix of the series: each patch must build on its own, with
# the debug config, kernel and selftests, without compiler warnings.
# Uses the scratch worktree build/linux-apply and its own object directory
# build/obj-series, so build/obj-debug is left alone. Incremental: a patch
# rebuilds only what it touches.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
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
	# The fragments on top of tinyconfig, as build-kernel.sh does; replace
	# .config only when it changes so kbuild keeps what it built.
	make -s -C "$scratch" O="$obj" KCONFIG_CONFIG=.config.new tinyconfig >/dev/null
	(cd "$scratch" && KCONFIG_CONFIG="$obj/.config.new" \
		./scripts/kconfig/merge_config.sh -m "$obj/.config.new" "${frags[@]}" >/dev/null)
	make -s -C "$scratch" O="$obj" KCONFIG_CONFIG=.config.new olddefconfig >/dev/null
	if cmp -s "$obj/.config.new" "$obj/.config"; then
		rm -f "$obj/.config.new"
	else
		mv "$obj/.config.new" "$obj/.config"
	fi
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
