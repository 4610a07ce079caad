// SPDX-License-Identifier: GPL-2.0
/*
 * How one mapped page (or PMD-mapped folio) is counted: the single place where vmacct decides
 * resident / shared / private / pss and anon / file / shmem. It follows fs/proc/task_mmu.c
 * smaps_account() of the running kernel, so that the sums equal /proc/pid/smaps_rollup.
 *
 * Called with the page-table lock of the entry held: the entry holds a reference on the folio, so
 * the folio cannot be freed or change its anon/file identity underneath. Map and reference counts
 * are read without the folio lock, exactly as smaps does: a process that maps or unmaps this folio
 * concurrently can make a page flip between shared and private (see README, "Exactness").
 */
#include <linux/mm.h>
#include <linux/page-flags.h>

#include "classify.h"
#include "compat.h"

static enum vmacct_kind vmacct_folio_kind(struct folio *folio)
{
	if (folio_test_anon(folio))
		return VMACCT_ANON;
	/* Swap-backed but not anonymous: shmem, tmpfs, memfd, MAP_SHARED|MAP_ANONYMOUS. */
	if (folio_test_swapbacked(folio))
		return VMACCT_SHMEM;
	return VMACCT_FILE;
}

static void vmacct_add(struct vmacct_stats *st, enum vmacct_kind kind, u64 size, u64 pss,
		       bool private)
{
	if (private)
		st->private[kind] += size;
	else
		st->shared[kind] += size;
	st->pss += pss;
}

void vmacct_account_page(struct vmacct_stats *st, struct page *page, unsigned long nr,
			 bool present)
{
	struct folio *folio = page_folio(page);
	enum vmacct_kind kind = vmacct_folio_kind(folio);
	u64 size = (u64)nr << PAGE_SHIFT;
	unsigned long i;

	st->resident += size;

	/*
	 * A reference count of 1 on a present entry means this entry is the folio's only user:
	 * mapped exactly once. Entries that are not present (migration) say nothing reliable
	 * about sharing; smaps' choice for them is version-dependent (compat.h).
	 */
	if (folio_ref_count(folio) == 1 || !present) {
		vmacct_add(st, kind, size, size << VMACCT_PSS_SHIFT,
			   present || vmacct_nonpresent_is_private());
		return;
	}

	for (i = 0; i < nr; i++) {
		int mapcount = vmacct_page_mapcount(folio, page + i);
		u64 pss = (u64)PAGE_SIZE << VMACCT_PSS_SHIFT;

		if (mapcount >= 2)
			pss = div_u64(pss, mapcount);
		vmacct_add(st, kind, PAGE_SIZE, pss, vmacct_folio_exclusive(folio, mapcount));
	}
}
