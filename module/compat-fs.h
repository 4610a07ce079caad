/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between kernels in the VFS interfaces the pid directory uses (pidfs.c), behind
 * small helpers named after the API they stand in for. Chosen by compile probes (probes/NAME.c
 * gives VMACCT_HAVE_NAME), never by a version number.
 */
#ifndef VMACCT_COMPAT_FS_H
#define VMACCT_COMPAT_FS_H

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>

/*
 * An inode's times, set once at creation (new_inode() leaves them as the slab had them). Since 6.7
 * the fields are private behind accessors and simple_inode_init_ts() sets all three.
 */
static inline void vmacct_inode_init_ts(struct inode *inode)
{
#ifdef VMACCT_HAVE_SIMPLE_INODE_INIT_TS
	simple_inode_init_ts(inode);
#else
	struct timespec64 now = current_time(inode);

	inode->i_atime = now;
	inode->i_mtime = now;
	inode->i_ctime = now;
#endif
}

/* Default dentry operations of a superblock: a helper since 6.17, a plain field before. */
static inline void vmacct_set_default_d_op(struct super_block *sb,
					   const struct dentry_operations *ops)
{
#ifdef VMACCT_HAVE_SET_DEFAULT_D_OP
	set_default_d_op(sb, ops);
#else
	sb->s_d_op = ops;
#endif
}

/*
 * ->d_revalidate() is given the parent directory and the name too since 6.14; vmacct needs only
 * the dentry. VMACCT_D_REVALIDATE(fn) defines fn_op, with the kernel's signature, around
 * int fn(struct dentry *, unsigned int flags).
 */
#ifdef VMACCT_HAVE_D_REVALIDATE_DIR
#define VMACCT_D_REVALIDATE(fn)							\
static int fn##_op(struct inode *dir, const struct qstr *name, struct dentry *dentry,	\
		   unsigned int flags)						\
{										\
	return fn(dentry, flags);						\
}
#else
#define VMACCT_D_REVALIDATE(fn)							\
static int fn##_op(struct dentry *dentry, unsigned int flags)			\
{										\
	return fn(dentry, flags);						\
}
#endif

/*
 * What ->d_automount() returns: up to 6.12 (the matrix proves it) the new mount with an extra
 * reference, which finish_automount() drops (it had BUG_ON(mnt_get_count(mnt) < 2)); since the
 * mount rework that porting.rst places between try_lookup_noperm() and collect_paths() (7.2 in
 * the matrix), with its only reference, which finish_automount() consumes. The convention itself
 * is visible in no header, so the probes look at its two neighbours (probes/collect_paths.c):
 * a kernel that has the first and not the second cannot be told apart, and the build says so.
 */
#if defined(VMACCT_HAVE_COLLECT_PATHS)
static inline struct vfsmount *vmacct_automount_result(struct vfsmount *mnt)
{
	return mnt;
}
#elif !defined(VMACCT_HAVE_TRY_LOOKUP_NOPERM)
static inline struct vfsmount *vmacct_automount_result(struct vfsmount *mnt)
{
	return mntget(mnt);
}
#else
#error "->d_automount() convention unknown: try_lookup_noperm() without collect_paths()"
#endif

#endif /* VMACCT_COMPAT_FS_H */
