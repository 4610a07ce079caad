/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_CLASSIFY_H
#define VMACCT_CLASSIFY_H

#include <linux/mm.h>
#include <linux/page-flags.h>

#include "stats.h"

/*
 * The counting rule's state during one walk. The rule itself is in classify.c; the one case that
 * is most of every dense process, a present entry mapping a small folio that only it references,
 * is inlined into the PTE loop (vmacct_account_small()) and only counted there, in @private_nr:
 * its size, resident and pss all follow from the number of pages, so vmacct_acct_flush() adds
 * them once instead of three sums per page.
 */
struct vmacct_acct {
	struct vmacct_stats *st;
	unsigned long private_nr[VMACCT_NR_KINDS];
	/*
	 * The last pss divisor and quotient: pages mapped by the same processes have the same
	 * mapcount (every page a pre-fork server shares with its workers), and a 64-bit division
	 * per shared page is the costliest step of the rule.
	 */
	int pss_mapcount;
	u64 pss_quotient;
};

static inline void vmacct_acct_init(struct vmacct_acct *a, struct vmacct_stats *st)
{
	memset(a, 0, sizeof(*a));
	a->st = st;
}

/* Add what the fast path counted to the stats; the walk calls it before a VMA's stats are read. */
void vmacct_acct_flush(struct vmacct_acct *a);

static inline enum vmacct_kind vmacct_folio_kind(struct folio *folio)
{
	if (folio_test_anon(folio))
		return VMACCT_ANON;
	/* Swap-backed but not anonymous: shmem, tmpfs, memfd, MAP_SHARED|MAP_ANONYMOUS. */
	if (folio_test_swapbacked(folio))
		return VMACCT_SHMEM;
	return VMACCT_FILE;
}

/*
 * Count @nr pages of @folio starting at @page, mapped by one entry (a PMD, present or a migration
 * entry) or by @nr consecutive present PTEs.
 */
void vmacct_account_folio(struct vmacct_acct *a, struct folio *folio, struct page *page,
			  unsigned long nr, bool present);

/*
 * One present PTE mapping the small folio @folio. A reference count of 1 means this entry is its
 * only user: mapped exactly once, private, pss = its size (the first test of
 * vmacct_account_folio(), taken here without a call).
 */
static inline void vmacct_account_small(struct vmacct_acct *a, struct folio *folio)
{
	if (folio_ref_count(folio) == 1)
		a->private_nr[vmacct_folio_kind(folio)]++;
	else
		vmacct_account_folio(a, folio, &folio->page, 1, true);
}

#endif /* VMACCT_CLASSIFY_H */
