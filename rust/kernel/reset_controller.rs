// SPDX-License-Identifier: GPL-2.0

//! Reset controller providers.
//!
//! A [`Registration`] registers a reset controller for a device's
//! device-tree node with one specifier cell (`#reset-cells = <1>`): consumers
//! name reset `id` with `resets = <&provider id>` and reach the driver's
//! [`ResetOps`] through the reset-controller framework.
//!
//! C header: [`include/linux/reset-controller.h`](srctree/include/linux/reset-controller.h).

use crate::{
    bindings,
    device::{Device, DeviceContext},
    error::{from_result, to_result},
    prelude::*,
    types::Opaque,
    ThisModule,
};
use core::marker::PhantomPinned;

/// Operations of a reset controller; `id` is below the registered
/// `nr_resets`.
pub trait ResetOps: Send + Sync {
    /// Puts reset line `id` into reset.
    fn assert(&self, id: usize) -> Result;
    /// Takes reset line `id` out of reset.
    fn deassert(&self, id: usize) -> Result;
    /// Pulses reset line `id`.
    fn reset(&self, id: usize) -> Result {
        self.assert(id)?;
        self.deassert(id)
    }
    /// Whether reset line `id` is asserted.
    fn status(&self, id: usize) -> Result<bool>;
}

/// A registered reset controller.
///
/// # Invariants
///
/// Once initialised, `rcdev` is registered with the reset core with the ops
/// of [`Registration::<T>::OPS`] and holds a reference to its `fwnode`;
/// both are undone on drop. `ops` is initialised before `rcdev` and dropped
/// after the controller is unregistered.
#[pin_data(PinnedDrop)]
pub struct Registration<T: ResetOps> {
    ops: T,
    #[pin]
    rcdev: Opaque<bindings::reset_controller_dev>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The reset core serialises its own use of `rcdev`; `T` is
// `Send + Sync`.
unsafe impl<T: ResetOps> Send for Registration<T> {}
// SAFETY: `&Registration` gives access to nothing but `T: Sync`.
unsafe impl<T: ResetOps> Sync for Registration<T> {}

impl<T: ResetOps> Registration<T> {
    const OPS: bindings::reset_control_ops = bindings::reset_control_ops {
        reset: Some(Self::reset_cb),
        assert: Some(Self::assert_cb),
        deassert: Some(Self::deassert_cb),
        status: Some(Self::status_cb),
    };

    /// Registers a reset controller with `nr_resets` lines for `dev`'s
    /// firmware (device-tree) node.
    pub fn register<Ctx: DeviceContext>(
        dev: &Device<Ctx>,
        module: &'static ThisModule,
        nr_resets: u32,
        ops: T,
    ) -> impl PinInit<Self, Error> {
        let node = dev.fwnode().map_or(core::ptr::null_mut(), |n| n.as_raw());
        try_pin_init!(Self {
            ops,
            rcdev <- Opaque::try_ffi_init(move |slot: *mut bindings::reset_controller_dev| {
                if node.is_null() {
                    return Err(ENODEV);
                }
                // SAFETY: `slot` is valid for writes of the whole struct.
                unsafe { slot.write(core::mem::zeroed()) };
                // SAFETY: `slot` was just initialised; `node` is the device's
                // firmware node, valid while `dev` is, and gets its own
                // reference here (put on failure below or on drop).
                unsafe {
                    (*slot).ops = &Self::OPS;
                    (*slot).owner = module.as_ptr();
                    (*slot).fwnode = bindings::fwnode_handle_get(node);
                    (*slot).nr_resets = nr_resets;
                }
                // SAFETY: `slot` is a filled-in controller at its final
                // (pinned) address; `ops` (initialised before) outlives it.
                let ret = to_result(unsafe { bindings::reset_controller_register(slot) });
                if ret.is_err() {
                    // SAFETY: Drop the reference taken above.
                    unsafe { bindings::fwnode_handle_put(node) };
                }
                ret
            }),
            _pin: PhantomPinned,
        })
    }

    /// The driver's operations.
    pub fn ops(&self) -> &T {
        &self.ops
    }

    /// # Safety
    ///
    /// `rcdev` must be the `rcdev` field of a live `Registration<T>`.
    unsafe fn ops_of<'a>(rcdev: *mut bindings::reset_controller_dev) -> &'a T {
        let rcdev = rcdev.cast::<Opaque<bindings::reset_controller_dev>>();
        // SAFETY: By the safety requirements `rcdev` is the `rcdev` field of
        // a live `Registration<T>` (`Opaque` is `repr(transparent)`).
        let this = unsafe { &*crate::container_of!(rcdev, Self, rcdev) };
        &this.ops
    }

    /// `reset_control_ops` callback.
    ///
    /// # Safety
    ///
    /// Called by the reset core only, with a `rcdev` of a live `Registration<T>`.
    unsafe extern "C" fn reset_cb(
        rcdev: *mut bindings::reset_controller_dev,
        id: c_ulong,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The reset core only calls our ops with the `rcdev` we
            // registered, while it is registered.
            unsafe { Self::ops_of(rcdev) }.reset(id)?;
            Ok(0)
        })
    }

    /// `reset_control_ops` callback.
    ///
    /// # Safety
    ///
    /// Called by the reset core only, with a `rcdev` of a live `Registration<T>`.
    unsafe extern "C" fn assert_cb(
        rcdev: *mut bindings::reset_controller_dev,
        id: c_ulong,
    ) -> c_int {
        from_result(|| {
            // SAFETY: As in `reset_cb`.
            unsafe { Self::ops_of(rcdev) }.assert(id)?;
            Ok(0)
        })
    }

    /// `reset_control_ops` callback.
    ///
    /// # Safety
    ///
    /// Called by the reset core only, with a `rcdev` of a live `Registration<T>`.
    unsafe extern "C" fn deassert_cb(
        rcdev: *mut bindings::reset_controller_dev,
        id: c_ulong,
    ) -> c_int {
        from_result(|| {
            // SAFETY: As in `reset_cb`.
            unsafe { Self::ops_of(rcdev) }.deassert(id)?;
            Ok(0)
        })
    }

    /// `reset_control_ops` callback.
    ///
    /// # Safety
    ///
    /// Called by the reset core only, with a `rcdev` of a live `Registration<T>`.
    unsafe extern "C" fn status_cb(
        rcdev: *mut bindings::reset_controller_dev,
        id: c_ulong,
    ) -> c_int {
        from_result(|| {
            // SAFETY: As in `reset_cb`.
            let asserted = unsafe { Self::ops_of(rcdev) }.status(id)?;
            Ok(c_int::from(asserted))
        })
    }
}

#[pinned_drop]
impl<T: ResetOps> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        let rcdev = self.rcdev.get();
        // SAFETY: By the type invariants `rcdev` is registered and holds a
        // reference to its node; after unregistering no op is called again.
        unsafe {
            let node = (*rcdev).fwnode;
            bindings::reset_controller_unregister(rcdev);
            bindings::fwnode_handle_put(node);
        }
    }
}
