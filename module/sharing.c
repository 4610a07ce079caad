// SPDX-License-Identifier: GPL-2.0
/*
 * sharing/<pid>: which other processes map pages that this process maps, and how much of it, by
 * kind (README.md, "The debugfs files"). One read walks the process, remembers the pages it maps
 * that are mapped more than once (only those can be mapped by another process too), then walks
 * every other process once and counts, per process, the remembered pages it maps, each page once
 * per process however often it maps it. A read that failed (ENOMEM, a fatal signal) leaves
 * nothing behind; the next read starts afresh.
 *
 * Memory: the process's pages mapped more than once (an xarray value per page) and a row per
 * process that shares any. The answer is made at the first read of an open file and kept until it
 * is closed (seq_file may call show() again with a larger buffer; it never walks again).
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "compat-mm.h"
#include "files.h"
#include "format.h"
#include "group.h"
#include "walk.h"

struct vmacct_sharing_row {
	struct list_head node;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u64 shared[VMACCT_NR_KINDS];	/* bytes */
};

struct vmacct_sharing_read {
	struct pid *pid;		/* the process the file was looked up for */
	struct xarray pages;		/* its pages mapped more than once: pfn -> value */
	unsigned long nr_pages;		/* entries in @pages */
	struct list_head rows;		/* in pid order */
	struct vmacct_sharing_row *cur;	/* the row of the process being walked */
	bool done;
	struct vmacct_shares *shares;
};

/*
 * A page's value: its kind, and the number of the last process counted for it (+1, so that 0 is
 * "none"): a process that maps the page twice counts it once.
 */
#define VMACCT_KIND_MASK	3UL

static unsigned long vmacct_sharing_value(enum vmacct_kind kind, pid_t last)
{
	return ((unsigned long)(last + 1) << 2) | kind;
}

/* The process itself: remember its pages mapped more than once. */
static int vmacct_sharing_remember(struct vmacct_shares *s, const struct vmacct_share_run *r)
{
	struct vmacct_sharing_read *rd = s->ctx;
	unsigned int j;
	int ret = 0;

	for (j = 0; j < r->nr && !ret; j++) {
		void *old = xa_store(&rd->pages, r->pfn + j,
				     xa_mk_value(vmacct_sharing_value(r->kind, -1)),
				     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);

		ret = xa_err(old);
		if (!ret && !old)
			rd->nr_pages++;
	}
	return ret;
}

/* Another process: count the remembered pages it maps, each once. */
static int vmacct_sharing_match(struct vmacct_shares *s, const struct vmacct_share_run *r)
{
	struct vmacct_sharing_read *rd = s->ctx;
	struct vmacct_sharing_row *row = rd->cur;
	unsigned int j;
	int ret = 0;

	for (j = 0; j < r->nr && !ret; j++) {
		void *e = xa_load(&rd->pages, r->pfn + j);
		unsigned long v;

		if (!e)
			continue;
		v = xa_to_value(e);
		if ((v >> 2) == (unsigned long)row->pid + 1)
			continue;
		row->shared[v & VMACCT_KIND_MASK] += PAGE_SIZE;
		ret = xa_err(xa_store(&rd->pages, r->pfn + j,
				      xa_mk_value(vmacct_sharing_value(v & VMACCT_KIND_MASK,
								       row->pid)),
				      GFP_KERNEL_ACCOUNT | __GFP_NOWARN));
	}
	return ret;
}

/* Walk @mm with @consume taking the pages it maps more than once. */
static int vmacct_sharing_walk(struct vmacct_sharing_read *rd, struct mm_struct *mm,
			       int (*consume)(struct vmacct_shares *,
					      const struct vmacct_share_run *))
{
	struct vmacct_stats st = {};

	vmacct_shares_begin(rd->shares);
	rd->shares->consume = consume;
	rd->shares->ctx = rd;
	return vmacct_walk_mm(mm, &st, rd->shares);
}

/* Forget what a sweep found (after a failed one, so that the next read starts afresh). */
static void vmacct_sharing_reset(struct vmacct_sharing_read *rd)
{
	struct vmacct_sharing_row *row, *tmp;

	list_for_each_entry_safe(row, tmp, &rd->rows, node)
		kfree(row);
	INIT_LIST_HEAD(&rd->rows);
	xa_destroy(&rd->pages);
}

/*
 * Another process @task: a row if it maps any remembered page. A process that shares the address
 * space @self (a vfork child before it execs, CLONE_VM) is that process, not another one.
 */
static int vmacct_sharing_other(struct vmacct_sharing_read *rd, struct task_struct *task,
				pid_t nr, struct mm_struct *self, struct vmacct_sharing_row **spare)
{
	struct vmacct_sharing_row *row = *spare;
	struct mm_struct *mm = get_task_mm(task);
	int ret;

	if (!mm)
		return 0;	/* a kernel thread, or gone */
	if (mm == self) {
		mmput(mm);
		return 0;
	}
	if (!row) {
		row = vmacct_kzalloc_obj(*row, GFP_KERNEL);
		if (!row) {
			mmput(mm);
			return -ENOMEM;
		}
		*spare = row;
	}
	memset(row->shared, 0, sizeof(row->shared));
	row->pid = nr;
	get_task_comm(row->comm, task);
	rd->cur = row;
	ret = vmacct_sharing_walk(rd, mm, vmacct_sharing_match);
	mmput(mm);
	if (!ret && (row->shared[VMACCT_ANON] || row->shared[VMACCT_FILE] ||
		     row->shared[VMACCT_SHMEM])) {
		list_add_tail(&row->node, &rd->rows);
		*spare = NULL;
	}
	return ret;
}

static int vmacct_sharing_sweep(struct vmacct_sharing_read *rd)
{
	struct task_struct *task = get_pid_task(rd->pid, PIDTYPE_TGID);
	struct vmacct_sharing_row *spare = NULL;
	struct mm_struct *self;
	int nr = 1, ret;

	if (!task)
		return -ESRCH;
	self = get_task_mm(task);
	put_task_struct(task);
	if (!self)
		return -ESRCH;
	ret = vmacct_sharing_walk(rd, self, vmacct_sharing_remember);
	/* Held (not its pages) so that no other mm takes its address during the sweep. */
	mmgrab(self);
	mmput(self);
	vmacct_group_note_peak(rd->nr_pages);
	while (!ret && (task = vmacct_next_process(&nr))) {
		if (task_tgid(task) != rd->pid)
			ret = vmacct_sharing_other(rd, task, nr, self, &spare);
		put_task_struct(task);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		nr++;
	}
	mmdrop(self);
	kfree(spare);
	xa_destroy(&rd->pages);
	return ret;
}

static int vmacct_sharing_show(struct seq_file *m, void *unused)
{
	struct vmacct_sharing_read *rd = m->private;
	struct vmacct_sharing_row *row;
	int ret;

	if (!rd->done) {
		ret = vmacct_sharing_sweep(rd);
		if (ret) {
			vmacct_sharing_reset(rd);
			return ret;
		}
		rd->done = true;
	}
	vmacct_show_sharing_header(m);
	list_for_each_entry(row, &rd->rows, node)
		vmacct_show_sharing_row(m, row->pid, row->comm, row->shared);
	return 0;
}

static void vmacct_sharing_free(struct vmacct_sharing_read *rd)
{
	vmacct_sharing_reset(rd);
	kvfree(rd->shares);
	kfree(rd);
}

static int vmacct_sharing_open(struct inode *inode, struct file *file)
{
	struct vmacct_sharing_read *rd;
	int ret = vmacct_open_check_private(file);

	if (ret)
		return ret;
	rd = vmacct_kzalloc_obj(*rd, GFP_KERNEL);
	if (!rd)
		return -ENOMEM;
	rd->pid = inode->i_private;	/* held by the inode (pidfs.c) while the file is open */
	xa_init(&rd->pages);
	INIT_LIST_HEAD(&rd->rows);
	rd->shares = vmacct_kvmalloc_obj(*rd->shares, GFP_KERNEL);
	if (!rd->shares) {
		kfree(rd);
		return -ENOMEM;
	}
	ret = single_open(file, vmacct_sharing_show, rd);
	if (ret)
		vmacct_sharing_free(rd);
	return ret;
}

static int vmacct_sharing_release(struct inode *inode, struct file *file)
{
	vmacct_sharing_free(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
}

const struct file_operations vmacct_sharing_fops = {
	.owner = THIS_MODULE,
	.open = vmacct_sharing_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = vmacct_sharing_release,
};
