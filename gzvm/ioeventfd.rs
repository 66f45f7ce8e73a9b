// SPDX-License-Identifier: GPL-2.0

//! `GZVM_IOEVENTFD`: guest MMIO writes that signal an eventfd in the kernel instead of
//! exiting to the VMM (virtio queue notifications).
//!
//! The rules are KVM's:
//!
//! - `len` is 0 (any access at the address), 1, 2, 4 or 8; `DATAMATCH` needs a length;
//!   arm64 has no port I/O, so `PIO` is refused;
//! - two registrations collide (`EEXIST`) when they have the same address and either is
//!   length 0, or both have the same length and either is a wildcard or both match the
//!   same value. So one address may carry several datamatch values, which crosvm's
//!   multi-queue virtio-mmio devices rely on (one QueueNotify register, one eventfd per
//!   queue index); upstream GenieZone refuses that;
//! - deassigning needs the same eventfd, address, length and datamatch, else `ENOENT`;
//! - a write hits when the address is equal, the length is equal (or registered as 0) and
//!   the value equals the datamatch (or the entry is a wildcard). The first hit is
//!   signalled and the guest goes on without a VMM exit.

use kernel::{
    eventfd::EventFd,
    prelude::*,
    sync::atomic::{Acquire, Release},
};

use crate::{
    irq::IrqChip,
    uapi::{
        self, GZVM_IOEVENTFD_FLAG_DATAMATCH, GZVM_IOEVENTFD_FLAG_DEASSIGN, GZVM_IOEVENTFD_FLAG_PIO,
    },
};

/// Most ioeventfds per VM.
pub(crate) const MAX_IOEVENTFDS: usize = 1024;

/// Where and what an ioeventfd matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Match {
    pub(crate) addr: u64,
    pub(crate) len: u32,
    /// `None`: any value.
    pub(crate) datamatch: Option<u64>,
}

impl Match {
    /// Checks a request and extracts what it matches (pure; see the KUnit tests).
    pub(crate) fn parse(r: &uapi::Ioeventfd) -> Result<Self> {
        let known =
            GZVM_IOEVENTFD_FLAG_DATAMATCH | GZVM_IOEVENTFD_FLAG_PIO | GZVM_IOEVENTFD_FLAG_DEASSIGN;
        if r.flags & !known != 0 || r.flags & GZVM_IOEVENTFD_FLAG_PIO != 0 {
            return Err(EINVAL);
        }
        if !matches!(r.len, 0 | 1 | 2 | 4 | 8) || r.addr.checked_add(u64::from(r.len)).is_none() {
            return Err(EINVAL);
        }
        let datamatch = r.flags & GZVM_IOEVENTFD_FLAG_DATAMATCH != 0;
        if datamatch && r.len == 0 {
            return Err(EINVAL);
        }
        Ok(Self {
            addr: r.addr,
            len: r.len,
            datamatch: datamatch.then_some(r.datamatch & width_mask(r.len)),
        })
    }

    /// KVM's collision rule.
    pub(crate) fn collides(&self, other: &Match) -> bool {
        self.addr == other.addr
            && (self.len == 0
                || other.len == 0
                || (self.len == other.len
                    && match (self.datamatch, other.datamatch) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    }))
    }

    /// Whether a guest write of `size` bytes of `value` at `addr` hits.
    pub(crate) fn hits(&self, addr: u64, size: u32, value: u64) -> bool {
        if addr != self.addr || (self.len != 0 && self.len != size) {
            return false;
        }
        self.datamatch.is_none_or(|d| d == value & width_mask(size))
    }
}

fn width_mask(len: u32) -> u64 {
    match len {
        1 => 0xff,
        2 => 0xffff,
        4 => 0xffff_ffff,
        _ => u64::MAX,
    }
}

/// One ioeventfd.
pub(crate) struct IoEventFd {
    m: Match,
    eventfd: EventFd,
}

impl IrqChip {
    /// `GZVM_IOEVENTFD`.
    pub(crate) fn ioeventfd(&self, r: &uapi::Ioeventfd) -> Result {
        let m = Match::parse(r)?;
        let fd = u32::try_from(r.fd).map_err(|_| EBADF)?;
        let eventfd = EventFd::from_fd(fd)?;
        let mut list = self.ioeventfds.lock();
        if r.flags & GZVM_IOEVENTFD_FLAG_DEASSIGN != 0 {
            let i = list
                .iter()
                .position(|e| e.m == m && e.eventfd.same(&eventfd))
                .ok_or(ENOENT)?;
            drop(list.remove(i));
            self.any_ioeventfd.store(!list.is_empty(), Release);
            return Ok(());
        }
        if list.iter().any(|e| e.m.collides(&m)) {
            return Err(EEXIST);
        }
        if list.len() >= MAX_IOEVENTFDS {
            return Err(ENOSPC);
        }
        list.push(IoEventFd { m, eventfd }, GFP_KERNEL)?;
        self.any_ioeventfd.store(true, Release);
        Ok(())
    }

    /// A guest MMIO write: signals the first ioeventfd it hits; whether one did.
    pub(crate) fn mmio_write(&self, addr: u64, size: u32, value: u64) -> bool {
        // A write racing with an assignment may or may not see it, as with KVM's SRCU.
        if !self.any_ioeventfd.load(Acquire) {
            return false;
        }
        let list = self.ioeventfds.lock();
        match list.iter().find(|e| e.m.hits(addr, size, value)) {
            Some(e) => {
                e.eventfd.signal();
                true
            }
            None => false,
        }
    }
}

#[cfg(CONFIG_GZVM_KUNIT_TEST)]
#[kunit_tests(gzvm_ioeventfd)]
mod tests {
    use super::*;

    fn req(addr: u64, len: u32, flags: u32, datamatch: u64) -> uapi::Ioeventfd {
        uapi::Ioeventfd(kernel::uapi::gzvm_ioeventfd {
            datamatch,
            addr,
            len,
            fd: -1,
            flags,
            pad: [0; 36],
        })
    }

    const DM: u32 = GZVM_IOEVENTFD_FLAG_DATAMATCH;

    #[test]
    fn bad_requests() {
        assert_eq!(Match::parse(&req(0x1000, 3, 0, 0)), Err(EINVAL));
        assert_eq!(Match::parse(&req(0x1000, 0, DM, 0)), Err(EINVAL));
        assert_eq!(
            Match::parse(&req(0x1000, 4, GZVM_IOEVENTFD_FLAG_PIO, 0)),
            Err(EINVAL)
        );
        assert_eq!(Match::parse(&req(0x1000, 4, 1 << 3, 0)), Err(EINVAL));
        assert_eq!(Match::parse(&req(u64::MAX - 2, 4, 0, 0)), Err(EINVAL));
        for len in [0, 1, 2, 4, 8] {
            assert!(Match::parse(&req(0x1000, len, 0, 0)).is_ok());
        }
    }

    #[test]
    fn kvm_collision_rules() {
        let p = |len, flags, dm| Match::parse(&req(0x50, len, flags, dm)).expect("valid");
        // crosvm virtio-mmio: one QueueNotify address, one datamatch per queue.
        assert!(!p(4, DM, 0).collides(&p(4, DM, 1)));
        assert!(p(4, DM, 1).collides(&p(4, DM, 1)));
        assert!(p(4, 0, 0).collides(&p(4, DM, 1)));
        assert!(p(0, 0, 0).collides(&p(2, DM, 7)));
        // Different lengths at the same address coexist.
        assert!(!p(4, DM, 1).collides(&p(2, DM, 1)));
        let other = Match::parse(&req(0x54, 4, 0, 0)).expect("valid");
        assert!(!p(4, 0, 0).collides(&other));
    }

    #[test]
    fn hits() {
        let m = Match::parse(&req(0x50, 4, DM, 0x1_0000_0002)).expect("valid");
        // The datamatch is truncated to the length.
        assert!(m.hits(0x50, 4, 2));
        assert!(!m.hits(0x50, 4, 3));
        assert!(!m.hits(0x50, 2, 2));
        assert!(!m.hits(0x54, 4, 2));
        let any = Match::parse(&req(0x50, 0, 0, 0)).expect("valid");
        assert!(any.hits(0x50, 1, 9) && any.hits(0x50, 8, 9));
        let wild = Match::parse(&req(0x50, 8, 0, 0)).expect("valid");
        assert!(wild.hits(0x50, 8, u64::MAX) && !wild.hits(0x50, 4, 0));
    }
}
