// SPDX-License-Identifier: GPL-2.0

//! GenieZone hypervisor driver.
//!
//! Exposes `/dev/gzvm`, whose ioctl ABI is that of the upstream/Android
//! `<linux/gzvm.h>` (see `gzvm/include/uapi/linux/gzvm.h`), so VMMs written
//! for GenieZone (crosvm) work unchanged.

use kernel::{
    fs::File,
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
};

mod caps;
mod sim;
mod uapi;

module! {
    type: GzvmModule,
    name: "gzvm",
    authors: ["Ghaf virtualization host team"],
    description: "GenieZone hypervisor driver",
    license: "GPL",
}

#[pin_data]
struct GzvmModule {
    #[pin]
    _misc: MiscDeviceRegistration<GzvmDev>,
}

impl kernel::InPlaceModule for GzvmModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _misc <- MiscDeviceRegistration::register(MiscDeviceOptions { name: c"gzvm" }),
        })
    }
}

/// An open file of `/dev/gzvm`.
struct GzvmDev;

#[vtable]
impl MiscDevice for GzvmDev {
    type Ptr = KBox<Self>;

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        KBox::new(GzvmDev, GFP_KERNEL).map_err(Into::into)
    }

    fn ioctl(_me: &GzvmDev, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            uapi::GZVM_CHECK_EXTENSION => caps::check_extension_ioctl(arg).map(|()| 0),
            _ => Err(ENOTTY),
        }
    }
}
