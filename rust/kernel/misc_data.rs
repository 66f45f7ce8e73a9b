// SPDX-License-Identifier: GPL-2.0

//! Misc devices whose `open` reaches data registered alongside them.
//!
//! [`MiscDevice::open`] only receives the [`MiscDeviceRegistration`]. A driver that
//! registers its device through [`MiscRegistrationWithData`] can get from there to the data
//! it registered with (for example the handle of the hardware instance the device stands
//! for) with [`data_of`], without global state.

use crate::{
    error::Error,
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
};

/// A misc device that is only ever registered through [`MiscRegistrationWithData`].
///
/// # Safety
///
/// Implementers guarantee that every `MiscDeviceRegistration<Self>` lives inside a
/// `MiscRegistrationWithData<Self>`, so that [`data_of`] may find the data next to it.
pub unsafe trait MiscDeviceData: MiscDevice {
    /// The data registered with the device.
    type Data: Send + Sync;
}

/// A misc device registration together with data for its `open`.
///
/// The data is initialised before the device is registered and the device is deregistered
/// (no `open` can be running or start) before the data is dropped.
#[pin_data]
pub struct MiscRegistrationWithData<T: MiscDeviceData> {
    // Declared first: dropped (deregistered) before `data`.
    #[pin]
    reg: MiscDeviceRegistration<T>,
    data: T::Data,
}

impl<T: MiscDeviceData> MiscRegistrationWithData<T> {
    /// Stores `data`, then registers the misc device described by `opts`.
    pub fn register(opts: MiscDeviceOptions, data: T::Data) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            data: data,
            reg <- MiscDeviceRegistration::register(opts),
        })
    }

    /// The data registered with the device.
    pub fn data(&self) -> &T::Data {
        &self.data
    }
}

/// The data registered with the device that `reg` belongs to.
pub fn data_of<T: MiscDeviceData>(reg: &MiscDeviceRegistration<T>) -> &T::Data {
    let reg: *const MiscDeviceRegistration<T> = reg;
    // SAFETY: By the `MiscDeviceData` contract `reg` is the `reg` field of a live
    // `MiscRegistrationWithData<T>`, whose `data` field is initialised before registration
    // and outlives it; the returned reference is bounded by the borrow of `reg`.
    unsafe {
        let outer = crate::container_of!(reg, MiscRegistrationWithData<T>, reg);
        &(*outer).data
    }
}
