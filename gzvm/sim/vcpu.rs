// SPDX-License-Identifier: GPL-2.0

//! A simulated vCPU: one RUN call runs the interpreter for a bounded number of
//! instructions and reports why it stopped in the run page, the way GenieZone does.

use kernel::page::{BorrowedPage, Page};

use super::{
    cpu::{Access, Bus, Cpu, MmioAccess, Stop},
    gic::{Gic, MAX_EOI_REPORTS},
    stage2::Stage2,
    vm::{SimVm, Status},
    vtimer::{self, VTimer},
};
use crate::{hypercall::status, uapi, uapi::exit};

/// Instructions per RUN call. The driver checks for signals and reschedules between calls,
/// so a guest that never exits still cannot hog a CPU or ignore `kill`.
pub(crate) const BUDGET: u32 = 4096;

/// PSCI function ids (SMC32 and SMC64 forms where both exist).
mod psci {
    pub(crate) const VERSION: u64 = 0x8400_0000;
    pub(crate) const CPU_OFF: u64 = 0x8400_0002;
    pub(crate) const CPU_ON_32: u64 = 0x8400_0003;
    pub(crate) const CPU_ON_64: u64 = 0xc400_0003;
    pub(crate) const SYSTEM_OFF: u64 = 0x8400_0008;
    pub(crate) const SYSTEM_RESET: u64 = 0x8400_0009;
    pub(crate) const FEATURES: u64 = 0x8400_000a;
    /// PSCI 1.1.
    pub(crate) const VERSION_1_1: u64 = 0x1_0001;
    pub(crate) const NOT_SUPPORTED: u64 = -1i64 as u64;
    pub(crate) const INVALID_PARAMETERS: u64 = -2i64 as u64;
    pub(crate) const ALREADY_ON: u64 = -4i64 as u64;
}

/// Offsets in the run page (`struct gzvm_vcpu_run`).
mod rp {
    pub(crate) const EXIT_REASON: usize = 0;
    pub(crate) const MMIO_ADDR: usize = 8;
    pub(crate) const MMIO_DATA: usize = 16;
    pub(crate) const MMIO_SIZE: usize = 24;
    pub(crate) const MMIO_REG: usize = 32;
    pub(crate) const MMIO_WRITE: usize = 36;
    pub(crate) const UNION: usize = 8;
    pub(crate) const UNION_SIZE: usize = 256;
}

/// The hardware-state page (page 1 of the vCPU's shared pages): `nr_lrs`, then the list
/// registers. Deactivated level SPIs are reported there as invalid list registers with
/// the EOI (maintenance) bit set, GICv3 `ICH_LR_EL2` layout.
mod hw {
    pub(crate) const NR_LRS: usize = 0;
    pub(crate) const LR: usize = 8;
    pub(crate) const LR_EOI: u64 = 1 << 41;
    pub(crate) const LR_GROUP1: u64 = 1 << 60;
    /// Counter cycles until the virtual timer fires, valid when `VTIMER_MIGRATE` is set.
    pub(crate) const VTIMER_DELAY: usize = 144;
    pub(crate) const VTIMER_MIGRATE: usize = 152;
}

/// What the previous exit left to finish on the next RUN.
#[derive(Clone, Copy)]
enum Pending {
    None,
    /// Complete this access with `mmio.data`.
    Mmio(MmioAccess),
    /// The VMM (or driver) answered a hypercall in `hypercall.args[0..4]`: copy to x0..x3.
    Hvc,
}

/// A simulated vCPU.
pub(crate) struct SimVcpu {
    pub(crate) cpu: Cpu,
    run_pa: u64,
    pending: Pending,
    /// Powered off (PSCI CPU_OFF, or a secondary never started).
    off: bool,
    /// Waiting in WFI for an interrupt.
    wfi: bool,
    timer: VTimer,
}

struct VmBus<'a> {
    s2: &'a Stage2,
    gic: &'a mut Gic,
    timer: &'a mut VTimer,
    vcpu: usize,
    online: u8,
}

impl VmBus<'_> {
    fn gic(&mut self, ipa: u64, size: usize, write: Option<u64>) -> Option<u64> {
        self.gic.mmio(self.vcpu, self.online, ipa, size, write)
    }
}

impl Bus for VmBus<'_> {
    fn fetch(&mut self, ipa: u64) -> Access<u32> {
        match self.s2.read(ipa, 4) {
            Access::Done(v) => Access::Done(v as u32),
            Access::Mmio => Access::Mmio,
            Access::Fault(f) => Access::Fault(f),
        }
    }
    fn read(&mut self, ipa: u64, size: usize) -> Access<u64> {
        match self.s2.read(ipa, size) {
            Access::Mmio => self.gic(ipa, size, None).map_or(Access::Mmio, Access::Done),
            a => a,
        }
    }
    fn write(&mut self, ipa: u64, size: usize, val: u64) -> Access<()> {
        match self.s2.write(ipa, size, val) {
            Access::Mmio => self
                .gic(ipa, size, Some(val))
                .map_or(Access::Mmio, |_| Access::Done(())),
            a => a,
        }
    }
    fn probe(&mut self, ipa: u64, size: usize, _write: bool) -> Access<()> {
        self.s2.probe(ipa, size)
    }
    fn sysreg_read(&mut self, enc: u32) -> Option<u64> {
        self.gic
            .sysreg_read(self.vcpu, enc)
            .or_else(|| self.timer.sysreg_read(enc, vtimer::now()))
    }
    fn sysreg_write(&mut self, enc: u32, val: u64) -> Option<()> {
        self.gic
            .sysreg_write(self.vcpu, self.online, enc, val)
            .or_else(|| self.timer.sysreg_write(enc, val, vtimer::now()))
    }
}

impl SimVcpu {
    pub(crate) fn new(run_pa: u64, cpu: Cpu) -> Self {
        Self {
            cpu,
            run_pa,
            pending: Pending::None,
            off: false,
            wfi: false,
            timer: VTimer::default(),
        }
    }

    /// Physical address of the run page (the state page follows it).
    pub(crate) fn run_pa(&self) -> u64 {
        self.run_pa
    }

    fn page(&self) -> core::result::Result<BorrowedPage<'static>, Status> {
        // SAFETY: The run page belongs to the driver's vCPU, which destroys this vCPU before
        // freeing it.
        unsafe { BorrowedPage::from_pfn(self.run_pa >> 12) }.ok_or(Status(status::ERR_FAULT))
    }

    /// One RUN call of vCPU `me` (`online`: the vCPUs that exist); returns the exit
    /// reason (also written to the run page).
    ///
    /// Interrupts are delivered at instruction boundaries: before the first instruction,
    /// and whenever the interpreter stops early because the GIC or PSTATE.I changed. A WFI
    /// with nothing to wake it ends the call with IDLE, and so does every later RUN until
    /// an interrupt is signalled.
    pub(crate) fn run(
        &mut self,
        vm: &mut SimVm,
        me: usize,
        online: u8,
    ) -> core::result::Result<u32, Status> {
        let page = self.page()?;
        let fault = |_| Status(status::ERR_FAULT);
        if vm.gic.report_eois {
            // Reports are only valid for the exit that carries them.
            self.hwstate()?.write(hw::NR_LRS, 4, 0).map_err(fault)?;
        }
        match core::mem::replace(&mut self.pending, Pending::None) {
            Pending::Mmio(acc) => {
                let data = if acc.is_write {
                    0
                } else {
                    page.read(rp::MMIO_DATA, 8).map_err(fault)?
                };
                self.cpu.complete_mmio(&acc, data);
            }
            Pending::Hvc => {
                for i in 0..4 {
                    let v = page.read(rp::UNION + 8 * i, 8).map_err(fault)?;
                    self.cpu.set_x(i, v);
                }
            }
            Pending::None => {}
        }
        if self.off {
            return self.idle(&page, None);
        }
        self.sync_timer(&mut vm.gic, me);
        if self.wfi && !vm.gic.signalled(me) {
            return self.idle(&page, self.timer.cycles_left(vtimer::now()));
        }
        self.wfi = false;

        let mut left = BUDGET;
        let stop = loop {
            self.sync_timer(&mut vm.gic, me);
            if vm.gic.signalled(me) {
                self.cpu.take_irq();
            }
            let mut bus = VmBus {
                s2: &vm.stage2,
                gic: &mut vm.gic,
                timer: &mut self.timer,
                vcpu: me,
                online,
            };
            let (stop, retired) = self.cpu.run(&mut bus, left);
            left = left.saturating_sub(retired);
            match stop {
                Stop::Budget => {
                    if self.report_eois(&mut vm.gic, me)? {
                        return self.exit(&page, exit::IRQ);
                    }
                    if vm.gic.take_sgi_sent() {
                        return self.exit(&page, exit::IPI);
                    }
                    if left == 0 {
                        break stop;
                    }
                }
                Stop::Wfi => {
                    // An interrupt (or the timer) already pending: WFI completes at once.
                    self.sync_timer(&mut vm.gic, me);
                    if !vm.gic.signalled(me) {
                        self.wfi = true;
                        break stop;
                    }
                }
                _ => break stop,
            }
        };
        match stop {
            Stop::Budget => self.exit(&page, exit::IRQ),
            Stop::Wfi => self.idle(&page, self.timer.cycles_left(vtimer::now())),
            Stop::Mmio(acc) => {
                self.clear(&page)?;
                let w = |off, size, v| page.write(off, size, v).map_err(fault);
                w(rp::MMIO_ADDR, 8, acc.addr)?;
                w(rp::MMIO_DATA, 8, if acc.is_write { acc.data } else { 0 })?;
                w(rp::MMIO_SIZE, 8, acc.size as u64)?;
                w(rp::MMIO_REG, 4, u64::from(acc.reg))?;
                w(rp::MMIO_WRITE, 1, u64::from(acc.is_write))?;
                self.pending = Pending::Mmio(acc);
                self.exit(&page, exit::MMIO)
            }
            Stop::PageFault(ipa) => {
                self.clear(&page)?;
                page.write(rp::UNION, 4, u64::from(uapi::GZVM_EXCEPTION_PAGE_FAULT))
                    .map_err(fault)?;
                page.write(rp::UNION + 8, 8, ipa).map_err(fault)?;
                self.exit(&page, exit::EXCEPTION)
            }
            Stop::Undefined { pc, insn } => {
                self.clear(&page)?;
                // internal: suberror 1 (emulation failure), ndata 2, data = [pc, insn].
                page.write(rp::UNION, 4, 1).map_err(fault)?;
                page.write(rp::UNION + 4, 4, 2).map_err(fault)?;
                page.write(rp::UNION + 8, 8, pc).map_err(fault)?;
                page.write(rp::UNION + 16, 8, u64::from(insn))
                    .map_err(fault)?;
                self.exit(&page, exit::INTERNAL_ERROR)
            }
            Stop::Hvc(_imm) => self.hvc(vm, &page),
        }
    }

    /// HVC from the guest: PSCI and the GenieZone guest calls are the hypervisor's; anything
    /// else goes to the VMM as a HYPERCALL exit.
    fn hvc(&mut self, vm: &mut SimVm, page: &Page) -> core::result::Result<u32, Status> {
        let fn_id = self.cpu.x(0) & 0xffff_ffff;
        let ret = |cpu: &mut Cpu, v: u64| cpu.set_x(0, v);
        match fn_id {
            psci::VERSION => ret(&mut self.cpu, psci::VERSION_1_1),
            psci::FEATURES => {
                let known = matches!(
                    self.cpu.x(1) & 0xffff_ffff,
                    psci::VERSION
                        | psci::CPU_OFF
                        | psci::CPU_ON_32
                        | psci::CPU_ON_64
                        | psci::SYSTEM_OFF
                        | psci::SYSTEM_RESET
                        | psci::FEATURES
                );
                ret(&mut self.cpu, if known { 0 } else { psci::NOT_SUPPORTED });
            }
            psci::CPU_OFF => {
                self.off = true;
                return self.idle(page, None);
            }
            psci::CPU_ON_32 | psci::CPU_ON_64 => {
                let (target, entry, ctx) = (self.cpu.x(1), self.cpu.x(2), self.cpu.x(3));
                let r = vm.cpu_on(target, entry, ctx);
                ret(&mut self.cpu, r);
                if r == 0 {
                    // The target may be idle in the driver: have it woken.
                    return self.exit(page, exit::IPI);
                }
            }
            psci::SYSTEM_OFF | psci::SYSTEM_RESET => {
                self.clear(page)?;
                let ty = if fn_id == psci::SYSTEM_OFF {
                    uapi::GZVM_SYSTEM_EVENT_SHUTDOWN
                } else {
                    uapi::GZVM_SYSTEM_EVENT_RESET
                };
                page.write(rp::UNION, 4, u64::from(ty))
                    .map_err(|_| Status(status::ERR_FAULT))?;
                return self.exit(page, exit::SYSTEM_EVENT);
            }
            uapi::GZVM_HVC_MEM_RELINQUISH => {
                // Unmap first; the exit lets the host release its pin.
                vm.stage2.unmap(self.cpu.x(1) >> 12);
                return self.hypercall_exit(page);
            }
            _ if fn_id >> 24 == 0x84 || fn_id >> 24 == 0xc4 => {
                ret(&mut self.cpu, psci::NOT_SUPPORTED);
            }
            _ => return self.hypercall_exit(page),
        }
        // Handled here: the guest goes on at the next RUN.
        self.exit(page, exit::IRQ)
    }

    /// A HYPERCALL exit with x0..x7; the answer comes back in `args[0..4]`.
    fn hypercall_exit(&mut self, page: &Page) -> core::result::Result<u32, Status> {
        self.clear(page)?;
        for i in 0..8 {
            let v = self.cpu.x(i);
            page.write(rp::UNION + 8 * i, 8, v)
                .map_err(|_| Status(status::ERR_FAULT))?;
        }
        self.pending = Pending::Hvc;
        self.exit(page, exit::HYPERCALL)
    }

    /// Drives the timer's PPI from the timer's state.
    fn sync_timer(&self, gic: &mut Gic, me: usize) {
        // PPI 27 of an existing vCPU: cannot fail.
        let _ = gic.set_line(me, vtimer::PPI, self.timer.line(vtimer::now()));
    }

    /// An IDLE exit; with the virtual timer armed, tells the driver when it fires.
    fn idle(&self, page: &Page, timer: Option<u64>) -> core::result::Result<u32, Status> {
        let hw = self.hwstate()?;
        let fault = |_| Status(status::ERR_FAULT);
        hw.write(hw::VTIMER_DELAY, 8, timer.unwrap_or(0))
            .map_err(fault)?;
        hw.write(hw::VTIMER_MIGRATE, 4, u64::from(timer.is_some()))
            .map_err(fault)?;
        self.exit(page, exit::IDLE)
    }

    fn hwstate(&self) -> core::result::Result<BorrowedPage<'static>, Status> {
        // SAFETY: The hardware-state page is the run page's neighbour in the driver's
        // two-page buffer, which outlives this vCPU (see `page`).
        unsafe { BorrowedPage::from_pfn((self.run_pa >> 12) + 1) }.ok_or(Status(status::ERR_FAULT))
    }

    /// Lists the level SPIs this vCPU deactivated in the hardware-state page; whether
    /// there were any.
    fn report_eois(&self, gic: &mut Gic, me: usize) -> core::result::Result<bool, Status> {
        let mut ids = [0u16; MAX_EOI_REPORTS];
        let n = gic.take_eois(me, &mut ids);
        if n == 0 {
            return Ok(false);
        }
        let hw = self.hwstate()?;
        let fault = |_| Status(status::ERR_FAULT);
        for (i, id) in ids[..n].iter().enumerate() {
            let lr = u64::from(*id) | hw::LR_EOI | hw::LR_GROUP1;
            hw.write(hw::LR + 8 * i, 8, lr).map_err(fault)?;
        }
        hw.write(hw::NR_LRS, 4, n as u64).map_err(fault)?;
        Ok(true)
    }

    fn clear(&self, page: &Page) -> core::result::Result<(), Status> {
        page.write_bytes(rp::UNION, &[0u8; rp::UNION_SIZE])
            .map_err(|_| Status(status::ERR_FAULT))
    }

    fn exit(&self, page: &Page, reason: u32) -> core::result::Result<u32, Status> {
        page.write(rp::EXIT_REASON, 4, u64::from(reason))
            .map_err(|_| Status(status::ERR_FAULT))?;
        Ok(reason)
    }

    /// PSCI CPU_ON on this (powered-off) vCPU.
    pub(crate) fn power_on(&mut self, entry: u64, ctx: u64) -> u64 {
        if !self.off {
            return psci::ALREADY_ON;
        }
        self.cpu = Cpu::new();
        self.cpu.set_pc(entry);
        self.cpu.set_x(0, ctx);
        self.pending = Pending::None;
        self.off = false;
        self.wfi = false;
        self.timer = VTimer::default();
        0
    }

    /// PSCI's answer for an unknown target.
    pub(crate) const INVALID_TARGET: u64 = psci::INVALID_PARAMETERS;
}
