// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration of a guest whose device keeps doing DMA: what on-demand
 * mappings change for the VMM, in its two phases.
 *
 * Pre-copy sends guest memory while the guest runs, round after round, each
 * round resending what was written since the last one, until what is left
 * is small enough to stop the guest for. What the device wrote the VMM
 * learns from IOMMU_HWPT_GET_DIRTY_BITMAP. Without dirty bits in the IOMMU
 * it must take every page mapped for the device as written, in every round;
 * for a pinned guest that is all of it, and pre-copy never converges. On
 * demand the kernel tracks by write faults instead
 * (IOMMU_HW_CAP_DIRTY_TRACKING_IOPF, on a hwpt allocated without dirty
 * bits): enabling tracking write-protects every translation, a device write
 * faults and marks its page, and each read of the bitmap write-protects
 * again the pages it reports. The figure: a guest whose device first wrote
 * all of it, so that all of it is mapped writable (the worst case for
 * "everything mapped is dirty"), then rounds in which the device writes a
 * random 1% of its pages. Per round, what each way says to resend, and the
 * guest time of the bitmap read, which the VMM pays every round.
 *
 * Post-copy starts the guest on the destination before its memory is
 * there: the VMM registers guest memory with a userfaultfd and provides
 * each page when something touches it, while a background transfer pushes
 * the rest in order. QEMU refuses post-copy with VFIO devices, whose memory
 * must be pinned and so present. On demand, a page request for a missing
 * page of a userfaultfd range waits for the VMM the way a vCPU fault does
 * (it was answered INVALID before). The figure: the time for the device to
 * read a whole buffer that is
 *   present      all there before the DMA, no userfaultfd: the baseline
 *   demand       missing: each page arrives when the device's page request
 *                raises a userfault and the VMM's thread provides it
 *   demand+push  the same while a second thread pushes pages in order from
 *                the start, as QEMU's background post-copy transfer does
 * with the page requests the device raised and the userfaults served. The
 * buffers are MADV_NOHUGEPAGE, as QEMU makes guest RAM for post-copy:
 * UFFDIO_COPY places 4 KiB pages, and the present run must map the same.
 *
 * Sanity: every bitmap read reports exactly the pages the device wrote that
 * round, and less than everything mapped; every post-copy run moved the
 * source's bytes, and the demand run waited for the VMM at least once.
 */
#include "iopf_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#define PRECOPY_PERCENT	1	/* of the guest's pages the device writes per round */
#define PRECOPY_CHUNK	(1UL << 20)	/* bytes per DMA of the first, full write */

static uint64_t hw_capabilities(struct ctx *c)
{
	struct iommu_hw_info info = {
		.size = sizeof(info),
		.dev_id = c->idev_id,
	};

	if (ioctl(c->fd, IOMMU_GET_HW_INFO, &info))
		die("IOMMU_GET_HW_INFO");
	return info.out_capabilities;
}

static void set_dirty_tracking(struct ctx *c, bool on)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = c->hwpt_id,
	};

	if (ioctl(c->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd))
		die("IOMMU_HWPT_SET_DIRTY_TRACKING");
}

/*
 * The VMM's read of what the device wrote over the first @len of the IOVA,
 * one bit per page, cleared (and write-protected again) as it is read; the
 * guest time the call took. The kernel only sets bits: @bitmap is zeroed
 * first, outside the time.
 */
static double read_dirty(struct ctx *c, size_t len, uint64_t *bitmap)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = c->hwpt_id,
		.iova = MOCK_IOVA,
		.length = len,
		.page_size = c->page_size,
		.data = (uintptr_t)bitmap,
	};
	double t0;

	memset(bitmap, 0, (len / c->page_size + 63) / 64 * sizeof(*bitmap));
	t0 = now();
	if (ioctl(c->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd))
		die("IOMMU_HWPT_GET_DIRTY_BITMAP");
	return now() - t0;
}

static size_t bitmap_weight(const uint64_t *bitmap, size_t words)
{
	size_t i, n = 0;

	for (i = 0; i != words; i++)
		n += __builtin_popcountll(bitmap[i]);
	return n;
}

/*
 * Pre-copy: a guest of @guest_mib written in full by its device, then
 * @rounds rounds of 1% random page writes, each followed by the VMM's read
 * of the dirty bitmap.
 */
static void precopy(struct bench *b, FILE *csv)
{
	const struct migration_cfg *m = &b->migration;
	struct sanity *check = &b->check;
	size_t len = m->guest_mib << 20, off, words, per_round;
	size_t npages, tracked_sum = 0, written_sum = 0;
	uint64_t *written, *reported;
	unsigned int seed = 1, round;
	uint32_t requests = 0;
	uint8_t *data;
	struct guest g;

	guest_start(&g, P_KERNEL, len);
	npages = len / g.c.page_size;
	words = (npages + 63) / 64;
	per_round = npages * PRECOPY_PERCENT / 100 ?: 1;
	written = calloc(words, sizeof(*written));
	reported = calloc(words, sizeof(*reported));
	data = malloc(PRECOPY_CHUNK);
	if (!written || !reported || !data)
		die("calloc");

	printf("\n== Pre-copy: a %zu MiB guest, its device writes %u%% of its pages per round (%zu pages) ==\n",
	       m->guest_mib, PRECOPY_PERCENT, per_round);
	printf("   tracked: what IOMMU_HWPT_GET_DIRTY_BITMAP says to resend, tracking by write faults;\n");
	printf("   all mapped: what a VMM resends when every page mapped for the device counts as\n");
	printf("   dirty (IOMMU_IOAS_IOPF_STATS mapped: all of the guest, its device wrote it all first);\n");
	printf("   read: the guest time of the bitmap read (and clear)\n");
	fprintf(csv, "round,written_pages,tracked_bytes,all_mapped_bytes,ratio,read_us\n");
	check->precopy_exact = false;
	check->precopy_less = false;
	if (!(hw_capabilities(&g.c) & IOMMU_HW_CAP_DIRTY_TRACKING_IOPF)) {
		printf("no IOMMU_HW_CAP_DIRTY_TRACKING_IOPF on the mock device: skipped\n");
		goto out;
	}

	/* Everything mapped writable, before tracking starts */
	memset(data, 0x5a, PRECOPY_CHUNK);
	for (off = 0; off < len; off += PRECOPY_CHUNK)
		if (dma(&g.c, MOCK_DMA_WRITE, MOCK_IOVA + off,
			len - off < PRECOPY_CHUNK ? len - off : PRECOPY_CHUNK,
			data, NULL))
			die("IOMMU_TEST_OP_DMA first write");
	set_dirty_tracking(&g.c, true);

	printf("%5s %8s %12s %15s %8s %9s\n", "round", "written",
	       "tracked KiB", "all mapped KiB", "ratio", "read us");
	check->precopy_exact = true;
	check->precopy_less = true;
	for (round = 1; round <= m->rounds; round++) {
		uint64_t tracked, all_mapped;
		size_t n = 0, i;
		double secs;

		memset(written, 0, words * sizeof(*written));
		memset(data, round, g.c.page_size);
		while (n != per_round) {
			size_t page = rand_r(&seed) % npages;

			if (written[page / 64] & (1ULL << (page % 64)))
				continue;
			written[page / 64] |= 1ULL << (page % 64);
			n++;
			if (dma(&g.c, MOCK_DMA_WRITE,
				MOCK_IOVA + page * g.c.page_size,
				g.c.page_size, data, &requests))
				die("IOMMU_TEST_OP_DMA page write");
		}
		all_mapped = guest_mapped_pages(&g) * g.c.page_size;
		secs = read_dirty(&g.c, len, reported);
		tracked = bitmap_weight(reported, words) * g.c.page_size;
		for (i = 0; i != words; i++)
			if (reported[i] != written[i])
				check->precopy_exact = false;
		if (!(tracked < all_mapped))
			check->precopy_less = false;
		tracked_sum += tracked / g.c.page_size;
		written_sum += n;

		printf("%5u %8zu %12llu %15llu %7.1fx %9.1f\n", round, n,
		       (unsigned long long)tracked >> 10,
		       (unsigned long long)all_mapped >> 10,
		       tracked ? (double)all_mapped / tracked : 0.0,
		       secs * 1e6);
		fprintf(csv, "%u,%zu,%llu,%llu,%.3f,%.3f\n", round, n,
			(unsigned long long)tracked,
			(unsigned long long)all_mapped,
			tracked ? (double)all_mapped / tracked : 0.0,
			secs * 1e6);
	}
	set_dirty_tracking(&g.c, false);
	/* What tracking costs the device: a fault per page first written */
	printf("pre-copy: %zu pages written over %u rounds, %zu reported; the writes took %u page requests\n",
	       written_sum, m->rounds, tracked_sum, requests);
out:
	free(data);
	free(reported);
	free(written);
	guest_stop(&g);
}

enum pc_run { PC_PRESENT, PC_DEMAND, PC_PUSH, PC_NR };

static const char *const pc_names[PC_NR] = {
	"present", "demand", "demand+push",
};

/* The VMM's side of one post-copy run: its userfaultfd and its threads */
struct postcopy_vmm {
	int uffd;
	uint8_t *dst;		/* the guest's memory, registered */
	const uint8_t *src;	/* what it holds on the source */
	size_t len;
	long page_size;
	/* Shared with the threads: __atomic */
	bool stop;
	unsigned long events;	/* userfaults served */
	unsigned long pushed;	/* pages the push thread placed */
};

/* What one run measured */
struct postcopy_res {
	double secs;
	uint32_t requests;
	unsigned long events;
	unsigned long pushed;
	bool ok;		/* the device read the source's bytes */
};

/*
 * A userfaultfd for missing pages of [mem, mem + len), or -1 if the kernel
 * has none (CONFIG_USERFAULTFD)
 */
static int uffd_open(void *mem, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)mem, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int uffd;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		return -1;
	if (ioctl(uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	return uffd;
}

/*
 * Place the source's page at @page, waking whatever waits on it; false if
 * the other thread had placed it already (EEXIST). UFFDIO_COPY wakes only
 * when it placed the page, so on EEXIST wake the range anyway, as the
 * kernel's userfaultfd selftests do: a fault on it must not wait on which
 * thread won.
 */
static bool place_page(struct postcopy_vmm *v, uintptr_t page)
{
	struct uffdio_copy copy = {
		.dst = page,
		.src = (uintptr_t)v->src + (page - (uintptr_t)v->dst),
		.len = v->page_size,
	};
	struct uffdio_range wake = { .start = page, .len = v->page_size };

	if (!ioctl(v->uffd, UFFDIO_COPY, &copy))
		return true;
	if (errno != EEXIST)
		die("UFFDIO_COPY");
	if (ioctl(v->uffd, UFFDIO_WAKE, &wake))
		die("UFFDIO_WAKE");
	return false;
}

/* The VMM's userfault thread: provides each page something touched */
static void *postcopy_serve(void *arg)
{
	struct postcopy_vmm *v = arg;
	struct pollfd pfd = { .fd = v->uffd, .events = POLLIN };
	struct uffd_msg msg;

	while (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		if (read(v->uffd, &msg, sizeof(msg)) != sizeof(msg)) {
			/* The fault went away: the push thread placed its page */
			if (errno == EAGAIN)
				continue;
			die("read userfaultfd");
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		__atomic_add_fetch(&v->events, 1, __ATOMIC_RELAXED);
		place_page(v, msg.arg.pagefault.address &
			      ~(uint64_t)(v->page_size - 1));
	}
	return NULL;
}

/* The background transfer: every page in order from the start */
static void *postcopy_push(void *arg)
{
	struct postcopy_vmm *v = arg;
	size_t off;

	for (off = 0; off < v->len; off += v->page_size) {
		if (__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE))
			break;
		if (place_page(v, (uintptr_t)v->dst + off))
			__atomic_add_fetch(&v->pushed, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * One post-copy run on fresh memory and a fresh device: the device reads
 * all of @len into @out, timed from its start to its completion. False if
 * the run could not be made (no userfaultfd).
 */
static bool postcopy_run(enum pc_run run, const uint8_t *src, uint8_t *out,
			 size_t len, struct postcopy_res *res)
{
	struct postcopy_vmm v = { .src = src, .len = len };
	pthread_t serve, push;
	struct guest g;
	double t0;
	int rc;

	memset(res, 0, sizeof(*res));
	guest_start(&g, P_KERNEL, len);
	if (madvise(g.mem, len, MADV_NOHUGEPAGE))
		die("madvise MADV_NOHUGEPAGE");
	v.dst = g.mem;
	v.page_size = g.c.page_size;
	if (run == PC_PRESENT) {
		memcpy(g.mem, src, len);
	} else {
		v.uffd = uffd_open(g.mem, len);
		if (v.uffd < 0) {
			fprintf(stderr, "iopf_bench: userfaultfd: %s\n",
				strerror(errno));
			guest_stop(&g);
			return false;
		}
		if (pthread_create(&serve, NULL, postcopy_serve, &v))
			die("pthread_create");
	}
	memset(out, 0, len);

	t0 = now();
	if (run == PC_PUSH && pthread_create(&push, NULL, postcopy_push, &v))
		die("pthread_create");
	rc = dma(&g.c, 0, MOCK_IOVA, len, out, &res->requests);
	res->secs = now() - t0;
	if (rc)
		fprintf(stderr, "iopf_bench: IOMMU_TEST_OP_DMA post-copy %s: %s\n",
			pc_names[run], strerror(errno));
	res->ok = !rc && !memcmp(out, src, len);

	if (run != PC_PRESENT) {
		/* A failed DMA leaves the rest to push: stop it there */
		__atomic_store_n(&v.stop, rc != 0, __ATOMIC_RELEASE);
		if (run == PC_PUSH)
			pthread_join(push, NULL);
		__atomic_store_n(&v.stop, true, __ATOMIC_RELEASE);
		pthread_join(serve, NULL);
		close(v.uffd);
		res->events = v.events;
		res->pushed = v.pushed;
	}
	guest_stop(&g);
	return true;
}

/* Post-copy: one device read of @postcopy_mib, present, on demand, pushed */
static void postcopy(struct bench *b, FILE *csv)
{
	const struct migration_cfg *m = &b->migration;
	struct sanity *check = &b->check;
	size_t len = m->postcopy_mib << 20, ps = sysconf(_SC_PAGESIZE), i;
	struct postcopy_res res[PC_NR];
	uint8_t *src = malloc(len), *out = malloc(len);
	enum pc_run run;

	if (!src || !out)
		die("malloc");
	/* Changes from page to page: a missing or misplaced page shows */
	for (i = 0; i != len; i++)
		src[i] = i / ps * 7 + i % 251 + 1;

	printf("\n== Post-copy: the device reads %zu MiB as it arrives through a userfaultfd (4 KiB pages) ==\n",
	       m->postcopy_mib);
	printf("   present: all there before the DMA, no userfaultfd; demand: a page arrives when the\n");
	printf("   device's page request raises a userfault; demand+push: the same while a thread\n");
	printf("   pushes pages in order from the start (QEMU's background transfer)\n");
	printf("%-12s %12s %8s %9s %12s\n", "run", "time us", "ratio",
	       "requests", "uffd events");
	fprintf(csv, "run,time_us,ratio,requests,uffd_events\n");
	check->postcopy_complete = true;
	check->postcopy_waited = false;
	for (run = 0; run != PC_NR; run++) {
		double ratio;

		if (!postcopy_run(run, src, out, len, &res[run])) {
			printf("%-12s no userfaultfd in this kernel: skipped\n",
			       pc_names[run]);
			check->postcopy_complete = false;
			continue;
		}
		ratio = res[run].secs / res[PC_PRESENT].secs;
		printf("%-12s %12.0f %7.2fx %9u %12lu%s\n", pc_names[run],
		       res[run].secs * 1e6, ratio, res[run].requests,
		       res[run].events, res[run].ok ? "" : "  data wrong");
		fprintf(csv, "%s,%.3f,%.3f,%u,%lu\n", pc_names[run],
			res[run].secs * 1e6, ratio, res[run].requests,
			res[run].events);
		if (!res[run].ok)
			check->postcopy_complete = false;
		if (run == PC_DEMAND && res[run].events)
			check->postcopy_waited = true;
	}
	if (check->postcopy_complete)
		printf("demand+push: the push thread placed %lu of %zu pages\n",
		       res[PC_PUSH].pushed, len / ps);
	free(out);
	free(src);
}

/* Two figures, two CSV blocks: precopy (main.c names it), then postcopy */
void bench_migration(struct bench *b, FILE *csv)
{
	precopy(b, csv);
	csv_next_block(csv, "postcopy");
	postcopy(b, csv);
}
