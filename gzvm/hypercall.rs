// SPDX-License-Identifier: GPL-2.0

//! The driver's side of the GenieZone SMCCC interface.
//!
//! Every call is an SMCCC v1.2 fast call (function id `0xfb00_1000 + n`, arguments in
//! x1..x7, results in x0..x3, x0 a GenieZone status). The conduit is either the real `hvc`
//! or, in test kernels, the simulator, which decodes exactly the same registers.

use kernel::{prelude::*, smccc};

#[cfg(CONFIG_GZVM_SIM)]
use crate::sim::Sim;
#[cfg(CONFIG_GZVM_SIM)]
use kernel::sync::Arc;

/// SMCCC owner id of GenieZone (a Trusted OS range id).
const SMC_ENTITY_MTK: u32 = 59;

/// GenieZone function numbers (`n` in `0xfb00_1000 + n`).
#[allow(missing_docs)]
pub(crate) mod func {
    pub(crate) const CREATE_VM: u32 = 0;
    pub(crate) const DESTROY_VM: u32 = 1;
    pub(crate) const CREATE_VCPU: u32 = 2;
    pub(crate) const DESTROY_VCPU: u32 = 3;
    pub(crate) const SET_MEMREGION: u32 = 4;
    pub(crate) const RUN: u32 = 5;
    pub(crate) const GET_ONE_REG: u32 = 8;
    pub(crate) const SET_ONE_REG: u32 = 9;
    pub(crate) const IRQ_LINE: u32 = 10;
    pub(crate) const CREATE_DEVICE: u32 = 11;
    pub(crate) const PROBE: u32 = 12;
    pub(crate) const ENABLE_CAP: u32 = 13;
    pub(crate) const INFORM_EXIT: u32 = 14;
    pub(crate) const MEMREGION_PURPOSE: u32 = 15;
    pub(crate) const SET_DTB_CONFIG: u32 = 16;
    pub(crate) const MAP_GUEST: u32 = 17;
    pub(crate) const MAP_GUEST_BLOCK: u32 = 18;
}

/// The SMCCC function id of GenieZone function `n`.
pub(crate) const fn func_id(n: u32) -> u32 {
    smccc::fast_call_64(SMC_ENTITY_MTK, 0x1000 + n)
}

/// GenieZone status codes (x0).
pub(crate) mod status {
    pub(crate) const OK: i64 = 0;
    pub(crate) const ERR_NO_MEMORY: i64 = -5;
    pub(crate) const ERR_INVALID_ARGS: i64 = -8;
    pub(crate) const ERR_NOT_SUPPORTED: i64 = -24;
    pub(crate) const ERR_NOT_IMPLEMENTED: i64 = -27;
    pub(crate) const ERR_BUSY: i64 = -33;
    pub(crate) const ERR_FAULT: i64 = -40;
}

/// Maps a GenieZone status to a kernel error, as upstream does.
pub(crate) fn to_result(x0: u64) -> Result {
    match x0 as i64 {
        status::OK => Ok(()),
        status::ERR_NO_MEMORY => Err(ENOMEM),
        status::ERR_NOT_SUPPORTED | status::ERR_NOT_IMPLEMENTED => Err(EOPNOTSUPP),
        status::ERR_BUSY => Err(EAGAIN),
        status::ERR_FAULT => Err(EFAULT),
        _ => Err(EINVAL),
    }
}

/// `(vm_id << 16) | vcpu_id`, the VM/vCPU tuple of the calls that name a vCPU.
pub(crate) fn tuple(vm_id: u16, vcpu_id: u32) -> u64 {
    (u64::from(vm_id) << 16) | u64::from(vcpu_id & 0xffff)
}

/// How calls reach the hypervisor.
pub(crate) enum Conduit {
    /// `hvc #0` to the GenieZone hypervisor.
    Hvc,
    /// The in-kernel simulator (test kernels only).
    #[cfg(CONFIG_GZVM_SIM)]
    Sim(Arc<Sim>),
}

/// A handle to the hypervisor: one per probed device.
pub(crate) struct Hyp {
    conduit: Conduit,
}

impl Hyp {
    pub(crate) fn new(conduit: Conduit) -> Self {
        Self { conduit }
    }

    /// Issues GenieZone function `n` with `args` in x1.. and returns x0..x3 (raw).
    pub(crate) fn call_raw(&self, n: u32, args: &[u64]) -> [u64; 4] {
        let mut regs = [0u64; 8];
        regs[0] = u64::from(func_id(n));
        for (r, a) in regs.iter_mut().skip(1).zip(args) {
            *r = *a;
        }
        match &self.conduit {
            Conduit::Hvc => smccc::hvc(regs),
            #[cfg(CONFIG_GZVM_SIM)]
            Conduit::Sim(sim) => sim.call(regs),
        }
    }

    /// Issues function `n` and maps a failing status to an error; returns x1..x3.
    pub(crate) fn call(&self, n: u32, args: &[u64]) -> Result<[u64; 3]> {
        let r = self.call_raw(n, args);
        to_result(r[0])?;
        Ok([r[1], r[2], r[3]])
    }
}
