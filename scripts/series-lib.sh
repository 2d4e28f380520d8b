# shellcheck shell=bash
# Sourced by series-build.sh and series-check.sh: check one patch of the
# series with checkpatch.pl --strict, and build the series as of that patch
# in the scratch worktree build/linux-apply, with the debug config, into
# build/obj-series, and its selftests into build/tests-series
# (build/obj-debug is left alone). Incremental: a patch rebuilds only what
# it touches.
. "$top/scripts/kconfig.sh"
tree="$top/build/linux"
scratch="$top/build/linux-apply"
obj="$top/build/obj-series"
tests="$top/build/tests-series"
st=tools/testing/selftests/iommu

# The series' commits, first patch first
series_commits() {
	git -C "$tree" rev-list --reverse base..exported
}

# The file of patch N, as patches/series lists it
series_patch() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/patches/series" |
		sed -n "${1}p"
}

# checkpatch_patch N: patch N is checkpatch.pl --strict clean
checkpatch_patch() {
	local p

	p="$(series_patch "$1")"
	if ! "$top/scripts/checkpatch.sh" "$p" >&2; then
		echo "series: patch $1, $p, is not checkpatch --strict clean" >&2
		return 1
	fi
}

# build_prefix COMMIT N: kernel and selftests as of patch N, warning-free
build_prefix() {
	local c="$1" n="$2"

	git -C "$scratch" checkout -q --detach -f "$c"
	mkdir -p "$obj" "$tests"
	make_config "$scratch" "$obj" "$top/configs/base.config" \
		"$top/configs/vtd.config" "$top/configs/debug.config"
	install_config "$obj"
	if ! make -C "$scratch" O="$obj" -j"$(($(nproc) + 1))" bzImage \
		>"$obj/build-$n.log" 2>&1 ||
		grep -E '(^|[^a-z_])(warning|error):' "$obj/build-$n.log"; then
		echo "series: patch $n does not build cleanly, see build/obj-series/build-$n.log" >&2
		return 1
	fi
	make -s -C "$scratch" O="$obj" headers_install >/dev/null
	# lib.mk does not see header changes: rebuild the programs each time
	rm -f "$tests/iommufd" "$tests/iommufd_fail_nth"
	if ! make -s -C "$scratch/$st" OUTPUT="$tests" \
		KHDR_INCLUDES="-isystem $obj/usr/include" LDFLAGS=-static \
		USERCFLAGS=-Werror >"$obj/tests-$n.log" 2>&1; then
		cat "$obj/tests-$n.log" >&2
		echo "series: the selftests do not build at patch $n" >&2
		return 1
	fi
}
