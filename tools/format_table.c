// SPDX-License-Identifier: GPL-2.0
/* The human views: the all-process table, the per-process detail with top's SHR verdict, -m. */
#include <ctype.h>
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

static const int vm_default_cols[] = { VS_PID, VS_USER, VF_TOP_VIRT, VF_TOP_RES, VF_TOP_SHR,
	VF_SHARED, VF_PRIVATE, VF_PSS, VF_SWAP, VS_SHR_ERROR, VS_COMM };
/* A --watch screen narrower than the default columns need (with CHANGE and 16 of COMMAND). */
static const int vm_narrow_cols[] = { VS_PID, VS_USER, VF_TOP_RES, VF_TOP_SHR, VF_SHARED, VF_PSS,
	VS_SHR_ERROR, VS_COMM };

/* A column's name in the header: top's names for its three, SHR_ERR, else the field's name. */
static void vm_col_name(int key, char *buf, size_t len)
{
	size_t i;

	switch (key) {
	case VF_TOP_VIRT: snprintf(buf, len, "VIRT"); return;
	case VF_TOP_RES: snprintf(buf, len, "RES"); return;
	case VF_TOP_SHR: snprintf(buf, len, "SHR"); return;
	case VS_PID: snprintf(buf, len, "PID"); return;
	case VS_USER: snprintf(buf, len, "USER"); return;
	case VS_COMM: snprintf(buf, len, "COMMAND"); return;
	case VS_CMDLINE: snprintf(buf, len, "CMDLINE"); return;
	case VS_SHR_ERROR: snprintf(buf, len, "SHR_ERR"); return;
	}
	snprintf(buf, len, "%s", key >= 0 && key < VF_NR ? vm_field_names[key] : "?");
	for (i = 0; buf[i]; i++)
		buf[i] = toupper((unsigned char)buf[i]);
}

static bool vm_col_is_text(int key)
{
	return key == VS_COMM || key == VS_CMDLINE;
}

static int vm_col_width(int key, const struct vm_opts *o)
{
	char name[40];
	int w = o->kb ? 10 : 7;

	if (key == VS_PID)
		return 7;
	if (key == VS_USER)
		return 8;
	if (key == VS_SHR_ERROR)
		w++;
	vm_col_name(key, name, sizeof(name));
	return (int)strlen(name) > w ? (int)strlen(name) : w;
}

/* -o: names as -s takes them, comma-separated; an unknown one is a usage error. */
int vm_parse_columns(struct vm_opts *o, const char *list)
{
	char *copy = strdup(list), *save = NULL, *w;
	int k;

	if (!copy)
		return -1;
	o->ncols = 0;
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		k = vm_sort_key(w);
		if (k < 0 || o->ncols == sizeof(o->cols) / sizeof(*o->cols)) {
			fprintf(stderr, "vmacct: -o: %s: %s\nTry 'vmacct --help'.\n", w,
				k < 0 ? "unknown column" : "too many columns");
			free(copy);
			return -1;
		}
		if (k == VS_COMM && o->cmdline)
			k = VS_CMDLINE;
		o->cols[o->ncols++] = k;
	}
	free(copy);
	if (!o->ncols) {
		fprintf(stderr, "vmacct: -o needs column names\nTry 'vmacct --help'.\n");
		return -1;
	}
	return 0;
}

/* The previous --watch screen's numbers, for the CHANGE column. */
struct vm_prev {
	int pid;
	uint64_t pss;
};
static struct vm_prev *vm_prev;
static size_t vm_nprev;
static bool vm_have_prev;

void vm_watch_free(void)
{
	free(vm_prev);
	vm_prev = NULL;
	vm_nprev = 0;
}

static int vm_prev_cmp(const void *a, const void *b)
{
	const struct vm_prev *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* PSS change since the last screen: 0 for none, NEW for a process the last screen lacked. */
static bool vm_prev_pss(int pid, uint64_t *pss)
{
	struct vm_prev key = { pid, 0 }, *hit;

	hit = vm_nprev ? bsearch(&key, vm_prev, vm_nprev, sizeof(*vm_prev), vm_prev_cmp) : NULL;
	if (hit)
		*pss = hit->pss;
	return hit != NULL;
}

static void vm_prev_save(const struct vm_procs *p)
{
	struct vm_prev *n = malloc((p->n ? p->n : 1) * sizeof(*n));
	size_t i;

	if (!n)
		return;
	for (i = 0; i < p->n; i++) {
		n[i].pid = p->v[i].pid;
		n[i].pss = p->v[i].f[VF_PSS];
	}
	qsort(n, p->n, sizeof(*n), vm_prev_cmp);
	free(vm_prev);
	vm_prev = n;
	vm_nprev = p->n;
	vm_have_prev = true;
}

/* Cut a text cell to what is left of the line (a screen); the last column is never padded. */
static void vm_put_text_col(FILE *f, const struct vm_bytes *b, int used, bool last,
			    const struct vm_opts *o)
{
	/* a table that does not fit anyway (no --watch) wraps rather than lose the command */
	long room = !o->width ? 0 : o->width - used < 16 && !o->watch ? 16 : o->width - used;

	if (!last) {
		size_t w = vm_table_width(b);

		vm_put_table_text(f, b, 24);
		fprintf(f, "%*s", w < 24 ? (int)(24 - w) : 0, "");
		return;
	}
	if (o->width && room <= 0)
		return;
	vm_put_table_text(f, b, o->width ? (size_t)room : 0);
}

/* /proc/meminfo, for the summary line. */
static bool vm_meminfo(const char *proc, uint64_t *total, uint64_t *freemem, uint64_t *cache,
		       uint64_t *avail)
{
	char path[4096], line[256];
	unsigned long long v;
	uint64_t buffers = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/meminfo", proc);
	f = fopen(path, "re");
	if (!f)
		return false;
	*cache = *avail = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
			*total = v, found |= 1;
		else if (sscanf(line, "MemFree: %llu kB", &v) == 1)
			*freemem = v, found |= 2;
		else if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
			*avail = v;
		else if (sscanf(line, "Buffers: %llu kB", &v) == 1)
			buffers = v;
		else if (sscanf(line, "Cached: %llu kB", &v) == 1)
			*cache = v;
	}
	fclose(f);
	*cache += buffers;
	return found == 3;
}

/*
 * The all-process table. Columns from -o (default: PID USER VIRT RES SHR SHARED PRIVATE PSS SWAP
 * SHR_ERR COMMAND), a TOTAL row over every selected process, then what the sums mean. With
 * --watch: a time line first, a CHANGE column (PSS since the last screen), and rows limited to
 * the terminal's height with the header and the totals kept.
 */
void vm_table_all(FILE *f, const struct vm_procs *p, const struct vm_opts *o, const char *proc)
{
	const int *cols = o->ncols ? o->cols : vm_default_cols;
	size_t ncols = o->ncols ? o->ncols : sizeof(vm_default_cols) / sizeof(*vm_default_cols);
	int wide = 0, cmdcols[sizeof(vm_default_cols) / sizeof(*vm_default_cols)];
	uint32_t unavail = 0;
	uint64_t sum[VF_NR] = { 0 }, mt = 0, mf = 0, mc = 0, ma = 0;
	size_t i, c, shown = 0, rows = p->n, footer;
	bool change = o->watch, meminfo = vm_meminfo(proc, &mt, &mf, &mc, &ma);
	char b[40], name[40], ts[40];
	int used;

	for (i = 0; i < p->n; i++) {
		for (c = 0; c < VF_NR; c++)
			sum[c] += p->v[i].f[c];
		unavail |= p->v[i].unavail;
	}
	if (o->limit >= 0 && (size_t)o->limit < rows)
		rows = o->limit;
	if (o->cmdline && !o->ncols) {
		memcpy(cmdcols, vm_default_cols, sizeof(cmdcols));
		cmdcols[ncols - 1] = VS_CMDLINE;
		cols = cmdcols;
	}
	if (o->watch && !o->ncols && o->width) {
		for (c = 0; c < ncols; c++)
			wide += 1 + (vm_col_is_text(cols[c]) ? 16 : vm_col_width(cols[c], o));
		if (wide + 1 + (o->kb ? 10 : 7) > o->width) {
			memcpy(cmdcols, vm_narrow_cols, sizeof(vm_narrow_cols));
			cols = cmdcols;
			if (o->cmdline)
				cmdcols[sizeof(vm_narrow_cols) / sizeof(*vm_narrow_cols) - 1] = VS_CMDLINE;
			ncols = sizeof(vm_narrow_cols) / sizeof(*vm_narrow_cols);
		}
	}
	if (o->watch) {
		/*
		 * time line, header, TOTAL, blank, PSS line, meminfo line, and the cursor's line:
		 * the largest processes stay on the screen, header and totals too.
		 */
		footer = 6 + (meminfo ? 1 : 0);
		if (o->height && (size_t)o->height > footer && rows > (size_t)o->height - footer)
			rows = o->height - footer;
		vm_timestamp(ts, sizeof(ts), &o->now);
		fprintf(f, "vmacct %s  %zu processes  CHANGE = PSS since last refresh\n", ts,
			p->n);
	}
	used = 0;
	for (c = 0; c < ncols; c++) {
		vm_col_name(cols[c], name, sizeof(name));
		if (c)
			used += fprintf(f, " ");
		if (vm_col_is_text(cols[c]))
			used += fprintf(f, c + 1 == ncols ? "%s" : "%-24s", name);
		else if (cols[c] == VS_USER)
			used += fprintf(f, "%-8s", name);
		else
			used += fprintf(f, "%*s", vm_col_width(cols[c], o), name);
		if (change && cols[c] == VS_SHR_ERROR)
			used += fprintf(f, " %*s", o->kb ? 10 : 7, "CHANGE");
	}
	fputc('\n', f);
	for (i = 0; i < p->n && shown < rows; i++, shown++) {
		const struct vm_proc *q = &p->v[i];

		used = 0;
		for (c = 0; c < ncols; c++) {
			int k = cols[c], w = vm_col_width(k, o);

			if (c)
				used += fprintf(f, " ");
			if (k == VS_PID) {
				used += fprintf(f, "%*d", w, q->pid);
			} else if (k == VS_USER) {
				vm_put_user(f, q->uid);
				used += 8;
			} else if (k == VS_COMM || k == VS_CMDLINE) {
				vm_put_text_col(f, k == VS_COMM ? &q->comm : &q->cmdline, used,
						c + 1 == ncols, o);
				used += 24;
			} else if (k == VS_SHR_ERROR) {
				vm_human(b, sizeof(b), vm_shr_error(q->f), true, o->kb);
				used += fprintf(f, "%*s", w, b);
			} else if (q->unavail & 1u << k) {
				used += fprintf(f, "%*s", w, "-");
			} else {
				vm_human(b, sizeof(b), q->f[k], false, o->kb);
				used += fprintf(f, "%*s", w, b);
			}
			if (change && k == VS_SHR_ERROR) {
				uint64_t old;

				if (!vm_have_prev)
					snprintf(b, sizeof(b), "-");
				else if (!vm_prev_pss(q->pid, &old))
					snprintf(b, sizeof(b), "NEW");
				else
					vm_human(b, sizeof(b), (int64_t)q->f[VF_PSS] - (int64_t)old,
						 true, o->kb);
				used += fprintf(f, " %*s", o->kb ? 10 : 7, b);
			}
		}
		fputc('\n', f);
	}
	used = 0;
	for (c = 0; c < ncols; c++) {
		int k = cols[c], w = vm_col_width(k, o);

		if (c)
			used += fprintf(f, " ");
		if (k == VS_PID || (c == 0 && (k == VS_USER || vm_col_is_text(k)))) {
			used += fprintf(f, k == VS_PID ? "%*s" : "%-*s", k == VS_PID ? w :
					k == VS_USER ? 8 : c + 1 == ncols ? 0 : 24, "TOTAL");
		} else if (k == VS_USER) {
			used += fprintf(f, "%-8s", "");
		} else if (vm_col_is_text(k)) {
			if (c + 1 == ncols && shown < p->n) {
				/* over every process selected (-p, -u, -c), not only the -n shown */
				char text[64];
				struct vm_bytes note = { text, 0 };

				note.len = snprintf(text, sizeof(text), "(all %zu, not only the %zu shown)",
						    p->n, shown);
				vm_put_text_col(f, &note, used, true, o);
			} else if (c + 1 < ncols) {
				used += fprintf(f, "%-24s", "");
			}
		} else if (k == VS_SHR_ERROR) {
			vm_human(b, sizeof(b), vm_shr_error(sum), true, o->kb);
			used += fprintf(f, "%*s", w, b);
		} else if (unavail & 1u << k) {
			used += fprintf(f, "%*s", w, "-");
		} else {
			vm_human(b, sizeof(b), sum[k], false, o->kb);
			used += fprintf(f, "%*s", w, b);
		}
		if (change && k == VS_SHR_ERROR)
			used += fprintf(f, " %*s", o->kb ? 10 : 7, "");
	}
	fputc('\n', f);
	if (o->watch)
		vm_prev_save(p);
	if (o->ncols)
		return;	/* -o: the rows and their totals only, for scripts */
	if (o->watch) {
		fprintf(f, "\nPSS %s: the memory these processes use. SHR_ERR = SHR - SHARED.\n",
			hs(b, sum[VF_PSS], o));
	} else {
		fprintf(f, "\n%zu process%s. Sum of PSS (%s) is the memory they really use: each page "
			"counted once, split among the processes mapping it.\n", p->n,
			p->n == 1 ? "" : "es",
			hs(b, sum[VF_PSS], o));
		fprintf(f, "Sums of RES (%s) and SHR (%s) double count: a shared page is counted once "
			"per process that maps it.\n", hs(name, sum[VF_TOP_RES], o),
			hs(ts, sum[VF_TOP_SHR], o));
		fprintf(f, "VIRT RES SHR: what top shows (kernel counters). SHARED PRIVATE PSS SWAP: "
			"%s. SHR_ERR = SHR - SHARED.\n", o->own ? "from smaps_rollup (not root: "
			"no vmacct)" : "exact, from the page tables");
	}
	if (meminfo && o->watch) {
		char t[40], u[40], pc[40];

		/* the screen's short form, within 80 columns */
		fprintf(f, "RAM %s, used %s (cache %s), available %s; PSS = %.0f%% of used\n",
			hs(t, mt, o), hs(u, mt - mf, o), hs(pc, mc, o), hs(b, ma, o),
			mt > mf ? 100.0 * sum[VF_PSS] / (mt - mf) : 0.0);
	} else if (meminfo) {
		char t[40], u[40], pc[40];

		/* as smem -w: the machine's memory, and how much of what is used the PSS explains */
		fprintf(f, "RAM %s total, %s used (%s of it page cache and buffers), %s available; the "
			"PSS of these processes is %.0f%% of the used RAM.\n", hs(t, mt, o),
			hs(u, mt - mf, o), hs(pc, mc, o), hs(b, ma, o),
			mt > mf ? 100.0 * sum[VF_PSS] / (mt - mf) : 0.0);
	}
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
	{ VF_SHARED, "shared", "exact SHARED: resident pages mapped more than once (by another process, or twice by this one)" },
	{ VF_PRIVATE, "private", "resident pages mapped only once, by this process: what it owns" },
	{ VF_PSS, "pss", "proportional set size: each page divided among its mappers" },
	{ VF_ANON_SHARED, "anon_shared", "anonymous pages mapped more than once (copy-on-write after fork, KSM)" },
	{ VF_ANON_PRIVATE, "anon_private", "anonymous pages mapped only once" },
	{ VF_FILE_SHARED, "file_shared", "file pages mapped more than once" },
	{ VF_FILE_PRIVATE, "file_private", "file pages mapped only once" },
	{ VF_SHMEM_SHARED, "shmem_shared", "shmem/tmpfs/memfd pages mapped more than once" },
	{ VF_SHMEM_PRIVATE, "shmem_private", "shmem/tmpfs/memfd pages mapped only once" },
	{ VF_SWAP, "swap", "pages swapped out (not in RES)" },
	{ VF_ZERO, "zero", "mappings of the shared zero page (not in RES)" },
	{ VF_THP, "thp", "resident memory in transparent huge pages (part of RES)" },
	{ VF_HUGETLB, "hugetlb", "hugetlbfs pages (not in RES, as in smaps)" },
	{ VF_PRIVATE_DIRTY, "private_dirty", "private pages that are dirty: freed only by writeback or swap" },
	{ VF_SHARED_DIRTY, "shared_dirty", "shared pages that are dirty" },
	{ VF_KSM, "ksm", "pages KSM merged with identical ones (sharing not from fork)" },
};

/* The SHR verdict in words a user understands. */
static void vm_table_verdict(FILE *f, const struct vm_proc *p)
{
	struct vm_verdict v;
	char b[6][32];
	int clauses = 0;
	uint64_t ksm = p->f[VF_KSM];

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
		fprintf(f, "  top counts %s of file pages that only this process maps (once)", b[3]);
		clauses++;
	}
	if (v.shmem_private) {
		fprintf(f, "%s %s of shared-memory (shmem/tmpfs) pages that only this process maps "
			"(once)", clauses ? ",\n  and counts" : "  top counts", b[4]);
		clauses++;
	}
	if (v.anon_shared && !ksm) {
		fprintf(f, "%s %s of anonymous pages shared with forked processes (copy-on-write)",
			clauses ? ",\n  and misses" : "  top misses", b[5]);
		clauses++;
	} else if (v.anon_shared) {
		/*
		 * ksm counts every page of a KSM-merged folio, mapped once or more: at most that
		 * much of anon_shared is KSM's, the rest was shared by fork (copy-on-write).
		 */
		uint64_t k = ksm < (uint64_t)v.anon_shared ? ksm : (uint64_t)v.anon_shared;

		vm_human(b[0], 32, k, false, false);
		vm_human(b[1], 32, v.anon_shared - k, false, false);
		fprintf(f, "%s %s of anonymous pages mapped more than once:\n    up to %s of them "
			"merged by KSM (pages of identical content)", clauses ? ",\n  and misses" :
			"  top misses", b[5], b[0]);
		if (v.anon_shared > (int64_t)k)
			fprintf(f, ",\n    at least %s shared with forked processes (copy-on-write)", b[1]);
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
	/* Fields of a newer module than this reader, by the name it prints. */
	for (k = 0; k < vm_nextra; k++) {
		if (!(p->xset & 1u << k))
			continue;
		vm_human(b, sizeof(b), p->x[k], false, false);
		fprintf(f, "%-14s %8s %12" PRIu64 "  (a field of a newer module: see its README.md)\n",
			vm_extra_names[k], b, p->x[k]);
	}
	vm_table_verdict(f, p);
	if (m)
		vm_table_maps(f, m, o);
}
