// SPDX-License-Identifier: GPL-2.0

//! A consistent pair of wall-clock time and clocksource cycle count, as used for
//! precise time synchronisation with guests (PTP), where the guest relates the host's
//! real time to its own view of the architected counter.
//!
//! C header: [`include/linux/timekeeping.h`](srctree/include/linux/timekeeping.h)

use crate::bindings;

/// Real time (ns since the epoch) and the clocksource's cycle count, read together.
#[derive(Clone, Copy, Debug)]
pub struct ClockSnapshot {
    /// `CLOCK_REALTIME` in nanoseconds.
    pub real_ns: u64,
    /// The current clocksource's counter (the architected counter on arm64).
    pub cycles: u64,
}

/// Takes a snapshot (`ktime_get_snapshot_id(CLOCK_REALTIME)`).
pub fn snapshot() -> ClockSnapshot {
    let (mut real_ns, mut cycles) = (0u64, 0u64);
    // SAFETY: Both pointers are valid for writes for the duration of the call.
    unsafe { bindings::gv_ktime_snapshot(&mut real_ns, &mut cycles) };
    ClockSnapshot { real_ns, cycles }
}
