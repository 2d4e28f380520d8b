// SPDX-License-Identifier: GPL-2.0
/*
 * VM start-up: the time to map guest memory against its size, from 64 MiB
 * doubling up to --max-mib, and what stays pinned. Through iommufd
 * (IOMMU_IOAS_MAP against IOMMU_IOAS_MAP_ON_DEMAND) and through VFIO's
 * type1 uAPI served by iommufd's compatibility container (MAP_DMA, MAP_DMA
 * with VFIO_DMA_MAP_FLAG_IOPF, and VFIO_IOMMU_ENABLE_IOPF converting a
 * pinned map). The maps that take microseconds are the median of
 * STARTUP_REPS; pinning takes seconds and is timed once.
 *
 * On demand the map returns at once and the device's first DMA pays for
 * the pages it touches instead: so, through iommufd, also the time to the
 * first completed DMA, the map and then a 64 KiB device write at the start
 * of guest memory and one at its end. Far apart, so that on demand each
 * faults on its own and what lies between stays unmapped; into fresh
 * memory, which the fault must allocate, as a guest's first DMA finds it.
 *
 * Sanity: on demand is faster than pinning on both paths; the pinned map
 * pins it all, the IOPF map and the conversion leave nothing pinned.
 */
#include "iopf_bench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/vfio.h>

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
#define FIRST_DMA (64UL << 10)	/* bytes of each of the two first writes */

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/*
 * The device's first DMA on @g, just mapped: FIRST_DMA bytes of @src
 * written at the start of its memory and at its end. Seconds; the page
 * requests it took are added to *@requests.
 */
static double first_dma(struct guest *g, uint8_t *src, uint32_t *requests)
{
	double t0 = now();

	if (dma(&g->c, MOCK_DMA_WRITE, MOCK_IOVA, FIRST_DMA, src, requests) ||
	    dma(&g->c, MOCK_DMA_WRITE, MOCK_IOVA + g->len - FIRST_DMA,
		FIRST_DMA, src, requests))
		die("IOMMU_TEST_OP_DMA first DMA");
	return now() - t0;
}

static void startup_header(size_t max_mib, FILE *csv)
{
	printf("\n== Start-up: time to map guest memory (seconds), and what stays pinned, up to %zu MiB ==\n",
	       max_mib);
	printf("   iommufd: IOMMU_IOAS_MAP, static vs IOMMU_IOAS_MAP_ON_DEMAND\n");
	printf("   first DMA done: the map, then the device writes %lu KiB at the start of guest memory\n",
	       FIRST_DMA >> 10);
	printf("         and %lu KiB at its end (fresh memory; req: the page requests on demand)\n",
	       FIRST_DMA >> 10);
	printf("   vfio: VFIO_IOMMU_MAP_DMA, static vs VFIO_DMA_MAP_FLAG_IOPF; enable = VFIO_IOMMU_ENABLE_IOPF\n");
	printf("         converting the static map (that call alone)\n");
	printf("   on-demand and vfio iopf: median of %d maps; the others: one\n",
	       STARTUP_REPS);
	printf("%6s %-32s | %-37s |\n", "", "               map",
	       "      first DMA done (map + DMA)");
	printf("%6s %11s %11s %8s | %10s %10s %4s %9s | %11s %11s %11s | %17s\n",
	       "MiB", "static", "on-demand", "ratio", "static", "on-demand",
	       "req", "ratio", "vfio static", "vfio iopf", "vfio enable",
	       "VmPin MiB s/i/e");
	/* New columns go last: readers of the older CSV keep working */
	fprintf(csv, "mib,static_s,ondemand_s,vfio_static_s,vfio_iopf_s,vfio_enable_s,vfio_static_pinned_kb,vfio_iopf_pinned_kb,vfio_enable_pinned_kb,static_first_dma_s,ondemand_first_dma_s,ondemand_first_dma_requests\n");
}

void bench_startup(struct bench *b, FILE *csv)
{
	struct sanity *check = &b->check;
	size_t max_mib = b->max_mib;
	uint8_t *src = malloc(FIRST_DMA);
	size_t mib;

	if (!src)
		die("malloc");
	memset(src, 0x5a, FIRST_DMA);
	check->startup_faster = true;
	check->enable_unpins = true;
	startup_header(max_mib, csv);
	/* 64, 128, ... doubling, and @max_mib last */
	for (mib = max_mib < 64 ? max_mib : 64; mib;
	     mib = mib == max_mib ? 0 : mib * 2 < max_mib ? mib * 2 : max_mib) {
		double tv[V_NR], reps[STARTUP_REPS], firsts[STARTUP_REPS];
		long pinned[V_NR];
		uint32_t requests = 0;
		struct guest g;
		double ts, to, fs, fo;
		int w, r;

		guest_start(&g, P_STATIC, mib << 20);
		ts = g.map_secs;
		fs = ts + first_dma(&g, src, NULL);
		guest_stop(&g);
		/*
		 * The on-demand maps take microseconds, where one timer tick
		 * or a kworker is a large part: the median of a few. Pinning
		 * takes seconds: once.
		 */
		for (r = 0; r != STARTUP_REPS; r++) {
			guest_start(&g, P_KERNEL, mib << 20);
			reps[r] = g.map_secs;
			/* The last repetition's: each starts from fresh memory */
			requests = 0;
			firsts[r] = g.map_secs + first_dma(&g, src, &requests);
			guest_stop(&g);
		}
		to = median(reps, STARTUP_REPS);
		fo = median(firsts, STARTUP_REPS);
		for (w = 0; w != V_NR; w++)
			tv[w] = vfio_startup(w, mib << 20, &pinned[w]);
		for (r = 0; r != STARTUP_REPS; r++)
			reps[r] = vfio_startup(V_IOPF, mib << 20, &pinned[V_IOPF]);
		tv[V_IOPF] = median(reps, STARTUP_REPS);
		printf("%6zu %11.6f %11.6f %7.0fx | %10.6f %10.6f %4u %8.1fx | %11.6f %11.6f %11.6f | %5ld/%5ld/%5ld\n",
		       mib, ts, to, ts / to, fs, fo, requests, fs / fo,
		       tv[V_STATIC], tv[V_IOPF], tv[V_ENABLE],
		       pinned[V_STATIC] >> 10, pinned[V_IOPF] >> 10,
		       pinned[V_ENABLE] >> 10);
		fprintf(csv, "%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%ld,%ld,%ld,%.6f,%.6f,%u\n",
			mib, ts, to, tv[V_STATIC], tv[V_IOPF], tv[V_ENABLE],
			pinned[V_STATIC], pinned[V_IOPF], pinned[V_ENABLE], fs,
			fo, requests);
		if (!(to < ts) || !(tv[V_IOPF] < tv[V_STATIC]))
			check->startup_faster = false;
		if (pinned[V_STATIC] < (long)(mib << 10) ||
		    pinned[V_IOPF] != 0 || pinned[V_ENABLE] != 0)
			check->enable_unpins = false;
	}
	free(src);
}

/*
 * "As much as the VM holds": up to 3/4 of MemAvailable, so the static peer
 * can pin it all, within the mock IOMMU's aperture; in 64 MiB steps.
 */
size_t startup_max_mib(void)
{
	size_t aperture_mib = (MOCK_APERTURE_LAST - MOCK_APERTURE_START + 1) >> 20;
	long avail_kb = proc_kb("/proc/meminfo", "MemAvailable");
	size_t mib = avail_kb > 0 ? (size_t)avail_kb / 4 * 3 >> 10 : 0;

	if (mib > aperture_mib)
		mib = aperture_mib;
	return mib / 64 * 64 ?: 64;
}
