// SPDX-License-Identifier: GPL-2.0

//! The GenieZone hypercall ABI as the upstream driver speaks it.
//!
//! Sources (the hypervisor itself is closed; every fact below is what the upstream driver
//! sends or expects):
//! - LKML v13 (Nov 2024) `[PATCH v13 NN/25]`, Message-IDs
//!   `20241114100802.4116-N-liju-clr.chen@mediatek.com`: 04 (function ids, PROBE, errno
//!   mapping), 17 (block demand paging, query 0x9204), 22-23 (vtimer migration, IDLE),
//!   24 (IPI), 25 (destroy batching, query 0x9205, ERR_BUSY);
//! - Android common kernel 6.6 `drivers/virt/geniezone/` and `arch/arm64/geniezone/`
//!   (`vm.c`, `vcpu.c`, `vgic.c`, `gzvm_arch_common.h`) and `include/uapi/linux/gzvm.h`.
//!
//! See `gzvm/hyp/README.md` for what this hypervisor does where the driver leaves the
//! hypervisor's behaviour open.

/// Function ids are SMCCC fast calls, 64-bit, owner 59 (Trusted OS range):
/// `0xfb00_1000 + n` (`MT_HVC_GZVM_*`, `gzvm_arch_common.h`).
pub const FN_BASE: u64 = 0xfb00_1000;

/// Function numbers (`GZVM_FUNC_*`, `gzvm_arch_common.h`).
pub mod func {
    pub const CREATE_VM: u64 = 0;
    pub const DESTROY_VM: u64 = 1;
    pub const CREATE_VCPU: u64 = 2;
    pub const DESTROY_VCPU: u64 = 3;
    pub const SET_MEMREGION: u64 = 4;
    pub const RUN: u64 = 5;
    pub const GET_ONE_REG: u64 = 8;
    pub const SET_ONE_REG: u64 = 9;
    pub const IRQ_LINE: u64 = 10;
    pub const CREATE_DEVICE: u64 = 11;
    pub const PROBE: u64 = 12;
    pub const ENABLE_CAP: u64 = 13;
    pub const INFORM_EXIT: u64 = 14;
    pub const MEMREGION_PURPOSE: u64 = 15;
    pub const SET_DTB_CONFIG: u64 = 16;
    pub const MAP_GUEST: u64 = 17;
    pub const MAP_GUEST_BLOCK: u64 = 18;
}

/// Status codes in x0 (`gzvm_err_to_errno()`, v13 04/25 and 25/25).
pub mod status {
    pub const OK: i64 = 0;
    pub const NO_MEMORY: i64 = -5;
    pub const INVALID_ARGS: i64 = -8;
    pub const NOT_SUPPORTED: i64 = -24;
    pub const BUSY: i64 = -33;
}

/// Exit reasons (`GZVM_EXIT_*`, uapi `gzvm.h`), returned in x1 of RUN and written to the
/// run page (ACK 6.6 `gzvm_arch_vcpu_run()` takes the reason from x1).
pub mod exit {
    pub const MMIO: u32 = 0x9292_0001;
    pub const HYPERCALL: u32 = 0x9292_0002;
    pub const IRQ: u32 = 0x9292_0003;
    pub const EXCEPTION: u32 = 0x9292_0004;
    pub const INTERNAL_ERROR: u32 = 0x9292_0007;
    pub const SYSTEM_EVENT: u32 = 0x9292_0008;
    pub const IDLE: u32 = 0x9292_000b;
    pub const IPI: u32 = 0x9292_000d;
}

/// Capabilities (`GZVM_CAP_*`, uapi `gzvm.h`).
pub mod cap {
    pub const PROTECTED_VM: u64 = 0xffba_dab1;
    /// `GZVM_CAP_PVM_SET_PVMFW_GPA`, `GZVM_CAP_PVM_SET_PROTECTED_VM` (args[0]).
    pub const PVM_SET_PVMFW_GPA: u64 = 0;
    pub const PVM_SET_PROTECTED_VM: u64 = 2;
    pub const BLOCK_BASED_DEMAND_PAGING: u64 = 0x9201;
    pub const ENABLE_DEMAND_PAGING: u64 = 0x9202;
    pub const ENABLE_IDLE: u64 = 0x9203;
    pub const QUERY_HYP_BATCH_PAGES: u64 = 0x9204;
    pub const QUERY_DESTROY_BATCH_PAGES: u64 = 0x9205;
    /// Ghaf extension negotiation (not GenieZone's; the driver's `hypercall.rs`).
    pub const GHAF_EXT: u64 = 0x92f0;
    /// Ghaf extension: release a memory slot.
    pub const GHAF_RELEASE_SLOT: u64 = 0x92f1;
}

/// Ghaf extensions (bits of the [`cap::GHAF_EXT`] answer, the driver's `hypercall::ext`).
pub mod ext {
    pub const EOI_REPORT: u64 = 1 << 0;
    pub const RELEASE_SLOT: u64 = 1 << 1;
    pub const IDLE_BLOCK: u64 = 1 << 2;
}

/// `struct gzvm_vcpu_run` offsets (uapi `gzvm.h`; 264 bytes, union at 8).
pub mod run {
    pub const EXIT_REASON: u64 = 0;
    pub const UNION: u64 = 8;
    pub const UNION_SIZE: usize = 256;
    pub const MMIO_ADDR: u64 = 8;
    pub const MMIO_DATA: u64 = 16;
    pub const MMIO_SIZE: u64 = 24;
    pub const MMIO_REG: u64 = 32;
    pub const MMIO_WRITE: u64 = 36;
    /// `exception.exception`, `exception.fault_gpa`.
    pub const EXC_CODE: u64 = 8;
    pub const EXC_FAULT_GPA: u64 = 16;
    /// `system_event.type`.
    pub const SYSEV_TYPE: u64 = 8;
    /// `hypercall.args[8]`.
    pub const HVC_ARGS: u64 = 8;
    /// `internal.suberror`, `internal.ndata`, `internal.data[]`.
    pub const INTERNAL_SUBERROR: u64 = 8;
    pub const INTERNAL_NDATA: u64 = 12;
    pub const INTERNAL_DATA: u64 = 16;
}

/// `struct gzvm_vcpu_hwstate` (the page after the run page; v13 22/25 and 23/25).
pub mod hw {
    pub const NR_LRS: u64 = 0;
    pub const LR: u64 = 8;
    pub const VTIMER_DELAY: u64 = 144;
    pub const VTIMER_MIGRATE: u64 = 152;
}

/// `GZVM_EXCEPTION_PAGE_FAULT`.
pub const EXCEPTION_PAGE_FAULT: u64 = 1;
/// `GZVM_SYSTEM_EVENT_SHUTDOWN`, `_RESET`.
pub const SYSTEM_EVENT_SHUTDOWN: u64 = 1;
pub const SYSTEM_EVENT_RESET: u64 = 2;
/// `GZVM_DEV_TYPE_ARM_VGIC_V3_DIST`, `_REDIST` (uapi `gzvm.h`).
pub const DEV_VGIC_DIST: u32 = 0;
pub const DEV_VGIC_REDIST: u32 = 1;
/// `GZVM_MAX_VCPUS`.
pub const MAX_VCPUS: usize = 8;
/// SET_MEMREGION buffer: `struct gzvm_memory_region_ranges` (slot u32, constituent_cnt
/// u32, total_pages u64, gpa u64, then {address u64, pg_cnt u32, pad} constituents) in the
/// driver's 8 KiB buffer.
pub const MEMREGION_HDR: u64 = 24;
pub const CONSTITUENT_SIZE: u64 = 16;
/// Register ids (`GZVM_REG_*`, KVM's arm64 encoding).
pub mod reg {
    pub const ARM64: u64 = 0x6000_0000_0000_0000;
    pub const SIZE_U64: u64 = 0x0030_0000_0000_0000;
    pub const CORE: u64 = 0x0010 << 16;
    pub const SYSREG: u64 = 0x0013 << 16;
    /// Core register indices (offset in `struct gzvm_regs` / 4).
    pub const CORE_SP: u64 = 0x3e;
    pub const CORE_PC: u64 = 0x40;
    pub const CORE_PSTATE: u64 = 0x42;
    pub const CORE_SP_EL1: u64 = 0x44;
    pub const CORE_ELR_EL1: u64 = 0x46;
    pub const CORE_SPSR_EL1: u64 = 0x48;
}
