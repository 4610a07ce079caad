// SPDX-License-Identifier: GPL-2.0
/*
 * 6.4 to 6.13: the per-VMA lock is an rwsem in a separately allocated struct vma_lock
 * (vma->vm_lock); a writer (vma_start_write()) queues on it for the VMA's readers to leave. Only
 * with CONFIG_PER_VMA_LOCK.
 */
#include <linux/mm.h>

bool vmacct_probe(struct vm_area_struct *vma)
{
	return rwsem_is_contended(&vma->vm_lock->lock);
}
