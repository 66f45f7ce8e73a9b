// SPDX-License-Identifier: GPL-2.0

//! System registers, barriers and TLB maintenance.

/// Reads a system register by name.
#[macro_export]
macro_rules! read_sysreg {
    ($reg:literal) => {{
        let v: u64;
        // SAFETY: Reading a system register at EL2 has no side effect on memory.
        unsafe { core::arch::asm!(concat!("mrs {}, ", $reg), out(reg) v, options(nomem, nostack)) };
        v
    }};
}

/// Writes a system register by name.
#[macro_export]
macro_rules! write_sysreg {
    ($reg:literal, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: The hypervisor owns EL2 and switches EL1 state between worlds; each caller
        // writes a value valid for the register in the world about to run.
        unsafe { core::arch::asm!(concat!("msr ", $reg, ", {}"), in(reg) v, options(nostack)) };
    }};
}

/// `ESR_EL2`.
pub fn read_esr_el2() -> u64 {
    read_sysreg!("esr_el2")
}

/// `ELR_EL2`.
pub fn read_elr_el2() -> u64 {
    read_sysreg!("elr_el2")
}

/// `FAR_EL2`.
pub fn read_far_el2() -> u64 {
    read_sysreg!("far_el2")
}

/// `HPFAR_EL2`: the faulting IPA's page number, bits [43:4] = IPA[51:12].
pub fn read_hpfar_el2() -> u64 {
    read_sysreg!("hpfar_el2")
}

/// This CPU's index (kept in `TPIDR_EL2` by the entry code).
pub fn cpu_index() -> usize {
    read_sysreg!("tpidr_el2") as usize
}

/// Affinity fields of `MPIDR_EL1` (Aff3, Aff2, Aff1, Aff0).
const MPIDR_AFF: u64 = 0xff_00ff_ffff;

/// This physical CPU's affinity (`MPIDR_EL1` read at EL2 is the physical one; EL1 reads
/// `VMPIDR_EL2`).
pub fn mpidr() -> u64 {
    read_sysreg!("mpidr_el1") & MPIDR_AFF
}

/// Sends SGI 0, the host's reschedule IPI (Linux's `IPI_RESCHEDULE`), to the physical CPU
/// with affinity `mpidr`. A CPU running a guest takes it at EL2 and exits to the host (an
/// IRQ exit), so the vCPU re-enters with what changed for it; a CPU in the host takes a
/// spurious reschedule, which the host allows for. This is KVM's kick (`kvm_vcpu_kick`
/// sends the same IPI).
pub fn kick(mpidr: u64) {
    let aff0 = mpidr & 0xff;
    // ICC_SGI1R_EL1 targets Aff0 0..15 without a range selector; QEMU's virt has no more.
    if aff0 >= 16 {
        return;
    }
    let sgi = (1 << aff0)
        | ((mpidr >> 8) & 0xff) << 16
        | ((mpidr >> 16) & 0xff) << 32
        | ((mpidr >> 32) & 0xff) << 48;
    dsb_ishst();
    write_sysreg!("icc_sgi1r_el1", sgi);
    isb();
}

/// Instruction synchronisation barrier.
pub fn isb() {
    // SAFETY: A barrier has no memory effect beyond ordering.
    unsafe { core::arch::asm!("isb", options(nostack)) };
}

/// Inner-shareable store barrier, before TLB maintenance.
pub fn dsb_ishst() {
    // SAFETY: A barrier has no memory effect beyond ordering.
    unsafe { core::arch::asm!("dsb ishst", options(nostack)) };
}

/// Invalidates all stage-1 and stage-2 TLB entries of the VMID in `VTTBR_EL2`, on every CPU.
pub fn tlbi_vmalls12e1is() {
    // SAFETY: TLB invalidation only drops cached translations.
    unsafe { core::arch::asm!("tlbi vmalls12e1is", "dsb ish", "isb", options(nostack)) };
}

/// Invalidates this CPU's EL2 TLB entries.
pub fn tlbi_alle2() {
    // SAFETY: TLB invalidation only drops cached translations.
    unsafe { core::arch::asm!("tlbi alle2", "dsb nsh", "isb", options(nostack)) };
}

/// Waits for an event (used while spinning).
pub fn wfe() {
    // SAFETY: Waiting has no memory effect.
    unsafe { core::arch::asm!("wfe", options(nomem, nostack)) };
}

/// An SMCCC call from EL2 to the firmware (QEMU's PSCI): x0..x17 in, x0..x3 out.
pub fn smc(args: &[u64; 18]) -> [u64; 4] {
    let mut r = [args[0], args[1], args[2], args[3]];
    // SAFETY: The firmware call only reads and writes registers (SMCCC v1.2); x4..x17 may
    // be clobbered by the callee and are declared so.
    unsafe {
        core::arch::asm!(
            "smc #0",
            inout("x0") r[0], inout("x1") r[1], inout("x2") r[2], inout("x3") r[3],
            inout("x4") args[4] => _, inout("x5") args[5] => _,
            inout("x6") args[6] => _, inout("x7") args[7] => _,
            inout("x8") args[8] => _, inout("x9") args[9] => _,
            inout("x10") args[10] => _, inout("x11") args[11] => _,
            inout("x12") args[12] => _, inout("x13") args[13] => _,
            inout("x14") args[14] => _, inout("x15") args[15] => _,
            inout("x16") args[16] => _, inout("x17") args[17] => _,
            options(nostack)
        );
    }
    r
}
