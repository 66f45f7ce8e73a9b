// SPDX-License-Identifier: GPL-2.0

//! The in-kernel GenieZone simulator.
//!
//! `cpu` interprets AArch64 guest code (`decode` turns instruction words
//! into [`decode::Insn`], `exec` holds their integer semantics).

// Until the simulator's vCPU run loop calls into the interpreter, only the
// KUnit suites use it.
#![allow(
    dead_code,
    reason = "the interpreter API is used by the simulator's run loop"
)]

pub(crate) mod cpu;
pub(crate) mod decode;
pub(crate) mod exec;
mod hyp;
mod stage2;
mod vcpu;
mod vm;

pub(crate) use hyp::Sim;
