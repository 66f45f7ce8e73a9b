// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks of /dev/gzvm, the gzvm half of the table that `make bench`
 * prints next to KVM's (selftests/kvm-bench/bench.c runs the same guest programs
 * on /dev/kvm). Figures, not pass/fail thresholds: each row is a median of
 * several repetitions, each against a reference measured in the same
 * repetition (bench_row.h). GV_BENCH=full (make bench) takes more
 * repetitions than make check does.
 */

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"
#include "bench_row.h"

#define HVC_TIME	"/sys/kernel/debug/gzvm/hvc_time"
#define NULL_IOCTL	_IO(GZVM_IOC_MAGIC, 0xfe)
#define MBOX		0x1000
#define PARAM		0x1100
#define IOEV_ADDR	(MMIO_BASE + 0x50)
#define SPI_NR		12

GUEST_PROG(touch);

static double null_ioctl_ns(int fd, int n)
{
	double t0 = bench_now_ns();
	int i;

	for (i = 0; i < n; i++)
		ioctl(fd, NULL_IOCTL, 0);
	return (bench_now_ns() - t0) / n;
}

/*
 * The driver's benchmark timing (gzvm/hvc_time): calls and nanoseconds so
 * far inside hvc, in the driver's GZVM_RUN, in its exit handling; -1 if
 * absent.
 */
struct drv_time {
	long long calls, run_calls, exit_calls, entry_calls;
	double hvc_ns, run_ns, exit_ns, entry_ns;
};

static int drv_time(struct drv_time *d)
{
	unsigned long long on, c, ticks, freq, rc, rt, ec, et, nc, nt;
	char buf[256] = "";
	int fd = open(HVC_TIME, O_RDONLY), n;
	char *run, *ex, *en;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || sscanf(buf, "on=%llu calls=%llu ticks=%llu freq=%llu",
			     &on, &c, &ticks, &freq) != 4 || !freq)
		return -1;
	run = strstr(buf, "run calls=");
	ex = strstr(buf, "exit calls=");
	en = strstr(buf, "entry calls=");
	if (!run || !ex || !en ||
	    sscanf(en, "entry calls=%llu ticks=%llu", &nc, &nt) != 2 ||
	    sscanf(run, "run calls=%llu ticks=%llu", &rc, &rt) != 2 ||
	    sscanf(ex, "exit calls=%llu ticks=%llu", &ec, &et) != 2)
		return -1;
	*d = (struct drv_time){
		.calls = c, .hvc_ns = ticks * 1e9 / freq,
		.run_calls = rc, .run_ns = rt * 1e9 / freq,
		.exit_calls = ec, .exit_ns = et * 1e9 / freq,
		.entry_calls = nc, .entry_ns = nt * 1e9 / freq,
	};
	return 0;
}

#define RUN_PROFILE_FMT "bench: RUN ioctl profile: in hvc %.0f ns (%.2f calls); driver %.0f ns: entry to hvc %.0f, exit handling %.0f, rest (loop, copy-out, unlock) %.0f; syscall path outside the driver %.0f ns; null ioctl %.0f ns\n"

/*
 * RUN round trip of a guest that exits on every instruction (an MMIO store
 * loop) against a null ioctl on the vCPU fd; and the driver's own share of
 * the RUN: the ioctl minus the time inside `hvc` (timed by the driver with
 * the virtual counter, gzvm/hvc_time), against the same null ioctl.
 */
TEST(run_round_trip_and_driver_overhead)
{
	int reps = bench_reps(3, 7), runs = 300, nulls = 3000, r, i;
	double run[BENCH_MAX_REPS], drv[BENCH_MAX_REPS];
	double ref[BENCH_MAX_REPS], ref2[BENCH_MAX_REPS];
	double in_hvc[BENCH_MAX_REPS], in_run[BENCH_MAX_REPS];
	double in_exit[BENCH_MAX_REPS], hvcs[BENCH_MAX_REPS];
	double in_entry[BENCH_MAX_REPS];
	int timed = access(HVC_TIME, W_OK) == 0;
	struct guest g;

	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, guest_setup(&g, 1 << 20, PROG(exit_loop)));
	/* Warm up: the first RUN faults the code page in. */
	ASSERT_EQ(0, guest_run(&g));
	for (r = 0; r < reps; r++) {
		struct drv_time d0, d1;
		double t0;

		if (timed) {
			ASSERT_EQ(0, write_file(HVC_TIME, "1"));
			ASSERT_EQ(0, drv_time(&d0));
		}
		t0 = bench_now_ns();
		for (i = 0; i < runs; i++) {
			ASSERT_EQ(0, guest_run(&g));
			ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
		}
		run[r] = (bench_now_ns() - t0) / runs;
		if (timed) {
			ASSERT_EQ(0, drv_time(&d1));
			ASSERT_EQ(0, write_file(HVC_TIME, "0"));
			/* RUN calls: one per ioctl, more after host interrupts. */
			EXPECT_LE(runs, d1.calls - d0.calls);
			EXPECT_EQ(runs, d1.run_calls - d0.run_calls);
			in_hvc[r] = (d1.hvc_ns - d0.hvc_ns) / runs;
			in_run[r] = (d1.run_ns - d0.run_ns) / runs;
			in_exit[r] = (d1.exit_ns - d0.exit_ns) / runs;
			in_entry[r] = (d1.entry_ns - d0.entry_ns) / runs;
			hvcs[r] = (double)(d1.calls - d0.calls) / runs;
			drv[r] = run[r] - in_hvc[r];
		}
		ref[r] = null_ioctl_ns(g.vcpu, nulls);
		ref2[r] = ref[r];
	}
	bench_row("run_mmio", "gzvm", "null_ioctl", run, ref, reps);
	if (timed) {
		bench_row("drv_overhead", "gzvm", "null_ioctl", drv, ref2, reps);
		/* Profile of one RUN ioctl (medians): where the time goes. */
		double h = bench_median(in_hvc, reps);
		double d = bench_median(in_run, reps) - h;
		double en = bench_median(in_entry, reps);
		double ex = bench_median(in_exit, reps);

		ksft_print_msg(RUN_PROFILE_FMT,
			       h, bench_median(hvcs, reps), d, en, ex, d - en - ex,
			       bench_median(run, reps) - bench_median(in_run, reps),
			       bench_median(ref, reps));
	}
	guest_teardown(&g);
	if (!timed)
		SKIP(return, "no %s (needs CONFIG_GZVM_TEST_KNOBS): driver overhead not measured",
		     HVC_TIME);
}

/* --- interrupts: a vCPU thread waits in WFI in guest_irq --- */

static struct gzvm_vcpu_run *kick_run;

static void on_kick(int sig)
{
	if (kick_run)
		kick_run->immediate_exit = 1;
}

struct vcpu_thread {
	struct guest *g;
	pthread_t t;
	int err, exits;
};

static void *vcpu_loop(void *arg)
{
	struct vcpu_thread *v = arg;

	while (!guest_run(v->g))
		v->exits++;
	v->err = errno;
	return NULL;
}

static __u64 *mbox(struct guest *g, int off)
{
	return (__u64 *)((char *)g->ram + MBOX + off);
}

/* Waits (yielding, up to 5 s) until *p >= want; 0 on success. */
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
	struct gzvm_irq_level l = { .irq = spi, .level = level };

	return ioctl(vm, GZVM_IRQ_LINE, &l);
}

static int kick(int efd)
{
	__u64 one = 1;

	return write(efd, &one, 8) == 8 ? 0 : -1;
}

/* irqfd write -> guest handler, against GZVM_IRQ_LINE -> guest handler. */
TEST(irqfd_vs_irq_line)
{
	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART };
	int reps = bench_reps(3, 7), n = 50, efd, r, i;
	double fd_ns[BENCH_MAX_REPS], line_ns[BENCH_MAX_REPS], t0;
	struct gzvm_irqfd ifd = { .gsi = SPI_NR };
	struct vcpu_thread v;
	struct guest g;
	__u64 seen = 0;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, guest_setup(&g, 1 << 20, PROG(irq)));
	ASSERT_EQ(0, create_gic(g.vm));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ifd.fd = efd;
	ASSERT_EQ(0, ioctl(g.vm, GZVM_IRQFD, &ifd));
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
	kick_run = &g.run;
	pthread_kill(v.t, SIGUSR1);
	pthread_join(v.t, NULL);
	kick_run = NULL;
	EXPECT_EQ(EINTR, v.err);
	EXPECT_EQ(0, v.exits);
	bench_row("irqfd", "gzvm", "irq_line", fd_ns, line_ns, reps);
	guest_teardown(&g);
	close(efd);
}

static void ioevent_params(struct guest *g, __u64 n, __u64 a, __u64 b)
{
	*mbox(g, PARAM - MBOX) = n;
	*mbox(g, PARAM - MBOX + 8) = a;
	*mbox(g, PARAM - MBOX + 16) = b;
}

/*
 * A guest MMIO write signalled by an ioeventfd in the kernel, against the
 * same write exiting to userspace, which writes the eventfd itself.
 */
TEST(ioeventfd_vs_userspace_exit)
{
	int reps = bench_reps(3, 7), n = 300, efd, r;
	double kern[BENCH_MAX_REPS], user[BENCH_MAX_REPS], t0;
	struct gzvm_ioeventfd io = { .addr = IOEV_ADDR, .len = 4 };
	struct guest g;
	__u64 cnt;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_paging(2));
	for (r = 0; r < reps; r++) {
		int exits = 0;

		ASSERT_EQ(0, guest_setup(&g, 1 << 20, PROG(ioevent)));
		ioevent_params(&g, n, 1, 1);
		io.fd = efd;
		ASSERT_EQ(0, ioctl(g.vm, GZVM_IOEVENTFD, &io));
		t0 = bench_now_ns();
		ASSERT_EQ(0, guest_run(&g));
		kern[r] = (bench_now_ns() - t0) / (n + 1);
		ASSERT_EQ(GZVM_EXIT_SYSTEM_EVENT, g.run.exit_reason);
		ASSERT_EQ(8, read(efd, &cnt, 8));
		EXPECT_EQ(n + 1, cnt);
		guest_teardown(&g);

		ASSERT_EQ(0, guest_setup(&g, 1 << 20, PROG(ioevent)));
		ioevent_params(&g, n, 1, 1);
		t0 = bench_now_ns();
		for (;;) {
			ASSERT_EQ(0, guest_run(&g));
			if (g.run.exit_reason != GZVM_EXIT_MMIO)
				break;
			exits++;
			ASSERT_EQ(0, kick(efd));
		}
		user[r] = (bench_now_ns() - t0) / (n + 1);
		EXPECT_EQ(n + 1, exits);
		ASSERT_EQ(8, read(efd, &cnt, 8));
		EXPECT_EQ(n + 1, cnt);
		guest_teardown(&g);
	}
	bench_row("ioeventfd", "gzvm", "user_exit", kern, user, reps);
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
static double pass(struct __test_metadata *_metadata, struct guest *g,
		   __u64 end)
{
	double t0 = bench_now_ns();

	EXPECT_EQ(0, guest_run(g));
	EXPECT_EQ(GZVM_EXIT_MMIO, g->run.exit_reason);
	/* It reports the end of the range it touched. */
	EXPECT_EQ(end, *(__u64 *)g->run.mmio.data);
	return bench_now_ns() - t0;
}

/*
 * A demand-paging fault (4 KiB pages: PAGE_FAULT exit, pin, MAP_GUEST, all
 * in the kernel) per page of a host-populated range on first touch, minus
 * the same pass once mapped; against a null ioctl.
 */
TEST_F_TIMEOUT(slow, demand_paging_fault, 250)
{
	const __u64 base = GUEST_RAM_GPA + (1 << 20), bytes = 1 << 20;
	double fault[BENCH_MAX_REPS], ref[BENCH_MAX_REPS], cold, warm;
	int reps = bench_reps(3, 5), r;
	struct guest g;

	ASSERT_EQ(0, set_paging(1));
	for (r = 0; r < reps; r++) {
		ASSERT_EQ(0, guest_setup(&g, 4 << 20, PROG(touch)));
		/* Host pages present: only the stage-2 side is measured. */
		memset((char *)g.ram + (1 << 20), 0, bytes);
		ASSERT_EQ(0, set_reg(g.vcpu, REG_X(0), base));
		ASSERT_EQ(0, set_reg(g.vcpu, REG_X(1), bytes));
		ASSERT_EQ(0, set_reg(g.vcpu, REG_X(2), 4096));
		cold = pass(_metadata, &g, base + bytes);
		warm = pass(_metadata, &g, base + bytes);
		fault[r] = (cold - warm) / (bytes / 4096);
		ref[r] = null_ioctl_ns(g.vcpu, 3000);
		guest_teardown(&g);
	}
	bench_row("fault_4k", "gzvm", "null_ioctl", fault, ref, reps);
	set_paging(2);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
