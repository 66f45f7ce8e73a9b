// SPDX-License-Identifier: GPL-2.0

//! Execution of decoded instructions on a [`Cpu`]: data processing,
//! branches, loads and stores (RAM, MMIO, demand-paging faults) and
//! system-register access.

use super::{
    Access, Bus, Cpu, Flow, MmioAccess, Stop, CURRENT_EL, DAIF, DAIF_MASK, MODE_EL1H, MODE_MASK,
    NZCV, SPSEL,
};
use crate::sim::decode::{
    AddrMode, BranchReg, CondOperand, CselOp, Dp2Op, Insn, LogicOp, MemOp, MovOp, PstateField,
    Shift, Width,
};
use crate::sim::exec::{self, NZCV_MASK};

impl Cpu {
    /// Executes one decoded instruction.
    pub(super) fn exec(&mut self, insn: Insn, word: u32, bus: &mut impl Bus) -> Flow {
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
                    MovOp::K => (self.r(rd) & !(0xffff_u64 << shift)) | imm,
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
            Insn::CondCompare {
                width,
                sub,
                rn,
                op2,
                cond,
                nzcv,
            } => {
                self.nzcv = if exec::condition_holds(cond, self.nzcv) {
                    let op2 = match op2 {
                        CondOperand::Reg(rm) => self.r(rm),
                        CondOperand::Imm(imm) => u64::from(imm),
                    };
                    exec::add_sub(self.r(rn), op2, sub, width).1
                } else {
                    u64::from(nzcv & 0xf) << 28
                };
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
            Insn::DataProc1 { width, op, rd, rn } => {
                let v = exec::data_proc1(op, self.r(rn), width);
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
pub(super) fn load_value(op: MemOp, size: usize, raw: u64) -> u64 {
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
