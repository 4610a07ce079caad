// SPDX-License-Identifier: GPL-2.0
/*
 * vmacct: exact per-process memory accounting from the page tables, published in debugfs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#define VMACCT_VERSION "0.1"

static struct dentry *vmacct_dir;

static int version_show(struct seq_file *m, void *unused)
{
	seq_puts(m, VMACCT_VERSION "\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

static int __init vmacct_init(void)
{
	vmacct_dir = debugfs_create_dir("vmacct", NULL);
	if (IS_ERR(vmacct_dir)) {
		pr_err("debugfs is not available (debugfs=off or lockdown?): %ld\n", PTR_ERR(vmacct_dir));
		return PTR_ERR(vmacct_dir);
	}
	debugfs_create_file("version", 0400, vmacct_dir, NULL, &version_fops);
	return 0;
}

static void __exit vmacct_exit(void)
{
	debugfs_remove(vmacct_dir);
}

module_init(vmacct_init);
module_exit(vmacct_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Exact per-process memory accounting from page tables");
MODULE_VERSION(VMACCT_VERSION);
