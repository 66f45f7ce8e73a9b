// SPDX-License-Identifier: GPL-2.0

//! Entering a vCPU from the host's RUN call and leaving it on an exit: the world switch.
//!
//! While a vCPU runs, its whole state lives in its CPU's per-CPU record (the VM table
//! only knows it is running), and the host's registers wait there. Entering saves the
//! host's trap frame and EL1 registers and loads the guest's; an exit does the reverse
//! and answers the host's RUN with x0 = 0 and x1 = the exit reason, which is also written
//! to the run page (ACK 6.6 `gzvm_arch_vcpu_run`).

use super::{
    abi::{self, exit, hw, run, status},
    context::{self, Ctx, El1},
    host::{tuple, vm_mut},
    mem,
    vgic::VTIMER_PPI,
    vm::{Pending, Vm},
    HYP,
};
use crate::{
    arch,
    boot::Frame,
    el2::{hcr, HCR_HOST},
    layout::MAX_CPUS,
    read_sysreg,
    sync::SpinLock,
    write_sysreg,
};

/// The running vCPU of a CPU.
pub struct Cur {
    /// VM slot (id - 1) and vCPU index.
    pub vm: usize,
    pub vcpu: usize,
    pub run_pa: u64,
    pub ctx: Ctx,
}

/// One CPU's world-switch state.
pub struct PerCpu {
    host: Frame,
    host_el1: El1,
    pub cur: Option<Cur>,
}

const IDLE: SpinLock<PerCpu> = SpinLock::new(PerCpu {
    host: Frame::ZERO,
    host_el1: El1::ZERO,
    cur: None,
});

/// Per-CPU state; only its own CPU locks an entry (traps do not nest at EL2).
pub static PERCPU: [SpinLock<PerCpu>; MAX_CPUS] = [IDLE; MAX_CPUS];

/// `MDCR_EL2` traps while a guest runs: TPMCR (5), TPM (6), TDA (9), TDOSA (10), TDRA (11):
/// PMU, debug, OS lock and debug ROM registers.
const MDCR_GUEST_TRAPS: u64 = (1 << 5) | (1 << 6) | (1 << 9) | (1 << 10) | (1 << 11);

/// `HCR_EL2` while a guest runs: stage 2; physical interrupts and SErrors to EL2 and
/// virtual ones to the guest; WFI, SMC, implementation-defined and auxiliary control
/// registers trapped.
const HCR_GUEST: u64 = hcr::VM
    | hcr::SWIO
    | hcr::FMO
    | hcr::IMO
    | hcr::AMO
    | hcr::FB
    | hcr::BSU_IS
    | hcr::TWI
    | hcr::TSC
    | hcr::TIDCP
    | hcr::TACR
    | hcr::RW
    | hcr::APK
    | hcr::API;

/// PPIs the hypervisor relies on while a guest runs: the maintenance interrupt (25) and
/// the EL2 physical timer (26), which stands in for the host's virtual timer.
const HYP_PPIS: u32 = (1 << 25) | (1 << 26);

/// Whether this CPU runs a guest.
pub fn in_guest() -> bool {
    PERCPU[arch::cpu_index()].lock().cur.is_some()
}

fn counter() -> u64 {
    read_sysreg!("cntpct_el0")
}

/// Whether the virtual timer described by `el1` asserts its interrupt now.
fn timer_fires(el1: &El1) -> bool {
    el1.cntv_ctl & 0b11 == 0b01 && counter() >= el1.cntv_cval
}

/// Cycles until the virtual timer fires, if armed.
pub fn timer_delay(el1: &El1) -> Option<u64> {
    (el1.cntv_ctl & 0b11 == 0b01).then(|| el1.cntv_cval.saturating_sub(counter()))
}

/// Finishes what the previous exit left (MMIO read data, a hypercall's answer).
fn complete(pending: Pending, ctx: &mut Ctx, run_pa: u64) {
    match pending {
        Pending::MmioRead {
            reg,
            size,
            sext,
            sf,
        } => {
            let mut v = mem::read(run_pa + run::MMIO_DATA, size);
            if sext {
                let shift = 64 - 8 * size as u32;
                v = (((v << shift) as i64) >> shift) as u64;
                if !sf {
                    v &= 0xffff_ffff;
                }
            }
            if reg < 31 {
                ctx.frame.x[reg] = v;
            }
        }
        Pending::Hvc => {
            for i in 0..4 {
                ctx.frame.x[i] = mem::read(run_pa + run::HVC_ARGS + 8 * i as u64, 8);
            }
        }
        Pending::None => {}
    }
}

/// Writes an IDLE exit's timer fields (v13 22/25: `vtimer_delay` in counter cycles and
/// `vtimer_migrate` set when the driver should wake the vCPU at that time).
pub fn write_idle(run_pa: u64, delay: Option<u64>) {
    mem::write(run_pa + 4096 + hw::VTIMER_DELAY, 8, delay.unwrap_or(0));
    mem::write(
        run_pa + 4096 + hw::VTIMER_MIGRATE,
        4,
        u64::from(delay.is_some()),
    );
}

/// Makes the guest's interrupts ready for entry: the timer's line, list registers; holds
/// a firing timer back with IMASK until the guest has taken its interrupt.
fn prepare(vm: &mut Vm, i: usize, ctx: &mut Ctx) -> bool {
    let fires = timer_fires(&ctx.el1);
    vm.vgic.set_line(i, VTIMER_PPI, fires);
    vm.vgic.flush(i, &mut ctx.vgic);
    if fires {
        ctx.el1.cntv_ctl |= 0b10;
    }
    fires
}

/// RUN(tuple): enters the vCPU, or answers at once with an exit (IDLE).
pub fn run(frame: &mut Frame, t: u64) -> Result<(), i64> {
    let (vmid, i) = tuple(t);
    let mut h = HYP.lock();
    let gicr = h.gicr;
    let vm = vm_mut(&mut h, vmid)?;
    let vttbr = vm.s2.root_pa() | (vm.vmid << 48);
    let report = vm.vgic.report_eois;
    let v = vm.vcpu(i)?;
    if v.running {
        return Err(status::BUSY);
    }
    let run_pa = v.run_pa;
    let pending = core::mem::replace(&mut v.pending, Pending::None);
    complete(pending, &mut v.ctx, run_pa);
    if report {
        // Reports are valid for the exit that carries them only.
        mem::write(run_pa + 4096 + hw::NR_LRS, 4, 0);
    }
    let answer = |frame: &mut Frame, reason: u32| {
        mem::write(run_pa + run::EXIT_REASON, 4, u64::from(reason));
        frame.x[..4].copy_from_slice(&[0, u64::from(reason), 0, 0]);
    };
    if v.off {
        write_idle(run_pa, None);
        answer(frame, exit::IDLE);
        return Ok(());
    }
    let mut ctx = v.ctx;
    let wfi = v.wfi;
    let masked = prepare(vm, i, &mut ctx);
    if wfi && !masked && !vm.vgic.wakes(i, &ctx.vgic) {
        let delay = timer_delay(&ctx.el1);
        if let Ok(v) = vm.vcpu(i) {
            v.ctx.vgic = ctx.vgic;
        }
        write_idle(run_pa, delay);
        answer(frame, exit::IDLE);
        return Ok(());
    }
    let v = vm.vcpu(i)?;
    v.wfi = false;
    v.running = true;
    v.mpidr = crate::arch::mpidr();
    v.timer_masked = masked;
    drop(h);
    enter(
        frame,
        Cur {
            vm: vmid as usize - 1,
            vcpu: i,
            run_pa,
            ctx,
        },
        vttbr,
        gicr,
    );
    Ok(())
}

fn enter(frame: &mut Frame, cur: Cur, vttbr: u64, gicr: u64) {
    let cpu = arch::cpu_index();
    let mut pc = PERCPU[cpu].lock();
    pc.host = *frame;
    context::save_el1(&mut pc.host_el1);
    // The host's virtual timer is the guest's now: the EL2 timer fires at the host's
    // deadline instead, so a running guest cannot keep the host from its tick.
    let h = &pc.host_el1;
    if h.cntv_ctl & 0b11 == 0b01 {
        write_sysreg!("cnthp_cval_el2", h.cntv_cval);
        write_sysreg!("cnthp_ctl_el2", 1);
    } else {
        write_sysreg!("cnthp_ctl_el2", 0);
    }
    // The host never enables these two PPIs; enable them at each entry (the host's GIC
    // driver cleared them when it brought the CPU up).
    let sgi_base = gicr + 0x2_0000 * cpu as u64 + 0x1_0000;
    // SAFETY: GICR_ISENABLER0 of this CPU's redistributor (device memory, mapped at EL2);
    // setting enable bits of PPIs the host does not use changes nothing of the host's.
    unsafe { core::ptr::write_volatile((sgi_base + 0x100) as *mut u32, HYP_PPIS) };
    context::load_el1(&cur.ctx.el1);
    context::load_vgic(&cur.ctx.vgic);
    write_sysreg!("vmpidr_el2", (1 << 31) | cur.vcpu as u64);
    write_sysreg!("vtcr_el2", super::stage2::vtcr());
    write_sysreg!("vttbr_el2", vttbr);
    // EL1 may read the physical counter but not use the physical timer.
    write_sysreg!("cnthctl_el2", 0b01);
    // The PMU and the debug registers are the host's and are not switched: the guest's
    // accesses trap (and read as zero, see `guest::sysreg`).
    write_sysreg!("mdcr_el2", read_sysreg!("mdcr_el2") | MDCR_GUEST_TRAPS);
    write_sysreg!("hcr_el2", HCR_GUEST);
    arch::isb();
    *frame = cur.ctx.frame;
    pc.cur = Some(cur);
}

/// Leaves the guest for the host with exit `reason` (the run page's union was written by
/// the caller). `frame` holds the guest's registers and gets the host's.
pub fn exit(pc: &mut PerCpu, frame: &mut Frame, reason: u32) {
    let Some(mut cur) = pc.cur.take() else {
        crate::fatal!("exit without a running vCPU");
    };
    cur.ctx.frame = *frame;
    context::save_el1(&mut cur.ctx.el1);
    context::disable_vgic();
    write_sysreg!("cnthp_ctl_el2", 0);
    write_sysreg!("hcr_el2", HCR_HOST);
    write_sysreg!("vttbr_el2", 0);
    write_sysreg!("vmpidr_el2", read_sysreg!("mpidr_el1"));
    write_sysreg!("cnthctl_el2", 0b11);
    write_sysreg!("mdcr_el2", read_sysreg!("mdcr_el2") & !MDCR_GUEST_TRAPS);
    context::load_el1(&pc.host_el1);
    *frame = pc.host;
    frame.x[..4].copy_from_slice(&[0, u64::from(reason), 0, 0]);
    mem::write(cur.run_pa + run::EXIT_REASON, 4, u64::from(reason));
    let mut h = HYP.lock();
    if let Some(Some(vm)) = h.vms.get_mut(cur.vm) {
        if let Ok(v) = vm.vcpu(cur.vcpu) {
            if v.timer_masked && cur.ctx.el1.cntv_ctl & 0b10 != 0 {
                // The guest did not rewrite CNTV_CTL: give it back its own IMASK.
                cur.ctx.el1.cntv_ctl &= !0b10;
            }
            v.timer_masked = false;
            v.ctx = cur.ctx;
            v.running = false;
        }
    }
    let _ = abi::MAX_VCPUS;
}
