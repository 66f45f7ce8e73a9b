// SPDX-License-Identifier: GPL-2.0

//! Test knobs (the `test-knobs` feature, built for the test suite only): one test-range
//! hypercall, function [`TEST_KNOB`] of the GenieZone range (upstream uses 0..18), x1 = the
//! knob, x2 = its value. The driver forwards writes to debugfs `gzvm-hyp/<knob>` to it in
//! test kernels (`CONFIG_GZVM_TEST_KNOBS`). Without the feature the call is unknown and the
//! knobs keep their defaults: everything granted, nothing refused.
//!
//! Knob [`HELD`] is a query instead: it lists the host pages the hypervisor holds, so
//! that the test kernel can check, from outside the driver, that each one is still
//! allocated (kernel pages) or pinned (guest pages) while the hypervisor holds it.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[cfg(feature = "test-knobs")]
use super::{abi::status, mem, stage2::Stage2, Hyp};

/// Function number of the test-knob call.
pub const TEST_KNOB: u64 = 0xf0;

/// Demand paging granted: 0 none (fully populated VMs), 1 4 KiB pages, 2 2 MiB blocks.
pub static PAGING: AtomicU64 = AtomicU64::new(2);
/// Ghaf extensions offered (none: the negotiation is refused, as GenieZone's firmware does).
pub static EXTENSIONS: AtomicU64 = AtomicU64::new(super::vm::EXT_OFFERED);
/// DESTROY_VM calls to answer ERR_BUSY.
pub static DESTROY_BUSY: AtomicU64 = AtomicU64::new(0);
/// DESTROY_VM calls to refuse.
pub static DESTROY_FAIL: AtomicU64 = AtomicU64::new(0);
/// DESTROY_VCPU calls to refuse.
pub static VCPU_DESTROY_FAIL: AtomicU64 = AtomicU64::new(0);
/// An entry the held-pages query reports first, as if held (0: none): a test of the
/// audit itself names a page the kernel does not back and expects it to be caught.
#[cfg(feature = "test-knobs")]
pub static FAKE_HELD: AtomicU64 = AtomicU64::new(0);

/// Takes one from a count-down knob; whether it was non-zero.
pub fn take(k: &AtomicU64) -> bool {
    k.fetch_update(Relaxed, Relaxed, |v| v.checked_sub(1))
        .is_ok()
}

/// The test-knob call; `false` for an unknown knob or value.
#[cfg(feature = "test-knobs")]
pub fn set(knob: u64, v: u64) -> bool {
    let k = match knob {
        0 if v <= 2 => &PAGING,
        1 => &EXTENSIONS,
        2 => &DESTROY_BUSY,
        3 => &DESTROY_FAIL,
        4 => &VCPU_DESTROY_FAIL,
        6 => &FAKE_HELD,
        _ => return false,
    };
    k.store(v, Relaxed);
    true
}

/// Without the feature the call does not exist.
#[cfg(not(feature = "test-knobs"))]
pub fn set(_knob: u64, _v: u64) -> bool {
    false
}

/// The held-pages query: x2 = cursor (0 to start), x3 = a 4 KiB buffer the hypervisor
/// fills with up to 512 entries during the call. Answers x1 = entries written, x2 = the
/// cursor of the next call (0: that was all).
pub const HELD: u64 = 5;
/// Entry kind (bits 63:60; bits 59:0 are the frame number): a kernel page the driver lent,
/// a vCPU's run or hardware-state page or a VM's MAP_GUEST_BLOCK buffer.
#[cfg(feature = "test-knobs")]
pub const HELD_KERNEL: u64 = 1;
/// Entry kind: a guest page mapped at stage 2.
#[cfg(feature = "test-knobs")]
pub const HELD_GUEST: u64 = 2;
#[cfg(feature = "test-knobs")]
const HELD_PER_CALL: usize = 512;
/// Kernel pages one VM can hold: the block buffer and two pages per vCPU.
#[cfg(feature = "test-knobs")]
const HELD_KERNEL_MAX: usize = 1 + 2 * super::abi::MAX_VCPUS;

/// One held-pages query (see [`HELD`]). The cursor is `vm_slot << 32 | pos`: `pos` 0 lists
/// the VM's kernel pages next, `pos` = page + 1 its stage-2 mappings from guest page `page`.
#[cfg(feature = "test-knobs")]
pub fn held(h: &mut Hyp, cursor: u64, buf: u64) -> Result<[u64; 3], i64> {
    if buf & 0xfff != 0 || !mem::host_ram(buf, 4096) {
        return Err(status::INVALID_ARGS);
    }
    let mut n = 0usize;
    let put = |n: &mut usize, kind: u64, frame: u64| {
        mem::write(buf + 8 * *n as u64, 8, kind << 60 | frame);
        *n += 1;
    };
    let fake = FAKE_HELD.load(Relaxed);
    if cursor == 0 && fake != 0 {
        mem::write(buf, 8, fake);
        n = 1;
    }
    let mut pos = cursor & 0xffff_ffff;
    for (i, slot) in h.vms.iter_mut().enumerate().skip((cursor >> 32) as usize) {
        if let Some(vm) = slot {
            if pos == 0 {
                if n + HELD_KERNEL_MAX > HELD_PER_CALL {
                    return Ok([n as u64, (i as u64) << 32, 0]);
                }
                for f in vm.kernel_frames() {
                    put(&mut n, HELD_KERNEL, f);
                }
                pos = 1;
            }
            let stop = vm.s2.walk(pos - 1, |_, e| {
                if n == HELD_PER_CALL {
                    return false;
                }
                put(&mut n, HELD_GUEST, Stage2::frame(*e));
                true
            });
            if let Some(page) = stop {
                return Ok([n as u64, (i as u64) << 32 | (page + 1), 0]);
            }
        }
        pos = 0;
    }
    Ok([n as u64, 0, 0])
}

/// Without the feature the query does not exist.
#[cfg(not(feature = "test-knobs"))]
pub fn held(_h: &mut super::Hyp, _cursor: u64, _buf: u64) -> Result<[u64; 3], i64> {
    Err(super::abi::status::NOT_SUPPORTED)
}
