#!/bin/bash
# Boot the series as of patch N and run the selftests of that state: every
# patch must pass on its own, not only build.
#   series-check.sh N
# Uses the scratch worktree and build/obj-series like series-build.sh.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
. "$top/scripts/kconfig.sh"
n="${1:?usage: series-check.sh N}"
tree="$top/build/linux"
scratch="$top/build/linux-apply"
obj="$top/build/obj-series"
tests="$top/build/tests-series"
st=tools/testing/selftests/iommu
frags=("$top/configs/base.config" "$top/configs/debug.config")

"$top/scripts/kernel-tree.sh" sync
c="$(git -C "$tree" rev-list --reverse base..exported | sed -n "${n}p")"
[ -n "$c" ] || { echo "series: no patch $n" >&2; exit 2; }
echo "series: testing as of patch $n: $(git -C "$tree" log -1 --format=%s "$c")"
git -C "$scratch" checkout -q --detach -f "$c"
mkdir -p "$obj" "$tests"
make_config "$scratch" "$obj" "${frags[@]}"
install_config "$obj"
make -s -C "$scratch" O="$obj" -j"$(($(nproc) + 1))" bzImage >"$obj/check.log" 2>&1
make -s -C "$scratch" O="$obj" headers_install >/dev/null
rm -f "$tests/iommufd" "$tests/iommufd_fail_nth"
make -s -C "$scratch/$st" OUTPUT="$tests" \
	KHDR_INCLUDES="-isystem $obj/usr/include" LDFLAGS=-static >/dev/null
"$top/scripts/mkinitramfs.sh" "$top/build/initramfs-series.cpio" \
	"$tests/iommufd" "$tests/iommufd_fail_nth"
exec "$top/scripts/run-vm.sh" "$obj/arch/x86/boot/bzImage" \
	"$top/build/initramfs-series.cpio" check "$top/build/logs/series-$n" 3000
