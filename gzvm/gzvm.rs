// SPDX-License-Identifier: GPL-2.0

//! GenieZone hypervisor driver.
//!
//! A platform driver for the GenieZone device-tree node. Probing asks the hypervisor for
//! its version (PROBE hypercall) and registers `/dev/gzvm`, whose ioctl ABI is that of the
//! upstream/Android `<linux/gzvm.h>` (`include/uapi/linux/gzvm.h`), so VMMs written
//! for GenieZone (crosvm) work unchanged. Without MediaTek hardware, the project's
//! GenieZone-ABI test hypervisor (gzhyp, at EL2 under QEMU) answers the same calls.

use kernel::{
    device::Core,
    miscdevice_ext::{MiscDeviceDataRegistration, MiscDeviceName},
    of, platform,
    prelude::*,
    sync::Arc,
};

mod caps;
mod dev;
mod device;
mod hypercall;
mod hypmem;
mod ioeventfd;
mod irq;
mod irqfd;
mod knobs;
mod memslot;
mod trace;
mod uapi;
mod vcpu;
mod vm;

use dev::GzvmDev;
use hypercall::Hyp;
use trace::{Trace, TraceFs};

kernel::of_device_table!(
    OF_TABLE,
    <GzvmDriver as platform::Driver>::IdInfo,
    [
        (of::DeviceId::new(c"mediatek,geniezone"), ()),
        (of::DeviceId::new(c"mediatek,geniezone-hyp"), ()),
    ]
);

struct GzvmDriver;

/// Per-device state: `/dev/gzvm` and the hypervisor handle its files use, and the
/// hypercall trace in debugfs.
#[pin_data]
struct GzvmData {
    #[pin]
    misc: MiscDeviceDataRegistration<GzvmDev>,
    #[pin]
    tracefs: TraceFs,
    #[pin]
    knobs: knobs::KnobsFs,
}

impl platform::Driver for GzvmDriver {
    type IdInfo = ();
    type Data<'bound> = GzvmData;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        pin_init::pin_init_scope(move || {
            let trace = Trace::new()?;
            let hyp = connect(pdev, trace.clone())?;
            Ok(try_pin_init!(GzvmData {
                knobs <- knobs::KnobsFs::new(hyp.clone()),
                misc <- MiscDeviceDataRegistration::register(
                    MiscDeviceName::Static(c"gzvm"),
                    hyp,
                ),
                tracefs <- TraceFs::new(trace),
            }))
        })
    }
}

/// Checks that a hypervisor answers on the `hvc` conduit: PROBE with the driver version,
/// then the batch-size queries (v13 04/25, 17/25, 25/25).
fn connect(pdev: &platform::Device<Core<'_>>, trace: Arc<Trace>) -> Result<Arc<Hyp>> {
    let dev = pdev.as_ref();
    match Hyp::connect(trace) {
        Ok((hyp, [major, minor, sub])) => {
            dev_info!(
                dev,
                "GenieZone hypervisor {}.{}.{} (PROBE), batches: map {} destroy {} pages\n",
                major,
                minor,
                sub,
                hyp.batches.map,
                hyp.batches.destroy
            );
            Ok(Arc::new(hyp, GFP_KERNEL)?)
        }
        Err(e) => {
            dev_err!(dev, "no GenieZone hypervisor answered PROBE ({:?})\n", e);
            Err(ENODEV)
        }
    }
}

kernel::module_platform_driver! {
    type: GzvmDriver,
    name: "gzvm",
    authors: ["Ghaf virtualization host team"],
    description: "GenieZone hypervisor driver",
    license: "GPL",
}
