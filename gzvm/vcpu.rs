// SPDX-License-Identifier: GPL-2.0

//! A virtual CPU, its file descriptor and the run loop.
//!
//! `GZVM_RUN` takes a pointer to the VMM's own `struct gzvm_vcpu_run` (264 bytes; crosvm
//! never mmaps the vCPU fd). It is copied into the page shared with the hypervisor, the
//! vCPU runs until an exit that userspace must see, and the page is copied back. Exits the
//! kernel can handle (page faults, host interrupts, EOI reports, IPIs, idle, in-kernel
//! hypercalls, MMIO writes that hit an ioeventfd) never reach userspace. Before each entry
//! the vCPU drops the irqfds whose eventfd was released; an IDLE exit (WFI)
//! sleeps until the guest's virtual timer is due or an interrupt may be pending. Signals
//! are checked only before entering the guest, so an exit that is bound for userspace is
//! never lost to a signal: it is returned with 0, and the signal is handled when the ioctl
//! returns.

use kernel::{
    anon_file::{self, AnonFile},
    arch_timer,
    fs::{file::flags, File},
    new_condvar, new_spinlock,
    page::Page,
    prelude::*,
    resched::cond_resched,
    sync::{
        atomic::{Acquire, Atomic, Release},
        Arc, ArcBorrow, CondVar, SpinLock,
    },
    time::{
        hrtimer::{
            HrTimer, HrTimerCallback, HrTimerCallbackContext, HrTimerPointer, HrTimerRestart,
            RelativeMode,
        },
        Delta, Monotonic,
    },
    uaccess::UserSlice,
};

use crate::{
    hypercall::{ext, Bucket},
    hypmem::HypPages,
    memslot::PIN_BATCH,
    uapi::{self, exit, run, OneReg, VCPU_RUN_SIZE},
    vm::{Paging, Vm},
};

/// `struct gzvm_vcpu_hwstate` (page 1 of the shared pages, ACK 6.6 `gzvm_arch_common.h`):
/// `nr_lrs`, padding, 16 list registers (GICv3 `ICH_LR_EL2` layout), then the virtual
/// timer (v13 21-22/25). The hypervisor writes it; the driver only reads it.
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

/// A lock a caller can stop waiting for: held by RUN for as long as the vCPU runs (or
/// idles); register access waits for it killably, as KVM's vCPU ioctls do
/// (`mutex_lock_killable(&vcpu->mutex)`).
#[pin_data]
struct VcpuLock {
    #[pin]
    state: SpinLock<LockState>,
    #[pin]
    cv: CondVar,
}

/// What [`VcpuLock`]'s spinlock protects.
struct LockState {
    busy: bool,
    /// Callers waiting on the condition variable: a release wakes one only if there is one.
    waiters: u32,
}

/// Holds a [`VcpuLock`]; releases it when dropped.
struct VcpuGuard<'a>(&'a VcpuLock);

impl VcpuLock {
    fn new() -> impl PinInit<Self> {
        pin_init!(VcpuLock {
            state <- new_spinlock!(LockState { busy: false, waiters: 0 }, "gzvm_vcpu_lock"),
            cv <- new_condvar!("gzvm_vcpu_lock"),
        })
    }

    /// Takes the lock; `EINTR` if a signal arrives while waiting.
    fn lock(&self) -> Result<VcpuGuard<'_>> {
        let mut state = self.state.lock();
        while state.busy {
            state.waiters += 1;
            let interrupted = self.cv.wait_interruptible(&mut state);
            state.waiters -= 1;
            if interrupted {
                return Err(EINTR);
            }
        }
        state.busy = true;
        Ok(VcpuGuard(self))
    }
}

impl Drop for VcpuGuard<'_> {
    fn drop(&mut self) {
        let waiters = {
            let mut state = self.0.state.lock();
            state.busy = false;
            state.waiters
        };
        if waiters != 0 {
            self.0.cv.notify_one();
        }
    }
}

/// A virtual CPU.
#[pin_data(PinnedDrop)]
pub(crate) struct Vcpu {
    vm: Arc<Vm>,
    id: u32,
    /// Page 0: the run page shared with the hypervisor; page 1: hardware state. Lent to
    /// the hypervisor from CREATE_VCPU until it let go (`Option` so that `drop` can hand
    /// pages the hypervisor kept to the VM).
    shared: Option<HypPages>,
    /// The hypervisor's vCPU exists.
    created: Atomic<bool>,
    /// Serialises RUN and register access.
    #[pin]
    run_lock: VcpuLock,
    /// Wakes the vCPU from IDLE when the guest's virtual timer is due.
    #[pin]
    vtimer: HrTimer<Vcpu>,
}

impl Vcpu {
    /// `GZVM_CREATE_VCPU`: creates the vCPU in the hypervisor and returns its new fd.
    ///
    /// Everything that can fail for lack of memory is allocated before CREATE_VCPU; after
    /// it, a failure drops the vCPU, which destroys it in the hypervisor before its pages
    /// are freed.
    pub(crate) fn create(vm: Arc<Vm>, id: u32) -> Result<u32> {
        let shared = HypPages::new(1)?;
        let owner = vm.clone();
        let vcpu = Arc::pin_init(
            try_pin_init!(Vcpu {
                vm: owner,
                id,
                shared: Some(shared),
                created: Atomic::new(false),
                run_lock <- VcpuLock::new(),
                vtimer <- HrTimer::new(),
            }),
            GFP_KERNEL,
        )?;
        vm.hyp.create_vcpu(vm.id, id, vcpu.shared()?)?;
        vcpu.created.store(true, Release);
        anon_file::create_fd::<Vcpu>(c"gzvm-vcpu", vcpu, flags::O_RDWR | flags::O_CLOEXEC)
    }

    fn shared(&self) -> Result<&HypPages> {
        self.shared.as_ref().ok_or(EINVAL)
    }

    /// `GZVM_RUN`.
    fn run(self: ArcBorrow<'_, Self>, arg: usize) -> Result<isize> {
        // Benchmark switch (test kernels): the driver's share of the ioctl.
        let t0 = self.vm.hyp.bench_stamp();
        let ret = self.run_locked(arg, t0);
        self.vm.hyp.bench_account(Bucket::Run, t0);
        ret
    }

    /// `GZVM_RUN`'s body; `t0` is the benchmark stamp taken at entry (test kernels).
    fn run_locked(self: ArcBorrow<'_, Self>, arg: usize, t0: Option<u64>) -> Result<isize> {
        let mut entry = t0;
        let _guard = self.run_lock.lock()?;
        let page = self.shared()?.page(0).ok_or(EINVAL)?;
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
                self.vm.hyp.inform_exit(self.vm.id);
                break Err(ERESTARTSYS);
            }
            self.vm.irq.service();
            let stamp = self.vm.irq.wake.doorbell.stamp();
            self.vm.hyp.bench_account(Bucket::Entry, entry.take());
            let reason = self.vm.hyp.run(self.vm.id, self.id);
            let t0 = self.vm.hyp.bench_stamp();
            let handled = self.handle_exit(reason, &page, stamp);
            self.vm.hyp.bench_account(Bucket::Exit, t0);
            match handled {
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
        page: &Page,
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
        let slot_id = slot.spec.slot;
        match vm.paging {
            Paging::FullyPopulated => Err(EFAULT),
            Paging::Demand4K => {
                let page = slot.pin_page(gfn - slot.spec.base_gfn)?;
                vm.hyp.map_guest(vm.id, slot_id, page, gfn)
            }
            Paging::Demand2M => {
                // v13 17/25 `handle_block_demand_page`: the 2 MiB block clipped to the slot,
                // in batches of the hypervisor's size, each batch's frame numbers written
                // from the start of the shared buffer.
                let _block = vm.block_lock.lock();
                let buf = vm.hv.block_buf.as_ref().ok_or(EFAULT)?;
                let frames = buf.page(0).ok_or(EFAULT)?;
                let base = slot.spec.base_gfn;
                let mut start = core::cmp::max(gfn & !511, base);
                let end = core::cmp::min((gfn & !511) + 512, base + slot.spec.npages);
                let batch = vm.hyp.batches.map;
                let mut tmp = KVVec::with_capacity(PIN_BATCH as usize, GFP_KERNEL)?;
                while start < end {
                    let n = core::cmp::min(batch, end - start);
                    let mut pinned = 0;
                    while pinned < n {
                        let k = core::cmp::min(PIN_BATCH, n - pinned);
                        slot.pin_batch(start + pinned - base, k, &mut tmp)?;
                        pinned += k;
                    }
                    for i in 0..n {
                        let pfn = slot.pins.get(start + i - base).ok_or(EFAULT)?.pfn();
                        frames.write(i as usize * 8, 8, pfn)?;
                    }
                    // SAFETY: The first `n` frames of the VM's block buffer are pages the
                    // slot keeps pinned until the hypervisor let go of them.
                    unsafe { vm.hyp.map_guest_block(vm.id, slot_id, start, n) }?;
                    start += n;
                }
                Ok(())
            }
        }
    }

    /// PTP: real time and counter, each split in high and low 32 bits, in the answer's
    /// x0..x3 (the virtual counter is the physical one less the vtimer offset, which the
    /// hypervisor keeps in the hardware-state page).
    fn ptp(&self, page: &Page) -> Result {
        let snap = kernel::clock_snapshot::snapshot();
        let virt = page.read(run::HC_ARGS + 8, 8)? == 0;
        let offset = match (virt, self.shared()?.page(1)) {
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
            // Unpinned when dropped here.
            drop(slot.pins.take(gfn - slot.spec.base_gfn));
        }
    }

    /// The guest waits for an interrupt (WFI): v13 23/25 `gzvm_handle_guest_idle`. When the
    /// hypervisor says the guest's virtual timer fires in `vtimer_delay` counter cycles
    /// (`vtimer_migrate` set), sleep until then (an hrtimer) or until an interrupt may have
    /// arrived (the doorbell), or a signal is pending (the loop checks it before
    /// re-entering); the hypervisor then injects the timer itself. Without a timer upstream
    /// re-enters the guest at once; with the Ghaf `IDLE_BLOCK` extension the hypervisor
    /// promises that only an injection or an IPI can wake the vCPU, so it sleeps until one.
    fn idle(self: ArcBorrow<'_, Self>, stamp: u64) -> Result {
        let hw = self.shared()?.page(1).ok_or(EINVAL)?;
        let delay = if hw.read(hwstate::VTIMER_MIGRATE, 4)? != 0 {
            let cycles = hw.read(hwstate::VTIMER_DELAY, 8)?;
            // No counter frequency: do not sleep at all.
            arch_timer::cycles_to_delta(cycles, arch_timer::rate()).unwrap_or(Delta::ZERO)
        } else {
            Delta::ZERO
        };
        if delay > Delta::ZERO {
            // The handle cancels the timer (waiting for its callback) when dropped.
            let armed = Arc::<Self>::from(self).start(delay);
            self.vm.irq.wake.doorbell.wait(stamp);
            drop(armed);
        } else if self.vm.has(ext::IDLE_BLOCK) {
            self.vm.irq.wake.doorbell.wait(stamp);
        }
        Ok(())
    }

    /// Ghaf `EOI_REPORT` extension: an IRQ exit lists, in the hardware-state page, the
    /// level SPIs the guest deactivated (invalid list registers with the EOI bit set).
    fn sync_eois(&self) -> Result {
        if !self.vm.has(ext::EOI_REPORT) {
            return Ok(());
        }
        let hw = self.shared()?.page(1).ok_or(EINVAL)?;
        let n = hw.read(hwstate::NR_LRS, 4)? as usize;
        for i in 0..core::cmp::min(n, hwstate::MAX_LRS) {
            let lr = hw.read(hwstate::LR + 8 * i, 8)?;
            let id = (lr & 0xffff_ffff) as u32;
            if lr >> 62 == 0 && lr & hwstate::LR_EOI != 0 && id >= 32 {
                self.vm.irq.eoi(id - 32)?;
            }
        }
        Ok(())
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
        let _guard = self.run_lock.lock()?;
        let (vm, hyp) = (self.vm.id, &self.vm.hyp);
        if set {
            let mut bytes = [0u8; 8];
            user.reader().read_slice(&mut bytes[..size])?;
            hyp.set_one_reg(vm, self.id, r.id, u64::from_le_bytes(bytes))?;
        } else {
            let bytes = hyp.get_one_reg(vm, self.id, r.id)?.to_le_bytes();
            user.writer().write_slice(&bytes[..size])?;
        }
        Ok(0)
    }
}

impl HrTimerCallback for Vcpu {
    type Pointer<'a> = Arc<Vcpu>;

    fn run(this: ArcBorrow<'_, Vcpu>, _ctx: HrTimerCallbackContext<'_, Vcpu>) -> HrTimerRestart {
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
        if !self.created.load(Acquire) {
            return;
        }
        let (vm, id) = (self.vm.clone(), self.id);
        let this = self.project();
        let Some(pages) = this.shared.take() else {
            return;
        };
        // The hypervisor lets go of the shared pages before they are freed; if it does not
        // destroy the vCPU, they stay lent until DESTROY_VM (or are leaked).
        if vm.hyp.destroy_vcpu(vm.id, id, &pages).is_err() {
            vm.inner.lock().adopt(pages);
        }
    }
}
