// SPDX-License-Identifier: GPL-2.0
/*
 * The group files (README.md, "The debugfs files"): `users`, one row per real uid, and `comms`,
 * one row per process name (what the reader groups "by program"). One read finds every process's
 * group, then walks the groups one after the other, each member's address space once, with the
 * walk of a single process (walk.c: the same lock budget, yields, fatal-signal checks and rules),
 * handing the pages each maps more than once to its group (group.h). The whole answer is made at
 * the first read of an open file and kept until it is closed, so that a retry of show() by
 * seq_file (a larger buffer) never walks again; a read that failed (ENOMEM, a fatal signal)
 * leaves nothing behind, and the next read starts afresh.
 *
 * Memory: a row and a struct pid reference per process, and the pages mapped more than once that
 * the members of the group being walked map (group.h): the largest group's, not the sum.
 */
#include <linux/cred.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "compat-mm.h"
#include "files.h"
#include "format.h"
#include "group.h"
#include "walk.h"

enum vmacct_group_by {
	VMACCT_BY_UID,
	VMACCT_BY_COMM,
};

struct vmacct_group_row {
	struct list_head node;
	u32 uid;
	char comm[TASK_COMM_LEN];
	struct pid **pids;		/* the members, found by the first pass */
	unsigned int nr_pids, max_pids;
	struct vmacct_group g;
};

struct vmacct_group_read {
	enum vmacct_group_by by;
	struct list_head rows;		/* in output order: by uid, or by the bytes of comm */
	bool done;
	struct vmacct_shares *shares;	/* one process's noted pages at a time */
};

static int vmacct_group_row_cmp(const struct vmacct_group_read *r,
				const struct vmacct_group_row *row, u32 uid, const char *comm)
{
	if (r->by == VMACCT_BY_UID)
		return (row->uid > uid) - (row->uid < uid);
	return strcmp(row->comm, comm);
}

/* The row of @uid or @comm (by r->by), made in order if it is new; NULL without memory. */
static struct vmacct_group_row *vmacct_group_row_get(struct vmacct_group_read *r, u32 uid,
						     const char *comm)
{
	struct vmacct_group_row *row, *new;
	int c;

	list_for_each_entry(row, &r->rows, node) {
		c = vmacct_group_row_cmp(r, row, uid, comm);
		if (!c)
			return row;
		if (c > 0)
			break;
	}
	new = vmacct_kzalloc_obj(*new, GFP_KERNEL);
	if (!new)
		return NULL;
	new->uid = uid;
	strscpy(new->comm, comm, sizeof(new->comm));
	vmacct_group_init(&new->g);
	/* Before @row: the first one after it in order, or the list head when there is none. */
	list_add_tail(&new->node, &row->node);
	return new;
}

/* Forget every row (after a failed sweep, so that the next read starts afresh; or at close). */
static void vmacct_group_rows_free(struct vmacct_group_read *r)
{
	struct vmacct_group_row *row, *tmp;
	unsigned int i;

	list_for_each_entry_safe(row, tmp, &r->rows, node) {
		for (i = 0; i < row->nr_pids; i++)
			put_pid(row->pids[i]);
		kvfree(row->pids);
		vmacct_group_destroy(&row->g);
		kfree(row);
	}
	INIT_LIST_HEAD(&r->rows);
}

/* First pass: @task (with an address space) joins the row of its uid or name. */
static int vmacct_group_add_member(struct vmacct_group_read *r, struct task_struct *task)
{
	struct vmacct_group_row *row;
	char comm[TASK_COMM_LEN];
	struct mm_struct *mm;

	mm = get_task_mm(task);
	if (!mm)
		return 0;	/* a kernel thread, or gone */
	mmput(mm);
	get_task_comm(comm, task);
	row = vmacct_group_row_get(r, from_kuid_munged(&init_user_ns, task_uid(task)), comm);
	if (!row)
		return -ENOMEM;
	if (row->nr_pids == row->max_pids) {
		unsigned int max = row->max_pids ? 2 * row->max_pids : 8;
		struct pid **pids = kvmalloc_array(max, sizeof(*pids), GFP_KERNEL);

		if (!pids)
			return -ENOMEM;
		if (row->nr_pids)
			memcpy(pids, row->pids, row->nr_pids * sizeof(*pids));
		kvfree(row->pids);
		row->pids = pids;
		row->max_pids = max;
	}
	row->pids[row->nr_pids++] = get_pid(task_tgid(task));
	return 0;
}

/*
 * Second pass, one group at a time: walk its members into it, count its numbers, forget its pages
 * before the next group (the memory of a read is that of its largest group). Members that share
 * one address space (CLONE_VM without CLONE_THREAD, a vfork child before it execs) are processes
 * of the group, but their memory is walked once: @mms holds each mm walked (mmgrab()ed, so that
 * no new mm can take its address while the group is read).
 */
static int vmacct_group_walk(struct vmacct_group_read *r, struct vmacct_group_row *row)
{
	struct mm_struct *mm;
	unsigned long key;
	struct xarray mms;
	unsigned int i;
	int ret = 0;

	xa_init(&mms);
	for (i = 0; i < row->nr_pids && !ret; i++) {
		struct task_struct *task = get_pid_task(row->pids[i], PIDTYPE_TGID);
		struct vmacct_stats st = {};

		if (!task)
			continue;	/* exited since the first pass */
		mm = get_task_mm(task);
		put_task_struct(task);
		if (!mm)
			continue;
		key = (unsigned long)mm / sizeof(long);
		if (xa_load(&mms, key)) {
			row->g.procs++;
			mmput(mm);
			continue;
		}
		ret = xa_err(xa_store(&mms, key, mm, GFP_KERNEL));
		if (ret) {
			mmput(mm);
			break;
		}
		mmgrab(mm);
		vmacct_shares_begin(r->shares);
		r->shares->consume = vmacct_group_consume;
		r->shares->nr_groups = 1;
		r->shares->groups[0] = &row->g;
		ret = vmacct_walk_mm(mm, &st, r->shares);
		mmput(mm);
		if (!ret)
			vmacct_shares_end(r->shares, &st);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
	}
	xa_for_each(&mms, key, mm)
		mmdrop(mm);
	xa_destroy(&mms);
	if (!ret) {
		vmacct_group_note_peak(row->g.nr_pages);
		vmacct_group_finish(&row->g);
	}
	return ret;
}

/* Every process, in pid order, into its group; then each group's numbers. */
static int vmacct_group_sweep(struct vmacct_group_read *r)
{
	struct vmacct_group_row *row;
	struct task_struct *task;
	int nr = 1, ret = 0;

	while ((task = vmacct_next_process(&nr))) {
		ret = vmacct_group_add_member(r, task);
		put_task_struct(task);
		if (ret)
			return ret;
		nr++;
	}
	list_for_each_entry(row, &r->rows, node) {
		ret = vmacct_group_walk(r, row);
		if (ret)
			return ret;
	}
	return 0;
}

static int vmacct_group_show(struct seq_file *m, void *unused)
{
	struct vmacct_group_read *r = m->private;
	struct vmacct_group_row *row;
	bool by_uid = r->by == VMACCT_BY_UID;
	int ret;

	if (!r->done) {
		ret = vmacct_group_sweep(r);
		if (ret) {
			vmacct_group_rows_free(r);
			return ret;
		}
		r->done = true;
	}
	vmacct_show_group_header(m, by_uid ? "uid" : NULL, by_uid ? NULL : "comm");
	list_for_each_entry(row, &r->rows, node)
		vmacct_show_group_row(m, by_uid ? "uid" : NULL, row->uid,
				      by_uid ? NULL : row->comm, &row->g);
	return 0;
}

static void vmacct_group_read_free(struct vmacct_group_read *r)
{
	vmacct_group_rows_free(r);
	kvfree(r->shares);
	kfree(r);
}

static int vmacct_group_open(struct inode *inode, struct file *file, enum vmacct_group_by by)
{
	struct vmacct_group_read *r;
	int ret = vmacct_open_check_private(file);

	if (ret)
		return ret;
	r = vmacct_kzalloc_obj(*r, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->by = by;
	INIT_LIST_HEAD(&r->rows);
	r->shares = vmacct_kvmalloc_obj(*r->shares, GFP_KERNEL);
	if (!r->shares) {
		kfree(r);
		return -ENOMEM;
	}
	ret = single_open(file, vmacct_group_show, r);
	if (ret)
		vmacct_group_read_free(r);
	return ret;
}

static int vmacct_group_release(struct inode *inode, struct file *file)
{
	vmacct_group_read_free(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
}

static int vmacct_users_open(struct inode *inode, struct file *file)
{
	return vmacct_group_open(inode, file, VMACCT_BY_UID);
}

static int vmacct_comms_open(struct inode *inode, struct file *file)
{
	return vmacct_group_open(inode, file, VMACCT_BY_COMM);
}

const struct file_operations vmacct_users_fops = {
	.owner = THIS_MODULE,
	.open = vmacct_users_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = vmacct_group_release,
};

const struct file_operations vmacct_comms_fops = {
	.owner = THIS_MODULE,
	.open = vmacct_comms_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = vmacct_group_release,
};
