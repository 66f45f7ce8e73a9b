// SPDX-License-Identifier: GPL-2.0

//! Integer semantics of the interpreted instructions: flag-setting
//! addition, shifts, bitfield moves, extension and condition evaluation.
//!
//! Everything here is a pure function of its operands. Values travel as
//! `u64`; a [`Width::W`] operation looks only at the low 32 bits of its
//! inputs and returns a value whose upper 32 bits are zero.

use kernel::prelude::kunit_tests;

use super::decode::{BfOp, Dp1Op, Extend, Shift, Width};

/// PSTATE.N, as in the SPSR/NZCV layout.
pub(crate) const FLAG_N: u64 = 1 << 31;
/// PSTATE.Z.
pub(crate) const FLAG_Z: u64 = 1 << 30;
/// PSTATE.C.
pub(crate) const FLAG_C: u64 = 1 << 29;
/// PSTATE.V.
pub(crate) const FLAG_V: u64 = 1 << 28;
/// All four condition flags.
pub(crate) const NZCV_MASK: u64 = FLAG_N | FLAG_Z | FLAG_C | FLAG_V;

/// `v` truncated to the operand size.
pub(crate) fn truncate(v: u64, width: Width) -> u64 {
    match width {
        Width::W => v & 0xffff_ffff,
        Width::X => v,
    }
}

/// The most significant bit of a `width` value.
fn sign_bit(v: u64, width: Width) -> bool {
    (v >> (width.bits() - 1)) & 1 == 1
}

/// N and Z of a `width` result.
pub(crate) fn nz_flags(result: u64, width: Width) -> u64 {
    let mut flags = 0;
    if sign_bit(result, width) {
        flags |= FLAG_N;
    }
    if truncate(result, width) == 0 {
        flags |= FLAG_Z;
    }
    flags
}

/// The architecture's `AddWithCarry(x, y, carry_in)`: the result and NZCV.
pub(crate) fn add_with_carry(x: u64, y: u64, carry_in: bool, width: Width) -> (u64, u64) {
    let c = u64::from(carry_in);
    let (result, carry) = match width {
        Width::X => {
            let (r1, c1) = x.overflowing_add(y);
            let (r2, c2) = r1.overflowing_add(c);
            (r2, c1 || c2)
        }
        Width::W => {
            // 32-bit operands: the sum of two u32s and a carry fits in u64.
            let sum = (x & 0xffff_ffff) + (y & 0xffff_ffff) + c;
            (sum & 0xffff_ffff, sum >> 32 != 0)
        }
    };
    // Signed overflow: both operands have the same sign and the result not.
    let overflow = sign_bit((x ^ result) & (y ^ result), width);
    let mut flags = nz_flags(result, width);
    if carry {
        flags |= FLAG_C;
    }
    if overflow {
        flags |= FLAG_V;
    }
    (result, flags)
}

/// `x + y` or `x - y` of `width`, with the flags `ADDS`/`SUBS` would set.
pub(crate) fn add_sub(x: u64, y: u64, sub: bool, width: Width) -> (u64, u64) {
    if sub {
        add_with_carry(x, truncate(!y, width), true, width)
    } else {
        add_with_carry(x, y, false, width)
    }
}

/// Shifts a `width` value; `amount` is taken modulo the operand size, as
/// the variable shifts (LSLV...) define it and as the immediate forms
/// guarantee by decoding.
pub(crate) fn shift(v: u64, kind: Shift, amount: u32, width: Width) -> u64 {
    let amount = amount % width.bits();
    let v = truncate(v, width);
    let r = match (kind, width) {
        (Shift::Lsl, _) => v << amount,
        (Shift::Lsr, _) => v >> amount,
        (Shift::Asr, Width::X) => ((v as i64) >> amount) as u64,
        (Shift::Asr, Width::W) => u64::from(((v as u32 as i32) >> amount) as u32),
        (Shift::Ror, Width::X) => v.rotate_right(amount),
        (Shift::Ror, Width::W) => u64::from((v as u32).rotate_right(amount)),
    };
    truncate(r, width)
}

/// Extends register value `v` as `kind` says, then shifts it left by
/// `amount` (0..=4), giving a 64-bit operand.
pub(crate) fn extend(v: u64, kind: Extend, amount: u32) -> u64 {
    let e = match kind {
        Extend::Uxtb => v & 0xff,
        Extend::Uxth => v & 0xffff,
        Extend::Uxtw => v & 0xffff_ffff,
        Extend::Uxtx | Extend::Sxtx => v,
        Extend::Sxtb => sign_extend(v, 8),
        Extend::Sxth => sign_extend(v, 16),
        Extend::Sxtw => sign_extend(v, 32),
    };
    e << (amount % 64)
}

/// A mask of the low `len` bits (`len` up to 64).
fn ones(len: u32) -> u64 {
    if len >= 64 {
        u64::MAX
    } else {
        (1u64 << len) - 1
    }
}

/// Sign-extends the low `len` bits of `v` (1 <= `len` <= 64) to 64 bits.
pub(crate) fn sign_extend(v: u64, len: u32) -> u64 {
    if len == 0 || len >= 64 {
        return v;
    }
    let s = 64 - len;
    (((v << s) as i64) >> s) as u64
}

/// SBFM/BFM/UBFM: `dst` is the old value of `Rd` (used by BFM only).
///
/// Decoding guarantees `immr, imms < width.bits()`.
pub(crate) fn bitfield(op: BfOp, src: u64, dst: u64, immr: u32, imms: u32, width: Width) -> u64 {
    let size = width.bits();
    let src = truncate(src, width);
    let r = if imms >= immr {
        // Extract bits imms..immr to the bottom (UBFX/SBFX/BFXIL, LSR, ASR).
        let len = imms - immr + 1;
        let field = (src >> immr) & ones(len);
        match op {
            BfOp::Unsigned => field,
            BfOp::Signed => sign_extend(field, len),
            BfOp::Insert => (dst & !ones(len)) | field,
        }
    } else {
        // Insert bits imms..0 at size - immr (UBFIZ/SBFIZ/BFI, LSL).
        let len = imms + 1;
        let pos = size - immr;
        let field = src & ones(len);
        match op {
            BfOp::Unsigned => field << pos,
            BfOp::Signed => sign_extend(field, len) << pos,
            BfOp::Insert => (dst & !(ones(len) << pos)) | (field << pos),
        }
    };
    truncate(r, width)
}

/// RBIT/REV16/REV32/REV/CLZ/CLS of a `width` value.
pub(crate) fn data_proc1(op: Dp1Op, v: u64, width: Width) -> u64 {
    let v = truncate(v, width);
    let r = match (op, width) {
        (Dp1Op::Rbit, Width::X) => v.reverse_bits(),
        (Dp1Op::Rbit, Width::W) => u64::from((v as u32).reverse_bits()),
        (Dp1Op::Rev16, _) => {
            ((v & 0x00ff_00ff_00ff_00ff) << 8) | ((v >> 8) & 0x00ff_00ff_00ff_00ff)
        }
        (Dp1Op::Rev32, _) => {
            let lo = u64::from((v as u32).swap_bytes());
            let hi = u64::from(((v >> 32) as u32).swap_bytes());
            (hi << 32) | lo
        }
        (Dp1Op::Rev64, _) => v.swap_bytes(),
        (Dp1Op::Clz, Width::X) => u64::from(v.leading_zeros()),
        (Dp1Op::Clz, Width::W) => u64::from((v as u32).leading_zeros()),
        // Leading bits equal to the sign bit, not counting it.
        (Dp1Op::Cls, Width::X) => u64::from(((v ^ (v << 1)) | 1).leading_zeros()),
        (Dp1Op::Cls, Width::W) => u64::from((((v ^ (v << 1)) as u32) | 1).leading_zeros()),
    };
    truncate(r, width)
}

/// The architecture's `ConditionHolds(cond)` for the NZCV flags in `nzcv`
/// (SPSR layout). AL (0b1110) and NV (0b1111) both always hold.
pub(crate) fn condition_holds(cond: u8, nzcv: u64) -> bool {
    let n = nzcv & FLAG_N != 0;
    let z = nzcv & FLAG_Z != 0;
    let c = nzcv & FLAG_C != 0;
    let v = nzcv & FLAG_V != 0;
    let base = match (cond >> 1) & 7 {
        0 => z,
        1 => c,
        2 => n,
        3 => v,
        4 => c && !z,
        5 => n == v,
        6 => n == v && !z,
        _ => true,
    };
    if cond & 1 == 1 && cond != 0xf {
        !base
    } else {
        base
    }
}

#[kunit_tests(gzvm_sim_exec)]
mod tests {
    use super::*;

    #[test]
    fn add_flags_32() {
        // 0x7fff_ffff + 1: signed overflow, no carry.
        assert_eq!(
            add_sub(0x7fff_ffff, 1, false, Width::W),
            (0x8000_0000, FLAG_N | FLAG_V)
        );
        // 0xffff_ffff + 1: carry, zero.
        assert_eq!(
            add_sub(0xffff_ffff, 1, false, Width::W),
            (0, FLAG_Z | FLAG_C)
        );
        // Upper bits of the inputs are ignored.
        assert_eq!(add_sub(0xdead_0000_0000_0001, 1, false, Width::W), (2, 0));
    }

    #[test]
    fn sub_flags() {
        // 0 - 1: borrow (C clear), negative.
        assert_eq!(add_sub(0, 1, true, Width::W), (0xffff_ffff, FLAG_N));
        assert_eq!(add_sub(0, 1, true, Width::X), (u64::MAX, FLAG_N));
        // x - x: zero and no borrow (C set).
        assert_eq!(add_sub(5, 5, true, Width::X), (0, FLAG_Z | FLAG_C));
        // INT_MIN - 1 overflows.
        assert_eq!(
            add_sub(0x8000_0000, 1, true, Width::W),
            (0x7fff_ffff, FLAG_C | FLAG_V)
        );
        assert_eq!(
            add_sub(1 << 63, 1, true, Width::X),
            (i64::MAX as u64, FLAG_C | FLAG_V)
        );
    }

    #[test]
    fn add_flags_64() {
        assert_eq!(add_sub(u64::MAX, 1, false, Width::X), (0, FLAG_Z | FLAG_C));
        assert_eq!(
            add_sub(i64::MAX as u64, 1, false, Width::X),
            (1 << 63, FLAG_N | FLAG_V)
        );
        assert_eq!(
            add_sub(1 << 63, 1 << 63, false, Width::X),
            (0, FLAG_Z | FLAG_C | FLAG_V)
        );
        // Carry in on top of an overflowing sum.
        assert_eq!(
            add_with_carry(u64::MAX, 0, true, Width::X),
            (0, FLAG_Z | FLAG_C)
        );
    }

    #[test]
    fn shifts() {
        assert_eq!(shift(0x8000_0001, Shift::Lsl, 1, Width::W), 2);
        assert_eq!(shift(0x8000_0000, Shift::Asr, 4, Width::W), 0xf800_0000);
        assert_eq!(shift(1 << 63, Shift::Asr, 63, Width::X), u64::MAX);
        assert_eq!(shift(1, Shift::Ror, 1, Width::W), 0x8000_0000);
        assert_eq!(shift(1, Shift::Ror, 1, Width::X), 1 << 63);
        assert_eq!(shift(0xff00, Shift::Lsr, 8, Width::X), 0xff);
        // Amount taken modulo the size (LSLV).
        assert_eq!(shift(1, Shift::Lsl, 33, Width::W), 2);
    }

    #[test]
    fn extends() {
        assert_eq!(extend(0x1ff, Extend::Sxtb, 0), u64::MAX);
        assert_eq!(extend(0x1ff, Extend::Uxtb, 2), 0x3fc);
        assert_eq!(extend(0x8000_0000, Extend::Sxtw, 0), 0xffff_ffff_8000_0000);
        assert_eq!(extend(0x1_8000, Extend::Sxth, 1), 0xffff_ffff_ffff_0000);
        assert_eq!(sign_extend(0x80, 8), 0xffff_ffff_ffff_ff80);
        assert_eq!(sign_extend(0x7f, 8), 0x7f);
    }

    #[test]
    fn bitfields() {
        // lsl w0, w1, #4 = ubfm w0, w1, #28, #27
        assert_eq!(
            bitfield(BfOp::Unsigned, 0xffff_ffff, 0, 28, 27, Width::W),
            0xffff_fff0
        );
        // lsr x0, x1, #60 = ubfm x0, x1, #60, #63
        assert_eq!(bitfield(BfOp::Unsigned, u64::MAX, 0, 60, 63, Width::X), 0xf);
        // asr x0, x1, #4 = sbfm x0, x1, #4, #63
        assert_eq!(
            bitfield(BfOp::Signed, 1 << 63, 0, 4, 63, Width::X),
            0xf8 << 56
        );
        // sxtw x0, w1 = sbfm x0, x1, #0, #31
        assert_eq!(
            bitfield(BfOp::Signed, 0x8000_0000, 0, 0, 31, Width::X),
            0xffff_ffff_8000_0000
        );
        // uxtb w0, w1 = ubfm w0, w1, #0, #7
        assert_eq!(bitfield(BfOp::Unsigned, 0x1234, 0, 0, 7, Width::W), 0x34);
        // sxth w0, w1: 32-bit result, upper half zero.
        assert_eq!(
            bitfield(BfOp::Signed, 0x8000, 0, 0, 15, Width::W),
            0xffff_8000
        );
        // bfi x0, x1, #8, #4 = bfm x0, x1, #56, #3
        assert_eq!(
            bitfield(BfOp::Insert, 0xab, 0xffff, 56, 3, Width::X),
            0xfbff
        );
        // bfxil w0, w1, #4, #8 = bfm w0, w1, #4, #11
        assert_eq!(
            bitfield(BfOp::Insert, 0xabc0, 0xffff_ffff, 4, 11, Width::W),
            0xffff_ffbc
        );
        // sbfiz x0, x1, #4, #4 = sbfm x0, x1, #60, #3
        assert_eq!(
            bitfield(BfOp::Signed, 0x8, 0, 60, 3, Width::X),
            0xffff_ffff_ffff_ff80
        );
    }

    #[test]
    fn one_source() {
        let x = Width::X;
        let w = Width::W;
        assert_eq!(data_proc1(Dp1Op::Rbit, 1, x), 1 << 63);
        assert_eq!(data_proc1(Dp1Op::Rbit, 1, w), 0x8000_0000);
        assert_eq!(data_proc1(Dp1Op::Rev16, 0x1122_3344, w), 0x2211_4433);
        assert_eq!(
            data_proc1(Dp1Op::Rev32, 0x1122_3344_5566_7788, x),
            0x4433_2211_8877_6655
        );
        assert_eq!(data_proc1(Dp1Op::Rev32, 0xff_1122_3344, w), 0x4433_2211);
        assert_eq!(
            data_proc1(Dp1Op::Rev64, 0x1122_3344_5566_7788, x),
            0x8877_6655_4433_2211
        );
        assert_eq!(data_proc1(Dp1Op::Clz, 0, x), 64);
        assert_eq!(data_proc1(Dp1Op::Clz, 1 << 40, x), 23);
        assert_eq!(data_proc1(Dp1Op::Clz, 1 << 40, w), 32);
        assert_eq!(data_proc1(Dp1Op::Cls, 0, x), 63);
        assert_eq!(data_proc1(Dp1Op::Cls, u64::MAX, x), 63);
        assert_eq!(data_proc1(Dp1Op::Cls, 0xffff_fff0, w), 27);
        assert_eq!(data_proc1(Dp1Op::Cls, 0x4000_0000, w), 0);
    }

    #[test]
    fn conditions() {
        let z = FLAG_Z;
        let n = FLAG_N;
        let c = FLAG_C;
        let v = FLAG_V;
        // (cond, flags, expected)
        let cases: [(u8, u64, bool); 22] = [
            (0x0, z, true),         // EQ
            (0x1, z, false),        // NE
            (0x2, c, true),         // CS
            (0x3, c, false),        // CC
            (0x4, n, true),         // MI
            (0x5, n, false),        // PL
            (0x6, v, true),         // VS
            (0x7, 0, true),         // VC
            (0x8, c, true),         // HI
            (0x8, c | z, false),    // HI
            (0x9, c | z, true),     // LS
            (0xa, n | v, true),     // GE
            (0xa, n, false),        // GE
            (0xb, n, true),         // LT
            (0xc, 0, true),         // GT
            (0xc, z, false),        // GT
            (0xd, z, true),         // LE
            (0xd, v, true),         // LE
            (0xe, 0, true),         // AL
            (0xe, NZCV_MASK, true), // AL
            (0xf, 0, true),         // NV behaves as AL
            (0xf, NZCV_MASK, true),
        ];
        for (cond, flags, expected) in cases {
            assert_eq!(condition_holds(cond, flags), expected);
        }
    }
}
