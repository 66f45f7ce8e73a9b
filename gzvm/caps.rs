// SPDX-License-Identifier: GPL-2.0

//! `GZVM_CHECK_EXTENSION`: capability queries.
//!
//! As upstream, the argument is a pointer to a `u64` that holds the
//! capability id on entry and receives the answer: this differs from KVM,
//! which takes the id by value and returns the answer.

use kernel::{prelude::*, uaccess::UserSlice};

use crate::uapi::{GZVM_CAP_PROTECTED_VM, GZVM_CAP_VM_GPA_SIZE};

/// Guest physical address bits: the host's physical address size, as
/// upstream reports it.
const GPA_BITS: u64 = kernel::bindings::CONFIG_ARM64_PA_BITS as u64;

/// Answer for capability `cap`, or `EOPNOTSUPP` for an unknown capability.
pub(crate) fn check_extension(cap: u64) -> Result<u64> {
    match cap {
        GZVM_CAP_PROTECTED_VM => Ok(1),
        GZVM_CAP_VM_GPA_SIZE => Ok(GPA_BITS),
        _ => Err(EOPNOTSUPP),
    }
}

/// The ioctl: read the id from `arg`, write the answer back to it.
pub(crate) fn check_extension_ioctl(arg: usize) -> Result {
    let (mut reader, mut writer) =
        UserSlice::new(UserPtr::from_addr(arg), size_of::<u64>()).reader_writer();
    let cap: u64 = reader.read()?;
    writer.write(&check_extension(cap)?)
}

#[cfg(CONFIG_GZVM_KUNIT_TEST)]
#[kunit_tests(gzvm_caps)]
mod tests {
    use super::*;

    #[test]
    fn protected_vm_is_supported() {
        assert_eq!(check_extension(GZVM_CAP_PROTECTED_VM), Ok(1));
    }

    #[test]
    fn gpa_size_is_host_pa_bits() {
        let bits = check_extension(GZVM_CAP_VM_GPA_SIZE);
        assert_eq!(bits, Ok(GPA_BITS));
        assert!((36..=52).contains(&GPA_BITS));
    }

    #[test]
    fn unknown_caps_are_rejected() {
        for cap in [0, 1, 0xa4, 0xa6, 0x9201, 0xffba_dab0, u64::MAX] {
            assert_eq!(check_extension(cap), Err(EOPNOTSUPP));
        }
    }
}
