// SPDX-License-Identifier: GPL-2.0

//! Misc devices with run-time names, and the user buffer of a `write()`.
//!
//! [`MiscDeviceOptions`] takes a `&'static CStr` because the misc core keeps
//! the name pointer for as long as the device is registered.
//! [`NamedMiscDeviceRegistration`] owns a heap-allocated name instead and
//! keeps it alive for exactly that long, so drivers can register one device
//! node per device-tree child (`/dev/bpmp-host-<name>`).
//!
//! [`write_user_buffer`] gives the user-space address of the buffer a plain
//! `write(2)` was called with, for ABIs that write results back into the
//! caller's message (Ghaf's `/dev/bpmp-host` wire message).

use crate::{
    bindings,
    iov::IovIterSource,
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
    str::CString,
    uaccess::UserPtr,
};

/// A misc device registration that owns its name.
///
/// # Invariants
///
/// `reg` was registered with a name pointing into `name`'s heap buffer;
/// `reg` is declared (and therefore dropped, which deregisters the device)
/// before `name`.
#[pin_data]
pub struct NamedMiscDeviceRegistration<T> {
    #[pin]
    reg: MiscDeviceRegistration<T>,
    name: CString,
}

impl<T: MiscDevice> NamedMiscDeviceRegistration<T> {
    /// Registers a misc device called `name` (`/dev/<name>`).
    pub fn register(name: CString) -> impl PinInit<Self, Error> {
        let ptr: *const CStr = &*name;
        // Moving the `CString` into `Self` below does not move its heap buffer,
        // and `Self` drops `reg` (deregistering the device, after which the
        // misc core no longer uses the name) before `name`; a failed
        // registration keeps no pointer.
        // SAFETY: `ptr` points into `name`'s buffer, which therefore outlives
        // every use the misc core makes of it: all `'static` is needed for.
        let static_name: &'static CStr = unsafe { &*ptr };
        // INVARIANT: `reg` is registered with `static_name`, which points
        // into `name`; field order gives the drop order.
        try_pin_init!(Self {
            reg <- MiscDeviceRegistration::register(MiscDeviceOptions { name: static_name }),
            name,
        })
    }

    /// The misc registration.
    pub fn registration(&self) -> &MiscDeviceRegistration<T> {
        &self.reg
    }

    /// The device's name.
    pub fn name(&self) -> &CStr {
        &self.name
    }
}

/// The user address and length of the buffer behind `iov` when it is a
/// single user buffer (what `write(2)` produces), `None` otherwise (vectored
/// writes with several segments, kernel buffers).
pub fn write_user_buffer(iov: &mut IovIterSource<'_>) -> Option<(UserPtr, usize)> {
    let raw = iov.as_raw();
    // SAFETY: `raw` is the valid `iov_iter` behind `iov`; the fields are only
    // read. For an `ITER_UBUF` iterator the union holds `ubuf`, and the next
    // byte to copy is at `ubuf + iov_offset`.
    unsafe {
        if u32::from((*raw).iter_type) != bindings::iter_type_ITER_UBUF {
            return None;
        }
        // `__ubuf_iovec` overlays `{ ubuf, count }`.
        let iov = (*raw).__bindgen_anon_1.__ubuf_iovec.as_ref();
        let base = iov.iov_base as usize;
        let len = iov.iov_len;
        let addr = base.checked_add((*raw).iov_offset)?;
        Some((UserPtr::from_addr(addr), len))
    }
}
