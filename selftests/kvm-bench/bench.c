// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal KVM harness that runs the gzvm selftests' guest programs
 * (selftests/gzvm/guest.S, the same machine code) on /dev/kvm, with the
 * host kernel at EL2 (scripts/run-qemu.sh kvm), and the KVM half of the
 * benchmark table of `make bench` (rows as in selftests/gzvm/bench.c, see
 * bench_row.h). The tests check what the guest did; the figures are
 * printed, never asserted.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "../gzvm/bench_row.h"
#include "../gzvm/guest_prog.h"

#define GUEST_RAM_GPA	0x80000000ULL
#define MMIO_BASE	0x10000000ULL
#define IOEV_ADDR	(MMIO_BASE + 0x50)
#define MBOX		0x1000
#define PARAM		0x1100
#define SPI_NR		12
/* crosvm's vGIC layout for one vCPU, as the gzvm tests use it. */
#define GICD_BASE	0x3fff0000ULL
#define GICR_BASE	(GICD_BASE - 0x20000)
#define PSCI_SYSTEM_OFF	0x84000008ULL
#define NULL_IOCTL	_IO(KVMIO, 0xfe)

#define REG_CORE(off)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
			 KVM_REG_ARM_CORE | ((off) / 4))
#define REG_X(n)	REG_CORE(8 * (n))
#define REG_PC		REG_CORE(8 * 32)
#define REG_PSTATE	REG_CORE(8 * 33)

GUEST_PROG(mmio_write);
GUEST_PROG(exit_loop);
GUEST_PROG(touch);
GUEST_PROG(irq);
GUEST_PROG(ioevent);

struct kguest {
	int kvm, vm, vcpu;
	void *ram;
	size_t ram_size;
	struct kvm_run *run;
	size_t run_size;
};

static int set_reg(int vcpu, __u64 id, __u64 val)
{
	struct kvm_one_reg r = { .id = id, .addr = (__u64)(uintptr_t)&val };

	return ioctl(vcpu, KVM_SET_ONE_REG, &r);
}

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* 4 KiB stage-2 mappings, as gzvm's 4 KiB demand paging. */
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

static int set_region(int vm, __u32 slot, __u64 gpa, void *hva, __u64 size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (__u64)(uintptr_t)hva,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

static int kvm_open(void)
{
	return open("/dev/kvm", O_RDWR | O_CLOEXEC);
}

/*
 * A VM with ram_size bytes of RAM at GUEST_RAM_GPA holding the program and
 * one vCPU (PSCI 0.2) at its start, EL1h with interrupts masked; with a
 * vGICv3 at crosvm's addresses if `gic`.
 */
static int kguest_setup(struct kguest *g, size_t ram_size, struct prog p,
			int gic)
{
	struct kvm_vcpu_init init;
	int size;

	memset(g, 0, sizeof(*g));
	g->kvm = g->vm = g->vcpu = -1;
	g->ram_size = ram_size;
	g->kvm = kvm_open();
	if (g->kvm < 0)
		return -1;
	g->vm = ioctl(g->kvm, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return -1;
	g->ram = map_anon(ram_size);
	if (!g->ram)
		return -1;
	memcpy(g->ram, p.code, p.len);
	if (set_region(g->vm, 0, GUEST_RAM_GPA, g->ram, ram_size))
		return -1;
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		return -1;
	if (ioctl(g->vm, KVM_ARM_PREFERRED_TARGET, &init))
		return -1;
	init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(g->vcpu, KVM_ARM_VCPU_INIT, &init))
		return -1;
	size = ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return -1;
	g->run_size = size;
	g->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->vcpu, 0);
	if (g->run == MAP_FAILED) {
		g->run = NULL;
		return -1;
	}
	if (set_reg(g->vcpu, REG_PC, GUEST_RAM_GPA) ||
	    set_reg(g->vcpu, REG_PSTATE, 0x3c5))
		return -1;
	if (gic) {
		__u64 dist = GICD_BASE, redist = GICR_BASE;
		struct kvm_create_device dev = {
			.type = KVM_DEV_TYPE_ARM_VGIC_V3,
		};
		struct kvm_device_attr a = {
			.group = KVM_DEV_ARM_VGIC_GRP_ADDR,
			.attr = KVM_VGIC_V3_ADDR_TYPE_DIST,
			.addr = (__u64)(uintptr_t)&dist,
		};

		if (ioctl(g->vm, KVM_CREATE_DEVICE, &dev))
			return -1;
		if (ioctl(dev.fd, KVM_SET_DEVICE_ATTR, &a))
			return -1;
		a.attr = KVM_VGIC_V3_ADDR_TYPE_REDIST;
		a.addr = (__u64)(uintptr_t)&redist;
		if (ioctl(dev.fd, KVM_SET_DEVICE_ATTR, &a))
			return -1;
		a = (struct kvm_device_attr){
			.group = KVM_DEV_ARM_VGIC_GRP_CTRL,
			.attr = KVM_DEV_ARM_VGIC_CTRL_INIT,
		};
		if (ioctl(dev.fd, KVM_SET_DEVICE_ATTR, &a))
			return -1;
		close(dev.fd);
	}
	return 0;
}

static void kguest_teardown(struct kguest *g)
{
	if (g->run)
		munmap(g->run, g->run_size);
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->kvm >= 0)
		close(g->kvm);
	if (g->ram)
		munmap(g->ram, g->ram_size);
}

static int krun(struct kguest *g)
{
	return ioctl(g->vcpu, KVM_RUN, 0);
}

static __u64 *mbox(struct kguest *g, int off)
{
	return (__u64 *)((char *)g->ram + MBOX + off);
}

static double null_ioctl_ns(int fd, int n)
{
	double t0 = bench_now_ns();
	int i;

	for (i = 0; i < n; i++)
		ioctl(fd, NULL_IOCTL, 0);
	return (bench_now_ns() - t0) / n;
}

#define NO_KVM "no /dev/kvm (the host must boot at EL2: run-qemu.sh kvm)"

static int have_kvm(void)
{
	return access("/dev/kvm", R_OK | W_OK) == 0;
}

/* The harness itself: an MMIO write exit with its data, then SYSTEM_OFF. */
TEST(mmio_write_then_system_off)
{
	struct kguest g;

	if (!have_kvm())
		SKIP(return, NO_KVM);
	ASSERT_EQ(0, kguest_setup(&g, 1 << 20, PROG(mmio_write), 0));
	ASSERT_EQ(0, krun(&g));
	ASSERT_EQ(KVM_EXIT_MMIO, g.run->exit_reason);
	EXPECT_EQ(MMIO_BASE + 8, g.run->mmio.phys_addr);
	EXPECT_EQ(4, g.run->mmio.len);
	EXPECT_EQ(1, g.run->mmio.is_write);
	EXPECT_EQ(0xdeadbeef, *(__u32 *)g.run->mmio.data);
	ASSERT_EQ(0, krun(&g));
	ASSERT_EQ(KVM_EXIT_SYSTEM_EVENT, g.run->exit_reason);
	EXPECT_EQ(KVM_SYSTEM_EVENT_SHUTDOWN, g.run->system_event.type);
	kguest_teardown(&g);
}

/* RUN round trip of the MMIO store loop, against a null ioctl. */
TEST(run_round_trip)
{
	int reps = bench_reps(3, 7), runs = 300, r, i;
	double run[BENCH_MAX_REPS], ref[BENCH_MAX_REPS], t0;
	struct kguest g;

	if (!have_kvm())
		SKIP(return, NO_KVM);
	ASSERT_EQ(0, kguest_setup(&g, 1 << 20, PROG(exit_loop), 0));
	ASSERT_EQ(0, krun(&g));
	for (r = 0; r < reps; r++) {
		t0 = bench_now_ns();
		for (i = 0; i < runs; i++) {
			ASSERT_EQ(0, krun(&g));
			ASSERT_EQ(KVM_EXIT_MMIO, g.run->exit_reason);
		}
		run[r] = (bench_now_ns() - t0) / runs;
		ref[r] = null_ioctl_ns(g.vcpu, 3000);
	}
	EXPECT_EQ(MMIO_BASE, g.run->mmio.phys_addr);
	bench_row("run_mmio", "kvm", "null_ioctl", run, ref, reps);
	kguest_teardown(&g);
}

/* --- interrupts: a vCPU thread waits in WFI in guest_irq --- */

static struct kvm_run *kick_run;

static void on_kick(int sig)
{
	if (kick_run)
		kick_run->immediate_exit = 1;
}

struct vcpu_thread {
	struct kguest *g;
	pthread_t t;
	int err, exits;
};

static void *vcpu_loop(void *arg)
{
	struct vcpu_thread *v = arg;

	while (!krun(v->g))
		v->exits++;
	v->err = errno;
	return NULL;
}

static int wait_for(__u64 *p, __u64 want)
{
	double end = bench_now_ns() + 5e9;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) < want) {
		if (bench_now_ns() > end)
			return -1;
		sched_yield();
	}
	return 0;
}

static int irq_line(int vm, __u32 spi, __u32 level)
{
	struct kvm_irq_level l = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		       (spi + 32),
		.level = level,
	};

	return ioctl(vm, KVM_IRQ_LINE, &l);
}

static int kick(int efd)
{
	__u64 one = 1;

	return write(efd, &one, 8) == 8 ? 0 : -1;
}

/* irqfd write -> guest handler, against KVM_IRQ_LINE -> guest handler. */
TEST(irqfd_vs_irq_line)
{
	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART };
	int reps = bench_reps(3, 7), n = 50, efd, r, i;
	double fd_ns[BENCH_MAX_REPS], line_ns[BENCH_MAX_REPS], t0;
	/* Without GSI routing, an irqfd's GSI is the SPI number (INTID - 32). */
	struct kvm_irqfd ifd = { .gsi = SPI_NR };
	struct vcpu_thread v;
	struct kguest g;
	__u64 seen = 0;

	if (!have_kvm())
		SKIP(return, NO_KVM);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, kguest_setup(&g, 1 << 20, PROG(irq), 1));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ifd.fd = efd;
	ASSERT_EQ(0, ioctl(g.vm, KVM_IRQFD, &ifd));
	*mbox(&g, PARAM - MBOX) = SPI_NR + 32;
	*mbox(&g, PARAM - MBOX + 8) = 1;
	v = (struct vcpu_thread){ .g = &g };
	ASSERT_EQ(0, pthread_create(&v.t, NULL, vcpu_loop, &v));
	ASSERT_EQ(0, wait_for(mbox(&g, 0x10), 1));
	usleep(20000);
	for (r = 0; r < reps; r++) {
		t0 = bench_now_ns();
		for (i = 0; i < n; i++) {
			ASSERT_EQ(0, kick(efd));
			ASSERT_EQ(0, wait_for(mbox(&g, 0), ++seen));
		}
		fd_ns[r] = (bench_now_ns() - t0) / n;
		t0 = bench_now_ns();
		for (i = 0; i < n; i++) {
			ASSERT_EQ(0, irq_line(g.vm, SPI_NR, 1));
			ASSERT_EQ(0, wait_for(mbox(&g, 0), ++seen));
			ASSERT_EQ(0, irq_line(g.vm, SPI_NR, 0));
		}
		line_ns[r] = (bench_now_ns() - t0) / n;
	}
	/* The handler acknowledged our SPI. */
	EXPECT_EQ(SPI_NR + 32, *mbox(&g, 8));
	kick_run = g.run;
	pthread_kill(v.t, SIGUSR1);
	pthread_join(v.t, NULL);
	kick_run = NULL;
	EXPECT_EQ(EINTR, v.err);
	EXPECT_EQ(0, v.exits);
	bench_row("irqfd", "kvm", "irq_line", fd_ns, line_ns, reps);
	kguest_teardown(&g);
	close(efd);
}

static void ioevent_params(struct kguest *g, __u64 n, __u64 a, __u64 b)
{
	*mbox(g, PARAM - MBOX) = n;
	*mbox(g, PARAM - MBOX + 8) = a;
	*mbox(g, PARAM - MBOX + 16) = b;
}

/* ioeventfd in the kernel, against an exit to userspace + eventfd write. */
TEST(ioeventfd_vs_userspace_exit)
{
	int reps = bench_reps(3, 7), n = 300, efd, r;
	double kern[BENCH_MAX_REPS], user[BENCH_MAX_REPS], t0;
	struct kvm_ioeventfd io = { .addr = IOEV_ADDR, .len = 4 };
	struct kguest g;
	__u64 cnt;

	if (!have_kvm())
		SKIP(return, NO_KVM);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	for (r = 0; r < reps; r++) {
		int exits = 0;

		ASSERT_EQ(0, kguest_setup(&g, 1 << 20, PROG(ioevent), 0));
		ioevent_params(&g, n, 1, 1);
		io.fd = efd;
		ASSERT_EQ(0, ioctl(g.vm, KVM_IOEVENTFD, &io));
		t0 = bench_now_ns();
		ASSERT_EQ(0, krun(&g));
		kern[r] = (bench_now_ns() - t0) / (n + 1);
		ASSERT_EQ(KVM_EXIT_SYSTEM_EVENT, g.run->exit_reason);
		ASSERT_EQ(8, read(efd, &cnt, 8));
		EXPECT_EQ(n + 1, cnt);
		kguest_teardown(&g);

		ASSERT_EQ(0, kguest_setup(&g, 1 << 20, PROG(ioevent), 0));
		ioevent_params(&g, n, 1, 1);
		t0 = bench_now_ns();
		for (;;) {
			ASSERT_EQ(0, krun(&g));
			if (g.run->exit_reason != KVM_EXIT_MMIO)
				break;
			exits++;
			ASSERT_EQ(0, kick(efd));
		}
		user[r] = (bench_now_ns() - t0) / (n + 1);
		EXPECT_EQ(n + 1, exits);
		ASSERT_EQ(8, read(efd, &cnt, 8));
		EXPECT_EQ(n + 1, cnt);
		kguest_teardown(&g);
	}
	bench_row("ioeventfd", "kvm", "user_exit", kern, user, reps);
	close(efd);
}

/* Tests that need more than the harness's default 30 s. */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

/* One pass of guest_touch: RUN until its MMIO exit; the time it took. */
static double pass(struct __test_metadata *_metadata, struct kguest *g,
		   __u64 end)
{
	double t0 = bench_now_ns();

	EXPECT_EQ(0, krun(g));
	EXPECT_EQ(KVM_EXIT_MMIO, g->run->exit_reason);
	/* It reports the end of the range it touched. */
	EXPECT_EQ(end, *(__u64 *)g->run->mmio.data);
	return bench_now_ns() - t0;
}

/*
 * KVM's stage-2 fault on first touch of a host-populated 4 KiB page (one
 * pass cold, minus one pass mapped, per page), against a null ioctl.
 */
TEST_F_TIMEOUT(slow, stage2_fault, 250)
{
	const __u64 base = GUEST_RAM_GPA + (1 << 20), bytes = 1 << 20;
	double fault[BENCH_MAX_REPS], ref[BENCH_MAX_REPS], cold, warm;
	int reps = bench_reps(3, 5), r;
	struct kguest g;

	if (!have_kvm())
		SKIP(return, NO_KVM);
	for (r = 0; r < reps; r++) {
		ASSERT_EQ(0, kguest_setup(&g, 4 << 20, PROG(touch), 0));
		/* Host pages present: only the stage-2 side is measured. */
		memset((char *)g.ram + (1 << 20), 0, bytes);
		ASSERT_EQ(0, set_reg(g.vcpu, REG_X(0), base));
		ASSERT_EQ(0, set_reg(g.vcpu, REG_X(1), bytes));
		ASSERT_EQ(0, set_reg(g.vcpu, REG_X(2), 4096));
		cold = pass(_metadata, &g, base + bytes);
		warm = pass(_metadata, &g, base + bytes);
		fault[r] = (cold - warm) / (bytes / 4096);
		ref[r] = null_ioctl_ns(g.vcpu, 3000);
		kguest_teardown(&g);
	}
	bench_row("fault_4k", "kvm", "null_ioctl", fault, ref, reps);
}

TEST_HARNESS_MAIN
