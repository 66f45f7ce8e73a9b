// SPDX-License-Identifier: GPL-2.0

//! Reset controller providers.
//!
//! [`Registration::register`] registers a reset controller for a bound
//! device's device-tree node with one specifier cell (`#reset-cells = <1>`):
//! consumers name reset `id` with `resets = <&provider id>` and reach the
//! driver's [`ResetOps`] through the reset-controller framework. The
//! registration is device-managed: it holds its own reference on the node
//! and is unregistered when the device is unbound.
//!
//! C header: [`include/linux/reset-controller.h`](srctree/include/linux/reset-controller.h).
//!
//! # Examples
//!
//! ```
//! use kernel::{
//!     device::{Bound, Device},
//!     prelude::*,
//!     reset_controller::{Registration, ResetOps},
//!     sync::atomic::{Atomic, Relaxed},
//!     ThisModule,
//! };
//!
//! /// Four reset lines, asserted or not.
//! struct Lines([Atomic<bool>; 4]);
//!
//! impl Lines {
//!     fn line(&self, id: usize) -> Result<&Atomic<bool>> {
//!         self.0.get(id).ok_or(EINVAL)
//!     }
//! }
//!
//! impl ResetOps for Lines {
//!     fn assert(&self, id: usize) -> Result {
//!         self.line(id)?.store(true, Relaxed);
//!         Ok(())
//!     }
//!     fn deassert(&self, id: usize) -> Result {
//!         self.line(id)?.store(false, Relaxed);
//!         Ok(())
//!     }
//!     fn status(&self, id: usize) -> Result<bool> {
//!         Ok(self.line(id)?.load(Relaxed))
//!     }
//! }
//!
//! /// Called from a platform driver's probe for a node with `#reset-cells = <1>`.
//! fn probe(dev: &Device<Bound>, module: &'static ThisModule) -> Result {
//!     let lines = Lines([(); 4].map(|()| Atomic::new(false)));
//!     Registration::register(dev, module, 4, lines)
//! }
//! ```

#![cfg(CONFIG_RESET_CONTROLLER)]

use crate::{
    bindings,
    device::{property::FwNode, Bound, Device},
    devres,
    error::{from_result, to_result},
    prelude::*,
    sync::aref::ARef,
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
/// of [`Registration::<T>::OPS`] and `node` as its node; it is unregistered
/// on drop, before `node` and `ops` are dropped (field order).
#[pin_data(PinnedDrop)]
pub struct Registration<T: ResetOps> {
    #[pin]
    rcdev: Opaque<bindings::reset_controller_dev>,
    node: ARef<FwNode>,
    ops: T,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The reset core serialises its own use of `rcdev`; `T` is
// `Send + Sync`; the node reference is only put on drop, which may happen on
// any thread.
unsafe impl<T: ResetOps> Send for Registration<T> {}
// SAFETY: `&Registration` gives access to nothing but `T: Sync`.
unsafe impl<T: ResetOps> Sync for Registration<T> {}

impl<T: ResetOps + 'static> Registration<T> {
    const OPS: bindings::reset_control_ops = bindings::reset_control_ops {
        reset: Some(Self::reset_cb),
        assert: Some(Self::assert_cb),
        deassert: Some(Self::deassert_cb),
        status: Some(Self::status_cb),
    };

    /// Registers a reset controller with `nr_resets` lines for `dev`'s
    /// firmware (device-tree) node, until `dev` is unbound. `ENODEV` if `dev`
    /// has no node.
    pub fn register(
        dev: &Device<Bound>,
        module: &'static ThisModule,
        nr_resets: u32,
        ops: T,
    ) -> Result {
        let node: ARef<FwNode> = dev.fwnode().ok_or(ENODEV)?.into();
        devres::register(dev, Self::new(node, module, nr_resets, ops), GFP_KERNEL)
    }

    fn new(
        node: ARef<FwNode>,
        module: &'static ThisModule,
        nr_resets: u32,
        ops: T,
    ) -> impl PinInit<Self, Error> {
        let raw = node.as_raw();
        try_pin_init!(Self {
            node,
            ops,
            rcdev <- Opaque::try_ffi_init(move |slot: *mut bindings::reset_controller_dev| {
                // SAFETY: `slot` is valid for writes of the whole struct, and all
                // zeroes is a valid (unregistered) controller.
                unsafe { slot.write(core::mem::zeroed()) };
                // SAFETY: `slot` was just initialised. `raw` is the node the
                // `node` field (initialised before) holds a reference on for
                // as long as `rcdev` is registered.
                unsafe {
                    (*slot).ops = &Self::OPS;
                    (*slot).owner = module.as_ptr();
                    (*slot).fwnode = raw;
                    (*slot).nr_resets = nr_resets;
                }
                // INVARIANT: On success the controller is registered with our
                // ops and node.
                // SAFETY: `slot` is a filled-in controller at its final
                // (pinned) address; `ops` (initialised before) outlives it.
                to_result(unsafe { bindings::reset_controller_register(slot) })
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
        // SAFETY: By the type invariants `rcdev` is registered; after
        // unregistering, the reset core calls no op and no longer uses the
        // node, which the `node` field then puts.
        unsafe { bindings::reset_controller_unregister(self.rcdev.get()) };
    }
}
