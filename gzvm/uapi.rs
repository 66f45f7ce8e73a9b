// SPDX-License-Identifier: GPL-2.0

//! ioctl numbers and capability ids of `<linux/gzvm.h>`.
//!
//! bindgen does not expand the `_IO*()` macros, so the numbers are rebuilt
//! here from the same magic and sequence numbers; the selftest checks the C
//! header's values against the upstream ones.

use kernel::ioctl::_IO;

/// ioctl type byte of every GenieZone ioctl.
pub(crate) const GZVM_IOC_MAGIC: u32 = 0x92;

/// `/dev/gzvm` and VM fd: query a capability. The argument points to a
/// `u64` holding the capability id; the answer is written back to it.
pub(crate) const GZVM_CHECK_EXTENSION: u32 = _IO(GZVM_IOC_MAGIC, 0x03);

/// Capability: the guest physical address size in bits.
pub(crate) const GZVM_CAP_VM_GPA_SIZE: u64 = 0xa5;
/// Capability: protected VMs are supported.
pub(crate) const GZVM_CAP_PROTECTED_VM: u64 = 0xffba_dab1;
