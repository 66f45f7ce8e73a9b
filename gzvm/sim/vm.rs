// SPDX-License-Identifier: GPL-2.0

//! A simulated VM: its memory map, vCPUs, devices and capabilities, and the handlers of
//! the calls that name it.

use kernel::{page::BorrowedPage, prelude::*};

use super::{
    cpu::Cpu,
    gic::{self, Gic},
    hyp::{self, paging, take, Knobs, MAP_BATCH},
    stage2::Stage2,
    vcpu::SimVcpu,
};
use crate::{
    hypercall::{ext, func, status, BLOCK_PAGES, GHAF_CAP_EXT, GHAF_CAP_RELEASE_SLOT},
    uapi,
};
use kernel::sync::atomic::Relaxed;

/// A GenieZone status returned to the driver in x0.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Status(pub(crate) i32);

/// Result of a simulated call: x1..x3 or a status.
pub(crate) type CallResult = core::result::Result<[u64; 3], Status>;

const INVALID: Status = Status(status::ERR_INVALID_ARGS);
const NOMEM: Status = Status(status::ERR_NO_MEMORY);
const MAX_VCPUS: usize = uapi::GZVM_MAX_VCPUS as usize;
const SZ_2M: u64 = 2 << 20;
/// Largest slot the simulator accepts (pages): 4 GiB.
const MAX_REGION_PAGES: u64 = 1 << 20;

/// Reads physical memory the driver handed over for the duration of a call.
pub(crate) fn phys_read(pa: u64, size: usize) -> core::result::Result<u64, Status> {
    if !hyp::kernel_page_held(pa >> 12) {
        return Err(INVALID);
    }
    // SAFETY: The driver owns the page at `pa` (a kernel buffer) for the duration of the
    // call that named it (checked above as far as the simulator can).
    let page = unsafe { BorrowedPage::from_pfn(pa >> 12) }.ok_or(INVALID)?;
    page.read((pa & 0xfff) as usize, size).map_err(|_| INVALID)
}

/// A simulated VM.
pub(crate) struct SimVm {
    pub(crate) stage2: Stage2,
    vcpus: [Option<KBox<SimVcpu>>; MAX_VCPUS],
    demand: bool,
    /// Ghaf extensions granted to the driver for this VM.
    ext: u64,
    /// Physical address of the driver's 512-entry MAP_GUEST_BLOCK frame list.
    block_buf: Option<u64>,
    idle: bool,
    protected: bool,
    pvmfw_gpa: Option<u64>,
    dtb: Option<(u64, u64)>,
    /// The vGICv3 (its frames are placed by CREATE_DEVICE).
    pub(crate) gic: KBox<Gic>,
}

impl SimVm {
    pub(crate) fn new() -> core::result::Result<Self, Status> {
        Ok(Self {
            stage2: Stage2::default(),
            vcpus: Default::default(),
            demand: false,
            ext: 0,
            block_buf: None,
            idle: false,
            protected: false,
            pvmfw_gpa: None,
            dtb: None,
            gic: Gic::new().map_err(|_| NOMEM)?,
        })
    }

    /// Bit `n` set for each vCPU `n` that exists.
    pub(crate) fn online(&self) -> u8 {
        self.vcpus
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_some())
            .fold(0, |m, (i, _)| m | (1 << i))
    }

    fn vcpu(&mut self, tuple: u64) -> core::result::Result<&mut KBox<SimVcpu>, Status> {
        let i = (tuple & 0xffff) as usize;
        self.vcpus
            .get_mut(i)
            .and_then(Option::as_mut)
            .ok_or(INVALID)
    }

    /// Checks that the kernel pages this VM holds (run and state pages, block buffer) are
    /// still allocated.
    pub(crate) fn audit_kernel_pages(&self) {
        for v in self.vcpus.iter().flatten() {
            let pfn = v.run_pa() >> 12;
            let _ = hyp::kernel_page_held(pfn) && hyp::kernel_page_held(pfn + 1);
        }
        if let Some(b) = self.block_buf {
            hyp::kernel_page_held(b >> 12);
        }
    }

    /// Checks that every guest page this VM maps is still pinned.
    pub(crate) fn audit_guest_pages(&self) {
        self.stage2.audit();
    }

    /// Handles function `n` with arguments `a` (x1..x7).
    pub(crate) fn call(&mut self, n: u32, a: &[u64], knobs: &Knobs) -> CallResult {
        match n {
            func::CREATE_VCPU => {
                let i = (a[0] & 0xffff) as usize;
                let e = self.vcpus.get_mut(i).ok_or(INVALID)?;
                if e.is_some() || a[1] & 0xfff != 0 {
                    return Err(INVALID);
                }
                *e =
                    Some(KBox::new(SimVcpu::new(a[1], Cpu::new()), GFP_KERNEL).map_err(|_| NOMEM)?);
                Ok([0; 3])
            }
            func::DESTROY_VCPU => {
                let i = (a[0] & 0xffff) as usize;
                let e = self.vcpus.get_mut(i).ok_or(INVALID)?;
                if e.is_none() || take(&knobs.vcpu_destroy_fail) {
                    return Err(INVALID);
                }
                *e = None;
                Ok([0; 3])
            }
            func::RUN => {
                let i = (a[0] & 0xffff) as usize;
                let online = self.online();
                let mut vcpu = self
                    .vcpus
                    .get_mut(i)
                    .and_then(Option::take)
                    .ok_or(INVALID)?;
                let r = vcpu.run(self, i, online);
                if let Some(e) = self.vcpus.get_mut(i) {
                    *e = Some(vcpu);
                }
                r.map(|reason| [u64::from(reason), 0, 0])
            }
            func::GET_ONE_REG => {
                let v = self.vcpu(a[0])?.cpu.one_reg_get(a[1]).ok_or(INVALID)?;
                Ok([v, 0, 0])
            }
            func::SET_ONE_REG => {
                self.vcpu(a[0])?
                    .cpu
                    .one_reg_set(a[1], a[2])
                    .ok_or(INVALID)?;
                Ok([0; 3])
            }
            func::SET_MEMREGION => self.set_memregion(a[1], a[2]),
            func::MEMREGION_PURPOSE => Ok([0; 3]),
            func::MAP_GUEST => {
                if !self.demand || a[4] != 1 {
                    return Err(INVALID);
                }
                self.stage2
                    .map(a[1] as u32, a[3], a[2])
                    .map_err(|_| INVALID)?;
                Ok([0; 3])
            }
            func::MAP_GUEST_BLOCK => self.map_block(a[1] as u32, a[2], a[3]),
            func::ENABLE_CAP => self.enable_cap(a, knobs),
            func::SET_DTB_CONFIG => {
                self.dtb = Some((a[1], a[2]));
                Ok([0; 3])
            }
            func::CREATE_DEVICE => self.create_device(a[1]),
            func::IRQ_LINE => self.irq_line(a[0], a[1], a[2]),
            func::INFORM_EXIT => Ok([0; 3]),
            _ => Err(Status(status::ERR_NOT_SUPPORTED)),
        }
    }

    /// SET_MEMREGION: a slot's extent (demand paging) or pages (fully populated).
    fn set_memregion(&mut self, size: u64, pa: u64) -> CallResult {
        if size != crate::memslot::MEMREGION_BUF_SIZE as u64 || pa & 0xfff != 0 {
            return Err(INVALID);
        }
        let rd = |off: u64, n: usize| phys_read(pa + off, n);
        let slot = rd(0, 4)? as u32;
        let count = rd(4, 4)? as usize;
        let total = rd(8, 8)?;
        let gpa = rd(16, 8)?;
        if count > crate::memslot::MAX_CONSTITUENTS || gpa & 0xfff != 0 {
            return Err(INVALID);
        }
        if total == 0 || total > MAX_REGION_PAGES {
            return Err(INVALID);
        }
        let mut pfns = KVVec::from_elem(0u64, total as usize, GFP_KERNEL).map_err(|_| NOMEM)?;
        if self.demand {
            if count != 0 {
                return Err(INVALID);
            }
        } else {
            let mut n = 0usize;
            for c in 0..count as u64 {
                let addr = rd(24 + 16 * c, 8)?;
                let pages = rd(32 + 16 * c, 4)?;
                if addr & 0xfff != 0 || pages == 0 {
                    return Err(INVALID);
                }
                for p in 0..pages {
                    let e = pfns.get_mut(n).ok_or(INVALID)?;
                    *e = (addr >> 12) + p;
                    n += 1;
                }
            }
            if n as u64 != total {
                return Err(INVALID);
            }
        }
        self.stage2
            .add(slot, gpa >> 12, pfns)
            .map_err(|_| INVALID)?;
        Ok([0; 3])
    }

    /// MAP_GUEST_BLOCK(vm, slot, start gfn, n): the frame numbers are at the start of the
    /// block buffer, at most one batch (the size the simulator asked for) per call, within
    /// one 2 MiB block (v13 17/25 `handle_block_demand_page`).
    fn map_block(&mut self, slot: u32, start_gfn: u64, n: u64) -> CallResult {
        let buf = self.block_buf.ok_or(INVALID)?;
        let block = |g: u64| g / BLOCK_PAGES;
        if n == 0 || n > MAP_BATCH || block(start_gfn) != block(start_gfn + n - 1) {
            return Err(INVALID);
        }
        for i in 0..n {
            let pfn = phys_read(buf + 8 * i, 8)?;
            self.stage2
                .map(slot, start_gfn + i, pfn)
                .map_err(|_| INVALID)?;
        }
        Ok([0; 3])
    }

    fn enable_cap(&mut self, a: &[u64], knobs: &Knobs) -> CallResult {
        let unsupported = Err(Status(status::ERR_NOT_SUPPORTED));
        let mode = knobs.paging.load(Relaxed);
        match a[1] {
            // A hypervisor that offers none answers as GenieZone firmware does: unknown.
            GHAF_CAP_EXT if knobs.extensions.load(Relaxed) & ext::ALL != 0 => {
                self.ext = a[2] & knobs.extensions.load(Relaxed) & ext::ALL;
                self.gic.report_eois = self.ext & ext::EOI_REPORT != 0;
                Ok([self.ext, 0, 0])
            }
            GHAF_CAP_RELEASE_SLOT if self.ext & ext::RELEASE_SLOT != 0 => {
                let slot = u32::try_from(a[2]).map_err(|_| INVALID)?;
                self.stage2.remove_slot(slot);
                Ok([0; 3])
            }
            uapi::GZVM_CAP_ENABLE_DEMAND_PAGING if matches!(mode, paging::PAGE | paging::BLOCK) => {
                self.demand = true;
                Ok([0; 3])
            }
            uapi::GZVM_CAP_BLOCK_BASED_DEMAND_PAGING if mode == paging::BLOCK && self.demand => {
                if a[2] != SZ_2M || a[3] & 0xfff != 0 || a[3] == 0 {
                    return Err(INVALID);
                }
                if !hyp::kernel_page_held(a[3] >> 12) {
                    return Err(INVALID);
                }
                self.block_buf = Some(a[3]);
                Ok([0; 3])
            }
            uapi::GZVM_CAP_ENABLE_IDLE => {
                self.idle = true;
                Ok([0; 3])
            }
            uapi::GZVM_CAP_PROTECTED_VM => match a[2] {
                uapi::GZVM_CAP_PVM_SET_PVMFW_GPA => {
                    self.pvmfw_gpa = Some(a[3]);
                    self.protected = true;
                    Ok([0; 3])
                }
                uapi::GZVM_CAP_PVM_SET_PROTECTED_VM => {
                    self.protected = true;
                    Ok([0; 3])
                }
                // The simulator has no protected firmware of its own to load.
                _ => unsupported,
            },
            _ => unsupported,
        }
    }

    fn create_device(&mut self, pa: u64) -> CallResult {
        let w0 = phys_read(pa, 8)?;
        let addr = phys_read(pa + 16, 8)?;
        let size = phys_read(pa + 24, 8)?;
        let dist = match w0 as u32 {
            crate::device::DEV_TYPE_VGIC_V3_DIST => true,
            crate::device::DEV_TYPE_VGIC_V3_REDIST => false,
            _ => return Err(INVALID),
        };
        let min = if dist {
            gic::DIST_SIZE
        } else {
            gic::REDIST_STRIDE
        };
        if addr & (gic::DIST_SIZE - 1) != 0 || size < min || addr.checked_add(size).is_none() {
            return Err(INVALID);
        }
        self.gic.place(dist, addr).map_err(|()| INVALID)?;
        Ok([0; 3])
    }

    /// IRQ_LINE: x1 = (vm, vcpu) tuple, x2 = the 0-based SPI number, x3 = level; the
    /// hypervisor adds 32 (upstream `gzvm_arch_inject_irq`). The vCPU index does not route
    /// SPIs (the guest's `GICD_IROUTER` does).
    fn irq_line(&mut self, _tuple: u64, spi: u64, level: u64) -> CallResult {
        let spi = usize::try_from(spi).map_err(|_| INVALID)?;
        if spi >= gic::NR_SPIS || level > 1 {
            return Err(INVALID);
        }
        // Any vCPU index: SPIs are not per vCPU.
        self.gic
            .set_line(0, spi as u32 + 32, level == 1)
            .map_err(|()| INVALID)?;
        Ok([0; 3])
    }
}

impl SimVm {
    /// PSCI CPU_ON: MPIDR affinity 0 is the vCPU index.
    pub(crate) fn cpu_on(&mut self, mpidr: u64, entry: u64, ctx: u64) -> u64 {
        match self
            .vcpus
            .get_mut((mpidr & 0xff) as usize)
            .and_then(Option::as_mut)
        {
            Some(v) if mpidr >> 8 == 0 => v.power_on(entry, ctx),
            _ => SimVcpu::INVALID_TARGET,
        }
    }
}
