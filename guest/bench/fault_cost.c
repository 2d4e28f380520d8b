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
 *   nested_s2_fault+dma  the same write through a nested domain whose
 *                        stage 1 (in guest memory) maps the page and stage
 *                        2 lacks it: the kernel walks stage 1, then
 *                        resolves stage 2 (one page per fault)
 *
 * Sanity: every figure is positive, each CPU sample really took a minor
 * fault, and a write that faults costs more than one that does not.
 */
#include "iopf_bench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* Where the nested row's stage 1 translates: far from any IOAS mapping */
#define NESTED_S1_IOVA (1ULL << 40)

/*
 * Put @g's device behind a nested domain whose stage-1 table, in its own
 * on-demand mapping after @g's memory, maps IOVA page i of NESTED_S1_IOVA
 * to page i of @g's memory; the table is prefetched into stage 2, so each
 * DMA then misses in stage 2 only. Returns the table, to unmap.
 */
static uint64_t *nested_attach(struct guest *g, unsigned int pages)
{
	long ps = g->c.page_size;
	size_t tlen = ((size_t)pages * sizeof(uint64_t) + ps - 1) / ps * ps;
	uint64_t tiova = MOCK_IOVA + g->len;
	struct iommu_hwpt_selftest data = {
		.iotlb = IOMMU_TEST_IOTLB_DEFAULT,
		.s1_pages = pages,
		.s1_iova = NESTED_S1_IOVA,
		.s1_table = tiova,
	};
	struct iommu_hwpt_alloc parent = {
		.size = sizeof(parent),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = g->c.idev_id,
		.pt_id = g->c.ioas_id,
	};
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested),
		.dev_id = g->c.idev_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	struct iommu_test_cmd replace = {
		.size = sizeof(replace),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = g->c.stdev_id,
	};
	struct iommu_ioas_prefetch pf = {
		.size = sizeof(pf),
		.ioas_id = g->c.ioas_id,
		.iova = tiova,
		.length = tlen,
	};
	uint64_t *table;
	unsigned int i;

	table = mmap(NULL, tlen, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (table == MAP_FAILED)
		die("mmap stage-1 table");
	for (i = 0; i != pages; i++)
		table[i] = (MOCK_IOVA + (uint64_t)i * ps) | MOCK_S1_VALID |
			   MOCK_S1_READ | MOCK_S1_WRITE;
	if (ioas_map(&g->c, table, tlen, tiova, IOMMU_IOAS_MAP_ON_DEMAND))
		die("IOMMU_IOAS_MAP stage-1 table");
	if (ioctl(g->c.fd, IOMMU_IOAS_PREFETCH, &pf))
		die("IOMMU_IOAS_PREFETCH stage-1 table");
	if (ioctl(g->c.fd, IOMMU_HWPT_ALLOC, &parent))
		die("IOMMU_HWPT_ALLOC nesting parent");
	nested.pt_id = parent.out_hwpt_id;
	if (ioctl(g->c.fd, IOMMU_HWPT_ALLOC, &nested))
		die("IOMMU_HWPT_ALLOC nested");
	replace.mock_domain_replace.pt_id = nested.out_hwpt_id;
	if (ioctl(g->c.fd, IOMMU_TEST_CMD, &replace))
		die("IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE nested");
	return table;
}

/* Per-fault service cost against a CPU minor fault and a static pin+map */
void bench_fault_cost(struct bench *b, FILE *csv)
{
	const char *names[] = { "cpu_minor_fault", "static_pin_map_page",
				"dma_mapped_page", "kernel_fault+dma",
				"userspace_fault+dma", "nested_s2_fault+dma" };
	struct iommu_ioas_iopf_stats st0, st;
	struct sanity *check = &b->check;
	unsigned int samples = b->samples;
	double *v[6];
	uint64_t *table;
	unsigned int i, k;
	long ps = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)samples * ps;
	struct guest g;
	long minflt;
	uint8_t *mem;

	for (k = 0; k != 6; k++) {
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

	/* In-kernel handler behind a nested domain: stage 2 misses only */
	guest_start(&g, P_PREMAP1, len);
	no_thp(g.mem, len);
	table = nested_attach(&g, samples);
	iopf_stats(&g.c, &st0);
	{
		uint8_t data[64];

		memset(data, 1, sizeof(data));
		for (i = 0; i != samples; i++) {
			double t0 = now();

			if (dma(&g.c, MOCK_DMA_WRITE,
				NESTED_S1_IOVA + (uint64_t)i * ps,
				sizeof(data), data, NULL))
				die("IOMMU_TEST_OP_DMA nested page");
			v[5][i] = now() - t0;
		}
	}
	iopf_stats(&g.c, &st);
	/* Every sample one stage-2 request, none for stage 1 */
	check->nested_s2_only = st.out_nested_s2 - st0.out_nested_s2 ==
					samples &&
				st.out_nested_s1 == st0.out_nested_s1;
	guest_stop(&g);
	munmap(table, ((size_t)samples * sizeof(uint64_t) + ps - 1) / ps * ps);

	printf("\n== Cost of one page, %u samples each (microseconds) ==\n",
	       samples);
	printf("%-22s %10s %10s %12s\n", "", "median", "p99", "vs CPU fault");
	fprintf(csv, "what,median_us,p99_us\n");
	check->costs_positive = true;
	check->faults_cost_more = true;
	for (k = 0; k != 6; k++)
		qsort(v[k], samples, sizeof(double), cmp_double);
	for (k = 0; k != 6; k++) {
		double med = v[k][samples / 2] * 1e6;
		double p99 = v[k][samples * 99 / 100] * 1e6;

		printf("%-22s %10.1f %10.1f %11.1fx\n", names[k], med, p99,
		       med / (v[0][samples / 2] * 1e6));
		if (!(med > 0))
			check->costs_positive = false;
		/* Taking a page request cannot be cheaper than not taking one */
		if (k >= 3 && !(med > v[2][samples / 2] * 1e6))
			check->faults_cost_more = false;
		fprintf(csv, "%s,%.3f,%.3f\n", names[k], med, p99);
	}
	for (k = 0; k != 6; k++)
		free(v[k]);
	printf("(kernel_fault+dma and userspace_fault+dma include the DMA itself: compare with dma_mapped_page)\n");
	printf("nested_s2_fault+dma vs kernel_fault+dma (median): %.2fx\n",
	       v[5][samples / 2] / v[3][samples / 2]);
}
