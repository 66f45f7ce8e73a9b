// SPDX-License-Identifier: GPL-2.0

//! How requests reach the firmware: the [`Transport`] trait and its two
//! implementations, the real BPMP (`tegra_bpmp_transfer()`) and the
//! in-kernel firmware model.

use kernel::{prelude::*, sync::Arc};

#[cfg(CONFIG_BPMP_VIRT_MODEL)]
use crate::model::Model;
#[cfg(CONFIG_TEGRA_BPMP)]
use kernel::tegra_bpmp::Bpmp;

/// A BPMP firmware endpoint.
pub(crate) trait Transport {
    /// Sends `mrq` with request `tx`; the answer lands in `rx`, which is at
    /// most one channel long. Returns the firmware's return code and the
    /// answer's length (which may exceed `rx.len()` when the endpoint
    /// knows the real answer was longer). `Err` when the message could not
    /// be exchanged at all.
    fn transfer(&self, mrq: u32, tx: &[u8], rx: &mut [u8]) -> Result<(i32, usize)>;
}

#[cfg(CONFIG_TEGRA_BPMP)]
impl Transport for Bpmp {
    fn transfer(&self, mrq: u32, tx: &[u8], rx: &mut [u8]) -> Result<(i32, usize)> {
        // The BPMP channel has no length field: the answer fills the buffer.
        let ret = Bpmp::transfer(self, mrq, tx, rx)?;
        Ok((ret, rx.len()))
    }
}

#[cfg(CONFIG_BPMP_VIRT_MODEL)]
impl Transport for Model {
    fn transfer(&self, mrq: u32, tx: &[u8], rx: &mut [u8]) -> Result<(i32, usize)> {
        Model::transfer(self, mrq, tx, rx)
    }
}

/// The endpoint a proxy node's `nvidia,bpmp` phandle selected.
pub(crate) enum Backend {
    /// The in-kernel firmware model (`ghaf,bpmp-model` node).
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    Model(Arc<Model>),
    /// The real BPMP, through `tegra_bpmp_get()`.
    #[cfg(CONFIG_TEGRA_BPMP)]
    Firmware(Arc<Bpmp>),
}

impl Transport for Backend {
    fn transfer(&self, mrq: u32, tx: &[u8], rx: &mut [u8]) -> Result<(i32, usize)> {
        // `*self`: with neither endpoint configured the enum is empty (and
        // never constructed; the probe fails with ENODEV).
        match *self {
            #[cfg(CONFIG_BPMP_VIRT_MODEL)]
            Backend::Model(ref m) => Transport::transfer(&**m, mrq, tx, rx),
            #[cfg(CONFIG_TEGRA_BPMP)]
            Backend::Firmware(ref b) => Transport::transfer(&**b, mrq, tx, rx),
        }
    }
}

impl Clone for Backend {
    fn clone(&self) -> Self {
        match *self {
            #[cfg(CONFIG_BPMP_VIRT_MODEL)]
            Backend::Model(ref m) => Backend::Model(m.clone()),
            #[cfg(CONFIG_TEGRA_BPMP)]
            Backend::Firmware(ref b) => Backend::Firmware(b.clone()),
        }
    }
}
