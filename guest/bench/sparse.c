// SPDX-License-Identifier: GPL-2.0
/*
 * Sparse DMA: the device writes 64 bytes into one page in 16 of a 64 MiB
 * buffer, in a fixed pseudo-random order, through each peer. The figures
 * are the page requests and the pages that end up mapped (and faulted in,
 * charged to the process) although the device never touched them.
 *
 * Sanity: the default policy maps less than window512 and sends no more
 * requests than premap1.
 */
#include "iopf_bench.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Sparse DMA: the device touches one page in 16 of a 64 MiB buffer, in
 * random order. How many page requests, and how much memory the device
 * never touches ends up mapped (and faulted in).
 */
void bench_sparse(struct bench *b, FILE *csv)
{
	static const enum peer peers[] = { P_STATIC, P_PREMAP1, P_WINDOW512,
					   P_USERSPACE, P_KERNEL };
	size_t len = 64 << 20, ps = sysconf(_SC_PAGESIZE);
	size_t npages = len / ps, touched = npages / 16;
	uint64_t mapped[P_NR] = {};
	uint32_t requests[P_NR] = {};
	unsigned int seed = 1, i, p;
	size_t *order = calloc(touched, sizeof(*order));
	struct sanity *check = &b->check;
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
