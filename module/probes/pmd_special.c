// SPDX-License-Identifier: GPL-2.0
/*
 * 6.12: a PMD can be "special" (huge PFN maps; on 7.x also the huge zero folio), and
 * vm_normal_page_pmd() maps no counted page for it.
 */
#include <linux/mm.h>

bool vmacct_probe(pmd_t pmd)
{
	return pmd_special(pmd);
}
