// SPDX-License-Identifier: GPL-2.0

//! Arm SMC Calling Convention (SMCCC) v1.2 calls over the HVC conduit.
//!
//! Hypervisor services such as MediaTek's GenieZone are called with `hvc #0`, arguments in
//! x0..x7 (x0 is the function id) and results in x0..x3.
//!
//! C header: [`include/linux/arm-smccc.h`](srctree/include/linux/arm-smccc.h)
//!
//! # Examples
//!
//! ```
//! use kernel::smccc::fast_call_64;
//!
//! // GenieZone's first function: owner 59 (MediaTek's trusted-OS range), function 0x1000.
//! assert_eq!(fast_call_64(59, 0x1000), 0xfb00_1000);
//! // Only the owner's 6 bits and the function's 16 bits are used.
//! assert_eq!(fast_call_64(59 | 0x40, 0x1_1000), 0xfb00_1000);
//! ```

#![cfg(CONFIG_ARM64)]

use crate::bindings;

/// The function id of an SMCCC fast call with 64-bit arguments (`ARM_SMCCC_CALL_VAL(
/// ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64, owner, func)`).
pub const fn fast_call_64(owner: u32, func: u32) -> u32 {
    (1 << 31) | (1 << 30) | ((owner & 0x3f) << 24) | (func & 0xffff)
}

/// Issues an SMCCC v1.2 `hvc #0` with `args` in x0..x7 and returns x0..x3.
///
/// What the call does is up to the hypervisor; this only performs the trap. On a machine
/// without a hypervisor that answers SMCCC over HVC the instruction is undefined, so callers
/// must only use it where the firmware (device tree) says such a hypervisor exists.
///
/// # Safety
///
/// The hypervisor may read and write memory named by the arguments (physical addresses,
/// page frame numbers, as its ABI defines them). Every such memory must stay allocated to
/// that use for as long as the hypervisor may access it, which the hypervisor's ABI
/// defines (for the call's duration, or until a later call releases it).
pub unsafe fn hvc(args: [u64; 8]) -> [u64; 4] {
    // `unsigned long` is 64 bits on arm64, so the conversions are lossless.
    let a = bindings::arm_smccc_1_2_regs {
        a0: args[0] as usize,
        a1: args[1] as usize,
        a2: args[2] as usize,
        a3: args[3] as usize,
        a4: args[4] as usize,
        a5: args[5] as usize,
        a6: args[6] as usize,
        a7: args[7] as usize,
        ..Default::default()
    };
    let mut r = bindings::arm_smccc_1_2_regs::default();
    // SAFETY: Both pointers are valid `arm_smccc_1_2_regs` for the duration of the call; the
    // callee only reads `a` and writes `r`. The memory the arguments name is the caller's
    // responsibility (see `# Safety`).
    unsafe { bindings::arm_smccc_1_2_hvc(&a, &mut r) };
    // `unsigned long` is 64 bits on arm64, so the conversions are lossless.
    [r.a0 as u64, r.a1 as u64, r.a2 as u64, r.a3 as u64]
}
