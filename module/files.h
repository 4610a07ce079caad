/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_FILES_H
#define VMACCT_FILES_H

#include <linux/fs.h>
#include <linux/sched.h>

#define VMACCT_VERSION "0.1"

/* inode->i_private: NULL (version, all) or the struct pid the file was looked up for. */
extern const struct file_operations vmacct_version_fops;
extern const struct file_operations vmacct_summary_fops;
extern const struct file_operations vmacct_maps_fops;
extern const struct file_operations vmacct_all_fops;
extern const struct file_operations vmacct_stats_fops;
extern const struct file_operations vmacct_users_fops;		/* group_files.c */
extern const struct file_operations vmacct_comms_fops;		/* group_files.c */
extern const struct file_operations vmacct_sharing_fops;	/* sharing.c */
extern const struct file_operations vmacct_cgroups_fops;	/* cgroups.c, CONFIG_CGROUPS */

/* EPERM for an open that could write or truncate: every file is read-only. */
int vmacct_open_check(struct file *file);
/* That, and EACCES unless the opener could read every process's smaps: files showing processes. */
int vmacct_open_check_private(struct file *file);

struct task_struct *vmacct_next_process(int *nr);

#endif /* VMACCT_FILES_H */
