// SPDX-License-Identifier: GPL-2.0

//! A consistent pair of wall-clock time and clocksource cycle count, as used for
//! precise time synchronisation with guests (PTP), where the guest relates the host's
//! real time to its own view of the architected counter.
//!
//! C header: [`include/linux/timekeeping.h`](srctree/include/linux/timekeeping.h)
//!
//! # Examples
//!
//! ```
//! use kernel::clock_snapshot;
//!
//! let a = clock_snapshot::snapshot();
//! let b = clock_snapshot::snapshot();
//! assert!(b.cycles >= a.cycles);
//! assert!(a.real_ns > 0);
//! ```

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
    let mut snap = bindings::system_time_snapshot::default();
    // SAFETY: `snap` is valid for writes for the duration of the call.
    unsafe {
        bindings::ktime_get_snapshot_id(bindings::CLOCK_REALTIME as bindings::clockid_t, &mut snap)
    };
    ClockSnapshot {
        // `CLOCK_REALTIME` is not before the epoch; a negative time would be a clock bug.
        real_ns: u64::try_from(snap.systime).unwrap_or(0),
        cycles: snap.cycles,
    }
}
