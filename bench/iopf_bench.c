// SPDX-License-Identifier: GPL-2.0
/*
 * iopf_bench - DMA paging policies side by side, on the iommufd mock device.
 *
 * Runs in the guest of "make demo". Every peer gets the same mock device,
 * the same fresh memory and the same DMA work; only how the IOVA gets its
 * translation differs:
 *
 *   static     IOMMU_IOAS_MAP: pinned and mapped up front (VFIO today)
 *   premap1    on demand, one page per fault (the RFC's pre-map 1)
 *   window512  on demand, a fixed 512-page window (the RFC's pre-map 512)
 *   userspace  faults delivered to a fault object, resolved by a VMM thread
 *              that maps the page with IOMMU_IOAS_MAP and answers
 *   kernel     on demand, the in-kernel handler's default (adaptive) policy
 *
 * The device model: IOMMU_TEST_OP_DMA copies every byte (memcpy in the
 * kernel) through the mock IOMMU's translation, in 2 KiB IO pages.
 *
 * Output: tables on stdout, then each section's CSV between "csv-begin NAME"
 * and "csv-end" lines that the host splits into files. With --tap, also TAP
 * lines checking that the figures are sane (make check's smoke run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "iommufd_test.h"

#define MOCK_IOVA MOCK_APERTURE_START

enum peer { P_STATIC, P_PREMAP1, P_WINDOW512, P_USERSPACE, P_KERNEL, P_NR };
static const char *const peer_names[P_NR] = {
	"static", "premap1", "window512", "userspace", "kernel",
};

struct ctx {
	int fd;
	uint32_t ioas_id;
	uint32_t stdev_id;
	uint32_t hwpt_id;
	uint32_t idev_id;
	long page_size;
};

/* A resolver thread standing for a VMM that handles faults in userspace */
struct resolver {
	struct ctx *c;
	int fault_fd;
	uint8_t *mem;
	uint64_t iova;
	size_t len;
	bool stop;	/* __atomic */
	unsigned long mapped;	/* pages this resolver mapped */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "iopf_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int ioas_map(struct ctx *c, void *uptr, size_t len, uint64_t iova,
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

static int ioas_unmap(struct ctx *c, uint64_t iova, size_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = c->ioas_id,
		.iova = iova,
		.length = len,
	};

	return ioctl(c->fd, IOMMU_IOAS_UNMAP, &cmd);
}

static void set_prefault(struct ctx *c, uint64_t pages)
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

static int dma(struct ctx *c, uint32_t flags, uint64_t iova, size_t len,
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

static void iopf_stats(struct ctx *c, struct iommu_ioas_iopf_stats *st)
{
	*st = (struct iommu_ioas_iopf_stats){
		.size = sizeof(*st),
		.ioas_id = c->ioas_id,
	};
	if (ioctl(c->fd, IOMMU_IOAS_IOPF_STATS, st))
		die("IOMMU_IOAS_IOPF_STATS");
}

/* A fresh iommufd, IOAS and mock device */
static void ctx_open(struct ctx *c)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = {
		.size = sizeof(mock),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};

	c->page_size = sysconf(_SC_PAGESIZE);
	c->fd = open("/dev/iommu", O_RDWR);
	if (c->fd < 0)
		die("open /dev/iommu");
	if (ioctl(c->fd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	c->ioas_id = alloc.out_ioas_id;
	mock.id = c->ioas_id;
	if (ioctl(c->fd, IOMMU_TEST_CMD, &mock))
		die("IOMMU_TEST_OP_MOCK_DOMAIN");
	c->stdev_id = mock.mock_domain.out_stdev_id;
	c->hwpt_id = mock.mock_domain.out_hwpt_id;
	c->idev_id = mock.mock_domain.out_idev_id;
}

static void ctx_close(struct ctx *c)
{
	close(c->fd);
}

static void *resolver_thread(void *arg)
{
	struct resolver *r = arg;
	struct iommu_hwpt_pgfault faults[16];

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct iommu_hwpt_page_response resp = {
			.code = IOMMUFD_PAGE_RESP_SUCCESS,
		};
		struct pollfd pfd = { .fd = r->fault_fd, .events = POLLIN };
		ssize_t n;
		int i;

		if (poll(&pfd, 1, 10) <= 0)
			continue;
		n = read(r->fault_fd, faults, sizeof(faults));
		if (n <= 0)
			continue;
		resp.cookie = faults[0].cookie;
		for (i = 0; i != n / (ssize_t)sizeof(faults[0]); i++) {
			uint64_t page = faults[i].addr &
					~(uint64_t)(r->c->page_size - 1);

			if (page < r->iova || page >= r->iova + r->len) {
				resp.code = IOMMUFD_PAGE_RESP_INVALID;
				continue;
			}
			/* Already mapped by this group: EEXIST is fine */
			if (!ioas_map(r->c, r->mem + (page - r->iova),
				      r->c->page_size, page, 0))
				r->mapped++;
			else if (errno != EEXIST)
				resp.code = IOMMUFD_PAGE_RESP_INVALID;
		}
		if (write(r->fault_fd, &resp, sizeof(resp)) != sizeof(resp))
			break;
	}
	return NULL;
}

/* Attach the device to a paging hwpt whose faults go to a fault object */
static int attach_fault_hwpt(struct ctx *c, uint32_t *hwpt_id)
{
	struct iommu_fault_alloc falloc = { .size = sizeof(falloc) };
	struct iommu_hwpt_alloc halloc = {
		.size = sizeof(halloc),
		.flags = IOMMU_HWPT_FAULT_ID_VALID,
		.dev_id = c->idev_id,
		.pt_id = c->ioas_id,
	};
	struct iommu_test_cmd replace = {
		.size = sizeof(replace),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = c->stdev_id,
	};

	if (ioctl(c->fd, IOMMU_FAULT_QUEUE_ALLOC, &falloc))
		die("IOMMU_FAULT_QUEUE_ALLOC");
	halloc.fault_id = falloc.out_fault_id;
	if (ioctl(c->fd, IOMMU_HWPT_ALLOC, &halloc))
		die("IOMMU_HWPT_ALLOC");
	replace.mock_domain_replace.pt_id = halloc.out_hwpt_id;
	if (ioctl(c->fd, IOMMU_TEST_CMD, &replace))
		die("IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE");
	*hwpt_id = halloc.out_hwpt_id;
	return falloc.out_fault_fd;
}

/*
 * A "guest" for one peer: fresh memory of @len mapped the peer's way, with
 * the userspace resolver running if it needs one.
 */
struct guest {
	struct ctx c;
	enum peer peer;
	uint8_t *mem;
	size_t len;
	struct resolver r;
	pthread_t thread;
	double map_secs;
};

static int guest_try_start(struct guest *g, enum peer peer, size_t len)
{
	double t0;
	int rc = 0;

	memset(g, 0, sizeof(*g));
	g->peer = peer;
	g->len = len;
	ctx_open(&g->c);
	g->mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		die("mmap");

	t0 = now();
	switch (peer) {
	case P_STATIC:
		rc = ioas_map(&g->c, g->mem, len, MOCK_IOVA, 0);
		break;
	case P_PREMAP1:
		set_prefault(&g->c, 1);
		rc = ioas_map(&g->c, g->mem, len, MOCK_IOVA,
			      IOMMU_IOAS_MAP_ON_DEMAND);
		break;
	case P_WINDOW512:
		set_prefault(&g->c, 512);
		rc = ioas_map(&g->c, g->mem, len, MOCK_IOVA,
			      IOMMU_IOAS_MAP_ON_DEMAND);
		break;
	case P_KERNEL:
		rc = ioas_map(&g->c, g->mem, len, MOCK_IOVA,
			      IOMMU_IOAS_MAP_ON_DEMAND);
		break;
	case P_USERSPACE: {
		uint32_t hwpt_id;

		g->r = (struct resolver){
			.c = &g->c,
			.mem = g->mem,
			.iova = MOCK_IOVA,
			.len = len,
		};
		g->r.fault_fd = attach_fault_hwpt(&g->c, &hwpt_id);
		if (pthread_create(&g->thread, NULL, resolver_thread, &g->r))
			die("pthread_create");
		break;
	}
	default:
		break;
	}
	g->map_secs = now() - t0;
	return rc;
}

static void guest_start(struct guest *g, enum peer peer, size_t len)
{
	if (guest_try_start(g, peer, len))
		die("IOMMU_IOAS_MAP");
}

/* Pages of the guest's memory that have a translation in the IOMMU */
static uint64_t guest_mapped_pages(struct guest *g)
{
	struct iommu_ioas_iopf_stats st;

	switch (g->peer) {
	case P_STATIC:
		return g->len / g->c.page_size;
	case P_USERSPACE:
		return g->r.mapped;
	default:
		iopf_stats(&g->c, &st);
		return st.out_mapped;
	}
}

static void guest_stop(struct guest *g)
{
	if (g->peer == P_USERSPACE) {
		__atomic_store_n(&g->r.stop, true, __ATOMIC_RELEASE);
		pthread_join(g->thread, NULL);
		/* The fault object's file holds the iommufd, and so the pins */
		close(g->r.fault_fd);
	}
	ctx_close(&g->c);
	munmap(g->mem, g->len);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct sanity {
	unsigned long static_requests;
	unsigned long ondemand_requests;
	unsigned long userspace_requests;
	unsigned int default_worse;
	bool costs_positive;
	bool cpu_faults_real;
	bool faults_cost_more;
	bool startup_faster;
	bool enable_unpins;
	bool density_more;
	long pinned_after_kb;
};

/* The RFC's table: message size x sends -> slowdown, page requests */
static void bench_table(FILE *csv, int sends_scale, struct sanity *check)
{
	static const size_t sizes[] = { 1 << 20, 10 << 20 };
	static const unsigned int sends[] = { 1, 100, 1000 };
	unsigned int si, ni, p;

	printf("\n== The RFC's table: device writes a message of SIZE, SENDS times, into fresh memory ==\n");
	printf("   model: the mock device copies every byte through the IOMMU, 2 KiB IO pages\n");
	printf("   slowdown = time / time(static) - 1; requests = page requests the device sent\n\n");
	printf("%-6s %6s", "size", "sends");
	for (p = 0; p != P_NR; p++)
		printf(" | %-19s", peer_names[p]);
	printf("\n");
	fprintf(csv, "size_mib,sends,peer,seconds,slowdown_pct,requests,mapped_pages\n");

	for (si = 0; si != 2; si++) {
		for (ni = 0; ni != 3; ni++) {
			unsigned int n = sends[ni] / sends_scale ?: 1;
			double t[P_NR];
			uint32_t faults[P_NR];
			uint64_t mapped[P_NR];
			uint8_t *src = malloc(sizes[si]);

			if (!src)
				die("malloc");
			memset(src, 0x5a, sizes[si]);
			for (p = 0; p != P_NR; p++) {
				struct guest g;
				unsigned int k;
				double t0;

				guest_start(&g, p, sizes[si]);
				faults[p] = 0;
				t0 = now();
				for (k = 0; k != n; k++)
					if (dma(&g.c, MOCK_DMA_WRITE, MOCK_IOVA,
						sizes[si], src, &faults[p]))
						die("IOMMU_TEST_OP_DMA");
				t[p] = now() - t0;
				mapped[p] = guest_mapped_pages(&g);
				guest_stop(&g);
			}
			printf("%3zuMiB %6u", sizes[si] >> 20, n);
			for (p = 0; p != P_NR; p++) {
				double slow = (t[p] / t[P_STATIC] - 1) * 100;

				printf(" | %+7.1f%% %7u req", slow, faults[p]);
				fprintf(csv, "%zu,%u,%s,%.6f,%.2f,%u,%llu\n",
					sizes[si] >> 20, n, peer_names[p], t[p],
					slow, faults[p],
					(unsigned long long)mapped[p]);
			}
			printf("\n");
			free(src);
			check->static_requests += faults[P_STATIC];
			check->ondemand_requests += faults[P_KERNEL];
			check->userspace_requests += faults[P_USERSPACE];
			if (faults[P_KERNEL] > faults[P_PREMAP1] ||
			    mapped[P_KERNEL] > mapped[P_WINDOW512])
				check->default_worse++;
		}
	}
}

/*
 * Sparse DMA: the device touches one page in 16 of a 64 MiB buffer, in
 * random order. How many page requests, and how much memory the device
 * never touches ends up mapped (and faulted in).
 */
static void bench_sparse(FILE *csv, struct sanity *check)
{
	static const enum peer peers[] = { P_STATIC, P_PREMAP1, P_WINDOW512,
					   P_USERSPACE, P_KERNEL };
	size_t len = 64 << 20, ps = sysconf(_SC_PAGESIZE);
	size_t npages = len / ps, touched = npages / 16;
	uint64_t mapped[P_NR] = {};
	uint32_t requests[P_NR] = {};
	unsigned int seed = 1, i, p;
	size_t *order = calloc(touched, sizeof(*order));
	uint8_t data[64];

	if (!order)
		die("calloc");
	for (i = 0; i != touched; i++)
		order[i] = (size_t)i * 16;
	for (i = touched - 1; i > 0; i--) {
		size_t j = rand_r(&seed) % (i + 1), tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	memset(data, 7, sizeof(data));

	printf("\n== Sparse DMA: 1 page in 16 of 64 MiB, random order (%zu pages touched) ==\n",
	       touched);
	printf("%-10s %10s %14s %16s\n", "peer", "requests", "mapped pages",
	       "never touched");
	fprintf(csv, "peer,requests,mapped_pages,untouched_mapped_pages\n");
	for (p = 0; p != sizeof(peers) / sizeof(peers[0]); p++) {
		enum peer peer = peers[p];
		struct guest g;

		guest_start(&g, peer, len);
		for (i = 0; i != touched; i++)
			if (dma(&g.c, MOCK_DMA_WRITE,
				MOCK_IOVA + order[i] * ps, sizeof(data), data,
				&requests[peer]))
				die("IOMMU_TEST_OP_DMA sparse");
		mapped[peer] = guest_mapped_pages(&g);
		guest_stop(&g);
		printf("%-10s %10u %14llu %16llu\n", peer_names[peer],
		       requests[peer], (unsigned long long)mapped[peer],
		       (unsigned long long)(mapped[peer] - touched));
		fprintf(csv, "%s,%u,%llu,%llu\n", peer_names[peer],
			requests[peer], (unsigned long long)mapped[peer],
			(unsigned long long)(mapped[peer] - touched));
	}
	if (mapped[P_KERNEL] >= mapped[P_WINDOW512] ||
	    requests[P_KERNEL] > requests[P_PREMAP1])
		check->default_worse++;
	free(order);
}

static long minor_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		die("getrusage");
	return ru.ru_minflt;
}

/* Untouched memory that must fault in 4 KiB pages, never as a huge page */
static void no_thp(void *mem, size_t len)
{
	if (madvise(mem, len, MADV_NOHUGEPAGE))
		die("madvise MADV_NOHUGEPAGE");
}

/* Time a 64-byte device write into each of the first @samples pages */
static void time_page_dmas(struct guest *g, unsigned int samples, double *v)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint8_t data[64];
	unsigned int i;

	memset(data, 1, sizeof(data));
	for (i = 0; i != samples; i++) {
		double t0 = now();

		if (dma(&g->c, MOCK_DMA_WRITE, MOCK_IOVA + (uint64_t)i * ps,
			sizeof(data), data, NULL))
			die("IOMMU_TEST_OP_DMA one page");
		v[i] = now() - t0;
	}
}

/* Per-fault service cost against a CPU minor fault and a static pin+map */
static void bench_fault_cost(FILE *csv, unsigned int samples,
			     struct sanity *check)
{
	const char *names[] = { "cpu_minor_fault", "static_pin_map_page",
				"dma_mapped_page", "kernel_fault+dma",
				"userspace_fault+dma" };
	double *v[5];
	unsigned int i, k;
	long ps = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)samples * ps;
	struct guest g;
	long minflt;
	uint8_t *mem;

	for (k = 0; k != 5; k++) {
		v[k] = calloc(samples, sizeof(double));
		if (!v[k])
			die("calloc");
	}

	/*
	 * CPU minor fault: first write to a fresh anonymous page. Every buffer
	 * here is MADV_NOHUGEPAGE: with THP one fault would fill 512 pages and
	 * the samples after it would measure nothing.
	 */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	no_thp(mem, len);
	minflt = minor_faults();
	for (i = 0; i != samples; i++) {
		double t0 = now();

		*(volatile uint8_t *)(mem + (size_t)i * ps) = 1;
		v[0][i] = now() - t0;
	}
	/* Each sample must have been one fault (the clock reads take none) */
	check->cpu_faults_real = minor_faults() - minflt >= samples;
	munmap(mem, len);

	/* Static: IOAS_MAP of one page (fault in, pin, account, map) */
	guest_start(&g, P_KERNEL, len);
	munmap(g.mem, len);
	g.mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.mem == MAP_FAILED)
		die("mmap");
	no_thp(g.mem, len);
	ioas_unmap(&g.c, MOCK_IOVA, len);
	for (i = 0; i != samples; i++) {
		double t0 = now();

		if (ioas_map(&g.c, g.mem + (size_t)i * ps, ps,
			     MOCK_IOVA + (uint64_t)i * ps, 0))
			die("IOMMU_IOAS_MAP page");
		v[1][i] = now() - t0;
	}
	/* The same DMA once everything is mapped: the baseline */
	time_page_dmas(&g, samples, v[2]);
	guest_stop(&g);

	/* In-kernel handler, one page per fault */
	guest_start(&g, P_PREMAP1, len);
	no_thp(g.mem, len);
	time_page_dmas(&g, samples, v[3]);
	guest_stop(&g);

	/* Userspace resolver */
	guest_start(&g, P_USERSPACE, len);
	no_thp(g.mem, len);
	time_page_dmas(&g, samples, v[4]);
	guest_stop(&g);

	printf("\n== Cost of one page, %u samples each (microseconds) ==\n",
	       samples);
	printf("%-22s %10s %10s %12s\n", "", "median", "p99", "vs CPU fault");
	fprintf(csv, "what,median_us,p99_us\n");
	check->costs_positive = true;
	check->faults_cost_more = true;
	for (k = 0; k != 5; k++)
		qsort(v[k], samples, sizeof(double), cmp_double);
	for (k = 0; k != 5; k++) {
		double med = v[k][samples / 2] * 1e6;
		double p99 = v[k][samples * 99 / 100] * 1e6;

		printf("%-22s %10.1f %10.1f %11.1fx\n", names[k], med, p99,
		       med / (v[0][samples / 2] * 1e6));
		if (!(med > 0))
			check->costs_positive = false;
		/* Taking a page request cannot be cheaper than not taking one */
		if ((k == 3 || k == 4) && !(med > v[2][samples / 2] * 1e6))
			check->faults_cost_more = false;
		fprintf(csv, "%s,%.3f,%.3f\n", names[k], med, p99);
	}
	for (k = 0; k != 5; k++)
		free(v[k]);
	printf("(kernel_fault+dma and userspace_fault+dma include the DMA itself: compare with dma_mapped_page)\n");
}

/* VM start-up: time to map guest memory, against its size */
/* The "KEY: N kB" line of a /proc file, in KiB; -1 if it has none */
static long proc_kb(const char *path, const char *key)
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
static long vm_pinned_kb(void)
{
	return proc_kb("/proc/self/status", "VmPin");
}

enum vfio_way { V_STATIC, V_IOPF, V_ENABLE, V_NR };

/*
 * What a VMM using VFIO's type1 uAPI (served by iommufd's compatibility
 * container) waits for at start-up, on a fresh iommufd with the mock
 * device attached: VFIO_IOMMU_MAP_DMA as today, the same with
 * VFIO_DMA_MAP_FLAG_IOPF, or converting a pinned map with
 * VFIO_IOMMU_ENABLE_IOPF (timed: the conversion alone). *@pinned_kb gets
 * how much VmPin grew once the container was set up.
 */
static double vfio_startup(enum vfio_way way, size_t len, long *pinned_kb)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
			 (way == V_IOPF ? VFIO_DMA_MAP_FLAG_IOPF : 0),
		.iova = MOCK_IOVA,
		.size = len,
	};
	struct iommu_vfio_ioas set = {
		.size = sizeof(set),
		.op = IOMMU_VFIO_IOAS_SET,
	};
	long base = vm_pinned_kb();
	struct ctx c;
	double t0, t;
	void *mem;

	ctx_open(&c);
	set.ioas_id = c.ioas_id;
	if (ioctl(c.fd, IOMMU_VFIO_IOAS, &set))
		die("IOMMU_VFIO_IOAS");
	if (ioctl(c.fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	map.vaddr = (uintptr_t)mem;

	t0 = now();
	if (ioctl(c.fd, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA");
	t = now() - t0;
	if (way == V_ENABLE) {
		t0 = now();
		if (ioctl(c.fd, VFIO_IOMMU_ENABLE_IOPF))
			die("VFIO_IOMMU_ENABLE_IOPF");
		t = now() - t0;
	}
	*pinned_kb = vm_pinned_kb() - base;
	ctx_close(&c);
	munmap(mem, len);
	return t;
}

/*
 * Start-up: the time to map guest memory against its size, through
 * iommufd and through VFIO's type1 uAPI, and what stays pinned.
 */
#define STARTUP_REPS 5

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void bench_startup(FILE *csv, size_t max_mib, struct sanity *check)
{
	size_t mib;

	check->startup_faster = true;
	check->enable_unpins = true;
	printf("\n== Start-up: time to map guest memory (seconds), and what stays pinned, up to %zu MiB ==\n",
	       max_mib);
	printf("   iommufd: IOMMU_IOAS_MAP, static vs IOMMU_IOAS_MAP_ON_DEMAND\n");
	printf("   vfio: VFIO_IOMMU_MAP_DMA, static vs VFIO_DMA_MAP_FLAG_IOPF; enable = VFIO_IOMMU_ENABLE_IOPF\n");
	printf("         converting the static map (that call alone)\n");
	printf("   on-demand and vfio iopf: median of %d maps; the others: one\n",
	       STARTUP_REPS);
	printf("%6s %11s %11s %8s | %11s %11s %11s | %17s\n", "MiB",
	       "static", "on-demand", "ratio", "vfio static", "vfio iopf",
	       "vfio enable", "VmPin MiB s/i/e");
	fprintf(csv, "mib,static_s,ondemand_s,vfio_static_s,vfio_iopf_s,vfio_enable_s,vfio_static_pinned_kb,vfio_iopf_pinned_kb,vfio_enable_pinned_kb\n");
	/* 64, 128, ... doubling, and @max_mib last */
	for (mib = max_mib < 64 ? max_mib : 64; mib;
	     mib = mib == max_mib ? 0 : mib * 2 < max_mib ? mib * 2 : max_mib) {
		double tv[V_NR], reps[STARTUP_REPS];
		long pinned[V_NR];
		struct guest g;
		double ts, to;
		int w, r;

		guest_start(&g, P_STATIC, mib << 20);
		ts = g.map_secs;
		guest_stop(&g);
		/*
		 * The on-demand maps take microseconds, where one timer tick
		 * or a kworker is a large part: the median of a few. Pinning
		 * takes seconds: once.
		 */
		for (r = 0; r != STARTUP_REPS; r++) {
			guest_start(&g, P_KERNEL, mib << 20);
			reps[r] = g.map_secs;
			guest_stop(&g);
		}
		to = median(reps, STARTUP_REPS);
		for (w = 0; w != V_NR; w++)
			tv[w] = vfio_startup(w, mib << 20, &pinned[w]);
		for (r = 0; r != STARTUP_REPS; r++)
			reps[r] = vfio_startup(V_IOPF, mib << 20, &pinned[V_IOPF]);
		tv[V_IOPF] = median(reps, STARTUP_REPS);
		printf("%6zu %11.6f %11.6f %7.0fx | %11.6f %11.6f %11.6f | %5ld/%5ld/%5ld\n",
		       mib, ts, to, ts / to, tv[V_STATIC], tv[V_IOPF],
		       tv[V_ENABLE], pinned[V_STATIC] >> 10, pinned[V_IOPF] >> 10,
		       pinned[V_ENABLE] >> 10);
		fprintf(csv, "%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%ld,%ld,%ld\n", mib,
			ts, to, tv[V_STATIC], tv[V_IOPF], tv[V_ENABLE],
			pinned[V_STATIC], pinned[V_IOPF], pinned[V_ENABLE]);
		if (!(to < ts) || !(tv[V_IOPF] < tv[V_STATIC]))
			check->startup_faster = false;
		if (pinned[V_STATIC] < (long)(mib << 10) ||
		    pinned[V_IOPF] != 0 || pinned[V_ENABLE] != 0)
			check->enable_unpins = false;
	}
}

#define DENSITY_CG "/sys/fs/cgroup/iopf_bench"

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * One density guest: joins the memory cgroup, maps @g_mib the peer's way,
 * says whether that worked, then on "go" DMAs over its @w_mib working set
 * for @secs and reports the bytes it moved.
 */
static void density_guest(enum peer peer, size_t g_mib, size_t w_mib,
			  double secs, int ready_fd, int go_fd)
{
	char pid[32], ok = 'R', go;
	size_t chunk = 1 << 20, off = 0;
	unsigned long long bytes = 0;
	struct guest g;
	uint8_t *src;
	double t0;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(DENSITY_CG "/cgroup.procs", pid))
		ok = 'F';
	src = malloc(chunk);
	if (!src)
		ok = 'F';
	if (ok == 'R') {
		memset(src, 0x3c, chunk);
		if (guest_try_start(&g, peer, g_mib << 20))
			ok = 'F';
	}
	if (ok == 'R') {
		/* The working set, once: pinned already for static */
		for (off = 0; off < w_mib << 20; off += chunk)
			if (dma(&g.c, MOCK_DMA_WRITE, MOCK_IOVA + off, chunk,
				src, NULL))
				ok = 'F';
	}
	/*
	 * Children never exit on their own: the parent tells a dead child (the
	 * OOM killer's) from a live one by waitpid(), and kills them all.
	 */
	if (write(ready_fd, &ok, 1) != 1 || ok != 'R' ||
	    read(go_fd, &go, 1) != 1)
		for (;;)
			pause();
	t0 = now();
	off = 0;
	while (now() - t0 < secs) {
		if (dma(&g.c, MOCK_DMA_WRITE, MOCK_IOVA + off, chunk, src,
			NULL))
			for (;;)
				pause();
		bytes += chunk;
		off = (off + chunk) % (w_mib << 20);
	}
	if (write(ready_fd, &bytes, sizeof(bytes)) != sizeof(bytes))
		_exit(1);
	for (;;)
		pause();
}

/*
 * Read one message of @size from each of @n children on @fd; a child the
 * OOM killer (or anything else) took away counts as not running. Messages
 * of one byte are 'R' for ready; of 8 bytes, byte counts summed in @out.
 */
static unsigned int density_collect(int fd, pid_t *pids, unsigned int n,
				    void *out, size_t size)
{
	unsigned int got = 0, dead = 0, i, ok = 0;
	unsigned long long sum = 0;

	while (got + dead < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0) {
			unsigned long long b = 0;
			char c = 0;

			if (size == 1 ? read(fd, &c, 1) != 1 :
					read(fd, &b, 8) != 8)
				break;
			got++;
			if (size == 1 && c == 'R')
				ok++;
			if (size == 8) {
				sum += b;
				ok++;
			}
			continue;
		}
		for (i = 0; i != n; i++) {
			if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) ==
						   pids[i]) {
				pids[i] = -pids[i];
				dead++;
			}
		}
	}
	if (size == 8)
		*(unsigned long long *)out = sum;
	return ok;
}

/*
 * Density: n guests, each with @g_mib of memory for a mock device and a
 * working set of @w_mib, under a memory cgroup of @budget_mib. How many
 * fit with static pinning and on demand, and the aggregate DMA throughput
 * as guests are added.
 */
static void bench_density(FILE *csv, size_t budget_mib, size_t g_mib,
			  size_t w_mib, unsigned int max_guests, double secs,
			  struct sanity *check)
{
	static const enum peer peers[] = { P_STATIC, P_KERNEL };
	unsigned int fits[P_NR] = {};
	char val[32];
	unsigned int p;

	mkdir(DENSITY_CG, 0755);
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	snprintf(val, sizeof(val), "%zu", budget_mib << 20);
	if (write_file(DENSITY_CG "/memory.max", val)) {
		printf("\n== Density: no memory cgroup, skipped ==\n");
		return;
	}

	printf("\n== Density: guests of %zu MiB with a %zu MiB working set, %zu MiB budget (memory cgroup) ==\n",
	       g_mib, w_mib, budget_mib);
	printf("%-8s %7s %8s %18s\n", "peer", "guests", "running", "aggregate MiB/s");
	fprintf(csv, "peer,guests,running,aggregate_mib_s\n");
	for (p = 0; p != 2; p++) {
		enum peer peer = peers[p];
		unsigned int n;

		for (n = 1; n <= max_guests; n++) {
			int ready[2], go[2];
			pid_t *pids = calloc(n, sizeof(*pids));
			unsigned long long total = 0;
			unsigned int i, running = 0;
			char c;

			if (!pids || pipe(ready) || pipe(go))
				die("pipe");
			for (i = 0; i != n; i++) {
				pids[i] = fork();
				if (pids[i] < 0)
					die("fork");
				if (!pids[i]) {
					close(ready[0]);
					close(go[1]);
					density_guest(peer, g_mib, w_mib, secs,
						      ready[1], go[0]);
				}
			}
			close(ready[1]);
			close(go[0]);
			running = density_collect(ready[0], pids, n, &c, 1);
			if (running == n) {
				for (i = 0; i != n; i++)
					if (write(go[1], "g", 1) != 1)
						die("write");
				running = density_collect(ready[0], pids, n,
							  &total,
							  sizeof(total));
			}
			for (i = 0; i != n; i++) {
				if (pids[i] <= 0)
					continue;
				kill(pids[i], SIGKILL);
				waitpid(pids[i], NULL, 0);
			}
			close(ready[0]);
			close(go[1]);
			free(pids);

			printf("%-8s %7u %8u %18.1f\n", peer_names[peer], n,
			       running, running == n ? total / secs / (1 << 20) : 0);
			fprintf(csv, "%s,%u,%u,%.2f\n", peer_names[peer], n,
				running,
				running == n ? total / secs / (1 << 20) : 0);
			if (running != n)
				break;
			fits[peer] = n;
		}
	}
	printf("fit: static %u guests, on demand %u guests\n", fits[P_STATIC],
	       fits[P_KERNEL]);
	check->density_more = fits[P_KERNEL] > fits[P_STATIC];
	rmdir(DENSITY_CG);
}

/* Print a section's CSV between markers the host splits on */
static void csv_flush(const char *name, char *buf)
{
	printf("csv-begin %s\n%scsv-end\n", name, buf);
	free(buf);
}

/*
 * "As much as the VM holds": up to 3/4 of MemAvailable, so the static peer
 * can pin it all, within the mock IOMMU's aperture; in 64 MiB steps.
 */
static size_t startup_max_mib(void)
{
	size_t aperture_mib = (MOCK_APERTURE_LAST - MOCK_APERTURE_START + 1) >> 20;
	long avail_kb = proc_kb("/proc/meminfo", "MemAvailable");
	size_t mib = avail_kb > 0 ? (size_t)avail_kb / 4 * 3 >> 10 : 0;

	if (mib > aperture_mib)
		mib = aperture_mib;
	return mib / 64 * 64 ?: 64;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: iopf_bench [--quick] [--tap] [--samples N] [--max-mib N]\n"
		"  --quick      fewer sends, samples and sizes (smoke test)\n"
		"  --tap        TAP lines checking the figures are sane\n"
		"  --samples N  samples for the per-fault cost (default 2000)\n"
		"  --max-mib N  largest start-up map (default: 3/4 of MemAvailable,\n"
		"               at most the mock IOMMU's aperture)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "tap", no_argument, NULL, 't' },
		{ "samples", required_argument, NULL, 's' },
		{ "max-mib", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned int samples = 2000;
	struct sanity check = {};
	size_t max_mib = 0;
	bool quick = false, tap = false;
	char *buf[5];
	size_t sz;
	FILE *csv;
	int opt, bad = 0;

	while ((opt = getopt_long(argc, argv, "qts:m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 't':
			tap = true;
			break;
		case 's':
			samples = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			max_mib = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (samples < 100)
		usage();
	if (quick) {
		samples = 200;
		max_mib = max_mib ?: 128;
	}
	if (!max_mib)
		max_mib = startup_max_mib();
	setvbuf(stdout, NULL, _IOLBF, 0);

	csv = open_memstream(&buf[0], &sz);
	bench_table(csv, quick ? 100 : 1, &check);
	fclose(csv);
	csv = open_memstream(&buf[3], &sz);
	bench_sparse(csv, &check);
	fclose(csv);
	csv = open_memstream(&buf[1], &sz);
	bench_fault_cost(csv, samples, &check);
	fclose(csv);
	csv = open_memstream(&buf[2], &sz);
	bench_startup(csv, max_mib, &check);
	fclose(csv);
	csv = open_memstream(&buf[4], &sz);
	if (quick)
		bench_density(csv, 96, 32, 8, 16, 0.2, &check);
	else
		bench_density(csv, 512, 128, 32, 24, 1.0, &check);
	fclose(csv);
	csv_flush("table", buf[0]);
	csv_flush("sparse", buf[3]);
	csv_flush("fault_cost", buf[1]);
	csv_flush("startup", buf[2]);
	csv_flush("density", buf[4]);
	/* Every guest of every section is gone: so must be every pin */
	check.pinned_after_kb = vm_pinned_kb();
	printf("pinned after the last guest stopped: %ld kB\n",
	       check.pinned_after_kb);

	if (tap) {
		const struct {
			bool ok;
			const char *name;
		} t[] = {
			{ check.static_requests == 0,
			  "iopf_bench static mapping takes no page requests" },
			{ check.ondemand_requests > 0,
			  "iopf_bench on-demand mapping takes page requests" },
			{ check.userspace_requests > 0,
			  "iopf_bench userspace resolver sees page requests" },
			{ check.default_worse == 0,
			  "iopf_bench default policy: fewer requests than premap1, less mapped than window512" },
			{ check.costs_positive,
			  "iopf_bench per-page costs measured" },
			{ check.cpu_faults_real,
			  "iopf_bench every CPU fault sample took a minor fault" },
			{ check.faults_cost_more,
			  "iopf_bench a DMA that faults costs more than one that does not" },
			{ check.startup_faster,
			  "iopf_bench on-demand map is faster than pinning (iommufd and vfio)" },
			{ check.enable_unpins,
			  "iopf_bench vfio: static map pins all, IOPF map and ENABLE_IOPF leave nothing pinned" },
			{ check.density_more,
			  "iopf_bench more guests fit on demand than pinned" },
			{ check.pinned_after_kb == 0,
			  "iopf_bench nothing left pinned once every guest stopped" },
		};
		unsigned int i;

		printf("TAP version 13\n1..%zu\n", sizeof(t) / sizeof(t[0]));
		for (i = 0; i != sizeof(t) / sizeof(t[0]); i++) {
			printf("%sok %u %s\n", t[i].ok ? "" : "not ", i + 1,
			       t[i].name);
			bad |= !t[i].ok;
		}
	}
	return bad;
}
