// SPDX-License-Identifier: GPL-2.0

//! The hypervisor's own address space: an identity map at EL2 with 1 GiB blocks, device
//! memory below RAM and normal write-back memory from RAM on, so the hypervisor reads the
//! host's buffers (run pages, memory-region lists) with the host's own cacheability and
//! may make unaligned accesses.

use crate::layout::RAM_BASE;

#[repr(C, align(4096))]
struct Table([u64; 512]);

/// Level-1 table: entry `n` maps `n` GiB (39-bit input addresses).
static mut L1: Table = Table([0; 512]);

const BLOCK: u64 = 0b01;
const AF: u64 = 1 << 10;
const SH_INNER: u64 = 0b11 << 8;
const XN: u64 = 1 << 54;
/// MAIR index 0: Device-nGnRnE; index 1: Normal, inner/outer write-back.
const ATTR_DEVICE: u64 = 0 << 2;
const ATTR_NORMAL: u64 = 1 << 2;
const MAIR: u64 = 0xff << 8;
/// T0SZ = 25 (39 bits), inner/outer write-back, inner shareable, 4 KiB granule, and the
/// RES1 bits 31 and 23.
const TCR: u64 = 25 | (0b01 << 8) | (0b01 << 10) | (0b11 << 12) | (1 << 31) | (1 << 23);
/// SCTLR_EL2 RES1 bits, plus M (MMU), C (data cache), I (instruction cache).
const SCTLR: u64 = 0x30c5_0830 | 1 | (1 << 2) | (1 << 12);

/// Builds the table (primary CPU, once, before [`enable`]).
pub fn build() {
    let ram_gib = RAM_BASE >> 30;
    // SAFETY: Called once on the primary CPU before any other CPU runs or the MMU is on.
    let t = unsafe { &mut *core::ptr::addr_of_mut!(L1) };
    for (i, e) in t.0.iter_mut().enumerate() {
        let pa = (i as u64) << 30;
        *e = if (i as u64) < ram_gib {
            pa | BLOCK | AF | ATTR_DEVICE | XN
        } else {
            pa | BLOCK | AF | ATTR_NORMAL | SH_INNER
        };
    }
}

/// Turns this CPU's EL2 MMU on with the table [`build`] made.
pub fn enable() {
    let pa_range = crate::read_sysreg!("id_aa64mmfr0_el1") & 0xf;
    let ps = pa_range.min(0b101);
    crate::write_sysreg!("mair_el2", MAIR);
    crate::write_sysreg!("tcr_el2", TCR | (ps << 16));
    crate::write_sysreg!("ttbr0_el2", core::ptr::addr_of!(L1) as u64);
    crate::arch::isb();
    crate::arch::tlbi_alle2();
    crate::write_sysreg!("sctlr_el2", SCTLR);
    crate::arch::isb();
}
