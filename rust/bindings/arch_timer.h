/* SPDX-License-Identifier: GPL-2.0 */
/* The Arm architected timer, for kernel::arch_timer. */
#include <clocksource/arm_arch_timer.h>
