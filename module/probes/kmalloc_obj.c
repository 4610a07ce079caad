// SPDX-License-Identifier: GPL-2.0
/*
 * kzalloc_obj() and kvmalloc_obj(): typed allocation helpers (7.x) that checkpatch.pl prefers over
 * kzalloc(sizeof(*p), ...). Absent before: compat-mm.h states them with the old calls.
 */
#include <linux/slab.h>

struct vmacct_probe_obj {
	int a;
};

struct vmacct_probe_obj *vmacct_probe(void)
{
	struct vmacct_probe_obj *p = kzalloc_obj(*p, GFP_KERNEL);

	kvfree(kvmalloc_obj(*p, GFP_KERNEL));
	return p;
}
