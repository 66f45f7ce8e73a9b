/* SPDX-License-Identifier: GPL-2.0 */
/* Clock snapshots, for kernel::clock_snapshot. */
#include <linux/timekeeping.h>
