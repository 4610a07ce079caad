/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_WALK_H
#define VMACCT_WALK_H

#include <linux/mm_types.h>

#include "mmlock.h"
#include "stats.h"

struct vmacct_shares;

/*
 * Add the counts of the addresses [@start, @limit) to @st, VMA by VMA; `mapped` adds the part of
 * each VMA that was walked. Called with @lock held, which it may let go of and take again
 * (mmlock.h): after that it goes on at the address where it stopped, in whatever VMA covers it
 * then, so an address is walked at most once (walk.c). @shares: NULL, or a group read's buffer
 * (group.h) that the pages mapped more than once are handed to after each step. 0 with the lock
 * held (mmap_lock, or the last VMA's own lock: vmacct_mmlock_next_vma() goes back to mmap_lock);
 * or, with the lock released, -EINTR on a fatal signal or the error of handing pages over.
 */
int vmacct_walk_span(struct vmacct_mmlock *lock, unsigned long start, unsigned long limit,
		     struct vmacct_stats *st, struct vmacct_shares *shares);

/* Add the counts of every VMA of @mm to @st (and @shares, or NULL). Takes mmap_lock itself. */
int vmacct_walk_mm(struct mm_struct *mm, struct vmacct_stats *st, struct vmacct_shares *shares);

#endif /* VMACCT_WALK_H */
