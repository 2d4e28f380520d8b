# Minimal x86_64-softmmu device set for the IOPF (ATS/PRI) tests.
#
# Used with --without-default-devices: scripts/qemu-build.sh copies it to
# configs/devices/x86_64-softmmu/ (--with-devices-x86_64 takes a name from
# there) and part of the build's cache key.
#
# Q35 selects the PC machine pieces, including the ISA serial port used as
# the Linux console.
#
# CXL (which depends on PXB) is only here because QEMU 10.2 does not link
# without it when --without-default-devices is used: hw/acpi/cxl.c
# (selected by the PC ACPI code) calls cxl_fmws_get_all_sorted(), which
# has no stub, and the CXL code in turn needs the CXL memory device.

CONFIG_Q35=y
CONFIG_VTD=y
CONFIG_PCIE_PORT=y
CONFIG_PXB=y
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y
CONFIG_IOPF_TESTDEV=y
