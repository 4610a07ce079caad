// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table walk of one address space. It knows nothing about output formats: it fills a
 * struct vmacct_stats per VMA and leaves the counting rule to classify.c.
 *
 * Locking, from the outside in:
 * - mm_users is held by the caller (mmget), so the page tables exist for the whole walk.
 * - mmap_lock is held for reading while page tables are descended: it keeps VMAs and the upper
 *   levels (pgd..pmd tables) from being freed. The walk lets go of it between two steps (PMD
 *   ranges or VMAs) whenever a writer waits or a hold used up its budget (mmlock.c states the
 *   bound), and resumes from the next address after finding the VMA again.
 * - A PTE table is read under its own lock (split ptlock), mapped under RCU (compat.h): the lock
 *   keeps every entry stable while the page it maps is classified.
 * - A PMD leaf (THP) is read under the pmd lock, as pmd_trans_huge_lock() does.
 * - hugetlb PMD tables can be shared between processes and unshared by another process truncating
 *   the file; i_mmap_rwsem (taken for reading) excludes huge_pmd_unshare(), as the hugetlb VMA lock
 *   does for smaps.
 *
 * The walk checks for fatal signals and calls cond_resched() after each PMD range, so reading a
 * process with a huge address space is killable and never trips the soft-lockup detector. Empty
 * ranges are skipped at the highest level (pgd/p4d/pud/pmd none), so the cost follows the populated
 * page tables, not the virtual size.
 */
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "classify.h"
#include "compat.h"
#include "mmlock.h"
#include "walk.h"

struct vmacct_walk {
	struct vmacct_mmlock *lock;
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	struct vmacct_stats *st;
	struct vmacct_acct acct;	/* the counting rule's state (classify.h) */
	struct vmacct_pfn_memo pfns;	/* pfn_valid() of the last subsection seen (compat.h) */
	unsigned long zero_pfn;		/* the shared zero page, looked up once per walk */
	unsigned long resume;		/* where to continue after -EAGAIN */
};

/* Between two PMD ranges: stop for a fatal signal, let go of mmap_lock when due, reschedule. */
static int vmacct_checkpoint(struct vmacct_walk *w, unsigned long next)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	if (vmacct_mmlock_step(w->lock)) {
		w->resume = next;
		return -EAGAIN;
	}
	cond_resched();
	return 0;
}

/* A swap, migration or device entry. */
static void vmacct_pte_nonpresent(struct vmacct_walk *w, pte_t pte)
{
	struct page *page;

	if (vmacct_pte_is_swap(pte)) {
		w->st->swap += PAGE_SIZE;
		return;
	}
	page = vmacct_pte_nonpresent_page(pte);
	if (page)
		vmacct_account_folio(&w->acct, page_folio(page), page, 1, false);
}

/*
 * How many of the @max entries from @ptep on (the first one maps @pfn, a page of the large folio
 * @folio) map the pages that follow it in the same folio: an mTHP, a large page-cache folio or a
 * THP split at the PMD, mapped in order. Those are looked up and classified once, together.
 */
static unsigned int vmacct_folio_run(struct folio *folio, unsigned long pfn, pte_t *ptep,
				     unsigned int max)
{
	unsigned long left = folio_pfn(folio) + folio_nr_pages(folio) - pfn;
	unsigned int nr = 1;

	if (left < max)
		max = left;
	while (nr < max) {
		pte_t pte = ptep_get(ptep + nr);

		if (!pte_present(pte) || pte_special(pte) || pte_pfn(pte) != pfn + nr)
			break;
		nr++;
	}
	return nr;
}

/*
 * Count the entry at @ptep, and the entries after it that map the rest of the same large folio;
 * returns how many entries it counted (at most @max).
 */
static unsigned int vmacct_ptes(struct vmacct_walk *w, pte_t *ptep, unsigned int max)
{
	pte_t pte = ptep_get(ptep);
	struct folio *folio;
	struct page *page;
	unsigned long pfn;
	unsigned int nr;

	/*
	 * Where vmacct must differ from smaps: for a shmem VMA, smaps also counts an empty pte
	 * (or a whole hole, smaps_pte_hole()) whose page was swapped out of the shmem page cache,
	 * via shmem_partial_swap_usage()/shmem_swap_usage(). Neither is exported to modules on
	 * any kernel of the matrix, so such pages are missing from `swap` (README: "swap").
	 */
	if (pte_none(pte))
		return 1;
	if (!pte_present(pte)) {
		vmacct_pte_nonpresent(w, pte);
		return 1;
	}
	pfn = pte_pfn(pte);
	if (pfn == w->zero_pfn) {
		w->st->zero += PAGE_SIZE;
		return 1;
	}
	/* vm_normal_page(), as compat.h explains: a special pte maps nothing that is counted. */
	if (pte_special(pte) || !vmacct_pfn_valid(&w->pfns, pfn))
		return 1;
	page = pfn_to_page(pfn);
	folio = page_folio(page);
	if (!folio_test_large(folio)) {
		vmacct_account_small(&w->acct, folio);
		return 1;
	}
	nr = vmacct_folio_run(folio, pfn, ptep, max);
	vmacct_account_folio(&w->acct, folio, page, nr, true);
	return nr;
}

/*
 * Returns -ENOENT when the pmd does not, or no longer, point at a PTE table: the caller looks at it
 * again. The steps of pte_offset_map_lock(), which is not exported (compat.h).
 */
static int vmacct_pte_range(struct vmacct_walk *w, pmd_t *pmd, unsigned long addr,
			    unsigned long end)
{
	unsigned int i, nr = (end - addr) >> PAGE_SHIFT;
	spinlock_t *ptl;	/* the PTE table's split lock */
	pmd_t pmdval;
	pte_t *pte;

	rcu_read_lock();
	pmdval = READ_ONCE(*pmd);	/* x86-64: a pmd is read in one access */
	if (!vmacct_pmd_is_pte_table(pmdval)) {
		rcu_read_unlock();
		return -ENOENT;
	}
	ptl = vmacct_pte_lockptr(w->mm, &pmdval);
	spin_lock(ptl);
	if (unlikely(!pmd_same(pmdval, READ_ONCE(*pmd)))) {
		spin_unlock(ptl);
		rcu_read_unlock();
		return -ENOENT;
	}
	pte = vmacct_pte_table(&pmdval, addr);
	for (i = 0; i < nr; )
		i += vmacct_ptes(w, pte + i, nr - i);
	spin_unlock(ptl);
	rcu_read_unlock();
	return 0;
}

/*
 * A PMD-level entry: a transparent huge page, the huge zero page, or a THP migration entry.
 * Returns its cost in page-table entries and page mapcounts read (a step's unit, mmlock.h).
 */
static unsigned long vmacct_pmd_leaf(struct vmacct_walk *w, pmd_t pmdval)
{
	struct folio *folio;
	struct page *page;

	if (!pmd_present(pmdval)) {
		page = vmacct_pmd_nonpresent_page(pmdval);
		if (page)
			vmacct_account_folio(&w->acct, page_folio(page), page, HPAGE_PMD_NR, false);
		return 1;
	}
	/* PFN and mixed maps have no struct page that is counted (vm_normal_page_pmd()). */
	if (w->vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP | VM_IO))
		return 1;
	if (!vmacct_pfn_valid(&w->pfns, pmd_pfn(pmdval)))
		return 1;
	page = pmd_page(pmdval);
	folio = page_folio(page);
	if (vmacct_folio_is_huge_zero(folio)) {
		w->st->zero += HPAGE_PMD_SIZE;
		return 1;
	}
	w->st->thp += HPAGE_PMD_SIZE;
	return 1 + vmacct_account_folio(&w->acct, folio, page, HPAGE_PMD_NR, true);
}

static bool vmacct_pmd_is_leaf(pmd_t pmdval)
{
	return pmd_trans_huge(pmdval) || pmd_leaf(pmdval) ||
	       (!pmd_none(pmdval) && !pmd_present(pmdval));
}

/*
 * The PMD leaves from @pmd (which maps @addr) on, as many as make one step: read under one hold of
 * the pmd lock (one PMD table has one lock, so every entry up to @end shares it), until they have
 * cost PTRS_PER_PTE entries and page mapcounts, the work of one PTE table. A THP whose reference
 * count settles it costs 1, so 1 GiB of private THP is one step; a shared one read page by page
 * costs 513 and is a step of its own. Returns how many entries it counted, 0 when @pmd is no
 * longer a leaf; *@next is the address after the last one.
 */
static unsigned int vmacct_pmd_leaves(struct vmacct_walk *w, pmd_t *pmd, unsigned long addr,
				      unsigned long end, unsigned long *next)
{
	spinlock_t *ptl = vmacct_pmd_lock(w->mm, pmd);
	unsigned long cost = 0;
	unsigned int n = 0;

	do {
		pmd_t pmdval = READ_ONCE(pmd[n]);

		if (!vmacct_pmd_is_leaf(pmdval))
			break;
		cost += vmacct_pmd_leaf(w, pmdval);
		n++;
		addr = pmd_addr_end(addr, end);
	} while (addr != end && cost < PTRS_PER_PTE);
	spin_unlock(ptl);
	*next = addr;
	return n;
}

static int vmacct_pmd_range(struct vmacct_walk *w, pud_t *pud, unsigned long addr,
			    unsigned long end)
{
	pmd_t *pmd = pmd_offset(pud, addr);
	unsigned long next;
	pmd_t pmdval;
	int ret;

	do {
again:
		next = pmd_addr_end(addr, end);
		pmdval = READ_ONCE(*pmd);
		/*
		 * An empty entry is no step: it costs one read, and a sparse range (a large
		 * reservation around a few touched pages) must not yield mmap_lock per 2 MiB of
		 * nothing. Empty upper levels are skipped the same way.
		 */
		if (pmd_none(pmdval))
			continue;
		if (vmacct_pmd_is_leaf(pmdval)) {
			unsigned int n = vmacct_pmd_leaves(w, pmd, addr, end, &next);

			if (!n)
				goto again;	/* split or zapped meanwhile */
			pmd += n - 1;
			goto next;
		}
		if (pmd_bad(pmdval))
			goto next;
		if (vmacct_pte_range(w, pmd, addr, next) == -ENOENT)
			goto again;
next:
		ret = vmacct_checkpoint(w, next);
		if (ret)
			return ret;
	} while (pmd++, addr = next, addr != end);
	return 0;
}

static int vmacct_pud_range(struct vmacct_walk *w, p4d_t *p4d, unsigned long addr,
			    unsigned long end)
{
	pud_t *pud = pud_offset(p4d, addr);
	unsigned long next;
	int ret;

	do {
		pud_t pudval = READ_ONCE(*pud);

		next = pud_addr_end(addr, end);
		/* A PUD leaf outside hugetlb is device DAX, which smaps does not count either. */
		if (pud_none(pudval) || !pud_present(pudval) || pud_leaf(pudval) || pud_bad(pudval))
			continue;
		ret = vmacct_pmd_range(w, pud, addr, next);
		if (ret)
			return ret;
	} while (pud++, addr = next, addr != end);
	return 0;
}

static int vmacct_p4d_range(struct vmacct_walk *w, pgd_t *pgd, unsigned long addr,
			    unsigned long end)
{
	p4d_t *p4d = p4d_offset(pgd, addr);
	unsigned long next;
	int ret;

	do {
		p4d_t p4dval = READ_ONCE(*p4d);

		next = p4d_addr_end(addr, end);
		/* Read-only: a bad entry is skipped, never cleared as the core walker would. */
		if (p4d_none(p4dval) || p4d_bad(p4dval))
			continue;
		ret = vmacct_pud_range(w, p4d, addr, next);
		if (ret)
			return ret;
	} while (p4d++, addr = next, addr != end);
	return 0;
}

static int vmacct_pgd_range(struct vmacct_walk *w, unsigned long addr, unsigned long end)
{
	pgd_t *pgd = pgd_offset(w->mm, addr);
	unsigned long next;
	int ret;

	do {
		pgd_t pgdval = READ_ONCE(*pgd);

		next = pgd_addr_end(addr, end);
		if (pgd_none(pgdval) || pgd_bad(pgdval))
			continue;
		ret = vmacct_p4d_range(w, pgd, addr, next);
		if (ret)
			return ret;
	} while (pgd++, addr = next, addr != end);
	return 0;
}

/*
 * hugetlb: only the size of the huge pages mapped is reported (smaps reports them as
 * Shared_Hugetlb/Private_Hugetlb and leaves them out of Rss; so does vmacct's resident).
 * The entries are read, never dereferenced, so a value racing with a fault is merely stale.
 */
static void vmacct_hugetlb_range(struct vmacct_walk *w, unsigned long addr, unsigned long end)
{
	struct address_space *mapping = w->vma->vm_file->f_mapping;
	unsigned long next;

	i_mmap_lock_read(mapping);
	for (; addr < end; addr = next) {
		pgd_t *pgd = pgd_offset(w->mm, addr);
		p4d_t *p4d;
		pud_t *pud, pudval;
		pmd_t pmdval;

		next = pud_addr_end(addr, end);
		if (pgd_none(READ_ONCE(*pgd)))
			continue;
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(READ_ONCE(*p4d)))
			continue;
		pud = pud_offset(p4d, addr);
		pudval = READ_ONCE(*pud);
		if (pud_none(pudval))
			continue;
		if (pud_leaf(pudval)) {
			if (pud_present(pudval))
				w->st->hugetlb += PUD_SIZE;
			continue;
		}
		next = pmd_addr_end(addr, end);
		pmdval = READ_ONCE(*pmd_offset(pud, addr));
		if (pmd_leaf(pmdval) && pmd_present(pmdval))
			w->st->hugetlb += PMD_SIZE;
	}
	i_mmap_unlock_read(mapping);
}

static int vmacct_range(struct vmacct_walk *w, unsigned long addr, unsigned long end)
{
	if (is_vm_hugetlb_page(w->vma)) {
		vmacct_hugetlb_range(w, addr, end);
		return 0;
	}
	return vmacct_pgd_range(w, addr, end);
}

/* The VMA w->vma from @addr to its end, across the times mmap_lock is let go. */
static int vmacct_walk_ranges(struct vmacct_walk *w, unsigned long addr)
{
	unsigned long start = w->vma->vm_start, end = w->vma->vm_end;
	struct vm_area_struct *vma;
	int ret;

	for (;;) {
		ret = vmacct_range(w, addr, end);
		if (ret != -EAGAIN)
			break;
		/*
		 * Let a waiting writer in. Afterwards the VMA may be gone or changed; the walk
		 * continues only over the same range, else this VMA's counts stop here.
		 */
		addr = w->resume;
		if (vmacct_mmlock_yield(w->lock))
			return -EINTR;
		if (addr >= end)
			return 0;
		vma = find_vma(w->mm, addr);
		if (!vma || vma->vm_start != start || vma->vm_end != end)
			return -ESTALE;
		w->vma = vma;
	}
	if (ret == -EINTR)
		vmacct_mmlock_release(w->lock);
	return ret;
}

int vmacct_walk_vma(struct vmacct_mmlock *lock, struct vm_area_struct *vma,
		    struct vmacct_stats *st)
{
	struct vmacct_walk w = {
		.lock = lock,
		.mm = lock->mm,
		.vma = vma,
		.st = st,
		.zero_pfn = vmacct_zero_pfn(),
	};
	int ret;

	vmacct_acct_init(&w.acct, st);
	vmacct_pfn_memo_init(&w.pfns);
	st->mapped += vma->vm_end - vma->vm_start;
	ret = vmacct_walk_ranges(&w, vma->vm_start);
	vmacct_acct_flush(&w.acct);
	return ret;
}

int vmacct_walk_mm(struct mm_struct *mm, struct vmacct_stats *st)
{
	struct vmacct_mmlock lock = { .mm = mm };
	struct vm_area_struct *vma;
	unsigned long addr = 0;

	vmacct_mmlock_count_walk();
	if (vmacct_mmlock_take(&lock))
		return -EINTR;
	while ((vma = find_vma(mm, addr))) {
		addr = vma->vm_end;
		if (vmacct_walk_vma(&lock, vma, st) == -EINTR)
			return -EINTR;	/* mmap_lock already released */
		/* One VMA is one step: a process of many small VMAs is no exception. */
		if (vmacct_mmlock_next_vma(&lock))
			return -EINTR;
	}
	vmacct_mmlock_release(&lock);
	return 0;
}
