// SPDX-License-Identifier: GPL-2.0

//! Misc device registrations that own their name and carry data for `open`.
//!
//! This is the part of [`kernel::miscdevice`] that upstream 7.3 lacks and
//! that our drivers need; it is written as an extension of that module (same
//! types, same registration path) so that it can move into
//! `rust/kernel/miscdevice.rs` as it is; it is a file of its own so that
//! it can be reviewed and applied on its own.
//!
//! Upstream's [`MiscDeviceRegistration`] takes a `&'static CStr` name (the
//! misc core keeps the pointer for as long as the device is registered) and
//! gives [`MiscDevice::open`] nothing but the registration.
//! [`MiscDeviceDataRegistration`] registers a [`MiscDeviceRegistration`]
//! together with
//!
//! - its name, static ([`MiscDeviceName::Static`]) or built at run time
//!   ([`MiscDeviceName::Owned`], e.g. one `/dev/bpmp-host-<name>` per
//!   device-tree node), kept alive until the device is deregistered, and
//! - data of the driver's choice ([`MiscDeviceData::RegistrationData`]),
//!   initialised before the device is registered and dropped after it is
//!   deregistered, which `open` reaches with [`MiscDeviceDataRegistration::data_of`]
//!   instead of through a global table.
//!
//! [`kernel::miscdevice`]: crate::miscdevice
//!
//! # Examples
//!
//! ```
//! use kernel::{
//!     fs::File,
//!     miscdevice::{MiscDevice, MiscDeviceRegistration},
//!     miscdevice_ext::{MiscDeviceData, MiscDeviceDataRegistration, MiscDeviceName},
//!     prelude::*,
//!     str::CString,
//! };
//!
//! struct Counter {
//!     base: u32,
//! }
//!
//! // SAFETY: `Counter` is only registered through `MiscDeviceDataRegistration`.
//! unsafe impl MiscDeviceData for Counter {
//!     type RegistrationData = u32;
//! }
//!
//! #[vtable]
//! impl MiscDevice for Counter {
//!     type Ptr = KBox<Self>;
//!
//!     fn open(_file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
//!         let base = *MiscDeviceDataRegistration::data_of(misc);
//!         Ok(KBox::new(Counter { base }, GFP_KERNEL)?)
//!     }
//! }
//!
//! fn register(n: u32) -> Result<Pin<KBox<MiscDeviceDataRegistration<Counter>>>> {
//!     let name = CString::try_from_fmt(fmt!("counter-{n}"))?;
//!     KBox::pin_init(
//!         MiscDeviceDataRegistration::register(MiscDeviceName::Owned(name), n),
//!         GFP_KERNEL,
//!     )
//! }
//! ```

use crate::{
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
    str::CString,
};

/// A misc device whose registrations carry data for its `open`.
///
/// # Safety
///
/// Implementers guarantee that every `MiscDeviceRegistration<Self>` is the
/// `reg` field of a [`MiscDeviceDataRegistration<Self>`] (the type is never
/// registered with [`MiscDeviceRegistration::register`] directly), so that
/// [`MiscDeviceDataRegistration::data_of`] finds the data next to it.
pub unsafe trait MiscDeviceData: MiscDevice {
    /// The data registered with the device.
    type RegistrationData: Send + Sync;
}

/// The name of a misc device (`/dev/<name>`).
pub enum MiscDeviceName {
    /// A name that lives for ever.
    Static(&'static CStr),
    /// A name built at run time; the registration keeps it alive.
    Owned(CString),
}

impl MiscDeviceName {
    fn as_c_str(&self) -> &CStr {
        match self {
            MiscDeviceName::Static(s) => s,
            MiscDeviceName::Owned(s) => s,
        }
    }
}

/// A misc device registration with its name and its data.
///
/// # Invariants
///
/// `reg` was registered with a name that points into `name` (a `'static`
/// string, or the heap buffer of an owned one, which does not move when
/// `Self` is built or pinned). `reg` is declared, and therefore dropped
/// (deregistering the device, after which the misc core neither uses the
/// name nor calls `open`), before `name` and `data`.
#[pin_data]
pub struct MiscDeviceDataRegistration<T: MiscDeviceData> {
    #[pin]
    reg: MiscDeviceRegistration<T>,
    name: MiscDeviceName,
    data: T::RegistrationData,
}

impl<T: MiscDeviceData> MiscDeviceDataRegistration<T> {
    /// Stores `name` and `data`, then registers the misc device `/dev/<name>`.
    ///
    /// A failed registration (for example `EBUSY` for a name that is taken)
    /// drops `name` and `data` and leaves nothing registered.
    pub fn register(name: MiscDeviceName, data: T::RegistrationData) -> impl PinInit<Self, Error> {
        let ptr: *const CStr = name.as_c_str();
        // SAFETY: `ptr` points to a `'static` string or into the heap buffer
        // of the `CString` moved into `Self` below, which does not move with
        // it and is dropped only after `reg` deregistered the device (field
        // order). The misc core uses the name only while the device is
        // registered, which is all `'static` is needed for.
        let static_name: &'static CStr = unsafe { &*ptr };
        // INVARIANT: `reg` is registered with `static_name`, which points into
        // `name`; field order gives the drop order.
        try_pin_init!(Self {
            name,
            data,
            reg <- MiscDeviceRegistration::register(MiscDeviceOptions { name: static_name }),
        })
    }

    /// The upstream registration.
    pub fn registration(&self) -> &MiscDeviceRegistration<T> {
        &self.reg
    }

    /// The device's name.
    pub fn name(&self) -> &CStr {
        self.name.as_c_str()
    }

    /// The data registered with the device.
    pub fn data(&self) -> &T::RegistrationData {
        &self.data
    }

    /// The data registered with the device `reg` belongs to (for `open`).
    pub fn data_of(reg: &MiscDeviceRegistration<T>) -> &T::RegistrationData {
        let reg: *const MiscDeviceRegistration<T> = reg;
        // SAFETY: By the `MiscDeviceData` contract `reg` is the `reg` field of
        // a live `MiscDeviceDataRegistration<T>`, whose `data` is initialised
        // before the device is registered and dropped after it is
        // deregistered; the returned reference is bounded by the borrow of
        // `reg`.
        unsafe {
            let outer = crate::container_of!(reg, Self, reg);
            &(*outer).data
        }
    }
}
