// SPDX-License-Identifier: GPL-2.0

//! The guests' GICv3: distributor and redistributors emulated here at the addresses the
//! VMM gave CREATE_DEVICE (never exiting to the host), interrupts delivered through the
//! GICv3 list registers of the virtual CPU interface (Arm IHI 0069, chapters 8 and 12).
//!
//! Model: one security state (`GICD_CTLR.DS` and `.ARE` read as one), every interrupt in
//! group 1, no LPIs or ITS, [`NR_IRQS`] interrupt ids. An interrupt is pending while its
//! latch is set (edge, `ISPENDR`, SGI) or, level-sensitive, while its line is high; an
//! edge interrupt is latched by every raising of its line (KVM's
//! `vgic_validate_injection()` does the same; upstream's irqfds only ever raise a line,
//! v13 10/25). A pending, enabled interrupt goes into a free list register of its vCPU when
//! the vCPU enters; the list registers are read back on every trap, so what the guest
//! acknowledged and deactivated is known without emulating the CPU interface. Level
//! interrupts carry the list register's EOI bit, so their deactivation raises a
//! maintenance interrupt (an exit) and the line is sampled again; with more pending
//! interrupts than list registers, the underflow maintenance interrupt brings the vCPU
//! back to refill them.

use super::abi::MAX_VCPUS;
use super::context::Vgic as Lrs;

/// Interrupt ids: SGIs and PPIs 0..31 per vCPU, SPIs 32..NR_IRQS (`ITLinesNumber` = 7).
pub const NR_IRQS: usize = 256;
/// SPIs.
pub const NR_SPIS: usize = NR_IRQS - 32;
/// Distributor frame size.
pub const DIST_SIZE: u64 = 0x1_0000;
/// Redistributor stride (RD_base and SGI_base frames).
pub const REDIST_STRIDE: u64 = 0x2_0000;
/// The virtual timer's PPI.
pub const VTIMER_PPI: usize = 27;
/// Level SPIs deactivated and not yet reported to the driver (per vCPU).
pub const MAX_EOI_REPORTS: usize = 16;

const LR_STATE_SHIFT: u32 = 62;
const LR_PENDING: u64 = 1 << 62;
const LR_ACTIVE: u64 = 1 << 63;
const LR_GROUP1: u64 = 1 << 60;
/// Maintenance interrupt when the guest deactivates it (level interrupts only).
pub const LR_EOI: u64 = 1 << 41;
/// `ICH_HCR_EL2.UIE`: maintenance interrupt when at most one list register is valid.
const HCR_UIE: u64 = 1 << 1;

#[derive(Clone, Copy, Default)]
struct Irq {
    enabled: bool,
    latch: bool,
    line: bool,
    edge: bool,
    priority: u8,
    /// SPIs: target vCPU (`IROUTER` Aff0).
    target: u8,
    /// In a list register of its vCPU.
    in_lr: bool,
    /// Active (known from the list register).
    active: bool,
}

impl Irq {
    /// Reset state: disabled, level-sensitive, priority 0, routed to vCPU 0.
    const IDLE: Irq = Irq {
        enabled: false,
        latch: false,
        line: false,
        edge: false,
        priority: 0,
        target: 0,
        in_lr: false,
        active: false,
    };

    fn pending(&self) -> bool {
        self.latch || (!self.edge && self.line)
    }
}

#[derive(Clone, Copy)]
struct Cpu {
    private: [Irq; 32],
    awake: bool,
    eois: [u16; MAX_EOI_REPORTS],
    n_eois: usize,
}

impl Cpu {
    const fn new() -> Self {
        let mut private = [Irq::IDLE; 32];
        let mut i = 0;
        while i < 16 {
            private[i].edge = true;
            i += 1;
        }
        Self {
            private,
            awake: false,
            eois: [0; MAX_EOI_REPORTS],
            n_eois: 0,
        }
    }
}

/// One VM's GIC.
pub struct Vgic {
    pub dist: Option<u64>,
    pub redist: Option<u64>,
    ctlr: u32,
    spis: [Irq; NR_SPIS],
    cpus: [Cpu; MAX_VCPUS],
    online: u8,
    /// Report deactivated level SPIs to the driver (Ghaf `EOI_REPORT` extension).
    pub report_eois: bool,
}

/// What a guest access to the GIC did.
pub enum Access {
    /// Not a GIC address.
    NotGic,
    /// Handled; for reads, the value.
    Done(u64),
}

impl Vgic {
    pub const fn new() -> Self {
        Self {
            dist: None,
            redist: None,
            ctlr: 0,
            spis: [Irq::IDLE; NR_SPIS],
            cpus: [Cpu::new(); MAX_VCPUS],
            online: 0,
            report_eois: false,
        }
    }

    pub fn add_cpu(&mut self, i: usize) {
        if let Some(c) = self.cpus.get_mut(i) {
            *c = Cpu::new();
            self.online |= 1 << i;
        }
    }

    fn irq(&mut self, cpu: usize, id: usize) -> Option<&mut Irq> {
        if id < 32 {
            self.cpus.get_mut(cpu)?.private.get_mut(id)
        } else {
            self.spis.get_mut(id - 32)
        }
    }

    /// Sets an interrupt's input line (IRQ_LINE, the virtual timer). Raising an edge
    /// interrupt latches it.
    pub fn set_line(&mut self, cpu: usize, id: usize, level: bool) -> bool {
        let Some(irq) = self.irq(cpu, id) else {
            return false;
        };
        if level && irq.edge {
            irq.latch = true;
        }
        irq.line = level;
        true
    }

    /// The vCPUs (a bit mask) an SPI is delivered to: its target, or vCPU 0 while the target
    /// is offline (as [`Self::flush`] delivers it).
    pub fn spi_targets(&self, id: usize) -> u8 {
        let Some(irq) = self.spis.get(id.wrapping_sub(32)) else {
            return 0;
        };
        match vcpu_bit(irq.target) {
            bit if self.online & bit != 0 => bit,
            _ => 1,
        }
    }

    /// Makes SGI `id` pending on the vCPUs in `targets`.
    pub fn send_sgi(&mut self, targets: u8, id: usize) {
        for c in 0..MAX_VCPUS {
            if targets & self.online & (1 << c) != 0 {
                self.cpus[c].private[id & 15].latch = true;
            }
        }
    }

    /// Reads the list registers back after the guest ran: what left them was deactivated
    /// (a level SPI's deactivation is recorded for the driver when it asks for reports).
    pub fn sync(&mut self, cpu: usize, lrs: &mut Lrs) {
        let report = self.report_eois;
        for lr in lrs.lr.iter_mut() {
            if *lr == 0 {
                continue;
            }
            let id = (*lr & 0xffff_ffff) as usize;
            let state = *lr >> LR_STATE_SHIFT;
            let Some(irq) = self.irq(cpu, id) else {
                *lr = 0;
                continue;
            };
            if state == 0 {
                let level = !irq.edge;
                irq.in_lr = false;
                irq.active = false;
                *lr = 0;
                if level && id >= 32 && report {
                    let c = &mut self.cpus[cpu];
                    if c.n_eois < MAX_EOI_REPORTS {
                        c.eois[c.n_eois] = id as u16;
                        c.n_eois += 1;
                    }
                }
            } else {
                irq.active = *lr & LR_ACTIVE != 0;
            }
        }
    }

    fn deliverable(&self, cpu: usize, id: usize, irq: &Irq) -> bool {
        let to_me = id < 32
            || usize::from(irq.target) == cpu
            || self.online & vcpu_bit(irq.target) == 0 && cpu == 0;
        to_me && irq.enabled && irq.pending() && !irq.in_lr && self.ctlr & 2 != 0
    }

    /// Fills free list registers of vCPU `cpu` with its pending interrupts, highest
    /// priority first; asks for an underflow exit when some do not fit.
    pub fn flush(&mut self, cpu: usize, lrs: &mut Lrs) {
        // Withdraw level interrupts whose line dropped before the guest took them (an
        // edge interrupt's latch moved into its list register).
        for lr in lrs.lr.iter_mut() {
            let id = (*lr & 0xffff_ffff) as usize;
            if *lr >> LR_STATE_SHIFT == 1 {
                if let Some(irq) = self.irq(cpu, id) {
                    if !irq.edge && !irq.pending() {
                        irq.in_lr = false;
                        *lr = 0;
                    }
                }
            }
        }
        let mut overflow = false;
        loop {
            let Some(free) = lrs.lr.iter().position(|&l| l == 0) else {
                overflow = self.has_pending(cpu);
                break;
            };
            // The highest-priority (lowest value) deliverable interrupt.
            let mut best: Option<(usize, u8)> = None;
            for id in 0..NR_IRQS {
                let irq = if id < 32 {
                    self.cpus[cpu].private[id]
                } else {
                    self.spis[id - 32]
                };
                if self.deliverable(cpu, id, &irq) && best.is_none_or(|(_, p)| irq.priority < p) {
                    best = Some((id, irq.priority));
                }
            }
            let Some((id, prio)) = best else { break };
            let Some(irq) = self.irq(cpu, id) else { break };
            irq.in_lr = true;
            irq.latch = false;
            let eoi = if irq.edge { 0 } else { LR_EOI };
            lrs.lr[free] = LR_PENDING | LR_GROUP1 | eoi | (u64::from(prio) << 48) | id as u64;
        }
        lrs.hcr = if overflow { 1 | HCR_UIE } else { 1 };
    }

    /// Whether an interrupt waits for vCPU `cpu` outside its list registers.
    fn has_pending(&self, cpu: usize) -> bool {
        (0..NR_IRQS).any(|id| {
            let irq = if id < 32 {
                self.cpus[cpu].private[id]
            } else {
                self.spis[id - 32]
            };
            self.deliverable(cpu, id, &irq)
        })
    }

    /// Whether vCPU `cpu` has an interrupt to take (ends WFI): one pending in its list
    /// registers (priority below the guest's mask, group 1 enabled at its interface) or
    /// waiting outside them.
    pub fn wakes(&self, cpu: usize, lrs: &Lrs) -> bool {
        let vmcr = lrs.vmcr;
        let pmr = (vmcr >> 24) & 0xff;
        let eng1 = vmcr & 2 != 0;
        let in_lrs = lrs
            .lr
            .iter()
            .any(|&l| l >> LR_STATE_SHIFT == 1 && ((l >> 48) & 0xff) < pmr && eng1);
        in_lrs || self.has_pending(cpu)
    }

    /// Takes the level SPIs vCPU `cpu` deactivated (for the driver's EOI reports).
    pub fn take_eois(&mut self, cpu: usize, out: &mut [u16; MAX_EOI_REPORTS]) -> usize {
        let c = &mut self.cpus[cpu];
        let n = c.n_eois;
        out[..n].copy_from_slice(&c.eois[..n]);
        c.n_eois = 0;
        n
    }

    /// A guest access at `ipa`; `write` is the value written.
    pub fn mmio(&mut self, cpu: usize, ipa: u64, size: usize, write: Option<u64>) -> Access {
        if let Some(d) = self.dist {
            if ipa >= d && ipa < d + DIST_SIZE {
                return Access::Done(self.dist_access(ipa - d, size, write));
            }
        }
        // One redistributor per vCPU from the base, as many as there are vCPUs (crosvm
        // gives the size of one frame, upstream reference section 6).
        if let Some(r) = self.redist {
            let n = (8 - self.online.leading_zeros()) as u64;
            if ipa >= r && ipa < r + REDIST_STRIDE * n {
                let target = ((ipa - r) / REDIST_STRIDE) as usize;
                let off = (ipa - r) % REDIST_STRIDE;
                if self.online & (1 << target) == 0 {
                    return Access::Done(0);
                }
                let _ = cpu;
                return Access::Done(self.redist_access(target, off, size, write));
            }
        }
        Access::NotGic
    }

    /// One-bit-per-interrupt banks: `n` bits of interrupts from `first`.
    fn bank(&mut self, cpu: usize, first: usize, reg: u64, write: Option<u64>, n: usize) -> u64 {
        let mut v = 0u64;
        for b in 0..n {
            let id = first + b;
            let Some(irq) = self.irq(cpu, id) else {
                continue;
            };
            let bit = |on: bool| u64::from(on) << b;
            match (reg, write) {
                (0x100 | 0x180, None) => v |= bit(irq.enabled),
                (0x100, Some(w)) if w >> b & 1 != 0 => irq.enabled = true,
                (0x180, Some(w)) if w >> b & 1 != 0 => irq.enabled = false,
                (0x200 | 0x280, None) => v |= bit(irq.pending() || irq.in_lr),
                (0x200, Some(w)) if w >> b & 1 != 0 => irq.latch = true,
                (0x280, Some(w)) if w >> b & 1 != 0 => irq.latch = false,
                (0x300 | 0x380, None) => v |= bit(irq.active),
                _ => {}
            }
        }
        v
    }

    fn prio(&mut self, cpu: usize, first: usize, size: usize, write: Option<u64>) -> u64 {
        let mut v = 0;
        for i in 0..size {
            if let Some(irq) = self.irq(cpu, first + i) {
                match write {
                    Some(w) => irq.priority = ((w >> (8 * i)) & 0xf8) as u8,
                    None => v |= u64::from(irq.priority) << (8 * i),
                }
            }
        }
        v
    }

    fn cfg(&mut self, cpu: usize, first: usize, write: Option<u64>) -> u64 {
        let mut v = 0;
        for i in 0..16 {
            let id = first + i;
            let Some(irq) = self.irq(cpu, id) else {
                continue;
            };
            match write {
                Some(w) if id >= 16 => irq.edge = (w >> (2 * i + 1)) & 1 != 0,
                _ => v |= u64::from(irq.edge) << (2 * i + 1),
            }
        }
        v
    }

    fn dist_access(&mut self, off: u64, size: usize, write: Option<u64>) -> u64 {
        match off {
            0x0000 => match write {
                Some(w) => {
                    self.ctlr = (w as u32) & 2;
                    0
                }
                // ARE_NS and DS read as one, RWP zero.
                None => u64::from(self.ctlr | (1 << 4) | (1 << 6)),
            },
            // TYPER: ITLinesNumber 7, IDbits 9 (10-bit ids), no LPIs/MBIS.
            0x0004 => 7 | (9 << 19),
            // IIDR: Arm.
            0x0008 => 0x43b,
            0x0080..0x0100 => 0xffff_ffff,
            0x0100..0x0400 => {
                let reg = off & !0x7f;
                let first = ((off & 0x7f) * 8) as usize;
                if first < 32 {
                    return 0;
                }
                self.bank(0, first, reg, write, 32)
            }
            0x0400..0x0800 => {
                let first = (off - 0x400) as usize;
                if first < 32 {
                    return 0;
                }
                self.prio(0, first, size, write)
            }
            0x0c00..0x0d00 => {
                let first = ((off - 0xc00) * 4) as usize;
                if first < 32 {
                    return 0;
                }
                self.cfg(0, first, write)
            }
            0x6100..0x7fe0 => {
                let id = ((off - 0x6000) / 8) as usize;
                let Some(irq) = self.irq(0, id) else { return 0 };
                match write {
                    Some(w) => {
                        if off % 8 == 0 {
                            irq.target = (w & 0xff) as u8;
                        }
                        0
                    }
                    None if off % 8 == 0 => u64::from(irq.target),
                    None => 0,
                }
            }
            // PIDR2: GICv3.
            0xffe8 => 0x30,
            _ => 0,
        }
    }

    fn redist_access(&mut self, cpu: usize, off: u64, size: usize, write: Option<u64>) -> u64 {
        let last = (self.online >> cpu) >> 1 == 0;
        match off {
            0x0004 => 0x43b,
            0x0008 | 0x000c => {
                // TYPER: Affinity (Aff0 = vCPU) in 63:32, Processor_Number 23:8, Last.
                let v = ((cpu as u64) << 32) | ((cpu as u64) << 8) | (u64::from(last) << 4);
                if off == 0x000c {
                    v >> 32
                } else if size == 4 {
                    v & 0xffff_ffff
                } else {
                    v
                }
            }
            0x0014 => match write {
                Some(w) => {
                    self.cpus[cpu].awake = w & 2 == 0;
                    0
                }
                None if self.cpus[cpu].awake => 0,
                None => 0b110,
            },
            0xffe8 => 0x30,
            0x1_0080 => 0xffff_ffff,
            0x1_0100..0x1_0400 if off & 0x7f == 0 => {
                self.bank(cpu, 0, off & 0xff80 & !0x1_0000, write, 32)
            }
            0x1_0400..0x1_0420 => self.prio(cpu, (off - 0x1_0400) as usize, size, write),
            0x1_0c00 => self.cfg(cpu, 0, write),
            0x1_0c04 => self.cfg(cpu, 16, write),
            _ => 0,
        }
    }
}

/// The bit of vCPU `i` in a vCPU mask; none for a number past the last vCPU (`IROUTER`
/// takes any Aff0 the guest writes).
fn vcpu_bit(i: u8) -> u8 {
    1u8.checked_shl(i.into()).unwrap_or(0)
}
