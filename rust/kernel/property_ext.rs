// SPDX-License-Identifier: GPL-2.0

//! Following references between firmware nodes (an extension of
//! [`kernel::device::property`](crate::device::property)).
//!
//! Upstream's [`FwNode::property_get_reference_args`] returns a reference's arguments but
//! keeps the node it points at to itself; [`FwNode::find_reference`] returns the node, for
//! phandle properties without arguments (`nvidia,bpmp = <&bpmp>`).
//! [`FwNode::find_available_compatible`] finds a device-tree node by compatible, as drivers
//! do for a firmware interface that has no phandle.
//!
//! These are inherent methods of upstream's [`FwNode`], in a file of their own so that they
//! can be reviewed and applied on their own; they can move into `property.rs` as they are.
//!
//! C header: [`include/linux/property.h`](srctree/include/linux/property.h)
//!
//! # Examples
//!
//! ```
//! use kernel::{device::property::FwNode, prelude::*, sync::aref::ARef};
//!
//! /// The node `node`'s `nvidia,bpmp` phandle points at, if it is a model of the firmware.
//! fn bpmp_model(node: &FwNode) -> Result<Option<ARef<FwNode>>> {
//!     let target = node.find_reference(c"nvidia,bpmp", 0)?;
//!     let is_model = target
//!         .property_match_string(c"compatible", c"ghaf,bpmp-model")
//!         .is_ok();
//!     Ok(is_model.then_some(target))
//! }
//!
//! // No node has this compatible.
//! assert!(FwNode::find_available_compatible(c"ghaf,no-such-device").is_none());
//! ```

use crate::{
    bindings, device::property::FwNode, error::from_err_ptr, prelude::*, sync::aref::ARef,
};
use core::ptr::NonNull;

/// Takes over the reference a C function returned on `raw`.
///
/// # Safety
///
/// `raw` is NULL or a valid `struct fwnode_handle` whose reference count was incremented
/// for the caller, which relinquishes that increment.
unsafe fn adopt(raw: *mut bindings::fwnode_handle) -> Option<ARef<FwNode>> {
    let raw = NonNull::new(raw)?;
    // SAFETY: `FwNode` is a `repr(transparent)` wrapper of `fwnode_handle`; the caller gives
    // the increment to the `ARef` (safety requirements).
    Some(unsafe { ARef::from_raw(raw.cast::<FwNode>()) })
}

impl FwNode {
    /// The node that entry `index` of the phandle property `prop` points at (a reference
    /// without arguments). `ENOENT` if the property or the entry is missing.
    pub fn find_reference(&self, prop: &CStr, index: u32) -> Result<ARef<FwNode>> {
        // SAFETY: `self` is a valid node and `prop` is NUL-terminated. The result holds a
        // reference, or is NULL or an error pointer.
        let raw =
            unsafe { bindings::fwnode_find_reference(self.as_raw(), prop.as_char_ptr(), index) };
        let raw = from_err_ptr(raw)?;
        // SAFETY: `fwnode_find_reference()` returned a counted reference (or NULL), which we
        // take over.
        unsafe { adopt(raw) }.ok_or(ENOENT)
    }

    /// The first available (`status` "okay" or absent) device-tree node compatible with
    /// `compat`.
    #[cfg(CONFIG_OF)]
    pub fn find_available_compatible(compat: &CStr) -> Option<ARef<FwNode>> {
        let mut from: *mut bindings::device_node = core::ptr::null_mut();
        loop {
            // SAFETY: `from` is NULL or a node reference this loop holds, which
            // `of_find_compatible_node()` drops; `compat` is NUL-terminated. The result
            // holds a reference, or is NULL.
            let np = unsafe {
                bindings::of_find_compatible_node(from, core::ptr::null(), compat.as_char_ptr())
            };
            let np = NonNull::new(np)?;
            // SAFETY: `np` is a valid node (we hold a reference).
            if unsafe { bindings::of_device_is_available(np.as_ptr()) } {
                // SAFETY: `np` is valid; its `fwnode` is embedded in it, and a reference on
                // the node is a reference on its `fwnode` (`fwnode_handle_put()` of it is
                // `of_node_put()`), which we take over.
                return unsafe { adopt(core::ptr::addr_of_mut!((*np.as_ptr()).fwnode)) };
            }
            from = np.as_ptr();
        }
    }
}
