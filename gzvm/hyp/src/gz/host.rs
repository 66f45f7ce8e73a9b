// SPDX-License-Identifier: GPL-2.0

//! The host's `hvc` calls: x0 the function id, x1..x7 the arguments; x0 the status and
//! x1..x3 the results on return (v13 04/25 `gzvm_hypcall_wrapper`).

use super::{
    abi::{self, cap, func, status},
    knobs, root,
    stage2::Stage2,
    vm::{Vm, DESTROY_BATCH, MAP_BATCH},
    world, Hyp, HYP, MAX_VMS,
};
use crate::boot::Frame;

/// The hypervisor's version, answered to PROBE (v13 04/25 `gzvm_arch_probe` sends the
/// driver's 16.0.0 and reads the hypervisor's from x1..x3).
const VERSION: [u64; 3] = [16, 0, 0];
/// SMCCC `NOT_SUPPORTED` for function ids that are not GenieZone's.
const SMCCC_NOT_SUPPORTED: u64 = -1i64 as u64;

type R<T> = Result<T, i64>;

/// Handles one host `hvc`; the results replace x0..x3 in `frame` (RUN enters the guest
/// instead and answers when the vCPU exits).
pub fn host_call(frame: &mut Frame) {
    let f = frame.x[0] & 0xffff_ffff;
    let known = (abi::FN_BASE..=abi::FN_BASE + func::MAP_GUEST_BLOCK).contains(&f)
        || f == abi::FN_BASE + knobs::TEST_KNOB;
    if frame.x[0] >> 32 != 0 || !known {
        frame.x[..4].copy_from_slice(&[SMCCC_NOT_SUPPORTED, 0, 0, 0]);
        return;
    }
    let n = f - abi::FN_BASE;
    let mut a = [0u64; 7];
    a.copy_from_slice(&frame.x[1..8]);
    if n == func::RUN {
        if let Err(e) = world::run(frame, a[0]) {
            frame.x[..4].copy_from_slice(&[e as u64, 0, 0, 0]);
        }
        return;
    }
    let r = dispatch(n, &a);
    let out = match r {
        Ok(v) => [status::OK as u64, v[0], v[1], v[2]],
        Err(e) => [e as u64, 0, 0, 0],
    };
    frame.x[..4].copy_from_slice(&out);
}

/// Splits a `(vm << 16) | vcpu` tuple (ACK 6.6 `assemble_vm_vcpu_tuple`).
pub fn tuple(t: u64) -> (u64, usize) {
    ((t >> 16) & 0xffff, (t & 0xffff) as usize)
}

pub fn vm_mut(h: &mut Hyp, id: u64) -> R<&mut Vm> {
    let i = usize::try_from(id)
        .ok()
        .and_then(|i| i.checked_sub(1))
        .ok_or(status::INVALID_ARGS)?;
    h.vms
        .get_mut(i)
        .and_then(Option::as_mut)
        .ok_or(status::INVALID_ARGS)
}

fn dispatch(n: u64, a: &[u64; 7]) -> R<[u64; 3]> {
    let mut h = HYP.lock();
    match n {
        func::PROBE => Ok(VERSION),
        knobs::TEST_KNOB if a[0] == knobs::HELD => knobs::held(&mut h, a[1], a[2]),
        knobs::TEST_KNOB if knobs::set(a[0], a[1]) => Ok([0; 3]),
        knobs::TEST_KNOB => Err(status::NOT_SUPPORTED),
        func::ENABLE_CAP if a[0] == 0 => match a[1] {
            cap::QUERY_HYP_BATCH_PAGES => Ok([MAP_BATCH, 0, 0]),
            cap::QUERY_DESTROY_BATCH_PAGES => Ok([DESTROY_BATCH, 0, 0]),
            _ => Err(status::INVALID_ARGS),
        },
        func::CREATE_VM => {
            let i = h
                .vms
                .iter()
                .position(Option::is_none)
                .ok_or(status::NO_MEMORY)?;
            // SAFETY: VM slot `i` is free, so nothing else uses its root.
            let s2 = unsafe { Stage2::new(root(i)) };
            h.vms[i] = Some(Vm::new(s2, i as u64 + 1));
            Ok([i as u64 + 1, 0, 0])
        }
        func::DESTROY_VM => destroy_vm(&mut h, a[0], a[1]),
        func::CREATE_VCPU => {
            let (vm, i) = tuple(a[0]);
            vm_mut(&mut h, vm)?.create_vcpu(i, a[1])?;
            Ok([0; 3])
        }
        func::DESTROY_VCPU => {
            let (vm, i) = tuple(a[0]);
            if knobs::take(&knobs::VCPU_DESTROY_FAIL) {
                return Err(status::INVALID_ARGS);
            }
            vm_mut(&mut h, vm)?.destroy_vcpu(i)?;
            Ok([0; 3])
        }
        func::SET_MEMREGION => {
            vm_mut(&mut h, a[0])?.set_memregion(a[1], a[2])?;
            Ok([0; 3])
        }
        func::MAP_GUEST => {
            vm_mut(&mut h, a[0])?.map_guest(a[1], a[2], a[3], a[4])?;
            Ok([0; 3])
        }
        func::MAP_GUEST_BLOCK => {
            vm_mut(&mut h, a[0])?.map_block(a[1], a[2], a[3])?;
            Ok([0; 3])
        }
        func::ENABLE_CAP => {
            let v = vm_mut(&mut h, a[0])?.enable_cap(a)?;
            Ok([v, 0, 0])
        }
        func::MEMREGION_PURPOSE | func::INFORM_EXIT => {
            vm_mut(&mut h, a[0])?;
            Ok([0; 3])
        }
        func::SET_DTB_CONFIG => {
            vm_mut(&mut h, a[0])?;
            Ok([0; 3])
        }
        func::CREATE_DEVICE => {
            let vm = vm_mut(&mut h, a[0])?;
            create_device(vm, a[1])?;
            Ok([0; 3])
        }
        func::IRQ_LINE => {
            // x2 = 0-based SPI, the hypervisor adds 32 (`gzvm_arch_inject_irq`, vgic.c).
            let (vm, _) = tuple(a[0]);
            let vm = vm_mut(&mut h, vm)?;
            if a[1] >= super::vgic::NR_SPIS as u64 || a[2] > 1 {
                return Err(status::INVALID_ARGS);
            }
            let id = a[1] as usize + 32;
            vm.vgic.set_line(0, id, a[2] == 1);
            if a[2] == 1 {
                vm.kick(vm.vgic.spi_targets(id));
            }
            Ok([0; 3])
        }
        func::SET_ONE_REG => {
            let (vm, i) = tuple(a[0]);
            let v = vm_mut(&mut h, vm)?.vcpu(i)?;
            if v.running {
                return Err(status::BUSY);
            }
            super::guest::set_one_reg(&mut v.ctx, a[1], a[2])?;
            Ok([0; 3])
        }
        func::GET_ONE_REG => {
            let (vm, i) = tuple(a[0]);
            let v = vm_mut(&mut h, vm)?.vcpu(i)?;
            if v.running {
                return Err(status::BUSY);
            }
            Ok([super::guest::get_one_reg(&v.ctx, a[1])?, 0, 0])
        }
        _ => Err(status::NOT_SUPPORTED),
    }
}

/// DESTROY_VM(vm, batch): reclaims at most `batch` pages per call and answers ERR_BUSY
/// until every page is back (v13 25/25); then the VM is gone.
fn destroy_vm(h: &mut Hyp, id: u64, batch: u64) -> R<[u64; 3]> {
    let vm = vm_mut(h, id)?;
    if batch == 0 || vm.vcpus.iter().flatten().any(|v| v.running) {
        return Err(if batch == 0 {
            status::INVALID_ARGS
        } else {
            status::BUSY
        });
    }
    if knobs::take(&knobs::DESTROY_FAIL) {
        return Err(status::INVALID_ARGS);
    }
    if knobs::take(&knobs::DESTROY_BUSY) {
        return Err(status::BUSY);
    }
    if !vm.reclaim(batch) {
        return Err(status::BUSY);
    }
    vm.s2.free_tables();
    h.vms[id as usize - 1] = None;
    let _ = MAX_VMS;
    Ok([0; 3])
}

/// CREATE_DEVICE(vm, PA of `struct gzvm_create_device`): places the vGIC's distributor or
/// redistributors (crosvm: distributor 0x3fff0000, redistributors below it).
fn create_device(vm: &mut Vm, pa: u64) -> R<()> {
    if !super::mem::host_ram(pa, 48) {
        return Err(status::INVALID_ARGS);
    }
    let ty = super::mem::read(pa, 4) as u32;
    let addr = super::mem::read(pa + 16, 8);
    let size = super::mem::read(pa + 24, 8);
    let min = match ty {
        abi::DEV_VGIC_DIST => super::vgic::DIST_SIZE,
        abi::DEV_VGIC_REDIST => super::vgic::REDIST_STRIDE,
        _ => return Err(status::INVALID_ARGS),
    };
    if addr & 0xffff != 0 || size < min || addr.checked_add(size).is_none() {
        return Err(status::INVALID_ARGS);
    }
    let slot = if ty == abi::DEV_VGIC_DIST {
        &mut vm.vgic.dist
    } else {
        &mut vm.vgic.redist
    };
    if slot.is_some() {
        return Err(status::INVALID_ARGS);
    }
    *slot = Some(addr);
    Ok(())
}
