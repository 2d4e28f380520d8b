#!/bin/bash
# Configure and build one kernel flavour from build/linux.
#   build-kernel.sh debug|lean
# Output: build/obj-<flavour>/arch/x86/boot/bzImage and the installed uAPI
# headers in build/obj-<flavour>/usr/include.
#
# The configuration is "make tinyconfig" plus configs/base.config,
# configs/vtd.config (the intel-iommu path of check-vtd) and
# configs/<flavour>.config.  Every option a fragment asks for is checked in
# the result: Kconfig drops an option silently when a dependency is missing.
# The build is skipped when neither the tree nor the fragments changed since
# the last successful build.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
. "$top/scripts/kconfig.sh"
flavour="${1:?usage: build-kernel.sh debug|lean}"
src="$top/build/linux"
obj="$top/build/obj-$flavour"
frags=("$top/configs/base.config" "$top/configs/vtd.config"
	"$top/configs/$flavour.config")
jobs="$(($(nproc) + 1))"

[ -f "${frags[2]}" ] || { echo "kernel: no configs/$flavour.config" >&2; exit 2; }
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
	echo "kernel($flavour): up to date, not rebuilding"
	exit 0
fi

echo "kernel($flavour): configuring"
tmp="$obj/.config.new"
make_config "$src" "$obj" "${frags[@]}"

bad=0
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		key="${line%%=*}"
		val="${line#*=}"
		if [ "$val" = n ]; then
			if grep -q "^$key=" "$tmp"; then
				echo "kernel($flavour): $key is set but $(basename "$f") wants it off" >&2
				bad=1
			fi
		elif ! grep -qxF "$line" "$tmp"; then
			echo "kernel($flavour): $(basename "$f") asks for $line, Kconfig gave: $(grep "^$key=\|$key is not set" "$tmp" || echo nothing)" >&2
			bad=1
		fi
	done < <(grep '^CONFIG_' "$f")
done
[ "$bad" -eq 0 ] || exit 1

# Replace .config only when it changed, so kbuild sees no change otherwise.
install_config "$obj"

echo "kernel($flavour): building with -j$jobs (log: build/obj-$flavour/build.log)"
start=$(date +%s)
if ! make -C "$src" O="$obj" -j"$jobs" bzImage >"$obj/build.log" 2>&1; then
	grep -E 'error|Error' "$obj/build.log" | head -40 >&2
	echo "kernel($flavour): build failed, see build/obj-$flavour/build.log" >&2
	exit 1
fi
if grep -E '(^|[^a-z_])warning:' "$obj/build.log" >&2; then
	echo "kernel($flavour): the build has compiler warnings" >&2
	exit 1
fi
make -s -C "$src" O="$obj" headers_install >/dev/null
echo "kernel($flavour): built in $(($(date +%s) - start)) s"
echo "$stamp" >"$obj/.iopf-stamp"
