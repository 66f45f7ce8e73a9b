/* SPDX-License-Identifier: GPL-2.0 */
/* Pinning user pages and reaching RAM by page frame, for kernel::user_pages. */
#include <linux/highmem.h>
#include <linux/mm.h>
