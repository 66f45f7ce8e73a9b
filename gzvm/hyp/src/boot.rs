// SPDX-License-Identifier: GPL-2.0

//! Entry points and exception vectors.
//!
//! QEMU boots gzhyp as an arm64 Linux `Image` (the 64-byte header below,
//! `Documentation/arch/arm64/booting.rst`): at EL2, MMU off, x0 = the device tree. The
//! primary CPU enters at `_start`, every other CPU at [`SECONDARY_ENTRY`] when the host's
//! PSCI `CPU_ON` is relayed (see [`crate::psci`]), with its CPU index in x0.
//!
//! Every exception from a lower exception level (the host kernel or a guest at EL1) saves
//! all general-purpose and FP/SIMD registers in a [`Frame`] on this CPU's EL2 stack and
//! calls [`crate::trap::handle`], which may replace the frame's contents (a world switch
//! between the host and a guest is an exchange of frames); the registers are then
//! restored from the frame and `eret` returns to whichever world the frame now holds.
//! Saving FP/SIMD on every trap also lets the hypervisor's own Rust code use those
//! registers freely.

use crate::layout::{MAX_CPUS, STACK_SIZE};

/// A lower exception level's registers, saved on trap entry. The layout is shared with
/// the assembly below.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Frame {
    /// x0..x30.
    pub x: [u64; 31],
    /// Return address (`ELR_EL2`).
    pub elr: u64,
    /// Saved program status (`SPSR_EL2`).
    pub spsr: u64,
    _pad: u64,
    /// q0..q31.
    pub q: [u128; 32],
    /// `FPSR`.
    pub fpsr: u64,
    /// `FPCR`.
    pub fpcr: u64,
}

impl Frame {
    /// An all-zero frame.
    pub const ZERO: Frame = Frame {
        x: [0; 31],
        elr: 0,
        spsr: 0,
        _pad: 0,
        q: [0; 32],
        fpsr: 0,
        fpcr: 0,
    };
}

const _: () = assert!(core::mem::size_of::<Frame>() == 800);
const _: () = assert!(core::mem::offset_of!(Frame, elr) == 248);
const _: () = assert!(core::mem::offset_of!(Frame, q) == 272);
const _: () = assert!(core::mem::offset_of!(Frame, fpsr) == 784);

/// Which vector a trap came through.
pub mod kind {
    /// Synchronous exception (HVC, SMC, abort, trapped instruction).
    pub const SYNC: u64 = 0;
    /// Physical IRQ (only routed to EL2 while a guest runs).
    pub const IRQ: u64 = 1;
    /// Physical FIQ.
    pub const FIQ: u64 = 2;
}

#[repr(C, align(16))]
struct Stacks([[u8; STACK_SIZE]; MAX_CPUS]);

/// One EL2 stack per CPU.
#[no_mangle]
static mut GZHYP_STACKS: Stacks = Stacks([[0; STACK_SIZE]; MAX_CPUS]);

core::arch::global_asm!(
    r#"
.section .text.head, "ax"
.global _start
_start:
	b	2f
	.long	0
	.quad	0			/* text_offset */
	.quad	__image_size		/* image_size, bss included */
	.quad	0xa			/* LE, 4K pages, anywhere in RAM */
	.quad	0
	.quad	0
	.quad	0
	.ascii	"ARM\x64"
	.long	0
2:
	mov	x19, x0
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
3:	cmp	x1, x2
	b.hs	4f
	stp	xzr, xzr, [x1], #16
	b	3b
4:	mov	x0, #0
	bl	gzhyp_cpu_init
	mov	x0, x19
	bl	gzhyp_primary_main
	b	.

.text
.global gzhyp_secondary_entry
gzhyp_secondary_entry:
	mov	x19, x0
	bl	gzhyp_cpu_init
	mov	x0, x19
	bl	gzhyp_secondary_main
	b	.

/* x0 = CPU index: stack, TPIDR_EL2 (the index) and vectors for this CPU. */
gzhyp_cpu_init:
	msr	tpidr_el2, x0
	adrp	x1, GZHYP_STACKS
	add	x1, x1, :lo12:GZHYP_STACKS
	add	x2, x0, #1
	mov	x3, #{stack_size}
	madd	x1, x2, x3, x1
	mov	sp, x1
	adrp	x1, gzhyp_vectors
	add	x1, x1, :lo12:gzhyp_vectors
	msr	vbar_el2, x1
	isb
	ret

/* Enter EL1 at x0 with x1 in x0 (DAIF masked, EL1h), on an empty EL2 stack. */
.global gzhyp_enter_el1
gzhyp_enter_el1:
	msr	elr_el2, x0
	mov	x2, #0x3c5
	msr	spsr_el2, x2
	mrs	x2, tpidr_el2
	adrp	x3, GZHYP_STACKS
	add	x3, x3, :lo12:GZHYP_STACKS
	add	x2, x2, #1
	mov	x4, #{stack_size}
	madd	x3, x2, x4, x3
	mov	sp, x3
	mov	x0, x1
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	mov	x4, xzr
	mov	x30, xzr
	eret

.macro	bad_vector n
	.balign	128
	mov	x0, #\n
	b	gzhyp_bad_vector
.endm

.macro	lower_vector k
	.balign	128
	sub	sp, sp, #{frame}
	stp	x0, x1, [sp, #0]
	mov	x0, #\k
	b	gzhyp_trap_entry
.endm

	.balign	2048
gzhyp_vectors:
	bad_vector 0
	bad_vector 1
	bad_vector 2
	bad_vector 3
	bad_vector 4
	bad_vector 5
	bad_vector 6
	bad_vector 7
	lower_vector 0
	lower_vector 1
	lower_vector 2
	lower_vector 3
	bad_vector 12
	bad_vector 13
	bad_vector 14
	bad_vector 15

gzhyp_bad_vector:
	bl	gzhyp_hyp_fault
	b	.

gzhyp_trap_entry:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	str	x30, [sp, #240]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [sp, #248]
	add	x2, sp, #272
	stp	q0, q1, [x2, #0]
	stp	q2, q3, [x2, #32]
	stp	q4, q5, [x2, #64]
	stp	q6, q7, [x2, #96]
	stp	q8, q9, [x2, #128]
	stp	q10, q11, [x2, #160]
	stp	q12, q13, [x2, #192]
	stp	q14, q15, [x2, #224]
	stp	q16, q17, [x2, #256]
	stp	q18, q19, [x2, #288]
	stp	q20, q21, [x2, #320]
	stp	q22, q23, [x2, #352]
	stp	q24, q25, [x2, #384]
	stp	q26, q27, [x2, #416]
	stp	q28, q29, [x2, #448]
	stp	q30, q31, [x2, #480]
	mrs	x3, fpsr
	mrs	x4, fpcr
	str	x3, [sp, #784]
	str	x4, [sp, #792]
	mov	x1, x0
	mov	x0, sp
	bl	gzhyp_trap
	add	x2, sp, #272
	ldr	x3, [sp, #784]
	ldr	x4, [sp, #792]
	msr	fpsr, x3
	msr	fpcr, x4
	ldp	q0, q1, [x2, #0]
	ldp	q2, q3, [x2, #32]
	ldp	q4, q5, [x2, #64]
	ldp	q6, q7, [x2, #96]
	ldp	q8, q9, [x2, #128]
	ldp	q10, q11, [x2, #160]
	ldp	q12, q13, [x2, #192]
	ldp	q14, q15, [x2, #224]
	ldp	q16, q17, [x2, #256]
	ldp	q18, q19, [x2, #288]
	ldp	q20, q21, [x2, #320]
	ldp	q22, q23, [x2, #352]
	ldp	q24, q25, [x2, #384]
	ldp	q26, q27, [x2, #416]
	ldp	q28, q29, [x2, #448]
	ldp	q30, q31, [x2, #480]
	ldp	x2, x3, [sp, #248]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #{frame}
	eret
"#,
    stack_size = const STACK_SIZE,
    frame = const core::mem::size_of::<Frame>(),
);

extern "C" {
    fn gzhyp_enter_el1(entry: u64, x0: u64) -> !;
    fn gzhyp_secondary_entry();
}

/// Physical address where CPUs started by the PSCI relay enter the hypervisor.
pub fn secondary_entry() -> u64 {
    gzhyp_secondary_entry as *const () as u64
}

/// Leaves EL2 for the host kernel at `entry` (EL1h, interrupts masked), x0 = `x0`.
pub fn enter_el1(entry: u64, x0: u64) -> ! {
    // SAFETY: The entry point is the host kernel's, as its boot protocol requires; the EL2
    // stack is reset, so no Rust frame is live after the call.
    unsafe { gzhyp_enter_el1(entry, x0) }
}

/// Called (on the faulting CPU's stack) for an exception taken at EL2 itself.
#[no_mangle]
extern "C" fn gzhyp_hyp_fault(vector: u64) -> ! {
    crate::fatal!(
        "exception in the hypervisor: vector {} ESR_EL2 {:#x} ELR_EL2 {:#x} FAR_EL2 {:#x}",
        vector,
        crate::arch::read_esr_el2(),
        crate::arch::read_elr_el2(),
        crate::arch::read_far_el2()
    );
}

/// The canary word at the bottom of CPU `cpu`'s stack.
fn canary(cpu: usize) -> *mut u64 {
    // SAFETY: Only the address of this CPU's stack is taken.
    unsafe { core::ptr::addr_of_mut!(GZHYP_STACKS.0[cpu]) as *mut u64 }
}

/// Arms this CPU's stack canary (once, when the CPU starts).
pub fn arm_canary() {
    // SAFETY: The lowest word of this CPU's own stack, far below anything in use now.
    unsafe { canary(crate::arch::cpu_index()).write_volatile(crate::layout::STACK_CANARY) };
}

/// Called by the trap entry with the saved frame of the lower exception level.
#[no_mangle]
extern "C" fn gzhyp_trap(frame: &mut Frame, kind: u64) {
    crate::trap::handle(frame, kind);
    let cpu = crate::arch::cpu_index();
    // SAFETY: As in `arm_canary`: this CPU's own stack.
    if unsafe { canary(cpu).read_volatile() } != crate::layout::STACK_CANARY {
        crate::fatal!("EL2 stack overflow on CPU {}", cpu);
    }
}
