// SPDX-License-Identifier: GPL-2.0

//! Voluntary preemption points for long-running loops in process context.
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h)

use crate::bindings;

/// Lets the scheduler run another task if one is due (`cond_resched()`).
///
/// Call it in loops that may run for a long time in process context without sleeping,
/// such as a hypervisor run loop, so that they neither hog the CPU on non-preemptible
/// kernels nor stall RCU.
pub fn cond_resched() {
    // SAFETY: Always safe to call from process context, which `might_sleep` checks.
    unsafe { bindings::gv_cond_resched() }
}
