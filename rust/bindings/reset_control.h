/* SPDX-License-Identifier: GPL-2.0 */
/* Reset controls (the consumer API), for kernel::reset_control. */
#include <linux/reset.h>
