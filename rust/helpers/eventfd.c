// SPDX-License-Identifier: GPL-2.0

#include <linux/eventfd.h>

#ifdef CONFIG_EVENTFD
__rust_helper void rust_helper_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}
#endif
