# Top-level driver.  "make check" and "make demo" are the two entry points;
# both install their own dependencies and build only what changed.
SHELL := /bin/bash
# When this make started: the targets that boot a VM end with how long they
# took, builds and VM apart (scripts/elapsed.sh).
export IOPF_MAKE_T0 := $(shell date +%s)
.DEFAULT_GOAL := help
TOP := $(CURDIR)
B := $(TOP)/build
ST := tools/testing/selftests/iommu
CHECK_TIMEOUT ?= 3000
VTD_TIMEOUT ?= 1800
# Which series: lts (patches/, build/linux, build/obj-debug, ...) or
# mainline (patches/mainline/, build/linux-mainline, build/obj-mainline-debug,
# ...: every output of the mainline tree is named with "mainline-"). The
# mainline series is for review: its make check runs that tree's own
# selftests, the VMM guide's example and check-vtd (7.2's intel-iommu). The
# benchmark stays on the LTS series: it compares default mock domains with
# huge-IOVA ones, and 7.2's mock has no such flag (all its domains have huge
# pages).
KERNEL ?= lts
ifeq ($(filter $(KERNEL),lts mainline),)
$(error KERNEL=$(KERNEL): lts or mainline)
endif
export KERNEL
ifeq ($(KERNEL),mainline)
SRC := $(B)/linux-mainline
K := mainline-
ifneq ($(filter-out tree export tree-status help kernel-debug selftests \
	examples $(B)/examples-$(K)debug/ondemand_vmm \
	vtd-prog $(B)/vtd-$(K)debug/vtd_e2e qemu deps \
	initramfs-check check check-mock check-vtd checkpatch,$(MAKECMDGOALS)),)
$(error KERNEL=mainline: only tree, export, tree-status, checkpatch, examples, vtd-prog and make check (check-mock, check-vtd) ; the benchmark runs on the LTS series)
endif
else
SRC := $(B)/linux
K :=
endif

.PHONY: help deps tree kernel-debug kernel-lean selftests initramfs-check \
	bench-debug bench-lean examples vtd-prog qemu initramfs-demo \
	check check-mock check-vtd demo bench demo-quick export tree-status \
	checkpatch clean stress

help:
	@echo "make demo         the benchmark in a VM, every section scaled to minutes"
	@echo "make bench        the full benchmark, twice in one VM (about 40 minutes)"
	@echo "make demo-quick   a smoke-test pass of the benchmark (about a minute)"
	@echo "make check        build the debug kernel and run every test in a VM:"
	@echo "                  check-mock, then check-vtd"
	@echo "make check-mock   the selftests, the example and the benchmark on the mock"
	@echo "make check-vtd    end to end through intel-iommu with an emulated PRI"
	@echo "                  device, in a QEMU built from Debian's source + qemu/patches"
	@echo "make export       write build/linux's commits back to patches/"
	@echo "make tree-status  show work in build/linux not yet exported"
	@echo "make tree KERNEL=mainline   the mainline series' tree, build/linux-mainline"
	@echo "                  (Debian's linux-source-7.2 + patches/mainline/; being ported)"
	@echo "make check KERNEL=mainline  the same on the 7.2 tree: check-mock (its selftests"
	@echo "                  and the example), then check-vtd on 7.2's intel-iommu"
	@echo "make checkpatch   run checkpatch.pl --strict on every patch"

deps:
	@scripts/deps.sh

tree: deps
	@KERNEL=$(KERNEL) scripts/kernel-tree.sh sync

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
	$(B)/obj-$(K)debug/usr/include/linux/iommufd.h
selftests: kernel-debug
	@mkdir -p $(B)/tests-$(K)debug
	@$(MAKE) -s -C $(SRC)/$(ST) OUTPUT=$(B)/tests-$(K)debug \
		KHDR_INCLUDES="-isystem $(B)/obj-$(K)debug/usr/include" \
		LDFLAGS=-static LOCAL_HDRS="$(SELFTEST_HDRS)"

# The benchmark, against the uAPI headers of the kernel it runs on.
BENCH_CFLAGS := -O2 -Wall -Wextra -Werror -static
BENCH_C := $(wildcard $(TOP)/guest/bench/*.c)
BENCH_H := $(wildcard $(TOP)/guest/bench/*.h) $(TOP)/guest/include/iopf_testdev.h \
	$(SRC)/drivers/iommu/iommufd/iommufd_test.h
$(B)/bench-%/iopf_bench: $(BENCH_C) $(BENCH_H) $(B)/obj-%/usr/include/linux/iommufd.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	@$(CC) $(BENCH_CFLAGS) -isystem $(B)/obj-$*/usr/include \
		-I $(SRC)/drivers/iommu/iommufd -I $(TOP)/guest/include \
		-o $@ $(BENCH_C) -lpthread

bench-debug: kernel-debug
	@$(MAKE) -s $(B)/bench-$(K)debug/iopf_bench
bench-lean: kernel-lean
	@$(MAKE) -s $(B)/bench-lean/iopf_bench

# docs/vmm-guide.md's example, run by make check so that it cannot rot
EXAMPLE_CFLAGS := -O2 -Wall -Wextra -Werror -static
$(B)/examples-$(K)debug/ondemand_vmm: $(TOP)/examples/ondemand_vmm.c \
		$(SRC)/drivers/iommu/iommufd/iommufd_test.h \
		$(B)/obj-$(K)debug/usr/include/linux/iommufd.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	@$(CC) $(EXAMPLE_CFLAGS) -isystem $(B)/obj-$(K)debug/usr/include \
		-I $(SRC)/drivers/iommu/iommufd -o $@ $<
examples: kernel-debug
	@$(MAKE) -s $(B)/examples-$(K)debug/ondemand_vmm

# The VMM of check-vtd: VFIO + iommufd against QEMU's iopf-testdev
$(B)/vtd-$(K)debug/vtd_e2e: $(TOP)/guest/vtd/vtd_e2e.c $(TOP)/guest/include/iopf_testdev.h \
		$(B)/obj-$(K)debug/usr/include/linux/iommufd.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	@$(CC) $(EXAMPLE_CFLAGS) -isystem $(B)/obj-$(K)debug/usr/include \
		-I $(TOP)/guest/include -o $@ $<
vtd-prog: kernel-debug
	@$(MAKE) -s $(B)/vtd-$(K)debug/vtd_e2e

# QEMU from Debian's source package with qemu/patches, cached by content
qemu: deps
	@scripts/qemu-build.sh

CHECK_PROGS = $(B)/tests-$(K)debug/iommufd $(B)/tests-$(K)debug/iommufd_fail_nth \
	$(B)/examples-$(K)debug/ondemand_vmm
CHECK_BUILDS = selftests examples
# The benchmark stays on the LTS series (see the top of this file).
ifeq ($(KERNEL),lts)
CHECK_PROGS += $(B)/bench-$(K)debug/iopf_bench
CHECK_BUILDS += bench-debug
endif
CHECK_PROGS += $(B)/vtd-$(K)debug/vtd_e2e
CHECK_BUILDS += vtd-prog

initramfs-check: $(CHECK_BUILDS)
	@scripts/mkinitramfs.sh $(B)/initramfs-$(K)check.cpio $(CHECK_PROGS)

initramfs-demo: bench-lean
	@scripts/mkinitramfs.sh $(B)/initramfs-demo.cpio $(B)/bench-lean/iopf_bench

# Both suites run even if the first fails; the last line adds them up.
check: initramfs-check qemu
	@rc=0; \
	$(MAKE) -s --no-print-directory check-mock || rc=1; \
	$(MAKE) -s --no-print-directory check-vtd || rc=1; \
	scripts/verdict.sh --total $(B)/logs/$(K)check $(B)/logs/$(K)check-vtd; \
	exit $$rc

# Two NUMA nodes: the page migration tests move pages between them.
check-mock: initramfs-check
	@IOPF_VM_NUMA=2 scripts/run-vm.sh $(B)/obj-$(K)debug/arch/x86/boot/bzImage \
		$(B)/initramfs-$(K)check.cpio check $(B)/logs/$(K)check $(CHECK_TIMEOUT)

# q35 with QEMU's intel-iommu in scalable mode, page requests (x-prs, our
# QEMU patch) and the device IOTLB, and iopf-testdev behind a root port.
VTD_MACHINE = -machine q35 \
	-device intel-iommu,intremap=on,x-scalable-mode=on,device-iotlb=on,x-prs=on \
	-device pcie-root-port,id=rp0,chassis=1,slot=1 \
	-device iopf-testdev,bus=rp0
check-vtd: initramfs-check qemu
	@IOPF_QEMU="$$(scripts/qemu-build.sh --path)" \
		IOPF_VM_MACHINE="$(VTD_MACHINE)" \
		IOPF_VM_APPEND="intel_iommu=on,sm_on" \
		scripts/run-vm.sh $(B)/obj-$(K)debug/arch/x86/boot/bzImage \
		$(B)/initramfs-$(K)check.cpio check-vtd $(B)/logs/$(K)check-vtd \
		$(VTD_TIMEOUT)

# The benchmark on the lean kernel under QEMU's instruction counting, then
# tables, CSV files and plots in results/<target>/. make demo: every section
# at a size that runs in minutes (the output says what was scaled down);
# make bench: the full sizes, twice, and how much the runs differ;
# make demo-quick: the smoke-test sizes make check also runs.
DEMO_TIMEOUT ?= 2400
# The RFC's table also on intel-iommu, in a second VM (run-demo.sh)
DEMO_VTD = IOPF_DEMO_VTD_QEMU="$$(scripts/qemu-build.sh --path)" \
	IOPF_DEMO_VTD_MACHINE="$(VTD_MACHINE)"
BENCH_TIMEOUT ?= 7200
demo: initramfs-demo qemu
	@$(DEMO_VTD) IOPF_DEMO_TAG=demo IOPF_DEMO_ARGS=--tap,--size,demo \
		scripts/run-demo.sh $(B)/obj-lean/arch/x86/boot/bzImage \
		$(B)/initramfs-demo.cpio $(B)/logs/demo $(TOP)/results/demo \
		$(DEMO_TIMEOUT)

bench: initramfs-demo qemu
	@$(DEMO_VTD) IOPF_DEMO_TAG=bench IOPF_DEMO_ARGS=--tap,--size,full IOPF_DEMO_RUNS=2 \
		scripts/run-demo.sh $(B)/obj-lean/arch/x86/boot/bzImage \
		$(B)/initramfs-demo.cpio $(B)/logs/bench $(TOP)/results/bench \
		$(BENCH_TIMEOUT)

demo-quick: initramfs-demo qemu
	@$(DEMO_VTD) IOPF_DEMO_TAG=demo-quick IOPF_DEMO_ARGS=--tap,--size,quick \
		scripts/run-demo.sh $(B)/obj-lean/arch/x86/boot/bzImage \
		$(B)/initramfs-demo.cpio $(B)/logs/demo-quick \
		$(TOP)/results/quick $(DEMO_TIMEOUT)

export:
	@KERNEL=$(KERNEL) scripts/kernel-tree.sh export

tree-status:
	@KERNEL=$(KERNEL) scripts/kernel-tree.sh status

checkpatch: tree
	@scripts/checkpatch.sh

clean:
	rm -rf $(B)/obj-debug $(B)/obj-lean $(B)/tests-debug \
		$(B)/obj-mainline-debug $(B)/tests-mainline-debug $(B)/*.cpio $(B)/logs

# The on-demand stress tests, 16 rounds (guest/stress): DMA under every kind
# of invalidation, 30 s of churn in the same area, device writes under real
# reclaim.
STRESS_TIMEOUT ?= 7200
stress: initramfs-check
	@IOPF_VM_APPEND="" IOPF_VM_NUMA=2 scripts/run-vm.sh $(B)/obj-$(K)debug/arch/x86/boot/bzImage \
		$(B)/initramfs-$(K)check.cpio stress $(B)/logs/stress $(STRESS_TIMEOUT)
