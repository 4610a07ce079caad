// SPDX-License-Identifier: GPL-2.0
/*
 * 6.14: a VMA's read lock taken while mmap_lock is held for reading, which cannot fail spuriously,
 * to be kept once mmap_lock is let go (vma_start_read_locked(), for userfaultfd's moves, later for
 * /proc/pid/maps). Only with CONFIG_PER_VMA_LOCK.
 */
#include <linux/mm.h>

bool vmacct_probe(struct vm_area_struct *vma)
{
	return vma_start_read_locked(vma);
}
