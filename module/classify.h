/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_CLASSIFY_H
#define VMACCT_CLASSIFY_H

#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/page-flags.h>

#include "compat-mm.h"
#include "stats.h"

/*
 * The counting rule's state during one walk. The rule itself is in classify.c; the case that is
 * most of every process, a present PTE mapping a small folio, is inlined into the PTE loop
 * (vmacct_account_small()) and only counted there: pages in @private_nr and @shared_nr, the pss of
 * the shared ones in @shared_pss. Size, resident and the pss of private pages follow from the
 * numbers, so vmacct_acct_flush() adds them once per walk instead of three sums per page.
 */
struct vmacct_acct {
	struct vmacct_stats *st;
	unsigned long private_nr[VMACCT_NR_KINDS];
	unsigned long shared_nr[VMACCT_NR_KINDS];
	u64 shared_pss;
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
 * entry) or by @nr consecutive present PTEs. @present: the entry is present, or a non-present one
 * that smaps counts as if it were (VMACCT_LEAF_MAPCOUNT, compat-mm.h). Returns how many per-page
 * mapcounts it read: 0 when the folio's reference count settled it at once, else @nr (the walker
 * weighs its steps by it).
 */
unsigned long vmacct_account_folio(struct vmacct_acct *a, struct folio *folio, struct page *page,
				   unsigned long nr, bool present);

/* smaps' pss of one page mapped @mapcount (>= 2) times, in the same fixed point: the quotient. */
static inline u64 vmacct_shared_pss(struct vmacct_acct *a, int mapcount)
{
	if (mapcount != a->pss_mapcount) {
		a->pss_quotient = div_u64((u64)PAGE_SIZE << VMACCT_PSS_SHIFT, mapcount);
		a->pss_mapcount = mapcount;
	}
	return a->pss_quotient;
}

/*
 * One present PTE mapping the small folio @folio: vmacct_account_folio() for one page, inline.
 * A reference count of 1 means this entry is its only user: mapped exactly once, private, pss =
 * its size. Otherwise its mapcount decides, as for any page (compat-mm.h).
 */
static inline void vmacct_account_small(struct vmacct_acct *a, struct folio *folio)
{
	enum vmacct_kind kind = vmacct_folio_kind(folio);
	int mapcount;

	if (folio_ref_count(folio) == 1) {
		a->private_nr[kind]++;
		return;
	}
	mapcount = vmacct_page_mapcount(folio, &folio->page);
	if (mapcount < 2) {
		/* pss = the page's size, exactly as for a private page. */
		if (vmacct_folio_exclusive(folio, mapcount)) {
			a->private_nr[kind]++;
			return;
		}
		a->shared_nr[kind]++;
		a->shared_pss += (u64)PAGE_SIZE << VMACCT_PSS_SHIFT;
		return;
	}
	a->shared_pss += vmacct_shared_pss(a, mapcount);
	if (vmacct_folio_exclusive(folio, mapcount))
		a->private_nr[kind]++;
	else
		a->shared_nr[kind]++;
}

#endif /* VMACCT_CLASSIFY_H */
