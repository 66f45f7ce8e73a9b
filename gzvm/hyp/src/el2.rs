// SPDX-License-Identifier: GPL-2.0

//! EL2 configuration for running the host kernel at EL1, as
//! `Documentation/arch/arm64/booting.rst` requires of a kernel entered at EL1: timers and
//! counters accessible, the GICv3 system-register interface enabled for EL1, pointer
//! authentication not trapped, every PMU counter visible, no stage 2.

use crate::{read_sysreg, write_sysreg};

/// `HCR_EL2` bits.
pub mod hcr {
    /// Stage 2 on.
    pub const VM: u64 = 1 << 0;
    /// Set/way invalidation as clean+invalidate.
    pub const SWIO: u64 = 1 << 1;
    /// Physical FIQs to EL2, virtual FIQs enabled.
    pub const FMO: u64 = 1 << 3;
    /// Physical IRQs to EL2, virtual IRQs enabled.
    pub const IMO: u64 = 1 << 4;
    /// SErrors to EL2.
    pub const AMO: u64 = 1 << 5;
    /// Broadcast TLB/cache maintenance within the inner shareable domain.
    pub const FB: u64 = 1 << 9;
    /// Barrier shareability upgrade: inner shareable.
    pub const BSU_IS: u64 = 1 << 10;
    /// Trap WFI.
    pub const TWI: u64 = 1 << 13;
    /// Trap SMC.
    pub const TSC: u64 = 1 << 19;
    /// Trap ACTLR accesses.
    pub const TACR: u64 = 1 << 21;
    /// Trap implementation-defined registers... (TIDCP).
    pub const TIDCP: u64 = 1 << 20;
    /// EL1 is AArch64.
    pub const RW: u64 = 1 << 31;
    /// Pointer-authentication key registers not trapped.
    pub const APK: u64 = 1 << 40;
    /// Pointer-authentication instructions not trapped.
    pub const API: u64 = 1 << 41;
}

/// `HCR_EL2` while the host runs.
pub const HCR_HOST: u64 = hcr::RW | hcr::TSC | hcr::API | hcr::APK;

/// Configures this CPU's EL2 for the host.
pub fn init_cpu() {
    write_sysreg!("hcr_el2", HCR_HOST);
    // FP/SIMD not trapped; RES1 bits 13:12 and 9:0.
    write_sysreg!("cptr_el2", 0x33ff);
    // EL1 may use the physical counter and timer.
    write_sysreg!("cnthctl_el2", 0b11);
    write_sysreg!("cntvoff_el2", 0);
    // ICC_SRE_EL2: SRE, DFB, DIB, Enable (EL1 may use ICC_SRE_EL1).
    write_sysreg!("icc_sre_el2", 0xf);
    crate::arch::isb();
    write_sysreg!("ich_hcr_el2", 0);
    write_sysreg!("vpidr_el2", read_sysreg!("midr_el1"));
    write_sysreg!("vmpidr_el2", read_sysreg!("mpidr_el1"));
    // MDCR_EL2.HPMN = PMCR_EL0.N: the host sees every event counter; nothing trapped.
    let n = (read_sysreg!("pmcr_el0") >> 11) & 0x1f;
    write_sysreg!("mdcr_el2", n);
    write_sysreg!("vttbr_el2", 0);
    // FEAT_HCX: nothing HCRX_EL2 controls is enabled for EL1 (LS64 and MOPS are absent,
    // see `unsupported_features`).
    if (read_sysreg!("id_aa64mmfr1_el1") >> 40) & 0xf != 0 {
        write_sysreg!("S3_4_C1_C2_2", 0);
    }
    crate::arch::isb();
}

/// Features this hypervisor does not configure, found in the ID registers; the runner
/// turns them off (`-cpu max,sve=off,sme=off,...`), so their presence is a setup error.
pub fn unsupported_features() -> Option<&'static str> {
    let pfr0 = read_sysreg!("id_aa64pfr0_el1");
    let pfr1 = read_sysreg!("id_aa64pfr1_el1");
    let mmfr0 = read_sysreg!("id_aa64mmfr0_el1");
    let mmfr1 = read_sysreg!("id_aa64mmfr1_el1");
    if (pfr0 >> 32) & 0xf != 0 {
        return Some("SVE (use -cpu max,sve=off)");
    }
    if (pfr1 >> 24) & 0xf != 0 {
        return Some("SME (use -cpu max,sme=off)");
    }
    if (pfr1 >> 8) & 0xf >= 2 {
        return Some("MTE (use -M virt,mte=off)");
    }
    if (mmfr0 >> 56) & 0xf != 0 {
        return Some("FEAT_FGT (fine-grained traps are not configured)");
    }
    let isar2 = read_sysreg!("id_aa64isar2_el1");
    if (isar2 >> 16) & 0xf != 0 && (mmfr1 >> 40) & 0xf != 0 {
        return Some("FEAT_MOPS (HCRX_EL2.MSCEn is not configured)");
    }
    None
}
