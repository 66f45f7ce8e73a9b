// SPDX-License-Identifier: GPL-2.0
/*
 * gzvm VM, vCPU and memory ioctls: success and error paths, and fd
 * lifetimes (a vCPU fd keeps its VM alive).
 */

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"

_Static_assert(sizeof(struct gzvm_vcpu_run) == 264, "gzvm_vcpu_run");
_Static_assert(sizeof(struct gzvm_userspace_memory_region) == 32, "region");
_Static_assert(sizeof(struct gzvm_enable_cap) == 48, "enable_cap");
_Static_assert(sizeof(struct gzvm_one_reg) == 16, "one_reg");
_Static_assert(sizeof(struct gzvm_create_device) == 48, "create_device");
_Static_assert(sizeof(struct gzvm_irqfd) == 32, "irqfd");
_Static_assert(sizeof(struct gzvm_ioeventfd) == 64, "ioeventfd");
_Static_assert(sizeof(struct gzvm_irq_level) == 8, "irq_level");
_Static_assert(sizeof(struct gzvm_dtb_config) == 16, "dtb_config");
_Static_assert(GZVM_CREATE_VM == 0x9201, "CREATE_VM");
_Static_assert(GZVM_CREATE_VCPU == 0x9241, "CREATE_VCPU");
_Static_assert(GZVM_SET_USER_MEMORY_REGION == 0x40209246, "SET_USER_MEMORY_REGION");
_Static_assert(GZVM_SET_MEMORY_REGION == 0x40189240, "SET_MEMORY_REGION");
_Static_assert(GZVM_IRQ_LINE == 0x40089261, "IRQ_LINE");
_Static_assert(GZVM_IRQFD == 0x40209276, "IRQFD");
_Static_assert(GZVM_IOEVENTFD == 0x40409279, "IOEVENTFD");
_Static_assert(GZVM_ENABLE_CAP == 0x403092a3, "ENABLE_CAP");
_Static_assert(GZVM_CREATE_DEVICE == 0xc03092e0, "CREATE_DEVICE");
_Static_assert(GZVM_SET_DTB_CONFIG == 0x401092ff, "SET_DTB_CONFIG");
_Static_assert(GZVM_RUN == 0x9280, "RUN");
_Static_assert(GZVM_GET_ONE_REG == 0x401092ab, "GET_ONE_REG");
_Static_assert(GZVM_SET_ONE_REG == 0x401092ac, "SET_ONE_REG");
_Static_assert(GZVM_EXIT_MMIO == 0x92920001, "EXIT_MMIO");
_Static_assert(GZVM_EXIT_IPI == 0x9292000d, "EXIT_IPI");
_Static_assert(REG_PC == 0x6030000000100040ULL, "PC id");
_Static_assert(REG_X(1) == 0x6030000000100002ULL, "X1 id");

FIXTURE(vm) {
	int dev, vm;
	void *mem;
	size_t size;
};

FIXTURE_SETUP(vm)
{
	self->size = 4 << 20;
	self->dev = gzvm_open_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/gzvm: %s", strerror(errno));
	ASSERT_EQ(0, set_paging(2));
	self->vm = ioctl(self->dev, GZVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm) TH_LOG("CREATE_VM: %s", strerror(errno));
	self->mem = map_anon(self->size);
	ASSERT_NE(NULL, self->mem);
}

FIXTURE_TEARDOWN(vm)
{
	if (self->vm >= 0)
		close(self->vm);
	close(self->dev);
	munmap(self->mem, self->size);
}

TEST_F(vm, vm_fd_is_cloexec_and_answers_check_extension)
{
	__u64 cap = GZVM_CAP_PROTECTED_VM;

	EXPECT_EQ(FD_CLOEXEC, fcntl(self->vm, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, ioctl(self->vm, GZVM_CHECK_EXTENSION, &cap));
	EXPECT_EQ(1ULL, cap);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_RUN, 0));
	EXPECT_EQ(ENOTTY, errno);
	/* GZVM_SET_MEMORY_REGION is defined but, as upstream, not handled. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_SET_MEMORY_REGION, self->mem));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(vm, vcpu_ids)
{
	int fds[GZVM_MAX_VCPUS];
	int i;

	for (i = 0; i < GZVM_MAX_VCPUS; i++) {
		fds[i] = ioctl(self->vm, GZVM_CREATE_VCPU, i);
		ASSERT_LE(0, fds[i]) TH_LOG("vcpu %d: %s", i, strerror(errno));
	}
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_VCPU, GZVM_MAX_VCPUS));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_VCPU, 3));
	EXPECT_EQ(EEXIST, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_VCPU, -1));
	EXPECT_EQ(EINVAL, errno);
	for (i = 0; i < GZVM_MAX_VCPUS; i++)
		close(fds[i]);
	/* Ids are not reused, even after the vCPU fd is closed. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(vm, memory_region_errors)
{
	char *m = self->mem;

	errno = 0;
	EXPECT_EQ(-1, set_region(self->vm, GZVM_MAX_MEM_REGION, GUEST_RAM_GPA, m, 4096));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, set_region(self->vm, 0, GUEST_RAM_GPA + 1, m, 4096));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, set_region(self->vm, 0, GUEST_RAM_GPA, m + 1, 4096));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, set_region(self->vm, 0, GUEST_RAM_GPA, m, 4095));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, set_region(self->vm, 0, ~0ULL & ~0xfffULL, m, 8192));
	EXPECT_EQ(EINVAL, errno);
	/* Unmapped user memory. */
	errno = 0;
	EXPECT_EQ(-1, set_region(self->vm, 0, GUEST_RAM_GPA, (void *)0x1000, 4096));
	EXPECT_EQ(EFAULT, errno);
	/* Half mapped. */
	ASSERT_EQ(0, munmap(m + self->size - 4096, 4096));
	errno = 0;
	EXPECT_EQ(-1, set_region(self->vm, 0, GUEST_RAM_GPA, m, self->size));
	EXPECT_EQ(EFAULT, errno);
	self->size -= 4096;
	/* Bad pointer to the request. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_SET_USER_MEMORY_REGION, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(vm, memory_region_overlap_replace_delete)
{
	char *m = self->mem;

	ASSERT_EQ(0, set_region(self->vm, 0, GUEST_RAM_GPA, m, 1 << 20));
	errno = 0;
	EXPECT_EQ(-1, set_region(self->vm, 1, GUEST_RAM_GPA + 4096, m, 4096));
	EXPECT_EQ(EEXIST, errno);
	ASSERT_EQ(0, set_region(self->vm, 1, GUEST_RAM_GPA + (1 << 20), m + (1 << 20), 4096));
	/* Replace slot 0 with a bigger region, then delete it (size 0, addr 0). */
	EXPECT_EQ(0, set_region(self->vm, 0, GUEST_RAM_GPA - (2 << 20), m + (2 << 20), 2 << 20));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, NULL, 0));
	/* The old range is free again. */
	EXPECT_EQ(0, set_region(self->vm, 2, GUEST_RAM_GPA, m, 4096));
	/* Deleting an empty slot is fine. */
	EXPECT_EQ(0, set_region(self->vm, 9, 0, NULL, 0));
}

TEST_F(vm, every_paging_mode_accepts_slots)
{
	int mode;

	for (mode = 0; mode <= 2; mode++) {
		int v;

		ASSERT_EQ(0, set_paging(mode));
		v = ioctl(self->dev, GZVM_CREATE_VM, 0);
		ASSERT_LE(0, v);
		EXPECT_EQ(0, set_region(v, 0, GUEST_RAM_GPA, self->mem, self->size));
		EXPECT_EQ(0, set_region(v, 0, 0, NULL, 0));
		close(v);
	}
	ASSERT_EQ(0, set_paging(2));
}

TEST_F(vm, one_reg)
{
	int vcpu = ioctl(self->vm, GZVM_CREATE_VCPU, 0);
	__u64 v = 0;
	struct gzvm_one_reg r;

	ASSERT_LE(0, vcpu);
	EXPECT_EQ(0, set_reg(vcpu, REG_X(5), 0x1122334455667788ULL));
	EXPECT_EQ(0, get_reg(vcpu, REG_X(5), &v));
	EXPECT_EQ(0x1122334455667788ULL, v);
	EXPECT_EQ(0, set_reg(vcpu, REG_PC, GUEST_RAM_GPA));
	EXPECT_EQ(0, get_reg(vcpu, REG_PC, &v));
	EXPECT_EQ(GUEST_RAM_GPA, v);
	/* 128-bit registers cannot be transferred. */
	r.id = GZVM_REG_ARM64 | GZVM_REG_SIZE_U128 | GZVM_REG_ARM_CORE;
	r.addr = (__u64)(uintptr_t)&v;
	errno = 0;
	EXPECT_EQ(-1, ioctl(vcpu, GZVM_SET_ONE_REG, &r));
	EXPECT_EQ(EINVAL, errno);
	/* An id the hypervisor does not know. */
	errno = 0;
	EXPECT_EQ(-1, set_reg(vcpu, GZVM_REG_ARM64 | GZVM_REG_SIZE_U64 | 0xabcd, 1));
	EXPECT_EQ(EINVAL, errno);
	/* Bad value pointer. */
	r.id = REG_X(0);
	r.addr = 8;
	errno = 0;
	EXPECT_EQ(-1, ioctl(vcpu, GZVM_SET_ONE_REG, &r));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(vcpu, GZVM_GET_ONE_REG, &r));
	EXPECT_EQ(EFAULT, errno);
	close(vcpu);
}

TEST_F(vm, enable_cap)
{
	struct gzvm_enable_cap cap = { .cap = GZVM_CAP_ENABLE_DEMAND_PAGING };

	/* The paging capabilities carry physical addresses: not for userspace. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.cap = GZVM_CAP_BLOCK_BASED_DEMAND_PAGING;
	cap.args[1] = 0x40000000;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	/* crosvm's MTE probe (cap 0). */
	cap.cap = 0;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	/* Protected VM: unknown sub-command; gzhyp has no pvmfw. */
	cap.cap = GZVM_CAP_PROTECTED_VM;
	cap.args[0] = 7;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.args[0] = GZVM_CAP_PVM_GET_PVMFW_SIZE;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.args[0] = GZVM_CAP_PVM_SET_PROTECTED_VM;
	EXPECT_EQ(0, ioctl(self->vm, GZVM_ENABLE_CAP, &cap));
	cap.cap = GZVM_CAP_ENABLE_IDLE;
	EXPECT_EQ(0, ioctl(self->vm, GZVM_ENABLE_CAP, &cap));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_ENABLE_CAP, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(vm, create_device)
{
	struct gzvm_create_device d = {
		.dev_type = GZVM_DEV_TYPE_ARM_VGIC_V3_DIST,
		.dev_addr = 0x3fff0000,
		.dev_reg_size = 0x10000,
	};
	char attrs[16] = "attributes";

	EXPECT_EQ(0, ioctl(self->vm, GZVM_CREATE_DEVICE, &d));
	d.dev_type = GZVM_DEV_TYPE_ARM_VGIC_V3_REDIST;
	d.dev_addr = 0x3fff0000 - 0x20000;
	d.dev_reg_size = 0x20000;
	d.attr_addr = (__u64)(uintptr_t)attrs;
	d.attr_size = sizeof(attrs);
	EXPECT_EQ(0, ioctl(self->vm, GZVM_CREATE_DEVICE, &d));
	/* A second redistributor region is refused by the hypervisor. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_DEVICE, &d));
	EXPECT_EQ(EINVAL, errno);
	d.dev_type = GZVM_DEV_TYPE_MAX;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_DEVICE, &d));
	EXPECT_EQ(EINVAL, errno);
	/* attr_addr without a size would be forwarded as an address upstream. */
	d.dev_type = GZVM_DEV_TYPE_ARM_VGIC_V3_DIST;
	d.attr_size = 0;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_DEVICE, &d));
	EXPECT_EQ(EINVAL, errno);
	d.attr_size = 4097;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_DEVICE, &d));
	EXPECT_EQ(EINVAL, errno);
	d.attr_addr = 16;
	d.attr_size = 16;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_CREATE_DEVICE, &d));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(vm, dtb_config)
{
	struct gzvm_dtb_config c = { .dtb_addr = GUEST_RAM_GPA, .dtb_size = 0x200000 };

	EXPECT_EQ(0, ioctl(self->vm, GZVM_SET_DTB_CONFIG, &c));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->vm, GZVM_SET_DTB_CONFIG, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(vm, vcpu_keeps_vm_alive)
{
	struct guest g;
	int vcpu;
	__u64 v = 0;

	ASSERT_EQ(0, set_region(self->vm, 0, GUEST_RAM_GPA, self->mem, self->size));
	vcpu = ioctl(self->vm, GZVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	load_prog(self->mem, PROG(mmio_write));
	/* Close the VM fd first: the vCPU must still work. */
	close(self->vm);
	self->vm = -1;
	EXPECT_EQ(0, set_reg(vcpu, REG_PC, GUEST_RAM_GPA));
	EXPECT_EQ(0, get_reg(vcpu, REG_PC, &v));
	memset(&g.run, 0, sizeof(g.run));
	EXPECT_EQ(0, ioctl(vcpu, GZVM_RUN, &g.run));
	EXPECT_EQ(GZVM_EXIT_MMIO, g.run.exit_reason);
	close(vcpu);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
