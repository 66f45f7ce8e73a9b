// SPDX-License-Identifier: GPL-2.0

//! The `/dev/bpmp-host` wire message, as Ghaf's QEMU `nvidia_bpmp_guest`
//! device writes it.
//!
//! `write(fd, &msg, 48)` with
//!
//! ```text
//! struct bpmp_proxy_wire_message {         // offset
//!         __u32 mrq;                       //  0
//!         __u32 reserved0;                 //  4  must be 0
//!         struct { __u64 data; __u64 size; } tx;         //  8, 16
//!         struct { __u64 data; __u64 size;                // 24, 32
//!                  __s32 ret; __u32 reserved0; } rx;     // 40, 44 (must be 0)
//! };
//! ```
//!
//! `tx.data`/`rx.data` are user pointers to at most [`MAX_PAYLOAD`] bytes.
//! On success the answer is copied to `rx.data`, `rx.size` and `rx.ret` are
//! written back into the caller's message and `write()` returns 48.

use kernel::prelude::*;

/// Size of the wire message.
pub(crate) const WIRE_SIZE: usize = 48;
/// Largest `tx.size`/`rx.size` (QEMU's 512-byte windows).
pub(crate) const MAX_PAYLOAD: usize = 512;
/// Offset of `rx.size`; `rx.size` and `rx.ret` are written back from here.
pub(crate) const RX_SIZE_OFFSET: usize = 32;

/// A decoded, validated wire message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireMessage {
    pub(crate) mrq: u32,
    pub(crate) tx_data: u64,
    pub(crate) tx_size: usize,
    pub(crate) rx_data: u64,
    pub(crate) rx_size: usize,
}

fn ne_u32(b: &[u8; WIRE_SIZE], off: usize) -> u32 {
    u32::from_ne_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn ne_u64(b: &[u8; WIRE_SIZE], off: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[off..off + 8]);
    u64::from_ne_bytes(a)
}

impl WireMessage {
    /// Decodes `raw`: `EINVAL` for non-zero reserved fields or a payload
    /// size above [`MAX_PAYLOAD`]. `rx.ret` is an output and ignored.
    pub(crate) fn decode(raw: &[u8; WIRE_SIZE]) -> Result<Self> {
        if ne_u32(raw, 4) != 0 || ne_u32(raw, 44) != 0 {
            return Err(EINVAL);
        }
        let size = |off| {
            let s = ne_u64(raw, off);
            if s > MAX_PAYLOAD as u64 {
                Err(EINVAL)
            } else {
                Ok(s as usize)
            }
        };
        Ok(Self {
            mrq: ne_u32(raw, 0),
            tx_data: ne_u64(raw, 8),
            tx_size: size(16)?,
            rx_data: ne_u64(raw, 24),
            rx_size: size(32)?,
        })
    }
}

/// The bytes written back at [`RX_SIZE_OFFSET`]: `rx.size` then `rx.ret`.
pub(crate) fn encode_rx_result(rx_size: usize, ret: i32) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..8].copy_from_slice(&(rx_size as u64).to_ne_bytes());
    out[8..].copy_from_slice(&ret.to_ne_bytes());
    out
}

#[kunit_tests(bpmp_virt_wire)]
mod tests {
    use super::*;

    fn msg(mrq: u32, r0: u32, tx: u64, rx: u64, r1: u32) -> [u8; WIRE_SIZE] {
        let mut b = [0u8; WIRE_SIZE];
        b[0..4].copy_from_slice(&mrq.to_ne_bytes());
        b[4..8].copy_from_slice(&r0.to_ne_bytes());
        b[8..16].copy_from_slice(&0x1000u64.to_ne_bytes());
        b[16..24].copy_from_slice(&tx.to_ne_bytes());
        b[24..32].copy_from_slice(&0x2000u64.to_ne_bytes());
        b[32..40].copy_from_slice(&rx.to_ne_bytes());
        b[40..44].copy_from_slice(&(-5i32).to_ne_bytes());
        b[44..48].copy_from_slice(&r1.to_ne_bytes());
        b
    }

    #[test]
    fn decodes_fields() {
        let m = WireMessage::decode(&msg(22, 0, 4, 8, 0));
        assert_eq!(
            m,
            Ok(WireMessage {
                mrq: 22,
                tx_data: 0x1000,
                tx_size: 4,
                rx_data: 0x2000,
                rx_size: 8
            })
        );
    }

    #[test]
    fn limits_and_reserved() {
        assert!(WireMessage::decode(&msg(0, 0, 512, 512, 0)).is_ok());
        assert_eq!(WireMessage::decode(&msg(0, 0, 513, 0, 0)), Err(EINVAL));
        assert_eq!(WireMessage::decode(&msg(0, 0, 0, 513, 0)), Err(EINVAL));
        assert_eq!(WireMessage::decode(&msg(0, 0, u64::MAX, 0, 0)), Err(EINVAL));
        assert_eq!(WireMessage::decode(&msg(0, 1, 0, 0, 0)), Err(EINVAL));
        assert_eq!(
            WireMessage::decode(&msg(0, 0, 0, 0, 0x8000_0000)),
            Err(EINVAL)
        );
    }

    #[test]
    fn encodes_result() {
        let out = encode_rx_result(16, -22);
        assert_eq!(out[..8], 16u64.to_ne_bytes());
        assert_eq!(out[8..], (-22i32).to_ne_bytes());
    }
}
