// SPDX-License-Identifier: GPL-2.0

//! AArch64 instruction decoding for the GenieZone simulator's interpreter.
//!
//! [`decode`] turns one 32-bit A64 instruction word into an [`Insn`]. It is a
//! pure function: it looks at no CPU state, so every encoding can be tested
//! without executing anything. Encodings outside the supported subset, and
//! encodings the architecture leaves unallocated, reserved or CONSTRAINED
//! UNPREDICTABLE in a way we choose not to model, decode to
//! [`Insn::Undefined`].
//!
//! Register numbers are kept as encoded (0..=31); whether 31 means XZR or SP
//! is a property of the instruction form and is recorded where it differs
//! from the default (XZR).

use kernel::prelude::kunit_tests;

/// Operand size of a data-processing instruction (the `sf` bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Width {
    /// 32-bit (`W` registers): results zero the upper half of `Xd`.
    W,
    /// 64-bit (`X` registers).
    X,
}

impl Width {
    fn from_sf(sf: u32) -> Self {
        if sf == 0 {
            Width::W
        } else {
            Width::X
        }
    }

    /// Number of bits.
    pub(crate) fn bits(self) -> u32 {
        match self {
            Width::W => 32,
            Width::X => 64,
        }
    }
}

/// Move-wide variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MovOp {
    /// MOVN: `Rd = !(imm16 << shift)`.
    N,
    /// MOVZ: `Rd = imm16 << shift`.
    Z,
    /// MOVK: replace 16 bits of `Rd`.
    K,
}

/// Shift applied to the second operand of a shifted-register instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shift {
    /// Logical shift left.
    Lsl,
    /// Logical shift right.
    Lsr,
    /// Arithmetic shift right.
    Asr,
    /// Rotate right (logical instructions only).
    Ror,
}

impl Shift {
    fn from_bits(bits: u32) -> Self {
        match bits & 3 {
            0 => Shift::Lsl,
            1 => Shift::Lsr,
            2 => Shift::Asr,
            _ => Shift::Ror,
        }
    }
}

/// Extension applied to the register operand of an extended-register form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Extend {
    /// Zero-extend the low byte.
    Uxtb,
    /// Zero-extend the low halfword.
    Uxth,
    /// Zero-extend the low word.
    Uxtw,
    /// The whole 64-bit register.
    Uxtx,
    /// Sign-extend the low byte.
    Sxtb,
    /// Sign-extend the low halfword.
    Sxth,
    /// Sign-extend the low word.
    Sxtw,
    /// The whole 64-bit register.
    Sxtx,
}

impl Extend {
    fn from_option(option: u32) -> Self {
        match option & 7 {
            0 => Extend::Uxtb,
            1 => Extend::Uxth,
            2 => Extend::Uxtw,
            3 => Extend::Uxtx,
            4 => Extend::Sxtb,
            5 => Extend::Sxth,
            6 => Extend::Sxtw,
            _ => Extend::Sxtx,
        }
    }
}

/// Bitwise operation of the logical instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogicOp {
    /// AND (BIC when the operand is inverted).
    And,
    /// ORR (ORN when inverted).
    Orr,
    /// EOR (EON when inverted).
    Eor,
    /// ANDS (BICS when inverted): sets N and Z, clears C and V.
    Ands,
}

impl LogicOp {
    fn from_opc(opc: u32) -> Self {
        match opc & 3 {
            0 => LogicOp::And,
            1 => LogicOp::Orr,
            2 => LogicOp::Eor,
            _ => LogicOp::Ands,
        }
    }
}

/// Bitfield-move variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BfOp {
    /// SBFM (ASR, SBFIZ, SBFX, SXTB, SXTH, SXTW aliases).
    Signed,
    /// BFM (BFI, BFXIL): the other bits of `Rd` are kept.
    Insert,
    /// UBFM (LSL, LSR, UBFIZ, UBFX, UXTB, UXTH aliases).
    Unsigned,
}

/// Conditional-select variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CselOp {
    /// `Rd = cond ? Rn : Rm`.
    Sel,
    /// `Rd = cond ? Rn : Rm + 1`.
    Inc,
    /// `Rd = cond ? Rn : !Rm`.
    Inv,
    /// `Rd = cond ? Rn : -Rm`.
    Neg,
}

/// Second operand of CCMP/CCMN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CondOperand {
    /// A register (31 = XZR).
    Reg(u8),
    /// A 5-bit unsigned immediate.
    Imm(u8),
}

/// One-source data-processing operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dp1Op {
    /// Reverse the bit order.
    Rbit,
    /// Reverse the bytes of each halfword.
    Rev16,
    /// Reverse the bytes of each word (REV for 32-bit operands).
    Rev32,
    /// Reverse the bytes of the doubleword (64-bit only).
    Rev64,
    /// Count leading zeros.
    Clz,
    /// Count leading sign bits.
    Cls,
}

/// Two-source data-processing operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dp2Op {
    /// Unsigned divide (division by zero gives zero).
    Udiv,
    /// Signed divide (division by zero gives zero).
    Sdiv,
    /// Variable shift left.
    Lslv,
    /// Variable logical shift right.
    Lsrv,
    /// Variable arithmetic shift right.
    Asrv,
    /// Variable rotate right.
    Rorv,
}

/// Branch-to-register variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BranchReg {
    /// BR.
    Br,
    /// BLR: links to X30 after reading the target.
    Blr,
    /// RET.
    Ret,
}

/// What a single-register load or store does with the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemOp {
    /// Store the low `size` bytes of `Rt`.
    Store,
    /// Load and zero-extend into `Rt` (a 32-bit load zeroes the upper half).
    Load,
    /// Load and sign-extend to 32 bits (LDRSB/LDRSH `Wt`); upper half zero.
    LoadSigned32,
    /// Load and sign-extend to 64 bits (LDRSB/LDRSH/LDRSW `Xt`).
    LoadSigned64,
    /// Prefetch: no effect at all.
    Prefetch,
}

/// Address computation of a load or store (the base is `Rn`, or SP if 31).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddrMode {
    /// `[Rn, #imm]`: immediate offset (scaled already), no writeback.
    Offset(i64),
    /// `[Rn, #imm]!`: writeback of the new address before the access.
    PreIndex(i64),
    /// `[Rn], #imm`: access at `Rn`, then writeback of `Rn + imm`.
    PostIndex(i64),
    /// `[Rn, Rm{, ext #shift}]`: register offset, no writeback.
    Register {
        /// Offset register (31 = XZR).
        rm: u8,
        /// How `Rm` is extended.
        extend: Extend,
        /// Left shift after extension.
        shift: u8,
    },
}

impl AddrMode {
    /// Whether the base register is written back.
    pub(crate) fn writeback(self) -> bool {
        matches!(self, AddrMode::PreIndex(_) | AddrMode::PostIndex(_))
    }
}

/// `MSR <pstatefield>, #imm` targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PstateField {
    /// Set the DAIF bits named by the 4-bit immediate.
    DaifSet,
    /// Clear the DAIF bits named by the 4-bit immediate.
    DaifClr,
    /// Select the stack pointer (only SPSel=1, EL1h, is supported).
    SpSel,
}

/// A decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insn {
    /// MOVN/MOVZ/MOVK.
    MovWide {
        /// Operand size.
        width: Width,
        /// Variant.
        op: MovOp,
        /// Destination (31 = XZR).
        rd: u8,
        /// The 16-bit immediate.
        imm16: u16,
        /// Left shift: 0, 16, 32 or 48.
        shift: u8,
    },
    /// ADR/ADRP: `Rd = PC + offset` (ADRP: page of PC).
    Adr {
        /// Destination (31 = XZR).
        rd: u8,
        /// Byte offset (ADRP: already multiplied by 4096).
        offset: i64,
        /// ADRP.
        page: bool,
    },
    /// ADD/SUB/ADDS/SUBS (immediate); CMP/CMN/MOV-to/from-SP aliases.
    AddSubImm {
        /// Operand size.
        width: Width,
        /// SUB rather than ADD.
        sub: bool,
        /// Sets flags; then `rd` 31 is XZR, otherwise SP.
        set_flags: bool,
        /// Destination.
        rd: u8,
        /// First operand (31 = SP).
        rn: u8,
        /// Immediate, already shifted.
        imm: u64,
    },
    /// ADD/SUB/ADDS/SUBS (shifted register); register 31 is XZR everywhere.
    AddSubShifted {
        /// Operand size.
        width: Width,
        /// SUB rather than ADD.
        sub: bool,
        /// Sets flags.
        set_flags: bool,
        /// Destination.
        rd: u8,
        /// First operand.
        rn: u8,
        /// Second operand.
        rm: u8,
        /// Shift of `rm` (never ROR).
        shift: Shift,
        /// Shift amount, less than the operand size.
        amount: u8,
    },
    /// ADD/SUB/ADDS/SUBS (extended register): `rn` 31 is SP, `rd` 31 is SP
    /// unless flags are set.
    AddSubExt {
        /// Operand size.
        width: Width,
        /// SUB rather than ADD.
        sub: bool,
        /// Sets flags.
        set_flags: bool,
        /// Destination.
        rd: u8,
        /// First operand.
        rn: u8,
        /// Second operand (31 = XZR).
        rm: u8,
        /// Extension of `rm`.
        extend: Extend,
        /// Left shift after extension, 0..=4.
        amount: u8,
    },
    /// AND/ORR/EOR/ANDS and their inverted forms (shifted register).
    LogicalShifted {
        /// Operand size.
        width: Width,
        /// Operation.
        op: LogicOp,
        /// Invert the shifted `rm` (BIC/ORN/EON/BICS).
        invert: bool,
        /// Destination (31 = XZR).
        rd: u8,
        /// First operand (31 = XZR).
        rn: u8,
        /// Second operand (31 = XZR).
        rm: u8,
        /// Shift of `rm`.
        shift: Shift,
        /// Shift amount, less than the operand size.
        amount: u8,
    },
    /// AND/ORR/EOR/ANDS (bitmask immediate).
    LogicalImm {
        /// Operand size.
        width: Width,
        /// Operation.
        op: LogicOp,
        /// Destination: SP if 31, except for ANDS where it is XZR.
        rd: u8,
        /// First operand (31 = XZR).
        rn: u8,
        /// The decoded bitmask (upper half zero for 32-bit).
        imm: u64,
    },
    /// SBFM/BFM/UBFM.
    Bitfield {
        /// Operand size.
        width: Width,
        /// Variant.
        op: BfOp,
        /// Destination (31 = XZR).
        rd: u8,
        /// Source (31 = XZR).
        rn: u8,
        /// Rotate amount.
        immr: u8,
        /// Top source bit.
        imms: u8,
    },
    /// EXTR (ROR immediate alias).
    Extr {
        /// Operand size.
        width: Width,
        /// Destination.
        rd: u8,
        /// High part.
        rn: u8,
        /// Low part.
        rm: u8,
        /// Least significant bit position in `rm`.
        lsb: u8,
    },
    /// CSEL/CSINC/CSINV/CSNEG (CSET, CINC, CNEG... aliases).
    CondSelect {
        /// Operand size.
        width: Width,
        /// Variant.
        op: CselOp,
        /// Destination.
        rd: u8,
        /// Taken when the condition holds.
        rn: u8,
        /// Transformed when it does not.
        rm: u8,
        /// Condition (0..=15).
        cond: u8,
    },
    /// CCMP/CCMN (register or immediate): flags of `Rn - op2` (`Rn + op2`)
    /// if the condition holds, else the immediate `nzcv`.
    CondCompare {
        /// Operand size.
        width: Width,
        /// CCMP (subtract) rather than CCMN.
        sub: bool,
        /// First operand (31 = XZR).
        rn: u8,
        /// Second operand.
        op2: CondOperand,
        /// Condition (0..=15).
        cond: u8,
        /// Flags when the condition fails, NZCV in bits \[3:0\].
        nzcv: u8,
    },
    /// MADD/MSUB (MUL/MNEG aliases): `Rd = Ra +/- Rn * Rm`.
    MulAdd {
        /// Operand size.
        width: Width,
        /// MSUB.
        sub: bool,
        /// Destination.
        rd: u8,
        /// Multiplicand.
        rn: u8,
        /// Multiplier.
        rm: u8,
        /// Addend.
        ra: u8,
    },
    /// RBIT/REV16/REV32/REV/CLZ/CLS.
    DataProc1 {
        /// Operand size.
        width: Width,
        /// Operation.
        op: Dp1Op,
        /// Destination (31 = XZR).
        rd: u8,
        /// Source (31 = XZR).
        rn: u8,
    },
    /// UDIV/SDIV/LSLV/LSRV/ASRV/RORV.
    DataProc2 {
        /// Operand size.
        width: Width,
        /// Operation.
        op: Dp2Op,
        /// Destination.
        rd: u8,
        /// First operand.
        rn: u8,
        /// Second operand.
        rm: u8,
    },
    /// B/BL.
    Branch {
        /// Byte offset from this instruction.
        offset: i64,
        /// BL: X30 = PC + 4.
        link: bool,
    },
    /// B.cond.
    BranchCond {
        /// Condition (0..=15; AL and NV are both "always").
        cond: u8,
        /// Byte offset from this instruction.
        offset: i64,
    },
    /// CBZ/CBNZ.
    CompareBranch {
        /// Compare `Wt` or `Xt`.
        width: Width,
        /// CBNZ.
        nonzero: bool,
        /// Register tested (31 = XZR).
        rt: u8,
        /// Byte offset from this instruction.
        offset: i64,
    },
    /// TBZ/TBNZ.
    TestBranch {
        /// TBNZ.
        nonzero: bool,
        /// Register tested (31 = XZR).
        rt: u8,
        /// Bit number, 0..=63.
        bit: u8,
        /// Byte offset from this instruction.
        offset: i64,
    },
    /// BR/BLR/RET.
    BranchReg {
        /// Variant.
        op: BranchReg,
        /// Target register (31 = XZR).
        rn: u8,
    },
    /// ERET.
    Eret,
    /// Single-register load/store (immediate, register or literal forms
    /// other than LDR (literal), which is [`Insn::LoadLiteral`]).
    LoadStore {
        /// Data transfer.
        op: MemOp,
        /// Access size in bytes: 1, 2, 4 or 8.
        size: u8,
        /// Data register (31 = XZR / WZR).
        rt: u8,
        /// Base register (31 = SP).
        rn: u8,
        /// Address computation.
        mode: AddrMode,
    },
    /// LDR (literal): `Rt = mem[PC + offset]`.
    LoadLiteral {
        /// Load (zero-extending 4 or 8 bytes, or LDRSW) or prefetch.
        op: MemOp,
        /// Access size in bytes: 4 or 8.
        size: u8,
        /// Destination (31 = XZR).
        rt: u8,
        /// Byte offset from this instruction.
        offset: i64,
    },
    /// LDP/STP/LDPSW (and LDNP/STNP as the offset form).
    LoadStorePair {
        /// LDP (LoadSigned64 for LDPSW) or STP.
        op: MemOp,
        /// Size of each register's access: 4 or 8.
        size: u8,
        /// First register (31 = XZR).
        rt: u8,
        /// Second register (31 = XZR).
        rt2: u8,
        /// Base (31 = SP).
        rn: u8,
        /// Offset, pre- or post-index (never register).
        mode: AddrMode,
    },
    /// NOP and harmless hints, barriers, cache and TLB maintenance.
    Nop,
    /// HVC #imm16.
    Hvc(u16),
    /// WFI.
    Wfi,
    /// WFE: executed as WFI (see the CPU documentation).
    Wfe,
    /// MRS Xt, <sysreg>.
    Mrs {
        /// Destination (31 = XZR).
        rt: u8,
        /// op0:op1:CRn:CRm:op2 as in instruction bits \[20:5\].
        enc: u32,
    },
    /// MSR <sysreg>, Xt.
    Msr {
        /// Source (31 = XZR).
        rt: u8,
        /// op0:op1:CRn:CRm:op2 as in instruction bits \[20:5\].
        enc: u32,
    },
    /// MSR <pstatefield>, #imm.
    MsrImm {
        /// Target.
        field: PstateField,
        /// The 4-bit immediate (CRm).
        imm: u8,
    },
    /// Not supported or not allocated.
    Undefined,
}

/// Bits `[lo + len - 1 : lo]` of `insn`.
fn bits(insn: u32, lo: u32, len: u32) -> u32 {
    (insn >> lo) & ((1u32 << len) - 1)
}

/// The 5-bit register field at `lo`.
fn reg(insn: u32, lo: u32) -> u8 {
    // A 5-bit field always fits.
    bits(insn, lo, 5) as u8
}

/// Sign-extends the `len`-bit field at `lo` and multiplies it by `scale`.
fn simm(insn: u32, lo: u32, len: u32, scale: i64) -> i64 {
    let v = i64::from(bits(insn, lo, len));
    let shift = 64 - len;
    // `len` < 32, so the shifts are in range and the product cannot overflow.
    ((v << shift) >> shift) * scale
}

/// The architecture's `DecodeBitMasks(N, imms, immr, immediate = TRUE)`
/// for a logical immediate of `width`: the bitmask, or `None` for a reserved
/// encoding.
pub(crate) fn decode_bit_masks(n: u32, imms: u32, immr: u32, width: Width) -> Option<u64> {
    // len = HighestSetBit(N:NOT(imms)).
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 || (width == Width::W && n != 0) {
        return None;
    }
    let levels = (1u32 << len) - 1;
    let s = imms & levels;
    let r = immr & levels;
    if s == levels {
        // An element of all ones is reserved.
        return None;
    }
    let esize = 1u32 << len;
    // welem = Ones(S + 1), S + 1 < esize <= 64.
    let welem = (1u64 << (s + 1)) - 1;
    let emask = if esize == 64 {
        u64::MAX
    } else {
        (1u64 << esize) - 1
    };
    // ROR(welem, R) within an element of esize bits.
    let elem = if r == 0 {
        welem
    } else {
        ((welem >> r) | (welem << (esize - r))) & emask
    };
    let mut mask = 0u64;
    let mut pos = 0;
    while pos < width.bits() {
        mask |= elem << pos;
        pos += esize;
    }
    Some(mask)
}

/// Decodes one instruction word.
pub(crate) fn decode(insn: u32) -> Insn {
    match bits(insn, 25, 4) {
        0b1000 | 0b1001 => decode_dp_imm(insn),
        0b1010 | 0b1011 => decode_branch_sys(insn),
        0b0100 | 0b0110 | 0b1100 | 0b1110 => decode_load_store(insn),
        0b0101 | 0b1101 => decode_dp_reg(insn),
        _ => Insn::Undefined,
    }
}

/// Data processing, immediate.
fn decode_dp_imm(insn: u32) -> Insn {
    let width = Width::from_sf(bits(insn, 31, 1));
    let rd = reg(insn, 0);
    let rn = reg(insn, 5);
    match bits(insn, 23, 3) {
        0b000 | 0b001 => {
            let page = bits(insn, 31, 1) == 1;
            let imm = (bits(insn, 5, 19) << 2) | bits(insn, 29, 2);
            let v = i64::from(imm);
            // 21-bit signed immediate.
            let offset = (v << 43) >> 43;
            Insn::Adr {
                rd,
                // |offset| < 2^20, so the page offset fits easily.
                offset: if page { offset << 12 } else { offset },
                page,
            }
        }
        0b010 => {
            let imm12 = u64::from(bits(insn, 10, 12));
            Insn::AddSubImm {
                width,
                sub: bits(insn, 30, 1) == 1,
                set_flags: bits(insn, 29, 1) == 1,
                rd,
                rn,
                imm: if bits(insn, 22, 1) == 1 {
                    imm12 << 12
                } else {
                    imm12
                },
            }
        }
        0b100 => {
            match decode_bit_masks(
                bits(insn, 22, 1),
                bits(insn, 10, 6),
                bits(insn, 16, 6),
                width,
            ) {
                Some(imm) => Insn::LogicalImm {
                    width,
                    op: LogicOp::from_opc(bits(insn, 29, 2)),
                    rd,
                    rn,
                    imm,
                },
                None => Insn::Undefined,
            }
        }
        0b101 => {
            let hw = bits(insn, 21, 2);
            let op = match bits(insn, 29, 2) {
                0b00 => MovOp::N,
                0b10 => MovOp::Z,
                0b11 => MovOp::K,
                _ => return Insn::Undefined,
            };
            if width == Width::W && hw > 1 {
                return Insn::Undefined;
            }
            Insn::MovWide {
                width,
                op,
                rd,
                imm16: bits(insn, 5, 16) as u16,
                shift: (hw * 16) as u8,
            }
        }
        0b110 => {
            let op = match bits(insn, 29, 2) {
                0b00 => BfOp::Signed,
                0b01 => BfOp::Insert,
                0b10 => BfOp::Unsigned,
                _ => return Insn::Undefined,
            };
            let n = bits(insn, 22, 1);
            let immr = bits(insn, 16, 6);
            let imms = bits(insn, 10, 6);
            let ok = match width {
                Width::X => n == 1,
                Width::W => n == 0 && immr < 32 && imms < 32,
            };
            if !ok {
                return Insn::Undefined;
            }
            Insn::Bitfield {
                width,
                op,
                rd,
                rn,
                immr: immr as u8,
                imms: imms as u8,
            }
        }
        0b111 => {
            let lsb = bits(insn, 10, 6);
            let ok = bits(insn, 29, 2) == 0
                && bits(insn, 21, 1) == 0
                && match width {
                    Width::X => bits(insn, 22, 1) == 1,
                    Width::W => bits(insn, 22, 1) == 0 && lsb < 32,
                };
            if !ok {
                return Insn::Undefined;
            }
            Insn::Extr {
                width,
                rd,
                rn,
                rm: reg(insn, 16),
                lsb: lsb as u8,
            }
        }
        _ => Insn::Undefined,
    }
}

/// Branches, exception generation and system instructions.
fn decode_branch_sys(insn: u32) -> Insn {
    let rt = reg(insn, 0);
    if bits(insn, 26, 5) == 0b00101 {
        return Insn::Branch {
            offset: simm(insn, 0, 26, 4),
            link: bits(insn, 31, 1) == 1,
        };
    }
    if bits(insn, 25, 6) == 0b011010 {
        return Insn::CompareBranch {
            width: Width::from_sf(bits(insn, 31, 1)),
            nonzero: bits(insn, 24, 1) == 1,
            rt,
            offset: simm(insn, 5, 19, 4),
        };
    }
    if bits(insn, 25, 6) == 0b011011 {
        return Insn::TestBranch {
            nonzero: bits(insn, 24, 1) == 1,
            rt,
            bit: ((bits(insn, 31, 1) << 5) | bits(insn, 19, 5)) as u8,
            offset: simm(insn, 5, 14, 4),
        };
    }
    if bits(insn, 24, 8) == 0b0101_0100 {
        // Bit 4 set is BC.cond (FEAT_HBC), not implemented.
        if bits(insn, 4, 1) != 0 {
            return Insn::Undefined;
        }
        return Insn::BranchCond {
            cond: bits(insn, 0, 4) as u8,
            offset: simm(insn, 5, 19, 4),
        };
    }
    if bits(insn, 24, 8) == 0b1101_0100 {
        // Exception generation: only HVC (opc 000, op2 000, LL 10).
        if bits(insn, 21, 3) == 0 && bits(insn, 0, 5) == 0b00010 {
            return Insn::Hvc(bits(insn, 5, 16) as u16);
        }
        return Insn::Undefined;
    }
    if bits(insn, 22, 10) == 0b11_0101_0100 {
        return decode_system(insn);
    }
    if bits(insn, 25, 7) == 0b110_1011 {
        return decode_branch_reg(insn);
    }
    Insn::Undefined
}

/// Unconditional branch (register) and ERET.
fn decode_branch_reg(insn: u32) -> Insn {
    let opc = bits(insn, 21, 4);
    let rn = reg(insn, 5);
    if bits(insn, 16, 5) != 0b11111 || bits(insn, 10, 6) != 0 || bits(insn, 0, 5) != 0 {
        return Insn::Undefined;
    }
    let op = match opc {
        0b0000 => BranchReg::Br,
        0b0001 => BranchReg::Blr,
        0b0010 => BranchReg::Ret,
        0b0100 if rn == 31 => return Insn::Eret,
        _ => return Insn::Undefined,
    };
    Insn::BranchReg { op, rn }
}

/// System instructions: hints, barriers, PSTATE access, MRS/MSR.
fn decode_system(insn: u32) -> Insn {
    let l = bits(insn, 21, 1);
    let op0 = bits(insn, 19, 2);
    let op1 = bits(insn, 16, 3);
    let crn = bits(insn, 12, 4);
    let crm = bits(insn, 8, 4);
    let op2 = bits(insn, 5, 3);
    let rt = reg(insn, 0);

    if op0 >= 2 {
        let enc = bits(insn, 5, 16);
        return if l == 1 {
            Insn::Mrs { rt, enc }
        } else {
            Insn::Msr { rt, enc }
        };
    }
    if l == 1 {
        // SYSL: not supported.
        return Insn::Undefined;
    }
    if op0 == 1 {
        return match (crn, crm) {
            // TLB maintenance: there is no TLB (the MMU is off).
            (8, _) => Insn::Nop,
            // IC and DC maintenance by set/way or VA: there are no caches,
            // memory is always coherent. DC ZVA/GVA (CRm 4, writes
            // memory) and AT (CRm 8, 9) are not supported.
            (7, 1 | 5 | 6 | 10 | 11 | 12 | 13 | 14) => Insn::Nop,
            _ => Insn::Undefined,
        };
    }
    match (crn, rt) {
        (0b0010, 31) if op1 == 0b011 => match (crm, op2) {
            (0, 3) => Insn::Wfi,
            (0, 2) => Insn::Wfe,
            // NOP, YIELD, SEV, SEVL, and every other hint: a CPU without the
            // hinted feature (PAuth, BTI, ESB, ...) executes them as NOP.
            _ => Insn::Nop,
        },
        // CLREX, DSB, DMB, ISB (and SSBB/PSSBB, DSB forms): one in-order
        // CPU with no caches to maintain makes them no-ops.
        (0b0011, 31) if op1 == 0b011 && matches!(op2, 2 | 4 | 5 | 6) => Insn::Nop,
        (0b0100, 31) => {
            let field = match (op1, op2) {
                (0b011, 0b110) => PstateField::DaifSet,
                (0b011, 0b111) => PstateField::DaifClr,
                (0b000, 0b101) => PstateField::SpSel,
                _ => return Insn::Undefined,
            };
            Insn::MsrImm {
                field,
                imm: crm as u8,
            }
        }
        _ => Insn::Undefined,
    }
}

/// Data processing, register.
fn decode_dp_reg(insn: u32) -> Insn {
    let sf = bits(insn, 31, 1);
    let width = Width::from_sf(sf);
    let rd = reg(insn, 0);
    let rn = reg(insn, 5);
    let rm = reg(insn, 16);
    let imm6 = bits(insn, 10, 6);
    let op28 = bits(insn, 28, 1);
    let op21_24 = bits(insn, 21, 4);

    if op28 == 0 {
        // bits 24: 0 logical, 1 add/sub.
        if bits(insn, 24, 1) == 0 {
            if width == Width::W && imm6 >= 32 {
                return Insn::Undefined;
            }
            return Insn::LogicalShifted {
                width,
                op: LogicOp::from_opc(bits(insn, 29, 2)),
                invert: bits(insn, 21, 1) == 1,
                rd,
                rn,
                rm,
                shift: Shift::from_bits(bits(insn, 22, 2)),
                amount: imm6 as u8,
            };
        }
        let sub = bits(insn, 30, 1) == 1;
        let set_flags = bits(insn, 29, 1) == 1;
        if bits(insn, 21, 1) == 0 {
            let shift = bits(insn, 22, 2);
            if shift == 3 || (width == Width::W && imm6 >= 32) {
                return Insn::Undefined;
            }
            return Insn::AddSubShifted {
                width,
                sub,
                set_flags,
                rd,
                rn,
                rm,
                shift: Shift::from_bits(shift),
                amount: imm6 as u8,
            };
        }
        let amount = bits(insn, 10, 3);
        if bits(insn, 22, 2) != 0 || amount > 4 {
            return Insn::Undefined;
        }
        return Insn::AddSubExt {
            width,
            sub,
            set_flags,
            rd,
            rn,
            rm,
            extend: Extend::from_option(bits(insn, 13, 3)),
            amount: amount as u8,
        };
    }

    match op21_24 {
        0b0010 => {
            // Conditional compare: S must be 1, o2 and o3 must be 0.
            if bits(insn, 29, 1) != 1 || bits(insn, 10, 1) != 0 || bits(insn, 4, 1) != 0 {
                return Insn::Undefined;
            }
            Insn::CondCompare {
                width,
                sub: bits(insn, 30, 1) == 1,
                rn,
                op2: if bits(insn, 11, 1) == 1 {
                    CondOperand::Imm(rm)
                } else {
                    CondOperand::Reg(rm)
                },
                cond: bits(insn, 12, 4) as u8,
                nzcv: bits(insn, 0, 4) as u8,
            }
        }
        0b0100 => {
            // Conditional select: S must be 0, op2 bit 1 must be 0.
            if bits(insn, 29, 1) != 0 || bits(insn, 11, 1) != 0 {
                return Insn::Undefined;
            }
            let op = match (bits(insn, 30, 1), bits(insn, 10, 1)) {
                (0, 0) => CselOp::Sel,
                (0, _) => CselOp::Inc,
                (_, 0) => CselOp::Inv,
                _ => CselOp::Neg,
            };
            Insn::CondSelect {
                width,
                op,
                rd,
                rn,
                rm,
                cond: bits(insn, 12, 4) as u8,
            }
        }
        0b0110 if bits(insn, 29, 2) == 0b10 && bits(insn, 16, 5) == 0 => {
            let op = match (bits(insn, 10, 6), width) {
                (0b000000, _) => Dp1Op::Rbit,
                (0b000001, _) => Dp1Op::Rev16,
                (0b000010, _) => Dp1Op::Rev32,
                (0b000011, Width::X) => Dp1Op::Rev64,
                (0b000100, _) => Dp1Op::Clz,
                (0b000101, _) => Dp1Op::Cls,
                _ => return Insn::Undefined,
            };
            Insn::DataProc1 { width, op, rd, rn }
        }
        0b0110 if bits(insn, 29, 2) == 0 => {
            let op = match bits(insn, 10, 6) {
                0b000010 => Dp2Op::Udiv,
                0b000011 => Dp2Op::Sdiv,
                0b001000 => Dp2Op::Lslv,
                0b001001 => Dp2Op::Lsrv,
                0b001010 => Dp2Op::Asrv,
                0b001011 => Dp2Op::Rorv,
                _ => return Insn::Undefined,
            };
            Insn::DataProc2 {
                width,
                op,
                rd,
                rn,
                rm,
            }
        }
        0b1000 if bits(insn, 29, 2) == 0 => Insn::MulAdd {
            width,
            sub: bits(insn, 15, 1) == 1,
            rd,
            rn,
            rm,
            ra: reg(insn, 10),
        },
        _ => Insn::Undefined,
    }
}

/// Loads and stores (general-purpose registers only).
fn decode_load_store(insn: u32) -> Insn {
    // SIMD&FP (V = 1) is never supported.
    if bits(insn, 26, 1) != 0 {
        return Insn::Undefined;
    }
    let rt = reg(insn, 0);
    let rn = reg(insn, 5);
    match bits(insn, 27, 3) {
        0b011 if bits(insn, 24, 2) == 0 => decode_literal(insn),
        0b101 => decode_pair(insn),
        0b111 => decode_single(insn, rt, rn),
        _ => Insn::Undefined,
    }
}

/// LDR (literal), LDRSW (literal), PRFM (literal).
fn decode_literal(insn: u32) -> Insn {
    let (op, size) = match bits(insn, 30, 2) {
        0b00 => (MemOp::Load, 4),
        0b01 => (MemOp::Load, 8),
        0b10 => (MemOp::LoadSigned64, 4),
        _ => (MemOp::Prefetch, 8),
    };
    Insn::LoadLiteral {
        op,
        size,
        rt: reg(insn, 0),
        offset: simm(insn, 5, 19, 4),
    }
}

/// LDP/STP/LDPSW/LDNP/STNP.
fn decode_pair(insn: u32) -> Insn {
    let load = bits(insn, 22, 1) == 1;
    let (op, size, scale) = match (bits(insn, 30, 2), load) {
        (0b00, false) => (MemOp::Store, 4, 4),
        (0b00, true) => (MemOp::Load, 4, 4),
        (0b01, true) => (MemOp::LoadSigned64, 4, 4),
        (0b10, false) => (MemOp::Store, 8, 8),
        (0b10, true) => (MemOp::Load, 8, 8),
        _ => return Insn::Undefined,
    };
    let imm = simm(insn, 15, 7, scale);
    let index = bits(insn, 23, 2);
    let mode = match index {
        0b00 if op == MemOp::LoadSigned64 => return Insn::Undefined,
        0b00 | 0b10 => AddrMode::Offset(imm),
        0b01 => AddrMode::PostIndex(imm),
        _ => AddrMode::PreIndex(imm),
    };
    let rt = reg(insn, 0);
    let rt2 = reg(insn, 10);
    let rn = reg(insn, 5);
    // CONSTRAINED UNPREDICTABLE cases, rejected.
    if load && rt == rt2 {
        return Insn::Undefined;
    }
    if mode.writeback() && rn != 31 && (rn == rt || rn == rt2) {
        return Insn::Undefined;
    }
    Insn::LoadStorePair {
        op,
        size,
        rt,
        rt2,
        rn,
        mode,
    }
}

/// Load/store of a single register: unsigned offset, unscaled, pre/post
/// index and register offset.
fn decode_single(insn: u32, rt: u8, rn: u8) -> Insn {
    let size_bits = bits(insn, 30, 2);
    let size = 1u8 << size_bits;
    let opc = bits(insn, 22, 2);
    let op = match (opc, size_bits) {
        (0b00, _) => MemOp::Store,
        (0b01, _) => MemOp::Load,
        (0b10, 0b11) => MemOp::Prefetch,
        (0b10, _) => MemOp::LoadSigned64,
        (0b11, 0b00 | 0b01) => MemOp::LoadSigned32,
        _ => return Insn::Undefined,
    };
    let mode = if bits(insn, 24, 1) == 1 {
        AddrMode::Offset(i64::from(bits(insn, 10, 12)) << size_bits)
    } else if bits(insn, 21, 1) == 0 {
        let imm9 = simm(insn, 12, 9, 1);
        match bits(insn, 10, 2) {
            0b00 => AddrMode::Offset(imm9),
            0b01 => AddrMode::PostIndex(imm9),
            // LDTR/STTR (unprivileged): not supported.
            0b10 => return Insn::Undefined,
            _ => AddrMode::PreIndex(imm9),
        }
    } else {
        // Register offset (bits 11:10 = 10); others are atomics/PAC loads.
        let option = bits(insn, 13, 3);
        if bits(insn, 10, 2) != 0b10 || option & 0b010 == 0 {
            return Insn::Undefined;
        }
        AddrMode::Register {
            rm: reg(insn, 16),
            extend: Extend::from_option(option),
            shift: if bits(insn, 12, 1) == 1 {
                size_bits as u8
            } else {
                0
            },
        }
    };
    if op == MemOp::Prefetch && mode.writeback() {
        return Insn::Undefined;
    }
    // Writeback with Rn == Rt is CONSTRAINED UNPREDICTABLE: rejected.
    if mode.writeback() && rn == rt && rn != 31 {
        return Insn::Undefined;
    }
    Insn::LoadStore {
        op,
        size,
        rt,
        rn,
        mode,
    }
}

#[kunit_tests(gzvm_sim_decode)]
mod tests {
    use super::*;

    /// Shorthands for the expected values.
    const W: Width = Width::W;
    const X: Width = Width::X;

    fn ls(op: MemOp, size: u8, rt: u8, rn: u8, mode: AddrMode) -> Insn {
        Insn::LoadStore {
            op,
            size,
            rt,
            rn,
            mode,
        }
    }

    fn pair(op: MemOp, size: u8, rt: u8, rt2: u8, rn: u8, mode: AddrMode) -> Insn {
        Insn::LoadStorePair {
            op,
            size,
            rt,
            rt2,
            rn,
            mode,
        }
    }

    fn addsub_imm(width: Width, sub: bool, set_flags: bool, rd: u8, rn: u8, imm: u64) -> Insn {
        Insn::AddSubImm {
            width,
            sub,
            set_flags,
            rd,
            rn,
            imm,
        }
    }

    fn logical(width: Width, op: LogicOp, invert: bool, rd: u8, rn: u8, rm: u8) -> Insn {
        Insn::LogicalShifted {
            width,
            op,
            invert,
            rd,
            rn,
            rm,
            shift: Shift::Lsl,
            amount: 0,
        }
    }

    fn logical_imm(width: Width, op: LogicOp, rd: u8, rn: u8, imm: u64) -> Insn {
        Insn::LogicalImm {
            width,
            op,
            rd,
            rn,
            imm,
        }
    }

    fn bitfield(width: Width, op: BfOp, immr: u8, imms: u8) -> Insn {
        Insn::Bitfield {
            width,
            op,
            rd: 0,
            rn: 1,
            immr,
            imms,
        }
    }

    #[test]
    fn move_wide() {
        let cases = [
            // movz x1, #0x1234, lsl #16
            (0xd2a24681, MovOp::Z, X, 1, 0x1234, 16),
            // movk w2, #0xbeef
            (0x7297dde2, MovOp::K, W, 2, 0xbeef, 0),
            // movn x3, #0
            (0x92800003, MovOp::N, X, 3, 0, 0),
            // movz w4, #0xffff, lsl #16
            (0x52bfffe4, MovOp::Z, W, 4, 0xffff, 16),
        ];
        for (word, op, width, rd, imm16, shift) in cases {
            assert_eq!(
                decode(word),
                Insn::MovWide {
                    width,
                    op,
                    rd,
                    imm16,
                    shift
                }
            );
        }
        // movz w0, #0, lsl #32: hw = 2 is reserved for 32-bit.
        assert_eq!(decode(0x52c00000), Insn::Undefined);
    }

    #[test]
    fn add_sub_immediate() {
        let cases = [
            // add x0, x1, #4
            (0x91001020, addsub_imm(X, false, false, 0, 1, 4)),
            // add sp, sp, #0x10
            (0x910043ff, addsub_imm(X, false, false, 31, 31, 0x10)),
            // sub x0, sp, #1, lsl #12
            (0xd14007e0, addsub_imm(X, true, false, 0, 31, 0x1000)),
            // adds w5, w6, #1
            (0x310004c5, addsub_imm(W, false, true, 5, 6, 1)),
            // cmp x7, #3 (subs xzr, x7, #3)
            (0xf1000cff, addsub_imm(X, true, true, 31, 7, 3)),
            // cmn w8, #1
            (0x3100051f, addsub_imm(W, false, true, 31, 8, 1)),
            // mov x29, sp
            (0x910003fd, addsub_imm(X, false, false, 29, 31, 0)),
        ];
        for (word, insn) in cases {
            assert_eq!(decode(word), insn);
        }
    }

    #[test]
    fn add_sub_register() {
        // add x0, x1, x2, lsl #3
        assert_eq!(
            decode(0x8b020c20),
            Insn::AddSubShifted {
                width: X,
                sub: false,
                set_flags: false,
                rd: 0,
                rn: 1,
                rm: 2,
                shift: Shift::Lsl,
                amount: 3
            }
        );
        // subs w3, w4, w5, asr #2
        assert_eq!(
            decode(0x6b850883),
            Insn::AddSubShifted {
                width: W,
                sub: true,
                set_flags: true,
                rd: 3,
                rn: 4,
                rm: 5,
                shift: Shift::Asr,
                amount: 2
            }
        );
        // cmp x1, x2
        assert!(matches!(
            decode(0xeb02003f),
            Insn::AddSubShifted {
                sub: true,
                set_flags: true,
                rd: 31,
                rn: 1,
                rm: 2,
                ..
            }
        ));
        // neg x0, x1 (sub x0, xzr, x1)
        assert!(matches!(
            decode(0xcb0103e0),
            Insn::AddSubShifted {
                sub: true,
                set_flags: false,
                rd: 0,
                rn: 31,
                rm: 1,
                ..
            }
        ));
        // add x0, sp, x1, lsl #2 (extended register, UXTX)
        assert_eq!(
            decode(0x8b216be0),
            Insn::AddSubExt {
                width: X,
                sub: false,
                set_flags: false,
                rd: 0,
                rn: 31,
                rm: 1,
                extend: Extend::Uxtx,
                amount: 2
            }
        );
        // sub w0, w1, w2, sxtb
        assert_eq!(
            decode(0x4b228020),
            Insn::AddSubExt {
                width: W,
                sub: true,
                set_flags: false,
                rd: 0,
                rn: 1,
                rm: 2,
                extend: Extend::Sxtb,
                amount: 0
            }
        );
        // Shift type 0b11 (ROR) is reserved for add/sub.
        assert_eq!(decode(0x8bc00c00), Insn::Undefined);
        // adc x0, x1, x2: not supported.
        assert_eq!(decode(0x9a020020), Insn::Undefined);
    }

    #[test]
    fn logical_register() {
        let cases = [
            // and x0, x1, x2
            (0x8a020020, logical(X, LogicOp::And, false, 0, 1, 2)),
            // mov w0, w1 (orr w0, wzr, w1)
            (0x2a0103e0, logical(W, LogicOp::Orr, false, 0, 31, 1)),
            // ands w0, w1, w2
            (0x6a020020, logical(W, LogicOp::Ands, false, 0, 1, 2)),
            // bic x0, x1, x2
            (0x8a220020, logical(X, LogicOp::And, true, 0, 1, 2)),
            // mvn w0, w1 (orn w0, wzr, w1)
            (0x2a2103e0, logical(W, LogicOp::Orr, true, 0, 31, 1)),
        ];
        for (word, insn) in cases {
            assert_eq!(decode(word), insn);
        }
        // eor x0, x1, x2, ror #7
        assert_eq!(
            decode(0xcac21c20),
            Insn::LogicalShifted {
                width: X,
                op: LogicOp::Eor,
                invert: false,
                rd: 0,
                rn: 1,
                rm: 2,
                shift: Shift::Ror,
                amount: 7
            }
        );
        // orn w0, w1, w0, lsl #32: shift amount too large for 32 bits.
        assert_eq!(decode(0x2a208020), Insn::Undefined);
    }

    #[test]
    fn logical_immediate() {
        let cases = [
            // tst x1, #1 (ands xzr, x1, #1)
            (0xf240003f, logical_imm(X, LogicOp::Ands, 31, 1, 1)),
            // and x0, x1, #0xff
            (0x92401c20, logical_imm(X, LogicOp::And, 0, 1, 0xff)),
            // mov w0, #0x80000001 (orr w0, wzr, #0x80000001)
            (0x320107e0, logical_imm(W, LogicOp::Orr, 0, 31, 0x8000_0001)),
            // eor x0, x1, #0x5555555555555555
            (
                0xd200f020,
                logical_imm(X, LogicOp::Eor, 0, 1, 0x5555_5555_5555_5555),
            ),
            // ands x2, x3, #0xfffffffffffffffe
            (
                0xf27ff862,
                logical_imm(X, LogicOp::Ands, 2, 3, 0xffff_ffff_ffff_fffe),
            ),
            // mov sp, #0x4000 (orr sp, xzr, #0x4000)
            (0xb27203ff, logical_imm(X, LogicOp::Orr, 31, 31, 0x4000)),
            // and sp, x1, #0xfffffffffffffff0
            (
                0x927cec3f,
                logical_imm(X, LogicOp::And, 31, 1, 0xffff_ffff_ffff_fff0),
            ),
        ];
        for (word, insn) in cases {
            assert_eq!(decode(word), insn);
        }
        // N = 1, imms = 0b111111: an all-ones element is reserved.
        assert_eq!(decode(0x9240fc20), Insn::Undefined);
    }

    #[test]
    fn bit_masks() {
        // 2-bit elements 0b01, rotated by 1 -> 0b10 replicated.
        assert_eq!(
            decode_bit_masks(0, 0b111100, 1, Width::X),
            Some(0xaaaa_aaaa_aaaa_aaaa)
        );
        // 32-bit element: ones(8) rotated right by 4.
        assert_eq!(
            decode_bit_masks(0, 0b000111, 4, Width::W),
            Some(0xf000_000f)
        );
        // 64-bit element: ones(63), no rotation.
        assert_eq!(
            decode_bit_masks(1, 0b111110, 0, Width::X),
            Some(u64::MAX >> 1)
        );
        // N = 1 with a 32-bit operation, and the all-ones elements.
        assert_eq!(decode_bit_masks(1, 0, 0, Width::W), None);
        assert_eq!(decode_bit_masks(0, 0b111101, 0, Width::X), None);
        assert_eq!(decode_bit_masks(0, 0b111111, 0, Width::X), None);
        assert_eq!(decode_bit_masks(0, 0b011111, 0, Width::W), None);
    }

    #[test]
    fn bitfield_moves() {
        let cases = [
            // lsl w0, w1, #4
            (0x531c6c20, bitfield(W, BfOp::Unsigned, 28, 27)),
            // lsr x0, x1, #60
            (0xd37cfc20, bitfield(X, BfOp::Unsigned, 60, 63)),
            // asr x0, x1, #4
            (0x9344fc20, bitfield(X, BfOp::Signed, 4, 63)),
            // uxtb w0, w1
            (0x53001c20, bitfield(W, BfOp::Unsigned, 0, 7)),
            // uxth w0, w1
            (0x53003c20, bitfield(W, BfOp::Unsigned, 0, 15)),
            // sxtw x0, w1
            (0x93407c20, bitfield(X, BfOp::Signed, 0, 31)),
            // sxtb x0, w1
            (0x93401c20, bitfield(X, BfOp::Signed, 0, 7)),
            // bfi x0, x1, #8, #4
            (0xb3780c20, bitfield(X, BfOp::Insert, 56, 3)),
        ];
        for (word, insn) in cases {
            assert_eq!(decode(word), insn);
        }
        // ror x0, x1, #8 (extr x0, x1, x1, #8)
        assert_eq!(
            decode(0x93c12020),
            Insn::Extr {
                width: X,
                rd: 0,
                rn: 1,
                rm: 1,
                lsb: 8
            }
        );
        // ubfm w0, w1, #32, #31: immr out of range for 32 bits.
        assert_eq!(decode(0x53207c20), Insn::Undefined);
    }

    #[test]
    fn branches() {
        // b .+8 / bl .-4
        assert_eq!(
            decode(0x14000002),
            Insn::Branch {
                offset: 8,
                link: false
            }
        );
        assert_eq!(
            decode(0x97ffffff),
            Insn::Branch {
                offset: -4,
                link: true
            }
        );
        // b.ne .+16 / b.al .+4
        assert_eq!(
            decode(0x54000081),
            Insn::BranchCond {
                cond: 1,
                offset: 16
            }
        );
        assert_eq!(
            decode(0x5400002e),
            Insn::BranchCond {
                cond: 0xe,
                offset: 4
            }
        );
        // cbz w3, .+8 / cbnz x4, .-8
        assert_eq!(
            decode(0x34000043),
            Insn::CompareBranch {
                width: W,
                nonzero: false,
                rt: 3,
                offset: 8
            }
        );
        assert_eq!(
            decode(0xb5ffffc4),
            Insn::CompareBranch {
                width: X,
                nonzero: true,
                rt: 4,
                offset: -8
            }
        );
        // tbz x5, #63, .+12 / tbnz w6, #3, .-4
        assert_eq!(
            decode(0xb6f80065),
            Insn::TestBranch {
                nonzero: false,
                rt: 5,
                bit: 63,
                offset: 12
            }
        );
        assert_eq!(
            decode(0x371fffe6),
            Insn::TestBranch {
                nonzero: true,
                rt: 6,
                bit: 3,
                offset: -4
            }
        );
        // br x1 / blr x30 / ret / ret x2
        let regs = [
            (0xd61f0020, BranchReg::Br, 1),
            (0xd63f03c0, BranchReg::Blr, 30),
            (0xd65f03c0, BranchReg::Ret, 30),
            (0xd65f0040, BranchReg::Ret, 2),
        ];
        for (word, op, rn) in regs {
            assert_eq!(decode(word), Insn::BranchReg { op, rn });
        }
        // eret
        assert_eq!(decode(0xd69f03e0), Insn::Eret);
        // bc.eq (FEAT_HBC) and a RET with a non-zero op4.
        assert_eq!(decode(0x54000010), Insn::Undefined);
        assert_eq!(decode(0xd65f03e1), Insn::Undefined);
    }

    #[test]
    fn loads_and_stores() {
        let cases = [
            // ldr x0, [x1]
            (0xf9400020, ls(MemOp::Load, 8, 0, 1, AddrMode::Offset(0))),
            // ldr w2, [sp, #8]
            (0xb9400be2, ls(MemOp::Load, 4, 2, 31, AddrMode::Offset(8))),
            // ldrb w3, [x4, #4095]
            (0x397ffc83, ls(MemOp::Load, 1, 3, 4, AddrMode::Offset(4095))),
            // strh w5, [x6, #2]
            (0x790004c5, ls(MemOp::Store, 2, 5, 6, AddrMode::Offset(2))),
            // ldrsb x7, [x8, #1]
            (
                0x39800507,
                ls(MemOp::LoadSigned64, 1, 7, 8, AddrMode::Offset(1)),
            ),
            // ldrsh w9, [x10]
            (
                0x79c00149,
                ls(MemOp::LoadSigned32, 2, 9, 10, AddrMode::Offset(0)),
            ),
            // ldrsw x11, [x12, #4]
            (
                0xb980058b,
                ls(MemOp::LoadSigned64, 4, 11, 12, AddrMode::Offset(4)),
            ),
            // str x13, [x14, #-8]!
            (
                0xf81f8dcd,
                ls(MemOp::Store, 8, 13, 14, AddrMode::PreIndex(-8)),
            ),
            // ldr w15, [x16], #4
            (
                0xb840460f,
                ls(MemOp::Load, 4, 15, 16, AddrMode::PostIndex(4)),
            ),
            // ldur x17, [x18, #-1]
            (0xf85ff251, ls(MemOp::Load, 8, 17, 18, AddrMode::Offset(-1))),
            // ldr x0, [x1, x2, lsl #3]
            (
                0xf8627820,
                ls(
                    MemOp::Load,
                    8,
                    0,
                    1,
                    AddrMode::Register {
                        rm: 2,
                        extend: Extend::Uxtx,
                        shift: 3,
                    },
                ),
            ),
            // ldrb w0, [x1, w2, sxtw]
            (
                0x3862c820,
                ls(
                    MemOp::Load,
                    1,
                    0,
                    1,
                    AddrMode::Register {
                        rm: 2,
                        extend: Extend::Sxtw,
                        shift: 0,
                    },
                ),
            ),
            // prfm pldl1keep, [x0]
            (
                0xf9800000,
                ls(MemOp::Prefetch, 8, 0, 0, AddrMode::Offset(0)),
            ),
        ];
        for (word, insn) in cases {
            assert_eq!(decode(word), insn);
        }
        // ldr x1, [x1, #8]!: writeback with Rn == Rt.
        assert_eq!(decode(0xf8408c21), Insn::Undefined);
        // ldtr, ldxr, ldadda, ldr q0: not supported.
        for word in [0xf8400820, 0xc85f7c20, 0xb8bf0000, 0x3dc00020] {
            assert_eq!(decode(word), Insn::Undefined);
        }
    }

    #[test]
    fn literal_loads() {
        let cases = [
            // ldr x19, .+16
            (0x58000093, MemOp::Load, 8, 19, 16),
            // ldr w20, .-4
            (0x18fffff4, MemOp::Load, 4, 20, -4),
            // ldrsw x21, .+8
            (0x98000055, MemOp::LoadSigned64, 4, 21, 8),
        ];
        for (word, op, size, rt, offset) in cases {
            assert_eq!(
                decode(word),
                Insn::LoadLiteral {
                    op,
                    size,
                    rt,
                    offset
                }
            );
        }
    }

    #[test]
    fn pairs() {
        let cases = [
            // ldp x0, x1, [sp]
            (
                0xa94007e0,
                pair(MemOp::Load, 8, 0, 1, 31, AddrMode::Offset(0)),
            ),
            // stp x29, x30, [sp, #-16]!
            (
                0xa9bf7bfd,
                pair(MemOp::Store, 8, 29, 30, 31, AddrMode::PreIndex(-16)),
            ),
            // ldp x29, x30, [sp], #16
            (
                0xa8c17bfd,
                pair(MemOp::Load, 8, 29, 30, 31, AddrMode::PostIndex(16)),
            ),
            // stp w1, w2, [x3, #8]
            (
                0x29010861,
                pair(MemOp::Store, 4, 1, 2, 3, AddrMode::Offset(8)),
            ),
            // ldpsw x4, x5, [x6]
            (
                0x694014c4,
                pair(MemOp::LoadSigned64, 4, 4, 5, 6, AddrMode::Offset(0)),
            ),
        ];
        for (word, insn) in cases {
            assert_eq!(decode(word), insn);
        }
        // ldp x0, x1, [x1, #0]!: writeback into a loaded register.
        assert_eq!(decode(0xa9c00420), Insn::Undefined);
        // ldp x0, x0, [x1]: Rt == Rt2.
        assert_eq!(decode(0xa9400020), Insn::Undefined);
    }

    #[test]
    fn system() {
        // nop, yield, sev, sevl, isb, dsb sy, dmb ish, paciasp, bti c
        for word in [
            0xd503201f, 0xd503203f, 0xd503209f, 0xd50320bf, 0xd5033fdf, 0xd5033f9f, 0xd5033bbf,
            0xd503233f, 0xd503245f,
        ] {
            assert_eq!(decode(word), Insn::Nop);
        }
        // hvc #0 / hvc #0xffff
        assert_eq!(decode(0xd4000002), Insn::Hvc(0));
        assert_eq!(decode(0xd41fffe2), Insn::Hvc(0xffff));
        // wfi / wfe
        assert_eq!(decode(0xd503207f), Insn::Wfi);
        assert_eq!(decode(0xd503205f), Insn::Wfe);
        // mrs x0, vbar_el1 / msr elr_el1, x1
        assert_eq!(decode(0xd538c000), Insn::Mrs { rt: 0, enc: 0xc600 });
        assert_eq!(decode(0xd5184021), Insn::Msr { rt: 1, enc: 0xc201 });
        // mrs x2, icc_iar1_el1 (3,0,12,12,0) / msr icc_eoir1_el1, x3 (3,0,12,12,1)
        assert_eq!(decode(0xd538cc02), Insn::Mrs { rt: 2, enc: 0xc660 });
        assert_eq!(decode(0xd518cc23), Insn::Msr { rt: 3, enc: 0xc661 });
        // msr daifset, #2 / msr daifclr, #0xf / msr spsel, #1
        assert_eq!(
            decode(0xd50342df),
            Insn::MsrImm {
                field: PstateField::DaifSet,
                imm: 2
            }
        );
        assert_eq!(
            decode(0xd5034fff),
            Insn::MsrImm {
                field: PstateField::DaifClr,
                imm: 0xf
            }
        );
        assert_eq!(
            decode(0xd50041bf),
            Insn::MsrImm {
                field: PstateField::SpSel,
                imm: 1
            }
        );
        // ic iallu, ic ivau, dc ivac, dc cvac, dc civac, tlbi vmalle1,
        // tlbi vae1is: no caches or TLBs to maintain.
        for word in [
            0xd508751f, 0xd50b7520, 0xd5087621, 0xd50b7a22, 0xd50b7e20, 0xd508871f, 0xd5088323,
        ] {
            assert_eq!(decode(word), Insn::Nop);
        }
        // svc #0, brk #0, udf #0, smc #0, dc zva, at s1e1r
        for word in [
            0xd4000001, 0xd4200000, 0x00000000, 0xd4000003, 0xd50b7420, 0xd5087800,
        ] {
            assert_eq!(decode(word), Insn::Undefined);
        }
    }

    #[test]
    fn other_data_processing() {
        // csel x0, x1, x2, eq
        assert_eq!(
            decode(0x9a820020),
            Insn::CondSelect {
                width: X,
                op: CselOp::Sel,
                rd: 0,
                rn: 1,
                rm: 2,
                cond: 0
            }
        );
        // cset w0, ne (csinc w0, wzr, wzr, eq)
        assert_eq!(
            decode(0x1a9f07e0),
            Insn::CondSelect {
                width: W,
                op: CselOp::Inc,
                rd: 0,
                rn: 31,
                rm: 31,
                cond: 0
            }
        );
        // csinv x0, x1, x2, lt / cneg x0, x1, mi (csneg x0, x1, x1, pl)
        assert!(matches!(
            decode(0xda82b020),
            Insn::CondSelect {
                op: CselOp::Inv,
                cond: 0xb,
                ..
            }
        ));
        assert!(matches!(
            decode(0xda815420),
            Insn::CondSelect {
                op: CselOp::Neg,
                cond: 0x5,
                ..
            }
        ));
        // mul x0, x1, x2 (madd x0, x1, x2, xzr) / msub w0, w1, w2, w3
        assert_eq!(
            decode(0x9b027c20),
            Insn::MulAdd {
                width: X,
                sub: false,
                rd: 0,
                rn: 1,
                rm: 2,
                ra: 31
            }
        );
        assert_eq!(
            decode(0x1b028c20),
            Insn::MulAdd {
                width: W,
                sub: true,
                rd: 0,
                rn: 1,
                rm: 2,
                ra: 3
            }
        );
        // udiv x0, x1, x2 / sdiv w0, w1, w2 / lsl x0, x1, x2
        let dp2 = [
            (0x9ac20820, X, Dp2Op::Udiv),
            (0x1ac20c20, W, Dp2Op::Sdiv),
            (0x9ac22020, X, Dp2Op::Lslv),
        ];
        for (word, width, op) in dp2 {
            assert_eq!(
                decode(word),
                Insn::DataProc2 {
                    width,
                    op,
                    rd: 0,
                    rn: 1,
                    rm: 2
                }
            );
        }
        // adr x0, .+0x100 / adrp x1, .+0x2000
        assert_eq!(
            decode(0x10000800),
            Insn::Adr {
                rd: 0,
                offset: 0x100,
                page: false
            }
        );
        assert_eq!(
            decode(0xd0000001),
            Insn::Adr {
                rd: 1,
                offset: 0x2000,
                page: true
            }
        );
        // ccmp x0, #1, #0, eq / ccmn w1, w2, #0b1010, ne
        assert_eq!(
            decode(0xfa410800),
            Insn::CondCompare {
                width: X,
                sub: true,
                rn: 0,
                op2: CondOperand::Imm(1),
                cond: 0,
                nzcv: 0
            }
        );
        assert_eq!(
            decode(0x3a42102a),
            Insn::CondCompare {
                width: W,
                sub: false,
                rn: 1,
                op2: CondOperand::Reg(2),
                cond: 1,
                nzcv: 0xa
            }
        );
        // rbit x0, x1 / rev16 w0, w1 / rev32 x0, x1 / rev w0, w1 / rev x0, x1
        // clz x0, x1 / clz w0, w1 / cls x0, x1
        let dp1 = [
            (0xdac00020, X, Dp1Op::Rbit),
            (0x5ac00420, W, Dp1Op::Rev16),
            (0xdac00820, X, Dp1Op::Rev32),
            (0x5ac00820, W, Dp1Op::Rev32),
            (0xdac00c20, X, Dp1Op::Rev64),
            (0xdac01020, X, Dp1Op::Clz),
            (0x5ac01020, W, Dp1Op::Clz),
            (0xdac01420, X, Dp1Op::Cls),
        ];
        for (word, width, op) in dp1 {
            assert_eq!(
                decode(word),
                Insn::DataProc1 {
                    width,
                    op,
                    rd: 0,
                    rn: 1
                }
            );
        }
        // rev with sf = 0 and opcode 0b000011 is unallocated.
        assert_eq!(decode(0x5ac00c20), Insn::Undefined);
        // adc x0, x1, x2 and fmov d0, x1: not supported.
        assert_eq!(decode(0x9a020020), Insn::Undefined);
        assert_eq!(decode(0x9e670020), Insn::Undefined);
    }
}
