// SPDX-License-Identifier: GPL-2.0
/*
 * The text of the three debugfs files, a format that the reader, the selftests and users parse
 * (README.md, "The debugfs files"). Field names and their order are defined once, here.
 * The formatter knows nothing about page tables; it prints a struct vmacct_stats.
 */
#include <linux/kernel.h>
#include <linux/mm.h>

#include "format.h"

/* The per-process fields, in contract order; maps rows use the first VMACCT_NR_VMA_FIELDS. */
enum {
	F_RESIDENT, F_SHARED, F_PRIVATE, F_PSS,
	F_ANON_SHARED, F_ANON_PRIVATE, F_FILE_SHARED, F_FILE_PRIVATE,
	F_SHMEM_SHARED, F_SHMEM_PRIVATE, F_SWAP, F_ZERO, F_THP, F_HUGETLB,
	VMACCT_NR_VMA_FIELDS,
	F_TOP_VIRT = VMACCT_NR_VMA_FIELDS, F_TOP_RES, F_TOP_SHR,
	VMACCT_NR_FIELDS
};

static const char *const vmacct_field_names[VMACCT_NR_FIELDS] = {
	"resident", "shared", "private", "pss",
	"anon_shared", "anon_private", "file_shared", "file_private",
	"shmem_shared", "shmem_private", "swap", "zero", "thp", "hugetlb",
	"top_virt", "top_res", "top_shr",
};

/* All values in kB; pss rounds down exactly as smaps_rollup's Pss. */
static void vmacct_values(const struct vmacct_stats *st, const struct vmacct_top *top,
			  u64 v[VMACCT_NR_FIELDS])
{
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
	seq_printf(m, "\nmapped: %llu kB\n", st->mapped >> 10);
	for (i = 0; i < VMACCT_NR_FIELDS; i++)
		seq_printf(m, "%s: %llu kB\n", vmacct_field_names[i], v[i]);
}

void vmacct_show_all_header(struct seq_file *m)
{
	int i;

	seq_puts(m, "# pid mapped");
	for (i = 0; i < VMACCT_NR_FIELDS; i++)
		seq_printf(m, " %s", vmacct_field_names[i]);
	seq_puts(m, " comm\n");
}

void vmacct_show_all_row(struct seq_file *m, pid_t pid, const char *comm,
			 const struct vmacct_stats *st, const struct vmacct_top *top)
{
	u64 v[VMACCT_NR_FIELDS];
	int i;

	vmacct_values(st, top, v);
	seq_printf(m, "%d %llu", pid, st->mapped >> 10);
	for (i = 0; i < VMACCT_NR_FIELDS; i++)
		seq_printf(m, " %llu", v[i]);
	seq_putc(m, ' ');
	vmacct_seq_escape(m, comm);
	seq_putc(m, '\n');
}

void vmacct_show_maps_header(struct seq_file *m)
{
	int i;

	seq_puts(m, "# start-end perms offset");
	for (i = 0; i < VMACCT_NR_VMA_FIELDS; i++)
		seq_printf(m, " %s", vmacct_field_names[i]);
	seq_puts(m, " mapped path\n");
}

void vmacct_show_maps_row(struct seq_file *m, const struct vmacct_vma_info *vi,
			  const struct vmacct_stats *st)
{
	u64 v[VMACCT_NR_FIELDS];
	int i;

	vmacct_values(st, NULL, v);
	/* The first columns read exactly as in /proc/pid/maps. */
	seq_printf(m, "%08lx-%08lx %c%c%c%c %08llx", vi->start, vi->end,
		   vi->flags & VM_READ ? 'r' : '-', vi->flags & VM_WRITE ? 'w' : '-',
		   vi->flags & VM_EXEC ? 'x' : '-', vi->flags & VM_MAYSHARE ? 's' : 'p',
		   vi->offset);
	for (i = 0; i < VMACCT_NR_VMA_FIELDS; i++)
		seq_printf(m, " %llu", v[i]);
	seq_printf(m, " %llu ", st->mapped >> 10);
	vmacct_seq_escape(m, vi->path);
	seq_putc(m, '\n');
}
