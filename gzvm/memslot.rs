// SPDX-License-Identifier: GPL-2.0

//! Guest memory slots: validation, pinning and what the hypervisor is told.
//!
//! A slot maps `[guest_phys_addr, + memory_size)` of the guest to the VMM's memory at
//! `userspace_addr`. In *fully populated* mode every page is pinned when the slot is set
//! and described to the hypervisor as runs of physically contiguous pages (constituents);
//! in *demand paging* mode the hypervisor is only told the slot's extent and asks for pages
//! through page-fault exits (see `vcpu.rs`). Pinned pages stay pinned until the hypervisor
//! let go of them: the VM is destroyed, the guest relinquished the page, or the slot was
//! released (a Ghaf extension; without it slots cannot be deleted or replaced).
//!
//! The kernel's page size must be 4 KiB (`depends on ARM64_4K_PAGES`): GenieZone's frame
//! numbers and page counts are in 4 KiB units.

use kernel::{page::PAGE_SIZE, prelude::*, resched::cond_resched, user_pages::PinnedPage};

use crate::{
    hypercall::Hyp,
    hypmem::HypPages,
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

/// Pages per chunk of a slot's pin table: one 2 MiB block.
const CHUNK: u64 = 512;
/// Pages pinned per `pin_user_pages_fast()` call.
pub(crate) const PIN_BATCH: u64 = 64;

/// The pages pinned for one 2 MiB block of a slot.
struct Chunk {
    /// Index of the chunk in the slot (page index / 512).
    idx: u64,
    pages: KVec<Option<PinnedPage>>,
}

/// The pages pinned for a slot, allocated only for the 2 MiB blocks that have pinned
/// pages and charged to the VMM's memory cgroup. Every page in it may be mapped by the
/// hypervisor: it is unpinned only when the hypervisor let go (a relinquish, a released
/// slot, DESTROY_VM), or leaked if the hypervisor never does ([`Pins::leak`]).
#[derive(Default)]
pub(crate) struct Pins {
    /// Sorted by `idx`.
    chunks: KVec<Chunk>,
    count: u64,
}

impl Pins {
    /// The entry for page `idx`, allocating its chunk if needed.
    fn entry(&mut self, idx: u64) -> Result<&mut Option<PinnedPage>> {
        let c = idx / CHUNK;
        let pos = match self.chunks.binary_search_by_key(&c, |ch| ch.idx) {
            Ok(pos) => pos,
            Err(pos) => {
                let mut pages = KVec::with_capacity(CHUNK as usize, GFP_KERNEL_ACCOUNT)?;
                for _ in 0..CHUNK {
                    pages.push(None, GFP_KERNEL_ACCOUNT)?;
                }
                self.chunks.reserve(1, GFP_KERNEL_ACCOUNT)?;
                self.chunks
                    .insert_within_capacity(pos, Chunk { idx: c, pages })
                    .map_err(|_| ENOMEM)?;
                pos
            }
        };
        self.chunks
            .get_mut(pos)
            .and_then(|ch| ch.pages.get_mut((idx % CHUNK) as usize))
            .ok_or(EFAULT)
    }

    /// The pinned page `idx`, if any.
    pub(crate) fn get(&self, idx: u64) -> Option<&PinnedPage> {
        let pos = self
            .chunks
            .binary_search_by_key(&(idx / CHUNK), |ch| ch.idx)
            .ok()?;
        self.chunks
            .get(pos)?
            .pages
            .get((idx % CHUNK) as usize)?
            .as_ref()
    }

    /// Pins page `idx` (at user address `addr`) unless it is pinned.
    pub(crate) fn pin(&mut self, idx: u64, addr: usize) -> Result<&PinnedPage> {
        let e = self.entry(idx)?;
        let newly = e.is_none();
        if newly {
            *e = Some(PinnedPage::pin(addr)?);
            self.count += 1;
        }
        self.get(idx).ok_or(EFAULT)
    }

    /// Stores the pinned page `idx` (dropping it if the page was pinned already).
    fn insert(&mut self, idx: u64, page: PinnedPage) -> Result {
        let e = self.entry(idx)?;
        if e.is_none() {
            *e = Some(page);
            self.count += 1;
        }
        Ok(())
    }

    /// Takes page `idx` out (to be unpinned by the caller's drop).
    pub(crate) fn take(&mut self, idx: u64) -> Option<PinnedPage> {
        let pos = self
            .chunks
            .binary_search_by_key(&(idx / CHUNK), |ch| ch.idx)
            .ok()?;
        let p = self
            .chunks
            .get_mut(pos)?
            .pages
            .get_mut((idx % CHUNK) as usize)?
            .take();
        if p.is_some() {
            self.count -= 1;
        }
        p
    }

    /// Pages pinned.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// The hypervisor did not let go: keep every page pinned forever, free the table.
    pub(crate) fn leak(&mut self) {
        for ch in self.chunks.iter_mut() {
            for p in ch.pages.iter_mut() {
                if let Some(p) = p.take() {
                    core::mem::forget(p);
                }
            }
        }
        self.count = 0;
    }
}

impl Drop for Pins {
    fn drop(&mut self) {
        // Unpinning a large slot takes a while: one chunk at a time.
        while let Some(ch) = self.chunks.pop() {
            drop(ch);
            cond_resched();
        }
    }
}

/// A memory slot and the pages pinned for it.
pub(crate) struct Slot {
    pub(crate) spec: SlotSpec,
    pub(crate) pins: Pins,
}

impl Slot {
    pub(crate) fn new(spec: SlotSpec) -> Self {
        Self {
            spec,
            pins: Pins::default(),
        }
    }

    /// User address of page `idx` of the slot.
    pub(crate) fn uaddr_of(&self, idx: u64) -> Result<usize> {
        if idx >= self.spec.npages {
            return Err(EFAULT);
        }
        usize::try_from(self.spec.uaddr + (idx << PAGE_SHIFT)).map_err(|_| EFAULT)
    }

    /// Pins pages `[first, first + n)` (`n` at most [`PIN_BATCH`]) with one
    /// `pin_user_pages_fast()` call: pinning long term may migrate pages, and the kernel
    /// drains its LRU caches on every CPU once per call. Pages pinned already keep their
    /// pin.
    pub(crate) fn pin_batch(&mut self, first: u64, n: u64, tmp: &mut KVVec<PinnedPage>) -> Result {
        let addr = self.uaddr_of(first)?;
        if n > PIN_BATCH || first + n > self.spec.npages {
            return Err(EINVAL);
        }
        PinnedPage::pin_range(addr, n as usize, tmp)?;
        for (k, page) in (0..).zip(tmp.drain_all()) {
            self.pins.insert(first + k, page)?;
        }
        Ok(())
    }

    /// Pins page `idx` if needed.
    pub(crate) fn pin_page(&mut self, idx: u64) -> Result<&PinnedPage> {
        let addr = self.uaddr_of(idx)?;
        self.pins.pin(idx, addr)
    }

    /// Pins every page ([`PIN_BATCH`] per call) and tells the hypervisor, 510
    /// constituents per call.
    pub(crate) fn populate(&mut self, hyp: &Hyp, vm_id: u16) -> Result {
        let buf = HypPages::new(1)?;
        let mut runs = KVec::new();
        let mut tmp = KVVec::with_capacity(PIN_BATCH as usize, GFP_KERNEL)?;
        let mut chunk_gfn = self.spec.base_gfn;
        let mut idx = 0;
        while idx < self.spec.npages {
            let n = core::cmp::min(PIN_BATCH, self.spec.npages - idx);
            self.pin_batch(idx, n, &mut tmp)?;
            for i in idx..idx + n {
                let pfn = self.pins.get(i).ok_or(EFAULT)?.pfn();
                coalesce(&mut runs, pfn)?;
                if runs.len() > MAX_CONSTITUENTS {
                    // This page opened constituent 511: send the first 510, carry it over.
                    let last = runs.pop().ok_or(EINVAL)?;
                    self.send(hyp, vm_id, &buf, chunk_gfn, &runs)?;
                    runs.clear();
                    runs.push(last, GFP_KERNEL)?;
                    chunk_gfn = self.spec.base_gfn + i;
                }
            }
            idx += n;
            cond_resched();
        }
        if !runs.is_empty() {
            self.send(hyp, vm_id, &buf, chunk_gfn, &runs)?;
        }
        Ok(())
    }

    fn send(&self, hyp: &Hyp, vm_id: u16, buf: &HypPages, gfn: u64, runs: &[Run]) -> Result {
        let mut bytes = KVec::from_elem(0u8, MEMREGION_BUF_SIZE, GFP_KERNEL)?;
        encode_memregion(&mut bytes, self.spec.slot, gfn << PAGE_SHIFT, runs)?;
        set_memregion(hyp, vm_id, buf, &bytes)
    }

    /// Tells the hypervisor the slot's extent only (demand paging): one SET_MEMREGION with
    /// `total_pages` and no constituents (ACK 6.6 `gzvm_vm_ioctl_set_memory_region`).
    pub(crate) fn announce(&self, hyp: &Hyp, vm_id: u16) -> Result {
        let mut bytes = KVec::from_elem(0u8, MEMREGION_BUF_SIZE, GFP_KERNEL)?;
        encode_memregion(
            &mut bytes,
            self.spec.slot,
            self.spec.base_gfn << PAGE_SHIFT,
            &[],
        )?;
        put(&mut bytes, 8, &self.spec.npages.to_le_bytes());
        set_memregion(hyp, vm_id, &HypPages::new(1)?, &bytes)
    }
}

/// Copies an encoded SET_MEMREGION buffer into `buf` (8 KiB, physically contiguous) and
/// hands it to the hypervisor by physical address.
fn set_memregion(hyp: &Hyp, vm_id: u16, buf: &HypPages, bytes: &[u8]) -> Result {
    for (i, half) in bytes.chunks(PAGE_SIZE).enumerate() {
        buf.page(i).ok_or(EINVAL)?.write_bytes(0, half)?;
    }
    hyp.set_memregion(vm_id, buf, MEMREGION_BUF_SIZE as u64)
}

#[cfg(CONFIG_GZVM_KUNIT_TEST)]
#[kunit_tests(gzvm_memslot)]
mod tests {
    use super::*;

    fn region(slot: u32, gpa: u64, size: u64, ua: u64) -> UserMemoryRegion {
        UserMemoryRegion(kernel::uapi::gzvm_userspace_memory_region {
            slot,
            flags: 0,
            guest_phys_addr: gpa,
            memory_size: size,
            userspace_addr: ua,
        })
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
