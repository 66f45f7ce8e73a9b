// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks (figures, not pass/fail thresholds): GZVM_RUN round trip for a
 * guest that exits on every instruction, against a null ioctl on the same
 * fd measured in the same run; SET_USER_MEMORY_REGION cost per page.
 */

#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

TEST(run_round_trip_vs_null_ioctl)
{
	const int runs = 3000, nulls = 30000;
	double t0, run_ns, null_ns;
	struct guest g;
	int i;

	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, guest_setup(&g, 1 << 20, PROG(exit_loop)));
	/* Warm up: the first RUN faults the code page in. */
	ASSERT_EQ(0, guest_run(&g));
	t0 = now_ns();
	for (i = 0; i < runs; i++) {
		ASSERT_EQ(0, guest_run(&g));
		ASSERT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	}
	run_ns = (now_ns() - t0) / runs;
	t0 = now_ns();
	for (i = 0; i < nulls; i++)
		ASSERT_EQ(-1, ioctl(g.vcpu, _IO(GZVM_IOC_MAGIC, 0xfe), 0));
	null_ns = (now_ns() - t0) / nulls;
	ksft_print_msg("bench: GZVM_RUN round trip (MMIO exit every instruction) %.0f ns, null ioctl %.0f ns, ratio %.1f\n",
		       run_ns, null_ns, run_ns / null_ns);
	guest_teardown(&g);
}

static void region_cost(struct __test_metadata *_metadata, int mode,
			size_t size, double null_ns)
{
	int dev, vm;
	double t0, ns;
	void *mem;

	ASSERT_EQ(0, set_paging(mode));
	dev = gzvm_open_dev();
	ASSERT_LE(0, dev);
	vm = ioctl(dev, GZVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	mem = map_anon(size);
	ASSERT_NE(NULL, mem);
	memset(mem, 1, size);
	t0 = now_ns();
	ASSERT_EQ(0, set_region(vm, 0, GUEST_RAM_GPA, mem, size));
	ns = now_ns() - t0;
	ksft_print_msg("bench: SET_USER_MEMORY_REGION %s %zu MiB: %.0f ns/page (%.2f null ioctls/page)\n",
		       mode ? "demand-paged" : "fully populated", size >> 20,
		       ns / (size / 4096), ns / (size / 4096) / null_ns);
	close(vm);
	close(dev);
	munmap(mem, size);
}

FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

/* Pinning 512 MiB under TCG with KASAN takes longer than the default 30 s. */
TEST_F_TIMEOUT(slow, set_user_memory_region_per_page, 280)
{
	static const size_t sizes[] = { 1 << 20, 64 << 20, 512 << 20 };
	double t0, null_ns;
	unsigned int i;
	int dev;

	dev = gzvm_open_dev();
	ASSERT_LE(0, dev);
	t0 = now_ns();
	for (i = 0; i < 30000; i++)
		ioctl(dev, _IO(GZVM_IOC_MAGIC, 0xfe), 0);
	null_ns = (now_ns() - t0) / 30000;
	close(dev);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		region_cost(_metadata, 0, sizes[i], null_ns);
	region_cost(_metadata, 2, 64 << 20, null_ns);
	set_paging(2);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
