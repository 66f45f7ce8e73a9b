// SPDX-License-Identifier: GPL-2.0

//! The simulated hypervisor's SMCCC entry point: decodes the function id and arguments
//! exactly as GenieZone receives them (x0..x7) and answers in x0..x3.
//!
//! It models the hypervisor the upstream driver implies (LKML v13, ACK 6.6): PROBE answers
//! its version; the batch-size queries 0x9204/0x9205 are answered (with sizes other than
//! the defaults, so the driver's batching is exercised); DESTROY_VM takes the batch size in
//! x2 and may answer busy. Test knobs in debugfs `gzvm-sim/`:
//!
//! - `paging`: which demand-paging capabilities are accepted (see [`paging`]);
//! - `extensions`: the Ghaf extensions offered (bits of `hypercall::ext`, default all);
//! - `destroy_busy`: answer ERR_BUSY to that many DESTROY_VM calls (counts down);
//! - `destroy_fail`: refuse that many DESTROY_VM calls with ERR_INVALID_ARGS;
//! - `vcpu_destroy_fail`: refuse that many DESTROY_VCPU calls;
//! - `violations` (read-only): accesses the simulator made to memory the driver no longer
//!   held (a guest page not pinned, a kernel page freed); must stay 0.
//!
//! Every call first audits the kernel pages the simulator holds (run and state pages,
//! block buffers); a refused or busy DESTROY_VM also audits every guest page still mapped.

use kernel::{
    debugfs::{Dir, File},
    new_mutex,
    page::{BorrowedPage, Page},
    pr_err_once,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, Mutex,
    },
};

use super::vm::{SimVm, Status};
use crate::{
    hypercall::{ext, func, func_id, status},
    uapi,
};

/// How the simulator answers the driver's demand-paging capabilities (debugfs `paging`):
/// the driver picks the mode the hypervisor accepts, so tests exercise each mode by
/// setting this before creating a VM.
pub(crate) mod paging {
    /// Refuse demand paging: VMs are fully populated (as does any unknown value).
    #[expect(
        dead_code,
        reason = "documents the debugfs value; the simulator tests for the others"
    )]
    pub(crate) const NONE: u32 = 0;
    /// Demand paging with 4 KiB MAP_GUEST.
    pub(crate) const PAGE: u32 = 1;
    /// Demand paging with 2 MiB MAP_GUEST_BLOCK (what GenieZone does).
    pub(crate) const BLOCK: u32 = 2;
}

/// Pages per MAP_GUEST_BLOCK the simulator asks for (query 0x9204; upstream default 512).
pub(crate) const MAP_BATCH: u64 = 64;
/// Pages per DESTROY_VM the simulator asks for (query 0x9205; upstream default 128).
pub(crate) const DESTROY_BATCH: u64 = 256;

/// Accesses to memory the driver no longer held.
static VIOLATIONS: Atomic<u64> = Atomic::new(0);

/// Records an access to memory the driver no longer held.
pub(crate) fn violation(what: &str, pfn: u64) {
    VIOLATIONS.fetch_add(1, Relaxed);
    pr_err_once!("gzvm-sim: {what} page {pfn:#x} is no longer held by the driver\n");
}

/// Whether the guest page `pfn` is still pinned (checked before every access to it).
pub(crate) fn guest_page_held(page: &Page) -> bool {
    if page.maybe_dma_pinned() {
        return true;
    }
    violation("guest", page.pfn());
    false
}

/// Whether the kernel page `pfn` the driver lent is still allocated.
pub(crate) fn kernel_page_held(pfn: u64) -> bool {
    // SAFETY: Only the page's reference count is read; the page descriptor of RAM exists
    // whether or not the page is allocated.
    let held = unsafe { BorrowedPage::from_pfn(pfn) }.is_some_and(|p| p.ref_count() > 0);
    if !held {
        violation("kernel", pfn);
    }
    held
}

/// The test knobs (see the module documentation).
#[pin_data]
pub(crate) struct Knobs {
    #[pin]
    pub(crate) paging: File<Atomic<u32>>,
    #[pin]
    pub(crate) extensions: File<Atomic<u64>>,
    #[pin]
    pub(crate) destroy_busy: File<Atomic<u32>>,
    #[pin]
    pub(crate) destroy_fail: File<Atomic<u32>>,
    #[pin]
    pub(crate) vcpu_destroy_fail: File<Atomic<u32>>,
    #[pin]
    violations: File<()>,
}

impl Knobs {
    fn new(dir: &Dir) -> impl PinInit<Self> + '_ {
        pin_init!(Knobs {
            paging <- dir.read_write_file(c"paging", Atomic::new(paging::BLOCK)),
            extensions <- dir.read_write_file(c"extensions", Atomic::new(ext::ALL)),
            destroy_busy <- dir.read_write_file(c"destroy_busy", Atomic::new(0u32)),
            destroy_fail <- dir.read_write_file(c"destroy_fail", Atomic::new(0u32)),
            vcpu_destroy_fail <- dir.read_write_file(c"vcpu_destroy_fail", Atomic::new(0u32)),
            violations <- dir.read_callback_file(c"violations", (), &show_violations),
        })
    }
}

/// Takes one from a count-down knob; whether it was non-zero.
pub(crate) fn take(knob: &Atomic<u32>) -> bool {
    let mut v = knob.load(Relaxed);
    while v != 0 {
        match knob.cmpxchg(v, v - 1, Relaxed) {
            Ok(_) => return true,
            Err(cur) => v = cur,
        }
    }
    false
}

/// Version reported by PROBE.
const SIM_VERSION: [u64; 3] = [16, 0, 0];
/// Most VMs at once.
const MAX_VMS: usize = 16;

struct State {
    /// VM id `n` is `vms[n - 1]` (id 0 means "no VM" in the ABI).
    vms: KVec<Option<KBox<SimVm>>>,
}

fn show_violations(_: &(), f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
    writeln!(f, "{}", VIOLATIONS.load(Relaxed))
}

/// The simulated GenieZone hypervisor.
#[pin_data]
pub(crate) struct Sim {
    #[pin]
    state: Mutex<State>,
    #[pin]
    knobs: Knobs,
    _dir: Dir,
}

impl Sim {
    pub(crate) fn new() -> Result<Arc<Sim>> {
        let dir = Dir::new(c"gzvm-sim");
        Arc::pin_init(
            try_pin_init!(Sim {
                state <- new_mutex!(State { vms: KVec::new() }),
                knobs <- Knobs::new(&dir),
                _dir: dir,
            }),
            GFP_KERNEL,
        )
    }

    /// One SMCCC call: `regs` are x0..x7, the result is x0..x3.
    pub(crate) fn call(&self, regs: [u64; 8]) -> [u64; 4] {
        let mut st = self.state.lock();
        for vm in st.vms.iter().flatten() {
            vm.audit_kernel_pages();
        }
        let f = regs[0] as u32;
        let r = match f.checked_sub(func_id(0)) {
            Some(n) if u64::from(f) == regs[0] => self.dispatch(&mut st, n, &regs),
            _ => Err(Status(status::ERR_NOT_SUPPORTED)),
        };
        match r {
            Ok(out) => [0, out[0], out[1], out[2]],
            // A 32-bit status, sign-extended to the register.
            Err(Status(e)) => [i64::from(e) as u64, 0, 0, 0],
        }
    }

    fn dispatch(
        &self,
        st: &mut State,
        n: u32,
        regs: &[u64; 8],
    ) -> core::result::Result<[u64; 3], Status> {
        let a = &regs[1..];
        match n {
            func::PROBE => Ok(SIM_VERSION),
            func::ENABLE_CAP if a[0] == 0 => match a[1] {
                uapi::GZVM_CAP_QUERY_HYP_BATCH_PAGES => Ok([MAP_BATCH, 0, 0]),
                uapi::GZVM_CAP_QUERY_DESTROY_BATCH_PAGES => Ok([DESTROY_BATCH, 0, 0]),
                _ => Err(Status(status::ERR_INVALID_ARGS)),
            },
            func::CREATE_VM => {
                // Audit every page every VM still maps (VMs whose destruction was refused
                // included).
                for vm in st.vms.iter().flatten() {
                    vm.audit_guest_pages();
                }
                let slot = st.vms.iter().position(Option::is_none);
                let idx = match slot {
                    Some(i) => i,
                    None if st.vms.len() < MAX_VMS => {
                        st.vms
                            .push(None, GFP_KERNEL)
                            .map_err(|_| Status(status::ERR_NO_MEMORY))?;
                        st.vms.len() - 1
                    }
                    None => return Err(Status(status::ERR_NO_MEMORY)),
                };
                let vm = KBox::new(SimVm::new()?, GFP_KERNEL)
                    .map_err(|_| Status(status::ERR_NO_MEMORY))?;
                if let Some(e) = st.vms.get_mut(idx) {
                    *e = Some(vm);
                }
                Ok([idx as u64 + 1, 0, 0])
            }
            func::DESTROY_VM => {
                let e = Self::vm_slot(st, a[0])?;
                if a[1] != DESTROY_BATCH {
                    return Err(Status(status::ERR_INVALID_ARGS));
                }
                let refuse = if take(&self.knobs.destroy_fail) {
                    Some(status::ERR_INVALID_ARGS)
                } else if take(&self.knobs.destroy_busy) {
                    Some(status::ERR_BUSY)
                } else {
                    None
                };
                if let Some(code) = refuse {
                    if let Some(vm) = e.as_ref() {
                        vm.audit_guest_pages();
                    }
                    return Err(Status(code));
                }
                *e = None;
                Ok([0; 3])
            }
            _ => {
                // Every other call names a VM in x1 (alone or in a vm/vcpu tuple).
                let vm_id = match n {
                    func::CREATE_VCPU
                    | func::DESTROY_VCPU
                    | func::RUN
                    | func::GET_ONE_REG
                    | func::SET_ONE_REG
                    | func::IRQ_LINE => a[0] >> 16,
                    _ => a[0],
                };
                let vm = Self::vm_slot(st, vm_id)?
                    .as_mut()
                    .ok_or(Status(status::ERR_INVALID_ARGS))?;
                vm.call(n, a, &self.knobs)
            }
        }
    }

    fn vm_slot(st: &mut State, id: u64) -> core::result::Result<&mut Option<KBox<SimVm>>, Status> {
        let i = usize::try_from(id)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .ok_or(Status(status::ERR_INVALID_ARGS))?;
        let e = st.vms.get_mut(i).ok_or(Status(status::ERR_INVALID_ARGS))?;
        if e.is_none() {
            return Err(Status(status::ERR_INVALID_ARGS));
        }
        Ok(e)
    }
}
