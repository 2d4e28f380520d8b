#!/bin/bash
# Install the Debian packages the build, the VM and the tools need.
# Idempotent: does nothing when everything is already installed.
# KERNEL_VERSION=... takes another version of the kernel source than the pin
# (scripts/versions.sh); when the wanted one is no longer in Debian's archive
# this says so and which version is there.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/versions.sh
. "$here/versions.sh"

src="$KERNEL_PACKAGE"
if [ "$KERNEL_DEB_VERSION" != "$KERNEL_PIN_VERSION" ]; then
	echo "deps: using $src $KERNEL_DEB_VERSION (KERNEL_VERSION) instead of the pinned $KERNEL_PIN_VERSION"
fi

pkgs=(
	"$src=$KERNEL_DEB_VERSION"
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
	kmod python3 python3-ply python3-git git perl file rsync
	qemu-system-x86 busybox-static
	gnuplot-nox
	curl
	# The 7.2 iommufd selftest includes <sys/capability.h>
	libcap-dev
	# Kernel objects cached between builds and clones (build-kernel.sh)
	ccache
)

missing=()
for p in "${pkgs[@]}"; do
	name="${p%%=*}"
	want="${p#*=}"
	have="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)"
	case "$have" in
	"install ok installed "*)
		if [ "$name" != "$p" ] && [ "${have##* }" != "$want" ]; then
			missing+=("$p")
		fi
		;;
	*)
		missing+=("$p")
		;;
	esac
done

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install: ${missing[*]}" >&2
	exit 1
fi

# The versions of the kernel source the archive has, newest first.
archive_versions() {
	local v newest=() rest=()
	while read -r v; do
		if [ "${#newest[@]}" -eq 0 ]; then
			newest=("$v")
		elif dpkg --compare-versions "$v" gt "${newest[0]}"; then
			rest+=("${newest[0]}")
			newest=("$v")
		else
			rest+=("$v")
		fi
	done < <(apt-cache madison "$src" 2>/dev/null |
		awk -F'|' '$3 !~ /Sources/ { gsub(/[[:space:]]/, "", $2); if (!seen[$2]++) print $2 }')
	[ "${#newest[@]}" -eq 0 ] || printf '%s\n' "${newest[@]}" "${rest[@]}"
}

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq

if [ "${missing[0]}" = "$src=$KERNEL_DEB_VERSION" ]; then
	mapfile -t there < <(archive_versions)
	if ! printf '%s\n' "${there[@]}" | grep -Fqx -e "$KERNEL_DEB_VERSION"; then
		if [ "${#there[@]}" -eq 0 ]; then
			echo "deps: no apt source here has $src (Debian 12 with bookworm-security is needed)" >&2
			exit 1
		fi
		if [ "$KERNEL_DEB_VERSION" = "$KERNEL_PIN_VERSION" ]; then
			what="$src $KERNEL_DEB_VERSION, the pinned version, is no longer"
		else
			what="$src $KERNEL_DEB_VERSION (KERNEL_VERSION) is not"
		fi
		others=""
		if [ "${#there[@]}" -gt 1 ]; then
			others=" and $((${#there[@]} - 1)) older"
		fi
		echo "deps: $what in Debian's archive (it has ${there[0]}$others); try KERNEL_VERSION=${there[0]} make check" >&2
		exit 1
	fi
fi

echo "deps: installing ${missing[*]}"
# --allow-downgrades: KERNEL_VERSION may be older than the installed source.
apt-get install -y -qq --no-install-recommends --allow-downgrades \
	"${missing[@]}" >/dev/null
