// SPDX-License-Identifier: GPL-2.0

//! Interrupt injection: `GZVM_IRQ_LINE`, the doorbell idle vCPUs sleep on, and the
//! per-VM interrupt state that irqfds and EOI reports act on.
//!
//! The vGIC itself is the hypervisor's; the driver only raises and lowers SPIs with the
//! IRQ_LINE call, whose number is 0-based ("hypervisor adds offset 32", upstream
//! `gzvm_arch_inject_irq`). Every injection rings the VM's [`Doorbell`], which wakes vCPUs
//! that are blocked in the kernel after an IDLE exit (a guest in WFI), so they re-enter the
//! guest and the hypervisor can deliver the interrupt (upstream v13 23/25 wakes every vCPU
//! on every injection too).
//!
//! With the Ghaf `EOI_REPORT` extension the hypervisor reports, on an IRQ exit, the
//! level-triggered SPIs the guest deactivated: invalid list registers with the EOI bit set
//! in the hardware-state page. The driver then lowers each such line that an irqfd raised
//! and signals the line's resamplefds, so the device model re-raises it if the device still
//! needs service. Without the extension, irqfds only ever raise their line and resamplefds
//! are never signalled, as upstream (v6 and later) does.

use kernel::{
    new_condvar, new_mutex, new_spinlock_irq,
    prelude::*,
    sync::{
        atomic::{Atomic, Release},
        Arc, CondVar, Mutex, SpinLockIrq,
    },
};

use crate::{hypercall::Hyp, ioeventfd::IoEventFd, irqfd::Irqfd, uapi};

/// Highest SPI number (0-based): GICv3 ids 32..1019.
pub(crate) const MAX_SPI: u32 = 1019 - 32;

/// Where a `GZVM_IRQ_LINE` goes: the vCPU index of the hypercall tuple and the SPI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) vcpu: u32,
    /// 0-based SPI number (interrupt id 32 + `spi`).
    pub(crate) spi: u32,
}

impl Line {
    /// SPI `gsi` (0-based), as an irqfd raises it (vCPU index 0, upstream `irqfd_set_irq`).
    pub(crate) fn spi(gsi: u32) -> Result<Self> {
        if gsi > MAX_SPI {
            return Err(EINVAL);
        }
        Ok(Self { vcpu: 0, spi: gsi })
    }

    /// Decodes the `irq` word of `GZVM_IRQ_LINE`: type in bits 27:24, vCPU index in 23:16
    /// plus 256 times bits 31:28, number in 15:0.
    ///
    /// GenieZone injects only SPIs: upstream passes the number as a 0-based SPI whatever the
    /// type says, and the vCPU index in the call's tuple (ACK 6.6
    /// `gzvm_vm_ioctl_irq_line`). Type 0 ("CPU", what crosvm passes for its GSIs) and SPI
    /// are accepted; PPIs and unknown types, which the hypervisor cannot inject, are
    /// `EINVAL` rather than silently becoming an SPI.
    pub(crate) fn decode(irq: u32) -> Result<Self> {
        let ty = (irq >> 24) & 0xf;
        let vcpu = ((irq >> 16) & 0xff) + ((irq >> 28) & 0xf) * 256;
        let num = irq & 0xffff;
        match ty {
            uapi::GZVM_IRQ_TYPE_CPU | uapi::GZVM_IRQ_TYPE_SPI if num <= MAX_SPI => {
                Ok(Self { vcpu, spi: num })
            }
            // The hypervisor cannot inject a PPI.
            uapi::GZVM_IRQ_TYPE_PPI => Err(EINVAL),
            _ => Err(EINVAL),
        }
    }
}

/// What idle vCPUs sleep on: a counter bumped by every event that may make an interrupt
/// pending (injection, irqfd signal, IPI exit, a vCPU's virtual timer).
///
/// A vCPU takes a [`Doorbell::stamp`] before entering the guest and, on an IDLE exit,
/// sleeps until the counter moves past it, so an event that races with the exit is never
/// missed. [`Doorbell::ring`] may be called in atomic context (eventfd wake-ups).
#[pin_data]
pub(crate) struct Doorbell {
    #[pin]
    seq: SpinLockIrq<u64>,
    #[pin]
    cv: CondVar,
}

impl Doorbell {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Doorbell {
            seq <- new_spinlock_irq!(0, "gzvm_doorbell"),
            cv <- new_condvar!("gzvm_doorbell"),
        })
    }

    /// Wakes every sleeper.
    pub(crate) fn ring(&self) {
        *self.seq.lock() += 1;
        self.cv.notify_all();
    }

    /// The current count, to wait on.
    pub(crate) fn stamp(&self) -> u64 {
        *self.seq.lock()
    }

    /// Sleeps until the doorbell rang after `stamp` or a signal is pending.
    pub(crate) fn wait(&self, stamp: u64) {
        let mut seq = self.seq.lock();
        while *seq == stamp {
            if self.cv.wait_interruptible(&mut seq) {
                return;
            }
        }
    }
}

/// State irqfd wake-ups touch (from atomic context): the doorbell and a "some irqfd hung
/// up" flag. Shared with each irqfd, so there is no reference cycle with the VM.
#[pin_data]
pub(crate) struct Wake {
    /// An irqfd hung up and the next vCPU loop must drop it. Set with Release after the
    /// irqfd's own flag, taken with Acquire before reading those.
    pub(crate) dirty: Atomic<bool>,
    #[pin]
    pub(crate) doorbell: Doorbell,
}

impl Wake {
    /// Records an irqfd hang-up and wakes the vCPUs, one of which services it.
    pub(crate) fn kick(&self) {
        self.dirty.store(true, Release);
        self.doorbell.ring();
    }
}

/// A VM's interrupt and eventfd state.
///
/// Lock order: `irqfds` -> the hypervisor; `ioeventfds` on its own. Neither is ever taken
/// from an eventfd wake-up.
#[pin_data]
pub(crate) struct IrqChip {
    pub(crate) hyp: Arc<Hyp>,
    pub(crate) vm_id: u16,
    /// The Ghaf extensions granted to the VM.
    pub(crate) ext: u64,
    pub(crate) wake: Arc<Wake>,
    #[pin]
    pub(crate) irqfds: Mutex<KVec<Irqfd>>,
    #[pin]
    pub(crate) ioeventfds: Mutex<KVec<IoEventFd>>,
    /// Whether `ioeventfds` may be non-empty (set under its lock; a guest MMIO write
    /// skips the lock when it is clear: most VMs register none, and the lock is the
    /// largest part of an MMIO exit's cost in the kernel).
    pub(crate) any_ioeventfd: Atomic<bool>,
}

impl IrqChip {
    pub(crate) fn new(hyp: Arc<Hyp>, vm_id: u16, ext: u64) -> Result<impl PinInit<Self, Error>> {
        let wake = Arc::pin_init(
            pin_init!(Wake {
                dirty: Atomic::new(false),
                doorbell <- Doorbell::new(),
            }),
            GFP_KERNEL,
        )?;
        Ok(try_pin_init!(IrqChip {
            hyp,
            vm_id,
            ext,
            wake,
            irqfds <- new_mutex!(KVec::new(), "gzvm_irqfds"),
            ioeventfds <- new_mutex!(KVec::new(), "gzvm_ioeventfds"),
            any_ioeventfd: Atomic::new(false),
        }))
    }

    /// Raises or lowers `line` and wakes idle vCPUs.
    pub(crate) fn set_line(&self, line: Line, level: bool) -> Result {
        self.hyp.irq_line(self.vm_id, line.vcpu, line.spi, level)?;
        self.wake.doorbell.ring();
        Ok(())
    }

    /// EOI report (Ghaf extension): the guest deactivated SPI `gsi`, a level-triggered
    /// line. If irqfds raised it, lower it (they only ever raise) and signal the
    /// resamplefds among them.
    pub(crate) fn eoi(&self, gsi: u32) -> Result {
        let irqfds = self.irqfds.lock();
        let mut lowered = false;
        for f in irqfds.iter().filter(|f| f.gsi() == gsi) {
            if !lowered {
                self.set_line(Line::spi(gsi)?, false)?;
                lowered = true;
            }
            if let Some(resample) = f.resamplefd() {
                resample.signal();
            }
        }
        Ok(())
    }
}

#[cfg(CONFIG_GZVM_KUNIT_TEST)]
#[kunit_tests(gzvm_irq_line)]
mod tests {
    use super::*;

    const fn word(ty: u32, vcpu: u32, num: u32) -> u32 {
        ((vcpu / 256) << 28) | (ty << 24) | ((vcpu % 256) << 16) | num
    }

    #[test]
    fn spis() {
        // crosvm: the raw GSI, type and vCPU 0.
        assert_eq!(Line::decode(5), Ok(Line { vcpu: 0, spi: 5 }));
        assert_eq!(
            Line::decode(word(1, 0, 987)),
            Ok(Line { vcpu: 0, spi: 987 })
        );
        // The vCPU index goes into the tuple, as upstream sends it.
        assert_eq!(Line::decode(word(1, 3, 7)), Ok(Line { vcpu: 3, spi: 7 }));
        assert_eq!(
            Line::decode(word(0, 257, 7)),
            Ok(Line { vcpu: 257, spi: 7 })
        );
        assert_eq!(Line::decode(word(1, 0, 988)), Err(EINVAL));
    }

    #[test]
    fn ppis_and_bad_types() {
        // GenieZone injects SPIs only.
        assert_eq!(Line::decode(word(2, 1, 27)), Err(EINVAL));
        assert_eq!(Line::decode(word(3, 0, 40)), Err(EINVAL));
        assert_eq!(Line::decode(word(0xf, 0, 40)), Err(EINVAL));
    }
}
