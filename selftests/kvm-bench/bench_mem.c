// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's side of the memory-slot benchmark (selftests/gzvm/bench_mem.c):
 * KVM_SET_USER_MEMORY_REGION of a populated range against mlock() of the
 * same range, with the host at EL2 (scripts/run-qemu.sh kvm).
 */

#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "../gzvm/bench_row.h"

#define GUEST_RAM_GPA	0x80000000ULL

static int set_region(int vm, void *hva, __u64 size)
{
	struct kvm_userspace_memory_region r = {
		.guest_phys_addr = GUEST_RAM_GPA,
		.memory_size = size,
		.userspace_addr = (__u64)(uintptr_t)hva,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

/* KVM_SET_USER_MEMORY_REGION of a populated range, against mlock(). */
static void region_row(struct __test_metadata *_metadata, size_t size,
		       int reps, const char *key)
{
	double set[BENCH_MAX_REPS], lock[BENCH_MAX_REPS], t0;
	int kvm, vm, r;
	void *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, kvm);
	for (r = 0; r < reps; r++) {
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, mem);
		memset(mem, 1, size);
		t0 = bench_now_ns();
		ASSERT_EQ(0, mlock(mem, size));
		lock[r] = bench_now_ns() - t0;
		ASSERT_EQ(0, munlock(mem, size));
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
		ASSERT_LE(0, vm);
		t0 = bench_now_ns();
		ASSERT_EQ(0, set_region(vm, mem, size));
		set[r] = bench_now_ns() - t0;
		close(vm);
		munmap(mem, size);
	}
	close(kvm);
	bench_row(key, "kvm", "mlock", set, lock, reps);
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
	if (access("/dev/kvm", R_OK | W_OK))
		SKIP(return, "no /dev/kvm (the host must boot at EL2: run-qemu.sh kvm)");
	region_row(_metadata, 64 << 20, bench_reps(3, 5), "memslot_64m");
	/* mlock() of 512 MiB alone takes 15 s under TCG: make bench only. */
	if (bench_full())
		region_row(_metadata, 512 << 20, 3, "memslot_512m");
}

TEST_HARNESS_MAIN
