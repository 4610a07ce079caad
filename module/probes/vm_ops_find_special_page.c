// SPDX-License-Identifier: GPL-2.0
/*
 * Up to 6.x: vm_normal_page() asks a driver's ->find_special_page() for the page behind a special
 * pte (Xen's gntdev), and smaps counts it.
 */
#include <linux/mm.h>

struct page *vmacct_probe_find(struct vm_area_struct *vma, unsigned long addr);
const struct vm_operations_struct vmacct_probe_ops = {
	.find_special_page = vmacct_probe_find,
};
