// SPDX-License-Identifier: GPL-2.0

//! Guest memory slots: validation, pinning and what the hypervisor is told.
//!
//! A slot maps `[guest_phys_addr, + memory_size)` of the guest to the VMM's memory at
//! `userspace_addr`. In *fully populated* mode every page is pinned when the slot is set
//! and described to the hypervisor as runs of physically contiguous pages (constituents);
//! in *demand paging* mode the hypervisor is only told the slot's extent and asks for pages
//! through page-fault exits (see `vcpu.rs`). Pinned pages stay pinned until the slot is
//! deleted or replaced, or the VM is destroyed.

use kernel::{
    prelude::*,
    user_pages::{kvec_phys, PinnedPage, PAGE_SIZE},
};

use crate::{
    hypercall::{func, Hyp},
    uapi::{UserMemoryRegion, GZVM_MAX_MEM_REGION},
};

const PAGE_SHIFT: u32 = 12;
/// Most pages one slot may have (as upstream: what fits a signed 32-bit count).
pub(crate) const MAX_SLOT_PAGES: u64 = (1 << 31) - 1;
/// Size of the SET_MEMREGION buffer handed to the hypervisor.
pub(crate) const MEMREGION_BUF_SIZE: usize = 8192;
/// Bytes of the buffer's header: slot, constituent_cnt, total_pages, gpa.
const MEMREGION_HDR: usize = 24;
/// Bytes of one constituent: address, pg_cnt, reserved.
const CONSTITUENT_SIZE: usize = 16;
/// Constituents that fit one buffer (510).
pub(crate) const MAX_CONSTITUENTS: usize = (MEMREGION_BUF_SIZE - MEMREGION_HDR) / CONSTITUENT_SIZE;

/// A validated `GZVM_SET_USER_MEMORY_REGION` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlotSpec {
    pub(crate) slot: u32,
    pub(crate) flags: u32,
    pub(crate) base_gfn: u64,
    pub(crate) npages: u64,
    pub(crate) uaddr: u64,
}

impl SlotSpec {
    /// Checks a request; `Ok(None)` is a deletion (size 0).
    pub(crate) fn parse(r: &UserMemoryRegion) -> Result<Option<Self>> {
        if r.slot >= GZVM_MAX_MEM_REGION {
            return Err(EINVAL);
        }
        if r.memory_size == 0 {
            return Ok(None);
        }
        let page = PAGE_SIZE as u64;
        if r.guest_phys_addr % page != 0
            || r.memory_size % page != 0
            || r.userspace_addr % page != 0
        {
            return Err(EINVAL);
        }
        r.guest_phys_addr.checked_add(r.memory_size).ok_or(EINVAL)?;
        let uend = r.userspace_addr.checked_add(r.memory_size).ok_or(EINVAL)?;
        if uend > usize::MAX as u64 {
            return Err(EINVAL);
        }
        let npages = r.memory_size >> PAGE_SHIFT;
        if npages > MAX_SLOT_PAGES {
            return Err(EINVAL);
        }
        Ok(Some(Self {
            slot: r.slot,
            flags: r.flags,
            base_gfn: r.guest_phys_addr >> PAGE_SHIFT,
            npages,
            uaddr: r.userspace_addr,
        }))
    }

    /// Whether the guest ranges of `self` and `other` intersect.
    pub(crate) fn overlaps(&self, other: &SlotSpec) -> bool {
        self.base_gfn < other.base_gfn + other.npages
            && other.base_gfn < self.base_gfn + self.npages
    }

    /// Whether guest frame `gfn` is in the slot.
    pub(crate) fn contains(&self, gfn: u64) -> bool {
        gfn >= self.base_gfn && gfn - self.base_gfn < self.npages
    }
}

/// A run of physically contiguous pages: what one constituent describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) pfn: u64,
    pub(crate) count: u32,
}

/// Appends `pfn` to `runs`, extending the last run when `pfn` follows it.
pub(crate) fn coalesce(runs: &mut KVec<Run>, pfn: u64) -> Result {
    if let Some(last) = runs.last_mut() {
        if last.count < u32::MAX && last.pfn.checked_add(u64::from(last.count)) == Some(pfn) {
            last.count += 1;
            return Ok(());
        }
    }
    runs.push(Run { pfn, count: 1 }, GFP_KERNEL)?;
    Ok(())
}

/// Encodes one SET_MEMREGION buffer (zeroed beyond what is written).
pub(crate) fn encode_memregion(buf: &mut [u8], slot: u32, gpa: u64, runs: &[Run]) -> Result {
    if runs.len() > MAX_CONSTITUENTS || buf.len() < MEMREGION_BUF_SIZE {
        return Err(EINVAL);
    }
    buf.fill(0);
    let total: u64 = runs.iter().map(|r| u64::from(r.count)).sum();
    put(buf, 0, &slot.to_le_bytes());
    put(buf, 4, &(runs.len() as u32).to_le_bytes());
    put(buf, 8, &total.to_le_bytes());
    put(buf, 16, &gpa.to_le_bytes());
    for (i, r) in runs.iter().enumerate() {
        let off = MEMREGION_HDR + i * CONSTITUENT_SIZE;
        put(buf, off, &(r.pfn << PAGE_SHIFT).to_le_bytes());
        put(buf, off + 8, &r.count.to_le_bytes());
    }
    Ok(())
}

fn put(buf: &mut [u8], off: usize, bytes: &[u8]) {
    if let Some(dst) = buf.get_mut(off..off + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

/// A memory slot and the pages pinned for it (indexed by page within the slot).
pub(crate) struct Slot {
    pub(crate) spec: SlotSpec,
    pub(crate) pages: KVVec<Option<PinnedPage>>,
}

impl Slot {
    pub(crate) fn new(spec: SlotSpec) -> Result<Self> {
        let n = usize::try_from(spec.npages).map_err(|_| EINVAL)?;
        let mut pages = KVVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            pages.push(None, GFP_KERNEL)?;
        }
        Ok(Self { spec, pages })
    }

    /// User address of page `idx` of the slot.
    pub(crate) fn uaddr_of(&self, idx: u64) -> Result<usize> {
        let off = idx.checked_mul(PAGE_SIZE as u64).ok_or(EFAULT)?;
        usize::try_from(self.spec.uaddr + off).map_err(|_| EFAULT)
    }

    /// Pins page `idx` if needed and returns its frame number.
    pub(crate) fn pin_page(&mut self, idx: u64) -> Result<u64> {
        let addr = self.uaddr_of(idx)?;
        let i = usize::try_from(idx).map_err(|_| EFAULT)?;
        let entry = self.pages.get_mut(i).ok_or(EFAULT)?;
        if let Some(p) = entry {
            return Ok(p.pfn());
        }
        let p = PinnedPage::pin(addr)?;
        let pfn = p.pfn();
        *entry = Some(p);
        Ok(pfn)
    }

    /// Pins every page and tells the hypervisor, 510 constituents per call.
    pub(crate) fn populate(&mut self, hyp: &Hyp, vm_id: u16) -> Result {
        let n = usize::try_from(self.spec.npages).map_err(|_| EINVAL)?;
        let mut pinned = KVVec::new();
        PinnedPage::pin_range(self.uaddr_of(0)?, n, &mut pinned)?;
        for (slot, p) in self.pages.iter_mut().zip(pinned.drain_all()) {
            *slot = Some(p);
        }
        let mut buf = KVec::from_elem(0u8, MEMREGION_BUF_SIZE, GFP_KERNEL)?;
        let mut runs = KVec::new();
        let mut chunk_gfn = self.spec.base_gfn;
        for (gfn, p) in (self.spec.base_gfn..).zip(self.pages.iter()) {
            let pfn = p.as_ref().ok_or(EFAULT)?.pfn();
            coalesce(&mut runs, pfn)?;
            if runs.len() > MAX_CONSTITUENTS {
                // This page opened constituent 511: send the first 510, carry it over.
                let last = runs.pop().ok_or(EINVAL)?;
                self.send(hyp, vm_id, &mut buf, chunk_gfn, &runs)?;
                runs.clear();
                runs.push(last, GFP_KERNEL)?;
                chunk_gfn = gfn;
            }
        }
        if !runs.is_empty() {
            self.send(hyp, vm_id, &mut buf, chunk_gfn, &runs)?;
        }
        Ok(())
    }

    fn send(&self, hyp: &Hyp, vm_id: u16, buf: &mut KVec<u8>, gfn: u64, runs: &[Run]) -> Result {
        encode_memregion(buf, self.spec.slot, gfn << PAGE_SHIFT, runs)?;
        set_memregion(hyp, vm_id, buf)
    }

    /// Tells the hypervisor the slot's extent only (demand paging).
    pub(crate) fn announce(&self, hyp: &Hyp, vm_id: u16) -> Result {
        let mut buf = KVec::from_elem(0u8, MEMREGION_BUF_SIZE, GFP_KERNEL)?;
        encode_memregion(
            &mut buf,
            self.spec.slot,
            self.spec.base_gfn << PAGE_SHIFT,
            &[],
        )?;
        put(&mut buf, 8, &self.spec.npages.to_le_bytes());
        set_memregion(hyp, vm_id, &buf)
    }
}

/// Tells the hypervisor to forget slot `slot` (a SET_MEMREGION with no pages).
pub(crate) fn forget(hyp: &Hyp, vm_id: u16, slot: u32) -> Result {
    let mut buf = KVec::from_elem(0u8, MEMREGION_BUF_SIZE, GFP_KERNEL)?;
    encode_memregion(&mut buf, slot, 0, &[])?;
    set_memregion(hyp, vm_id, &buf)
}

/// Hands an encoded SET_MEMREGION buffer to the hypervisor by physical address.
fn set_memregion(hyp: &Hyp, vm_id: u16, buf: &KVec<u8>) -> Result {
    let args = [u64::from(vm_id), MEMREGION_BUF_SIZE as u64, kvec_phys(buf)];
    hyp.call(func::SET_MEMREGION, &args).map(|_| ())
}

#[kunit_tests(gzvm_memslot)]
mod tests {
    use super::*;

    fn region(slot: u32, gpa: u64, size: u64, ua: u64) -> UserMemoryRegion {
        UserMemoryRegion {
            slot,
            flags: 0,
            guest_phys_addr: gpa,
            memory_size: size,
            userspace_addr: ua,
        }
    }

    #[test]
    fn validation() {
        assert_eq!(SlotSpec::parse(&region(10, 0, 4096, 0x1000)), Err(EINVAL));
        assert_eq!(SlotSpec::parse(&region(0, 1, 4096, 0x1000)), Err(EINVAL));
        assert_eq!(SlotSpec::parse(&region(0, 0, 4095, 0x1000)), Err(EINVAL));
        assert_eq!(SlotSpec::parse(&region(0, 0, 4096, 0x1001)), Err(EINVAL));
        assert_eq!(
            SlotSpec::parse(&region(0, u64::MAX - 4095, 8192, 0x1000)),
            Err(EINVAL)
        );
        assert_eq!(SlotSpec::parse(&region(0, 0, 1 << 43, 0x1000)), Err(EINVAL));
        assert_eq!(SlotSpec::parse(&region(3, 0, 0, 0)), Ok(None));
        let s = SlotSpec::parse(&region(9, 0x8000_0000, 0x20_0000, 0x7000_0000));
        assert_eq!(
            s,
            Ok(Some(SlotSpec {
                slot: 9,
                flags: 0,
                base_gfn: 0x80000,
                npages: 512,
                uaddr: 0x7000_0000
            }))
        );
    }

    #[test]
    fn overlap() {
        let a = SlotSpec {
            slot: 0,
            flags: 0,
            base_gfn: 10,
            npages: 10,
            uaddr: 0,
        };
        let b = SlotSpec {
            slot: 1,
            flags: 0,
            base_gfn: 20,
            npages: 5,
            uaddr: 0,
        };
        let c = SlotSpec {
            slot: 2,
            flags: 0,
            base_gfn: 19,
            npages: 1,
            uaddr: 0,
        };
        assert!(!a.overlaps(&b));
        assert!(a.overlaps(&c));
        assert!(a.contains(10) && a.contains(19) && !a.contains(20) && !a.contains(9));
    }

    #[test]
    fn coalescing() -> Result {
        let mut runs = KVec::new();
        for pfn in [100, 101, 102, 200, 201, 50, 51, 52, 53] {
            coalesce(&mut runs, pfn)?;
        }
        assert_eq!(
            &runs[..],
            &[
                Run { pfn: 100, count: 3 },
                Run { pfn: 200, count: 2 },
                Run { pfn: 50, count: 4 }
            ]
        );
        Ok(())
    }

    #[test]
    fn buffer_layout() -> Result {
        let mut buf = KVec::from_elem(0xffu8, MEMREGION_BUF_SIZE, GFP_KERNEL)?;
        let runs = [
            Run {
                pfn: 0x1234,
                count: 3,
            },
            Run {
                pfn: 0x10,
                count: 1,
            },
        ];
        encode_memregion(&mut buf, 7, 0x8000_0000, &runs)?;
        assert_eq!(&buf[0..4], &7u32.to_le_bytes());
        assert_eq!(&buf[4..8], &2u32.to_le_bytes());
        assert_eq!(&buf[8..16], &4u64.to_le_bytes());
        assert_eq!(&buf[16..24], &0x8000_0000u64.to_le_bytes());
        assert_eq!(&buf[24..32], &(0x1234u64 << 12).to_le_bytes());
        assert_eq!(&buf[32..36], &3u32.to_le_bytes());
        assert_eq!(&buf[36..40], &[0, 0, 0, 0]);
        assert_eq!(&buf[40..48], &(0x10u64 << 12).to_le_bytes());
        assert!(buf[56..].iter().all(|b| *b == 0));
        assert_eq!(MAX_CONSTITUENTS, 510);
        Ok(())
    }
}
