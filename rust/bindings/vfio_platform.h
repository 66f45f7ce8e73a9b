/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-platform reset-handler registration, for kernel::vfio_platform.
 *
 * Both structs are private to drivers/vfio/platform (its
 * vfio_platform_private.h). Rust sees them only as opaque types and reaches
 * them through rust/helpers/vfio_platform.c; the type names still matter,
 * as they make the kCFI type of a Rust reset callback match the one
 * vfio-platform calls it with.
 */
struct vfio_platform_device;
struct vfio_platform_reset_node;
