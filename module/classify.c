// SPDX-License-Identifier: GPL-2.0
/*
 * How one mapped page (or a run of pages of one folio) is counted: the single place where vmacct
 * decides resident / shared / private / pss and anon / file / shmem (with the inline fast path in
 * classify.h). It follows fs/proc/task_mmu.c smaps_account() of the running kernel, so that the
 * sums equal /proc/pid/smaps_rollup.
 *
 * Called with the page-table lock of the entry held: the entry holds a reference on the folio, so
 * the folio cannot be freed or change its anon/file identity underneath. Map and reference counts
 * are read without the folio lock, exactly as smaps does: a process that maps or unmaps this folio
 * concurrently can make a page flip between shared and private (see README, "Exactness").
 */
#include <linux/mm.h>

#include "classify.h"
#include "compat-mm.h"

void vmacct_acct_flush(struct vmacct_acct *a)
{
	struct vmacct_stats *st = a->st;
	int k;

	for (k = 0; k < VMACCT_NR_KINDS; k++) {
		u64 private = (u64)a->private_nr[k] << PAGE_SHIFT;
		u64 shared = (u64)a->shared_nr[k] << PAGE_SHIFT;

		st->resident += private + shared;
		st->private[k] += private;
		st->shared[k] += shared;
		a->private_nr[k] = 0;
		a->shared_nr[k] = 0;
	}
	st->private_dirty += (u64)a->private_dirty_nr << PAGE_SHIFT;
	st->shared_dirty += (u64)a->shared_dirty_nr << PAGE_SHIFT;
	st->ksm += (u64)a->ksm_nr << PAGE_SHIFT;
	st->pss += ((u64)a->whole_nr << (PAGE_SHIFT + VMACCT_PSS_SHIFT)) + a->divided_pss;
	a->private_dirty_nr = 0;
	a->shared_dirty_nr = 0;
	a->ksm_nr = 0;
	a->whole_nr = 0;
	a->divided_pss = 0;
}

/* Add @size bytes to private or shared of @kind, and to the dirty part of it when @dirty. */
static void vmacct_add_pages(struct vmacct_stats *st, enum vmacct_kind kind, bool private,
			     bool dirty, u64 size)
{
	if (private) {
		st->private[kind] += size;
		if (dirty)
			st->private_dirty += size;
	} else {
		st->shared[kind] += size;
		if (dirty)
			st->shared_dirty += size;
	}
}

unsigned long vmacct_account_folio(struct vmacct_acct *a, struct folio *folio, struct page *page,
				   unsigned long nr, bool present, bool dirty)
{
	enum vmacct_kind kind = vmacct_folio_kind(folio);
	struct vmacct_stats *st = a->st;
	u64 size = (u64)nr << PAGE_SHIFT;
	unsigned long i, private = 0;
	u64 pss = 0;

	st->resident += size;
	/* smaps_page_accumulate(): the entry's dirty bit or the folio's. */
	dirty = dirty || folio_test_dirty(folio);
	if (folio_test_ksm(folio))
		st->ksm += size;

	/*
	 * A reference count of 1 on a present entry means this entry is the folio's only user:
	 * mapped exactly once. Most entries that are not present (migration) say nothing reliable
	 * about sharing; smaps' choice for them is version-dependent (compat-mm.h).
	 */
	if (folio_ref_count(folio) == 1 || !present) {
		vmacct_add_pages(st, kind, present || vmacct_leaf_other_is_private(), dirty, size);
		st->pss += size << VMACCT_PSS_SHIFT;
		return 0;
	}

	for (i = 0; i < nr; i++) {
		int mapcount = vmacct_page_mapcount(folio, page + i);

		if (mapcount < 2) {
			pss += (u64)PAGE_SIZE << VMACCT_PSS_SHIFT;
		} else {
			pss += vmacct_shared_pss(a, mapcount);
			if (a->shares)
				vmacct_share_page(a->shares, page_to_pfn(page) + i, mapcount, kind);
		}
		if (vmacct_folio_exclusive(folio, mapcount))
			private++;
	}
	vmacct_add_pages(st, kind, true, dirty, (u64)private << PAGE_SHIFT);
	vmacct_add_pages(st, kind, false, dirty, (u64)(nr - private) << PAGE_SHIFT);
	st->pss += pss;
	return nr;
}
