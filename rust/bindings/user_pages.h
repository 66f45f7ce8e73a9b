/* SPDX-License-Identifier: GPL-2.0 */
/* Pinning user pages and reaching RAM by page frame, for kernel::user_pages. */
#include <linux/highmem.h>
#include <linux/mm.h>

/* Contiguous allocations as one compound page (kernel::user_pages::ContigPages). */
const gfp_t RUST_CONST_HELPER___GFP_COMP = __GFP_COMP;
