// SPDX-License-Identifier: GPL-2.0

//! The hypercall trace: every call the driver makes to the hypervisor, with its function
//! id, x1..x7 and the returned x0..x3, in a bounded ring read from debugfs.
//!
//! - `gzvm/hypercall_trace`: write `1` to start recording, `0` to stop, `clear` to empty
//!   the ring; reads back `1` or `0`. Off by default.
//! - `gzvm/hypercalls`: one line per recorded call, oldest first:
//!   `fid=0x<id> a=0x<x1>,...,0x<x7> r=0x<x0>,0x<x1>,0x<x2>,0x<x3>`. Reading does not clear.
//!
//! - `gzvm/hvc_time` (test kernels, `CONFIG_GZVM_TEST_KNOBS`): the benchmark switch. Write
//!   `1` to time every hypercall with the virtual counter (`CNTVCT_EL0`) around the `hvc`,
//!   `0` to stop, `clear` to zero the sums; reads back `on=<0|1> calls=<n> ticks=<sum>
//!   freq=<CNTFRQ_EL0>`, then the same sums for the driver's side of `GZVM_RUN` (`run
//!   calls=<n> ticks=<sum>`: the ioctl from entry to return), for its exit handling
//!   (`exit ...`) and for its way from entry to the first `hvc` (`entry ...`), for
//!   profiling. Off by default; when off it costs one relaxed load per
//!   call, and kernels without the test knobs do not have it at all.
//!
//! It is meant for people bringing the driver up on a board (like KVM's tracepoints) and
//! for tests that check the exact words the driver sends. Calls may be made in atomic
//! context (irqfd injection), so the ring is behind an IRQ-safe spinlock and its memory is
//! allocated up front; when it is full the oldest record is overwritten.

use kernel::{
    debugfs::{Dir, File},
    fmt, new_spinlock_irq,
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Release},
        Arc, SpinLockIrq,
    },
    uaccess::UserSliceReader,
};

#[cfg(CONFIG_GZVM_TEST_KNOBS)]
use kernel::sync::atomic::Relaxed;

/// Records the ring holds (96 bytes each).
pub(crate) const TRACE_RECORDS: usize = 1024;

/// One hypercall: x0..x7 as sent, x0..x3 as returned.
#[derive(Clone, Copy, Default)]
pub(crate) struct Record {
    pub(crate) args: [u64; 8],
    pub(crate) ret: [u64; 4],
}

struct Ring {
    recs: KVVec<Record>,
    /// Index of the next record to write.
    next: usize,
    /// Records held (at most `TRACE_RECORDS`).
    len: usize,
}

/// The trace of one hypervisor handle.
#[pin_data]
pub(crate) struct Trace {
    on: Atomic<bool>,
    #[pin]
    ring: SpinLockIrq<Ring>,
    /// Hypercall timing for benchmarks (see the module documentation).
    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    timing: Atomic<bool>,
    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    timed_calls: [Atomic<u64>; BUCKETS],
    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    timed_ticks: [Atomic<u64>; BUCKETS],
}

/// What benchmark time is accounted to (`gzvm/hvc_time`).
#[derive(Clone, Copy)]
pub(crate) enum Bucket {
    /// Inside the `hvc` instruction (timed only with `CONFIG_GZVM_TEST_KNOBS`).
    #[cfg_attr(not(CONFIG_GZVM_TEST_KNOBS), expect(dead_code))]
    Hvc = 0,
    /// The driver's `GZVM_RUN`, entry to return.
    Run = 1,
    /// Exit handling in the run loop.
    Exit = 2,
    /// The driver's `GZVM_RUN` from entry to its first `hvc`.
    Entry = 3,
}

#[cfg(CONFIG_GZVM_TEST_KNOBS)]
const BUCKETS: usize = 4;

impl Trace {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let recs = KVVec::from_elem(Record::default(), TRACE_RECORDS, GFP_KERNEL)?;
        Arc::pin_init(
            pin_init!(Trace {
                on: Atomic::new(false),
                ring <- new_spinlock_irq!(Ring { recs, next: 0, len: 0 }, "gzvm_trace"),
                #[cfg(CONFIG_GZVM_TEST_KNOBS)]
                timing: Atomic::new(false),
                #[cfg(CONFIG_GZVM_TEST_KNOBS)]
                timed_calls: [const { Atomic::new(0) }; BUCKETS],
                #[cfg(CONFIG_GZVM_TEST_KNOBS)]
                timed_ticks: [const { Atomic::new(0) }; BUCKETS],
            }),
            GFP_KERNEL,
        )
    }

    /// Records one call if recording is on. May be called in atomic context.
    pub(crate) fn record(&self, args: &[u64; 8], ret: &[u64; 4]) {
        if !self.on.load(Acquire) {
            return;
        }
        let mut r = self.ring.lock();
        let i = r.next;
        if let Some(slot) = r.recs.get_mut(i) {
            *slot = Record {
                args: *args,
                ret: *ret,
            };
        }
        r.next = (i + 1) % TRACE_RECORDS;
        r.len = core::cmp::min(r.len + 1, TRACE_RECORDS);
    }

    /// Starts timing if the benchmark switch is on: the counter, else `None`.
    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    pub(crate) fn stamp(&self) -> Option<u64> {
        self.timing.load(Relaxed).then(kernel::arch_timer::counter)
    }

    /// Accounts the time since `start` (from [`Trace::stamp`]) to `bucket`.
    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    pub(crate) fn account(&self, bucket: Bucket, start: Option<u64>) {
        let b = bucket as usize;
        if let (Some(t0), Some(calls), Some(ticks)) =
            (start, self.timed_calls.get(b), self.timed_ticks.get(b))
        {
            ticks.fetch_add(kernel::arch_timer::counter().wrapping_sub(t0), Relaxed);
            calls.fetch_add(1, Relaxed);
        }
    }

    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    fn set_timing(&self, cmd: &str) -> Result {
        match cmd {
            "1" => self.timing.store(true, Relaxed),
            "0" => self.timing.store(false, Relaxed),
            "clear" => {
                for (calls, ticks) in self.timed_calls.iter().zip(self.timed_ticks.iter()) {
                    calls.store(0, Relaxed);
                    ticks.store(0, Relaxed);
                }
            }
            _ => return Err(EINVAL),
        }
        Ok(())
    }

    fn set(&self, cmd: &str) -> Result {
        match cmd {
            "1" => self.on.store(true, Release),
            "0" => self.on.store(false, Release),
            "clear" => {
                let mut r = self.ring.lock();
                r.next = 0;
                r.len = 0;
            }
            _ => return Err(EINVAL),
        }
        Ok(())
    }

    /// The records, oldest first (copied out so that formatting runs unlocked).
    fn snapshot(&self) -> Result<KVVec<Record>> {
        let mut out = KVVec::with_capacity(TRACE_RECORDS, GFP_KERNEL)?;
        let r = self.ring.lock();
        let first = (r.next + TRACE_RECORDS - r.len) % TRACE_RECORDS;
        for k in 0..r.len {
            if let Some(rec) = r.recs.get((first + k) % TRACE_RECORDS) {
                // Cannot fail: the capacity was reserved above.
                out.push(*rec, GFP_ATOMIC)?;
            }
        }
        Ok(out)
    }
}

fn show_state(t: &Arc<Trace>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{}", u8::from(t.on.load(Acquire)))
}

/// Reads a short command (at most 8 bytes) written to a debugfs file.
fn read_cmd<'a>(buf: &'a mut [u8; 8], reader: &mut UserSliceReader) -> Result<&'a str> {
    let n = reader.len();
    if n > buf.len() {
        return Err(EINVAL);
    }
    reader.read_slice(&mut buf[..n])?;
    core::str::from_utf8(&buf[..n])
        .map(str::trim)
        .map_err(|_| EINVAL)
}

fn write_state(t: &Arc<Trace>, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 8];
    t.set(read_cmd(&mut buf, reader)?)
}

#[cfg(CONFIG_GZVM_TEST_KNOBS)]
fn show_timing(t: &Arc<Trace>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sums = |b: Bucket| {
        let b = b as usize;
        let load = |a: Option<&Atomic<u64>>| a.map_or(0, |a| a.load(Relaxed));
        (load(t.timed_calls.get(b)), load(t.timed_ticks.get(b)))
    };
    let (calls, ticks) = sums(Bucket::Hvc);
    writeln!(
        f,
        "on={} calls={calls} ticks={ticks} freq={}",
        u8::from(t.timing.load(Relaxed)),
        u64::from(kernel::arch_timer::rate())
    )?;
    for (name, b) in [
        ("run", Bucket::Run),
        ("exit", Bucket::Exit),
        ("entry", Bucket::Entry),
    ] {
        let (calls, ticks) = sums(b);
        writeln!(f, "{name} calls={calls} ticks={ticks}")?;
    }
    Ok(())
}

#[cfg(CONFIG_GZVM_TEST_KNOBS)]
fn write_timing(t: &Arc<Trace>, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 8];
    t.set_timing(read_cmd(&mut buf, reader)?)
}

fn show_records(t: &Arc<Trace>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let recs = t.snapshot().map_err(|_| fmt::Error)?;
    for r in recs.iter() {
        let [f0, a1, a2, a3, a4, a5, a6, a7] = r.args;
        let [r0, r1, r2, r3] = r.ret;
        writeln!(
            f,
            "fid={f0:#x} a={a1:#x},{a2:#x},{a3:#x},{a4:#x},{a5:#x},{a6:#x},{a7:#x} \
             r={r0:#x},{r1:#x},{r2:#x},{r3:#x}"
        )?;
    }
    Ok(())
}

/// The debugfs directory `gzvm/` and its trace files; removed when dropped.
#[pin_data]
pub(crate) struct TraceFs {
    #[pin]
    ctl: File<Arc<Trace>>,
    #[pin]
    log: File<Arc<Trace>>,
    #[cfg(CONFIG_GZVM_TEST_KNOBS)]
    #[pin]
    timing: File<Arc<Trace>>,
    dir: Dir,
}

impl TraceFs {
    pub(crate) fn new(trace: Arc<Trace>) -> impl PinInit<Self, Error> {
        let dir = Dir::new(c"gzvm");
        try_pin_init!(TraceFs {
            ctl <- dir.read_write_callback_file(
                c"hypercall_trace",
                trace.clone(),
                &show_state,
                &write_state,
            ),
            #[cfg(CONFIG_GZVM_TEST_KNOBS)]
            timing <- dir.read_write_callback_file(
                c"hvc_time",
                trace.clone(),
                &show_timing,
                &write_timing,
            ),
            log <- dir.read_callback_file(c"hypercalls", trace, &show_records),
            dir,
        }? Error)
    }
}
