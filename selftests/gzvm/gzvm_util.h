/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the gzvm selftests: VM setup over /dev/gzvm (GZVM_DEV), guest program
 * loading, register access and the hypervisor's test knobs.
 */
#ifndef GZVM_UTIL_H
#define GZVM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest.h"
#include "guest_prog.h"

/*
 * The device under test: GZVM_DEV names it (default /dev/gzvm), as
 * VFIO_SELFTESTS_BDF names the vfio selftests' device.
 */
static inline const char *gzvm_dev(void)
{
	const char *dev = getenv("GZVM_DEV");

	return dev && *dev ? dev : "/dev/gzvm";
}

static inline int gzvm_open_dev(void)
{
	return open(gzvm_dev(), O_RDWR | O_CLOEXEC);
}

/*
 * Every gzvm test needs the device: without it (no GenieZone hypervisor, the
 * driver not loaded) a program skips as a whole with the reason, before any
 * test runs (kselftest's "1..0 # SKIP" and exit code 4).
 */
#define GZVM_SKIP_NO_DEV "%s: %s (needs the gzvm driver and a GenieZone hypervisor; set GZVM_DEV)\n"

static inline int gzvm_harness_main(int argc, char **argv)
{
	if (access(gzvm_dev(), R_OK | W_OK))
		ksft_exit_skip(GZVM_SKIP_NO_DEV, gzvm_dev(), strerror(errno));
	return test_harness_run(argc, argv);
}

#define GUEST_RAM_GPA	0x80000000ULL
#define MMIO_BASE	0x10000000ULL
/*
 * Test knobs of gzhyp, the project's GenieZone-ABI test hypervisor
 * (gzvm/hyp/), which the driver forwards from debugfs gzvm-hyp/
 * (CONFIG_GZVM_TEST_KNOBS).
 */
#define KNOB_DIR	"/sys/kernel/debug/gzvm-hyp/"
#define TRACE_CTL	"/sys/kernel/debug/gzvm/hypercall_trace"
#define TRACE_LOG	"/sys/kernel/debug/gzvm/hypercalls"

/* Ghaf extensions gzhyp can offer (gzvm/hypercall.rs, mod ext). */
#define EXT_EOI_REPORT	(1 << 0)
#define EXT_RELEASE_SLOT (1 << 1)
#define EXT_IDLE_BLOCK	(1 << 2)
#define EXT_ALL		7

/* KVM-style register ids. */
#define REG_CORE(off)	(GZVM_REG_ARM64 | GZVM_REG_SIZE_U64 | \
			 GZVM_REG_ARM_CORE | ((off) / 4))
#define REG_X(n)	REG_CORE(8 * (n))
#define REG_SP		REG_CORE(8 * 31)
#define REG_PC		REG_CORE(8 * 32)
#define REG_PSTATE	REG_CORE(8 * 33)

#define PSCI_SYSTEM_OFF	0x84000008ULL

GUEST_PROG(mmio_write);
GUEST_PROG(mmio_read);
GUEST_PROG(hvc);
GUEST_PROG(spin);
GUEST_PROG(undef);
GUEST_PROG(memwalk);
GUEST_PROG(exit_loop);
GUEST_PROG(cpu_off);
GUEST_PROG(relinquish);
GUEST_PROG(ptp);
GUEST_PROG(irq);
GUEST_PROG(ioevent);
GUEST_PROG(pmu_debug);

struct guest {
	int dev, vm, vcpu;
	void *ram;
	size_t ram_size;
	struct gzvm_vcpu_run run;
};

static inline int write_file(const char *path, const char *val);

static inline int knob(const char *name, unsigned long long val);

/* Whether test knob `name` can be set. */
static inline int have_knob(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s%s", KNOB_DIR, name);
	return access(path, W_OK) == 0;
}

#define NEEDS_KNOBS "needs gzhyp's test knobs (gzhyp with test-knobs, CONFIG_GZVM_TEST_KNOBS)"

/* Demand paging the hypervisor grants: 0 none, 1 4 KiB, 2 2 MiB blocks. */
static inline int set_paging(int mode)
{
	return knob("paging", mode);
}

/* Writes `val` to a debugfs file; 0 on success. */
static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n, len = strlen(val);

	if (fd < 0)
		return -1;
	n = write(fd, val, len);
	close(fd);
	return n == len ? 0 : -1;
}

/* Sets gzhyp's test knob `name` to `val`. */
static inline int knob(const char *name, unsigned long long val)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "%s%s", KNOB_DIR, name);
	snprintf(buf, sizeof(buf), "%llu", val);
	return write_file(path, buf);
}

/* Reads a number from a debugfs file; -1 on error. */
static inline long long read_num(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtoll(buf, NULL, 0) : -1;
}

/*
 * Page audit: gzhyp lists every host page it holds (the run and state
 * pages, block buffers and guest pages it maps) and the kernel checks
 * each is still allocated or pinned (gzvm/knobs.rs). Reading the file runs
 * the audit: the number of pages held but no longer backed, or -errno.
 */
static inline long long violations(void)
{
	return read_num(KNOB_DIR "violations");
}

#define EXPECT_NO_VIOLATIONS() EXPECT_EQ(0, violations())

/* A held-pages entry for a guest page (knob fake_held; gzvm/hyp knobs.rs). */
#define HELD_GUEST_PAGE	(2ULL << 60)

static inline int set_reg(int vcpu, __u64 id, __u64 val)
{
	struct gzvm_one_reg r = { .id = id, .addr = (__u64)(uintptr_t)&val };

	return ioctl(vcpu, GZVM_SET_ONE_REG, &r);
}

static inline int get_reg(int vcpu, __u64 id, __u64 *val)
{
	struct gzvm_one_reg r = { .id = id, .addr = (__u64)(uintptr_t)val };

	return ioctl(vcpu, GZVM_GET_ONE_REG, &r);
}

static inline void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline int set_region(int vm, __u32 slot, __u64 gpa, void *hva,
			     __u64 size)
{
	struct gzvm_userspace_memory_region r = {
		.slot = slot,
		.flags = GZVM_USER_MEM_REGION_GUEST_MEM,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (__u64)(uintptr_t)hva,
	};

	return ioctl(vm, GZVM_SET_USER_MEMORY_REGION, &r);
}

/*
 * A VM with ram_size bytes of RAM at GUEST_RAM_GPA holding the program,
 * and one vCPU at the program's start, EL1h with interrupts masked.
 */
static inline void load_prog(void *ram, struct prog p)
{
	memcpy(ram, p.code, p.len);
}

static inline int guest_setup(struct guest *g, size_t ram_size, struct prog p)
{
	memset(g, 0, sizeof(*g));
	g->dev = g->vm = g->vcpu = -1;
	g->ram_size = ram_size;
	g->dev = gzvm_open_dev();
	if (g->dev < 0)
		return -1;
	g->vm = ioctl(g->dev, GZVM_CREATE_VM, 0);
	if (g->vm < 0)
		return -1;
	g->ram = map_anon(ram_size);
	if (!g->ram)
		return -1;
	load_prog(g->ram, p);
	if (set_region(g->vm, 0, GUEST_RAM_GPA, g->ram, ram_size))
		return -1;
	g->vcpu = ioctl(g->vm, GZVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		return -1;
	if (set_reg(g->vcpu, REG_PC, GUEST_RAM_GPA) ||
	    set_reg(g->vcpu, REG_PSTATE, 0x3c5))
		return -1;
	return 0;
}

/* crosvm's vGIC layout for one vCPU: distributor, then one redistributor. */
#define GICD_BASE	0x3fff0000ULL
#define GICR_BASE	(GICD_BASE - 0x20000)

static inline int create_gic(int vm)
{
	struct gzvm_create_device dist = {
		.dev_type = GZVM_DEV_TYPE_ARM_VGIC_V3_DIST,
		.dev_addr = GICD_BASE, .dev_reg_size = 0x10000,
	};
	struct gzvm_create_device redist = {
		.dev_type = GZVM_DEV_TYPE_ARM_VGIC_V3_REDIST,
		.dev_addr = GICR_BASE, .dev_reg_size = 0x20000,
	};

	if (ioctl(vm, GZVM_CREATE_DEVICE, &dist))
		return -1;
	return ioctl(vm, GZVM_CREATE_DEVICE, &redist);
}

/* The guest RAM word at byte `off`. */
static inline __u64 *guest_word(struct guest *g, int off)
{
	return (__u64 *)((char *)g->ram + off);
}

/* Waits (up to 5 s, 1 ms steps) until the guest RAM word at `off` >= want. */
static inline int wait_word(struct guest *g, int off, __u64 want)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 5000; i++) {
		if (__atomic_load_n(guest_word(g, off), __ATOMIC_ACQUIRE) >= want)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static inline void guest_teardown(struct guest *g)
{
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->dev >= 0)
		close(g->dev);
	if (g->ram)
		munmap(g->ram, g->ram_size);
}

static inline int guest_run(struct guest *g)
{
	return ioctl(g->vcpu, GZVM_RUN, &g->run);
}

#endif /* GZVM_UTIL_H */
