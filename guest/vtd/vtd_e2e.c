// SPDX-License-Identifier: GPL-2.0
/*
 * On-demand DMA mappings end to end on (emulated) VT-d: the flow of
 * examples/ondemand_vmm.c with a real PCIe device, "iopf-testdev" (ATS, PRI),
 * in a QEMU guest with intel-iommu in scalable mode. The program plays the
 * VMM: it assigns the device to itself with VFIO and has it DMA into
 * on-demand mappings, so every page the device touches is faulted in through
 * the VT-d page request queue and iommufd's in-kernel handler. Part 1 uses
 * the VFIO cdev and iommufd, part 2 the legacy container iommufd serves.
 * Part 1 also migrates: dirty pages tracked by write faults (VT-d here has
 * no dirty bits) and post-copy through a userfaultfd.
 * Every byte is checked. Output: TAP; exit status 0 when every step passed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/userfaultfd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "iopf_testdev.h"

typedef unsigned long long u64;	/* as __u64: one printf format */

#define MIB		(1ULL << 20)
#define RAM_SIZE	(16 * MIB)
/* Where guest RAM starts in IOVA space, unless the IOAS does not allow it */
#define PREFERRED_BASE	0x10000000ULL
/* Guest RAM, the read-only buffer at +32 MiB, the unmapped hole at +64 MiB */
#define IOVA_SPAN	(128 * MIB)
#define RO_OFFSET	(32 * MIB)
#define HOLE_OFFSET	(64 * MIB)
/* x86 interrupt window: a DMA there is an MSI, never memory */
#define MSI_FIRST	0xfee00000ULL
#define MSI_LAST	0xfeefffffULL
/* The guest may run under TCG on a loaded host: be generous */
#define POLL_LIMIT_S	600
#define NSTEPS		15
/* Post-copy: 1 MiB arriving through a userfaultfd, above the hole */
#define UFFD_OFFSET	(96 * MIB)

/* The guest is x86: the CPU is as little endian as the device */
#define R32(v, off)	(*(volatile uint32_t *)((v)->bar + (off)))
#define R64(v, off)	(*(volatile u64 *)((v)->bar + (off)))

struct vmm {
	char bdf[256];
	char cdev[320];		/* /dev/vfio/devices/vfioN */
	char group[320];	/* /dev/vfio/N */
	int iommufd;		/* part 2: the container, which is iommufd */
	int devfd;
	int groupfd;
	uint32_t ioas_id;
	uint32_t dev_id;	/* the device's iommufd id */
	uint32_t hwpt_id;	/* the hwpt the attach made */
	volatile uint8_t *bar;	/* BAR0 */
	size_t bar_size;
	uint8_t *ram;		/* guest RAM, in the VMM's address space */
	u64 base;		/* its IOVA */
	unsigned int step;
	bool failed;
};

/* What the device says about one transfer */
struct dma_res {
	uint32_t status, error;
	u64 bytes, csum, prqs;
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

/* One condition of a step: say which one failed, so the log tells why */
__attribute__((format(printf, 2, 3)))
static bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	printf("# FAILED: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	return false;
}

/* A call the test cannot go on without failed: name it and its errno */
__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	int err = errno;
	char call[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	printf("Bail out! %s: %s (errno %d)\n", call, strerror(err), err);
	exit(1);
}

/* At the formatted path: a symlink's last component, or a file's first line */
__attribute__((format(printf, 3, 4)))
static char *sysfs(char *buf, size_t len, const char *fmt, ...)
{
	char path[640], link[640], *name;
	va_list ap;
	ssize_t n;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	buf[0] = 0;
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		name = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
		if (strlen(name) < len)
			strcpy(buf, name);
	} else if ((f = fopen(path, "r"))) {
		if (!fgets(buf, len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

__attribute__((format(printf, 2, 3)))
static void sys_write(const char *val, const char *fmt, ...)
{
	char path[640];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die("write \"%s\" to %s", val, path);
	close(fd);
}

/* devtmpfs normally made @node; if not, make it from sysfs's major:minor */
static void ensure_node(const char *node, const char *majmin)
{
	unsigned int maj, min;

	if (!access(node, F_OK))
		return;
	if (sscanf(majmin, "%u:%u", &maj, &min) != 2) {
		errno = ENOENT;
		die("major:minor for %s", node);
	}
	mkdir("/dev/vfio", 0755);
	mkdir("/dev/vfio/devices", 0755);
	if (mknod(node, S_IFCHR | 0600, makedev(maj, min)))
		die("mknod %s %u:%u", node, maj, min);
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

/* Find the test device, give it to vfio-pci, find its cdev and group */
static void claim_device(struct vmm *v)
{
	char buf[64], name[256] = "";
	struct dirent *e;
	DIR *d = opendir("/sys/bus/pci/devices");

	if (!d)
		die("opendir /sys/bus/pci/devices");
	while (!v->bdf[0] && (e = readdir(d)))
		if (strtoul(sysfs(buf, sizeof(buf), "/sys/bus/pci/devices/%s/vendor",
				     e->d_name), NULL, 16) == TESTDEV_VENDOR &&
		    strtoul(sysfs(buf, sizeof(buf), "/sys/bus/pci/devices/%s/device",
				     e->d_name), NULL, 16) == TESTDEV_DEVICE)
			snprintf(v->bdf, sizeof(v->bdf), "%s", e->d_name);
	closedir(d);
	if (!v->bdf[0]) {
		errno = ENODEV;
		die("find PCI device %04x:%04x", TESTDEV_VENDOR, TESTDEV_DEVICE);
	}

	sysfs(name, sizeof(name), "/sys/bus/pci/devices/%s/driver", v->bdf);
	if (strcmp(name, "vfio-pci")) {
		/* driver_override: no other driver may take it back */
		sys_write("vfio-pci", "/sys/bus/pci/devices/%s/driver_override",
			  v->bdf);
		if (name[0])
			sys_write(v->bdf, "/sys/bus/pci/devices/%s/driver/unbind",
				  v->bdf);
		sys_write(v->bdf, "/sys/bus/pci/drivers_probe");
		if (strcmp(sysfs(name, sizeof(name), "/sys/bus/pci/devices/%s/driver",
				    v->bdf), "vfio-pci")) {
			errno = ENODEV;
			die("bind %s to vfio-pci (driver \"%s\")", v->bdf, name);
		}
	}

	snprintf(v->cdev, sizeof(v->cdev), "/sys/bus/pci/devices/%s/vfio-dev",
		 v->bdf);
	d = opendir(v->cdev);
	if (!d)
		die("opendir %s (no VFIO cdev?)", v->cdev);
	name[0] = 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(name, sizeof(name), "%s", e->d_name);
	closedir(d);
	if (!name[0]) {
		errno = ENOENT;
		die("find vfioN in /sys/bus/pci/devices/%s/vfio-dev", v->bdf);
	}
	snprintf(v->cdev, sizeof(v->cdev), "/dev/vfio/devices/%s", name);
	ensure_node(v->cdev, sysfs(buf, sizeof(buf),
		    "/sys/bus/pci/devices/%s/vfio-dev/%s/dev", v->bdf, name));

	if (!sysfs(name, sizeof(name), "/sys/bus/pci/devices/%s/iommu_group",
		      v->bdf)[0])
		die("readlink %s/iommu_group", v->bdf);
	snprintf(v->group, sizeof(v->group), "/dev/vfio/%s", name);
	ensure_node(v->group, sysfs(buf, sizeof(buf), "/sys/class/vfio/%s/dev",
				       name));
	printf("# device %s: %s, group %s\n", v->bdf, v->cdev, v->group);
}

static void print_counters(const struct vmm *v, const char *what)
{
	printf("# %s: TOTAL_PRQS %llu, TOTAL_RESP_SUCCESS %llu, TOTAL_RESP_INVALID %llu, TOTAL_RESP_FAILURE %llu, ATS_REQS %llu, ATC_INVALS %llu, ATC_HITS %llu\n",
	       what, R64(v, REG_TOTAL_PRQS), R64(v, REG_RESP_SUCCESS),
	       R64(v, REG_RESP_INVALID), R64(v, REG_RESP_FAILURE),
	       R64(v, REG_ATS_REQS), R64(v, REG_ATC_INVALS), R64(v, REG_ATC_HITS));
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Sleep 1 ms; false once @t0 is more than @limit seconds ago */
static bool tick(double t0, double limit)
{
	const struct timespec ms = { 0, 1000000 };

	nanosleep(&ms, NULL);
	return now() - t0 < limit;
}

static void dev_start(struct vmm *v, u64 iova, u64 len, u64 seed, bool write)
{
	R64(v, REG_DMA_IOVA) = iova;
	R64(v, REG_DMA_LEN) = len;
	R64(v, REG_SEED) = seed;
	R32(v, REG_CMD) = CMD_START | (write ? CMD_WRITE : 0);
}

/*
 * Poll until the device is idle. A transfer that outlives the limit fails
 * its step: print the registers and abort it. A device that does not even
 * abort cannot run any later step.
 */
static bool wait_idle(struct vmm *v)
{
	double t0 = now();

	while (R32(v, REG_STATUS) & ST_BUSY) {
		if (tick(t0, POLL_LIMIT_S))
			continue;
		printf("# still busy after %d s: status 0x%x error %u iova 0x%llx len %llu bytes %llu dma_prqs %llu timeout_ms %u\n",
		       POLL_LIMIT_S, R32(v, REG_STATUS), R32(v, REG_ERROR),
		       R64(v, REG_DMA_IOVA), R64(v, REG_DMA_LEN),
		       R64(v, REG_BYTES), R64(v, REG_DMA_PRQS),
		       R32(v, REG_TIMEOUT_MS));
		print_counters(v, "device");
		R32(v, REG_CMD) = CMD_ABORT;
		for (t0 = now(); R32(v, REG_STATUS) & ST_BUSY;)
			if (!tick(t0, 10)) {
				errno = ETIMEDOUT;
				die("ABORT of the stuck transfer");
			}
		return false;
	}
	return true;
}

/* Start a transfer and wait until it has moved a byte (or ended) */
static void dev_start_busy(struct vmm *v, u64 len, u64 seed)
{
	double t0 = now();

	dev_start(v, v->base, len, seed, true);
	while (!R64(v, REG_BYTES) && (R32(v, REG_STATUS) & ST_BUSY) &&
	       tick(t0, POLL_LIMIT_S))
		;
	printf("# busy: %llu of %llu bytes moved\n", R64(v, REG_BYTES), len);
}

/* The device's account of the transfer that just ended */
static struct dma_res dev_result(struct vmm *v, bool ended, const char *what)
{
	static const char *const errs[] = {
		"none", "response INVALID", "response FAILURE",
		"page request not sent", "ATS translation failed",
		"no page response in time", "aborted", "bad arguments",
		"memory access failed", "untranslatable after 1000 responses",
	};
	struct dma_res r = {
		.status = R32(v, REG_STATUS), .error = R32(v, REG_ERROR),
		.bytes = R64(v, REG_BYTES), .csum = R64(v, REG_CSUM),
		.prqs = R64(v, REG_DMA_PRQS),
	};

	if (!ended)	/* ended by our abort: never a success */
		r.status = ST_ERROR;
	printf("# %s: status 0x%x, error %u (%s), bytes %llu, page requests %llu\n",
	       what, r.status, r.error, r.error < 10 ? errs[r.error] : "?",
	       r.bytes, r.prqs);
	return r;
}

/* One whole transfer */
static struct dma_res dev_dma(struct vmm *v, u64 iova, u64 len, u64 seed,
			      bool write)
{
	char what[96];

	snprintf(what, sizeof(what), "device %s 0x%llx+%llu",
		 write ? "write" : "read", iova, len);
	dev_start(v, iova, len, seed, write);
	return dev_result(v, wait_idle(v), what);
}

static bool dma_done(const struct dma_res *r, u64 len)
{
	return check((r->status & (ST_DONE | ST_ERROR)) == ST_DONE &&
		     r->bytes == len, "not DONE with %llu bytes", len);
}

static bool dma_invalid(const struct dma_res *r)
{
	return check((r->status & ST_ERROR) && r->error == ERR_INVALID,
		     "the transfer did not end with ERROR 1 (INVALID)");
}

/* Map BAR0, check it is our device, let it master the bus */
static void open_bar(struct vmm *v)
{
	struct vfio_region_info bar = {
		.argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;
	void *p;

	if (ioctl(v->devfd, VFIO_DEVICE_GET_REGION_INFO, &bar))
		die("VFIO_DEVICE_GET_REGION_INFO(BAR0)");
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < REG_END) {
		errno = EINVAL;
		die("BAR0 flags 0x%x size %llu: not mmappable or too small",
		    bar.flags, bar.size);
	}
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 v->devfd, bar.offset);
	if (p == MAP_FAILED)
		die("mmap BAR0");
	v->bar = p;
	v->bar_size = bar.size;
	if (R32(v, REG_ID) != TESTDEV_ID || R32(v, REG_VERSION) != 1) {
		errno = ENODEV;
		die("BAR0 ID 0x%x VERSION %u: not iopf-testdev version 1",
		    R32(v, REG_ID), R32(v, REG_VERSION));
	}

	if (ioctl(v->devfd, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		die("VFIO_DEVICE_GET_REGION_INFO(config)");
	if (pread(v->devfd, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		die("pread PCI_COMMAND");
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(v->devfd, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		die("pwrite PCI_COMMAND");
}

static u64 splitmix64(u64 x)
{
	u64 z = x + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The byte the device writes at offset @i from DMA_IOVA */
static uint8_t pattern_byte(u64 seed, u64 i)
{
	return splitmix64(seed + (i >> 3)) >> ((i & 7) * 8);
}

/* The CPU writes the same kind of pattern, with seeds of its own */
static void fill_pattern(uint8_t *buf, size_t len, u64 seed)
{
	for (size_t i = 0; i < len; i += 8) {
		u64 w = splitmix64(seed + (i >> 3));

		memcpy(buf + i, &w, len - i < 8 ? len - i : 8);
	}
}

/* Check every byte of @buf against the pattern of @seed (8 at a time) */
static bool pattern_ok(const uint8_t *buf, size_t len, u64 seed)
{
	size_t bad = 0, first = 0;

	for (size_t i = 0; i < len; i += 8) {
		u64 w = splitmix64(seed + (i >> 3));
		size_t n = len - i < 8 ? len - i : 8;

		if (memcmp(buf + i, &w, n))
			for (size_t j = i; j < i + n; j++)
				if (buf[j] != pattern_byte(seed, j) && !bad++)
					first = j;
	}
	return check(!bad, "%zu of %zu bytes differ from the pattern, the first at +0x%zx: 0x%02x, not 0x%02x",
		     bad, len, first, buf[first], pattern_byte(seed, first));
}

static u64 fnv(const uint8_t *buf, size_t len)
{
	u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= buf[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool csum_ok(const struct dma_res *r, const uint8_t *buf, size_t len)
{
	u64 h = fnv(buf, len);

	return check(r->csum == h, "device CSUM 0x%016llx, FNV-1a 0x%016llx",
		     r->csum, h);
}

static struct iommu_ioas_iopf_stats iopf_stats(struct vmm *v)
{
	struct iommu_ioas_iopf_stats st = {
		.size = sizeof(st), .ioas_id = v->ioas_id,
	};

	if (ioctl(v->iommufd, IOMMU_IOAS_IOPF_STATS, &st))
		die("IOMMU_IOAS_IOPF_STATS");
	printf("# iopf stats: requests %llu, faulted %llu, invalid %llu, invalidations %llu, invalidated %llu, mapped %llu\n",
	       st.out_requests, st.out_faulted, st.out_invalid,
	       st.out_invalidations, st.out_invalidated, st.out_mapped);
	return st;
}

/* On demand at a fixed IOVA; true on success, else says why */
static bool ioas_map(struct vmm *v, void *va, u64 len, u64 iova,
		     uint32_t prot)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map), .ioas_id = v->ioas_id,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_ON_DEMAND |
			 prot,
		.user_va = (uintptr_t)va, .length = len, .iova = iova,
	};
	int rc = ioctl(v->iommufd, IOMMU_IOAS_MAP, &map);

	return check(!rc, "IOMMU_IOAS_MAP 0x%llx+%llu: %s",
		     iova, len, strerror(errno));
}

static bool ioas_unmap(struct vmm *v, u64 iova, u64 len)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = v->ioas_id,
		.iova = iova, .length = len,
	};
	int rc = ioctl(v->iommufd, IOMMU_IOAS_UNMAP, &unmap);

	return check(!rc, "IOMMU_IOAS_UNMAP 0x%llx+%llu: %s",
		     iova, len, strerror(errno));
}

static bool attach(struct vmm *v)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = v->ioas_id,
	};
	int rc = ioctl(v->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);

	v->hwpt_id = at.pt_id;
	return check(!rc, "VFIO_DEVICE_ATTACH_IOMMUFD_PT: %s", strerror(errno));
}

static bool fits(const struct iommu_iova_range *r, uint32_t n, u64 base)
{
	if (base <= MSI_LAST && base + IOVA_SPAN - 1 >= MSI_FIRST)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (r[i].start <= base && base <= r[i].last &&
		    r[i].last - base >= IOVA_SPAN - 1)
			return true;
	return false;
}

/* Where guest RAM goes: the ranges narrowed when the device attached */
static u64 choose_base(struct vmm *v)
{
	struct iommu_iova_range r[64];
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = v->ioas_id, .num_iovas = 64,
		.allowed_iovas = (uintptr_t)r,
	};
	u64 align = 2 * MIB, base;

	if (ioctl(v->iommufd, IOMMU_IOAS_IOVA_RANGES, &q))
		die("IOMMU_IOAS_IOVA_RANGES");
	if (q.out_iova_alignment > align)
		align = q.out_iova_alignment;
	for (uint32_t i = 0; i < q.num_iovas; i++)
		printf("# allowed IOVA 0x%llx-0x%llx\n", r[i].start, r[i].last);
	if (fits(r, q.num_iovas, PREFERRED_BASE))
		return PREFERRED_BASE;
	for (uint32_t i = 0; i < q.num_iovas; i++) {
		/* Not IOVA 0, so that a DMA to a NULL address faults */
		base = r[i].start ? (r[i].start + align - 1) & ~(align - 1) : align;
		if (fits(r, q.num_iovas, base))
			return base;
	}
	errno = ENOSPC;
	die("find %llu MiB of allowed IOVA", IOVA_SPAN / MIB);
}

/* Part 1: bind the cdev to iommufd, discover, attach, map BAR0 */
static void part1_setup(struct vmm *v)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hw_info_vtd vtd = { 0 };
	struct iommu_hw_info info = {
		.size = sizeof(info), .data_len = sizeof(vtd),
		.data_uptr = (uintptr_t)&vtd,
	};

	v->iommufd = open("/dev/iommu", O_RDWR);
	if (v->iommufd < 0)
		die("open /dev/iommu");
	v->devfd = open(v->cdev, O_RDWR);
	if (v->devfd < 0)
		die("open %s", v->cdev);
	bind.iommufd = v->iommufd;
	if (ioctl(v->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	v->dev_id = bind.out_devid;
	if (ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	v->ioas_id = alloc.out_ioas_id;

	info.dev_id = v->dev_id;
	if (ioctl(v->iommufd, IOMMU_GET_HW_INFO, &info))
		die("IOMMU_GET_HW_INFO");
	printf("# hw_info: data type %u (%s), capabilities 0x%llx, cap_reg 0x%llx, ecap_reg 0x%llx\n",
	       info.out_data_type,
	       info.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD ?
	       "INTEL_VTD" : "expected INTEL_VTD", info.out_capabilities,
	       vtd.cap_reg, vtd.ecap_reg);
	step(v, info.out_capabilities & IOMMU_HW_CAP_IOPF, true,
	     "IOMMU_GET_HW_INFO reports IOMMU_HW_CAP_IOPF for the device");

	if (!attach(v))
		die("attach to the IOAS");
	open_bar(v);
	v->base = choose_base(v);
	printf("# guest RAM: %llu MiB at IOVA 0x%llx\n", RAM_SIZE / MIB,
	       v->base);
	v->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->ram == MAP_FAILED)
		die("mmap guest RAM");
}

/* Steps b to f: map, DMA both ways, balloon, memory replaced */
static void part1_dma(struct vmm *v)
{
	struct iommu_ioas_iopf_stats st0, st;
	uint8_t *mid = v->ram + RAM_SIZE / 2 - MIB / 2, *zeros, *p;
	u64 invals;
	long pin0 = pinned_kib();
	struct dma_res r;
	bool ok;

	ok = ioas_map(v, v->ram, RAM_SIZE, v->base,
		      IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
	st = iopf_stats(v);
	ok &= check(pinned_kib() == pin0, "VmPin %ld kB, was %ld kB",
		    pinned_kib(), pin0);
	ok &= check(!st.out_mapped, "%llu pages mapped", st.out_mapped);
	step(v, ok, true, "IOMMU_IOAS_MAP_ON_DEMAND pins and maps nothing");

	/* Untouched memory: every page the device writes is a page request */
	st0 = st;
	r = dev_dma(v, v->base, RAM_SIZE, 1, true);
	st = iopf_stats(v);
	printf("# DMA_PRQS %llu, ATS_REQS %llu, ATC_HITS %llu\n", r.prqs,
	       R64(v, REG_ATS_REQS), R64(v, REG_ATC_HITS));
	ok = dma_done(&r, RAM_SIZE);
	ok &= pattern_ok(v->ram, RAM_SIZE, 1);
	ok &= check(r.prqs > 0, "no page requests");
	ok &= check(st.out_requests - st0.out_requests == r.prqs,
		    "the kernel handled %llu page requests, the device sent %llu",
		    st.out_requests - st0.out_requests, r.prqs);
	step(v, ok, true,
	     "the device writes 16 MiB through page requests, every byte right");

	fill_pattern(v->ram, RAM_SIZE, 2);
	r = dev_dma(v, v->base, RAM_SIZE, 0, false);
	ok = dma_done(&r, RAM_SIZE) && csum_ok(&r, v->ram, RAM_SIZE);
	step(v, ok, false, "the device reads what the CPU wrote (FNV-1a)");

	/* Balloon: the kernel must unmap the IOMMU and flush the device's ATC */
	st0 = iopf_stats(v);
	invals = R64(v, REG_ATC_INVALS);
	if (madvise(mid, MIB, MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
	st = iopf_stats(v);
	ok = check(st.out_invalidations > st0.out_invalidations &&
		   st.out_invalidated > st0.out_invalidated,
		   "IOPF_STATS invalidations/invalidated did not move");
	ok &= check(R64(v, REG_ATC_INVALS) > invals,
		    "ATC_INVALS stayed %llu: no device IOTLB flush", invals);
	zeros = calloc(1, MIB);
	if (!zeros)
		die("calloc");
	r = dev_dma(v, v->base + (mid - v->ram), MIB, 0, false);
	ok &= dma_done(&r, MIB) && csum_ok(&r, zeros, MIB);
	ok &= check(r.prqs > 0, "the device did not fault the range again");
	free(zeros);
	step(v, ok, false,
	     "MADV_DONTNEED unmaps IOMMU and ATC; the device re-faults zeroes");

	/* New memory at the same address: the device follows the page table */
	p = v->ram + 2 * MIB;
	if (munmap(p, MIB))
		die("munmap");
	if (mmap(p, MIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
		die("mmap(MAP_FIXED)");
	fill_pattern(p, MIB, 3);
	r = dev_dma(v, v->base + 2 * MIB, MIB, 0, false);
	ok = dma_done(&r, MIB) && csum_ok(&r, p, MIB);
	r = dev_dma(v, v->base + 2 * MIB, MIB, 4, true);
	ok &= dma_done(&r, MIB) && pattern_ok(p, MIB, 4);
	step(v, ok, false,
	     "munmap + mmap(MAP_FIXED): the device reads and writes the new memory");
}

/*
 * The pages of guest RAM the hwpt reports dirty, into @dirty (a byte per
 * page); false if the ioctl failed
 */
static bool read_dirty(struct vmm *v, uint8_t *dirty)
{
	size_t npages = RAM_SIZE / 4096, i;
	uint64_t *bitmap = calloc(npages / 64, sizeof(*bitmap));
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get), .hwpt_id = v->hwpt_id,
		.iova = v->base, .length = RAM_SIZE, .page_size = 4096,
		.data = (uintptr_t)bitmap,
	};
	bool ok;

	if (!bitmap)
		die("calloc");
	ok = check(!ioctl(v->iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get),
		   "IOMMU_HWPT_GET_DIRTY_BITMAP: %s", strerror(errno));
	for (i = 0; i != npages; i++)
		dirty[i] = ok && (bitmap[i / 64] >> (i % 64)) & 1;
	free(bitmap);
	return ok;
}

/* Do the dirty pages read now equal the runs [first, first + n) given? */
static bool dirty_is(struct vmm *v, const u64 (*runs)[2], unsigned int nruns)
{
	size_t npages = RAM_SIZE / 4096, i, bad = 0;
	uint8_t *dirty = malloc(npages), *want = calloc(1, npages);
	unsigned int k;
	bool ok;

	if (!dirty || !want)
		die("malloc");
	for (k = 0; k != nruns; k++)
		memset(want + runs[k][0], 1, runs[k][1]);
	ok = read_dirty(v, dirty);
	for (i = 0; i != npages; i++)
		bad += dirty[i] != want[i];
	free(dirty);
	free(want);
	return ok && check(!bad, "%zu pages reported wrong", bad);
}

static bool set_tracking(struct vmm *v, bool on)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set), .hwpt_id = v->hwpt_id,
		.flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
	};

	return check(!ioctl(v->iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set),
		     "IOMMU_HWPT_SET_DIRTY_TRACKING %d: %s", on,
		     strerror(errno));
}

/*
 * The device writes each run [first, first + n) of pages, seeds from @seed
 * on; each write must fault (its pages are write-protected)
 */
static bool write_runs(struct vmm *v, const u64 (*runs)[2],
		       unsigned int nruns, u64 seed)
{
	struct dma_res r;
	unsigned int k;
	bool ok = true;

	for (k = 0; k != nruns; k++) {
		r = dev_dma(v, v->base + runs[k][0] * 4096, runs[k][1] * 4096,
			    seed + k, true);
		ok &= dma_done(&r, runs[k][1] * 4096);
		ok &= check(r.prqs > 0, "a write to a clean page did not fault");
	}
	return ok;
}

/*
 * Pre-copy on intel-iommu, which has no dirty bits here: the page requests
 * for writes say which pages the device wrote, exactly, round after round.
 */
static void part1_dirty(struct vmm *v)
{
	static const u64 round1[][2] = { { 5, 1 }, { 100, 4 }, { 3000, 2 } };
	static const u64 round2[][2] = { { 5, 1 }, { 4000, 3 } };
	struct iommu_hw_info info = {
		.size = sizeof(info), .dev_id = v->dev_id,
	};
	struct dma_res r;
	bool ok;

	ok = check(!ioctl(v->iommufd, IOMMU_GET_HW_INFO, &info) &&
		   (info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING_IOPF),
		   "no IOMMU_HW_CAP_DIRTY_TRACKING_IOPF (capabilities 0x%llx)",
		   info.out_capabilities);
	ok &= set_tracking(v, true);
	/* All of RAM was written before: tracking starts clean */
	ok &= dirty_is(v, NULL, 0);
	ok &= write_runs(v, round1, 3, 20);
	/* A read of other pages does not make them dirty */
	r = dev_dma(v, v->base + 2 * MIB, MIB, 0, false);
	ok &= dma_done(&r, MIB);
	ok &= dirty_is(v, round1, 3);
	ok &= write_runs(v, round2, 2, 30);
	ok &= dirty_is(v, round2, 2);
	ok &= dirty_is(v, NULL, 0);
	ok &= set_tracking(v, false);
	ok &= pattern_ok(v->ram + 4000 * 4096, 3 * 4096, 31);
	step(v, ok, false,
	     "write faults track exactly the pages the device wrote, two rounds");
}

/* The VMM's side of post-copy */
struct uffd_server {
	int uffd;
	uint8_t *dst, *src;
	bool stop;		/* __atomic */
	unsigned int events;	/* __atomic */
	int err;
};

static void *uffd_serve(void *arg)
{
	struct uffd_server *s = arg;
	struct pollfd pfd = { .fd = s->uffd, .events = POLLIN };
	struct uffd_msg msg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		struct uffdio_copy copy = { .len = 4096 };

		if (poll(&pfd, 1, 20) != 1 ||
		    read(s->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		copy.dst = msg.arg.pagefault.address & ~4095ULL;
		copy.src = (uintptr_t)s->src + copy.dst - (uintptr_t)s->dst;
		if (ioctl(s->uffd, UFFDIO_COPY, &copy) && errno != EEXIST) {
			s->err = errno;
			break;
		}
		__atomic_add_fetch(&s->events, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Post-copy on intel-iommu: memory that arrives page by page through a
 * userfaultfd. The device's page requests for missing pages wait for the
 * VMM's UFFDIO_COPY and the device reads the source's bytes.
 */
static void part1_postcopy(struct vmm *v)
{
	struct uffd_server s = { .src = malloc(MIB) };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	pthread_t thread;
	struct dma_res r;
	bool ok;

	s.dst = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s.dst == MAP_FAILED || !s.src)
		die("mmap");
	fill_pattern(s.src, MIB, 40);
	s.uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	reg.range.start = (uintptr_t)s.dst;
	reg.range.len = MIB;
	if (s.uffd < 0 || ioctl(s.uffd, UFFDIO_API, &api) ||
	    ioctl(s.uffd, UFFDIO_REGISTER, &reg))
		die("userfaultfd");
	ok = ioas_map(v, s.dst, MIB, v->base + UFFD_OFFSET,
		      IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
	if (pthread_create(&thread, NULL, uffd_serve, &s))
		die("pthread_create");
	r = dev_dma(v, v->base + UFFD_OFFSET, MIB, 0, false);
	__atomic_store_n(&s.stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	printf("# post-copy: %u userfaults served, %llu page requests\n",
	       s.events, r.prqs);
	ok &= dma_done(&r, MIB) && csum_ok(&r, s.src, MIB);
	ok &= check(s.events == MIB / 4096, "%u userfaults for %llu pages",
		    s.events, MIB / 4096);
	ok &= check(!s.err, "UFFDIO_COPY: %s", strerror(s.err));
	ok &= ioas_unmap(v, v->base + UFFD_OFFSET, MIB);
	close(s.uffd);
	munmap(s.dst, MIB);
	free(s.src);
	step(v, ok, false,
	     "post-copy: page requests wait for the VMM's UFFDIO_COPY");
}

/*
 * IOMMU_IOAS_PIN: a pinned range of on-demand guest RAM is mapped in the
 * VT-d domain and charged; the device reads it without a page request,
 * and, like pinned memory, keeps the page through MADV_DONTNEED; unpinned,
 * it faults again, to the page the process has now.
 */
static void part1_pin(struct vmm *v)
{
	const u64 off = 4 * MIB, len = MIB;
	struct iommu_ioas_pin pin = {
		.size = sizeof(pin), .ioas_id = v->ioas_id,
		.iova = v->base + off, .length = len,
	};
	long pin0 = pinned_kib();
	uint8_t *copy, *zeros;
	struct dma_res r;
	bool ok;

	copy = malloc(len);
	zeros = calloc(1, len);
	if (!copy || !zeros)
		die("malloc");
	fill_pattern(v->ram + off, len, 7);
	memcpy(copy, v->ram + off, len);
	ok = check(!ioctl(v->iommufd, IOMMU_IOAS_PIN, &pin),
		   "IOMMU_IOAS_PIN: %s", strerror(errno));
	ok &= check(pinned_kib() == pin0 + (long)(len >> 10),
		    "VmPin %ld kB, was %ld kB", pinned_kib(), pin0);
	r = dev_dma(v, v->base + off, len, 0, false);
	ok &= dma_done(&r, len) && csum_ok(&r, copy, len);
	ok &= check(!r.prqs, "%llu page requests for pinned memory", r.prqs);

	if (madvise(v->ram + off, len, MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
	r = dev_dma(v, v->base + off, len, 0, false);
	ok &= dma_done(&r, len) && csum_ok(&r, copy, len);
	ok &= check(!r.prqs, "%llu page requests after MADV_DONTNEED", r.prqs);

	ok &= check(!ioctl(v->iommufd, IOMMU_IOAS_UNPIN, &pin),
		    "IOMMU_IOAS_UNPIN: %s", strerror(errno));
	ok &= check(pinned_kib() == pin0, "VmPin %ld kB after unpin, was %ld kB",
		    pinned_kib(), pin0);
	r = dev_dma(v, v->base + off, len, 0, false);
	ok &= dma_done(&r, len) && csum_ok(&r, zeros, len);
	ok &= check(r.prqs > 0, "unpinned, the device did not fault again");
	free(copy);
	free(zeros);
	step(v, ok, false,
	     "IOMMU_IOAS_PIN: read without page requests, through MADV_DONTNEED; unpinned, faulted again");
}

/* Steps g and h: what the kernel must answer INVALID */
static void part1_refusals(struct vmm *v)
{
	struct iommu_ioas_iopf_stats st0, st;
	u64 inval0 = R64(v, REG_RESP_INVALID);
	struct dma_res r;
	uint8_t *ro;
	bool ok;

	st0 = iopf_stats(v);
	r = dev_dma(v, v->base + HOLE_OFFSET, 4096, 5, true);
	st = iopf_stats(v);
	ok = dma_invalid(&r);
	ok &= check(R64(v, REG_RESP_INVALID) > inval0,
		    "TOTAL_RESP_INVALID did not move");
	ok &= check(st.out_invalid > st0.out_invalid,
		    "IOPF_STATS invalid did not move");
	step(v, ok, false, "a DMA outside every mapping is answered INVALID");

	ro = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		die("mmap");
	fill_pattern(ro, MIB, 6);
	ok = ioas_map(v, ro, MIB, v->base + RO_OFFSET, IOMMU_IOAS_MAP_READABLE);
	if (ok) {
		r = dev_dma(v, v->base + RO_OFFSET, MIB, 0, false);
		ok &= dma_done(&r, MIB) && csum_ok(&r, ro, MIB);
		r = dev_dma(v, v->base + RO_OFFSET, MIB, 7, true);
		ok &= dma_invalid(&r);
		ok &= pattern_ok(ro, MIB, 6);
		ok &= ioas_unmap(v, v->base + RO_OFFSET, MIB);
	}
	munmap(ro, MIB);
	step(v, ok, false,
	     "a read-only mapping: the device reads it, its writes are refused");
}

/* Steps i and j: the mapping or the domain goes away under a busy device */
static void part1_teardown_busy(struct vmm *v)
{
	struct vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };
	struct dma_res r;
	bool ok, ended;
	int rc;

	/* Released memory makes the device fault every page: a long transfer */
	if (madvise(v->ram, RAM_SIZE, MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
	dev_start_busy(v, RAM_SIZE, 8);
	ok = ioas_unmap(v, v->base, RAM_SIZE);
	ended = wait_idle(v);
	r = dev_result(v, ended, "transfer during unmap");
	ok &= check(ended && ((r.status & (ST_DONE | ST_ERROR)) == ST_DONE ||
			      r.error == ERR_INVALID),
		    "ended neither DONE nor ERROR 1");
	ok &= check(!iopf_stats(v).out_mapped, "pages mapped after the unmap");
	r = dev_dma(v, v->base, 64 * 1024, 0, false);
	ok &= dma_invalid(&r);
	step(v, ok, false,
	     "IOMMU_IOAS_UNMAP while the device is busy ends the transfer");

	if (!ioas_map(v, v->ram, RAM_SIZE, v->base,
		      IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE))
		step(v, false, true, "map guest RAM again for the detach");
	/*
	 * Detach: requests in flight must be answered, the DMA must end. How
	 * it ends depends on the kernel. 6.12 disables ATS when it blocks the
	 * device: its next translation request fails (ERROR 4). 7.2 keeps
	 * ATS and PRI enabled from probe to release: the translation grants
	 * nothing, and the IOMMU refuses the page request of a device whose
	 * RID has no PASID entry (ERROR 3).
	 */
	if (madvise(v->ram, RAM_SIZE, MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
	dev_start_busy(v, RAM_SIZE, 9);
	rc = ioctl(v->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det);
	ok = check(!rc, "VFIO_DEVICE_DETACH_IOMMUFD_PT: %s", strerror(errno));
	ended = wait_idle(v);
	r = dev_result(v, ended, "transfer during detach");
	ok &= check(ended && ((r.status & (ST_DONE | ST_ERROR)) == ST_DONE ||
			      r.error == ERR_INVALID || r.error == ERR_PRQ_SEND ||
			      r.error == ERR_ATS || r.error == ERR_NO_RESPONSE),
		    "ended neither DONE nor ERROR 1, 3, 4 or 5");
	ok &= attach(v);
	r = dev_dma(v, v->base, RAM_SIZE, 10, true);
	ok &= dma_done(&r, RAM_SIZE) && pattern_ok(v->ram, RAM_SIZE, 10);
	step(v, ok, false,
	     "detach while busy ends the transfer; re-attached, a full write works");

	/* The BAR mapping holds the device file open: unmap it first */
	munmap((void *)v->bar, v->bar_size);
	v->bar = NULL;
	close(v->devfd);
	close(v->iommufd);
	munmap(v->ram, RAM_SIZE);
}

/* Step k: the legacy container, which iommufd serves */
static void part2_container(struct vmm *v)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = v->base, .size = RAM_SIZE,
	};
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = v->base, .size = RAM_SIZE,
	};
	struct dma_res r;
	long pin0;
	int ext, rc;
	bool ok;

	v->iommufd = open("/dev/vfio/vfio", O_RDWR);
	if (v->iommufd < 0)
		die("open /dev/vfio/vfio");
	v->groupfd = open(v->group, O_RDWR);
	if (v->groupfd < 0)
		die("open %s", v->group);
	if (ioctl(v->groupfd, VFIO_GROUP_SET_CONTAINER, &v->iommufd))
		die("VFIO_GROUP_SET_CONTAINER");
	ext = ioctl(v->iommufd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF);
	ok = check(ext == 1, "VFIO_CHECK_EXTENSION(VFIO_TYPE1_IOPF) = %d", ext);
	if (ioctl(v->iommufd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)");
	/* Before the map, without VFIO_DMA_MAP_FLAG_IOPF: it covers new maps */
	rc = ioctl(v->iommufd, VFIO_IOMMU_ENABLE_IOPF);
	ok &= check(!rc, "VFIO_IOMMU_ENABLE_IOPF: %s", strerror(errno));

	v->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->ram == MAP_FAILED)
		die("mmap guest RAM");
	map.vaddr = (uintptr_t)v->ram;
	pin0 = pinned_kib();
	rc = ioctl(v->iommufd, VFIO_IOMMU_MAP_DMA, &map);
	if (!check(!rc, "VFIO_IOMMU_MAP_DMA: %s", strerror(errno))) {
		step(v, false, false, "the legacy container maps on demand");
		return;
	}

	/* The device joins the container's IOAS here */
	v->devfd = ioctl(v->groupfd, VFIO_GROUP_GET_DEVICE_FD, v->bdf);
	if (v->devfd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD(%s)", v->bdf);
	open_bar(v);

	r = dev_dma(v, v->base, RAM_SIZE, 11, true);
	ok &= dma_done(&r, RAM_SIZE) && pattern_ok(v->ram, RAM_SIZE, 11);
	ok &= check(r.prqs > 0, "no page requests");
	fill_pattern(v->ram, RAM_SIZE, 12);
	r = dev_dma(v, v->base, RAM_SIZE, 0, false);
	ok &= dma_done(&r, RAM_SIZE) && csum_ok(&r, v->ram, RAM_SIZE);
	ok &= check(pinned_kib() == pin0, "VmPin %ld kB, was %ld kB",
		    pinned_kib(), pin0);
	rc = ioctl(v->iommufd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	ok &= check(!rc && unmap.size == RAM_SIZE,
		    "VFIO_IOMMU_UNMAP_DMA: %s, size %llu",
		    rc ? strerror(errno) : "ok", unmap.size);
	step(v, ok, false,
	     "legacy container: VFIO_TYPE1_IOPF, ENABLE_IOPF, DMA both ways, nothing pinned");
}

/* Sum of the "dmarN-prq" interrupt counts: the VT-d page request queue */
static unsigned long long prq_interrupts(void)
{
	char line[4096], *p, *end;
	unsigned long long sum = 0, n;
	bool seen = false;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		die("open /proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		p = strchr(line, ':');
		if (!p || !strstr(line, "prq"))
			continue;
		printf("# dmar-prq: %s", line);
		seen = true;
		/* One count per CPU, then the chip's name */
		for (p++; n = strtoull(p, &end, 10), end != p; p = end)
			sum += n;
	}
	fclose(f);
	if (!seen)
		printf("# dmar-prq: no interrupt named *prq* in /proc/interrupts\n");
	return sum;
}

int main(void)
{
	struct vmm v = { .iommufd = -1, .devfd = -1, .groupfd = -1 };
	unsigned long long prq;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%d\n", NSTEPS);
	claim_device(&v);

	part1_setup(&v);
	part1_dma(&v);
	part1_dirty(&v);
	part1_postcopy(&v);
	part1_pin(&v);
	part1_refusals(&v);
	part1_teardown_busy(&v);
	part2_container(&v);

	if (v.bar)
		print_counters(&v, "device");
	prq = prq_interrupts();
	step(&v, check(prq > 0, "%llu page request interrupts", prq), false,
	     "the page requests went through the VT-d page request queue");
	if (v.step != NSTEPS)
		printf("not ok - ran %u steps, the plan says %d\n", v.step,
		       NSTEPS);
	return v.failed || v.step != NSTEPS;
}
