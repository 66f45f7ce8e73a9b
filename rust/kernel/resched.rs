// SPDX-License-Identifier: GPL-2.0

//! Voluntary preemption points for long-running loops in process context.
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h)
//!
//! # Examples
//!
//! ```
//! use kernel::resched::cond_resched;
//!
//! let mut sum = 0u64;
//! for i in 0..100_000u64 {
//!     sum = sum.wrapping_add(i);
//!     if i % 1024 == 0 {
//!         cond_resched();
//!     }
//! }
//! assert_eq!(sum, 4_999_950_000);
//! ```

use crate::bindings;

/// Lets the scheduler run another task if one is due (`cond_resched()`).
///
/// Call it in loops that may run for a long time in process context without sleeping,
/// such as a hypervisor run loop, so that they neither hog the CPU on non-preemptible
/// kernels nor stall RCU.
pub fn cond_resched() {
    // SAFETY: Always safe to call from process context, which `might_sleep` checks.
    unsafe { bindings::cond_resched() }
}
