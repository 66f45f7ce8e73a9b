// SPDX-License-Identifier: GPL-2.0

//! What a running guest traps on, and what becomes of it: handled here and the guest
//! resumed (vGIC accesses, PSCI, SGIs, WFI with an interrupt pending), or an exit to the
//! host through the run page (MMIO, HYPERCALL, EXCEPTION/PAGE_FAULT, SYSTEM_EVENT, IDLE,
//! IRQ, IPI, INTERNAL_ERROR; uapi `gzvm.h`).
//!
//! Guest PSCI follows the PSCI specification (Arm DEN0022) and SMCCC discovery the SMC
//! Calling Convention (Arm DEN0028); GenieZone's own handling is closed, so where the
//! upstream driver implies something (an exit that wakes other vCPUs after CPU_ON, v13
//! 24/25 IPI) it is done that way.

use super::{
    abi::{self, exit, reg, run, status, EXCEPTION_PAGE_FAULT},
    context::{self, Ctx},
    mem,
    vgic::{Access, MAX_EOI_REPORTS},
    vm::{Pending, Vm},
    world::{self, timer_delay, write_idle, PERCPU},
    HYP,
};
use crate::{
    arch,
    boot::{kind, Frame},
    read_sysreg,
    trap::ec,
    write_sysreg,
};

/// PSCI and SMCCC function ids (DEN0022 table 5.1, DEN0028 section 7).
mod psci {
    pub const VERSION: u64 = 0x8400_0000;
    pub const CPU_OFF: u64 = 0x8400_0002;
    pub const CPU_ON_32: u64 = 0x8400_0003;
    pub const CPU_ON_64: u64 = 0xc400_0003;
    pub const AFFINITY_INFO_32: u64 = 0x8400_0004;
    pub const AFFINITY_INFO_64: u64 = 0xc400_0004;
    pub const MIGRATE_INFO_TYPE: u64 = 0x8400_0006;
    pub const SYSTEM_OFF: u64 = 0x8400_0008;
    pub const SYSTEM_RESET: u64 = 0x8400_0009;
    pub const FEATURES: u64 = 0x8400_000a;
    pub const SMCCC_VERSION: u64 = 0x8000_0000;
    pub const SMCCC_ARCH_FEATURES: u64 = 0x8000_0001;
    /// PSCI 1.1 / SMCCC 1.1.
    pub const V1_1: u64 = 0x1_0001;
    pub const NOT_SUPPORTED: u64 = -1i64 as u64;
    pub const INVALID_PARAMETERS: u64 = -2i64 as u64;
    pub const ALREADY_ON: u64 = -4i64 as u64;
    /// MIGRATE_INFO_TYPE: no trusted OS that needs migration.
    pub const MIGRATE_NOT_NEEDED: u64 = 2;
}

/// `GZVM_HVC_MEM_RELINQUISH` (uapi `gzvm.h`): the guest gives a page back.
const MEM_RELINQUISH: u64 = 0xc600_0009;

/// What to do after a trap.
enum Then {
    Resume,
    Exit(u32),
}

/// Writes into the run page's union (cleared first).
fn clear_union(run_pa: u64) {
    mem::zero(run_pa + run::UNION, run::UNION_SIZE);
}

/// Handles a trap from the guest running on this CPU.
pub fn guest_trap(frame: &mut Frame, k: u64) {
    let cpu = arch::cpu_index();
    let mut pc = PERCPU[cpu].lock();
    let Some(cur) = pc.cur.as_mut() else {
        crate::fatal!("guest trap without a running vCPU");
    };
    context::save_vgic(&mut cur.ctx.vgic);
    let mut h = HYP.lock();
    let Some(Some(vm)) = h.vms.get_mut(cur.vm) else {
        crate::fatal!("running vCPU of a VM that is gone");
    };
    let me = cur.vcpu;
    let run_pa = cur.run_pa;
    vm.vgic.sync(me, &mut cur.ctx.vgic);
    let mut then = match k {
        kind::SYNC => sync(frame, vm, me, run_pa, &cur.ctx),
        kind::IRQ | kind::FIQ => Then::Exit(exit::IRQ),
        _ => {
            internal(run_pa, 2, frame.elr, arch::read_esr_el2());
            Then::Exit(exit::INTERNAL_ERROR)
        }
    };
    // Deactivated level SPIs go to the driver at once (Ghaf EOI_REPORT extension).
    if vm.vgic.report_eois && matches!(then, Then::Resume | Then::Exit(exit::IRQ)) {
        let mut ids = [0u16; MAX_EOI_REPORTS];
        let n = vm.vgic.take_eois(me, &mut ids);
        if n > 0 {
            for (i, id) in ids[..n].iter().enumerate() {
                let lr = u64::from(*id) | super::vgic::LR_EOI | (1 << 60);
                mem::write(run_pa + 4096 + abi::hw::LR + 8 * i as u64, 8, lr);
            }
            mem::write(run_pa + 4096 + abi::hw::NR_LRS, 4, n as u64);
            then = Then::Exit(exit::IRQ);
        }
    }
    match then {
        Then::Resume => {
            vm.vgic.flush(me, &mut cur.ctx.vgic);
            context::load_vgic(&cur.ctx.vgic);
        }
        Then::Exit(reason) => {
            drop(h);
            world::exit(&mut pc, frame, reason);
        }
    }
}

/// INTERNAL_ERROR: suberror (1: an access or instruction gzhyp cannot handle, 2: an
/// SError), ndata 2, data = [the address (faulting IPA, else the PC), `ESR_EL2`].
fn internal(run_pa: u64, sub: u64, d0: u64, d1: u64) {
    clear_union(run_pa);
    mem::write(run_pa + run::INTERNAL_SUBERROR, 4, sub);
    mem::write(run_pa + run::INTERNAL_NDATA, 4, 2);
    mem::write(run_pa + run::INTERNAL_DATA, 8, d0);
    mem::write(run_pa + run::INTERNAL_DATA + 8, 8, d1);
}

fn sync(frame: &mut Frame, vm: &mut Vm, me: usize, run_pa: u64, ctx: &Ctx) -> Then {
    let esr = arch::read_esr_el2();
    match esr >> 26 {
        ec::WFX => {
            frame.elr += 4;
            if esr & 1 != 0 {
                return Then::Resume;
            }
            let live = {
                let mut e = ctx.el1;
                e.cntv_ctl = read_sysreg!("cntv_ctl_el0");
                e.cntv_cval = read_sysreg!("cntv_cval_el0");
                e
            };
            let fires = live.cntv_ctl & 0b111 == 0b101;
            if fires || vm.vgic.wakes(me, &ctx.vgic) {
                return Then::Resume;
            }
            if let Ok(v) = vm.vcpu(me) {
                v.wfi = true;
            }
            write_idle(run_pa, timer_delay(&live));
            Then::Exit(exit::IDLE)
        }
        ec::HVC64 => call(frame, vm, me, run_pa),
        ec::SMC64 => {
            frame.elr += 4;
            call(frame, vm, me, run_pa)
        }
        ec::DABT_LOW => data_abort(frame, vm, me, run_pa, esr),
        ec::IABT_LOW => {
            let ipa = fault_ipa();
            if vm.slot_of(ipa >> 12).is_some() && !vm.s2.is_mapped(ipa) {
                page_fault(run_pa, ipa)
            } else {
                internal(run_pa, 1, ipa, esr);
                Then::Exit(exit::INTERNAL_ERROR)
            }
        }
        ec::SYS64 => sysreg(frame, vm, me, esr),
        _ => {
            internal(run_pa, 1, frame.elr, esr);
            Then::Exit(exit::INTERNAL_ERROR)
        }
    }
}

/// The faulting IPA (`HPFAR_EL2.FIPA` and the page offset from `FAR_EL2`).
fn fault_ipa() -> u64 {
    ((arch::read_hpfar_el2() >> 4) << 12) | (arch::read_far_el2() & 0xfff)
}

/// EXCEPTION exit with PAGE_FAULT and the faulting IPA (the driver maps the page, v13
/// 17/25); the instruction is retried on the next RUN.
fn page_fault(run_pa: u64, ipa: u64) -> Then {
    clear_union(run_pa);
    mem::write(run_pa + run::EXC_CODE, 4, EXCEPTION_PAGE_FAULT);
    mem::write(run_pa + run::EXC_FAULT_GPA, 8, ipa);
    Then::Exit(exit::EXCEPTION)
}

fn data_abort(frame: &mut Frame, vm: &mut Vm, me: usize, run_pa: u64, esr: u64) -> Then {
    let ipa = fault_ipa();
    let isv = esr & (1 << 24) != 0;
    if vm.slot_of(ipa >> 12).is_some() {
        if !vm.s2.is_mapped(ipa & !0xfff) {
            return page_fault(run_pa, ipa);
        }
        internal(run_pa, 1, ipa, esr);
        return Then::Exit(exit::INTERNAL_ERROR);
    }
    if !isv {
        // No syndrome to emulate the access with (e.g. a load pair).
        internal(run_pa, 1, ipa, esr);
        return Then::Exit(exit::INTERNAL_ERROR);
    }
    let size = 1usize << ((esr >> 22) & 3);
    let sext = esr & (1 << 21) != 0;
    let reg = ((esr >> 16) & 0x1f) as usize;
    let sf = esr & (1 << 15) != 0;
    let write = esr & (1 << 6) != 0;
    let mask = if size == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * size)) - 1
    };
    let val = if reg == 31 { 0 } else { frame.x[reg] & mask };
    match vm.vgic.mmio(me, ipa, size, write.then_some(val)) {
        Access::Done(v) => {
            if !write && reg < 31 {
                frame.x[reg] = v & mask;
            }
            frame.elr += 4;
            return Then::Resume;
        }
        Access::NotGic => {}
    }
    clear_union(run_pa);
    mem::write(run_pa + run::MMIO_ADDR, 8, ipa);
    mem::write(run_pa + run::MMIO_DATA, 8, if write { val } else { 0 });
    mem::write(run_pa + run::MMIO_SIZE, 8, size as u64);
    mem::write(run_pa + run::MMIO_REG, 4, reg as u64);
    mem::write(run_pa + run::MMIO_WRITE, 1, u64::from(write));
    if !write {
        if let Ok(v) = vm.vcpu(me) {
            v.pending = Pending::MmioRead {
                reg,
                size,
                sext,
                sf,
            };
        }
    }
    frame.elr += 4;
    Then::Exit(exit::MMIO)
}

/// A trapped system register access: SGI generation is emulated; the PMU and debug
/// registers (trapped by `MDCR_EL2`, the host's and not switched) read as zero and ignore
/// writes, as for a CPU without them; everything else is undefined for the guest.
fn sysreg(frame: &mut Frame, vm: &mut Vm, me: usize, esr: u64) -> Then {
    let iss = esr & 0x1ff_ffff;
    let op0 = (iss >> 20) & 3;
    let op2 = (iss >> 17) & 7;
    let op1 = (iss >> 14) & 7;
    let crn = (iss >> 10) & 0xf;
    let rt = ((iss >> 5) & 0x1f) as usize;
    let crm = (iss >> 1) & 0xf;
    let read = iss & 1 != 0;
    // Debug registers are all op0 = 2; the PMU's are (3, 0 or 3, 9, 12..14) and the event
    // counters (3, 3, 14, 8..15).
    let pmu =
        op0 == 3 && (crn == 9 && (12..=14).contains(&crm) || op1 == 3 && crn == 14 && crm >= 8);
    if op0 == 2 || pmu {
        if read && rt != 31 {
            frame.x[rt] = 0;
        }
        frame.elr += 4;
        return Then::Resume;
    }
    // ICC_SGI1R_EL1 (3, 0, 12, 11, 5), written.
    if (op0, op1, crn, crm, op2) == (3, 0, 12, 11, 5) && !read {
        let v = if rt == 31 { 0 } else { frame.x[rt] };
        let id = ((v >> 24) & 0xf) as usize;
        let online = vm.online();
        let targets = if v & (1 << 40) != 0 {
            online & !(1 << me)
        } else if (v >> 16) & 0xff == 0 && (v >> 32) & 0xff == 0 && (v >> 48) & 0xff == 0 {
            (v & 0xff) as u8
        } else {
            0
        };
        vm.vgic.send_sgi(targets, id);
        vm.kick(targets & !(1 << me));
        frame.elr += 4;
        // Another vCPU may be idle in the driver: have every vCPU woken (v13 24/25).
        return if targets & !(1 << me) != 0 {
            Then::Exit(exit::IPI)
        } else {
            Then::Resume
        };
    }
    inject_undef(frame);
    Then::Resume
}

/// Makes the trapped instruction undefined for the guest: a synchronous exception to its
/// EL1 vector, as the CPU would take it (Arm ARM D1.3).
fn inject_undef(frame: &mut Frame) {
    let mode = frame.spsr & 0xf;
    let offset = match mode {
        0b0101 => 0x200,
        0b0100 => 0x000,
        _ => 0x400,
    };
    write_sysreg!("elr_el1", frame.elr);
    write_sysreg!("spsr_el1", frame.spsr);
    // EC 0 (unknown reason), IL: a 32-bit instruction.
    write_sysreg!("esr_el1", 1 << 25);
    frame.elr = read_sysreg!("vbar_el1") + offset;
    frame.spsr = 0x3c5;
}

/// HVC or SMC from the guest: PSCI and SMCCC discovery here, the rest to the VMM.
fn call(frame: &mut Frame, vm: &mut Vm, me: usize, run_pa: u64) -> Then {
    let f = frame.x[0] & 0xffff_ffff;
    let mut ret = |v: u64| frame.x[0] = v;
    match f {
        psci::VERSION | psci::SMCCC_VERSION => ret(psci::V1_1),
        psci::MIGRATE_INFO_TYPE => ret(psci::MIGRATE_NOT_NEEDED),
        psci::FEATURES => {
            let known = matches!(
                frame.x[1] & 0xffff_ffff,
                psci::VERSION
                    | psci::CPU_OFF
                    | psci::CPU_ON_32
                    | psci::CPU_ON_64
                    | psci::AFFINITY_INFO_32
                    | psci::AFFINITY_INFO_64
                    | psci::MIGRATE_INFO_TYPE
                    | psci::SYSTEM_OFF
                    | psci::SYSTEM_RESET
                    | psci::FEATURES
                    | psci::SMCCC_VERSION
            );
            frame.x[0] = if known { 0 } else { psci::NOT_SUPPORTED };
        }
        // No firmware workarounds are implemented (or needed under QEMU).
        psci::SMCCC_ARCH_FEATURES => ret(psci::NOT_SUPPORTED),
        psci::CPU_OFF => {
            if let Ok(v) = vm.vcpu(me) {
                v.off = true;
            }
            write_idle(run_pa, None);
            return Then::Exit(exit::IDLE);
        }
        psci::CPU_ON_32 | psci::CPU_ON_64 => {
            let (target, entry, ctx) = (frame.x[1], frame.x[2], frame.x[3]);
            let r = cpu_on(vm, target, entry, ctx);
            frame.x[0] = r;
            if r == 0 {
                return Then::Exit(exit::IPI);
            }
        }
        psci::AFFINITY_INFO_32 | psci::AFFINITY_INFO_64 => {
            let t = frame.x[1];
            frame.x[0] = match vm.vcpus.get((t & 0xff) as usize) {
                Some(Some(v)) if t >> 8 == 0 && frame.x[2] == 0 => u64::from(v.off),
                _ => psci::INVALID_PARAMETERS,
            };
        }
        psci::SYSTEM_OFF | psci::SYSTEM_RESET => {
            clear_union(run_pa);
            let ty = if f == psci::SYSTEM_OFF {
                abi::SYSTEM_EVENT_SHUTDOWN
            } else {
                abi::SYSTEM_EVENT_RESET
            };
            mem::write(run_pa + run::SYSEV_TYPE, 4, ty);
            return Then::Exit(exit::SYSTEM_EVENT);
        }
        _ if f >> 24 == 0x84 || f >> 24 == 0xc4 => ret(psci::NOT_SUPPORTED),
        _ => {
            if f == MEM_RELINQUISH {
                // Unmapped first, so the driver may unpin the page when it sees the exit.
                let ipa = frame.x[1] & !0xfff;
                if vm.s2.unmap(ipa) {
                    vm.s2.flush(vm.vmid);
                }
            }
            clear_union(run_pa);
            for i in 0..8 {
                mem::write(run_pa + run::HVC_ARGS + 8 * i as u64, 8, frame.x[i]);
            }
            if let Ok(v) = vm.vcpu(me) {
                v.pending = Pending::Hvc;
            }
            return Then::Exit(exit::HYPERCALL);
        }
    }
    Then::Resume
}

/// PSCI CPU_ON of vCPU `target` (MPIDR Aff0 = vCPU index).
fn cpu_on(vm: &mut Vm, target: u64, entry: u64, context_id: u64) -> u64 {
    if target >> 8 != 0 {
        return psci::INVALID_PARAMETERS;
    }
    let Ok(v) = vm.vcpu(target as usize) else {
        return psci::INVALID_PARAMETERS;
    };
    if !v.off || v.running {
        return psci::ALREADY_ON;
    }
    v.ctx = Ctx::reset();
    v.ctx.frame.elr = entry;
    v.ctx.frame.x[0] = context_id;
    v.off = false;
    v.wfi = false;
    v.pending = Pending::None;
    0
}

/// Sysreg ids (op0, op1, CRn, CRm, op2) a VMM may set or read (KVM's encoding).
fn sysreg_field(ctx: &mut Ctx, enc: u64) -> Option<&mut u64> {
    let e = &mut ctx.el1;
    Some(match enc {
        0xc080 => &mut e.sctlr,     // (3,0,1,0,0)
        0xc082 => &mut e.cpacr,     // (3,0,1,0,2)
        0xc100 => &mut e.ttbr0,     // (3,0,2,0,0)
        0xc101 => &mut e.ttbr1,     // (3,0,2,0,1)
        0xc102 => &mut e.tcr,       // (3,0,2,0,2)
        0xc510 => &mut e.mair,      // (3,0,10,2,0)
        0xc600 => &mut e.vbar,      // (3,0,12,0,0)
        0xc684 => &mut e.tpidr_el1, // (3,0,13,0,4)
        0xc708 => &mut e.cntkctl,   // (3,0,14,1,0)
        0xdf19 => &mut e.cntv_ctl,  // (3,3,14,3,1)
        0xdf1a => &mut e.cntv_cval, // (3,3,14,3,2)
        _ => return None,
    })
}

/// SET_ONE_REG(tuple, id, value): core registers and a few system registers.
pub fn set_one_reg(ctx: &mut Ctx, id: u64, v: u64) -> Result<(), i64> {
    let low = id & 0xffff;
    if id & !0xffff == reg::ARM64 | reg::SIZE_U64 | reg::CORE {
        match low {
            0..reg::CORE_SP if low % 2 == 0 => ctx.frame.x[(low / 2) as usize] = v,
            reg::CORE_SP => ctx.el1.sp_el0 = v,
            reg::CORE_PC => ctx.frame.elr = v,
            // PSTATE: AArch64 EL1t or EL1h only.
            reg::CORE_PSTATE if matches!(v & 0x1f, 0b00100 | 0b00101) => ctx.frame.spsr = v,
            reg::CORE_SP_EL1 => ctx.el1.sp_el1 = v,
            reg::CORE_ELR_EL1 => ctx.el1.elr = v,
            reg::CORE_SPSR_EL1 => ctx.el1.spsr = v,
            _ => return Err(status::INVALID_ARGS),
        }
        return Ok(());
    }
    if id & !0xffff == reg::ARM64 | reg::SIZE_U64 | reg::SYSREG {
        *sysreg_field(ctx, low).ok_or(status::INVALID_ARGS)? = v;
        return Ok(());
    }
    Err(status::INVALID_ARGS)
}

/// GET_ONE_REG(tuple, id) (upstream's driver no longer calls it; kept for tests).
pub fn get_one_reg(ctx: &Ctx, id: u64) -> Result<u64, i64> {
    let low = id & 0xffff;
    let mut c = *ctx;
    if id & !0xffff == reg::ARM64 | reg::SIZE_U64 | reg::CORE {
        return Ok(match low {
            0..reg::CORE_SP if low % 2 == 0 => c.frame.x[(low / 2) as usize],
            reg::CORE_SP => c.el1.sp_el0,
            reg::CORE_PC => c.frame.elr,
            reg::CORE_PSTATE => c.frame.spsr,
            reg::CORE_SP_EL1 => c.el1.sp_el1,
            reg::CORE_ELR_EL1 => c.el1.elr,
            reg::CORE_SPSR_EL1 => c.el1.spsr,
            _ => return Err(status::INVALID_ARGS),
        });
    }
    if id & !0xffff == reg::ARM64 | reg::SIZE_U64 | reg::SYSREG {
        return sysreg_field(&mut c, low)
            .map(|v| *v)
            .ok_or(status::INVALID_ARGS);
    }
    Err(status::INVALID_ARGS)
}
