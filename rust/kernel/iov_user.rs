// SPDX-License-Identifier: GPL-2.0

//! The user buffer behind an [`IovIterSource`] (an extension of
//! [`kernel::iov`](crate::iov)).
//!
//! For ABIs that write results back into the caller's message (Ghaf's
//! `/dev/bpmp-host` wire message), a driver needs the user-space address of
//! the buffer a plain `write(2)` was called with.
//!
//! # Examples
//!
//! ```
//! use kernel::{iov::IovIterSource, iov_user::write_user_buffer, prelude::*, uaccess::UserPtr};
//!
//! /// Where a `write(2)` came from, to write an answer back into the caller's buffer.
//! fn answer_address(iov: &mut IovIterSource<'_>) -> Result<UserPtr> {
//!     let (addr, len) = write_user_buffer(iov).ok_or(EINVAL)?;
//!     if len < 8 {
//!         return Err(EINVAL);
//!     }
//!     Ok(addr)
//! }
//! ```

use crate::{bindings, iov::IovIterSource, uaccess::UserPtr};

/// The user address and length of the buffer behind `iov` when it is a
/// single user buffer (what `write(2)` produces), `None` otherwise (vectored
/// writes with several segments, kernel buffers).
pub fn write_user_buffer(iov: &mut IovIterSource<'_>) -> Option<(UserPtr, usize)> {
    let raw = iov.as_raw();
    // SAFETY: `raw` is the valid `iov_iter` behind `iov`; the fields are only
    // read. For an `ITER_UBUF` iterator the union holds `ubuf`, and the next
    // byte to copy is at `ubuf + iov_offset`.
    unsafe {
        if u32::from((*raw).iter_type) != bindings::iter_type_ITER_UBUF {
            return None;
        }
        // `__ubuf_iovec` overlays `{ ubuf, count }`.
        let iov = (*raw).__bindgen_anon_1.__ubuf_iovec.as_ref();
        let base = iov.iov_base as usize;
        let len = iov.iov_len;
        let addr = base.checked_add((*raw).iov_offset)?;
        Some((UserPtr::from_addr(addr), len))
    }
}
