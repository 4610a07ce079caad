// SPDX-License-Identifier: GPL-2.0
/*
 * 6.4 to 6.14: the per-VMA read lock of the fault path, vma_start_read(vma), an inline that may
 * fail spuriously but never succeeds wrongly (6.15 made it take the mm and moved it out of the
 * headers). Without CONFIG_PER_VMA_LOCK it compiles to false.
 */
#include <linux/mm.h>

bool vmacct_probe(struct vm_area_struct *vma)
{
	return vma_start_read(vma);
}
