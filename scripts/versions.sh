# shellcheck shell=bash disable=SC2034
# The one place that pins the kernel source.  Changing it is a rebase.
KERNEL_PIN_VERSION="6.12.117-1~deb12u1"
# KERNEL_VERSION=... in the environment (or on make's command line) takes
# another Debian version of the same package instead, e.g. once the pinned
# one has left Debian's archive.
KERNEL_DEB_VERSION="${KERNEL_VERSION:-$KERNEL_PIN_VERSION}"
KERNEL_PACKAGE="linux-source-6.12"
# The same path for every version: check the version with dpkg-query.
KERNEL_TARBALL="/usr/src/linux-source-6.12.tar.xz"
KERNEL_TOPDIR="linux-source-6.12"
# Author and Signed-off-by of the series' commits made in build/linux.
PATCH_AUTHOR_NAME="IOPF VFIO developers"
PATCH_AUTHOR_EMAIL="iopf-vfio@lists.localhost"
# The QEMU that check-vtd builds (scripts/qemu-build.sh): Debian's qemu
# source package, from the suite that has this version.
QEMU_PIN_VERSION="1:10.2.2+ds-1"
QEMU_SUITE="${QEMU_SUITE:-sid}"
QEMU_DEB_VERSION="${QEMU_VERSION:-$QEMU_PIN_VERSION}"
# The mainline series (patches/mainline/, KERNEL=mainline): the newest
# kernel source Debian has, the linux-source-7.2 package of sid, fetched
# from the archive by its pool path and checked against this SHA256 (the
# pool serves the binary package; apt here has only sid's deb-src line).
# MAINLINE_VERSION=... takes another version of it, checked against the
# SHA256 that sid's package index gives for it.
MAINLINE_PIN_VERSION="7.2.13-1"
MAINLINE_PIN_SHA256="30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d"
MAINLINE_DEB_VERSION="${MAINLINE_VERSION:-$MAINLINE_PIN_VERSION}"
MAINLINE_PACKAGE="linux-source-7.2"
MAINLINE_TOPDIR="linux-source-7.2"
MAINLINE_SUITE="sid"
MAINLINE_ARCHIVE="http://deb.debian.org/debian"
MAINLINE_CACHE="${IOPF_CACHE:-/var/cache/iopf-vfio}/linux-mainline"
