// SPDX-License-Identifier: GPL-2.0
/*
 * vmacct: exact per-process memory accounting from the page tables, published in debugfs at
 * /sys/kernel/debug/vmacct (README.md defines every number).
 *
 *   main.c      module init/exit
 *   pidfs.c     the pid-resolving directory and its debugfs automount point
 *   files.c     the files: version, <pid>, maps/<pid>, all, stats
 *   walk.c      the page-table walk of one address space
 *   shmem_swap.c shmem pages swapped out of the page cache (smaps' Swap)
 *   mmlock.c    how the walk holds and lets go of mmap_lock, and the stats file
 *   classify.c  how one mapped page is counted
 *   format.c    the text of the files
 *   compat-mm.h what differs between kernels in smaps' counting rules
 *   compat-fs.h what differs between kernels in the VFS interfaces
 *   probes/     the compile probes that choose between them (Kbuild)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "files.h"
#include "pidfs.h"

static int __init vmacct_init(void)
{
	return vmacct_pidfs_init();
}

static void __exit vmacct_exit(void)
{
	vmacct_pidfs_exit();
}

module_init(vmacct_init);
module_exit(vmacct_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Exact per-process memory accounting from page tables, in debugfs");
MODULE_VERSION(VMACCT_VERSION);
