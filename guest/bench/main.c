// SPDX-License-Identifier: GPL-2.0
/*
 * iopf_bench's options, and the sections in the order they run: each one
 * prints its table as it goes and fills a CSV buffer; the CSV blocks follow
 * once every section is done, then what is still pinned, then (--tap) the
 * verdict. Before each section, a "# iopf_bench: section K of N: NAME" line
 * on stderr says what runs (the host turns it into a progress line). The
 * exit status is 0, 1 for a failed TAP line or a failed call, 2 for bad
 * options.
 */
#include "iopf_bench.h"

#include <getopt.h>
#include <stdlib.h>

static const struct section {
	const char *name;	/* of its CSV block */
	void (*run)(struct bench *b, FILE *csv);
} sections[] = {
	{ "table", bench_table },
	{ "sparse", bench_sparse },
	{ "fault_cost", bench_fault_cost },
	{ "startup", bench_startup },
	{ "density", bench_density },
};
#define NR_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static void usage(void)
{
	fprintf(stderr,
		"usage: iopf_bench [--quick] [--tap] [--samples N] [--max-mib N]\n"
		"  --quick      fewer sends, samples and sizes (smoke test)\n"
		"  --tap        TAP lines checking the figures are sane\n"
		"  --samples N  samples for the per-fault cost (default 2000)\n"
		"  --max-mib N  largest start-up map (default: 3/4 of MemAvailable,\n"
		"               at most the mock IOMMU's aperture)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "tap", no_argument, NULL, 't' },
		{ "samples", required_argument, NULL, 's' },
		{ "max-mib", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static const struct density_cfg density_full = {
		.budget_mib = 512, .g_mib = 128, .w_mib = 32,
		.max_guests = 24, .secs = 1.0,
	};
	static const struct density_cfg density_quick = {
		.budget_mib = 96, .g_mib = 32, .w_mib = 8,
		.max_guests = 16, .secs = 0.2,
	};
	struct bench b = { .samples = 2000 };
	bool quick = false, tap = false;
	char *buf[NR_SECTIONS];
	unsigned int i;
	size_t sz;
	FILE *csv;
	int opt, bad = 0;

	while ((opt = getopt_long(argc, argv, "qts:m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
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
		default:
			usage();
		}
	}
	if (b.samples < 100)
		usage();
	if (quick) {
		b.samples = 200;
		b.max_mib = b.max_mib ?: 128;
	}
	if (!b.max_mib)
		b.max_mib = startup_max_mib();
	b.sends_scale = quick ? 100 : 1;
	b.density = quick ? density_quick : density_full;
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 0; i != NR_SECTIONS; i++) {
		/* For the host's progress lines: on stderr, stdout has the tables */
		fprintf(stderr, "# iopf_bench: section %u of %zu: %s\n", i + 1,
			NR_SECTIONS, sections[i].name);
		csv = open_memstream(&buf[i], &sz);
		if (!csv)
			die("open_memstream");
		sections[i].run(&b, csv);
		fclose(csv);
	}
	for (i = 0; i != NR_SECTIONS; i++)
		csv_flush(sections[i].name, buf[i]);
	/* Every guest of every section is gone: so must be every pin */
	b.check.pinned_after_kb = vm_pinned_kb();
	printf("pinned after the last guest stopped: %ld kB\n",
	       b.check.pinned_after_kb);

	if (tap)
		bad = tap_report(&b.check);
	return bad;
}
