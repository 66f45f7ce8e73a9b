// SPDX-License-Identifier: GPL-2.0

//! The GenieZone ABI (stub for bring-up).

use crate::{boot::Frame, fdt::Facts};

pub fn init(_f: Facts) {}

pub fn in_guest() -> bool {
    false
}

pub fn host_call(frame: &mut Frame) {
    let f = frame.x[0] as u32;
    let r: [u64; 4] = match f {
        0xfb00_100c => [0, 16, 0, 0],
        0xfb00_100d if frame.x[1] == 0 && frame.x[2] == 0x9204 => [0, 512, 0, 0],
        0xfb00_100d if frame.x[1] == 0 && frame.x[2] == 0x9205 => [0, 128, 0, 0],
        _ => [-24i64 as u64, 0, 0, 0],
    };
    frame.x[..4].copy_from_slice(&r);
}

pub fn guest_trap(_frame: &mut Frame, _k: u64) {
    crate::fatal!("guest trap");
}
