// SPDX-License-Identifier: GPL-2.0

//! Logging to the `virt` machine's PL011 UART, which the host kernel also uses: the
//! hypervisor only logs at boot and on fatal errors, each line prefixed `gzhyp:`.

use crate::{layout::UART, sync::SpinLock};
use core::fmt::{self, Write};

struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                putc(b'\r');
            }
            putc(b);
        }
        Ok(())
    }
}

fn putc(b: u8) {
    let base = UART as *mut u32;
    // SAFETY: The UART's data and flag registers are device memory mapped at EL2; the
    // flag register (offset 0x18) is only read, and TXFF (bit 5) clear means the FIFO
    // takes one more byte.
    unsafe {
        while core::ptr::read_volatile(base.add(0x18 / 4)) & (1 << 5) != 0 {}
        core::ptr::write_volatile(base, u32::from(b));
    }
}

static LOCK: SpinLock<()> = SpinLock::new(());

/// Writes one line (prefixed, newline added).
pub fn line(args: fmt::Arguments<'_>) {
    let _g = LOCK.lock();
    let _ = Uart.write_str("gzhyp: ");
    let _ = Uart.write_fmt(args);
    let _ = Uart.write_str("\n");
}

/// Logs one line.
#[macro_export]
macro_rules! info {
    ($($t:tt)*) => { $crate::log::line(format_args!($($t)*)) };
}

/// Logs one line and stops this CPU for good.
#[macro_export]
macro_rules! fatal {
    ($($t:tt)*) => {{
        $crate::log::line(format_args!($($t)*));
        loop {
            $crate::arch::wfe();
        }
    }};
}
