// SPDX-License-Identifier: GPL-2.0

#include <linux/highmem.h>
#include <linux/mm.h>

__rust_helper phys_addr_t rust_helper_gv_page_to_phys(struct page *page)
{
	return page_to_phys(page);
}

__rust_helper unsigned long rust_helper_gv_page_to_pfn(struct page *page)
{
	return page_to_pfn(page);
}

__rust_helper struct page *rust_helper_gv_pfn_to_page(unsigned long pfn)
{
	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}


__rust_helper struct folio *rust_helper_page_folio(struct page *page)
{
	return page_folio(page);
}

__rust_helper bool rust_helper_folio_maybe_dma_pinned(struct folio *folio)
{
	return folio_maybe_dma_pinned(folio);
}

__rust_helper int rust_helper_page_count(const struct page *page)
{
	return page_count(page);
}
