# shellcheck shell=bash
# The one place that pins the kernel source.  Changing it is a rebase.
KERNEL_DEB_VERSION="6.12.117-1~deb12u1"
KERNEL_TARBALL="/usr/src/linux-source-6.12.tar.xz"
KERNEL_TOPDIR="linux-source-6.12"
# Author and Signed-off-by of the series' commits made in build/linux.
PATCH_AUTHOR_NAME="IOPF VFIO developers"
PATCH_AUTHOR_EMAIL="iopf-vfio@lists.localhost"
