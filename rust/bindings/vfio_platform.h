/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-platform reset-handler registration, for kernel::vfio_platform.
 *
 * The registration API and its structs are private to drivers/vfio/platform
 * (vfio_platform_private.h), included through the kernel's include root
 * (<../drivers/...>). They exist only when vfio-platform is built in.
 */
#if IS_BUILTIN(CONFIG_VFIO_PLATFORM_BASE)
#include <../drivers/vfio/platform/vfio_platform_private.h>
#endif
