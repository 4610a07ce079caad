/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The numbers vmacct publishes, for one mapping or one process. Every field is defined in README.md
 * ("The numbers"); all sizes are in bytes, pss in bytes << VMACCT_PSS_SHIFT.
 */
#ifndef VMACCT_STATS_H
#define VMACCT_STATS_H

#include <linux/types.h>

/* Same fixed point as smaps' PSS_SHIFT, so that pss rounds exactly as smaps_rollup's Pss does. */
#define VMACCT_PSS_SHIFT 12

enum vmacct_kind {
	VMACCT_ANON,
	VMACCT_FILE,
	VMACCT_SHMEM,
	VMACCT_NR_KINDS
};

struct vmacct_stats {
	u64 mapped;			/* size of the mappings (VIRT) */
	u64 resident;			/* = sum of shared[] and private[] */
	u64 shared[VMACCT_NR_KINDS];	/* pages some other mapping also maps */
	u64 private[VMACCT_NR_KINDS];	/* pages mapped once */
	u64 pss;			/* proportional share, << VMACCT_PSS_SHIFT */
	u64 swap;			/* swap entries in the page tables */
	u64 zero;			/* mappings of the shared zero page (not resident) */
	u64 thp;			/* resident bytes mapped by PMD-level entries */
	u64 hugetlb;			/* hugetlb pages mapped (not resident) */
	u64 private_dirty;		/* the part of private[] that is dirty (pte or folio) */
	u64 shared_dirty;		/* the part of shared[] that is dirty */
	u64 ksm;			/* resident bytes of KSM-merged folios */
};

/* The kernel's own counters, as /proc/pid/statm reports them (bytes). */
struct vmacct_top {
	u64 virt;
	u64 res;
	u64 shr;
};

static inline u64 vmacct_shared(const struct vmacct_stats *s)
{
	return s->shared[VMACCT_ANON] + s->shared[VMACCT_FILE] + s->shared[VMACCT_SHMEM];
}

static inline u64 vmacct_private(const struct vmacct_stats *s)
{
	return s->private[VMACCT_ANON] + s->private[VMACCT_FILE] + s->private[VMACCT_SHMEM];
}

static inline void vmacct_stats_add(struct vmacct_stats *sum, const struct vmacct_stats *s)
{
	int k;

	sum->mapped += s->mapped;
	sum->resident += s->resident;
	for (k = 0; k < VMACCT_NR_KINDS; k++) {
		sum->shared[k] += s->shared[k];
		sum->private[k] += s->private[k];
	}
	sum->pss += s->pss;
	sum->swap += s->swap;
	sum->zero += s->zero;
	sum->thp += s->thp;
	sum->hugetlb += s->hugetlb;
	sum->private_dirty += s->private_dirty;
	sum->shared_dirty += s->shared_dirty;
	sum->ksm += s->ksm;
}

#endif /* VMACCT_STATS_H */
