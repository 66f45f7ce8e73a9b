// SPDX-License-Identifier: GPL-2.0

//! The driver's side of the GenieZone SMCCC interface.
//!
//! Every call is an SMCCC v1.2 fast call (function id `0xfb00_1000 + n`, arguments in
//! x1..x7, results in x0..x3, x0 a GenieZone status), made with `hvc #0`.
//!
//! The words follow the upstream driver (LKML v13, Nov 2024, and Android common kernel 6.6
//! `drivers/virt/geniezone/`, `arch/arm64/geniezone/`); each call below names where its
//! words come from. Calls that pass a physical address take the memory that owns it
//! ([`HypPages`] or a pinned guest page), so nothing can be handed to the hypervisor that
//! may be freed while it holds it. Every call can be traced (see [`crate::trace`]).
//!
//! Beyond upstream, the driver negotiates *Ghaf extensions* with one ENABLE_CAP per VM
//! ([`GHAF_CAP_EXT`], in GenieZone's 0x92xx capability range, unused by upstream): the
//! hypervisor answers with the extensions it grants. GenieZone firmware does not know the
//! capability and answers with an error, so the driver then behaves as upstream does.

use kernel::{prelude::*, smccc, sync::Arc, user_pages::PinnedPage};

use crate::{hypmem::HypPages, trace::Trace, uapi};

pub(crate) use crate::trace::Bucket;

/// SMCCC owner id of GenieZone (a Trusted OS range id).
const SMC_ENTITY_MTK: u32 = 59;

/// GenieZone function numbers (`n` in `0xfb00_1000 + n`).
#[allow(missing_docs)]
pub(crate) mod func {
    pub(crate) const CREATE_VM: u32 = 0;
    pub(crate) const DESTROY_VM: u32 = 1;
    pub(crate) const CREATE_VCPU: u32 = 2;
    pub(crate) const DESTROY_VCPU: u32 = 3;
    pub(crate) const SET_MEMREGION: u32 = 4;
    pub(crate) const RUN: u32 = 5;
    pub(crate) const GET_ONE_REG: u32 = 8;
    pub(crate) const SET_ONE_REG: u32 = 9;
    pub(crate) const IRQ_LINE: u32 = 10;
    pub(crate) const CREATE_DEVICE: u32 = 11;
    pub(crate) const PROBE: u32 = 12;
    pub(crate) const ENABLE_CAP: u32 = 13;
    pub(crate) const INFORM_EXIT: u32 = 14;
    pub(crate) const MEMREGION_PURPOSE: u32 = 15;
    pub(crate) const SET_DTB_CONFIG: u32 = 16;
    pub(crate) const MAP_GUEST: u32 = 17;
    pub(crate) const MAP_GUEST_BLOCK: u32 = 18;
}

/// gzhyp's test-knob function number (test kernels only, see [`Hyp::test_knob`]).
#[cfg(CONFIG_GZVM_TEST_KNOBS)]
pub(crate) const TEST_KNOB: u32 = 0xf0;

/// The test-knob call's held-pages query (x1; gzhyp's `knobs::HELD`).
#[cfg(CONFIG_GZVM_TEST_KNOBS)]
const HELD_PAGES_QUERY: u64 = 5;

/// The SMCCC function id of GenieZone function `n`.
pub(crate) const fn func_id(n: u32) -> u32 {
    smccc::fast_call_64(SMC_ENTITY_MTK, 0x1000 + n)
}

/// GenieZone status codes (x0, read as a C `int`).
pub(crate) mod status {
    pub(crate) const OK: i32 = 0;
    pub(crate) const ERR_NO_MEMORY: i32 = -5;
    pub(crate) const ERR_INVALID_ARGS: i32 = -8;
    pub(crate) const ERR_NOT_SUPPORTED: i32 = -24;
    pub(crate) const ERR_NOT_IMPLEMENTED: i32 = -27;
    pub(crate) const ERR_BUSY: i32 = -33;
    pub(crate) const ERR_FAULT: i32 = -40;
}

/// Maps a GenieZone status to a kernel error as upstream's `gzvm_err_to_errno()` does:
/// only the low 32 bits count (`int gz_err = (int)err;`, v13 04/25).
pub(crate) fn to_result(x0: u64) -> Result {
    match x0 as u32 as i32 {
        status::OK => Ok(()),
        status::ERR_NO_MEMORY => Err(ENOMEM),
        status::ERR_NOT_SUPPORTED | status::ERR_NOT_IMPLEMENTED => Err(EOPNOTSUPP),
        status::ERR_BUSY => Err(EAGAIN),
        status::ERR_FAULT => Err(EFAULT),
        status::ERR_INVALID_ARGS => Err(EINVAL),
        _ => Err(EINVAL),
    }
}

/// `(vm_id << 16) | vcpu_id` as a 32-bit value (`assemble_vm_vcpu_tuple()`, ACK 6.6
/// `gzvm_arch_common.h`): the vCPU index is truncated to 16 bits.
pub(crate) fn tuple(vm_id: u16, vcpu_id: u32) -> u64 {
    u64::from((u32::from(vm_id) << 16) | (vcpu_id & 0xffff))
}

/// Ghaf extension negotiation: ENABLE_CAP(vm, `GHAF_CAP_EXT`, wanted) answers the granted
/// subset in x1.
pub(crate) const GHAF_CAP_EXT: u64 = 0x92f0;
/// Ghaf extension: ENABLE_CAP(vm, `GHAF_CAP_RELEASE_SLOT`, slot) unmaps a memory slot;
/// success means the hypervisor let go of its pages.
pub(crate) const GHAF_CAP_RELEASE_SLOT: u64 = 0x92f1;

/// The Ghaf extensions (bits of the [`GHAF_CAP_EXT`] answer).
pub(crate) mod ext {
    /// IRQ exits report, in the hardware-state page, the level-triggered SPIs the guest
    /// deactivated (irqfd resample).
    pub(crate) const EOI_REPORT: u64 = 1 << 0;
    /// Slots can be released with [`super::GHAF_CAP_RELEASE_SLOT`] (delete, replace).
    pub(crate) const RELEASE_SLOT: u64 = 1 << 1;
    /// An IDLE exit without `vtimer_migrate` means nothing is due for the vCPU but a host
    /// injection or an IPI, so the driver may sleep until one (upstream re-enters at once).
    pub(crate) const IDLE_BLOCK: u64 = 1 << 2;
    /// Every extension this driver knows.
    pub(crate) const ALL: u64 = EOI_REPORT | RELEASE_SLOT | IDLE_BLOCK;
}

/// Batch sizes the hypervisor asked for at probe (v13 17/25 and 25/25).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Batches {
    /// Pages per MAP_GUEST_BLOCK call (query 0x9204, default 512).
    pub(crate) map: u64,
    /// Pages the hypervisor reclaims per DESTROY_VM call (query 0x9205, default 128).
    pub(crate) destroy: u64,
}

/// Pages in a 2 MiB demand-paging block.
pub(crate) const BLOCK_PAGES: u64 = 512;

/// A handle to the hypervisor: one per probed device.
pub(crate) struct Hyp {
    trace: Arc<Trace>,
    pub(crate) batches: Batches,
}

impl Hyp {
    /// Connects to the hypervisor: PROBE, then the batch-size queries. Returns the handle
    /// and the hypervisor's version.
    pub(crate) fn connect(trace: Arc<Trace>) -> Result<(Self, [u64; 3])> {
        let mut hyp = Self {
            trace,
            batches: Batches {
                map: BLOCK_PAGES,
                destroy: 128,
            },
        };
        let version = hyp.probe()?;
        hyp.batches = hyp.query_batches()?;
        Ok((hyp, version))
    }

    /// Benchmark switch (`gzvm/hvc_time`, test kernels): a start stamp if it is on.
    /// Always `None` in kernels without `CONFIG_GZVM_TEST_KNOBS`.
    #[inline]
    pub(crate) fn bench_stamp(&self) -> Option<u64> {
        #[cfg(CONFIG_GZVM_TEST_KNOBS)]
        return self.trace.stamp();
        #[cfg(not(CONFIG_GZVM_TEST_KNOBS))]
        None
    }

    /// Benchmark switch: accounts the time since `start` to `bucket` (nothing for `None`).
    #[inline]
    pub(crate) fn bench_account(&self, bucket: Bucket, start: Option<u64>) {
        #[cfg(CONFIG_GZVM_TEST_KNOBS)]
        self.trace.account(bucket, start);
        #[cfg(not(CONFIG_GZVM_TEST_KNOBS))]
        let _ = (bucket, start);
    }

    /// Issues GenieZone function `n` with `args` in x1.. (the rest 0), records it in the
    /// trace, and returns x0..x3.
    ///
    /// # Safety
    ///
    /// Every physical address or frame number in `args` (as the function's ABI defines
    /// them) must refer to memory that stays allocated for as long as the hypervisor may
    /// access it: until the call returns for buffers used only during the call, until the
    /// hypervisor confirms it let go otherwise.
    unsafe fn raw(&self, n: u32, args: &[u64]) -> [u64; 4] {
        let mut regs = [0u64; 8];
        regs[0] = u64::from(func_id(n));
        for (r, a) in regs.iter_mut().skip(1).zip(args) {
            *r = *a;
        }
        // Benchmark switch (test kernels): time the call itself, see `gzvm/hvc_time`.
        #[cfg(CONFIG_GZVM_TEST_KNOBS)]
        let t0 = self.trace.stamp();
        // SAFETY: The caller guarantees the addresses in `regs` stay valid.
        let ret = unsafe { smccc::hvc(regs) };
        #[cfg(CONFIG_GZVM_TEST_KNOBS)]
        self.trace.account(Bucket::Hvc, t0);
        self.trace.record(&regs, &ret);
        ret
    }

    /// A call whose arguments carry no host physical address; returns x1..x3.
    fn call(&self, n: u32, args: &[u64]) -> Result<[u64; 3]> {
        // SAFETY: Only called for functions and arguments without host addresses.
        let r = unsafe { self.raw(n, args) };
        to_result(r[0])?;
        Ok([r[1], r[2], r[3]])
    }

    /// PROBE with the driver version 16.0.0; answers the hypervisor's major, minor and
    /// sub version in x1..x3 (v13 04/25 `gzvm_arch_probe`).
    fn probe(&self) -> Result<[u64; 3]> {
        let [major, minor, sub] = self.call(func::PROBE, &[16, 0, 0])?;
        Ok([u64::from(major as u32), u64::from(minor as u32), sub])
    }

    /// A driver-global capability query: ENABLE_CAP with x1 = 0 (v13 17/25
    /// `gzvm_arch_enable_cap`); answers x1.
    fn query(&self, cap: u64) -> Result<u64> {
        self.call(func::ENABLE_CAP, &[0, cap]).map(|[x1, _, _]| x1)
    }

    /// The batch sizes (v13 17/25 `gzvm_query_hyp_batch_pages`, 25/25
    /// `gzvm_query_destroy_batch_pages`). A hypervisor without the queries gets the
    /// defaults (upstream refuses to probe on some errors); a hypervisor that answers a
    /// size that cannot work is refused, as upstream does, except that a destroy batch of
    /// 0 (which upstream takes) is refused too.
    fn query_batches(&self) -> Result<Batches> {
        let mut b = self.batches;
        if let Ok(map) = self.query(uapi::GZVM_CAP_QUERY_HYP_BATCH_PAGES) {
            if map == 0 || BLOCK_PAGES % map != 0 {
                pr_warn!("hypervisor asks for MAP_GUEST_BLOCK batches of {map} pages\n");
                return Err(EINVAL);
            }
            b.map = map;
        }
        if let Ok(destroy) = self.query(uapi::GZVM_CAP_QUERY_DESTROY_BATCH_PAGES) {
            if !destroy.is_power_of_two() {
                pr_warn!("hypervisor asks for DESTROY_VM batches of {destroy} pages\n");
                return Err(EINVAL);
            }
            b.destroy = destroy;
        }
        Ok(b)
    }

    /// CREATE_VM(vm_type); x1 of the answer is the VM id (ACK 6.6 `gzvm_arch_create_vm`).
    pub(crate) fn create_vm(&self, vm_type: u64) -> Result<u16> {
        self.call(func::CREATE_VM, &[vm_type])
            .map(|[id, _, _]| id as u16)
    }

    /// One DESTROY_VM(vm_id, batch pages) call (v13 25/25 `gzvm_arch_destroy_vm`); `EAGAIN`
    /// is the hypervisor's ERR_BUSY: call again. On success the hypervisor let go of
    /// everything it held for the VM, `block_buf` included.
    pub(crate) fn destroy_vm(&self, vm_id: u16, block_buf: Option<&HypPages>) -> Result {
        self.call(func::DESTROY_VM, &[u64::from(vm_id), self.batches.destroy])?;
        if let Some(b) = block_buf {
            b.reclaim();
        }
        Ok(())
    }

    /// ENABLE_CAP(vm_id, cap, args...) for capabilities whose arguments carry no host
    /// address (ACK 6.6 `gzvm_vm_ioctl_arch_enable_cap`); answers x1.
    pub(crate) fn enable_cap(&self, vm_id: u16, cap: u64, args: &[u64]) -> Result<u64> {
        if cap == uapi::GZVM_CAP_BLOCK_BASED_DEMAND_PAGING {
            return Err(EINVAL);
        }
        let mut a = [0u64; 7];
        a[0] = u64::from(vm_id);
        a[1] = cap;
        for (d, s) in a.iter_mut().skip(2).zip(args) {
            *d = *s;
        }
        self.call(func::ENABLE_CAP, &a).map(|[x1, _, _]| x1)
    }

    /// ENABLE_CAP(vm_id, BLOCK_BASED_DEMAND_PAGING, 2 MiB, PA of the 512-entry frame
    /// list) (v13 17/25 `setup_vm_demand_paging`). The buffer stays lent until DESTROY_VM.
    pub(crate) fn enable_block_paging(&self, vm_id: u16, buf: &HypPages) -> Result {
        let args = [
            u64::from(vm_id),
            uapi::GZVM_CAP_BLOCK_BASED_DEMAND_PAGING,
            BLOCK_PAGES << 12,
            buf.lend(),
        ];
        // SAFETY: `buf` is marked lent and is only freed after DESTROY_VM succeeded (or
        // below, if the hypervisor refused it).
        let r = unsafe { self.raw(func::ENABLE_CAP, &args) };
        to_result(r[0]).inspect_err(|_| buf.reclaim())
    }

    /// CREATE_VCPU(tuple, PA of the run page; the hardware-state page follows it)
    /// (ACK 6.6 `gzvm_arch_create_vcpu`). The pages stay lent until DESTROY_VCPU succeeds.
    pub(crate) fn create_vcpu(&self, vm_id: u16, vcpu: u32, pages: &HypPages) -> Result {
        let args = [tuple(vm_id, vcpu), pages.lend()];
        // SAFETY: `pages` is marked lent and is only freed after a successful
        // DESTROY_VCPU or DESTROY_VM (or below, if the hypervisor refused it).
        let r = unsafe { self.raw(func::CREATE_VCPU, &args) };
        to_result(r[0]).inspect_err(|_| pages.reclaim())
    }

    /// DESTROY_VCPU(tuple) (ACK 6.6 `gzvm_arch_destroy_vcpu`, which ignores the answer;
    /// the driver does not: pages of a vCPU the hypervisor did not destroy stay lent).
    pub(crate) fn destroy_vcpu(&self, vm_id: u16, vcpu: u32, pages: &HypPages) -> Result {
        self.call(func::DESTROY_VCPU, &[tuple(vm_id, vcpu)])?;
        pages.reclaim();
        Ok(())
    }

    /// SET_MEMREGION(vm_id, buffer size, PA of the buffer) (ACK 6.6
    /// `gzvm_arch_set_memregion`); the hypervisor reads the buffer during the call.
    pub(crate) fn set_memregion(&self, vm_id: u16, buf: &HypPages, size: u64) -> Result {
        let args = [u64::from(vm_id), size, buf.lend()];
        // SAFETY: `buf` outlives the call, during which the hypervisor reads it.
        let r = unsafe { self.raw(func::SET_MEMREGION, &args) };
        buf.reclaim();
        to_result(r[0])
    }

    /// CREATE_DEVICE(vm_id, PA of the kernel copy of `gzvm_create_device`) (ACK 6.6
    /// `gzvm_vm_ioctl_create_device`); read during the call.
    pub(crate) fn create_device(&self, vm_id: u16, buf: &HypPages) -> Result {
        let args = [u64::from(vm_id), buf.lend()];
        // SAFETY: `buf` outlives the call, during which the hypervisor reads it.
        let r = unsafe { self.raw(func::CREATE_DEVICE, &args) };
        buf.reclaim();
        to_result(r[0])
    }

    /// RUN(tuple): the exit reason is x1; x0 is ignored, as upstream does (ACK 6.6
    /// `gzvm_arch_vcpu_run`: `*exit_reason = res.a1;`).
    pub(crate) fn run(&self, vm_id: u16, vcpu: u32) -> u32 {
        // SAFETY: RUN carries no address.
        let r = unsafe { self.raw(func::RUN, &[tuple(vm_id, vcpu)]) };
        r[1] as u32
    }

    /// INFORM_EXIT(vm_id), sent when RUN returns for a signal (ACK 6.6 `gzvm_vcpu_run`).
    pub(crate) fn inform_exit(&self, vm_id: u16) {
        let _ = self.call(func::INFORM_EXIT, &[u64::from(vm_id)]);
    }

    /// GET_ONE_REG(tuple, id): x1 is the value (S-OLD `gzvm_arch_vcpu_update_one_reg`).
    pub(crate) fn get_one_reg(&self, vm_id: u16, vcpu: u32, id: u64) -> Result<u64> {
        self.call(func::GET_ONE_REG, &[tuple(vm_id, vcpu), id])
            .map(|[v, _, _]| v)
    }

    /// SET_ONE_REG(tuple, id, value) (ACK 6.6 `gzvm_arch_vcpu_update_one_reg`).
    pub(crate) fn set_one_reg(&self, vm_id: u16, vcpu: u32, id: u64, v: u64) -> Result {
        self.call(func::SET_ONE_REG, &[tuple(vm_id, vcpu), id, v])
            .map(|_| ())
    }

    /// IRQ_LINE(tuple(vm, vcpu), 0-based SPI number, level): "hypervisor adds offset 32"
    /// (`gzvm_arch_inject_irq`, `arch/arm64/geniezone/vgic.c` since LKML v6).
    pub(crate) fn irq_line(&self, vm_id: u16, vcpu: u32, spi: u32, level: bool) -> Result {
        let args = [tuple(vm_id, vcpu), u64::from(spi), u64::from(level)];
        self.call(func::IRQ_LINE, &args).map(|_| ())
    }

    /// MEMREGION_PURPOSE(vm_id, gpa, size, flags) (ACK 6.6 `gzvm_arch_memregion_purpose`).
    pub(crate) fn memregion_purpose(&self, vm_id: u16, gpa: u64, size: u64, flags: u32) -> Result {
        let args = [u64::from(vm_id), gpa, size, u64::from(flags)];
        self.call(func::MEMREGION_PURPOSE, &args).map(|_| ())
    }

    /// SET_DTB_CONFIG(vm_id, dtb IPA, dtb size) (ACK 6.6 `gzvm_arch_set_dtb_config`).
    pub(crate) fn set_dtb_config(&self, vm_id: u16, addr: u64, size: u64) -> Result {
        self.call(func::SET_DTB_CONFIG, &[u64::from(vm_id), addr, size])
            .map(|_| ())
    }

    /// MAP_GUEST(vm_id, slot, pfn, gfn, 1) (v13 17/25 `gzvm_arch_map_guest`). The page
    /// stays pinned by its slot until the hypervisor let go (DESTROY_VM, a relinquish, a
    /// released slot).
    pub(crate) fn map_guest(&self, vm_id: u16, slot: u32, page: &PinnedPage, gfn: u64) -> Result {
        let args = [u64::from(vm_id), u64::from(slot), page.pfn(), gfn, 1];
        // SAFETY: The caller keeps `page` pinned until the hypervisor let go of it.
        let r = unsafe { self.raw(func::MAP_GUEST, &args) };
        to_result(r[0])
    }

    /// MAP_GUEST_BLOCK(vm_id, slot, start gfn, pages) with the frame numbers at the start
    /// of the block buffer (v13 17/25 `handle_block_demand_page`, one call per batch).
    ///
    /// # Safety
    ///
    /// The first `n` entries of `buf` are frame numbers of pages that stay pinned until the
    /// hypervisor let go of them, and `buf` is the VM's lent block buffer.
    pub(crate) unsafe fn map_guest_block(
        &self,
        vm_id: u16,
        slot: u32,
        start_gfn: u64,
        n: u64,
    ) -> Result {
        let args = [u64::from(vm_id), u64::from(slot), start_gfn, n];
        // SAFETY: The caller guarantees the frame numbers in the buffer stay pinned.
        let r = unsafe { self.raw(func::MAP_GUEST_BLOCK, &args) };
        to_result(r[0])
    }

    /// Negotiates the Ghaf extensions for a VM: the granted subset of `wanted` (none when
    /// the hypervisor does not know [`GHAF_CAP_EXT`]).
    pub(crate) fn negotiate(&self, vm_id: u16, wanted: u64) -> u64 {
        self.enable_cap(vm_id, GHAF_CAP_EXT, &[wanted])
            .map_or(0, |granted| granted & wanted)
    }

    /// Ghaf extension: asks the hypervisor to unmap slot `slot` and let go of its pages.
    pub(crate) fn release_slot(&self, vm_id: u16, slot: u32) -> Result {
        self.enable_cap(vm_id, GHAF_CAP_RELEASE_SLOT, &[u64::from(slot)])
            .map(|_| ())
    }

    /// gzhyp's test-knob call: x1 = knob, x2 = value (`gzvm/hyp/src/gz/knobs.rs`). It is
    /// not GenieZone's (function 0xf0 is outside upstream's range); GenieZone firmware
    /// answers an error.
    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    pub(crate) fn test_knob(&self, knob: u64, value: u64) -> Result {
        self.call(TEST_KNOB, &[knob, value]).map(|_| ())
    }

    /// gzhyp's held-pages query (test kernels only): fills `buf` with entries (kind in bits
    /// 63:60, frame number below) of the host pages the hypervisor holds, from `cursor` on;
    /// answers how many it wrote and the next cursor (0 when that was all).
    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    pub(crate) fn held_pages(&self, cursor: u64, buf: &HypPages) -> Result<(usize, u64)> {
        let args = [HELD_PAGES_QUERY, cursor, buf.lend()];
        // SAFETY: `buf` outlives the call, during which the hypervisor writes it.
        let r = unsafe { self.raw(TEST_KNOB, &args) };
        buf.reclaim();
        to_result(r[0])?;
        Ok((r[1] as usize, r[2]))
    }
}

#[cfg(CONFIG_GZVM_KUNIT_TEST)]
#[kunit_tests(gzvm_hypercall)]
mod tests {
    use super::*;

    #[test]
    fn status_is_a_c_int() {
        assert_eq!(to_result(0), Ok(()));
        assert_eq!(to_result(0xffff_ffff_ffff_fffb), Err(ENOMEM));
        // A 32-bit status without sign extension decodes the same.
        assert_eq!(to_result(0xffff_fffb), Err(ENOMEM));
        assert_eq!(to_result(0xffff_ffdf), Err(EAGAIN));
        assert_eq!(to_result(0xffff_ffd8), Err(EFAULT));
        assert_eq!(to_result(0xffff_ffe8), Err(EOPNOTSUPP));
        assert_eq!(to_result(0xffff_ffe5), Err(EOPNOTSUPP));
        assert_eq!(to_result(0xffff_fff8), Err(EINVAL));
        assert_eq!(to_result(1), Err(EINVAL));
        // The high half is ignored.
        assert_eq!(to_result(0x1_0000_0000), Ok(()));
    }

    #[test]
    fn ids_and_tuples() {
        assert_eq!(func_id(func::CREATE_VM), 0xfb00_1000);
        assert_eq!(func_id(func::MAP_GUEST_BLOCK), 0xfb00_1012);
        assert_eq!(tuple(3, 1), 0x3_0001);
        assert_eq!(tuple(0xffff, 0x1_0002), 0xffff_0002);
    }
}
