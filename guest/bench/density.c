// SPDX-License-Identifier: GPL-2.0
/*
 * Density: real overcommit. Guests are added one at a time to a host of a
 * fixed RAM until their memory is several times that RAM, each with a
 * device DMAing over a fixed working set. The figures: how many guests
 * run pinned and on demand, the aggregate DMA throughput of all of them at
 * each count N, and that no DMA failed and no byte was lost on the way.
 *
 * The host is this VM, shrunk to MemTotal / ram_div by a balloon of huge
 * pages (vm.nr_hugepages: memory nothing can use or reclaim), so that the
 * small sizes see a real host's pressure within seconds: global reclaim,
 * kswapd, and zram's compressed pool in the same RAM as the guests. "RAM"
 * is MemAvailable once the balloon is up: what the guests can have before
 * anything goes to swap, which is on zram (guest/init).
 *
 * A guest is a process with its own mock device and G MiB of anonymous
 * memory, mapped its peer's way: static (IOMMU_IOAS_MAP, pinned) or kernel
 * (IOMMU_IOAS_MAP_ON_DEMAND, the in-kernel page fault handler). As a
 * booting guest does, its CPU first writes all of it, with data that
 * compresses the way guest RAM does (zram's ratio is in the table): one
 * page in four free (zero but for a stamp), the others a quarter random
 * and the rest repeated text. Then, until killed, its device rewrites the
 * first W MiB chunk by chunk, and every chunk is checked a pass later,
 * before it is rewritten, by whoever the line says:
 *   static      pinned; the guest's CPU reads it
 *   kernel      on demand; the guest's CPU reads what its device wrote,
 *               as a guest does with what its NIC received
 *   kernel-dev  on demand; the device reads it back (memory to device):
 *               no CPU ever touches the working set
 * Every page carries a stamp (guest, pass, page): a stale page, another
 * guest's page or a zero page counts as lost bytes as much as a torn one.
 * Between a write and its check the page may have gone to swap and back.
 *
 * Each step adds one guest; the others keep running. While the newcomer
 * boots they hold their DMA (the boot is not what is measured, and it
 * keeps the run short under emulation); then the step waits until every
 * guest has gone once over its working set and the devices have gone a
 * quarter window without a page request (or three windows went by: when
 * the working sets do not fit that never happens), and measures the
 * aggregate over one window.
 *
 * What the figures mean:
 *  - static pins all of a guest at its map. Its guests drop CAP_IPC_LOCK
 *    and run under an RLIMIT_MEMLOCK of 3/4 of the RAM, so iommufd charges
 *    every pin to the user's locked_vm against that limit (with
 *    CAP_IPC_LOCK, which root has, iopt_alloc_pages() charges nothing):
 *    the map of the first guest past it fails with ENOMEM and the line
 *    ends there, where VFIO's would. No OOM kill: the guests run in a
 *    cgroup of their own, whose memory.events counts them (these kernels
 *    have no VM event counters, so /proc/vmstat has no oom_kill).
 *  - on demand runs past the RAM. The aggregate would grow with the first
 *    guests while CPUs are idle; under QEMU's -icount the two vCPUs take
 *    turns on one host thread and one guest is enough to fill them. It
 *    stays flat while the working sets stay in RAM, the cold memory going
 *    to zram (swap MiB, zram's ratio of data in to memory used), and bends
 *    down once N working sets and the compressed pool no longer fit: the
 *    devices then ask again for pages reclaim unmapped (req/s), and pages
 *    come back from swap (refault/s, workingset_refault_anon).
 *  - kernel against kernel-dev: reclaim ages pages by the accessed bits the
 *    CPU sets, and a DMA through the IOMMU sets none. When only the device
 *    uses its working set, reclaim takes those pages as readily as cold
 *    ones, and the bend comes as soon as the guests' memory passes the
 *    RAM, not where the working sets stop fitting.
 *
 * Sanity: more guests run on demand than pinned; pinning stopped at ENOMEM
 * and no OOM kill; no failed DMA, no lost byte, no guest lost at any N.
 */
#include "iopf_bench.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#define DENSITY_CHUNK	(256UL << 10)	/* bytes per DMA */
#define DENSITY_MAGIC	0x46504f49	/* "IOPF" */
#define DENSITY_TEXT	"guest kernel text, page cache, heap: compressible "
#define HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define DENSITY_CG	"/sys/fs/cgroup/iopf_bench"
#define ZRAM_MM_STAT	"/sys/block/zram0/mm_stat"

enum dg_state { DG_BOOTING, DG_RUNNING, DG_MAP_FAILED };

/* What one guest reports: written by that guest alone, read by the parent */
struct density_slot {
	int state;		/* enum dg_state */
	int map_errno;
	int dma_errno;		/* of the last DMA that failed */
	uint64_t bytes;		/* moved by the device */
	uint64_t requests;	/* page requests the device sent */
	uint64_t chunks;	/* of the working set, read back and written */
	uint64_t failed;	/* DMAs that returned an error */
	uint64_t lost;		/* bytes read back other than written */
};

/* MAP_SHARED between the parent and its guests; every field __atomic */
struct density_shared {
	int hold;		/* parent: stop DMA before the next chunk */
	struct density_slot slot[];
};

/* The stamp at the start of every page: whose, which pass, which page */
struct density_stamp {
	uint32_t magic;
	uint32_t guest;
	uint32_t pass;
	uint32_t page;
};

/* A guest's side: its memory and device, and the buffers of its DMA */
struct density_guest {
	struct guest g;
	struct density_slot *slot;
	const int *hold;
	unsigned int id;
	size_t page;
	size_t ws;		/* bytes of the working set */
	uint8_t *base;		/* a chunk of guest-like data, unstamped */
	uint8_t *put;		/* base stamped for the pass being written */
	uint8_t *got;		/* what the device read back */
	uint32_t *pass;		/* per chunk: the pass its data is from */
	bool cpu_reads;		/* the CPU checks; else the device reads back */
};

/*
 * A line of the table: a peer, and who reads the working set back. That
 * matters to reclaim: the CPU's accesses set the accessed bits it ages
 * pages by, a device's set none.
 */
struct density_line {
	const char *name;	/* in the table and the CSV */
	enum peer peer;
	bool cpu_reads;		/* the CPU checks; else the device reads back */
};

/*
 * Swap: in use, zram's data in and memory used, and anon pages come back
 * from swap (workingset_refault_anon: with no VM event counters in these
 * kernels there is no pswpin)
 */
struct density_swap {
	long used_kb;
	double zram_orig_mib;
	double zram_used_mib;
	long refaults;
};

/* The sizes of one run, and the guests of the line being run */
struct density_run {
	const struct density_cfg *cfg;
	size_t ram_mib;		/* MemAvailable with the balloon up */
	size_t total_mib;	/* MemTotal */
	size_t g_mib;		/* a guest's memory */
	size_t w_mib;		/* its device's working set */
	size_t memlock_mib;	/* RLIMIT_MEMLOCK of the static guests */
	size_t balloon_mib;
	long old_hugepages;	/* to give the balloon back; -1: none */
	unsigned int max_guests;
	struct density_shared *sh;
	size_t sh_len;
	pid_t *pids;		/* 0: reaped */
	uint64_t *mark;		/* each guest's chunks when the hold ended */
	struct density_swap base;	/* swap when the line started */
	unsigned int n;		/* guests forked */
	unsigned int died;	/* guests that went away on their own */
};

/* One step: N guests running, measured over the window */
struct density_step {
	unsigned int n;
	double mib_s;
	double req_s;
	double refault_s;	/* pages */
	double settle_s;	/* the wait for the steady state */
	uint64_t failed;	/* since the previous step */
	uint64_t lost;
	struct density_swap swap;	/* the line's own: since it started */
};

/* Sums over the guests of their counters */
struct density_totals {
	uint64_t bytes, requests, failed, lost;
};

static int write_str(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -1;
	rc = fputs(val, f) < 0;
	return fclose(f) || rc ? -1 : 0;
}

static int write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", val);
	return write_str(path, buf);
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long val = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/* The "KEY N" line of @path (/proc/vmstat, memory.events): N, or -1 */
static long read_key(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	size_t klen = strlen(key);
	char line[128];
	long n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ' &&
		    sscanf(line + klen, "%ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Swap as the host sees it: what is in it, what zram holds it in */
static void density_swap_read(struct density_swap *sw)
{
	FILE *f = fopen(ZRAM_MM_STAT, "r");
	unsigned long long orig = 0, compr = 0, used = 0;

	if (f) {
		if (fscanf(f, "%llu %llu %llu", &orig, &compr, &used) != 3)
			orig = used = 0;
		fclose(f);
	}
	sw->zram_orig_mib = orig / 1048576.0;
	sw->zram_used_mib = used / 1048576.0;
	sw->used_kb = proc_kb("/proc/meminfo", "SwapTotal") -
		      proc_kb("/proc/meminfo", "SwapFree");
	sw->refaults = read_key("/proc/vmstat", "workingset_refault_anon");
}

/*
 * One chunk of data that compresses the way guest RAM does, a few times
 * over on lzo-rle: one page in four free (zero), the others a quarter
 * random (xorshift: lzo finds nothing in it) and the rest repeated text.
 */
static void density_fill_base(uint8_t *base, size_t page, unsigned int seed)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (seed + 1);
	const char text[] = DENSITY_TEXT;
	size_t p, i;

	for (p = 0; p != DENSITY_CHUNK / page; p++) {
		uint8_t *pg = base + p * page;

		memset(pg, 0, page);
		if (p % 4 == 3)
			continue;
		for (i = 0; i + 8 <= page / 4; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(pg + i, &x, 8);
		}
		for (; i != page; i++)
			pg[i] = text[i % (sizeof(text) - 1)];
	}
}

/* Stamp every page of the chunk at @buf, page @first of the guest's memory */
static void density_stamp(const struct density_guest *dg, uint8_t *buf,
			  size_t first, uint32_t pass)
{
	struct density_stamp st = {
		.magic = DENSITY_MAGIC, .guest = dg->id, .pass = pass,
	};
	size_t p;

	for (p = 0; p != DENSITY_CHUNK / dg->page; p++) {
		st.page = first + p;
		memcpy(buf + p * dg->page, &st, sizeof(st));
	}
}

/*
 * Bytes of the chunk read back at @back that differ from what pass @pass
 * wrote there, page @first on: base data under each page's stamp.
 */
static uint64_t density_check(const struct density_guest *dg,
			      const uint8_t *back, size_t first, uint32_t pass)
{
	struct density_stamp st = {
		.magic = DENSITY_MAGIC, .guest = dg->id, .pass = pass,
	};
	uint64_t lost = 0;
	size_t p, i;

	for (p = 0; p != DENSITY_CHUNK / dg->page; p++) {
		const uint8_t *got = back + p * dg->page;
		const uint8_t *want = dg->base + p * dg->page;

		st.page = first + p;
		if (!memcmp(got, &st, sizeof(st)) &&
		    !memcmp(got + sizeof(st), want + sizeof(st),
			    dg->page - sizeof(st)))
			continue;
		for (i = 0; i != sizeof(st); i++)
			lost += got[i] != ((const uint8_t *)&st)[i];
		for (; i != dg->page; i++)
			lost += got[i] != want[i];
	}
	return lost;
}

/*
 * Let iommufd charge this process's pins to RLIMIT_MEMLOCK: with
 * CAP_IPC_LOCK (root has it) iopt_alloc_pages() charges nothing.
 */
static int density_drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	unsigned int i = CAP_TO_INDEX(CAP_IPC_LOCK);

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[i].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[i].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[i].inheritable &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data);
}

/*
 * Map the guest's memory its peer's way (static: under @memlock bytes of
 * RLIMIT_MEMLOCK), then write all of it with the CPU, working set last as
 * a guest sets up its device's buffers last: 0 or the map's errno.
 */
static int density_boot(struct density_guest *dg, enum peer peer,
			size_t len, size_t memlock)
{
	struct rlimit rl = { .rlim_cur = memlock, .rlim_max = memlock };
	size_t off = dg->ws;

	if (peer == P_STATIC &&
	    (setrlimit(RLIMIT_MEMLOCK, &rl) || density_drop_ipc_lock()))
		die("setrlimit/capset");
	if (guest_try_start(&dg->g, peer, len))
		return errno;
	do {
		off %= len;
		memcpy(dg->g.mem + off, dg->base, DENSITY_CHUNK);
		density_stamp(dg, dg->g.mem + off, off / dg->page, 0);
		off += DENSITY_CHUNK;
	} while (off != dg->ws);
	return 0;
}

/* Count a DMA that failed; the chunk's data is unknown until rewritten */
static void density_dma_failed(struct density_guest *dg)
{
	__atomic_store_n(&dg->slot->dma_errno, errno, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dg->slot->failed, 1, __ATOMIC_RELAXED);
}

/*
 * Chunk @c in pass @pass: check what the previous pass wrote there (the
 * CPU reads the guest's memory, or the device reads it back into @got),
 * then the device writes this pass's data.
 */
static void density_dma_chunk(struct density_guest *dg, size_t c,
			      uint32_t pass)
{
	size_t off = c * DENSITY_CHUNK, first = off / dg->page;
	const uint8_t *back = dg->got;
	uint64_t bytes = 0, lost = 0;
	uint32_t faults = 0;
	int rc = 0;

	if (dg->cpu_reads)
		back = dg->g.mem + off;
	else if (!(rc = dma(&dg->g.c, 0, MOCK_IOVA + off, DENSITY_CHUNK,
			    dg->got, &faults)))
		bytes += DENSITY_CHUNK;
	if (rc)
		density_dma_failed(dg);
	else if (dg->pass[c] != UINT32_MAX)
		lost = density_check(dg, back, first, dg->pass[c]);
	density_stamp(dg, dg->put, first, pass);
	dg->pass[c] = pass;
	if (dma(&dg->g.c, MOCK_DMA_WRITE, MOCK_IOVA + off, DENSITY_CHUNK,
		dg->put, &faults)) {
		density_dma_failed(dg);
		dg->pass[c] = UINT32_MAX;
	} else {
		bytes += DENSITY_CHUNK;
	}
	__atomic_add_fetch(&dg->slot->lost, lost, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dg->slot->requests, faults, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dg->slot->bytes, bytes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dg->slot->chunks, 1, __ATOMIC_RELAXED);
}

/*
 * A guest: boot, say so, then pass over the working set until killed. It
 * never exits on its own: the parent tells one the OOM killer took (or a
 * die()) from a live one by waitpid(), and kills them all at the end.
 */
static void __attribute__((noreturn))
density_guest_main(struct density_shared *sh, unsigned int id,
		   const struct density_line *l, const struct density_run *r)
{
	struct density_guest dg = {
		.slot = &sh->slot[id],
		.hold = &sh->hold,
		.id = id,
		.page = sysconf(_SC_PAGESIZE),
		.ws = r->w_mib << 20,
		.cpu_reads = l->cpu_reads,
	};
	uint32_t pass;
	char pid[16];
	size_t c;
	int err;

	dg.base = malloc(DENSITY_CHUNK);
	dg.put = malloc(DENSITY_CHUNK);
	dg.got = malloc(DENSITY_CHUNK);
	dg.pass = calloc(dg.ws / DENSITY_CHUNK, sizeof(*dg.pass));
	if (!dg.base || !dg.put || !dg.got || !dg.pass)
		die("malloc");
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	write_str(DENSITY_CG "/cgroup.procs", pid);
	density_fill_base(dg.base, dg.page, id);
	memcpy(dg.put, dg.base, DENSITY_CHUNK);
	err = density_boot(&dg, l->peer, r->g_mib << 20,
			   r->memlock_mib << 20);
	if (err) {
		dg.slot->map_errno = err;
		__atomic_store_n(&dg.slot->state, DG_MAP_FAILED,
				 __ATOMIC_RELEASE);
		for (;;)
			pause();
	}
	__atomic_store_n(&dg.slot->state, DG_RUNNING, __ATOMIC_RELEASE);
	for (pass = 1;; pass++) {
		for (c = 0; c != dg.ws / DENSITY_CHUNK; c++) {
			while (__atomic_load_n(dg.hold, __ATOMIC_ACQUIRE))
				usleep(5000);
			density_dma_chunk(&dg, c, pass);
		}
	}
}

/* Reap guests that went away on their own (the OOM killer, a die()) */
static void density_reap(struct density_run *r)
{
	unsigned int i;

	for (i = 0; i != r->n; i++) {
		if (r->pids[i] > 0 &&
		    waitpid(r->pids[i], NULL, WNOHANG) == r->pids[i]) {
			r->pids[i] = 0;
			r->died++;
		}
	}
}

/* Fork guest number r->n and wait until it runs: its state, or -1 if dead */
static int density_add(struct density_run *r, const struct density_line *l)
{
	unsigned int id = r->n;
	int st;

	r->pids[id] = fork();
	if (r->pids[id] < 0)
		die("fork");
	if (!r->pids[id])
		density_guest_main(r->sh, id, l, r);
	r->n++;
	for (;;) {
		st = __atomic_load_n(&r->sh->slot[id].state, __ATOMIC_ACQUIRE);
		density_reap(r);
		if (!r->pids[id] || r->died)
			return -1;
		if (st != DG_BOOTING)
			return st;
		usleep(10000);
	}
}

static void density_totals(const struct density_run *r,
			   struct density_totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i != r->n; i++) {
		const struct density_slot *s = &r->sh->slot[i];

		t->bytes += __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
		t->requests += __atomic_load_n(&s->requests, __ATOMIC_RELAXED);
		t->failed += __atomic_load_n(&s->failed, __ATOMIC_RELAXED);
		t->lost += __atomic_load_n(&s->lost, __ATOMIC_RELAXED);
	}
}

/* Guests still short of one lap over their working set since the mark */
static unsigned int density_behind(const struct density_run *r)
{
	uint64_t lap = (r->w_mib << 20) / DENSITY_CHUNK;
	unsigned int i, behind = 0;

	for (i = 0; i != r->n; i++)
		behind += __atomic_load_n(&r->sh->slot[i].chunks,
					  __ATOMIC_RELAXED) < r->mark[i] + lap;
	return behind;
}

/*
 * End the hold, and wait for the steady state the window measures: every
 * guest has gone once over its working set, and the devices sent no page
 * request for a quarter window. A boot leaves reclaim going for a while,
 * and each working set page it takes is faulted back, pushing out another
 * page, until only cold pages are left to take; when the working sets do
 * not fit (or reclaim cannot tell them from cold pages) that never ends,
 * and three windows are enough. The seconds it took, -1 if a guest died.
 */
static double density_settle(struct density_run *r)
{
	struct density_totals a, b;
	double t0 = now();
	unsigned int i;

	for (i = 0; i != r->n; i++)
		r->mark[i] = __atomic_load_n(&r->sh->slot[i].chunks,
					     __ATOMIC_RELAXED);
	__atomic_store_n(&r->sh->hold, 0, __ATOMIC_RELEASE);
	density_totals(r, &b);
	do {
		a = b;
		usleep(r->cfg->secs / 4 * 1e6);
		density_reap(r);
		if (r->died)
			return -1;
		density_totals(r, &b);
	} while ((density_behind(r) || b.requests != a.requests) &&
		 now() - t0 < 3 * r->cfg->secs);
	return now() - t0;
}

/*
 * The aggregate over the window, and what the line has in swap at its end
 * (not what earlier lines or the benchmark itself left there).
 */
static void density_measure(struct density_run *r, struct density_step *s,
			    struct density_totals *prev)
{
	struct density_totals a, b;
	struct density_swap sa, sb;
	double t0, t;

	density_swap_read(&sa);
	density_totals(r, &a);
	t0 = now();
	usleep(r->cfg->secs * 1e6);
	density_totals(r, &b);
	t = now() - t0;
	density_swap_read(&sb);
	s->mib_s = (b.bytes - a.bytes) / t / (1 << 20);
	s->req_s = (b.requests - a.requests) / t;
	s->refault_s = (sb.refaults - sa.refaults) / t;
	s->failed = b.failed - prev->failed;
	s->lost = b.lost - prev->lost;
	*prev = b;
	s->swap.used_kb = sb.used_kb - r->base.used_kb;
	s->swap.zram_orig_mib = sb.zram_orig_mib - r->base.zram_orig_mib;
	s->swap.zram_used_mib = sb.zram_used_mib - r->base.zram_used_mib;
}

static void density_print(const struct density_run *r,
			  const struct density_line *l,
			  const struct density_step *s, int map_errno,
			  FILE *csv)
{
	/* Below a MiB in swap the ratio is zram's bookkeeping, not data's */
	double ratio = s->swap.zram_orig_mib >= 1 ?
			       s->swap.zram_orig_mib / s->swap.zram_used_mib :
			       0;
	double mem = (double)s->n * r->g_mib / r->ram_mib;
	char zram[16] = "-";

	if (ratio)
		snprintf(zram, sizeof(zram), "%.1fx", ratio);
	if (map_errno)
		printf("%-10s %6u %9.2fx   map failed: %s (IOMMU_IOAS_MAP)\n",
		       l->name, s->n, mem, strerrorname_np(map_errno));
	else
		printf("%-10s %6u %9.2fx %7.1f %7.0f %9.0f %6llu %6llu %9ld %6s %6.1f\n",
		       l->name, s->n, mem, s->mib_s, s->req_s, s->refault_s,
		       (unsigned long long)s->failed,
		       (unsigned long long)s->lost, s->swap.used_kb >> 10,
		       zram, s->settle_s);
	fprintf(csv, "%s,%u,%zu,%.2f,%zu,%s,%zu,%.1f,%.1f,%llu,%llu,%ld,%.1f,%.1f,%.2f,%.2f\n",
		l->name, s->n, s->n * r->g_mib, s->mib_s, r->ram_mib,
		map_errno ? strerrorname_np(map_errno) : "ok", r->w_mib,
		s->req_s, s->refault_s, (unsigned long long)s->failed,
		(unsigned long long)s->lost, s->swap.used_kb >> 10,
		s->swap.zram_orig_mib, s->swap.zram_used_mib, ratio,
		s->settle_s);
}

/*
 * Kill every guest of the run, then wait for them (their exits, which free
 * what they have in swap, run side by side), and forget them
 */
static void density_stop(struct density_run *r)
{
	unsigned int i;

	for (i = 0; i != r->n; i++)
		if (r->pids[i] > 0)
			kill(r->pids[i], SIGKILL);
	for (i = 0; i != r->n; i++)
		if (r->pids[i] > 0)
			waitpid(r->pids[i], NULL, 0);
	r->n = 0;
	r->died = 0;
	memset(r->sh, 0, r->sh_len);
}

/* What one line came to */
struct density_result {
	unsigned int fits;	/* guests that ran */
	int map_errno;		/* of the map that ended the line, or 0 */
	int dma_errno;		/* of a DMA that failed, or 0 */
	uint64_t failed, lost;
	unsigned int died;
};

/*
 * The end of a line: count what failed or was lost after its last window
 * too, then kill its guests.
 */
static void density_end_line(struct density_run *r,
			     const struct density_line *l,
			     const struct density_totals *prev,
			     struct density_result *res)
{
	struct density_totals t;
	unsigned int i;

	density_reap(r);
	density_totals(r, &t);
	res->failed += t.failed - prev->failed;
	res->lost += t.lost - prev->lost;
	for (i = 0; i != r->n; i++)
		res->dma_errno = res->dma_errno ?: r->sh->slot[i].dma_errno;
	res->died = r->died;
	if (r->died)
		printf("%-10s %u guests went away on their own (the OOM killer?)\n",
		       l->name, r->died);
	if (res->failed)
		printf("%-10s %llu DMAs failed, one with %s\n", l->name,
		       (unsigned long long)res->failed,
		       strerrorname_np(res->dma_errno));
	density_stop(r);
}

/*
 * One line: add guests until their memory is overcommit x RAM, a map
 * fails, or swap could not take another guest.
 */
static void density_run_line(struct density_run *r,
			     const struct density_line *l, FILE *csv,
			     struct density_result *res)
{
	struct density_totals prev = {};
	unsigned int n;

	density_swap_read(&r->base);
	for (n = 1; n <= r->max_guests; n++) {
		struct density_step s = { .n = n };
		int st;

		if (proc_kb("/proc/meminfo", "SwapFree") >> 10 <
		    (long)r->g_mib) {
			printf("%-10s %6u   not started: swap is full\n",
			       l->name, n);
			break;
		}
		__atomic_store_n(&r->sh->hold, 1, __ATOMIC_RELEASE);
		st = density_add(r, l);
		if (st == DG_MAP_FAILED) {
			res->map_errno = r->sh->slot[n - 1].map_errno;
			density_print(r, l, &s, res->map_errno, csv);
			break;
		}
		if (st < 0 || (s.settle_s = density_settle(r)) < 0)
			break;
		density_measure(r, &s, &prev);
		density_print(r, l, &s, 0, csv);
		res->failed += s.failed;
		res->lost += s.lost;
		res->fits = n;
	}
	density_end_line(r, l, &prev, res);
}

/*
 * Shrink the VM to 1/ram_div of MemTotal with a balloon of huge pages,
 * then size the guests from the RAM that is left.
 */
static void density_size(struct density_run *r, const struct density_cfg *d)
{
	long total = proc_kb("/proc/meminfo", "MemTotal");
	long avail = proc_kb("/proc/meminfo", "MemAvailable");
	long huge_kb = proc_kb("/proc/meminfo", "Hugepagesize");
	long want = total / d->ram_div;

	r->cfg = d;
	r->total_mib = total >> 10;
	r->old_hugepages = read_long(HUGEPAGES);
	if (d->ram_div > 1 && huge_kb > 0 && r->old_hugepages >= 0 &&
	    avail > want + huge_kb) {
		if (write_long(HUGEPAGES, r->old_hugepages +
						  (avail - want) / huge_kb))
			fprintf(stderr, "iopf_bench: density: no balloon: %s: %s\n",
				HUGEPAGES, strerror(errno));
		r->balloon_mib = (read_long(HUGEPAGES) - r->old_hugepages) *
				 huge_kb >> 10;
	}
	r->ram_mib = proc_kb("/proc/meminfo", "MemAvailable") >> 10;
	r->g_mib = r->ram_mib / d->guest_div ?: 1;
	r->w_mib = r->g_mib / d->ws_div ?: 1;
	r->memlock_mib = r->ram_mib * 3 / 4;
	r->max_guests = d->overcommit * r->ram_mib / r->g_mib;
}

static void density_header(const struct density_run *r, FILE *csv)
{
	printf("\n== Density: guests added one by one until their memory is %ux the RAM; swap on zram ==\n",
	       r->cfg->overcommit);
	printf("   RAM: %zu MiB available to the guests", r->ram_mib);
	if (r->balloon_mib)
		printf(" (a balloon of %zu MiB of huge pages holds the rest of the VM's %zu MiB)",
		       r->balloon_mib, r->total_mib);
	printf("\n   a guest: %zu MiB, all written by its CPU as it boots; then its device rewrites a\n"
	       "   %zu MiB working set in %lu KiB DMAs, each checked a pass later; %.1f s measured per step\n",
	       r->g_mib, r->w_mib, DENSITY_CHUNK >> 10, r->cfg->secs);
	printf("   static      pinned, RLIMIT_MEMLOCK %zu MiB (3/4 of RAM), no CAP_IPC_LOCK; the CPU checks\n"
	       "   kernel      on demand; the guest's CPU checks what its device wrote (a receive path)\n"
	       "   kernel-dev  on demand; the device reads back, no CPU touches the working set\n",
	       r->memlock_mib);
	printf("%-10s %6s %10s %7s %7s %9s %6s %6s %9s %6s %6s\n", "peer",
	       "guests", "memory/RAM", "MiB/s", "req/s", "refault/s", "failed",
	       "lost B", "swap MiB", "zram", "settle");
	fprintf(csv, "peer,guests,guests_mib,aggregate_mib_s,ram_mib,map,ws_mib,requests_per_s,refaults_per_s,failed_dmas,lost_bytes,swap_used_mib,zram_orig_mib,zram_used_mib,zram_ratio,settle_s\n");
}

/*
 * Density: guests pinned and on demand, added until their memory is
 * several times the RAM, with the aggregate throughput of their devices.
 */
void bench_density(struct bench *b, FILE *csv)
{
	static const struct density_line lines[] = {
		{ "static", P_STATIC, true },
		{ "kernel", P_KERNEL, true },
		{ "kernel-dev", P_KERNEL, false },
	};
	enum { L_NR = sizeof(lines) / sizeof(lines[0]) };
	struct density_result res[L_NR] = {}, all = {};
	struct density_run r = {};
	unsigned int i;
	long oom;

	/*
	 * The guests run in a cgroup of their own, without limits, for its
	 * memory.events: oom_kill there counts the OOM killer's victims among
	 * them (these kernels have no VM event counters, so /proc/vmstat has
	 * no oom_kill).
	 */
	mkdir(DENSITY_CG, 0755);
	write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	oom = read_key(DENSITY_CG "/memory.events", "oom_kill");
	density_size(&r, &b->density);
	r.sh_len = sizeof(*r.sh) + r.max_guests * sizeof(r.sh->slot[0]);
	r.sh = mmap(NULL, r.sh_len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r.pids = calloc(r.max_guests, sizeof(*r.pids));
	r.mark = calloc(r.max_guests, sizeof(*r.mark));
	if (r.sh == MAP_FAILED || !r.pids || !r.mark)
		die("density: mmap/calloc");
	density_header(&r, csv);
	for (i = 0; i != L_NR; i++) {
		density_run_line(&r, &lines[i], csv, &res[i]);
		all.failed += res[i].failed;
		all.lost += res[i].lost;
		all.died += res[i].died;
	}
	if (oom >= 0)
		oom = read_key(DENSITY_CG "/memory.events", "oom_kill") - oom;
	rmdir(DENSITY_CG);
	if (r.balloon_mib)
		write_long(HUGEPAGES, r.old_hugepages);

	printf("fit: static %u guests, on demand %u guests (kernel-dev: %u)\n",
	       res[0].fits, res[1].fits, res[2].fits);
	printf("density: static stopped at %s; %llu failed DMAs, %llu lost bytes, %u guests lost, ",
	       res[0].map_errno ? strerrorname_np(res[0].map_errno) :
				  "no error",
	       (unsigned long long)all.failed, (unsigned long long)all.lost,
	       all.died);
	if (oom >= 0)
		printf("%ld OOM kills\n", oom);
	else
		printf("OOM kills not known (no memory cgroup)\n");
	b->check.density_more = res[1].fits > res[0].fits &&
				res[2].fits > res[0].fits;
	b->check.density_no_loss = !all.failed && !all.lost && !all.died;
	b->check.density_pin_enomem = res[0].map_errno == ENOMEM &&
				      oom <= 0 && !res[0].died;
	munmap(r.sh, r.sh_len);
	free(r.pids);
	free(r.mark);
}
