/* SPDX-License-Identifier: GPL-2.0 */
/* eventfd contexts, wait-queue entries and poll tables, for kernel::eventfd. */
#ifdef CONFIG_EVENTFD
#include <linux/eventfd.h>
#endif
#include <linux/poll.h>
#include <linux/wait.h>
