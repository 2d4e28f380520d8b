// SPDX-License-Identifier: GPL-2.0
/*
 * The whole flow of docs/vmm-guide.md, as a VMM would run it, against the
 * iommufd selftest's mock PRI device (make check builds this and runs it
 * in the test VM, so it cannot rot).
 *
 * Part 1, VFIO cdev + iommufd: discover IOMMU_HW_CAP_IOPF, map guest RAM
 * with IOMMU_IOAS_MAP_ON_DEMAND, let the device DMA into and out of it,
 * read the counters, balloon a range out, see a DMA outside guest RAM
 * refused, unmap.
 * Part 2, the legacy VFIO container served by iommufd: check
 * VFIO_TYPE1_IOPF, convert an existing pinned map with
 * VFIO_IOMMU_ENABLE_IOPF, map on demand with VFIO_DMA_MAP_FLAG_IOPF.
 *
 * Only two things differ from a VMM with a real device, and each is in a
 * function of its own: attach_device() creates the mock device where a VMM
 * opens and binds its VFIO device, and device_dma() asks the mock to DMA
 * where a real device would do so on its own. Everything else is the uAPI
 * a VMM uses.
 *
 * Output: one TAP line per step ("ok N - what"); the exit status is 0 when
 * every step did what the guide says, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "iommufd_test.h"	/* the mock device: IOMMU_TEST_CMD */

#define GUEST_RAM_MIB	64
/* Where guest RAM starts in IOVA space (guest physical 0 in a real VMM) */
#define GUEST_RAM_IOVA	MOCK_APERTURE_START

struct vmm {
	int iommufd;
	uint32_t ioas_id;
	uint32_t dev_id;	/* the device's iommufd id */
	void *ram;		/* guest RAM, in the VMM's address space */
	size_t ram_size;
	size_t page;
	unsigned int step;
	bool failed;
};

/* Report a step in TAP; a failed step that later steps need ends the run */
static void step(struct vmm *v, bool ok, bool fatal, const char *what)
{
	printf("%sok %u - %s\n", ok ? "" : "not ", ++v->step, what);
	if (ok)
		return;
	v->failed = true;
	if (fatal) {
		printf("# stopping: the next steps need this one\n");
		exit(1);
	}
}

static void die(const char *call)
{
	printf("not ok - %s: %s\n", call, strerror(errno));
	exit(1);
}

/* VmPin of this process in KiB: what iommufd pinned and charged */
static long pinned_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		die("open /proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * A VMM with a real device does, instead:
 *   devfd = open("/dev/vfio/devices/vfioN", O_RDWR);
 *   ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind);   bind.out_devid
 *   ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);   attach.pt_id = IOAS
 * The mock device is created already attached to the IOAS.
 */
static void attach_device(struct vmm *v)
{
	struct iommu_test_cmd mock = {
		.size = sizeof(mock),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = v->ioas_id,
	};

	if (ioctl(v->iommufd, IOMMU_TEST_CMD, &mock))
		die("IOMMU_TEST_OP_MOCK_DOMAIN");
	v->dev_id = mock.mock_domain.out_idev_id;
}

/*
 * A real device DMAs on its own; the mock does when asked. @write: the
 * device writes memory. Returns 0 or the errno the DMA stopped with (ENXIO:
 * a page request was answered INVALID); *requests: page requests it sent.
 */
static int device_dma(struct vmm *v, uint64_t iova, void *buf, size_t len,
		      bool write, uint32_t *requests)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMA,
		.dma = {
			.dev_id = v->dev_id,
			.flags = write ? MOCK_DMA_WRITE : 0,
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)buf,
		},
	};
	int rc = ioctl(v->iommufd, IOMMU_TEST_CMD, &cmd);

	if (requests)
		*requests = cmd.dma.out_faults;
	return rc ? errno : 0;
}

/* Open iommufd, allocate an IOAS and attach the device to it */
static void open_iommufd(struct vmm *v)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	v->iommufd = open("/dev/iommu", O_RDWR);
	if (v->iommufd < 0)
		die("open /dev/iommu");
	if (ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	v->ioas_id = alloc.out_ioas_id;
	attach_device(v);
}

/* Step 1: does this device take I/O page faults? */
static bool device_can_fault(struct vmm *v)
{
	struct iommu_hw_info info = {
		.size = sizeof(info),
		.dev_id = v->dev_id,
	};

	if (ioctl(v->iommufd, IOMMU_GET_HW_INFO, &info))
		die("IOMMU_GET_HW_INFO");
	return info.out_capabilities & IOMMU_HW_CAP_IOPF;
}

static struct iommu_ioas_iopf_stats read_stats(struct vmm *v)
{
	struct iommu_ioas_iopf_stats st = {
		.size = sizeof(st),
		.ioas_id = v->ioas_id,
	};

	if (ioctl(v->iommufd, IOMMU_IOAS_IOPF_STATS, &st))
		die("IOMMU_IOAS_IOPF_STATS");
	return st;
}

static void print_stats(const char *when, const struct iommu_ioas_iopf_stats *st)
{
	printf("# stats %s: requests %llu, faulted %llu, invalid %llu, invalidations %llu, invalidated %llu, mapped now %llu\n",
	       when, (unsigned long long)st->out_requests,
	       (unsigned long long)st->out_faulted,
	       (unsigned long long)st->out_invalid,
	       (unsigned long long)st->out_invalidations,
	       (unsigned long long)st->out_invalidated,
	       (unsigned long long)st->out_mapped);
}

static void part1_iommufd(struct vmm *v)
{
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct iommu_option prefault = {
		.size = sizeof(prefault),
		.option_id = IOMMU_OPTION_IOPF_PREFAULT,
		.op = IOMMU_OPTION_OP_GET,
	};
	struct iommu_ioas_iopf_stats st;
	size_t msg_len = 256 * 1024;
	uint8_t *msg = malloc(msg_len), *back = malloc(msg_len);
	uint64_t msg_iova = GUEST_RAM_IOVA + (8 << 20);
	uint32_t requests = 0;
	long pinned_before;
	int rc;

	if (!msg || !back)
		die("malloc");
	open_iommufd(v);

	step(v, device_can_fault(v), true,
	     "IOMMU_GET_HW_INFO reports IOMMU_HW_CAP_IOPF for the device");

	/* Guest RAM: reserved, not touched; nothing is populated here */
	v->ram_size = (size_t)GUEST_RAM_MIB << 20;
	v->ram = mmap(NULL, v->ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->ram == MAP_FAILED)
		die("mmap guest RAM");

	pinned_before = pinned_kib();
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_ON_DEMAND;
	map.ioas_id = v->ioas_id;
	map.user_va = (uintptr_t)v->ram;
	map.length = v->ram_size;
	map.iova = GUEST_RAM_IOVA;
	rc = ioctl(v->iommufd, IOMMU_IOAS_MAP, &map);
	step(v, !rc, true, "IOMMU_IOAS_MAP_ON_DEMAND maps guest RAM");
	step(v, pinned_kib() == pinned_before, false,
	     "nothing pinned or charged to RLIMIT_MEMLOCK (VmPin unchanged)");

	prefault.object_id = v->ioas_id;
	if (ioctl(v->iommufd, IOMMU_OPTION, &prefault))
		die("IOMMU_OPTION_IOPF_PREFAULT get");
	step(v, prefault.val64 == 0, false,
	     "IOMMU_OPTION_IOPF_PREFAULT is 0: the adaptive window");

	/* The device writes a message into guest RAM: it faults it in */
	memset(msg, 0xa5, msg_len);
	rc = device_dma(v, msg_iova, msg, msg_len, true, &requests);
	printf("# device write of %zu KiB: %u page requests\n",
	       msg_len >> 10, requests);
	step(v, !rc && requests > 0, true,
	     "device write into unmapped guest RAM succeeds through page requests");
	step(v, !memcmp((uint8_t *)v->ram + (msg_iova - GUEST_RAM_IOVA), msg,
			msg_len), false,
	     "the CPU sees every byte the device wrote");

	/* The CPU writes, the device reads back: mapped already, no request */
	memset((uint8_t *)v->ram + (msg_iova - GUEST_RAM_IOVA), 0x3c, msg_len);
	rc = device_dma(v, msg_iova, back, msg_len, false, &requests);
	memset(msg, 0x3c, msg_len);
	step(v, !rc && !memcmp(back, msg, msg_len), false,
	     "the device reads what the CPU wrote");
	st = read_stats(v);
	print_stats("after the first DMAs", &st);
	step(v, st.out_requests > 0 && st.out_mapped > 0 && !st.out_invalid,
	     false, "IOMMU_IOAS_IOPF_STATS counts the requests and mapped pages");

	/*
	 * Balloon inflation: the guest gave these pages back. The kernel
	 * unmaps them from the IOMMU before the memory is freed; a later DMA
	 * faults in fresh zeroed pages.
	 */
	if (madvise((uint8_t *)v->ram + (msg_iova - GUEST_RAM_IOVA), msg_len,
		    MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
	st = read_stats(v);
	print_stats("after MADV_DONTNEED", &st);
	step(v, st.out_invalidated > 0, false,
	     "MADV_DONTNEED unmapped the pages from the IOMMU");
	rc = device_dma(v, msg_iova, back, msg_len, false, &requests);
	memset(msg, 0, msg_len);
	step(v, !rc && requests > 0 && !memcmp(back, msg, msg_len), false,
	     "the device faults the released range back in, as zeroes");

	/* A DMA outside guest RAM: answered INVALID, the DMA stops */
	rc = device_dma(v, GUEST_RAM_IOVA + v->ram_size + (1 << 20), back,
			v->page, true, NULL);
	st = read_stats(v);
	step(v, rc == ENXIO && st.out_invalid == 1, false,
	     "a DMA outside guest RAM is refused (INVALID response, ENXIO)");

	unmap.ioas_id = v->ioas_id;
	unmap.iova = GUEST_RAM_IOVA;
	unmap.length = v->ram_size;
	rc = ioctl(v->iommufd, IOMMU_IOAS_UNMAP, &unmap);
	st = read_stats(v);
	step(v, !rc && !st.out_mapped, false,
	     "IOMMU_IOAS_UNMAP removes guest RAM and every mapped page");

	close(v->iommufd);
	munmap(v->ram, v->ram_size);
	free(msg);
	free(back);
}

static int vfio_map(struct vmm *v, uint64_t iova, size_t off, size_t len,
		    uint32_t flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
			 flags,
		.vaddr = (uintptr_t)v->ram + off,
		.iova = iova,
		.size = len,
	};

	return ioctl(v->iommufd, VFIO_IOMMU_MAP_DMA, &map);
}

/*
 * The legacy container. A VMM opens /dev/vfio/vfio (iommufd when
 * CONFIG_IOMMUFD_VFIO_CONTAINER=y), adds its group with
 * VFIO_GROUP_SET_CONTAINER and calls VFIO_SET_IOMMU. Here the iommufd file
 * plays the container, as iommufd's compatibility layer allows, with the
 * mock device attached to its IOAS.
 */
static void part2_container(struct vmm *v)
{
	struct iommu_vfio_ioas set = {
		.size = sizeof(set),
		.op = IOMMU_VFIO_IOAS_SET,
	};
	size_t half = 4 << 20;
	uint8_t *buf = malloc(half);
	uint32_t requests;
	long pinned_base;
	int rc;

	if (!buf)
		die("malloc");
	open_iommufd(v);
	set.ioas_id = v->ioas_id;
	if (ioctl(v->iommufd, IOMMU_VFIO_IOAS, &set))
		die("IOMMU_VFIO_IOAS");
	if (ioctl(v->iommufd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");

	rc = ioctl(v->iommufd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF);
	step(v, rc == 1, true, "VFIO_CHECK_EXTENSION(VFIO_TYPE1_IOPF) is 1");

	v->ram_size = 2 * half;
	v->ram = mmap(NULL, v->ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->ram == MAP_FAILED)
		die("mmap guest RAM");

	/* A VMM that mapped before it knew: the first half, pinned */
	pinned_base = pinned_kib();
	rc = vfio_map(v, GUEST_RAM_IOVA, 0, half, 0);
	step(v, !rc && pinned_kib() - pinned_base == (long)(half >> 10), false,
	     "VFIO_IOMMU_MAP_DMA without the flag pins, as today");

	rc = ioctl(v->iommufd, VFIO_IOMMU_ENABLE_IOPF);
	step(v, !rc && pinned_kib() == pinned_base, false,
	     "VFIO_IOMMU_ENABLE_IOPF converts it: nothing pinned any more");

	/* The second half, on demand from the start */
	rc = vfio_map(v, GUEST_RAM_IOVA + half, half, half,
		      VFIO_DMA_MAP_FLAG_IOPF);
	step(v, !rc && pinned_kib() == pinned_base, false,
	     "VFIO_DMA_MAP_FLAG_IOPF maps without pinning");

	/* The device writes across both halves */
	memset(buf, 0x77, half);
	rc = device_dma(v, GUEST_RAM_IOVA + half / 2, buf, half, true,
			&requests);
	step(v, !rc && !memcmp((uint8_t *)v->ram + half / 2, buf, half), false,
	     "the device writes across the converted and the new mapping");

	close(v->iommufd);
	munmap(v->ram, v->ram_size);
	free(buf);
}

int main(void)
{
	struct vmm v = { .page = sysconf(_SC_PAGESIZE) };

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..17\n");
	part1_iommufd(&v);
	part2_container(&v);
	if (v.step != 17)
		printf("not ok - ran %u steps, the plan says 17\n", v.step);
	return v.failed || v.step != 17;
}
