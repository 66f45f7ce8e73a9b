// SPDX-License-Identifier: GPL-2.0

//! Long-term pinned user pages.
//!
//! A hypervisor driver hands guest memory to firmware by physical address: it pins the
//! VMM's pages with `FOLL_LONGTERM` ([`PinnedPage`]) and keeps them pinned for as long as
//! the firmware may touch them. The pinned page is a [`Page`](crate::page::Page) for its
//! physical address, frame number and accesses (see [`kernel::page_ext`](crate::page_ext)).
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)
//!
//! # Examples
//!
//! ```
//! use kernel::user_pages::PinnedPage;
//!
//! /// Pins the page of the current task at `addr` and returns its physical address, for
//! /// firmware that takes one; the firmware may use the page until the pin is dropped.
//! fn lend(addr: usize) -> Result<(PinnedPage, u64)> {
//!     let pin = PinnedPage::pin(addr)?;
//!     let phys = pin.phys();
//!     Ok((pin, phys))
//! }
//!
//! // Only page-aligned addresses are accepted (checked before anything is pinned).
//! assert_eq!(lend(1).err(), Some(EINVAL));
//! ```

use crate::{
    bindings,
    error::Result,
    page::{BorrowedPage, PAGE_SIZE},
    prelude::*,
};
use core::ptr::NonNull;

/// A user page pinned long term for writing (`pin_user_pages_fast(FOLL_WRITE |
/// FOLL_LONGTERM)`). Unpinned, and marked dirty, on drop.
pub struct PinnedPage {
    page: NonNull<bindings::page>,
}

// SAFETY: A pin is a reference count on a `struct page`; it may be dropped on any thread.
unsafe impl Send for PinnedPage {}
// SAFETY: `&PinnedPage` only gives out the page, whose accessors may be used concurrently.
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

    /// The pinned page.
    pub fn page(&self) -> BorrowedPage<'_> {
        // SAFETY: The page stays pinned, so valid, for as long as `self` is borrowed.
        unsafe { BorrowedPage::from_raw(self.page) }
    }

    /// The page frame number.
    pub fn pfn(&self) -> u64 {
        self.page().pfn()
    }

    /// The physical address of the page.
    pub fn phys(&self) -> u64 {
        self.page().phys()
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
