// SPDX-License-Identifier: GPL-2.0
/*
 * Density: "guests" (forked processes, each with its own mock device, G MiB
 * mapped one peer's way and a working set of W MiB it keeps DMAing to) are
 * added one by one in a memory cgroup with a fixed budget, statically
 * pinned and then on demand, until one does not fit: its map fails or the
 * OOM killer takes it. The figures are how many fit, and the aggregate DMA
 * throughput of all the guests as they are added.
 *
 * Each step forks n guests that report "ready" on a pipe, lets them run
 * together for the same time, collects their byte counts and kills them.
 *
 * Sanity: more guests fit on demand than pinned.
 */
#include "iopf_bench.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DENSITY_CG "/sys/fs/cgroup/iopf_bench"

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * One density guest: joins the memory cgroup, maps @g_mib the peer's way,
 * says whether that worked, then on "go" DMAs over its @w_mib working set
 * for @secs and reports the bytes it moved.
 */
static void density_guest(enum peer peer, size_t g_mib, size_t w_mib,
			  double secs, int ready_fd, int go_fd)
{
	char pid[32], ok = 'R', go;
	size_t chunk = 1 << 20, off = 0;
	unsigned long long bytes = 0;
	struct guest g;
	uint8_t *src;
	double t0;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(DENSITY_CG "/cgroup.procs", pid))
		ok = 'F';
	src = malloc(chunk);
	if (!src)
		ok = 'F';
	if (ok == 'R') {
		memset(src, 0x3c, chunk);
		if (guest_try_start(&g, peer, g_mib << 20))
			ok = 'F';
	}
	if (ok == 'R') {
		/* The working set, once: pinned already for static */
		for (off = 0; off < w_mib << 20; off += chunk)
			if (dma(&g.c, MOCK_DMA_WRITE, MOCK_IOVA + off, chunk,
				src, NULL))
				ok = 'F';
	}
	/*
	 * Children never exit on their own: the parent tells a dead child (the
	 * OOM killer's) from a live one by waitpid(), and kills them all.
	 */
	if (write(ready_fd, &ok, 1) != 1 || ok != 'R' ||
	    read(go_fd, &go, 1) != 1)
		for (;;)
			pause();
	t0 = now();
	off = 0;
	while (now() - t0 < secs) {
		if (dma(&g.c, MOCK_DMA_WRITE, MOCK_IOVA + off, chunk, src,
			NULL))
			for (;;)
				pause();
		bytes += chunk;
		off = (off + chunk) % (w_mib << 20);
	}
	if (write(ready_fd, &bytes, sizeof(bytes)) != sizeof(bytes))
		_exit(1);
	for (;;)
		pause();
}

/*
 * Read one message of @size from each of @n children on @fd; a child the
 * OOM killer (or anything else) took away counts as not running. Messages
 * of one byte are 'R' for ready; of 8 bytes, byte counts summed in @out.
 */
static unsigned int density_collect(int fd, pid_t *pids, unsigned int n,
				    void *out, size_t size)
{
	unsigned int got = 0, dead = 0, i, ok = 0;
	unsigned long long sum = 0;

	while (got + dead < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0) {
			unsigned long long b = 0;
			char c = 0;

			if (size == 1 ? read(fd, &c, 1) != 1 :
					read(fd, &b, 8) != 8)
				break;
			got++;
			if (size == 1 && c == 'R')
				ok++;
			if (size == 8) {
				sum += b;
				ok++;
			}
			continue;
		}
		for (i = 0; i != n; i++) {
			if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) ==
						   pids[i]) {
				pids[i] = -pids[i];
				dead++;
			}
		}
	}
	if (size == 8)
		*(unsigned long long *)out = sum;
	return ok;
}

/*
 * Density: n guests, each with @g_mib of memory for a mock device and a
 * working set of @w_mib, under a memory cgroup of @budget_mib. How many
 * fit with static pinning and on demand, and the aggregate DMA throughput
 * as guests are added.
 */
void bench_density(struct bench *b, FILE *csv)
{
	static const enum peer peers[] = { P_STATIC, P_KERNEL };
	const struct density_cfg *d = &b->density;
	size_t budget_mib = d->budget_mib, g_mib = d->g_mib, w_mib = d->w_mib;
	unsigned int max_guests = d->max_guests;
	double secs = d->secs;
	unsigned int fits[P_NR] = {};
	char val[32];
	unsigned int p;

	mkdir(DENSITY_CG, 0755);
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	snprintf(val, sizeof(val), "%zu", budget_mib << 20);
	if (write_file(DENSITY_CG "/memory.max", val)) {
		printf("\n== Density: no memory cgroup, skipped ==\n");
		return;
	}
	/*
	 * The budget is RAM: no swap for the guests, so a guest that does not
	 * fit is killed instead of the whole cgroup slowing down on swap (the
	 * VM has swap on zram for the tests).
	 */
	write_file(DENSITY_CG "/memory.swap.max", "0");

	printf("\n== Density: guests of %zu MiB with a %zu MiB working set, %zu MiB budget (memory cgroup) ==\n",
	       g_mib, w_mib, budget_mib);
	printf("%-8s %7s %8s %18s\n", "peer", "guests", "running", "aggregate MiB/s");
	fprintf(csv, "peer,guests,running,aggregate_mib_s\n");
	for (p = 0; p != 2; p++) {
		enum peer peer = peers[p];
		unsigned int n;

		for (n = 1; n <= max_guests; n++) {
			int ready[2], go[2];
			pid_t *pids = calloc(n, sizeof(*pids));
			unsigned long long total = 0;
			unsigned int i, running = 0;
			char c;

			if (!pids || pipe(ready) || pipe(go))
				die("pipe");
			for (i = 0; i != n; i++) {
				pids[i] = fork();
				if (pids[i] < 0)
					die("fork");
				if (!pids[i]) {
					close(ready[0]);
					close(go[1]);
					density_guest(peer, g_mib, w_mib, secs,
						      ready[1], go[0]);
				}
			}
			close(ready[1]);
			close(go[0]);
			running = density_collect(ready[0], pids, n, &c, 1);
			if (running == n) {
				for (i = 0; i != n; i++)
					if (write(go[1], "g", 1) != 1)
						die("write");
				running = density_collect(ready[0], pids, n,
							  &total,
							  sizeof(total));
			}
			for (i = 0; i != n; i++) {
				if (pids[i] <= 0)
					continue;
				kill(pids[i], SIGKILL);
				waitpid(pids[i], NULL, 0);
			}
			close(ready[0]);
			close(go[1]);
			free(pids);

			printf("%-8s %7u %8u %18.1f\n", peer_names[peer], n,
			       running, running == n ? total / secs / (1 << 20) : 0);
			fprintf(csv, "%s,%u,%u,%.2f\n", peer_names[peer], n,
				running,
				running == n ? total / secs / (1 << 20) : 0);
			if (running != n)
				break;
			fits[peer] = n;
		}
	}
	printf("fit: static %u guests, on demand %u guests\n", fits[P_STATIC],
	       fits[P_KERNEL]);
	b->check.density_more = fits[P_KERNEL] > fits[P_STATIC];
	rmdir(DENSITY_CG);
}
