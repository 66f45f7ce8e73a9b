/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the bpmp-virt selftests: the /dev/bpmp-host wire
 * message (Ghaf's QEMU nvidia_bpmp_guest layout), BPMP ABI numbers from
 * include/soc/tegra/bpmp-abi.h, and readers of the model's and the
 * proxy's debugfs files.
 */
#ifndef BPMP_VIRT_SELFTEST_H
#define BPMP_VIRT_SELFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>

#include <linux/bpmp_host_proxy.h>

#include "kselftest.h"

/*
 * The devices of the test device tree (dt-overlays/qemu-virt-test.dtso): the
 * proxy's default partition, BPMP_HOST_DEV (default /dev/bpmp-host), and the
 * others named after it, <BPMP_HOST_DEV>-<name> (-vm2, -can-vm, -net-vm).
 * bpmp_dev() returns the path for @suffix ("" for the default device); each
 * suffix's path is made once and kept.
 */
static inline const char *bpmp_dev(const char *suffix)
{
	static struct { const char *suffix; char path[128]; } devs[8];
	const char *base = getenv("BPMP_HOST_DEV");
	unsigned int i;

	for (i = 0; i < 8 && devs[i].suffix; i++)
		if (!strcmp(devs[i].suffix, suffix))
			return devs[i].path;
	if (i == 8)
		abort();
	snprintf(devs[i].path, sizeof(devs[i].path), "%s%s",
		 base && *base ? base : "/dev/bpmp-host", suffix);
	devs[i].suffix = suffix;
	return devs[i].path;
}

#define DEV_DEFAULT	bpmp_dev("")
#define DEV_VM2		bpmp_dev("-vm2")
#define MODEL_STATE	"/sys/kernel/debug/bpmp-model/state"
#define MODEL_BENCH	"/sys/kernel/debug/bpmp-model/bench"

/* The proxy's debugfs directory of the device @dev (a path), plus @leaf. */
static inline const char *debugfs_path(const char *dev, const char *leaf, char *buf, size_t n)
{
	const char *name = strrchr(dev, '/');

	snprintf(buf, n, "/sys/kernel/debug/bpmp-host/%s%s", name ? name + 1 : dev, leaf);
	return buf;
}

/*
 * The tests drive the proxy against the in-kernel BPMP firmware model
 * (CONFIG_BPMP_VIRT_MODEL) with the policies of the test device tree; they
 * never send requests to a real BPMP. Without the proxy's device or the model
 * a program skips as a whole with the reason.
 */
#define SKIP_NO_PROXY "%s: %s (needs bpmp_virt and the test device tree; set BPMP_HOST_DEV)\n"
#define SKIP_NO_MODEL "%s: %s (needs CONFIG_BPMP_VIRT_MODEL, debugfs, a ghaf,bpmp-model node)\n"

static inline int bpmp_harness_main(int argc, char **argv)
{
	if (access(DEV_DEFAULT, R_OK | W_OK))
		ksft_exit_skip(SKIP_NO_PROXY, DEV_DEFAULT, strerror(errno));
	if (access(MODEL_STATE, R_OK))
		ksft_exit_skip(SKIP_NO_MODEL, MODEL_STATE, strerror(errno));
	return test_harness_run(argc, argv);
}

#define MRQ_PING		0
#define MRQ_QUERY_TAG		1
#define MRQ_THREADED_PING	9
#define MRQ_DEBUGFS		19
#define MRQ_RESET		20
#define MRQ_CLK			22
#define MRQ_QUERY_ABI		23
#define MRQ_EMC_DVFS_LATENCY	31
#define MRQ_PG			66
#define MRQ_STRAP		68
#define MRQ_QUERY_FW_TAG	71
#define MRQ_DEBUG		75
#define MRQ_EMC_DVFS_EMCHUB	76
#define MRQ_BWMGR		77
#define MRQ_ISO_CLIENT		78

#define CMD_CLK_GET_RATE	1
#define CMD_CLK_SET_RATE	2
#define CMD_CLK_ROUND_RATE	3
#define CMD_CLK_GET_PARENT	4
#define CMD_CLK_SET_PARENT	5
#define CMD_CLK_IS_ENABLED	6
#define CMD_CLK_ENABLE		7
#define CMD_CLK_DISABLE		8
#define CMD_CLK_GET_ALL_INFO	14
#define CMD_CLK_GET_MAX_CLK_ID	15

#define CMD_RESET_ASSERT	1
#define CMD_RESET_DEASSERT	2
#define CMD_RESET_MODULE	3
#define CMD_RESET_GET_MAX_ID	4

#define CMD_PG_QUERY_ABI	0
#define CMD_PG_SET_STATE	1
#define CMD_PG_GET_STATE	2
#define CMD_PG_GET_NAME		3
#define CMD_PG_GET_MAX_ID	4
#define PG_STATE_OFF		0
#define PG_STATE_ON		1

#define BPMP_EINVAL	22
#define BPMP_ENODEV	19

#define BPMP_CLK_HAS_MUX			(1U << 0)
#define BPMP_CLK_HAS_SET_RATE			(1U << 1)
#define BPMP_CLK_IS_ROOT			(1U << 2)
#define BPMP_CLK_RATE_PARENT_CHANGE_DENIED	(1U << 30)
#define BPMP_CLK_STATE_CHANGE_DENIED		(1U << 31)

#define CLK_ALL_INFO_SIZE	113

#define bpmp_wire bpmp_proxy_wire_message

_Static_assert(sizeof(struct bpmp_wire) == 48, "wire message is 48 bytes");

/* Result of one request: write()'s return or -errno, then rx.ret/rx.size. */
struct xfer {
	long rc;
	int ret;
	long long len;
};

static inline struct xfer bpmp_xfer(int fd, __u32 mrq, const void *tx, size_t txs,
				    void *rx, size_t rxs)
{
	struct bpmp_wire m = {
		.mrq = mrq,
		.tx = { (uintptr_t)tx, txs },
		.rx = { (uintptr_t)rx, rxs, 0x7777, 0 },
	};
	struct xfer r;

	r.rc = write(fd, &m, sizeof(m));
	if (r.rc < 0)
		r.rc = -errno;
	r.ret = m.rx.ret;
	r.len = m.rx.size;
	return r;
}

static inline __u32 clk_word(__u8 cmd, __u32 id)
{
	return ((__u32)cmd << 24) | (id & 0xffffff);
}

/* MRQ_CLK request: cmd_and_id, then a u32 (parent) or, at offset 8, an s64 (rate). */
struct clk_req {
	__u32 cmd_and_id;
	__u32 arg32;
	__s64 rate;
};

static inline struct xfer clk_xfer(int fd, __u8 cmd, __u32 id, __u32 arg32, __s64 rate,
				   void *rx, size_t rxs)
{
	struct clk_req q = { clk_word(cmd, id), arg32, rate };
	size_t txs = 4;

	if (cmd == CMD_CLK_SET_RATE || cmd == CMD_CLK_ROUND_RATE)
		txs = 16;
	else if (cmd == CMD_CLK_SET_PARENT)
		txs = 8;
	return bpmp_xfer(fd, MRQ_CLK, &q, txs, rx, rxs);
}

static inline struct xfer two_xfer(int fd, __u32 mrq, __u32 a, __u32 b, void *rx, size_t rxs)
{
	__u32 q[2] = { a, b };

	return bpmp_xfer(fd, mrq, q, sizeof(q), rx, rxs);
}

static inline struct xfer pg_set(int fd, __u32 id, __u32 state)
{
	__u32 q[3] = { CMD_PG_SET_STATE, id, state };

	return bpmp_xfer(fd, MRQ_PG, q, sizeof(q), NULL, 0);
}

/* Reads a whole (small) text file; returns a malloc'ed string or NULL. */
static inline char *slurp(const char *path)
{
	char *buf = calloc(1, 16384);
	ssize_t n, off = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + off, 16383 - off)) > 0)
		off += n;
	close(fd);
	return buf;
}

/*
 * Value of "<key>=" on the model state line that starts with "<prefix> "
 * (e.g. prefix "clk 155", key "enable_count"); -1 if absent.
 */
static inline long model_field(const char *prefix, const char *key)
{
	char *text = slurp(MODEL_STATE), *line, *save = NULL, *p;
	size_t plen = strlen(prefix);
	char pat[64];
	long v = -1;

	if (!text)
		return -1;
	snprintf(pat, sizeof(pat), " %s=", key);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, prefix, plen) || line[plen] != ' ')
			continue;
		p = strstr(line, pat);
		if (p)
			v = strtol(p + strlen(pat), NULL, 10);
		break;
	}
	free(text);
	return v;
}

#endif /* BPMP_VIRT_SELFTEST_H */
