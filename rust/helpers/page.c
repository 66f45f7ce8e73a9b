// SPDX-License-Identifier: GPL-2.0

#include <linux/mm.h>

__rust_helper phys_addr_t rust_helper_page_to_phys(struct page *page)
{
	return page_to_phys(page);
}

__rust_helper unsigned long rust_helper_page_to_pfn(struct page *page)
{
	return page_to_pfn(page);
}

__rust_helper int rust_helper_pfn_valid(unsigned long pfn)
{
	return pfn_valid(pfn);
}

__rust_helper struct page *rust_helper_pfn_to_page(unsigned long pfn)
{
	return pfn_to_page(pfn);
}

__rust_helper int rust_helper_page_count(const struct page *page)
{
	return page_count(page);
}
