// SPDX-License-Identifier: GPL-2.0
/*
 * The read side of the files: version, <pid>, maps/<pid> and all. Each open reads a process through
 * its own mm reference; nothing is cached between opens, so a number is never older than the read.
 *
 * Lifetime rules:
 * - A <pid> or maps/<pid> inode holds a reference on the struct pid it was looked up for
 *   (pidfs.c); the task is looked up from it at open/read time, so a process that is gone reads as
 *   ESRCH, and a recycled pid number can never be confused with the process the file was opened
 *   for.
 * - maps/<pid> holds mm_count (mmgrab) while open and mm_users (mmget_not_zero) only while it
 *   walks, like /proc/pid/maps: an open file does not keep a dead process's memory alive.
 * - Every file_operations has .owner = THIS_MODULE: an open file pins the module (rmmod says "in
 *   use") instead of leaving code behind that is about to be freed.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "compat-mm.h"
#include "files.h"
#include "format.h"
#include "mmlock.h"
#include "walk.h"

/* What statm reports at this moment: total_vm, and the rss counters top reads as RES and SHR. */
static void vmacct_read_top(struct mm_struct *mm, struct vmacct_top *top)
{
	unsigned long shr = vmacct_statm_counter(mm, MM_FILEPAGES) +
			    vmacct_statm_counter(mm, MM_SHMEMPAGES);

	top->virt = (u64)READ_ONCE(mm->total_vm) << PAGE_SHIFT;
	top->shr = (u64)shr << PAGE_SHIFT;
	top->res = (u64)(shr + vmacct_statm_counter(mm, MM_ANONPAGES)) << PAGE_SHIFT;
}

/* Walk one process. -ESRCH when it has no address space (exited, zombie, kernel thread). */
static int vmacct_read_process(struct task_struct *task, struct vmacct_stats *st,
			       struct vmacct_top *top)
{
	struct mm_struct *mm = get_task_mm(task);
	int ret;

	if (!mm)
		return -ESRCH;
	memset(st, 0, sizeof(*st));
	ret = vmacct_walk_mm(mm, st, NULL);
	vmacct_read_top(mm, top);
	mmput(mm);
	return ret;
}

/*
 * Every file is read-only: a write-mode or truncating open fails with EPERM, even for root (whom
 * the 0400 mode does not stop), before anything could change.
 */
int vmacct_open_check(struct file *file)
{
	if ((file->f_mode & FMODE_WRITE) || (file->f_flags & O_TRUNC))
		return -EPERM;
	return 0;
}

/*
 * The files that show processes' memory (all but version and stats) show what /proc/<pid>/smaps
 * shows, so they are for whoever could read every process's smaps. smaps asks
 * ptrace_may_access(PTRACE_MODE_READ_FSCREDS) (mm_access()), which is not exported to modules;
 * what makes that succeed for every process is CAP_SYS_PTRACE over the initial user namespace, so
 * that is what this asks of the credentials the file is opened with. The 0400 mode alone lets in
 * any task whose fsuid is 0: root of a user namespace that maps its uid 0 to the initial 0, or a
 * root that dropped its capabilities, neither of which may read smaps of processes it does not
 * own. Stricter than smaps for a reader's own processes (refused here); never laxer, but an LSM
 * that refuses a ptrace read to a capable task is not asked. As in proc, the check is made at open:
 * a descriptor passed on keeps what its opener could read.
 */
int vmacct_open_check_private(struct file *file)
{
	int ret = vmacct_open_check(file);

	if (ret)
		return ret;
	return file_ns_capable(file, &init_user_ns, CAP_SYS_PTRACE) ? 0 : -EACCES;
}

/*
 * A file whose whole text one show() makes at the first read (so 1-byte reads see one snapshot),
 * with @show's m->private = the inode's i_private. DEFINE_SHOW_ATTRIBUTE() with the open
 * check @check.
 */
#define VMACCT_SINGLE_FILE(name, show, check)					\
static int name##_open(struct inode *inode, struct file *file)			\
{										\
	return check(file) ?: single_open(file, show, inode->i_private);	\
}										\
										\
const struct file_operations name##_fops = {					\
	.owner = THIS_MODULE,							\
	.open = name##_open,							\
	.read = seq_read,							\
	.llseek = seq_lseek,							\
	.release = single_release,						\
}

/* --- version --- */

static int vmacct_version_show(struct seq_file *m, void *unused)
{
	seq_puts(m, VMACCT_VERSION "\n");
	return 0;
}

VMACCT_SINGLE_FILE(vmacct_version, vmacct_version_show, vmacct_open_check);

/* --- stats: how the walker itself behaved since the module was loaded (mmlock.c) --- */

VMACCT_SINGLE_FILE(vmacct_stats, vmacct_stats_show, vmacct_open_check);

/* --- <pid> --- */

static int vmacct_summary_show(struct seq_file *m, void *unused)
{
	struct task_struct *task = get_pid_task(m->private, PIDTYPE_TGID);
	char comm[TASK_COMM_LEN];
	struct vmacct_stats st;
	struct vmacct_top top;
	int ret;

	if (!task)
		return -ESRCH;
	get_task_comm(comm, task);
	ret = vmacct_read_process(task, &st, &top);
	if (!ret)
		vmacct_show_summary(m, pid_nr(m->private), comm, &st, &top);
	put_task_struct(task);
	return ret;
}

/* m->private: the struct pid the file was looked up for. */
VMACCT_SINGLE_FILE(vmacct_summary, vmacct_summary_show, vmacct_open_check_private);

/* --- maps/<pid>: one record per VMA, so any number of VMAs streams through a fixed buffer --- */

struct vmacct_maps {
	struct vmacct_mmlock lock;	/* .mm mmgrab()ed at open; held from start() to stop() */
	bool mm_held;			/* mmget_not_zero() taken by start() */
	unsigned long next;		/* address of the next VMA to show */
	unsigned long shown_end;	/* end of the VMA show() printed last */
	char *pathbuf;
};

static void vmacct_maps_release_mm(struct vmacct_maps *p)
{
	vmacct_mmlock_release(&p->lock);
	if (p->mm_held)
		mmput(p->lock.mm);
	p->mm_held = false;
}

static void *vmacct_maps_start(struct seq_file *m, loff_t *pos)
{
	struct vmacct_maps *p = m->private;
	struct vm_area_struct *vma;

	if (!mmget_not_zero(p->lock.mm))
		return *pos ? NULL : ERR_PTR(-ESRCH);
	p->mm_held = true;
	if (!*pos)
		vmacct_mmlock_begin_walk(&p->lock);
	if (vmacct_mmlock_take(&p->lock)) {
		vmacct_mmlock_count_interrupted();
		vmacct_maps_release_mm(p);
		return ERR_PTR(-EINTR);
	}
	if (!*pos) {
		p->next = 0;
		return SEQ_START_TOKEN;
	}
	vma = find_vma(p->lock.mm, p->next);
	return vma;
}

static void *vmacct_maps_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct vmacct_maps *p = m->private;

	++*pos;
	if (v != SEQ_START_TOKEN)
		p->next = p->shown_end;
	if (!p->lock.held)
		return NULL;	/* the walk was interrupted by a fatal signal */
	/* One VMA is one step; the next VMA is found by address, so letting go is harmless. */
	if (vmacct_mmlock_next_vma(&p->lock))
		return NULL;	/* fatal signal: the lock is released, stop() finds it so */
	return find_vma(p->lock.mm, p->next);
}

static void vmacct_maps_stop(struct seq_file *m, void *v)
{
	vmacct_maps_release_mm(m->private);
}

static const char *vmacct_vma_path(struct vmacct_maps *p, struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	const char *path;

	if (vma->vm_file) {
		path = d_path(&vma->vm_file->f_path, p->pathbuf, PATH_MAX);
		return IS_ERR(path) ? "[unreachable]" : path;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		path = vma->vm_ops->name(vma);	/* [vdso], [vvar]: static strings */
		if (path)
			return path;
	}
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return "[anon]";
}

static int vmacct_maps_show(struct seq_file *m, void *v)
{
	struct vmacct_maps *p = m->private;
	struct vm_area_struct *vma = v;
	struct vmacct_vma_info vi;
	struct vmacct_stats st = {};
	struct file *file;
	int ret;

	if (v == SEQ_START_TOKEN) {
		vmacct_show_maps_header(m);
		return 0;
	}
	/*
	 * Everything printed about the VMA is taken before the walk, which may drop mmap_lock. A
	 * VMA that grew back over the last row's range while the lock was let go starts where that
	 * row ended: no address is in two rows.
	 */
	vi.start = max(vma->vm_start, p->next);
	vi.end = vma->vm_end;
	vi.flags = vma->vm_flags;
	file = vma->vm_file ? get_file(vma->vm_file) : NULL;
	vi.offset = file ? (unsigned long long)vma->vm_pgoff << PAGE_SHIFT : 0;
	vi.path = vmacct_vma_path(p, vma);

	/*
	 * The row counts the addresses [start, end) as this VMA had them when it was found. If the
	 * walk lets go of mmap_lock and the VMA changes meanwhile, it goes on over the rest of that
	 * range in whatever covers it then (walk.h); `mapped` is what it found still mapped.
	 */
	ret = vmacct_walk_span(&p->lock, vi.start, vi.end, &st, NULL);
	if (!ret) {
		vmacct_show_maps_row(m, &vi, &st);
		p->shown_end = vi.end;
	}
	if (file)
		fput(file);
	return ret;
}

static const struct seq_operations vmacct_maps_sops = {
	.start = vmacct_maps_start,
	.next = vmacct_maps_next,
	.stop = vmacct_maps_stop,
	.show = vmacct_maps_show,
};

static int vmacct_maps_open(struct inode *inode, struct file *file)
{
	struct task_struct *task = get_pid_task(inode->i_private, PIDTYPE_TGID);
	struct vmacct_maps *p;
	struct mm_struct *mm;
	int ret = vmacct_open_check_private(file);

	if (ret) {
		if (task)
			put_task_struct(task);
		return ret;
	}
	if (!task)
		return -ESRCH;
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)
		return -ESRCH;
	p = __seq_open_private(file, &vmacct_maps_sops, sizeof(*p));
	if (!p) {
		mmput(mm);
		return -ENOMEM;
	}
	p->pathbuf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!p->pathbuf) {
		mmput(mm);
		seq_release_private(inode, file);
		return -ENOMEM;
	}
	mmgrab(mm);
	mmput(mm);
	p->lock.mm = mm;
	return 0;
}

static int vmacct_maps_release(struct inode *inode, struct file *file)
{
	struct vmacct_maps *p = ((struct seq_file *)file->private_data)->private;

	mmdrop(p->lock.mm);
	kfree(p->pathbuf);
	return seq_release_private(inode, file);
}

const struct file_operations vmacct_maps_fops = {
	.owner = THIS_MODULE,
	.open = vmacct_maps_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = vmacct_maps_release,
};

/* --- all: one record per process, in pid order --- */

/*
 * The pid number of the process being shown, or the smallest one not shown yet. Only next() moves
 * it past a process, so a record seq_file discards (buffer full) is shown again from start().
 */
struct vmacct_all {
	int next;
};

/* The next thread-group leader at or after @*nr in the initial pid namespace, with a reference. */
struct task_struct *vmacct_next_process(int *nr)
{
	struct task_struct *task = NULL;
	struct pid *pid;

	rcu_read_lock();
	while ((pid = find_ge_pid(*nr, &init_pid_ns))) {
		*nr = pid_nr(pid);
		task = pid_task(pid, PIDTYPE_TGID);
		if (task) {
			get_task_struct(task);
			break;
		}
		(*nr)++;
	}
	rcu_read_unlock();
	return task;
}

static void *vmacct_all_start(struct seq_file *m, loff_t *pos)
{
	struct vmacct_all *p = m->private;

	if (!*pos) {
		p->next = 1;
		return SEQ_START_TOKEN;
	}
	return vmacct_next_process(&p->next);
}

static void *vmacct_all_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct vmacct_all *p = m->private;

	++*pos;
	if (v != SEQ_START_TOKEN) {
		put_task_struct(v);
		p->next++;
	}
	return vmacct_next_process(&p->next);
}

static void vmacct_all_stop(struct seq_file *m, void *v)
{
	if (v && v != SEQ_START_TOKEN && !IS_ERR(v))
		put_task_struct(v);
}

static int vmacct_all_show(struct seq_file *m, void *v)
{
	struct vmacct_all *p = m->private;
	struct task_struct *task = v;
	char comm[TASK_COMM_LEN];
	struct vmacct_stats st;
	struct vmacct_top top;
	int ret;

	if (v == SEQ_START_TOKEN) {
		vmacct_show_all_header(m);
		return 0;
	}
	get_task_comm(comm, task);
	ret = vmacct_read_process(task, &st, &top);
	if (ret == -EINTR)
		return ret;
	/* Kernel threads and processes that exited meanwhile have no row. */
	if (!ret)
		vmacct_show_all_row(m, p->next, comm, &st, &top);
	return 0;
}

static const struct seq_operations vmacct_all_sops = {
	.start = vmacct_all_start,
	.next = vmacct_all_next,
	.stop = vmacct_all_stop,
	.show = vmacct_all_show,
};

static int vmacct_all_open(struct inode *inode, struct file *file)
{
	return vmacct_open_check_private(file) ?:
	       seq_open_private(file, &vmacct_all_sops, sizeof(struct vmacct_all));
}

const struct file_operations vmacct_all_fops = {
	.owner = THIS_MODULE,
	.open = vmacct_all_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};
