// SPDX-License-Identifier: GPL-2.0

//! The userspace ABI of `<linux/gzvm.h>`, read through the kernel's `uapi` bindings of
//! that header (`rust/uapi/uapi_helper.h` includes it), as Rust binder reads its uapi.
//!
//! The structures are transparent wrappers of the bindgen types that can be copied from
//! and to userspace; the run page is accessed at offsets taken from the bindgen layout of
//! `struct gzvm_vcpu_run`. bindgen does not expand the `_IO*()` macros, so the ioctl
//! numbers are rebuilt here from the same magic and sequence numbers; the selftest checks
//! the C header's values against upstream's.

use core::{
    mem::offset_of,
    ops::{Deref, DerefMut},
};
use kernel::{
    ioctl::{_IO, _IOW, _IOWR},
    transmute::{AsBytes, FromBytes},
    uapi,
};

/// ioctl type byte of every GenieZone ioctl.
pub(crate) const GZVM_IOC_MAGIC: u32 = uapi::GZVM_IOC_MAGIC;

/// Most vCPUs a VM can have.
pub(crate) const GZVM_MAX_VCPUS: u32 = uapi::GZVM_MAX_VCPUS;
/// Most memory slots a VM can have.
pub(crate) const GZVM_MAX_MEM_REGION: u32 = uapi::GZVM_MAX_MEM_REGION;

/// Capability: the guest physical address size in bits.
pub(crate) const GZVM_CAP_VM_GPA_SIZE: u64 = uapi::GZVM_CAP_VM_GPA_SIZE as u64;
/// Capability: protected VMs are supported.
pub(crate) const GZVM_CAP_PROTECTED_VM: u64 = uapi::GZVM_CAP_PROTECTED_VM as u64;
/// Capability (driver-internal): demand paging in 2 MiB blocks.
pub(crate) const GZVM_CAP_BLOCK_BASED_DEMAND_PAGING: u64 =
    uapi::GZVM_CAP_BLOCK_BASED_DEMAND_PAGING as u64;
/// Capability (driver-internal): demand paging.
pub(crate) const GZVM_CAP_ENABLE_DEMAND_PAGING: u64 = uapi::GZVM_CAP_ENABLE_DEMAND_PAGING as u64;
/// Capability: WFI exits (IDLE) instead of spinning in the hypervisor.
pub(crate) const GZVM_CAP_ENABLE_IDLE: u64 = uapi::GZVM_CAP_ENABLE_IDLE as u64;
/// Capability (driver-global query): pages per MAP_GUEST_BLOCK call.
pub(crate) const GZVM_CAP_QUERY_HYP_BATCH_PAGES: u64 = uapi::GZVM_CAP_QUERY_HYP_BATCH_PAGES as u64;
/// Capability (driver-global query): pages the hypervisor reclaims per DESTROY_VM call.
pub(crate) const GZVM_CAP_QUERY_DESTROY_BATCH_PAGES: u64 =
    uapi::GZVM_CAP_QUERY_DESTROY_BATCH_PAGES as u64;

/// `GZVM_CAP_PROTECTED_VM` sub-command: set the IPA of the protected firmware.
pub(crate) const GZVM_CAP_PVM_SET_PVMFW_GPA: u64 = uapi::GZVM_CAP_PVM_SET_PVMFW_GPA as u64;
/// `GZVM_CAP_PROTECTED_VM` sub-command: query the protected firmware size.
pub(crate) const GZVM_CAP_PVM_GET_PVMFW_SIZE: u64 = uapi::GZVM_CAP_PVM_GET_PVMFW_SIZE as u64;
/// `GZVM_CAP_PROTECTED_VM` sub-command: make the VM protected.
pub(crate) const GZVM_CAP_PVM_SET_PROTECTED_VM: u64 = uapi::GZVM_CAP_PVM_SET_PROTECTED_VM as u64;

/// `GZVM_IRQ_LINE` `irq` types.
pub(crate) const GZVM_IRQ_TYPE_CPU: u32 = uapi::GZVM_IRQ_TYPE_CPU;
/// An SPI, numbered from 0 (interrupt id 32).
pub(crate) const GZVM_IRQ_TYPE_SPI: u32 = uapi::GZVM_IRQ_TYPE_SPI;
/// A PPI (which GenieZone cannot inject).
pub(crate) const GZVM_IRQ_TYPE_PPI: u32 = uapi::GZVM_IRQ_TYPE_PPI;

/// `GZVM_IRQFD` flags.
pub(crate) const GZVM_IRQFD_FLAG_DEASSIGN: u32 = uapi::GZVM_IRQFD_FLAG_DEASSIGN;
/// Level-triggered: lowered and `resamplefd` signalled when the guest EOIs.
pub(crate) const GZVM_IRQFD_FLAG_RESAMPLE: u32 = uapi::GZVM_IRQFD_FLAG_RESAMPLE;

/// `GZVM_IOEVENTFD` flags. (The header defines them from an anonymous enum, which
/// bindgen cannot evaluate in a macro; the bit numbers are that enum's.)
pub(crate) const GZVM_IOEVENTFD_FLAG_DATAMATCH: u32 = 1 << 0;
/// Port I/O (arm64 has none: refused).
pub(crate) const GZVM_IOEVENTFD_FLAG_PIO: u32 = 1 << 1;
/// Remove a registration.
pub(crate) const GZVM_IOEVENTFD_FLAG_DEASSIGN: u32 = 1 << 2;

/// A uapi structure copied from and to userspace: a transparent wrapper of the bindgen
/// type, which dereferences to it.
macro_rules! uapi_struct {
    ($(#[$doc:meta])* $name:ident = $c:ident, $size:expr) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Clone, Copy)]
        pub(crate) struct $name(pub(crate) uapi::$c);

        // SAFETY: The C structure is integers and arrays of integers with no implicit
        // padding (its size is checked below against the sum upstream's layout gives), so
        // any byte pattern is a valid value.
        unsafe impl FromBytes for $name {}
        // SAFETY: As above: every byte is an initialised integer byte.
        unsafe impl AsBytes for $name {}

        impl Deref for $name {
            type Target = uapi::$c;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl DerefMut for $name {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }

        const _: () = assert!(size_of::<$name>() == $size);
    };
}

uapi_struct!(
    /// `struct gzvm_userspace_memory_region`.
    UserMemoryRegion = gzvm_userspace_memory_region, 32
);
uapi_struct!(
    /// `struct gzvm_enable_cap`.
    EnableCap = gzvm_enable_cap, 48
);
uapi_struct!(
    /// `struct gzvm_one_reg`.
    OneReg = gzvm_one_reg, 16
);
uapi_struct!(
    /// `struct gzvm_dtb_config`.
    DtbConfig = gzvm_dtb_config, 16
);
uapi_struct!(
    /// `struct gzvm_create_device`.
    CreateDevice = gzvm_create_device, 48
);
uapi_struct!(
    /// `struct gzvm_irq_level` (`irq` is in a union with `status`).
    IrqLevel = gzvm_irq_level, 8
);
uapi_struct!(
    /// `struct gzvm_irqfd`.
    Irqfd = gzvm_irqfd, 32
);
uapi_struct!(
    /// `struct gzvm_ioeventfd`.
    Ioeventfd = gzvm_ioeventfd, 64
);

impl IrqLevel {
    /// The `irq` word.
    pub(crate) fn irq(&self) -> u32 {
        // SAFETY: Both members of the union (`irq`, `status`) are 32-bit integers, so
        // reading either is valid for any value.
        unsafe { self.0.__bindgen_anon_1.irq }
    }
}

/// Size of `struct gzvm_vcpu_run`.
pub(crate) const VCPU_RUN_SIZE: usize = size_of::<uapi::gzvm_vcpu_run>();
const _: () = assert!(VCPU_RUN_SIZE == 264);

/// Byte offsets in `struct gzvm_vcpu_run`, from the bindgen layout.
pub(crate) mod run {
    use super::*;

    type Run = uapi::gzvm_vcpu_run;

    pub(crate) const EXIT_REASON: usize = offset_of!(Run, exit_reason);
    pub(crate) const IMMEDIATE_EXIT: usize = offset_of!(Run, immediate_exit);
    pub(crate) const PADDING1: usize = offset_of!(Run, padding1);
    pub(crate) const MMIO_ADDR: usize = offset_of!(Run, __bindgen_anon_1.mmio.phys_addr);
    pub(crate) const MMIO_DATA: usize = offset_of!(Run, __bindgen_anon_1.mmio.data);
    pub(crate) const MMIO_SIZE: usize = offset_of!(Run, __bindgen_anon_1.mmio.size);
    pub(crate) const MMIO_IS_WRITE: usize = offset_of!(Run, __bindgen_anon_1.mmio.is_write);
    pub(crate) const EXC_CODE: usize = offset_of!(Run, __bindgen_anon_1.exception.exception);
    pub(crate) const EXC_FAULT_GPA: usize = offset_of!(Run, __bindgen_anon_1.exception.fault_gpa);
    pub(crate) const EXC_RESERVED: usize = offset_of!(Run, __bindgen_anon_1.exception.reserved);
    pub(crate) const HC_ARGS: usize = offset_of!(Run, __bindgen_anon_1.hypercall.args);

    // Upstream's layout (`geniezone-abi.md` section 2).
    const _: () = assert!(MMIO_ADDR == 8 && MMIO_IS_WRITE == 36 && EXC_RESERVED == 24);
}

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
    use kernel::uapi;

    pub(crate) const MMIO: u32 = uapi::GZVM_EXIT_MMIO;
    pub(crate) const HYPERCALL: u32 = uapi::GZVM_EXIT_HYPERCALL;
    pub(crate) const IRQ: u32 = uapi::GZVM_EXIT_IRQ;
    pub(crate) const EXCEPTION: u32 = uapi::GZVM_EXIT_EXCEPTION;
    pub(crate) const GZ: u32 = uapi::GZVM_EXIT_GZ;
    pub(crate) const IDLE: u32 = uapi::GZVM_EXIT_IDLE;
    pub(crate) const IPI: u32 = uapi::GZVM_EXIT_IPI;
}

/// `gzvm_vcpu_run.exception.exception` for a stage-2 fault.
pub(crate) const GZVM_EXCEPTION_PAGE_FAULT: u32 = uapi::GZVM_EXCEPTION_PAGE_FAULT;
/// Guest hypercall: give a page back to the host.
pub(crate) const GZVM_HVC_MEM_RELINQUISH: u64 = uapi::GZVM_HVC_MEM_RELINQUISH as u64;

/// Guest hypercall: precise time (PTP); args\[1\] 0 = virtual counter, 1 = physical.
pub(crate) const GZVM_HVC_PTP: u64 = uapi::GZVM_HVC_PTP as u64;
