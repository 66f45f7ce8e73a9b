// SPDX-License-Identifier: GPL-2.0

//! NVIDIA BPMP host proxy for virtual machines.
//!
//! `/dev/bpmp-host` (and `/dev/bpmp-host-<name>` per partition) lets a VMM
//! forward its guest's BPMP firmware requests (clocks, resets, power
//! domains) to the firmware, under a deny-by-default policy from the device
//! tree. The write() ABI is that of Ghaf's QEMU `nvidia_bpmp_guest` device
//! (see [`wire`]). The firmware is the real Tegra BPMP (`tegra_bpmp_get()`
//! on the node's `nvidia,bpmp` phandle) or, for tests, the in-kernel model
//! of `ghaf,bpmp-model` nodes.

use kernel::{driver, platform, prelude::*, sync::Arc};

mod abi;
#[cfg(CONFIG_BPMP_VIRT_MODEL)]
mod model;
#[cfg(CONFIG_BPMP_VIRT_MODEL)]
mod model_dev;
mod partition;
mod policy;
mod proxy;
mod transport;
mod wire;

module! {
    type: BpmpVirtModule,
    name: "bpmp_virt",
    authors: ["Ghaf virtualization host team"],
    description: "NVIDIA BPMP host proxy for virtual machines",
    license: "GPL",
}

/// Objects the drivers find each other through.
pub(crate) struct Registry {
    /// Bound firmware models, by device-tree node.
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) models: KVec<(usize, Arc<model::Model>)>,
    /// Partitions, by the address of their misc registration.
    pub(crate) files: KVec<(usize, Arc<partition::Partition>)>,
}

kernel::sync::global_lock! {
    // SAFETY: Initialised in the module initialiser before the drivers are
    // registered, which is before any use.
    unsafe(uninit) static REGISTRY: Mutex<Registry> = Registry {
        #[cfg(CONFIG_BPMP_VIRT_MODEL)]
        models: KVec::new(),
        files: KVec::new(),
    };
}

/// The module: the proxy driver and, with the model built in, the model
/// driver (registered first, so a model node binds before its proxy).
#[pin_data]
struct BpmpVirtModule {
    #[pin]
    _proxy: driver::Registration<platform::Adapter<proxy::ProxyDriver>>,
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    #[pin]
    _model: driver::Registration<platform::Adapter<model_dev::ModelDriver>>,
}

impl kernel::InPlaceModule for BpmpVirtModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        // SAFETY: Called once, before anything uses `REGISTRY`.
        unsafe { REGISTRY.init() };
        try_pin_init!(Self {
            #[cfg(CONFIG_BPMP_VIRT_MODEL)]
            _model <- driver::Registration::new(c"bpmp_model", module),
            _proxy <- driver::Registration::new(c"bpmp_host_proxy", module),
        })
    }
}
