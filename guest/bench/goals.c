// SPDX-License-Identifier: GPL-2.0
/*
 * The goals, each against what this run measured, once every
 * section is done: a table of goal, target, measured and met, and its CSV.
 *
 *   service vs the VMM    the in-kernel handler's service (the handler has
 *                         the request -> the response is sent) at least
 *                         5x faster than the userspace resolver's
 *   service vs CPU fault  and at most 3x a CPU minor fault
 *   cold 10 MiB send      the default policy in at most 8 page requests
 *   huge-IOVA             1 page request per 2 MiB of THP-backed memory
 *   steady state          10 MiB sent the most times the run has (1000
 *                         at full size): at least 0.99 of static pinning's
 *                         speed, time(static) / time(kernel)
 *
 * The two service goals hold for fresh pages (allocated by the fault) and
 * present ones (the guest's CPU wrote them first) alike, or they are not
 * met, and the row says for which they are. Each figure comes from a
 * section (stages, table); when that section did not run, or could not
 * measure (no tracefs, memory that was not THP), the goal is "not
 * measured", never met. A goal not met names where the in-kernel handler's
 * fresh path spends most, its largest stage from the stages section: what
 * would have to get cheaper first.
 */
#include "iopf_bench.h"

#include <string.h>

enum goal_met { G_NOT_MEASURED, G_MET, G_NOT_MET };

static const char *const met_names[] = {
	[G_NOT_MEASURED] = "not measured",
	[G_MET] = "yes",
	[G_NOT_MET] = "no",
};

/* One row: what was measured, as text for the table and numbers for CSV */
struct goal_row {
	const char *key;	/* in the CSV */
	const char *goal;
	const char *target;
	char measured[48];
	double value, value_present;	/* the present page's, or -1 */
	enum goal_met met;
	const char *which;	/* of fresh and present, the only one met */
};

/* A two-path service goal: met for both, for one (@which), or neither */
static void service_row(struct goal_row *row, double fresh, double present,
			bool fresh_ok, bool present_ok)
{
	row->value = fresh;
	row->value_present = present;
	snprintf(row->measured, sizeof(row->measured),
		 "fresh %.2fx, present %.2fx", fresh, present);
	row->met = fresh_ok && present_ok ? G_MET : G_NOT_MET;
	if (fresh_ok != present_ok)
		row->which = fresh_ok ? "fresh" : "present";
}

static void service_rows(const struct bench *b, struct goal_row *vmm,
			 struct goal_row *cpu)
{
	const struct goal_figures *g = &b->goals;
	const double *s = g->service_us;
	double vf, vp, cf, cp;

	if (!b->check.ran[S_STAGES] || s[SP_KERNEL_FRESH] <= 0 ||
	    s[SP_KERNEL_PRESENT] <= 0 || s[SP_VMM_FRESH] <= 0 ||
	    s[SP_VMM_PRESENT] <= 0 || g->cpu_fault_us <= 0)
		return;
	vf = s[SP_VMM_FRESH] / s[SP_KERNEL_FRESH];
	vp = s[SP_VMM_PRESENT] / s[SP_KERNEL_PRESENT];
	cf = s[SP_KERNEL_FRESH] / g->cpu_fault_us;
	cp = s[SP_KERNEL_PRESENT] / g->cpu_fault_us;
	service_row(vmm, vf, vp, vf >= 5, vp >= 5);
	service_row(cpu, cf, cp, cf <= 3, cp <= 3);
}

/* The table section's three: a cold send, huge-IOVA, the steady state */
static void table_rows(const struct bench *b, struct goal_row *cold,
		       struct goal_row *huge, struct goal_row *steady)
{
	const struct goal_figures *g = &b->goals;

	if (!b->check.ran[S_TABLE])
		return;
	cold->value = g->cold_requests;
	snprintf(cold->measured, sizeof(cold->measured), "%u requests",
		 g->cold_requests);
	cold->met = g->cold_requests <= 8 ? G_MET : G_NOT_MET;
	/* Memory the CPU did not back with THPs cannot answer this one */
	if (b->check.huge_thp && b->check.huge_data_ok) {
		huge->value = g->huge_per_2mib;
		snprintf(huge->measured, sizeof(huge->measured),
			 "%.2f requests per 2 MiB", g->huge_per_2mib);
		huge->met = g->huge_per_2mib <= 1 ? G_MET : G_NOT_MET;
	} else {
		snprintf(huge->measured, sizeof(huge->measured),
			 "the memory was not all THP");
	}
	steady->value = g->steady_ratio;
	snprintf(steady->measured, sizeof(steady->measured),
		 "%.4f of static, %u sends", g->steady_ratio,
		 g->steady_sends);
	steady->met = g->steady_ratio >= 0.99 ? G_MET : G_NOT_MET;
}

/* The goals against this run's figures: a table, and CSV "goals" */
void goals_report(const struct bench *b, FILE *csv)
{
	struct goal_row rows[] = {
		{ .key = "service_vs_vmm",
		  .goal = "in-kernel service vs the VMM's", .target = ">= 5x" },
		{ .key = "service_vs_cpu_fault",
		  .goal = "in-kernel service vs a CPU minor fault",
		  .target = "<= 3x" },
		{ .key = "cold_10mib_requests",
		  .goal = "cold 10 MiB send, default policy",
		  .target = "<= 8 req" },
		{ .key = "huge_iova_requests_per_2mib",
		  .goal = "huge-IOVA: cold 10 MiB into THPs",
		  .target = "<= 1 req/2MiB" },
		{ .key = "steady_state_vs_static",
		  .goal = "steady state: 10 MiB, most sends",
		  .target = ">= 0.99" },
	};
	const struct goal_figures *g = &b->goals;
	bool unmet = false;
	unsigned int i;

	for (i = 0; i != sizeof(rows) / sizeof(rows[0]); i++) {
		strcpy(rows[i].measured, "-");
		rows[i].value = rows[i].value_present = -1;
	}
	service_rows(b, &rows[0], &rows[1]);
	table_rows(b, &rows[2], &rows[3], &rows[4]);

	printf("\n== Goals: each against what this run measured ==\n");
	printf("   service: the in-kernel handler's, handler has it -> response (stages), for a fresh\n"
	       "   and a present page; met only if met for both. Requests: the table's kernel peer.\n"
	       "   steady state: time(static) / time(kernel), 10 MiB sent the most times this size has.\n"
	       "   Under a goal not met: the largest stage of the in-kernel handler's fresh path\n");
	printf("%-38s %-14s %-28s %s\n", "goal", "target", "measured", "met?");
	fprintf(csv, "goal,target,measured,measured_present,met,met_for,dominant_stage,dominant_us,fresh_total_us\n");
	for (i = 0; i != sizeof(rows) / sizeof(rows[0]); i++) {
		const struct goal_row *row = &rows[i];
		bool dominant = row->met == G_NOT_MET && g->dominant;

		unmet |= row->met == G_NOT_MET;
		printf("%-38s %-14s %-28s %s", row->goal, row->target,
		       row->measured, met_names[row->met]);
		if (row->which)
			printf(" (met for %s pages only)", row->which);
		printf("\n");
		if (dominant)
			printf("    dominant stage: %s, %.1f of %.1f us\n",
			       g->dominant, g->dominant_us, g->fresh_total_us);
		/* Stage names have commas: quoted */
		fprintf(csv, "%s,%s,%.4f,%.4f,%s,%s,\"%s\",%.3f,%.3f\n",
			row->key, row->target, row->value, row->value_present,
			met_names[row->met], row->which ?: "",
			dominant ? g->dominant : "",
			dominant ? g->dominant_us : 0,
			dominant ? g->fresh_total_us : 0);
	}
	if (unmet && !g->dominant)
		printf("(no dominant stage: the stages section did not run, or had no tracefs)\n");
}
