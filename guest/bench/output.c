// SPDX-License-Identifier: GPL-2.0
/*
 * What leaves the benchmark besides the tables: each section prints its own
 * table on stdout as it measures, and writes its CSV (header line first) to
 * a memory stream; at the end the CSV of every section is printed between
 * "csv-begin NAME" and "csv-end" lines, which the host splits into
 * NAME.csv. With --tap, the sanity figures the sections filled in become
 * TAP lines: whether the figures make sense, not what they are.
 */
#include "iopf_bench.h"

#include <stdlib.h>

/* Print a section's CSV between markers the host splits on */
void csv_flush(const char *name, char *buf)
{
	printf("csv-begin %s\n%scsv-end\n", name, buf);
	free(buf);
}

/* TAP lines for @check; nonzero if any is "not ok" */
int tap_report(const struct sanity *check)
{
	const struct {
		bool ok;
		const char *name;
	} t[] = {
		{ check->static_requests == 0,
		  "iopf_bench static mapping takes no page requests" },
		{ check->ondemand_requests > 0,
		  "iopf_bench on-demand mapping takes page requests" },
		{ check->userspace_requests > 0,
		  "iopf_bench userspace resolver sees page requests" },
		{ check->default_worse == 0,
		  "iopf_bench default policy: fewer requests than premap1, less mapped than window512" },
		{ check->costs_positive,
		  "iopf_bench per-page costs measured" },
		{ check->cpu_faults_real,
		  "iopf_bench every CPU fault sample took a minor fault" },
		{ check->faults_cost_more,
		  "iopf_bench a DMA that faults costs more than one that does not" },
		{ check->startup_faster,
		  "iopf_bench on-demand map is faster than pinning (iommufd and vfio)" },
		{ check->enable_unpins,
		  "iopf_bench vfio: static map pins all, IOPF map and ENABLE_IOPF leave nothing pinned" },
		{ check->density_more,
		  "iopf_bench more guests fit on demand than pinned" },
		{ check->pinned_after_kb == 0,
		  "iopf_bench nothing left pinned once every guest stopped" },
	};
	unsigned int i;
	int bad = 0;

	printf("TAP version 13\n1..%zu\n", sizeof(t) / sizeof(t[0]));
	for (i = 0; i != sizeof(t) / sizeof(t[0]); i++) {
		printf("%sok %u %s\n", t[i].ok ? "" : "not ", i + 1,
		       t[i].name);
		bad |= !t[i].ok;
	}
	return bad;
}
