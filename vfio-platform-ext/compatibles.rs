// SPDX-License-Identifier: GPL-2.0

//! Which compatibles get the reset handler.
//!
//! vfio-platform looks a handler up by a device's first compatible. The
//! built-in list names the passthrough placeholders and the devices Ghaf
//! passes through on Orin; `CONFIG_VFIO_PLATFORM_EXT_EXTRA_COMPATIBLES` adds
//! more (separated by spaces, as compatibles contain commas; checked when
//! the module loads).

use kernel::prelude::*;

/// The compatibles every build handles. Keep the `alias` list of the
/// `module!` in `vfio_platform_ext.rs` in step (it lets vfio-platform's
/// `request_module("vfio-reset:<compatible>")` load this module).
pub(crate) const BUILTIN: [&CStr; 8] = [
    c"nvidia,dummy",
    c"arm,dummy",
    c"nvidia,tegra194-dummy",
    c"nvidia,tegra194-hsuart",
    c"arm,sbsa-uart",
    c"nvidia,tegra234-mgbe",
    // The MTTCANs of NVIDIA's device tree (jetpack-nixos passes them
    // through with their own compatible).
    c"nvidia,tegra194-mttcan",
    // Mainline's Tegra234 UARTs (tegra234.dtsi: UARTA, UARTE, ...).
    c"nvidia,tegra234-uart",
];

/// Longest compatible accepted (device-tree compatibles are short).
pub(crate) const MAX_LEN: usize = 127;

/// The Kconfig list, as the build saw it.
pub(crate) const EXTRA: &str = match option_env!("GV_VFIO_PLATFORM_EXT_EXTRA_COMPATIBLES") {
    Some(list) => list,
    None => "",
};

/// Why an entry of the extra list was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Longer than [`MAX_LEN`].
    TooLong,
    /// A byte that is not printable ASCII.
    BadCharacter,
    /// Already in the built-in list or earlier in the extra list.
    Repeated,
}

/// The entries of a space-separated `list`.
pub(crate) fn entries(list: &str) -> impl Iterator<Item = &str> {
    list.split_ascii_whitespace()
}

/// Checks every entry of `list`; returns the first bad one and why.
pub(crate) fn check(list: &str) -> core::result::Result<(), (&str, Refusal)> {
    for (i, entry) in entries(list).enumerate() {
        if entry.len() > MAX_LEN {
            return Err((entry, Refusal::TooLong));
        }
        if !entry.bytes().all(|b| b.is_ascii_graphic()) {
            return Err((entry, Refusal::BadCharacter));
        }
        if BUILTIN.iter().any(|c| c.to_bytes() == entry.as_bytes())
            || entries(list).take(i).any(|e| e == entry)
        {
            return Err((entry, Refusal::Repeated));
        }
    }
    Ok(())
}

#[cfg(CONFIG_VFIO_PLATFORM_EXT_KUNIT_TEST)]
#[kunit_tests(vfio_platform_ext_compatibles)]
mod tests {
    use super::*;

    fn refusal(list: &str) -> Option<Refusal> {
        check(list).err().map(|(_, r)| r)
    }

    #[test]
    fn accepts_lists() {
        assert_eq!(check(""), Ok(()));
        assert_eq!(check(" \t "), Ok(()));
        assert_eq!(check("nvidia,tegra234-pwm"), Ok(()));
        assert_eq!(check(" virtio,mmio  vendor,b\tvendor,c "), Ok(()));
        assert_eq!(entries(" virtio,mmio  vendor,b\tvendor,c ").count(), 3);
        assert_eq!(entries("").count(), 0);
    }

    #[test]
    fn refuses_bad_entries() {
        assert_eq!(refusal("nvidia,dummy"), Some(Refusal::Repeated));
        assert_eq!(refusal("a,b c,d a,b"), Some(Refusal::Repeated));
        assert_eq!(refusal("a,b a,\u{b}b"), Some(Refusal::BadCharacter));
        assert_eq!(refusal("vendor,caf\u{e9}"), Some(Refusal::BadCharacter));
        let long = [b'a'; MAX_LEN + 1];
        let long = core::str::from_utf8(&long).unwrap_or("");
        assert_eq!(refusal(long), Some(Refusal::TooLong));
        assert_eq!(
            check("a,b x,\u{b}y"),
            Err(("x,\u{b}y", Refusal::BadCharacter))
        );
    }

    #[test]
    fn builtin_list_is_valid() {
        for (i, c) in BUILTIN.iter().enumerate() {
            let s = c.to_str().unwrap_or("");
            assert!(!s.is_empty() && s.len() <= MAX_LEN);
            assert!(s.bytes().all(|b| b.is_ascii_graphic()));
            assert!(!BUILTIN[..i].contains(c));
        }
    }
}
