// SPDX-License-Identifier: GPL-2.0

//! Long-term pinned user pages, and access to RAM by page frame number.
//!
//! A hypervisor driver hands guest memory to firmware by physical address: it pins the
//! VMM's pages with `FOLL_LONGTERM` ([`PinnedPage`]) and keeps them pinned for as long as
//! the firmware may touch them. [`PfnPage`] is the other side of that contract: code that
//! plays the firmware's role (a simulator) reads and writes RAM it was given by frame number.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)

use crate::page::Page;
use crate::{bindings, error::Result, prelude::*};
use core::{marker::PhantomData, ptr::NonNull};

/// Page size used by the pinning and frame-number APIs.
pub use crate::page::PAGE_SIZE;

/// A user page pinned long term for writing (`pin_user_pages_fast(FOLL_WRITE |
/// FOLL_LONGTERM)`). Unpinned, and marked dirty, on drop.
pub struct PinnedPage {
    page: NonNull<bindings::page>,
}

// SAFETY: A pin is a reference count on a `struct page`; it may be dropped on any thread.
unsafe impl Send for PinnedPage {}
// SAFETY: `PinnedPage` only exposes the page's frame number and physical address.
unsafe impl Sync for PinnedPage {}

impl PinnedPage {
    /// Pins the pages backing `[addr, addr + count * PAGE_SIZE)` of the current task's
    /// address space and appends them to `out`. `addr` must be page aligned.
    ///
    /// On error, the pages pinned by this call are released and `out` is left as it was.
    pub fn pin_range(addr: usize, count: usize, out: &mut KVVec<PinnedPage>) -> Result {
        if addr % PAGE_SIZE != 0 {
            return Err(EINVAL);
        }
        const BATCH: usize = 64;
        let start_len = out.len();
        out.reserve(count, GFP_KERNEL)?;
        let mut done = 0;
        while done < count {
            let n = core::cmp::min(BATCH, count - done);
            let mut pages = [core::ptr::null_mut::<bindings::page>(); BATCH];
            let va = addr
                .checked_add(done.checked_mul(PAGE_SIZE).ok_or(EINVAL)?)
                .ok_or(EINVAL)?;
            // SAFETY: `pages` has room for `n <= BATCH` entries; `va` is only interpreted as a
            // user address, which pin_user_pages_fast validates.
            let got = unsafe {
                bindings::pin_user_pages_fast(
                    va,
                    n as c_int,
                    (bindings::FOLL_WRITE | bindings::FOLL_LONGTERM) as c_uint,
                    pages.as_mut_ptr(),
                )
            };
            let got = if got < 0 {
                out.truncate(start_len);
                return Err(Error::from_errno(got));
            } else {
                got as usize
            };
            for p in pages.iter().take(got) {
                match NonNull::new(*p) {
                    // Cannot fail: capacity was reserved above.
                    Some(page) => out.push(PinnedPage { page }, GFP_KERNEL)?,
                    None => {
                        out.truncate(start_len);
                        return Err(EFAULT);
                    }
                }
            }
            if got < n {
                // A hole in the mapping: give back what this call pinned.
                out.truncate(start_len);
                return Err(EFAULT);
            }
            done += got;
        }
        Ok(())
    }

    /// Pins the single page backing user address `addr` (page aligned).
    pub fn pin(addr: usize) -> Result<Self> {
        let mut v = KVVec::new();
        Self::pin_range(addr, 1, &mut v)?;
        v.pop().ok_or(EFAULT)
    }

    /// The page frame number.
    pub fn pfn(&self) -> u64 {
        // SAFETY: `self.page` is a pinned, valid page.
        unsafe { bindings::gv_page_to_pfn(self.page.as_ptr()) as u64 }
    }

    /// The physical address of the page.
    pub fn phys(&self) -> u64 {
        // SAFETY: `self.page` is a pinned, valid page.
        unsafe { bindings::gv_page_to_phys(self.page.as_ptr()) }
    }
}

impl Drop for PinnedPage {
    fn drop(&mut self) {
        let mut p = self.page.as_ptr();
        // SAFETY: The page was pinned by `pin_range` and this is its only release. The guest
        // may have written to it, so it is marked dirty.
        unsafe { bindings::unpin_user_pages_dirty_lock(&mut p, 1, true) };
    }
}

/// A page of RAM addressed by frame number, for code that receives memory the way firmware
/// does. Accesses are `READ_ONCE`/`WRITE_ONCE`-like: the page may be written concurrently
/// (by the task that owns it), as with DMA.
pub struct PfnPage<'a> {
    page: NonNull<bindings::page>,
    _owner: PhantomData<&'a Page>,
}

impl PfnPage<'static> {
    /// Returns the page for frame `pfn`, or `None` if it is not RAM with a `struct page`.
    ///
    /// # Safety
    ///
    /// The page must stay allocated to the caller's use (for example pinned by whoever
    /// handed out the frame number) for as long as the returned value is used.
    pub unsafe fn new(pfn: u64) -> Option<Self> {
        let pfn = usize::try_from(pfn).ok()?;
        // SAFETY: `gv_pfn_to_page` checks `pfn_valid()` before converting.
        NonNull::new(unsafe { bindings::gv_pfn_to_page(pfn as c_ulong) }).map(|page| Self {
            page,
            _owner: PhantomData,
        })
    }
}

impl<'a> PfnPage<'a> {
    /// Accesses a page the caller owns, for as long as it is borrowed.
    pub fn of(page: &'a Page) -> Self {
        // SAFETY: `Page::as_ptr` returns a valid, non-null page.
        let page = unsafe { NonNull::new_unchecked(page.as_ptr()) };
        Self {
            page,
            _owner: PhantomData,
        }
    }

    /// The physical address of the page.
    pub fn phys(&self) -> u64 {
        // SAFETY: The page is valid (type invariant).
        unsafe { bindings::gv_page_to_phys(self.page.as_ptr()) }
    }

    /// The page frame number.
    pub fn pfn(&self) -> u64 {
        // SAFETY: The page is valid (type invariant).
        unsafe { bindings::gv_page_to_pfn(self.page.as_ptr()) as u64 }
    }

    /// Whether the page may be pinned for DMA (`folio_maybe_dma_pinned()` of its folio):
    /// true for every page pinned with `pin_user_pages()`, such as a [`PinnedPage`].
    pub fn maybe_dma_pinned(&self) -> bool {
        // SAFETY: The page is valid (type invariant), so its folio is too.
        unsafe { bindings::folio_maybe_dma_pinned(bindings::page_folio(self.page.as_ptr())) }
    }

    /// The reference count of the page's folio (`page_count()`): 0 once the page (or the
    /// compound allocation it is part of) is free.
    pub fn ref_count(&self) -> i32 {
        // SAFETY: The page is valid (type invariant).
        unsafe { bindings::page_count(self.page.as_ptr()) }
    }

    /// Runs `f` with the page mapped at a kernel address.
    fn with_map<R>(&self, f: impl FnOnce(*mut u8) -> R) -> R {
        // SAFETY: The page is valid (type invariant); the mapping is released below, on the
        // same CPU, before this function returns.
        let va = unsafe { bindings::kmap_local_page(self.page.as_ptr()) }.cast::<u8>();
        let r = f(va);
        // SAFETY: `va` came from the `kmap_local_page` above.
        unsafe { bindings::kunmap_local(va.cast()) };
        r
    }

    /// Reads `size` (1, 2, 4 or 8) bytes, little endian, at byte `off`. The access must not
    /// cross the end of the page.
    pub fn read(&self, off: usize, size: usize) -> Result<u64> {
        let end = off.checked_add(size).ok_or(EINVAL)?;
        if end > PAGE_SIZE || !matches!(size, 1 | 2 | 4 | 8) {
            return Err(EINVAL);
        }
        Ok(self.with_map(|va| {
            let mut v = 0u64;
            for i in 0..size {
                // SAFETY: `off + i < PAGE_SIZE`, inside the mapped page; a volatile read is the
                // READ_ONCE of a byte that may change concurrently.
                let b = unsafe { core::ptr::read_volatile(va.add(off + i)) };
                v |= u64::from(b) << (8 * i);
            }
            v
        }))
    }

    /// Writes the low `size` (1, 2, 4 or 8) bytes of `val`, little endian, at byte `off`.
    pub fn write(&self, off: usize, size: usize, val: u64) -> Result {
        let end = off.checked_add(size).ok_or(EINVAL)?;
        if end > PAGE_SIZE || !matches!(size, 1 | 2 | 4 | 8) {
            return Err(EINVAL);
        }
        self.with_map(|va| {
            for i in 0..size {
                // SAFETY: `off + i < PAGE_SIZE`, inside the mapped page.
                unsafe { core::ptr::write_volatile(va.add(off + i), (val >> (8 * i)) as u8) };
            }
        });
        Ok(())
    }

    /// Copies `buf.len()` bytes starting at byte `off` out of the page.
    pub fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result {
        let end = off.checked_add(buf.len()).ok_or(EINVAL)?;
        if end > PAGE_SIZE {
            return Err(EINVAL);
        }
        self.with_map(|va| {
            for (i, b) in buf.iter_mut().enumerate() {
                // SAFETY: `off + i < PAGE_SIZE`, inside the mapped page.
                *b = unsafe { core::ptr::read_volatile(va.add(off + i)) };
            }
        });
        Ok(())
    }

    /// Copies `buf` into the page starting at byte `off`.
    pub fn write_bytes(&self, off: usize, buf: &[u8]) -> Result {
        let end = off.checked_add(buf.len()).ok_or(EINVAL)?;
        if end > PAGE_SIZE {
            return Err(EINVAL);
        }
        self.with_map(|va| {
            for (i, b) in buf.iter().enumerate() {
                // SAFETY: `off + i < PAGE_SIZE`, inside the mapped page.
                unsafe { core::ptr::write_volatile(va.add(off + i), *b) };
            }
        });
        Ok(())
    }
}

/// Physically contiguous, zeroed kernel pages (`alloc_pages(order)`, one compound
/// allocation), for buffers shared with firmware by physical address. Freed on drop.
pub struct ContigPages {
    page: NonNull<bindings::page>,
    order: u32,
}

// SAFETY: The pages are owned exclusively by this value; they may be freed on any thread.
unsafe impl Send for ContigPages {}
// SAFETY: Shared access only hands out `PfnPage`s, whose accesses are volatile.
unsafe impl Sync for ContigPages {}

impl ContigPages {
    /// Allocates `1 << order` zeroed pages.
    pub fn new(order: u32) -> Result<Self> {
        if order > 4 {
            return Err(EINVAL);
        }
        // SAFETY: Plain page allocation with a valid order.
        let p = unsafe {
            bindings::alloc_pages(
                bindings::GFP_KERNEL | bindings::__GFP_ZERO | bindings::__GFP_COMP,
                order,
            )
        };
        NonNull::new(p)
            .map(|page| Self { page, order })
            .ok_or(ENOMEM)
    }

    /// Physical address of the first page.
    pub fn phys(&self) -> u64 {
        // SAFETY: The page is valid while `self` lives.
        unsafe { bindings::gv_page_to_phys(self.page.as_ptr()) }
    }

    /// Access to page `i` of the allocation.
    pub fn page(&self, i: usize) -> Option<PfnPage<'_>> {
        if i >= (1usize << self.order) {
            return None;
        }
        // SAFETY: The allocation is `1 << order` contiguous `struct page`s, and `i` is in range.
        let page = unsafe { NonNull::new_unchecked(self.page.as_ptr().add(i)) };
        Some(PfnPage {
            page,
            _owner: PhantomData,
        })
    }
}

impl Drop for ContigPages {
    fn drop(&mut self) {
        // SAFETY: The pages were allocated by `alloc_pages` with this order and are freed once.
        unsafe { bindings::__free_pages(self.page.as_ptr(), self.order) };
    }
}
