// SPDX-License-Identifier: GPL-2.0
/*
 * Up to 6.11: page_mapcount() exists, and smaps decides "shared" by it. 6.12 removed it with the
 * smaps rework that reads folio_precise_page_mapcount() and treats non-present entries as "maybe
 * shared" (compat-mm.h).
 */
#include <linux/mm.h>

int vmacct_probe(struct page *page)
{
	return page_mapcount(page);
}
