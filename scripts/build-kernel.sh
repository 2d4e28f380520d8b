#!/bin/bash
# Configure and build one kernel flavour from build/linux.
#   build-kernel.sh debug|lean
# Output: build/obj-<flavour>/arch/x86/boot/bzImage and the installed uAPI
# headers in build/obj-<flavour>/usr/include.
# KERNEL=mainline builds build/linux-mainline into build/obj-mainline-<flavour>
# instead, with configs/mainline.config added last.
#
# The configuration is "make tinyconfig" plus configs/base.config,
# configs/vtd.config (the intel-iommu path of check-vtd) and
# configs/<flavour>.config.  Every option a fragment asks for is checked in
# the result: Kconfig drops an option silently when a dependency is missing.
# The build is skipped when neither the tree nor the fragments changed since
# the last successful build. Objects go through ccache, its cache outside the
# clone (IOPF_CACHE, default /var/cache/iopf-vfio), so a fresh clone on the
# same machine (CI) recompiles only what its patches changed; paths are made
# relative to the clone, so any clone hits.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
. "$top/scripts/kconfig.sh"
flavour="${1:?usage: build-kernel.sh debug|lean}"
frags=("$top/configs/base.config" "$top/configs/vtd.config"
	"$top/configs/$flavour.config")
[ -f "${frags[2]}" ] || { echo "kernel: no configs/$flavour.config" >&2; exit 2; }
# shellcheck source=scripts/kernel-select.sh
. "$top/scripts/kernel-select.sh"
src="$series_tree"
name="$series_prefix$flavour"
frags+=("${series_frags[@]}")
obj="$top/build/obj-$name"
jobs="$(($(nproc) + 1))"
mkdir -p "$obj"

stamp_now() {
	{
		git -C "$src" rev-parse HEAD
		git -C "$src" diff HEAD
		git -C "$src" status --porcelain --ignored |
			grep -v '^!! \.checkpatch-camelcase\.'
		git -C "$src" ls-files -o --exclude='.checkpatch-camelcase.*' | xargs -r -I{} sha256sum "$src/{}"
		cat "${frags[@]}"
	} | sha256sum | cut -d' ' -f1
}

stamp="$(stamp_now)"
if [ -f "$obj/.iopf-stamp" ] && [ "$(cat "$obj/.iopf-stamp")" = "$stamp" ] &&
	[ -f "$obj/arch/x86/boot/bzImage" ]; then
	echo "kernel($name): up to date, not rebuilding"
	exit 0
fi

echo "kernel($name): configuring"
tmp="$obj/.config.new"
make_config "$src" "$obj" "${frags[@]}"

bad=0
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		key="${line%%=*}"
		val="${line#*=}"
		if [ "$val" = n ]; then
			if grep -q "^$key=" "$tmp"; then
				echo "kernel($name): $key is set but $(basename "$f") wants it off" >&2
				bad=1
			fi
		elif ! grep -qxF "$line" "$tmp"; then
			echo "kernel($name): $(basename "$f") asks for $line, Kconfig gave: $(grep "^$key=\|$key is not set" "$tmp" || echo nothing)" >&2
			bad=1
		fi
	done < <(grep '^CONFIG_' "$f")
done
[ "$bad" -eq 0 ] || exit 1

# Replace .config only when it changed, so kbuild sees no change otherwise.
install_config "$obj"

kbuild_env
ccache -z >/dev/null
echo "kernel($name): building with -j$jobs (log: build/obj-$name/build.log)"
start=$(date +%s)
if ! make -C "$src" O="$obj" -j"$jobs" bzImage \
	>"$obj/build.log" 2>&1; then
	grep -E 'error|Error' "$obj/build.log" | head -40 >&2
	echo "kernel($name): build failed, see build/obj-$name/build.log" >&2
	exit 1
fi
if grep -E '(^|[^a-z_])warning:' "$obj/build.log" >&2; then
	echo "kernel($name): the build has compiler warnings" >&2
	exit 1
fi
make -s -C "$src" O="$obj" headers_install >/dev/null
cached="$(ccache --print-stats | awk '
	$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { hits += $2 }
	$1 == "cache_miss" { misses += $2 }
	END { printf "%d hits, %d compiled", hits, misses }')"
echo "kernel($name): built in $(($(date +%s) - start)) s (ccache: $cached)"
echo "$stamp" >"$obj/.iopf-stamp"
