// SPDX-License-Identifier: GPL-2.0

//! Test knobs (the `test-knobs` feature, built for the test suite only): one test-range
//! hypercall, function [`TEST_KNOB`] of the GenieZone range (upstream uses 0..18), x1 = the
//! knob, x2 = its value. The driver forwards writes to debugfs `gzvm-hyp/<knob>` to it in
//! test kernels (`CONFIG_GZVM_TEST_KNOBS`). Without the feature the call is unknown and the
//! knobs keep their defaults: everything granted, nothing refused.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Function number of the test-knob call.
pub const TEST_KNOB: u64 = 0xf0;

/// Demand paging granted: 0 none (fully populated VMs), 1 4 KiB pages, 2 2 MiB blocks.
pub static PAGING: AtomicU64 = AtomicU64::new(2);
/// Ghaf extensions offered (none: the negotiation is refused, as GenieZone's firmware does).
pub static EXTENSIONS: AtomicU64 = AtomicU64::new(super::vm::EXT_OFFERED);
/// DESTROY_VM calls to answer ERR_BUSY.
pub static DESTROY_BUSY: AtomicU64 = AtomicU64::new(0);
/// DESTROY_VM calls to refuse.
pub static DESTROY_FAIL: AtomicU64 = AtomicU64::new(0);
/// DESTROY_VCPU calls to refuse.
pub static VCPU_DESTROY_FAIL: AtomicU64 = AtomicU64::new(0);

/// Takes one from a count-down knob; whether it was non-zero.
pub fn take(k: &AtomicU64) -> bool {
    k.fetch_update(Relaxed, Relaxed, |v| v.checked_sub(1))
        .is_ok()
}

/// The test-knob call; `false` for an unknown knob or value.
#[cfg(feature = "test-knobs")]
pub fn set(knob: u64, v: u64) -> bool {
    let k = match knob {
        0 if v <= 2 => &PAGING,
        1 => &EXTENSIONS,
        2 => &DESTROY_BUSY,
        3 => &DESTROY_FAIL,
        4 => &VCPU_DESTROY_FAIL,
        _ => return false,
    };
    k.store(v, Relaxed);
    true
}

/// Without the feature the call does not exist.
#[cfg(not(feature = "test-knobs"))]
pub fn set(_knob: u64, _v: u64) -> bool {
    false
}
