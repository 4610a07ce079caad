/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_SHMEM_SWAP_H
#define VMACCT_SHMEM_SWAP_H

#include <linux/fs.h>
#include <linux/mm_types.h>

/*
 * The pages of a shmem mapping (tmpfs, memfd, SysV shm, MAP_SHARED|MAP_ANONYMOUS) that were swapped
 * out of the shmem page cache: they have no swap entry in any page table, only in the file's
 * xarray, and smaps counts them in Swap. The helpers smaps uses for that (shmem_swap_usage(),
 * shmem_partial_swap_usage(), shmem_mapping() on 6.1) are not exported; shmem_swap.c re-states
 * them. All sizes in bytes.
 */

/* The VMA maps a shmem file (what shmem_mapping() says of its mapping). */
bool vmacct_vma_is_shmem(struct vm_area_struct *vma);

/* Anything of the shmem file the VMA maps is swapped out (its inode's count, read racily). */
bool vmacct_shmem_has_swap(struct vm_area_struct *vma);

/* shmem_swap_usage(): what of the VMA's range of the file is swapped out. */
unsigned long vmacct_shmem_swap_usage(struct vm_area_struct *vma);

/*
 * shmem_partial_swap_usage(): what of the file's pages [@start, @end) is swapped out. @atomic:
 * called under a spinlock, never reschedule.
 */
unsigned long vmacct_shmem_partial_swap(struct address_space *mapping, pgoff_t start,
					pgoff_t end, bool atomic);

#endif /* VMACCT_SHMEM_SWAP_H */
