// SPDX-License-Identifier: GPL-2.0
/*
 * What the reader derives from the module's numbers: the decomposition of top's SHR error and the
 * sort orders. Kept apart from the formatters so table, JSON and Prometheus agree by construction.
 */
#include <stdlib.h>
#include <string.h>

#include "vmacct.h"

/*
 * top's SHR is statm's shared = RssFile + RssShmem, the kernel's counters. The exact SHARED is
 * anon_shared + file_shared + shmem_shared from the page tables. If the counters matched the page
 * tables, top_shr = file_shared + file_private + shmem_shared + shmem_private, so
 *   top_shr - shared = file_private + shmem_private - anon_shared + drift,
 * where drift is whatever the counters disagree with the page tables by (batched counter updates,
 * a process changing between the two reads).
 */
int64_t vm_shr_error(const uint64_t *f)
{
	return (int64_t)f[VF_TOP_SHR] - (int64_t)f[VF_SHARED];
}

void vm_verdict(const uint64_t *f, struct vm_verdict *v)
{
	v->top_shr = f[VF_TOP_SHR];
	v->shared = f[VF_SHARED];
	v->error = vm_shr_error(f);
	v->file_private = f[VF_FILE_PRIVATE];
	v->shmem_private = f[VF_SHMEM_PRIVATE];
	v->anon_shared = f[VF_ANON_SHARED];
	v->drift = v->error - (v->file_private + v->shmem_private - v->anon_shared);
}

/* What one mapping contributes to top's SHR error (the counters have no per-mapping drift). */
int64_t vm_map_error(const struct vm_map *m)
{
	return (int64_t)m->f[VF_FILE_PRIVATE] + (int64_t)m->f[VF_SHMEM_PRIVATE] -
	       (int64_t)m->f[VF_ANON_SHARED];
}

/* -s accepts a debugfs field name, top's column names, or pid/comm/user/shr_error. */
int vm_sort_key(const char *name)
{
	static const struct { const char *alias; int key; } alias[] = {
		{ "virt", VF_TOP_VIRT }, { "res", VF_TOP_RES }, { "shr", VF_TOP_SHR },
		{ "rss", VF_RESIDENT }, { "pid", VS_PID }, { "comm", VS_COMM },
		{ "command", VS_COMM }, { "user", VS_USER }, { "shr_error", VS_SHR_ERROR },
		{ "error", VS_SHR_ERROR },
	};
	size_t i;
	int f = vm_field_by_name(name);

	if (f >= 0)
		return f;
	for (i = 0; i < sizeof(alias) / sizeof(*alias); i++)
		if (!strcasecmp(name, alias[i].alias))
			return alias[i].key;
	return -1;
}

static int vm_sort_by;

static int vm_cmp_bytes(const struct vm_bytes *a, const struct vm_bytes *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, n);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Sizes sort largest first (what top does), the SHR error by magnitude, names and pids
 * ascending; ties by pid. */
static int vm_cmp_proc(const void *pa, const void *pb)
{
	const struct vm_proc *a = pa, *b = pb;
	int64_t x, y;
	int c = 0;

	switch (vm_sort_by) {
	case VS_PID:
		break;
	case VS_COMM:
		c = vm_cmp_bytes(&a->comm, &b->comm);
		break;
	case VS_USER:
		c = (a->uid > b->uid) - (a->uid < b->uid);
		break;
	case VS_SHR_ERROR:
		/* By magnitude, as -m orders mappings: -384M is a bigger error than +1000K. */
		x = llabs(vm_shr_error(a->f));
		y = llabs(vm_shr_error(b->f));
		c = (x < y) - (x > y);
		break;
	default:
		c = (a->f[vm_sort_by] < b->f[vm_sort_by]) - (a->f[vm_sort_by] > b->f[vm_sort_by]);
	}
	return c ? c : (a->pid > b->pid) - (a->pid < b->pid);
}

void vm_sort_procs(struct vm_procs *p, const struct vm_opts *o)
{
	vm_sort_by = o->sort_field;
	qsort(p->v, p->n, sizeof(*p->v), vm_cmp_proc);
}
