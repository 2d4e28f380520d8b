// SPDX-License-Identifier: GPL-2.0
/*
 * iopf_bench's options, and the sections in the order they run: each one
 * prints its table as it goes and fills a CSV buffer; once every section is
 * done come the goals against what they measured, the CSV blocks, what is
 * still pinned, then (--tap) the verdict. --sections runs only the
 * sections named (make demo's second VM, on intel-iommu, runs table_vtd
 * alone). Before each section, a "# iopf_bench: section K of N: NAME" line
 * on stderr says what runs (the host turns it into a progress line). The
 * exit status is 0, 1 for a failed TAP line or a failed call, 2 for bad
 * options.
 */
#include "iopf_bench.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const struct section {
	const char *name;	/* for --sections; of its CSV block */
	void (*run)(struct bench *b, FILE *csv);
	const char *csv;	/* its first CSV block, if not NAME */
} sections[] = {
	{ .name = "table", .run = bench_table },
	{ .name = "table_vtd", .run = bench_table_vtd },
	{ .name = "sparse", .run = bench_sparse },
	{ .name = "fault_cost", .run = bench_fault_cost },
	{ .name = "stages", .run = bench_stages },
	{ .name = "startup", .run = bench_startup },
	{ .name = "density", .run = bench_density },
	{ .name = "migration", .run = bench_migration, .csv = "precopy" },
	{ .name = "balloon", .run = bench_balloon },
};
#define NR_SECTIONS (sizeof(sections) / sizeof(sections[0]))
_Static_assert(NR_SECTIONS == S_NR, "sections[] follows enum section");

/*
 * How big each section runs. "full" is the publication run (make bench);
 * "demo" keeps every section and every ratio at a size that runs in a few
 * minutes under emulation (make demo); "quick" is a smoke test (make check).
 */
struct preset {
	const char *name;
	unsigned int sends_scale;
	unsigned int samples;
	size_t max_mib;		/* 0: as much as the VM allows */
	struct density_cfg density;
	struct migration_cfg migration;
	struct balloon_cfg balloon;
};

static const struct preset presets[] = {
	{ "full", 1, 2000, 0,
	  { .ram_div = 4, .guest_div = 4, .ws_div = 4, .overcommit = 3,
	    .secs = 2.0 },
	  { .guest_mib = 256, .rounds = 16, .postcopy_mib = 128 },
	  { .guest_mib = 512, .before_s = 3, .inflate_s = 1, .after_s = 3 } },
	{ "demo", 10, 2000, 512,
	  { .ram_div = 16, .guest_div = 4, .ws_div = 4, .overcommit = 3,
	    .secs = 0.6 },
	  { .guest_mib = 64, .rounds = 8, .postcopy_mib = 32 },
	  { .guest_mib = 128, .before_s = 2, .inflate_s = 1, .after_s = 2 } },
	{ "quick", 100, 200, 128,
	  { .ram_div = 32, .guest_div = 3, .ws_div = 4, .overcommit = 2,
	    .secs = 0.2 },
	  { .guest_mib = 16, .rounds = 4, .postcopy_mib = 8 },
	  { .guest_mib = 32, .before_s = 1, .inflate_s = 0.5,
	    .after_s = 1 } },
};

/*
 * Whether @name is one of @list, separated by commas or by "+" (the host's
 * IOPF_DEMO_ARGS turns commas into spaces)
 */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (; *list; list += strcspn(list, ",+"), list += !!*list)
		if (!strncmp(list, name, n) &&
		    (list[n] == ',' || list[n] == '+' || !list[n]))
			return true;
	return false;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: iopf_bench [--size full|demo|quick] [--tap] [--samples N] [--max-mib N]\n"
		"                  [--sections NAME,...]\n"
		"  --size S     full (default): the publication sizes; demo: every\n"
		"               section scaled to run in minutes; quick: a smoke test\n"
		"  --quick      the same as --size quick\n"
		"  --tap        TAP lines checking the figures are sane\n"
		"  --samples N  samples for the per-fault cost (default: the size's)\n"
		"  --max-mib N  largest start-up map (default: the size's, at most\n"
		"               3/4 of MemAvailable and the mock IOMMU's aperture)\n");
	exit(2);
}

static const struct preset *find_preset(const char *name)
{
	unsigned int i;

	for (i = 0; i != sizeof(presets) / sizeof(presets[0]); i++)
		if (!strcmp(presets[i].name, name))
			return &presets[i];
	usage();
	return NULL;
}

/* Say what a scaled-down run left out, so no figure is read as full size */
static void print_scale(const struct bench *b, const struct preset *p)
{
	const struct preset *full = &presets[0];
	const struct density_cfg *d = &b->density, *fd = &full->density;
	const struct migration_cfg *m = &b->migration, *fm = &full->migration;
	const struct balloon_cfg *bl = &b->balloon, *fbl = &full->balloon;

	printf("# iopf_bench: sizes: %s\n", p->name);
	if (p == full)
		return;
	printf("# scaled down from the full run (make bench):\n");
	if (b->sends_scale != full->sends_scale)
		printf("#   RFC table: sends divided by %u\n", b->sends_scale);
	if (b->samples != full->samples)
		printf("#   cost of one page: %u samples (full: %u)\n",
		       b->samples, full->samples);
	printf("#   start-up: maps up to %zu MiB (full: as much as the VM holds)\n",
	       b->max_mib);
	if (d->ram_div != fd->ram_div || d->guest_div != fd->guest_div ||
	    d->ws_div != fd->ws_div || d->overcommit != fd->overcommit ||
	    d->secs != fd->secs)
		printf("#   density: the VM shrunk to 1/%u of its RAM, guests of 1/%u of that up to %ux it, %.1f s per step (full: 1/%u, 1/%u, %ux, %.1f s)\n",
		       d->ram_div, d->guest_div, d->overcommit, d->secs,
		       fd->ram_div, fd->guest_div, fd->overcommit, fd->secs);
	if (m->guest_mib != fm->guest_mib || m->rounds != fm->rounds ||
	    m->postcopy_mib != fm->postcopy_mib)
		printf("#   migration: pre-copy of a %zu MiB guest over %u rounds, post-copy of %zu MiB (full: %zu MiB, %u rounds, %zu MiB)\n",
		       m->guest_mib, m->rounds, m->postcopy_mib, fm->guest_mib,
		       fm->rounds, fm->postcopy_mib);
	if (bl->guest_mib != fbl->guest_mib || bl->before_s != fbl->before_s ||
	    bl->inflate_s != fbl->inflate_s || bl->after_s != fbl->after_s)
		printf("#   balloon: a %zu MiB guest, %.1f s before the balloon, %.1f s inflating, %.1f s after (full: %zu MiB, %.1f s, %.1f s, %.1f s)\n",
		       bl->guest_mib, bl->before_s, bl->inflate_s, bl->after_s,
		       fbl->guest_mib, fbl->before_s, fbl->inflate_s,
		       fbl->after_s);
	/* The steady-state goal is at 1000 sends: say which count stood in */
	if (b->sends_scale != full->sends_scale)
		printf("#   goals: the steady state at %u sends (full: 1000)\n",
		       1000 / b->sends_scale);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 'S' },
		{ "quick", no_argument, NULL, 'q' },
		{ "tap", no_argument, NULL, 't' },
		{ "samples", required_argument, NULL, 's' },
		{ "max-mib", required_argument, NULL, 'm' },
		{ "sections", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const struct preset *size = &presets[0];
	struct bench b = { 0 };
	bool tap = false;
	char *buf[NR_SECTIONS], *goals;
	const char *only = NULL;
	unsigned int i, k, nr;
	size_t sz, avail;
	FILE *csv;
	int opt, bad = 0;

	while ((opt = getopt_long(argc, argv, "S:qts:m:x:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			size = find_preset(optarg);
			break;
		case 'q':
			size = find_preset("quick");
			break;
		case 't':
			tap = true;
			break;
		case 's':
			b.samples = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			b.max_mib = strtoul(optarg, NULL, 0);
			break;
		case 'x':
			only = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	b.samples = b.samples ?: size->samples;
	if (b.samples < 100)
		usage();
	b.max_mib = b.max_mib ?: size->max_mib;
	avail = startup_max_mib();
	if (!b.max_mib || b.max_mib > avail)
		b.max_mib = avail;
	b.sends_scale = size->sends_scale;
	b.density = size->density;
	b.migration = size->migration;
	b.balloon = size->balloon;
	setvbuf(stdout, NULL, _IOLBF, 0);
	print_scale(&b, size);
	b.has_vtd = testdev_find(&b.vtd);
	if (b.has_vtd)
		printf("intel-iommu device: iopf-testdev %s (%s)\n", b.vtd.bdf,
		       b.vtd.cdev);

	for (nr = 0, i = 0; i != NR_SECTIONS; i++) {
		b.check.ran[i] = !only || in_list(only, sections[i].name);
		nr += b.check.ran[i];
	}
	if (!nr)
		usage();
	for (k = 0, i = 0; i != NR_SECTIONS; i++) {
		if (!b.check.ran[i])
			continue;
		/* For the host's progress lines: on stderr, stdout has the tables */
		fprintf(stderr, "# iopf_bench: section %u of %u: %s\n", ++k, nr,
			sections[i].name);
		csv = open_memstream(&buf[i], &sz);
		if (!csv)
			die("open_memstream");
		sections[i].run(&b, csv);
		fclose(csv);
	}
	csv = open_memstream(&goals, &sz);
	if (!csv)
		die("open_memstream");
	goals_report(&b, csv);
	fclose(csv);
	for (i = 0; i != NR_SECTIONS; i++)
		if (b.check.ran[i])
			csv_flush(sections[i].csv ?: sections[i].name, buf[i]);
	csv_flush("goals", goals);
	/* Every guest of every section is gone: so must be every pin */
	b.check.pinned_after_kb = vm_pinned_kb();
	printf("pinned after the last guest stopped: %ld kB\n",
	       b.check.pinned_after_kb);

	if (tap)
		bad = tap_report(&b.check);
	return bad;
}
