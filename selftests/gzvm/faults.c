// SPDX-License-Identifier: GPL-2.0
/*
 * Memory the hypervisor holds is never freed before it let go, whatever
 * fails: a hypervisor that answers DESTROY_VM busy (v13 25/25: retried) or
 * refuses DESTROY_VM / DESTROY_VCPU, an allocation failure at every step of
 * VM and vCPU creation (fault injection: /proc/thread-self/fail-nth with
 * failslab and fail_page_alloc), a 1 TiB PROT_NONE slot. The page audit
 * (gzvm_util.h) checks every page the hypervisor says it holds against the
 * kernel's page allocator and pins, and counts violations.
 * kmemleak and the dmesg splat scan of the suite check for leaks and WARNs.
 */

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"
#include "hypercalls.h"

#define RAM_SIZE	(2 << 20)
#define FAIL_NTH	"/proc/thread-self/fail-nth"

static struct hcall recs[MAX_RECS];

/* Sets up guest_memwalk over all of `size` bytes of RAM but the first page. */
static int walk_setup(struct guest *g, size_t size)
{
	if (guest_setup(g, size, PROG(memwalk)))
		return -1;
	if (set_reg(g->vcpu, REG_X(0), GUEST_RAM_GPA + 0x1000) ||
	    set_reg(g->vcpu, REG_X(1), size - 0x1000) ||
	    set_reg(g->vcpu, REG_X(2), 0x1000))
		return -1;
	return 0;
}

/*
 * A VM whose guest touched all its RAM (so the hypervisor maps pinned
 * pages): the walk's MMIO report exit.
 */
static int busy_guest(struct guest *g)
{
	if (walk_setup(g, RAM_SIZE) || guest_run(g))
		return -1;
	return g->run.exit_reason == GZVM_EXIT_MMIO ? 0 : -1;
}

FIXTURE(faults) {
	int unused;
};

FIXTURE_SETUP(faults)
{
	if (!have_knob("destroy_busy"))
		SKIP(return, NEEDS_KNOBS);
	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, knob("extensions", EXT_ALL));
}

FIXTURE_TEARDOWN(faults)
{
	knob("destroy_busy", 0);
	knob("destroy_fail", 0);
	knob("vcpu_destroy_fail", 0);
	knob("fake_held", 0);
	trace_ctl("0");
}

/* The frame number of the page at `p` (/proc/self/pagemap; root only). */
static unsigned long long pfn_of(void *p)
{
	unsigned long long e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (uintptr_t)p / getpagesize() * sizeof(e);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), off) != sizeof(e))
		e = 0;
	close(fd);
	/* Bit 63: present; bits 54..0: the frame number. */
	return e >> 63 ? e & ((1ULL << 55) - 1) : 0;
}

/*
 * The page audit itself: gzhyp reports one page, which the test names, as a
 * guest page it holds. A page of this process is not pinned, so the audit
 * must count it (and nothing else).
 */
TEST_F(faults, page_audit_catches_an_unpinned_page)
{
	char *p = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long long pfn;

	ASSERT_NE(MAP_FAILED, p);
	if (access("/proc/self/pagemap", R_OK))
		SKIP(return, "no /proc/self/pagemap (CONFIG_PROC_PAGE_MONITOR)");
	p[0] = 1;
	pfn = pfn_of(p);
	ASSERT_NE(0, pfn) TH_LOG("no frame number in /proc/self/pagemap");
	EXPECT_EQ(0, violations());
	ASSERT_EQ(0, knob("fake_held", HELD_GUEST_PAGE | pfn));
	EXPECT_EQ(1, violations());
	ASSERT_EQ(0, knob("fake_held", 0));
	EXPECT_EQ(0, violations());
	munmap(p, getpagesize());
}

/* ERR_BUSY is answered by calling again, with the batch size each time. */
TEST_F_TIMEOUT(faults, destroy_vm_busy_is_retried, 120)
{
	struct guest g;
	int n, i, destroys = 0;
	__u64 last = 1;

	ASSERT_EQ(0, busy_guest(&g));
	ASSERT_EQ(0, knob("destroy_busy", 5));
	ASSERT_EQ(0, trace_start());
	guest_teardown(&g);
	n = trace_read(recs, MAX_RECS);
	for (i = 0; i < n; i++) {
		if (recs[i].a[0] != HVC_DESTROY_VM)
			continue;
		destroys++;
		EXPECT_EQ(HYP_DESTROY_BATCH, recs[i].a[2]);
		last = recs[i].r[0];
		/*
		 * ERR_BUSY (-33) for every call but the last: five times from
		 * the knob, then (gzhyp) while pages are left to reclaim.
		 */
		EXPECT_EQ(destroys <= 5 || last ? 0xffffffffffffffdfULL : 0, last);
	}
	EXPECT_LE(6, destroys);
	EXPECT_EQ(0, last);
	EXPECT_NO_VIOLATIONS();
}

/*
 * A refused DESTROY_VM: the driver keeps the guest's pages pinned and the
 * block buffer allocated (leaked, logged once) instead of freeing memory
 * the hypervisor still maps. The audit then checks every page of every VM
 * the hypervisor still holds.
 */
TEST_F_TIMEOUT(faults, refused_destroy_vm_leaks_instead_of_freeing, 120)
{
	struct guest g, g2;

	ASSERT_EQ(0, busy_guest(&g));
	ASSERT_EQ(0, knob("destroy_fail", 1));
	guest_teardown(&g);
	ASSERT_EQ(0, busy_guest(&g2));
	guest_teardown(&g2);
	EXPECT_NO_VIOLATIONS();
}

/*
 * A refused DESTROY_VCPU: the vCPU's run and state pages stay allocated
 * until DESTROY_VM let go of everything, then are freed.
 */
TEST_F_TIMEOUT(faults, refused_destroy_vcpu_keeps_its_pages, 120)
{
	struct guest g;
	int cap_fd;

	ASSERT_EQ(0, busy_guest(&g));
	ASSERT_EQ(0, knob("vcpu_destroy_fail", 1));
	close(g.vcpu);
	g.vcpu = -1;
	/* The driver still works with the refused vCPU's pages held. */
	cap_fd = ioctl(g.vm, GZVM_CREATE_VCPU, 1);
	ASSERT_LE(0, cap_fd);
	close(cap_fd);
	EXPECT_NO_VIOLATIONS();
	guest_teardown(&g);
	EXPECT_NO_VIOLATIONS();
}

/* The task's fail-nth file, kept open: opening it again would allocate. */
static int nth_fd = -1;

static int fail_nth(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	return pwrite(nth_fd, buf, len, 0) == len ? 0 : -1;
}

/* What is left of fail-nth: 0 once the injected failure happened. */
static int fail_nth_left(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -1;
	return atoi(buf);
}

/*
 * VM and vCPU creation and a first run, each step allowed to fail; returns
 * what was left of fail-nth (0: the injected failure happened).
 */
static int create_and_run(void)
{
	struct guest g;
	int left;

	/* 64 KiB of RAM: every allocation is failed once, so keep them few. */
	if (!walk_setup(&g, 64 << 10))
		guest_run(&g);
	left = fail_nth_left();
	fail_nth(0);
	guest_teardown(&g);
	return left;
}

#define ALLOC_STEPS_FMT "allocations in VM and vCPU creation and a first run: %d, each failed in turn\n"

/*
 * An allocation failure at every step of VM and vCPU creation: the n-th
 * slab or page allocation of the task fails, for n = 1, 2, ... until the
 * whole sequence runs without reaching it. Each step is a VM's life under
 * TCG, hence the long timeout.
 */
TEST_F_TIMEOUT(faults, allocation_failure_at_every_step, 900)
{
	int n;

	if (access("/sys/kernel/debug/failslab/ignore-gfp-wait", W_OK))
		SKIP(return, "needs CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB, FAIL_PAGE_ALLOC");
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth_fd);
	ASSERT_EQ(0, write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_file("/sys/kernel/debug/failslab/verbose", "0"));
	ASSERT_EQ(0, write_file("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_file("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N"));
	ASSERT_EQ(0, write_file("/sys/kernel/debug/fail_page_alloc/min-order", "0"));
	ASSERT_EQ(0, write_file("/sys/kernel/debug/fail_page_alloc/verbose", "0"));
	for (n = 1; n < 3000; n++) {
		ASSERT_EQ(0, fail_nth(n));
		if (create_and_run() > 0)
			break;
	}
	ksft_print_msg(ALLOC_STEPS_FMT, n - 1);
	EXPECT_LT(10, n);
	EXPECT_GT(3000, n) TH_LOG("the sequence never completed without a failure");
	close(nth_fd);
	/* Everything works again afterwards. */
	{
		struct guest g;

		EXPECT_EQ(0, walk_setup(&g, 64 << 10));
		EXPECT_EQ(0, guest_run(&g));
		guest_teardown(&g);
	}
	EXPECT_NO_VIOLATIONS();
}

/*
 * A 1 TiB PROT_NONE slot: refused (the pages cannot be pinned, or the
 * hypervisor does not take a region that large) before any allocation
 * proportional to its size; no WARN from the allocator.
 */
TEST_F(faults, huge_prot_none_slot)
{
	size_t size = 1ULL << 40;
	int dev, vm, mode;
	void *p;

	p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "cannot reserve 1 TiB of address space");
	dev = gzvm_open_dev();
	ASSERT_LE(0, dev);
	for (mode = 0; mode <= 2; mode++) {
		ASSERT_EQ(0, set_paging(mode));
		vm = ioctl(dev, GZVM_CREATE_VM, 0);
		ASSERT_LE(0, vm);
		errno = 0;
		EXPECT_EQ(-1, set_region(vm, 0, GUEST_RAM_GPA, p, size));
		EXPECT_EQ(EFAULT, errno);
		close(vm);
	}
	set_paging(2);
	close(dev);
	munmap(p, size);
	EXPECT_NO_VIOLATIONS();
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
