/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinning user pages (kernel::user_pages), pages by frame number
 * (kernel::page_ext) and contiguous allocations (kernel::contig_pages).
 */
#include <linux/highmem.h>
#include <linux/mm.h>

/* Contiguous allocations as one compound page. */
const gfp_t RUST_CONST_HELPER___GFP_COMP = __GFP_COMP;
