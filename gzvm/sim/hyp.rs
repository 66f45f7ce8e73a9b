// SPDX-License-Identifier: GPL-2.0

//! The simulated hypervisor's SMCCC entry point: decodes the function id and arguments
//! exactly as GenieZone receives them (x0..x7) and answers in x0..x3.

use kernel::{
    debugfs::{Dir, File},
    new_mutex,
    prelude::*,
    sync::{atomic::Atomic, Arc, Mutex},
};

use super::vm::{SimVm, Status};
use crate::hypercall::{func, func_id, status};

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

/// Version reported by PROBE.
const SIM_VERSION: [u64; 3] = [16, 0, 0];
/// Most VMs at once.
const MAX_VMS: usize = 16;

struct State {
    /// VM id `n` is `vms[n - 1]` (id 0 means "no VM" in the ABI).
    vms: KVec<Option<KBox<SimVm>>>,
}

/// The simulated GenieZone hypervisor.
#[pin_data]
pub(crate) struct Sim {
    #[pin]
    state: Mutex<State>,
    #[pin]
    paging: File<Atomic<u32>>,
    _dir: Dir,
}

impl Sim {
    pub(crate) fn new() -> Result<Arc<Sim>> {
        let dir = Dir::new(c"gzvm-sim");
        Arc::pin_init(
            try_pin_init!(Sim {
                state <- new_mutex!(State { vms: KVec::new() }),
                paging <- dir.read_write_file(c"paging", Atomic::new(paging::BLOCK)),
                _dir: dir,
            }),
            GFP_KERNEL,
        )
    }

    /// One SMCCC call: `regs` are x0..x7, the result is x0..x3.
    pub(crate) fn call(&self, regs: [u64; 8]) -> [u64; 4] {
        let mut st = self.state.lock();
        let f = regs[0] as u32;
        let r = match f.checked_sub(func_id(0)) {
            Some(n) if u64::from(f) == regs[0] => self.dispatch(&mut st, n, &regs),
            _ => Err(Status(status::ERR_NOT_SUPPORTED)),
        };
        match r {
            Ok(out) => [0, out[0], out[1], out[2]],
            Err(Status(e)) => [e as u64, 0, 0, 0],
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
            func::CREATE_VM => {
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
                *e = None;
                Ok([0; 3])
            }
            func::ENABLE_CAP if a[0] == 0 => Err(Status(status::ERR_NOT_SUPPORTED)),
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
                let mode = self.paging.load(kernel::sync::atomic::Relaxed);
                vm.call(n, a, mode)
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
