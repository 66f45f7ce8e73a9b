// SPDX-License-Identifier: GPL-2.0

//! The host's PSCI calls, relayed to QEMU's PSCI (the firmware).
//!
//! QEMU's `virt` with `virtualization=on` and no EL3 firmware implements PSCI itself with
//! the SMC conduit. The host's SMCs trap to EL2 (`HCR_EL2.TSC`); every call is forwarded
//! unchanged except those that start a CPU (`CPU_ON`), which start it in the hypervisor
//! instead, with the host's entry point and context kept here; that CPU then sets up EL2
//! and enters the host where the host asked. pKVM relays the host's PSCI the same way
//! (`arch/arm64/kvm/hyp/nvhe/psci-relay.c`).

use crate::{arch, layout::MAX_CPUS, sync::SpinLock};

/// PSCI `CPU_ON`, SMC32 and SMC64 (PSCI spec DEN0022, table 5.1).
const CPU_ON_32: u64 = 0x8400_0003;
const CPU_ON_64: u64 = 0xc400_0003;
/// PSCI `INVALID_PARAMETERS`.
const INVALID_PARAMETERS: u64 = -2i64 as u64;

#[derive(Clone, Copy)]
struct Boot {
    entry: u64,
    context: u64,
}

/// Where each CPU enters the host once started.
static BOOT: SpinLock<[Option<Boot>; MAX_CPUS]> = SpinLock::new([None; MAX_CPUS]);

/// The CPU index of an MPIDR on QEMU's `virt` (Aff0 for up to 8 CPUs, one cluster).
fn cpu_of(mpidr: u64) -> Option<usize> {
    let idx = (mpidr & 0xff) as usize;
    ((mpidr & 0xff_00ff_ff00) == 0 && idx < MAX_CPUS).then_some(idx)
}

/// Handles a host SMC (x0..x17 in `x`); returns x0..x3.
pub fn host_smc(x: &[u64; 18]) -> [u64; 4] {
    let f = x[0] & 0xffff_ffff;
    if f == CPU_ON_32 || f == CPU_ON_64 {
        let Some(idx) = cpu_of(x[1]) else {
            return [INVALID_PARAMETERS, 0, 0, 0];
        };
        BOOT.lock()[idx] = Some(Boot {
            entry: x[2],
            context: x[3],
        });
        let mut a = *x;
        a[2] = crate::boot::secondary_entry();
        a[3] = idx as u64;
        return arch::smc(&a);
    }
    arch::smc(x)
}

/// Where the CPU `idx`, just started, enters the host: (entry, context).
pub fn host_entry(idx: usize) -> Option<(u64, u64)> {
    BOOT.lock()
        .get(idx)
        .copied()
        .flatten()
        .map(|b| (b.entry, b.context))
}
