// SPDX-License-Identifier: GPL-2.0

//! EL1 state switched between the host and a guest: every EL1 (and EL0) system register
//! the CPU has that a guest may change (QEMU's `-cpu max` with SVE, SME and MTE off), the
//! pointer-authentication keys, the virtual timer and the GICv3 virtual CPU interface.
//! General-purpose and FP/SIMD registers are in the trap [`Frame`].

use crate::{boot::Frame, read_sysreg, write_sysreg};

/// Number of GICv3 list registers the hypervisor uses (QEMU implements 4).
pub const NR_LRS: usize = 4;

/// EL1/EL0 system registers.
#[derive(Clone, Copy, Default)]
pub struct El1 {
    pub sctlr: u64,
    pub ttbr0: u64,
    pub ttbr1: u64,
    pub tcr: u64,
    pub mair: u64,
    pub amair: u64,
    pub vbar: u64,
    pub contextidr: u64,
    pub tpidr_el0: u64,
    pub tpidrro_el0: u64,
    pub tpidr_el1: u64,
    pub sp_el0: u64,
    pub sp_el1: u64,
    pub elr: u64,
    pub spsr: u64,
    pub esr: u64,
    pub far: u64,
    pub afsr0: u64,
    pub afsr1: u64,
    pub par: u64,
    pub cpacr: u64,
    pub cntkctl: u64,
    pub cntv_ctl: u64,
    pub cntv_cval: u64,
    pub mdscr: u64,
    pub csselr: u64,
    /// APIA, APIB, APDA, APDB, APGA keys, low and high halves.
    pub keys: [u64; 10],
}

impl El1 {
    /// Every register zero.
    pub const ZERO: El1 = El1 {
        sctlr: 0,
        ttbr0: 0,
        ttbr1: 0,
        tcr: 0,
        mair: 0,
        amair: 0,
        vbar: 0,
        contextidr: 0,
        tpidr_el0: 0,
        tpidrro_el0: 0,
        tpidr_el1: 0,
        sp_el0: 0,
        sp_el1: 0,
        elr: 0,
        spsr: 0,
        esr: 0,
        far: 0,
        afsr0: 0,
        afsr1: 0,
        par: 0,
        cpacr: 0,
        cntkctl: 0,
        cntv_ctl: 0,
        cntv_cval: 0,
        mdscr: 0,
        csselr: 0,
        keys: [0; 10],
    };
}

/// The GICv3 virtual CPU interface (`ICH_*_EL2`).
#[derive(Clone, Copy, Default)]
pub struct Vgic {
    pub hcr: u64,
    pub vmcr: u64,
    pub ap0r0: u64,
    pub ap1r0: u64,
    pub lr: [u64; NR_LRS],
}

/// A vCPU's whole register state.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub frame: Frame,
    pub el1: El1,
    pub vgic: Vgic,
}

impl Ctx {
    /// A vCPU at reset: EL1h with DAIF masked, MMU off (SCTLR_EL1 RES1 bits only).
    pub const fn reset() -> Self {
        let mut frame = Frame::ZERO;
        frame.spsr = 0x3c5;
        let mut el1 = El1::ZERO;
        el1.sctlr = 0x30d0_0800;
        Self {
            frame,
            el1,
            vgic: Vgic {
                // ICH_HCR_EL2.En.
                hcr: 1,
                vmcr: 0,
                ap0r0: 0,
                ap1r0: 0,
                lr: [0; NR_LRS],
            },
        }
    }
}

macro_rules! save_keys {
    ($k:expr, $($i:literal => $r:literal),*) => { $( $k[$i] = read_sysreg!($r); )* };
}
macro_rules! load_keys {
    ($k:expr, $($i:literal => $r:literal),*) => { $( write_sysreg!($r, $k[$i]); )* };
}

/// Reads this CPU's EL1 registers.
pub fn save_el1(s: &mut El1) {
    s.sctlr = read_sysreg!("sctlr_el1");
    s.ttbr0 = read_sysreg!("ttbr0_el1");
    s.ttbr1 = read_sysreg!("ttbr1_el1");
    s.tcr = read_sysreg!("tcr_el1");
    s.mair = read_sysreg!("mair_el1");
    s.amair = read_sysreg!("amair_el1");
    s.vbar = read_sysreg!("vbar_el1");
    s.contextidr = read_sysreg!("contextidr_el1");
    s.tpidr_el0 = read_sysreg!("tpidr_el0");
    s.tpidrro_el0 = read_sysreg!("tpidrro_el0");
    s.tpidr_el1 = read_sysreg!("tpidr_el1");
    s.sp_el0 = read_sysreg!("sp_el0");
    s.sp_el1 = read_sysreg!("sp_el1");
    s.elr = read_sysreg!("elr_el1");
    s.spsr = read_sysreg!("spsr_el1");
    s.esr = read_sysreg!("esr_el1");
    s.far = read_sysreg!("far_el1");
    s.afsr0 = read_sysreg!("afsr0_el1");
    s.afsr1 = read_sysreg!("afsr1_el1");
    s.par = read_sysreg!("par_el1");
    s.cpacr = read_sysreg!("cpacr_el1");
    s.cntkctl = read_sysreg!("cntkctl_el1");
    s.cntv_ctl = read_sysreg!("cntv_ctl_el0");
    s.cntv_cval = read_sysreg!("cntv_cval_el0");
    s.mdscr = read_sysreg!("mdscr_el1");
    s.csselr = read_sysreg!("csselr_el1");
    save_keys!(s.keys,
        0 => "S3_0_C2_C1_0", 1 => "S3_0_C2_C1_1", 2 => "S3_0_C2_C1_2", 3 => "S3_0_C2_C1_3",
        4 => "S3_0_C2_C2_0", 5 => "S3_0_C2_C2_1", 6 => "S3_0_C2_C2_2", 7 => "S3_0_C2_C2_3",
        8 => "S3_0_C2_C3_0", 9 => "S3_0_C2_C3_1");
}

/// Loads `s` into this CPU's EL1 registers.
pub fn load_el1(s: &El1) {
    write_sysreg!("sctlr_el1", s.sctlr);
    write_sysreg!("ttbr0_el1", s.ttbr0);
    write_sysreg!("ttbr1_el1", s.ttbr1);
    write_sysreg!("tcr_el1", s.tcr);
    write_sysreg!("mair_el1", s.mair);
    write_sysreg!("amair_el1", s.amair);
    write_sysreg!("vbar_el1", s.vbar);
    write_sysreg!("contextidr_el1", s.contextidr);
    write_sysreg!("tpidr_el0", s.tpidr_el0);
    write_sysreg!("tpidrro_el0", s.tpidrro_el0);
    write_sysreg!("tpidr_el1", s.tpidr_el1);
    write_sysreg!("sp_el0", s.sp_el0);
    write_sysreg!("sp_el1", s.sp_el1);
    write_sysreg!("elr_el1", s.elr);
    write_sysreg!("spsr_el1", s.spsr);
    write_sysreg!("esr_el1", s.esr);
    write_sysreg!("far_el1", s.far);
    write_sysreg!("afsr0_el1", s.afsr0);
    write_sysreg!("afsr1_el1", s.afsr1);
    write_sysreg!("par_el1", s.par);
    write_sysreg!("cpacr_el1", s.cpacr);
    write_sysreg!("cntkctl_el1", s.cntkctl);
    write_sysreg!("cntv_cval_el0", s.cntv_cval);
    write_sysreg!("cntv_ctl_el0", s.cntv_ctl);
    write_sysreg!("mdscr_el1", s.mdscr);
    write_sysreg!("csselr_el1", s.csselr);
    load_keys!(s.keys,
        0 => "S3_0_C2_C1_0", 1 => "S3_0_C2_C1_1", 2 => "S3_0_C2_C1_2", 3 => "S3_0_C2_C1_3",
        4 => "S3_0_C2_C2_0", 5 => "S3_0_C2_C2_1", 6 => "S3_0_C2_C2_2", 7 => "S3_0_C2_C2_3",
        8 => "S3_0_C2_C3_0", 9 => "S3_0_C2_C3_1");
    crate::arch::isb();
}

/// Reads the virtual CPU interface.
pub fn save_vgic(v: &mut Vgic) {
    v.vmcr = read_sysreg!("S3_4_C12_C11_7");
    v.ap0r0 = read_sysreg!("S3_4_C12_C8_0");
    v.ap1r0 = read_sysreg!("S3_4_C12_C9_0");
    v.lr[0] = read_sysreg!("S3_4_C12_C12_0");
    v.lr[1] = read_sysreg!("S3_4_C12_C12_1");
    v.lr[2] = read_sysreg!("S3_4_C12_C12_2");
    v.lr[3] = read_sysreg!("S3_4_C12_C12_3");
}

/// Loads the virtual CPU interface and enables it (`ICH_HCR_EL2`).
pub fn load_vgic(v: &Vgic) {
    write_sysreg!("S3_4_C12_C11_7", v.vmcr);
    write_sysreg!("S3_4_C12_C8_0", v.ap0r0);
    write_sysreg!("S3_4_C12_C9_0", v.ap1r0);
    write_sysreg!("S3_4_C12_C12_0", v.lr[0]);
    write_sysreg!("S3_4_C12_C12_1", v.lr[1]);
    write_sysreg!("S3_4_C12_C12_2", v.lr[2]);
    write_sysreg!("S3_4_C12_C12_3", v.lr[3]);
    write_sysreg!("S3_4_C12_C11_0", v.hcr);
}

/// Turns the virtual CPU interface off (the host does not use it).
pub fn disable_vgic() {
    write_sysreg!("S3_4_C12_C11_0", 0);
}
