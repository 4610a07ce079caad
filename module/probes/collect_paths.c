// SPDX-License-Identifier: GPL-2.0
/*
 * The mount rework that made ->d_automount() return the new mount with a single reference
 * (finish_automount() consumes it; before, it had BUG_ON(mnt_get_count(mnt) < 2) and dropped one).
 * The convention itself shows in no header; Documentation/filesystems/porting.rst lists it between
 * try_lookup_noperm() (probes/try_lookup_noperm.c) and collect_paths(), which replaced
 * collect_mounts() in the same rework. collect_paths() present: the new convention is in.
 */
#include <linux/mount.h>
#include <linux/path.h>

const struct path *vmacct_probe(const struct path *path, struct path *buf, unsigned int n)
{
	return collect_paths(path, buf, n);
}
