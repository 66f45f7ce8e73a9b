// SPDX-License-Identifier: GPL-2.0

//! vfio-platform reset handlers.
//!
//! vfio-platform looks up a reset handler by the first `compatible` of the
//! device it binds, and with its default `reset_required=1` refuses a device
//! that has none. It calls the handler when the device is opened, when it
//! is released and on `VFIO_DEVICE_RESET`. A [`Registration`] registers a
//! [`ResetHandler`] for a set of compatibles and unregisters it when
//! dropped; while vfio-platform uses a handler it holds a reference on the
//! registering module.
//!
//! The registration API and its structs are private to
//! `drivers/vfio/platform`; `rust/helpers/vfio_platform.c` is the only code
//! that sees them. Only available when vfio-platform is built in.
//!
//! C header: [`drivers/vfio/platform/vfio_platform_private.h`](srctree/drivers/vfio/platform/vfio_platform_private.h).

#![cfg(CONFIG_VFIO_PLATFORM_BASE = "y")]

use crate::{
    bindings,
    device::Device,
    error::{from_err_ptr, from_result},
    prelude::*,
    ThisModule,
};
use core::{marker::PhantomData, ptr::NonNull};

/// A device reset for vfio-platform.
pub trait ResetHandler: 'static {
    /// Puts `dev`, a device bound to vfio-platform, back into its reset
    /// state. An error fails the open (or `VFIO_DEVICE_RESET`) that asked
    /// for it.
    fn reset(dev: &Device) -> Result;
}

/// `T` registered with vfio-platform for a set of compatibles.
///
/// # Invariants
///
/// Every entry of `nodes` was returned by
/// `gv_vfio_platform_register_reset()` with [`reset_callback::<T>`] and is
/// still registered; each is unregistered on drop.
pub struct Registration<T: ResetHandler> {
    module: &'static ThisModule,
    nodes: KVec<NonNull<bindings::vfio_platform_reset_node>>,
    _handler: PhantomData<T>,
}

// SAFETY: The nodes are only handed back to the helper, which locks.
unsafe impl<T: ResetHandler> Send for Registration<T> {}
// SAFETY: `&Registration` gives access to nothing.
unsafe impl<T: ResetHandler> Sync for Registration<T> {}

impl<T: ResetHandler> Registration<T> {
    /// An empty registration; vfio-platform holds a reference on `module`
    /// while it uses the handler.
    pub fn new(module: &'static ThisModule) -> Self {
        Self {
            module,
            nodes: KVec::new(),
            _handler: PhantomData,
        }
    }

    /// Registers the handler for `compat`. Fails with `EEXIST` if it
    /// already is.
    pub fn add(&mut self, compat: &CStr) -> Result {
        self.nodes.reserve(1, GFP_KERNEL)?;
        // SAFETY: `compat` is a NUL-terminated string (copied by the
        // helper); `module` is our module; `reset_callback::<T>` has the
        // signature vfio-platform calls reset handlers with.
        let node = from_err_ptr(unsafe {
            bindings::gv_vfio_platform_register_reset(
                compat.as_char_ptr(),
                self.module.as_ptr(),
                Some(reset_callback::<T>),
            )
        })?;
        let node = NonNull::new(node).ok_or(ENOMEM)?;
        // INVARIANT: `node` is registered and kept; room for it was
        // reserved above, so this cannot fail.
        if self.nodes.push_within_capacity(node).is_err() {
            // SAFETY: `node` was registered above and is not kept.
            unsafe { bindings::gv_vfio_platform_unregister_reset(node.as_ptr()) };
            return Err(ENOMEM);
        }
        Ok(())
    }

    /// Number of compatibles registered.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no compatible is registered.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

impl<T: ResetHandler> Drop for Registration<T> {
    fn drop(&mut self) {
        while let Some(node) = self.nodes.pop() {
            // SAFETY: By the type invariants `node` is registered; it is not
            // used after this.
            unsafe { bindings::gv_vfio_platform_unregister_reset(node.as_ptr()) };
        }
    }
}

/// The reset handler vfio-platform calls.
///
/// # Safety
///
/// Called by vfio-platform only, with a live `vdev` whose device is bound to
/// it for the duration of the call.
unsafe extern "C" fn reset_callback<T: ResetHandler>(
    vdev: *mut bindings::vfio_platform_device,
) -> c_int {
    from_result(|| {
        // SAFETY: By the safety requirements `vdev` is live.
        let dev = unsafe { bindings::gv_vfio_platform_device(vdev) };
        if dev.is_null() {
            return Err(ENODEV);
        }
        // SAFETY: `dev` is the bound device of `vdev`, valid for the call.
        let dev = unsafe { Device::from_raw(dev) };
        T::reset(dev)?;
        Ok(0)
    })
}
