// SPDX-License-Identifier: GPL-2.0
/*
 * One page request, stage by stage: where the time of an I/O page fault
 * goes, for the in-kernel handler and for the userspace resolver, beside a
 * CPU minor fault, in one run.
 *
 * The stages are not guessed: they are the time between the kernel's own
 * trace events for each request (iommufd/ and, for the CPU fault,
 * exceptions/page_fault_user), read back from tracefs with the trace clock
 * "mono", and the resolver's and the CPU sample's own CLOCK_MONOTONIC
 * stamps, the same clock. Each sample is one single-page 64-byte device
 * write that takes exactly one page request (premap1, 4 KiB pages), into
 * fresh memory (the page must be allocated) or into memory the guest's CPU
 * already wrote (present: the in-kernel handler maps it right in the
 * reporting context, no worker). Its events, in the order they must come:
 *
 *   in-kernel handler                  userspace resolver
 *   iommufd_mock_page_request          iommufd_mock_page_request
 *   iommufd_ondemand_request           iommufd_fault_deliver
 *   iommufd_ondemand_begin (fresh)     (stamp: read() returned the group)
 *   iommufd_ondemand_faulted
 *   iommufd_ondemand_mapped            (stamp: IOMMU_IOAS_MAP returned)
 *   iommufd_ondemand_respond           iommufd_fault_respond
 *   iommufd_mock_page_response         iommufd_mock_page_response
 *   iommufd_mock_dma_resume            iommufd_mock_dma_resume
 *
 * A sample whose events do not come complete and in this order (a retry,
 * a lost event) is left out and counted. The figures are medians per
 * stage; trace events cost time themselves, so the totals here are a
 * little above the untraced ones of the "cost of one page" section.
 */
#include "iopf_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRACEFS "/sys/kernel/tracing"

/* At most this many samples per path: the trace stays a few MiB */
#define STAGE_MAX_SAMPLES 1000

/* Points in time of one sample, in the order above */
enum point {
	T_SEND,		/* the device sends the page request */
	T_HANDLER,	/* the handler has it (reporting context) */
	T_PICKED,	/* the worker starts / the VMM's read() returned */
	T_FAULTED,	/* in-kernel: hmm_range_fault() returned */
	T_MAPPED,	/* mapped into the domain */
	T_RESPOND,	/* the response is sent */
	T_RESPONSE,	/* it reaches the device */
	T_RESUME,	/* the device's DMA runs again */
	T_NR
};

static const char *const kernel_events[T_NR] = {
	"iommufd_mock_page_request", "iommufd_ondemand_request",
	"iommufd_ondemand_begin", "iommufd_ondemand_faulted",
	"iommufd_ondemand_mapped", "iommufd_ondemand_respond",
	"iommufd_mock_page_response", "iommufd_mock_dma_resume",
};

/* A present page is mapped in the reporting context: no worker */
static const char *const kernel_present_events[T_NR] = {
	"iommufd_mock_page_request", "iommufd_ondemand_request", NULL,
	"iommufd_ondemand_faulted", "iommufd_ondemand_mapped",
	"iommufd_ondemand_respond", "iommufd_mock_page_response",
	"iommufd_mock_dma_resume",
};

/* NULL: stamped by the resolver, or no such stage */
static const char *const user_events[T_NR] = {
	"iommufd_mock_page_request", "iommufd_fault_deliver", NULL, NULL,
	NULL, "iommufd_fault_respond", "iommufd_mock_page_response",
	"iommufd_mock_dma_resume",
};

/*
 * The rows: the time from @from to @to. Where a path has no @to the row is
 * "-" for it; where it has no @from the stage starts at its point before.
 */
static const struct {
	enum point from, to;
	const char *name;
} stage_rows[] = {
	{ T_SEND, T_HANDLER, "device sends -> handler has it" },
	{ T_HANDLER, T_PICKED, "-> worker starts / VMM read()s it" },
	{ T_PICKED, T_FAULTED, "fault in the page (hmm)" },
	{ T_FAULTED, T_MAPPED, "map it (VMM: IOMMU_IOAS_MAP, pins)" },
	{ T_MAPPED, T_RESPOND, "-> response sent (VMM: write())" },
	{ T_RESPOND, T_RESPONSE, "response reaches the device" },
	{ T_RESPONSE, T_RESUME, "device resumes its DMA" },
	{ T_SEND, T_RESUME, "total, send -> resume" },
	{ T_HANDLER, T_RESPOND, "service, handler has it -> response" },
};
#define NR_STAGE_ROWS (sizeof(stage_rows) / sizeof(stage_rows[0]))
/* The rows before the last two, which add stages up */
#define NR_STAGES (NR_STAGE_ROWS - 2)

/* The samples of one path: @t[i][point], 0 where not seen */
struct stage_run {
	unsigned int n;
	double (*t)[T_NR];
	bool skip[T_NR];	/* points this path does not have */
	unsigned int complete;
};

static int tracefs_write(const char *file, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* tracefs mounted, the mono clock, our events on; false if unavailable */
static bool trace_setup(void)
{
	struct stat st;

	if (stat(TRACEFS "/trace", &st) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return false;
	if (tracefs_write("tracing_on", "0") ||
	    tracefs_write("trace_clock", "mono") ||
	    tracefs_write("buffer_size_kb", "4096") ||
	    tracefs_write("trace", "") ||
	    tracefs_write("events/iommufd/enable", "1"))
		return false;
	/* Optional: the CPU fault's trap, where the architecture has it */
	tracefs_write("events/exceptions/page_fault_user/enable", "1");
	return true;
}

static void trace_teardown(void)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("events/iommufd/enable", "0");
	tracefs_write("events/exceptions/page_fault_user/enable", "0");
	tracefs_write("trace", "");
	tracefs_write("trace_clock", "local");
}

/*
 * The time stamp of an event line, "... 123.456789: NAME: ...", if @name
 * is its event; -1 otherwise.
 */
static double event_time(const char *line, const char *name)
{
	size_t len = strlen(name);
	const char *p = line, *ts;

	while ((p = strstr(p, name))) {
		if (p - line > 2 && p[-1] == ' ' && p[-2] == ':' &&
		    p[len] == ':')
			break;
		p += len;
	}
	if (!p)
		return -1;
	for (ts = p - 2; ts > line && ts[-1] != ' '; ts--)
		;
	return strtod(ts, NULL);
}

/*
 * Fill @r from the trace: a sample starts at each @events[T_SEND] and takes
 * the following events in order; a sample that sees one out of order is
 * incomplete.
 */
static void trace_collect(struct stage_run *r, const char *const *events)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	char line[512];
	int cur = -1;
	enum point expect = T_SEND;

	if (!f)
		die("open " TRACEFS "/trace");
	while (fgets(line, sizeof(line), f)) {
		enum point p;
		double t;

		if (line[0] == '#')
			continue;
		for (p = 0; p != T_NR; p++) {
			if (!events[p])
				continue;
			t = event_time(line, events[p]);
			if (t < 0)
				continue;
			if (p == T_SEND) {
				if (++cur == (int)r->n)
					goto out;
				expect = T_SEND;
			}
			if (cur < 0)
				break;
			/* In order, skipping what the resolver stamps */
			while (expect != p && expect < T_NR && !events[expect])
				expect++;
			if (p == expect) {
				r->t[cur][p] = t;
				expect = p + 1;
			} else {
				r->t[cur][T_SEND] = 0;	/* out of order */
			}
			break;
		}
	}
out:
	fclose(f);
}

/* Whether sample @i has every point of its path */
static bool sample_complete(const struct stage_run *r, unsigned int i)
{
	unsigned int p;

	for (p = 0; p != T_NR; p++)
		if (!r->skip[p] && !r->t[i][p])
			return false;
	return true;
}

static void count_complete(struct stage_run *r)
{
	unsigned int i;

	r->complete = 0;
	for (i = 0; i != r->n; i++)
		r->complete += sample_complete(r, i);
}

/*
 * Median of @to - @from over the complete samples, microseconds; -1 if the
 * path has no @to. A @from it does not have is the point before.
 */
static double stage_median(const struct stage_run *r, enum point from,
			   enum point to)
{
	double *v, med;
	unsigned int i, k = 0;

	if (r->skip[to])
		return -1;
	while (from && r->skip[from])
		from--;
	v = calloc(r->n, sizeof(double));
	if (!v)
		die("calloc");
	for (i = 0; i != r->n; i++)
		if (sample_complete(r, i))
			v[k++] = (r->t[i][to] - r->t[i][from]) * 1e6;
	qsort(v, k, sizeof(double), cmp_double);
	med = k ? v[k / 2] : 0;
	free(v);
	return med;
}

/*
 * @n one-page device writes, one page request each, traced, into memory
 * the CPU wrote first if @present
 */
static void traced_page_dmas(struct guest *g, unsigned int n, bool present)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint8_t data[64];
	unsigned int i;

	memset(data, 2, sizeof(data));
	if (madvise(g->mem, g->len, MADV_NOHUGEPAGE))
		die("madvise MADV_NOHUGEPAGE");
	if (present)
		memset(g->mem, 1, g->len);
	if (tracefs_write("trace", "") || tracefs_write("tracing_on", "1"))
		die("tracing_on");
	for (i = 0; i != n; i++)
		if (dma(&g->c, MOCK_DMA_WRITE, MOCK_IOVA + (uint64_t)i * ps,
			sizeof(data), data, NULL))
			die("IOMMU_TEST_OP_DMA one page");
	if (tracefs_write("tracing_on", "0"))
		die("tracing_on");
}

static void run_kernel(struct stage_run *r, bool present)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct guest g;

	r->skip[T_PICKED] = present;
	guest_start(&g, P_PREMAP1, (size_t)r->n * ps);
	traced_page_dmas(&g, r->n, present);
	guest_stop(&g);
	trace_collect(r, present ? kernel_present_events : kernel_events);
	count_complete(r);
}

static void run_user(struct stage_run *r, bool present)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct guest g;
	unsigned int i;

	/* The VMM's IOMMU_IOAS_MAP faults and maps in one call */
	r->skip[T_FAULTED] = true;
	guest_start(&g, P_USERSPACE, (size_t)r->n * ps);
	g.r.stamps = calloc(r->n, sizeof(*g.r.stamps));
	if (!g.r.stamps)
		die("calloc");
	__atomic_store_n(&g.r.max_stamps, r->n, __ATOMIC_RELEASE);
	traced_page_dmas(&g, r->n, present);
	guest_stop(&g);
	trace_collect(r, user_events);
	/* The resolver answered the groups in order, one per sample */
	for (i = 0; i != r->n && i != g.r.nr_stamps; i++) {
		r->t[i][T_PICKED] = g.r.stamps[i].read;
		r->t[i][T_MAPPED] = g.r.stamps[i].mapped;
	}
	free(g.r.stamps);
	count_complete(r);
}

/*
 * CPU minor faults: before/after stamps around the first write to a page,
 * and the trap's event in between. Medians of the two parts, microseconds.
 */
static unsigned int run_cpu(unsigned int n, double *trap, double *rest)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)n * ps;
	double *t0 = calloc(n, sizeof(double)), *t1 = calloc(n, sizeof(double));
	double *a = calloc(n, sizeof(double)), *b = calloc(n, sizeof(double));
	FILE *f;
	char line[512];
	unsigned int i, k = 0, got = 0;
	uint8_t *mem;

	if (!t0 || !t1 || !a || !b)
		die("calloc");
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	if (madvise(mem, len, MADV_NOHUGEPAGE))
		die("madvise MADV_NOHUGEPAGE");
	if (tracefs_write("trace", "") || tracefs_write("tracing_on", "1"))
		die("tracing_on");
	for (i = 0; i != n; i++) {
		t0[i] = now();
		*(volatile uint8_t *)(mem + (size_t)i * ps) = 1;
		t1[i] = now();
	}
	tracefs_write("tracing_on", "0");
	munmap(mem, len);

	/* Each trap between its sample's stamps; other traps are skipped */
	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		die("open " TRACEFS "/trace");
	i = 0;
	while (i != n && fgets(line, sizeof(line), f)) {
		double t = event_time(line, "page_fault_user");

		if (t < 0)
			continue;
		while (i != n && t > t1[i])
			i++;
		if (i == n || t < t0[i])
			continue;
		a[k] = (t - t0[i]) * 1e6;
		b[k] = (t1[i] - t) * 1e6;
		k++;
		i++;
	}
	fclose(f);
	got = k;
	qsort(a, k, sizeof(double), cmp_double);
	qsort(b, k, sizeof(double), cmp_double);
	*trap = k ? a[k / 2] : 0;
	*rest = k ? b[k / 2] : 0;
	free(t0);
	free(t1);
	free(a);
	free(b);
	return got;
}

/* One cell: the median, or "-" where the path has no such stage */
static void print_cell(double v)
{
	if (v < 0)
		printf(" %9s", "-");
	else
		printf(" %9.1f", v);
}

/*
 * For the goals: each path's service and the CPU fault, and where the
 * in-kernel handler's fresh path spends most: its largest stage, which a
 * goal not met would have to take from first
 */
static void stages_goals(const struct stage_run *r, const double *service,
			 double cpu, struct goal_figures *goals)
{
	const struct stage_run *fresh = &r[SP_KERNEL_FRESH];
	unsigned int i, k;
	double v;

	for (k = 0; k != SP_NR; k++)
		goals->service_us[k] = service[k];
	goals->cpu_fault_us = cpu;
	goals->fresh_total_us = stage_median(fresh, T_SEND, T_RESUME);
	for (i = 0; i != NR_STAGES; i++) {
		v = stage_median(fresh, stage_rows[i].from, stage_rows[i].to);
		if (v > goals->dominant_us) {
			goals->dominant = stage_rows[i].name;
			goals->dominant_us = v;
		}
	}
}

void bench_stages(struct bench *b, FILE *csv)
{
	static const char *const names[SP_NR] = {
		"kernel_fresh", "kernel_present", "userspace_fresh",
		"userspace_present",
	};
	unsigned int n = b->samples < STAGE_MAX_SAMPLES ? b->samples :
							   STAGE_MAX_SAMPLES;
	struct stage_run r[SP_NR] = { { .n = n }, { .n = n }, { .n = n },
				      { .n = n } };
	double trap = 0, rest = 0, cpu, service[SP_NR];
	unsigned int i, k, cpu_n;
	bool complete = true;

	if (!trace_setup()) {
		printf("\n== One page request, stage by stage: no tracefs, skipped (%s) ==\n",
		       strerror(errno));
		trace_teardown();
		return;
	}
	for (k = 0; k != SP_NR; k++) {
		r[k].t = calloc(n, sizeof(*r[k].t));
		if (!r[k].t)
			die("calloc");
	}
	run_kernel(&r[0], false);
	run_kernel(&r[1], true);
	run_user(&r[2], false);
	run_user(&r[3], true);
	cpu_n = run_cpu(n, &trap, &rest);
	trace_teardown();
	cpu = trap + rest;

	printf("\n== One page request, stage by stage (median microseconds, %u samples; trace events) ==\n",
	       n);
	printf("   fresh: the page must be allocated; present: the guest's CPU wrote it first\n");
	printf("%-38s %9s %9s %9s %9s\n", "", "kernel", "kernel", "VMM", "VMM");
	printf("%-38s %9s %9s %9s %9s\n", "stage", "fresh", "present", "fresh",
	       "present");
	fprintf(csv, "stage,%s,%s,%s,%s\n", names[0], names[1], names[2],
		names[3]);
	for (i = 0; i != NR_STAGE_ROWS; i++) {
		printf("%-38s", stage_rows[i].name);
		fprintf(csv, "%s", stage_rows[i].name);
		for (k = 0; k != SP_NR; k++) {
			double v = stage_median(&r[k], stage_rows[i].from,
						stage_rows[i].to);

			print_cell(v);
			fprintf(csv, ",%.3f", v);
		}
		printf("\n");
		fprintf(csv, "\n");
	}
	for (k = 0; k != SP_NR; k++) {
		service[k] = stage_median(&r[k], T_HANDLER, T_RESPOND);
		if (r[k].complete < n * 9 / 10)
			complete = false;
	}
	printf("complete samples: %u, %u, %u, %u of %u; CPU faults %u of %u\n",
	       r[0].complete, r[1].complete, r[2].complete, r[3].complete, n,
	       cpu_n, n);
	printf("CPU minor fault: %.1f us to the trap, %.1f us handled and back: %.1f us\n",
	       trap, rest, cpu);
	fprintf(csv, "cpu minor fault,%.3f,,,\n", cpu);
	if (service[0] > 0 && service[1] > 0 && cpu > 0) {
		printf("in-kernel service, fresh page: %.2fx faster than the VMM's, %.2fx a CPU minor fault\n",
		       service[2] / service[0], service[0] / cpu);
		printf("in-kernel service, present page: %.2fx faster than the VMM's, %.2fx a CPU minor fault\n",
		       service[3] / service[1], service[1] / cpu);
		printf("(goals: at least 5x faster than the VMM, at most 3x a CPU minor fault)\n");
	}

	stages_goals(r, service, cpu, &b->goals);
	b->check.stages_complete = complete && cpu_n >= n * 9 / 10;
	b->check.stages_positive = service[0] > 0 && service[1] > 0 &&
				   service[2] > 0 && service[3] > 0 && cpu > 0;
	for (k = 0; k != SP_NR; k++)
		free(r[k].t);
}
