// SPDX-License-Identifier: GPL-2.0

//! The Arm architected timer: the system counter and its frequency, and conversion of
//! counter cycles to time.
//!
//! C header: [`include/clocksource/arm_arch_timer.h`](srctree/include/clocksource/arm_arch_timer.h)
//!
//! # Examples
//!
//! ```
//! use kernel::arch_timer;
//!
//! let rate = arch_timer::rate();
//! let start = arch_timer::counter();
//! assert!(arch_timer::counter() >= start);
//! if let Some(t) = arch_timer::cycles_to_delta(u64::from(rate), rate) {
//!     // One second's worth of cycles.
//!     assert_eq!(t.as_nanos(), 1_000_000_000);
//! }
//! assert!(arch_timer::cycles_to_delta(1, 0).is_none());
//! ```

#![cfg(CONFIG_ARM_ARCH_TIMER)]

use crate::{bindings, time::Delta};

/// The counter frequency in Hz (`CNTFRQ_EL0` as the kernel's timer driver found it); 0 if
/// the architected timer is not in use.
pub fn rate() -> u32 {
    // SAFETY: No preconditions; returns the value the timer driver recorded at probe.
    unsafe { bindings::arch_timer_get_rate() }
}

/// The current value of the system counter the kernel uses (the virtual counter unless
/// the kernel runs at EL2).
pub fn counter() -> u64 {
    // SAFETY: `arch_timer_read_counter` is `__ro_after_init`: written only while the timer
    // driver initialises, before any code that could call this runs, so the read races with
    // nothing.
    let read = unsafe { bindings::arch_timer_read_counter };
    // The pointer starts out as a function (the virtual counter) and the timer driver only
    // ever replaces it with another, so it is never `None` in practice.
    read.map_or(0, |read| {
        // SAFETY: The timer driver's counter read functions take no arguments and may be
        // called from any context.
        unsafe { read() }
    })
}

/// `cycles` of the counter as time at `rate` Hz, without overflow for any `cycles`
/// (saturating at `i64::MAX` nanoseconds). `None` if `rate` is 0.
pub fn cycles_to_delta(cycles: u64, rate: u32) -> Option<Delta> {
    const NSEC_PER_SEC: u64 = 1_000_000_000;
    let rate = u64::from(rate);
    if rate == 0 {
        return None;
    }
    // The remainder is below 2^32, so its product with 10^9 stays below 2^62.
    let ns = (cycles / rate)
        .saturating_mul(NSEC_PER_SEC)
        .saturating_add(cycles % rate * NSEC_PER_SEC / rate);
    Some(Delta::from_nanos(i64::try_from(ns).unwrap_or(i64::MAX)))
}
