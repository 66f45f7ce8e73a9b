// SPDX-License-Identifier: GPL-2.0

//! The simulator's stage-2 map: which host page backs each guest page.
//!
//! The simulator learns guest memory only the way the hypervisor does: from the page frame
//! numbers in SET_MEMREGION constituents (fully populated VMs) or in MAP_GUEST /
//! MAP_GUEST_BLOCK calls (demand paging). Guest addresses in a slot whose page was not
//! mapped yet fault (a page-fault exit); addresses in no slot are MMIO.

use kernel::{page::BorrowedPage, prelude::*};

use super::{cpu::Access, hyp};

const PAGE_SHIFT: u32 = 12;
const PAGE_MASK: u64 = (1 << PAGE_SHIFT) - 1;

/// One memory slot as the hypervisor knows it.
struct Region {
    slot: u32,
    base_gfn: u64,
    /// Host frame of each page; 0 = not mapped yet.
    pfns: KVVec<u64>,
}

impl Region {
    fn end(&self) -> u64 {
        self.base_gfn + self.pfns.len() as u64
    }
}

/// Where a guest frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Backed by this host frame.
    Ram(u64),
    /// In a slot, not mapped yet.
    Unmapped,
    /// In no slot.
    None,
}

/// A VM's guest-physical to host-physical map.
#[derive(Default)]
pub(crate) struct Stage2 {
    /// Sorted by `base_gfn`, non-overlapping.
    regions: KVec<Region>,
}

impl Stage2 {
    pub(crate) fn lookup(&self, gfn: u64) -> Lookup {
        let i = self.regions.partition_point(|r| r.end() <= gfn);
        match self.regions.get(i) {
            Some(r) if r.base_gfn <= gfn => match r.pfns.get((gfn - r.base_gfn) as usize) {
                Some(0) => Lookup::Unmapped,
                Some(pfn) => Lookup::Ram(*pfn),
                None => Lookup::None,
            },
            _ => Lookup::None,
        }
    }

    /// Adds the range `[base_gfn, + pfns.len())` of `slot`, refusing overlaps.
    pub(crate) fn add(&mut self, slot: u32, base_gfn: u64, pfns: KVVec<u64>) -> Result {
        let end = base_gfn.checked_add(pfns.len() as u64).ok_or(EINVAL)?;
        if pfns.is_empty() || end > (1u64 << (64 - PAGE_SHIFT)) {
            return Err(EINVAL);
        }
        let i = self.regions.partition_point(|r| r.end() <= base_gfn);
        if self.regions.get(i).is_some_and(|r| r.base_gfn < end) {
            return Err(EINVAL);
        }
        self.regions.push(
            Region {
                slot,
                base_gfn,
                pfns,
            },
            GFP_KERNEL,
        )?;
        self.regions.sort_unstable_by_key(|r| r.base_gfn);
        Ok(())
    }

    /// Forgets every range of `slot`.
    pub(crate) fn remove_slot(&mut self, slot: u32) {
        self.regions.retain(|r| r.slot != slot);
    }

    /// Maps guest frame `gfn` of `slot` to host frame `pfn`.
    pub(crate) fn map(&mut self, slot: u32, gfn: u64, pfn: u64) -> Result {
        if pfn == 0 {
            return Err(EINVAL);
        }
        let r = self
            .regions
            .iter_mut()
            .find(|r| r.slot == slot && r.base_gfn <= gfn && gfn < r.end())
            .ok_or(EINVAL)?;
        let e = r.pfns.get_mut((gfn - r.base_gfn) as usize).ok_or(EINVAL)?;
        *e = pfn;
        Ok(())
    }

    /// Unmaps guest frame `gfn` (the guest gave the page back).
    pub(crate) fn unmap(&mut self, gfn: u64) {
        if let Some(r) = self
            .regions
            .iter_mut()
            .find(|r| r.base_gfn <= gfn && gfn < r.end())
        {
            if let Some(e) = r.pfns.get_mut((gfn - r.base_gfn) as usize) {
                *e = 0;
            }
        }
    }

    fn page(&self, ipa: u64) -> Access<BorrowedPage<'static>> {
        match self.lookup(ipa >> PAGE_SHIFT) {
            // SAFETY: Host frames enter the map only from the driver, which keeps them pinned
            // until the hypervisor let go of them (a released slot, a relinquished page, VM
            // destruction); `guest_page_held` checks that before each access.
            Lookup::Ram(pfn) => match unsafe { BorrowedPage::from_pfn(pfn) } {
                Some(p) if hyp::guest_page_held(&p) => Access::Done(p),
                _ => Access::Mmio,
            },
            Lookup::Unmapped => Access::Fault(ipa & !PAGE_MASK),
            Lookup::None => Access::Mmio,
        }
    }

    /// Reads `size` bytes at `ipa` (the access may cross a page boundary).
    pub(crate) fn read(&self, ipa: u64, size: usize) -> Access<u64> {
        let off = (ipa & PAGE_MASK) as usize;
        if off + size <= 1 << PAGE_SHIFT {
            return match self.page(ipa) {
                Access::Done(p) => p.read(off, size).map_or(Access::Mmio, Access::Done),
                Access::Mmio => Access::Mmio,
                Access::Fault(f) => Access::Fault(f),
            };
        }
        if let Some(a) = self.probe_split(ipa, size) {
            return match a {
                Access::Fault(f) => Access::Fault(f),
                _ => Access::Mmio,
            };
        }
        let mut v = 0u64;
        for i in 0..size {
            match self.read(ipa.wrapping_add(i as u64), 1) {
                Access::Done(b) => v |= b << (8 * i),
                Access::Mmio => return Access::Mmio,
                Access::Fault(f) => return Access::Fault(f),
            }
        }
        Access::Done(v)
    }

    /// Writes the low `size` bytes of `val` at `ipa`.
    pub(crate) fn write(&self, ipa: u64, size: usize, val: u64) -> Access<()> {
        let off = (ipa & PAGE_MASK) as usize;
        if off + size <= 1 << PAGE_SHIFT {
            return match self.page(ipa) {
                Access::Done(p) => p.write(off, size, val).map_or(Access::Mmio, Access::Done),
                Access::Mmio => Access::Mmio,
                Access::Fault(f) => Access::Fault(f),
            };
        }
        if let Some(a) = self.probe_split(ipa, size) {
            return a;
        }
        for i in 0..size {
            if let a @ (Access::Mmio | Access::Fault(_)) =
                self.write(ipa.wrapping_add(i as u64), 1, val >> (8 * i))
            {
                return a;
            }
        }
        Access::Done(())
    }

    /// For an access that crosses a page: `Some` (not RAM on both sides) or `None` (both RAM).
    fn probe_split(&self, ipa: u64, size: usize) -> Option<Access<()>> {
        for a in [ipa, ipa.wrapping_add(size as u64 - 1)] {
            match self.page(a) {
                Access::Done(_) => {}
                Access::Mmio => return Some(Access::Mmio),
                Access::Fault(f) => return Some(Access::Fault(f)),
            }
        }
        None
    }

    /// Checks that every mapped page is still pinned (a violation is recorded otherwise).
    pub(crate) fn audit(&self) {
        for r in self.regions.iter() {
            for pfn in r.pfns.iter().filter(|p| **p != 0) {
                // SAFETY: Only the page descriptor is read, to check the pin.
                if let Some(p) = unsafe { BorrowedPage::from_pfn(*pfn) } {
                    hyp::guest_page_held(&p);
                }
            }
        }
    }

    /// Whether an access would reach RAM, without doing it.
    pub(crate) fn probe(&self, ipa: u64, size: usize) -> Access<()> {
        self.probe_split(ipa, size).unwrap_or(Access::Done(()))
    }
}
