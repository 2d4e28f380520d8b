// SPDX-License-Identifier: GPL-2.0
/*
 * What leaves the benchmark besides the tables: each section prints its own
 * table on stdout as it measures, and writes its CSV (header line first) to
 * a memory stream; at the end the CSV of every section is printed between
 * "csv-begin NAME" and "csv-end" lines, which the host splits into
 * NAME.csv. A section with two figures (migration) ends its first block
 * and starts the next in its own stream (csv_next_block()). With --tap,
 * the sanity figures the sections filled in become TAP lines, for the
 * sections that ran: whether the figures make sense, not what they are.
 */
#include "iopf_bench.h"

#include <stdlib.h>

/* Print a section's CSV between markers the host splits on */
void csv_flush(const char *name, char *buf)
{
	printf("csv-begin %s\n%scsv-end\n", name, buf);
	free(buf);
}

/*
 * End the block a section's CSV stream is writing and start another, NAME:
 * the host splits on these lines wherever they are
 */
void csv_next_block(FILE *csv, const char *name)
{
	fprintf(csv, "csv-end\ncsv-begin %s\n", name);
}

/* TAP lines for @check; nonzero if any is "not ok" */
int tap_report(const struct sanity *check)
{
	const struct {
		int section;	/* that must have run; -1: any run */
		bool ok;
		const char *name;
	} t[] = {
		{ S_TABLE, check->static_requests == 0,
		  "iopf_bench static mapping takes no page requests" },
		{ S_TABLE, check->ondemand_requests > 0,
		  "iopf_bench on-demand mapping takes page requests" },
		{ S_TABLE, check->userspace_requests > 0,
		  "iopf_bench userspace resolver sees page requests" },
		{ S_TABLE, check->default_worse == 0,
		  "iopf_bench default policy: fewer requests than premap1, less mapped than window512" },
		{ S_TABLE, check->huge_data_ok,
		  "iopf_bench huge-IOVA: a cold send's data arrived" },
		{ S_TABLE, !check->huge_thp || check->huge_requests <= 5,
		  "iopf_bench huge-IOVA: one page request per THP of a cold 10 MiB send" },
		{ S_TABLE, check->prefetch_data_ok,
		  "iopf_bench IOMMU_IOAS_PREFETCH mapped the message; the send's data arrived" },
		{ S_TABLE, check->prefetch_requests == 0,
		  "iopf_bench a send after IOMMU_IOAS_PREFETCH takes no page request" },
		{ S_FAULT_COST, check->costs_positive,
		  "iopf_bench per-page costs measured" },
		{ S_FAULT_COST, check->cpu_faults_real,
		  "iopf_bench every CPU fault sample took a minor fault" },
		{ S_FAULT_COST, check->faults_cost_more,
		  "iopf_bench a DMA that faults costs more than one that does not" },
		{ S_FAULT_COST, check->nested_s2_only,
		  "iopf_bench nested: each sample one stage-2 request resolved in the kernel, none to stage 1" },
		{ S_STAGES, check->stages_complete,
		  "iopf_bench stages: nine in ten page requests traced complete, each path" },
		{ S_STAGES, check->stages_positive,
		  "iopf_bench stages: service times of both paths and the CPU fault measured" },
		{ S_STARTUP, check->startup_faster,
		  "iopf_bench on-demand map is faster than pinning (iommufd and vfio)" },
		{ S_STARTUP, check->enable_unpins,
		  "iopf_bench vfio: static map pins all, IOPF map and ENABLE_IOPF leave nothing pinned" },
		{ S_DENSITY, check->density_more,
		  "iopf_bench more guests fit on demand than pinned" },
		{ S_DENSITY, check->density_pin_enomem,
		  "iopf_bench density: pinning past RLIMIT_MEMLOCK fails with ENOMEM, no OOM kill" },
		{ S_DENSITY, check->density_no_loss,
		  "iopf_bench density: no failed DMA, no lost byte, no guest lost at any count" },
		{ S_MIGRATION, check->precopy_exact,
		  "iopf_bench pre-copy: each dirty bitmap read reports exactly the pages the device wrote since the last" },
		{ S_MIGRATION, check->precopy_less,
		  "iopf_bench pre-copy: tracking by write faults resends less than everything mapped, every round" },
		{ S_MIGRATION, check->postcopy_complete,
		  "iopf_bench post-copy: the device read the source's bytes, present, on demand and pushed" },
		{ S_MIGRATION, check->postcopy_waited,
		  "iopf_bench post-copy: the device's page requests waited for userfaults the VMM served" },
		{ S_BALLOON, check->balloon_drops,
		  "iopf_bench balloon: the guest's RSS + swap drop to half once its lower half is freed" },
		{ S_BALLOON, check->balloon_no_failure,
		  "iopf_bench balloon: no failed DMA and no wrong byte while the balloon inflates" },
		{ -1, check->pinned_after_kb == 0,
		  "iopf_bench nothing left pinned once every guest stopped" },
		{ S_TABLE_VTD, check->vtd_static_requests == 0 &&
			       check->vtd_ondemand_requests > 0 &&
			       check->vtd_userspace_requests > 0,
		  "iopf_bench intel-iommu: static takes no page request, on-demand and userspace peers do" },
	};
	unsigned int i, n = 0, k = 0;
	int bad = 0;

	for (i = 0; i != sizeof(t) / sizeof(t[0]); i++)
		n += t[i].section < 0 || check->ran[t[i].section];
	printf("TAP version 13\n1..%u\n", n);
	for (i = 0; i != sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].section >= 0 && !check->ran[t[i].section])
			continue;
		/* A VM without iopf-testdev cannot run table_vtd: say so */
		if (t[i].section == S_TABLE_VTD && !check->vtd_ran) {
			printf("ok %u %s # SKIP no iopf-testdev in this VM\n",
			       ++k, t[i].name);
			continue;
		}
		printf("%sok %u %s\n", t[i].ok ? "" : "not ", ++k,
		       t[i].name);
		bad |= !t[i].ok;
	}
	return bad;
}
