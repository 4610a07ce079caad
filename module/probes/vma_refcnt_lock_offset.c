// SPDX-License-Identifier: GPL-2.0
/*
 * 6.15 to 6.19: the per-VMA lock is the VMA's reference count vm_refcnt; a writer adds
 * VMA_LOCK_OFFSET to it while it waits for the VMA's readers to leave (7.0 renamed the bit
 * VM_REFCNT_EXCLUDE_READERS_FLAG).
 */
#include <linux/mm.h>

bool vmacct_probe(struct vm_area_struct *vma)
{
	return refcount_read(&vma->vm_refcnt) & VMA_LOCK_OFFSET;
}
