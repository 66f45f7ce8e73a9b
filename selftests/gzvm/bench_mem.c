// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of /dev/gzvm memory slots (a binary of its own: with 512 MiB,
 * make bench takes minutes under TCG): SET_USER_MEMORY_REGION of a fully
 * populated range against mlock() of the same range. KVM's figures come
 * from selftests/kvm-bench/bench_mem.c; rows as in bench_row.h.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"
#include "bench_row.h"

/*
 * SET_USER_MEMORY_REGION of a fully populated range (the hypervisor grants
 * no demand paging: the driver pins and describes every page), against
 * mlock() of the same range.
 */
static void region_row(struct __test_metadata *_metadata, size_t size,
		       int reps, const char *key)
{
	double set[BENCH_MAX_REPS], lock[BENCH_MAX_REPS], t0;
	int dev, vm, r;
	void *mem;

	ASSERT_EQ(0, set_paging(0));
	for (r = 0; r < reps; r++) {
		mem = map_anon(size);
		ASSERT_NE(NULL, mem);
		memset(mem, 1, size);
		t0 = bench_now_ns();
		ASSERT_EQ(0, mlock(mem, size));
		lock[r] = bench_now_ns() - t0;
		ASSERT_EQ(0, munlock(mem, size));
		dev = gzvm_open_dev();
		ASSERT_LE(0, dev);
		vm = ioctl(dev, GZVM_CREATE_VM, 0);
		ASSERT_LE(0, vm);
		t0 = bench_now_ns();
		ASSERT_EQ(0, set_region(vm, 0, GUEST_RAM_GPA, mem, size));
		set[r] = bench_now_ns() - t0;
		close(vm);
		close(dev);
		munmap(mem, size);
	}
	bench_row(key, "gzvm", "mlock", set, lock, reps);
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

/*
 * Pinning and mlock() of 512 MiB take tens of seconds each under TCG with
 * KASAN (guest-init.sh gives the *bench_mem suites 900 s).
 */
TEST_F_TIMEOUT(slow, set_user_memory_region_vs_mlock, 880)
{
	region_row(_metadata, 64 << 20, bench_reps(3, 5), "memslot_64m");
	/* mlock() of 512 MiB alone takes 15 s under TCG: make bench only. */
	if (bench_full())
		region_row(_metadata, 512 << 20, 3, "memslot_512m");
	set_paging(2);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
