// SPDX-License-Identifier: GPL-2.0

//! A virtual CPU, its file descriptor and the run loop.
//!
//! `GZVM_RUN` takes a pointer to the VMM's own `struct gzvm_vcpu_run` (264 bytes; crosvm
//! never mmaps the vCPU fd). It is copied into the page shared with the hypervisor, the
//! vCPU runs until an exit that userspace must see, and the page is copied back. Exits the
//! kernel can handle (page faults, host interrupts, EOI reports, IPIs, idle, in-kernel
//! hypercalls, MMIO writes that hit an ioeventfd) never reach userspace. Before each entry
//! the vCPU injects what irqfds were signalled with; an IDLE exit (WFI) sleeps on the VM's
//! doorbell until an interrupt may be pending. Signals are checked only before entering the guest, so an exit that is bound
//! for userspace is never lost to a signal: it is returned with 0, and the signal is
//! handled when the ioctl returns.

use kernel::{
    anon_file::{self, AnonFile},
    arch_timer,
    fs::{file::flags, File},
    new_mutex,
    prelude::*,
    resched::cond_resched,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, ArcBorrow, Mutex,
    },
    time::{
        hrtimer::{
            HrTimer, HrTimerCallback, HrTimerCallbackContext, HrTimerPointer, HrTimerRestart,
            RelativeMode,
        },
        Delta, Monotonic,
    },
    uaccess::UserSlice,
    user_pages::ContigPages,
};

use crate::{
    hypercall::{func, tuple},
    irq::Line,
    uapi::{self, exit, OneReg, VCPU_RUN_SIZE},
    vm::{Paging, Vm},
};

/// Offsets in `struct gzvm_vcpu_run`.
mod run {
    pub(crate) const EXIT_REASON: usize = 0;
    pub(crate) const IMMEDIATE_EXIT: usize = 4;
    pub(crate) const PADDING1: usize = 5;
    pub(crate) const HC_ARGS: usize = 8;
    pub(crate) const MMIO_ADDR: usize = 8;
    pub(crate) const MMIO_DATA: usize = 16;
    pub(crate) const MMIO_SIZE: usize = 24;
    pub(crate) const MMIO_IS_WRITE: usize = 36;
    pub(crate) const EXC_CODE: usize = 8;
    pub(crate) const EXC_FAULT_GPA: usize = 16;
    pub(crate) const EXC_RESERVED: usize = 24;
}

/// `struct gzvm_vcpu_hwstate` (page 1 of the shared pages): `nr_lrs`, padding, 16 list
/// registers (GICv3 `ICH_LR_EL2` layout), then the virtual timer.
mod hwstate {
    pub(crate) const NR_LRS: usize = 0;
    pub(crate) const LR: usize = 8;
    pub(crate) const MAX_LRS: usize = 16;
    /// `ICH_LR_EL2.EOI`: maintenance on deactivation (software-injected interrupts).
    pub(crate) const LR_EOI: u64 = 1 << 41;
    pub(crate) const VTIMER_OFFSET: usize = LR + MAX_LRS * 8;
    /// Counter cycles until the guest's virtual timer fires (with `VTIMER_MIGRATE`).
    pub(crate) const VTIMER_DELAY: usize = VTIMER_OFFSET + 8;
    pub(crate) const VTIMER_MIGRATE: usize = VTIMER_DELAY + 8;
}

/// The virtual timer's PPI (id 27).
const VTIMER_PPI: u32 = 27;

/// A virtual CPU.
#[pin_data(PinnedDrop)]
pub(crate) struct Vcpu {
    vm: Arc<Vm>,
    id: u32,
    /// Page 0: the run page shared with the hypervisor; page 1: hardware state.
    shared: ContigPages,
    /// Serialises RUN and register access.
    #[pin]
    run_lock: Mutex<()>,
    /// Wakes the vCPU from IDLE when the guest's virtual timer is due.
    #[pin]
    vtimer: HrTimer<Vcpu>,
    /// `vtimer` fired during the current IDLE wait.
    vtimer_fired: Atomic<bool>,
}

impl Vcpu {
    /// `GZVM_CREATE_VCPU`: creates the vCPU in the hypervisor and returns its new fd.
    pub(crate) fn create(vm: Arc<Vm>, id: u32) -> Result<u32> {
        let shared = ContigPages::new(1)?;
        vm.hyp
            .call(func::CREATE_VCPU, &[tuple(vm.id, id), shared.phys()])?;
        // From here the vCPU's drop destroys the hypervisor vCPU.
        let owner = vm.clone();
        let vcpu = Arc::pin_init(
            try_pin_init!(Vcpu {
                vm: owner,
                id,
                shared,
                run_lock <- new_mutex!(()),
                vtimer <- HrTimer::new(),
                vtimer_fired: Atomic::new(false),
            }),
            GFP_KERNEL,
        )
        .inspect_err(|_| {
            let _ = vm.hyp.call(func::DESTROY_VCPU, &[tuple(vm.id, id)]);
        })?;
        let name = c"gzvm-vcpu";
        anon_file::create_fd::<Vcpu>(name, vcpu, flags::O_RDWR | flags::O_CLOEXEC)
    }

    fn tuple(&self) -> u64 {
        tuple(self.vm.id, self.id)
    }

    /// `GZVM_RUN`.
    fn run(self: ArcBorrow<'_, Self>, arg: usize) -> Result<isize> {
        let _guard = self.run_lock.lock();
        let page = self.shared.page(0).ok_or(EINVAL)?;
        let user = UserSlice::new(UserPtr::from_addr(arg), VCPU_RUN_SIZE);
        let (mut reader, mut writer) = user.reader_writer();
        let mut buf = [0u8; VCPU_RUN_SIZE];
        reader.read_slice(&mut buf)?;
        if buf[run::PADDING1..run::PADDING1 + 3] != [0, 0, 0] {
            return Err(EINVAL);
        }
        if buf[run::IMMEDIATE_EXIT] == 1 {
            return Err(EINTR);
        }
        page.write_bytes(0, &buf)?;
        self.vm.check_mm()?;

        let ret = loop {
            if kernel::current!().signal_pending() {
                let _ = self
                    .vm
                    .hyp
                    .call(func::INFORM_EXIT, &[u64::from(self.vm.id)]);
                break Err(ERESTARTSYS);
            }
            self.vm.irq.service();
            let stamp = self.vm.irq.wake.doorbell.stamp();
            let [reason, _, _] = match self.vm.hyp.call(func::RUN, &[self.tuple()]) {
                Ok(r) => r,
                Err(e) => break Err(e),
            };
            let reason = reason as u32;
            match self.handle_exit(reason, &page, stamp) {
                Ok(true) => break Ok(0),
                Ok(false) => cond_resched(),
                Err(e) => break Err(e),
            }
        };
        page.read_bytes(0, &mut buf)?;
        writer.write_slice(&buf)?;
        ret
    }

    /// Handles an exit in the kernel if it can; `Ok(true)` when userspace must see it.
    /// `stamp` is the doorbell count taken before entering the guest.
    fn handle_exit(
        self: ArcBorrow<'_, Self>,
        reason: u32,
        page: &kernel::user_pages::PfnPage<'_>,
        stamp: u64,
    ) -> Result<bool> {
        match reason {
            exit::IRQ => self.sync_eois().map(|()| false),
            exit::GZ => Ok(false),
            exit::IPI => {
                self.vm.irq.wake.doorbell.ring();
                Ok(false)
            }
            exit::IDLE => self.idle(stamp).map(|()| false),
            exit::MMIO => {
                if page.read(run::MMIO_IS_WRITE, 1)? == 0 {
                    return Ok(true);
                }
                let size = page.read(run::MMIO_SIZE, 8)?;
                let size = u32::try_from(size).map_err(|_| EINVAL)?;
                if !matches!(size, 1 | 2 | 4 | 8) {
                    return Ok(true);
                }
                let addr = page.read(run::MMIO_ADDR, 8)?;
                let data = page.read(run::MMIO_DATA, 8)?;
                Ok(!self.vm.irq.mmio_write(addr, size, data))
            }
            exit::EXCEPTION => {
                let code = page.read(run::EXC_CODE, 4)? as u32;
                if code != uapi::GZVM_EXCEPTION_PAGE_FAULT {
                    return Ok(true);
                }
                for i in 0..30 {
                    if page.read(run::EXC_RESERVED + 8 * i, 8)? != 0 {
                        return Ok(true);
                    }
                }
                let gpa = page.read(run::EXC_FAULT_GPA, 8)?;
                self.page_fault(gpa).map(|()| false)
            }
            exit::HYPERCALL => {
                let a0 = page.read(run::HC_ARGS, 8)?;
                if a0 == uapi::GZVM_HVC_PTP {
                    self.ptp(page)?;
                    return Ok(false);
                }
                if a0 != uapi::GZVM_HVC_MEM_RELINQUISH {
                    return Ok(true);
                }
                // The hypervisor has unmapped the page: release the pin, and answer success.
                let ipa = page.read(run::HC_ARGS + 8, 8)?;
                self.relinquish(ipa);
                page.write(run::HC_ARGS, 8, 0)?;
                Ok(false)
            }
            _ => {
                let _ = page.write(run::EXIT_REASON, 4, u64::from(reason));
                Ok(true)
            }
        }
    }

    /// Demand paging: pin the page (or 2 MiB block) holding `gpa` and map it.
    fn page_fault(&self, gpa: u64) -> Result {
        let vm = &*self.vm;
        let gfn = gpa >> 12;
        let mut inner = vm.inner.lock();
        let slot = inner
            .slots
            .iter_mut()
            .flatten()
            .find(|s| s.spec.contains(gfn))
            .ok_or(EFAULT)?;
        let slot_id = u64::from(slot.spec.slot);
        match vm.paging {
            Paging::FullyPopulated => Err(EFAULT),
            Paging::Demand4K => {
                let pfn = slot.pin_page(gfn - slot.spec.base_gfn)?;
                vm.hyp
                    .call(func::MAP_GUEST, &[u64::from(vm.id), slot_id, pfn, gfn, 1])
                    .map(|_| ())
            }
            Paging::Demand2M => {
                let buf = vm
                    .block_buf
                    .as_ref()
                    .and_then(|b| b.page(0))
                    .ok_or(EFAULT)?;
                let start = core::cmp::max(gfn & !511, slot.spec.base_gfn);
                let end = core::cmp::min((gfn & !511) + 512, slot.spec.base_gfn + slot.spec.npages);
                for (i, g) in (start..end).enumerate() {
                    let pfn = slot.pin_page(g - slot.spec.base_gfn)?;
                    buf.write(i * 8, 8, pfn)?;
                }
                let args = [u64::from(vm.id), slot_id, start, end - start];
                vm.hyp.call(func::MAP_GUEST_BLOCK, &args).map(|_| ())
            }
        }
    }

    /// PTP: real time and counter, each split in high and low 32 bits, in the answer's
    /// x0..x3 (the virtual counter is the physical one less the vtimer offset, which the
    /// hypervisor keeps in the hardware-state page).
    fn ptp(&self, page: &kernel::user_pages::PfnPage<'_>) -> Result {
        let snap = kernel::clock_snapshot::snapshot();
        let virt = page.read(run::HC_ARGS + 8, 8)? == 0;
        let offset = match (virt, self.shared.page(1)) {
            (true, Some(hw)) => hw.read(hwstate::VTIMER_OFFSET, 8)?,
            _ => 0,
        };
        let cycles = snap.cycles.wrapping_sub(offset);
        let answer = [
            snap.real_ns >> 32,
            snap.real_ns & 0xffff_ffff,
            cycles >> 32,
            cycles & 0xffff_ffff,
        ];
        for (i, v) in answer.iter().enumerate() {
            page.write(run::HC_ARGS + 8 * i, 8, *v)?;
        }
        Ok(())
    }

    /// The guest gave page `ipa` back (after the hypervisor unmapped it): unpin it.
    fn relinquish(&self, ipa: u64) {
        let gfn = ipa >> 12;
        let mut inner = self.vm.inner.lock();
        if let Some(slot) = inner
            .slots
            .iter_mut()
            .flatten()
            .find(|s| s.spec.contains(gfn))
        {
            let idx = (gfn - slot.spec.base_gfn) as usize;
            if let Some(p) = slot.pages.get_mut(idx) {
                *p = None;
            }
        }
    }

    /// The guest waits for an interrupt (WFI): sleep until one may have arrived (the
    /// doorbell), a signal is pending (the loop checks it before re-entering the guest) or
    /// the guest's virtual timer is due. The hypervisor says when the timer fires
    /// (`vtimer_delay` counter cycles, valid with `vtimer_migrate`): an hrtimer rings the
    /// doorbell then, and the timer's PPI is raised for this vCPU, as upstream does.
    fn idle(self: ArcBorrow<'_, Self>, stamp: u64) -> Result {
        let hw = self.shared.page(1).ok_or(EINVAL)?;
        let timer = if hw.read(hwstate::VTIMER_MIGRATE, 4)? != 0 {
            let cycles = hw.read(hwstate::VTIMER_DELAY, 8)?;
            // No counter frequency: do not sleep past the next jiffy.
            Some(arch_timer::cycles_to_delta(cycles, arch_timer::rate()).unwrap_or(Delta::ZERO))
        } else {
            None
        };
        // The handle cancels the timer (waiting for its callback) when dropped.
        let armed = timer.map(|delay| Arc::<Self>::from(self).start(delay));
        self.vm.irq.wake.doorbell.wait(stamp);
        drop(armed);
        hw.write(hwstate::VTIMER_MIGRATE, 4, 0)?;
        hw.write(hwstate::VTIMER_DELAY, 8, 0)?;
        if self.vtimer_fired.xchg(false, Relaxed) {
            self.vm.irq.set_line(Line::ppi(self.id, VTIMER_PPI), true)?;
        }
        Ok(())
    }

    /// An IRQ exit may carry EOI reports: list registers in the hardware-state page that
    /// are invalid with the EOI bit set, for interrupts the guest deactivated. Level SPIs
    /// among them are completed (line lowered, resamplefds signalled).
    fn sync_eois(&self) -> Result {
        let hw = self.shared.page(1).ok_or(EINVAL)?;
        let n = hw.read(hwstate::NR_LRS, 4)? as usize;
        if n == 0 {
            return Ok(());
        }
        for i in 0..core::cmp::min(n, hwstate::MAX_LRS) {
            let lr = hw.read(hwstate::LR + 8 * i, 8)?;
            let id = (lr & 0xffff_ffff) as u32;
            if lr >> 62 == 0 && lr & hwstate::LR_EOI != 0 && id >= 32 {
                self.vm.irq.eoi(id - 32)?;
            }
        }
        hw.write(hwstate::NR_LRS, 4, 0)
    }

    fn one_reg(&self, arg: usize, set: bool) -> Result<isize> {
        let r: OneReg = UserSlice::new(UserPtr::from_addr(arg), size_of::<OneReg>())
            .reader()
            .read()?;
        let shift = (r.id & 0x00f0_0000_0000_0000) >> 52;
        if shift > 3 {
            return Err(EINVAL);
        }
        let size = 1usize << shift;
        let user = UserSlice::new(UserPtr::from_addr(r.addr as usize), size);
        let _guard = self.run_lock.lock();
        if set {
            let mut bytes = [0u8; 8];
            user.reader().read_slice(&mut bytes[..size])?;
            let v = u64::from_le_bytes(bytes);
            self.vm
                .hyp
                .call(func::SET_ONE_REG, &[self.tuple(), r.id, v])?;
        } else {
            let [v, _, _] = self.vm.hyp.call(func::GET_ONE_REG, &[self.tuple(), r.id])?;
            let bytes = v.to_le_bytes();
            user.writer().write_slice(&bytes[..size])?;
        }
        Ok(0)
    }
}

impl HrTimerCallback for Vcpu {
    type Pointer<'a> = Arc<Vcpu>;

    fn run(this: ArcBorrow<'_, Vcpu>, _ctx: HrTimerCallbackContext<'_, Vcpu>) -> HrTimerRestart {
        this.vtimer_fired.store(true, Relaxed);
        this.vm.irq.wake.doorbell.ring();
        HrTimerRestart::NoRestart
    }
}

kernel::impl_has_hr_timer! {
    impl HasHrTimer<Self> for Vcpu {
        mode: RelativeMode<Monotonic>,
        field: self.vtimer,
    }
}

#[vtable]
impl AnonFile for Vcpu {
    type Ptr = Arc<Vcpu>;

    fn ioctl(this: ArcBorrow<'_, Vcpu>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            uapi::GZVM_RUN => this.run(arg),
            uapi::GZVM_SET_ONE_REG => this.one_reg(arg, true),
            uapi::GZVM_GET_ONE_REG => this.one_reg(arg, false),
            _ => Err(ENOTTY),
        }
    }
}

#[pinned_drop]
impl PinnedDrop for Vcpu {
    fn drop(self: Pin<&mut Self>) {
        // The hypervisor lets go of the shared pages before they are freed (after this).
        let _ = self.vm.hyp.call(func::DESTROY_VCPU, &[self.tuple()]);
    }
}
