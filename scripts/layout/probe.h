/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers that define the structs in scripts/layout/structs, for the C side of
 * check-layouts.sh. Compiled with the exact flags of a kernel object, so C's
 * layout is the layout the kernel's own C code uses.
 */
#include <linux/arm-smccc.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/fwnode.h>
#include <linux/hrtimer.h>
#include <linux/miscdevice.h>
#include <linux/mm_types.h>
#include <linux/platform_device.h>
#include <linux/poll.h>
#include <linux/reset-controller.h>
#include <linux/sched.h>
#include <linux/stddef.h>
#include <linux/wait.h>
#include <soc/tegra/bpmp.h>
