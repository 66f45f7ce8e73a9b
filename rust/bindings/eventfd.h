/* SPDX-License-Identifier: GPL-2.0 */
/* eventfd contexts and wait-queue hooks, for kernel::eventfd. */
#include <linux/eventfd.h>
#include <linux/poll.h>
#include <linux/wait.h>
