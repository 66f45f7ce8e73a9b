// SPDX-License-Identifier: GPL-2.0

//! The simulated GICv3, as GenieZone provides one to its guests.
//!
//! The distributor and the redistributors live at the addresses userspace gave
//! `GZVM_CREATE_DEVICE`; guest loads and stores there are handled here and never exit to
//! the VMM. The CPU interface is reached through MRS/MSR of the `ICC_*_EL1` registers.
//!
//! The model is a single-security-state GICv3 with affinity routing always on
//! (`GICD_CTLR.DS` and `.ARE` read as one), every interrupt in group 1, no LPIs and no
//! ITS. It has [`NR_IRQS`] interrupt ids: SGIs 0..15 and PPIs 16..31 per vCPU in the
//! redistributor's SGI frame, SPIs 32..255 in the distributor. Priorities have five bits.
//! Everything resets to zero, as on hardware: interrupts disabled, level-sensitive,
//! priority 0, the priority mask at 0 (nothing is signalled until the guest raises it),
//! group 1 disabled, every redistributor asleep.
//!
//! An interrupt is pending when its latch is set (edge, `ISPENDR`, SGI) or, if it is
//! level-sensitive, while its input line is high. Acknowledging (`ICC_IAR1_EL1`) makes it
//! active and clears the latch; a level interrupt whose line is still high therefore
//! comes back after it is deactivated, unless the line was lowered first.
//!
//! An edge-triggered interrupt is latched by every assertion of its line, as KVM's vGIC
//! takes every level-1 injection of an edge interrupt (`vgic_validate_injection()`): the
//! upstream driver's irqfds only ever raise a line (v13 10/25), so this is what makes each
//! signal one interrupt.
//!
//! With the driver's Ghaf `EOI_REPORT` extension, deactivating a level-sensitive SPI is
//! reported to the driver: the simulator ends the RUN call with an IRQ exit and lists the
//! interrupt in the hardware-state page as an invalid list register with its EOI bit set.
//! That is what lets the driver lower the line and signal an irqfd's resamplefd.

use kernel::{alloc::AllocError, prelude::*};

use super::cpu::sysreg_enc;

/// Interrupt ids implemented: `GICD_TYPER.ITLinesNumber` = 7.
pub(crate) const NR_IRQS: u32 = 256;
/// SPIs implemented (ids 32..NR_IRQS).
pub(crate) const NR_SPIS: usize = NR_IRQS as usize - 32;
/// vCPUs (one redistributor each).
pub(crate) const MAX_VCPUS: usize = 8;
/// The id `ICC_IAR1_EL1` returns when nothing can be acknowledged.
pub(crate) const SPURIOUS: u64 = 1023;
/// Each redistributor is two 64 KiB frames: RD_base, then SGI_base.
pub(crate) const REDIST_STRIDE: u64 = 0x2_0000;
/// Size of the distributor frame.
pub(crate) const DIST_SIZE: u64 = 0x1_0000;
/// Implemented priority bits (five): the low three read as zero.
const PRIO_MASK: u8 = 0xf8;
/// The running priority when nothing is active.
const IDLE_PRIO: u8 = 0xff;
/// Depth of the per-vCPU stack of active priorities (one per preemption level).
const MAX_NESTED: usize = 32;
/// Deactivations of level SPIs kept for the driver between two exits.
pub(crate) const MAX_EOI_REPORTS: usize = 16;
/// `GICD_PIDR2` / `GICR_PIDR2`: architecture revision 3.
const PIDR2_GICV3: u64 = 0x30;

/// Distributor register offsets.
mod gicd {
    pub(crate) const CTLR: u64 = 0x0000;
    pub(crate) const TYPER: u64 = 0x0004;
    pub(crate) const IIDR: u64 = 0x0008;
    pub(crate) const IGROUPR: u64 = 0x0080;
    pub(crate) const ISENABLER: u64 = 0x0100;
    pub(crate) const IPRIORITYR: u64 = 0x0400;
    pub(crate) const IPRIORITYR_END: u64 = 0x0800;
    pub(crate) const ICFGR: u64 = 0x0c00;
    pub(crate) const ICFGR_END: u64 = 0x0d00;
    pub(crate) const IROUTER: u64 = 0x6000;
    pub(crate) const IROUTER_END: u64 = 0x8000;
    pub(crate) const PIDR2: u64 = 0xffe8;
    /// `CTLR`: group 1 enable (the only group the model delivers).
    pub(crate) const CTLR_ENABLE_G1: u32 = 1 << 1;
    /// `CTLR`: affinity routing enabled, single security state (read as one).
    pub(crate) const CTLR_ARE_DS: u32 = (1 << 4) | (1 << 6);
    /// `IROUTER.Interrupt_Routing_Mode`: any participating vCPU.
    pub(crate) const IROUTER_IRM: u64 = 1 << 31;
}

/// Redistributor register offsets (RD_base frame, then SGI_base frame).
mod gicr {
    pub(crate) const TYPER: u64 = 0x0008;
    pub(crate) const WAKER: u64 = 0x0014;
    pub(crate) const PIDR2: u64 = 0xffe8;
    pub(crate) const SGI_BASE: u64 = 0x1_0000;
    pub(crate) const IGROUPR0: u64 = 0x0080;
    pub(crate) const IPRIORITYR: u64 = 0x0400;
    pub(crate) const IPRIORITYR_END: u64 = 0x0420;
    pub(crate) const ICFGR0: u64 = 0x0c00;
    pub(crate) const ICFGR1: u64 = 0x0c04;
    /// `WAKER.ProcessorSleep`.
    pub(crate) const WAKER_SLEEP: u64 = 1 << 1;
    /// `WAKER.ChildrenAsleep`.
    pub(crate) const WAKER_ASLEEP: u64 = 1 << 2;
}

/// CPU interface system registers (MRS/MSR encodings).
pub(crate) mod icc {
    use super::sysreg_enc;
    pub(crate) const PMR: u32 = sysreg_enc(3, 0, 4, 6, 0);
    pub(crate) const IAR1: u32 = sysreg_enc(3, 0, 12, 12, 0);
    pub(crate) const EOIR1: u32 = sysreg_enc(3, 0, 12, 12, 1);
    pub(crate) const HPPIR1: u32 = sysreg_enc(3, 0, 12, 12, 2);
    pub(crate) const BPR1: u32 = sysreg_enc(3, 0, 12, 12, 3);
    pub(crate) const CTLR: u32 = sysreg_enc(3, 0, 12, 12, 4);
    pub(crate) const SRE: u32 = sysreg_enc(3, 0, 12, 12, 5);
    pub(crate) const IGRPEN0: u32 = sysreg_enc(3, 0, 12, 12, 6);
    pub(crate) const IGRPEN1: u32 = sysreg_enc(3, 0, 12, 12, 7);
    pub(crate) const DIR: u32 = sysreg_enc(3, 0, 12, 11, 1);
    pub(crate) const RPR: u32 = sysreg_enc(3, 0, 12, 11, 3);
    pub(crate) const SGI1R: u32 = sysreg_enc(3, 0, 12, 11, 5);
    /// `ICC_AP0R<n>_EL1` and `ICC_AP1R<n>_EL1` (read as zero, writes ignored).
    pub(crate) const AP0R0: u32 = sysreg_enc(3, 0, 12, 8, 4);
    pub(crate) const AP1R0: u32 = sysreg_enc(3, 0, 12, 9, 0);
    /// `CTLR.EOImode`: EOIR only drops the priority, DIR deactivates.
    pub(crate) const CTLR_EOIMODE: u64 = 1 << 1;
    /// `CTLR.PRIbits` = 4 (five priority bits); `IDbits` = 0 (16-bit ids).
    pub(crate) const CTLR_RO: u64 = 4 << 8;
    /// `SRE`: system register interface on, IRQ/FIQ bypass disabled (read-only).
    pub(crate) const SRE_VALUE: u64 = 0x7;
}

/// One interrupt's state.
#[derive(Clone, Copy, Zeroable)]
struct Irq {
    enabled: bool,
    /// Pending latch: edge, `ISPENDR` or SGI.
    latch: bool,
    /// Input line level (IRQ_LINE, irqfd).
    line: bool,
    active: bool,
    /// Edge-triggered (`ICFGR`); SGIs are always edge-triggered.
    edge: bool,
    priority: u8,
    /// SPIs: the target vCPU (`IROUTER` Aff0).
    target: u8,
    /// SPIs: `IROUTER.IRM`, deliverable to any vCPU.
    any: bool,
}

impl Irq {
    fn pending(&self) -> bool {
        self.latch || (!self.edge && self.line)
    }
}

/// One vCPU's redistributor and CPU interface.
#[derive(Clone, Copy, Zeroable)]
struct Cpu {
    /// SGIs and PPIs.
    private: [Irq; 32],
    pmr: u8,
    bpr: u8,
    igrpen0: bool,
    igrpen1: bool,
    eoimode: bool,
    /// `GICR_WAKER.ProcessorSleep` clear.
    awake: bool,
    /// Acknowledged interrupts whose priority was not dropped yet: (id, priority).
    nested: [(u16, u8); MAX_NESTED],
    n_nested: usize,
    /// Deactivated level SPIs the driver has not been told about.
    eois: [u16; MAX_EOI_REPORTS],
    n_eois: usize,
}

impl Cpu {
    fn running_priority(&self) -> u8 {
        self.nested[..self.n_nested]
            .iter()
            .map(|&(_, p)| p)
            .min()
            .unwrap_or(IDLE_PRIO)
    }
}

/// Which bit of [`Irq`] a one-bit-per-interrupt register bank reads or writes.
#[derive(Clone, Copy)]
enum Bank {
    /// ISENABLER (set) / ICENABLER (clear).
    Enable,
    /// ISPENDR / ICPENDR: reads the pending state, writes the latch.
    Pend,
    /// ISACTIVER / ICACTIVER.
    Active,
}

/// The simulated GIC of one VM.
#[derive(Zeroable)]
pub(crate) struct Gic {
    /// Distributor and redistributor region bases (CREATE_DEVICE), valid once placed.
    dist: u64,
    redist: u64,
    dist_placed: bool,
    redist_placed: bool,
    /// `GICD_CTLR` group enables.
    ctlr: u32,
    spis: [Irq; NR_SPIS],
    cpus: [Cpu; MAX_VCPUS],
    /// An SGI was sent: the simulator tells the driver to wake idle vCPUs.
    sgi_sent: bool,
    /// Report deactivations of level SPIs (the driver negotiated `EOI_REPORT`).
    pub(crate) report_eois: bool,
}

impl Gic {
    /// A GIC in its reset state, with no frames placed yet.
    pub(crate) fn new() -> core::result::Result<KBox<Gic>, AllocError> {
        KBox::init(pin_init::zeroed::<Gic>(), GFP_KERNEL).map_err(|_: Error| AllocError)
    }

    /// Places the distributor (`dist`) or the redistributor region; each once. The
    /// redistributor of vCPU `n` is at `base + n * REDIST_STRIDE` for the vCPUs that exist
    /// (crosvm passes the size of one), and the distributor wins where they overlap.
    pub(crate) fn place(&mut self, dist: bool, base: u64) -> core::result::Result<(), ()> {
        let (slot, placed) = if dist {
            (&mut self.dist, &mut self.dist_placed)
        } else {
            (&mut self.redist, &mut self.redist_placed)
        };
        if *placed {
            return Err(());
        }
        *slot = base;
        *placed = true;
        Ok(())
    }

    fn irq(&self, vcpu: usize, intid: u32) -> Option<&Irq> {
        match intid {
            0..32 => self.cpus.get(vcpu)?.private.get(intid as usize),
            _ => self.spis.get(intid as usize - 32),
        }
    }

    fn irq_mut(&mut self, vcpu: usize, intid: u32) -> Option<&mut Irq> {
        match intid {
            0..32 => self.cpus.get_mut(vcpu)?.private.get_mut(intid as usize),
            _ => self.spis.get_mut(intid as usize - 32),
        }
    }

    /// Sets the input line of PPI `intid` (16..31) of `vcpu`, or of SPI `intid`
    /// (32..[`NR_IRQS`]). Every assertion of an edge-triggered interrupt latches it.
    pub(crate) fn set_line(
        &mut self,
        vcpu: usize,
        intid: u32,
        level: bool,
    ) -> core::result::Result<(), ()> {
        if !(16..NR_IRQS).contains(&intid) {
            return Err(());
        }
        let irq = self.irq_mut(vcpu, intid).ok_or(())?;
        if irq.edge && level {
            irq.latch = true;
        }
        irq.line = level;
        Ok(())
    }

    /// The highest-priority interrupt `vcpu` could acknowledge now: enabled, pending, not
    /// active, routed to it, with a priority above both the mask and the running priority.
    fn best(&self, vcpu: usize) -> Option<(u32, u8)> {
        let cpu = self.cpus.get(vcpu)?;
        if !cpu.igrpen1 || self.ctlr & gicd::CTLR_ENABLE_G1 == 0 {
            return None;
        }
        let limit = core::cmp::min(cpu.pmr, cpu.running_priority());
        let private = cpu.private.iter().zip(0u32..);
        let spis = self
            .spis
            .iter()
            .zip(32u32..)
            .filter(|(i, _)| i.any || usize::from(i.target) == vcpu);
        Iterator::chain(private, spis)
            .filter(|(i, _)| i.enabled && i.pending() && !i.active && i.priority < limit)
            .map(|(i, id)| (id, i.priority))
            .min_by_key(|&(id, p)| (p, id))
    }

    /// Whether `vcpu` has an interrupt to take (or to wake from WFI for).
    pub(crate) fn signalled(&self, vcpu: usize) -> bool {
        self.best(vcpu).is_some()
    }

    /// `ICC_IAR1_EL1`.
    fn acknowledge(&mut self, vcpu: usize) -> u64 {
        let Some((id, prio)) = self.best(vcpu) else {
            return SPURIOUS;
        };
        if let Some(irq) = self.irq_mut(vcpu, id) {
            irq.active = true;
            irq.latch = false;
        }
        if let Some(cpu) = self.cpus.get_mut(vcpu) {
            if let Some(slot) = cpu.nested.get_mut(cpu.n_nested) {
                *slot = (id as u16, prio);
                cpu.n_nested += 1;
            }
        }
        u64::from(id)
    }

    /// Priority drop of `id` (the EOIR half that always happens).
    fn drop_priority(&mut self, vcpu: usize, id: u32) {
        let Some(cpu) = self.cpus.get_mut(vcpu) else {
            return;
        };
        let n = cpu.n_nested;
        if let Some(pos) = cpu.nested[..n]
            .iter()
            .rposition(|&(i, _)| u32::from(i) == id)
        {
            cpu.nested.copy_within(pos + 1..n, pos);
            cpu.n_nested -= 1;
        }
    }

    /// Deactivation of `id`; a level-sensitive SPI is reported to the driver.
    fn deactivate(&mut self, vcpu: usize, id: u32) {
        let report = match self.irq_mut(vcpu, id) {
            Some(irq) if irq.active => {
                irq.active = false;
                id >= 32 && !irq.edge && self.report_eois
            }
            _ => false,
        };
        if let (true, Some(cpu)) = (report, self.cpus.get_mut(vcpu)) {
            if let Some(slot) = cpu.eois.get_mut(cpu.n_eois) {
                *slot = id as u16;
                cpu.n_eois += 1;
            }
        }
    }

    /// Takes the level SPIs `vcpu` deactivated since the last call.
    pub(crate) fn take_eois(&mut self, vcpu: usize, out: &mut [u16; MAX_EOI_REPORTS]) -> usize {
        let Some(cpu) = self.cpus.get_mut(vcpu) else {
            return 0;
        };
        let n = cpu.n_eois;
        out[..n].copy_from_slice(&cpu.eois[..n]);
        cpu.n_eois = 0;
        n
    }

    /// Whether an SGI was sent since the last call.
    pub(crate) fn take_sgi_sent(&mut self) -> bool {
        core::mem::replace(&mut self.sgi_sent, false)
    }

    /// MRS of a CPU interface register; `None` for registers the GIC does not own.
    pub(crate) fn sysreg_read(&mut self, vcpu: usize, enc: u32) -> Option<u64> {
        if enc == icc::IAR1 {
            return Some(self.acknowledge(vcpu));
        }
        if enc == icc::HPPIR1 {
            return Some(self.best(vcpu).map_or(SPURIOUS, |(id, _)| u64::from(id)));
        }
        let cpu = self.cpus.get(vcpu)?;
        Some(match enc {
            icc::PMR => u64::from(cpu.pmr),
            icc::BPR1 => u64::from(cpu.bpr),
            icc::CTLR => icc::CTLR_RO | if cpu.eoimode { icc::CTLR_EOIMODE } else { 0 },
            icc::SRE => icc::SRE_VALUE,
            icc::IGRPEN0 => u64::from(cpu.igrpen0),
            icc::IGRPEN1 => u64::from(cpu.igrpen1),
            icc::RPR => u64::from(cpu.running_priority()),
            e if (icc::AP0R0..icc::AP0R0 + 4).contains(&e) => 0,
            e if (icc::AP1R0..icc::AP1R0 + 4).contains(&e) => 0,
            _ => return None,
        })
    }

    /// MSR of a CPU interface register; `None` for registers the GIC does not own.
    /// `online` has bit `n` set for each vCPU that exists (SGI targets).
    pub(crate) fn sysreg_write(
        &mut self,
        vcpu: usize,
        online: u8,
        enc: u32,
        val: u64,
    ) -> Option<()> {
        let id = (val & 0xff_ffff) as u32;
        match enc {
            icc::EOIR1 => {
                self.drop_priority(vcpu, id);
                if !self.cpus.get(vcpu)?.eoimode {
                    self.deactivate(vcpu, id);
                }
            }
            icc::DIR => self.deactivate(vcpu, id),
            icc::SGI1R => self.send_sgi(vcpu, online, val),
            _ => {
                let cpu = self.cpus.get_mut(vcpu)?;
                match enc {
                    icc::PMR => cpu.pmr = val as u8 & PRIO_MASK,
                    icc::BPR1 => cpu.bpr = val as u8 & 7,
                    icc::CTLR => cpu.eoimode = val & icc::CTLR_EOIMODE != 0,
                    icc::IGRPEN0 => cpu.igrpen0 = val & 1 != 0,
                    icc::IGRPEN1 => cpu.igrpen1 = val & 1 != 0,
                    icc::SRE => {}
                    e if (icc::AP0R0..icc::AP0R0 + 4).contains(&e) => {}
                    e if (icc::AP1R0..icc::AP1R0 + 4).contains(&e) => {}
                    _ => return None,
                }
            }
        }
        Some(())
    }

    /// `ICC_SGI1R_EL1`: TargetList (Aff0 bits, Aff1..3 must be 0), INTID, IRM.
    fn send_sgi(&mut self, vcpu: usize, online: u8, val: u64) {
        let sgi = ((val >> 24) & 0xf) as usize;
        let all_but_self = val & (1 << 40) != 0;
        let affinity_above_0 = val & 0x00ff_00ff_00ff_0000 != 0;
        for (n, cpu) in self.cpus.iter_mut().enumerate() {
            let target = if all_but_self {
                n != vcpu
            } else {
                !affinity_above_0 && val & (1 << n) != 0
            };
            if target && online & (1 << n) != 0 {
                cpu.private[sgi].latch = true;
                self.sgi_sent = true;
            }
        }
    }

    /// A guest load (`write` `None`) or store at `addr`: `None` if the address is in no GIC
    /// frame. Unimplemented registers read as zero and ignore writes.
    pub(crate) fn mmio(
        &mut self,
        vcpu: usize,
        online: u8,
        addr: u64,
        size: usize,
        write: Option<u64>,
    ) -> Option<u64> {
        if let Some(off) = addr.checked_sub(self.dist).filter(|_| self.dist_placed) {
            if off < DIST_SIZE {
                return Some(self.dist_access(vcpu, off, size, write));
            }
        }
        let off = addr
            .checked_sub(self.redist)
            .filter(|_| self.redist_placed)?;
        let n = usize::try_from(off / REDIST_STRIDE).ok()?;
        if n >= MAX_VCPUS || online & (1 << n) == 0 {
            return None;
        }
        let last = online >> (n + 1) == 0;
        Some(self.redist_access(n, last, off % REDIST_STRIDE, size, write))
    }

    fn dist_access(&mut self, vcpu: usize, off: u64, size: usize, write: Option<u64>) -> u64 {
        let word = ((off & 0x7f) / 4) as u32;
        match (off, size) {
            (gicd::IPRIORITYR..gicd::IPRIORITYR_END, 1 | 4) => {
                let first = (off - gicd::IPRIORITYR) as u32;
                // Private interrupts are banked in the redistributors.
                if first < 32 {
                    return 0;
                }
                self.priorities(vcpu, first, size, write)
            }
            (gicd::IROUTER..gicd::IROUTER_END, 8) if off >= gicd::IROUTER + 8 * 32 => {
                let id = ((off - gicd::IROUTER) / 8) as u32;
                let Some(irq) = self.irq_mut(vcpu, id) else {
                    return 0;
                };
                if let Some(v) = write {
                    irq.target = v as u8;
                    irq.any = v & gicd::IROUTER_IRM != 0;
                }
                u64::from(irq.target) | if irq.any { gicd::IROUTER_IRM } else { 0 }
            }
            (_, 4) => match off {
                gicd::CTLR => {
                    if let Some(v) = write {
                        self.ctlr = v as u32 & 0x3;
                    }
                    u64::from(self.ctlr | gicd::CTLR_ARE_DS)
                }
                gicd::TYPER => u64::from(NR_IRQS / 32 - 1) | (9 << 19),
                gicd::IIDR => 0,
                gicd::PIDR2 => PIDR2_GICV3,
                // Word 0 (private interrupts) is RAZ/WI with affinity routing.
                o if o & 0x7f == 0 && (gicd::IGROUPR..gicd::IPRIORITYR).contains(&o) => 0,
                o if (gicd::IGROUPR..gicd::ISENABLER).contains(&o) => 0xffff_ffff,
                o if (gicd::ISENABLER..gicd::IPRIORITYR).contains(&o) => {
                    self.bank(vcpu, off, 32 * word, write)
                }
                o if (gicd::ICFGR..gicd::ICFGR_END).contains(&o) => {
                    let first = 16 * ((o - gicd::ICFGR) / 4) as u32;
                    if first < 32 {
                        return 0;
                    }
                    self.config(vcpu, first, write)
                }
                _ => 0,
            },
            _ => 0,
        }
    }

    fn redist_access(
        &mut self,
        n: usize,
        last: bool,
        off: u64,
        size: usize,
        write: Option<u64>,
    ) -> u64 {
        if off >= gicr::SGI_BASE {
            let off = off - gicr::SGI_BASE;
            return match (off, size) {
                (gicr::IPRIORITYR..gicr::IPRIORITYR_END, 1 | 4) => {
                    self.priorities(n, (off - gicr::IPRIORITYR) as u32, size, write)
                }
                (gicr::IGROUPR0, 4) => 0xffff_ffff,
                (gicr::ICFGR0, 4) => 0xaaaa_aaaa,
                (gicr::ICFGR1, 4) => self.config(n, 16, write),
                (o, 4) if o & 0x7f == 0 && (gicd::ISENABLER..gicd::IPRIORITYR).contains(&o) => {
                    self.bank(n, o, 0, write)
                }
                _ => 0,
            };
        }
        let Some(cpu) = self.cpus.get_mut(n) else {
            return 0;
        };
        match (off, size) {
            (gicr::TYPER, 8) | (gicr::TYPER, 4) | (0x000c, 4) => {
                // Affinity (Aff0 = vCPU index) in the upper half; processor number and
                // Last in the lower.
                let typer = ((n as u64) << 32) | ((n as u64) << 8) | (u64::from(last) << 4);
                if off == 0x000c {
                    typer >> 32
                } else if size == 4 {
                    typer & 0xffff_ffff
                } else {
                    typer
                }
            }
            (gicr::WAKER, 4) => {
                if let Some(v) = write {
                    cpu.awake = v & gicr::WAKER_SLEEP == 0;
                }
                if cpu.awake {
                    0
                } else {
                    gicr::WAKER_SLEEP | gicr::WAKER_ASLEEP
                }
            }
            (gicr::PIDR2, 4) => PIDR2_GICV3,
            _ => 0,
        }
    }

    /// A one-bit-per-interrupt register at `off` (set/clear pair by its bit 7) covering
    /// ids `first..first + 32`.
    fn bank(&mut self, vcpu: usize, off: u64, first: u32, write: Option<u64>) -> u64 {
        let (bank, set) = match off & !0x7f {
            0x100 => (Bank::Enable, true),
            0x180 => (Bank::Enable, false),
            0x200 => (Bank::Pend, true),
            0x280 => (Bank::Pend, false),
            0x300 => (Bank::Active, true),
            0x380 => (Bank::Active, false),
            _ => return 0,
        };
        let mut bits = 0u64;
        for b in 0..32 {
            let id = first + b;
            let Some(irq) = self.irq_mut(vcpu, id) else {
                break;
            };
            if let Some(v) = write {
                if v & (1 << b) != 0 {
                    match bank {
                        Bank::Enable => irq.enabled = set,
                        Bank::Pend => irq.latch = set,
                        Bank::Active => irq.active = set,
                    }
                }
            }
            let on = match bank {
                Bank::Enable => irq.enabled,
                Bank::Pend => irq.pending(),
                Bank::Active => irq.active,
            };
            bits |= u64::from(on) << b;
        }
        bits
    }

    /// `IPRIORITYR` bytes for ids `first..first + size`.
    fn priorities(&mut self, vcpu: usize, first: u32, size: usize, write: Option<u64>) -> u64 {
        let mut v = 0u64;
        for b in 0..size as u32 {
            let Some(irq) = self.irq_mut(vcpu, first + b) else {
                break;
            };
            if let Some(w) = write {
                irq.priority = (w >> (8 * b)) as u8 & PRIO_MASK;
            }
            v |= u64::from(irq.priority) << (8 * b);
        }
        v
    }

    /// `ICFGR` for ids `first..first + 16`: bit `2k + 1` set means edge-triggered.
    fn config(&mut self, vcpu: usize, first: u32, write: Option<u64>) -> u64 {
        let mut v = 0u64;
        for k in 0..16 {
            let Some(irq) = self.irq_mut(vcpu, first + k) else {
                break;
            };
            if let Some(w) = write {
                irq.edge = w & (2 << (2 * k)) != 0;
            }
            v |= u64::from(irq.edge) << (2 * k + 1);
        }
        v
    }

    /// Whether interrupt `intid` of `vcpu` is pending (for tests and debugging).
    pub(crate) fn is_pending(&self, vcpu: usize, intid: u32) -> bool {
        self.irq(vcpu, intid).is_some_and(Irq::pending)
    }
}

#[kunit_tests(gzvm_sim_gic)]
mod tests {
    use super::*;

    const DIST: u64 = 0x3fff_0000;
    const REDIST: u64 = DIST - 4 * REDIST_STRIDE;
    const TWO_CPUS: u8 = 0b11;

    fn gic() -> KBox<Gic> {
        let mut g = Gic::new().expect("alloc");
        assert_eq!(g.place(true, DIST), Ok(()));
        assert_eq!(g.place(false, REDIST), Ok(()));
        assert_eq!(g.place(false, REDIST), Err(()));
        g
    }

    fn wr(g: &mut Gic, cpu: usize, addr: u64, v: u64) {
        assert!(g.mmio(cpu, TWO_CPUS, addr, 4, Some(v)).is_some());
    }

    fn rd(g: &mut Gic, cpu: usize, addr: u64) -> u64 {
        g.mmio(cpu, TWO_CPUS, addr, 4, None).expect("GIC address")
    }

    /// Distributor and CPU interface set up as a guest would, SPI `id` enabled.
    fn enable_spi(g: &mut Gic, id: u32) {
        wr(g, 0, DIST + gicd::CTLR, 2);
        wr(g, 0, DIST + 0x100 + 4 * u64::from(id / 32), 1 << (id % 32));
        g.sysreg_write(0, TWO_CPUS, icc::PMR, 0xf0).expect("pmr");
        g.sysreg_write(0, TWO_CPUS, icc::IGRPEN1, 1)
            .expect("igrpen1");
    }

    #[test]
    fn identification_registers() {
        let mut g = gic();
        assert_eq!(rd(&mut g, 0, DIST + gicd::TYPER) & 0x1f, 7);
        assert_eq!(rd(&mut g, 0, DIST + gicd::PIDR2) & 0xf0, 0x30);
        assert_eq!(rd(&mut g, 0, DIST + gicd::CTLR) & 0x50, 0x50);
        // Two redistributors; the second is the last.
        let t0 = g
            .mmio(0, TWO_CPUS, REDIST + gicr::TYPER, 8, None)
            .expect("typer");
        let t1 = g
            .mmio(0, TWO_CPUS, REDIST + REDIST_STRIDE + gicr::TYPER, 8, None)
            .expect("typer");
        assert_eq!((t0 >> 32, t0 & 0x10), (0, 0));
        assert_eq!((t1 >> 32, t1 & 0x10), (1, 0x10));
        // A third vCPU does not exist: its frame is not the GIC's.
        assert!(g
            .mmio(0, TWO_CPUS, REDIST + 2 * REDIST_STRIDE, 4, None)
            .is_none());
        // Redistributors start asleep and wake on request.
        assert_eq!(rd(&mut g, 1, REDIST + gicr::WAKER), 6);
        wr(&mut g, 1, REDIST + gicr::WAKER, 0);
        assert_eq!(rd(&mut g, 1, REDIST + gicr::WAKER), 0);
        assert_eq!(g.sysreg_read(0, icc::SRE), Some(7));
    }

    #[test]
    fn spis_start_disabled() {
        let mut g = gic();
        wr(&mut g, 0, DIST + gicd::CTLR, 2);
        g.sysreg_write(0, TWO_CPUS, icc::PMR, 0xf0).expect("pmr");
        g.sysreg_write(0, TWO_CPUS, icc::IGRPEN1, 1)
            .expect("igrpen1");
        assert_eq!(g.set_line(0, 40, true), Ok(()));
        assert!(g.is_pending(0, 40));
        assert!(!g.signalled(0));
        assert_eq!(g.sysreg_read(0, icc::IAR1), Some(SPURIOUS));
        wr(&mut g, 0, DIST + 0x104, 1 << 8);
        assert_eq!(rd(&mut g, 0, DIST + 0x104), 1 << 8);
        assert!(g.signalled(0));
        assert!(!g.signalled(1));
    }

    #[test]
    fn level_spi_ack_eoi_and_report() {
        let mut g = gic();
        g.report_eois = true;
        enable_spi(&mut g, 40);
        assert_eq!(g.set_line(0, 40, true), Ok(()));
        assert_eq!(g.sysreg_read(0, icc::IAR1), Some(40));
        // Active: not signalled again, running priority is its priority.
        assert!(!g.signalled(0));
        assert_eq!(g.sysreg_read(0, icc::RPR), Some(0));
        assert_eq!(g.sysreg_write(0, TWO_CPUS, icc::EOIR1, 40), Some(()));
        let mut out = [0u16; MAX_EOI_REPORTS];
        assert_eq!(g.take_eois(0, &mut out), 1);
        assert_eq!(out[0], 40);
        assert_eq!(g.take_eois(0, &mut out), 0);
        // The line is still high: the interrupt is back.
        assert!(g.signalled(0));
        g.set_line(0, 40, false).expect("line");
        assert!(!g.signalled(0));
    }

    #[test]
    fn edge_spi_latches_once() {
        let mut g = gic();
        enable_spi(&mut g, 33);
        // ICFGR2 covers 32..47: id 33 is field 1.
        wr(&mut g, 0, DIST + gicd::ICFGR + 8, 2 << 2);
        g.set_line(0, 33, true).expect("line");
        g.set_line(0, 33, false).expect("line");
        assert_eq!(g.sysreg_read(0, icc::IAR1), Some(33));
        g.sysreg_write(0, TWO_CPUS, icc::EOIR1, 33).expect("eoi");
        let mut out = [0u16; MAX_EOI_REPORTS];
        assert_eq!(g.take_eois(0, &mut out), 0);
        assert!(!g.signalled(0));
        // The line stays high (an upstream irqfd never lowers it): each further
        // assertion is one more interrupt.
        g.set_line(0, 33, true).expect("line");
        assert_eq!(g.sysreg_read(0, icc::IAR1), Some(33));
        g.sysreg_write(0, TWO_CPUS, icc::EOIR1, 33).expect("eoi");
        assert!(!g.signalled(0));
        g.set_line(0, 33, true).expect("line");
        assert_eq!(g.sysreg_read(0, icc::IAR1), Some(33));
    }

    #[test]
    fn level_spi_not_reported_without_the_extension() {
        let mut g = gic();
        enable_spi(&mut g, 41);
        g.set_line(0, 41, true).expect("line");
        assert_eq!(g.sysreg_read(0, icc::IAR1), Some(41));
        g.sysreg_write(0, TWO_CPUS, icc::EOIR1, 41).expect("eoi");
        let mut out = [0u16; MAX_EOI_REPORTS];
        assert_eq!(g.take_eois(0, &mut out), 0);
    }

    #[test]
    fn priority_mask_and_preemption() {
        let mut g = gic();
        enable_spi(&mut g, 34);
        wr(&mut g, 0, DIST + 0x104, 1 << 3); // and 35
                                             // 34 at priority 0xa0, 35 at 0x80.
        assert!(g
            .mmio(0, TWO_CPUS, DIST + gicd::IPRIORITYR + 34, 1, Some(0xa0))
            .is_some());
        assert!(g
            .mmio(0, TWO_CPUS, DIST + gicd::IPRIORITYR + 35, 1, Some(0x87))
            .is_some());
        assert_eq!(rd(&mut g, 0, DIST + gicd::IPRIORITYR + 32), 0x80a0_0000);
        g.set_line(0, 34, true).expect("line");
        g.sysreg_write(0, TWO_CPUS, icc::PMR, 0xa0).expect("pmr");
        assert!(!g.signalled(0));
        g.sysreg_write(0, TWO_CPUS, icc::PMR, 0xb0).expect("pmr");
        assert_eq!(g.sysreg_read(0, icc::IAR1), Some(34));
        // 35 has a higher priority: it preempts.
        g.set_line(0, 35, true).expect("line");
        assert_eq!(g.sysreg_read(0, icc::IAR1), Some(35));
        assert_eq!(g.sysreg_read(0, icc::RPR), Some(0x80));
        g.sysreg_write(0, TWO_CPUS, icc::EOIR1, 35).expect("eoi");
        assert_eq!(g.sysreg_read(0, icc::RPR), Some(0xa0));
    }

    #[test]
    fn ppis_and_sgis_are_per_vcpu() {
        let mut g = gic();
        wr(&mut g, 0, DIST + gicd::CTLR, 2);
        for cpu in 0..2 {
            g.sysreg_write(cpu, TWO_CPUS, icc::PMR, 0xf0).expect("pmr");
            g.sysreg_write(cpu, TWO_CPUS, icc::IGRPEN1, 1).expect("grp");
        }
        // Enable PPI 27 and SGI 3 on vCPU 1 through its SGI frame.
        let sgi1 = REDIST + REDIST_STRIDE + gicr::SGI_BASE;
        wr(&mut g, 1, sgi1 + 0x100, (1 << 27) | (1 << 3));
        g.set_line(1, 27, true).expect("ppi");
        assert!(!g.signalled(0));
        assert_eq!(g.sysreg_read(1, icc::IAR1), Some(27));
        // SGI 3 from vCPU 0 to vCPU 1 (TargetList bit 1).
        g.sysreg_write(0, TWO_CPUS, icc::SGI1R, (3 << 24) | 0b10)
            .expect("sgi");
        assert!(g.take_sgi_sent());
        // Preempts nothing (both priority 0, 27 active): EOI 27 first.
        g.sysreg_write(1, TWO_CPUS, icc::EOIR1, 27).expect("eoi");
        g.set_line(1, 27, false).expect("ppi");
        assert_eq!(g.sysreg_read(1, icc::IAR1), Some(3));
        assert_eq!(g.set_line(0, 3, true), Err(()));
        assert_eq!(g.set_line(0, NR_IRQS, true), Err(()));
    }

    #[test]
    fn spi_routing() {
        let mut g = gic();
        enable_spi(&mut g, 50);
        g.sysreg_write(1, TWO_CPUS, icc::PMR, 0xf0).expect("pmr");
        g.sysreg_write(1, TWO_CPUS, icc::IGRPEN1, 1).expect("grp");
        assert!(g
            .mmio(0, TWO_CPUS, DIST + gicd::IROUTER + 8 * 50, 8, Some(1))
            .is_some());
        g.set_line(0, 50, true).expect("line");
        assert!(!g.signalled(0));
        assert!(g.signalled(1));
    }
}
