// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl sequence crosvm's GenieZone backend issues to boot a VM, in its
 * order and with its arguments, ending in a guest that runs.
 */

#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"

#define NR_VCPUS	2
#define RAM_SIZE	(16 << 20)

TEST(crosvm_boot_sequence)
{
	struct gzvm_create_device dist = {
		.dev_type = GZVM_DEV_TYPE_ARM_VGIC_V3_DIST,
		.dev_addr = 0x3fff0000, .dev_reg_size = 0x10000,
	};
	struct gzvm_create_device redist = {
		.dev_type = GZVM_DEV_TYPE_ARM_VGIC_V3_REDIST,
		.dev_addr = 0x3fff0000 - 0x20000 * NR_VCPUS, .dev_reg_size = 0x20000,
	};
	struct gzvm_dtb_config dtb = {
		.dtb_addr = GUEST_RAM_GPA + RAM_SIZE - 0x200000,
		.dtb_size = 0x200000,
	};
	struct gzvm_vcpu_run run;
	int dev, vm, vcpu[NR_VCPUS], i;
	__u64 cap;
	void *ram;

	dev = gzvm_open_dev();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, set_paging(2));
	vm = ioctl(dev, GZVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	ram = map_anon(RAM_SIZE);
	ASSERT_NE(NULL, ram);
	load_prog(ram, PROG(mmio_write));
	ASSERT_EQ(0, set_region(vm, 0, GUEST_RAM_GPA, ram, RAM_SIZE));
	/* MTE auto-detection: cap 0 is unknown. */
	cap = 0;
	errno = 0;
	EXPECT_EQ(-1, ioctl(vm, GZVM_CHECK_EXTENSION, &cap));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* Protected VMs, asked on the VM fd: crosvm requires 1. */
	cap = GZVM_CAP_PROTECTED_VM;
	ASSERT_EQ(0, ioctl(vm, GZVM_CHECK_EXTENSION, &cap));
	EXPECT_EQ(1ULL, cap);
	ASSERT_EQ(0, ioctl(vm, GZVM_CREATE_DEVICE, &dist));
	ASSERT_EQ(0, ioctl(vm, GZVM_CREATE_DEVICE, &redist));
	/*
	 * crosvm passes the GPA-size cap by value; as upstream, it is taken
	 * as a pointer, so crosvm falls back to a 40-bit IPA space.
	 */
	errno = 0;
	EXPECT_EQ(-1, ioctl(dev, GZVM_CHECK_EXTENSION, GZVM_CAP_VM_GPA_SIZE));
	EXPECT_EQ(EFAULT, errno);
	for (i = 0; i < NR_VCPUS; i++) {
		vcpu[i] = ioctl(vm, GZVM_CREATE_VCPU, i);
		ASSERT_LE(0, vcpu[i]);
	}
	ASSERT_EQ(0, ioctl(vm, GZVM_SET_DTB_CONFIG, &dtb));
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, set_reg(vcpu[i], REG_PSTATE, 0x3c5));
	ASSERT_EQ(0, set_reg(vcpu[0], REG_PC, GUEST_RAM_GPA));
	ASSERT_EQ(0, set_reg(vcpu[0], REG_X(0), dtb.dtb_addr));
	memset(&run, 0, sizeof(run));
	ASSERT_EQ(0, ioctl(vcpu[0], GZVM_RUN, &run));
	EXPECT_EQ(GZVM_EXIT_MMIO, run.exit_reason);
	EXPECT_EQ(0xdeadbeef, *(__u32 *)run.mmio.data);
	ASSERT_EQ(0, ioctl(vcpu[0], GZVM_RUN, &run));
	EXPECT_EQ(GZVM_EXIT_SYSTEM_EVENT, run.exit_reason);
	/* crosvm's remove_memory_region: size 0, address 0. */
	EXPECT_EQ(0, set_region(vm, 0, 0, NULL, 0));
	for (i = 0; i < NR_VCPUS; i++)
		close(vcpu[i]);
	close(vm);
	close(dev);
	munmap(ram, RAM_SIZE);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
