// SPDX-License-Identifier: GPL-2.0
/*
 * The `cgroups` file (README.md, "The debugfs files"): one row per cgroup of the default (v2)
 * hierarchy that has processes in its subtree, with the numbers of the group of those processes
 * (group.h) and, beside them, what the cgroup's memory controller has charged to it at the same
 * moment (memory.current), so that the mapped memory and the charged memory can be compared.
 *
 * One read walks every process once: a process belongs to its cgroup and to every ancestor, so its
 * pages are handed to each of those groups at once (at most VMACCT_GROUPS_PER_PROCESS levels;
 * deeper cgroups are counted in their nearest ancestors within that depth). The memory of a read is
 * the pages mapped more than once, once per cgroup level that maps them. As for the other group
 * files, the answer is made at the first read of an open file; a failed read leaves nothing.
 *
 * References: each row holds its cgroup (cgroup_get()) and, when the memory controller is enabled
 * for it, its memcg's css; the process's cgroup chain is read under RCU (task_dfl_cgroup()).
 * Built only with CONFIG_CGROUPS (module/Kbuild); without it there is no `cgroups` file.
 */
#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/page_counter.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "compat-mm.h"
#include "files.h"
#include "format.h"
#include "group.h"
#include "walk.h"

struct vmacct_cgroup_row {
	struct list_head node;
	struct cgroup *cgrp;		/* cgroup_get()'s reference */
	struct mem_cgroup *memcg;	/* its own memcg (css reference), or NULL */
	char *path;
	struct vmacct_group g;
};

struct vmacct_cgroup_read {
	struct list_head rows;		/* in the byte order of their paths */
	bool done;
	struct vmacct_shares *shares;
	char *pathbuf;
};

/*
 * The memory controller's side, which a kernel may be built without (CONFIG_MEMCG: the matrix's
 * debug kernel has none): the memcgs of @task matched to the cgroups of its chain (a memcg is the
 * one of the cgroup it belongs to, memcg->css.cgroup, where the controller is enabled), each with
 * a css reference; under RCU. Without the controller, no row has a memcg.
 */
#ifdef CONFIG_MEMCG
static void vmacct_task_memcgs(struct task_struct *task, struct cgroup **cg,
			       struct mem_cgroup **mc, unsigned int n)
{
	struct mem_cgroup *memcg = mem_cgroup_disabled() ? NULL : mem_cgroup_from_task(task);
	unsigned int i;

	for (; memcg; memcg = parent_mem_cgroup(memcg))
		for (i = 0; i < n; i++)
			if (memcg->css.cgroup == cg[i] && !mc[i] && css_tryget(&memcg->css))
				mc[i] = memcg;
}

static void vmacct_memcg_put(struct mem_cgroup *memcg)
{
	if (memcg)
		css_put(&memcg->css);
}

/* memory.current as the cgroup file reads it (page_counter_read(), racy as there), in kB. */
static s64 vmacct_memcg_current_kb(struct mem_cgroup *memcg)
{
	return (s64)page_counter_read(&memcg->memory) << (PAGE_SHIFT - 10);
}
#else
static void vmacct_task_memcgs(struct task_struct *task, struct cgroup **cg,
			       struct mem_cgroup **mc, unsigned int n)
{
}

static void vmacct_memcg_put(struct mem_cgroup *memcg)
{
}

static s64 vmacct_memcg_current_kb(struct mem_cgroup *memcg)
{
	return -1;
}
#endif

static void vmacct_cgroup_rows_free(struct vmacct_cgroup_read *r)
{
	struct vmacct_cgroup_row *row, *tmp;

	list_for_each_entry_safe(row, tmp, &r->rows, node) {
		vmacct_group_destroy(&row->g);
		vmacct_memcg_put(row->memcg);
		cgroup_put(row->cgrp);
		kfree(row->path);
		kfree(row);
	}
	INIT_LIST_HEAD(&r->rows);
}

/* The row of @cgrp (a reference held by the caller), made in path order if it is new. */
static struct vmacct_cgroup_row *vmacct_cgroup_row_get(struct vmacct_cgroup_read *r,
						       struct cgroup *cgrp)
{
	struct vmacct_cgroup_row *row, *new;
	int len;

	list_for_each_entry(row, &r->rows, node)
		if (row->cgrp == cgrp)
			return row;
	len = kernfs_path_from_node(cgrp->kn, NULL, r->pathbuf, PATH_MAX);
	if (len < 0 || len >= PATH_MAX)
		return ERR_PTR(len < 0 ? len : -ENAMETOOLONG);
	new = vmacct_kzalloc_obj(*new, GFP_KERNEL);
	if (!new)
		return ERR_PTR(-ENOMEM);
	new->path = kstrdup(r->pathbuf, GFP_KERNEL);
	if (!new->path) {
		kfree(new);
		return ERR_PTR(-ENOMEM);
	}
	cgroup_get(cgrp);
	new->cgrp = cgrp;
	vmacct_group_init(&new->g);
	list_for_each_entry(row, &r->rows, node)
		if (strcmp(row->path, new->path) > 0)
			break;
	list_add_tail(&new->node, &row->node);
	return new;
}

/*
 * @task's cgroup and its ancestors, nearest first, each with a reference: how many (at most
 * VMACCT_GROUPS_PER_PROCESS), and their memcgs where they have one (else NULL).
 */
static unsigned int vmacct_task_cgroups(struct task_struct *task,
					struct cgroup *cg[VMACCT_GROUPS_PER_PROCESS],
					struct mem_cgroup *mc[VMACCT_GROUPS_PER_PROCESS])
{
	struct cgroup *c;
	unsigned int n = 0;

	rcu_read_lock();
	for (c = task_dfl_cgroup(task); c && n < VMACCT_GROUPS_PER_PROCESS; c = cgroup_parent(c)) {
		cgroup_get(c);
		mc[n] = NULL;
		cg[n++] = c;
	}
	vmacct_task_memcgs(task, cg, mc, n);
	rcu_read_unlock();
	return n;
}

/* Walk @task into the groups of its cgroup and every ancestor. */
static int vmacct_cgroup_add_task(struct vmacct_cgroup_read *r, struct task_struct *task)
{
	struct mem_cgroup *mc[VMACCT_GROUPS_PER_PROCESS];
	struct cgroup *cg[VMACCT_GROUPS_PER_PROCESS];
	struct vmacct_stats st = {};
	struct mm_struct *mm;
	unsigned int n, i;
	int ret = 0;

	mm = get_task_mm(task);
	if (!mm)
		return 0;	/* a kernel thread, or gone */
	n = vmacct_task_cgroups(task, cg, mc);
	vmacct_shares_begin(r->shares);
	r->shares->consume = vmacct_group_consume;
	r->shares->nr_groups = 0;
	for (i = 0; i < n; i++) {
		struct vmacct_cgroup_row *row = ret ? NULL : vmacct_cgroup_row_get(r, cg[i]);

		if (IS_ERR(row))
			ret = PTR_ERR(row);
		if (row && !IS_ERR(row)) {
			r->shares->groups[r->shares->nr_groups++] = &row->g;
			if (!row->memcg && mc[i]) {
				row->memcg = mc[i];	/* the row takes the reference */
				mc[i] = NULL;
			}
		}
		vmacct_memcg_put(mc[i]);
		cgroup_put(cg[i]);
	}
	if (!ret)
		ret = vmacct_walk_mm(mm, &st, r->shares);
	mmput(mm);
	if (!ret)
		vmacct_shares_end(r->shares, &st);
	return ret;
}

static int vmacct_cgroup_sweep(struct vmacct_cgroup_read *r)
{
	struct vmacct_cgroup_row *row;
	struct task_struct *task;
	unsigned long pages = 0;
	int nr = 1, ret;

	while ((task = vmacct_next_process(&nr))) {
		ret = vmacct_cgroup_add_task(r, task);
		put_task_struct(task);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		if (ret)
			return ret;
		nr++;
	}
	list_for_each_entry(row, &r->rows, node)
		pages += row->g.nr_pages;
	vmacct_group_note_peak(pages);
	list_for_each_entry(row, &r->rows, node)
		vmacct_group_finish(&row->g);
	return 0;
}

static int vmacct_cgroups_show(struct seq_file *m, void *unused)
{
	struct vmacct_cgroup_read *r = m->private;
	struct vmacct_cgroup_row *row;
	int ret;

	if (!r->done) {
		ret = vmacct_cgroup_sweep(r);
		if (ret) {
			vmacct_cgroup_rows_free(r);
			return ret;
		}
		r->done = true;
	}
	vmacct_show_cgroup_header(m);
	list_for_each_entry(row, &r->rows, node) {
		/* No memory.current: the root has none, nor a cgroup without the controller. */
		s64 current_kb = -1;

		if (row->memcg && cgroup_parent(row->cgrp))
			current_kb = vmacct_memcg_current_kb(row->memcg);
		vmacct_show_cgroup_row(m, &row->g, current_kb, row->path);
	}
	return 0;
}

static void vmacct_cgroup_read_free(struct vmacct_cgroup_read *r)
{
	vmacct_cgroup_rows_free(r);
	kvfree(r->shares);
	kfree(r->pathbuf);
	kfree(r);
}

static int vmacct_cgroups_open(struct inode *inode, struct file *file)
{
	struct vmacct_cgroup_read *r;
	int ret = vmacct_open_check_private(file);

	if (ret)
		return ret;
	r = vmacct_kzalloc_obj(*r, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	INIT_LIST_HEAD(&r->rows);
	r->shares = vmacct_kvmalloc_obj(*r->shares, GFP_KERNEL);
	r->pathbuf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!r->shares || !r->pathbuf) {
		vmacct_cgroup_read_free(r);
		return -ENOMEM;
	}
	ret = single_open(file, vmacct_cgroups_show, r);
	if (ret)
		vmacct_cgroup_read_free(r);
	return ret;
}

static int vmacct_cgroups_release(struct inode *inode, struct file *file)
{
	vmacct_cgroup_read_free(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
}

const struct file_operations vmacct_cgroups_fops = {
	.owner = THIS_MODULE,
	.open = vmacct_cgroups_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = vmacct_cgroups_release,
};
