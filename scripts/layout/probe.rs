// SPDX-License-Identifier: GPL-2.0

//! Rust side of check-layouts.sh: offsets, sizes and alignments of bindgen's
//! structs, as the kernel crate sees them (compiled against the build's own
//! `bindings` crate), emitted into the assembly like the C side's.

#![no_std]
#![allow(unused_unsafe)]

use core::mem::{offset_of, MaybeUninit};

const fn size_of_pointee<T>(_: *const T) -> usize {
    core::mem::size_of::<T>()
}

const fn align_of_pointee<T>(_: *const T) -> usize {
    core::mem::align_of::<T>()
}

/// `field!(s, "c_name", rust.path)`: "->F s c_name offset size align".
macro_rules! field {
    ($s:ident, $c:literal, $($p:ident).+) => {
        core::arch::global_asm!(
            concat!("\n.ascii \"->F ", stringify!($s), " ", $c, " {0} {1} {2}\""),
            const offset_of!(bindings::$s, $($p).+),
            const {
                let u = MaybeUninit::<bindings::$s>::uninit();
                // SAFETY: Only the field's address is taken; nothing is read.
                size_of_pointee(unsafe { &raw const (*u.as_ptr()).$($p).+ })
            },
            const {
                let u = MaybeUninit::<bindings::$s>::uninit();
                // SAFETY: As above.
                align_of_pointee(unsafe { &raw const (*u.as_ptr()).$($p).+ })
            },
        );
    };
}

/// `fam!(s, "c_name", rust.path)`: a flexible array member, offset only.
macro_rules! fam {
    ($s:ident, $c:literal, $($p:ident).+) => {
        core::arch::global_asm!(
            concat!("\n.ascii \"->F ", stringify!($s), " ", $c, " {0} - -\""),
            const offset_of!(bindings::$s, $($p).+),
        );
    };
}

/// `record!(s)`: "->S s size align".
macro_rules! record {
    ($s:ident) => {
        core::arch::global_asm!(
            concat!("\n.ascii \"->S ", stringify!($s), " {0} {1}\""),
            const core::mem::size_of::<bindings::$s>(),
            const core::mem::align_of::<bindings::$s>(),
        );
    };
}

// The generated field list follows.
