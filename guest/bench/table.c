// SPDX-License-Identifier: GPL-2.0
/*
 * The RFC's table: the device writes a message of 1 or 10 MiB, 1, 100 or
 * 1000 times (divided by the --size preset's scale), into fresh memory,
 * through each peer. The figure is the time against static pinning, and
 * the page requests the device sent: the first send pays for the faults,
 * the later ones find the pages mapped, so every on-demand peer trends to
 * static.
 *
 * Sanity: static takes no request, the on-demand and userspace peers do,
 * and the default policy sends no more requests than premap1 and maps no
 * more than window512.
 */
#include "iopf_bench.h"

#include <stdlib.h>
#include <string.h>

/* The RFC's table: message size x sends -> slowdown, page requests */
void bench_table(struct bench *b, FILE *csv)
{
	static const size_t sizes[] = { 1 << 20, 10 << 20 };
	static const unsigned int sends[] = { 1, 100, 1000 };
	struct sanity *check = &b->check;
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
			unsigned int n = sends[ni] / b->sends_scale ?: 1;
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
