// SPDX-License-Identifier: GPL-2.0

//! debugfs `gzvm-hyp/`: test knobs of gzhyp, the project's GenieZone-ABI test hypervisor
//! (`gzvm/hyp/`), in test kernels (`CONFIG_GZVM_TEST_KNOBS`). A write of a number to a
//! knob's file is forwarded as gzhyp's test-knob hypercall:
//!
//! - `paging`: demand paging the hypervisor grants (0 none, 1 4 KiB, 2 2 MiB blocks);
//! - `extensions`: the Ghaf extensions it offers;
//! - `destroy_busy`, `destroy_fail`, `vcpu_destroy_fail`: DESTROY_VM answers ERR_BUSY,
//!   DESTROY_VM and DESTROY_VCPU fail, that many times;
//! - `fake_held`: an entry the held-pages query reports first (0 none), to test the audit;
//! - `violations` (read-only): audits the host pages gzhyp holds (see [`imp::audit`]) and
//!   shows how many the kernel no longer backs; `-errno` if the audit could not run.

#[cfg(not(CONFIG_GZVM_TEST_KNOBS))]
use kernel::prelude::*;

#[cfg(CONFIG_GZVM_TEST_KNOBS)]
mod imp {
    use kernel::{
        debugfs::{Dir, File},
        fmt,
        page::BorrowedPage,
        pr_err_once,
        prelude::*,
        sync::Arc,
        uaccess::UserSliceReader,
    };

    use crate::{hypercall::Hyp, hypmem::HypPages};

    /// Held-pages entry kinds (gzhyp's `knobs::HELD_KERNEL`, `knobs::HELD_GUEST`).
    const HELD_KERNEL: u64 = 1;
    const HELD_GUEST: u64 = 2;
    /// Entries in one held-pages answer (one 4 KiB page of `u64`s).
    const HELD_PER_CALL: usize = 512;

    /// Asks gzhyp which host pages it holds and counts those the kernel no longer backs: a
    /// kernel page the driver lent that was freed (reference count 0), a guest page no
    /// longer pinned. What is held comes from the hypervisor's state, built only from the
    /// calls it received; whether a page is backed comes from the page allocator. So the
    /// audit relies on neither the driver's own books nor its assumptions.
    pub(crate) fn audit(hyp: &Hyp) -> Result<u64> {
        let buf = HypPages::new(0)?;
        let page = buf.page(0).ok_or(ENOMEM)?;
        let (mut cursor, mut bad) = (0, 0);
        loop {
            let (n, next) = hyp.held_pages(cursor, &buf)?;
            for i in 0..n.min(HELD_PER_CALL) {
                let e = page.read(8 * i, 8)?;
                let (kind, pfn) = (e >> 60, e & ((1 << 60) - 1));
                // SAFETY: Only the page descriptor is read (reference and pin counts); it
                // exists whether or not the page is allocated.
                let backed = match unsafe { BorrowedPage::from_pfn(pfn) } {
                    Some(p) if kind == HELD_KERNEL => p.ref_count() > 0,
                    Some(p) if kind == HELD_GUEST => p.maybe_dma_pinned(),
                    _ => false,
                };
                if !backed {
                    bad += 1;
                    pr_err_once!(
                        "gzvm: gzhyp holds page {pfn:#x} (kind {kind}), no longer backed\n"
                    );
                }
            }
            if next == 0 {
                return Ok(bad);
            }
            cursor = next;
        }
    }

    fn show_violations(hyp: &Arc<Hyp>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match audit(hyp) {
            Ok(n) => writeln!(f, "{n}"),
            Err(e) => writeln!(f, "{}", e.to_errno()),
        }
    }

    /// One knob: the hypervisor and the knob's number in the test-knob call.
    pub(crate) struct Knob {
        hyp: Arc<Hyp>,
        id: u64,
    }

    fn write(k: &Knob, reader: &mut UserSliceReader) -> Result {
        let mut buf = [0u8; 24];
        let n = reader.len();
        if n > buf.len() {
            return Err(EINVAL);
        }
        reader.read_slice(&mut buf[..n])?;
        let s = core::str::from_utf8(&buf[..n]).map_err(|_| EINVAL)?;
        let v: u64 = s.trim().parse().map_err(|_| EINVAL)?;
        k.hyp.test_knob(k.id, v)
    }

    /// The knob files; removed when dropped.
    #[pin_data]
    pub(crate) struct KnobsFs {
        #[pin]
        paging: File<Knob>,
        #[pin]
        extensions: File<Knob>,
        #[pin]
        destroy_busy: File<Knob>,
        #[pin]
        destroy_fail: File<Knob>,
        #[pin]
        vcpu_destroy_fail: File<Knob>,
        #[pin]
        fake_held: File<Knob>,
        #[pin]
        violations: File<Arc<Hyp>>,
        _dir: Dir,
    }

    impl KnobsFs {
        pub(crate) fn new(hyp: Arc<Hyp>) -> impl PinInit<Self, Error> {
            let dir = Dir::new(c"gzvm-hyp");
            let audited = hyp.clone();
            let k = move |id| Knob {
                hyp: hyp.clone(),
                id,
            };
            try_pin_init!(KnobsFs {
                paging <- dir.write_callback_file(c"paging", k(0), &write),
                extensions <- dir.write_callback_file(c"extensions", k(1), &write),
                destroy_busy <- dir.write_callback_file(c"destroy_busy", k(2), &write),
                destroy_fail <- dir.write_callback_file(c"destroy_fail", k(3), &write),
                vcpu_destroy_fail <- dir.write_callback_file(c"vcpu_destroy_fail", k(4), &write),
                fake_held <- dir.write_callback_file(c"fake_held", k(6), &write),
                violations <- dir.read_callback_file(c"violations", audited, &show_violations),
                _dir: dir,
            }? Error)
        }
    }
}

#[cfg(CONFIG_GZVM_TEST_KNOBS)]
pub(crate) use imp::KnobsFs;

/// Without `CONFIG_GZVM_TEST_KNOBS`: nothing.
#[cfg(not(CONFIG_GZVM_TEST_KNOBS))]
#[pin_data]
pub(crate) struct KnobsFs {}

#[cfg(not(CONFIG_GZVM_TEST_KNOBS))]
impl KnobsFs {
    pub(crate) fn new(_hyp: kernel::sync::Arc<crate::hypercall::Hyp>) -> impl PinInit<Self, Error> {
        try_pin_init!(KnobsFs {}? Error)
    }
}
