// SPDX-License-Identifier: GPL-2.0

//! NVIDIA Tegra BPMP firmware client.
//!
//! A [`Bpmp`] is a reference to the BPMP that a device's `nvidia,bpmp`
//! phandle points at, obtained with `tegra_bpmp_get()` and released with
//! `tegra_bpmp_put()`. [`Bpmp::transfer`] sends one message with the normal
//! (sleeping, threaded) `tegra_bpmp_transfer()`.
//!
//! [`phandle_target`] resolves a phandle property, and [`find_compatible`]
//! finds a node by its compatible, without taking a BPMP reference, so that
//! a caller can decide what the node is (for example a software model of
//! the firmware) before calling [`Bpmp::get_by_node`].
//!
//! C headers: [`include/soc/tegra/bpmp.h`](srctree/include/soc/tegra/bpmp.h),
//! [`include/soc/tegra/bpmp-abi.h`](srctree/include/soc/tegra/bpmp-abi.h).

use crate::{
    bindings,
    device::{Device, DeviceContext},
    prelude::*,
};

/// Largest request or response payload one BPMP message channel carries
/// (`MSG_DATA_MIN_SZ`); `tegra_bpmp_transfer()` refuses larger messages with
/// `EINVAL`.
pub const MSG_DATA_MAX: usize = 120;

/// The firmware node a phandle property points at.
///
/// # Invariants
///
/// `node` is a valid `struct fwnode_handle` whose reference count this
/// object holds.
pub struct PhandleTarget {
    node: core::ptr::NonNull<bindings::fwnode_handle>,
}

// SAFETY: A firmware node reference may be used and dropped from any thread;
// the node is reference counted and only read here.
unsafe impl Send for PhandleTarget {}
// SAFETY: See `Send`; `&PhandleTarget` only reads the node.
unsafe impl Sync for PhandleTarget {}

impl PhandleTarget {
    /// Whether the node's `compatible` list contains `compat`.
    pub fn is_compatible(&self, compat: &CStr) -> bool {
        // SAFETY: By the type invariants `node` is valid; both strings are
        // NUL-terminated.
        unsafe {
            bindings::fwnode_property_match_string(
                self.node.as_ptr(),
                c"compatible".as_char_ptr(),
                compat.as_char_ptr(),
            ) >= 0
        }
    }

    /// An identity for the node, equal to [`node_key`] of the device bound
    /// to it. Only compared, never dereferenced.
    pub fn key(&self) -> usize {
        self.node.as_ptr() as usize
    }
}

impl Drop for PhandleTarget {
    fn drop(&mut self) {
        // SAFETY: By the type invariants this object holds a reference.
        unsafe { bindings::fwnode_handle_put(self.node.as_ptr()) };
    }
}

/// Resolves the phandle property `prop` (index 0) of `dev`'s firmware node.
/// `ENOENT` when the device has no node or the property is missing.
pub fn phandle_target<Ctx: DeviceContext>(dev: &Device<Ctx>, prop: &CStr) -> Result<PhandleTarget> {
    let own = dev.fwnode().ok_or(ENOENT)?;
    // SAFETY: `own` is a valid node for the lifetime of `dev`; `prop` is
    // NUL-terminated. The result holds a reference, or is NULL or an
    // error pointer.
    let ptr = unsafe { bindings::fwnode_find_reference(own.as_raw(), prop.as_char_ptr(), 0) };
    let ptr = crate::error::from_err_ptr(ptr)?;
    let node = core::ptr::NonNull::new(ptr).ok_or(ENOENT)?;
    // INVARIANT: `fwnode_find_reference()` returned a counted reference.
    Ok(PhandleTarget { node })
}

/// The first available device-tree node compatible with `compat`, as
/// `tegra_bpmp_get()`'s callers find the BPMP without a phandle.
pub fn find_compatible(compat: &CStr) -> Option<PhandleTarget> {
    let mut from: *mut bindings::device_node = core::ptr::null_mut();
    loop {
        // SAFETY: `from` is NULL or a node reference this loop holds, which
        // `of_find_compatible_node()` drops; `compat` is NUL-terminated. The
        // result holds a reference, or is NULL.
        let np = unsafe {
            bindings::of_find_compatible_node(from, core::ptr::null(), compat.as_char_ptr())
        };
        let np = core::ptr::NonNull::new(np)?;
        // SAFETY: `np` is a valid node (we hold a reference).
        if unsafe { bindings::of_device_is_available(np.as_ptr()) } {
            // SAFETY: `np` is valid; its `fwnode` is embedded in it, and
            // `fwnode_handle_put()` on it drops the node reference we hold.
            let fwnode = unsafe { core::ptr::addr_of_mut!((*np.as_ptr()).fwnode) };
            // INVARIANT: The reference from `of_find_compatible_node()`.
            return core::ptr::NonNull::new(fwnode).map(|node| PhandleTarget { node });
        }
        from = np.as_ptr();
    }
}

/// An identity for `dev`'s firmware node (0 without one), equal to
/// [`PhandleTarget::key`] of a phandle pointing at it.
pub fn node_key<Ctx: DeviceContext>(dev: &Device<Ctx>) -> usize {
    dev.fwnode().map_or(0, |n| n.as_raw() as usize)
}

/// A reference to a probed Tegra BPMP.
///
/// # Invariants
///
/// `bpmp` was returned by a successful `tegra_bpmp_get()` and is released
/// exactly once, on drop.
#[cfg(CONFIG_TEGRA_BPMP)]
pub struct Bpmp {
    bpmp: core::ptr::NonNull<bindings::tegra_bpmp>,
}

// SAFETY: The BPMP core serialises transfers internally (channel allocation
// under its own locks); the handle may be used and put from any thread.
#[cfg(CONFIG_TEGRA_BPMP)]
unsafe impl Send for Bpmp {}
// SAFETY: See `Send`: concurrent `tegra_bpmp_transfer()` calls are allowed.
#[cfg(CONFIG_TEGRA_BPMP)]
unsafe impl Sync for Bpmp {}

#[cfg(CONFIG_TEGRA_BPMP)]
impl Bpmp {
    /// Gets the BPMP that `dev`'s `nvidia,bpmp` phandle points at.
    /// `EPROBE_DEFER` while that BPMP has not probed yet.
    pub fn get<Ctx: DeviceContext>(dev: &Device<Ctx>) -> Result<Self> {
        // SAFETY: `dev.as_raw()` is a valid `struct device`.
        let ptr = crate::error::from_err_ptr(unsafe { bindings::tegra_bpmp_get(dev.as_raw()) })?;
        let bpmp = core::ptr::NonNull::new(ptr).ok_or(ENODEV)?;
        // INVARIANT: `tegra_bpmp_get()` succeeded.
        Ok(Self { bpmp })
    }

    /// Gets the BPMP probed on the node `node` (found with [`phandle_target`]
    /// or [`find_compatible`]), as `tegra_bpmp_get()` does for a phandle.
    /// `EPROBE_DEFER` while that BPMP has not probed yet.
    pub fn get_by_node(node: &PhandleTarget) -> Result<Self> {
        // SAFETY: `platform_bus_type` is a static bus; `node` is a valid
        // firmware node; the result holds a device reference or is NULL.
        let dev = unsafe {
            bindings::bus_find_device(
                core::ptr::addr_of!(bindings::platform_bus_type),
                core::ptr::null_mut(),
                node.node.as_ptr().cast::<core::ffi::c_void>().cast_const(),
                Some(bindings::device_match_fwnode),
            )
        };
        if dev.is_null() {
            return Err(EPROBE_DEFER);
        }
        // SAFETY: `dev` is a valid device (we hold a reference). The BPMP
        // driver stores its `struct tegra_bpmp` as the driver data.
        let bpmp = unsafe { bindings::dev_get_drvdata(dev) }.cast::<bindings::tegra_bpmp>();
        match core::ptr::NonNull::new(bpmp) {
            // INVARIANT: As `tegra_bpmp_get()`, the reference we hold is on
            // `bpmp->dev` (the same device), which `tegra_bpmp_put()` drops.
            Some(bpmp) => Ok(Self { bpmp }),
            None => {
                // SAFETY: Drops the reference `bus_find_device()` took.
                unsafe { bindings::put_device(dev) };
                Err(EPROBE_DEFER)
            }
        }
    }

    /// Sends message `mrq` with payload `tx` and receives the answer into
    /// `rx`. Returns the firmware's return code (0 or a negative BPMP
    /// error); `Err` only when the message could not be exchanged (for
    /// example `EINVAL` when `tx` or `rx` exceeds [`MSG_DATA_MAX`]).
    pub fn transfer(&self, mrq: u32, tx: &[u8], rx: &mut [u8]) -> Result<i32> {
        // SAFETY: `tegra_bpmp_message` is plain data; all-zero is valid.
        let mut msg: bindings::tegra_bpmp_message = unsafe { core::mem::zeroed() };
        msg.mrq = mrq;
        msg.tx.data = tx.as_ptr().cast();
        msg.tx.size = tx.len();
        msg.rx.data = rx.as_mut_ptr().cast();
        msg.rx.size = rx.len();
        // SAFETY: By the type invariants `bpmp` is valid; `msg` points to
        // `tx` (read) and `rx` (written, at most `rx.len()` bytes), both
        // live for the whole (synchronous) call.
        crate::error::to_result(unsafe {
            bindings::tegra_bpmp_transfer(self.bpmp.as_ptr(), &mut msg)
        })?;
        Ok(msg.rx.ret)
    }
}

#[cfg(CONFIG_TEGRA_BPMP)]
impl Drop for Bpmp {
    fn drop(&mut self) {
        // SAFETY: By the type invariants this is the single release of a
        // reference from `tegra_bpmp_get()`.
        unsafe { bindings::tegra_bpmp_put(self.bpmp.as_ptr()) };
    }
}
