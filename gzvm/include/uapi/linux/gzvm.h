/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * GenieZone hypervisor userspace ABI.
 *
 * Binary-compatible with the upstream/Android <linux/gzvm.h>: same ioctl
 * numbers, structure layouts and constants, so VMMs built against that
 * header (crosvm's GenieZone backend) work with this driver.
 */
#ifndef __GZVM_H__
#define __GZVM_H__

#include <linux/const.h>
#include <linux/types.h>
#include <linux/ioctl.h>

#define GZVM_IOC_MAGIC			0x92

/* Capabilities for GZVM_CHECK_EXTENSION and GZVM_ENABLE_CAP. */
#define GZVM_CAP_VM_GPA_SIZE		0xa5
#define GZVM_CAP_PROTECTED_VM		0xffbadab1

/*
 * Query a capability. The argument points to a __u64 holding the
 * capability id; the answer is written back to it.
 */
#define GZVM_CHECK_EXTENSION		_IO(GZVM_IOC_MAGIC, 0x03)

#endif /* __GZVM_H__ */
