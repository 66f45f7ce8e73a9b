// SPDX-License-Identifier: GPL-2.0

#include <linux/wait.h>

__rust_helper void rust_helper_init_waitqueue_func_entry(struct wait_queue_entry *wq_entry,
							 wait_queue_func_t func)
{
	init_waitqueue_func_entry(wq_entry, func);
}
