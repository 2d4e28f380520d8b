// SPDX-License-Identifier: GPL-2.0
/*
 * Balloon: a guest gives half its memory back while its device keeps doing
 * DMA to the other half. Free page reporting and virtio-balloon both end
 * the same way: the guest says which of its pages are free, and the VMM
 * drops them with MADV_DONTNEED. With the guest pinned that frees nothing
 * (the pin holds each page, only the process's mapping of it goes), which
 * is why QEMU discards no ballooned page while a VFIO device is there
 * (ram_block_discard_disable()). On demand nothing holds the pages: the
 * MMU notifier unmaps whatever the IOMMU had of them, and they are freed.
 *
 * The guest: G MiB of anonymous memory aligned to 2 MiB (so that the
 * balloon frees whole transparent huge pages, not parts of them), mapped
 * on demand, all written by its CPU as it boots, with data that compresses
 * the way guest RAM does. The first quarter, the coldest, has gone to swap
 * on zram before it starts (MADV_PAGEOUT, as host reclaim would have taken
 * it): a guest the host has already squeezed, so that the balloon frees
 * swap as well as RAM. Its device rewrites the upper half, chunk by chunk,
 * and reads every chunk back to check it, from a thread, without pause.
 * After @before_s the main thread frees the lower half, the quarter in
 * swap and the quarter in RAM, in 2 MiB steps spread over @inflate_s as a
 * balloon inflates, then runs @after_s more.
 *
 * Every BALLOON_TICK of guest time a sample: what the balloon has freed,
 * the process's RSS and swap (VmSwap), zram's data and compressed sizes
 * (all of zram: nothing else swaps meanwhile), the RAM in use in the whole
 * VM since before the guest (MemTotal - MemFree: what the host really got
 * back, which a pinned guest would not give), the on-demand pages mapped
 * in the IOMMU (IOMMU_IOAS_IOPF_STATS out_mapped), and the device's
 * throughput over the interval. Under QEMU's -icount the two vCPUs take
 * turns on one host thread: the balloon's work takes guest time from the
 * device, which shows as a dip while it inflates, deepest while it frees
 * what is in zram.
 *
 * Sanity: the guest's RSS + swap after the balloon is at most half of what
 * it was before, plus a margin of 1/16 of the guest: the check is that the
 * half came off, not the last page of it, and 1/16 is well below the half
 * a balloon that freed nothing would leave, and well above what the
 * benchmark itself maps meanwhile (the device's buffers, half a MiB). No
 * DMA failed and no byte read back differed from what was written.
 */
#include "iopf_bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BALLOON_CHUNK	(256UL << 10)	/* bytes per DMA */
#define BALLOON_STEP	(2UL << 20)	/* freed at a time: one THP */
#define BALLOON_TICK	0.1		/* seconds between samples */
#define BALLOON_MAGIC	0x4e4c4142	/* "BALN" */
#define BALLOON_TEXT	"guest kernel text, page cache, heap: compressible "
#define ZRAM_MM_STAT	"/sys/block/zram0/mm_stat"

enum balloon_phase { BP_BEFORE, BP_INFLATING, BP_AFTER, BP_NR };

static const char *const phase_names[BP_NR] = {
	"before", "inflating", "after",
};

/* The stamp at the start of every page: which page, which pass */
struct balloon_stamp {
	uint32_t magic;
	uint32_t page;
	uint32_t pass;
};

/*
 * The device's side: its guest and its half, run by its thread. The
 * counters are written by that thread and read by the sampler: __atomic.
 */
struct balloon_dev {
	struct ctx *c;
	size_t off, len;	/* the part of the guest the device DMAs over */
	long page;
	const uint8_t *base;	/* a chunk of guest-like data, unstamped */
	bool stop;
	uint64_t passes;	/* over its part, complete */
	uint64_t bytes;		/* moved, both ways */
	uint64_t requests;
	uint64_t failed;	/* DMAs that returned an error */
	uint64_t wrong;		/* bytes read back other than written */
	int dma_errno;		/* of the last DMA that failed */
};

/* One sample: memory at its time, throughput over the interval before it */
struct balloon_sample {
	double t;		/* since the device's first pass ended */
	enum balloon_phase phase;
	double freed_mib;	/* by the balloon so far */
	double rss_mib;
	double swap_mib;
	double zram_orig_mib;
	double zram_compr_mib;
	double used_mib;	/* the VM's RAM in use, from before the guest */
	double mapped_mib;	/* on-demand pages mapped in the IOMMU */
	double mib_s;
};

/* What the host holds of the process: RSS, swap, zram and RAM in use */
struct balloon_mem {
	double rss_mib;
	double swap_mib;
	double zram_orig_mib;
	double zram_compr_mib;
	double used_mib;
};

/*
 * One chunk of data that compresses the way guest RAM does, a few times
 * over on lzo-rle: a quarter of each page random (xorshift: lzo finds
 * nothing in it), the rest repeated text. Never a page of one byte
 * repeated: zram keeps those as a count, not as data.
 */
static void balloon_fill_base(uint8_t *base, long page)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	const char text[] = BALLOON_TEXT;
	size_t p, i;

	for (p = 0; p != BALLOON_CHUNK / page; p++) {
		uint8_t *pg = base + p * page;

		for (i = 0; i + 8 <= (size_t)page / 4; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(pg + i, &x, 8);
		}
		for (; i != (size_t)page; i++)
			pg[i] = text[i % (sizeof(text) - 1)];
	}
}

/* Copy the base chunk to @buf, stamped as page @first on, pass @pass */
static void balloon_stamp(const struct balloon_dev *d, uint8_t *buf,
			  size_t first, uint32_t pass)
{
	struct balloon_stamp st = { .magic = BALLOON_MAGIC, .pass = pass };
	size_t p;

	memcpy(buf, d->base, BALLOON_CHUNK);
	for (p = 0; p != BALLOON_CHUNK / d->page; p++) {
		st.page = first + p;
		memcpy(buf + p * d->page, &st, sizeof(st));
	}
}

static uint64_t bytes_differ(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t n = 0;
	size_t i;

	if (!memcmp(a, b, len))
		return 0;
	for (i = 0; i != len; i++)
		n += a[i] != b[i];
	return n;
}

static void balloon_dma_failed(struct balloon_dev *d)
{
	__atomic_store_n(&d->dma_errno, errno, __ATOMIC_RELAXED);
	__atomic_add_fetch(&d->failed, 1, __ATOMIC_RELAXED);
}

/*
 * The device: each chunk of its part written with this pass's stamps, then
 * read back and compared, over and over until told to stop
 */
static void *balloon_dma(void *arg)
{
	struct balloon_dev *d = arg;
	uint8_t *put = malloc(BALLOON_CHUNK), *got = malloc(BALLOON_CHUNK);
	uint32_t pass;
	size_t c;

	if (!put || !got)
		die("malloc");
	for (pass = 1; !__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE); pass++) {
		for (c = 0; c != d->len / BALLOON_CHUNK; c++) {
			size_t off = d->off + c * BALLOON_CHUNK;
			uint32_t faults = 0;

			if (__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE))
				break;
			balloon_stamp(d, put, off / d->page, pass);
			if (dma(d->c, MOCK_DMA_WRITE, MOCK_IOVA + off,
				BALLOON_CHUNK, put, &faults) ||
			    dma(d->c, 0, MOCK_IOVA + off, BALLOON_CHUNK, got,
				&faults)) {
				balloon_dma_failed(d);
				continue;
			}
			__atomic_add_fetch(&d->wrong,
					   bytes_differ(put, got, BALLOON_CHUNK),
					   __ATOMIC_RELAXED);
			__atomic_add_fetch(&d->requests, faults,
					   __ATOMIC_RELAXED);
			__atomic_add_fetch(&d->bytes, 2 * BALLOON_CHUNK,
					   __ATOMIC_RELAXED);
		}
		if (c == d->len / BALLOON_CHUNK)
			__atomic_add_fetch(&d->passes, 1, __ATOMIC_RELEASE);
	}
	free(put);
	free(got);
	return NULL;
}

/* Memory as the host sees it; RAM in use counted from @used0_mib */
static void balloon_mem_read(struct balloon_mem *m, double used0_mib)
{
	unsigned long long orig = 0, compr = 0;
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
		die("/proc/self/statm");
	fclose(f);
	m->rss_mib = resident * (double)sysconf(_SC_PAGESIZE) / (1 << 20);
	m->swap_mib = proc_kb("/proc/self/status", "VmSwap") / 1024.0;
	f = fopen(ZRAM_MM_STAT, "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &orig, &compr) != 2)
			orig = compr = 0;
		fclose(f);
	}
	m->zram_orig_mib = orig / 1048576.0;
	m->zram_compr_mib = compr / 1048576.0;
	m->used_mib = (proc_kb("/proc/meminfo", "MemTotal") -
		       proc_kb("/proc/meminfo", "MemFree")) / 1024.0 - used0_mib;
}

/* The guest's memory and its device, and the samples of the timeline */
struct balloon_run {
	const struct balloon_cfg *cfg;
	struct ctx c;
	uint8_t *raw;		/* the mapping, before alignment */
	size_t raw_len;
	uint8_t *mem;
	size_t len;
	struct balloon_dev dev;
	pthread_t thread;
	size_t freed;		/* bytes of the lower half freed so far */
	double used0_mib;	/* the VM's RAM in use before the guest */
	double rss0_mib;	/* the process's RSS and swap before the guest */
	double swap0_mib;
	struct balloon_sample *s;
	unsigned int n, max;
};

/*
 * Boot the guest: map it on demand, write all of it with the CPU, send its
 * coldest quarter to swap, and start its device
 */
static void balloon_boot(struct balloon_run *r, uint8_t *base)
{
	struct balloon_mem m;
	size_t off;

	balloon_mem_read(&m, 0);
	r->used0_mib = m.used_mib;
	r->rss0_mib = m.rss_mib;
	r->swap0_mib = m.swap_mib;
	r->raw_len = r->len + BALLOON_STEP;
	r->raw = mmap(NULL, r->raw_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->raw == MAP_FAILED)
		die("mmap");
	r->mem = (uint8_t *)(((uintptr_t)r->raw + BALLOON_STEP - 1) &
			     ~(uintptr_t)(BALLOON_STEP - 1));
	ctx_open(&r->c);
	if (ioas_map(&r->c, r->mem, r->len, MOCK_IOVA,
		     IOMMU_IOAS_MAP_ON_DEMAND))
		die("IOMMU_IOAS_MAP on demand");
	r->dev = (struct balloon_dev){
		.c = &r->c,
		.off = r->len / 2,
		.len = r->len / 2,
		.page = r->c.page_size,
		.base = base,
	};
	for (off = 0; off != r->len; off += BALLOON_CHUNK)
		balloon_stamp(&r->dev, r->mem + off, off / r->dev.page, 0);
	if (madvise(r->mem, r->len / 4, MADV_PAGEOUT))
		die("madvise MADV_PAGEOUT");
	if (pthread_create(&r->thread, NULL, balloon_dma, &r->dev))
		die("pthread_create");
}

/* Take a sample at @t: memory now, throughput since the last one */
static void balloon_sample(struct balloon_run *r, double t, uint64_t *bytes,
			   double *last_t)
{
	uint64_t now_bytes = __atomic_load_n(&r->dev.bytes, __ATOMIC_RELAXED);
	struct iommu_ioas_iopf_stats st;
	struct balloon_sample *s;
	struct balloon_mem m;

	if (r->n == r->max)
		return;
	s = &r->s[r->n];
	balloon_mem_read(&m, r->used0_mib);
	iopf_stats(&r->c, &st);
	*s = (struct balloon_sample){
		.t = t,
		.phase = !r->freed ? BP_BEFORE : r->freed != r->len / 2 ?
			 BP_INFLATING : BP_AFTER,
		.freed_mib = r->freed / 1048576.0,
		.rss_mib = m.rss_mib,
		.swap_mib = m.swap_mib,
		.zram_orig_mib = m.zram_orig_mib,
		.zram_compr_mib = m.zram_compr_mib,
		.used_mib = m.used_mib,
		.mapped_mib = st.out_mapped * (double)r->c.page_size / (1 << 20),
		.mib_s = (now_bytes - *bytes) / (t - *last_t) / (1 << 20),
	};
	*bytes = now_bytes;
	*last_t = t;
	r->n++;
}

/*
 * The timeline: samples every BALLOON_TICK; after @before_s the lower half
 * freed in BALLOON_STEP steps over @inflate_s; @after_s more. A step can
 * take longer than its share (freeing what is in zram does): the samples
 * come first, and keep their pace, and the balloon runs late instead
 */
static void balloon_timeline(struct balloon_run *r)
{
	const struct balloon_cfg *cfg = r->cfg;
	size_t steps = r->len / 2 / BALLOON_STEP, k = 0;
	double gap = cfg->inflate_s / steps, last_t = 0, t0, t, next;
	double end = cfg->before_s + cfg->inflate_s + cfg->after_s;
	unsigned int tick = 1;
	uint64_t bytes;

	/* The first pass maps the device's half: the timeline starts after */
	while (!__atomic_load_n(&r->dev.passes, __ATOMIC_ACQUIRE))
		usleep(1000);
	bytes = __atomic_load_n(&r->dev.bytes, __ATOMIC_RELAXED);
	t0 = now();
	for (;;) {
		t = now() - t0;
		if (t >= tick * BALLOON_TICK) {
			balloon_sample(r, t, &bytes, &last_t);
			/* Past a tick missed, to the next one from now */
			tick = t / BALLOON_TICK + 1;
			if (t >= end && k == steps)
				break;
			continue;
		}
		if (k != steps && t >= cfg->before_s + k * gap) {
			if (madvise(r->mem + k * BALLOON_STEP, BALLOON_STEP,
				    MADV_DONTNEED))
				die("madvise MADV_DONTNEED");
			k++;
			r->freed = k * BALLOON_STEP;
			continue;
		}
		next = tick * BALLOON_TICK;
		if (k != steps && cfg->before_s + k * gap < next)
			next = cfg->before_s + k * gap;
		usleep((next - t) * 1e6 + 1);
	}
}

/* What a phase came to: its samples' throughput, memory at its end */
struct balloon_phase_sum {
	unsigned int n;
	double mib_s_sum, mib_s_min;
	const struct balloon_sample *last;
};

static void balloon_print(const struct balloon_run *r, FILE *csv)
{
	struct balloon_phase_sum ph[BP_NR] = {};
	unsigned int i, p;

	fprintf(csv, "t_s,phase,rss_mib,swap_mib,zram_orig_mib,zram_compr_mib,ram_used_mib,iommu_mapped_mib,dma_mib_s,freed_mib\n");
	for (i = 0; i != r->n; i++) {
		const struct balloon_sample *s = &r->s[i];
		struct balloon_phase_sum *sum = &ph[s->phase];

		fprintf(csv, "%.3f,%s,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n",
			s->t, phase_names[s->phase], s->rss_mib, s->swap_mib,
			s->zram_orig_mib, s->zram_compr_mib, s->used_mib,
			s->mapped_mib, s->mib_s, s->freed_mib);
		if (!sum->n || s->mib_s < sum->mib_s_min)
			sum->mib_s_min = s->mib_s;
		sum->mib_s_sum += s->mib_s;
		sum->last = s;
		sum->n++;
	}
	printf("%-10s %7s %8s %8s %15s %9s %10s %15s\n", "phase", "samples",
	       "RSS MiB", "swap MiB", "zram data/compr", "RAM used",
	       "IOMMU MiB", "DMA MiB/s avg/min");
	for (p = 0; p != BP_NR; p++) {
		const struct balloon_sample *s = ph[p].last;

		if (!s)
			continue;
		printf("%-10s %7u %8.1f %8.1f %7.1f/%7.1f %9.1f %10.1f %7.1f/%7.1f\n",
		       phase_names[p], ph[p].n, s->rss_mib, s->swap_mib,
		       s->zram_orig_mib, s->zram_compr_mib, s->used_mib,
		       s->mapped_mib, ph[p].mib_s_sum / ph[p].n,
		       ph[p].mib_s_min);
	}
}

/* The sanity figures, from the last samples before and after */
static void balloon_check(const struct balloon_run *r, struct sanity *check)
{
	const struct balloon_sample *before = NULL, *after = NULL;
	uint64_t failed = __atomic_load_n(&r->dev.failed, __ATOMIC_RELAXED);
	uint64_t wrong = __atomic_load_n(&r->dev.wrong, __ATOMIC_RELAXED);
	double margin = r->len / 16.0 / (1 << 20), was, is;
	unsigned int i;

	for (i = 0; i != r->n; i++) {
		if (r->s[i].phase == BP_BEFORE)
			before = &r->s[i];
		if (r->s[i].phase == BP_AFTER)
			after = &r->s[i];
	}
	printf("device: %.1f MiB moved, %llu page requests, %llu DMAs failed, %llu bytes wrong\n",
	       __atomic_load_n(&r->dev.bytes, __ATOMIC_RELAXED) / 1048576.0,
	       (unsigned long long)__atomic_load_n(&r->dev.requests,
						   __ATOMIC_RELAXED),
	       (unsigned long long)failed, (unsigned long long)wrong);
	if (failed)
		printf("device: the last DMA that failed: %s\n",
		       strerrorname_np(r->dev.dma_errno));
	check->balloon_no_failure = !failed && !wrong && r->n;
	check->balloon_drops = false;
	if (!before || !after)
		return;
	was = before->rss_mib - r->rss0_mib + before->swap_mib - r->swap0_mib;
	is = after->rss_mib - r->rss0_mib + after->swap_mib - r->swap0_mib;
	check->balloon_drops = is <= was / 2 + margin;
	printf("the guest's RSS + swap (the benchmark's own %.1f MiB aside): %.1f MiB before,\n",
	       r->rss0_mib + r->swap0_mib, was);
	printf("%.1f MiB after (at most half of before + %.1f MiB, 1/16 of the guest: %s)\n",
	       is, margin, check->balloon_drops ? "yes" : "NO");
}

/*
 * Balloon: a guest frees its lower half while its device DMAs to the upper
 * half; memory and throughput over time
 */
void bench_balloon(struct bench *b, FILE *csv)
{
	const struct balloon_cfg *cfg = &b->balloon;
	struct balloon_run r = {
		.cfg = cfg,
		.len = cfg->guest_mib << 20,
	};
	uint8_t *base = malloc(BALLOON_CHUNK);
	long page = sysconf(_SC_PAGESIZE);

	/* Twice the timeline's ticks: room for a balloon that runs late */
	r.max = 2 * (cfg->before_s + cfg->inflate_s + cfg->after_s) /
		BALLOON_TICK + 2;
	r.s = calloc(r.max, sizeof(*r.s));
	if (!base || !r.s)
		die("malloc");
	balloon_fill_base(base, page);

	printf("\n== Balloon: a %zu MiB guest frees its lower half while its device DMAs to the upper half ==\n",
	       cfg->guest_mib);
	printf("   mapped on demand, all written by its CPU; its first quarter sent to swap on zram first\n"
	       "   (MADV_PAGEOUT); the device writes and reads back the upper half in %lu KiB DMAs, every\n"
	       "   byte checked; after %.1f s the lower half is freed (MADV_DONTNEED) %lu MiB at a time\n"
	       "   over %.1f s, then %.1f s more; a sample every %.0f ms. Per phase: memory at its last\n"
	       "   sample (RAM used: the VM's, since before the guest), the device's throughput\n",
	       BALLOON_CHUNK >> 10, cfg->before_s, BALLOON_STEP >> 20,
	       cfg->inflate_s, cfg->after_s, BALLOON_TICK * 1000);
	balloon_boot(&r, base);
	balloon_timeline(&r);
	__atomic_store_n(&r.dev.stop, true, __ATOMIC_RELEASE);
	pthread_join(r.thread, NULL);
	balloon_print(&r, csv);
	balloon_check(&r, &b->check);

	ctx_close(&r.c);
	munmap(r.raw, r.raw_len);
	free(r.s);
	free(base);
}
