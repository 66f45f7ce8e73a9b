/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reset controls (the consumer API, kernel::reset_control) and reset
 * controllers (the provider API, kernel::reset_controller).
 */
#ifdef CONFIG_RESET_CONTROLLER
#include <linux/reset.h>
#include <linux/reset-controller.h>
#endif
