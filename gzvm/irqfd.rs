// SPDX-License-Identifier: GPL-2.0

//! `GZVM_IRQFD`: eventfds that raise an SPI when userspace (or another driver) signals
//! them.
//!
//! The eventfd's wake-up runs in atomic context, where no hypercall can be made (the
//! simulator sleeps, and the real `hvc` path needs the VM's locks), so it only marks the
//! irqfd and rings the VM's doorbell. The next vCPU loop pass (every vCPU thread checks
//! before entering the guest, and idle vCPUs are woken by the doorbell) injects it:
//!
//! - an edge irqfd (flags 0) pulses the line: raise, then lower, as KVM does;
//! - a level irqfd (`GZVM_IRQFD_FLAG_RESAMPLE`) raises the line and leaves it high until
//!   the guest deactivates the interrupt; then the line is lowered and the resamplefd
//!   signalled (see [`crate::irq`]).
//!
//! An event pending when the irqfd is assigned is injected. When the eventfd is released
//! (EPOLLHUP) the irqfd is torn down at the next loop pass or assignment. Deassigning
//! removes every irqfd of that eventfd on that line and returns 0 even if there was none,
//! as KVM does. The same eventfd on two irqfds is `EBUSY`.

use kernel::{
    eventfd::{EventFd, EventHandler, EventWatch},
    pr_warn_once,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
};

use crate::{
    irq::{IrqChip, Line, Wake, MAX_SPI},
    uapi::{self, GZVM_IRQFD_FLAG_DEASSIGN, GZVM_IRQFD_FLAG_RESAMPLE},
};

/// Most irqfds per VM (bounds the memory one VM fd can pin).
pub(crate) const MAX_IRQFDS: usize = 1024;

/// What the eventfd's wake-up sees.
pub(crate) struct Handler {
    wake: Arc<Wake>,
    /// Signalled and not injected yet.
    pending: Atomic<bool>,
    /// The eventfd was released.
    hangup: Atomic<bool>,
}

impl EventHandler for Handler {
    fn event(&self, count: u64, hangup: bool) {
        if count != 0 {
            self.pending.store(true, Relaxed);
        }
        if hangup {
            self.hangup.store(true, Relaxed);
        }
        self.wake.kick();
    }
}

/// One irqfd.
pub(crate) struct Irqfd {
    watch: EventWatch<Handler>,
    gsi: u32,
    resample: Option<EventFd>,
}

impl Irqfd {
    pub(crate) fn gsi(&self) -> u32 {
        self.gsi
    }

    pub(crate) fn resamplefd(&self) -> Option<&EventFd> {
        self.resample.as_ref()
    }
}

/// Checks the request (pure; see the KUnit tests).
pub(crate) fn validate(r: &uapi::Irqfd) -> Result {
    let known = GZVM_IRQFD_FLAG_DEASSIGN | GZVM_IRQFD_FLAG_RESAMPLE;
    if r.flags & !known != 0 || r.pad != [0; 16] || r.gsi > MAX_SPI {
        return Err(EINVAL);
    }
    if r.flags & GZVM_IRQFD_FLAG_DEASSIGN != 0 && r.flags & GZVM_IRQFD_FLAG_RESAMPLE != 0 {
        return Err(EINVAL);
    }
    Ok(())
}

impl IrqChip {
    /// `GZVM_IRQFD`.
    pub(crate) fn irqfd(&self, r: &uapi::Irqfd) -> Result {
        validate(r)?;
        if r.flags & GZVM_IRQFD_FLAG_DEASSIGN != 0 {
            let eventfd = EventFd::from_fd(r.fd)?;
            self.irqfds
                .lock()
                .retain(|f| !(f.gsi == r.gsi && f.watch.eventfd().same(&eventfd)));
            return Ok(());
        }
        let resample = if r.flags & GZVM_IRQFD_FLAG_RESAMPLE != 0 {
            Some(EventFd::from_fd(r.resamplefd)?)
        } else {
            None
        };
        let handler = Handler {
            wake: self.wake.clone(),
            pending: Atomic::new(false),
            hangup: Atomic::new(false),
        };
        let (watch, signalled) = EventWatch::new(r.fd, handler)?;
        let mut irqfds = self.irqfds.lock();
        irqfds.retain(|f| !f.watch.handler().hangup.load(Relaxed));
        if irqfds
            .iter()
            .any(|f| f.watch.eventfd().same(watch.eventfd()))
        {
            return Err(EBUSY);
        }
        if irqfds.len() >= MAX_IRQFDS {
            return Err(ENOSPC);
        }
        if signalled {
            watch.handler().pending.store(true, Relaxed);
            self.wake.kick();
        }
        irqfds.push(
            Irqfd {
                watch,
                gsi: r.gsi,
                resample,
            },
            GFP_KERNEL,
        )?;
        Ok(())
    }

    /// Injects what irqfds were signalled with and drops those whose eventfd was
    /// released. Called by vCPU threads before entering the guest.
    pub(crate) fn service(&self) {
        if !self.wake.dirty.xchg(false, Relaxed) {
            return;
        }
        let mut irqfds = self.irqfds.lock();
        irqfds.retain(|f| !f.watch.handler().hangup.load(Relaxed));
        for f in irqfds.iter() {
            if !f.watch.handler().pending.xchg(false, Relaxed) {
                continue;
            }
            // A line the hypervisor does not implement must not stop the vCPU: the
            // event is dropped and reported once.
            if let Err(e) = self.inject(f) {
                pr_warn_once!("irqfd on SPI {} cannot be injected ({:?})\n", f.gsi, e);
            }
        }
    }

    fn inject(&self, f: &Irqfd) -> Result {
        let line = Line::spi(f.gsi)?;
        self.set_line(line, true)?;
        if f.resample.is_none() {
            self.set_line(line, false)?;
        }
        Ok(())
    }
}

#[kunit_tests(gzvm_irqfd)]
mod tests {
    use super::*;

    fn req(gsi: u32, flags: u32) -> uapi::Irqfd {
        uapi::Irqfd {
            fd: 3,
            gsi,
            flags,
            resamplefd: 4,
            pad: [0; 16],
        }
    }

    #[test]
    fn flags_and_gsi() {
        assert_eq!(validate(&req(0, 0)), Ok(()));
        assert_eq!(validate(&req(MAX_SPI, GZVM_IRQFD_FLAG_RESAMPLE)), Ok(()));
        assert_eq!(validate(&req(5, GZVM_IRQFD_FLAG_DEASSIGN)), Ok(()));
        assert_eq!(validate(&req(MAX_SPI + 1, 0)), Err(EINVAL));
        assert_eq!(validate(&req(0, 1 << 2)), Err(EINVAL));
        assert_eq!(
            validate(&req(0, GZVM_IRQFD_FLAG_DEASSIGN | GZVM_IRQFD_FLAG_RESAMPLE)),
            Err(EINVAL)
        );
        let mut r = req(0, 0);
        r.pad[15] = 1;
        assert_eq!(validate(&r), Err(EINVAL));
    }
}
