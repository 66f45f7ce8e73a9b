// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's Ghaf extensions (EOI reports for irqfd resample, releasing
 * a memory slot, sleeping on IDLE without a timer) are used only when the
 * hypervisor grants them. Against a hypervisor that does not know them,
 * as GenieZone firmware does not, the driver behaves as the upstream
 * driver does, and these tests show what a VMM then sees.
 */

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"
#include "hypercalls.h"

#define MBOX		0x1000
#define PARAM		0x1100
#define EXIT_IDLE	0x9292000bULL

static struct hcall recs[MAX_RECS];
static struct gzvm_vcpu_run *kick_run;

static void on_kick(int sig)
{
	if (kick_run)
		kick_run->immediate_exit = 1;
}

static void *run_loop(void *arg)
{
	struct guest *g = arg;

	while (!guest_run(g))
		;
	return NULL;
}

/* A guest waiting in WFI for SPI `spi` (edge-triggered) on a vCPU thread. */
FIXTURE(noext) {
	struct guest g;
	pthread_t t;
	bool running;
};

FIXTURE_SETUP(noext)
{
	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART };

	if (!have_knob("extensions"))
		SKIP(return, NEEDS_KNOBS);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, knob("extensions", 0));
	ASSERT_EQ(0, trace_start());
	ASSERT_EQ(0, guest_setup(&self->g, 1 << 20, PROG(irq)));
	ASSERT_EQ(0, create_gic(self->g.vm));
	self->running = false;
}

FIXTURE_TEARDOWN(noext)
{
	if (self->running) {
		kick_run = &self->g.run;
		pthread_kill(self->t, SIGUSR1);
		pthread_join(self->t, NULL);
		kick_run = NULL;
	}
	guest_teardown(&self->g);
	trace_ctl("0");
	knob("extensions", EXT_ALL);
}

static int start(struct guest *g, pthread_t *t, bool *running, __u64 id)
{
	*guest_word(g, PARAM) = id;
	*guest_word(g, PARAM + 8) = 1;
	if (pthread_create(t, NULL, run_loop, g))
		return -1;
	*running = true;
	return wait_word(g, MBOX + 0x10, 1);
}

#define START(id) start(&self->g, &self->t, &self->running, id)

/* The negotiation is one ENABLE_CAP that the hypervisor refuses. */
TEST_F(noext, negotiation_is_refused)
{
	int n = trace_read(recs, MAX_RECS), i, found = 0;

	for (i = 0; i < n; i++) {
		if (recs[i].a[0] != HVC_ENABLE_CAP || recs[i].a[2] != GHAF_CAP_EXT)
			continue;
		found++;
		EXPECT_NE(0, recs[i].r[0]);
	}
	EXPECT_EQ(1, found);
}

/*
 * Upstream has no call that releases a slot: deleting or replacing one is
 * EOPNOTSUPP, and the slot keeps working.
 */
TEST_F(noext, slot_delete_and_replace_are_refused)
{
	void *other = map_anon(1 << 20);
	int n;

	ASSERT_NE(NULL, other);
	errno = 0;
	EXPECT_EQ(-1, set_region(self->g.vm, 0, 0, NULL, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, set_region(self->g.vm, 0, GUEST_RAM_GPA, other, 1 << 20));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* A new slot is fine. */
	EXPECT_EQ(0, set_region(self->g.vm, 1, GUEST_RAM_GPA + (1 << 20), other, 1 << 20));
	ASSERT_EQ(0, START(32 + 5));
	n = trace_read(recs, MAX_RECS);
	for (int i = 0; i < n; i++)
		EXPECT_FALSE(recs[i].a[0] == HVC_ENABLE_CAP &&
			     recs[i].a[2] == GHAF_CAP_RELEASE_SLOT);
	munmap(other, 1 << 20);
}

/*
 * RESAMPLE is accepted but, without EOI reports, the resamplefd is never
 * signalled (upstream v6 and later); each signal is still one interrupt.
 */
TEST_F(noext, resamplefd_is_never_signalled)
{
	int efd = eventfd(0, EFD_CLOEXEC), rfd = eventfd(0, EFD_CLOEXEC);
	struct gzvm_irqfd r = { .fd = efd, .gsi = 8, .flags = GZVM_IRQFD_FLAG_RESAMPLE };
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	__u64 one = 1;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	r.resamplefd = rfd;
	ASSERT_EQ(0, ioctl(self->g.vm, GZVM_IRQFD, &r));
	ASSERT_EQ(0, START(32 + 8));
	ASSERT_EQ(8, write(efd, &one, 8));
	ASSERT_EQ(0, wait_word(&self->g, MBOX, 1));
	EXPECT_EQ(0, poll(&p, 1, 200));
	ASSERT_EQ(8, write(efd, &one, 8));
	ASSERT_EQ(0, wait_word(&self->g, MBOX, 2));
	usleep(50000);
	EXPECT_EQ(2, *guest_word(&self->g, MBOX));
	close(efd);
	close(rfd);
}

/*
 * IDLE with no timer armed: the driver re-enters the guest at once, as
 * upstream does (gzvm_handle_guest_idle with a zero delay), instead of
 * sleeping; an interrupt still wakes the guest.
 */
TEST_F(noext, idle_without_timer_reenters)
{
	struct timespec ts = { 0, 100000000 };
	struct gzvm_irq_level l = { .irq = 5, .level = 1 };
	int n, i, idles = 0;

	ASSERT_EQ(0, START(32 + 5));
	ASSERT_EQ(0, trace_start());
	nanosleep(&ts, NULL);
	n = trace_read(recs, MAX_RECS);
	for (i = 0; i < n; i++)
		idles += recs[i].a[0] == HVC_RUN && recs[i].r[1] == EXIT_IDLE;
	ksft_print_msg("IDLE exits re-entered in 100 ms: %d\n", idles);
	EXPECT_LE(10, idles);
	ASSERT_EQ(0, ioctl(self->g.vm, GZVM_IRQ_LINE, &l));
	ASSERT_EQ(0, wait_word(&self->g, MBOX, 1));
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
