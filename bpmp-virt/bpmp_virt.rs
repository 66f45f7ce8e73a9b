// SPDX-License-Identifier: GPL-2.0

//! NVIDIA BPMP host proxy for virtual machines.
//!
//! `/dev/bpmp-host` (and `/dev/bpmp-host-<name>` per partition) lets a VMM
//! forward its guest's BPMP firmware requests (clocks, resets, power
//! domains) to the firmware, under a deny-by-default policy from the device
//! tree. The write() ABI is that of Ghaf's QEMU `nvidia_bpmp_guest` device
//! (see [`wire`]). The firmware is the real Tegra BPMP (the node's
//! `nvidia,bpmp` phandle, or the BPMP node found by its compatible) or, for
//! tests, the in-kernel model of `ghaf,bpmp-model` nodes.

#[cfg(CONFIG_BPMP_VIRT_MODEL)]
use kernel::sync::Arc;
use kernel::{debugfs, driver, platform, prelude::*};

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

/// An identity for a firmware node, to find the model bound to the node a
/// proxy's phandle points at. Only compared, never dereferenced.
#[cfg(CONFIG_BPMP_VIRT_MODEL)]
pub(crate) fn node_key(node: &kernel::device::property::FwNode) -> usize {
    core::ptr::from_ref(node) as usize
}

/// What the module's drivers share.
pub(crate) struct Registry {
    /// Bound firmware models, by device-tree node (the proxy finds its
    /// model through the node its `nvidia,bpmp` phandle points at).
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) models: KVec<(usize, Arc<model::Model>)>,
    /// `/sys/kernel/debug/bpmp-host`, under which every partition of every
    /// proxy node has its directory.
    pub(crate) debugfs: Option<debugfs::Dir>,
}

kernel::sync::global_lock! {
    // SAFETY: Initialised in the module initialiser before the drivers are
    // registered, which is before any use.
    unsafe(uninit) static REGISTRY: Mutex<Registry> = Registry {
        #[cfg(CONFIG_BPMP_VIRT_MODEL)]
        models: KVec::new(),
        debugfs: None,
    };
}

/// Removes `/sys/kernel/debug/bpmp-host` when the module goes (after the
/// drivers, whose partitions have their directories in it).
struct DebugfsRoot;

impl DebugfsRoot {
    fn new() -> Self {
        REGISTRY.lock().debugfs = Some(debugfs::Dir::new(c"bpmp-host"));
        DebugfsRoot
    }
}

impl Drop for DebugfsRoot {
    fn drop(&mut self) {
        // Taken out under the lock, removed (at the end of this function)
        // after the lock is released.
        let _dir = REGISTRY.lock().debugfs.take();
    }
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
    // Last: dropped after both drivers are unregistered.
    _debugfs: DebugfsRoot,
}

impl kernel::InPlaceModule for BpmpVirtModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        // SAFETY: Called once, before anything uses `REGISTRY`.
        unsafe { REGISTRY.init() };
        try_pin_init!(Self {
            _debugfs: DebugfsRoot::new(),
            #[cfg(CONFIG_BPMP_VIRT_MODEL)]
            _model <- driver::Registration::new(c"bpmp_model", module),
            _proxy <- driver::Registration::new(c"bpmp_host_proxy", module),
        })
    }
}
