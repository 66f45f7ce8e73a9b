// SPDX-License-Identifier: GPL-2.0

//! The virtual timer of a simulated vCPU (`CNTV_CTL_EL0`, `CNTV_CVAL_EL0`,
//! `CNTV_TVAL_EL0`, the counter and its frequency), as the hypervisor emulates it.
//!
//! The guest's virtual counter is the host's counter (no offset). The timer's output is
//! the level of the vCPU's PPI 27, recomputed by the simulator at every instruction
//! boundary where it looks for interrupts. When a vCPU waits in WFI with the timer armed
//! but not yet due, the IDLE exit tells the driver how many counter cycles remain
//! (`vtimer_delay`, with `vtimer_migrate` set, in the hardware-state page), as GenieZone
//! does, so that the driver can wake the vCPU in time.

use kernel::arch_timer;

use super::cpu::sysreg_enc;

/// The virtual timer's interrupt (PPI 11, id 27), as on KVM and crosvm's device tree.
pub(crate) const PPI: u32 = 27;

const CNTFRQ_EL0: u32 = sysreg_enc(3, 3, 14, 0, 0);
const CNTPCT_EL0: u32 = sysreg_enc(3, 3, 14, 0, 1);
const CNTVCT_EL0: u32 = sysreg_enc(3, 3, 14, 0, 2);
const CNTV_TVAL_EL0: u32 = sysreg_enc(3, 3, 14, 3, 0);
const CNTV_CTL_EL0: u32 = sysreg_enc(3, 3, 14, 3, 1);
const CNTV_CVAL_EL0: u32 = sysreg_enc(3, 3, 14, 3, 2);

const CTL_ENABLE: u64 = 1 << 0;
const CTL_IMASK: u64 = 1 << 1;
const CTL_ISTATUS: u64 = 1 << 2;

/// One vCPU's virtual timer.
#[derive(Clone, Copy, Default)]
pub(crate) struct VTimer {
    ctl: u64,
    cval: u64,
}

/// The counter as the guest sees it.
pub(crate) fn now() -> u64 {
    arch_timer::counter()
}

impl VTimer {
    fn due(&self, now: u64) -> bool {
        self.ctl & CTL_ENABLE != 0 && now >= self.cval
    }

    /// The level of the timer's PPI.
    pub(crate) fn line(&self, now: u64) -> bool {
        self.due(now) && self.ctl & CTL_IMASK == 0
    }

    /// Counter cycles until an armed (enabled, unmasked) timer fires; `None` if it is not
    /// armed or already fired.
    pub(crate) fn cycles_left(&self, now: u64) -> Option<u64> {
        let armed = self.ctl & CTL_ENABLE != 0 && self.ctl & CTL_IMASK == 0;
        (armed && now < self.cval).then(|| self.cval - now)
    }

    /// MRS; `None` for registers that are not the timer's.
    pub(crate) fn sysreg_read(&self, enc: u32, now: u64) -> Option<u64> {
        Some(match enc {
            CNTFRQ_EL0 => u64::from(arch_timer::rate()),
            CNTPCT_EL0 | CNTVCT_EL0 => now,
            CNTV_CTL_EL0 => self.ctl | if self.due(now) { CTL_ISTATUS } else { 0 },
            CNTV_CVAL_EL0 => self.cval,
            // TVAL reads as the signed 32-bit distance to CVAL.
            CNTV_TVAL_EL0 => u64::from(self.cval.wrapping_sub(now) as u32),
            _ => return None,
        })
    }

    /// MSR; `None` for registers that are not the timer's (or are read-only).
    pub(crate) fn sysreg_write(&mut self, enc: u32, val: u64, now: u64) -> Option<()> {
        match enc {
            CNTV_CTL_EL0 => self.ctl = val & (CTL_ENABLE | CTL_IMASK),
            CNTV_CVAL_EL0 => self.cval = val,
            CNTV_TVAL_EL0 => self.cval = now.wrapping_add_signed(i64::from(val as u32 as i32)),
            _ => return None,
        }
        Some(())
    }
}
