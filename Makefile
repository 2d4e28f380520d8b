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
	bench-debug bench-lean initramfs-demo \
	check demo demo-quick export tree-status checkpatch clean stress

help:
	@echo "make demo         run the benchmark in a VM (see README)"
	@echo "make demo-quick   the same with small sizes, in a few minutes"
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

# The benchmark, against the uAPI headers of the kernel it runs on.
BENCH_CFLAGS := -O2 -Wall -Wextra -Werror -static
BENCH_C := $(wildcard $(TOP)/guest/bench/*.c)
BENCH_H := $(wildcard $(TOP)/guest/bench/*.h) \
	$(SRC)/drivers/iommu/iommufd/iommufd_test.h
$(B)/bench-%/iopf_bench: $(BENCH_C) $(BENCH_H) $(B)/obj-%/usr/include/linux/iommufd.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	@$(CC) $(BENCH_CFLAGS) -isystem $(B)/obj-$*/usr/include \
		-I $(SRC)/drivers/iommu/iommufd -o $@ $(BENCH_C) -lpthread

bench-debug: kernel-debug
	@$(MAKE) -s $(B)/bench-debug/iopf_bench
bench-lean: kernel-lean
	@$(MAKE) -s $(B)/bench-lean/iopf_bench

CHECK_PROGS = $(B)/tests-debug/iommufd $(B)/tests-debug/iommufd_fail_nth \
	$(B)/bench-debug/iopf_bench

initramfs-check: selftests bench-debug
	@scripts/mkinitramfs.sh $(B)/initramfs-check.cpio $(CHECK_PROGS)

initramfs-demo: bench-lean
	@scripts/mkinitramfs.sh $(B)/initramfs-demo.cpio $(B)/bench-lean/iopf_bench

check: initramfs-check
	@scripts/run-vm.sh $(B)/obj-debug/arch/x86/boot/bzImage \
		$(B)/initramfs-check.cpio check $(B)/logs/check $(CHECK_TIMEOUT)

# The benchmark on the lean kernel, twice in one VM under QEMU's
# instruction counting, then tables, CSV files and plots in results/.
DEMO_TIMEOUT ?= 5000
demo: initramfs-demo
	@scripts/run-demo.sh $(B)/obj-lean/arch/x86/boot/bzImage \
		$(B)/initramfs-demo.cpio $(B)/logs/demo $(TOP)/results $(DEMO_TIMEOUT)

# Sends divided by 100, 200 samples, 128 MiB at most, a small density run;
# results in results/quick/.
demo-quick: initramfs-demo
	@IOPF_DEMO_ARGS=--tap,--quick scripts/run-demo.sh \
		$(B)/obj-lean/arch/x86/boot/bzImage $(B)/initramfs-demo.cpio \
		$(B)/logs/demo-quick $(TOP)/results/quick $(DEMO_TIMEOUT)

export:
	@scripts/kernel-tree.sh export

tree-status:
	@scripts/kernel-tree.sh status

checkpatch: tree
	@scripts/checkpatch.sh

clean:
	rm -rf $(B)/obj-debug $(B)/obj-lean $(B)/tests-debug $(B)/*.cpio $(B)/logs

# The on-demand stress tests, 16 rounds (guest/stress): DMA under every kind
# of invalidation, 30 s of churn in the same area, device writes under real
# reclaim.
STRESS_TIMEOUT ?= 7200
stress: initramfs-check
	@IOPF_VM_APPEND="" scripts/run-vm.sh $(B)/obj-debug/arch/x86/boot/bzImage \
		$(B)/initramfs-check.cpio stress $(B)/logs/stress $(STRESS_TIMEOUT)
