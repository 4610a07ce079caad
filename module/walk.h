/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_WALK_H
#define VMACCT_WALK_H

#include <linux/mm_types.h>

#include "mmlock.h"
#include "stats.h"

/*
 * Add the counts of one VMA to @st. Called with @lock held, which it may let go of and take again
 * (mmlock.h). Returns 0 with the lock held; -ESTALE with the lock held when the VMA changed while
 * the lock was let go (its counts are partial; @vma may be freed); -EINTR on a fatal signal, with
 * the lock released.
 */
int vmacct_walk_vma(struct vmacct_mmlock *lock, struct vm_area_struct *vma,
		    struct vmacct_stats *st);

/* Add the counts of every VMA of @mm to @st. Takes mmap_lock itself. 0 or -EINTR. */
int vmacct_walk_mm(struct mm_struct *mm, struct vmacct_stats *st);

#endif /* VMACCT_WALK_H */
