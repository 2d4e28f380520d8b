// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of one page: @samples single-page events each, median and p99,
 * on 4 KiB pages (MADV_NOHUGEPAGE):
 *
 *   cpu_minor_fault      a CPU's first write to a fresh anonymous page
 *   static_pin_map_page  IOMMU_IOAS_MAP of one page: fault in, pin, map
 *   dma_mapped_page      a 64-byte device write into a mapped page
 *   kernel_fault+dma     the same write taking a page request, resolved by
 *                        the in-kernel handler (one page per fault)
 *   userspace_fault+dma  the same, resolved by the userspace resolver
 *
 * Sanity: every figure is positive, each CPU sample really took a minor
 * fault, and a write that faults costs more than one that does not.
 */
#include "iopf_bench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

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
void bench_fault_cost(struct bench *b, FILE *csv)
{
	const char *names[] = { "cpu_minor_fault", "static_pin_map_page",
				"dma_mapped_page", "kernel_fault+dma",
				"userspace_fault+dma" };
	struct sanity *check = &b->check;
	unsigned int samples = b->samples;
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
