// SPDX-License-Identifier: GPL-2.0
/*
 * The text of the three debugfs files, a format that the reader, the selftests and users parse
 * (README.md, "The debugfs files"). Field names, their order and where each is printed are
 * defined once, in include/vmacct_fields.h; the values are computed here, in vmacct_values().
 * The formatter knows nothing about page tables; it prints a struct vmacct_stats.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "format.h"

/* The fields in contract order, their names and where each is printed: vmacct_fields.h. */
enum {
#define VMACCT_FIELD(id, ...) F_##id,
#include "vmacct_fields.h"
	VMACCT_NR_FIELDS
};

static const struct {
	const char *name;
	u8 scope;
} vmacct_fields[VMACCT_NR_FIELDS] = {
#define VMACCT_FIELD(id, name, scope) \
	[F_##id] = { #name, (scope) },
#include "vmacct_fields.h"
};

/*
 * All values in kB; pss rounds down exactly as smaps_rollup's Pss. A field listed but not computed
 * here reads 0, never stack contents; the top_* fields are computed only with @top.
 */
static void vmacct_values(const struct vmacct_stats *st, const struct vmacct_top *top,
			  u64 v[VMACCT_NR_FIELDS])
{
	memset(v, 0, VMACCT_NR_FIELDS * sizeof(*v));
	v[F_MAPPED] = st->mapped >> 10;
	v[F_RESIDENT] = st->resident >> 10;
	v[F_SHARED] = vmacct_shared(st) >> 10;
	v[F_PRIVATE] = vmacct_private(st) >> 10;
	v[F_PSS] = st->pss >> (10 + VMACCT_PSS_SHIFT);
	v[F_ANON_SHARED] = st->shared[VMACCT_ANON] >> 10;
	v[F_ANON_PRIVATE] = st->private[VMACCT_ANON] >> 10;
	v[F_FILE_SHARED] = st->shared[VMACCT_FILE] >> 10;
	v[F_FILE_PRIVATE] = st->private[VMACCT_FILE] >> 10;
	v[F_SHMEM_SHARED] = st->shared[VMACCT_SHMEM] >> 10;
	v[F_SHMEM_PRIVATE] = st->private[VMACCT_SHMEM] >> 10;
	v[F_SWAP] = st->swap >> 10;
	v[F_ZERO] = st->zero >> 10;
	v[F_THP] = st->thp >> 10;
	v[F_HUGETLB] = st->hugetlb >> 10;
	v[F_PRIVATE_DIRTY] = st->private_dirty >> 10;
	v[F_SHARED_DIRTY] = st->shared_dirty >> 10;
	v[F_KSM] = st->ksm >> 10;
	if (top) {
		v[F_TOP_VIRT] = top->virt >> 10;
		v[F_TOP_RES] = top->res >> 10;
		v[F_TOP_SHR] = top->shr >> 10;
	}
}

/*
 * Process names and paths are arbitrary bytes. Every byte that is not printable ASCII other than a
 * space, and the backslash itself, is written as \ooo (octal), so no output line can be split,
 * broken into extra columns or carry control characters; the escape is reversible.
 */
static void vmacct_seq_escape(struct seq_file *m, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c < 0x21 || c > 0x7e || c == '\\')
			seq_printf(m, "\\%03o", c);
		else
			seq_putc(m, c);
	}
}

void vmacct_show_summary(struct seq_file *m, pid_t pid, const char *comm,
			 const struct vmacct_stats *st, const struct vmacct_top *top)
{
	u64 v[VMACCT_NR_FIELDS];
	int i;

	vmacct_values(st, top, v);
	seq_printf(m, "pid: %d\ncomm: ", pid);
	vmacct_seq_escape(m, comm);
	seq_putc(m, '\n');
	for (i = 0; i < VMACCT_NR_FIELDS; i++)
		seq_printf(m, "%s: %llu kB\n", vmacct_fields[i].name, v[i]);
}

void vmacct_show_all_header(struct seq_file *m)
{
	int i;

	seq_puts(m, "# pid");
	for (i = 0; i < VMACCT_NR_FIELDS; i++)
		seq_printf(m, " %s", vmacct_fields[i].name);
	seq_puts(m, " comm\n");
}

void vmacct_show_all_row(struct seq_file *m, pid_t pid, const char *comm,
			 const struct vmacct_stats *st, const struct vmacct_top *top)
{
	u64 v[VMACCT_NR_FIELDS];
	int i;

	vmacct_values(st, top, v);
	seq_printf(m, "%d", pid);
	for (i = 0; i < VMACCT_NR_FIELDS; i++)
		seq_printf(m, " %llu", v[i]);
	seq_putc(m, ' ');
	vmacct_seq_escape(m, comm);
	seq_putc(m, '\n');
}

/* The columns of a maps/<pid> row, in the order include/vmacct_fields.h gives; names if !v. */
static void vmacct_show_maps_fields(struct seq_file *m, const u64 *v)
{
	static const u8 pass[] = { VMACCT_ROW, VMACCT_ROW_LAST };
	unsigned int p;
	int i;

	for (p = 0; p < ARRAY_SIZE(pass); p++) {
		for (i = 0; i < VMACCT_NR_FIELDS; i++) {
			if (vmacct_fields[i].scope != pass[p])
				continue;
			if (v)
				seq_printf(m, " %llu", v[i]);
			else
				seq_printf(m, " %s", vmacct_fields[i].name);
		}
	}
}

void vmacct_show_maps_header(struct seq_file *m)
{
	seq_puts(m, "# start-end perms offset");
	vmacct_show_maps_fields(m, NULL);
	seq_puts(m, " path\n");
}

void vmacct_show_maps_row(struct seq_file *m, const struct vmacct_vma_info *vi,
			  const struct vmacct_stats *st)
{
	u64 v[VMACCT_NR_FIELDS];

	vmacct_values(st, NULL, v);
	/* The first columns read exactly as in /proc/pid/maps. */
	seq_printf(m, "%08lx-%08lx %c%c%c%c %08llx", vi->start, vi->end,
		   vi->flags & VM_READ ? 'r' : '-', vi->flags & VM_WRITE ? 'w' : '-',
		   vi->flags & VM_EXEC ? 'x' : '-', vi->flags & VM_MAYSHARE ? 's' : 'p',
		   vi->offset);
	vmacct_show_maps_fields(m, v);
	seq_putc(m, ' ');
	vmacct_seq_escape(m, vi->path);
	seq_putc(m, '\n');
}

/* --- the group files (group.h): fields from include/vmacct_fields.h's group list --- */

enum {
#define VMACCT_GROUP_FIELD(id, ...) F_GROUP_##id,
#include "vmacct_fields.h"
	VMACCT_NR_GROUP_FIELDS
};

static const char *const vmacct_group_fields[VMACCT_NR_GROUP_FIELDS] = {
#define VMACCT_GROUP_FIELD(id, name) \
	[F_GROUP_##id] = #name,
#include "vmacct_fields.h"
};

/* All in kB; pss rounds down once, as a process's. */
static void vmacct_group_values(const struct vmacct_group *g, u64 v[VMACCT_NR_GROUP_FIELDS])
{
	u64 unique = 0, shared_out = 0;
	int k;

	for (k = 0; k < VMACCT_NR_KINDS; k++) {
		unique += g->unique[k];
		shared_out += g->shared_out[k];
	}
	memset(v, 0, VMACCT_NR_GROUP_FIELDS * sizeof(*v));
	v[F_GROUP_RESIDENT] = (unique + shared_out) >> 10;
	v[F_GROUP_UNIQUE] = unique >> 10;
	v[F_GROUP_SHARED_OUT] = shared_out >> 10;
	v[F_GROUP_PSS] = g->pss >> (10 + VMACCT_PSS_SHIFT);
	v[F_GROUP_SWAP] = g->swap >> 10;
	v[F_GROUP_ANON_UNIQUE] = g->unique[VMACCT_ANON] >> 10;
	v[F_GROUP_ANON_SHARED_OUT] = g->shared_out[VMACCT_ANON] >> 10;
	v[F_GROUP_FILE_UNIQUE] = g->unique[VMACCT_FILE] >> 10;
	v[F_GROUP_FILE_SHARED_OUT] = g->shared_out[VMACCT_FILE] >> 10;
	v[F_GROUP_SHMEM_UNIQUE] = g->unique[VMACCT_SHMEM] >> 10;
	v[F_GROUP_SHMEM_SHARED_OUT] = g->shared_out[VMACCT_SHMEM] >> 10;
}

/* procs and the group's fields, separated by spaces. */
static void vmacct_show_group_values(struct seq_file *m, const struct vmacct_group *g)
{
	u64 v[VMACCT_NR_GROUP_FIELDS];
	int i;

	vmacct_group_values(g, v);
	seq_printf(m, "%u", g->procs);
	for (i = 0; i < VMACCT_NR_GROUP_FIELDS; i++)
		seq_printf(m, " %llu", v[i]);
}

static void vmacct_show_group_names(struct seq_file *m)
{
	int i;

	seq_puts(m, " procs");
	for (i = 0; i < VMACCT_NR_GROUP_FIELDS; i++)
		seq_printf(m, " %s", vmacct_group_fields[i]);
}

void vmacct_show_group_header(struct seq_file *m, const char *key, const char *name)
{
	seq_puts(m, "#");
	if (key)
		seq_printf(m, " %s", key);
	vmacct_show_group_names(m);
	if (name)
		seq_printf(m, " %s", name);
	seq_putc(m, '\n');
}

void vmacct_show_group_row(struct seq_file *m, const char *key, u32 id, const char *name,
			   const struct vmacct_group *g)
{
	if (key)
		seq_printf(m, "%u ", id);
	vmacct_show_group_values(m, g);
	if (name) {
		seq_putc(m, ' ');
		vmacct_seq_escape(m, name);
	}
	seq_putc(m, '\n');
}

void vmacct_show_cgroup_header(struct seq_file *m)
{
	seq_puts(m, "#");
	vmacct_show_group_names(m);
	seq_puts(m, " memory_current path\n");
}

void vmacct_show_cgroup_row(struct seq_file *m, const struct vmacct_group *g, s64 current_kb,
			    const char *path)
{
	vmacct_show_group_values(m, g);
	if (current_kb < 0)
		seq_puts(m, " - ");
	else
		seq_printf(m, " %lld ", current_kb);
	vmacct_seq_escape(m, path);
	seq_putc(m, '\n');
}

/* --- sharing/<pid> --- */

void vmacct_show_sharing_header(struct seq_file *m)
{
	seq_puts(m, "# pid shared anon_shared file_shared shmem_shared comm\n");
}

void vmacct_show_sharing_row(struct seq_file *m, pid_t pid, const char *comm,
			     const u64 shared[VMACCT_NR_KINDS])
{
	u64 all = shared[VMACCT_ANON] + shared[VMACCT_FILE] + shared[VMACCT_SHMEM];

	seq_printf(m, "%d %llu %llu %llu %llu ", pid, all >> 10, shared[VMACCT_ANON] >> 10,
		   shared[VMACCT_FILE] >> 10, shared[VMACCT_SHMEM] >> 10);
	vmacct_seq_escape(m, comm);
	seq_putc(m, '\n');
}
