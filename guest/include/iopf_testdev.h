/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's iopf-testdev (qemu/patches/0003, docs/specs/iopf-testdev.rst in
 * that patch): its PCI IDs and BAR0 register map, for the guest programs
 * that drive it (guest/vtd/vtd_e2e.c, guest/bench/testdev.c). Registers are
 * little endian, as the x86 guest is.
 */
#ifndef IOPF_TESTDEV_H
#define IOPF_TESTDEV_H

#define TESTDEV_VENDOR	0x1b36
#define TESTDEV_DEVICE	0x0015
#define TESTDEV_ID	0x46504f49	/* "IOPF" */

enum {
	REG_ID = 0x00, REG_VERSION = 0x04, REG_DMA_IOVA = 0x08,
	REG_DMA_LEN = 0x10, REG_SEED = 0x18, REG_CMD = 0x20, REG_STATUS = 0x24,
	REG_ERROR = 0x28, REG_BYTES = 0x30, REG_CSUM = 0x38,
	REG_DMA_PRQS = 0x40, REG_TOTAL_PRQS = 0x48, REG_RESP_SUCCESS = 0x50,
	REG_RESP_INVALID = 0x58, REG_RESP_FAILURE = 0x60, REG_ATS_REQS = 0x68,
	REG_ATC_INVALS = 0x70, REG_ATC_HITS = 0x78, REG_TIMEOUT_MS = 0x80,
	REG_END = 0x84,
};
enum { CMD_START = 1, CMD_WRITE = 2 /* device writes memory */, CMD_ABORT = 4 };
enum { ST_BUSY = 1, ST_DONE = 2, ST_ERROR = 4 };
enum { ERR_INVALID = 1, ERR_PRQ_SEND = 3, ERR_ATS = 4, ERR_NO_RESPONSE = 5 };

#endif
