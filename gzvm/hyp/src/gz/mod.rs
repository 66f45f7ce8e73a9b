// SPDX-License-Identifier: GPL-2.0

//! The GenieZone ABI: the host's `hvc` calls ([`host`]), running vCPUs ([`world`]) and
//! what their guests trap on ([`guest`]).

mod abi;
mod context;
mod guest;
mod host;
mod knobs;
mod mem;
mod stage2;
mod vgic;
mod vm;
mod world;

use crate::{fdt::Facts, layout::MAX_CPUS, sync::SpinLock};
use stage2::Root;
use vm::Vm;

pub use guest::guest_trap;
pub use host::host_call;
pub use world::in_guest;

/// Most VMs at once.
pub const MAX_VMS: usize = 16;
/// Size of one VM's state (logged at boot).
pub const VM_SIZE: usize = core::mem::size_of::<Vm>();

/// Every VM; VM id `n` is `vms[n - 1]` (0 is not a VM id in the ABI).
pub struct Hyp {
    pub vms: [Option<Vm>; MAX_VMS],
    /// Physical redistributor base of CPU 0 (for enabling the PPIs the hypervisor uses).
    pub gicr: u64,
}

pub static HYP: SpinLock<Hyp> = SpinLock::new(Hyp {
    vms: [const { None }; MAX_VMS],
    gicr: 0,
});

/// Stage-2 roots, one per VM slot (8 KiB aligned, as the concatenated level-1 tables
/// require).
static mut ROOTS: [Root; MAX_VMS] = [const { Root([0; 1024]) }; MAX_VMS];

/// The root of VM slot `i`.
fn root(i: usize) -> *mut Root {
    // SAFETY: Only the address of the element is taken; the VM slot `i` owns it.
    unsafe { core::ptr::addr_of_mut!(ROOTS[i]) }
}

/// Records what the device tree said (primary CPU, before the host runs).
pub fn init(f: Facts) {
    mem::init(f.ram);
    HYP.lock().gicr = f.gicr;
    let _ = MAX_CPUS;
}
