// SPDX-License-Identifier: GPL-2.0

//! `/dev/gzvm`: capability queries and VM creation.

use kernel::{
    fs::File,
    miscdevice::{MiscDevice, MiscDeviceRegistration},
    miscdevice_ext::{MiscDeviceData, MiscDeviceDataRegistration},
    prelude::*,
    sync::Arc,
};

use crate::{caps, hypercall::Hyp, uapi, vm::Vm};

/// An open file of `/dev/gzvm`: a handle to the hypervisor it was opened for.
pub(crate) struct GzvmDev {
    hyp: Arc<Hyp>,
}

// SAFETY: `GzvmDev` is only registered through `MiscDeviceDataRegistration` (see `gzvm.rs`).
unsafe impl MiscDeviceData for GzvmDev {
    type RegistrationData = Arc<Hyp>;
}

#[vtable]
impl MiscDevice for GzvmDev {
    type Ptr = KBox<Self>;

    fn open(_file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        let hyp = MiscDeviceDataRegistration::data_of(misc).clone();
        KBox::new(GzvmDev { hyp }, GFP_KERNEL).map_err(Into::into)
    }

    fn ioctl(me: &GzvmDev, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            uapi::GZVM_CHECK_EXTENSION => caps::check_extension_ioctl(arg).map(|()| 0),
            uapi::GZVM_CREATE_VM => Vm::create(&me.hyp, arg as u64).map(|fd| fd as isize),
            _ => Err(ENOTTY),
        }
    }
}
