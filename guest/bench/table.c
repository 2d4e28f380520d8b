// SPDX-License-Identifier: GPL-2.0
/*
 * The RFC's table: the device writes a message of 1 or 10 MiB, 1, 100 or
 * 1000 times (divided by the --size preset's scale), into fresh memory,
 * through each peer. The figure is the time against static pinning, and
 * the page requests the device sent: the first send pays for the faults,
 * the later ones find the pages mapped, so every on-demand peer trends to
 * static.
 *
 * It runs on the mock device (section "table") and, where the VM has QEMU's
 * iopf-testdev behind intel-iommu, on that device (section "table_vtd"):
 * the same peers and the same work, the page requests served by the mock
 * or by VT-d's page request queue. In 6.12 the mock cannot be probed while
 * intel-iommu is the platform's IOMMU driver, so make demo runs table_vtd
 * in a second VM and the host prints the two tables' ratios side by side
 * (each slowdown is against static pinning in the same run).
 *
 * Sanity: static takes no request, the on-demand and userspace peers do,
 * and (mock) the default policy sends no more requests than premap1 and
 * maps no more than window512.
 */
#include "iopf_bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

static const size_t sizes[] = { 1 << 20, 10 << 20 };
static const unsigned int sends[] = { 1, 100, 1000 };

static void table_header(void)
{
	unsigned int p;

	printf("   slowdown = time / time(static) - 1; requests = page requests the device sent\n\n");
	printf("%-6s %6s", "size", "sends");
	for (p = 0; p != P_NR; p++)
		printf(" | %-19s", peer_names[p]);
	printf("\n");
}

/* The table's figures of one device: [size][sends][peer] */
struct table_res {
	uint32_t requests[2][3][P_NR];
	uint64_t mapped[2][3][P_NR];
	double secs[2][3][P_NR];
};

/* Every cell of the table on @dev (the mock if NULL), into @res and @csv */
static void table_run(struct bench *b, FILE *csv, const struct testdev *dev,
		      struct table_res *res)
{
	unsigned int si, ni, p;

	fprintf(csv, "size_mib,sends,peer,seconds,slowdown_pct,requests,mapped_pages\n");
	for (si = 0; si != 2; si++) {
		for (ni = 0; ni != 3; ni++) {
			unsigned int n = sends[ni] / b->sends_scale ?: 1;
			double *t = res->secs[si][ni];
			uint32_t *faults = res->requests[si][ni];
			uint64_t *mapped = res->mapped[si][ni];
			uint8_t *src = malloc(sizes[si]);

			if (!src)
				die("malloc");
			memset(src, 0x5a, sizes[si]);
			for (p = 0; p != P_NR; p++) {
				struct guest g;
				unsigned int k;
				double t0;

				if (guest_try_start_on(&g, p, sizes[si], dev))
					die("IOMMU_IOAS_MAP");
				faults[p] = 0;
				t0 = now();
				for (k = 0; k != n; k++)
					if (dma(&g.c, MOCK_DMA_WRITE, MOCK_IOVA,
						sizes[si], src, &faults[p]))
						die(dev ? "iopf-testdev DMA" :
							  "IOMMU_TEST_OP_DMA");
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
		}
	}
}

/*
 * Huge IOMMU pages: the default policy on a mock device in huge-IOVA mode
 * (its domain has 1 MiB blocks), a cold 10 MiB send into fresh memory
 * aligned to transparent huge pages. The device's first fault in each 2 MiB
 * has the CPU back it with a THP, which is then mapped whole, in blocks
 * (goal: one page request per 2 MiB).
 */
static void table_huge(struct bench *b)
{
	size_t len = 10 << 20, thp = 2 << 20;
	long huge_kb = proc_kb("/proc/self/smaps_rollup", "AnonHugePages");
	uint32_t faults = 0;
	uint8_t *raw, *mem, *src;
	struct ctx c;

	raw = mmap(NULL, len + thp, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = malloc(len);
	if (raw == MAP_FAILED || !src)
		die("mmap");
	mem = (uint8_t *)(((uintptr_t)raw + thp - 1) & ~(uintptr_t)(thp - 1));
	if (madvise(mem, len, MADV_HUGEPAGE))
		die("madvise MADV_HUGEPAGE");
	memset(src, 0x5a, len);
	ctx_open_huge(&c);
	if (ioas_map(&c, mem, len, MOCK_IOVA, IOMMU_IOAS_MAP_ON_DEMAND))
		die("IOMMU_IOAS_MAP on demand, huge-IOVA");
	if (dma(&c, MOCK_DMA_WRITE, MOCK_IOVA, len, src, &faults))
		die("IOMMU_TEST_OP_DMA huge-IOVA");
	huge_kb = proc_kb("/proc/self/smaps_rollup", "AnonHugePages") - huge_kb;
	b->check.huge_data_ok = !memcmp(mem, src, len);
	b->check.huge_requests = faults;
	b->check.huge_thp = huge_kb >= (long)(len >> 10);
	b->goals.huge_per_2mib = (double)faults / (len / thp);
	printf("\nhuge-IOVA mode (1 MiB IOMMU blocks), default policy: a cold 10 MiB send into\n");
	printf("THP-aligned memory took %u page requests (goal: %zu, one per 2 MiB); %ld of %zu KiB\n",
	       faults, len / thp, huge_kb, len >> 10);
	printf("were transparent huge pages; the data %s\n",
	       b->check.huge_data_ok ? "arrived" : "DID NOT ARRIVE");
	ctx_close(&c);
	munmap(raw, len + thp);
	free(src);
}

/*
 * IOMMU_IOAS_PREFETCH: the VMM maps the message ahead of the device, for
 * write, before the first send; the send then takes no page request. The
 * same cold send without it, side by side, in 4 KiB pages on both sides.
 */
static void table_prefetch(struct bench *b)
{
	size_t len = 10 << 20;
	double t0, t_pf, t_with, t_without;
	uint32_t f_with = 0, f_without = 0;
	struct iommu_ioas_prefetch pf = {
		.size = sizeof(pf), .flags = IOMMU_IOAS_PREFETCH_WRITE,
		.iova = MOCK_IOVA, .length = len,
	};
	uint8_t *mem[2], *src = malloc(len);
	struct ctx c[2];
	unsigned int i;

	if (!src)
		die("malloc");
	memset(src, 0x3c, len);
	for (i = 0; i != 2; i++) {
		mem[i] = mmap(NULL, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem[i] == MAP_FAILED ||
		    madvise(mem[i], len, MADV_NOHUGEPAGE))
			die("mmap");
		ctx_open(&c[i]);
		if (ioas_map(&c[i], mem[i], len, MOCK_IOVA,
			     IOMMU_IOAS_MAP_ON_DEMAND))
			die("IOMMU_IOAS_MAP on demand");
	}
	t0 = now();
	if (dma(&c[0], MOCK_DMA_WRITE, MOCK_IOVA, len, src, &f_without))
		die("IOMMU_TEST_OP_DMA");
	t_without = now() - t0;
	pf.ioas_id = c[1].ioas_id;
	t0 = now();
	if (ioctl(c[1].fd, IOMMU_IOAS_PREFETCH, &pf))
		die("IOMMU_IOAS_PREFETCH");
	t_pf = now() - t0;
	t0 = now();
	if (dma(&c[1], MOCK_DMA_WRITE, MOCK_IOVA, len, src, &f_with))
		die("IOMMU_TEST_OP_DMA after IOMMU_IOAS_PREFETCH");
	t_with = now() - t0;
	b->check.prefetch_requests = f_with;
	b->check.prefetch_data_ok = pf.out_mapped == len &&
				    !memcmp(mem[1], src, len);
	printf("\nIOMMU_IOAS_PREFETCH (for write) of a 10 MiB message before its first send, 4 KiB pages:\n");
	printf("   without: the send %.6f s, %u page requests\n", t_without,
	       f_without);
	printf("   with:    the prefetch %.6f s, then the send %.6f s, %u page requests (%.2fx the send without)\n",
	       t_pf, t_with, f_with, t_with / t_without);
	for (i = 0; i != 2; i++) {
		ctx_close(&c[i]);
		munmap(mem[i], len);
	}
	free(src);
}

/* The RFC's table on the mock device */
void bench_table(struct bench *b, FILE *csv)
{
	struct sanity *check = &b->check;
	struct table_res res;
	unsigned int si, ni;

	printf("\n== The RFC's table: device writes a message of SIZE, SENDS times, into fresh memory ==\n");
	printf("   model: the mock device copies every byte through the IOMMU, 2 KiB IO pages\n");
	table_header();
	table_run(b, csv, NULL, &res);
	table_huge(b);
	table_prefetch(b);
	/* The goals': a cold 10 MiB send, and 10 MiB at the most sends */
	b->goals.cold_requests = res.requests[1][0][P_KERNEL];
	b->goals.steady_sends = sends[2] / b->sends_scale ?: 1;
	b->goals.steady_ratio = res.secs[1][2][P_STATIC] /
				res.secs[1][2][P_KERNEL];
	for (si = 0; si != 2; si++) {
		for (ni = 0; ni != 3; ni++) {
			uint32_t *faults = res.requests[si][ni];
			uint64_t *mapped = res.mapped[si][ni];

			check->static_requests += faults[P_STATIC];
			check->ondemand_requests += faults[P_KERNEL];
			check->userspace_requests += faults[P_USERSPACE];
			if (faults[P_KERNEL] > faults[P_PREMAP1] ||
			    mapped[P_KERNEL] > mapped[P_WINDOW512])
				check->default_worse++;
		}
	}
}

/* The RFC's table on intel-iommu + iopf-testdev */
void bench_table_vtd(struct bench *b, FILE *csv)
{
	struct sanity *check = &b->check;
	struct table_res res;
	unsigned int si, ni;

	printf("\n== The RFC's table on intel-iommu: QEMU's iopf-testdev (ATS, PRI) through VFIO ==\n");
	if (!b->has_vtd) {
		printf("   skipped: no iopf-testdev in this VM (make demo runs this section in a\n");
		printf("   second VM, on QEMU's intel-iommu)\n");
		return;
	}
	printf("   model: the device asks VT-d for each page (ATS), a miss is a page request\n");
	printf("   through VT-d's page request queue; it writes a pattern, 4 KiB pages\n");
	table_header();
	table_run(b, csv, &b->vtd, &res);
	check->vtd_ran = true;
	for (si = 0; si != 2; si++) {
		for (ni = 0; ni != 3; ni++) {
			uint32_t *faults = res.requests[si][ni];

			check->vtd_static_requests += faults[P_STATIC];
			check->vtd_ondemand_requests += faults[P_KERNEL];
			check->vtd_userspace_requests += faults[P_USERSPACE];
		}
	}

}
