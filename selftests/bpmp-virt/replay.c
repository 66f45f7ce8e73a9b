// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-boot replay: from user space, on a partition's device node, send
 * exactly what a Linux 7.3 guest sends through Ghaf's BPMP bridge (QEMU's
 * nvidia_bpmp_guest device, ghaf-crosvm) while it boots with a passed-through
 * device, and check that every answer is one the guest's drivers accept.
 * Then check the other side: every state change outside the partition is
 * denied, and nothing the guest did survives the partition's last close.
 *
 * What the guest sends, in order (7.3 sources): for each step, the guest
 * code, then after "=>" the messages it sends.
 *
 * BPMP core:
 *   tegra_bpmp_probe() -> tegra_bpmp_ping()
 *     => MRQ_PING (challenge 1, 4-byte answer)
 *   tegra_bpmp_get_firmware_tag() ->
 *     tegra_bpmp_mrq_is_supported() (bpmp.c)
 *     => MRQ_QUERY_ABI (MRQ_QUERY_FW_TAG),
 *        MRQ_QUERY_FW_TAG (32-byte answer)
 * clocks:
 *   tegra_bpmp_probe_clocks() (clk-bpmp.c)
 *     => CMD_CLK_GET_MAX_CLK_ID, then CMD_CLK_GET_ALL_INFO for every id
 *   tegra_bpmp_clk_register(): every parent must be a discovered clock
 *     => none (a missing parent is a NULL parent name: WARN + EINVAL in
 *        clk.c)
 *   __clk_core_init() (clk.c): parent of a mux, recalc_rate, is_prepared
 *     => CMD_CLK_GET_PARENT (HAS_MUX), CMD_CLK_GET_RATE,
 *        CMD_CLK_IS_ENABLED
 * resets:
 *   tegra_bpmp_init_resets() (reset-bpmp.c)
 *     => none (ids from the SoC data)
 * power domains:
 *   tegra_bpmp_probe_powergates(), tegra_powergate_add() (powergate-bpmp.c)
 *     => CMD_PG_GET_MAX_ID, CMD_PG_GET_NAME for every id, CMD_PG_GET_STATE
 * BPMP debugfs:
 *   tegra_bpmp_init_debugfs() (bpmp-debugfs.c)
 *     => MRQ_QUERY_ABI (MRQ_DEBUG, MRQ_DEBUGFS)
 * device power:
 *   dev_pm_domain_attach(PD_FLAG_ATTACH_POWER_ON)
 *     => CMD_PG_SET_STATE on
 * device clocks:
 *   clk_prepare() -> clk_core_prepare() (clk.c): parents first, once each
 *   (prepare_count)
 *     => CMD_CLK_ENABLE for each ancestor with a prepare op, then for the
 *        clock
 * device rate:
 *   clk_set_rate() -> determine_rate, set_rate
 *     => CMD_CLK_ROUND_RATE, CMD_CLK_SET_RATE
 * device resets:
 *   reset_control_assert/deassert/reset()
 *     => CMD_RESET_ASSERT/DEASSERT/MODULE
 *
 * Message sizes are the guests': every MRQ_CLK request is
 * sizeof(struct mrq_clk_request) = 16 bytes (tegra_bpmp_clk_transfer()),
 * every MRQ_PG request sizeof(struct mrq_pg_request) = 12 bytes with a
 * 40-byte answer window (sizeof(struct mrq_pg_response)), MRQ_RESET 8 bytes.
 *
 * The passthroughs and what their guest drivers do (drivers of 7.3 unless
 * noted; clocks in the order they are prepared):
 *
 * MGBE0
 *   node:    /dev/bpmp-host-net-vm (Ghaf's layout: device-name, Ghaf's
 *            allow-list of passthrough/mgbe0-net-vm)
 *   driver:  dwmac-tegra.c tegra_mgbe_probe(): clk_bulk_prepare_enable(),
 *            then the mac and pcs resets
 *   clocks:  mgbe_clks[]: rx-pcs 373, tx 374, tx-pcs 375, mac-divider 376,
 *            mac 377, mgbe 380, ptp_ref 381, mac 377
 *   resets:  mac 46 assert, deassert; pcs 45 assert, deassert
 *   domain:  18
 * UARTA
 *   node:    /dev/bpmp-host (our layout, default partition)
 *   driver:  serial-tegra.c tegra_uart_hw_init() and tegra_set_baudrate()
 *   clocks:  uarta 155; rate set by tegra_set_baudrate()
 *   resets:  100 assert, deassert
 *   domain:  none
 * MTTCANs
 *   node:    /dev/bpmp-host-can-vm (our layout, partition-can-vm)
 *   driver:  NVIDIA's out-of-tree mttcan driver; ids from jetpack-nixos
 *            manifest.nix
 *   clocks:  can1_core 284, can1_host 10, can1 9, then 285, 12, 11 for the
 *            second
 *   resets:  4 and 5 pulsed (reset_control_reset())
 *   domain:  none
 *
 * The model's clock tree is in bpmp-virt/model.rs (CLOCKS).
 */

#include <stdbool.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "bpmp.h"

#define MAX_CLOCKS	1024
#define MAX_PGS		64
#define MAX_RESET_ID	127
#define CLK_REQ_SIZE	16	/* sizeof(struct mrq_clk_request) */
#define PG_REQ_SIZE	12	/* sizeof(struct mrq_pg_request) */
#define PG_RESP_SIZE	40	/* sizeof(struct mrq_pg_response) */
#define RESET_REQ_SIZE	8	/* sizeof(struct mrq_reset_request) */
#define DENIED		(BPMP_CLK_RATE_PARENT_CHANGE_DENIED | BPMP_CLK_STATE_CHANGE_DENIED)

/*
 * struct cmd_clk_get_all_info_response: packed in the ABI, but every field
 * is at its natural offset, so only the tail padding differs.
 */
struct clk_info {
	__u32 flags;
	__u32 parent;
	__u32 parents[16];
	__u8 num_parents;
	char name[40];
};

_Static_assert(offsetof(struct clk_info, name) + 40 == CLK_ALL_INFO_SIZE, "all-info answer");

struct guest_clock {
	bool present;
	struct clk_info info;
	__u32 parent;		/* current parent id, or the clock's own id */
	int prepare_count;
};

/* What the guest kernel learnt at boot. */
struct guest {
	int fd;
	__u32 max_clk;
	struct guest_clock clk[MAX_CLOCKS];
	__u32 max_pg;
	bool pg_present[MAX_PGS];
};

struct reset_step {
	__u32 id;
	__u32 cmd;
};

struct passthrough {
	const char *suffix;	/* the device: bpmp_dev(suffix) */
	__u32 pd[2];
	int npd;
	__u32 prepare[12];
	int nprepare;
	__u32 rate_clk;		/* 0: the driver sets no rate */
	__s64 rate;
	struct reset_step resets[4];
	int nresets;
	__u32 owned[24];	/* clocks the partition owns */
	int nowned;
	__u32 enable_only[8];	/* ancestors and shared roots */
	int nenable_only;
	__u32 own_resets[4];
	int nown_resets;
};

static bool in(const __u32 *list, int n, __u32 id)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == id)
			return true;
	return false;
}

static bool has_parent(const struct guest_clock *c, __u32 id)
{
	int i;

	for (i = 0; i < c->info.num_parents && i < 16; i++)
		if (c->info.parents[i] == id)
			return true;
	return false;
}

static struct xfer clk_msg(struct guest *g, __u8 cmd, __u32 id, __u32 arg32, __s64 rate,
			   void *rx, size_t rxs)
{
	struct clk_req q = { clk_word(cmd, id), arg32, rate };

	return bpmp_xfer(g->fd, MRQ_CLK, &q, CLK_REQ_SIZE, rx, rxs);
}

static struct xfer pg_msg(struct guest *g, __u32 cmd, __u32 id, __u32 arg, void *rx, size_t rxs)
{
	__u32 q[3] = { cmd, id, arg };

	return bpmp_xfer(g->fd, MRQ_PG, q, PG_REQ_SIZE, rx, rxs);
}

static struct xfer reset_msg(struct guest *g, __u32 cmd, __u32 id)
{
	__u32 q[2] = { cmd, id };

	return bpmp_xfer(g->fd, MRQ_RESET, q, RESET_REQ_SIZE, NULL, 0);
}

/* tegra_bpmp_mrq_is_supported(): rx.ret 0 and status 0. */
static int query_abi(struct guest *g, __u32 mrq, __s32 *status)
{
	struct xfer r = bpmp_xfer(g->fd, MRQ_QUERY_ABI, &mrq, 4, status, 4);

	return r.rc == 48 && r.ret == 0 && r.len == 4 ? 0 : -1;
}

/*
 * The model's state without its event counters: clock rates, parents and
 * enable counts, reset lines, power domains.
 */
static char *model_snapshot(void)
{
	char *text = slurp(MODEL_STATE), *out, *line, *save = NULL, *cut;
	size_t off = 0;

	if (!text)
		return NULL;
	out = calloc(1, 16384);
	if (!out) {
		free(text);
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "requests ", 9))
			continue;
		cut = strstr(line, " asserts=");
		if (cut)
			*cut = '\0';
		off += snprintf(out + off, 16384 - off, "%s\n", line);
		if (off >= 16384)
			break;
	}
	free(text);
	return out;
}

FIXTURE(replay) {
	struct guest *g;
};

FIXTURE_VARIANT(replay) {
	struct passthrough pt;
};

FIXTURE_VARIANT_ADD(replay, mgbe0) {
	.pt = {
		.suffix = "-net-vm",
		.pd = { 18 }, .npd = 1,
		.prepare = { 373, 374, 375, 376, 377, 380, 381, 377 }, .nprepare = 8,
		.resets = { { 46, CMD_RESET_ASSERT }, { 46, CMD_RESET_DEASSERT },
			    { 45, CMD_RESET_ASSERT }, { 45, CMD_RESET_DEASSERT } },
		.nresets = 4,
		.owned = { 357, 361, 369, 373, 374, 375, 376, 377, 378, 379, 380, 381,
			   248, 319, 320, 366, 367, 368 },
		.nowned = 18,
		.enable_only = { 103, 292, 91, 14, 288, 327 }, .nenable_only = 6,
		.own_resets = { 45, 46, 47 }, .nown_resets = 3,
	},
};

FIXTURE_VARIANT_ADD(replay, uarta) {
	.pt = {
		.suffix = "",
		.prepare = { 155 }, .nprepare = 1,
		.rate_clk = 155, .rate = 115200 * 16,
		.resets = { { 100, CMD_RESET_ASSERT }, { 100, CMD_RESET_DEASSERT } },
		.nresets = 2,
		.owned = { 155 }, .nowned = 1,
		.enable_only = { 102 }, .nenable_only = 1,
		.own_resets = { 100 }, .nown_resets = 1,
	},
};

FIXTURE_VARIANT_ADD(replay, mttcan) {
	.pt = {
		.suffix = "-can-vm",
		.prepare = { 284, 10, 9, 285, 12, 11 }, .nprepare = 6,
		.resets = { { 4, CMD_RESET_MODULE }, { 5, CMD_RESET_MODULE } },
		.nresets = 2,
		.owned = { 284, 10, 9, 285, 12, 11 }, .nowned = 6,
		/* PLLAON and OSC: derived by the driver from the firmware. */
		.enable_only = { 94, 91 }, .nenable_only = 2,
		.own_resets = { 4, 5 }, .nown_resets = 2,
	},
};

FIXTURE_SETUP(replay)
{
	self->g = calloc(1, sizeof(*self->g));
	ASSERT_NE(NULL, self->g);
	self->g->fd = -1;
}

FIXTURE_TEARDOWN(replay)
{
	if (self->g->fd >= 0)
		close(self->g->fd);
	free(self->g);
}

static int open_node(struct __test_metadata *_metadata, struct guest *g, const char *dev)
{
	g->fd = open(dev, O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, g->fd) TH_LOG("open %s: %s", dev, strerror(errno));
	return g->fd < 0 ? -1 : 0;
}

/* tegra_bpmp_probe(): ping and firmware tag. */
static void boot_core(struct __test_metadata *_metadata, struct guest *g)
{
	__u32 challenge = 1, reply = 0;
	char tag[32];
	__s32 status = -1;
	struct xfer r;

	r = bpmp_xfer(g->fd, MRQ_PING, &challenge, 4, &reply, 4);
	ASSERT_EQ(48, r.rc);
	ASSERT_EQ(0, r.ret);
	EXPECT_EQ(2U, reply);
	ASSERT_EQ(0, query_abi(g, MRQ_QUERY_FW_TAG, &status));
	/* Supported: the guest asks for the tag, not MRQ_QUERY_TAG's address. */
	ASSERT_EQ(0, status);
	r = bpmp_xfer(g->fd, MRQ_QUERY_FW_TAG, NULL, 0, tag, sizeof(tag));
	ASSERT_EQ(48, r.rc);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(32, r.len);
}

/* tegra_bpmp_init_clocks(): discovery, registration, clk core init. */
static void boot_clocks(struct __test_metadata *_metadata, struct guest *g)
{
	struct guest_clock *c;
	__u32 id, v, count = 0;
	__s64 rate;
	struct xfer r;
	int i;

	r = clk_msg(g, CMD_CLK_GET_MAX_CLK_ID, 0, 0, 0, &g->max_clk, 4);
	ASSERT_EQ(48, r.rc);
	ASSERT_EQ(0, r.ret);
	ASSERT_GT(MAX_CLOCKS, g->max_clk);

	/* tegra_bpmp_probe_clocks(): every id; a failed message loses it. */
	for (id = 0; id <= g->max_clk; id++) {
		c = &g->clk[id];
		r = clk_msg(g, CMD_CLK_GET_ALL_INFO, id, 0, 0, &c->info, CLK_ALL_INFO_SIZE);
		ASSERT_EQ(48, r.rc) TH_LOG("GET_ALL_INFO %u", id);
		if (r.ret < 0 || c->info.num_parents >= 255 || !c->info.name[0])
			continue;
		c->present = true;
		count++;
		/* tegra_bpmp_clk_register(): dev_WARN "Firmware bug!" otherwise. */
		EXPECT_FALSE((c->info.flags & BPMP_CLK_STATE_CHANGE_DENIED) &&
			     !(c->info.flags & BPMP_CLK_RATE_PARENT_CHANGE_DENIED))
			TH_LOG("clock %u: inconsistent permission bits", id);
	}
	ASSERT_LT(0U, count);

	for (id = 0; id <= g->max_clk; id++) {
		c = &g->clk[id];
		if (!c->present)
			continue;
		/* No NULL in .parent_names: every parent was discovered. */
		for (i = 0; i < c->info.num_parents; i++)
			EXPECT_TRUE(c->info.parents[i] < MAX_CLOCKS &&
				    g->clk[c->info.parents[i]].present)
				TH_LOG("clock %u (%s): parent %u not discovered", id,
				       c->info.name, c->info.parents[i]);
		/* __clk_init_parent(): get_parent only for muxes. */
		c->parent = c->info.num_parents ? c->info.parents[0] : id;
		if (c->info.num_parents > 1 && (c->info.flags & BPMP_CLK_HAS_MUX)) {
			r = clk_msg(g, CMD_CLK_GET_PARENT, id, 0, 0, &v, 4);
			ASSERT_EQ(48, r.rc);
			EXPECT_EQ(0, r.ret);
			EXPECT_TRUE(has_parent(c, v))
				TH_LOG("clock %u: parent %u is none of its parents", id, v);
			c->parent = v;
		}
		/* recalc_rate: tegra_bpmp_clk_recalc_rate() */
		r = clk_msg(g, CMD_CLK_GET_RATE, id, 0, 0, &rate, 8);
		ASSERT_EQ(48, r.rc);
		EXPECT_EQ(0, r.ret) TH_LOG("GET_RATE %u", id);
		/* is_prepared, for clocks registered with a prepare op */
		if (!(c->info.flags & BPMP_CLK_STATE_CHANGE_DENIED)) {
			r = clk_msg(g, CMD_CLK_IS_ENABLED, id, 0, 0, &v, 4);
			ASSERT_EQ(48, r.rc);
			EXPECT_EQ(0, r.ret);
		}
	}
}

/* tegra_bpmp_init_powergates() */
static void boot_powergates(struct __test_metadata *_metadata, struct guest *g)
{
	char resp[PG_RESP_SIZE];
	__u32 id, count = 0;
	struct xfer r;

	memset(resp, 0, sizeof(resp));
	r = pg_msg(g, CMD_PG_GET_MAX_ID, 0, 0, resp, sizeof(resp));
	ASSERT_EQ(48, r.rc);
	ASSERT_EQ(0, r.ret);
	memcpy(&g->max_pg, resp, 4);
	ASSERT_GT(MAX_PGS, g->max_pg);
	for (id = 0; id <= g->max_pg; id++) {
		memset(resp, 0, sizeof(resp));
		r = pg_msg(g, CMD_PG_GET_NAME, id, 0, resp, sizeof(resp));
		ASSERT_EQ(48, r.rc) TH_LOG("GET_NAME %u", id);
		if (r.ret < 0 || !resp[0])
			continue;
		g->pg_present[id] = true;
		count++;
		r = pg_msg(g, CMD_PG_GET_STATE, id, 0, resp, sizeof(resp));
		ASSERT_EQ(48, r.rc) TH_LOG("GET_STATE %u", id);
		EXPECT_EQ(0, r.ret);
	}
	ASSERT_LT(0U, count);
}

/* tegra_bpmp_init_debugfs(): the guest must not use the firmware's debugfs. */
static void boot_debugfs(struct __test_metadata *_metadata, struct guest *g)
{
	__s32 status = 0;

	ASSERT_EQ(0, query_abi(g, MRQ_DEBUG, &status));
	EXPECT_EQ(-BPMP_ENODEV, status);
	ASSERT_EQ(0, query_abi(g, MRQ_DEBUGFS, &status));
	EXPECT_EQ(-BPMP_ENODEV, status);
}

/* clk_core_prepare(): parents first, each clock once. */
static int prepare(struct __test_metadata *_metadata, struct guest *g, __u32 id, int depth)
{
	struct guest_clock *c = &g->clk[id];
	struct xfer r;

	if (id >= MAX_CLOCKS || !c->present || depth > 16)
		return -1;
	if (c->prepare_count++)
		return 0;
	if (c->parent != id && prepare(_metadata, g, c->parent, depth + 1))
		return -1;
	if (c->info.flags & BPMP_CLK_STATE_CHANGE_DENIED)
		return 0;	/* read-only ops: no prepare */
	r = clk_msg(g, CMD_CLK_ENABLE, id, 0, 0, NULL, 0);
	EXPECT_EQ(48, r.rc) TH_LOG("enable %u (%s): %s", id, c->info.name, strerror(-r.rc));
	EXPECT_EQ(0, r.ret) TH_LOG("enable %u (%s)", id, c->info.name);
	return r.rc == 48 && !r.ret ? 0 : -1;
}

static void boot(struct __test_metadata *_metadata, struct guest *g)
{
	boot_core(_metadata, g);
	boot_clocks(_metadata, g);
	boot_powergates(_metadata, g);
	boot_debugfs(_metadata, g);
}

static void probe_device(struct __test_metadata *_metadata, struct guest *g,
			 const struct passthrough *pt)
{
	char key[32];
	__s64 rate = 0;
	struct xfer r;
	int i;

	for (i = 0; i < pt->npd; i++) {
		r = pg_msg(g, CMD_PG_SET_STATE, pt->pd[i], PG_STATE_ON, NULL, 0);
		ASSERT_EQ(48, r.rc);
		EXPECT_EQ(0, r.ret);
		snprintf(key, sizeof(key), "pg %u", pt->pd[i]);
		EXPECT_EQ(1, model_field(key, "on"));
	}
	for (i = 0; i < pt->nprepare; i++) {
		EXPECT_EQ(0, prepare(_metadata, g, pt->prepare[i], 0))
			TH_LOG("clk_prepare(%u)", pt->prepare[i]);
		snprintf(key, sizeof(key), "clk %u", pt->prepare[i]);
		EXPECT_LE(1, model_field(key, "enable_count"));
	}
	if (pt->rate_clk) {
		r = clk_msg(g, CMD_CLK_ROUND_RATE, pt->rate_clk, 0, pt->rate, &rate, 8);
		ASSERT_EQ(48, r.rc);
		EXPECT_EQ(0, r.ret);
		r = clk_msg(g, CMD_CLK_SET_RATE, pt->rate_clk, 0, rate, &rate, 8);
		ASSERT_EQ(48, r.rc);
		EXPECT_EQ(0, r.ret);
	}
	for (i = 0; i < pt->nresets; i++) {
		r = reset_msg(g, pt->resets[i].cmd, pt->resets[i].id);
		ASSERT_EQ(48, r.rc) TH_LOG("reset %u cmd %u", pt->resets[i].id, pt->resets[i].cmd);
		EXPECT_EQ(0, r.ret);
		snprintf(key, sizeof(key), "reset %u", pt->resets[i].id);
		EXPECT_EQ(pt->resets[i].cmd == CMD_RESET_ASSERT, model_field(key, "asserted"));
	}
}

TEST_F(replay, guest_boot)
{
	struct guest *g = self->g;
	const struct passthrough *pt = &variant->pt;
	__u32 id;
	int i;

	ASSERT_EQ(0, open_node(_metadata, g, bpmp_dev(pt->suffix)));
	boot(_metadata, g);
	/* The passed-through device's clocks are writable, their ancestors gates. */
	for (i = 0; i < pt->nowned; i++) {
		id = pt->owned[i];
		ASSERT_TRUE(id < MAX_CLOCKS && g->clk[id].present) TH_LOG("clock %u", id);
		EXPECT_EQ(0U, g->clk[id].info.flags & DENIED) TH_LOG("clock %u", id);
	}
	for (i = 0; i < pt->nenable_only; i++) {
		id = pt->enable_only[i];
		ASSERT_TRUE(id < MAX_CLOCKS && g->clk[id].present) TH_LOG("clock %u", id);
		EXPECT_EQ(BPMP_CLK_RATE_PARENT_CHANGE_DENIED, g->clk[id].info.flags & DENIED)
			TH_LOG("clock %u", id);
	}
	probe_device(_metadata, g, pt);
}

TEST_F(replay, denied_outside_the_partition)
{
	static const __u32 soc_wide[] = {
		MRQ_QUERY_TAG, MRQ_STRAP, MRQ_BWMGR, MRQ_ISO_CLIENT, MRQ_EMC_DVFS_LATENCY,
	};
	struct guest *g = self->g;
	const struct passthrough *pt = &variant->pt;
	__u32 id, cls, v;
	__s32 status;
	__s64 rate;
	unsigned int i;

	ASSERT_EQ(0, open_node(_metadata, g, bpmp_dev(pt->suffix)));
	boot(_metadata, g);
	for (id = 0; id <= g->max_clk + 8 && id < MAX_CLOCKS; id++) {
		bool owned = in(pt->owned, pt->nowned, id);
		bool gate = in(pt->enable_only, pt->nenable_only, id);

		if (owned)
			continue;
		/* The class the guest was told matches the partition's. */
		if (g->clk[id].present) {
			cls = g->clk[id].info.flags & DENIED;
			EXPECT_EQ(gate ? BPMP_CLK_RATE_PARENT_CHANGE_DENIED : DENIED, cls)
				TH_LOG("clock %u (%s)", id, g->clk[id].info.name);
		}
		EXPECT_EQ(-EPERM, clk_msg(g, CMD_CLK_SET_RATE, id, 0, 1000000, &rate, 8).rc)
			TH_LOG("SET_RATE %u", id);
		EXPECT_EQ(-EPERM, clk_msg(g, CMD_CLK_SET_PARENT, id, 91, 0, &v, 4).rc)
			TH_LOG("SET_PARENT %u", id);
		if (gate)
			continue;
		EXPECT_EQ(-EPERM, clk_msg(g, CMD_CLK_ENABLE, id, 0, 0, NULL, 0).rc)
			TH_LOG("ENABLE %u", id);
		EXPECT_EQ(-EPERM, clk_msg(g, CMD_CLK_DISABLE, id, 0, 0, NULL, 0).rc)
			TH_LOG("DISABLE %u", id);
	}
	for (id = 0; id <= MAX_RESET_ID; id++) {
		if (in(pt->own_resets, pt->nown_resets, id))
			continue;
		EXPECT_EQ(-EPERM, reset_msg(g, CMD_RESET_ASSERT, id).rc) TH_LOG("reset %u", id);
		EXPECT_EQ(-EPERM, reset_msg(g, CMD_RESET_DEASSERT, id).rc) TH_LOG("reset %u", id);
		EXPECT_EQ(-EPERM, reset_msg(g, CMD_RESET_MODULE, id).rc) TH_LOG("reset %u", id);
	}
	for (id = 0; id <= g->max_pg + 4; id++) {
		if (in(pt->pd, pt->npd, id))
			continue;
		EXPECT_EQ(-EPERM, pg_msg(g, CMD_PG_SET_STATE, id, PG_STATE_ON, NULL, 0).rc)
			TH_LOG("pg %u", id);
		EXPECT_EQ(-EPERM, pg_msg(g, CMD_PG_SET_STATE, id, PG_STATE_OFF, NULL, 0).rc)
			TH_LOG("pg %u", id);
	}
	/* SoC-wide MRQs: reported unsupported, and refused. */
	for (i = 0; i < ARRAY_SIZE(soc_wide); i++) {
		status = 0;
		ASSERT_EQ(0, query_abi(g, soc_wide[i], &status));
		EXPECT_EQ(-BPMP_ENODEV, status) TH_LOG("mrq %u", soc_wide[i]);
		EXPECT_EQ(-EPERM, bpmp_xfer(g->fd, soc_wide[i], &id, 4, NULL, 0).rc)
			TH_LOG("mrq %u", soc_wide[i]);
	}
	/* An answer window larger than one firmware message fails the message. */
	EXPECT_EQ(-EINVAL, clk_msg(g, CMD_CLK_GET_ALL_INFO, pt->owned[0], 0, 0, g->clk, 121).rc);
}

TEST_F(replay, nothing_survives_the_last_close)
{
	struct guest *g = self->g;
	const struct passthrough *pt = &variant->pt;
	char *before, *after;
	int again;

	before = model_snapshot();
	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, open_node(_metadata, g, bpmp_dev(pt->suffix)));
	/* The VMM may hold a second fd (QEMU never closes its own). */
	again = open(bpmp_dev(pt->suffix), O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, again);
	boot(_metadata, g);
	probe_device(_metadata, g, pt);
	after = model_snapshot();
	ASSERT_NE(NULL, after);
	EXPECT_STRNE(before, after);
	free(after);
	close(again);
	close(g->fd);
	g->fd = -1;
	after = model_snapshot();
	ASSERT_NE(NULL, after);
	EXPECT_STREQ(before, after);
	free(before);
	free(after);
}

int main(int argc, char **argv)
{
	return bpmp_harness_main(argc, argv);
}
