// SPDX-License-Identifier: GPL-2.0

//! Kernel pages whose physical address the hypervisor holds.
//!
//! A [`HypPages`] is lent to the hypervisor by the call that passes its physical address
//! (CREATE_VCPU, the block-paging ENABLE_CAP, SET_MEMREGION, CREATE_DEVICE) and reclaimed
//! only when the hypervisor has said it let go: the end of a call that uses the buffer only
//! for its duration, or a successful DESTROY_VCPU / DESTROY_VM. Dropped while still lent,
//! the pages are leaked, with one log line: the hypervisor may still write to them, and a
//! leak is the only safe answer to a hypervisor that refuses to let go.

use kernel::{
    contig_pages::ContigPages,
    page::{BorrowedPage, Page},
    pr_warn_once,
    prelude::*,
    sync::atomic::{Acquire, Atomic, Release},
};

/// One page, or more contiguous ones.
enum Pages {
    One(Page),
    Contig(ContigPages),
}

/// Zeroed, physically contiguous kernel pages that may be lent to the hypervisor.
pub(crate) struct HypPages {
    pages: Option<Pages>,
    lent: Atomic<bool>,
}

impl HypPages {
    /// Allocates `1 << order` zeroed pages.
    pub(crate) fn new(order: u32) -> Result<Self> {
        let pages = if order == 0 {
            Pages::One(Page::alloc_page(GFP_KERNEL | __GFP_ZERO)?)
        } else {
            Pages::Contig(ContigPages::new(order)?)
        };
        Ok(Self {
            pages: Some(pages),
            lent: Atomic::new(false),
        })
    }

    /// Page `i`, for the driver's own accesses.
    pub(crate) fn page(&self, i: usize) -> Option<BorrowedPage<'_>> {
        match self.pages.as_ref()? {
            Pages::One(p) => (i == 0).then(|| p.borrow()),
            Pages::Contig(p) => p.page(i),
        }
    }

    /// Marks the pages lent and returns their physical address (for a hypercall argument).
    pub(crate) fn lend(&self) -> u64 {
        self.lent.store(true, Release);
        match self.pages.as_ref() {
            Some(Pages::One(p)) => p.phys(),
            Some(Pages::Contig(p)) => p.phys(),
            None => 0,
        }
    }

    /// The hypervisor confirmed it let go of the pages.
    pub(crate) fn reclaim(&self) {
        self.lent.store(false, Release);
    }

    /// Whether the hypervisor may still hold the pages.
    pub(crate) fn is_lent(&self) -> bool {
        self.lent.load(Acquire)
    }
}

impl Drop for HypPages {
    fn drop(&mut self) {
        if self.is_lent() {
            if let Some(p) = self.pages.take() {
                core::mem::forget(p);
                pr_warn_once!("leaking pages the hypervisor did not release\n");
            }
        }
    }
}
