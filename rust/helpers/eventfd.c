// SPDX-License-Identifier: GPL-2.0

#include <linux/eventfd.h>
#include <linux/poll.h>
#include <linux/wait.h>

__rust_helper void rust_helper_gv_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}

__rust_helper void rust_helper_gv_init_waitqueue_func_entry(struct wait_queue_entry *wq,
							    wait_queue_func_t func)
{
	init_waitqueue_func_entry(wq, func);
}

__rust_helper void rust_helper_gv_init_poll_funcptr(poll_table *pt, poll_queue_proc qproc)
{
	init_poll_funcptr(pt, qproc);
}

__rust_helper __poll_t rust_helper_gv_vfs_poll(struct file *file, poll_table *pt)
{
	return vfs_poll(file, pt);
}
