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
//! vfio-platform's registration API (`__vfio_platform_register_reset()`,
//! `vfio_platform_unregister_reset()`) and its structs are declared in its
//! private header, which the bindings include; they exist only when
//! vfio-platform is built in.
//!
//! `vfio_platform_unregister_reset()` removes the first node with the given
//! compatible and handler, so two equal nodes could not be told apart when
//! one of them goes (and the other's memory would stay on vfio-platform's
//! list): registering the same handler twice for one compatible is refused
//! (`EEXIST`), across all registrations.
//!
//! C header: [`drivers/vfio/platform/vfio_platform_private.h`][header].
//!
//! [header]: srctree/drivers/vfio/platform/vfio_platform_private.h
//!
//! # Examples
//!
//! ```
//! use kernel::{
//!     device::Device,
//!     prelude::*,
//!     vfio_platform::{Registration, ResetHandler},
//!     ThisModule,
//! };
//!
//! struct NoReset;
//!
//! impl ResetHandler for NoReset {
//!     fn reset(_dev: &Device) -> Result {
//!         Ok(())
//!     }
//! }
//!
//! fn register(module: &'static ThisModule) -> Result<Registration<NoReset>> {
//!     let mut reg = Registration::new(module);
//!     reg.add(c"ghaf,example-no-reset")?;
//!     // The same handler for the same compatible again is refused.
//!     assert_eq!(reg.add(c"ghaf,example-no-reset"), Err(EEXIST));
//!     assert_eq!(reg.len(), 1);
//!     Ok(reg)
//! }
//! ```

#![cfg(CONFIG_VFIO_PLATFORM_BASE = "y")]

use crate::{
    bindings,
    device::Device,
    error::from_result,
    new_mutex,
    prelude::*,
    str::CString,
    sync::{Mutex, SetOnce},
    types::Opaque,
    ThisModule,
};
use core::marker::{PhantomData, PhantomPinned};

/// A device reset for vfio-platform.
pub trait ResetHandler: 'static {
    /// Puts `dev`, a device bound to vfio-platform, back into its reset
    /// state. An error fails the open (or `VFIO_DEVICE_RESET`) that asked
    /// for it.
    fn reset(dev: &Device) -> Result;
}

/// The (handler, compatible) pairs registered by any [`Registration`]: the
/// handler's address and a copy of the compatible.
type Registered = KVec<(usize, CString)>;

/// Allocated on first use and never freed (it is small, and a registration
/// may be dropped at any time).
static REGISTERED: SetOnce<Pin<KBox<Mutex<Registered>>>> = SetOnce::new();

fn registered() -> Result<&'static Mutex<Registered>> {
    if REGISTERED.as_ref().is_none() {
        let set = KBox::pin_init(new_mutex!(KVec::new()), GFP_KERNEL)?;
        // Another task may have won the race; then `set` is dropped.
        REGISTERED.populate(set);
    }
    loop {
        if let Some(set) = REGISTERED.as_ref() {
            return Ok(set);
        }
        // The winner of the race is storing its pointer.
        core::hint::spin_loop();
    }
}

/// One compatible registered with vfio-platform.
///
/// # Invariants
///
/// Once initialised, `raw` is on vfio-platform's reset list with
/// `raw.compat` pointing into `compat` and `raw.of_reset` the handler; it
/// is taken off in `drop`, before `compat` is freed.
#[pin_data(PinnedDrop)]
struct Node {
    #[pin]
    raw: Opaque<bindings::vfio_platform_reset_node>,
    compat: CString,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: vfio-platform reads the node under its own lock; `Node` itself
// only reads it, and unlinks it (under that lock) on drop, from any thread.
unsafe impl Send for Node {}
// SAFETY: `&Node` gives access to nothing.
unsafe impl Sync for Node {}

impl Node {
    fn register(
        compat: CString,
        module: &'static ThisModule,
        reset: bindings::vfio_platform_reset_fn_t,
    ) -> impl PinInit<Self, Error> {
        let name = compat.as_char_ptr().cast_mut();
        try_pin_init!(Self {
            compat,
            raw <- Opaque::try_ffi_init(move |slot: *mut bindings::vfio_platform_reset_node| {
                // SAFETY: `slot` is valid for writes; all zeroes is a valid
                // (unlinked) node, filled in before it is linked. `name`
                // points into the heap buffer of `compat` (initialised
                // before), which does not move with `Self` and is freed only
                // after the node is unlinked.
                unsafe {
                    slot.write(core::mem::zeroed());
                    (*slot).compat = name;
                    (*slot).owner = module.as_ptr();
                    (*slot).of_reset = reset;
                }
                // INVARIANT: The node is linked with our compatible and handler.
                // SAFETY: The node is filled in and pinned; vfio-platform only
                // links it into its list (under its lock) and reads it.
                unsafe { bindings::__vfio_platform_register_reset(slot) };
                Ok::<(), Error>(())
            }),
            _pin: PhantomPinned,
        })
    }
}

#[pinned_drop]
impl PinnedDrop for Node {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariants the node is linked. vfio-platform
        // removes the first node with this compatible and handler, and no
        // other node has both (`Registration::add` refuses duplicates), so
        // it removes this one; it reads `compat` only during the call.
        unsafe {
            let raw = self.raw.get();
            bindings::vfio_platform_unregister_reset((*raw).compat, (*raw).of_reset);
        }
    }
}

/// `T` registered with vfio-platform for a set of compatibles.
pub struct Registration<T: ResetHandler> {
    module: &'static ThisModule,
    nodes: KVec<Pin<KBox<Node>>>,
    _handler: PhantomData<T>,
}

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

    /// The handler, as vfio-platform calls it.
    const RESET: bindings::vfio_platform_reset_fn_t = Some(reset_callback::<T>);

    /// The handler's address, to tell handlers apart.
    fn key() -> usize {
        Self::RESET.map_or(0, |f| f as usize)
    }

    /// Registers the handler for `compat`. Fails with `EEXIST` if it
    /// already is.
    pub fn add(&mut self, compat: &CStr) -> Result {
        let key = Self::key();
        let set = registered()?;
        let mut set = set.lock();
        if set
            .iter()
            .any(|(k, c)| *k == key && c.to_bytes() == compat.to_bytes())
        {
            return Err(EEXIST);
        }
        self.nodes.reserve(1, GFP_KERNEL)?;
        set.reserve(1, GFP_KERNEL)?;
        set.push((key, CString::try_from(compat)?), GFP_KERNEL)?;
        let node = KBox::pin_init(
            Node::register(CString::try_from(compat)?, self.module, Self::RESET),
            GFP_KERNEL,
        );
        let pushed =
            node.and_then(|node| self.nodes.push_within_capacity(node).map_err(|_| ENOMEM));
        if pushed.is_err() {
            set.pop();
        }
        pushed
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
        let key = Self::key();
        let set = REGISTERED.as_ref();
        let mut set = set.map(|s| s.lock());
        while let Some(node) = self.nodes.pop() {
            if let Some(set) = set.as_mut() {
                set.retain(|(k, c)| !(*k == key && c.to_bytes() == node.compat.to_bytes()));
            }
            // Unregisters the node (while the set is locked, so that no
            // equal node is added before this one is gone).
            drop(node);
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
        let dev = unsafe { (*vdev).device };
        if dev.is_null() {
            return Err(ENODEV);
        }
        // SAFETY: `dev` is the bound device of `vdev`, valid for the call.
        let dev = unsafe { Device::from_raw(dev) };
        T::reset(dev)?;
        Ok(0)
    })
}
