/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_FORMAT_H
#define VMACCT_FORMAT_H

#include <linux/seq_file.h>
#include <linux/types.h>

#include "group.h"
#include "stats.h"

/* What the maps/<pid> row says about a VMA besides its counts, captured under mmap_lock. */
struct vmacct_vma_info {
	unsigned long start, end;
	unsigned long long offset;
	vm_flags_t flags;
	const char *path;	/* raw bytes (escaped when printed), or a "[name]" */
};

void vmacct_show_summary(struct seq_file *m, pid_t pid, const char *comm,
			 const struct vmacct_stats *st, const struct vmacct_top *top);
void vmacct_show_all_header(struct seq_file *m);
void vmacct_show_all_row(struct seq_file *m, pid_t pid, const char *comm,
			 const struct vmacct_stats *st, const struct vmacct_top *top);
void vmacct_show_maps_header(struct seq_file *m);
void vmacct_show_maps_row(struct seq_file *m, const struct vmacct_vma_info *vi,
			  const struct vmacct_stats *st);

/*
 * The group files: a header, then one row per group. @key: the name of the leading key column
 * ("uid"), or NULL; @name: the name of the trailing free-text column ("comm"), or NULL.
 */
void vmacct_show_group_header(struct seq_file *m, const char *key, const char *name);
/* One group's row: @key (printed when the header has a key column), its counts, @name or NULL. */
void vmacct_show_group_row(struct seq_file *m, const char *key, u32 id, const char *name,
			   const struct vmacct_group *g);

/*
 * cgroups: a header, then one row per cgroup: procs, the group's counts, memory_current (kB, or
 * "-" when @current_kb < 0: the root, or no memory controller), and the path last (escaped).
 */
void vmacct_show_cgroup_header(struct seq_file *m);
void vmacct_show_cgroup_row(struct seq_file *m, const struct vmacct_group *g, s64 current_kb,
			    const char *path);

/* sharing/<pid>: a header, then one row per process sharing pages, @shared in bytes by kind. */
void vmacct_show_sharing_header(struct seq_file *m);
void vmacct_show_sharing_row(struct seq_file *m, pid_t pid, const char *comm,
			     const u64 shared[VMACCT_NR_KINDS]);

#endif /* VMACCT_FORMAT_H */
