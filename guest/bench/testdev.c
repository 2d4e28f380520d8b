// SPDX-License-Identifier: GPL-2.0
/*
 * The real-driver device: QEMU's iopf-testdev (PCIe, ATS and PRI, a DMA
 * engine in BAR0) behind QEMU's intel-iommu, assigned to this process
 * through VFIO cdev + iommufd. Where the VM has one (make demo's q35
 * machine), the RFC's table runs on it too, beside the mock: the same
 * peers, but every page request goes through VT-d's page request queue.
 *
 * testdev_find() gives the device to vfio-pci once; each ctx_open() of a
 * guest then opens the cdev, binds it to the guest's iommufd and attaches
 * it to the IOAS (the cdev is opened by one guest at a time: the sections
 * that use it run their peers one after another). The device writes a
 * pattern of its own instead of copying a buffer: the time is the same,
 * the page requests are what the table counts.
 */
#include "iopf_bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "iopf_testdev.h"

/* A transfer that takes longer is stuck: even 10 MiB of faults is seconds */
#define TESTDEV_LIMIT_S	600

static volatile uint32_t *reg32(struct ctx *c, unsigned int off)
{
	return (volatile uint32_t *)(c->bar + off);
}

static volatile uint64_t *reg64(struct ctx *c, unsigned int off)
{
	return (volatile uint64_t *)(c->bar + off);
}

/* The first line of a sysfs file, or of what a link points to (basename) */
static char *sysfs_read(char *buf, size_t len, const char *path)
{
	ssize_t n = readlink(path, buf, len - 1);
	FILE *f;

	buf[0] = 0;
	if (n > 0) {
		char *slash;

		buf[n] = 0;
		slash = strrchr(buf, '/');
		if (slash)
			memmove(buf, slash + 1, strlen(slash));
		return buf;
	}
	f = fopen(path, "r");
	if (!f)
		return buf;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	return buf;
}

static void sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die(path);
	close(fd);
}

static bool is_testdev(const char *bdf)
{
	char path[512], buf[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	if (strtoul(sysfs_read(buf, sizeof(buf), path), NULL, 16) !=
	    TESTDEV_VENDOR)
		return false;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	return strtoul(sysfs_read(buf, sizeof(buf), path), NULL, 16) ==
	       TESTDEV_DEVICE;
}

/* Its VFIO cdev, /dev/vfio/devices/vfioN, made if devtmpfs did not */
static void find_cdev(struct testdev *td)
{
	char path[512], buf[64], name[64] = "";
	unsigned int maj, min;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev",
		 td->bdf);
	d = opendir(path);
	if (!d)
		die(path);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(name, sizeof(name), "%.63s", e->d_name);
	closedir(d);
	snprintf(td->cdev, sizeof(td->cdev), "/dev/vfio/devices/%s", name);
	if (!access(td->cdev, F_OK))
		return;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev/%s/dev",
		 td->bdf, name);
	if (sscanf(sysfs_read(buf, sizeof(buf), path), "%u:%u", &maj, &min) != 2)
		die(path);
	mkdir("/dev/vfio", 0755);
	mkdir("/dev/vfio/devices", 0755);
	if (mknod(td->cdev, S_IFCHR | 0600, makedev(maj, min)))
		die(td->cdev);
}

/* Find iopf-testdev and give it to vfio-pci; false if the VM has none */
bool testdev_find(struct testdev *td)
{
	char path[512], drv[64];
	struct dirent *e;
	DIR *d = opendir("/sys/bus/pci/devices");

	memset(td, 0, sizeof(*td));
	if (!d)
		return false;
	while (!td->bdf[0] && (e = readdir(d)))
		if (e->d_name[0] != '.' && is_testdev(e->d_name))
			snprintf(td->bdf, sizeof(td->bdf), "%.31s", e->d_name);
	closedir(d);
	if (!td->bdf[0])
		return false;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", td->bdf);
	if (strcmp(sysfs_read(drv, sizeof(drv), path), "vfio-pci")) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver_override", td->bdf);
		sysfs_write(path, "vfio-pci");
		if (drv[0]) {
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/driver/unbind",
				 td->bdf);
			sysfs_write(path, td->bdf);
		}
		sysfs_write("/sys/bus/pci/drivers_probe", td->bdf);
	}
	find_cdev(td);
	return true;
}

/* Bind the device to @c's iommufd, attach it to the IOAS, map BAR0 */
void testdev_open(struct ctx *c)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = c->fd,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach), .pt_id = c->ioas_id,
	};
	struct vfio_region_info bar = {
		.argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;
	void *p;

	c->dev_fd = open(c->dev->cdev, O_RDWR);
	if (c->dev_fd < 0)
		die(c->dev->cdev);
	if (ioctl(c->dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	c->idev_id = bind.out_devid;
	if (ioctl(c->dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	c->hwpt_id = attach.pt_id;

	if (ioctl(c->dev_fd, VFIO_DEVICE_GET_REGION_INFO, &bar))
		die("VFIO_DEVICE_GET_REGION_INFO(BAR0)");
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, c->dev_fd,
		 bar.offset);
	if (p == MAP_FAILED)
		die("mmap BAR0");
	c->bar = p;
	c->bar_size = bar.size;
	if (*reg32(c, REG_ID) != TESTDEV_ID) {
		errno = ENODEV;
		die("iopf-testdev BAR0 ID");
	}
	if (ioctl(c->dev_fd, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		die("VFIO_DEVICE_GET_REGION_INFO(config)");
	if (pread(c->dev_fd, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		die("pread PCI_COMMAND");
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(c->dev_fd, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		die("pwrite PCI_COMMAND");
}

/* Move the device to hwpt @pt_id (VFIO's replace) */
void testdev_attach(struct ctx *c, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach), .pt_id = pt_id,
	};

	if (ioctl(c->dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
}

void testdev_close(struct ctx *c)
{
	munmap((void *)c->bar, c->bar_size);
	/* Unbinds from the iommufd, which must outlive it */
	close(c->dev_fd);
}

/*
 * One transfer of @len bytes at @iova, the device writing memory if
 * MOCK_DMA_WRITE is in @flags, reading it otherwise; polled to the end.
 * Like dma(): 0, or -1 with errno (ENXIO: a page request was answered
 * INVALID or the device stopped with another error).
 */
int testdev_dma(struct ctx *c, uint32_t flags, uint64_t iova, size_t len,
		uint32_t *faults)
{
	const struct timespec pause = { 0, 200000 };
	double t0 = now();
	uint32_t st;

	*reg64(c, REG_DMA_IOVA) = iova;
	*reg64(c, REG_DMA_LEN) = len;
	*reg64(c, REG_SEED) = iova;
	*reg32(c, REG_CMD) = CMD_START |
			     (flags & MOCK_DMA_WRITE ? CMD_WRITE : 0);
	while ((st = *reg32(c, REG_STATUS)) & ST_BUSY) {
		if (now() - t0 > TESTDEV_LIMIT_S) {
			*reg32(c, REG_CMD) = CMD_ABORT;
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	if (faults)
		*faults += *reg64(c, REG_DMA_PRQS);
	if (!(st & ST_DONE)) {
		fprintf(stderr, "iopf_bench: iopf-testdev error %u\n",
			*reg32(c, REG_ERROR));
		errno = ENXIO;
		return -1;
	}
	return 0;
}
