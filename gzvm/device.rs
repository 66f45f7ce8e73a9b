// SPDX-License-Identifier: GPL-2.0

//! `GZVM_CREATE_DEVICE`: in-hypervisor devices (the vGICv3 distributor and redistributor).
//!
//! The request is checked, copied into a zeroed kernel page (with its attributes, if any,
//! in a second page) and handed to the hypervisor by physical address. Nothing the user
//! passes is forwarded as an address: `attr_addr` is replaced by the kernel copy's.

use kernel::{prelude::*, uaccess::UserSlice};

use crate::{hypmem::HypPages, uapi::CreateDevice, vm::Vm};

/// `GZVM_DEV_TYPE_ARM_VGIC_V3_DIST`.
pub(crate) const DEV_TYPE_VGIC_V3_DIST: u32 = 0;
/// `GZVM_DEV_TYPE_ARM_VGIC_V3_REDIST`.
pub(crate) const DEV_TYPE_VGIC_V3_REDIST: u32 = 1;
/// GIC frames are 64 KiB aligned and sized.
const GIC_FRAME: u64 = 0x1_0000;
/// Largest attribute blob, as upstream.
const MAX_ATTR_SIZE: u64 = 4096;

/// Checks a request (pure; see the KUnit tests).
pub(crate) fn validate(d: &CreateDevice) -> Result {
    if !matches!(d.dev_type, DEV_TYPE_VGIC_V3_DIST | DEV_TYPE_VGIC_V3_REDIST) {
        return Err(EINVAL);
    }
    if d.dev_reg_size == 0 || d.dev_addr % GIC_FRAME != 0 || d.dev_reg_size % GIC_FRAME != 0 {
        return Err(EINVAL);
    }
    d.dev_addr.checked_add(d.dev_reg_size).ok_or(EINVAL)?;
    if d.attr_size > MAX_ATTR_SIZE || ((d.attr_addr == 0) != (d.attr_size == 0)) {
        return Err(EINVAL);
    }
    Ok(())
}

/// Creates the device in the hypervisor.
pub(crate) fn create(vm: &Vm, mut d: CreateDevice) -> Result {
    validate(&d)?;
    let pages = HypPages::new(1)?;
    let (desc, attrs) = (pages.page(0).ok_or(ENOMEM)?, pages.page(1).ok_or(ENOMEM)?);
    if d.attr_size != 0 {
        let len = d.attr_size as usize;
        let mut buf = KVec::from_elem(0u8, len, GFP_KERNEL)?;
        UserSlice::new(UserPtr::from_addr(d.attr_addr as usize), len)
            .reader()
            .read_slice(&mut buf)?;
        attrs.write_bytes(0, &buf)?;
        d.attr_addr = attrs.phys();
    }
    let fields = [
        u64::from(d.dev_type) | (u64::from(d.id) << 32),
        d.flags,
        d.dev_addr,
        d.dev_reg_size,
        d.attr_addr,
        d.attr_size,
    ];
    for (i, v) in fields.iter().enumerate() {
        desc.write(i * 8, 8, *v)?;
    }
    vm.hyp.create_device(vm.id, &pages)
}

#[cfg(CONFIG_GZVM_KUNIT_TEST)]
#[kunit_tests(gzvm_device)]
mod tests {
    use super::*;

    fn gic(dev_type: u32, addr: u64, size: u64) -> CreateDevice {
        CreateDevice(kernel::uapi::gzvm_create_device {
            dev_type,
            id: 0,
            flags: 0,
            dev_addr: addr,
            dev_reg_size: size,
            attr_addr: 0,
            attr_size: 0,
        })
    }

    #[test]
    fn crosvm_layout_is_accepted() {
        assert_eq!(validate(&gic(0, 0x3fff_0000, 0x1_0000)), Ok(()));
        assert_eq!(
            validate(&gic(1, 0x3fff_0000 - 0x2_0000 * 4, 0x2_0000)),
            Ok(())
        );
    }

    #[test]
    fn bad_requests_are_rejected() {
        assert_eq!(validate(&gic(2, 0x3fff_0000, 0x1_0000)), Err(EINVAL));
        assert_eq!(validate(&gic(0, 0x3fff_1000, 0x1_0000)), Err(EINVAL));
        assert_eq!(validate(&gic(0, 0x3fff_0000, 0)), Err(EINVAL));
        assert_eq!(
            validate(&gic(0, 0xffff_ffff_ffff_0000, 0x2_0000)),
            Err(EINVAL)
        );
        let mut d = gic(0, 0x3fff_0000, 0x1_0000);
        d.attr_addr = 0x1000;
        assert_eq!(validate(&d), Err(EINVAL));
        d.attr_size = 4097;
        assert_eq!(validate(&d), Err(EINVAL));
        d.attr_size = 16;
        assert_eq!(validate(&d), Ok(()));
    }
}
