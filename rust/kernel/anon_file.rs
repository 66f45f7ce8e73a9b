// SPDX-License-Identifier: GPL-2.0

//! Anonymous-inode files: file descriptors that stand for a driver object.
//!
//! A driver implements [`AnonFile`] for its object type and calls [`create_fd`] to hand
//! userspace a new file descriptor whose `private_data` owns the object (`T::Ptr`, usually
//! an `Arc`). The object is dropped through [`AnonFile::release`] when the last reference to
//! the file goes away, which is how KVM-style VM and vCPU fds are built.
//!
//! C header: [`include/linux/anon_inodes.h`](srctree/include/linux/anon_inodes.h)
//!
//! # Examples
//!
//! ```
//! use kernel::{
//!     anon_file::{self, AnonFile},
//!     fs::File,
//!     prelude::*,
//!     sync::{Arc, ArcBorrow},
//! };
//!
//! struct Counter(u32);
//!
//! #[vtable]
//! impl AnonFile for Counter {
//!     type Ptr = Arc<Counter>;
//!
//!     fn ioctl(this: ArcBorrow<'_, Self>, _file: &File, cmd: u32, _arg: usize) -> Result<isize> {
//!         match cmd {
//!             0 => Ok(isize::try_from(this.0)?),
//!             _ => Err(ENOTTY),
//!         }
//!     }
//! }
//!
//! /// Hands the current task a descriptor for a new counter (`O_RDWR | O_CLOEXEC`).
//! fn new_counter_fd(value: u32) -> Result<u32> {
//!     let counter = Arc::new(Counter(value), GFP_KERNEL)?;
//!     anon_file::create_fd::<Counter>(c"counter", counter, 0o2 | 0o2000000)
//! }
//! ```

use crate::{
    bindings,
    error::{Error, Result, VTABLE_DEFAULT_ERROR},
    fs::File,
    module::this_module,
    prelude::*,
    types::ForeignOwnable,
};
use core::marker::PhantomData;

/// Operations of an anonymous-inode file.
#[vtable]
pub trait AnonFile: Sized {
    /// The pointer type stored in the file's private data.
    type Ptr: ForeignOwnable + Send + Sync;

    /// Called when the last reference to the file is dropped.
    fn release(this: Self::Ptr, _file: &File) {
        drop(this);
    }

    /// Handles an ioctl on the file.
    fn ioctl(
        _this: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _cmd: u32,
        _arg: usize,
    ) -> Result<isize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Creates an anonymous-inode file that owns `data` and installs it in a new file descriptor
/// of the current task, with `flags` (`O_RDWR | O_CLOEXEC`, ...). Returns the descriptor.
///
/// On failure `data` is dropped before returning.
pub fn create_fd<T: AnonFile>(name: &CStr, data: T::Ptr, flags: u32) -> Result<u32> {
    let ptr = data.into_foreign();
    let flags = i32::try_from(flags).map_err(|_| EINVAL)?;
    let vtable = VTable::<T>::build();
    // SAFETY: `name` is a valid NUL-terminated string; `vtable` is a static that
    // `anon_inode_getfd()` pins with a module reference (`owner`) for as long as the file
    // exists. On success the file owns `ptr`.
    let fd = unsafe { bindings::anon_inode_getfd(name.as_char_ptr(), vtable, ptr, flags) };
    if fd < 0 {
        // SAFETY: No file was created, so `ptr` still comes from the `into_foreign` above and
        // nothing else owns it.
        drop(unsafe { T::Ptr::from_foreign(ptr) });
        return Err(Error::from_errno(fd));
    }
    // `fd` is non-negative here, so the conversion cannot fail.
    u32::try_from(fd).map_err(|_| EINVAL)
}

struct VTable<T: AnonFile>(PhantomData<T>);

impl<T: AnonFile> VTable<T> {
    /// # Safety
    ///
    /// `file` must be a file created by [`create_fd`] for `T` that is being released.
    unsafe extern "C" fn release(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: The release call owns the private data, set by `create_fd` from
        // `T::Ptr::into_foreign`.
        let ptr = unsafe { T::Ptr::from_foreign((*file).private_data) };
        // SAFETY: The file is valid for the duration of this call and there is no active
        // fdget_pos region on it.
        T::release(ptr, unsafe { File::from_raw_file(file) });
        0
    }

    /// # Safety
    ///
    /// `file` must be a file created by [`create_fd`] for `T`.
    unsafe extern "C" fn ioctl(file: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
        // SAFETY: ioctl runs between `create_fd` and `release`, so the private data is a live
        // `T::Ptr` that may be borrowed for the duration of the call.
        let this = unsafe { T::Ptr::borrow((*file).private_data) };
        // SAFETY: The file is valid for the duration of this call and there is no active
        // fdget_pos region on it.
        let file = unsafe { File::from_raw_file(file) };
        match T::ioctl(this, file, cmd, arg) {
            Ok(ret) => ret as c_long,
            Err(err) => err.to_errno() as c_long,
        }
    }

    const VTABLE: bindings::file_operations = bindings::file_operations {
        release: Some(Self::release),
        unlocked_ioctl: if T::HAS_IOCTL {
            Some(Self::ioctl)
        } else {
            None
        },
        #[cfg(CONFIG_COMPAT)]
        compat_ioctl: if T::HAS_IOCTL {
            bindings::compat_ptr_ioctl
        } else {
            None
        },
        llseek: Some(bindings::noop_llseek),
        owner: this_module::<T::OwnerModule>().as_ptr(),
        ..pin_init::zeroed()
    };

    const fn build() -> &'static bindings::file_operations {
        &Self::VTABLE
    }
}
