// SPDX-License-Identifier: GPL-2.0

//! Where things are in the physical memory of QEMU's `virt` machine.
//!
//! QEMU puts RAM at 1 GiB, loads this Image at RAM + 2 MiB (it is linked there,
//! `link.ld`), the initrd at RAM + 128 MiB and its device tree after the initrd. The runner
//! (`scripts/run-qemu.sh`, mode `hyp`) loads the host kernel's Image at [`HOST_KERNEL`]
//! with QEMU's generic loader. The hypervisor keeps [`HYP_BASE`]..+[`HYP_SIZE`] for itself
//! (a `no-map` reserved-memory node in the host's device tree) and writes the host's
//! device tree to [`HOST_DTB`].

/// Start of RAM on QEMU's `virt` machine.
pub const RAM_BASE: u64 = 0x4000_0000;
/// The hypervisor's own memory: its image, stacks and page pool.
pub const HYP_BASE: u64 = RAM_BASE;
/// Size of the hypervisor's memory.
pub const HYP_SIZE: u64 = 64 << 20;
/// Where the host's (patched) device tree is written.
pub const HOST_DTB: u64 = HYP_BASE + HYP_SIZE;
/// Largest device tree the hypervisor writes (booting.rst's limit).
pub const HOST_DTB_MAX: usize = 2 << 20;
/// Where the runner loads the host kernel's Image (2 MiB aligned, above QEMU's initrd).
pub const HOST_KERNEL: u64 = RAM_BASE + (512 << 20);
/// Most CPUs the hypervisor runs on.
pub const MAX_CPUS: usize = 8;
/// EL2 stack per CPU. VM and vCPU state is large (a VM is ~16 KiB) and may be built on
/// the stack before it is moved into place; each stack's lowest word is a canary checked
/// on every trap (see `boot.rs`).
pub const STACK_SIZE: usize = 256 << 10;
/// The value of each stack's canary.
pub const STACK_CANARY: u64 = 0x677a_6879_7073_746b;
/// PL011 UART of the `virt` machine (shared with the host; used for boot and fatal logs).
pub const UART: u64 = 0x0900_0000;
