// SPDX-License-Identifier: GPL-2.0

//! The `/dev/bpmp-host` wire message, as Ghaf's QEMU `nvidia_bpmp_guest`
//! device and ghaf-crosvm write it; the C definition for VMM authors is
//! `include/uapi/linux/bpmp_host_proxy.h` (in this driver's folder).
//!
//! `write(fd, &msg, 48)`; `tx.data`/`rx.data` are user pointers to at most
//! [`MAX_PAYLOAD`] bytes. On success the answer is copied to `rx.data`,
//! `rx.size` and `rx.ret` are written back into the caller's message and
//! `write()` returns 48.

use kernel::{
    prelude::*,
    transmute::{AsBytes, FromBytes},
};

/// Largest `tx.size`/`rx.size` (QEMU's 512-byte windows).
pub(crate) const MAX_PAYLOAD: usize = 512;

/// One buffer of the request (`tx`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TxBuf {
    pub(crate) data: u64,
    pub(crate) size: u64,
}

/// The answer buffer (`rx`) and the firmware's results.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RxBuf {
    pub(crate) data: u64,
    /// In: the window's size; out: the answer's length.
    pub(crate) size: u64,
    /// Out: the firmware's return code (0 or a negative BPMP error).
    pub(crate) ret: i32,
    /// Must be 0.
    pub(crate) reserved0: u32,
}

/// `struct bpmp_proxy_wire_message` (48 bytes, native endianness).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WireMessage {
    pub(crate) mrq: u32,
    /// Must be 0.
    pub(crate) reserved0: u32,
    pub(crate) tx: TxBuf,
    pub(crate) rx: RxBuf,
}

// SAFETY: Plain integers without padding (4 + 4 + 16 + 24 bytes, every field
// at its natural alignment): every bit pattern is valid.
unsafe impl FromBytes for WireMessage {}
// SAFETY: No padding and no interior mutability: every byte is initialised.
unsafe impl AsBytes for WireMessage {}

/// Size of the wire message.
pub(crate) const WIRE_SIZE: usize = core::mem::size_of::<WireMessage>();
/// Offset of `rx.size`, where the results are written back (`rx.size`,
/// `rx.ret` and `rx.reserved0`, which stays 0).
pub(crate) const RX_SIZE_OFFSET: usize = core::mem::offset_of!(WireMessage, rx.size);

const _: () = assert!(WIRE_SIZE == 48);
const _: () = assert!(core::mem::offset_of!(WireMessage, tx) == 8);
const _: () = assert!(core::mem::offset_of!(WireMessage, rx) == 24);
const _: () = assert!(RX_SIZE_OFFSET == 32);

/// A checked message: the sizes as `usize`, each at most [`MAX_PAYLOAD`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) mrq: u32,
    pub(crate) tx_data: u64,
    pub(crate) tx_size: usize,
    pub(crate) rx_data: u64,
    pub(crate) rx_size: usize,
}

impl WireMessage {
    /// Checks a message read from the caller: `EINVAL` for non-zero
    /// reserved fields or a window above [`MAX_PAYLOAD`]. `rx.ret` is an
    /// output and ignored.
    pub(crate) fn check(&self) -> Result<Checked> {
        if self.reserved0 != 0 || self.rx.reserved0 != 0 {
            return Err(EINVAL);
        }
        let size = |s: u64| match usize::try_from(s) {
            Ok(s) if s <= MAX_PAYLOAD => Ok(s),
            _ => Err(EINVAL),
        };
        Ok(Checked {
            mrq: self.mrq,
            tx_data: self.tx.data,
            tx_size: size(self.tx.size)?,
            rx_data: self.rx.data,
            rx_size: size(self.rx.size)?,
        })
    }
}

/// The tail written back at [`RX_SIZE_OFFSET`]: `rx.size`, `rx.ret`, 0.
pub(crate) fn rx_result(rx_size: usize, ret: i32) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&(rx_size as u64).to_ne_bytes());
    out[8..12].copy_from_slice(&ret.to_ne_bytes());
    out
}

#[cfg(CONFIG_BPMP_VIRT_KUNIT_TEST)]
#[kunit_tests(bpmp_virt_wire)]
mod tests {
    use super::*;

    fn msg(mrq: u32, r0: u32, tx: u64, rx: u64, r1: u32) -> WireMessage {
        WireMessage {
            mrq,
            reserved0: r0,
            tx: TxBuf {
                data: 0x1000,
                size: tx,
            },
            rx: RxBuf {
                data: 0x2000,
                size: rx,
                ret: -5,
                reserved0: r1,
            },
        }
    }

    #[test]
    fn decodes_from_bytes() {
        let mut raw = [0u8; WIRE_SIZE];
        raw[0..4].copy_from_slice(&22u32.to_ne_bytes());
        raw[8..16].copy_from_slice(&0x1000u64.to_ne_bytes());
        raw[16..24].copy_from_slice(&4u64.to_ne_bytes());
        raw[24..32].copy_from_slice(&0x2000u64.to_ne_bytes());
        raw[32..40].copy_from_slice(&8u64.to_ne_bytes());
        let m = WireMessage::from_bytes_copy(&raw);
        let mut want = msg(22, 0, 4, 8, 0);
        want.rx.ret = 0;
        assert_eq!(m, Some(want));
        assert_eq!(
            m.map(|m| m.check()),
            Some(Ok(Checked {
                mrq: 22,
                tx_data: 0x1000,
                tx_size: 4,
                rx_data: 0x2000,
                rx_size: 8
            }))
        );
        assert!(WireMessage::from_bytes_copy(&raw[..47]).is_none());
    }

    #[test]
    fn limits_and_reserved() {
        assert!(msg(0, 0, 512, 512, 0).check().is_ok());
        assert_eq!(msg(0, 0, 513, 0, 0).check(), Err(EINVAL));
        assert_eq!(msg(0, 0, 0, 513, 0).check(), Err(EINVAL));
        assert_eq!(msg(0, 0, u64::MAX, 0, 0).check(), Err(EINVAL));
        assert_eq!(msg(0, 1, 0, 0, 0).check(), Err(EINVAL));
        assert_eq!(msg(0, 0, 0, 0, 0x8000_0000).check(), Err(EINVAL));
    }

    #[test]
    fn encodes_result() {
        let out = rx_result(16, -22);
        assert_eq!(out[..8], 16u64.to_ne_bytes());
        assert_eq!(out[8..12], (-22i32).to_ne_bytes());
        assert_eq!(out[12..], [0u8; 4]);
    }
}
