// SPDX-License-Identifier: GPL-2.0

//! Stage-2 translation of one VM: 40-bit IPAs (crosvm's fallback IPA size), 4 KiB
//! granule, starting at level 1 with two concatenated tables (Arm ARM D8.2.4), page
//! mappings only. Every mapping comes from the driver (SET_MEMREGION constituents,
//! MAP_GUEST, MAP_GUEST_BLOCK); the hypervisor never maps memory on its own.

use crate::{arch, pages, write_sysreg};

/// IPA bits.
pub const IPA_BITS: u32 = 40;
const VALID: u64 = 1;
const TABLE: u64 = 0b11;
const PAGE: u64 = 0b11;
const AF: u64 = 1 << 10;
const SH_INNER: u64 = 0b11 << 8;
const S2AP_RW: u64 = 0b11 << 6;
/// MemAttr[3:0] = 0b1111: Normal, outer and inner write-back.
const MEMATTR_NORMAL: u64 = 0b1111 << 2;
const ADDR_MASK: u64 = 0x0000_ffff_ffff_f000;

/// The level-1 root (two concatenated tables, 8 KiB aligned).
#[repr(C, align(8192))]
pub struct Root(pub [u64; 1024]);

/// `VTCR_EL2` for this layout: T0SZ 24, SL0 1 (level 1), write-back walks, inner
/// shareable, 4 KiB granule, PS from the CPU's physical address range, RES1 bit 31.
pub fn vtcr() -> u64 {
    let ps = crate::read_sysreg!("id_aa64mmfr0_el1") & 0xf;
    (64 - u64::from(IPA_BITS))
        | (1 << 6)
        | (1 << 8)
        | (1 << 10)
        | (3 << 12)
        | (ps.min(5) << 16)
        | (1 << 31)
}

/// A VM's stage-2 tables; the root lives in static storage owned by the VM slot.
pub struct Stage2 {
    root: *mut Root,
    /// Pages mapped (for batched destruction).
    pub mapped: u64,
    /// Where the next [`Self::unmap_some`] goes on (page number): every page below it was
    /// unmapped by an earlier call, so a batched teardown is linear, not quadratic.
    cursor: u64,
}

// SAFETY: The root pointer is the VM slot's own static table; access is serialised by the
// hypervisor lock that owns the `Stage2`.
unsafe impl Send for Stage2 {}

fn table(pa: u64) -> &'static mut [u64; 512] {
    // SAFETY: `pa` is a table page from the pool, owned by one Stage2 and accessed only
    // under the hypervisor lock.
    unsafe { &mut *(pa as *mut [u64; 512]) }
}

impl Stage2 {
    /// Tables rooted at `root` (cleared).
    ///
    /// # Safety
    ///
    /// `root` is used by this `Stage2` alone until it is dropped.
    pub unsafe fn new(root: *mut Root) -> Self {
        // SAFETY: The caller gives the root to this Stage2.
        unsafe { (*root).0.fill(0) };
        Self {
            root,
            mapped: 0,
            cursor: 0,
        }
    }

    /// Physical address of the root (for `VTTBR_EL2`).
    pub fn root_pa(&self) -> u64 {
        self.root as u64
    }

    fn leaf(&mut self, ipa: u64, alloc: bool) -> Option<&'static mut u64> {
        if ipa >> IPA_BITS != 0 {
            return None;
        }
        // SAFETY: The root is this Stage2's (see `new`).
        let root = unsafe { &mut (*self.root).0 };
        let l1 = &mut root[(ipa >> 30) as usize];
        let l2 = next(l1, alloc)?;
        let l2e = &mut l2[((ipa >> 21) & 511) as usize];
        let l3 = next(l2e, alloc)?;
        Some(&mut l3[((ipa >> 12) & 511) as usize])
    }

    /// Maps the page at `ipa` to host page `pa`; fails without memory for tables, or if
    /// another page is mapped there.
    pub fn map(&mut self, ipa: u64, pa: u64) -> Result<(), i64> {
        let e = self.leaf(ipa, true).ok_or(super::abi::status::NO_MEMORY)?;
        if *e & VALID != 0 {
            return if *e & ADDR_MASK == pa {
                Ok(())
            } else {
                Err(super::abi::status::INVALID_ARGS)
            };
        }
        *e = pa | PAGE | AF | SH_INNER | S2AP_RW | MEMATTR_NORMAL;
        self.mapped += 1;
        Ok(())
    }

    /// Whether `ipa` is mapped.
    pub fn is_mapped(&mut self, ipa: u64) -> bool {
        self.leaf(ipa, false).is_some_and(|e| *e & VALID != 0)
    }

    /// Unmaps `ipa`; TLBs must be invalidated ([`Self::flush`]) before the page is reused.
    pub fn unmap(&mut self, ipa: u64) -> bool {
        match self.leaf(ipa, false) {
            Some(e) if *e & VALID != 0 => {
                *e = 0;
                self.mapped -= 1;
                true
            }
            _ => false,
        }
    }

    /// Calls `f` with the page number and leaf entry of every mapped page from page `start`
    /// on, in IPA order, until `f` answers `false`; returns the page it stopped at, or
    /// `None` when every mapped page was visited.
    pub fn walk(&mut self, start: u64, mut f: impl FnMut(u64, &mut u64) -> bool) -> Option<u64> {
        // SAFETY: The root is this Stage2's (see `new`).
        let root = unsafe { &mut (*self.root).0 };
        for (i1, l1) in root.iter_mut().enumerate().skip((start >> 18) as usize) {
            let Some(l2) = next(l1, false) else { continue };
            for (i2, l2e) in l2.iter_mut().enumerate() {
                let base = ((i1 as u64) << 18) | ((i2 as u64) << 9);
                if base + 512 <= start {
                    continue;
                }
                let Some(l3) = next(l2e, false) else { continue };
                for (i3, e) in l3.iter_mut().enumerate() {
                    let page = base | i3 as u64;
                    if page >= start && *e & VALID != 0 && !f(page, e) {
                        return Some(page);
                    }
                }
            }
        }
        None
    }

    /// Unmaps up to `max` pages, going on from where the previous call stopped (the VM no
    /// longer runs, so nothing is mapped behind the cursor); returns how many.
    pub fn unmap_some(&mut self, max: u64) -> u64 {
        let mut n = 0;
        let stop = self.walk(self.cursor, |_, e| {
            if n == max {
                return false;
            }
            *e = 0;
            n += 1;
            true
        });
        self.mapped -= n;
        // At the end, wrap: anything left (mapped behind the cursor after all) is found
        // next time.
        self.cursor = stop.unwrap_or(0);
        n
    }

    /// The host frame mapped at leaf entry `e` (as [`Self::walk`] passes it).
    #[cfg(feature = "test-knobs")]
    pub fn frame(e: u64) -> u64 {
        (e & ADDR_MASK) >> 12
    }

    /// Invalidates the VM's cached translations (its VMID is `vmid`).
    pub fn flush(&self, vmid: u64) {
        let saved = crate::read_sysreg!("vttbr_el2");
        arch::dsb_ishst();
        write_sysreg!("vttbr_el2", self.root_pa() | (vmid << 48));
        arch::isb();
        arch::tlbi_vmalls12e1is();
        write_sysreg!("vttbr_el2", saved);
        arch::isb();
    }

    /// Frees every table (all pages must be unmapped and flushed).
    pub fn free_tables(&mut self) {
        // SAFETY: The root is this Stage2's (see `new`).
        let root = unsafe { &mut (*self.root).0 };
        for l1 in root.iter_mut() {
            if *l1 & VALID == 0 {
                continue;
            }
            let l2 = table(*l1 & ADDR_MASK);
            for l2e in l2.iter_mut() {
                if *l2e & VALID != 0 {
                    // SAFETY: The level-3 table is unreferenced once its entry is cleared,
                    // and the VM's TLB entries were flushed.
                    unsafe { pages::free(*l2e & ADDR_MASK) };
                    *l2e = 0;
                }
            }
            // SAFETY: As above, for the level-2 table.
            unsafe { pages::free(*l1 & ADDR_MASK) };
            *l1 = 0;
        }
    }
}

fn next(e: &mut u64, alloc: bool) -> Option<&'static mut [u64; 512]> {
    if *e & VALID == 0 {
        if !alloc {
            return None;
        }
        let pa = pages::alloc()?;
        *e = pa | TABLE;
    }
    Some(table(*e & ADDR_MASK))
}
