// SPDX-License-Identifier: GPL-2.0

//! A virtual machine and its file descriptor.
//!
//! Lifetime: the VM fd and every vCPU fd each hold an `Arc<Vm>`; the hypervisor's VM is
//! destroyed, and the VM's pinned memory released, when the last of them is closed. A vCPU
//! is destroyed in the hypervisor when its own fd is closed, always before its VM.
//!
//! Lock order: `Vcpu::run` (per vCPU) -> `Vm::inner` (slots, vCPU ids) or the
//! [`IrqChip`] lists (irqfds, ioeventfds). The hypervisor lock is innermost
//! and never held across calls back into the driver. eventfd wake-ups take no driver
//! lock but the doorbell's spinlock.

use kernel::{
    alloc::kvec::PushError,
    anon_file::{self, AnonFile},
    fs::{file::flags, File},
    mm::Mm,
    new_mutex, pr_info_once,
    prelude::*,
    resched::cond_resched,
    sync::{
        aref::ARef,
        atomic::{Acquire, Atomic, Release},
        Arc, ArcBorrow, Mutex,
    },
    uaccess::UserSlice,
};

use crate::{
    caps,
    hypercall::{ext, Hyp},
    hypmem::HypPages,
    irq::{IrqChip, Line},
    memslot::{Pins, Slot, SlotSpec},
    uapi::{
        self, CreateDevice, DtbConfig, EnableCap, Ioeventfd, IrqLevel, Irqfd, UserMemoryRegion,
    },
    vcpu::Vcpu,
};

/// How guest memory reaches the hypervisor, decided at creation by what it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Paging {
    /// Every page pinned and described when the slot is set.
    FullyPopulated,
    /// Pages pinned one at a time on page-fault exits (MAP_GUEST).
    Demand4K,
    /// Pages pinned in 2 MiB blocks on page-fault exits (MAP_GUEST_BLOCK).
    Demand2M,
}

/// Mutable VM state.
pub(crate) struct VmInner {
    pub(crate) slots: [Option<Slot>; uapi::GZVM_MAX_MEM_REGION as usize],
    /// Bit `n` set: vCPU id `n` exists (or existed: ids are not reused).
    vcpu_ids: u32,
    /// Pages the hypervisor may still map that belong to no slot (a slot whose setting
    /// failed half way); kept until DESTROY_VM.
    retired: KVec<Pins>,
    /// Shared pages of vCPUs the hypervisor refused to destroy; freed after DESTROY_VM.
    pub(crate) orphans: KVec<HypPages>,
}

impl VmInner {
    /// Keeps `pins` until the VM goes; leaks them if there is no memory to remember them.
    fn retire(&mut self, mut pins: Pins) {
        if self.retired.reserve(1, GFP_KERNEL_ACCOUNT).is_err() {
            pins.leak();
            return;
        }
        if let Err(PushError(mut pins)) = self.retired.push_within_capacity(pins) {
            pins.leak();
        }
    }

    /// Keeps the shared pages of a vCPU the hypervisor did not destroy until DESTROY_VM;
    /// leaks them (they are lent) if there is no memory to remember them.
    pub(crate) fn adopt(&mut self, pages: HypPages) {
        if self.orphans.reserve(1, GFP_KERNEL_ACCOUNT).is_ok() {
            let _ = self.orphans.push_within_capacity(pages);
        }
    }

    /// Pages pinned for the guest.
    fn pinned(&self) -> u64 {
        let slots: u64 = self.slots.iter().flatten().map(|s| s.pins.count()).sum();
        slots + self.retired.iter().map(Pins::count).sum::<u64>()
    }
}

/// The hypervisor's VM: destroyed when dropped (or by [`HypVm::destroy`]), and the block
/// buffer freed only once the hypervisor let go of it.
pub(crate) struct HypVm {
    pub(crate) hyp: Arc<Hyp>,
    pub(crate) id: u16,
    /// 512 page frame numbers for MAP_GUEST_BLOCK (Demand2M only), lent to the hypervisor.
    pub(crate) block_buf: Option<HypPages>,
    destroyed: Atomic<bool>,
}

impl HypVm {
    /// Destroys the VM in the hypervisor, unless done already: DESTROY_VM, called again
    /// while the hypervisor answers busy (each call reclaims a batch of pages: `pinned`
    /// bounds the calls needed). Returns whether the hypervisor let go of the VM.
    pub(crate) fn destroy(&self, pinned: u64) -> bool {
        if self.destroyed.load(Acquire) {
            return true;
        }
        let calls = pinned / self.hyp.batches.destroy.max(1) + 1024;
        for _ in 0..calls {
            match self.hyp.destroy_vm(self.id, self.block_buf.as_ref()) {
                Ok(()) => {
                    self.destroyed.store(true, Release);
                    return true;
                }
                Err(e) if e == EAGAIN => cond_resched(),
                Err(e) => {
                    pr_err!(
                        "DESTROY_VM {} failed ({:?}): leaking its memory\n",
                        self.id,
                        e
                    );
                    return false;
                }
            }
        }
        pr_err!(
            "DESTROY_VM {} still busy after {} calls: leaking its memory\n",
            self.id,
            calls
        );
        false
    }
}

impl Drop for HypVm {
    fn drop(&mut self) {
        self.destroy(0);
    }
}

/// A virtual machine.
#[pin_data(PinnedDrop)]
pub(crate) struct Vm {
    pub(crate) hyp: Arc<Hyp>,
    pub(crate) id: u16,
    pub(crate) paging: Paging,
    /// The Ghaf extensions the hypervisor granted ([`ext`]).
    pub(crate) ext: u64,
    /// The address space of the process that created the VM: the only one whose memory
    /// may back guest RAM.
    mm: ARef<Mm>,
    /// The hypervisor's VM. Destroyed in `drop`, before the slots' pages are unpinned.
    pub(crate) hv: HypVm,
    /// Serialises MAP_GUEST_BLOCK calls, which share the block buffer.
    #[pin]
    pub(crate) block_lock: Mutex<()>,
    #[pin]
    pub(crate) inner: Mutex<VmInner>,
    /// Interrupt lines, irqfds, ioeventfds and the doorbell idle vCPUs sleep on. Dropped
    /// after the hypervisor VM is destroyed; dropping unhooks every eventfd.
    #[pin]
    pub(crate) irq: IrqChip,
}

impl Vm {
    /// `GZVM_CREATE_VM`: creates the VM and returns its new fd.
    ///
    /// The hypercalls are upstream's, in upstream's order (ACK 6.6 `gzvm_create_vm`, v13
    /// 17/25 and 23/25): CREATE_VM, ENABLE_DEMAND_PAGING, BLOCK_BASED_DEMAND_PAGING,
    /// ENABLE_IDLE; then the Ghaf extension negotiation.
    pub(crate) fn create(hyp: &Arc<Hyp>, vm_type: u64) -> Result<u32> {
        let mm: ARef<Mm> = kernel::current!()
            .mm()
            .map(|mm| ARef::from(&**mm))
            .ok_or(EINVAL)?;
        let id = hyp.create_vm(vm_type)?;
        // From here on, dropping `hv` destroys the VM (before freeing the block buffer).
        let mut hv = HypVm {
            hyp: hyp.clone(),
            id,
            block_buf: None,
            destroyed: Atomic::new(false),
        };
        let paging = Self::choose_paging(&mut hv)?;
        // IDLE exits are wanted but optional; upstream only logs a refusal.
        if hyp.enable_cap(id, uapi::GZVM_CAP_ENABLE_IDLE, &[]).is_err() {
            pr_info_once!("hypervisor does not support idle exits\n");
        }
        let ext = hyp.negotiate(id, ext::ALL);

        let irq = IrqChip::new(hyp.clone(), id, ext)?;
        let vm = Arc::pin_init(
            try_pin_init!(Vm {
                hyp: hyp.clone(),
                id,
                paging,
                ext,
                mm,
                hv,
                block_lock <- new_mutex!(()),
                inner <- new_mutex!(VmInner {
                    slots: Default::default(),
                    vcpu_ids: 0,
                    retired: KVec::new(),
                    orphans: KVec::new(),
                }),
                irq <- irq,
            }),
            GFP_KERNEL,
        )?;
        anon_file::create_fd::<Vm>(c"gzvm-vm", vm, flags::O_RDWR | flags::O_CLOEXEC)
    }

    /// Demand paging if the hypervisor takes it, in 2 MiB blocks if it takes those too
    /// (ACK 6.6 `setup_mem_alloc_mode`).
    fn choose_paging(hv: &mut HypVm) -> Result<Paging> {
        if hv
            .hyp
            .enable_cap(hv.id, uapi::GZVM_CAP_ENABLE_DEMAND_PAGING, &[])
            .is_err()
        {
            return Ok(Paging::FullyPopulated);
        }
        let buf = HypPages::new(0)?;
        if hv.hyp.enable_block_paging(hv.id, &buf).is_err() {
            return Ok(Paging::Demand4K);
        }
        hv.block_buf = Some(buf);
        Ok(Paging::Demand2M)
    }

    /// Whether extension `bit` was granted.
    pub(crate) fn has(&self, bit: u64) -> bool {
        self.ext & bit != 0
    }

    /// Fails unless the caller runs in the address space that created the VM.
    pub(crate) fn check_mm(&self) -> Result {
        match kernel::current!().mm() {
            Some(cur) if core::ptr::eq(cur.as_raw(), self.mm.as_raw()) => Ok(()),
            _ => Err(EIO),
        }
    }

    fn set_user_memory_region(&self, arg: usize) -> Result {
        let r: UserMemoryRegion =
            UserSlice::new(UserPtr::from_addr(arg), size_of::<UserMemoryRegion>())
                .reader()
                .read()?;
        self.check_mm()?;
        let spec = SlotSpec::parse(&r)?;
        let mut inner = self.inner.lock();
        let idx = r.slot as usize;

        if let Some(spec) = &spec {
            let clash = inner
                .slots
                .iter()
                .enumerate()
                .any(|(i, s)| i != idx && s.as_ref().is_some_and(|s| s.spec.overlaps(spec)));
            if clash {
                return Err(EEXIST);
            }
            self.check_vmas(spec)?;
        }

        // Deleting or replacing: upstream has no call that makes the hypervisor let go of
        // a slot, so only a hypervisor with the Ghaf extension can; the old slot's pages
        // are unpinned once it did.
        if inner.slots.get(idx).ok_or(EINVAL)?.is_some() {
            if !self.has(ext::RELEASE_SLOT) {
                pr_info_once!("this hypervisor cannot release a memory slot before the VM goes\n");
                return Err(EOPNOTSUPP);
            }
            self.hyp.release_slot(self.id, r.slot)?;
            if let Some(s) = inner.slots.get_mut(idx) {
                *s = None;
            }
        }
        let Some(spec) = spec else {
            return Ok(());
        };

        self.hyp
            .memregion_purpose(self.id, spec.base_gfn << 12, spec.npages << 12, spec.flags)
            .map_err(|_| EFAULT)?;

        let mut slot = Slot::new(spec);
        let told = match self.paging {
            Paging::FullyPopulated => slot.populate(&self.hyp, self.id),
            Paging::Demand4K | Paging::Demand2M => slot.announce(&self.hyp, self.id),
        };
        if let Err(e) = told {
            // Part of the slot may be mapped by the hypervisor: release it if it can, else
            // keep those pages pinned until the VM goes.
            if slot.pins.count() != 0 {
                let released =
                    self.has(ext::RELEASE_SLOT) && self.hyp.release_slot(self.id, r.slot).is_ok();
                if !released {
                    inner.retire(core::mem::take(&mut slot.pins));
                }
            }
            return Err(if e == EFAULT || e == ENOMEM {
                e
            } else {
                EFAULT
            });
        }
        if let Some(s) = inner.slots.get_mut(idx) {
            *s = Some(slot);
        }
        Ok(())
    }

    /// The user range must be mapped, without holes, when the slot is set.
    fn check_vmas(&self, spec: &SlotSpec) -> Result {
        let task = kernel::current!();
        let guard = task.mm().ok_or(EFAULT)?.mmap_read_lock();
        let end = spec.uaddr + (spec.npages << 12);
        let mut addr = spec.uaddr as usize;
        while (addr as u64) < end {
            let vma = guard.vma_lookup(addr).ok_or(EFAULT)?;
            addr = vma.end();
        }
        Ok(())
    }

    fn create_vcpu(self: ArcBorrow<'_, Self>, id: usize) -> Result<u32> {
        let id = u32::try_from(id).map_err(|_| EINVAL)?;
        if id >= uapi::GZVM_MAX_VCPUS {
            return Err(EINVAL);
        }
        {
            let mut inner = self.inner.lock();
            if inner.vcpu_ids & (1 << id) != 0 {
                return Err(EEXIST);
            }
            inner.vcpu_ids |= 1 << id;
        }
        Vcpu::create(self.into(), id).inspect_err(|_| {
            self.inner.lock().vcpu_ids &= !(1 << id);
        })
    }

    /// `GZVM_ENABLE_CAP` (ACK 6.6 `gzvm_vm_ioctl_arch_enable_cap`): the protected-VM
    /// sub-commands and ENABLE_IDLE are forwarded; the paging capabilities carry physical
    /// addresses and are driver-internal.
    fn enable_cap(&self, arg: usize) -> Result<isize> {
        let (mut reader, mut writer) =
            UserSlice::new(UserPtr::from_addr(arg), size_of::<EnableCap>()).reader_writer();
        let mut cap: EnableCap = reader.read()?;
        match cap.cap {
            uapi::GZVM_CAP_PROTECTED_VM => match cap.args[0] {
                uapi::GZVM_CAP_PVM_GET_PVMFW_SIZE => {
                    let size = self
                        .hyp
                        .enable_cap(self.id, cap.cap, &cap.args)
                        .map_err(|_| EINVAL)?;
                    cap.args[1] = size;
                    writer.write(&cap)?;
                    Ok(0)
                }
                uapi::GZVM_CAP_PVM_SET_PVMFW_GPA | uapi::GZVM_CAP_PVM_SET_PROTECTED_VM => {
                    // A protected VM's memory cannot be handed over later at 4 KiB
                    // granularity: hand everything over first.
                    if self.paging == Paging::Demand4K {
                        self.map_all()?;
                    }
                    self.hyp.enable_cap(self.id, cap.cap, &cap.args)?;
                    Ok(0)
                }
                _ => Err(EINVAL),
            },
            uapi::GZVM_CAP_ENABLE_IDLE => {
                self.hyp.enable_cap(self.id, cap.cap, &cap.args)?;
                Ok(0)
            }
            _ => Err(EINVAL),
        }
    }

    /// Pins and maps every page of every slot (Demand4K).
    fn map_all(&self) -> Result {
        self.check_mm()?;
        let mut inner = self.inner.lock();
        for slot in inner.slots.iter_mut().flatten() {
            let (id, base) = (slot.spec.slot, slot.spec.base_gfn);
            for idx in 0..slot.spec.npages {
                let page = slot.pin_page(idx)?;
                self.hyp.map_guest(self.id, id, page, base + idx)?;
                if idx % 512 == 511 {
                    cond_resched();
                }
            }
        }
        Ok(())
    }

    fn set_dtb_config(&self, arg: usize) -> Result<isize> {
        let c: DtbConfig = UserSlice::new(UserPtr::from_addr(arg), size_of::<DtbConfig>())
            .reader()
            .read()?;
        self.hyp.set_dtb_config(self.id, c.dtb_addr, c.dtb_size)?;
        Ok(0)
    }

    /// `GZVM_IRQ_LINE`.
    fn irq_line(&self, arg: usize) -> Result<isize> {
        let l: IrqLevel = UserSlice::new(UserPtr::from_addr(arg), size_of::<IrqLevel>())
            .reader()
            .read()?;
        if l.level > 1 {
            return Err(EINVAL);
        }
        self.irq.set_line(Line::decode(l.irq())?, l.level == 1)?;
        Ok(0)
    }

    /// `GZVM_IRQFD`.
    fn irqfd(&self, arg: usize) -> Result<isize> {
        let r: Irqfd = UserSlice::new(UserPtr::from_addr(arg), size_of::<Irqfd>())
            .reader()
            .read()?;
        self.irq.irqfd(&r).map(|()| 0)
    }

    /// `GZVM_IOEVENTFD`.
    fn ioeventfd(&self, arg: usize) -> Result<isize> {
        let r: Ioeventfd = UserSlice::new(UserPtr::from_addr(arg), size_of::<Ioeventfd>())
            .reader()
            .read()?;
        self.irq.ioeventfd(&r).map(|()| 0)
    }

    fn create_device(&self, arg: usize) -> Result<isize> {
        let d: CreateDevice = UserSlice::new(UserPtr::from_addr(arg), size_of::<CreateDevice>())
            .reader()
            .read()?;
        crate::device::create(self, d).map(|()| 0)
    }
}

#[vtable]
impl AnonFile for Vm {
    type Ptr = Arc<Vm>;

    fn ioctl(this: ArcBorrow<'_, Vm>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            uapi::GZVM_CHECK_EXTENSION => caps::check_extension_ioctl(arg).map(|()| 0),
            uapi::GZVM_CREATE_VCPU => this.create_vcpu(arg).map(|fd| fd as isize),
            uapi::GZVM_SET_USER_MEMORY_REGION => this.set_user_memory_region(arg).map(|()| 0),
            uapi::GZVM_ENABLE_CAP => this.enable_cap(arg),
            uapi::GZVM_SET_DTB_CONFIG => this.set_dtb_config(arg),
            uapi::GZVM_CREATE_DEVICE => this.create_device(arg),
            uapi::GZVM_IRQ_LINE => this.irq_line(arg),
            uapi::GZVM_IRQFD => this.irqfd(arg),
            uapi::GZVM_IOEVENTFD => this.ioeventfd(arg),
            _ => Err(ENOTTY),
        }
    }
}

#[pinned_drop]
impl PinnedDrop for Vm {
    fn drop(self: Pin<&mut Self>) {
        // Every vCPU is gone (each held a reference). The hypervisor lets go of the VM's
        // memory before the pinned pages and the block buffer are released (by the field
        // drops after this); if it does not, they are leaked.
        let mut inner = self.inner.lock();
        if self.hv.destroy(inner.pinned()) {
            for o in inner.orphans.iter() {
                o.reclaim();
            }
        } else {
            for slot in inner.slots.iter_mut().flatten() {
                slot.pins.leak();
            }
            for pins in inner.retired.iter_mut() {
                pins.leak();
            }
        }
    }
}
