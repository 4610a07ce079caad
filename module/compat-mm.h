/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between kernels in how smaps counts a page-table entry, behind small helpers named
 * after what they decide. The walker (walk.c) and the counting rule (classify.c) read as if for
 * one kernel. Each choice is made by a compile probe (probes/NAME.c gives VMACCT_HAVE_NAME), never
 * by a version number: stable kernels backport.
 *
 * The kernels of the test matrix, 6.1, 6.12 and 7.2, take every branch here except
 * CONFIG_NO_PAGE_MAPCOUNT, which Debian does not enable.
 */
#ifndef VMACCT_COMPAT_MM_H
#define VMACCT_COMPAT_MM_H

#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#ifdef VMACCT_HAVE_SOFTLEAF
#include <linux/leafops.h>
#endif

/*
 * The page behind a non-present entry that names one (migration, device private, device
 * exclusive, hwpoison): only under the entry's page-table lock, since a migration entry's page is
 * checked to be locked (pfn_swap_entry_to_page()'s BUG_ON on 6.1/6.12, a DEBUG_VM warning on
 * 7.x), which holds only while the entry exists. vmacct_pte_leaf_has_pfn() asks without a lock.
 * How smaps counts that page, as returned by the helpers below:
 * - VMACCT_LEAF_MAPCOUNT: as a present page, by reference and map counts;
 * - VMACCT_LEAF_OTHER: without looking at the counts; vmacct_leaf_other_is_private() says how.
 * 6.1's smaps forces only migration entries private and reads the counts of the others; from
 * 6.12 every such entry is "maybe shared" except device-private ones, which are "fake present".
 */
enum vmacct_leaf_rule {
	VMACCT_LEAF_MAPCOUNT,
	VMACCT_LEAF_OTHER,
};

#ifdef VMACCT_HAVE_SOFTLEAF
/* 7.x renamed the swp_entry_t helpers of non-present entries "softleaf". */
static inline bool vmacct_pte_is_swap(pte_t pte)
{
	return softleaf_is_swap(softleaf_from_pte(pte));
}

static inline struct page *vmacct_pte_leaf_page(pte_t pte, enum vmacct_leaf_rule *rule)
{
	const softleaf_t entry = softleaf_from_pte(pte);

	if (!softleaf_has_pfn(entry))
		return NULL;
	*rule = softleaf_is_device_private(entry) ? VMACCT_LEAF_MAPCOUNT : VMACCT_LEAF_OTHER;
	return softleaf_to_page(entry);
}

static inline struct page *vmacct_pmd_leaf_page(pmd_t pmd)
{
	const softleaf_t entry = softleaf_from_pmd(pmd);

	return softleaf_has_pfn(entry) ? softleaf_to_page(entry) : NULL;
}

static inline bool vmacct_pte_leaf_has_pfn(pte_t pte)
{
	return softleaf_has_pfn(softleaf_from_pte(pte));
}
#else
static inline bool vmacct_pte_is_swap(pte_t pte)
{
	return !non_swap_entry(pte_to_swp_entry(pte));
}

static inline struct page *vmacct_pte_leaf_page(pte_t pte, enum vmacct_leaf_rule *rule)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	if (!is_pfn_swap_entry(entry))
		return NULL;
#ifdef VMACCT_HAVE_PAGE_MAPCOUNT
	*rule = is_migration_entry(entry) ? VMACCT_LEAF_OTHER : VMACCT_LEAF_MAPCOUNT;
#else
	*rule = is_device_private_entry(entry) ? VMACCT_LEAF_MAPCOUNT : VMACCT_LEAF_OTHER;
#endif
	return pfn_swap_entry_to_page(entry);
}

/*
 * A non-present PMD: 6.1's smaps counts migration entries only, 6.12's any entry with a pfn
 * (on x86-64 and arm64 a PMD can hold no other kind, so both read the same).
 */
static inline struct page *vmacct_pmd_leaf_page(pmd_t pmd)
{
	swp_entry_t entry = pmd_to_swp_entry(pmd);

	return is_pfn_swap_entry(entry) ? pfn_swap_entry_to_page(entry) : NULL;
}

static inline bool vmacct_pte_leaf_has_pfn(pte_t pte)
{
	return is_pfn_swap_entry(pte_to_swp_entry(pte));
}
#endif

/*
 * A page counted without its counts (VMACCT_LEAF_OTHER) is private on kernels whose smaps read
 * page_mapcount() (6.1: "migration" pages) and "maybe shared" since the 6.12 smaps rework.
 */
static inline bool vmacct_leaf_other_is_private(void)
{
#ifdef VMACCT_HAVE_PAGE_MAPCOUNT
	return true;
#else
	return false;
#endif
}

/*
 * A present PMD leaf that smaps leaves out entirely, before anything else is asked:
 * - 6.1 (follow_trans_huge_pmd(FOLL_DUMP)) refuses a PROT_NONE or NUMA-hinting PMD;
 * - a "special" PMD (huge PFN maps; on 7.x also the huge zero folio, which walk.c tells apart)
 *   maps no page that vm_normal_page_pmd() returns;
 * - 6.12's vm_normal_page_pmd() returns nothing for a devmap (DAX) PMD outside a mixed map
 *   (which it settles by pfn_valid() first), where 6.1 counts its page (a zone-device page, not
 *   a THP). The matrix cannot build DAX memory (no pmem device in the guests): that branch is
 *   read from the source, not tested.
 */
static inline bool vmacct_pmd_not_in_smaps(struct vm_area_struct *vma, pmd_t pmd)
{
#ifdef VMACCT_HAVE_GUP_PROTNONE_FLAGS
	if (pmd_protnone(pmd))
		return true;
#endif
#ifdef VMACCT_HAVE_PMD_SPECIAL
	if (pmd_special(pmd))
		return true;
#endif
#if defined(VMACCT_HAVE_PMD_DEVMAP) && !defined(VMACCT_HAVE_PAGE_MAPCOUNT)
	if (pmd_devmap(pmd) && !(vma->vm_flags & VM_MIXEDMAP))
		return true;
#endif
	return false;
}

/*
 * The page a driver names for a special pte (Xen's gntdev), which vm_normal_page() returns and
 * smaps counts: ->find_special_page(), renamed ->find_normal_page() on 7.x. Called under the pte's
 * lock, as vm_normal_page() is. The matrix has no such driver: read from the source, not tested.
 */
static inline struct page *vmacct_special_pte_page(struct vm_area_struct *vma, unsigned long addr)
{
#if defined(VMACCT_HAVE_VM_OPS_FIND_NORMAL_PAGE)
	if (vma->vm_ops && vma->vm_ops->find_normal_page)
		return vma->vm_ops->find_normal_page(vma, addr);
#elif defined(VMACCT_HAVE_VM_OPS_FIND_SPECIAL_PAGE)
	if (vma->vm_ops && vma->vm_ops->find_special_page)
		return vma->vm_ops->find_special_page(vma, addr);
#endif
	return NULL;
}

/* 7.x marks the huge zero folio's PMD special: a special PMD in an anonymous VMA maps it. */
static inline bool vmacct_pmd_special(pmd_t pmd)
{
#ifdef VMACCT_HAVE_PMD_SPECIAL
	return pmd_special(pmd);
#else
	return false;
#endif
}

/*
 * How smaps decides "shared" for one page of a folio (fs/proc/task_mmu.c, smaps_account()).
 * Up to 6.11 it reads page_mapcount(); from 6.12 folio_precise_page_mapcount(), which lives in
 * fs/proc/internal.h and is re-stated here. Kernels built with CONFIG_NO_PAGE_MAPCOUNT (7.x option)
 * have no per-page mapcount: smaps then uses the folio's average and "maybe mapped shared".
 */
#ifdef VMACCT_HAVE_PAGE_MAPCOUNT
static inline int vmacct_page_mapcount(struct folio *folio, struct page *page)
{
	return page_mapcount(page);
}

static inline bool vmacct_folio_exclusive(struct folio *folio, int mapcount)
{
	return mapcount < 2;
}
#elif defined(CONFIG_NO_PAGE_MAPCOUNT)
/*
 * folio_average_page_mapcount() (fs/proc/internal.h, not in the module headers), re-stated: the
 * PTE mappings are averaged over the folio's pages and rounded to the closest integer, the
 * PMD (entire) mappings are added whole, and a mapped folio averages at least 1.
 */
static inline int vmacct_page_mapcount(struct folio *folio, struct page *page)
{
	int mapcount, entire_mapcount, avg;

	if (!folio_test_large(folio))
		return atomic_read(&folio->_mapcount) + 1;
	mapcount = folio_mapcount(folio);
	if (unlikely(mapcount <= 0))
		return 0;
	entire_mapcount = folio_entire_mapcount(folio);
	if (mapcount <= entire_mapcount)
		return entire_mapcount;
	mapcount -= entire_mapcount;
	avg = ((unsigned int)mapcount + folio_nr_pages(folio) / 2) >> folio_order(folio);
	return max_t(int, avg + entire_mapcount, 1);
}

static inline bool vmacct_folio_exclusive(struct folio *folio, int mapcount)
{
	return !folio_maybe_mapped_shared(folio);
}
#else
/* folio_precise_page_mapcount() (fs/proc/internal.h), re-stated. */
static inline int vmacct_page_mapcount(struct folio *folio, struct page *page)
{
	int mapcount = atomic_read(&page->_mapcount) + 1;

	if (page_mapcount_is_type(mapcount))
		mapcount = 0;
	if (folio_test_large(folio))
		mapcount += folio_entire_mapcount(folio);
	return mapcount;
}

static inline bool vmacct_folio_exclusive(struct folio *folio, int mapcount)
{
	return mapcount < 2;
}
#endif

/* The counters behind /proc/pid/statm: exact per-cpu sums where statm reads those. */
static inline unsigned long vmacct_statm_counter(struct mm_struct *mm, int member)
{
#ifdef VMACCT_HAVE_GET_MM_COUNTER_SUM
	return get_mm_counter_sum(mm, member);
#else
	return get_mm_counter(mm, member);
#endif
}

/* Allocate one object of the type of @v (an lvalue, not evaluated): the 7.x typed helpers. */
#ifdef VMACCT_HAVE_KMALLOC_OBJ
#define vmacct_kzalloc_obj(v, gfp)	kzalloc_obj(v, gfp)
#define vmacct_kvmalloc_obj(v, gfp)	kvmalloc_obj(v, gfp)
#else
#define vmacct_kzalloc_obj(v, gfp)	kzalloc(sizeof(v), gfp)
#define vmacct_kvmalloc_obj(v, gfp)	kvmalloc(sizeof(v), gfp)
#endif

/*
 * A VMA's own read lock (per-VMA lock), taken while mmap_lock is held for reading so that the walk
 * can let go of mmap_lock and keep the VMA, as 7.x's /proc/pid/maps does when it falls back to
 * mmap_lock (lock_next_vma()). Like mmap_lock it keeps the VMA and the upper page-table levels of
 * its range from being freed (free_pgtables() runs only after the VMA is detached, which
 * write-locks it; an empty PTE table may still go, as under mmap_lock: walk.c), but it delays only
 * a writer of this VMA, not mmap, munmap or mprotect elsewhere in the process. From 6.14
 * vma_start_read_locked(), which fails only on a reference count at its limit; from 6.4 to 6.14
 * vma_start_read(), the fault path's, which may fail spuriously (the walk then keeps mmap_lock for
 * this VMA: slower for writers, never wrong). False where the kernel has no per-VMA locks (6.1,
 * CONFIG_PER_VMA_LOCK off): the walk stays under mmap_lock.
 */
static inline bool vmacct_vma_read_lock_under_mmap(struct vm_area_struct *vma)
{
#if defined(VMACCT_HAVE_VMA_START_READ_LOCKED)
	return vma_start_read_locked(vma);
#elif defined(VMACCT_HAVE_VMA_START_READ_ONE_ARG)
	return vma_start_read(vma);
#else
	return false;
#endif
}

/* Give back what vmacct_vma_read_lock_under_mmap() took. */
static inline void vmacct_vma_read_unlock(struct vm_area_struct *vma)
{
#if defined(VMACCT_HAVE_VMA_START_READ_LOCKED) || defined(VMACCT_HAVE_VMA_START_READ_ONE_ARG)
	vma_end_read(vma);
#endif
}

/*
 * Whether a writer waits for @sem, which this walk holds for reading: queued (rwsem_is_contended(),
 * as mmap_lock_is_contended() asks), or still spinning for it. A writer that finds an rwsem owned
 * by readers first spins for it, without queueing, for a time that sched_clock() measures (about
 * 10 us on hardware; measured in the matrix's TCG guests: whole steps of the walk, many in a row),
 * and rwsem_is_contended() cannot see it meanwhile; the spinner holds the rwsem's osq lock, and
 * since 5.11 only writers spin.
 */
static inline bool vmacct_rwsem_writer_waiting(struct rw_semaphore *sem)
{
	if (rwsem_is_contended(sem))
		return true;
#ifdef VMACCT_HAVE_RWSEM_OSQ
	return osq_is_locked(&sem->osq);
#else
	return false;
#endif
}

/* Whether a writer waits for mmap_lock, which this walk holds for reading. */
static inline bool vmacct_mmap_writer_waiting(struct mm_struct *mm)
{
	return vmacct_rwsem_writer_waiting(&mm->mmap_lock);
}

/*
 * Whether a writer of @vma (vma_start_write(): under mmap_lock for writing, to change, split, merge
 * or detach it) waits for its readers, one of them this walk, which holds @vma's read lock. It
 * cannot enter while the lock is held, so asking is racy only the harmless way: a writer that
 * comes just after is seen at the next step. 7.0 on: the writer sets
 * VM_REFCNT_EXCLUDE_READERS_FLAG in vm_refcnt while it waits (6.15 to 6.19: VMA_LOCK_OFFSET);
 * 6.4 to 6.13: it spins for, then queues on, the VMA's rwsem. A kernel none of these fits (6.14's
 * embedded rwsem) says false: the walk then lets go of the VMA only by need_resched() and the
 * budget.
 */
static inline bool vmacct_vma_writer_waiting(struct vm_area_struct *vma)
{
#if defined(VMACCT_HAVE_VMA_REFCNT_EXCLUDE_READERS)
	return refcount_read(&vma->vm_refcnt) & VM_REFCNT_EXCLUDE_READERS_FLAG;
#elif defined(VMACCT_HAVE_VMA_REFCNT_LOCK_OFFSET)
	return refcount_read(&vma->vm_refcnt) & VMA_LOCK_OFFSET;
#elif defined(VMACCT_HAVE_VMA_LOCK_RWSEM)
	return vmacct_rwsem_writer_waiting(&vma->vm_lock->lock);
#else
	return false;
#endif
}

/* Whether this build trades mmap_lock for a VMA's own lock at all (the stats file says). */
static inline bool vmacct_have_vma_locks(void)
{
#if defined(VMACCT_HAVE_VMA_START_READ_LOCKED)
	return true;
#elif defined(VMACCT_HAVE_VMA_START_READ_ONE_ARG)
	return IS_ENABLED(CONFIG_PER_VMA_LOCK);
#else
	return false;
#endif
}

#endif /* VMACCT_COMPAT_MM_H */
