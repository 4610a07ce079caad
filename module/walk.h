/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_WALK_H
#define VMACCT_WALK_H

#include <linux/mm_types.h>

#include "stats.h"

/*
 * Add the counts of one VMA to @st. Called with mmap_lock held for reading, which it may drop and
 * retake while a writer waits (walk.c). Returns 0 with the lock held; -ESTALE with the lock held
 * when the VMA changed while the lock was dropped (its counts are partial, *vmap is the VMA now
 * at that address or NULL); -EINTR on a fatal signal, with the lock released.
 */
int vmacct_walk_vma(struct mm_struct *mm, struct vm_area_struct **vmap, struct vmacct_stats *st);

/* Add the counts of every VMA of @mm to @st. Takes mmap_lock itself. 0 or -EINTR. */
int vmacct_walk_mm(struct mm_struct *mm, struct vmacct_stats *st);

#endif /* VMACCT_WALK_H */
