// SPDX-License-Identifier: GPL-2.0

//! The in-kernel GenieZone simulator.
//!
//! The vCPU is an AArch64 interpreter: `decode` turns instruction words into
//! [`decode::Insn`], `exec` holds their integer semantics (flags, shifts,
//! bitfields, conditions), and `cpu` holds the register state, the run loop,
//! exceptions and the [`cpu::Bus`] through which it reaches guest memory and
//! the GIC CPU interface (instruction execution itself is in `cpu/execute.rs`).

// Interrupt entry and parts of the register API are used only by the KUnit
// suites until the simulated GICv3 (vGIC issue) delivers interrupts.
#![allow(
    dead_code,
    reason = "interrupt delivery arrives with the simulated GICv3"
)]

pub(crate) mod cpu;
pub(crate) mod decode;
pub(crate) mod exec;
mod hyp;
mod stage2;
mod vcpu;
mod vm;

pub(crate) use hyp::Sim;
