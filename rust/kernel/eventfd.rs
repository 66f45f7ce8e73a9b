// SPDX-License-Identifier: GPL-2.0

//! eventfd: signalling an eventfd from the kernel, and being told when userspace signals
//! one.
//!
//! [`EventFd`] holds a reference to an eventfd context (`struct eventfd_ctx`) and signals
//! it. [`EventWatch`] hooks a handler into an eventfd's wait queue, the way KVM's irqfd
//! does: as the exclusive priority waiter (`add_wait_queue_priority_exclusive()`), so no
//! other priority waiter (another irqfd) can consume the eventfd's events; the handler runs
//! from the eventfd's wake-up, in atomic context, with the counter already consumed, and
//! once more with `hangup` set when the eventfd is released.
//!
//! C header: [`include/linux/eventfd.h`](srctree/include/linux/eventfd.h)
//!
//! # Examples
//!
//! ```
//! use kernel::{
//!     eventfd::{EventFd, EventHandler, EventWatch},
//!     prelude::*,
//!     sync::atomic::{Atomic, Relaxed},
//! };
//!
//! /// Forwards each event of a watched eventfd to another eventfd (an irqfd
//! /// that "injects" by signalling).
//! struct Forward {
//!     to: EventFd,
//!     seen: Atomic<u64>,
//! }
//!
//! impl EventHandler for Forward {
//!     fn event(&self, count: u64, hangup: bool) {
//!         if count > 0 && !hangup {
//!             self.seen.fetch_add(count, Relaxed);
//!             self.to.signal();
//!         }
//!     }
//! }
//!
//! /// Watches the eventfd `from` of the current task, signalling `to` on events.
//! fn forward(from: u32, to: u32) -> Result<EventWatch<Forward>> {
//!     let handler = Forward {
//!         to: EventFd::from_fd(to)?,
//!         seen: Atomic::new(0),
//!     };
//!     let (watch, pending) = EventWatch::new(from, handler)?;
//!     if pending {
//!         watch.handler().to.signal();
//!     }
//!     Ok(watch)
//! }
//! ```

#![cfg(CONFIG_EVENTFD)]

use crate::{
    bindings,
    error::{from_err_ptr, Result},
    fs::file::LocalFile,
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
    types::Opaque,
};
use core::{marker::PhantomPinned, ptr::NonNull};

/// `EPOLLIN`.
const EPOLLIN: u32 = 0x0001;
/// `EPOLLHUP`.
const EPOLLHUP: u32 = 0x0010;

/// A reference to an eventfd context.
///
/// # Invariants
///
/// `ctx` is a valid eventfd context on which this object owns one reference.
pub struct EventFd {
    ctx: NonNull<bindings::eventfd_ctx>,
}

// SAFETY: eventfd contexts are reference counted and their operations lock internally, so
// the reference may be used and dropped from any thread.
unsafe impl Send for EventFd {}
// SAFETY: As above: `signal` may be called concurrently.
unsafe impl Sync for EventFd {}

impl EventFd {
    /// Takes a reference to the eventfd open as `fd` in the current task: `EBADF` if `fd`
    /// is not open, `EINVAL` if it is not an eventfd.
    pub fn from_fd(fd: u32) -> Result<Self> {
        let file = LocalFile::fget(fd)?;
        Self::from_file(&file)
    }

    fn from_file(file: &LocalFile) -> Result<Self> {
        // SAFETY: `file` is a valid file for the duration of the call.
        let ctx = from_err_ptr(unsafe { bindings::eventfd_ctx_fileget(file.as_ptr()) })?;
        // INVARIANT: `eventfd_ctx_fileget` returned a new reference (not an error pointer).
        Ok(Self {
            ctx: NonNull::new(ctx).ok_or(EINVAL)?,
        })
    }

    /// Adds one to the counter and wakes its waiters. May be called in atomic context.
    pub fn signal(&self) {
        // SAFETY: `ctx` is valid by the type invariant.
        unsafe { bindings::eventfd_signal(self.ctx.as_ptr()) }
    }

    /// Whether both refer to the same eventfd.
    pub fn same(&self, other: &EventFd) -> bool {
        self.ctx == other.ctx
    }
}

impl Drop for EventFd {
    fn drop(&mut self) {
        // SAFETY: The reference is owned by this object (type invariant).
        unsafe { bindings::eventfd_ctx_put(self.ctx.as_ptr()) }
    }
}

/// Called when a watched eventfd is signalled or released.
pub trait EventHandler: Send + Sync {
    /// The eventfd was signalled (`count` is the counter value consumed, possibly 0 when a
    /// concurrent reader got there first) and/or is being released (`hangup`).
    ///
    /// Runs from the eventfd's wake-up, in atomic context with the eventfd's wait-queue
    /// lock held: it must not sleep, and must not drop the [`EventWatch`] it belongs to.
    fn event(&self, count: u64, hangup: bool);
}

/// `wait` comes first so that the wait-queue entry's address is the `Watch`'s.
#[repr(C)]
#[pin_data(PinnedDrop)]
struct Watch<T: EventHandler> {
    #[pin]
    wait: Opaque<bindings::wait_queue_entry>,
    #[pin]
    table: Opaque<bindings::poll_table_struct>,
    /// Set once `wait` is on the eventfd's wait queue.
    queued: Atomic<bool>,
    /// Set when the eventfd already had an exclusive priority waiter.
    busy: Atomic<bool>,
    eventfd: EventFd,
    handler: T,
    #[pin]
    _pin: PhantomPinned,
}

/// A handler hooked into an eventfd's wait queue; unhooked when dropped, after which the
/// handler is never called again.
pub struct EventWatch<T: EventHandler>(Pin<KBox<Watch<T>>>);

// SAFETY: The C hooks are only touched by the eventfd's wake-up (under its lock) and by
// `drop`, which unhooks them under the same lock; the rest is `EventFd` and `T`, which are
// `Send` and `Sync`.
unsafe impl<T: EventHandler> Send for EventWatch<T> {}
// SAFETY: As above; `&EventWatch` only gives out `&T` and `&EventFd`.
unsafe impl<T: EventHandler> Sync for EventWatch<T> {}

impl<T: EventHandler> EventWatch<T> {
    /// Hooks `handler` into the eventfd open as `fd`. Returns the watch and whether the
    /// eventfd was already signalled (its counter is left for the handler's first call or
    /// for readers; act on it as on an event). `EBUSY` if another watch (in any driver
    /// using the exclusive priority hook, KVM's irqfds included) holds the eventfd.
    pub fn new(fd: u32, handler: T) -> Result<(Self, bool)> {
        let file = LocalFile::fget(fd)?;
        let eventfd = EventFd::from_file(&file)?;
        let watch = KBox::pin_init(
            pin_init!(Watch {
                // SAFETY: `p` points to the uninitialised entry, which the call initialises;
                // the wake function matches `Watch<T>`'s layout.
                wait <- Opaque::ffi_init(|p| unsafe {
                    bindings::init_waitqueue_func_entry(p, Some(Self::wake))
                }),
                // SAFETY: As above, for the poll table.
                table <- Opaque::ffi_init(|p| unsafe {
                    bindings::init_poll_funcptr(p, Some(Self::queue))
                }),
                queued: Atomic::new(false),
                busy: Atomic::new(false),
                eventfd,
                handler,
                _pin: PhantomPinned,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: `file` is a valid file; the poll table is initialised and pinned, and
        // `queue` only links the pinned entry into the eventfd's wait queue.
        let mask = unsafe { bindings::vfs_poll(file.as_ptr(), watch.table.get()) };
        if watch.busy.load(Relaxed) {
            return Err(EBUSY);
        }
        if !watch.queued.load(Relaxed) {
            return Err(EINVAL);
        }
        Ok((Self(watch), mask & EPOLLIN != 0))
    }

    /// The handler.
    pub fn handler(&self) -> &T {
        &self.0.handler
    }

    /// The eventfd watched.
    pub fn eventfd(&self) -> &EventFd {
        &self.0.eventfd
    }

    /// The poll table's queueing function: links the entry into the eventfd's queue.
    ///
    /// # Safety
    ///
    /// `table` is the `table` of a live, pinned `Watch<T>` and `head` a valid wait
    /// queue head.
    unsafe extern "C" fn queue(
        _file: *mut bindings::file,
        head: *mut bindings::wait_queue_head,
        table: *mut bindings::poll_table_struct,
    ) {
        let off = core::mem::offset_of!(Watch<T>, table);
        // SAFETY: `table` is the `table` field of a `Watch<T>` (safety requirement).
        let watch = unsafe { &*table.cast::<u8>().sub(off).cast::<Watch<T>>() };
        // SAFETY: `head` is valid; the entry is pinned and initialised, and stays queued
        // until `drop` removes it.
        let ret = unsafe { bindings::add_wait_queue_priority_exclusive(head, watch.wait.get()) };
        if ret == 0 {
            watch.queued.store(true, Relaxed);
        } else {
            watch.busy.store(true, Relaxed);
        }
    }

    /// The wake function, called with the eventfd's wait-queue lock held.
    ///
    /// # Safety
    ///
    /// `wait` is the `wait` of a live `Watch<T>` (it is only queued while one is).
    unsafe extern "C" fn wake(
        wait: *mut bindings::wait_queue_entry,
        _mode: c_uint,
        _sync: c_int,
        key: *mut c_void,
    ) -> c_int {
        // SAFETY: `wait` is the first field of a `#[repr(C)]` `Watch<T>`.
        let watch = unsafe { &*wait.cast::<Watch<T>>() };
        let flags = key as usize as u32;
        let mut count = 0u64;
        if flags & EPOLLIN != 0 {
            // SAFETY: The context is valid and its wait-queue lock is held (we are called
            // from its wake-up).
            unsafe { bindings::eventfd_ctx_do_read(watch.eventfd.ctx.as_ptr(), &mut count) };
        }
        if flags & (EPOLLIN | EPOLLHUP) != 0 {
            watch.handler.event(count, flags & EPOLLHUP != 0);
        }
        0
    }
}

#[pinned_drop]
impl<T: EventHandler> PinnedDrop for Watch<T> {
    fn drop(self: Pin<&mut Self>) {
        if !self.queued.load(Relaxed) {
            return;
        }
        let mut count = 0u64;
        // SAFETY: The entry is on the context's wait queue (`queued`); removal takes the
        // queue's lock, so no wake-up is running on it afterwards.
        unsafe {
            bindings::eventfd_ctx_remove_wait_queue(
                self.eventfd.ctx.as_ptr(),
                self.wait.get(),
                &mut count,
            )
        };
    }
}
