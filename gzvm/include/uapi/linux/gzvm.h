/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * GenieZone hypervisor userspace ABI.
 *
 * Binary-compatible with the upstream/Android <linux/gzvm.h>: same ioctl
 * numbers, structure layouts and constants, so VMMs built against that
 * header (crosvm's GenieZone backend) work with this driver.
 */
#ifndef __GZVM_H__
#define __GZVM_H__

#include <linux/const.h>
#include <linux/types.h>
#include <linux/ioctl.h>

#define GZVM_IOC_MAGIC			0x92

/* Limits. */
#define GZVM_MAX_VCPUS			8
#define GZVM_MAX_MEM_REGION		10

/* Capabilities for GZVM_CHECK_EXTENSION and GZVM_ENABLE_CAP. */
#define GZVM_CAP_VM_GPA_SIZE		0xa5
#define GZVM_CAP_PROTECTED_VM		0xffbadab1
#define GZVM_CAP_BLOCK_BASED_DEMAND_PAGING	0x9201
#define GZVM_CAP_ENABLE_DEMAND_PAGING	0x9202
#define GZVM_CAP_ENABLE_IDLE		0x9203
#define GZVM_CAP_QUERY_HYP_BATCH_PAGES	0x9204
#define GZVM_CAP_QUERY_DESTROY_BATCH_PAGES	0x9205

/* Sub-commands of GZVM_CAP_PROTECTED_VM in gzvm_enable_cap.args[0]. */
#define GZVM_CAP_PVM_SET_PVMFW_GPA	0
#define GZVM_CAP_PVM_GET_PVMFW_SIZE	1
#define GZVM_CAP_PVM_SET_PROTECTED_VM	2

/* /dev/gzvm ioctls. */
#define GZVM_CREATE_VM			_IO(GZVM_IOC_MAGIC, 0x01)
/*
 * Query a capability. The argument points to a __u64 holding the
 * capability id; the answer is written back to it.
 */
#define GZVM_CHECK_EXTENSION		_IO(GZVM_IOC_MAGIC, 0x03)

/* VM fd ioctls. */
/**
 * struct gzvm_memory_region - argument of GZVM_SET_MEMORY_REGION
 * @slot: memory slot number
 * @flags: purpose flags, GZVM_USER_MEM_REGION_GUEST_MEM and friends
 * @guest_phys_addr: guest physical address of the slot
 * @memory_size: size of the slot in bytes
 *
 * Kept for source compatibility only: the ioctl is defined but not handled
 * (-ENOTTY), as upstream. Use GZVM_SET_USER_MEMORY_REGION.
 */
struct gzvm_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
};

#define GZVM_SET_MEMORY_REGION		_IOW(GZVM_IOC_MAGIC, 0x40, \
					     struct gzvm_memory_region)
#define GZVM_CREATE_VCPU		_IO(GZVM_IOC_MAGIC, 0x41)

/* Memory region purposes (gzvm_userspace_memory_region.flags). */
#define GZVM_USER_MEM_REGION_GUEST_MEM	(1 << 0)
#define GZVM_USER_MEM_REGION_PROTECT_FW	(1 << 1)
#define GZVM_USER_MEM_REGION_STATIC_SWIOTLB	(1 << 2)

/**
 * struct gzvm_userspace_memory_region - argument of GZVM_SET_USER_MEMORY_REGION
 * @slot: memory slot number, below GZVM_MAX_MEM_REGION
 * @flags: purpose of the memory, GZVM_USER_MEM_REGION_GUEST_MEM and friends
 * @guest_phys_addr: guest physical address the slot starts at
 * @memory_size: size in bytes; must match the mapping at @userspace_addr
 * @userspace_addr: start of the VMM's mapping that backs the slot
 */
struct gzvm_userspace_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
};

#define GZVM_SET_USER_MEMORY_REGION	_IOW(GZVM_IOC_MAGIC, 0x46, \
					     struct gzvm_userspace_memory_region)

/* GZVM_IRQ_LINE: irq field layout. */
#define GZVM_IRQ_VCPU_MASK		0xff
#define GZVM_IRQ_LINE_TYPE		0x0f000000
#define GZVM_IRQ_LINE_VCPU		0x00ff0000
#define GZVM_IRQ_LINE_VCPU2		0xf0000000
#define GZVM_IRQ_LINE_NUM		0x0000ffff

#define GZVM_IRQ_TYPE_CPU		0
#define GZVM_IRQ_TYPE_SPI		1
#define GZVM_IRQ_TYPE_PPI		2

#define GZVM_IRQ_CPU_IRQ		0
#define GZVM_IRQ_CPU_FIQ		1

/**
 * struct gzvm_irq_level - argument of GZVM_IRQ_LINE
 * @irq: interrupt, encoded with GZVM_IRQ_LINE_TYPE, GZVM_IRQ_LINE_VCPU,
 *	GZVM_IRQ_LINE_VCPU2 and GZVM_IRQ_LINE_NUM
 * @status: the same word read as a status (unused by the driver)
 * @level: 1 to raise the line, 0 to lower it
 */
struct gzvm_irq_level {
	union {
		__u32 irq;
		__s32 status;
	};
	__u32 level;
};

#define GZVM_IRQ_LINE			_IOW(GZVM_IOC_MAGIC, 0x61, \
					     struct gzvm_irq_level)

enum gzvm_device_type {
	GZVM_DEV_TYPE_ARM_VGIC_V3_DIST = 0,
	GZVM_DEV_TYPE_ARM_VGIC_V3_REDIST = 1,
	GZVM_DEV_TYPE_MAX,
};

/**
 * struct gzvm_create_device - argument of GZVM_CREATE_DEVICE
 * @dev_type: an enum gzvm_device_type value
 * @id: device id, chosen by the VMM
 * @flags: device flags, passed to the hypervisor
 * @dev_addr: guest physical address of the device's registers
 * @dev_reg_size: size of the register window in bytes
 * @attr_addr: user address of device attributes, or 0
 * @attr_size: size of the attributes in bytes, at most one page
 */
struct gzvm_create_device {
	__u32 dev_type;
	__u32 id;
	__u64 flags;
	__u64 dev_addr;
	__u64 dev_reg_size;
	__u64 attr_addr;
	__u64 attr_size;
};

#define GZVM_CREATE_DEVICE		_IOWR(GZVM_IOC_MAGIC, 0xe0, \
					      struct gzvm_create_device)

/* vCPU fd ioctls. */
#define GZVM_RUN			_IO(GZVM_IOC_MAGIC, 0x80)

/* Exit reasons in gzvm_vcpu_run.exit_reason. */
#define GZVM_EXIT_UNKNOWN		0x92920000
#define GZVM_EXIT_MMIO			0x92920001
#define GZVM_EXIT_HYPERCALL		0x92920002
#define GZVM_EXIT_IRQ			0x92920003
#define GZVM_EXIT_EXCEPTION		0x92920004
#define GZVM_EXIT_DEBUG			0x92920005
#define GZVM_EXIT_FAIL_ENTRY		0x92920006
#define GZVM_EXIT_INTERNAL_ERROR	0x92920007
#define GZVM_EXIT_SYSTEM_EVENT		0x92920008
#define GZVM_EXIT_SHUTDOWN		0x92920009
#define GZVM_EXIT_GZ			0x9292000a
#define GZVM_EXIT_IDLE			0x9292000b
#define GZVM_EXIT_IPI			0x9292000d

/* Exception codes in gzvm_vcpu_run.exception.exception. */
#define GZVM_EXCEPTION_UNKNOWN		0x0
#define GZVM_EXCEPTION_PAGE_FAULT	0x1

/* Hypercalls handled in the kernel. */
#define GZVM_HVC_PTP			0x86000001
#define GZVM_HVC_MEM_RELINQUISH		0xc6000009

/* System event types in gzvm_vcpu_run.system_event.type. */
#define GZVM_SYSTEM_EVENT_SHUTDOWN	1
#define GZVM_SYSTEM_EVENT_RESET		2
#define GZVM_SYSTEM_EVENT_CRASH		3
#define GZVM_SYSTEM_EVENT_WAKEUP	4
#define GZVM_SYSTEM_EVENT_SUSPEND	5
#define GZVM_SYSTEM_EVENT_SEV_TERM	6
#define GZVM_SYSTEM_EVENT_S2IDLE	7

struct gzvm_vcpu_run {
	__u32 exit_reason;
	__u8 immediate_exit;
	__u8 padding1[3];
	union {
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u64 size;
			__u32 reg_nr;
			__u8 is_write;
		} mmio;
		struct {
			__u64 hardware_entry_failure_reason;
			__u32 cpu;
		} fail_entry;
		struct {
			__u32 exception;
			__u32 error_code;
			__u64 fault_gpa;
			__u64 reserved[30];
		} exception;
		struct {
			__u64 args[8];
		} hypercall;
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 data[16];
		} internal;
		struct {
			__u32 type;
			__u32 ndata;
			__u64 data[16];
		} system_event;
		char padding[256];
	};
};

/**
 * struct gzvm_enable_cap - argument of GZVM_ENABLE_CAP
 * @cap: the capability, such as GZVM_CAP_PROTECTED_VM
 * @args: its arguments; for GZVM_CAP_PROTECTED_VM, the first is the
 *	sub-command (GZVM_CAP_PVM_SET_PVMFW_GPA, GZVM_CAP_PVM_GET_PVMFW_SIZE
 *	or GZVM_CAP_PVM_SET_PROTECTED_VM)
 */
struct gzvm_enable_cap {
	__u64 cap;
	__u64 args[5];
};

#define GZVM_ENABLE_CAP			_IOW(GZVM_IOC_MAGIC, 0xa3, \
					     struct gzvm_enable_cap)

/**
 * struct gzvm_one_reg - argument of GZVM_GET_ONE_REG and GZVM_SET_ONE_REG
 * @id: register id in the KVM arm64 encoding (GZVM_REG_ARM64 and friends)
 * @addr: user address of the value; its size comes from @id
 */
struct gzvm_one_reg {
	__u64 id;
	__u64 addr;
};

#define GZVM_GET_ONE_REG		_IOW(GZVM_IOC_MAGIC, 0xab, \
					     struct gzvm_one_reg)
#define GZVM_SET_ONE_REG		_IOW(GZVM_IOC_MAGIC, 0xac, \
					     struct gzvm_one_reg)

/* Register ids: the KVM arm64 encoding. */
#define GZVM_REG_ARM64			0x6000000000000000ULL
#define GZVM_REG_SIZE_SHIFT		52
#define GZVM_REG_SIZE_MASK		0x00f0000000000000ULL
#define GZVM_REG_SIZE_U32		0x0020000000000000ULL
#define GZVM_REG_SIZE_U64		0x0030000000000000ULL
#define GZVM_REG_SIZE_U128		0x0040000000000000ULL
#define GZVM_REG_ARM_COPROC_SHIFT	16
#define GZVM_REG_ARM_CORE		(0x0010 << GZVM_REG_ARM_COPROC_SHIFT)
#define GZVM_REG_ARM64_SYSREG		(0x0013 << GZVM_REG_ARM_COPROC_SHIFT)

/* irqfd */
#define GZVM_IRQFD_FLAG_DEASSIGN	(1 << 0)
#define GZVM_IRQFD_FLAG_RESAMPLE	(1 << 1)

/**
 * struct gzvm_irqfd - argument of GZVM_IRQFD
 * @fd: eventfd whose signal injects the interrupt
 * @gsi: interrupt to inject (an SPI)
 * @flags: GZVM_IRQFD_FLAG_DEASSIGN, GZVM_IRQFD_FLAG_RESAMPLE
 * @resamplefd: eventfd signalled when a level interrupt is acknowledged
 *	(with GZVM_IRQFD_FLAG_RESAMPLE)
 * @pad: must be zero
 */
struct gzvm_irqfd {
	__u32 fd;
	__u32 gsi;
	__u32 flags;
	__u32 resamplefd;
	__u8 pad[16];
};

#define GZVM_IRQFD			_IOW(GZVM_IOC_MAGIC, 0x76, struct gzvm_irqfd)

/* ioeventfd */
enum {
	gzvm_ioeventfd_flag_nr_datamatch = 0,
	gzvm_ioeventfd_flag_nr_pio = 1,
	gzvm_ioeventfd_flag_nr_deassign = 2,
	gzvm_ioeventfd_flag_nr_max,
};

#define GZVM_IOEVENTFD_FLAG_DATAMATCH	(1 << gzvm_ioeventfd_flag_nr_datamatch)
#define GZVM_IOEVENTFD_FLAG_PIO		(1 << gzvm_ioeventfd_flag_nr_pio)
#define GZVM_IOEVENTFD_FLAG_DEASSIGN	(1 << gzvm_ioeventfd_flag_nr_deassign)
#define GZVM_IOEVENTFD_VALID_FLAG_MASK	((1 << gzvm_ioeventfd_flag_nr_max) - 1)

/**
 * struct gzvm_ioeventfd - argument of GZVM_IOEVENTFD
 * @datamatch: value a write must carry (with GZVM_IOEVENTFD_FLAG_DATAMATCH)
 * @addr: guest physical address of the MMIO write
 * @len: access size in bytes: 0 (any), 1, 2, 4 or 8
 * @fd: eventfd to signal
 * @flags: GZVM_IOEVENTFD_FLAG_DATAMATCH, GZVM_IOEVENTFD_FLAG_DEASSIGN
 * @pad: must be zero
 */
struct gzvm_ioeventfd {
	__u64 datamatch;
	__u64 addr;
	__u32 len;
	__s32 fd;
	__u32 flags;
	__u8 pad[36];
};

#define GZVM_IOEVENTFD			_IOW(GZVM_IOC_MAGIC, 0x79, \
					     struct gzvm_ioeventfd)

/**
 * struct gzvm_dtb_config - argument of GZVM_SET_DTB_CONFIG
 * @dtb_addr: guest physical address of the guest's device tree
 * @dtb_size: its size in bytes
 */
struct gzvm_dtb_config {
	__u64 dtb_addr;
	__u64 dtb_size;
};

#define GZVM_SET_DTB_CONFIG		_IOW(GZVM_IOC_MAGIC, 0xff, \
					     struct gzvm_dtb_config)

#endif /* __GZVM_H__ */
