// SPDX-License-Identifier: GPL-2.0

//! The reset itself: the device's device-tree `resets`, through the
//! reset-controller framework.
//!
//! A node without `resets` is refused, unless it says it has nothing to
//! reset with the boolean [`NO_RESET_PROPERTY`] (Ghaf passes through memory
//! regions, display register keyholes and the `host1x_pt` wrapper, which
//! have no reset line): such a device is handed over without a reset.

use kernel::{
    device::Device,
    prelude::*,
    reset_control::ResetControl,
    time::{delay::fsleep, Delta},
    vfio_platform::ResetHandler,
};

use crate::module_parameters;

/// The opt-out: a node with this property and without `resets` is passed
/// through without a reset.
pub(crate) const NO_RESET_PROPERTY: &CStr = c"nvidia,no-reset-required";

/// Longest settle time the `settle_us` parameter may ask for (10 ms).
pub(crate) const MAX_SETTLE_US: u32 = 10_000;

/// Resets a device with the lines listed in its `resets` property.
pub(crate) struct DtReset;

impl ResetHandler for DtReset {
    fn reset(dev: &Device) -> Result {
        let lines = ResetControl::count(dev)?;
        if lines == 0
            && dev
                .fwnode()
                .is_some_and(|n| n.property_present(NO_RESET_PROPERTY))
        {
            dev_info!(
                dev,
                "passed through without a reset (nvidia,no-reset-required)\n"
            );
            return Ok(());
        }
        if lines == 0 {
            dev_err!(
                dev,
                "no \"resets\" in its device-tree node: refusing to pass it through without a reset\n"
            );
            return Err(ENOENT);
        }
        let rc = match ResetControl::get_all_exclusive(dev) {
            Ok(rc) => rc,
            Err(e) => {
                dev_err!(dev, "cannot get its {} reset line(s): {:?}\n", lines, e);
                // The controller has not probed yet: try again later.
                return Err(if e == EPROBE_DEFER { EAGAIN } else { e });
            }
        };
        if module_parameters::pulse.value() {
            match rc.reset() {
                Ok(()) => return Ok(()),
                // The controller has no pulse: assert and release below.
                Err(e) if e == ENOTSUPP => {}
                Err(e) => {
                    dev_err!(dev, "reset pulse failed: {:?}\n", e);
                    return Err(e);
                }
            }
        }
        rc.assert()
            .inspect_err(|e| dev_err!(dev, "reset assert failed: {:?}\n", e))?;
        let settle = module_parameters::settle_us.value().min(MAX_SETTLE_US);
        fsleep(Delta::from_micros(i64::from(settle)));
        rc.deassert()
            .inspect_err(|e| dev_err!(dev, "reset deassert failed: {:?}\n", e))
    }
}
