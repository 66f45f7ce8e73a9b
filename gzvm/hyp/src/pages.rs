// SPDX-License-Identifier: GPL-2.0

//! The hypervisor's page pool: 4 KiB pages of its reserved memory, for stage-2 tables.
//! A free page's first word links to the next free page.

use crate::sync::SpinLock;

struct Pool {
    head: u64,
    free: usize,
}

static POOL: SpinLock<Pool> = SpinLock::new(Pool { head: 0, free: 0 });

/// Gives the pages of `start..end` (page aligned) to the pool.
pub fn init(start: u64, end: u64) {
    let mut p = POOL.lock();
    let mut pa = end;
    while pa > start {
        pa -= 4096;
        // SAFETY: The range is the hypervisor's own, unused memory (after its image).
        unsafe { (pa as *mut u64).write(p.head) };
        p.head = pa;
        p.free += 1;
    }
}

/// A zeroed page, or `None` when the pool is empty.
pub fn alloc() -> Option<u64> {
    let mut p = POOL.lock();
    let pa = p.head;
    if pa == 0 {
        return None;
    }
    // SAFETY: `pa` is a free page of the pool; its first word is the link.
    p.head = unsafe { (pa as *const u64).read() };
    p.free -= 1;
    drop(p);
    // SAFETY: The page was just taken from the pool and belongs to the caller.
    unsafe { core::ptr::write_bytes(pa as *mut u8, 0, 4096) };
    Some(pa)
}

/// Returns a page to the pool.
///
/// # Safety
///
/// `pa` came from [`alloc`] and nothing uses it any more (no table references it and no
/// translation of it can be cached: TLBs were invalidated).
pub unsafe fn free(pa: u64) {
    let mut p = POOL.lock();
    // SAFETY: The caller hands the page back; it is ours to link.
    unsafe { (pa as *mut u64).write(p.head) };
    p.head = pa;
    p.free += 1;
}

/// Pages left in the pool.
pub fn free_pages() -> usize {
    POOL.lock().free
}
