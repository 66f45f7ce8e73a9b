// SPDX-License-Identifier: GPL-2.0

//! The userspace ABI of `<linux/gzvm.h>` (`gzvm/include/uapi/linux/gzvm.h`).
//!
//! bindgen does not expand the `_IO*()` macros, so the numbers are rebuilt here from the
//! same magic and sequence numbers, and the structures are declared with the same layout;
//! sizes are checked at compile time and the selftest checks the C header's values against
//! upstream's.

use kernel::{
    ioctl::{_IO, _IOW, _IOWR},
    transmute::{AsBytes, FromBytes},
};

/// ioctl type byte of every GenieZone ioctl.
pub(crate) const GZVM_IOC_MAGIC: u32 = 0x92;

/// Most vCPUs a VM can have.
pub(crate) const GZVM_MAX_VCPUS: u32 = 8;
/// Most memory slots a VM can have.
pub(crate) const GZVM_MAX_MEM_REGION: u32 = 10;

/// Capability: the guest physical address size in bits.
pub(crate) const GZVM_CAP_VM_GPA_SIZE: u64 = 0xa5;
/// Capability: protected VMs are supported.
pub(crate) const GZVM_CAP_PROTECTED_VM: u64 = 0xffba_dab1;
/// Capability (driver-internal): demand paging in 2 MiB blocks.
pub(crate) const GZVM_CAP_BLOCK_BASED_DEMAND_PAGING: u64 = 0x9201;
/// Capability (driver-internal): demand paging.
pub(crate) const GZVM_CAP_ENABLE_DEMAND_PAGING: u64 = 0x9202;
/// Capability: WFI exits (IDLE) instead of spinning in the hypervisor.
pub(crate) const GZVM_CAP_ENABLE_IDLE: u64 = 0x9203;
/// Capability (driver-global query): pages per MAP_GUEST_BLOCK call.
pub(crate) const GZVM_CAP_QUERY_HYP_BATCH_PAGES: u64 = 0x9204;
/// Capability (driver-global query): pages the hypervisor reclaims per DESTROY_VM call.
pub(crate) const GZVM_CAP_QUERY_DESTROY_BATCH_PAGES: u64 = 0x9205;

/// `GZVM_CAP_PROTECTED_VM` sub-command: set the IPA of the protected firmware.
pub(crate) const GZVM_CAP_PVM_SET_PVMFW_GPA: u64 = 0;
/// `GZVM_CAP_PROTECTED_VM` sub-command: query the protected firmware size.
pub(crate) const GZVM_CAP_PVM_GET_PVMFW_SIZE: u64 = 1;
/// `GZVM_CAP_PROTECTED_VM` sub-command: make the VM protected.
pub(crate) const GZVM_CAP_PVM_SET_PROTECTED_VM: u64 = 2;

/// `struct gzvm_userspace_memory_region`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct UserMemoryRegion {
    pub(crate) slot: u32,
    pub(crate) flags: u32,
    pub(crate) guest_phys_addr: u64,
    pub(crate) memory_size: u64,
    pub(crate) userspace_addr: u64,
}

/// `struct gzvm_enable_cap`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct EnableCap {
    pub(crate) cap: u64,
    pub(crate) args: [u64; 5],
}

/// `struct gzvm_one_reg`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct OneReg {
    pub(crate) id: u64,
    pub(crate) addr: u64,
}

/// `struct gzvm_dtb_config`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct DtbConfig {
    pub(crate) dtb_addr: u64,
    pub(crate) dtb_size: u64,
}

/// `struct gzvm_create_device`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct CreateDevice {
    pub(crate) dev_type: u32,
    pub(crate) id: u32,
    pub(crate) flags: u64,
    pub(crate) dev_addr: u64,
    pub(crate) dev_reg_size: u64,
    pub(crate) attr_addr: u64,
    pub(crate) attr_size: u64,
}

/// `struct gzvm_irq_level` (`irq` is the union with `status`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct IrqLevel {
    pub(crate) irq: u32,
    pub(crate) level: u32,
}

/// `GZVM_IRQ_LINE` `irq` fields.
pub(crate) const GZVM_IRQ_TYPE_CPU: u32 = 0;
/// An SPI, numbered from 0 (interrupt id 32).
pub(crate) const GZVM_IRQ_TYPE_SPI: u32 = 1;
/// A PPI of one vCPU, interrupt ids 16..31.
pub(crate) const GZVM_IRQ_TYPE_PPI: u32 = 2;

/// `struct gzvm_irqfd`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Irqfd {
    pub(crate) fd: u32,
    pub(crate) gsi: u32,
    pub(crate) flags: u32,
    pub(crate) resamplefd: u32,
    pub(crate) pad: [u8; 16],
}

/// `GZVM_IRQFD` flags.
pub(crate) const GZVM_IRQFD_FLAG_DEASSIGN: u32 = 1 << 0;
/// Level-triggered: lowered and `resamplefd` signalled when the guest EOIs.
pub(crate) const GZVM_IRQFD_FLAG_RESAMPLE: u32 = 1 << 1;

/// `struct gzvm_ioeventfd`.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Ioeventfd {
    pub(crate) datamatch: u64,
    pub(crate) addr: u64,
    pub(crate) len: u32,
    pub(crate) fd: i32,
    pub(crate) flags: u32,
    pub(crate) pad: [u8; 36],
}

impl Default for Ioeventfd {
    fn default() -> Self {
        Self {
            datamatch: 0,
            addr: 0,
            len: 0,
            fd: -1,
            flags: 0,
            pad: [0; 36],
        }
    }
}

/// `GZVM_IOEVENTFD` flags.
pub(crate) const GZVM_IOEVENTFD_FLAG_DATAMATCH: u32 = 1 << 0;
/// Port I/O (arm64 has none: refused).
pub(crate) const GZVM_IOEVENTFD_FLAG_PIO: u32 = 1 << 1;
/// Remove a registration.
pub(crate) const GZVM_IOEVENTFD_FLAG_DEASSIGN: u32 = 1 << 2;

/// Size of `struct gzvm_vcpu_run`.
pub(crate) const VCPU_RUN_SIZE: usize = 264;

// SAFETY: Plain integers (and arrays of them) with no padding: any byte pattern is valid.
unsafe impl FromBytes for UserMemoryRegion {}
// SAFETY: Plain integers with no padding: every byte is initialised.
unsafe impl AsBytes for UserMemoryRegion {}
// SAFETY: As above.
unsafe impl FromBytes for EnableCap {}
// SAFETY: As above.
unsafe impl AsBytes for EnableCap {}
// SAFETY: As above.
unsafe impl FromBytes for OneReg {}
// SAFETY: As above.
unsafe impl AsBytes for OneReg {}
// SAFETY: As above.
unsafe impl FromBytes for DtbConfig {}
// SAFETY: As above.
unsafe impl AsBytes for DtbConfig {}
// SAFETY: As above.
unsafe impl FromBytes for CreateDevice {}
// SAFETY: As above.
unsafe impl AsBytes for CreateDevice {}

// SAFETY: As above.
unsafe impl FromBytes for IrqLevel {}
// SAFETY: As above.
unsafe impl AsBytes for IrqLevel {}
// SAFETY: As above.
unsafe impl FromBytes for Irqfd {}
// SAFETY: As above.
unsafe impl AsBytes for Irqfd {}
// SAFETY: As above (the padding is an explicit array).
unsafe impl FromBytes for Ioeventfd {}
// SAFETY: As above.
unsafe impl AsBytes for Ioeventfd {}

const _: () = {
    assert!(size_of::<IrqLevel>() == 8);
    assert!(size_of::<Irqfd>() == 32);
    assert!(size_of::<Ioeventfd>() == 64);
    assert!(size_of::<UserMemoryRegion>() == 32);
    assert!(size_of::<EnableCap>() == 48);
    assert!(size_of::<OneReg>() == 16);
    assert!(size_of::<DtbConfig>() == 16);
    assert!(size_of::<CreateDevice>() == 48);
};

/// `/dev/gzvm`: create a VM (argument: VM type, by value); returns the VM fd.
pub(crate) const GZVM_CREATE_VM: u32 = _IO(GZVM_IOC_MAGIC, 0x01);
/// `/dev/gzvm` and VM fd: query a capability. The argument points to a `u64` holding the
/// capability id; the answer is written back to it.
pub(crate) const GZVM_CHECK_EXTENSION: u32 = _IO(GZVM_IOC_MAGIC, 0x03);
/// VM fd: create a vCPU (argument: vCPU id, by value); returns the vCPU fd.
pub(crate) const GZVM_CREATE_VCPU: u32 = _IO(GZVM_IOC_MAGIC, 0x41);
/// VM fd: add, replace or delete (size 0) a memory slot.
pub(crate) const GZVM_SET_USER_MEMORY_REGION: u32 = _IOW::<UserMemoryRegion>(GZVM_IOC_MAGIC, 0x46);
/// VM fd: create an in-hypervisor device (vGIC).
pub(crate) const GZVM_CREATE_DEVICE: u32 = _IOWR::<CreateDevice>(GZVM_IOC_MAGIC, 0xe0);
/// VM fd: enable a capability.
pub(crate) const GZVM_ENABLE_CAP: u32 = _IOW::<EnableCap>(GZVM_IOC_MAGIC, 0xa3);
/// VM fd: tell the hypervisor where the guest's device tree is.
pub(crate) const GZVM_SET_DTB_CONFIG: u32 = _IOW::<DtbConfig>(GZVM_IOC_MAGIC, 0xff);
/// vCPU fd: run until an exit userspace must handle.
pub(crate) const GZVM_RUN: u32 = _IO(GZVM_IOC_MAGIC, 0x80);
/// vCPU fd: read one register.
pub(crate) const GZVM_GET_ONE_REG: u32 = _IOW::<OneReg>(GZVM_IOC_MAGIC, 0xab);
/// VM fd: raise or lower an interrupt line.
pub(crate) const GZVM_IRQ_LINE: u32 = _IOW::<IrqLevel>(GZVM_IOC_MAGIC, 0x61);
/// VM fd: attach or detach an eventfd that raises an SPI.
pub(crate) const GZVM_IRQFD: u32 = _IOW::<Irqfd>(GZVM_IOC_MAGIC, 0x76);
/// VM fd: attach or detach an eventfd signalled by guest MMIO writes.
pub(crate) const GZVM_IOEVENTFD: u32 = _IOW::<Ioeventfd>(GZVM_IOC_MAGIC, 0x79);
/// vCPU fd: write one register.
pub(crate) const GZVM_SET_ONE_REG: u32 = _IOW::<OneReg>(GZVM_IOC_MAGIC, 0xac);

/// Exit reasons (`gzvm_vcpu_run.exit_reason`).
pub(crate) mod exit {
    pub(crate) const MMIO: u32 = 0x9292_0001;
    pub(crate) const HYPERCALL: u32 = 0x9292_0002;
    pub(crate) const IRQ: u32 = 0x9292_0003;
    pub(crate) const EXCEPTION: u32 = 0x9292_0004;
    pub(crate) const INTERNAL_ERROR: u32 = 0x9292_0007;
    pub(crate) const SYSTEM_EVENT: u32 = 0x9292_0008;
    pub(crate) const GZ: u32 = 0x9292_000a;
    pub(crate) const IDLE: u32 = 0x9292_000b;
    pub(crate) const IPI: u32 = 0x9292_000d;
}

/// `gzvm_vcpu_run.exception.exception` for a stage-2 fault.
pub(crate) const GZVM_EXCEPTION_PAGE_FAULT: u32 = 1;
/// Guest hypercall: give a page back to the host.
pub(crate) const GZVM_HVC_MEM_RELINQUISH: u64 = 0xc600_0009;

/// Guest hypercall: precise time (PTP); args\[1\] 0 = virtual counter, 1 = physical.
pub(crate) const GZVM_HVC_PTP: u64 = 0x8600_0001;

/// System event types.
pub(crate) const GZVM_SYSTEM_EVENT_SHUTDOWN: u32 = 1;
/// System event: reset.
pub(crate) const GZVM_SYSTEM_EVENT_RESET: u32 = 2;
