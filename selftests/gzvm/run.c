// SPDX-License-Identifier: GPL-2.0
/*
 * gzvm run loop on the hypervisor: real AArch64 guest programs doing
 * MMIO writes and reads, hypercalls, PSCI, undefined instructions, memory
 * in every paging mode; immediate_exit and signals.
 */

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"

#define RAM_SIZE	(4 << 20)

static void expect_shutdown(struct __test_metadata *_metadata, struct guest *g)
{
	ASSERT_EQ(0, guest_run(g)) TH_LOG("RUN: %s", strerror(errno));
	EXPECT_EQ(GZVM_EXIT_SYSTEM_EVENT, g->run.exit_reason);
	EXPECT_EQ(1, g->run.system_event.type);
}

TEST(mmio_write)
{
	struct guest g;

	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(mmio_write)));
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	EXPECT_EQ(MMIO_BASE + 8, g.run.mmio.phys_addr);
	EXPECT_EQ(4, g.run.mmio.size);
	EXPECT_EQ(1, g.run.mmio.is_write);
	EXPECT_EQ(0xdeadbeef, *(__u32 *)g.run.mmio.data);
	EXPECT_EQ(2, g.run.mmio.reg_nr);
	expect_shutdown(_metadata, &g);
	guest_teardown(&g);
}

TEST(mmio_read_completes_on_next_run)
{
	struct guest g;
	__u64 v;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(mmio_read)));
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	EXPECT_EQ(MMIO_BASE, g.run.mmio.phys_addr);
	EXPECT_EQ(1, g.run.mmio.size);
	EXPECT_EQ(0, g.run.mmio.is_write);
	memcpy(g.run.mmio.data, "\xfe\xff\xff\xff\xff\xff\xff\xff", 8);	/* ldrb: 0xfe */
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	EXPECT_EQ(MMIO_BASE + 2, g.run.mmio.phys_addr);
	EXPECT_EQ(2, g.run.mmio.size);
	v = 0xfffffffffffff000ULL;	/* ldrsh: -4096 */
	memcpy(g.run.mmio.data, &v, 8);
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	EXPECT_EQ(8, g.run.mmio.size);
	v = 100000;
	memcpy(g.run.mmio.data, &v, 8);
	ASSERT_EQ(0, guest_run(&g));
	/* The sum 0xfe - 4096 + 100000, stored post-indexed. */
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	EXPECT_EQ(MMIO_BASE + 0x100, g.run.mmio.phys_addr);
	EXPECT_EQ(1, g.run.mmio.is_write);
	memcpy(&v, g.run.mmio.data, 8);
	EXPECT_EQ(0xfeULL - 4096 + 100000, v);
	/* The post-index writeback happened: x6 = base + 0x108. */
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	memcpy(&v, g.run.mmio.data, 8);
	EXPECT_EQ(MMIO_BASE + 0x108, v);
	expect_shutdown(_metadata, &g);
	guest_teardown(&g);
}

TEST(hypercall_exit_and_answer)
{
	struct guest g;
	__u64 v;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(hvc)));
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_HYPERCALL, g.run.exit_reason);
	EXPECT_EQ(0xc3001234ULL, g.run.hypercall.args[0]);
	EXPECT_EQ(11ULL, g.run.hypercall.args[1]);
	EXPECT_EQ(77ULL, g.run.hypercall.args[7]);
	/* The VMM answers in args[0..3]; the guest adds x0 + x1. */
	g.run.hypercall.args[0] = 1000;
	g.run.hypercall.args[1] = 234;
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	memcpy(&v, g.run.mmio.data, 8);
	EXPECT_EQ(1234ULL, v);
	/* PSCI_VERSION is answered by the hypervisor: 1.1. */
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	memcpy(&v, g.run.mmio.data, 8);
	EXPECT_EQ(0x10001ULL, v);
	/* SYSTEM_RESET. */
	ASSERT_EQ(0, guest_run(&g));
	EXPECT_EQ(GZVM_EXIT_SYSTEM_EVENT, g.run.exit_reason);
	EXPECT_EQ(2, g.run.system_event.type);
	guest_teardown(&g);
}

TEST(ptp_is_answered_in_the_kernel)
{
	struct timespec ts;
	__u64 v[4], real, host;
	struct guest g;
	int i;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(ptp)));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, guest_run(&g));
		ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
		memcpy(&v[i], g.run.mmio.data, 8);
		EXPECT_GE(0xffffffffULL, v[i]);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	real = v[0] << 32 | v[1];
	host = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	/* The guest's real time is the host's, taken moments ago. */
	EXPECT_LE(real, host);
	EXPECT_GT(real + 60 * 1000000000ULL, host);
	EXPECT_NE(0ULL, v[2] << 32 | v[3]);
	expect_shutdown(_metadata, &g);
	guest_teardown(&g);
}

TEST(undefined_instruction_is_internal_error)
{
	struct guest g;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(undef)));
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_INTERNAL_ERROR, g.run.exit_reason);
	EXPECT_EQ(2, g.run.internal.ndata);
	/*
	 * The CPU traps the FP instruction to the guest's own EL1
	 * (CPACR_EL1.FPEN is 0 at reset): the guest, whose VBAR_EL1 is 0,
	 * takes it at 0x200, outside its memory, where the hypervisor stops
	 * it with the fetch address and ESR_EL2 (instruction abort).
	 */
	EXPECT_EQ(0x200, g.run.internal.data[0]);
	EXPECT_EQ(0x20, g.run.internal.data[1] >> 26);
	guest_teardown(&g);
}

/*
 * The guest can neither read the host's PMU and debug state nor change it:
 * PMCR_EL0 (whose N field a real PMU sets) and MDSCR_EL1 read as zero, and
 * a write to MDSCR_EL1 is ignored.
 */
TEST(pmu_and_debug_registers_are_not_the_hosts)
{
	__u64 pmcr = 1, mdscr = 1, after = 1;
	struct guest g;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(pmu_debug)));
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	ASSERT_EQ(0, get_reg(g.vcpu, REG_X(0), &pmcr));
	ASSERT_EQ(0, get_reg(g.vcpu, REG_X(1), &mdscr));
	ASSERT_EQ(0, get_reg(g.vcpu, REG_X(3), &after));
	EXPECT_EQ(0, pmcr);
	EXPECT_EQ(0, mdscr);
	EXPECT_EQ(0, after);
	guest_teardown(&g);
}

TEST(pc_outside_ram_is_internal_error)
{
	struct guest g;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(spin)));
	ASSERT_EQ(0, set_reg(g.vcpu, REG_PC, MMIO_BASE));
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_INTERNAL_ERROR, g.run.exit_reason);
	EXPECT_EQ(MMIO_BASE, g.run.internal.data[0]);
	guest_teardown(&g);
}

TEST(run_errors)
{
	struct guest g;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(mmio_write)));
	g.run.padding1[1] = 1;
	errno = 0;
	EXPECT_EQ(-1, guest_run(&g));
	EXPECT_EQ(EINVAL, errno);
	g.run.padding1[1] = 0;
	g.run.immediate_exit = 1;
	errno = 0;
	EXPECT_EQ(-1, guest_run(&g));
	EXPECT_EQ(EINTR, errno);
	g.run.immediate_exit = 0;
	errno = 0;
	EXPECT_EQ(-1, ioctl(g.vcpu, GZVM_RUN, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(g.vcpu, GZVM_RUN, (void *)(uintptr_t)-4096));
	EXPECT_EQ(EFAULT, errno);
	/* The guest did not move: the next RUN still does the first store. */
	ASSERT_EQ(0, guest_run(&g));
	EXPECT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	guest_teardown(&g);
}

FIXTURE(paging) {
	struct guest g;
};

FIXTURE_VARIANT(paging) {
	int mode;
	size_t ram;
};

FIXTURE_VARIANT_ADD(paging, fully_populated) { .mode = 0, .ram = 6 << 20 };
FIXTURE_VARIANT_ADD(paging, demand_4k) { .mode = 1, .ram = 6 << 20 };
FIXTURE_VARIANT_ADD(paging, demand_2m_blocks) { .mode = 2, .ram = 6 << 20 };

FIXTURE_SETUP(paging)
{
	ASSERT_EQ(0, set_paging(variant->mode));
	ASSERT_EQ(0, guest_setup(&self->g, variant->ram, PROG(memwalk)));
}

FIXTURE_TEARDOWN(paging)
{
	guest_teardown(&self->g);
	set_paging(2);
}

TEST_F(paging, guest_and_host_see_the_same_memory)
{
	struct guest *g = &self->g;
	size_t off;
	__u64 v;

	/* Walk 4 MiB from 1 MiB in, one store per 4 KiB + 8 bytes. */
	ASSERT_EQ(0, set_reg(g->vcpu, REG_X(0), GUEST_RAM_GPA + (1 << 20)));
	ASSERT_EQ(0, set_reg(g->vcpu, REG_X(1), 4 << 20));
	ASSERT_EQ(0, set_reg(g->vcpu, REG_X(2), 4096 + 8));
	ASSERT_EQ(0, guest_run(g)) TH_LOG("RUN: %s", strerror(errno));
	ASSERT_EQ(GZVM_EXIT_MMIO, g->run.exit_reason);
	memcpy(&v, g->run.mmio.data, 8);
	EXPECT_EQ(0ULL, v) TH_LOG("%llu mismatches seen by the guest", v);
	for (off = 1 << 20; off < (5 << 20); off += 4096 + 8) {
		memcpy(&v, (char *)g->ram + off, 8);
		if (v != GUEST_RAM_GPA + off) {
			EXPECT_EQ(GUEST_RAM_GPA + off, v);
			break;
		}
	}
	/* And the other way: a host write is seen by the guest. */
	ASSERT_EQ(0, guest_run(g));
	EXPECT_EQ(GZVM_EXIT_SYSTEM_EVENT, g->run.exit_reason);
}

FIXTURE(relinquish) {
	struct guest g;
};

FIXTURE_VARIANT(relinquish) {
	int mode;
};

FIXTURE_VARIANT_ADD(relinquish, demand_4k) { .mode = 1 };
FIXTURE_VARIANT_ADD(relinquish, demand_2m_blocks) { .mode = 2 };

FIXTURE_SETUP(relinquish)
{
	ASSERT_EQ(0, set_paging(variant->mode));
	ASSERT_EQ(0, guest_setup(&self->g, RAM_SIZE, PROG(relinquish)));
}

FIXTURE_TEARDOWN(relinquish)
{
	guest_teardown(&self->g);
	set_paging(2);
}

TEST_F(relinquish, page_comes_back_on_next_touch)
{
	struct guest *g = &self->g;
	__u64 v;

	ASSERT_EQ(0, guest_run(g)) TH_LOG("RUN: %s", strerror(errno));
	/* Handled in the kernel: the first exit is the guest's report. */
	ASSERT_EQ(GZVM_EXIT_MMIO, g->run.exit_reason);
	memcpy(&v, g->run.mmio.data, 8);
	EXPECT_EQ(0ULL, v);
	ASSERT_EQ(0, guest_run(g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g->run.exit_reason);
	memcpy(&v, g->run.mmio.data, 8);
	EXPECT_EQ(43ULL, v);
	memcpy(&v, (char *)g->ram + 0x200000, 8);
	EXPECT_EQ(43ULL, v);
	ASSERT_EQ(0, guest_run(g));
	EXPECT_EQ(GZVM_EXIT_SYSTEM_EVENT, g->run.exit_reason);
}

static struct gzvm_vcpu_run *kick_run;

static void on_kick(int sig)
{
	if (kick_run)
		kick_run->immediate_exit = 1;
}

struct runner {
	int vcpu;
	struct gzvm_vcpu_run *run;
	int ret, err;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->ret = ioctl(r->vcpu, GZVM_RUN, r->run);
	r->err = errno;
	return NULL;
}

TEST(spinning_guest_is_interrupted_by_a_signal)
{
	struct sigaction sa = { .sa_handler = on_kick };
	struct guest g;
	struct runner r;
	pthread_t t;
	__u64 x0 = 0, seen;
	__u64 *counter;
	int i;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(spin)));
	counter = (__u64 *)((char *)g.ram + 0x1000);
	/* No SA_RESTART: RUN fails with EINTR. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	kick_run = NULL;
	r = (struct runner){ .vcpu = g.vcpu, .run = &g.run };
	ASSERT_EQ(0, pthread_create(&t, NULL, run_thread, &r));
	/* Watch the guest count in RAM (up to 20 s), then kick it. */
	for (i = 0; i < 2000; i++) {
		seen = __atomic_load_n(counter, __ATOMIC_RELAXED);
		if (seen >= 20000)
			break;
		usleep(10000);
	}
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_LE(20000ULL, seen);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	/* The vCPU stopped where the guest was: x0 is at least what we saw. */
	EXPECT_EQ(0, get_reg(g.vcpu, REG_X(0), &x0));
	EXPECT_LE(seen, x0);
	guest_teardown(&g);
}

TEST(crosvm_kick_with_sa_restart_and_immediate_exit)
{
	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART };
	struct guest g;
	struct runner r;
	pthread_t t;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(spin)));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	kick_run = &g.run;
	r = (struct runner){ .vcpu = g.vcpu, .run = &g.run };
	ASSERT_EQ(0, pthread_create(&t, NULL, run_thread, &r));
	usleep(200000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	/* Restarted transparently, then stopped by immediate_exit. */
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(1, g.run.immediate_exit);
	kick_run = NULL;
	guest_teardown(&g);
}

TEST(cpu_off_blocks_until_signal)
{
	struct sigaction sa = { .sa_handler = on_kick };
	struct guest g;
	struct runner r;
	pthread_t t;

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(cpu_off)));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	kick_run = NULL;
	r = (struct runner){ .vcpu = g.vcpu, .run = &g.run };
	ASSERT_EQ(0, pthread_create(&t, NULL, run_thread, &r));
	usleep(200000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	guest_teardown(&g);
}

TEST(close_fds_while_running)
{
	struct sigaction sa = { .sa_handler = on_kick };
	int order;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	kick_run = NULL;
	for (order = 0; order < 4; order++) {
		struct guest g;
		struct runner r;
		pthread_t t;

		ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(spin)));
		r = (struct runner){ .vcpu = g.vcpu, .run = &g.run };
		ASSERT_EQ(0, pthread_create(&t, NULL, run_thread, &r));
		usleep(50000);
		/* Close dev, VM and memory in different orders while it runs. */
		if (order & 1) {
			close(g.vm);
			g.vm = -1;
		}
		if (order & 2) {
			close(g.dev);
			g.dev = -1;
		}
		usleep(50000);
		pthread_kill(t, SIGUSR1);
		pthread_join(t, NULL);
		EXPECT_EQ(EINTR, r.err);
		guest_teardown(&g);
	}
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
