/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Extra bindgen includes for bpmp-virt: the Tegra BPMP client API and
 * message ABI, and the reset-controller provider API.
 */
#include <linux/reset-controller.h>
#include <soc/tegra/bpmp.h>
#include <soc/tegra/bpmp-abi.h>
