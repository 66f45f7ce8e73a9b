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

use super::decode::{
    decode, AddrMode, BranchReg, CselOp, Dp2Op, Insn, LogicOp, MemOp, MovOp, PstateField, Shift,
    Width,
};
use super::exec::{self, NZCV_MASK};

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
const fn sysreg_enc(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
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

    /// Sets SP_EL1.
    pub(crate) fn set_sp(&mut self, v: u64) {
        self.sp_el1 = v;
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
            let v = load_value(access.op, access.size, read_data);
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

    /// Executes one decoded instruction.
    fn exec(&mut self, insn: Insn, word: u32, bus: &mut impl Bus) -> Flow {
        let pc = self.pc;
        let next = pc.wrapping_add(4);
        let undef = Flow::Stopped(Stop::Undefined { pc, insn: word });
        let mut flow = Flow::Next;
        let mut target = next;
        match insn {
            Insn::MovWide {
                width,
                op,
                rd,
                imm16,
                shift,
            } => {
                let imm = u64::from(imm16) << shift;
                let v = match op {
                    MovOp::N => !imm,
                    MovOp::Z => imm,
                    MovOp::K => (self.r(rd) & !(0xffff << shift)) | imm,
                };
                self.set_r(rd, v, width);
            }
            Insn::Adr { rd, offset, page } => {
                let base = if page { pc & !0xfff } else { pc };
                self.set_r(rd, base.wrapping_add_signed(offset), Width::X);
            }
            Insn::AddSubImm {
                width,
                sub,
                set_flags,
                rd,
                rn,
                imm,
            } => {
                let (v, flags) = exec::add_sub(self.xsp(rn), imm, sub, width);
                if set_flags {
                    self.nzcv = flags;
                    self.set_r(rd, v, width);
                } else {
                    self.set_xsp(rd, v);
                }
            }
            Insn::AddSubShifted {
                width,
                sub,
                set_flags,
                rd,
                rn,
                rm,
                shift,
                amount,
            } => {
                let op2 = exec::shift(self.r(rm), shift, u32::from(amount), width);
                let (v, flags) = exec::add_sub(self.r(rn), op2, sub, width);
                if set_flags {
                    self.nzcv = flags;
                }
                self.set_r(rd, v, width);
            }
            Insn::AddSubExt {
                width,
                sub,
                set_flags,
                rd,
                rn,
                rm,
                extend,
                amount,
            } => {
                let op2 =
                    exec::truncate(exec::extend(self.r(rm), extend, u32::from(amount)), width);
                let (v, flags) = exec::add_sub(self.xsp(rn), op2, sub, width);
                if set_flags {
                    self.nzcv = flags;
                    self.set_r(rd, v, width);
                } else {
                    self.set_xsp(rd, v);
                }
            }
            Insn::LogicalShifted {
                width,
                op,
                invert,
                rd,
                rn,
                rm,
                shift,
                amount,
            } => {
                let mut op2 = exec::shift(self.r(rm), shift, u32::from(amount), width);
                if invert {
                    op2 = !op2;
                }
                let v = self.logical(op, self.r(rn), op2, width);
                self.set_r(rd, v, width);
            }
            Insn::LogicalImm {
                width,
                op,
                rd,
                rn,
                imm,
            } => {
                let v = exec::truncate(self.logical(op, self.r(rn), imm, width), width);
                if op == LogicOp::Ands {
                    self.set_r(rd, v, width);
                } else {
                    self.set_xsp(rd, v);
                }
            }
            Insn::Bitfield {
                width,
                op,
                rd,
                rn,
                immr,
                imms,
            } => {
                let v = exec::bitfield(
                    op,
                    self.r(rn),
                    self.r(rd),
                    u32::from(immr),
                    u32::from(imms),
                    width,
                );
                self.set_r(rd, v, width);
            }
            Insn::Extr {
                width,
                rd,
                rn,
                rm,
                lsb,
            } => {
                let (hi, lo) = (self.r(rn), self.r(rm));
                let lsb = u32::from(lsb);
                let v = match width {
                    Width::W => ((hi << 32) | (lo & 0xffff_ffff)) >> lsb,
                    Width::X if lsb == 0 => lo,
                    Width::X => (lo >> lsb) | (hi << (64 - lsb)),
                };
                self.set_r(rd, v, width);
            }
            Insn::CondSelect {
                width,
                op,
                rd,
                rn,
                rm,
                cond,
            } => {
                let v = if exec::condition_holds(cond, self.nzcv) {
                    self.r(rn)
                } else {
                    let m = self.r(rm);
                    match op {
                        CselOp::Sel => m,
                        CselOp::Inc => m.wrapping_add(1),
                        CselOp::Inv => !m,
                        CselOp::Neg => m.wrapping_neg(),
                    }
                };
                self.set_r(rd, v, width);
            }
            Insn::MulAdd {
                width,
                sub,
                rd,
                rn,
                rm,
                ra,
            } => {
                let product = self.r(rn).wrapping_mul(self.r(rm));
                let acc = self.r(ra);
                let v = if sub {
                    acc.wrapping_sub(product)
                } else {
                    acc.wrapping_add(product)
                };
                self.set_r(rd, v, width);
            }
            Insn::DataProc2 {
                width,
                op,
                rd,
                rn,
                rm,
            } => {
                let v = data_proc2(op, self.r(rn), self.r(rm), width);
                self.set_r(rd, v, width);
            }
            Insn::Branch { offset, link } => {
                if link {
                    self.set_x(30, next);
                }
                target = pc.wrapping_add_signed(offset);
            }
            Insn::BranchCond { cond, offset } => {
                if exec::condition_holds(cond, self.nzcv) {
                    target = pc.wrapping_add_signed(offset);
                }
            }
            Insn::CompareBranch {
                width,
                nonzero,
                rt,
                offset,
            } => {
                if (exec::truncate(self.r(rt), width) != 0) == nonzero {
                    target = pc.wrapping_add_signed(offset);
                }
            }
            Insn::TestBranch {
                nonzero,
                rt,
                bit,
                offset,
            } => {
                if ((self.r(rt) >> (bit & 63)) & 1 == 1) == nonzero {
                    target = pc.wrapping_add_signed(offset);
                }
            }
            Insn::BranchReg { op, rn } => {
                // Read the target before linking: BLR X30 branches to the
                // old X30.
                target = self.r(rn);
                if op == BranchReg::Blr {
                    self.set_x(30, next);
                }
            }
            Insn::Eret => {
                if self.spsr & MODE_MASK != MODE_EL1H {
                    return undef;
                }
                let was_masked = self.irq_masked();
                self.nzcv = self.spsr & NZCV_MASK;
                self.daif = self.spsr & DAIF_MASK;
                target = self.elr;
                if was_masked && !self.irq_masked() {
                    flow = Flow::Retired(Stop::Budget);
                }
            }
            Insn::LoadStore {
                op,
                size,
                rt,
                rn,
                mode,
            } => {
                let mem = Mem {
                    op,
                    size,
                    rt,
                    rn,
                    mode,
                };
                let offset = match mode {
                    AddrMode::Register { rm, extend, shift } => {
                        exec::extend(self.r(rm), extend, u32::from(shift))
                    }
                    _ => 0,
                };
                return self.access(bus, word, mem, self.xsp(rn).wrapping_add(offset));
            }
            Insn::LoadLiteral {
                op,
                size,
                rt,
                offset,
            } => {
                let mem = Mem {
                    op,
                    size,
                    rt,
                    rn: 31,
                    mode: AddrMode::Offset(offset),
                };
                return self.access(bus, word, mem, pc);
            }
            Insn::LoadStorePair {
                op,
                size,
                rt,
                rt2,
                rn,
                mode,
            } => {
                let mem = Mem {
                    op,
                    size,
                    rt,
                    rn,
                    mode,
                };
                return self.pair(bus, word, mem, rt2);
            }
            Insn::Nop => {}
            Insn::Hvc(imm) => flow = Flow::Retired(Stop::Hvc(imm)),
            Insn::Wfi => flow = Flow::Retired(Stop::Wfi),
            Insn::Wfe => flow = Flow::Retired(Stop::Budget),
            Insn::Mrs { rt, enc } => match self.mrs(bus, enc) {
                Some(v) => self.set_r(rt, v, Width::X),
                None => return undef,
            },
            Insn::Msr { rt, enc } => {
                let was_masked = self.irq_masked();
                match self.msr(bus, enc, self.r(rt)) {
                    Some(Owner::Cpu) => {}
                    // The bus (GIC) may now have a deliverable interrupt.
                    Some(Owner::Bus) => flow = Flow::Retired(Stop::Budget),
                    None => return undef,
                }
                if was_masked && !self.irq_masked() {
                    flow = Flow::Retired(Stop::Budget);
                }
            }
            Insn::MsrImm { field, imm } => {
                let bits = u64::from(imm & 0xf) << 6;
                match field {
                    PstateField::DaifSet => self.daif |= bits,
                    PstateField::DaifClr => {
                        let was_masked = self.irq_masked();
                        self.daif &= !bits;
                        if was_masked && !self.irq_masked() {
                            flow = Flow::Retired(Stop::Budget);
                        }
                    }
                    PstateField::SpSel if imm & 1 == 1 => {}
                    PstateField::SpSel => return undef,
                }
            }
            Insn::Undefined => return undef,
        }
        self.pc = target;
        flow
    }

    /// AND/ORR/EOR/ANDS; ANDS sets N and Z and clears C and V.
    fn logical(&mut self, op: LogicOp, a: u64, b: u64, width: Width) -> u64 {
        let v = match op {
            LogicOp::And | LogicOp::Ands => a & b,
            LogicOp::Orr => a | b,
            LogicOp::Eor => a ^ b,
        };
        let v = exec::truncate(v, width);
        if op == LogicOp::Ands {
            self.nzcv = exec::nz_flags(v, width);
        }
        v
    }

    /// MRS: CPU-owned registers, else the bus.
    fn mrs(&mut self, bus: &mut impl Bus, enc: u32) -> Option<u64> {
        if let Some(r) = Self::sysreg_by_enc(enc) {
            return Some(self.sysreg(r));
        }
        match enc {
            NZCV => Some(self.nzcv),
            DAIF => Some(self.daif),
            CURRENT_EL => Some(1 << 2),
            SPSEL => Some(1),
            _ => bus.sysreg_read(enc),
        }
    }

    /// MSR: CPU-owned registers, else the bus. Returns who took it.
    fn msr(&mut self, bus: &mut impl Bus, enc: u32, v: u64) -> Option<Owner> {
        if let Some(r) = Self::sysreg_by_enc(enc) {
            self.set_sysreg(r, v);
            return Some(Owner::Cpu);
        }
        match enc {
            NZCV => self.nzcv = v & NZCV_MASK,
            DAIF => self.daif = v & DAIF_MASK,
            SPSEL if v & 1 == 1 => {}
            SPSEL | CURRENT_EL => return None,
            _ => {
                bus.sysreg_write(enc, v)?;
                return Some(Owner::Bus);
            }
        }
        Some(Owner::Cpu)
    }

    /// Performs the single access `mem` relative to `base` (the base
    /// register's value, plus the register offset if any).
    fn access(&mut self, bus: &mut impl Bus, word: u32, mem: Mem, base: u64) -> Flow {
        let Mem {
            op,
            size,
            rt,
            rn,
            mode,
        } = mem;
        let pc = self.pc;
        let (addr, writeback) = address(base, mode);
        let writeback = writeback.map(|v| (rn, v));
        let size_bytes = usize::from(size);
        let mut mmio = MmioAccess {
            addr,
            size: size_bytes,
            is_write: op == MemOp::Store,
            data: 0,
            reg: rt,
            op,
            writeback,
        };
        let result = match op {
            MemOp::Prefetch => Access::Done(()),
            MemOp::Store => {
                let v = self.r(rt) & size_mask(size_bytes);
                mmio.data = v;
                bus.write(addr, size_bytes, v)
            }
            MemOp::Load | MemOp::LoadSigned32 | MemOp::LoadSigned64 => {
                match bus.read(addr, size_bytes) {
                    Access::Done(v) => {
                        self.set_x(usize::from(rt), load_value(op, size_bytes, v));
                        Access::Done(())
                    }
                    Access::Mmio => Access::Mmio,
                    Access::Fault(ipa) => Access::Fault(ipa),
                }
            }
        };
        match result {
            Access::Done(()) => {
                if let Some((rn, v)) = writeback {
                    self.set_xsp(rn, v);
                }
                self.pc = pc.wrapping_add(4);
                Flow::Next
            }
            // Device memory with the MMU off: unaligned accesses fault.
            Access::Mmio if addr & u64::from(size).wrapping_sub(1) != 0 => {
                Flow::Stopped(Stop::Undefined { pc, insn: word })
            }
            Access::Mmio => Flow::Stopped(Stop::Mmio(mmio)),
            Access::Fault(ipa) => Flow::Stopped(Stop::PageFault(ipa)),
        }
    }

    /// LDP/STP/LDPSW: both halves are probed first, so a fault leaves no
    /// side effect; MMIO is not supported for pairs.
    fn pair(&mut self, bus: &mut impl Bus, word: u32, mem: Mem, rt2: u8) -> Flow {
        let Mem {
            op,
            size,
            rt,
            rn,
            mode,
        } = mem;
        let pc = self.pc;
        let undef = Flow::Stopped(Stop::Undefined { pc, insn: word });
        let (addr, writeback) = address(self.xsp(rn), mode);
        let addr2 = addr.wrapping_add(u64::from(size));
        let size = usize::from(size);
        let is_write = op == MemOp::Store;
        for a in [addr, addr2] {
            match bus.probe(a, size, is_write) {
                Access::Done(()) => {}
                Access::Mmio => return undef,
                Access::Fault(ipa) => return Flow::Stopped(Stop::PageFault(ipa)),
            }
        }
        if is_write {
            let mask = size_mask(size);
            for (a, r) in [(addr, rt), (addr2, rt2)] {
                match bus.write(a, size, self.r(r) & mask) {
                    Access::Done(()) => {}
                    Access::Mmio => return undef,
                    Access::Fault(ipa) => return Flow::Stopped(Stop::PageFault(ipa)),
                }
            }
        } else {
            let mut vals = [0u64; 2];
            for (slot, a) in vals.iter_mut().zip([addr, addr2]) {
                match bus.read(a, size) {
                    Access::Done(v) => *slot = load_value(op, size, v),
                    Access::Mmio => return undef,
                    Access::Fault(ipa) => return Flow::Stopped(Stop::PageFault(ipa)),
                }
            }
            let [v1, v2] = vals;
            self.set_x(usize::from(rt), v1);
            self.set_x(usize::from(rt2), v2);
        }
        if let Some(v) = writeback {
            self.set_xsp(rn, v);
        }
        self.pc = pc.wrapping_add(4);
        Flow::Next
    }
}

/// A single-register access, or the first register of a pair.
#[derive(Clone, Copy)]
struct Mem {
    op: MemOp,
    /// Bytes per register.
    size: u8,
    rt: u8,
    /// Base register (31 = SP), written back for pre/post index.
    rn: u8,
    mode: AddrMode,
}

/// Who owns a system register written by MSR.
enum Owner {
    /// The CPU.
    Cpu,
    /// The bus (the simulator's GIC CPU interface, ...).
    Bus,
}

/// Access address and new base value (pre/post index) for `mode`.
fn address(base: u64, mode: AddrMode) -> (u64, Option<u64>) {
    match mode {
        AddrMode::Offset(o) => (base.wrapping_add_signed(o), None),
        AddrMode::PreIndex(o) => {
            let a = base.wrapping_add_signed(o);
            (a, Some(a))
        }
        AddrMode::PostIndex(o) => (base, Some(base.wrapping_add_signed(o))),
        // The offset is already added by the caller.
        AddrMode::Register { .. } => (base, None),
    }
}

/// Mask of the low `size` bytes.
fn size_mask(size: usize) -> u64 {
    match size {
        1 => 0xff,
        2 => 0xffff,
        4 => 0xffff_ffff,
        _ => u64::MAX,
    }
}

/// The register value a load of `size` bytes writes for raw data `raw`.
fn load_value(op: MemOp, size: usize, raw: u64) -> u64 {
    let raw = raw & size_mask(size);
    // `size` is at most 8, so the bit count fits.
    let bits = u32::try_from(size.saturating_mul(8)).unwrap_or(64);
    match op {
        MemOp::LoadSigned64 => exec::sign_extend(raw, bits),
        MemOp::LoadSigned32 => exec::sign_extend(raw, bits) & 0xffff_ffff,
        _ => raw,
    }
}

/// UDIV/SDIV and the variable shifts.
fn data_proc2(op: Dp2Op, n: u64, m: u64, width: Width) -> u64 {
    let n = exec::truncate(n, width);
    let m = exec::truncate(m, width);
    // Shift amounts are taken modulo the operand size; the remainder fits.
    let amount = (m % u64::from(width.bits())) as u32;
    match op {
        Dp2Op::Udiv => n.checked_div(m).unwrap_or(0),
        // Division by zero gives 0; INT_MIN / -1 gives INT_MIN.
        Dp2Op::Sdiv if m == 0 => 0,
        Dp2Op::Sdiv => match width {
            Width::X => (n as i64).wrapping_div(m as i64) as u64,
            Width::W => u64::from((n as u32 as i32).wrapping_div(m as u32 as i32) as u32),
        },
        Dp2Op::Lslv => exec::shift(n, Shift::Lsl, amount, width),
        Dp2Op::Lsrv => exec::shift(n, Shift::Lsr, amount, width),
        Dp2Op::Asrv => exec::shift(n, Shift::Asr, amount, width),
        Dp2Op::Rorv => exec::shift(n, Shift::Ror, amount, width),
    }
}
