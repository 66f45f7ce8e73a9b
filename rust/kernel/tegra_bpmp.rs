// SPDX-License-Identifier: GPL-2.0

//! NVIDIA Tegra BPMP firmware client.
//!
//! A [`Bpmp`] is a reference to the BPMP that a device's `nvidia,bpmp`
//! phandle points at, obtained with `tegra_bpmp_get()` and released with
//! `tegra_bpmp_put()`. [`Bpmp::transfer`] sends one message with the normal
//! (sleeping, threaded) `tegra_bpmp_transfer()`.
//!
//! [`Bpmp::get_by_node`] gets the BPMP of a node that the caller found
//! itself ([`FwNode::find_reference`], [`FwNode::find_available_compatible`]),
//! so that it can first decide what the node is (for example a software
//! model of the firmware).
//!
//! [`FwNode::find_reference`]: crate::device::property::FwNode::find_reference
//! [`FwNode::find_available_compatible`]:
//!     crate::device::property::FwNode::find_available_compatible
//!
//! C headers: [`include/soc/tegra/bpmp.h`](srctree/include/soc/tegra/bpmp.h),
//! [`include/soc/tegra/bpmp-abi.h`](srctree/include/soc/tegra/bpmp-abi.h).
//!
//! # Examples
//!
//! ```
//! use kernel::{device::property::FwNode, prelude::*, tegra_bpmp::MSG_DATA_MAX};
//!
//! /// Whether `node`'s `nvidia,bpmp` phandle points at the real firmware.
//! fn is_bpmp(node: &FwNode) -> bool {
//!     node.find_reference(c"nvidia,bpmp", 0)
//!         .is_ok_and(|t| t.property_match_string(c"compatible", c"nvidia,tegra186-bpmp").is_ok())
//! }
//!
//! # #[cfg(CONFIG_TEGRA_BPMP)]
//! /// `MRQ_PING` (0) with a challenge; the firmware answers it shifted left by one.
//! fn ping(bpmp: &kernel::tegra_bpmp::Bpmp) -> Result<u32> {
//!     let mut rx = [0u8; 4];
//!     let ret = bpmp.transfer(0, &7u32.to_le_bytes(), &mut rx)?;
//!     if ret != 0 {
//!         return Err(EIO);
//!     }
//!     Ok(u32::from_le_bytes(rx))
//! }
//!
//! assert_eq!(MSG_DATA_MAX, 120);
//! ```

#[cfg(CONFIG_TEGRA_BPMP)]
use crate::{
    bindings,
    device::{property::FwNode, Device, DeviceContext},
    prelude::*,
};

/// Largest request or response payload one BPMP message channel carries
/// (`MSG_DATA_MIN_SZ`); `tegra_bpmp_transfer()` refuses larger messages with
/// `EINVAL`.
pub const MSG_DATA_MAX: usize = 120;

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

    /// Gets the BPMP probed on the node `node`, as `tegra_bpmp_get()` does
    /// for the node a phandle points at. `EPROBE_DEFER` while no device on
    /// that node is bound to the BPMP driver (not probed yet, or not a BPMP).
    pub fn get_by_node(node: &FwNode) -> Result<Self> {
        // SAFETY: `platform_bus_type` is a static bus; `node` is a valid
        // firmware node; the result holds a device reference or is NULL.
        let dev = unsafe {
            bindings::bus_find_device(
                core::ptr::addr_of!(bindings::platform_bus_type),
                core::ptr::null_mut(),
                node.as_raw().cast::<core::ffi::c_void>().cast_const(),
                Some(bindings::device_match_fwnode),
            )
        };
        if dev.is_null() {
            return Err(EPROBE_DEFER);
        }
        // Only the BPMP driver's driver data is a `struct tegra_bpmp`: a node
        // bound to any other driver (or to none yet) is not used.
        // SAFETY: `dev` is a valid device (we hold a reference); its driver,
        // when set, is a registered driver with a NUL-terminated name.
        let driver = unsafe { (*dev).driver };
        // SAFETY: As above; `driver` is only dereferenced when non-null.
        let is_bpmp =
            !driver.is_null() && unsafe { CStr::from_char_ptr((*driver).name) } == c"tegra-bpmp";
        if !is_bpmp {
            // SAFETY: Drops the reference `bus_find_device()` took.
            unsafe { bindings::put_device(dev) };
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
