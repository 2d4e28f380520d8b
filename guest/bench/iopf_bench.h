/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iopf_bench - DMA paging policies side by side, on the iommufd mock device.
 *
 * Runs in the guest of "make demo". Every peer gets the same mock device,
 * the same fresh memory and the same DMA work; only how the IOVA gets its
 * translation differs:
 *
 *   static     IOMMU_IOAS_MAP: pinned and mapped up front (VFIO today)
 *   premap1    on demand, one page per fault (the RFC's pre-map 1)
 *   window512  on demand, a fixed 512-page window (the RFC's pre-map 512)
 *   userspace  faults delivered to a fault object, resolved by a VMM thread
 *              that maps the page with IOMMU_IOAS_MAP and answers
 *   kernel     on demand, the in-kernel handler's default (adaptive) policy
 *
 * The device model: IOMMU_TEST_OP_DMA copies every byte (memcpy in the
 * kernel) through the mock IOMMU's translation, in 2 KiB IO pages.
 *
 * Output: tables on stdout, then each section's CSV between "csv-begin NAME"
 * and "csv-end" lines that the host splits into files. With --tap, also TAP
 * lines checking that the figures are sane (make check's smoke run).
 *
 * The files:
 *   device.c      the iommufd, IOAS and mock device; ioctl wrappers, helpers
 *   peers.c       a "guest" mapped one peer's way; the userspace resolver
 *   table.c       the RFC's table: message size x sends, on the mock and,
 *                 where the VM has it, on intel-iommu with iopf-testdev
 *   testdev.c     QEMU's iopf-testdev through VFIO: the real-driver device
 *   sparse.c      sparse DMA: what gets mapped that is never touched
 *   fault_cost.c  the cost of one page, against a CPU fault and a pin+map
 *   stages.c      one page request stage by stage, from trace events
 *   startup.c     time to map guest memory, iommufd and VFIO type1
 *   density.c     overcommit: guests until their memory is several times
 *                 the RAM, aggregate throughput, nothing lost
 *   migration.c   live migration: pre-copy's dirty pages by write faults,
 *                 post-copy's pages provided through a userfaultfd
 *   balloon.c     a guest frees half its memory while its device keeps
 *                 DMAing to the other half: memory and throughput over time
 *   goals.c       the goals against what the sections measured
 *   output.c      CSV blocks and the TAP verdict
 *   main.c        options, and the sections in order
 *
 * Every section takes the run's struct bench: its parameters, the sanity
 * figures it fills in for the TAP verdict, and those the goals are judged
 * by.
 */
#ifndef IOPF_BENCH_H
#define IOPF_BENCH_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#define MOCK_IOVA MOCK_APERTURE_START

enum peer { P_STATIC, P_PREMAP1, P_WINDOW512, P_USERSPACE, P_KERNEL, P_NR };

/* The sections, in the order they run (main.c) */
enum section_id {
	S_TABLE, S_TABLE_VTD, S_SPARSE, S_FAULT_COST, S_STAGES, S_STARTUP,
	S_DENSITY, S_MIGRATION, S_BALLOON, S_NR
};
extern const char *const peer_names[P_NR];

/* QEMU's iopf-testdev, given to vfio-pci (testdev.c) */
struct testdev {
	char bdf[32];
	char cdev[96];		/* /dev/vfio/devices/vfioN */
};

/*
 * One iommufd with one IOAS and one device attached to it: the mock, or
 * iopf-testdev through its VFIO cdev when @dev is set.
 */
struct ctx {
	int fd;
	uint32_t ioas_id;
	uint32_t stdev_id;
	uint32_t hwpt_id;
	uint32_t idev_id;
	long page_size;
	const struct testdev *dev;
	int dev_fd;
	volatile uint8_t *bar;
	size_t bar_size;
};

/* A resolver thread standing for a VMM that handles faults in userspace */
struct resolver {
	struct ctx *c;
	int fault_fd;
	uint8_t *mem;
	uint64_t iova;
	size_t len;
	bool stop;	/* __atomic */
	unsigned long mapped;	/* pages this resolver mapped */
	/*
	 * stages.c: when @max_stamps (__atomic) is set, the times (now()) at
	 * which the first @max_stamps groups were read and mapped
	 */
	struct resolver_stamp {
		double read;
		double mapped;
	} *stamps;
	unsigned int max_stamps;
	unsigned int nr_stamps;
};

/*
 * A "guest" for one peer: fresh memory of @len mapped the peer's way, with
 * the userspace resolver running if it needs one.
 */
struct guest {
	struct ctx c;
	enum peer peer;
	uint8_t *mem;
	size_t len;
	struct resolver r;
	pthread_t thread;
	double map_secs;
};

/* What the sections found, for the TAP verdict (output.c) */
struct sanity {
	bool ran[S_NR];		/* --sections: which ran */
	unsigned long static_requests;
	unsigned long ondemand_requests;
	unsigned long userspace_requests;
	unsigned int default_worse;
	bool costs_positive;
	bool cpu_faults_real;
	bool faults_cost_more;
	bool nested_s2_only;	/* fault cost: nested samples, stage 2 each */
	bool huge_data_ok;	/* table: the huge-IOVA send's bytes arrived */
	bool huge_thp;		/* and its memory was all THP */
	unsigned int huge_requests;
	bool prefetch_data_ok;	/* table: the prefetched send's bytes arrived */
	unsigned int prefetch_requests;	/* and its page requests */
	bool stages_complete;	/* nine in ten samples traced complete */
	bool stages_positive;
	bool startup_faster;
	bool enable_unpins;
	bool density_more;
	bool density_no_loss;	/* no failed DMA, lost byte or lost guest */
	bool density_pin_enomem;	/* pinning stopped at ENOMEM, no OOM kill */
	long pinned_after_kb;
	bool precopy_exact;	/* each bitmap read: the pages written, no more */
	bool precopy_less;	/* tracked below all mapped, every round */
	bool postcopy_complete;	/* every run: the source's bytes arrived */
	bool postcopy_waited;	/* demand: the VMM served userfaults */
	bool balloon_drops;	/* RSS + swap after: about half of before */
	bool balloon_no_failure;	/* no failed DMA, no wrong byte */
	bool vtd_ran;		/* the VM has iopf-testdev */
	unsigned long vtd_static_requests;
	unsigned long vtd_ondemand_requests;
	unsigned long vtd_userspace_requests;
};

/*
 * Density: the VM shrunk to MemTotal / @ram_div by a balloon (1: all of
 * it), guests of 1/@guest_div of what is left with a working set of
 * 1/@ws_div of that, added until their memory is @overcommit times it.
 */
struct density_cfg {
	unsigned int ram_div;
	unsigned int guest_div;
	unsigned int ws_div;
	unsigned int overcommit;
	double secs;		/* the window measured after each guest joins */
};

/*
 * Migration: pre-copy of a guest of @guest_mib over @rounds rounds, and
 * post-copy of a buffer of @postcopy_mib
 */
struct migration_cfg {
	size_t guest_mib;
	unsigned int rounds;
	size_t postcopy_mib;
};

/*
 * Balloon: a guest of @guest_mib whose device DMAs to its upper half for
 * @before_s, while the lower half is freed over @inflate_s, and @after_s
 */
struct balloon_cfg {
	size_t guest_mib;
	double before_s;
	double inflate_s;
	double after_s;
};

/* The stages of one page request the goals read: stages.c's columns */
enum stage_path { SP_KERNEL_FRESH, SP_KERNEL_PRESENT, SP_VMM_FRESH,
		  SP_VMM_PRESENT, SP_NR };

/*
 * What the goals are judged by (goals.c), as the sections measured
 * it; a figure stays 0 when its section did not run or could not measure
 */
struct goal_figures {
	double service_us[SP_NR];	/* stages: handler has it -> response */
	double cpu_fault_us;
	const char *dominant;	/* the largest stage of the kernel's fresh path */
	double dominant_us;
	double fresh_total_us;	/* that path, send -> resume */
	uint32_t cold_requests;	/* table: the kernel peer, 10 MiB x 1 send */
	double huge_per_2mib;	/* table_huge: page requests per 2 MiB */
	unsigned int steady_sends;	/* table: the most sends of 10 MiB */
	double steady_ratio;	/* time(static) / time(kernel) at those */
};

/* One run: set by main() from the options, read by every section */
struct bench {
	unsigned int sends_scale;	/* the RFC table's sends divided by */
	unsigned int samples;		/* per-page cost samples */
	size_t max_mib;			/* largest start-up map */
	struct density_cfg density;
	struct migration_cfg migration;
	struct balloon_cfg balloon;
	struct sanity check;
	struct goal_figures goals;
	bool has_vtd;			/* testdev_find() found it */
	struct testdev vtd;
};

/* device.c */
double now(void);
void die(const char *what);
int ioas_map(struct ctx *c, void *uptr, size_t len, uint64_t iova,
	     uint32_t extra);
int ioas_unmap(struct ctx *c, uint64_t iova, size_t len);
void set_prefault(struct ctx *c, uint64_t pages);
int dma(struct ctx *c, uint32_t flags, uint64_t iova, size_t len,
	void *uptr, uint32_t *faults);
void iopf_stats(struct ctx *c, struct iommu_ioas_iopf_stats *st);
void ctx_open(struct ctx *c);
void ctx_open_on(struct ctx *c, const struct testdev *dev);
void ctx_open_huge(struct ctx *c);
void ctx_close(struct ctx *c);
int cmp_double(const void *a, const void *b);
long proc_kb(const char *path, const char *key);
long vm_pinned_kb(void);

/* testdev.c */
bool testdev_find(struct testdev *td);
void testdev_open(struct ctx *c);
void testdev_attach(struct ctx *c, uint32_t pt_id);
void testdev_close(struct ctx *c);
int testdev_dma(struct ctx *c, uint32_t flags, uint64_t iova, size_t len,
		uint32_t *faults);

/* peers.c */
int guest_try_start(struct guest *g, enum peer peer, size_t len);
int guest_try_start_on(struct guest *g, enum peer peer, size_t len,
		       const struct testdev *dev);
void guest_start(struct guest *g, enum peer peer, size_t len);
uint64_t guest_mapped_pages(struct guest *g);
void guest_stop(struct guest *g);

/* The sections, each writing its CSV to @csv */
void bench_table(struct bench *b, FILE *csv);
void bench_table_vtd(struct bench *b, FILE *csv);
void bench_sparse(struct bench *b, FILE *csv);
void bench_fault_cost(struct bench *b, FILE *csv);
void bench_stages(struct bench *b, FILE *csv);
void bench_startup(struct bench *b, FILE *csv);
void bench_density(struct bench *b, FILE *csv);
void bench_migration(struct bench *b, FILE *csv);
void bench_balloon(struct bench *b, FILE *csv);
size_t startup_max_mib(void);

/* goals.c */
void goals_report(const struct bench *b, FILE *csv);

/* output.c */
void csv_flush(const char *name, char *buf);
void csv_next_block(FILE *csv, const char *name);
int tap_report(const struct sanity *check);

#endif
