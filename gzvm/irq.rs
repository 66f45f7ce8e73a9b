// SPDX-License-Identifier: GPL-2.0

//! Interrupt injection: `GZVM_IRQ_LINE`, the doorbell idle vCPUs sleep on, and the
//! per-VM interrupt state that irqfds and EOI reports act on.
//!
//! The vGIC itself is the hypervisor's; the driver only raises and lowers lines with the
//! IRQ_LINE call. Every injection rings the VM's [`Doorbell`], which wakes vCPUs that are
//! blocked in the kernel after an IDLE exit (a guest in WFI), so they re-enter the guest
//! and the hypervisor can deliver the interrupt.
//!
//! Level-triggered irqfds ("resample") are completed when the hypervisor reports that the
//! guest deactivated the interrupt: an IRQ exit whose hardware-state page lists the
//! interrupt in an invalid list register with the EOI bit set. The driver then lowers the
//! line and signals every resamplefd of that line, so the device model re-raises it if the
//! device still needs service.

use kernel::{
    new_condvar, new_mutex, new_spinlock_irq,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, CondVar, Mutex, SpinLockIrq,
    },
};

use crate::{
    hypercall::{func, tuple, Hyp},
    ioeventfd::IoEventFd,
    irqfd::Irqfd,
    uapi,
};

/// Highest SPI number (0-based): GICv3 ids 32..1019.
pub(crate) const MAX_SPI: u32 = 1019 - 32;

/// Where a `GZVM_IRQ_LINE` goes: the vCPU index of the hypercall tuple and the `irq` word
/// for the hypervisor (type SPI or PPI, number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) vcpu: u32,
    pub(crate) irq: u64,
}

impl Line {
    /// SPI `gsi` (0-based).
    pub(crate) fn spi(gsi: u32) -> Result<Self> {
        if gsi > MAX_SPI {
            return Err(EINVAL);
        }
        Ok(Self {
            vcpu: 0,
            irq: (u64::from(uapi::GZVM_IRQ_TYPE_SPI) << 24) | u64::from(gsi),
        })
    }

    /// PPI `num` (16..31) of vCPU `vcpu`.
    pub(crate) fn ppi(vcpu: u32, num: u32) -> Self {
        Self {
            vcpu,
            irq: (u64::from(uapi::GZVM_IRQ_TYPE_PPI) << 24) | u64::from(num),
        }
    }

    /// Decodes the `irq` word of `GZVM_IRQ_LINE`: type in bits 27:24, vCPU index in 23:16
    /// plus 256 times bits 31:28, number in 15:0.
    ///
    /// - SPI: the number is 0-based (id 32 + n); the vCPU fields are ignored, SPIs are
    ///   routed by the guest's `GICD_IROUTER`.
    /// - Type 0 ("CPU") is what crosvm passes for its GSIs (the raw SPI number), so it is
    ///   an SPI too, as upstream treats every type; a guest GICv3 has no direct IRQ/FIQ
    ///   line to drive. With a vCPU field set it is refused.
    /// - PPI: ids 16..31 of the vCPU named, which must exist (`vcpus` bit set).
    pub(crate) fn decode(irq: u32, vcpus: u32) -> Result<Self> {
        let ty = (irq >> 24) & 0xf;
        let vcpu = ((irq >> 16) & 0xff) + ((irq >> 28) & 0xf) * 256;
        let num = irq & 0xffff;
        match ty {
            uapi::GZVM_IRQ_TYPE_CPU if vcpu == 0 => Self::spi(num),
            uapi::GZVM_IRQ_TYPE_SPI => Self::spi(num),
            uapi::GZVM_IRQ_TYPE_PPI => {
                let exists = vcpu < uapi::GZVM_MAX_VCPUS && vcpus & (1 << vcpu) != 0;
                if !(16..32).contains(&num) || !exists {
                    return Err(EINVAL);
                }
                Ok(Self {
                    vcpu,
                    irq: (u64::from(ty) << 24) | u64::from(num),
                })
            }
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

/// State irqfd wake-ups touch (from atomic context): the doorbell and a "some irqfd has
/// an event" flag. Shared with each irqfd, so there is no reference cycle with the VM.
#[pin_data]
pub(crate) struct Wake {
    /// An irqfd was signalled or hung up and the next vCPU loop must service it.
    pub(crate) dirty: Atomic<bool>,
    #[pin]
    pub(crate) doorbell: Doorbell,
}

impl Wake {
    /// Records an irqfd event and wakes the vCPUs, one of which services it.
    pub(crate) fn kick(&self) {
        self.dirty.store(true, Relaxed);
        self.doorbell.ring();
    }
}

/// A VM's interrupt and eventfd state.
///
/// Lock order: `irqfds` -> the hypervisor; `ioeventfds` on its own. Neither is ever taken
/// from an eventfd wake-up.
#[pin_data]
pub(crate) struct IrqChip {
    hyp: Arc<Hyp>,
    vm_id: u16,
    pub(crate) wake: Arc<Wake>,
    #[pin]
    pub(crate) irqfds: Mutex<KVec<Irqfd>>,
    #[pin]
    pub(crate) ioeventfds: Mutex<KVec<IoEventFd>>,
}

impl IrqChip {
    pub(crate) fn new(hyp: Arc<Hyp>, vm_id: u16) -> Result<impl PinInit<Self, Error>> {
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
            wake,
            irqfds <- new_mutex!(KVec::new(), "gzvm_irqfds"),
            ioeventfds <- new_mutex!(KVec::new(), "gzvm_ioeventfds"),
        }))
    }

    /// Raises or lowers `line` and wakes idle vCPUs.
    pub(crate) fn set_line(&self, line: Line, level: bool) -> Result {
        let args = [tuple(self.vm_id, line.vcpu), line.irq, u64::from(level)];
        self.hyp.call(func::IRQ_LINE, &args)?;
        self.wake.doorbell.ring();
        Ok(())
    }

    /// The guest deactivated SPI `gsi` (a level-triggered line): lower it and signal the
    /// resamplefds of its irqfds, if it has any.
    pub(crate) fn eoi(&self, gsi: u32) -> Result {
        let irqfds = self.irqfds.lock();
        let mut lowered = false;
        for resample in irqfds
            .iter()
            .filter(|f| f.gsi() == gsi)
            .filter_map(Irqfd::resamplefd)
        {
            if !lowered {
                self.set_line(Line::spi(gsi)?, false)?;
                lowered = true;
            }
            resample.signal();
        }
        Ok(())
    }
}

#[kunit_tests(gzvm_irq_line)]
mod tests {
    use super::*;

    const fn word(ty: u32, vcpu: u32, num: u32) -> u32 {
        ((vcpu / 256) << 28) | (ty << 24) | ((vcpu % 256) << 16) | num
    }

    #[test]
    fn spis() {
        let spi = |n: u64| (1u64 << 24) | n;
        // crosvm: the raw GSI, type and vCPU 0.
        assert_eq!(
            Line::decode(5, 0),
            Ok(Line {
                vcpu: 0,
                irq: spi(5)
            })
        );
        assert_eq!(
            Line::decode(word(1, 0, 987), 0),
            Ok(Line {
                vcpu: 0,
                irq: spi(987)
            })
        );
        // The vCPU fields do not route SPIs.
        assert_eq!(
            Line::decode(word(1, 3, 7), 0),
            Ok(Line {
                vcpu: 0,
                irq: spi(7)
            })
        );
        assert_eq!(Line::decode(word(1, 0, 988), 0), Err(EINVAL));
        assert_eq!(Line::decode(word(0, 1, 0), 0), Err(EINVAL));
    }

    #[test]
    fn ppis_and_bad_types() {
        let ppi = |n: u64| (2u64 << 24) | n;
        assert_eq!(
            Line::decode(word(2, 1, 27), 0b11),
            Ok(Line {
                vcpu: 1,
                irq: ppi(27)
            })
        );
        assert_eq!(Line::decode(word(2, 2, 27), 0b11), Err(EINVAL));
        assert_eq!(Line::decode(word(2, 0, 15), 0b1), Err(EINVAL));
        assert_eq!(Line::decode(word(2, 0, 32), 0b1), Err(EINVAL));
        // vCPU2 makes the index 256 and up: no such vCPU.
        assert_eq!(Line::decode(word(2, 256, 20), 0xff), Err(EINVAL));
        assert_eq!(Line::decode(word(3, 0, 40), 0b1), Err(EINVAL));
        assert_eq!(Line::decode(word(0xf, 0, 40), 0b1), Err(EINVAL));
    }
}
