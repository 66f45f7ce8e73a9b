/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Arm architected timer (kernel::arch_timer) and clock snapshots
 * (kernel::clock_snapshot).
 */
#include <clocksource/arm_arch_timer.h>
#include <linux/timekeeping.h>
