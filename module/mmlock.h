/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the walker takes, holds and gives up mmap_lock, and what it measures about it (the `stats`
 * file). One struct vmacct_mmlock per walk; its owner holds mm_users while it is used.
 */
#ifndef VMACCT_MMLOCK_H
#define VMACCT_MMLOCK_H

#include <linux/mm_types.h>
#include <linux/pgtable.h>
#include <linux/seq_file.h>
#include <linux/types.h>

/*
 * The most steps (the work of about one PTE table: one PTE table's range, a run of PMD leaves that
 * cost up to PTRS_PER_PTE entries and page mapcounts, or one VMA; mmlock.c) the walker takes under
 * one hold of mmap_lock; afterwards it lets go even when no writer waits, so that the longest hold
 * is bounded by work, not by the size of the process. A PTE table holds PTRS_PER_PTE entries, 512
 * with 4 KiB pages and 2048 with arm64's 16 KiB ones: the budget is the steps of 32768 entries,
 * 64 steps or 16, the same work whatever the page size.
 */
#define VMACCT_LOCK_BUDGET_ENTRIES	32768
#define VMACCT_LOCK_BUDGET		(VMACCT_LOCK_BUDGET_ENTRIES / PTRS_PER_PTE)
/*
 * How often one walk may find mmap_lock held or wanted by a writer and sleep a tick, in all, before
 * it queues for it like any reader (mmlock.c): 25 ticks, 100 ms at Debian's HZ=250.
 */
#define VMACCT_LOCK_TRIES		25

struct vmacct_mmlock {
	struct mm_struct *mm;
	struct vm_area_struct *vma;	/* read-locked in place of mmap_lock, or NULL */
	u64 since;		/* ktime_get_ns() when the hold began (mmap_lock taken) */
	unsigned int steps;	/* steps taken under this hold */
	unsigned int backoffs;	/* ticks this walk slept for a writer (vmacct_mmlock_take()) */
	bool held;
};

/* Take mmap_lock for reading, killable, not queued behind a writer if avoidable: 0 or -EINTR. */
int vmacct_mmlock_take(struct vmacct_mmlock *l);
/* End the hold (no-op when not held): mmap_lock or the VMA's lock; account it. */
void vmacct_mmlock_release(struct vmacct_mmlock *l);
/*
 * The walk has found @vma under mmap_lock: trade mmap_lock for @vma's own read lock, where the
 * kernel has per-VMA locks (compat-mm.h), and go on with the same hold (its steps and budget).
 * @vma then stays as it was found and its page tables stay, while mmap, munmap and mprotect of
 * other VMAs no longer wait for the walk. Nothing else may be looked up by address until the
 * next vmacct_mmlock_next_vma() or yield: without mmap_lock the VMA tree can change.
 */
void vmacct_mmlock_narrow(struct vmacct_mmlock *l, struct vm_area_struct *vma);
/*
 * One step done under the lock. True when the walker must let go now: a writer waits for the lock
 * held (mmap_lock, or the VMA's own lock), the scheduler wants the CPU, or this hold used up
 * VMACCT_LOCK_BUDGET.
 */
bool vmacct_mmlock_step(struct vmacct_mmlock *l);
/*
 * The walk lets go to hand a group read's noted pages over (walk.c), which allocates: count it
 * (lock_yields_handover).
 */
void vmacct_mmlock_count_handover(void);
/*
 * Let go and take it again (after cond_resched()). 0 with the lock held, or -EINTR on a fatal
 * signal with the lock released. Whatever was read under the old hold (VMAs) may be gone.
 */
int vmacct_mmlock_yield(struct vmacct_mmlock *l);

/*
 * One VMA done, the next one to be found by address: a step between VMAs. 0 with mmap_lock held
 * (perhaps let go and taken again; from a VMA's own lock, tried before that lock goes), or -EINTR
 * on a fatal signal with the lock released.
 */
int vmacct_mmlock_next_vma(struct vmacct_mmlock *l);

/*
 * A walk of one address space begins (a <pid> read, an `all` row, a maps/<pid> read from its
 * start), before its first vmacct_mmlock_take(): count it, and give it its own back-off allowance.
 */
void vmacct_mmlock_begin_walk(struct vmacct_mmlock *l);
/* A walk (of a whole process or of one maps/<pid> row) given up for a fatal signal. */
void vmacct_mmlock_count_interrupted(void);

int vmacct_stats_show(struct seq_file *m, void *unused);

#endif /* VMACCT_MMLOCK_H */
