// SPDX-License-Identifier: GPL-2.0

//! vfio-platform-ext: device resets for vfio-platform passthrough.
//!
//! Registers a vfio-platform reset handler for the compatibles in
//! [`compatibles`]. vfio-platform calls it when a passed-through device is
//! opened, when it is released and on `VFIO_DEVICE_RESET`; it pulses the
//! reset lines of the device's `resets` property (see [`reset`]). A device
//! without `resets` is refused, unless its node opts out with
//! `nvidia,no-reset-required`, so vfio-platform keeps its default
//! `reset_required=1` and never hands over a device it cannot reset unless
//! the device tree says there is nothing to reset.

use kernel::{prelude::*, str::CString, vfio_platform::Registration};

mod compatibles;
mod reset;

use compatibles::Refusal;
use reset::{DtReset, MAX_SETTLE_US};

module! {
    type: VfioPlatformExt,
    name: "vfio_platform_ext",
    authors: ["Ghaf virtualization maintainers"],
    description: "Device resets for vfio-platform passthrough (device-tree resets)",
    license: "GPL",
    // The built-in compatibles (compatibles::BUILTIN).
    alias: [
        "vfio-reset:nvidia,dummy",
        "vfio-reset:arm,dummy",
        "vfio-reset:nvidia,tegra194-dummy",
        "vfio-reset:nvidia,tegra194-hsuart",
        "vfio-reset:arm,sbsa-uart",
        "vfio-reset:nvidia,tegra234-mgbe",
        "vfio-reset:nvidia,tegra194-mttcan",
        "vfio-reset:nvidia,tegra234-uart",
    ],
    params: {
        pulse: bool {
            default: true,
            description:
                "Use the reset controller's reset pulse when it has one (else assert, settle, deassert)",
        },
        settle_us: u32 {
            default: 10,
            description:
                "Microseconds to hold the lines in reset when asserting and releasing them (max 10000)",
        },
    },
}

struct VfioPlatformExt {
    _handlers: Registration<DtReset>,
}

impl kernel::Module for VfioPlatformExt {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let settle = module_parameters::settle_us.value();
        if settle > MAX_SETTLE_US {
            pr_err!("settle_us={} is over {}\n", settle, MAX_SETTLE_US);
            return Err(EINVAL);
        }
        if let Err((entry, why)) = compatibles::check(compatibles::EXTRA) {
            let why = match why {
                Refusal::TooLong => "too long",
                Refusal::BadCharacter => "not printable ASCII",
                Refusal::Repeated => "listed twice",
            };
            pr_err!(
                "CONFIG_VFIO_PLATFORM_EXT_EXTRA_COMPATIBLES: \"{}\" is {}\n",
                entry,
                why
            );
            return Err(EINVAL);
        }
        let mut handlers = Registration::new(module);
        for compat in compatibles::BUILTIN {
            handlers.add(compat)?;
        }
        for entry in compatibles::entries(compatibles::EXTRA) {
            let compat = CString::try_from_fmt(fmt!("{entry}"))?;
            handlers.add(&compat)?;
        }
        pr_info!(
            "reset handler registered for {} compatibles\n",
            handlers.len()
        );
        Ok(Self {
            _handlers: handlers,
        })
    }
}
