/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference vmacct depends on, behind small helpers named after the API they
 * stand in for. The rest of the module is written as if for one kernel.
 *
 * Choices are made by header probes (module/Kbuild: VMACCT_HAVE_*) where an API appeared or
 * changed shape (stable kernels backport, so a version number alone would be wrong), and by
 * LINUX_VERSION_CODE only where behaviour changed with nothing visible in the headers.
 * The kernels of the matrix (6.1, 6.12, 7.2) test every branch except CONFIG_NO_PAGE_MAPCOUNT,
 * which Debian does not enable.
 */
#ifndef VMACCT_COMPAT_H
#define VMACCT_COMPAT_H

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/version.h>
#ifdef VMACCT_HAVE_SOFTLEAF
#include <linux/leafops.h>
#endif

/*
 * Page-table mapping and locking.
 *
 * pte_offset_map_lock() is an out-of-line, unexported function since 6.5 (mm/pgtable-generic.c), so
 * walk.c does the same steps itself with these helpers, specialised for x86-64 where PTE tables are
 * never in highmem: under rcu_read_lock() (since 6.5 an empty PTE table may be freed by khugepaged
 * or MADV_COLLAPSE while only mmap_lock is held for reading, but only after an RCU grace period),
 * snapshot the pmd, refuse anything that is not a present PTE table, take the table's lock, check
 * that the pmd still points at the same table, and only then read the entries.
 */
static inline bool vmacct_pmd_is_pte_table(pmd_t pmdval)
{
	return !pmd_none(pmdval) && pmd_present(pmdval) && !pmd_trans_huge(pmdval) &&
	       !pmd_leaf(pmdval) && !pmd_bad(pmdval);
}

static inline spinlock_t *vmacct_pte_lockptr(struct mm_struct *mm, pmd_t *pmdval)
{
	return pte_lockptr(mm, pmdval);
}

/* The entry for @addr in the PTE table @pmdval points at (x86-64: no highmem, no kmap). */
static inline pte_t *vmacct_pte_table(pmd_t *pmdval, unsigned long addr)
{
	return pte_offset_kernel(pmdval, addr);
}

/* The pmd lock (split per PMD table with SPLIT_PMD_PTLOCKS), as pmd_trans_huge_lock() takes it. */
static inline spinlock_t *vmacct_pmd_lock(struct mm_struct *mm, pmd_t *pmd)
{
	return pmd_lock(mm, pmd);
}

/*
 * vm_normal_page() is not exported on 6.12/7.2. On x86-64 (CONFIG_ARCH_HAS_PTE_SPECIAL) it reduces
 * to: a special pte maps no struct page that is accounted (the zero page, PFN and mixed maps);
 * any other pte maps the page of its pfn, whatever the VMA's flags (so a vDSO data page inserted
 * into a VM_MIXEDMAP/VM_PFNMAP mapping as a normal page counts, exactly as in smaps). walk.c takes
 * these steps itself, inline in its PTE loop. The zero page is recognised by the pfn of
 * ZERO_PAGE(), which x86 does not colour, so that vmacct can count it separately.
 */
static inline unsigned long vmacct_zero_pfn(void)
{
	return page_to_pfn(ZERO_PAGE(0));
}

/*
 * pfn_valid() with a memo. Its answer is the same for every pfn of a memory subsection
 * (PAGES_PER_SUBSECTION pfns, 2 MiB on x86-64), and for every pfn of an early section (memory
 * present at boot, PAGES_PER_SECTION pfns, 128 MiB): a section is present or not, and only a
 * hot-added one is valid subsection by subsection. The pages of a process mostly come from few
 * sections, so the section lookup and RCU-sched section of pfn_valid() are paid once per run of
 * pages, not per page (nor per THP). Only "valid" is remembered, and only for the walk of one VMA:
 * a (sub)section holding a page that a present entry maps cannot be hot-removed before that entry
 * is gone, so the answer still holds for any later entry that maps a page of it.
 */
struct vmacct_pfn_memo {
	unsigned long section;
	unsigned long subsection;
};

static inline void vmacct_pfn_memo_init(struct vmacct_pfn_memo *m)
{
	/* No pfn is in (sub)section ULONG_MAX. */
	m->section = ULONG_MAX;
	m->subsection = ULONG_MAX;
}

static inline bool vmacct_pfn_valid(struct vmacct_pfn_memo *m, unsigned long pfn)
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

/*
 * The huge zero folio is not exported (huge_zero_pfn/huge_zero_folio are static to
 * mm/huge_memory.c). It is the only folio a present PMD can map in a private mapping that is
 * neither anonymous nor in a page cache: page-cache folios keep their mapping while mapped
 * (truncation unmaps first).
 */
static inline bool vmacct_folio_is_huge_zero(struct folio *folio)
{
	return !folio_test_anon(folio) && !READ_ONCE(folio->mapping);
}

/*
 * Non-present ptes. A swap entry counts as swap; a migration or device entry still names a page
 * that smaps counts as resident ("maybe shared" since 6.12). 7.x renamed these helpers "softleaf".
 */
#ifdef VMACCT_HAVE_SOFTLEAF
static inline bool vmacct_pte_is_swap(pte_t pte)
{
	return softleaf_is_swap(softleaf_from_pte(pte));
}

static inline struct page *vmacct_pte_nonpresent_page(pte_t pte)
{
	const softleaf_t entry = softleaf_from_pte(pte);

	return softleaf_has_pfn(entry) ? softleaf_to_page(entry) : NULL;
}
#else
static inline bool vmacct_pte_is_swap(pte_t pte)
{
	return !non_swap_entry(pte_to_swp_entry(pte));
}

static inline struct page *vmacct_pte_nonpresent_page(pte_t pte)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	return is_pfn_swap_entry(entry) ? pfn_swap_entry_to_page(entry) : NULL;
}
#endif

/* A non-present, non-empty pmd: only THP migration entries exist at this level on x86-64. */
static inline struct page *vmacct_pmd_nonpresent_page(pmd_t pmd)
{
#ifdef VMACCT_HAVE_SOFTLEAF
	const softleaf_t entry = softleaf_from_pmd(pmd);

	return softleaf_has_pfn(entry) ? softleaf_to_page(entry) : NULL;
#else
	return is_pmd_migration_entry(pmd) ? pfn_swap_entry_to_page(pmd_to_swp_entry(pmd)) : NULL;
#endif
}

/*
 * How smaps decides "shared" for one page of a folio (fs/proc/task_mmu.c, smaps_account()).
 * Up to 6.11 it reads page_mapcount(); from 6.12 folio_precise_page_mapcount(), which lives in
 * fs/proc/internal.h and is re-stated here. Kernels built with CONFIG_NO_PAGE_MAPCOUNT (7.x option)
 * have no per-page mapcount: smaps then uses the folio's average and "maybe mapped shared".
 */
/*
 * A folio reached through a non-present entry (migration, device private): smaps 6.1 counts it as
 * private, 6.12 and later as shared ("maybe shared, but not sure how often"). The change came with
 * the same smaps rework as the mapcount rule below, hence the same probe.
 */
#ifdef VMACCT_HAVE_PAGE_MAPCOUNT
static inline bool vmacct_nonpresent_is_private(void)
{
	return true;
}
#else
static inline bool vmacct_nonpresent_is_private(void)
{
	return false;
}
#endif

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

/*
 * The counters behind /proc/pid/statm. statm switched to exact per-cpu sums in 6.16 together with
 * adding get_mm_counter_sum(); the pair was backported to 6.12 stable, hence the header probe.
 */
static inline unsigned long vmacct_statm_counter(struct mm_struct *mm, int member)
{
#ifdef VMACCT_HAVE_GET_MM_COUNTER_SUM
	return get_mm_counter_sum(mm, member);
#else
	return get_mm_counter(mm, member);
#endif
}

/*
 * An inode's times, set once at creation (new_inode() leaves them as the slab had them). Since 6.7
 * the fields are private behind accessors and simple_inode_init_ts() sets all three.
 */
static inline void vmacct_inode_init_ts(struct inode *inode)
{
#ifdef VMACCT_HAVE_SIMPLE_INODE_INIT_TS
	simple_inode_init_ts(inode);
#else
	struct timespec64 now = current_time(inode);

	inode->i_atime = now;
	inode->i_mtime = now;
	inode->i_ctime = now;
#endif
}

/* Default dentry operations of a superblock: a helper since 6.17, a plain field before. */
static inline void vmacct_set_default_d_op(struct super_block *sb,
					   const struct dentry_operations *ops)
{
#ifdef VMACCT_HAVE_SET_DEFAULT_D_OP
	set_default_d_op(sb, ops);
#else
	sb->s_d_op = ops;
#endif
}

/*
 * ->d_revalidate() is given the parent directory and the name too since 6.14; vmacct needs only
 * the dentry. VMACCT_D_REVALIDATE(fn) defines fn_op, with the kernel's signature, around
 * int fn(struct dentry *, unsigned int flags).
 */
#ifdef VMACCT_HAVE_D_REVALIDATE_DIR
#define VMACCT_D_REVALIDATE(fn)							\
static int fn##_op(struct inode *dir, const struct qstr *name, struct dentry *dentry,	\
		   unsigned int flags)						\
{										\
	return fn(dentry, flags);						\
}
#else
#define VMACCT_D_REVALIDATE(fn)							\
static int fn##_op(struct dentry *dentry, unsigned int flags)			\
{										\
	return fn(dentry, flags);						\
}
#endif

/*
 * ->d_automount() on kernels up to 6.12 must return the new mount with an extra reference
 * (finish_automount() had BUG_ON(mnt_get_count(mnt) < 2) and dropped one); the mount rework by Al
 * Viro made finish_automount() consume the only reference. The cut-off is placed at 6.15; the
 * matrix proves 6.12 (extra reference) and 7.2 (none) but no kernel in between.
 */
static inline struct vfsmount *vmacct_automount_result(struct vfsmount *mnt)
{
#if KERNEL_VERSION(6, 15, 0) > LINUX_VERSION_CODE
	mntget(mnt);
#endif
	return mnt;
}

#endif /* VMACCT_COMPAT_H */
