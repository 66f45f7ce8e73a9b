// SPDX-License-Identifier: GPL-2.0
/*
 * The exact words the driver sends the hypervisor, read back from its
 * hypercall trace (debugfs gzvm/hypercall_trace, gzvm/hypercalls), checked
 * against what the upstream GenieZone driver sends.
 *
 * Sources (cited per row below):
 *   ACK66  Android common kernel 6.6 (android15-6.6) drivers/virt/geniezone/
 *          and arch/arm64/geniezone/ (vendor snapshot
 *          realme_neo7se-AndroidV-kernel-source, vm.c/vcpu.c@c9af9545,
 *          gzvm_vm.c@aace8ad4)
 *   v13    LKML "[PATCH v13 NN/25]" GenieZone series, 14 Nov 2024,
 *          <20241114100802.4116-(NN+1)-liju-clr.chen@mediatek.com>
 *   vgic   arch/arm64/geniezone/vgic.c gzvm_arch_inject_irq (LKML v9 10/21,
 *          unchanged through v13)
 *
 * The replay is crosvm's call order (run_gz and GeniezoneVm in crosvm's
 * src/crosvm/sys/linux.rs and hypervisor/src/geniezone/mod.rs), then
 * IRQ_LINE, an irqfd, demand paging, idle with the virtual timer and
 * teardown.
 */

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"
#include "hypercalls.h"

#define RAM_SIZE	(16 << 20)
#define MBOX		0x1000
#define PARAM		0x1100
#define DTB_GPA		(GUEST_RAM_GPA + RAM_SIZE - 0x200000)
#define SPI_N		6
#define EXIT_IDLE	0x9292000bULL

static struct gzvm_vcpu_run *kick_run;

static void on_kick(int sig)
{
	if (kick_run)
		kick_run->immediate_exit = 1;
}

struct runner {
	struct guest *g;
	pthread_t t;
};

static void *run_loop(void *arg)
{
	struct runner *r = arg;

	while (!guest_run(r->g))
		;
	return NULL;
}

static void stop(struct runner *r)
{
	kick_run = &r->g->run;
	pthread_kill(r->t, SIGUSR1);
	pthread_join(r->t, NULL);
	kick_run = NULL;
}

/*
 * crosvm's VM setup, as a table of the upstream words each step sends.
 * Filled in with the VM id, which only the CREATE_VM answer tells.
 */
static int setup_words(struct word *w, __u64 vm)
{
	__u64 t0 = tuple(vm, 0);
	struct word rows[] = {
		{ HVC_CREATE_VM, { 0, 0, 0, 0, 0, 0, 0 },
		  "ACK66 vm.c gzvm_arch_create_vm: x1 = vm_type" },
		{ HVC_ENABLE_CAP, { vm, 0x9202, 0, 0, 0, 0, 0 },
		  "ACK66 gzvm_vm.c setup_mem_alloc_mode: ENABLE_DEMAND_PAGING" },
		{ HVC_ENABLE_CAP, { vm, 0x9201, 0x200000, PA_ANY, 0, 0, 0 },
		  "v13 17/25 setup_vm_demand_paging: 2 MiB, PA of the PFN buffer" },
		{ HVC_ENABLE_CAP, { vm, 0x9203, 0, 0, 0, 0, 0 },
		  "v13 23/25 enable_idle_support" },
		{ HVC_ENABLE_CAP, { vm, GHAF_CAP_EXT, EXT_ALL, 0, 0, 0, 0 },
		  "Ghaf extension negotiation (ours, not upstream)" },
		{ HVC_MEMREGION_PURPOSE,
		  { vm, GUEST_RAM_GPA, RAM_SIZE, GZVM_USER_MEM_REGION_GUEST_MEM, 0, 0, 0 },
		  "ACK66 vm.c gzvm_arch_memregion_purpose: vm, gpa, size, flags" },
		{ HVC_SET_MEMREGION, { vm, 0x2000, PA_ANY, 0, 0, 0, 0 },
		  "ACK66 vm.c gzvm_arch_set_memregion: vm, 8 KiB, PA" },
		{ HVC_CREATE_DEVICE, { vm, PA_ANY, 0, 0, 0, 0, 0 },
		  "ACK66 gzvm_vm.c gzvm_vm_ioctl_create_device (distributor)" },
		{ HVC_CREATE_DEVICE, { vm, PA_ANY, 0, 0, 0, 0, 0 },
		  "ACK66 gzvm_vm.c gzvm_vm_ioctl_create_device (redistributor)" },
		{ HVC_CREATE_VCPU, { t0, PA_ANY, 0, 0, 0, 0, 0 },
		  "ACK66 vcpu.c gzvm_arch_create_vcpu: tuple, PA of the run page" },
		{ HVC_SET_DTB_CONFIG, { vm, DTB_GPA, 0x200000, 0, 0, 0, 0 },
		  "ACK66 vm.c gzvm_arch_set_dtb_config" },
		{ HVC_SET_ONE_REG, { t0, REG_PSTATE, 0x3c5, 0, 0, 0, 0 },
		  "ACK66 vcpu.c gzvm_arch_vcpu_update_one_reg: tuple, id, value" },
		{ HVC_SET_ONE_REG, { t0, REG_PC, GUEST_RAM_GPA, 0, 0, 0, 0 },
		  "ACK66 vcpu.c gzvm_arch_vcpu_update_one_reg" },
		{ HVC_SET_ONE_REG, { t0, REG_X(0), DTB_GPA, 0, 0, 0, 0 },
		  "ACK66 vcpu.c gzvm_arch_vcpu_update_one_reg" },
	};

	memcpy(w, rows, sizeof(rows));
	return ARRAY_SIZE(rows);
}

static int irq_line(int vm, __u32 irq, __u32 level)
{
	struct gzvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(vm, GZVM_IRQ_LINE, &l);
}

FIXTURE(trace) {
	struct hcall recs[MAX_RECS];
};

FIXTURE_SETUP(trace)
{
	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART };

	if (access(TRACE_CTL, W_OK))
		SKIP(return, "no %s (CONFIG_DEBUG_FS, gzvm loaded?)", TRACE_CTL);
	if (!have_knob("paging"))
		SKIP(return, NEEDS_KNOBS);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, knob("extensions", EXT_ALL));
}

FIXTURE_TEARDOWN(trace)
{
	trace_ctl("0");
	knob("extensions", EXT_ALL);
}

/*
 * crosvm's order, IRQ_LINE, an irqfd, demand paging and teardown; every
 * word checked against upstream's.
 */
TEST_F(trace, crosvm_replay_speaks_upstream_words)
{
	struct gzvm_dtb_config dtb = { .dtb_addr = DTB_GPA, .dtb_size = 0x200000 };
	struct gzvm_irqfd irqfd = { .gsi = SPI_N };
	struct word setup[16];
	struct runner r;
	struct guest g;
	int i, n, d, nsetup, blocks = 0, lines = 0, efd;
	__u64 vm, one = 1, cap = GZVM_CAP_PROTECTED_VM;

	memset(&g, 0, sizeof(g));
	g.ram_size = RAM_SIZE;
	ASSERT_EQ(0, trace_start());
	g.dev = gzvm_open_dev();
	ASSERT_LE(0, g.dev);
	g.vm = ioctl(g.dev, GZVM_CREATE_VM, 0);
	ASSERT_LE(0, g.vm);
	g.ram = map_anon(RAM_SIZE);
	ASSERT_NE(NULL, g.ram);
	load_prog(g.ram, PROG(irq));
	*guest_word(&g, PARAM) = SPI_N + 32;
	*guest_word(&g, PARAM + 8) = 1;
	ASSERT_EQ(0, set_region(g.vm, 0, GUEST_RAM_GPA, g.ram, RAM_SIZE));
	/* CHECK_EXTENSION is answered by the driver: no hypercall. */
	ASSERT_EQ(0, ioctl(g.vm, GZVM_CHECK_EXTENSION, &cap));
	ASSERT_EQ(0, create_gic(g.vm));
	g.vcpu = ioctl(g.vm, GZVM_CREATE_VCPU, 0);
	ASSERT_LE(0, g.vcpu);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	irqfd.fd = efd;
	ASSERT_EQ(0, ioctl(g.vm, GZVM_IRQFD, &irqfd));
	ASSERT_EQ(0, ioctl(g.vm, GZVM_SET_DTB_CONFIG, &dtb));
	ASSERT_EQ(0, set_reg(g.vcpu, REG_PSTATE, 0x3c5));
	ASSERT_EQ(0, set_reg(g.vcpu, REG_PC, GUEST_RAM_GPA));
	ASSERT_EQ(0, set_reg(g.vcpu, REG_X(0), DTB_GPA));

	r.g = &g;
	ASSERT_EQ(0, pthread_create(&r.t, NULL, run_loop, &r));
	ASSERT_EQ(0, wait_word(&g, MBOX + 0x10, 1));
	/* crosvm's service_irq: assert, then de-assert. */
	ASSERT_EQ(0, irq_line(g.vm, SPI_N, 1));
	ASSERT_EQ(0, wait_word(&g, MBOX, 1));
	ASSERT_EQ(0, irq_line(g.vm, SPI_N, 0));
	/* A virtio interrupt through the irqfd. */
	ASSERT_EQ(8, write(efd, &one, 8));
	ASSERT_EQ(0, wait_word(&g, MBOX, 2));
	stop(&r);
	close(efd);
	guest_teardown(&g);

	n = trace_read(self->recs, MAX_RECS);
	ASSERT_LT(0, n);
	ASSERT_GT(MAX_RECS, n) TH_LOG("trace ring overflowed");
	ASSERT_EQ(HVC_CREATE_VM, self->recs[0].a[0]);
	ASSERT_EQ(0, self->recs[0].r[0]);
	vm = self->recs[0].r[1];
	nsetup = setup_words(setup, vm);
	ASSERT_LE(nsetup, n);
	for (i = 0; i < nsetup; i++) {
		if (!word_matches(&self->recs[i], &setup[i])) {
			print_hcall("got", &self->recs[i]);
			ksft_print_msg("want fid=%#x per %s\n", setup[i].fid, setup[i].cite);
		}
		EXPECT_TRUE(word_matches(&self->recs[i], &setup[i]));
		EXPECT_EQ(0, self->recs[i].r[0]) TH_LOG("row %d refused", i);
	}
	/* The hypervisor granted every extension the driver asked for. */
	EXPECT_EQ(EXT_ALL, self->recs[4].r[1]);

	/*
	 * Teardown: DESTROY_VCPU, then DESTROY_VM until it is no longer busy
	 * (gzhyp reclaims one batch per call, v13 25/25).
	 */
	d = n;
	while (d > nsetup && self->recs[d - 1].a[0] == HVC_DESTROY_VM)
		d--;
	ASSERT_LT(d, n) TH_LOG("no DESTROY_VM at the end");
	for (i = d; i < n; i++) {
		struct word dvm = { HVC_DESTROY_VM, { vm, HYP_DESTROY_BATCH, 0, 0, 0, 0, 0 } };

		EXPECT_TRUE(word_matches(&self->recs[i], &dvm));
		/* ERR_BUSY (-33) but for the last. */
		EXPECT_EQ(i == n - 1 ? 0 : 0xffffffffffffffdfULL, self->recs[i].r[0]);
	}

	/* Runtime, then DESTROY_VCPU. */
	for (i = nsetup; i < d; i++) {
		const struct hcall *h = &self->recs[i];
		struct word run = { HVC_RUN, { tuple(vm, 0), 0, 0, 0, 0, 0, 0 } };
		/* v13 17/25 handle_block_demand_page: one call per batch. */
		struct word block = { HVC_MAP_GUEST_BLOCK, { vm, 0, ANY, HYP_MAP_BATCH, 0, 0, 0 } };
		/* vgic.c gzvm_arch_inject_irq: tuple, 0-based SPI, level. */
		struct word line = { HVC_IRQ_LINE, { tuple(vm, 0), SPI_N, ANY, 0, 0, 0, 0 } };
		/* ACK66 gzvm_vcpu_run: INFORM_EXIT(vm) when a signal ends RUN. */
		struct word inform = { HVC_INFORM_EXIT, { vm, 0, 0, 0, 0, 0, 0 } };
		/* ACK66 vcpu.c gzvm_arch_destroy_vcpu: tuple. */
		struct word dvcpu = { HVC_DESTROY_VCPU, { tuple(vm, 0), 0, 0, 0, 0, 0, 0 } };

		if (word_matches(h, &run) || word_matches(h, &inform))
			continue;
		if (word_matches(h, &block)) {
			EXPECT_EQ(0, h->a[3] % HYP_MAP_BATCH);
			EXPECT_EQ(0, h->r[0]);
			blocks++;
			continue;
		}
		if (word_matches(h, &line)) {
			EXPECT_GE(1, h->a[3]);
			EXPECT_EQ(0, h->r[0]);
			lines++;
			continue;
		}
		if (i == d - 1) {
			EXPECT_TRUE(word_matches(h, &dvcpu));
			continue;
		}
		print_hcall("unexpected", h);
		EXPECT_TRUE(0) TH_LOG("call %d is not one upstream sends here", i);
	}
	/* The guest touched one 2 MiB block: 512 / 64 batches. */
	EXPECT_EQ(512 / HYP_MAP_BATCH, blocks);
	/* IRQ_LINE 1 and 0 from the ioctl, 1 from the irqfd (never 0). */
	EXPECT_EQ(3, lines);
	EXPECT_EQ(HVC_DESTROY_VM, self->recs[n - 1].a[0]);
	EXPECT_NO_VIOLATIONS();
}

/*
 * Idle with the virtual timer (v13 22-23/25): the hypervisor owns the
 * timer and injects its PPI itself; the driver only sleeps until
 * vtimer_delay has passed, so no IRQ_LINE appears.
 */
TEST_F(trace, idle_with_timer_sends_no_irq_line)
{
	struct runner r;
	struct guest g;
	__u64 freq;
	int i, n, idles = 0;

	asm volatile("mrs %0, cntfrq_el0" : "=r" (freq));
	ASSERT_EQ(0, guest_setup(&g, 1 << 20, PROG(irq)));
	ASSERT_EQ(0, create_gic(g.vm));
	*guest_word(&g, PARAM) = 27;
	*guest_word(&g, PARAM + 16) = freq / 50;
	ASSERT_EQ(0, trace_start());
	r.g = &g;
	ASSERT_EQ(0, pthread_create(&r.t, NULL, run_loop, &r));
	ASSERT_EQ(0, wait_word(&g, MBOX, 3));
	stop(&r);
	n = trace_read(self->recs, MAX_RECS);
	EXPECT_EQ(27, *guest_word(&g, MBOX + 8));
	guest_teardown(&g);
	ASSERT_LT(0, n);
	EXPECT_EQ(0, count_fid(self->recs, n, HVC_IRQ_LINE));
	for (i = 0; i < n; i++)
		idles += self->recs[i].a[0] == HVC_RUN && self->recs[i].r[1] == EXIT_IDLE;
	EXPECT_LE(3, idles);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
