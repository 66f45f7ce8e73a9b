// SPDX-License-Identifier: GPL-2.0

//! The `ghaf,bpmp-model` platform driver: instantiates the firmware model
//! from the device tree, registers its reset controller
//! (`#reset-cells = <1>`) and exposes it in debugfs under `bpmp-model/`:
//!
//! - `state`: clocks, resets and power domains (see [`StateView`]);
//! - `bench`: write `N` to run `N` `MRQ_PING` requests directly against the
//!   model in the kernel; read back `requests=<N> ns_per_request=<t>`.

use kernel::{
    debugfs,
    device::{Bound, Core, Device},
    fmt, of, platform,
    prelude::*,
    reset_controller::{self, ResetOps},
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, //
    },
    time::{Instant, Monotonic},
    uaccess::UserSliceReader,
};

use crate::{
    abi,
    model::{Model, StateView},
    BpmpVirtModule, REGISTRY,
};

/// Largest `N` one `bench` write may ask for.
const BENCH_MAX: u64 = 10_000_000;

/// The model platform driver.
pub(crate) struct ModelDriver;

kernel::of_device_table!(
    OF_TABLE,
    <ModelDriver as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"ghaf,bpmp-model"), ())]
);

/// Reset-controller operations on the model's reset lines.
struct ModelResets(Arc<Model>);

impl ResetOps for ModelResets {
    fn assert(&self, id: usize) -> Result {
        self.0.set_reset(id, true)
    }

    fn deassert(&self, id: usize) -> Result {
        self.0.set_reset(id, false)
    }

    fn reset(&self, id: usize) -> Result {
        self.0.pulse_reset(id)
    }

    fn status(&self, id: usize) -> Result<bool> {
        self.0.reset_asserted(id)
    }
}

/// The `bench` knob.
struct Bench {
    model: Arc<Model>,
    requests: Atomic<u64>,
    ns_per_request: Atomic<u64>,
}

impl fmt::Debug for Bench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "requests={} ns_per_request={}",
            self.requests.load(Relaxed),
            self.ns_per_request.load(Relaxed)
        )
    }
}

impl debugfs::Reader for Bench {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        let mut buf = [0u8; 24];
        let n = reader.len().min(buf.len());
        reader.read_slice(&mut buf[..n])?;
        let text = core::str::from_utf8(&buf[..n]).map_err(|_| EINVAL)?;
        let count: u64 = text.trim().parse().map_err(|_| EINVAL)?;
        if count == 0 || count > BENCH_MAX {
            return Err(EINVAL);
        }
        let tx = 1u32.to_le_bytes();
        let mut rx = [0u8; 4];
        let start = Instant::<Monotonic>::now();
        for _ in 0..count {
            let (ret, _) = self.model.transfer(abi::MRQ_PING, &tx, &mut rx)?;
            if ret != 0 {
                return Err(EIO);
            }
        }
        let ns = start.elapsed().as_nanos().max(0) as u64;
        self.requests.store(count, Relaxed);
        self.ns_per_request.store(ns / count, Relaxed);
        Ok(())
    }
}

/// Driver data of a bound model node.
pub(crate) struct ModelDevice {
    key: usize,
    _state: Pin<KBox<debugfs::File<StateView>>>,
    _bench: Pin<KBox<debugfs::File<Bench>>>,
}

impl Drop for ModelDevice {
    fn drop(&mut self) {
        REGISTRY.lock().models.retain(|(k, _)| *k != self.key);
    }
}

impl platform::Driver for ModelDriver {
    type IdInfo = ();
    type Data<'bound> = ModelDevice;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let dev: &Device = pdev.as_ref();
        let model = Model::new()?;
        let key = dev.fwnode().map_or(0, crate::node_key);
        let dir = debugfs::Dir::new(c"bpmp-model");
        let state = KBox::pin_init(
            dir.read_only_file(c"state", StateView(model.clone())),
            GFP_KERNEL,
        )?;
        let bench = KBox::pin_init(
            dir.read_write_file(
                c"bench",
                Bench {
                    model: model.clone(),
                    requests: Atomic::new(0),
                    ns_per_request: Atomic::new(0),
                },
            ),
            GFP_KERNEL,
        )?;
        let nr_resets = model.nr_resets();
        let bound: &Device<Bound> = pdev.as_ref();
        reset_controller::Registration::register(
            bound,
            &<BpmpVirtModule as kernel::ModuleMetadata>::THIS_MODULE,
            nr_resets,
            ModelResets(model.clone()),
        )?;
        REGISTRY.lock().models.push((key, model), GFP_KERNEL)?;
        dev_info!(dev, "BPMP firmware model ready\n");
        Ok(ModelDevice {
            key,
            _state: state,
            _bench: bench,
        })
    }
}
