// SPDX-License-Identifier: GPL-2.0
/*
 * The files view, -f (as librank and smem -m): one row per mapped file, or per kind of anonymous
 * mapping ([anon], [heap], [stack], ...), over every selected process's maps/PID file: how many
 * processes map it, and the sums of their resident, pss, private and swap for it. README.md,
 * "The numbers", defines each field; the sums here are over mappings, so:
 *   RSS      counts a page once per mapping of it (a library mapped by 50 processes, 50 times);
 *   PSS      adds up: the file's share of the memory every process uses;
 *   PRIVATE  pages of the file mapped by one mapping only (librank's USS): what the one process
 *            mapping them keeps resident alone.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "vmacct.h"

/* One mapping of one process, reduced to what the view sums. */
struct vm_file_use {
	struct vm_bytes path;	/* borrowed from the process's vm_maps */
	int pid;
	uint64_t resident, pss, private, swap;
};

struct vm_file_row {
	struct vm_bytes path;	/* borrowed */
	uint64_t procs, mappings, resident, pss, private, swap;
};

static int vm_bytes_cmp(const struct vm_bytes *a, const struct vm_bytes *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, n);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int vm_use_cmp(const void *x, const void *y)
{
	const struct vm_file_use *a = x, *b = y;
	int c = vm_bytes_cmp(&a->path, &b->path);

	return c ? c : (a->pid > b->pid) - (a->pid < b->pid);
}

/* Largest PSS first; ties by RSS, then by name, so that the order never depends on qsort. */
static int vm_file_cmp(const void *x, const void *y)
{
	const struct vm_file_row *a = x, *b = y;

	if (a->pss != b->pss)
		return a->pss < b->pss ? 1 : -1;
	if (a->resident != b->resident)
		return a->resident < b->resident ? 1 : -1;
	return vm_bytes_cmp(&a->path, &b->path);
}

static void vm_files_json(FILE *f, const struct vm_file_row *rows, size_t n, size_t nprocs,
			  const struct vm_opts *o)
{
	json_writer_t *w = jsonw_new(f, o->pretty);
	size_t i;

	if (!w)
		return;
	jsonw_start_object(w);
	vm_json_head(w, o);
	jsonw_uint_field(w, "processes", nprocs);
	jsonw_name(w, "files");
	jsonw_start_array(w);
	for (i = 0; i < n; i++) {
		jsonw_start_object(w);
		jsonw_bytes_field(w, "path", rows[i].path.s, rows[i].path.len);
		jsonw_uint_field(w, "procs", rows[i].procs);
		jsonw_uint_field(w, "mappings", rows[i].mappings);
		jsonw_uint_field(w, "resident", rows[i].resident);
		jsonw_uint_field(w, "pss", rows[i].pss);
		jsonw_uint_field(w, "private", rows[i].private);
		jsonw_uint_field(w, "swap", rows[i].swap);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

static void vm_files_table(FILE *f, const struct vm_file_row *rows, size_t n, size_t nrows,
			   size_t nprocs, const struct vm_opts *o)
{
	uint64_t pss = 0;
	char b[32];
	size_t i;

	fprintf(f, "%5s %8s %8s %8s %8s MAPPING\n", "PROCS", "RSS", "PSS", "PRIVATE", "SWAP");
	for (i = 0; i < n; i++) {
		const struct vm_file_row *r = &rows[i];

		fprintf(f, "%5" PRIu64, r->procs);
		vm_human(b, sizeof(b), (int64_t)r->resident, false, o->kb);
		fprintf(f, " %8s", b);
		vm_human(b, sizeof(b), (int64_t)r->pss, false, o->kb);
		fprintf(f, " %8s", b);
		vm_human(b, sizeof(b), (int64_t)r->private, false, o->kb);
		fprintf(f, " %8s", b);
		vm_human(b, sizeof(b), (int64_t)r->swap, false, o->kb);
		fprintf(f, " %8s ", b);
		vm_put_table_text(f, &r->path, o->width > 42 ? (size_t)o->width - 42 : 0);
		fputc('\n', f);
	}
	for (i = 0; i < nrows; i++)
		pss += rows[i].pss;
	vm_human(b, sizeof(b), (int64_t)pss, false, o->kb);
	fprintf(f, "\n%zu file%s and kinds of anonymous memory mapped by %zu process%s%s; their PSS "
		"adds up to %s. RSS counts a page once per mapping of it; PRIVATE is mapped once, by "
		"one process only (USS).\n", nrows, nrows == 1 ? "" : "s", nprocs,
		nprocs == 1 ? "" : "es", n < nrows ? ", the largest PSS shown" : "", b);
}

int vm_show_files(FILE *f, const struct vm_source *src, const struct vm_opts *o, int mode,
		  const struct vm_filter *flt)
{
	struct vm_source quiet = *src;
	struct vm_file_use *use = NULL;
	struct vm_file_row *rows = NULL;
	struct vm_maps *maps = NULL;
	size_t nuse = 0, cuse = 0, nrows = 0, nprocs = 0, i, j, n;
	struct vm_procs p;
	int r, sel;

	r = vm_read_all(src, &p);
	if (r)
		return r;
	sel = vm_select(src, &p, flt, o);
	maps = calloc(p.n ? p.n : 1, sizeof(*maps));
	if (!maps) {
		r = VM_EXIT_ERROR;
		goto out;
	}
	/* A process that exits between `all` and its maps/PID file is left out, silently. */
	quiet.quiet_gone = true;
	for (i = 0; i < p.n; i++) {
		r = vm_read_maps(&quiet, p.v[i].pid, &maps[i]);
		if (r == VM_EXIT_NOPID)
			continue;
		if (r)
			goto out;
		nprocs++;
		for (j = 0; j < maps[i].n; j++) {
			const struct vm_map *m = &maps[i].v[j];

			use = vm_grow(use, &cuse, nuse + 1, sizeof(*use));
			if (!use) {
				r = VM_EXIT_ERROR;
				goto out;
			}
			use[nuse++] = (struct vm_file_use){
				.path = m->path, .pid = p.v[i].pid, .resident = m->f[VF_RESIDENT],
				.pss = m->f[VF_PSS], .private = m->f[VF_PRIVATE], .swap = m->f[VF_SWAP],
			};
		}
	}
	r = VM_EXIT_OK;
	qsort(use, nuse, sizeof(*use), vm_use_cmp);
	rows = calloc(nuse ? nuse : 1, sizeof(*rows));
	if (!rows) {
		r = VM_EXIT_ERROR;
		goto out;
	}
	for (i = 0; i < nuse; i++) {
		struct vm_file_row *row = nrows ? &rows[nrows - 1] : NULL;

		if (!row || vm_bytes_cmp(&row->path, &use[i].path)) {
			row = &rows[nrows++];
			row->path = use[i].path;
		}
		/* sorted by path, then pid: a new pid is a new process of this file */
		if (!row->mappings || use[i - 1].pid != use[i].pid)
			row->procs++;
		row->mappings++;
		row->resident += use[i].resident;
		row->pss += use[i].pss;
		row->private += use[i].private;
		row->swap += use[i].swap;
	}
	qsort(rows, nrows, sizeof(*rows), vm_file_cmp);
	n = o->limit >= 0 && (size_t)o->limit < nrows ? (size_t)o->limit : nrows;
	if (mode == MODE_JSON)
		vm_files_json(f, rows, n, nprocs, o);
	else
		vm_files_table(f, rows, n, nrows, nprocs, o);
out:
	free(rows);
	free(use);
	for (i = 0; maps && i < p.n; i++)
		vm_maps_free(&maps[i]);
	free(maps);
	vm_procs_free(&p);
	return r ? r : sel;
}
