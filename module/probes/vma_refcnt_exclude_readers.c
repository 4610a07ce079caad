// SPDX-License-Identifier: GPL-2.0
/*
 * 7.0: a VMA's writer (__vma_enter_locked()) sets VM_REFCNT_EXCLUDE_READERS_FLAG in vm_refcnt while
 * it waits for the VMA's readers to leave (6.15 to 6.19 named the same bit VMA_LOCK_OFFSET).
 */
#include <linux/mm.h>

bool vmacct_probe(struct vm_area_struct *vma)
{
	return refcount_read(&vma->vm_refcnt) & VM_REFCNT_EXCLUDE_READERS_FLAG;
}
