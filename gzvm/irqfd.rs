// SPDX-License-Identifier: GPL-2.0

//! `GZVM_IRQFD`: eventfds that raise an SPI when userspace (or another driver) signals
//! them.
//!
//! As upstream (v13 10/25 `irqfd_wakeup`), a signal raises the line from the eventfd's
//! wake-up itself, in atomic context, with IRQ_LINE level 1; the line is never lowered by a
//! signal, so one signal is one interrupt whatever trigger mode the guest configured (each
//! level-1 call makes an edge-triggered SPI pending; a level-triggered line stays high until
//! the guest deactivates it, see [`crate::irq`]). The hook is an exclusive priority waiter,
//! as KVM's (`virt/kvm/eventfd.c`), so an eventfd feeds at most one irqfd in any VM.
//!
//! An event pending when the irqfd is assigned is injected. When the eventfd is released
//! (EPOLLHUP) the irqfd is torn down at the next loop pass or assignment. Deassigning
//! removes every irqfd of that eventfd on that line and returns 0 even if there was none,
//! as KVM does. The same eventfd on two irqfds is `EBUSY`, checked before hooking so that
//! the existing irqfd never loses an event to the refused one.

use kernel::{
    eventfd::{EventFd, EventHandler, EventWatch},
    pr_warn_once,
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Release},
        Arc,
    },
};

use crate::{
    hypercall::Hyp,
    irq::{IrqChip, Line, Wake, MAX_SPI},
    uapi::{self, GZVM_IRQFD_FLAG_DEASSIGN, GZVM_IRQFD_FLAG_RESAMPLE},
};

/// Most irqfds per VM (bounds the memory one VM fd can pin).
pub(crate) const MAX_IRQFDS: usize = 1024;

/// What the eventfd's wake-up sees.
pub(crate) struct Handler {
    wake: Arc<Wake>,
    hyp: Arc<Hyp>,
    vm_id: u16,
    line: Line,
    /// The eventfd was released.
    hangup: Atomic<bool>,
}

impl EventHandler for Handler {
    fn event(&self, count: u64, hangup: bool) {
        if count != 0 {
            // IRQ_LINE is a fast call: it may be made here, in the wake-up's atomic context.
            if let Err(e) = self
                .hyp
                .irq_line(self.vm_id, self.line.vcpu, self.line.spi, true)
            {
                pr_warn_once!(
                    "irqfd on SPI {} cannot be injected ({:?})\n",
                    self.line.spi,
                    e
                );
            }
            self.wake.doorbell.ring();
        }
        if hangup {
            self.hangup.store(true, Release);
            self.wake.kick();
        }
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
        let eventfd = EventFd::from_fd(r.fd)?;
        if r.flags & GZVM_IRQFD_FLAG_DEASSIGN != 0 {
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
        let line = Line::spi(r.gsi)?;
        let handler = Handler {
            wake: self.wake.clone(),
            hyp: self.hyp.clone(),
            vm_id: self.vm_id,
            line,
            hangup: Atomic::new(false),
        };
        let mut irqfds = self.irqfds.lock();
        irqfds.retain(|f| !f.watch.handler().hangup.load(Acquire));
        // Before hooking: a second hook on the same eventfd would consume events meant for
        // the first one.
        if irqfds.iter().any(|f| f.watch.eventfd().same(&eventfd)) {
            return Err(EBUSY);
        }
        if irqfds.len() >= MAX_IRQFDS {
            return Err(ENOSPC);
        }
        irqfds.reserve(1, GFP_KERNEL_ACCOUNT)?;
        // `EBUSY` if another VM's irqfd holds the eventfd.
        let (watch, signalled) = EventWatch::new(r.fd, handler)?;
        if signalled {
            watch.handler().event(1, false);
        }
        irqfds
            .push_within_capacity(Irqfd {
                watch,
                gsi: r.gsi,
                resample,
            })
            .map_err(|_| ENOMEM)?;
        Ok(())
    }

    /// Drops the irqfds whose eventfd was released. Called by vCPU threads before entering
    /// the guest.
    pub(crate) fn service(&self) {
        if !self.wake.dirty.xchg(false, Acquire) {
            return;
        }
        self.irqfds
            .lock()
            .retain(|f| !f.watch.handler().hangup.load(Acquire));
    }
}

#[cfg(CONFIG_GZVM_KUNIT_TEST)]
#[kunit_tests(gzvm_irqfd)]
mod tests {
    use super::*;

    fn req(gsi: u32, flags: u32) -> uapi::Irqfd {
        uapi::Irqfd(kernel::uapi::gzvm_irqfd {
            fd: 3,
            gsi,
            flags,
            resamplefd: 4,
            pad: [0; 16],
        })
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
