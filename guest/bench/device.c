// SPDX-License-Identifier: GPL-2.0
/*
 * The device side every section shares: a fresh iommufd with one IOAS and
 * the mock device attached (IOMMU_TEST_OP_MOCK_DOMAIN) or iopf-testdev
 * (testdev.c), thin wrappers for
 * the ioctls the peers use (map, unmap, prefault window, the mock's DMA,
 * on-demand statistics), and the small helpers: the clock, errors, sorting
 * and the kB figures of /proc.
 *
 * Every wrapper returns the ioctl's result when a caller may expect it to
 * fail (a map in a cgroup that is full); the others die with the failing
 * call and errno.
 */
#include "iopf_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void die(const char *what)
{
	fprintf(stderr, "iopf_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

int ioas_map(struct ctx *c, void *uptr, size_t len, uint64_t iova,
	     uint32_t extra)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE | extra,
		.ioas_id = c->ioas_id,
		.user_va = (uintptr_t)uptr,
		.length = len,
		.iova = iova,
	};

	return ioctl(c->fd, IOMMU_IOAS_MAP, &cmd);
}

int ioas_unmap(struct ctx *c, uint64_t iova, size_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = c->ioas_id,
		.iova = iova,
		.length = len,
	};

	return ioctl(c->fd, IOMMU_IOAS_UNMAP, &cmd);
}

void set_prefault(struct ctx *c, uint64_t pages)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_IOPF_PREFAULT,
		.op = IOMMU_OPTION_OP_SET,
		.object_id = c->ioas_id,
		.val64 = pages,
	};

	if (ioctl(c->fd, IOMMU_OPTION, &cmd))
		die("IOMMU_OPTION_IOPF_PREFAULT");
}

static int mock_dma(struct ctx *c, uint32_t flags, uint64_t iova, size_t len,
		    void *uptr, uint32_t *faults)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMA,
		.dma = {
			.dev_id = c->idev_id,
			.flags = flags,
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)uptr,
		},
	};
	int rc = ioctl(c->fd, IOMMU_TEST_CMD, &cmd);

	if (faults)
		*faults += cmd.dma.out_faults;
	return rc;
}

/* A DMA by the ctx's device: 0, or -1 with errno (ENXIO: INVALID) */
int dma(struct ctx *c, uint32_t flags, uint64_t iova, size_t len,
	void *uptr, uint32_t *faults)
{
	if (c->dev)
		return testdev_dma(c, flags, iova, len, faults);
	return mock_dma(c, flags, iova, len, uptr, faults);
}

void iopf_stats(struct ctx *c, struct iommu_ioas_iopf_stats *st)
{
	*st = (struct iommu_ioas_iopf_stats){
		.size = sizeof(*st),
		.ioas_id = c->ioas_id,
	};
	if (ioctl(c->fd, IOMMU_IOAS_IOPF_STATS, st))
		die("IOMMU_IOAS_IOPF_STATS");
}

/* A fresh iommufd and IOAS, nothing attached */
static void ctx_open_ioas(struct ctx *c)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	c->page_size = sysconf(_SC_PAGESIZE);
	c->fd = open("/dev/iommu", O_RDWR);
	if (c->fd < 0)
		die("open /dev/iommu");
	if (ioctl(c->fd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	c->ioas_id = alloc.out_ioas_id;
	c->dev = NULL;
}

/* Attach a new mock device with @dev_flags (MOCK_FLAGS_DEVICE_*) */
static void ctx_attach_mock(struct ctx *c, uint32_t dev_flags)
{
	struct iommu_test_cmd mock = {
		.size = sizeof(mock),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = c->ioas_id,
		.mock_domain_flags.dev_flags = dev_flags,
	};

	if (ioctl(c->fd, IOMMU_TEST_CMD, &mock))
		die("IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS");
	c->stdev_id = mock.mock_domain_flags.out_stdev_id;
	c->hwpt_id = mock.mock_domain_flags.out_hwpt_id;
	c->idev_id = mock.mock_domain_flags.out_idev_id;
}

/*
 * A fresh iommufd and IOAS with a mock device in huge-IOVA mode: its domain
 * has huge IOMMU pages (MOCK_FLAGS_DEVICE_HUGE_IOVA) besides 2 KiB ones
 */
void ctx_open_huge(struct ctx *c)
{
	ctx_open_ioas(c);
	ctx_attach_mock(c, MOCK_FLAGS_DEVICE_HUGE_IOVA);
}

/* A fresh iommufd and IOAS with @dev attached, or a mock device if NULL */
void ctx_open_on(struct ctx *c, const struct testdev *dev)
{
	ctx_open_ioas(c);
	c->dev = dev;
	if (dev)
		testdev_open(c);
	else
		ctx_attach_mock(c, 0);
}

void ctx_open(struct ctx *c)
{
	ctx_open_on(c, NULL);
}

void ctx_close(struct ctx *c)
{
	if (c->dev)
		testdev_close(c);
	close(c->fd);
}

/* For qsort() of doubles, ascending */
int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The "KEY: N kB" line of a /proc file, in KiB; -1 if it has none */
long proc_kb(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	size_t klen = strlen(key);
	char line[128];
	long kb = -1;

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':' &&
		    sscanf(line + klen + 1, "%ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* VmPin of this process, in KiB: what iommufd pinned and charged */
long vm_pinned_kb(void)
{
	return proc_kb("/proc/self/status", "VmPin");
}
