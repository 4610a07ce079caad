// SPDX-License-Identifier: GPL-2.0
/* 7.x: non-present page-table entries are read through the softleaf_t helpers (leafops.h). */
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/leafops.h>

bool vmacct_probe(pte_t pte)
{
	return softleaf_is_swap(softleaf_from_pte(pte));
}
