/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_CLASSIFY_H
#define VMACCT_CLASSIFY_H

#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/page-flags.h>

#include "compat-mm.h"
#include "group.h"
#include "stats.h"

/*
 * The counting rule's state during one walk. The rule itself is in classify.c; the case that is
 * most of every process, a present PTE mapping a small folio, is inlined into the PTE loop
 * (vmacct_account_small()) and only counted there: pages in @private_nr and @shared_nr (and the
 * dirty ones among them), the pages whose pss is their whole size in @whole_nr, the pss of the
 * others in @divided_pss. Sizes and pss follow from the numbers, so vmacct_acct_flush() adds them
 * once per walk instead of several sums per page.
 */
struct vmacct_acct {
	struct vmacct_stats *st;
	unsigned long private_nr[VMACCT_NR_KINDS];
	unsigned long shared_nr[VMACCT_NR_KINDS];
	unsigned long private_dirty_nr;
	unsigned long shared_dirty_nr;
	unsigned long ksm_nr;
	unsigned long whole_nr;
	u64 divided_pss;
	/*
	 * The last pss divisor and quotient: pages mapped by the same processes have the same
	 * mapcount (every page a pre-fork server shares with its workers), and a 64-bit division
	 * per shared page is the costliest step of the rule.
	 */
	int pss_mapcount;
	u64 pss_quotient;
	/* A group read (group.h): the pages mapped more than once are noted here; else NULL. */
	struct vmacct_shares *shares;
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
 * that smaps counts as if it were (VMACCT_LEAF_MAPCOUNT, compat-mm.h). @dirty: the entry's dirty
 * bit as smaps reads it (pte_dirty() or pmd_dirty() of the entry; false for a non-present PTE).
 * Returns how many per-page mapcounts it read: 0 when the folio's reference count settled it at
 * once, else @nr (the walker weighs its steps by it).
 */
unsigned long vmacct_account_folio(struct vmacct_acct *a, struct folio *folio, struct page *page,
				   unsigned long nr, bool present, bool dirty);

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
 * One present PTE mapping the small folio @folio, @dirty its pte_dirty(): vmacct_account_folio()
 * for one page, inline. A reference count of 1 means this entry is its only user: mapped exactly
 * once, private, pss = its size. Otherwise its mapcount decides, as for any page (compat-mm.h).
 * Dirty is smaps' "pte or folio dirty"; KSM is the folio's, whatever maps it.
 */
static inline void vmacct_account_small(struct vmacct_acct *a, struct folio *folio, bool dirty)
{
	enum vmacct_kind kind = vmacct_folio_kind(folio);
	bool private = true;
	int mapcount = 1;

	dirty = dirty || folio_test_dirty(folio);
	if (unlikely(folio_test_ksm(folio)))
		a->ksm_nr++;
	if (folio_ref_count(folio) != 1) {
		mapcount = vmacct_page_mapcount(folio, &folio->page);
		private = vmacct_folio_exclusive(folio, mapcount);
	}
	if (mapcount < 2) {
		a->whole_nr++;
	} else {
		a->divided_pss += vmacct_shared_pss(a, mapcount);
		if (unlikely(a->shares))
			vmacct_share_page(a->shares, folio_pfn(folio), mapcount, kind);
	}
	if (private) {
		a->private_nr[kind]++;
		a->private_dirty_nr += dirty;
	} else {
		a->shared_nr[kind]++;
		a->shared_dirty_nr += dirty;
	}
}

#endif /* VMACCT_CLASSIFY_H */
