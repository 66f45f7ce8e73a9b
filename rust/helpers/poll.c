// SPDX-License-Identifier: GPL-2.0

#include <linux/poll.h>

__rust_helper void rust_helper_init_poll_funcptr(poll_table *pt, poll_queue_proc qproc)
{
	init_poll_funcptr(pt, qproc);
}

__rust_helper __poll_t rust_helper_vfs_poll(struct file *file, poll_table *pt)
{
	return vfs_poll(file, pt);
}
