// SPDX-License-Identifier: GPL-2.0
/* 7.x: ->find_special_page() is ->find_normal_page(), present with CONFIG_FIND_NORMAL_PAGE. */
#include <linux/mm.h>

struct page *vmacct_probe_find(struct vm_area_struct *vma, unsigned long addr);
const struct vm_operations_struct vmacct_probe_ops = {
	.find_normal_page = vmacct_probe_find,
};
