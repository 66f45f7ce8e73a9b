/* SPDX-License-Identifier: GPL-2.0 */
/* The Tegra BPMP client API and message ABI, for kernel::tegra_bpmp. */
#include <soc/tegra/bpmp.h>
#include <soc/tegra/bpmp-abi.h>
