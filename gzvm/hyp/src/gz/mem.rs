// SPDX-License-Identifier: GPL-2.0

//! Access to host memory the driver names by physical address (run pages, buffers).
//! Every address is checked to be host RAM outside the hypervisor's own memory before it
//! is touched; EL2 maps all RAM write-back, as the host does.

use crate::layout::{HYP_BASE, HYP_SIZE};
use crate::sync::SpinLock;

static RAM: SpinLock<(u64, u64)> = SpinLock::new((0, 0));

/// Records the host's RAM range (from the device tree).
pub fn init(ram: (u64, u64)) {
    *RAM.lock() = ram;
}

/// Whether `pa..pa + len` is host RAM the driver may hand over.
pub fn host_ram(pa: u64, len: u64) -> bool {
    let (base, size) = *RAM.lock();
    let Some(end) = pa.checked_add(len) else {
        return false;
    };
    pa >= base && end <= base + size && (end <= HYP_BASE || pa >= HYP_BASE + HYP_SIZE)
}

/// Reads a little-endian value of `size` bytes (1, 2, 4 or 8) at `pa` (checked by the
/// caller with [`host_ram`]).
pub fn read(pa: u64, size: usize) -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: The caller checked `pa..pa + size` is host RAM, identity-mapped at EL2; a
    // racing host write at worst gives a torn value, which the ABI allows.
    unsafe { core::ptr::copy_nonoverlapping(pa as *const u8, b.as_mut_ptr(), size.min(8)) };
    u64::from_le_bytes(b)
}

/// Writes the low `size` bytes of `v` at `pa` (checked by the caller).
pub fn write(pa: u64, size: usize, v: u64) {
    let b = v.to_le_bytes();
    // SAFETY: As for `read`: host RAM the driver lent for this purpose.
    unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), pa as *mut u8, size.min(8)) };
}

/// Zeroes `len` bytes at `pa` (checked by the caller).
pub fn zero(pa: u64, len: usize) {
    // SAFETY: As for `write`.
    unsafe { core::ptr::write_bytes(pa as *mut u8, 0, len) };
}
