// SPDX-License-Identifier: GPL-2.0
/* The human views: the all-process table, the per-process detail with top's SHR verdict, -m. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmacct.h"

/*
 * Binary units as top uses them (K = KiB, M = MiB, ...), one decimal from MiB up, rounded to
 * nearest in integer arithmetic so the output is the same on every machine.
 */
void vm_human(char *buf, size_t len, int64_t kb, bool sign, bool kb_exact)
{
	static const char unit[] = "MGTP";
	uint64_t a = kb < 0 ? -(uint64_t)kb : (uint64_t)kb, div = 1024, tenths;
	const char *s = kb < 0 ? "-" : (sign && kb > 0 ? "+" : "");
	int u = 0;

	if (kb_exact) {
		snprintf(buf, len, "%s%" PRIu64, s, a);
		return;
	}
	if (a < 1024) {
		snprintf(buf, len, "%s%" PRIu64 "K", s, a);
		return;
	}
	while (u < 3 && (a * 10 + div / 2) / div >= 10240) {
		div *= 1024;
		u++;
	}
	tenths = (a * 10 + div / 2) / div;
	snprintf(buf, len, "%s%" PRIu64 ".%" PRIu64 "%c", s, tenths / 10, tenths % 10, unit[u]);
}

static const char *hs(char *buf, int64_t kb, const struct vm_opts *o)
{
	vm_human(buf, 32, kb, false, o->kb);
	return buf;
}

static const char *hsign(char *buf, int64_t kb, const struct vm_opts *o)
{
	vm_human(buf, 32, kb, true, o->kb);
	return buf;
}

/* top truncates a long user name and marks it with '+'; so do we. */
static void vm_put_user(FILE *f, long uid)
{
	char buf[32];
	const char *u = vm_user_name(uid, buf, sizeof(buf));

	if (strlen(u) > 8)
		fprintf(f, "%-7.7s+", u);
	else
		fprintf(f, "%-8s", u);
}

void vm_table_all(FILE *f, const struct vm_procs *p, const struct vm_opts *o)
{
	int w = o->kb ? 10 : 7;
	char b[9][32];
	uint64_t sum[VF_NR] = { 0 };
	size_t i, shown = 0;

	fprintf(f, "%7s %-8s %*s %*s %*s %*s %*s %*s %*s %*s %s\n", "PID", "USER",
		w, "VIRT", w, "RES", w, "SHR", w, "SHARED", w, "PRIVATE", w, "PSS", w, "SWAP",
		w + 1, "SHR ERR", "COMMAND");
	for (i = 0; i < p->n; i++) {
		const struct vm_proc *q = &p->v[i];
		int k;

		for (k = 0; k < VF_NR; k++)
			sum[k] += q->f[k];
		if (o->limit >= 0 && shown >= (size_t)o->limit)
			continue;
		shown++;
		fprintf(f, "%7d ", q->pid);
		vm_put_user(f, q->uid);
		fprintf(f, " %*s %*s %*s %*s %*s %*s %*s %*s ",
			w, hs(b[0], q->f[VF_TOP_VIRT], o), w, hs(b[1], q->f[VF_TOP_RES], o),
			w, hs(b[2], q->f[VF_TOP_SHR], o), w, hs(b[3], q->f[VF_SHARED], o),
			w, hs(b[4], q->f[VF_PRIVATE], o), w, hs(b[5], q->f[VF_PSS], o),
			w, hs(b[6], q->f[VF_SWAP], o),
			w + 1, hsign(b[7], vm_shr_error(q->f), o));
		vm_put_table_text(f, &q->comm, 0);
		fputc('\n', f);
	}
	fprintf(f, "%7s %-8s %*s %*s %*s %*s %*s %*s %*s %*s %s\n", "TOTAL", "",
		w, hs(b[0], sum[VF_TOP_VIRT], o), w, hs(b[1], sum[VF_TOP_RES], o),
		w, hs(b[2], sum[VF_TOP_SHR], o), w, hs(b[3], sum[VF_SHARED], o),
		w, hs(b[4], sum[VF_PRIVATE], o), w, hs(b[5], sum[VF_PSS], o),
		w, hs(b[6], sum[VF_SWAP], o),
		w + 1, hsign(b[7], vm_shr_error(sum), o),
		o->limit >= 0 && shown < p->n ? "(all processes, not only those shown)" : "");
	fprintf(f, "\n%zu processes. Sum of PSS (%s) is the memory they really use: each page counted "
		"once, split among the processes mapping it.\n", p->n, hs(b[0], sum[VF_PSS], o));
	fprintf(f, "Sums of RES (%s) and SHR (%s) double count: a shared page is counted once per "
		"process that maps it.\n", hs(b[1], sum[VF_TOP_RES], o), hs(b[2], sum[VF_TOP_SHR], o));
	fprintf(f, "VIRT RES SHR: what top shows (kernel counters). SHARED PRIVATE PSS SWAP: exact, "
		"from the page tables. SHR ERR = SHR - SHARED.\n");
}

static const struct {
	int field;
	const char *label;
	const char *meaning;
} vm_detail_rows[] = {
	{ VF_TOP_VIRT, "VIRT (top)", "statm size: every mapping, touched or not" },
	{ VF_TOP_RES, "RES (top)", "statm resident: RssAnon+RssFile+RssShmem counters" },
	{ VF_TOP_SHR, "SHR (top)", "statm shared: RssFile+RssShmem counters" },
	{ VF_MAPPED, "mapped", "exact VIRT: size of all mappings" },
	{ VF_RESIDENT, "resident", "exact RES: pages in RAM mapped by this process (smaps Rss)" },
	{ VF_SHARED, "shared", "exact SHARED: resident pages another process also maps" },
	{ VF_PRIVATE, "private", "resident pages no other process maps: what it owns" },
	{ VF_PSS, "pss", "proportional set size: each page divided among its mappers" },
	{ VF_ANON_SHARED, "anon_shared", "anonymous pages shared (copy-on-write after fork, KSM)" },
	{ VF_ANON_PRIVATE, "anon_private", "anonymous pages only this process maps" },
	{ VF_FILE_SHARED, "file_shared", "file pages another process also maps" },
	{ VF_FILE_PRIVATE, "file_private", "file pages no other process maps" },
	{ VF_SHMEM_SHARED, "shmem_shared", "shmem/tmpfs/memfd pages another process also maps" },
	{ VF_SHMEM_PRIVATE, "shmem_private", "shmem/tmpfs/memfd pages no other process maps" },
	{ VF_SWAP, "swap", "pages swapped out (not in RES)" },
	{ VF_ZERO, "zero", "mappings of the shared zero page (not in RES)" },
	{ VF_THP, "thp", "resident memory in transparent huge pages (part of RES)" },
	{ VF_HUGETLB, "hugetlb", "hugetlbfs pages (not in RES, as in smaps)" },
};

/* The SHR verdict in words a user understands. */
static void vm_table_verdict(FILE *f, const struct vm_proc *p)
{
	struct vm_verdict v;
	char b[6][32];
	int clauses = 0;

	vm_verdict(p->f, &v);
	vm_human(b[0], 32, v.top_shr, false, false);
	vm_human(b[1], 32, v.shared, false, false);
	vm_human(b[2], 32, v.error, true, false);
	fprintf(f, "\ntop's SHR: %s shown, %s really shared: SHR (top) - SHARED (exact) = %s (%" PRId64
		" kB)\n", b[0], b[1], b[2], v.error);
	fprintf(f, "  = file_private %" PRId64 " kB + shmem_private %" PRId64 " kB - anon_shared %"
		PRId64 " kB + counter drift %" PRId64 " kB\n", v.file_private, v.shmem_private,
		v.anon_shared, v.drift);
	vm_human(b[3], 32, v.file_private, false, false);
	vm_human(b[4], 32, v.shmem_private, false, false);
	vm_human(b[5], 32, v.anon_shared, false, false);
	if (v.file_private) {
		fprintf(f, "  top counts %s of file pages that no other process maps", b[3]);
		clauses++;
	}
	if (v.shmem_private) {
		fprintf(f, "%s %s of shared-memory (shmem/tmpfs) pages that no other process maps",
			clauses ? ",\n  and counts" : "  top counts", b[4]);
		clauses++;
	}
	if (v.anon_shared) {
		fprintf(f, "%s %s of anonymous pages shared with forked processes (copy-on-write)",
			clauses ? ",\n  and misses" : "  top misses", b[5]);
		clauses++;
	}
	if (v.drift) {
		vm_human(b[0], 32, v.drift, true, false);
		fprintf(f, "%s the kernel's RSS counters that top reads differ from the page tables by "
			"%s (counters are updated in batches, or the process changed between reads)",
			clauses ? ";\n  and" : "  ", b[0]);
		clauses++;
	}
	if (clauses)
		fputs(".\n", f);
	else
		fputs("  top's SHR is exact for this process.\n", f);
	vm_human(b[0], 32, (int64_t)p->f[VF_TOP_RES] - (int64_t)p->f[VF_TOP_SHR], true, false);
	vm_human(b[1], 32, p->f[VF_PRIVATE], false, false);
	vm_human(b[2], 32, p->f[VF_PSS], false, false);
	fprintf(f, "RES - SHR (top) = %s is not the memory this process owns: it owns %s (private), "
		"and its fair share of all it maps is %s (pss).\n", b[0], b[1], b[2]);
}

static int vm_cmp_map(const void *pa, const void *pb)
{
	const struct vm_map *a = pa, *b = pb;
	int64_t x = llabs(vm_map_error(a)), y = llabs(vm_map_error(b));

	if (x != y)
		return (x < y) - (x > y);
	if (a->f[VF_RESIDENT] != b->f[VF_RESIDENT])
		return (a->f[VF_RESIDENT] < b->f[VF_RESIDENT]) -
		       (a->f[VF_RESIDENT] > b->f[VF_RESIDENT]);
	return (a->start > b->start) - (a->start < b->start);
}

/* -m: the mappings that make top's SHR wrong first; columns named after the debugfs fields. */
static void vm_table_maps(FILE *f, const struct vm_maps *maps, const struct vm_opts *o)
{
	static const int cols[] = { VF_MAPPED, VF_RESIDENT, VF_SHARED, VF_PRIVATE, VF_PSS,
		VF_ANON_SHARED, VF_FILE_PRIVATE, VF_SHMEM_PRIVATE, VF_SWAP };
	struct vm_map *v;
	size_t i, k, n;
	char b[32];

	v = malloc((maps->n ? maps->n : 1) * sizeof(*v));
	if (!v)
		return;
	memcpy(v, maps->v, maps->n * sizeof(*v));
	qsort(v, maps->n, sizeof(*v), vm_cmp_map);
	n = o->limit >= 0 && (size_t)o->limit < maps->n ? (size_t)o->limit : maps->n;
	fprintf(f, "\nMappings, largest contribution to top's SHR error first (%zu of %zu):\n",
		n, maps->n);
	fprintf(f, "%-33s %-5s", "start-end", "perms");
	for (k = 0; k < sizeof(cols) / sizeof(*cols); k++)
		fprintf(f, " %*s", (int)strlen(vm_field_names[cols[k]]) < 7 ? 7 :
			(int)strlen(vm_field_names[cols[k]]), vm_field_names[cols[k]]);
	fprintf(f, " %9s path\n", "shr_error");
	for (i = 0; i < n; i++) {
		char range[40];

		snprintf(range, sizeof(range), "%08" PRIx64 "-%08" PRIx64, v[i].start, v[i].end);
		fprintf(f, "%-33s %-5s", range, v[i].perms);
		for (k = 0; k < sizeof(cols) / sizeof(*cols); k++) {
			int w = strlen(vm_field_names[cols[k]]);

			fprintf(f, " %*s", w < 7 ? 7 : w, hs(b, v[i].f[cols[k]], o));
		}
		fprintf(f, " %9s ", hsign(b, vm_map_error(&v[i]), o));
		vm_put_table_text(f, &v[i].path, 0);
		fputc('\n', f);
	}
	free(v);
}

void vm_table_detail(FILE *f, const struct vm_proc *p, const struct vm_maps *m,
		     const struct vm_opts *o)
{
	char b[32], ub[32];
	size_t i;
	bool listed[VF_NR] = { 0 };
	int k;

	fprintf(f, "PID %d  USER %s  COMMAND ", p->pid, vm_user_name(p->uid, ub, sizeof(ub)));
	vm_put_table_text(f, &p->comm, 0);
	fprintf(f, "\n%-14s %8s %12s  %s\n", "field", "size", "kB", "meaning");
	for (i = 0; i < sizeof(vm_detail_rows) / sizeof(*vm_detail_rows); i++) {
		uint64_t v = p->f[vm_detail_rows[i].field];

		listed[vm_detail_rows[i].field] = true;
		vm_human(b, sizeof(b), v, false, false);
		fprintf(f, "%-14s %8s %12" PRIu64 "  %s\n", vm_detail_rows[i].label, b, v,
			vm_detail_rows[i].meaning);
	}
	/* Fields appended to include/vmacct_fields.h since vm_detail_rows was written. */
	for (k = 0; k < VF_NR; k++) {
		if (listed[k])
			continue;
		vm_human(b, sizeof(b), p->f[k], false, false);
		fprintf(f, "%-14s %8s %12" PRIu64 "  see README.md, \"The numbers\"\n",
			vm_field_names[k], b, p->f[k]);
	}
	vm_table_verdict(f, p);
	if (m)
		vm_table_maps(f, m, o);
}
