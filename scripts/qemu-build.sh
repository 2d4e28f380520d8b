#!/bin/bash
# Build the QEMU that check-vtd runs: Debian's own qemu source package at
# the pinned version (scripts/versions.sh), Debian's patches applied, then
# ours (qemu/patches/, in name order, no fuzz), configured for x86_64 only
# with the devices of qemu/x86_64-iopf.mak.
#   qemu-build.sh        build if needed; print the binary's path last
#   qemu-build.sh --path print the path the current inputs would build to
# The build is cached by content: the hash of the version, our patches, the
# device list and this script names a directory under IOPF_CACHE
# (default /var/cache/iopf-vfio), outside the clone, so a fresh clone on
# the same machine reuses it and any change to an input rebuilds.
# QEMU_VERSION=... takes another Debian version of the package than the pin.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/versions.sh
. "$top/scripts/versions.sh"

cache_root="${IOPF_CACHE:-/var/cache/iopf-vfio}"
work="$top/build/qemu"
devices="$top/qemu/x86_64-iopf.mak"
mapfile -t patches < <(find "$top/qemu/patches" -name '*.patch' | sort)

key="$({
	echo "$QEMU_DEB_VERSION"
	cat "$0" "$devices" "${patches[@]}"
} | sha256sum | cut -c1-16)"
dest="$cache_root/qemu-$key"
bin="$dest/qemu-system-x86_64"

if [ "${1:-}" = --path ]; then
	echo "$bin"
	exit 0
fi
if [ -x "$bin" ]; then
	echo "qemu: cached build $key (qemu $QEMU_DEB_VERSION + ${#patches[@]} patches)"
	echo "$bin"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "qemu: need root to install the build dependencies" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# The source package comes from the suite that has the pinned version;
# meson >= 1.5, which QEMU 10 needs, from bookworm-backports.
src_list=/etc/apt/sources.list.d/iopf-qemu.list
want_list="deb-src http://deb.debian.org/debian $QEMU_SUITE main
deb http://deb.debian.org/debian bookworm-backports main"
if [ "$(cat "$src_list" 2>/dev/null)" != "$want_list" ]; then
	echo "qemu: adding $QEMU_SUITE sources and bookworm-backports to $src_list"
	printf '%s\n' "$want_list" >"$src_list"
	apt-get update -qq
fi

build_deps=(ninja-build python3-venv libglib2.0-dev zlib1g-dev pkgconf
	flex bison dpkg-dev xz-utils)
missing=()
for p in "${build_deps[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "qemu: installing ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! dpkg --compare-versions "$(dpkg-query -W -f='${Version}' meson 2>/dev/null || echo 0)" ge 1.5; then
	echo "qemu: installing meson from bookworm-backports"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		meson >/dev/null
fi

# The source package, downloaded once per version into build/qemu.
upstream="${QEMU_DEB_VERSION#*:}"
upstream="${upstream%-*}"
dsc="$work/qemu_${QEMU_DEB_VERSION#*:}.dsc"
mkdir -p "$work"
if [ ! -f "$dsc" ]; then
	echo "qemu: downloading the source of qemu $QEMU_DEB_VERSION ($QEMU_SUITE)"
	if ! (cd "$work" && apt-get source -qq --download-only \
		"qemu=$QEMU_DEB_VERSION" >/dev/null 2>"$work/apt-source.log"); then
		there="$(apt-cache showsrc qemu 2>/dev/null |
			sed -n 's/^Version: //p' | sort -Vr | tr '\n' ' ')"
		if [ "$QEMU_DEB_VERSION" = "$QEMU_PIN_VERSION" ]; then
			what="qemu $QEMU_DEB_VERSION, the pinned version, is no longer"
		else
			what="qemu $QEMU_DEB_VERSION (QEMU_VERSION) is not"
		fi
		echo "qemu: $what in Debian's archive (it has: ${there:-none}); see $work/apt-source.log; try QEMU_VERSION=<one of them> make check-vtd (our patches may need a rebase)" >&2
		exit 1
	fi
fi

tree="$work/qemu-$upstream"
rm -rf "$tree" "$work/obj"
echo "qemu: unpacking with Debian's patches"
dpkg-source --no-check -x "$dsc" "$tree" >/dev/null
for p in "${patches[@]}"; do
	echo "qemu: applying $(basename "$p")"
	if ! patch -s -d "$tree" -p1 -F0 -N <"$p"; then
		echo "qemu: $(basename "$p") does not apply to qemu $QEMU_DEB_VERSION without fuzz" >&2
		exit 1
	fi
done

# configure takes the device list by name, from its own directory.
cp "$devices" "$tree/configs/devices/x86_64-softmmu/x86_64-iopf.mak"
mkdir -p "$work/obj"
echo "qemu: configuring (x86_64-softmmu, devices of $(basename "$devices"))"
# Debian's python, which sees the backports meson (a python3 earlier in
# PATH may not); Debian's firmware (seabios, qemu-system-data), as its own
# QEMU finds it: the +ds source carries no firmware blobs.
(cd "$work/obj" && "$tree/configure" \
	--python=/usr/bin/python3 \
	--target-list=x86_64-softmmu \
	--without-default-features --without-default-devices \
	--with-devices-x86_64=x86_64-iopf \
	--enable-tcg --disable-docs --disable-download --disable-install-blobs \
	--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu \
	>"$work/configure.log" 2>&1) || {
	tail -30 "$work/configure.log" >&2
	echo "qemu: configure failed, see $work/configure.log" >&2
	exit 1
}
t0=$SECONDS
echo "qemu: building qemu-system-x86_64 (a few minutes on 2 cores)"
if ! ninja -C "$work/obj" -j"$(($(nproc) + 1))" qemu-system-x86_64 \
	>"$work/build.log" 2>&1; then
	grep -E 'error|FAILED' "$work/build.log" | head -20 >&2
	echo "qemu: build failed, see $work/build.log" >&2
	exit 1
fi
echo "qemu: built in $((SECONDS - t0)) s"

mkdir -p "$cache_root"
tmp="$(mktemp -d "$cache_root/.qemu-$key.XXXXXX")"
cp "$work/obj/qemu-system-x86_64" "$tmp/"
printf 'qemu %s\npatches:\n%s\n' "$QEMU_DEB_VERSION" \
	"$(for p in "${patches[@]}"; do basename "$p"; done)" >"$tmp/BUILD-INFO"
rm -rf "$dest"
mv "$tmp" "$dest"
echo "qemu: cached as $dest"
echo "$bin"
