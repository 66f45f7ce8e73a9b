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
    /// NOP and harmless hints and barriers.
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
    if l == 1 || op0 == 1 {
        // SYSL, SYS (cache and TLB maintenance, AT): not supported.
        return Insn::Undefined;
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
