// SPDX-License-Identifier: GPL-2.0
/*
 * The peers: one "guest" (fresh anonymous memory and its own mock device,
 * or iopf-testdev)
 * mapped each peer's way, timed (map_secs: what a VMM waits for at start),
 * and asked afterwards how many of its pages have a translation.
 *
 * The userspace peer attaches the device to a paging hwpt whose faults go
 * to an iommufd fault object; a resolver thread, standing for the VMM,
 * reads each fault group, maps every faulting page with IOMMU_IOAS_MAP and
 * answers the group once. The in-kernel peers (premap1, window512, kernel)
 * differ only in IOMMU_OPTION_IOPF_PREFAULT.
 */
#include "iopf_bench.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

const char *const peer_names[P_NR] = {
	"static", "premap1", "window512", "userspace", "kernel",
};

static void *resolver_thread(void *arg)
{
	struct resolver *r = arg;
	struct iommu_hwpt_pgfault faults[16];

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct iommu_hwpt_page_response resp = {
			.code = IOMMUFD_PAGE_RESP_SUCCESS,
		};
		struct pollfd pfd = { .fd = r->fault_fd, .events = POLLIN };
		struct resolver_stamp *stamp;
		ssize_t n;
		int i;

		if (poll(&pfd, 1, 10) <= 0)
			continue;
		n = read(r->fault_fd, faults, sizeof(faults));
		if (n <= 0)
			continue;
		stamp = r->nr_stamps <
				__atomic_load_n(&r->max_stamps, __ATOMIC_ACQUIRE) ?
			&r->stamps[r->nr_stamps++] : NULL;
		if (stamp)
			stamp->read = now();
		resp.cookie = faults[0].cookie;
		for (i = 0; i != n / (ssize_t)sizeof(faults[0]); i++) {
			uint64_t page = faults[i].addr &
					~(uint64_t)(r->c->page_size - 1);

			if (page < r->iova || page >= r->iova + r->len) {
				resp.code = IOMMUFD_PAGE_RESP_INVALID;
				continue;
			}
			/* Already mapped by this group: EEXIST is fine */
			if (!ioas_map(r->c, r->mem + (page - r->iova),
				      r->c->page_size, page, 0))
				r->mapped++;
			else if (errno != EEXIST)
				resp.code = IOMMUFD_PAGE_RESP_INVALID;
		}
		if (stamp)
			stamp->mapped = now();
		if (write(r->fault_fd, &resp, sizeof(resp)) != sizeof(resp))
			break;
	}
	return NULL;
}

/* Attach the device to a paging hwpt whose faults go to a fault object */
static int attach_fault_hwpt(struct ctx *c, uint32_t *hwpt_id)
{
	struct iommu_fault_alloc falloc = { .size = sizeof(falloc) };
	struct iommu_hwpt_alloc halloc = {
		.size = sizeof(halloc),
		.flags = IOMMU_HWPT_FAULT_ID_VALID,
		.dev_id = c->idev_id,
		.pt_id = c->ioas_id,
	};
	struct iommu_test_cmd replace = {
		.size = sizeof(replace),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = c->stdev_id,
	};

	if (ioctl(c->fd, IOMMU_FAULT_QUEUE_ALLOC, &falloc))
		die("IOMMU_FAULT_QUEUE_ALLOC");
	halloc.fault_id = falloc.out_fault_id;
	if (ioctl(c->fd, IOMMU_HWPT_ALLOC, &halloc))
		die("IOMMU_HWPT_ALLOC");
	replace.mock_domain_replace.pt_id = halloc.out_hwpt_id;
	if (c->dev)
		testdev_attach(c, halloc.out_hwpt_id);
	else if (ioctl(c->fd, IOMMU_TEST_CMD, &replace))
		die("IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE");
	*hwpt_id = halloc.out_hwpt_id;
	return falloc.out_fault_fd;
}

/*
 * Start @g as @peer on @dev (the mock if NULL): the map's result, which may
 * fail (a full cgroup)
 */
int guest_try_start_on(struct guest *g, enum peer peer, size_t len,
		       const struct testdev *dev)
{
	double t0;
	int rc = 0;

	memset(g, 0, sizeof(*g));
	g->peer = peer;
	g->len = len;
	ctx_open_on(&g->c, dev);
	g->mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		die("mmap");

	t0 = now();
	switch (peer) {
	case P_STATIC:
		rc = ioas_map(&g->c, g->mem, len, MOCK_IOVA, 0);
		break;
	case P_PREMAP1:
		set_prefault(&g->c, 1);
		rc = ioas_map(&g->c, g->mem, len, MOCK_IOVA,
			      IOMMU_IOAS_MAP_ON_DEMAND);
		break;
	case P_WINDOW512:
		set_prefault(&g->c, 512);
		rc = ioas_map(&g->c, g->mem, len, MOCK_IOVA,
			      IOMMU_IOAS_MAP_ON_DEMAND);
		break;
	case P_KERNEL:
		rc = ioas_map(&g->c, g->mem, len, MOCK_IOVA,
			      IOMMU_IOAS_MAP_ON_DEMAND);
		break;
	case P_USERSPACE: {
		uint32_t hwpt_id;

		g->r = (struct resolver){
			.c = &g->c,
			.mem = g->mem,
			.iova = MOCK_IOVA,
			.len = len,
		};
		g->r.fault_fd = attach_fault_hwpt(&g->c, &hwpt_id);
		if (pthread_create(&g->thread, NULL, resolver_thread, &g->r))
			die("pthread_create");
		break;
	}
	default:
		break;
	}
	g->map_secs = now() - t0;
	return rc;
}

int guest_try_start(struct guest *g, enum peer peer, size_t len)
{
	return guest_try_start_on(g, peer, len, NULL);
}

/* Start @g as @peer, or die */
void guest_start(struct guest *g, enum peer peer, size_t len)
{
	if (guest_try_start(g, peer, len))
		die("IOMMU_IOAS_MAP");
}

/* Pages of the guest's memory that have a translation in the IOMMU */
uint64_t guest_mapped_pages(struct guest *g)
{
	struct iommu_ioas_iopf_stats st;

	switch (g->peer) {
	case P_STATIC:
		return g->len / g->c.page_size;
	case P_USERSPACE:
		return g->r.mapped;
	default:
		iopf_stats(&g->c, &st);
		return st.out_mapped;
	}
}

void guest_stop(struct guest *g)
{
	if (g->peer == P_USERSPACE) {
		__atomic_store_n(&g->r.stop, true, __ATOMIC_RELEASE);
		pthread_join(g->thread, NULL);
		/* The fault object's file holds the iommufd, and so the pins */
		close(g->r.fault_fd);
	}
	ctx_close(&g->c);
	munmap(g->mem, g->len);
}
