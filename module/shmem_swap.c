// SPDX-License-Identifier: GPL-2.0
/*
 * Swap of shmem pages swapped out of the page cache (shmem_swap.h), re-stated from mm/shmem.c of
 * the kernels of the matrix, where these helpers are the same on 6.1, 6.12 and 7.2 but for large
 * swap entries (xas_get_order(), always 0 on 6.1).
 *
 * Locking, as in smaps: the file's xarray is read under RCU and its swapped count without the
 * shmem inode's lock, so a page being swapped in or out meanwhile may or may not be counted.
 * The caller holds mmap_lock or the VMA's own read lock (mmlock.c), either of which keeps the VMA
 * and its file.
 */
#include <linux/magic.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/shmem_fs.h>
#include <linux/xarray.h>

#include "shmem_swap.h"

/*
 * shmem_mapping() is "mapping->a_ops == &shmem_aops", unexported on 6.1 (and shmem_aops on every
 * kernel). Every inode of a tmpfs superblock (and only those, the kernel having CONFIG_SHMEM, as
 * Debian's do) gets shmem_aops, and every shmem mapping lives on one: the tmpfs mounts, memfd's
 * and SysV shm's internal mount, MAP_SHARED|MAP_ANONYMOUS's shmem_zero_setup(). So the
 * superblock's magic says the same.
 */
bool vmacct_vma_is_shmem(struct vm_area_struct *vma)
{
	struct address_space *mapping;

	if (!vma->vm_file)
		return false;
	mapping = vma->vm_file->f_mapping;
	return mapping && mapping->host && mapping->host->i_sb->s_magic == TMPFS_MAGIC;
}

unsigned long vmacct_shmem_partial_swap(struct address_space *mapping, pgoff_t start,
					pgoff_t end, bool atomic)
{
	XA_STATE(xas, &mapping->i_pages, start);
	unsigned long swapped = 0;
	pgoff_t max = end - 1;
	void *entry;

	if (start >= end)
		return 0;
	rcu_read_lock();
	xas_for_each(&xas, entry, max) {
		if (xas_retry(&xas, entry))
			continue;
		if (xa_is_value(entry))
			swapped += 1UL << xas_get_order(&xas);
		if (xas.xa_index == max)
			break;
		/*
		 * Under a page-table lock (@atomic) a call covers at most PTRS_PER_PTE pages.
		 * Without one it may cover a whole unmapped range of a file swapped out by the
		 * gigabyte, and the count cannot be cut short: the one place the walk reschedules
		 * with its lock (mmap_lock or the VMA's) held, as smaps'
		 * shmem_partial_swap_usage() does.
		 */
		if (!atomic && need_resched()) {
			xas_pause(&xas);
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	return swapped << PAGE_SHIFT;
}

/* The shmem inode behind the VMA: its mapping's host, as vmacct_vma_is_shmem() checked. */
static struct inode *vmacct_shmem_inode(struct vm_area_struct *vma)
{
	return vma->vm_file->f_mapping->host;
}

bool vmacct_shmem_has_swap(struct vm_area_struct *vma)
{
	return READ_ONCE(SHMEM_I(vmacct_shmem_inode(vma))->swapped);
}

unsigned long vmacct_shmem_swap_usage(struct vm_area_struct *vma)
{
	struct inode *inode = vmacct_shmem_inode(vma);
	unsigned long swapped = READ_ONCE(SHMEM_I(inode)->swapped);

	if (!swapped)
		return 0;
	/* The VMA maps the whole file: the inode's own count says it all. */
	if (!vma->vm_pgoff && vma->vm_end - vma->vm_start >= i_size_read(inode))
		return swapped << PAGE_SHIFT;
	return vmacct_shmem_partial_swap(inode->i_mapping, vma->vm_pgoff,
					 vma->vm_pgoff + vma_pages(vma), false);
}
