// SPDX-License-Identifier: GPL-2.0

//! Reset controls: the consumer side of the reset-controller framework.
//!
//! A [`ResetControl`] holds the reset lines that a device's firmware node
//! lists in its `resets` property, as one exclusive control, and pulses,
//! asserts or releases them through whichever controller provides them
//! (on Tegra, the BPMP). The lines are put back when it is dropped.
//!
//! C header: [`include/linux/reset.h`](srctree/include/linux/reset.h).
//!
//! # Examples
//!
//! ```
//! use kernel::{device::Device, prelude::*, reset_control::ResetControl};
//!
//! /// Pulses every reset line of `dev`, with assert and deassert where a
//! /// controller cannot pulse.
//! fn reset_device(dev: &Device) -> Result {
//!     if ResetControl::count(dev)? == 0 {
//!         return Err(ENOENT);
//!     }
//!     let rc = ResetControl::get_all_exclusive(dev)?;
//!     match rc.reset() {
//!         Err(e) if e == ENOTSUPP => {
//!             rc.assert()?;
//!             rc.deassert()
//!         }
//!         r => r,
//!     }
//! }
//! ```

#![cfg(CONFIG_RESET_CONTROLLER)]

use crate::{
    bindings,
    device::Device,
    error::{from_err_ptr, to_result},
    prelude::*,
};
use core::ptr::NonNull;

/// All reset lines of one device, acquired exclusively.
///
/// # Invariants
///
/// `ptr` is a reset control returned by `fwnode_reset_control_array_get()`
/// that this object owns (it is put on drop).
pub struct ResetControl {
    ptr: NonNull<bindings::reset_control>,
}

// SAFETY: The reset core locks its own state; an exclusive control may be
// used and put from any task.
unsafe impl Send for ResetControl {}

impl ResetControl {
    /// Number of reset lines in `dev`'s `resets` property: zero when the
    /// device has no firmware node or the node has no `resets`.
    pub fn count(dev: &Device) -> Result<usize> {
        // SAFETY: `dev` is a valid device for the duration of the call.
        let n = unsafe { bindings::reset_control_get_count(dev.as_raw()) };
        if n == ENOENT.to_errno() {
            return Ok(0);
        }
        to_result(n)?;
        usize::try_from(n).map_err(|_| EINVAL)
    }

    /// Gets every reset line of `dev` as one exclusive control. Fails with
    /// `ENOENT` when `dev` lists none and `EPROBE_DEFER` when a controller
    /// is not registered yet.
    pub fn get_all_exclusive(dev: &Device) -> Result<Self> {
        let node = dev.fwnode().ok_or(ENOENT)?;
        // SAFETY: `node` is a valid firmware node while `dev` is.
        let ptr = from_err_ptr(unsafe {
            bindings::fwnode_reset_control_array_get(
                node.as_raw(),
                bindings::reset_control_flags_RESET_CONTROL_EXCLUSIVE,
            )
        })?;
        // Not optional: the core returns a control or an error, never NULL.
        let ptr = NonNull::new(ptr).ok_or(ENOENT)?;
        // INVARIANT: `ptr` was just returned by the array get; we own it.
        Ok(Self { ptr })
    }

    /// Pulses every line with the controllers' `reset` operation. Fails with
    /// `ENOTSUPP` when a controller has none (then use [`Self::assert`] and
    /// [`Self::deassert`]).
    pub fn reset(&self) -> Result {
        // SAFETY: By the type invariants `ptr` is a live, owned control.
        to_result(unsafe { bindings::reset_control_reset(self.ptr.as_ptr()) })
    }

    /// Puts every line into reset.
    pub fn assert(&self) -> Result {
        // SAFETY: By the type invariants `ptr` is a live, owned control.
        to_result(unsafe { bindings::reset_control_assert(self.ptr.as_ptr()) })
    }

    /// Takes every line out of reset.
    pub fn deassert(&self) -> Result {
        // SAFETY: By the type invariants `ptr` is a live, owned control.
        to_result(unsafe { bindings::reset_control_deassert(self.ptr.as_ptr()) })
    }
}

impl Drop for ResetControl {
    fn drop(&mut self) {
        // SAFETY: By the type invariants we own `ptr`; it is not used again.
        unsafe { bindings::reset_control_put(self.ptr.as_ptr()) };
    }
}
