// SPDX-License-Identifier: GPL-2.0
/*
 * gzvm interrupts and eventfds against the hypervisor's vGICv3: guest code
 * (guest.S: guest_irq) installs a vector table, enables an interrupt and
 * waits in WFI; the tests raise it with GZVM_IRQ_LINE or an irqfd and watch
 * the guest's handler count in guest RAM while the vCPU stays in the kernel
 * (no exit reaches userspace). Level irqfds with a resamplefd, ioeventfds
 * with and without datamatch, bad input, teardown, and benchmarks.
 */

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"

#define RAM_SIZE	(1 << 20)
#define MBOX		0x1000
#define PARAM		0x1100
#define IOEV_ADDR	(MMIO_BASE + 0x50)
#define WAIT_MS		5000
#define SPI(n)		((n) + 32)

static struct gzvm_vcpu_run *kick_run;

static void on_kick(int sig)
{
	if (kick_run)
		kick_run->immediate_exit = 1;
}

/* A vCPU thread: RUN until it fails (EINTR after a kick), counting exits. */
struct vcpu_thread {
	struct guest *g;
	pthread_t t;
	int err;
	int exits;
};

static void *vcpu_loop(void *arg)
{
	struct vcpu_thread *v = arg;

	while (!guest_run(v->g))
		v->exits++;
	v->err = errno;
	return NULL;
}

/* Guest RAM words the guest writes while the test reads them. */
static __u64 *mbox(struct guest *g, int off)
{
	return (__u64 *)((char *)g->ram + MBOX + off);
}

static __u64 peek(struct guest *g, int off)
{
	return __atomic_load_n(mbox(g, off), __ATOMIC_ACQUIRE);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * Waits until *p >= want; 0 on success. Polls with sched_yield(), not a
 * sleep: the test kernel's timers tick at HZ, which would swamp the
 * latencies the benchmarks measure.
 */
static int wait_for(__u64 *p, __u64 want)
{
	double end = now_ns() + WAIT_MS * 1e6;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) < want) {
		if (now_ns() > end)
			return -1;
		sched_yield();
	}
	return 0;
}

/* A VM running guest_irq for interrupt `id` on a vCPU thread. */
FIXTURE(irq) {
	struct guest g;
	struct vcpu_thread v;
	bool running;
};

FIXTURE_SETUP(irq)
{
	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART };

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, guest_setup(&self->g, RAM_SIZE, PROG(irq)));
	ASSERT_EQ(0, create_gic(self->g.vm));
	self->running = false;
}

FIXTURE_TEARDOWN(irq)
{
	if (self->running) {
		kick_run = &self->g.run;
		pthread_kill(self->v.t, SIGUSR1);
		pthread_join(self->v.t, NULL);
		kick_run = NULL;
		EXPECT_EQ(EINTR, self->v.err);
		/* Nothing but the kick came back to userspace. */
		EXPECT_EQ(0, self->v.exits);
	}
	guest_teardown(&self->g);
}

/* Starts the guest for interrupt `id` and waits until it waits in WFI. */
static int start(struct guest *g, struct vcpu_thread *v, bool *running,
		 __u64 id, bool edge)
{
	*mbox(g, PARAM - MBOX) = id;
	*mbox(g, PARAM - MBOX + 8) = edge;
	*v = (struct vcpu_thread){ .g = g };
	if (pthread_create(&v->t, NULL, vcpu_loop, v))
		return -1;
	*running = true;
	if (wait_for(mbox(g, 0x10), 1))
		return -1;
	/* Let it reach WFI and block in the kernel. */
	usleep(20000);
	return 0;
}

#define START(id, edge) start(&self->g, &self->v, &self->running, id, edge)

static int irq_line(int vm, __u32 irq, __u32 level)
{
	struct gzvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(vm, GZVM_IRQ_LINE, &l);
}

static int irqfd(int vm, int fd, __u32 gsi, __u32 flags, int resamplefd)
{
	struct gzvm_irqfd r = {
		.fd = fd, .gsi = gsi, .flags = flags, .resamplefd = resamplefd,
	};

	return ioctl(vm, GZVM_IRQFD, &r);
}

static int ioeventfd(int vm, __u64 addr, __u32 len, int fd, __u32 flags,
		     __u64 datamatch)
{
	struct gzvm_ioeventfd r = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return ioctl(vm, GZVM_IOEVENTFD, &r);
}

static int kick(int efd)
{
	__u64 one = 1;

	return write(efd, &one, 8) == 8 ? 0 : -1;
}

/* Reads an eventfd's counter, waiting up to WAIT_MS; 0 on timeout. */
static __u64 read_efd(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	__u64 v = 0;

	if (poll(&p, 1, WAIT_MS) != 1 || read(efd, &v, 8) != 8)
		return 0;
	return v;
}

TEST_F(irq, irq_line_edge_spi_wakes_wfi)
{
	ASSERT_EQ(0, START(SPI(5), true));
	EXPECT_EQ(0, peek(&self->g, 0));
	ASSERT_EQ(0, irq_line(self->g.vm, 5, 1));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 1));
	EXPECT_EQ(SPI(5), peek(&self->g, 8));
	ASSERT_EQ(0, irq_line(self->g.vm, 5, 0));
	/* Edge: taken once; a new rising edge is needed for the next one. */
	usleep(50000);
	EXPECT_EQ(1, peek(&self->g, 0));
	ASSERT_EQ(0, irq_line(self->g.vm, (GZVM_IRQ_TYPE_SPI << 24) | 5, 1));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 2));
}

TEST_F(irq, irq_line_level_spi_follows_the_line)
{
	__u64 n;

	ASSERT_EQ(0, START(SPI(9), false));
	ASSERT_EQ(0, irq_line(self->g.vm, 9, 1));
	/* Still high after each EOI: taken again and again. */
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 3));
	ASSERT_EQ(0, irq_line(self->g.vm, 9, 0));
	usleep(20000);
	n = peek(&self->g, 0);
	usleep(50000);
	EXPECT_EQ(n, peek(&self->g, 0));
}

/*
 * GenieZone's IRQ_LINE hypercall injects SPIs only (the number is 0-based,
 * "hypervisor adds offset 32"): a PPI is refused rather than turned into
 * SPI 20.
 */
TEST_F(irq, irq_line_ppi_is_refused)
{
	__u32 ppi = (GZVM_IRQ_TYPE_PPI << 24) | 20;

	ASSERT_EQ(0, START(20, true));
	errno = 0;
	EXPECT_EQ(-1, irq_line(self->g.vm, ppi, 1));
	EXPECT_EQ(EINVAL, errno);
	usleep(20000);
	EXPECT_EQ(0, peek(&self->g, 0));
}

/*
 * One irqfd signal is one interrupt on a line the guest left level-sensitive
 * (SPIs reset to level): the line is raised, not pulsed, so the interrupt is
 * not lost, and it is lowered when the guest deactivates it, so it does not
 * storm.
 */
TEST_F(irq, irqfd_without_resample_on_level_line)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(self->g.vm, efd, 11, 0, 0));
	ASSERT_EQ(0, START(SPI(11), false));
	ASSERT_EQ(0, kick(efd));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 1));
	usleep(50000);
	EXPECT_EQ(1, peek(&self->g, 0)) TH_LOG("interrupt storm after one signal");
	ASSERT_EQ(0, kick(efd));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 2));
	usleep(50000);
	EXPECT_EQ(2, peek(&self->g, 0));
	close(efd);
}

#define TIMER_BENCH_FMT "bench: guest virtual timer, ticks 1 to 3 (2 periods of 20 ms): %.1f ms, ratio %.2f\n"

/*
 * The guest's virtual timer: it waits in WFI with the timer armed; the vCPU
 * blocks in the kernel and must be woken when the timer is due, three times.
 */
TEST_F(irq, virtual_timer_wakes_idle_vcpu)
{
	double t0, ms;
	__u64 freq;

	asm volatile("mrs %0, cntfrq_el0" : "=r" (freq));
	ASSERT_NE(0, freq);
	*mbox(&self->g, PARAM - MBOX + 16) = freq / 50;
	ASSERT_EQ(0, START(27, false));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 1));
	t0 = now_ns();
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 3));
	ms = (now_ns() - t0) / 1e6;
	EXPECT_EQ(27, peek(&self->g, 8));
	/* A figure, not a threshold: how closely the wake-ups follow the timer. */
	ksft_print_msg(TIMER_BENCH_FMT, ms, ms / 40);
	usleep(100000);
	EXPECT_EQ(3, peek(&self->g, 0));
}

TEST_F(irq, irq_line_bad_input)
{
	int vm = self->g.vm;

	errno = 0;
	EXPECT_EQ(-1, irq_line(vm, 5, 2));
	EXPECT_EQ(EINVAL, errno);
	/* Unknown type. */
	EXPECT_EQ(-1, irq_line(vm, (3 << 24) | 5, 1));
	EXPECT_EQ(EINVAL, errno);
	/* PPIs: GenieZone injects SPIs only. */
	EXPECT_EQ(-1, irq_line(vm, (GZVM_IRQ_TYPE_PPI << 24) | 16, 1));
	EXPECT_EQ(EINVAL, errno);
	/* SPI beyond the GICv3 range, and beyond what this GIC implements. */
	EXPECT_EQ(-1, irq_line(vm, 988, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, irq_line(vm, 300, 1));
	EXPECT_EQ(EINVAL, errno);
	/* Type 0 with a vCPU index: an SPI, the index sent along as upstream does. */
	EXPECT_EQ(0, irq_line(vm, 1 << 16, 1));
	EXPECT_EQ(0, irq_line(vm, 1 << 16, 0));
	EXPECT_EQ(-1, ioctl(vm, GZVM_IRQ_LINE, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(irq, irqfd_edge)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(self->g.vm, efd, 6, 0, 0));
	ASSERT_EQ(0, START(SPI(6), true));
	EXPECT_EQ(0, peek(&self->g, 0));
	ASSERT_EQ(0, kick(efd));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 1));
	EXPECT_EQ(SPI(6), peek(&self->g, 8));
	usleep(50000);
	EXPECT_EQ(1, peek(&self->g, 0));
	ASSERT_EQ(0, kick(efd));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 2));
	/* Deassigned: a write no longer reaches the guest. */
	ASSERT_EQ(0, irqfd(self->g.vm, efd, 6, GZVM_IRQFD_FLAG_DEASSIGN, 0));
	ASSERT_EQ(0, kick(efd));
	usleep(50000);
	EXPECT_EQ(2, peek(&self->g, 0));
	close(efd);
}

TEST_F(irq, irqfd_event_pending_at_assignment)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	/* Signalled before it is an irqfd (the guest has set up edge SPI 7). */
	ASSERT_EQ(0, START(SPI(7), true));
	ASSERT_EQ(0, kick(efd));
	ASSERT_EQ(0, irqfd(self->g.vm, efd, 7, 0, 0));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 1));
	EXPECT_EQ(SPI(7), peek(&self->g, 8));
	close(efd);
}

TEST_F(irq, irqfd_level_with_resample)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	int rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	__u64 v;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, irqfd(self->g.vm, efd, 8, GZVM_IRQFD_FLAG_RESAMPLE, rfd));
	ASSERT_EQ(0, START(SPI(8), false));
	ASSERT_EQ(0, kick(efd));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 1));
	/* The guest's EOI lowered the line and signalled the resamplefd. */
	EXPECT_EQ(1, read_efd(rfd));
	usleep(50000);
	EXPECT_EQ(1, peek(&self->g, 0)) TH_LOG("the line stayed high");
	EXPECT_EQ(-1, read(rfd, &v, 8));
	/* The device still needs service: it raises the line again. */
	ASSERT_EQ(0, kick(efd));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 2));
	EXPECT_EQ(1, read_efd(rfd));
	close(efd);
	close(rfd);
}

/* Assigns the racing eventfd to another line until told to stop. */
struct dup_race {
	int vm, efd, busy, other;
	bool stop;
};

static void *dup_assigner(void *arg)
{
	struct dup_race *d = arg;

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		if (!irqfd(d->vm, d->efd, 14, 0, 0)) {
			d->other++;
			irqfd(d->vm, d->efd, 14, GZVM_IRQFD_FLAG_DEASSIGN, 0);
		} else if (errno == EBUSY) {
			d->busy++;
		}
	}
	return NULL;
}

/*
 * A second irqfd on an eventfd that already has one is refused before it
 * is hooked, so it never consumes an event meant for the first: every one
 * of 100 signals reaches the guest while another thread keeps trying.
 */
TEST_F_TIMEOUT(irq, duplicate_eventfd_never_steals_an_event, 120)
{
	struct dup_race d = { .vm = self->g.vm };
	pthread_t t;
	int i;

	d.efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, d.efd);
	ASSERT_EQ(0, irqfd(self->g.vm, d.efd, 12, 0, 0));
	ASSERT_EQ(0, START(SPI(12), true));
	ASSERT_EQ(0, pthread_create(&t, NULL, dup_assigner, &d));
	for (i = 1; i <= 100; i++) {
		ASSERT_EQ(0, kick(d.efd));
		ASSERT_EQ(0, wait_for(mbox(&self->g, 0), i)) TH_LOG("signal %d lost", i);
	}
	__atomic_store_n(&d.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ(0, d.other);
	EXPECT_LT(0, d.busy);
	close(d.efd);
}

TEST_F(irq, irqfd_hangup_and_reassign)
{
	int efd = eventfd(0, EFD_CLOEXEC), efd2;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(self->g.vm, efd, 10, 0, 0));
	ASSERT_EQ(0, START(SPI(10), true));
	/* Released while assigned: the irqfd goes away with it. */
	close(efd);
	efd2 = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd2);
	ASSERT_EQ(0, irqfd(self->g.vm, efd2, 10, 0, 0));
	ASSERT_EQ(0, kick(efd2));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 1));
	close(efd2);
}

/* An irqfd on an SPI the hypervisor does not implement does not stop the vCPU. */
TEST_F(irq, irqfd_on_unimplemented_spi)
{
	int bad = eventfd(0, EFD_CLOEXEC), good = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, bad);
	ASSERT_LE(0, good);
	ASSERT_EQ(0, irqfd(self->g.vm, bad, 500, 0, 0));
	ASSERT_EQ(0, irqfd(self->g.vm, good, 13, 0, 0));
	ASSERT_EQ(0, START(SPI(13), true));
	ASSERT_EQ(0, kick(bad));
	ASSERT_EQ(0, kick(good));
	ASSERT_EQ(0, wait_for(mbox(&self->g, 0), 1));
	EXPECT_EQ(SPI(13), peek(&self->g, 8));
	close(bad);
	close(good);
}

TEST_F(irq, irqfd_bad_input)
{
	int vm = self->g.vm, pipefd[2];
	int efd = eventfd(0, EFD_CLOEXEC), efd2 = eventfd(0, EFD_CLOEXEC);
	struct gzvm_irqfd r = { .fd = efd, .gsi = 1 };

	ASSERT_LE(0, efd);
	ASSERT_LE(0, efd2);
	ASSERT_EQ(0, pipe(pipefd));
	errno = 0;
	EXPECT_EQ(-1, irqfd(vm, efd, 1, 1 << 2, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, irqfd(vm, efd, 988, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	r.pad[3] = 1;
	EXPECT_EQ(-1, ioctl(vm, GZVM_IRQFD, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, irqfd(vm, pipefd[0], 1, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, irqfd(vm, 1000, 1, 0, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, irqfd(vm, efd, 1, GZVM_IRQFD_FLAG_RESAMPLE, 1000));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, irqfd(vm, efd, 1, GZVM_IRQFD_FLAG_RESAMPLE, pipefd[1]));
	EXPECT_EQ(EINVAL, errno);
	/* The same eventfd twice, on any line. */
	EXPECT_EQ(0, irqfd(vm, efd, 1, 0, 0));
	EXPECT_EQ(-1, irqfd(vm, efd, 2, 0, 0));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, irqfd(vm, efd, 1, 0, 0));
	EXPECT_EQ(EBUSY, errno);
	/* Deassigning what is not there is not an error (as KVM). */
	EXPECT_EQ(0, irqfd(vm, efd2, 1, GZVM_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(0, irqfd(vm, efd, 1, GZVM_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(0, irqfd(vm, efd, 2, 0, 0));
	EXPECT_EQ(-1, ioctl(vm, GZVM_IRQFD, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	close(pipefd[0]);
	close(pipefd[1]);
	close(efd);
	close(efd2);
}

/* Concurrent assign/deassign of irqfds and ioeventfds while the vCPU runs. */
static void *churn(void *arg)
{
	int vm = *(int *)arg, i;

	for (i = 0; i < 300; i++) {
		int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
		__u64 one = 1;

		irqfd(vm, a, 20 + i % 8, 0, 0);
		ioeventfd(vm, IOEV_ADDR + 8 * (i % 8), 4, b, 0, 0);
		if (write(a, &one, 8) != 8)
			break;
		if (i & 1)
			irqfd(vm, a, 20 + i % 8, GZVM_IRQFD_FLAG_DEASSIGN, 0);
		if (i & 2)
			ioeventfd(vm, IOEV_ADDR + 8 * (i % 8), 4, b,
				  GZVM_IOEVENTFD_FLAG_DEASSIGN, 0);
		/* Half are closed while still assigned. */
		close(a);
		close(b);
	}
	return NULL;
}

TEST_F_TIMEOUT(irq, concurrent_assign_deassign_while_running, 120)
{
	pthread_t t[2];
	int efd = eventfd(0, EFD_CLOEXEC), i;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(self->g.vm, efd, 11, 0, 0));
	ASSERT_EQ(0, START(SPI(11), true));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn, &self->g.vm));
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, kick(efd));
		ASSERT_EQ(0, wait_for(mbox(&self->g, 0), i + 1));
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	close(efd);
}

TEST(close_vm_with_eventfds_attached)
{
	int order;

	for (order = 0; order < 2; order++) {
		int efd[8], rfd[8], i;
		struct guest g;

		ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(irq)));
		for (i = 0; i < 8; i++) {
			efd[i] = eventfd(0, EFD_CLOEXEC);
			rfd[i] = eventfd(0, EFD_CLOEXEC);
			ASSERT_EQ(0, irqfd(g.vm, efd[i], i, i & 1 ?
					   GZVM_IRQFD_FLAG_RESAMPLE : 0, rfd[i]));
			ASSERT_EQ(0, ioeventfd(g.vm, IOEV_ADDR, 4, rfd[i],
					       GZVM_IOEVENTFD_FLAG_DATAMATCH, i));
			ASSERT_EQ(0, kick(efd[i]));
		}
		/* Eventfds first, then the VM; or the VM first. */
		if (order == 0)
			for (i = 0; i < 8; i++) {
				close(efd[i]);
				close(rfd[i]);
			}
		guest_teardown(&g);
		if (order == 1)
			for (i = 0; i < 8; i++) {
				close(efd[i]);
				close(rfd[i]);
			}
	}
}

/* guest_ioevent: n writes of a, then one of b, to IOEV_ADDR. */
static void ioevent_params(struct guest *g, __u64 n, __u64 a, __u64 b)
{
	*mbox(g, PARAM - MBOX) = n;
	*mbox(g, PARAM - MBOX + 8) = a;
	*mbox(g, PARAM - MBOX + 16) = b;
}

static __u64 efd_count(int efd)
{
	__u64 v = 0;

	if (read(efd, &v, 8) != 8)
		return 0;
	return v;
}

TEST(ioeventfd_datamatch_in_kernel)
{
	int q0 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int q1 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	const int flags = GZVM_IOEVENTFD_FLAG_DATAMATCH;
	struct guest g;

	ASSERT_LE(0, q0);
	ASSERT_LE(0, q1);
	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(ioevent)));
	ioevent_params(&g, 5, 0, 7);
	/* One QueueNotify register, one eventfd per queue (crosvm virtio-mmio). */
	ASSERT_EQ(0, ioeventfd(g.vm, IOEV_ADDR, 4, q0, flags, 0));
	ASSERT_EQ(0, ioeventfd(g.vm, IOEV_ADDR, 4, q1, flags, 1));
	/* Five hits for queue 0 stay in the kernel; the miss (7) exits. */
	ASSERT_EQ(0, guest_run(&g));
	ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	EXPECT_EQ(IOEV_ADDR, g.run.mmio.phys_addr);
	EXPECT_EQ(7, *(__u32 *)g.run.mmio.data);
	EXPECT_EQ(5, efd_count(q0));
	EXPECT_EQ(0, efd_count(q1));
	ASSERT_EQ(0, guest_run(&g));
	EXPECT_EQ(GZVM_EXIT_SYSTEM_EVENT, g.run.exit_reason);
	guest_teardown(&g);
	close(q0);
	close(q1);
}

TEST(ioeventfd_wildcard_and_deassign)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct guest g;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(ioevent)));
	ioevent_params(&g, 3, 1, 2);
	/* Length 0: any access at the address. */
	ASSERT_EQ(0, ioeventfd(g.vm, IOEV_ADDR, 0, efd, 0, 0));
	ASSERT_EQ(0, guest_run(&g));
	EXPECT_EQ(GZVM_EXIT_SYSTEM_EVENT, g.run.exit_reason);
	EXPECT_EQ(4, efd_count(efd));
	guest_teardown(&g);

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(ioevent)));
	ioevent_params(&g, 0, 0, 9);
	ASSERT_EQ(0, ioeventfd(g.vm, IOEV_ADDR, 4, efd, 0, 0));
	ASSERT_EQ(0, ioeventfd(g.vm, IOEV_ADDR, 4, efd,
			       GZVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	ASSERT_EQ(0, guest_run(&g));
	EXPECT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	EXPECT_EQ(0, efd_count(efd));
	guest_teardown(&g);
	close(efd);
}

TEST(ioeventfd_bad_input)
{
	const int dm = GZVM_IOEVENTFD_FLAG_DATAMATCH;
	int efd = eventfd(0, EFD_CLOEXEC), efd2 = eventfd(0, EFD_CLOEXEC);
	int dev = gzvm_open_dev(), vm;

	ASSERT_LE(0, dev);
	vm = ioctl(dev, GZVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	errno = 0;
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 4, efd, GZVM_IOEVENTFD_FLAG_PIO, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 3, efd, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 4, efd, 1 << 3, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 0, efd, dm, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, ~0ULL - 2, 4, efd, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 4, 1000, 0, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 4, dev, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	/* KVM's collision rules. */
	EXPECT_EQ(0, ioeventfd(vm, IOEV_ADDR, 4, efd, dm, 1));
	EXPECT_EQ(0, ioeventfd(vm, IOEV_ADDR, 4, efd2, dm, 2));
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 4, efd2, dm, 1));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 4, efd2, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 0, efd2, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(0, ioeventfd(vm, IOEV_ADDR, 2, efd2, dm, 1));
	/* Deassign must name the same eventfd, address, length and value. */
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 4, efd2,
				GZVM_IOEVENTFD_FLAG_DEASSIGN | dm, 1));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioeventfd(vm, IOEV_ADDR, 4, efd,
				GZVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, ioeventfd(vm, IOEV_ADDR, 4, efd,
			       GZVM_IOEVENTFD_FLAG_DEASSIGN | dm, 1));
	EXPECT_EQ(-1, ioctl(vm, GZVM_IOEVENTFD, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	close(vm);
	close(dev);
	close(efd);
	close(efd2);
}

#define IRQ_BENCH_FMT "bench: interrupt to guest handler: irqfd write %.0f ns, GZVM_IRQ_LINE %.0f ns, ratio %.2f\n"
#define MMIO_BENCH_FMT "bench: guest MMIO write: ioeventfd in kernel %.0f ns, exit to userspace + eventfd write %.0f ns, ratio %.2f\n"

/*
 * Benchmarks (figures, not thresholds): interrupt delivery from an irqfd
 * write and from GZVM_IRQ_LINE to the guest handler's count in RAM; a guest
 * MMIO write handled by an ioeventfd in the kernel against the same write
 * exiting to userspace, which then signals the eventfd itself.
 */
TEST_F(irq, bench_irqfd_vs_irq_line)
{
	const int n = 200;
	int efd = eventfd(0, EFD_CLOEXEC), i;
	double t0, fd_ns, line_ns;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(self->g.vm, efd, 12, 0, 0));
	ASSERT_EQ(0, START(SPI(12), true));
	t0 = now_ns();
	for (i = 1; i <= n; i++) {
		ASSERT_EQ(0, kick(efd));
		ASSERT_EQ(0, wait_for(mbox(&self->g, 0), i));
	}
	fd_ns = (now_ns() - t0) / n;
	t0 = now_ns();
	for (i = 1; i <= n; i++) {
		ASSERT_EQ(0, irq_line(self->g.vm, 12, 1));
		ASSERT_EQ(0, wait_for(mbox(&self->g, 0), n + i));
		ASSERT_EQ(0, irq_line(self->g.vm, 12, 0));
	}
	line_ns = (now_ns() - t0) / n;
	ksft_print_msg(IRQ_BENCH_FMT, fd_ns, line_ns, fd_ns / line_ns);
	close(efd);
}

TEST(bench_ioeventfd_vs_userspace_exit)
{
	const int n = 2000;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), exits = 0;
	double t0, kern_ns, user_ns;
	struct guest g;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(ioevent)));
	ioevent_params(&g, n, 1, 1);
	ASSERT_EQ(0, ioeventfd(g.vm, IOEV_ADDR, 4, efd, 0, 0));
	t0 = now_ns();
	ASSERT_EQ(0, guest_run(&g));
	kern_ns = (now_ns() - t0) / (n + 1);
	ASSERT_EQ(GZVM_EXIT_SYSTEM_EVENT, g.run.exit_reason);
	EXPECT_EQ(n + 1, efd_count(efd));
	guest_teardown(&g);

	ASSERT_EQ(0, guest_setup(&g, RAM_SIZE, PROG(ioevent)));
	ioevent_params(&g, n, 1, 1);
	t0 = now_ns();
	for (;;) {
		ASSERT_EQ(0, guest_run(&g));
		if (g.run.exit_reason != GZVM_EXIT_MMIO)
			break;
		exits++;
		ASSERT_EQ(0, kick(efd));
	}
	user_ns = (now_ns() - t0) / (n + 1);
	EXPECT_EQ(n + 1, exits);
	EXPECT_EQ(n + 1, efd_count(efd));
	ksft_print_msg(MMIO_BENCH_FMT, kern_ns, user_ns, kern_ns / user_ns);
	guest_teardown(&g);
	close(efd);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
