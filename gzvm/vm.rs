// SPDX-License-Identifier: GPL-2.0

//! A virtual machine and its file descriptor.
//!
//! Lifetime: the VM fd and every vCPU fd each hold an `Arc<Vm>`; the hypervisor's VM is
//! destroyed, and the VM's pinned memory released, when the last of them is closed. A vCPU
//! is destroyed in the hypervisor when its own fd is closed, always before its VM.
//!
//! Lock order: `Vcpu::run` (per vCPU) -> `Vm::inner` (slots, vCPU ids) or the
//! [`IrqChip`] lists (irqfds, ioeventfds). The hypervisor (or simulator) lock is innermost
//! and never held across calls back into the driver. eventfd wake-ups take no driver
//! lock but the doorbell's spinlock.

use kernel::{
    anon_file::{self, AnonFile},
    fs::{file::flags, File},
    mm::Mm,
    new_mutex,
    prelude::*,
    sync::{aref::ARef, Arc, ArcBorrow, Mutex},
    uaccess::UserSlice,
    user_pages::{with_current_mm, ContigPages},
};

use crate::{
    caps,
    hypercall::{func, Hyp},
    irq::{IrqChip, Line},
    memslot::{self, Slot, SlotSpec},
    uapi::{
        self, CreateDevice, DtbConfig, EnableCap, Ioeventfd, IrqLevel, Irqfd, UserMemoryRegion,
    },
    vcpu::Vcpu,
};

const SZ_2M: u64 = 2 << 20;

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
}

/// A virtual machine.
#[pin_data(PinnedDrop)]
pub(crate) struct Vm {
    pub(crate) hyp: Arc<Hyp>,
    pub(crate) id: u16,
    pub(crate) paging: Paging,
    /// The address space of the process that created the VM: the only one whose memory
    /// may back guest RAM.
    mm: ARef<Mm>,
    /// 512 page frame numbers for MAP_GUEST_BLOCK (Demand2M only); shared with the
    /// hypervisor by physical address.
    pub(crate) block_buf: Option<ContigPages>,
    #[pin]
    pub(crate) inner: Mutex<VmInner>,
    /// Interrupt lines, irqfds, ioeventfds and the doorbell idle vCPUs sleep on. Dropped
    /// after the hypervisor VM is destroyed; dropping unhooks every eventfd.
    #[pin]
    pub(crate) irq: IrqChip,
}

impl Vm {
    /// `GZVM_CREATE_VM`: creates the VM and returns its new fd.
    pub(crate) fn create(hyp: &Arc<Hyp>, vm_type: u64) -> Result<u32> {
        let mm: ARef<Mm> = with_current_mm(|mm| ARef::from(&**mm)).ok_or(EINVAL)?;
        let [id, _, _] = hyp.call(func::CREATE_VM, &[vm_type])?;
        let id = id as u16;
        // From here on, every error path drops `guard`, which destroys the VM.
        let guard = DestroyOnDrop { hyp, id: Some(id) };

        let (paging, block_buf) = Self::choose_paging(hyp, id)?;
        // IDLE exits are wanted but optional.
        let _ = hyp.call(
            func::ENABLE_CAP,
            &[u64::from(id), uapi::GZVM_CAP_ENABLE_IDLE],
        );

        let irq = IrqChip::new(hyp.clone(), id)?;
        let vm = Arc::pin_init(
            try_pin_init!(Vm {
                hyp: hyp.clone(),
                id,
                paging,
                mm,
                block_buf,
                inner <- new_mutex!(VmInner {
                    slots: Default::default(),
                    vcpu_ids: 0,
                }),
                irq <- irq,
            }),
            GFP_KERNEL,
        )?;
        // The VM object now owns the hypervisor VM.
        guard.disarm();
        anon_file::create_fd::<Vm>(c"gzvm-vm", vm, flags::O_RDWR | flags::O_CLOEXEC)
    }

    fn choose_paging(hyp: &Hyp, id: u16) -> Result<(Paging, Option<ContigPages>)> {
        let vm = u64::from(id);
        if hyp
            .call(func::ENABLE_CAP, &[vm, uapi::GZVM_CAP_ENABLE_DEMAND_PAGING])
            .is_err()
        {
            return Ok((Paging::FullyPopulated, None));
        }
        let buf = ContigPages::new(0)?;
        let block = [
            vm,
            uapi::GZVM_CAP_BLOCK_BASED_DEMAND_PAGING,
            SZ_2M,
            buf.phys(),
        ];
        match hyp.call(func::ENABLE_CAP, &block) {
            Ok(_) => Ok((Paging::Demand2M, Some(buf))),
            Err(_) => Ok((Paging::Demand4K, None)),
        }
    }

    /// Fails unless the caller runs in the address space that created the VM.
    pub(crate) fn check_mm(&self) -> Result {
        match with_current_mm(|cur| core::ptr::eq(cur.as_raw(), self.mm.as_raw())) {
            Some(true) => Ok(()),
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

        // Replacing or deleting: the hypervisor forgets the old mapping before its pages
        // are unpinned (by dropping the old slot).
        if inner.slots.get(idx).ok_or(EINVAL)?.is_some() {
            memslot::forget(&self.hyp, self.id, r.slot)?;
            if let Some(s) = inner.slots.get_mut(idx) {
                *s = None;
            }
        }
        let Some(spec) = spec else {
            return Ok(());
        };

        let purpose = [
            u64::from(self.id),
            spec.base_gfn << 12,
            spec.npages << 12,
            u64::from(spec.flags),
        ];
        self.hyp
            .call(func::MEMREGION_PURPOSE, &purpose)
            .map_err(|_| EFAULT)?;

        let mut slot = Slot::new(spec)?;
        match self.paging {
            Paging::FullyPopulated => slot.populate(&self.hyp, self.id),
            Paging::Demand4K | Paging::Demand2M => slot.announce(&self.hyp, self.id),
        }
        .inspect_err(|_| {
            // Undo whatever part of the slot the hypervisor was told about.
            let _ = memslot::forget(&self.hyp, self.id, spec.slot);
        })?;
        if let Some(s) = inner.slots.get_mut(idx) {
            *s = Some(slot);
        }
        Ok(())
    }

    /// The user range must be mapped, without holes, when the slot is set.
    fn check_vmas(&self, spec: &SlotSpec) -> Result {
        with_current_mm(|mm| {
            let guard = mm.mmap_read_lock();
            let end = spec.uaddr + (spec.npages << 12);
            let mut addr = spec.uaddr as usize;
            while (addr as u64) < end {
                let vma = guard.vma_lookup(addr).ok_or(EFAULT)?;
                addr = vma.end();
            }
            Ok(())
        })
        .ok_or(EFAULT)?
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

    fn enable_cap(&self, arg: usize) -> Result<isize> {
        let (mut reader, mut writer) =
            UserSlice::new(UserPtr::from_addr(arg), size_of::<EnableCap>()).reader_writer();
        let mut cap: EnableCap = reader.read()?;
        let vm = u64::from(self.id);
        match cap.cap {
            uapi::GZVM_CAP_PROTECTED_VM => match cap.args[0] {
                uapi::GZVM_CAP_PVM_GET_PVMFW_SIZE => {
                    let [size, _, _] = self
                        .hyp
                        .call(func::ENABLE_CAP, &[vm, cap.cap, cap.args[0]])
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
                    self.hyp
                        .call(func::ENABLE_CAP, &[vm, cap.cap, cap.args[0], cap.args[1]])?;
                    Ok(0)
                }
                _ => Err(EINVAL),
            },
            uapi::GZVM_CAP_ENABLE_IDLE => {
                self.hyp.call(func::ENABLE_CAP, &[vm, cap.cap])?;
                Ok(0)
            }
            // The paging capabilities carry physical addresses: driver-internal only.
            _ => Err(EINVAL),
        }
    }

    /// Pins and maps every page of every slot (Demand4K).
    fn map_all(&self) -> Result {
        self.check_mm()?;
        let mut inner = self.inner.lock();
        for slot in inner.slots.iter_mut().flatten() {
            for idx in 0..slot.spec.npages {
                let pfn = slot.pin_page(idx)?;
                let gfn = slot.spec.base_gfn + idx;
                let args = [u64::from(self.id), u64::from(slot.spec.slot), pfn, gfn, 1];
                self.hyp.call(func::MAP_GUEST, &args)?;
            }
        }
        Ok(())
    }

    fn set_dtb_config(&self, arg: usize) -> Result<isize> {
        let c: DtbConfig = UserSlice::new(UserPtr::from_addr(arg), size_of::<DtbConfig>())
            .reader()
            .read()?;
        self.hyp.call(
            func::SET_DTB_CONFIG,
            &[u64::from(self.id), c.dtb_addr, c.dtb_size],
        )?;
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
        let vcpus = self.inner.lock().vcpu_ids;
        self.irq
            .set_line(Line::decode(l.irq, vcpus)?, l.level == 1)?;
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
        // Every vCPU is gone (each held a reference). The hypervisor releases the VM's
        // memory before the pinned pages go (the slots are dropped after this).
        destroy_vm(&self.hyp, self.id);
    }
}

/// DESTROY_VM, retried while the hypervisor reports it busy.
fn destroy_vm(hyp: &Hyp, id: u16) {
    for _ in 0..1000 {
        match hyp.call(func::DESTROY_VM, &[u64::from(id)]) {
            Err(e) if e == EAGAIN => kernel::resched::cond_resched(),
            Err(e) => {
                pr_err!("DESTROY_VM {} failed: {:?}\n", id, e);
                return;
            }
            Ok(_) => return,
        }
    }
    pr_err!("DESTROY_VM {} still busy, giving up\n", id);
}

/// Destroys a VM being created unless disarmed.
struct DestroyOnDrop<'a> {
    hyp: &'a Hyp,
    id: Option<u16>,
}

impl DestroyOnDrop<'_> {
    fn disarm(mut self) {
        self.id = None;
    }
}

impl Drop for DestroyOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            destroy_vm(self.hyp, id);
        }
    }
}
