// SPDX-License-Identifier: GPL-2.0

//! debugfs `gzvm-hyp/`: test knobs of gzhyp, the project's GenieZone-ABI test hypervisor
//! (`gzvm/hyp/`), in test kernels (`CONFIG_GZVM_TEST_KNOBS`). A write of a number to a
//! knob's file is forwarded as gzhyp's test-knob hypercall; the knobs mirror the
//! simulator's (`gzvm-sim/`), so the same selftests drive either:
//!
//! - `paging`: demand paging the hypervisor grants (0 none, 1 4 KiB, 2 2 MiB blocks);
//! - `extensions`: the Ghaf extensions it offers;
//! - `destroy_busy`, `destroy_fail`, `vcpu_destroy_fail`: DESTROY_VM answers ERR_BUSY,
//!   DESTROY_VM and DESTROY_VCPU fail, that many times.

#[cfg(not(CONFIG_GZVM_TEST_KNOBS))]
use kernel::prelude::*;

#[cfg(CONFIG_GZVM_TEST_KNOBS)]
mod imp {
    use kernel::{
        debugfs::{Dir, File},
        prelude::*,
        sync::Arc,
        uaccess::UserSliceReader,
    };

    use crate::hypercall::Hyp;

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
        _dir: Dir,
    }

    impl KnobsFs {
        pub(crate) fn new(hyp: Arc<Hyp>) -> impl PinInit<Self, Error> {
            let dir = Dir::new(c"gzvm-hyp");
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
