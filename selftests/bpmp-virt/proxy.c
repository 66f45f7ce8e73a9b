// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/bpmp-host against the in-kernel BPMP firmware model (QEMU test
 * overlay): every MRQ class allowed and denied, deny-by-default sweeps,
 * partition isolation, cleanup on close, the host's clock reference, and
 * malformed messages. The devices must exist: the module is part of the
 * test image, so a missing node is a failure, not a skip.
 */

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <pthread.h>

#include "kselftest_harness.h"
#include "bpmp.h"

FIXTURE(bpmp) {
	int fd;		/* default partition */
	int vm2;	/* partition-vm2 */
};

FIXTURE_SETUP(bpmp)
{
	self->fd = open(DEV_DEFAULT, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_DEFAULT, strerror(errno));
	self->vm2 = open(DEV_VM2, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->vm2) TH_LOG("open %s: %s", DEV_VM2, strerror(errno));
}

FIXTURE_TEARDOWN(bpmp)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->vm2 >= 0)
		close(self->vm2);
}

TEST_F(bpmp, ping_and_side_effect_free_mrqs)
{
	__u32 challenge = 21, reply = 0, q;
	__s32 status;
	char tag[32] = { 0 };
	struct xfer r;

	r = bpmp_xfer(self->fd, MRQ_PING, &challenge, 4, &reply, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(4, r.len);
	EXPECT_EQ(42U, reply);

	r = bpmp_xfer(self->vm2, MRQ_THREADED_PING, &challenge, 4, &reply, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(42U, reply);

	q = MRQ_CLK;
	r = bpmp_xfer(self->fd, MRQ_QUERY_ABI, &q, 4, &status, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, status);
	q = 200;
	r = bpmp_xfer(self->fd, MRQ_QUERY_ABI, &q, 4, &status, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(-BPMP_ENODEV, status);
	/* The firmware serves MRQ_DEBUG; no partition may send it. */
	q = MRQ_DEBUG;
	r = bpmp_xfer(self->fd, MRQ_QUERY_ABI, &q, 4, &status, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(-BPMP_ENODEV, status);
	/* MRQ_BWMGR: only partition-vm2 opted in (the model lacks it). */
	q = MRQ_BWMGR;
	r = bpmp_xfer(self->fd, MRQ_QUERY_ABI, &q, 4, &status, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(-BPMP_ENODEV, status);

	r = bpmp_xfer(self->fd, MRQ_QUERY_FW_TAG, NULL, 0, tag, sizeof(tag));
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(32, r.len);
	EXPECT_STREQ("ghaf-bpmp-model", tag);
}

TEST_F(bpmp, dangerous_mrqs_always_denied)
{
	static const __u32 mrqs[] = { MRQ_QUERY_TAG, MRQ_DEBUG, MRQ_DEBUGFS };
	__u32 tx[4] = { 0x80000000, 0, 0, 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mrqs); i++) {
		EXPECT_EQ(-EPERM, bpmp_xfer(self->fd, mrqs[i], tx, 16, NULL, 0).rc);
		EXPECT_EQ(-EPERM, bpmp_xfer(self->vm2, mrqs[i], tx, 16, NULL, 0).rc);
	}
}

TEST_F(bpmp, soc_wide_mrqs_need_opt_in)
{
	static const __u32 mrqs[] = {
		MRQ_STRAP, MRQ_ISO_CLIENT, MRQ_EMC_DVFS_LATENCY, MRQ_EMC_DVFS_EMCHUB,
	};
	__u32 tx[2] = { 0, 0 };
	struct xfer r;
	unsigned int i;

	/* partition-vm2 opted in to MRQ_BWMGR; the model does not serve it. */
	r = bpmp_xfer(self->vm2, MRQ_BWMGR, tx, 8, NULL, 0);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(-BPMP_ENODEV, r.ret);
	EXPECT_EQ(-EPERM, bpmp_xfer(self->fd, MRQ_BWMGR, tx, 8, NULL, 0).rc);
	for (i = 0; i < ARRAY_SIZE(mrqs); i++) {
		EXPECT_EQ(-EPERM, bpmp_xfer(self->fd, mrqs[i], tx, 8, NULL, 0).rc);
		EXPECT_EQ(-EPERM, bpmp_xfer(self->vm2, mrqs[i], tx, 8, NULL, 0).rc);
	}
}

TEST_F(bpmp, clock_commands_on_allowed_clock)
{
	__u8 info[120];
	__s64 rate = 0;
	__u32 v = 0;
	struct xfer r;

	r = clk_xfer(self->fd, CMD_CLK_GET_RATE, 155, 0, 0, &rate, 8);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(8, r.len);
	EXPECT_LT(0, rate);

	r = clk_xfer(self->fd, CMD_CLK_SET_RATE, 155, 0, 12000000, &rate, 8);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(12000000, rate);
	/* PLLP_OUT0 (408 MHz) divided by 1..256. */
	r = clk_xfer(self->fd, CMD_CLK_ROUND_RATE, 155, 0, 3000000, &rate, 8);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(3000000, rate);
	r = clk_xfer(self->fd, CMD_CLK_ROUND_RATE, 155, 0, 1, &rate, 8);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(408000000 / 256, rate);

	r = clk_xfer(self->fd, CMD_CLK_SET_PARENT, 155, 102, 0, &v, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	r = clk_xfer(self->fd, CMD_CLK_GET_PARENT, 155, 0, 0, &v, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(102U, v);
	/* CLK_M (14) is no clock of this partition: no reparenting onto it. */
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, CMD_CLK_SET_PARENT, 155, 14, 0, &v, 4).rc);

	r = clk_xfer(self->fd, CMD_CLK_ENABLE, 155, 0, 0, NULL, 0);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	r = clk_xfer(self->fd, CMD_CLK_IS_ENABLED, 155, 0, 0, &v, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(1U, v);
	r = clk_xfer(self->fd, CMD_CLK_DISABLE, 155, 0, 0, NULL, 0);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);

	r = clk_xfer(self->fd, CMD_CLK_GET_ALL_INFO, 155, 0, 0, info, sizeof(info));
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(CLK_ALL_INFO_SIZE, r.len);
	EXPECT_STREQ("uarta", (char *)&info[73]);

	r = clk_xfer(self->fd, CMD_CLK_GET_MAX_CLK_ID, 0, 0, 0, &v, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_LE(381U, v);

	/* Firmware errors come back in rx.ret: no rate of 0 Hz. */
	r = clk_xfer(self->fd, CMD_CLK_ROUND_RATE, 155, 0, 0, &rate, 8);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(-BPMP_EINVAL, r.ret);
	/* PLLP_OUT0 is listed, but as a shared root it is only enable-only. */
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, CMD_CLK_SET_RATE, 102, 0, 1, &rate, 8).rc);
	r = clk_xfer(self->fd, CMD_CLK_GET_ALL_INFO, 102, 0, 0, info, sizeof(info));
	ASSERT_EQ(48, r.rc);
	memcpy(&v, info, 4);
	EXPECT_EQ(BPMP_CLK_RATE_PARENT_CHANGE_DENIED,
		  v & (BPMP_CLK_RATE_PARENT_CHANGE_DENIED | BPMP_CLK_STATE_CHANGE_DENIED));
}

TEST_F(bpmp, clock_denials_and_read_only_clocks)
{
	__s64 rate;
	__u32 v;

	/* Not in the partition: discovery yes, control no. */
	EXPECT_EQ(48, clk_xfer(self->fd, CMD_CLK_GET_RATE, 156, 0, 0, &rate, 8).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, CMD_CLK_ENABLE, 156, 0, 0, NULL, 0).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, CMD_CLK_ENABLE, 40, 0, 0, NULL, 0).rc);
	/* Full 24-bit id: 0x109b is not 155 (Ghaf's 12-bit mask says it is). */
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, CMD_CLK_ENABLE, 0x109b, 0, 0, NULL, 0).rc);
	/* Full 8-bit command: 0x17 is no command (4-bit mask: ENABLE). */
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, 0x17, 155, 0, 0, NULL, 0).rc);
	/* Read-only clock: queries yes, control no. */
	EXPECT_EQ(48, clk_xfer(self->vm2, CMD_CLK_GET_RATE, 14, 0, 0, &rate, 8).rc);
	EXPECT_EQ(48, clk_xfer(self->vm2, CMD_CLK_IS_ENABLED, 14, 0, 0, &v, 4).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->vm2, CMD_CLK_DISABLE, 14, 0, 0, NULL, 0).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->vm2, CMD_CLK_SET_RATE, 14, 0, 1000, &rate, 8).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->vm2, CMD_CLK_SET_PARENT, 14, 91, 0, &v, 4).rc);
}

TEST_F(bpmp, resets_allowed_and_denied)
{
	__u32 max = 0;
	struct xfer r;

	r = two_xfer(self->fd, MRQ_RESET, CMD_RESET_DEASSERT, 100, NULL, 0);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, model_field("reset 100", "asserted"));
	r = two_xfer(self->fd, MRQ_RESET, CMD_RESET_ASSERT, 100, NULL, 0);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(1, model_field("reset 100", "asserted"));
	r = two_xfer(self->fd, MRQ_RESET, CMD_RESET_MODULE, 100, NULL, 0);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, model_field("reset 100", "asserted"));
	r = two_xfer(self->fd, MRQ_RESET, CMD_RESET_GET_MAX_ID, 0, &max, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(102U, max);

	EXPECT_EQ(-EPERM, two_xfer(self->fd, MRQ_RESET, CMD_RESET_ASSERT, 101, NULL, 0).rc);
	EXPECT_EQ(-EPERM, two_xfer(self->vm2, MRQ_RESET, CMD_RESET_DEASSERT, 100, NULL, 0).rc);
	EXPECT_EQ(-EPERM, two_xfer(self->fd, MRQ_RESET, 9, 100, NULL, 0).rc);
}

TEST_F(bpmp, power_domains_allowed_and_denied)
{
	char name[40] = { 0 };
	__u32 v = 0;
	struct xfer r;

	r = pg_set(self->vm2, 2, PG_STATE_ON);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	r = two_xfer(self->vm2, MRQ_PG, CMD_PG_GET_STATE, 2, &v, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ((__u32)PG_STATE_ON, v);
	EXPECT_EQ(1, model_field("pg 2", "on"));
	r = two_xfer(self->vm2, MRQ_PG, CMD_PG_GET_NAME, 2, name, sizeof(name));
	ASSERT_EQ(48, r.rc);
	EXPECT_STREQ("aud", name);
	r = two_xfer(self->vm2, MRQ_PG, CMD_PG_GET_MAX_ID, 0, &v, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(18U, v);
	r = pg_set(self->vm2, 2, PG_STATE_OFF);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, model_field("pg 2", "on"));

	/* Every partition may read every domain's state and name ... */
	EXPECT_EQ(48, two_xfer(self->fd, MRQ_PG, CMD_PG_GET_STATE, 2, &v, 4).rc);
	/* ... and switch only its own. */
	EXPECT_EQ(-EPERM, pg_set(self->fd, 2, PG_STATE_ON).rc);
	EXPECT_EQ(-EPERM, pg_set(self->vm2, 3, PG_STATE_ON).rc);
}

TEST_F(bpmp, deny_by_default_mrq_sweep)
{
	__u32 tx[4] = { 0 }, rx[30];
	unsigned int mrq;

	/* All-zero payloads: sub-command 0 is only a command for MRQ_PG. */
	for (mrq = 0; mrq < 256; mrq++) {
		int ok = mrq == MRQ_PING || mrq == MRQ_THREADED_PING ||
			 mrq == MRQ_QUERY_ABI || mrq == MRQ_QUERY_FW_TAG || mrq == MRQ_PG;
		struct xfer r = bpmp_xfer(self->fd, mrq, tx, sizeof(tx), rx, sizeof(rx));

		EXPECT_EQ(ok ? 48 : -EPERM, r.rc) TH_LOG("mrq %u", mrq);
	}
}

TEST_F(bpmp, deny_by_default_id_sweep)
{
	static const __u8 queries[] = {
		CMD_CLK_GET_RATE, CMD_CLK_GET_PARENT, CMD_CLK_IS_ENABLED, CMD_CLK_GET_ALL_INFO,
	};
	__u8 rx[120];
	unsigned int id, i;

	for (id = 0; id < 1024; id++) {
		/* UARTA is owned, PLLP_OUT0 (a shared root) enable-only. */
		int owned = id == 155, gate = owned || id == 102;

		for (i = 0; i < ARRAY_SIZE(queries); i++) {
			struct xfer r = clk_xfer(self->fd, queries[i], id, 0, 0, rx, sizeof(rx));

			EXPECT_EQ(48, r.rc) TH_LOG("clk %u cmd %u", id, queries[i]);
		}
		EXPECT_EQ(owned ? 48 : -EPERM,
			  clk_xfer(self->fd, CMD_CLK_SET_RATE, id, 0, 1000000, rx, 8).rc)
			TH_LOG("clk %u set rate", id);
		EXPECT_EQ(gate ? 48 : -EPERM,
			  clk_xfer(self->fd, CMD_CLK_ENABLE, id, 0, 0, NULL, 0).rc)
			TH_LOG("clk %u enable", id);
		EXPECT_EQ(gate ? 48 : -EPERM,
			  clk_xfer(self->fd, CMD_CLK_DISABLE, id, 0, 0, NULL, 0).rc)
			TH_LOG("clk %u disable", id);
		EXPECT_EQ(id == 100 ? 48 : -EPERM,
			  two_xfer(self->fd, MRQ_RESET, CMD_RESET_ASSERT, id, NULL, 0).rc)
			TH_LOG("reset %u", id);
		EXPECT_EQ(48, two_xfer(self->fd, MRQ_PG, CMD_PG_GET_STATE, id, rx, 4).rc)
			TH_LOG("pg %u", id);
		EXPECT_EQ(-EPERM, pg_set(self->fd, id, PG_STATE_ON).rc) TH_LOG("pg %u", id);
	}
}

TEST_F(bpmp, partitions_are_isolated)
{
	__s64 rate;

	/* Each partition changes only its own ids, both ways. */
	EXPECT_EQ(48, clk_xfer(self->vm2, CMD_CLK_SET_RATE, 156, 0, 1000000, &rate, 8).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->vm2, CMD_CLK_SET_RATE, 155, 0, 1000000, &rate, 8).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->vm2, CMD_CLK_ENABLE, 155, 0, 0, NULL, 0).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, CMD_CLK_SET_RATE, 156, 0, 1000000, &rate, 8).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, CMD_CLK_ENABLE, 14, 0, 0, NULL, 0).rc);
	EXPECT_EQ(-EPERM, two_xfer(self->vm2, MRQ_RESET, CMD_RESET_ASSERT, 100, NULL, 0).rc);
	EXPECT_EQ(-EPERM, two_xfer(self->fd, MRQ_RESET, CMD_RESET_ASSERT, 101, NULL, 0).rc);
	/* A disable from another partition is refused, not absorbed. */
	ASSERT_EQ(48, clk_xfer(self->vm2, CMD_CLK_ENABLE, 156, 0, 0, NULL, 0).rc);
	EXPECT_EQ(-EPERM, clk_xfer(self->fd, CMD_CLK_DISABLE, 156, 0, 0, NULL, 0).rc);
	EXPECT_EQ(1, model_field("clk 156", "enable_count"));
}

TEST_F(bpmp, last_close_releases_everything)
{
	int again;

	ASSERT_EQ(0, model_field("clk 156", "enable_count"));
	ASSERT_EQ(1, model_field("reset 101", "asserted"));
	ASSERT_EQ(48, clk_xfer(self->vm2, CMD_CLK_ENABLE, 156, 0, 0, NULL, 0).rc);
	ASSERT_EQ(48, clk_xfer(self->vm2, CMD_CLK_ENABLE, 156, 0, 0, NULL, 0).rc);
	ASSERT_EQ(48, pg_set(self->vm2, 2, PG_STATE_ON).rc);
	ASSERT_EQ(48, two_xfer(self->vm2, MRQ_RESET, CMD_RESET_DEASSERT, 101, NULL, 0).rc);
	EXPECT_EQ(2, model_field("clk 156", "enable_count"));
	EXPECT_EQ(1, model_field("pg 2", "on"));
	EXPECT_EQ(0, model_field("reset 101", "asserted"));

	/* A second fd of the partition keeps the state alive. */
	again = open(DEV_VM2, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, again);
	close(self->vm2);
	self->vm2 = -1;
	EXPECT_EQ(2, model_field("clk 156", "enable_count"));

	/* The VM exits: its last fd closes. */
	close(again);
	EXPECT_EQ(0, model_field("clk 156", "enable_count"));
	EXPECT_EQ(0, model_field("pg 2", "on"));
	EXPECT_EQ(1, model_field("reset 101", "asserted"));
	/* The other partition was not touched. */
	EXPECT_EQ(1, model_field("clk 40", "enable_count"));
}

TEST_F(bpmp, host_reference_survives_guest_disable)
{
	__u32 on = 0;
	struct xfer r;

	/* FUSE (40) is enabled by the host; partition-vm2 may control it. */
	ASSERT_EQ(1, model_field("clk 40", "enable_count"));
	r = clk_xfer(self->vm2, CMD_CLK_DISABLE, 40, 0, 0, NULL, 0);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(1, model_field("clk 40", "enable_count"));
	r = clk_xfer(self->vm2, CMD_CLK_IS_ENABLED, 40, 0, 0, &on, 4);
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(1U, on);

	ASSERT_EQ(48, clk_xfer(self->vm2, CMD_CLK_ENABLE, 40, 0, 0, NULL, 0).rc);
	EXPECT_EQ(2, model_field("clk 40", "enable_count"));
	ASSERT_EQ(48, clk_xfer(self->vm2, CMD_CLK_DISABLE, 40, 0, 0, NULL, 0).rc);
	ASSERT_EQ(48, clk_xfer(self->vm2, CMD_CLK_DISABLE, 40, 0, 0, NULL, 0).rc);
	ASSERT_EQ(48, clk_xfer(self->vm2, CMD_CLK_DISABLE, 40, 0, 0, NULL, 0).rc);
	EXPECT_EQ(1, model_field("clk 40", "enable_count"));
	ASSERT_EQ(48, clk_xfer(self->vm2, CMD_CLK_ENABLE, 40, 0, 0, NULL, 0).rc);
	close(self->vm2);
	self->vm2 = -1;
	EXPECT_EQ(1, model_field("clk 40", "enable_count"));
}

TEST_F(bpmp, malformed_messages)
{
	long page = sysconf(_SC_PAGESIZE);
	struct bpmp_wire m, *ro;
	__u32 ping = 1, reply;
	__u8 big[600] = { 0 }, info[120];
	struct iovec iov[2];
	char buf[64] = { 0 };
	struct xfer r;

#define PING_MSG { MRQ_PING, 0, { (uintptr_t)&ping, 4 }, { (uintptr_t)&reply, 4, 0, 0 } }
	/* Wrong lengths. */
	m = (struct bpmp_wire)PING_MSG;
	errno = 0;
	EXPECT_EQ(-1, write(self->fd, &m, 47));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, buf, 49));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, buf, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Reserved fields. */
	m.reserved0 = 1;
	EXPECT_EQ(-1, write(self->fd, &m, 48));
	EXPECT_EQ(EINVAL, errno);
	m = (struct bpmp_wire)PING_MSG;
	m.rx.reserved0 = 1;
	EXPECT_EQ(-1, write(self->fd, &m, 48));
	EXPECT_EQ(EINVAL, errno);
	/* Oversize windows, and requests larger than the firmware channel. */
	EXPECT_EQ(-EINVAL, bpmp_xfer(self->fd, MRQ_PING, big, 513, NULL, 0).rc);
	EXPECT_EQ(-EINVAL, bpmp_xfer(self->fd, MRQ_PING, &ping, 4, big, 513).rc);
	EXPECT_EQ(-EINVAL, bpmp_xfer(self->fd, MRQ_PING, big, 121, NULL, 0).rc);
	/* Answer windows too, as tegra_bpmp_transfer() (Ghaf's proxy fails). */
	EXPECT_EQ(-EINVAL, bpmp_xfer(self->fd, MRQ_PING, big, 120, big, 121).rc);
	EXPECT_EQ(-EINVAL, bpmp_xfer(self->fd, MRQ_PING, big, 120, big, 512).rc);
	EXPECT_EQ(48, bpmp_xfer(self->fd, MRQ_PING, big, 120, big, 120).rc);
	/* Truncated sub-command payloads. */
	EXPECT_EQ(-EINVAL, bpmp_xfer(self->fd, MRQ_CLK, big, 3, NULL, 0).rc);
	EXPECT_EQ(-EINVAL, bpmp_xfer(self->fd, MRQ_RESET, big, 4, NULL, 0).rc);
	/* Bad pointers. */
	EXPECT_EQ(-EFAULT, bpmp_xfer(self->fd, MRQ_PING, NULL, 4, &reply, 4).rc);
	EXPECT_EQ(-EFAULT, bpmp_xfer(self->fd, MRQ_PING, &ping, 4, (void *)16, 4).rc);
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_write, self->fd, NULL, 48));
	EXPECT_EQ(EFAULT, errno);
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	*ro = (struct bpmp_wire)PING_MSG;
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	errno = 0;
	EXPECT_EQ(-1, write(self->fd, ro, 48));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, page);
	/* An answer that does not fit the caller's rx window. */
	r = clk_xfer(self->fd, CMD_CLK_GET_ALL_INFO, 155, 0, 0, info, 8);
	EXPECT_EQ(-EOVERFLOW, r.rc);
	/* Vectored writes of several segments, and read(). */
	m = (struct bpmp_wire)PING_MSG;
	iov[0].iov_base = &m;
	iov[0].iov_len = 24;
	iov[1].iov_base = (char *)&m + 24;
	iov[1].iov_len = 24;
	errno = 0;
	EXPECT_EQ(-1, writev(self->fd, iov, 2));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, buf, 48));
	EXPECT_EQ(EINVAL, errno);
	/* Still healthy. */
	m = (struct bpmp_wire)PING_MSG;
	EXPECT_EQ(48, write(self->fd, &m, 48));
	EXPECT_EQ(2U, reply);
#undef PING_MSG
}

TEST_F(bpmp, audit_counters)
{
	char *stats, path[PATH_MAX];
	__u32 on;

	EXPECT_EQ(-EPERM, bpmp_xfer(self->fd, 200, NULL, 0, NULL, 0).rc);
	EXPECT_EQ(48, clk_xfer(self->fd, CMD_CLK_IS_ENABLED, 155, 0, 0, &on, 4).rc);
	stats = slurp(debugfs_path(DEV_DEFAULT, "/stats", path, sizeof(path)));
	ASSERT_NE(NULL, stats);
	EXPECT_NE(NULL, strstr(stats, "\nmrq 200 allowed=0 denied="));
	EXPECT_NE(NULL, strstr(stats, "\nmrq 22 allowed="));
	EXPECT_NE(NULL, strstr(stats, "open_files 1\n"));
	free(stats);
	stats = slurp(debugfs_path(DEV_VM2, "/stats", path, sizeof(path)));
	ASSERT_NE(NULL, stats);
	/* The other partition's counters did not move. */
	EXPECT_EQ(NULL, strstr(stats, "\nmrq 200 "));
	free(stats);
}

TEST(ghaf_layout_nodes_side_by_side)
{
	const char *const nodes[] = {
		DEV_DEFAULT, DEV_VM2, bpmp_dev("-can-vm"), bpmp_dev("-net-vm"),
	};
	__u32 challenge = 5, reply;
	int fd[ARRAY_SIZE(nodes)];
	unsigned int i;

	/*
	 * Ghaf's per-consumer node probed next to ours, found the model by
	 * its compatible, and did not take /dev/bpmp-host.
	 */
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		fd[i] = open(nodes[i], O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd[i]) TH_LOG("open %s: %s", nodes[i], strerror(errno));
	}
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		reply = 0;
		EXPECT_EQ(48, bpmp_xfer(fd[i], MRQ_PING, &challenge, 4, &reply, 4).rc);
		EXPECT_EQ(10U, reply);
	}
	/* Its own policy: MGBE0's reset is its, UARTA's is not. */
	EXPECT_EQ(48, two_xfer(fd[3], MRQ_RESET, CMD_RESET_DEASSERT, 46, NULL, 0).rc);
	EXPECT_EQ(-EPERM, two_xfer(fd[3], MRQ_RESET, CMD_RESET_DEASSERT, 100, NULL, 0).rc);
	EXPECT_EQ(-EPERM, two_xfer(fd[0], MRQ_RESET, CMD_RESET_DEASSERT, 46, NULL, 0).rc);
	for (i = 0; i < ARRAY_SIZE(nodes); i++)
		close(fd[i]);
	EXPECT_EQ(1, model_field("reset 46", "asserted"));
}

TEST(failed_probe_leaves_nothing)
{
	char dir[PATH_MAX];
	const char *const gone[] = {
		bpmp_dev("-doomed"),
		bpmp_dev("-doomed-twice"),
		debugfs_path(bpmp_dev("-doomed"), "", dir, sizeof(dir)),
		"/sys/bus/platform/devices/bpmp-host-proxy-doomed/driver",
	};
	unsigned int i;

	/*
	 * The node exists; its probe failed after registering its default
	 * partition (a clock listed in two classes), which was undone.
	 */
	ASSERT_EQ(0, access("/sys/bus/platform/devices/bpmp-host-proxy-doomed", F_OK));
	for (i = 0; i < ARRAY_SIZE(gone); i++) {
		errno = 0;
		EXPECT_EQ(-1, access(gone[i], F_OK)) TH_LOG("%s exists", gone[i]);
		EXPECT_EQ(ENOENT, errno) TH_LOG("%s", gone[i]);
	}
}

#define WORKERS	4
#define ROUNDS	300

struct worker {
	int fd;
	__u32 clk;
	int failures;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	__s64 rate;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		struct xfer a = clk_xfer(w->fd, CMD_CLK_ENABLE, w->clk, 0, 0, NULL, 0);
		struct xfer b = clk_xfer(w->fd, CMD_CLK_GET_RATE, w->clk, 0, 0, &rate, 8);
		struct xfer c = clk_xfer(w->fd, CMD_CLK_DISABLE, w->clk, 0, 0, NULL, 0);

		if (a.rc != 48 || a.ret || b.rc != 48 || b.ret || b.len != 8 ||
		    c.rc != 48 || c.ret)
			w->failures++;
	}
	return NULL;
}

TEST_F(bpmp, concurrent_writers)
{
	struct worker w[WORKERS + 1];
	pthread_t t[WORKERS + 1];
	int i;

	/* Several threads on one fd of the default partition, one on vm2. */
	for (i = 0; i <= WORKERS; i++) {
		w[i].fd = i < WORKERS ? self->fd : self->vm2;
		w[i].clk = i < WORKERS ? 155 : 156;
		w[i].failures = 0;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hammer, &w[i]));
	}
	for (i = 0; i <= WORKERS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, w[i].failures) TH_LOG("worker %d", i);
	}
	/* Every enable was matched by a disable of the same partition. */
	EXPECT_EQ(0, model_field("clk 155", "enable_count"));
	EXPECT_EQ(0, model_field("clk 156", "enable_count"));
}

int main(int argc, char **argv)
{
	return bpmp_harness_main(argc, argv);
}
