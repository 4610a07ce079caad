// SPDX-License-Identifier: GPL-2.0
/*
 * Up to 6.4: gup_can_follow_protnone(flags) in mm.h is true only for FOLL_FORCE, so the
 * follow_trans_huge_pmd(FOLL_DUMP) that smaps used then refuses a PROT_NONE (or NUMA-hinting)
 * PMD: such a THP is not in smaps. 6.5 (FOLL_HONOR_NUMA_FAULT) moved it into mm/internal.h with
 * a VMA argument and made it follow protnone unless asked not to.
 */
#include <linux/mm.h>

bool vmacct_probe(void)
{
	return gup_can_follow_protnone(0u);
}
