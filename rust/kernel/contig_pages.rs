// SPDX-License-Identifier: GPL-2.0

//! Physically contiguous kernel pages, for buffers shared with firmware or a hypervisor by
//! physical address.
//!
//! A single page is a [`Page`](crate::page::Page) (`Page::alloc_page`); [`ContigPages`] is
//! for more than one: `1 << order` pages from one `alloc_pages()` call, as one compound
//! allocation, each reachable as a [`BorrowedPage`].
//!
//! C header: [`include/linux/gfp.h`](srctree/include/linux/gfp.h)
//!
//! # Examples
//!
//! ```
//! use kernel::contig_pages::ContigPages;
//! use kernel::page::PAGE_SIZE;
//!
//! let pages = ContigPages::new(1)?;
//! let second = pages.page(1).ok_or(EINVAL)?;
//! assert_eq!(second.phys(), pages.phys() + PAGE_SIZE as u64);
//! assert_eq!(second.read(0, 8)?, 0);
//! assert!(pages.page(2).is_none());
//! # Ok::<(), Error>(())
//! ```

use crate::{bindings, page::BorrowedPage, prelude::*};
use core::ptr::NonNull;

/// `1 << order` physically contiguous, zeroed kernel pages, freed on drop.
///
/// # Invariants
///
/// `page` is the first of `1 << order` pages allocated by `alloc_pages()` with this order,
/// owned by this value.
pub struct ContigPages {
    page: NonNull<bindings::page>,
    order: u32,
}

// SAFETY: The pages are owned exclusively by this value; they may be freed on any thread.
unsafe impl Send for ContigPages {}
// SAFETY: Shared access only hands out `BorrowedPage`s, whose accessors are safe to use
// concurrently.
unsafe impl Sync for ContigPages {}

impl ContigPages {
    /// Largest order allocated (16 pages): enough for the buffers firmware interfaces use,
    /// and still cheap for the page allocator.
    pub const MAX_ORDER: u32 = 4;

    /// Allocates `1 << order` zeroed pages; `EINVAL` above [`Self::MAX_ORDER`].
    pub fn new(order: u32) -> Result<Self> {
        if order > Self::MAX_ORDER {
            return Err(EINVAL);
        }
        // SAFETY: A plain page allocation with a valid order; it may sleep (`GFP_KERNEL`).
        let p = unsafe {
            bindings::alloc_pages(
                bindings::GFP_KERNEL | bindings::__GFP_ZERO | bindings::__GFP_COMP,
                order,
            )
        };
        let page = NonNull::new(p).ok_or(ENOMEM)?;
        // INVARIANT: `page` was just allocated with `order`, and is owned by the result.
        Ok(Self { page, order })
    }

    /// Physical address of the first page.
    pub fn phys(&self) -> u64 {
        // SAFETY: The page is valid while `self` lives (type invariant).
        unsafe { bindings::page_to_phys(self.page.as_ptr()) }
    }

    /// Page `i` of the allocation, `None` past its end.
    pub fn page(&self, i: usize) -> Option<BorrowedPage<'_>> {
        if i >= (1usize << self.order) {
            return None;
        }
        // SAFETY: The allocation is `1 << order` contiguous `struct page`s (type
        // invariant), and `i` is in range.
        let page = unsafe { NonNull::new_unchecked(self.page.as_ptr().add(i)) };
        // SAFETY: The page is valid for as long as `self` is borrowed.
        Some(unsafe { BorrowedPage::from_raw(page) })
    }
}

impl Drop for ContigPages {
    fn drop(&mut self) {
        // SAFETY: The pages were allocated by `alloc_pages` with this order and are freed
        // once (type invariant).
        unsafe { bindings::__free_pages(self.page.as_ptr(), self.order) };
    }
}
