/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory of a group of processes (README.md, "The numbers of a group"): the pages mapped by at
 * least one member, each counted once, split into those only members map (unique) and those a
 * process outside the group maps too (shared_out).
 *
 * A page mapped once is mapped by exactly one member: it is unique and in the union once, and
 * needs no memory. Only the pages a member maps that are mapped more than once (mapcount >= 2, by
 * the same per-kernel rule as `shared`) are remembered, by pfn, with how many of their mappings the
 * members were seen to hold: the memory of a group read is bounded by the number of distinct such
 * pages (README states the bound; `stats` reports the peak).
 *
 * The walk notes those pages under the page-table lock into a fixed buffer of runs (struct
 * vmacct_shares, no allocation there) and hands the buffer over at each step's end, with the
 * page-table lock released (mmap_lock may be held: allocations with GFP_KERNEL are allowed there,
 * as page faults do them).
 */
#ifndef VMACCT_GROUP_H
#define VMACCT_GROUP_H

#include <linux/bug.h>
#include <linux/limits.h>
#include <linux/pgtable.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "stats.h"

/*
 * A step records at most one PTE table's pages (PTRS_PER_PTE runs: 512 with 4 KiB pages, 2048
 * with arm64's 16 KiB ones), or a run of PMD leaves that ends once it cost PTRS_PER_PTE: every
 * leaf costs at least 1 and records at most one run unless it is read page by page (a shared THP,
 * PTRS_PER_PTE runs), so at most 2 * PTRS_PER_PTE - 1. Twice that, and a warning if ever exceeded.
 * The walk hands the runs over (which allocates, so with its lock let go) once another step might
 * not fit: at most every other step, however much the process shares.
 */
#define VMACCT_STEP_RUNS	(2 * PTRS_PER_PTE - 1)
#define VMACCT_SHARE_RUNS	(4 * PTRS_PER_PTE)

/*
 * The mapcount noted for a page behind a non-present entry, where smaps reads none: "maybe shared"
 * (6.12 on): shared_out for a group, unless the kernel's rule is "private" (6.1: mapcount 1).
 */
#define VMACCT_MAPCOUNT_UNKNOWN	INT_MAX

/* The ancestors of a cgroup a process belongs to are groups of it too: its groups at most. */
#define VMACCT_GROUPS_PER_PROCESS	16

struct vmacct_group {
	struct xarray pages;		/* pfn -> value: mappings by members, mapcount, kind */
	unsigned long nr_pages;		/* entries in @pages */
	u64 single[VMACCT_NR_KINDS];	/* bytes of member pages mapped once: unique */
	u64 unique[VMACCT_NR_KINDS];	/* filled by vmacct_group_finish() */
	u64 shared_out[VMACCT_NR_KINDS];
	u64 pss;			/* << VMACCT_PSS_SHIFT, the members' sum */
	u64 swap;
	unsigned int procs;
};

struct vmacct_share_run {
	unsigned long pfn;
	unsigned int nr;
	int mapcount;
	enum vmacct_kind kind;
};

/*
 * What one process's walk noted since the last flush, and who takes it: @consume, called for each
 * run at a flush (vmacct_group_consume(): the groups in @groups; sharing.c: its own, with @ctx).
 */
struct vmacct_shares {
	unsigned int n;
	bool overflow;
	int (*consume)(struct vmacct_shares *s, const struct vmacct_share_run *r);
	void *ctx;
	unsigned int nr_groups;
	struct vmacct_group *groups[VMACCT_GROUPS_PER_PROCESS];
	u64 recorded[VMACCT_NR_KINDS];	/* bytes handed over since vmacct_shares_begin() */
	struct vmacct_share_run run[VMACCT_SHARE_RUNS];
};

/* Whether the next step's runs might not fit: time to hand them over (vmacct_shares_flush()). */
static inline bool vmacct_shares_full(const struct vmacct_shares *s)
{
	return s->n > VMACCT_SHARE_RUNS - VMACCT_STEP_RUNS;
}

/*
 * @nr pages from @pfn on, each mapped @mapcount (>= 2, or VMACCT_MAPCOUNT_UNKNOWN, or 1 for a
 * non-present entry that the kernel counts private) times: note them. Under the page-table lock.
 */
static inline void vmacct_share_pages(struct vmacct_shares *s, unsigned long pfn, unsigned int nr,
				      int mapcount, enum vmacct_kind kind)
{
	struct vmacct_share_run *r = s->n ? &s->run[s->n - 1] : NULL;

	if (r && r->pfn + r->nr == pfn && r->mapcount == mapcount && r->kind == kind) {
		r->nr += nr;
		return;
	}
	if (WARN_ON_ONCE(s->n == VMACCT_SHARE_RUNS)) {
		s->overflow = true;
		return;
	}
	s->run[s->n++] = (struct vmacct_share_run){ pfn, nr, mapcount, kind };
}

static inline void vmacct_share_page(struct vmacct_shares *s, unsigned long pfn, int mapcount,
				     enum vmacct_kind kind)
{
	vmacct_share_pages(s, pfn, 1, mapcount, kind);
}

void vmacct_group_init(struct vmacct_group *g);
/* Free what @g remembers (its numbers stay). */
void vmacct_group_destroy(struct vmacct_group *g);

/* A new process's walk begins: nothing recorded yet. */
void vmacct_shares_begin(struct vmacct_shares *s);
/* The consumer of a group read: one more mapping by a member of each group in s->groups. */
int vmacct_group_consume(struct vmacct_shares *s, const struct vmacct_share_run *r);
/*
 * Hand the noted pages to s->consume and empty the buffer. Sleeps (GFP_KERNEL): never under
 * a page-table lock. 0, -ENOMEM, or -EOVERFLOW if the buffer overflowed (a bug: warned).
 */
int vmacct_shares_flush(struct vmacct_shares *s);
/* The process's walk gave @st: add to each of its groups what was not handed over page by page. */
void vmacct_shares_end(struct vmacct_shares *s, const struct vmacct_stats *st);

/* Count unique and shared_out from the pages remembered, then forget them. */
void vmacct_group_finish(struct vmacct_group *g);

/* The most pages one group (or sharing/<pid>) remembered at once, for `stats`. */
void vmacct_group_note_peak(unsigned long pages);
void vmacct_group_stats_show(struct seq_file *m);

#endif /* VMACCT_GROUP_H */
