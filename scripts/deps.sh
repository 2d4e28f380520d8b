#!/bin/bash
# Install the Debian packages the build, the VM and the tools need.
# Idempotent: does nothing when everything is already installed.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"

pkgs=(
	"linux-source-6.12=$KERNEL_DEB_VERSION"
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
	kmod python3 python3-ply python3-git git perl file rsync
	qemu-system-x86 busybox-static
	gnuplot-nox
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

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
