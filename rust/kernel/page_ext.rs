// SPDX-License-Identifier: GPL-2.0

//! Physical addresses, frame numbers and concurrent access for [`Page`] (an extension of
//! [`kernel::page`](crate::page)).
//!
//! Code that hands memory to firmware or a hypervisor names it by physical address or page
//! frame number, and code that checks what the other side was given (a test audit of the
//! pages a hypervisor holds) reaches those pages the same way ([`BorrowedPage::from_pfn`]).
//! Such memory may be written at any time by whoever else uses it (the VMM that owns guest
//! RAM, like DMA), so the accessors here are `READ_ONCE`/`WRITE_ONCE`-like volatile
//! accesses and are safe, unlike [`Page::read_raw`], which must not race with writes.
//!
//! These are inherent methods of upstream's [`Page`], in a file of their own so that they
//! can be reviewed and applied on their own; they can move into `page.rs` as they are.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)
//!
//! # Examples
//!
//! ```
//! use kernel::page::{BorrowedPage, Page, PAGE_SIZE};
//!
//! let page = Page::alloc_page(GFP_KERNEL | __GFP_ZERO)?;
//! page.write(8, 4, 0x1234_5678)?;
//! assert_eq!(page.read(8, 4)?, 0x1234_5678);
//! assert_eq!(page.read(9, 1)?, 0x56);
//! assert!(page.read(PAGE_SIZE - 2, 4).is_err());
//!
//! // SAFETY: `page` stays allocated while `same` is used.
//! let same = unsafe { BorrowedPage::from_pfn(page.pfn()) }.ok_or(EINVAL)?;
//! assert_eq!(same.phys(), page.phys());
//! assert_eq!(same.read(8, 4)?, 0x1234_5678);
//! assert!(same.ref_count() > 0);
//! # Ok::<(), Error>(())
//! ```

use crate::{
    bindings,
    page::{BorrowedPage, Page, PAGE_SIZE},
    prelude::*,
};
use core::ptr::NonNull;

impl BorrowedPage<'_> {
    /// The page of RAM with frame number `pfn`, or `None` if the frame has no `struct page`
    /// (not RAM, or beyond memory).
    ///
    /// # Safety
    ///
    /// The page must stay allocated to the caller's use (for example pinned by whoever
    /// handed out the frame number) for as long as the returned value is used.
    pub unsafe fn from_pfn(pfn: u64) -> Option<Self> {
        let pfn = c_ulong::try_from(pfn).ok()?;
        // SAFETY: Any frame number may be tested.
        if unsafe { bindings::pfn_valid(pfn) } == 0 {
            return None;
        }
        // SAFETY: `pfn` has a `struct page` (`pfn_valid()`).
        let page = NonNull::new(unsafe { bindings::pfn_to_page(pfn) })?;
        // SAFETY: `page` is a valid `struct page`; the caller keeps it allocated for as long
        // as the result is used.
        Some(unsafe { BorrowedPage::from_raw(page) })
    }
}

impl Page {
    /// The page, borrowed (for APIs that take a [`BorrowedPage`]).
    pub fn borrow(&self) -> BorrowedPage<'_> {
        // SAFETY: `as_ptr` is a valid, non-null page for as long as `self` is borrowed.
        unsafe { BorrowedPage::from_raw(NonNull::new_unchecked(self.as_ptr())) }
    }

    /// The physical address of the page.
    pub fn phys(&self) -> u64 {
        // SAFETY: The page is valid (type invariant of `Page`).
        unsafe { bindings::page_to_phys(self.as_ptr()) }
    }

    /// The page frame number.
    pub fn pfn(&self) -> u64 {
        // SAFETY: The page is valid (type invariant of `Page`).
        let pfn = unsafe { bindings::page_to_pfn(self.as_ptr()) };
        // `unsigned long` is at most 64 bits wide, so this is lossless.
        pfn as u64
    }

    /// Whether the page may be pinned for DMA (`folio_maybe_dma_pinned()` of its folio):
    /// true for every page pinned with `pin_user_pages()`, such as a
    /// [`PinnedPage`](crate::user_pages::PinnedPage).
    pub fn maybe_dma_pinned(&self) -> bool {
        // SAFETY: The page is valid (type invariant of `Page`), so its folio is too.
        unsafe { bindings::folio_maybe_dma_pinned(bindings::page_folio(self.as_ptr())) }
    }

    /// The reference count of the page's folio (`page_count()`): 0 once the page (or the
    /// compound allocation it is part of) is free.
    pub fn ref_count(&self) -> i32 {
        // SAFETY: The page is valid (type invariant of `Page`).
        unsafe { bindings::page_count(self.as_ptr()) }
    }

    /// Runs `f` with the page mapped at a kernel address.
    fn with_local_map<R>(&self, f: impl FnOnce(*mut u8) -> R) -> R {
        // SAFETY: The page is valid (type invariant of `Page`); the mapping is released
        // below, on the same CPU and in reverse order of any mapping `f` makes, before this
        // function returns.
        let va = unsafe { bindings::kmap_local_page(self.as_ptr()) }.cast::<u8>();
        let r = f(va);
        // SAFETY: `va` came from the `kmap_local_page` above.
        unsafe { bindings::kunmap_local(va.cast()) };
        r
    }

    /// Checks that `[off, off + len)` is inside the page.
    fn check_range(off: usize, len: usize) -> Result {
        match off.checked_add(len) {
            Some(end) if end <= PAGE_SIZE => Ok(()),
            _ => Err(EINVAL),
        }
    }

    /// Reads `size` (1, 2, 4 or 8) bytes, little endian, at byte `off`, each byte once and
    /// with a volatile access (the page may be written concurrently). The access must not
    /// cross the end of the page.
    pub fn read(&self, off: usize, size: usize) -> Result<u64> {
        if !matches!(size, 1 | 2 | 4 | 8) {
            return Err(EINVAL);
        }
        let mut bytes = [0u8; 8];
        self.read_bytes(off, &mut bytes[..size])?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Writes the low `size` (1, 2, 4 or 8) bytes of `val`, little endian, at byte `off`,
    /// with volatile accesses.
    pub fn write(&self, off: usize, size: usize, val: u64) -> Result {
        if !matches!(size, 1 | 2 | 4 | 8) {
            return Err(EINVAL);
        }
        self.write_bytes(off, &val.to_le_bytes()[..size])
    }

    /// Copies `buf.len()` bytes starting at byte `off` out of the page, with volatile
    /// accesses.
    pub fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result {
        Self::check_range(off, buf.len())?;
        self.with_local_map(|va| {
            for (i, b) in buf.iter_mut().enumerate() {
                // SAFETY: `off + i < PAGE_SIZE`, inside the mapped page; a volatile read is
                // the READ_ONCE of a byte that may change concurrently.
                *b = unsafe { core::ptr::read_volatile(va.add(off + i)) };
            }
        });
        Ok(())
    }

    /// Copies `buf` into the page starting at byte `off`, with volatile accesses.
    pub fn write_bytes(&self, off: usize, buf: &[u8]) -> Result {
        Self::check_range(off, buf.len())?;
        self.with_local_map(|va| {
            for (i, b) in buf.iter().enumerate() {
                // SAFETY: `off + i < PAGE_SIZE`, inside the mapped page; a volatile write
                // is the WRITE_ONCE of a byte others may read concurrently.
                unsafe { core::ptr::write_volatile(va.add(off + i), *b) };
            }
        });
        Ok(())
    }
}
