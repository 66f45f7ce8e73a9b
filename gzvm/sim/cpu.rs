// SPDX-License-Identifier: GPL-2.0

//! The simulated vCPU: AArch64 register state and the interpreter loop.
//!
//! The guest runs at EL1 using SP_EL1 (EL1h), AArch64, little endian, with
//! the MMU off, so every address is an IPA. Memory and the system
//! registers the CPU does not own (the GICv3 CPU interface) are reached
//! through a [`Bus`] provided by the simulator.
//!
//! [`Cpu::run`] interprets instructions until the budget runs out or
//! something needs the hypervisor: an MMIO access, a demand-paging fault,
//! HVC, WFI, or an instruction outside the supported subset. Each [`Stop`]
//! documents where the PC is left.
//!
//! Choices where the architecture leaves room, or where the model is
//! deliberately narrower than hardware:
//!
//! - Alignment is not checked for RAM. An unaligned MMIO access (which
//!   would be an alignment fault with the MMU off) stops with
//!   [`Stop::Undefined`], as does an LDP/STP touching MMIO.
//! - WFE completes at once (the architecture allows a WFE to wake
//!   spuriously) and ends the run with [`Stop::Budget`] so that a guest
//!   spinning on WFE yields to the host; SEV/SEVL are NOPs.
//! - An instruction that unmasks IRQs (MSR DAIFClr/DAIF, ERET) or writes a
//!   system register owned by the bus also ends the run with
//!   [`Stop::Budget`] after completing, so the simulator can deliver an
//!   interrupt that just became deliverable at the next instruction
//!   boundary.
//! - A failed fetch (MMIO address or misaligned PC) is
//!   [`Stop::Undefined`] with `insn` 0; a fetch from an unmapped RAM page is
//!   [`Stop::PageFault`].
//! - Only EL1h exists: ERET to any other mode, and `MSR SPSel, #0`, are
//!   undefined.

use kernel::prelude::kunit_tests;

use super::decode::{decode, MemOp, Width};
use super::exec::{self, NZCV_MASK};

mod execute;

/// Result of a guest memory access attempted by the interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access<T> {
    /// The address is guest RAM and the access was done.
    Done(T),
    /// The address is in no memory slot: emulated MMIO.
    Mmio,
    /// The address is in a memory slot whose page is not mapped yet
    /// (demand paging): the instruction must be restarted after the
    /// hypervisor maps it. Carries the faulting IPA.
    Fault(u64),
}

/// What the interpreter needs from the simulator around it.
pub(crate) trait Bus {
    /// Fetches the instruction word at `ipa` (4-byte aligned).
    fn fetch(&mut self, ipa: u64) -> Access<u32>;
    /// Reads `size` (1, 2, 4 or 8) bytes at `ipa`, little endian.
    fn read(&mut self, ipa: u64, size: usize) -> Access<u64>;
    /// Writes the low `size` (1, 2, 4 or 8) bytes of `val` at `ipa`.
    fn write(&mut self, ipa: u64, size: usize, val: u64) -> Access<()>;
    /// Checks that an access would be `Done` without performing it (pair
    /// accesses use this first so that a fault on the second half leaves
    /// no side effect).
    fn probe(&mut self, ipa: u64, size: usize, write: bool) -> Access<()>;
    /// Reads a system register the interpreter does not own (op0, op1,
    /// CRn, CRm, op2 packed as in the MRS/MSR encoding bits \[20:5\]).
    /// `None` for an unknown register: the instruction is undefined.
    fn sysreg_read(&mut self, enc: u32) -> Option<u64>;
    /// Writes a system register the interpreter does not own.
    fn sysreg_write(&mut self, enc: u32, val: u64) -> Option<()>;
}

/// A load or store that left guest RAM (MMIO); completed by
/// [`Cpu::complete_mmio`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MmioAccess {
    /// The IPA accessed.
    pub(crate) addr: u64,
    /// Access size in bytes: 1, 2, 4 or 8.
    pub(crate) size: usize,
    /// A store.
    pub(crate) is_write: bool,
    /// The value written (low `size` bytes), for stores; 0 for loads.
    pub(crate) data: u64,
    /// Rt (31 = XZR).
    pub(crate) reg: u8,
    /// How the loaded value is extended into `reg`.
    op: MemOp,
    /// Base register and its new value, for pre/post-index forms.
    writeback: Option<(u8, u64)>,
}

/// Why [`Cpu::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The instruction budget ran out (or the CPU reached a point where the
    /// simulator should look for interrupts); state is consistent, call
    /// `run` again.
    Budget,
    /// MMIO access; the PC still points at the instruction. The simulator
    /// reports it to userspace and, on the next RUN, calls
    /// [`Cpu::complete_mmio`] (with the read data for loads), which writes
    /// the destination register, performs base-register writeback and
    /// advances the PC.
    Mmio(MmioAccess),
    /// Demand-paging fault at this IPA; nothing was changed, the PC still
    /// points at the instruction (it re-executes after the page is
    /// mapped).
    PageFault(u64),
    /// HVC #imm executed; the PC is already past it (the preferred return
    /// address).
    Hvc(u16),
    /// WFI executed; the PC is already past it.
    Wfi,
    /// Undefined or unsupported instruction, or a failed fetch (`insn` 0);
    /// nothing was changed.
    Undefined {
        /// Address of the instruction.
        pc: u64,
        /// The instruction word (0 if it could not be fetched).
        insn: u32,
    },
}

/// EL1 system registers kept by the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SysReg {
    /// SCTLR_EL1 (stored, no effect: the MMU stays off).
    Sctlr,
    /// VBAR_EL1 (bits \[10:0\] are RES0).
    Vbar,
    /// ELR_EL1.
    Elr,
    /// SPSR_EL1.
    Spsr,
    /// ESR_EL1 (stored; the CPU takes no synchronous exceptions).
    Esr,
    /// FAR_EL1 (stored).
    Far,
    /// TPIDR_EL1.
    Tpidr,
    /// SP_EL0.
    SpEl0,
}

/// Packs a system register encoding as in MRS/MSR bits \[20:5\].
pub(crate) const fn sysreg_enc(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2
}

/// SCTLR_EL1.
pub(crate) const SCTLR_EL1: u32 = sysreg_enc(3, 0, 1, 0, 0);
/// VBAR_EL1.
pub(crate) const VBAR_EL1: u32 = sysreg_enc(3, 0, 12, 0, 0);
/// ELR_EL1.
pub(crate) const ELR_EL1: u32 = sysreg_enc(3, 0, 4, 0, 1);
/// SPSR_EL1.
pub(crate) const SPSR_EL1: u32 = sysreg_enc(3, 0, 4, 0, 0);
/// ESR_EL1.
pub(crate) const ESR_EL1: u32 = sysreg_enc(3, 0, 5, 2, 0);
/// FAR_EL1.
pub(crate) const FAR_EL1: u32 = sysreg_enc(3, 0, 6, 0, 0);
/// TPIDR_EL1.
pub(crate) const TPIDR_EL1: u32 = sysreg_enc(3, 0, 13, 0, 4);
/// SP_EL0.
pub(crate) const SP_EL0: u32 = sysreg_enc(3, 0, 4, 1, 0);
/// NZCV (special-purpose register).
const NZCV: u32 = sysreg_enc(3, 3, 4, 2, 0);
/// DAIF (special-purpose register).
const DAIF: u32 = sysreg_enc(3, 3, 4, 2, 1);
/// CurrentEL (read-only).
const CURRENT_EL: u32 = sysreg_enc(3, 0, 4, 2, 2);
/// SPSel.
const SPSEL: u32 = sysreg_enc(3, 0, 4, 2, 0);

/// KVM `ONE_REG` id of a core register: `struct kvm_regs` offset / 4.
const ONE_REG_CORE: u64 = 0x6030_0000_0010_0000;
/// KVM `ONE_REG` id of a system register: the MRS/MSR encoding.
const ONE_REG_SYSREG: u64 = 0x6030_0000_0013_0000;
/// Core register indices (`offset / 4` in `struct kvm_regs`).
const CORE_SP: u64 = 0x3e;
const CORE_PC: u64 = 0x40;
const CORE_PSTATE: u64 = 0x42;
const CORE_SP_EL1: u64 = 0x44;
const CORE_ELR_EL1: u64 = 0x46;
const CORE_SPSR_EL1: u64 = 0x48;

/// PSTATE.{D,A,I,F}, as in the SPSR layout.
pub(crate) const DAIF_MASK: u64 = 0xf << 6;
/// PSTATE.I.
pub(crate) const PSTATE_I: u64 = 1 << 7;
/// PSTATE.M for EL1h, the only mode: AArch64, EL1, SP_EL1.
pub(crate) const MODE_EL1H: u64 = 0b0101;
/// PSTATE.M\[4:0\].
const MODE_MASK: u64 = 0x1f;
/// Offset of the "current EL with SPx, IRQ" vector from VBAR_EL1.
const VECTOR_IRQ_SPX: u64 = 0x280;

/// How one instruction ended.
enum Flow {
    /// Retired; continue with the next instruction.
    Next,
    /// Retired; then return this to the caller.
    Retired(Stop),
    /// Not retired (nothing changed, or an MMIO access is pending).
    Stopped(Stop),
}

/// The state of one simulated vCPU.
pub(crate) struct Cpu {
    x: [u64; 31],
    sp_el1: u64,
    sp_el0: u64,
    pc: u64,
    /// PSTATE.{N,Z,C,V} in SPSR bit positions.
    nzcv: u64,
    /// PSTATE.{D,A,I,F} in SPSR bit positions.
    daif: u64,
    sctlr: u64,
    vbar: u64,
    elr: u64,
    spsr: u64,
    esr: u64,
    far: u64,
    tpidr: u64,
}

impl Default for Cpu {
    fn default() -> Self {
        Self::new()
    }
}

impl Cpu {
    /// Reset state: all registers zero, PSTATE EL1h with D, A, I, F masked.
    pub(crate) fn new() -> Self {
        Self {
            x: [0; 31],
            sp_el1: 0,
            sp_el0: 0,
            pc: 0,
            nzcv: 0,
            daif: DAIF_MASK,
            sctlr: 0,
            vbar: 0,
            elr: 0,
            spsr: 0,
            esr: 0,
            far: 0,
            tpidr: 0,
        }
    }

    /// General-purpose register `n` (0..=30); 31 or more reads as zero.
    pub(crate) fn x(&self, n: usize) -> u64 {
        self.x.get(n).copied().unwrap_or(0)
    }

    /// Sets general-purpose register `n` (0..=30); 31 or more is ignored.
    pub(crate) fn set_x(&mut self, n: usize, v: u64) {
        if let Some(r) = self.x.get_mut(n) {
            *r = v;
        }
    }

    /// The PC.
    pub(crate) fn pc(&self) -> u64 {
        self.pc
    }

    /// Sets the PC.
    pub(crate) fn set_pc(&mut self, pc: u64) {
        self.pc = pc;
    }

    /// The stack pointer in use (SP_EL1).
    pub(crate) fn sp(&self) -> u64 {
        self.sp_el1
    }

    /// PSTATE in SPSR layout: NZCV, DAIF and M = EL1h.
    pub(crate) fn pstate(&self) -> u64 {
        self.nzcv | self.daif | MODE_EL1H
    }

    /// Sets NZCV and DAIF from `v` (SPSR layout); other bits are ignored,
    /// the mode stays EL1h.
    pub(crate) fn set_pstate(&mut self, v: u64) {
        self.nzcv = v & NZCV_MASK;
        self.daif = v & DAIF_MASK;
    }

    /// Whether PSTATE.I masks IRQs.
    pub(crate) fn irq_masked(&self) -> bool {
        self.daif & PSTATE_I != 0
    }

    /// An EL1 system register.
    pub(crate) fn sysreg(&self, r: SysReg) -> u64 {
        match r {
            SysReg::Sctlr => self.sctlr,
            SysReg::Vbar => self.vbar,
            SysReg::Elr => self.elr,
            SysReg::Spsr => self.spsr,
            SysReg::Esr => self.esr,
            SysReg::Far => self.far,
            SysReg::Tpidr => self.tpidr,
            SysReg::SpEl0 => self.sp_el0,
        }
    }

    /// Sets an EL1 system register (RES0 bits of VBAR_EL1 are dropped).
    pub(crate) fn set_sysreg(&mut self, r: SysReg, v: u64) {
        match r {
            SysReg::Sctlr => self.sctlr = v,
            SysReg::Vbar => self.vbar = v & !0x7ff,
            SysReg::Elr => self.elr = v,
            SysReg::Spsr => self.spsr = v,
            SysReg::Esr => self.esr = v,
            SysReg::Far => self.far = v,
            SysReg::Tpidr => self.tpidr = v,
            SysReg::SpEl0 => self.sp_el0 = v,
        }
    }

    /// The CPU-owned register with MRS/MSR encoding `enc`.
    fn sysreg_by_enc(enc: u32) -> Option<SysReg> {
        Some(match enc {
            SCTLR_EL1 => SysReg::Sctlr,
            VBAR_EL1 => SysReg::Vbar,
            ELR_EL1 => SysReg::Elr,
            SPSR_EL1 => SysReg::Spsr,
            ESR_EL1 => SysReg::Esr,
            FAR_EL1 => SysReg::Far,
            TPIDR_EL1 => SysReg::Tpidr,
            SP_EL0 => SysReg::SpEl0,
            _ => return None,
        })
    }

    /// `GET_ONE_REG`: core registers (X0..X30, SP (= SP_EL0), PC, PSTATE,
    /// SP_EL1, ELR_EL1, SPSR_EL1) by their `struct kvm_regs` id, and the
    /// system registers of [`SysReg`] by their KVM sysreg id. `None` for
    /// any other id.
    pub(crate) fn one_reg_get(&self, id: u64) -> Option<u64> {
        let low = id & 0xffff;
        match id & !0xffff {
            ONE_REG_CORE => match low {
                0..CORE_SP if low % 2 == 0 => Some(self.x(usize::try_from(low / 2).ok()?)),
                CORE_SP => Some(self.sp_el0),
                CORE_PC => Some(self.pc),
                CORE_PSTATE => Some(self.pstate()),
                CORE_SP_EL1 => Some(self.sp_el1),
                CORE_ELR_EL1 => Some(self.elr),
                CORE_SPSR_EL1 => Some(self.spsr),
                _ => None,
            },
            ONE_REG_SYSREG => {
                let r = Self::sysreg_by_enc(u32::try_from(low).ok()?)?;
                Some(self.sysreg(r))
            }
            _ => None,
        }
    }

    /// `SET_ONE_REG`, for the ids [`Cpu::one_reg_get`] knows. Setting
    /// PSTATE to a mode other than EL1h is refused (`None`).
    pub(crate) fn one_reg_set(&mut self, id: u64, v: u64) -> Option<()> {
        let low = id & 0xffff;
        match id & !0xffff {
            ONE_REG_CORE => match low {
                0..CORE_SP if low % 2 == 0 => self.set_x(usize::try_from(low / 2).ok()?, v),
                CORE_SP => self.sp_el0 = v,
                CORE_PC => self.pc = v,
                CORE_PSTATE if v & MODE_MASK == MODE_EL1H => self.set_pstate(v),
                CORE_SP_EL1 => self.sp_el1 = v,
                CORE_ELR_EL1 => self.elr = v,
                CORE_SPSR_EL1 => self.spsr = v,
                _ => return None,
            },
            ONE_REG_SYSREG => {
                let r = Self::sysreg_by_enc(u32::try_from(low).ok()?)?;
                self.set_sysreg(r, v);
            }
            _ => return None,
        }
        Some(())
    }

    /// Takes an IRQ exception if PSTATE.I is clear: SPSR_EL1 = PSTATE,
    /// ELR_EL1 = PC, DAIF all masked, PC = VBAR_EL1 + 0x280. Returns
    /// whether it was taken. Call only between instructions, never while
    /// an MMIO access is pending.
    pub(crate) fn take_irq(&mut self) -> bool {
        if self.irq_masked() {
            return false;
        }
        self.spsr = self.pstate();
        self.elr = self.pc;
        self.daif = DAIF_MASK;
        self.pc = self.vbar.wrapping_add(VECTOR_IRQ_SPX);
        true
    }

    /// Runs at most `budget` instructions. Returns why it stopped and how
    /// many instructions were retired (an instruction that stops with
    /// [`Stop::Mmio`], [`Stop::PageFault`] or [`Stop::Undefined`] is not
    /// counted; HVC and WFI are).
    pub(crate) fn run(&mut self, bus: &mut impl Bus, budget: u32) -> (Stop, u32) {
        let mut retired = 0;
        while retired < budget {
            match self.step(bus) {
                Flow::Next => retired += 1,
                Flow::Retired(stop) => return (stop, retired + 1),
                Flow::Stopped(stop) => return (stop, retired),
            }
        }
        (Stop::Budget, retired)
    }

    /// Completes the MMIO access `access` returned by the last `run`:
    /// loads write `read_data` (its low `size` bytes, extended as the
    /// instruction defines) to Rt; then base writeback and PC advance.
    pub(crate) fn complete_mmio(&mut self, access: &MmioAccess, read_data: u64) {
        if !access.is_write {
            let v = execute::load_value(access.op, access.size, read_data);
            self.set_x(usize::from(access.reg), v);
        }
        if let Some((rn, v)) = access.writeback {
            self.set_xsp(rn, v);
        }
        self.pc = self.pc.wrapping_add(4);
    }

    /// Register `n` where 31 is XZR.
    fn r(&self, n: u8) -> u64 {
        self.x(usize::from(n))
    }

    /// Writes register `n` (31 is XZR), truncated to `width`.
    fn set_r(&mut self, n: u8, v: u64, width: Width) {
        self.set_x(usize::from(n), exec::truncate(v, width));
    }

    /// Register `n` where 31 is SP.
    fn xsp(&self, n: u8) -> u64 {
        if n == 31 {
            self.sp_el1
        } else {
            self.r(n)
        }
    }

    /// Writes register `n` where 31 is SP.
    fn set_xsp(&mut self, n: u8, v: u64) {
        if n == 31 {
            self.sp_el1 = v;
        } else {
            self.set_x(usize::from(n), v);
        }
    }

    /// Fetches, decodes and executes one instruction.
    fn step(&mut self, bus: &mut impl Bus) -> Flow {
        let pc = self.pc;
        if pc & 3 != 0 {
            return Flow::Stopped(Stop::Undefined { pc, insn: 0 });
        }
        match bus.fetch(pc) {
            Access::Done(word) => self.exec(decode(word), word, bus),
            Access::Mmio => Flow::Stopped(Stop::Undefined { pc, insn: 0 }),
            Access::Fault(ipa) => Flow::Stopped(Stop::PageFault(ipa)),
        }
    }
}

#[kunit_tests(gzvm_sim_cpu)]
mod tests {
    use super::*;

    /// Guest RAM: 1 KiB at this IPA.
    const RAM_BASE: u64 = 0x4000_0000;
    const RAM_SIZE: usize = 0x400;
    const RAM_END: u64 = RAM_BASE + RAM_SIZE as u64;
    /// A memory slot whose pages are not mapped yet, right after the RAM.
    const FAULT_END: u64 = RAM_END + 0x1000;
    /// Everything else is MMIO; tests use this window.
    const MMIO_BASE: u64 = 0x0900_0000;
    /// Data area inside the RAM.
    const DATA: u64 = RAM_BASE + 0x200;

    /// GIC CPU interface registers the test bus knows.
    const ICC_PMR_EL1: u32 = sysreg_enc(3, 0, 4, 6, 0);
    const ICC_IAR1_EL1: u32 = sysreg_enc(3, 0, 12, 12, 0);
    const ICC_EOIR1_EL1: u32 = sysreg_enc(3, 0, 12, 12, 1);

    struct TestBus {
        ram: [u8; RAM_SIZE],
        /// Number of RAM writes performed.
        writes: u32,
        pmr: u64,
        last_eoi: Option<u64>,
    }

    impl TestBus {
        /// A bus whose RAM holds `program` at `RAM_BASE`.
        fn new(program: &[u32]) -> Self {
            let mut bus = TestBus {
                ram: [0; RAM_SIZE],
                writes: 0,
                pmr: 0,
                last_eoi: None,
            };
            bus.load(0, program);
            bus
        }

        /// Places instruction words at `offset` in the RAM.
        fn load(&mut self, offset: usize, words: &[u32]) {
            for (i, w) in words.iter().enumerate() {
                let at = offset + i * 4;
                if let Some(dst) = self.ram.get_mut(at..at + 4) {
                    dst.copy_from_slice(&w.to_le_bytes());
                }
            }
        }

        /// Where an access goes: `Done(ram offset)`, `Mmio` or `Fault`.
        fn route(&self, ipa: u64, size: usize) -> Access<usize> {
            let end = ipa.wrapping_add(size as u64);
            if ipa >= RAM_BASE && end <= RAM_END {
                Access::Done((ipa - RAM_BASE) as usize)
            } else if (RAM_BASE..FAULT_END).contains(&ipa) {
                Access::Fault(ipa.max(RAM_END))
            } else {
                Access::Mmio
            }
        }

        fn ram_read(&self, offset: usize, size: usize) -> u64 {
            let mut v = 0u64;
            for i in (0..size).rev() {
                v = (v << 8) | u64::from(self.ram.get(offset + i).copied().unwrap_or(0));
            }
            v
        }

        fn ram_u64(&self, ipa: u64) -> u64 {
            self.ram_read((ipa - RAM_BASE) as usize, 8)
        }
    }

    impl Bus for TestBus {
        fn fetch(&mut self, ipa: u64) -> Access<u32> {
            match self.route(ipa, 4) {
                Access::Done(off) => Access::Done(self.ram_read(off, 4) as u32),
                Access::Mmio => Access::Mmio,
                Access::Fault(ipa) => Access::Fault(ipa),
            }
        }

        fn read(&mut self, ipa: u64, size: usize) -> Access<u64> {
            match self.route(ipa, size) {
                Access::Done(off) => Access::Done(self.ram_read(off, size)),
                Access::Mmio => Access::Mmio,
                Access::Fault(ipa) => Access::Fault(ipa),
            }
        }

        fn write(&mut self, ipa: u64, size: usize, val: u64) -> Access<()> {
            match self.route(ipa, size) {
                Access::Done(off) => {
                    let bytes = val.to_le_bytes();
                    if let (Some(dst), Some(src)) =
                        (self.ram.get_mut(off..off + size), bytes.get(..size))
                    {
                        dst.copy_from_slice(src);
                    }
                    self.writes += 1;
                    Access::Done(())
                }
                Access::Mmio => Access::Mmio,
                Access::Fault(ipa) => Access::Fault(ipa),
            }
        }

        fn probe(&mut self, ipa: u64, size: usize, _write: bool) -> Access<()> {
            match self.route(ipa, size) {
                Access::Done(_) => Access::Done(()),
                Access::Mmio => Access::Mmio,
                Access::Fault(ipa) => Access::Fault(ipa),
            }
        }

        fn sysreg_read(&mut self, enc: u32) -> Option<u64> {
            match enc {
                ICC_PMR_EL1 => Some(self.pmr),
                ICC_IAR1_EL1 => Some(27),
                _ => None,
            }
        }

        fn sysreg_write(&mut self, enc: u32, val: u64) -> Option<()> {
            match enc {
                ICC_PMR_EL1 => self.pmr = val,
                ICC_EOIR1_EL1 => self.last_eoi = Some(val),
                _ => return None,
            }
            Some(())
        }
    }

    /// A reset CPU about to execute at `RAM_BASE`.
    fn reset_cpu() -> Cpu {
        let mut cpu = Cpu::new();
        cpu.set_pc(RAM_BASE);
        cpu
    }

    #[test]
    fn reset_state() {
        let cpu = Cpu::new();
        assert_eq!(cpu.pstate(), 0x3c5);
        assert!(cpu.irq_masked());
        assert_eq!(cpu.pc(), 0);
        assert_eq!(cpu.sp(), 0);
        assert_eq!(cpu.x(0), 0);
        assert_eq!(cpu.x(31), 0);
    }

    #[test]
    fn arithmetic_and_budget() {
        let program = [
            0xd2e24680, // mov x0, #0x1234000000000000
            0xf28acf00, // movk x0, #0x5678
            0x12800001, // mov w1, #0xffffffff
            0x11000422, // add w2, w1, #1
            0xd1400403, // sub x3, x0, #1, lsl #12
            0x8b000404, // add x4, x0, x0, lsl #1
            0x92800005, // mov x5, #-1
            0x110000a5, // add w5, w5, #0
            0xb2781fe6, // orr x6, xzr, #0xff00
            0x121c0c27, // and w7, w1, #0xf0
            0xca4610c8, // eor x8, x6, x6, lsr #4
            0x9b067cc9, // mul x9, x6, x6
            0x9ac6092a, // udiv x10, x9, x6
            0xd370dc0b, // ubfx x11, x0, #48, #8
            0x13041c2c, // sbfx w12, w1, #4, #4
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        assert_eq!(cpu.run(&mut bus, 0), (Stop::Budget, 0));
        assert_eq!(cpu.pc(), RAM_BASE);
        assert_eq!(cpu.run(&mut bus, 15), (Stop::Budget, 15));
        assert_eq!(cpu.pc(), RAM_BASE + 15 * 4);
        let x0 = 0x1234_0000_0000_5678u64;
        let expected = [
            x0,
            0xffff_ffff,
            0,
            0x1234_0000_0000_4678,
            x0.wrapping_mul(3),
            0xffff_ffff,
            0xff00,
            0xf0,
            0xf0f0,
            0xfe01_0000,
            0xff00,
            0x34,
            0xffff_ffff,
        ];
        for (n, v) in expected.iter().enumerate() {
            assert_eq!(cpu.x(n), *v);
        }
    }

    #[test]
    fn move_wide() {
        let program = [
            0xd2800020, // mov x0, #1
            0xf2f579a0, // movk x0, #0xabcd, lsl #48
            0x72a24681, // movk w1, #0x1234, lsl #16
            0x12a00022, // movn w2, #1, lsl #16
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        cpu.set_x(1, u64::MAX);
        cpu.set_x(2, u64::MAX);
        assert_eq!(cpu.run(&mut bus, 4), (Stop::Budget, 4));
        assert_eq!(cpu.x(0), 0xabcd_0000_0000_0001);
        // 32-bit forms zero the upper half.
        assert_eq!(cpu.x(1), 0x1234_ffff);
        assert_eq!(cpu.x(2), 0xfffe_ffff);
    }

    #[test]
    fn loop_until_hvc() {
        let program = [
            0xd2800000, // mov x0, #0
            0xd2800141, // mov x1, #10
            0x8b010000, // 1: add x0, x0, x1
            0xf1000421, // subs x1, x1, #1
            0x54ffffc1, // b.ne 1b
            0xd4000022, // hvc #1
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        assert_eq!(cpu.run(&mut bus, 1000), (Stop::Hvc(1), 33));
        assert_eq!(cpu.x(0), 55);
        // The PC is past the HVC.
        assert_eq!(cpu.pc(), RAM_BASE + 0x18);
    }

    #[test]
    fn flags() {
        let program = [
            0x12b00000, // mov w0, #0x7fffffff
            0x31000401, // adds w1, w0, #1
            0x9a9f77e2, // cset x2, vs
            0x9a9f57e3, // cset x3, mi
            0x92800004, // mov x4, #-1
            0xb1000485, // adds x5, x4, #1
            0x9a9f37e6, // cset x6, cs
            0x9a9f17e7, // cset x7, eq
            0x5280000d, // mov w13, #0
            0x710005a8, // subs w8, w13, #1
            0x9a9f27e9, // cset x9, cc
            0xf100009f, // cmp x4, #0
            0x9a9fa7ea, // cset x10, lt
            0xb100041f, // cmn x0, #1
            0x9a9fd7eb, // cset x11, gt
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        assert_eq!(cpu.run(&mut bus, 15), (Stop::Budget, 15));
        assert_eq!(cpu.x(1), 0x8000_0000);
        assert_eq!(cpu.x(5), 0);
        assert_eq!(cpu.x(8), 0xffff_ffff);
        for n in [2, 3, 6, 7, 9, 10, 11] {
            assert_eq!((n, cpu.x(n)), (n, 1));
        }
        // cmn x0, #1: 0x8000_0000 as a 64-bit result: all flags clear.
        assert_eq!(cpu.pstate() & NZCV_MASK, 0);
    }

    #[test]
    fn conditional_compare() {
        let program = [
            0xf100141f, // cmp x0, #5
            0xfa430822, // ccmp x1, #3, #2, eq
            0x9a9f17e3, // cset x3, eq
            0xfa441822, // ccmp x1, #4, #2, ne
            0x9a9f37e4, // cset x4, cs
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        cpu.set_x(0, 5);
        cpu.set_x(1, 3);
        assert_eq!(cpu.run(&mut bus, 5), (Stop::Budget, 5));
        // eq held: flags of 3 - 3; then ne failed: the immediate (C).
        assert_eq!((cpu.x(3), cpu.x(4)), (1, 1));
        assert_eq!(cpu.pstate() & NZCV_MASK, exec::FLAG_C);
    }

    #[test]
    fn stack_pointer_rules() {
        let program = [
            0xd2820000, // mov x0, #0x1000
            0x9100001f, // mov sp, x0
            0x910043ff, // add sp, sp, #0x10
            0xd10023e1, // sub x1, sp, #8
            0x910003e2, // mov x2, sp
            0xb10003e3, // adds x3, sp, #0
            0x910003e4, // mov x4, sp
            0xb27203ff, // mov sp, #0x4000 (orr sp, xzr, #0x4000)
            0xf240003f, // tst x1, #1 (ands xzr, x1, #1)
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        assert_eq!(cpu.run(&mut bus, 7), (Stop::Budget, 7));
        assert_eq!(cpu.sp(), 0x1010);
        assert_eq!(cpu.x(1), 0x1008);
        assert_eq!(cpu.x(2), 0x1010);
        assert_eq!(cpu.x(3), 0x1010);
        assert_eq!(cpu.x(4), 0x1010);
        assert_eq!(cpu.run(&mut bus, 2), (Stop::Budget, 2));
        assert_eq!(cpu.sp(), 0x4000);
        // tst writes XZR, not SP, and sets Z (bit 0 of 0x1008 is clear).
        assert_eq!(cpu.pstate() & NZCV_MASK, exec::FLAG_Z);
        // SP_EL0 is a separate register.
        assert_eq!(cpu.sysreg(SysReg::SpEl0), 0);
    }

    #[test]
    fn loads_and_stores_in_ram() {
        let program = [
            0xf9000020, // str x0, [x1]
            0xf9400022, // ldr x2, [x1]
            0x39002020, // strb w0, [x1, #8]
            0x39802023, // ldrsb x3, [x1, #8]
            0x39c02024, // ldrsb w4, [x1, #8]
            0x79001420, // strh w0, [x1, #10]
            0x79801425, // ldrsh x5, [x1, #10]
            0x79401426, // ldrh w6, [x1, #10]
            0xb9000c20, // str w0, [x1, #12]
            0xb9800c27, // ldrsw x7, [x1, #12]
            0xf8010c20, // str x0, [x1, #16]!
            0xf85f0428, // ldr x8, [x1], #-16
            0xf86a7829, // ldr x9, [x1, x10, lsl #3]
            0x5800008b, // ldr x11, 2f
            0x1800006c, // ldr w12, 2f
            0x9800006d, // ldrsw x13, 2f + 4
            0xd4000002, // hvc #0
            0xfffffff0, // 2: .quad 0x80000000fffffff0
            0x80000000,
        ];
        let x0 = 0x1122_3344_9566_8788;
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        cpu.set_x(0, x0);
        cpu.set_x(1, DATA);
        cpu.set_x(10, 2);
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Hvc(0), 17));
        assert_eq!(bus.ram_u64(DATA), x0);
        assert_eq!(bus.ram_u64(DATA + 16), x0);
        let expected = [
            (1, DATA),
            (2, x0),
            (3, 0xffff_ffff_ffff_ff88),
            (4, 0xffff_ff88),
            (5, 0xffff_ffff_ffff_8788),
            (6, 0x8788),
            (7, 0xffff_ffff_9566_8788),
            (8, x0),
            (9, x0),
            (11, 0x8000_0000_ffff_fff0),
            (12, 0xffff_fff0),
            (13, 0xffff_ffff_8000_0000),
        ];
        for (n, v) in expected {
            assert_eq!((n, cpu.x(n)), (n, v));
        }
    }

    #[test]
    fn calls_and_returns() {
        let call = [
            0x94000003, // bl 3f
            0xd2800021, // mov x1, #1
            0xd4000002, // hvc #0
            0xd28000e0, // 3: mov x0, #7
            0xd65f03c0, // ret
        ];
        let mut bus = TestBus::new(&call);
        let mut cpu = reset_cpu();
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Hvc(0), 5));
        assert_eq!((cpu.x(0), cpu.x(1), cpu.x(30)), (7, 1, RAM_BASE + 4));

        let blr = [
            0x1000007e, // adr x30, 4f
            0xd63f03c0, // blr x30
            0xd4000002, // hvc #0
            0xd4000022, // 4: hvc #1
        ];
        bus = TestBus::new(&blr);
        cpu = reset_cpu();
        // BLR X30 branches to the old X30 and links after it.
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Hvc(1), 3));
        assert_eq!(cpu.x(30), RAM_BASE + 8);

        let tests = [
            0xd2800100, // mov x0, #8
            0x36180060, // tbz w0, #3, 5f
            0x37180040, // tbnz w0, #3, 5f
            0xd4000022, // hvc #1
            0xb4000060, // 5: cbz x0, 6f
            0x35000040, // cbnz w0, 6f
            0xd4000042, // hvc #2
            0xd4000062, // 6: hvc #3
        ];
        bus = TestBus::new(&tests);
        cpu = reset_cpu();
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Hvc(3), 6));
    }

    /// The MMIO program: every access leaves RAM.
    const MMIO_PROGRAM: [u32; 11] = [
        0x39400022, // ldrb w2, [x1]
        0x78804c23, // ldrsh x3, [x1, #4]!
        0xb8404424, // ldr w4, [x1], #4
        0xf9400425, // ldr x5, [x1, #8]
        0xb81fcc26, // str w6, [x1, #-4]!
        0x39c00027, // ldrsb w7, [x1]
        0xb8401028, // ldur w8, [x1, #1]
        0xd503207f, // wfi
        0xd503205f, // wfe
        0xd4024682, // hvc #0x1234
        0x14000000, // b .
    ];

    /// Runs to the next stop, which must be an MMIO access.
    fn next_mmio(cpu: &mut Cpu, bus: &mut TestBus) -> Option<MmioAccess> {
        match cpu.run(bus, 100) {
            (Stop::Mmio(access), 0) => Some(access),
            _ => None,
        }
    }

    #[test]
    fn mmio_loads_and_stores() {
        let mut bus = TestBus::new(&MMIO_PROGRAM);
        let mut cpu = reset_cpu();
        cpu.set_x(1, MMIO_BASE);
        cpu.set_x(6, 0xaabb_ccdd_eeff_0011);

        // ldrb w2, [x1]
        let a = next_mmio(&mut cpu, &mut bus);
        assert_eq!(
            a.map(|a| (a.addr, a.size, a.is_write, a.reg)),
            Some((MMIO_BASE, 1, false, 2))
        );
        // Nothing happens until completion; the PC stays.
        assert_eq!(cpu.pc(), RAM_BASE);
        if let Some(a) = a {
            cpu.complete_mmio(&a, 0x1ff);
        }
        assert_eq!(cpu.x(2), 0xff);
        assert_eq!(cpu.pc(), RAM_BASE + 4);

        // ldrsh x3, [x1, #4]!: writeback only at completion.
        let a = next_mmio(&mut cpu, &mut bus);
        assert_eq!(
            a.map(|a| (a.addr, a.size, a.reg)),
            Some((MMIO_BASE + 4, 2, 3))
        );
        assert_eq!(cpu.x(1), MMIO_BASE);
        if let Some(a) = a {
            cpu.complete_mmio(&a, 0x8001);
        }
        assert_eq!(cpu.x(3), 0xffff_ffff_ffff_8001);
        assert_eq!(cpu.x(1), MMIO_BASE + 4);

        // ldr w4, [x1], #4: zero-extends, post-index writeback.
        let a = next_mmio(&mut cpu, &mut bus);
        assert_eq!(a.map(|a| (a.addr, a.size)), Some((MMIO_BASE + 4, 4)));
        if let Some(a) = a {
            cpu.complete_mmio(&a, 0xdead_beef_8234_5678);
        }
        assert_eq!(cpu.x(4), 0x8234_5678);
        assert_eq!(cpu.x(1), MMIO_BASE + 8);

        // ldr x5, [x1, #8]
        let a = next_mmio(&mut cpu, &mut bus);
        assert_eq!(a.map(|a| (a.addr, a.size)), Some((MMIO_BASE + 16, 8)));
        if let Some(a) = a {
            cpu.complete_mmio(&a, 0xdead_beef_8234_5678);
        }
        assert_eq!(cpu.x(5), 0xdead_beef_8234_5678);

        // str w6, [x1, #-4]!: the data is the low word of x6.
        let a = next_mmio(&mut cpu, &mut bus);
        assert_eq!(
            a.map(|a| (a.addr, a.size, a.is_write, a.data, a.reg)),
            Some((MMIO_BASE + 4, 4, true, 0xeeff_0011, 6))
        );
        if let Some(a) = a {
            cpu.complete_mmio(&a, 0);
        }
        assert_eq!(cpu.x(1), MMIO_BASE + 4);
        assert_eq!(cpu.x(6), 0xaabb_ccdd_eeff_0011);

        // ldrsb w7, [x1]: sign-extends to 32 bits only.
        let a = next_mmio(&mut cpu, &mut bus);
        if let Some(a) = a {
            cpu.complete_mmio(&a, 0x80);
        }
        assert_eq!(cpu.x(7), 0xffff_ff80);
        assert_eq!(cpu.pc(), RAM_BASE + 0x18);

        // ldur w8, [x1, #1]: unaligned MMIO is refused.
        assert_eq!(
            cpu.run(&mut bus, 100),
            (
                Stop::Undefined {
                    pc: RAM_BASE + 0x18,
                    insn: 0xb8401028
                },
                0
            )
        );
        assert_eq!(bus.writes, 0);
    }

    #[test]
    fn uart_output() {
        let program = [
            0x100000e1, // adr x1, msg
            0xd2a12002, // mov x2, #0x9000000
            0x38401423, // 1: ldrb w3, [x1], #1
            0x34000063, // cbz w3, 2f
            0x39000043, // strb w3, [x2]
            0x17fffffd, // b 1b
            0xd4000002, // 2: hvc #0
            0x00216968, // msg: .asciz "hi!"
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        let mut out = [0u8; 3];
        // Retired before each store: adr, mov, ldrb, cbz; then b, ldrb, cbz.
        for (i, expected) in [4, 3, 3].into_iter().enumerate() {
            let (stop, retired) = cpu.run(&mut bus, 100);
            assert_eq!(retired, expected);
            assert!(matches!(stop, Stop::Mmio(_)));
            if let Stop::Mmio(access) = stop {
                assert_eq!(
                    (access.addr, access.size, access.is_write),
                    (MMIO_BASE, 1, true)
                );
                if let Some(o) = out.get_mut(i) {
                    *o = access.data as u8;
                }
                cpu.complete_mmio(&access, 0);
            }
        }
        assert_eq!(&out, b"hi!");
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Hvc(0), 4));
    }

    #[test]
    fn wfi_wfe_hvc() {
        let mut bus = TestBus::new(&MMIO_PROGRAM);
        let mut cpu = reset_cpu();
        cpu.set_pc(RAM_BASE + 0x1c);
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Wfi, 1));
        assert_eq!(cpu.pc(), RAM_BASE + 0x20);
        // WFE completes at once and yields.
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Budget, 1));
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Hvc(0x1234), 1));
        assert_eq!(cpu.pc(), RAM_BASE + 0x28);
        // b .: only the budget stops it.
        assert_eq!(cpu.run(&mut bus, 1000), (Stop::Budget, 1000));
        assert_eq!(cpu.pc(), RAM_BASE + 0x28);
    }

    #[test]
    fn page_faults() {
        let program = [
            0xf9400022, // ldr x2, [x1]
            0xf8010c20, // str x0, [x1, #16]!
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        cpu.set_x(1, RAM_END + 0x100);
        cpu.set_x(2, 5);
        assert_eq!(
            cpu.run(&mut bus, 100),
            (Stop::PageFault(RAM_END + 0x100), 0)
        );
        assert_eq!((cpu.pc(), cpu.x(2)), (RAM_BASE, 5));
        // Pre-index store: no writeback, no write.
        cpu.set_pc(RAM_BASE + 4);
        assert_eq!(
            cpu.run(&mut bus, 100),
            (Stop::PageFault(RAM_END + 0x110), 0)
        );
        assert_eq!((cpu.pc(), cpu.x(1)), (RAM_BASE + 4, RAM_END + 0x100));
        assert_eq!(bus.writes, 0);
        // A fetch from an unmapped page.
        cpu.set_pc(RAM_END + 0x200);
        assert_eq!(
            cpu.run(&mut bus, 100),
            (Stop::PageFault(RAM_END + 0x200), 0)
        );
    }

    #[test]
    fn pair_accesses() {
        let program = [
            0xa9bf0440, // stp x0, x1, [x2, #-16]!
            0xa8c11043, // ldp x3, x4, [x2], #16
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        cpu.set_x(0, 0x1111);
        cpu.set_x(1, 0x2222);
        // The second half is in an unmapped page: nothing is written.
        cpu.set_x(2, RAM_END + 8);
        assert_eq!(cpu.run(&mut bus, 100), (Stop::PageFault(RAM_END), 0));
        assert_eq!((cpu.pc(), cpu.x(2), bus.writes), (RAM_BASE, RAM_END + 8, 0));
        // MMIO pairs are refused.
        cpu.set_x(2, MMIO_BASE + 16);
        assert_eq!(
            cpu.run(&mut bus, 100),
            (
                Stop::Undefined {
                    pc: RAM_BASE,
                    insn: 0xa9bf0440
                },
                0
            )
        );
        assert_eq!(bus.writes, 0);
        // In RAM: store, then load back with post-index.
        cpu.set_x(2, DATA + 16);
        assert_eq!(cpu.run(&mut bus, 2), (Stop::Budget, 2));
        assert_eq!((bus.ram_u64(DATA), bus.ram_u64(DATA + 8)), (0x1111, 0x2222));
        assert_eq!((cpu.x(3), cpu.x(4), cpu.x(2)), (0x1111, 0x2222, DATA + 16));
        // A load whose second half faults changes no register.
        cpu.set_pc(RAM_BASE + 4);
        cpu.set_x(2, RAM_END - 8);
        cpu.set_x(3, 0);
        assert_eq!(cpu.run(&mut bus, 100), (Stop::PageFault(RAM_END), 0));
        assert_eq!((cpu.x(2), cpu.x(3), cpu.x(4)), (RAM_END - 8, 0, 0x2222));
    }

    #[test]
    fn irq_and_eret_round_trip() {
        let mut bus = TestBus::new(&[
            0xd50342ff, // msr daifclr, #2
            0xd503201f, // nop
        ]);
        bus.load(
            0x280,
            &[
                0xd538cc01, // mrs x1, icc_iar1_el1
                0xd518cc21, // msr icc_eoir1_el1, x1
                0xd69f03e0, // eret
            ],
        );
        let mut cpu = reset_cpu();
        cpu.set_sysreg(SysReg::Vbar, RAM_BASE);
        // Masked at reset.
        assert!(!cpu.take_irq());
        // Unmasking ends the run so that a pending IRQ can be taken.
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Budget, 1));
        assert!(!cpu.irq_masked());
        cpu.set_pstate(cpu.pstate() | exec::FLAG_C);
        let before = cpu.pstate();
        assert_eq!(before, 0x2000_0345);

        assert!(cpu.take_irq());
        assert_eq!(cpu.pc(), RAM_BASE + 0x280);
        assert_eq!(cpu.sysreg(SysReg::Elr), RAM_BASE + 4);
        assert_eq!(cpu.sysreg(SysReg::Spsr), before);
        assert_eq!(cpu.pstate(), 0x2000_03c5);
        assert!(!cpu.take_irq());

        // The handler acknowledges; the GIC write ends the run.
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Budget, 2));
        assert_eq!((cpu.x(1), bus.last_eoi), (27, Some(27)));
        // ERET unmasks again: back at the interrupted instruction.
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Budget, 1));
        assert_eq!((cpu.pc(), cpu.pstate()), (RAM_BASE + 4, before));
        // nop, then zeroed memory (UDF #0).
        assert_eq!(
            cpu.run(&mut bus, 100),
            (
                Stop::Undefined {
                    pc: RAM_BASE + 8,
                    insn: 0
                },
                1
            )
        );

        // ERET to anything but EL1h is refused.
        cpu.set_pc(RAM_BASE + 0x288);
        cpu.set_sysreg(SysReg::Spsr, 0x3c4);
        assert_eq!(
            cpu.run(&mut bus, 100),
            (
                Stop::Undefined {
                    pc: RAM_BASE + 0x288,
                    insn: 0xd69f03e0
                },
                0
            )
        );
    }

    #[test]
    fn system_registers() {
        let program = [
            0xd5384240, // mrs x0, currentel
            0xd538f001, // mrs x1, s3_0_c15_c0_0
            0xd5184602, // msr icc_pmr_el1, x2
            0xd5384603, // mrs x3, icc_pmr_el1
            0xd518c004, // msr vbar_el1, x4
            0xd538c005, // mrs x5, vbar_el1
            0xd51b423f, // msr daif, xzr
            0xd53b4206, // mrs x6, nzcv
            0xd518d087, // msr tpidr_el1, x7
            0xd50040bf, // msr spsel, #0
        ];
        let mut bus = TestBus::new(&program);
        let mut cpu = reset_cpu();
        cpu.set_x(2, 0xf0);
        cpu.set_x(4, RAM_BASE + 0x7ff);
        cpu.set_x(7, 0x1234);
        cpu.set_pstate(0x8000_03c5);
        assert_eq!(
            cpu.run(&mut bus, 100),
            (
                Stop::Undefined {
                    pc: RAM_BASE + 4,
                    insn: 0xd538f001
                },
                1
            )
        );
        assert_eq!(cpu.x(0), 4);
        cpu.set_pc(RAM_BASE + 8);
        // A bus register write ends the run.
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Budget, 1));
        assert_eq!(bus.pmr, 0xf0);
        // Through msr daif, xzr, which unmasks.
        assert_eq!(cpu.run(&mut bus, 100), (Stop::Budget, 4));
        assert_eq!(cpu.x(3), 0xf0);
        assert_eq!(cpu.x(5), RAM_BASE);
        assert_eq!(cpu.pstate(), 0x8000_0005);
        assert_eq!(
            cpu.run(&mut bus, 100),
            (
                Stop::Undefined {
                    pc: RAM_BASE + 0x24,
                    insn: 0xd50040bf
                },
                2
            )
        );
        assert_eq!(cpu.x(6), 0x8000_0000);
        assert_eq!(cpu.sysreg(SysReg::Tpidr), 0x1234);
    }

    #[test]
    fn failed_fetches() {
        let mut bus = TestBus::new(&[]);
        let mut cpu = reset_cpu();
        for pc in [MMIO_BASE, RAM_BASE + 2] {
            cpu.set_pc(pc);
            assert_eq!(cpu.run(&mut bus, 10), (Stop::Undefined { pc, insn: 0 }, 0));
        }
        // udf #0 fetched from RAM: the word is reported.
        cpu.set_pc(RAM_BASE + 0x100);
        assert_eq!(
            cpu.run(&mut bus, 10),
            (
                Stop::Undefined {
                    pc: RAM_BASE + 0x100,
                    insn: 0
                },
                0
            )
        );
        bus = TestBus::new(&[0xd4000001]); // svc #0
        cpu.set_pc(RAM_BASE);
        assert_eq!(
            cpu.run(&mut bus, 10),
            (
                Stop::Undefined {
                    pc: RAM_BASE,
                    insn: 0xd4000001
                },
                0
            )
        );
    }

    #[test]
    fn one_reg_ids() {
        let mut cpu = Cpu::new();
        let core = |idx: u64| 0x6030_0000_0010_0000 | idx;
        let sys = |enc: u32| 0x6030_0000_0013_0000 | u64::from(enc);
        assert_eq!(cpu.one_reg_set(core(0), 10), Some(()));
        assert_eq!(cpu.one_reg_set(core(2), 11), Some(()));
        assert_eq!(cpu.one_reg_set(core(0x3c), 30), Some(()));
        assert_eq!((cpu.x(0), cpu.x(1), cpu.x(30)), (10, 11, 30));
        assert_eq!(cpu.one_reg_get(core(2)), Some(11));
        // SP is SP_EL0; SP_EL1 is the stack the guest uses.
        assert_eq!(cpu.one_reg_set(core(0x3e), 0x100), Some(()));
        assert_eq!(cpu.one_reg_set(core(0x44), 0x200), Some(()));
        assert_eq!((cpu.sysreg(SysReg::SpEl0), cpu.sp()), (0x100, 0x200));
        assert_eq!(cpu.one_reg_get(sys(SP_EL0)), Some(0x100));
        assert_eq!(cpu.one_reg_set(core(0x40), RAM_BASE), Some(()));
        assert_eq!(cpu.pc(), RAM_BASE);
        assert_eq!(cpu.one_reg_get(core(0x42)), Some(0x3c5));
        assert_eq!(cpu.one_reg_set(core(0x42), 0x6000_0345), Some(()));
        assert_eq!(cpu.pstate(), 0x6000_0345);
        // Only EL1h.
        assert_eq!(cpu.one_reg_set(core(0x42), 0x3c4), None);
        assert_eq!(cpu.one_reg_set(core(0x46), 0x1234), Some(()));
        assert_eq!(cpu.one_reg_set(core(0x48), 0x3c5), Some(()));
        assert_eq!(cpu.one_reg_get(sys(ELR_EL1)), Some(0x1234));
        assert_eq!(cpu.one_reg_get(sys(SPSR_EL1)), Some(0x3c5));
        assert_eq!(cpu.one_reg_set(sys(VBAR_EL1), 0x8_0800), Some(()));
        assert_eq!(cpu.one_reg_get(0x6030_0000_0013_c600), Some(0x8_0800));
        for r in [SCTLR_EL1, ESR_EL1, FAR_EL1, TPIDR_EL1] {
            assert_eq!(cpu.one_reg_set(sys(r), 0x55), Some(()));
            assert_eq!(cpu.one_reg_get(sys(r)), Some(0x55));
        }
        // Unknown ids: odd core offsets, spsr[1..], FP registers, other
        // system registers, other register classes.
        for id in [
            core(1),
            core(0x4a),
            0x6040_0000_0010_0054,
            sys(sysreg_enc(3, 0, 0, 0, 5)),
            0x6030_0000_0014_0000,
            0,
        ] {
            assert_eq!(cpu.one_reg_get(id), None);
            assert_eq!(cpu.one_reg_set(id, 0), None);
        }
    }
}
