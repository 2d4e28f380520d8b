# Top-level driver.  "make check" and "make demo" are the two entry points;
# both install their own dependencies and build only what changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help
TOP := $(CURDIR)
B := $(TOP)/build
SRC := $(B)/linux
ST := tools/testing/selftests/iommu
CHECK_TIMEOUT ?= 3000

.PHONY: help deps tree kernel-debug kernel-lean selftests initramfs-check \
	check demo export tree-status checkpatch clean stress

help:
	@echo "make demo         run the benchmark in a VM (see README)"
	@echo "make check        build the debug kernel and run every test in a VM"
	@echo "make export       write build/linux's commits back to patches/"
	@echo "make tree-status  show work in build/linux not yet exported"
	@echo "make checkpatch   run checkpatch.pl --strict on every patch"

deps:
	@scripts/deps.sh

tree: deps
	@scripts/kernel-tree.sh sync

kernel-debug: tree
	@scripts/build-kernel.sh debug

kernel-lean: tree
	@scripts/build-kernel.sh lean

# Userspace programs for the guest, statically linked against the uAPI
# headers of the kernel they run on.
GUEST_CFLAGS := -O2 -Wall -Wextra -Werror -static
# lib.mk only knows the .c files; every program here includes these.
SELFTEST_HDRS = $(SRC)/$(ST)/iommufd_utils.h \
	$(SRC)/drivers/iommu/iommufd/iommufd_test.h \
	$(SRC)/tools/testing/selftests/kselftest_harness.h \
	$(SRC)/tools/testing/selftests/kselftest.h \
	$(B)/obj-debug/usr/include/linux/iommufd.h
selftests: kernel-debug
	@mkdir -p $(B)/tests-debug
	@$(MAKE) -s -C $(SRC)/$(ST) OUTPUT=$(B)/tests-debug \
		KHDR_INCLUDES="-isystem $(B)/obj-debug/usr/include" \
		LDFLAGS=-static LOCAL_HDRS="$(SELFTEST_HDRS)"

CHECK_PROGS = $(B)/tests-debug/iommufd $(B)/tests-debug/iommufd_fail_nth

initramfs-check: selftests
	@scripts/mkinitramfs.sh $(B)/initramfs-check.cpio $(CHECK_PROGS)

check: initramfs-check
	@scripts/run-vm.sh $(B)/obj-debug/arch/x86/boot/bzImage \
		$(B)/initramfs-check.cpio check $(B)/logs/check $(CHECK_TIMEOUT)

demo:
	@echo "make demo: the benchmark is not built yet (issue 6); nothing to run." >&2
	@exit 2

export:
	@scripts/kernel-tree.sh export

tree-status:
	@scripts/kernel-tree.sh status

checkpatch: tree
	@scripts/checkpatch.sh

clean:
	rm -rf $(B)/obj-debug $(B)/obj-lean $(B)/tests-debug $(B)/*.cpio $(B)/logs

# Repeat the on-demand stress test (STRESS_RUNS times, default 10).
STRESS_RUNS ?= 10
stress: initramfs-check
	@IOPF_VM_APPEND="" scripts/run-vm.sh $(B)/obj-debug/arch/x86/boot/bzImage \
		$(B)/initramfs-check.cpio stress $(B)/logs/stress $(CHECK_TIMEOUT)
