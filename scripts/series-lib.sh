# shellcheck shell=bash
# Sourced by series-build.sh and series-check.sh: check one patch of the
# series with checkpatch.pl --strict, and build the series as of that patch
# in the scratch worktree next to the tree (build/linux-apply), with the
# debug config, into build/obj-series, and its selftests into
# build/tests-series (build/obj-debug is left alone). Incremental: a patch
# rebuilds only what it touches. Then every C file of the kernel the patch
# touches is compiled again with W=1, and must not warn more than it did
# before the patch.
# KERNEL=mainline: the mainline series, build/linux-mainline-apply,
# build/obj-mainline-series and build/tests-mainline-series.
. "$top/scripts/kconfig.sh"
# shellcheck source=scripts/kernel-select.sh
. "$top/scripts/kernel-select.sh"
tree="$series_tree"
scratch="$series_scratch"
obj="$top/build/obj-${series_prefix}series"
tests="$top/build/tests-${series_prefix}series"
oname="${obj#"$top"/}"
st=tools/testing/selftests/iommu
kbuild_env

# The series' commits, first patch first
series_commits() {
	git -C "$tree" rev-list --reverse base..exported
}

# The file of patch N, as patches/series lists it
series_patch() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series_dir/series" |
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
		"$top/configs/vtd.config" "$top/configs/debug.config" \
		"${series_frags[@]}"
	install_config "$obj"
	if ! make -C "$scratch" O="$obj" -j"$(($(nproc) + 1))" bzImage \
		>"$obj/build-$n.log" 2>&1 ||
		grep -E '(^|[^a-z_])(warning|error):' "$obj/build-$n.log"; then
		echo "series: patch $n does not build cleanly, see $oname/build-$n.log" >&2
		return 1
	fi
	w1_touched "$c" "$n" || return 1
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

# w1_touched COMMIT N: the kernel's C files COMMIT touches, compiled again
# with W=1 (extra warnings), must not warn more than they did before it:
# they are compiled with W=1 as of COMMIT's parent too, and a warning (file
# and message, without the line) that only COMMIT's version gives fails.
# Upstream's own W=1 warnings (e.g. intel/iommu.c's -Wformat-overflow with
# DMI off) are not the series' to fix. Files the config does not build are
# reported and skipped. Leaves the scratch worktree at COMMIT.
w1_touched() {
	local c="$1" n="$2" f objs=() before=() new

	while read -r f; do
		if [ -f "$obj/${f%.c}.o" ]; then
			objs+=("${f%.c}.o")
			git -C "$scratch" cat-file -e "$c~1:$f" 2>/dev/null &&
				before+=("${f%.c}.o")
		else
			echo "series: patch $n: $f is not built by the debug config, no W=1 check" >&2
		fi
	done < <(git -C "$scratch" diff --name-only --diff-filter=AM "$c~1" "$c" -- \
		'*.c' ':!tools/' ':!scripts/' ':!samples/')
	[ "${#objs[@]}" -gt 0 ] || return 0
	: >"$obj/w1-$n-before.log"
	if [ "${#before[@]}" -gt 0 ]; then
		git -C "$scratch" checkout -q --detach -f "$c~1"
		make -C "$scratch" O="$obj" -j"$(($(nproc) + 1))" W=1 \
			"${before[@]}" >"$obj/w1-$n-before.log" 2>&1 || true
		git -C "$scratch" checkout -q --detach -f "$c"
	fi
	if ! make -C "$scratch" O="$obj" -j"$(($(nproc) + 1))" W=1 "${objs[@]}" \
		>"$obj/w1-$n.log" 2>&1; then
		grep -E '(^|[^a-z_])error:' "$obj/w1-$n.log" >&2
		echo "series: patch $n: W=1 build failed, see $oname/w1-$n.log" >&2
		return 1
	fi
	new="$(comm -13 <(w1_warnings "$obj/w1-$n-before.log") \
		<(w1_warnings "$obj/w1-$n.log"))"
	if [ -n "$new" ]; then
		echo "$new" >&2
		echo "series: patch $n: new W=1 warnings in the files it touches, see $oname/w1-$n.log" >&2
		return 1
	fi
	echo "series: patch $n: no new W=1 warning in ${objs[*]}"
}

# w1_warnings LOG: the warnings of a build log as "file: message", sorted
w1_warnings() {
	sed -nE 's/^([^ :]+):[0-9]+:[0-9]+: warning: (.*)$/\1: \2/p' "$1" |
		LC_ALL=C sort -u
}
