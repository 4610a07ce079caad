// SPDX-License-Identifier: GPL-2.0
/* 6.14: ->d_revalidate() is also given the parent directory's inode and the name. */
#include <linux/dcache.h>

int vmacct_probe_revalidate(struct inode *dir, const struct qstr *name, struct dentry *dentry,
			    unsigned int flags);
const struct dentry_operations vmacct_probe_dops = {
	.d_revalidate = vmacct_probe_revalidate,
};
