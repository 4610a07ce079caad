// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
/*
 * /sys/kernel/debug/vmacct: a small pseudo file system whose directories resolve pid numbers at
 * lookup time, mounted on a debugfs automount point the way tracefs appears at debugfs/tracing.
 *
 * Why not debugfs files: a file per pid created and removed from fork/exit events is always late
 * (`sleep 100 & cat .../$!` can run before the event is handled) and can outlive its process.
 * Here the name `1234` exists exactly while the thread-group leader with pid 1234 in the initial
 * pid namespace has an address space: ->lookup() asks the pid table, and a cached dentry is
 * revalidated at every lookup against its own struct pid (vmacct_d_revalidate()), so a gone pid,
 * or its number reused by a new process, is never served from the dcache.
 *
 * Unloading: the mounted superblock pins this module through the file system's owner. The
 * automounted mount is put on an expiry list, and a delayed work expires it once it has been idle
 * for two periods, 0.1-0.2 s (mark_mounts_for_expiry(), as NFS does for its automounts); after
 * that, rmmod works. The work runs only while the directory is mounted. An open file or a shell
 * whose cwd is inside keeps it mounted, and rmmod then says "in use".
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/workqueue.h>

#include "compat-fs.h"
#include "files.h"
#include "pidfs.h"

#define VMACCT_MAGIC		0x766d6163	/* "vmac" */
#define VMACCT_EXPIRE_PERIOD	(HZ / 10)	/* idle for two periods: unmounted */
/* Directory positions: 0 and 1 are the dots, then the fixed names, then pid + offset. */
#define VMACCT_POS_FIXED	2
#define VMACCT_POS_PID		16

static struct dentry *vmacct_automount_dentry;
static LIST_HEAD(vmacct_expiry_list);
static void vmacct_expire(struct work_struct *work);
static DECLARE_DELAYED_WORK(vmacct_expire_work, vmacct_expire);

static struct inode *vmacct_new_inode(struct super_block *sb, umode_t mode,
				      const struct inode_operations *iop,
				      const struct file_operations *fop, void *private)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = get_next_ino();
	inode->i_mode = mode;
	if (iop)
		inode->i_op = iop;
	inode->i_fop = fop;
	inode->i_private = private;
	/*
	 * Nothing here can be changed, by root either: chmod, chown, utime, truncate and
	 * setxattr fail with EPERM in the VFS (may_setattr(), inode_permission()), before any
	 * file system code runs; the 0400/0500 modes stay what README says.
	 */
	inode->i_flags |= S_IMMUTABLE;
	vmacct_inode_init_ts(inode);
	if (S_ISDIR(mode))
		set_nlink(inode, 2);
	return inode;
}

/*
 * The process named @name: a canonical decimal pid number of a thread-group leader in the initial
 * pid namespace that has an address space (kernel threads and zombies have none). Returns a
 * reference on its struct pid, or NULL.
 */
static struct pid *vmacct_name_to_pid(const struct qstr *name)
{
	struct task_struct *task = NULL;
	struct mm_struct *mm;
	struct pid *pid;
	unsigned int nr;
	char canon[12];

	if (kstrtouint(name->name, 10, &nr) || !nr)
		return NULL;
	snprintf(canon, sizeof(canon), "%u", nr);
	if (strcmp(canon, name->name))
		return NULL;	/* "0012", "+12": not a name this directory has */

	rcu_read_lock();
	pid = find_pid_ns(nr, &init_pid_ns);
	if (pid)
		task = pid_task(pid, PIDTYPE_TGID);
	if (task) {
		get_task_struct(task);
		get_pid(pid);
	}
	rcu_read_unlock();
	if (!task)
		return NULL;

	mm = get_task_mm(task);		/* may sleep: outside RCU */
	put_task_struct(task);
	if (!mm) {
		put_pid(pid);
		return NULL;
	}
	mmput(mm);
	return pid;
}

/*
 * The inode operations of every <pid>, maps/<pid> and sharing/<pid> inode: none, but their address
 * marks an inode whose i_private is a struct pid reference (vmacct_inode_pid()).
 */
static const struct inode_operations vmacct_pid_iops = {};

static struct dentry *vmacct_pid_lookup(struct inode *dir, struct dentry *dentry,
					const struct file_operations *fops)
{
	struct pid *pid = vmacct_name_to_pid(&dentry->d_name);
	struct inode *inode = NULL;

	if (pid) {
		inode = vmacct_new_inode(dir->i_sb, S_IFREG | 0400, &vmacct_pid_iops, fops, pid);
		if (!inode) {
			put_pid(pid);
			return ERR_PTR(-ENOMEM);
		}
	}
	/* A NULL inode makes a negative dentry: open() fails with ENOENT. */
	return d_splice_alias(inode, dentry);
}

/*
 * A task that a pid name stands for: a thread-group leader with an address space. Kernel threads
 * have none, and neither has a zombie or a leader that exited while its other threads run on
 * (exit_mm() cleared it): lookup refuses those (vmacct_name_to_pid()), so readdir does not list
 * them and a cached dentry of one is invalid. task->mm is only compared with NULL, under RCU or a
 * task reference: a read racing with exit_mm() is merely stale.
 */
static bool vmacct_task_has_mm(struct task_struct *task)
{
	return !(task->flags & PF_KTHREAD) && READ_ONCE(task->mm);
}

/* Readdir of the pids: the processes that exist now and lookup accepts, in pid order (as /proc). */
static int vmacct_iterate_pids(struct dir_context *ctx)
{
	struct task_struct *task;
	int nr = ctx->pos - VMACCT_POS_PID;
	char name[12];

	if (nr < 1)
		nr = 1;
	while ((task = vmacct_next_process(&nr))) {
		bool listed = vmacct_task_has_mm(task);

		put_task_struct(task);
		if (listed) {
			int len = snprintf(name, sizeof(name), "%d", nr);

			ctx->pos = nr + VMACCT_POS_PID;
			if (!dir_emit(ctx, name, len, nr, DT_REG))
				return 0;
		}
		nr++;
	}
	ctx->pos = INT_MAX;
	return 0;
}

/* --- maps/ and sharing/: a directory of pids, whose files' operations are its i_private --- */

static struct dentry *vmacct_pid_dir_lookup(struct inode *dir, struct dentry *dentry,
					    unsigned int flags)
{
	return vmacct_pid_lookup(dir, dentry, dir->i_private);
}

static int vmacct_pid_dir_iterate(struct file *file, struct dir_context *ctx)
{
	if (!dir_emit_dots(file, ctx))
		return 0;
	if (ctx->pos < VMACCT_POS_PID)
		ctx->pos = VMACCT_POS_PID;
	return vmacct_iterate_pids(ctx);
}

static const struct inode_operations vmacct_pid_dir_iops = {
	.lookup = vmacct_pid_dir_lookup,
};

static const struct file_operations vmacct_pid_dir_fops = {
	.owner = THIS_MODULE,
	.read = generic_read_dir,
	.iterate_shared = vmacct_pid_dir_iterate,
	.llseek = generic_file_llseek,
};

/* --- the root: version, all, stats, users, comms, cgroups, maps/, sharing/, <pid> --- */

static const struct {
	const char *name;
	umode_t mode;
	const struct inode_operations *iop;
	const struct file_operations *fop;
	const struct file_operations *children;	/* a directory of pids: its files' */
} vmacct_fixed[] = {
	{ "version", S_IFREG | 0400, NULL, &vmacct_version_fops },
	{ "all", S_IFREG | 0400, NULL, &vmacct_all_fops },
	{ "stats", S_IFREG | 0400, NULL, &vmacct_stats_fops },
	{ "users", S_IFREG | 0400, NULL, &vmacct_users_fops },
	{ "comms", S_IFREG | 0400, NULL, &vmacct_comms_fops },
#ifdef CONFIG_CGROUPS
	{ "cgroups", S_IFREG | 0400, NULL, &vmacct_cgroups_fops },
#endif
	{ "maps", S_IFDIR | 0500, &vmacct_pid_dir_iops, &vmacct_pid_dir_fops, &vmacct_maps_fops },
	{ "sharing", S_IFDIR | 0500, &vmacct_pid_dir_iops, &vmacct_pid_dir_fops,
	  &vmacct_sharing_fops },
};

static struct dentry *vmacct_root_lookup(struct inode *dir, struct dentry *dentry,
					 unsigned int flags)
{
	struct inode *inode;
	int i;

	for (i = 0; i < ARRAY_SIZE(vmacct_fixed); i++) {
		if (strcmp(dentry->d_name.name, vmacct_fixed[i].name))
			continue;
		inode = vmacct_new_inode(dir->i_sb, vmacct_fixed[i].mode, vmacct_fixed[i].iop,
					 vmacct_fixed[i].fop, (void *)vmacct_fixed[i].children);
		if (!inode)
			return ERR_PTR(-ENOMEM);
		return d_splice_alias(inode, dentry);
	}
	return vmacct_pid_lookup(dir, dentry, &vmacct_summary_fops);
}

static int vmacct_root_iterate(struct file *file, struct dir_context *ctx)
{
	if (!dir_emit_dots(file, ctx))
		return 0;
	for (; ctx->pos < VMACCT_POS_FIXED + ARRAY_SIZE(vmacct_fixed); ctx->pos++) {
		int i = ctx->pos - VMACCT_POS_FIXED;
		const char *name = vmacct_fixed[i].name;

		if (!dir_emit(ctx, name, strlen(name), i + 1,
			      S_ISDIR(vmacct_fixed[i].mode) ? DT_DIR : DT_REG))
			return 0;
	}
	if (ctx->pos < VMACCT_POS_PID)
		ctx->pos = VMACCT_POS_PID;
	return vmacct_iterate_pids(ctx);
}

static const struct inode_operations vmacct_root_iops = {
	.lookup = vmacct_root_lookup,
};

static const struct file_operations vmacct_root_fops = {
	.owner = THIS_MODULE,
	.read = generic_read_dir,
	.iterate_shared = vmacct_root_iterate,
	.llseek = generic_file_llseek,
};

/* --- dentries --- */

/*
 * The process a <pid>, maps/<pid> or sharing/<pid> inode stands for, or NULL for the other inodes.
 * Told by i_op, not i_fop: ->free_inode() runs when i_fop is no longer there (struct inode keeps
 * i_fop in a union with the free_inode pointer that destroy_inode() stores for i_callback()), and
 * an inode told by i_fop would keep its pid reference forever.
 */
static struct pid *vmacct_inode_pid(struct inode *inode)
{
	return inode->i_op == &vmacct_pid_iops ? inode->i_private : NULL;
}

/* Under RCU: the process still exists as a thread-group leader with an address space. */
static bool vmacct_pid_alive(struct pid *pid)
{
	struct task_struct *task = pid_task(pid, PIDTYPE_TGID);

	return task && vmacct_task_has_mm(task);
}

/*
 * Unused dentries stay in the dcache, as in /proc: a monitoring loop that opens the same names
 * again walks them under RCU instead of allocating a dentry and an inode per open. A pid dentry is
 * valid while its struct pid (not its number) still names a live process, checked at every
 * lookup; callable in RCU-walk mode (LOOKUP_RCU): it neither sleeps nor takes a reference.
 * Negative dentries are never kept (vmacct_d_delete()), so they are never valid.
 */
static int vmacct_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct inode *inode = d_inode_rcu(dentry);
	struct pid *pid;
	bool alive;

	if (!inode)
		return 0;
	pid = vmacct_inode_pid(inode);
	if (!pid)
		return 1;	/* version, all, stats, maps: fixed for the mount's life */
	rcu_read_lock();
	alive = vmacct_pid_alive(pid);
	rcu_read_unlock();
	return alive;
}

VMACCT_D_REVALIDATE(vmacct_d_revalidate)

/* At the last dput(): drop a negative dentry, or one of a process that is gone, at once. */
static int vmacct_d_delete(const struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);
	struct pid *pid;
	bool alive;

	if (!inode)
		return 1;
	pid = vmacct_inode_pid(inode);
	if (!pid)
		return 0;
	rcu_read_lock();
	alive = vmacct_pid_alive(pid);
	rcu_read_unlock();
	return !alive;
}

static const struct dentry_operations vmacct_dops = {
	.d_revalidate = vmacct_d_revalidate_op,
	.d_delete = vmacct_d_delete,
};

/* --- the file system --- */

/*
 * The struct pid of a pid inode is put only after an RCU grace period (->free_inode, as procfs
 * does in proc_free_inode()): vmacct_d_revalidate() reads it in RCU-walk mode, without a
 * reference, from a dentry that may be being killed meanwhile.
 */
static void vmacct_free_inode(struct inode *inode)
{
	put_pid(vmacct_inode_pid(inode));
	free_inode_nonrcu(inode);
}

static const struct super_operations vmacct_super_ops = {
	.statfs = simple_statfs,
	.free_inode = vmacct_free_inode,
};

static int vmacct_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *root;

	sb->s_magic = VMACCT_MAGIC;
	sb->s_op = &vmacct_super_ops;
	sb->s_time_gran = 1;
	vmacct_set_default_d_op(sb, &vmacct_dops);
	root = vmacct_new_inode(sb, S_IFDIR | 0500, &vmacct_root_iops, &vmacct_root_fops, NULL);
	if (!root)
		return -ENOMEM;
	sb->s_root = d_make_root(root);
	return sb->s_root ? 0 : -ENOMEM;
}

static int vmacct_get_tree(struct fs_context *fc)
{
	return get_tree_single(fc, vmacct_fill_super);
}

static const struct fs_context_operations vmacct_context_ops = {
	.get_tree = vmacct_get_tree,
};

static int vmacct_init_fs_context(struct fs_context *fc)
{
	fc->ops = &vmacct_context_ops;
	return 0;
}

static struct file_system_type vmacct_fs_type = {
	.owner = THIS_MODULE,
	.name = "vmacctfs",
	.init_fs_context = vmacct_init_fs_context,
	.kill_sb = kill_anon_super,
};

/* --- the debugfs automount point --- */

static void vmacct_expire(struct work_struct *work)
{
	mark_mounts_for_expiry(&vmacct_expiry_list);
	/* Unlocked peek, as NFS does: a mount added meanwhile schedules the work itself. */
	if (!list_empty(&vmacct_expiry_list))
		schedule_delayed_work(&vmacct_expire_work, VMACCT_EXPIRE_PERIOD);
}

/*
 * debugfs calls this with no reference on the module (debugfs_automount()). A reference taken
 * first keeps the module from being unloaded until the new mount holds its own (through the file
 * system's owner); once rmmod has begun, try_module_get() fails and the access gets ENODEV
 * without sleeping. The instructions around the reference are covered by vmacct_pidfs_exit().
 */
static struct vfsmount *vmacct_automount(struct dentry *mntpt, void *data)
{
	struct fs_context *fc;
	struct vfsmount *mnt;

	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);
	fc = fs_context_for_submount(&vmacct_fs_type, mntpt);
	if (IS_ERR(fc)) {
		mnt = ERR_CAST(fc);
		goto out;
	}
	mnt = fc_mount(fc);
	put_fs_context(fc);
	if (IS_ERR(mnt))
		goto out;
	mnt = vmacct_automount_result(mnt);
	mnt_set_expiry(mnt, &vmacct_expiry_list);
	schedule_delayed_work(&vmacct_expire_work, VMACCT_EXPIRE_PERIOD);
out:
	module_put(THIS_MODULE);
	return mnt;
}

int vmacct_pidfs_init(void)
{
	struct dentry *d;
	int ret;

	ret = register_filesystem(&vmacct_fs_type);
	if (ret)
		return ret;
	d = debugfs_create_automount("vmacct", NULL, vmacct_automount, NULL);
	if (IS_ERR_OR_NULL(d)) {
		unregister_filesystem(&vmacct_fs_type);
		ret = d ? PTR_ERR(d) : -ENODEV;
		/* Out of memory is not a refusal: do not send the user looking at debugfs. */
		pr_err("cannot create /sys/kernel/debug/vmacct (%d)%s\n", ret,
		       ret == -ENOMEM ? ": out of memory" :
		       ": debugfs is disabled (debugfs=off) or restricted (lockdown)");
		return ret;
	}
	vmacct_automount_dentry = d;
	return 0;
}

void vmacct_pidfs_exit(void)
{
	/* Nothing is mounted here any more: a mount would hold a reference on this module. */
	debugfs_remove(vmacct_automount_dentry);
	/*
	 * No path walk can find the automount point now, but one that found it before may be on
	 * its way into vmacct_automount() (follow_automount() -> debugfs_automount() -> here, with
	 * no voluntary sleep from the dentry lookup to the call), inside it before its
	 * try_module_get() or after its module_put(): none of those stretches sleeps, and a
	 * reference held in between keeps rmmod from getting here at all. RCU Tasks' grace period
	 * ends only once every task has voluntarily scheduled (a preempted one has not), as for
	 * code patching trampolines: after it, no task runs this module's code or is about to.
	 * Unlike waiting for the dentry's count, it never waits for a holder that keeps the
	 * automount point open (an O_PATH descriptor, a bind mount of it).
	 */
	synchronize_rcu_tasks();
	cancel_delayed_work_sync(&vmacct_expire_work);
	unregister_filesystem(&vmacct_fs_type);
	/* The last inodes' vmacct_free_inode() run after a grace period: wait for them. */
	rcu_barrier();
}
