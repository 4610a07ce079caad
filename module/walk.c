// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table walk of an address space. It knows nothing about output formats: it fills a
 * struct vmacct_stats and leaves the counting rule to classify.c, and what differs between kernels
 * to compat-mm.h.
 *
 * Locking, from the outside in:
 * - mm_users is held by the caller (mmget), so the page tables exist for the whole walk.
 * - mmap_lock is held for reading to find each VMA. Where the kernel has per-VMA locks the walk
 *   then trades it for the VMA's own read lock (mmlock.c); either keeps the VMA and the upper
 *   levels (pgd..pmd tables) under it from being freed while page tables are descended. Nothing
 *   outside the VMA is looked at under the VMA's lock alone. The walk lets go of the lock between
 *   two steps whenever a writer waits, the scheduler wants the CPU or a hold used up its budget
 *   (mmlock.c states the bound). Afterwards the VMA it was in may have grown, shrunk, moved or
 *   gone: it continues at the address where it stopped, in whichever VMA covers that address now
 *   (or the next one), as smaps_rollup does, so that no address is walked twice and none that
 *   stayed mapped is skipped (vmacct_walk_span()).
 * - A PTE table is read under its own lock (split ptlock), mapped under RCU: the lock keeps every
 *   entry stable while the page it maps is classified (vmacct_pte_range()).
 * - A PMD leaf (THP) is read under the pmd lock, as pmd_trans_huge_lock() does.
 * - hugetlb PMD tables can be shared between processes and unshared by another process truncating
 *   the file; i_mmap_rwsem (taken for reading) excludes huge_pmd_unshare(), as the hugetlb VMA lock
 *   does for smaps. hugetlb entries are only read, never followed to a page
 *   (vmacct_hugetlb_range()).
 *
 * The walk checks for fatal signals and need_resched() after each step, hugetlb included, and
 * reschedules with its lock let go (at the latest after VMACCT_LOCK_BUDGET steps), so reading a
 * process with a huge address space is killable and never trips the soft-lockup detector. Empty
 * ranges are skipped at the highest level (pgd/p4d/pud/pmd none), so the cost follows the
 * populated page tables, not the virtual size.
 *
 * Which entry smaps counts how, and what vmacct does with it (fs/proc/task_mmu.c of the running
 * kernel; the selftest that builds the state in brackets, "-" where the matrix cannot build it):
 *   pte none                          nothing (every test)
 *   pte present, normal page          classify.c (vmacct_layout)
 *   pte present, zero page / special  `zero` / nothing (vmacct_layout zero page)
 *   pte special, driver-named page    resident, as vm_normal_page() (-: Xen gntdev)
 *   PFN-map VMA (VM_PFNMAP)           nothing, smaps skips it (crosscheck: every [vvar])
 *   pte PROT_NONE / NUMA hinting      present: counted (vmacct_states protnone)
 *   pte swap                          `swap` (vmacct_layout pageout)
 *   pte migration                     resident, by compat-mm.h's rule (vmacct_torture, racy)
 *   pte device private / exclusive    resident, by compat-mm.h's rule (-: no device memory)
 *   pte hwpoison                      resident, private or shared as migration (-)
 *   pte marker (uffd-wp, guard)       nothing (vmacct_fuzz uffd-wp, guard)
 *   pmd THP present                   resident + `thp` (vmacct_layout THP)
 *   pmd THP PROT_NONE                 as the kernel's smaps (vmacct_states protnone)
 *   pmd huge zero                     `zero` (vmacct_layout read-only THP)
 *   pmd migration                     resident + `thp` (vmacct_torture, racy)
 *   pmd devmap / special (DAX, PFN)   as compat-mm.h (-: no pmem device)
 *   pud leaf outside hugetlb (DAX)    nothing, as smaps (-)
 *   hugetlb present, PMD or PUD       `hugetlb` (vmacct_layout hugetlb, vmacct_states)
 *   hugetlb migration / hwpoison      `hugetlb` (-)
 *   hugetlb marker (uffd-wp)          nothing (vmacct_states 1 GiB and 2 MiB markers)
 */
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>

#include "classify.h"
#include "compat-mm.h"
#include "mmlock.h"
#include "shmem_swap.h"
#include "walk.h"

/*
 * pfn_valid() with a memo. Its answer is the same for every pfn of a memory subsection
 * (PAGES_PER_SUBSECTION pfns, 2 MiB), and for every pfn of an early section (memory present at
 * boot, PAGES_PER_SECTION pfns, 128 MiB on x86-64): a section is present or not, and only a
 * hot-added one is valid subsection by subsection. The pages of a process mostly come from few
 * sections, so the section lookup and RCU-sched section of pfn_valid() are paid once per run of
 * pages, not per page (nor per THP). Only "valid" is remembered, and only within one VMA and one
 * hold of the walk's lock (vmacct_walk_span() forgets it at each VMA and yield): a (sub)section
 * holding a page that a present entry maps cannot be hot-removed before that entry is gone, so
 * the answer still holds for any later entry that maps a page of it.
 */
struct vmacct_pfn_memo {
	unsigned long section;
	unsigned long subsection;
};

static void vmacct_pfn_memo_init(struct vmacct_pfn_memo *m)
{
	/* No pfn is in (sub)section ULONG_MAX. */
	m->section = ULONG_MAX;
	m->subsection = ULONG_MAX;
}

static bool vmacct_pfn_valid(struct vmacct_pfn_memo *m, unsigned long pfn)
{
	if (pfn_to_section_nr(pfn) == m->section || pfn / PAGES_PER_SUBSECTION == m->subsection)
		return true;
	if (!pfn_valid(pfn))
		return false;
	/* Valid: its section is present, and an early one stays so (see above). */
	if (early_section(__pfn_to_section(pfn)))
		m->section = pfn_to_section_nr(pfn);
	else
		m->subsection = pfn / PAGES_PER_SUBSECTION;
	return true;
}

struct vmacct_walk {
	struct vmacct_mmlock *lock;
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	struct vmacct_stats *st;
	struct vmacct_acct acct;	/* the counting rule's state (classify.h) */
	struct vmacct_pfn_memo pfns;	/* pfn_valid() of the last subsection seen */
	/*
	 * The shared zero page, looked up once per walk. vm_normal_page() is not exported on
	 * 6.12/7.2; on x86-64 and arm64 (both ARCH_HAS_PTE_SPECIAL) it reduces to "a special pte
	 * maps nothing that is counted" (the zero page, PFN and mixed maps), any other pte maps
	 * the page of its pfn whatever the VMA's flags, so a vDSO data page inserted as a normal
	 * page counts, as in smaps. Neither colours the zero page: one pfn tells it apart.
	 */
	unsigned long zero_pfn;
	unsigned long resume;		/* where to continue after -EAGAIN */
	/*
	 * Shmem pages swapped out of the page cache are in smaps' Swap (shmem_swap.h). Like
	 * smap_gather_stats(), a shmem VMA walked from its start whose swapped pages all belong to
	 * it (shared or read-only, or none swapped) adds shmem_swap_usage() at once; any other one
	 * counts the swapped pages behind its holes (empty ptes and empty upper levels) as the walk
	 * meets them: @shmem_holes is then the file's mapping, else NULL. The file range whose swap
	 * was added at once by the VMA being walked is remembered (@shmem_done, pages
	 * [@shmem_done_lo, @shmem_done_hi)) until that walk ends, so that when it goes on after a
	 * yield in a VMA of the same file that was split, merged or moved meanwhile, it never adds
	 * those pages again.
	 */
	struct address_space *shmem_holes;
	struct address_space *shmem_done;
	pgoff_t shmem_done_lo, shmem_done_hi;
};

/* The swapped-out pages of @mapping's [@lo, @hi) that were not added at once before. */
static unsigned long vmacct_shmem_swap_new(struct vmacct_walk *w, struct address_space *mapping,
					   pgoff_t lo, pgoff_t hi, bool atomic)
{
	unsigned long swap = 0;

	if (mapping != w->shmem_done || hi <= w->shmem_done_lo || lo >= w->shmem_done_hi)
		return vmacct_shmem_partial_swap(mapping, lo, hi, atomic);
	if (lo < w->shmem_done_lo)
		swap += vmacct_shmem_partial_swap(mapping, lo, w->shmem_done_lo, atomic);
	if (hi > w->shmem_done_hi)
		swap += vmacct_shmem_partial_swap(mapping, w->shmem_done_hi, hi, atomic);
	return swap;
}

/* The start of a walk of [@from, ...) in the shmem VMA w->vma (struct vmacct_walk). */
static void vmacct_shmem_start(struct vmacct_walk *w, unsigned long from)
{
	struct vm_area_struct *vma = w->vma;
	struct address_space *mapping = vma->vm_file->f_mapping;
	pgoff_t lo = vma->vm_pgoff, hi = lo + vma_pages(vma);
	unsigned long swapped;

	if (!vmacct_shmem_has_swap(vma))
		return;
	/* A private writable mapping: copy-on-write pages hide the file's swapped pages. */
	if (from != vma->vm_start ||
	    ((vma->vm_flags & VM_WRITE) && !(vma->vm_flags & VM_SHARED))) {
		w->shmem_holes = mapping;
		return;
	}
	if (mapping == w->shmem_done && lo < w->shmem_done_hi && hi > w->shmem_done_lo) {
		swapped = vmacct_shmem_swap_new(w, mapping, lo, hi, false);
		w->shmem_done_lo = min(lo, w->shmem_done_lo);
		w->shmem_done_hi = max(hi, w->shmem_done_hi);
	} else {
		swapped = vmacct_shmem_swap_usage(vma);
		w->shmem_done = mapping;
		w->shmem_done_lo = lo;
		w->shmem_done_hi = hi;
	}
	w->st->swap += swapped;
}

/*
 * [@addr, @end) of w->vma has no page-table entry: smaps_pte_hole(). @atomic: under the PTE
 * table's lock (a run of empty ptes), where smaps looks up each page on its own (and so counts a
 * large swap entry once per page it covers): so does vmacct.
 */
static void vmacct_hole(struct vmacct_walk *w, unsigned long addr, unsigned long end,
			bool atomic)
{
	struct address_space *mapping = w->shmem_holes;
	pgoff_t lo, hi;

	if (likely(!mapping))
		return;
	lo = linear_page_index(w->vma, addr);
	hi = linear_page_index(w->vma, end);
	if (!atomic) {
		w->st->swap += vmacct_shmem_swap_new(w, mapping, lo, hi, false);
		return;
	}
	for (; lo < hi; lo++)
		w->st->swap += vmacct_shmem_swap_new(w, mapping, lo, lo + 1, true);
}

/*
 * Between two PMD ranges (page-table locks are let go here): stop for a fatal signal, let go of the
 * lock held (mmap_lock or the VMA's own) when due, or when the pages a group read noted might not
 * leave room for another step's: vmacct_walk_span() hands them over with the lock let go (as at
 * every yield), since the hand-over allocates (GFP_KERNEL) and so may sleep and reschedule. Nothing
 * here reschedules: the lock is still held, and a walk switched away holding it keeps every writer
 * waiting until it runs again (a cond_resched() here made the longest holds of `make bench`'s storm
 * 0.18-0.37 s; 0.04 s without). vmacct_mmlock_step() asks need_resched() and the yield reschedules
 * with the lock let go, at least every VMACCT_LOCK_BUDGET steps.
 */
static int vmacct_checkpoint(struct vmacct_walk *w, unsigned long next)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	if (vmacct_mmlock_step(w->lock))
		goto let_go;
	if (unlikely(w->acct.shares) && vmacct_shares_full(w->acct.shares)) {
		vmacct_mmlock_count_handover();
		goto let_go;
	}
	return 0;
let_go:
	w->resume = next;
	return -EAGAIN;
}

/* A swap, migration, device, hwpoison or marker entry. */
static void vmacct_pte_nonpresent(struct vmacct_walk *w, pte_t pte)
{
	enum vmacct_leaf_rule rule;
	struct page *page;

	if (vmacct_pte_is_swap(pte)) {
		w->st->swap += PAGE_SIZE;
		return;
	}
	page = vmacct_pte_leaf_page(pte, &rule);
	if (page)
		vmacct_account_folio(&w->acct, page_folio(page), page, 1,
				     rule == VMACCT_LEAF_MAPCOUNT, false);
}

/*
 * How many of the @max entries from @ptep on (the first one maps @pfn, a page of the large folio
 * @folio) map the pages that follow it in the same folio: an mTHP, a large page-cache folio or a
 * THP split at the PMD, mapped in order. Those are looked up and classified once, together. The
 * run also ends where the dirty bit (@dirty: the first pte's) changes: smaps counts each page
 * dirty by its own pte.
 */
static unsigned int vmacct_folio_run(struct folio *folio, unsigned long pfn, pte_t *ptep,
				     unsigned int max, bool dirty)
{
	unsigned long left = folio_pfn(folio) + folio_nr_pages(folio) - pfn;
	unsigned int nr = 1;

	if (left < max)
		max = left;
	while (nr < max) {
		pte_t pte = ptep_get(ptep + nr);

		if (!pte_present(pte) || pte_special(pte) || pte_pfn(pte) != pfn + nr ||
		    pte_dirty(pte) != dirty)
			break;
		nr++;
	}
	return nr;
}

/*
 * Count the entry at @ptep, and the entries after it that map the rest of the same large folio;
 * returns how many entries it counted (at most @max).
 */
static unsigned int vmacct_ptes(struct vmacct_walk *w, pte_t *ptep, unsigned long addr,
				unsigned int max)
{
	pte_t pte = ptep_get(ptep);
	struct folio *folio;
	struct page *page;
	unsigned long pfn;
	unsigned int nr;

	if (pte_none(pte)) {
		if (unlikely(w->shmem_holes)) {
			/* A run of empty ptes is one hole (smaps looks up each one). */
			for (nr = 1; nr < max && pte_none(ptep_get(ptep + nr)); nr++)
				;
			vmacct_hole(w, addr, addr + ((unsigned long)nr << PAGE_SHIFT), true);
			return nr;
		}
		return 1;
	}
	if (!pte_present(pte)) {
		vmacct_pte_nonpresent(w, pte);
		return 1;
	}
	pfn = pte_pfn(pte);
	if (pfn == w->zero_pfn) {
		w->st->zero += PAGE_SIZE;
		return 1;
	}
	/*
	 * vm_normal_page(), as at zero_pfn: a special pte maps nothing that is counted, unless its
	 * driver names a page for it.
	 */
	if (unlikely(pte_special(pte))) {
		page = vmacct_special_pte_page(w->vma, addr);
		if (page)
			vmacct_account_folio(&w->acct, page_folio(page), page, 1, true,
					     pte_dirty(pte));
		return 1;
	}
	if (!vmacct_pfn_valid(&w->pfns, pfn))
		return 1;
	page = pfn_to_page(pfn);
	folio = page_folio(page);
	if (!folio_test_large(folio)) {
		vmacct_account_small(&w->acct, folio, pte_dirty(pte));
		return 1;
	}
	nr = vmacct_folio_run(folio, pfn, ptep, max, pte_dirty(pte));
	vmacct_account_folio(&w->acct, folio, page, nr, true, pte_dirty(pte));
	return nr;
}

static bool vmacct_pmd_is_pte_table(pmd_t pmdval)
{
	return !pmd_none(pmdval) && pmd_present(pmdval) && !pmd_trans_huge(pmdval) &&
	       !pmd_leaf(pmdval) && !pmd_bad(pmdval);
}

/*
 * Returns -ENOENT when the pmd does not, or no longer, point at a PTE table: the caller looks at it
 * again. pte_offset_map_lock() is an out-of-line, unexported function since 6.5, so these are its
 * steps, for x86-64 and arm64 where PTE tables are never in highmem: under rcu_read_lock() (since
 * 6.5 an empty PTE table may be freed by khugepaged or MADV_COLLAPSE while only mmap_lock or the
 * VMA's lock is held for reading, but only after an RCU grace period), snapshot the pmd, refuse
 * anything that is not a present PTE table, take the table's lock, check that the pmd still points
 * at the same table, and only then read the entries.
 */
static int vmacct_pte_range(struct vmacct_walk *w, pmd_t *pmd, unsigned long addr,
			    unsigned long end)
{
	unsigned int i, nr = (end - addr) >> PAGE_SHIFT;
	spinlock_t *ptl;	/* the PTE table's split lock */
	pmd_t pmdval;
	pte_t *pte;

	rcu_read_lock();
	pmdval = READ_ONCE(*pmd);	/* 64-bit: a pmd is read in one access */
	if (!vmacct_pmd_is_pte_table(pmdval)) {
		rcu_read_unlock();
		return -ENOENT;
	}
	ptl = pte_lockptr(w->mm, &pmdval);
	spin_lock(ptl);
	if (unlikely(!pmd_same(pmdval, READ_ONCE(*pmd)))) {
		spin_unlock(ptl);
		rcu_read_unlock();
		return -ENOENT;
	}
	pte = pte_offset_kernel(&pmdval, addr);
	for (i = 0; i < nr; )
		i += vmacct_ptes(w, pte + i, addr + ((unsigned long)i << PAGE_SHIFT), nr - i);
	spin_unlock(ptl);
	rcu_read_unlock();
	return 0;
}

/*
 * A PMD-level entry: a transparent huge page, the huge zero page, a THP migration entry, or a DAX
 * or PFN map. Returns its cost in page-table entries and page mapcounts read (a step's unit,
 * mmlock.h). As smaps_pmd_entry(): a present leaf's page is the one vm_normal_page_pmd() (6.12,
 * 7.x) or follow_trans_huge_pmd(FOLL_DUMP) (6.1) returns, a non-present one's the migration
 * entry's; every counted folio that is not zone-device memory is also in `thp`.
 */
static unsigned long vmacct_pmd_leaf(struct vmacct_walk *w, pmd_t pmdval)
{
	struct vm_area_struct *vma = w->vma;
	bool present = pmd_present(pmdval);
	unsigned long nr = HPAGE_PMD_NR;
	struct folio *folio;
	struct page *page;

	if (present) {
		/*
		 * The huge zero folio is not exported (mm/huge_memory.c), but it is the only
		 * folio a read fault maps at a PMD of an anonymous VMA that is not anonymous
		 * memory, and 7.x marks its PMD special: it is recognised by where it is, never
		 * by "no mapping" (a driver's PMD folio may have none; a driver's VMA is not
		 * anonymous).
		 */
		if (vmacct_pmd_special(pmdval) && vma_is_anonymous(vma))
			goto zero;
		if (vmacct_pmd_not_in_smaps(vma, pmdval))
			return 1;
		/* A mixed map counts a PMD page only when it has a struct page. */
		if (!vmacct_pfn_valid(&w->pfns, pmd_pfn(pmdval)))
			return 1;
		page = pmd_page(pmdval);
		folio = page_folio(page);
		if (vma_is_anonymous(vma) && !folio_test_anon(folio))
			goto zero;
		/*
		 * A DAX file's holes are read through the huge zero folio (dax_pmd_load_hole()),
		 * neither special nor devmap on 6.1/6.12; its own pages are device memory. The
		 * matrix has no DAX device: read from the source, not tested.
		 */
		if (vma_is_dax(vma) && !folio_is_zone_device(folio))
			goto zero;
	} else {
		page = vmacct_pmd_leaf_page(pmdval);
		if (!page)
			return 1;
		folio = page_folio(page);
	}
	/* 6.1 counts a devmap PMD as its page's compound_nr() (compat-mm.h). */
	if (folio_is_zone_device(folio))
		nr = min_t(unsigned long, HPAGE_PMD_NR,
			   page == folio_page(folio, 0) ? folio_nr_pages(folio) : 1);
	/* smaps asks "anonymous" first: a device-private anonymous THP is in AnonHugePages. */
	if (folio_test_anon(folio) || !folio_is_zone_device(folio))
		w->st->thp += HPAGE_PMD_SIZE;
	/* pmd_dirty() of the entry as it is, present or not, as smaps_pmd_entry() reads it. */
	return 1 + vmacct_account_folio(&w->acct, folio, page, nr, present, pmd_dirty(pmdval));
zero:
	w->st->zero += HPAGE_PMD_SIZE;
	return 1;
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
 * costs 1 + PTRS_PER_PTE and is a step of its own. Returns how many entries it counted, 0 when
 * @pmd is no longer a leaf; *@next is the address after the last one.
 */
static unsigned int vmacct_pmd_leaves(struct vmacct_walk *w, pmd_t *pmd, unsigned long addr,
				      unsigned long end, unsigned long *next)
{
	spinlock_t *ptl = pmd_lock(w->mm, pmd);	/* pmd_trans_huge_lock()'s lock */
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
		 * reservation around a few touched pages) must not yield the lock per PMD of
		 * nothing. Empty upper levels are skipped the same way.
		 */
		if (pmd_none(pmdval)) {
			vmacct_hole(w, addr, next, false);
			continue;
		}
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
		if (pud_none(pudval)) {
			vmacct_hole(w, addr, next, false);
			continue;
		}
		/* A PUD leaf outside hugetlb is device DAX, which smaps does not count either. */
		if (!pud_present(pudval) || pud_leaf(pudval) || pud_bad(pudval))
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
		if (p4d_none(p4dval)) {
			vmacct_hole(w, addr, next, false);
			continue;
		}
		if (p4d_bad(p4dval))
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
		if (pgd_none(pgdval)) {
			vmacct_hole(w, addr, next, false);
			continue;
		}
		if (pgd_bad(pgdval))
			continue;
		ret = vmacct_p4d_range(w, pgd, addr, next);
		if (ret)
			return ret;
	} while (pgd++, addr = next, addr != end);
	return 0;
}

/*
 * The entry that maps the @size hugetlb page at @addr (a PUD, a PMD or a PTE, read as a pte as
 * huge_pte_offset() returns it), or NULL when there is none yet: *@next is then the end of the
 * empty range, so that an unpopulated multi-TiB reservation costs one read per empty upper entry.
 * The walk never goes below the hstate's own level: what is there is an entry, not a table,
 * whatever its bits say (a uffd-wp marker, a migration or hwpoison entry at the PUD). x86-64 has
 * PMD and PUD sizes; arm64 also a run of contiguous PMDs (32 MiB with 4 KiB pages, 1 GiB with
 * 16 KiB) and of contiguous PTEs (64 KiB; 2 MiB), whose first entry is the one its
 * huge_pte_offset() returns and smaps reads; with 16 KiB pages it has no PUD size (64 GiB). PTE
 * tables are never in highmem on either.
 */
static pte_t *vmacct_huge_pte(struct mm_struct *mm, unsigned long addr, unsigned long end,
			      unsigned long size, unsigned long *next)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	pud_t *pud, pudval;
	pmd_t *pmd, pmdval;
	p4d_t *p4d;

	if (pgd_none(READ_ONCE(*pgd))) {
		*next = pgd_addr_end(addr, end);
		return NULL;
	}
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d))) {
		*next = p4d_addr_end(addr, end);
		return NULL;
	}
	pud = pud_offset(p4d, addr);
	if (size >= PUD_SIZE)
		return (pte_t *)pud;
	/* A smaller page's PUD is a present table or empty; anything else is not descended. */
	pudval = READ_ONCE(*pud);
	if (!pud_present(pudval) || pud_leaf(pudval)) {
		*next = pud_addr_end(addr, end);
		return NULL;
	}
	pmd = pmd_offset(pud, addr);
	if (size >= PMD_SIZE)
		return (pte_t *)pmd;
	/* arm64's contiguous PTEs: the PMD is a present table or empty, as above. */
	pmdval = READ_ONCE(*pmd);
	if (!pmd_present(pmdval) || pmd_leaf(pmdval)) {
		*next = pmd_addr_end(addr, end);
		return NULL;
	}
	return pte_offset_kernel(&pmdval, addr);
}

/*
 * Whether a hugetlb entry maps a page that smaps_hugetlb_range() counts: a present entry
 * (PROT_NONE included: it is present on x86-64 and arm64), or a non-present one that names a page
 * (migration, hwpoison). Markers (uffd-wp, poison) and empty entries count nothing.
 */
static bool vmacct_huge_pte_counted(pte_t pte)
{
	if (pte_none(pte))
		return false;
	if (pte_present(pte))
		return true;
	/* No page-table lock is held: ask whether a page is named, never for the page. */
	return !vmacct_pte_is_swap(pte) && vmacct_pte_leaf_has_pfn(pte);
}

/*
 * hugetlb: only the size of the huge pages mapped is reported (smaps reports them as
 * Shared_Hugetlb/Private_Hugetlb and leaves them out of Rss; so does vmacct's resident).
 * The entries are read, never followed to a page, so a value racing with a fault is merely stale,
 * and no page-table lock is needed. PTRS_PER_PTE entries are one step, as one PTE table is: a
 * multi-TiB hugetlb VMA lets go of its lock (and i_mmap_rwsem, taken per hold) like any other.
 */
static int vmacct_hugetlb_range(struct vmacct_walk *w, unsigned long addr, unsigned long end)
{
	unsigned long size = huge_page_size(hstate_vma(w->vma));
	struct address_space *mapping = w->vma->vm_file->f_mapping;
	unsigned int entries = 0;
	unsigned long next;
	int ret = 0;

	/* A walk resumed inside a hugetlb VMA that replaced another starts at its next page. */
	addr = ALIGN(addr, size);
	i_mmap_lock_read(mapping);
	for (; addr < end; addr = next) {
		pte_t *ptep;

		next = addr + size;
		ptep = vmacct_huge_pte(w->mm, addr, end, size, &next);
		if (ptep && vmacct_huge_pte_counted(ptep_get(ptep)))
			w->st->hugetlb += size;
		if (++entries < PTRS_PER_PTE || next >= end)
			continue;
		entries = 0;
		i_mmap_unlock_read(mapping);
		ret = vmacct_checkpoint(w, next);
		if (ret)
			return ret;
		i_mmap_lock_read(mapping);
	}
	i_mmap_unlock_read(mapping);
	return 0;
}

static int vmacct_range(struct vmacct_walk *w, unsigned long addr, unsigned long end)
{
	/* smaps' walk_page_test() skips PFN maps whole (even their copy-on-write pages). */
	if (w->vma->vm_flags & VM_PFNMAP)
		return 0;
	if (is_vm_hugetlb_page(w->vma))
		return vmacct_hugetlb_range(w, addr, end);
	return vmacct_pgd_range(w, addr, end);
}

int vmacct_walk_span(struct vmacct_mmlock *lock, unsigned long start, unsigned long limit,
		     struct vmacct_stats *st, struct vmacct_shares *shares)
{
	struct vmacct_walk w = {
		.lock = lock,
		.mm = lock->mm,
		.st = st,
		.zero_pfn = page_to_pfn(ZERO_PAGE(0)),
	};
	unsigned long addr = start;
	bool first = true;
	int ret = 0;

	vmacct_acct_init(&w.acct, st);
	w.acct.shares = shares;
	vmacct_pfn_memo_init(&w.pfns);
	while (addr < limit) {
		unsigned long from, to;

		/* Between two VMAs: one step, as smaps_rollup lets go between VMAs. */
		if (!first && vmacct_mmlock_next_vma(lock)) {
			ret = -EINTR;
			break;
		}
		first = false;
		w.vma = find_vma(w.mm, addr);
		if (!w.vma || w.vma->vm_start >= limit)
			break;
		/* Found under mmap_lock, kept by its own lock where it has one (mmlock.h). */
		vmacct_mmlock_narrow(lock, w.vma);
		/* The lock may have been let go since the last VMA: forget what it vouched for. */
		vmacct_pfn_memo_init(&w.pfns);
		from = max(addr, w.vma->vm_start);
		to = min(w.vma->vm_end, limit);
		w.shmem_holes = NULL;
		if (vmacct_vma_is_shmem(w.vma))
			vmacct_shmem_start(&w, from);
		ret = vmacct_range(&w, from, to);
		if (ret == -EAGAIN) {
			/*
			 * Let a waiting writer in. Whatever the VMA became meanwhile, the walk
			 * goes on at w.resume in the VMA that covers it then: [from, resume)
			 * was walked, and is never walked again.
			 */
			st->mapped += w.resume - from;
			addr = w.resume;
			vmacct_mmlock_release(lock);
			if (shares) {
				ret = vmacct_shares_flush(shares);
				if (ret)
					break;
			}
			if (vmacct_mmlock_yield(lock)) {
				ret = -EINTR;
				break;
			}
			first = true;	/* the yield was this step's */
			ret = 0;
			continue;
		}
		if (ret)
			break;
		st->mapped += to - from;
		addr = to;
		/*
		 * Only a walk that goes on in the same file after a yield must not add again
		 * what was added whole: another VMA mapping the same pages has them in its own
		 * Swap in smaps, as a second mapping of a memfd does.
		 */
		w.shmem_done = NULL;
	}
	/* The last pages noted, handed over with the lock let go as after every step. */
	if (!ret && shares && shares->n) {
		vmacct_mmlock_release(lock);
		ret = vmacct_shares_flush(shares);
	}
	/* An error (-EINTR: a fatal signal); the lock may be let go already (idempotent). */
	if (ret) {
		vmacct_mmlock_release(lock);
		if (ret == -EINTR)
			vmacct_mmlock_count_interrupted();
	}
	vmacct_acct_flush(&w.acct);
	return ret;
}

int vmacct_walk_mm(struct mm_struct *mm, struct vmacct_stats *st, struct vmacct_shares *shares)
{
	struct vmacct_mmlock lock = { .mm = mm };
	int ret;

	vmacct_mmlock_begin_walk(&lock);
	if (vmacct_mmlock_take(&lock)) {
		vmacct_mmlock_count_interrupted();
		return -EINTR;
	}
	ret = vmacct_walk_span(&lock, 0, ULONG_MAX, st, shares);
	vmacct_mmlock_release(&lock);
	return ret;
}
