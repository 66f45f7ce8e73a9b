// SPDX-License-Identifier: GPL-2.0

//! The in-kernel GenieZone simulator.
//!
//! The vCPU is an AArch64 interpreter: `decode` turns instruction words into
//! [`decode::Insn`], `exec` holds their integer semantics (flags, shifts,
//! bitfields, conditions), and `cpu` holds the register state, the run loop,
//! exceptions and the [`cpu::Bus`] through which it reaches guest memory and
//! the GIC CPU interface (instruction execution itself is in `cpu/execute.rs`).
//! `gic` is the GICv3 the hypervisor emulates for its guests, `vtimer` each vCPU's
//! virtual timer.

pub(crate) mod cpu;
pub(crate) mod decode;
pub(crate) mod exec;
mod gic;
mod hyp;
mod stage2;
mod vcpu;
mod vm;
mod vtimer;

pub(crate) use hyp::Sim;
