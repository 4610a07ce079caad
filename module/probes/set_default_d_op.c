// SPDX-License-Identifier: GPL-2.0
/* 6.17: a superblock's default dentry operations are set through set_default_d_op(). */
#include <linux/dcache.h>
#include <linux/fs.h>

void vmacct_probe(struct super_block *sb, const struct dentry_operations *ops)
{
	set_default_d_op(sb, ops);
}
