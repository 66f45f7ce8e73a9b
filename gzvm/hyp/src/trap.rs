// SPDX-License-Identifier: GPL-2.0

//! Dispatch of exceptions taken to EL2 from the host or from a guest.

use crate::{
    arch,
    boot::{kind, Frame},
    gz, psci,
};

/// Exception classes (`ESR_EL2.EC`, Arm ARM D24.2.41).
pub mod ec {
    /// Trapped WFI/WFE.
    pub const WFX: u64 = 0x01;
    /// HVC from AArch64.
    pub const HVC64: u64 = 0x16;
    /// SMC from AArch64.
    pub const SMC64: u64 = 0x17;
    /// Trapped MSR/MRS/system instruction.
    pub const SYS64: u64 = 0x18;
    /// Instruction abort from a lower exception level.
    pub const IABT_LOW: u64 = 0x20;
    /// Data abort from a lower exception level.
    pub const DABT_LOW: u64 = 0x24;
}

/// Handles one trap; `frame` holds the interrupted world's registers and, on return,
/// those of the world to resume.
pub fn handle(frame: &mut Frame, k: u64) {
    if gz::in_guest() {
        gz::guest_trap(frame, k);
        return;
    }
    let esr = arch::read_esr_el2();
    match (k, esr >> 26) {
        (kind::SYNC, ec::HVC64) => gz::host_call(frame),
        (kind::SYNC, ec::SMC64) => {
            let mut x = [0u64; 18];
            x.copy_from_slice(&frame.x[..18]);
            let r = psci::host_smc(&x);
            frame.x[..4].copy_from_slice(&r);
            // A trapped SMC returns to the SMC itself.
            frame.elr += 4;
        }
        _ => crate::fatal!(
            "unexpected trap from the host: vector {} ESR {:#x} ELR {:#x} FAR {:#x}",
            k,
            esr,
            frame.elr,
            arch::read_far_el2()
        ),
    }
}
