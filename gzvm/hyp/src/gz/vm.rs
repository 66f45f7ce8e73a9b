// SPDX-License-Identifier: GPL-2.0

//! VMs and vCPUs: what the host's calls create and configure.

use core::sync::atomic::Ordering::Relaxed;

use crate::arch;

use super::{
    abi::{self, cap, ext, status},
    context::Ctx,
    knobs, mem,
    stage2::Stage2,
    vgic::Vgic,
};

/// Most memory slots per VM.
pub const MAX_SLOTS: usize = 32;
/// Largest slot (pages): 16 GiB.
const MAX_SLOT_PAGES: u64 = 4 << 20;
/// Pages per MAP_GUEST_BLOCK the hypervisor asks for (query 0x9204). Not upstream's
/// default (512): a smaller batch makes the driver split each 2 MiB block, as v13 17/25
/// allows, so the driver's use of the answer is visible. The simulator asks the same.
pub const MAP_BATCH: u64 = 64;
/// Pages the hypervisor reclaims per DESTROY_VM call (query 0x9205). Not upstream's
/// default (128), for the same reason; the simulator asks the same.
pub const DESTROY_BATCH: u64 = 256;
/// Extensions offered (the driver's `hypercall::ext`).
pub const EXT_OFFERED: u64 = ext::RELEASE_SLOT | ext::IDLE_BLOCK | ext::EOI_REPORT;

type R<T> = Result<T, i64>;

/// A memory slot.
#[derive(Clone, Copy)]
pub struct Slot {
    pub id: u32,
    pub base_gfn: u64,
    pub npages: u64,
}

/// What an exit left for the next RUN to finish.
#[derive(Clone, Copy)]
pub enum Pending {
    None,
    /// An MMIO read into register `reg` (31 = xzr) of `size` bytes; `sext` sign-extends
    /// to 64 (`sf`) or 32 bits.
    MmioRead {
        reg: usize,
        size: usize,
        sext: bool,
        sf: bool,
    },
    /// A hypercall the VMM answers in `hypercall.args[0..4]`.
    Hvc,
}

/// A vCPU.
pub struct Vcpu {
    pub ctx: Ctx,
    /// The driver's two pages: `gzvm_vcpu_run`, then `gzvm_vcpu_hwstate`.
    pub run_pa: u64,
    pub off: bool,
    pub wfi: bool,
    pub pending: Pending,
    /// On a CPU now (its `ctx` is in that CPU's per-CPU state).
    pub running: bool,
    /// Affinity of the physical CPU it runs on (valid while `running`).
    pub mpidr: u64,
    /// The hypervisor set CNTV_CTL.IMASK to hold the guest's timer interrupt back.
    pub timer_masked: bool,
}

/// A VM.
pub struct Vm {
    pub s2: Stage2,
    pub vmid: u64,
    pub slots: [Option<Slot>; MAX_SLOTS],
    pub vcpus: [Option<Vcpu>; abi::MAX_VCPUS],
    pub demand: bool,
    pub block_buf: Option<u64>,
    pub ext: u64,
    /// The VMM asked for a protected VM (recorded, not enforced).
    pub protected: bool,
    pub vgic: Vgic,
}

impl Vm {
    pub fn new(s2: Stage2, vmid: u64) -> Self {
        Self {
            s2,
            vmid,
            slots: [None; MAX_SLOTS],
            vcpus: [const { None }; abi::MAX_VCPUS],
            demand: false,
            block_buf: None,
            ext: 0,
            protected: false,
            vgic: Vgic::new(),
        }
    }

    /// The slot holding guest frame `gfn`.
    pub fn slot_of(&self, gfn: u64) -> Option<Slot> {
        self.slots
            .iter()
            .flatten()
            .copied()
            .find(|s| gfn >= s.base_gfn && gfn - s.base_gfn < s.npages)
    }

    fn slot_by_id(&self, id: u64) -> R<Slot> {
        self.slots
            .iter()
            .flatten()
            .copied()
            .find(|s| u64::from(s.id) == id)
            .ok_or(status::INVALID_ARGS)
    }

    pub fn vcpu(&mut self, i: usize) -> R<&mut Vcpu> {
        self.vcpus
            .get_mut(i)
            .and_then(Option::as_mut)
            .ok_or(status::INVALID_ARGS)
    }

    /// Bit `n` set for each vCPU `n` that exists.
    pub fn online(&self) -> u8 {
        self.vcpus
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_some())
            .fold(0, |m, (i, _)| m | (1 << i))
    }

    /// CREATE_VCPU(tuple, run page PA) (ACK 6.6 `gzvm_arch_create_vcpu`).
    pub fn create_vcpu(&mut self, i: usize, run_pa: u64) -> R<()> {
        let e = self.vcpus.get_mut(i).ok_or(status::INVALID_ARGS)?;
        if e.is_some() || run_pa & 0xfff != 0 || !mem::host_ram(run_pa, 8192) {
            return Err(status::INVALID_ARGS);
        }
        *e = Some(Vcpu {
            ctx: Ctx::reset(),
            run_pa,
            // vCPU 0 runs at once; the others wait for the guest's PSCI CPU_ON.
            off: i != 0,
            wfi: false,
            pending: Pending::None,
            running: false,
            mpidr: 0,
            timer_masked: false,
        });
        self.vgic.add_cpu(i);
        Ok(())
    }

    /// DESTROY_VCPU(tuple).
    pub fn destroy_vcpu(&mut self, i: usize) -> R<()> {
        let v = self.vcpu(i)?;
        if v.running {
            return Err(status::BUSY);
        }
        self.vcpus[i] = None;
        Ok(())
    }

    /// SET_MEMREGION(vm, size, buffer PA) (ACK 6.6 `gzvm_arch_set_memregion`): a slot's
    /// extent, and with full population its pages as runs of host frames.
    pub fn set_memregion(&mut self, size: u64, pa: u64) -> R<()> {
        if size < abi::MEMREGION_HDR || pa & 0xfff != 0 || !mem::host_ram(pa, size) {
            return Err(status::INVALID_ARGS);
        }
        let slot = mem::read(pa, 4) as u32;
        let count = mem::read(pa + 4, 4);
        let total = mem::read(pa + 8, 8);
        let gpa = mem::read(pa + 16, 8);
        if gpa & 0xfff != 0 || total == 0 || total > MAX_SLOT_PAGES {
            return Err(status::INVALID_ARGS);
        }
        if abi::MEMREGION_HDR + count * abi::CONSTITUENT_SIZE > size {
            return Err(status::INVALID_ARGS);
        }
        let base_gfn = gpa >> 12;
        if (base_gfn + total) << 12 >> super::stage2::IPA_BITS != 0 {
            return Err(status::INVALID_ARGS);
        }
        if self.demand && count != 0 {
            return Err(status::INVALID_ARGS);
        }
        // The same slot may come in several chunks (fully populated: one call per 8 KiB
        // buffer of constituents), each naming its own gpa range.
        let existing = self.slots.iter().flatten().any(|s| s.id == slot);
        if !existing {
            for s in self.slots.iter().flatten() {
                if base_gfn < s.base_gfn + s.npages && s.base_gfn < base_gfn + total {
                    return Err(status::INVALID_ARGS);
                }
            }
            let e = self
                .slots
                .iter_mut()
                .find(|s| s.is_none())
                .ok_or(status::NO_MEMORY)?;
            *e = Some(Slot {
                id: slot,
                base_gfn,
                npages: total,
            });
        } else if let Some(s) = self.slots.iter_mut().flatten().find(|s| s.id == slot) {
            // Grow the slot to cover this chunk.
            let lo = s.base_gfn.min(base_gfn);
            let hi = (s.base_gfn + s.npages).max(base_gfn + total);
            s.base_gfn = lo;
            s.npages = hi - lo;
        }
        let mut gfn = base_gfn;
        for c in 0..count {
            let at = pa + abi::MEMREGION_HDR + c * abi::CONSTITUENT_SIZE;
            let addr = mem::read(at, 8);
            let n = mem::read(at + 8, 4);
            if addr & 0xfff != 0 || n == 0 || !mem::host_ram(addr, n << 12) {
                return Err(status::INVALID_ARGS);
            }
            for p in 0..n {
                if gfn >= base_gfn + total {
                    return Err(status::INVALID_ARGS);
                }
                self.s2.map(gfn << 12, addr + (p << 12))?;
                gfn += 1;
            }
        }
        Ok(())
    }

    /// MAP_GUEST(vm, slot, pfn, gfn, 1) (ACK 6.6 `handle_single_demand_page`).
    pub fn map_guest(&mut self, slot: u64, pfn: u64, gfn: u64, n: u64) -> R<()> {
        let s = self.slot_by_id(slot)?;
        if !self.demand || n != 1 || gfn < s.base_gfn || gfn - s.base_gfn >= s.npages {
            return Err(status::INVALID_ARGS);
        }
        if !mem::host_ram(pfn << 12, 4096) {
            return Err(status::INVALID_ARGS);
        }
        self.s2.map(gfn << 12, pfn << 12)
    }

    /// MAP_GUEST_BLOCK(vm, slot, start gfn, n): the frame numbers are at index 0.. of the
    /// block buffer, one batch per call, within one 2 MiB block (v13 17/25
    /// `handle_block_demand_page`).
    pub fn map_block(&mut self, slot: u64, start: u64, n: u64) -> R<()> {
        let buf = self.block_buf.ok_or(status::INVALID_ARGS)?;
        let s = self.slot_by_id(slot)?;
        if n == 0 || n > MAP_BATCH || start / 512 != (start + n - 1) / 512 {
            return Err(status::INVALID_ARGS);
        }
        if start < s.base_gfn || start + n > s.base_gfn + s.npages {
            return Err(status::INVALID_ARGS);
        }
        for i in 0..n {
            let pfn = mem::read(buf + 8 * i, 8);
            if !mem::host_ram(pfn << 12, 4096) {
                return Err(status::INVALID_ARGS);
            }
            self.s2.map((start + i) << 12, pfn << 12)?;
        }
        Ok(())
    }

    /// ENABLE_CAP(vm, cap, args...) for a VM.
    pub fn enable_cap(&mut self, a: &[u64]) -> R<u64> {
        match a[1] {
            cap::ENABLE_DEMAND_PAGING if knobs::PAGING.load(Relaxed) != 0 => {
                self.demand = true;
                Ok(0)
            }
            cap::BLOCK_BASED_DEMAND_PAGING if self.demand && knobs::PAGING.load(Relaxed) == 2 => {
                // args[0] = 2 MiB, args[1] = PA of 512 frame numbers (v13 17/25).
                if a[2] != 2 << 20 || a[3] & 0xfff != 0 || !mem::host_ram(a[3], 4096) {
                    return Err(status::INVALID_ARGS);
                }
                self.block_buf = Some(a[3]);
                Ok(0)
            }
            cap::ENABLE_IDLE => Ok(0),
            // Recorded only: gzhyp does not take a protected VM's memory away from the
            // host (see README.md), and loads no protected firmware of its own.
            cap::PROTECTED_VM => match a[2] {
                cap::PVM_SET_PVMFW_GPA | cap::PVM_SET_PROTECTED_VM => {
                    self.protected = true;
                    Ok(0)
                }
                _ => Err(status::NOT_SUPPORTED),
            },
            // Offering none, answer as GenieZone's firmware does: unknown capability.
            cap::GHAF_EXT if knobs::EXTENSIONS.load(Relaxed) & EXT_OFFERED != 0 => {
                self.ext = a[2] & EXT_OFFERED & knobs::EXTENSIONS.load(Relaxed);
                self.vgic.report_eois = self.ext & ext::EOI_REPORT != 0;
                Ok(self.ext)
            }
            cap::GHAF_RELEASE_SLOT if self.ext & ext::RELEASE_SLOT != 0 => {
                let s = self.slot_by_id(a[2])?;
                for g in s.base_gfn..s.base_gfn + s.npages {
                    self.s2.unmap(g << 12);
                }
                self.s2.flush(self.vmid);
                for e in self.slots.iter_mut() {
                    if e.is_some_and(|x| x.id == s.id) {
                        *e = None;
                    }
                }
                Ok(0)
            }
            _ => Err(status::NOT_SUPPORTED),
        }
    }

    /// Frames of the kernel pages the driver lent for this VM: the MAP_GUEST_BLOCK buffer
    /// and each vCPU's run and hardware-state pages.
    #[cfg(feature = "test-knobs")]
    pub fn kernel_frames(&self) -> impl Iterator<Item = u64> + '_ {
        let vcpus = self.vcpus.iter().flatten();
        self.block_buf
            .map(|b| b >> 12)
            .into_iter()
            .chain(vcpus.flat_map(|v| [v.run_pa >> 12, (v.run_pa >> 12) + 1]))
    }

    /// Makes the vCPUs in `targets` that run on another physical CPU exit, so they see an
    /// interrupt made pending for them (see [`arch::kick`]).
    pub fn kick(&self, targets: u8) {
        for (i, v) in self.vcpus.iter().enumerate() {
            match v {
                Some(v) if targets & (1 << i) != 0 && v.running => arch::kick(v.mpidr),
                _ => {}
            }
        }
    }

    /// Unmaps up to `batch` pages (DESTROY_VM); whether none are left.
    pub fn reclaim(&mut self, batch: u64) -> bool {
        self.s2.unmap_some(batch);
        self.s2.flush(self.vmid);
        self.s2.mapped == 0
    }
}
