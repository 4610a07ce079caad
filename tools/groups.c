// SPDX-License-Identifier: GPL-2.0
/*
 * The group views: -g user|comm|cgroup (the module's `users`, `comms` and `cgroups` files: what a
 * user's, a program's or a cgroup's processes really use, each page once) and --with PID
 * (`sharing/PID`: who shares memory with a process). README.md, "The numbers of a group",
 * defines every column.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_writer.h"
#include "vmacct.h"

#define VM_GROUP_MAX_FIELDS 32

/* The memory cgroup's own memory.stat lines beside a cgroup's row (kB). */
enum { VM_MEMCG_ANON, VM_MEMCG_FILE, VM_MEMCG_SHMEM, VM_MEMCG_NR };
static const char *const vm_memcg_keys[VM_MEMCG_NR] = { "anon", "file", "shmem" };

/* One row of a group file: its key (uid or name), procs and the numbers, by header name. */
struct vm_group_row {
	long uid;			/* users: the uid; -1 otherwise */
	struct vm_bytes name;		/* comms: the name; sharing: the comm; cgroups: the path */
	uint64_t v[VM_GROUP_MAX_FIELDS];
	bool has_memcg;			/* cgroups: memory.stat was read */
	uint64_t memcg[VM_MEMCG_NR];
};

struct vm_group_file {
	char *names[VM_GROUP_MAX_FIELDS];	/* the numeric columns, as the header names them */
	int nfields;
	struct vm_group_row *rows;
	size_t n, cap;
};

static void vm_group_file_free(struct vm_group_file *g)
{
	size_t i;
	int k;

	for (i = 0; i < g->n; i++)
		free(g->rows[i].name.s);
	free(g->rows);
	for (k = 0; k < g->nfields; k++)
		free(g->names[k]);
}

static int vm_group_col(const struct vm_group_file *g, const char *name)
{
	int k;

	for (k = 0; k < g->nfields; k++)
		if (!strcmp(g->names[k], name))
			return k;
	return -1;
}

static uint64_t vm_group_get(const struct vm_group_file *g, const struct vm_group_row *r,
			     const char *name)
{
	int k = vm_group_col(g, name);

	return k < 0 ? 0 : r->v[k];
}

static bool vm_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* A value the module prints as "-": none (memory_current of the root cgroup). */
#define VM_GROUP_NONE UINT64_MAX

/*
 * Parse a group file: "# [uid|pid] <numeric columns> [comm|path]", then rows. @key: the leading
 * key column ("uid", "pid") or NULL; @name: the trailing free-text column ("comm", "path") or
 * NULL. A numeric column may read "-" (none). Returns a VM_EXIT_* code, the reason printed.
 */
static int vm_group_parse(const char *path, char *text, const char *key, const char *name,
			  struct vm_group_file *g)
{
	char *line, *save, *tok, *tsave;
	size_t lineno = 1;

	line = strtok_r(text, "\n", &save);
	tok = line ? strtok_r(line, " ", &tsave) : NULL;
	if (!tok || strcmp(tok, "#"))
		goto bad;
	if (key && strcmp(strtok_r(NULL, " ", &tsave) ?: "", key))
		goto bad;
	while ((tok = strtok_r(NULL, " ", &tsave))) {
		if (name && !strcmp(tok, name))
			break;
		if (g->nfields == VM_GROUP_MAX_FIELDS)
			goto bad;
		g->names[g->nfields] = strdup(tok);
		if (!g->names[g->nfields++])
			return VM_EXIT_ERROR;
	}
	if (name && !tok)
		goto bad;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct vm_group_row r = { .uid = -1 };
		uint64_t k64;
		int k;

		lineno++;
		tok = strtok_r(line, " ", &tsave);
		if (key) {
			if (!tok || !vm_parse_u64(tok, &k64))
				goto bad_row;
			r.uid = (long)k64;
			tok = strtok_r(NULL, " ", &tsave);
		}
		for (k = 0; k < g->nfields; k++, tok = strtok_r(NULL, " ", &tsave)) {
			if (tok && !strcmp(tok, "-"))
				r.v[k] = VM_GROUP_NONE;
			else if (!tok || !vm_parse_u64(tok, &r.v[k]))
				goto bad_row;
		}
		if (name ? !tok || vm_unescape(tok, strlen(tok), &r.name) : tok != NULL)
			goto bad_row;
		g->rows = vm_grow(g->rows, &g->cap, g->n + 1, sizeof(*g->rows));
		if (!g->rows) {
			free(r.name.s);
			return VM_EXIT_ERROR;
		}
		g->rows[g->n++] = r;
	}
	return VM_EXIT_OK;
bad_row:
	fprintf(stderr, "vmacct: %s: line %zu is not a row of numbers: the vmacct module and this "
		"reader do not match\n", path, lineno);
	return VM_EXIT_VERSION;
bad:
	fprintf(stderr, "vmacct: %s: header line missing or not as documented: the vmacct module "
		"and this reader do not match\n", path);
	return VM_EXIT_VERSION;
}

/* Read and parse @file of the module's directory (see vm_group_parse()). */
static int vm_group_read(const struct vm_source *src, const char *file, const char *key,
			 const char *name, struct vm_group_file *g)
{
	char path[4096], *text;
	size_t len;
	int err, r;

	snprintf(path, sizeof(path), "%s/%s", src->root, file);
	err = vm_slurp(path, &text, &len);
	if (err == ENOENT) {
		fprintf(stderr, "vmacct: %s: no such file: the loaded vmacct module has no group "
			"files (older than this reader?)\n", path);
		return VM_EXIT_VERSION;
	}
	if (err) {
		fprintf(stderr, "vmacct: %s: %s\n", path, strerror(err));
		return err == EACCES || err == EPERM ? VM_EXIT_PERM : VM_EXIT_ERROR;
	}
	r = vm_group_parse(path, text, key, name, g);
	free(text);
	return r;
}

static const struct vm_group_file *vm_sort_by;
static const char *vm_sort_col;

static int vm_group_cmp(const void *a, const void *b)
{
	uint64_t x = vm_group_get(vm_sort_by, a, vm_sort_col);
	uint64_t y = vm_group_get(vm_sort_by, b, vm_sort_col);

	return (x < y) - (x > y);	/* largest first */
}

static void vm_group_sort(struct vm_group_file *g, const char *col)
{
	vm_sort_by = g;
	vm_sort_col = col;
	qsort(g->rows, g->n, sizeof(*g->rows), vm_group_cmp);
}

static void vm_put_size(FILE *f, uint64_t kb, const struct vm_opts *o)
{
	char b[32];

	vm_human(b, sizeof(b), (int64_t)kb, false, o->kb);
	fprintf(f, " %8s", b);
}

/* The JSON of a group file: every row with every column, by the header's names. */
static void vm_group_json(FILE *f, const struct vm_group_file *g, const char *what,
			  const char *key, size_t n, const struct vm_opts *o)
{
	json_writer_t *w = jsonw_new(f, o->pretty);
	char user[64];
	size_t i;
	int k;

	if (!w)
		return;
	jsonw_start_object(w);
	vm_json_head(w, o);
	jsonw_string_field(w, "groups_by", what);
	jsonw_name(w, "groups");
	jsonw_start_array(w);
	for (i = 0; i < n; i++) {
		const struct vm_group_row *r = &g->rows[i];

		jsonw_start_object(w);
		if (key && !strcmp(key, "uid")) {
			jsonw_int_field(w, "uid", r->uid);
			jsonw_string_field(w, "user", vm_user_name(r->uid, user, sizeof(user)));
		} else if (key) {
			jsonw_int_field(w, key, r->uid);
		}
		if (r->name.s)
			jsonw_bytes_field(w, strcmp(what, "cgroup") ? "comm" : "path", r->name.s,
					  r->name.len);
		for (k = 0; k < g->nfields; k++) {
			if (r->v[k] == VM_GROUP_NONE) {
				jsonw_name(w, g->names[k]);
				jsonw_null(w);
			} else {
				jsonw_uint_field(w, g->names[k], r->v[k]);
			}
		}
		for (k = 0; !strcmp(what, "cgroup") && k < VM_MEMCG_NR; k++) {
			char key[32];

			snprintf(key, sizeof(key), "memcg_%s", vm_memcg_keys[k]);
			if (r->has_memcg) {
				jsonw_uint_field(w, key, r->memcg[k]);
			} else {
				jsonw_name(w, key);
				jsonw_null(w);
			}
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

/*
 * The anon, file and shmem lines of the cgroup's memory.stat (bytes there, kB here), read right
 * after the module's file: a few milliseconds later than memory_current, which the module read
 * during its walk. A cgroup without the memory controller, or a cgroupfs the reader cannot see
 * (another cgroup namespace, a fixture without one), has none: the row shows "-" (JSON null).
 */
static void vm_read_memcg(const struct vm_source *src, struct vm_group_row *r)
{
	char path[4096], *text, *line, *save;
	unsigned int seen = 0;
	size_t len;
	int k;

	if (!r->name.s || memchr(r->name.s, '\0', r->name.len) ||
	    snprintf(path, sizeof(path), "%s%.*s/memory.stat", src->cgroupfs, (int)r->name.len,
		     r->name.s) >= (int)sizeof(path) || vm_slurp(path, &text, &len))
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		uint64_t bytes;

		if (!sp)
			continue;
		*sp = '\0';
		for (k = 0; k < VM_MEMCG_NR; k++) {
			if (strcmp(line, vm_memcg_keys[k]) || !vm_parse_u64(sp + 1, &bytes))
				continue;
			r->memcg[k] = bytes / 1024;
			seen |= 1U << k;
		}
	}
	free(text);
	r->has_memcg = seen == (1U << VM_MEMCG_NR) - 1;
}

/* The label set of a group's series: by="user|comm|cgroup", group="NAME" (and uid="N"). */
static void vm_group_prom_labels(FILE *f, const struct vm_group_row *r, const char *by)
{
	char user[64];
	struct vm_bytes b = r->name;

	if (r->uid >= 0 && !b.s) {
		b.s = (char *)vm_user_name(r->uid, user, sizeof(user));
		b.len = strlen(b.s);
	}
	fprintf(f, "{by=\"%s\",group=\"", by);
	vm_put_prom_label(f, &b);
	fputc('"', f);
	if (r->uid >= 0 && !r->name.s)
		fprintf(f, ",uid=\"%ld\"", r->uid);
	fputs("}", f);
}

/* The HELP line of a group column; README.md, "The numbers of a group", defines each. */
static const char *vm_group_help(const char *col)
{
	static const char *const help[][2] = {
		{ "procs", "Processes in the group (a cgroup: in its whole subtree)." },
		{ "resident", "Resident memory mapped by the group's processes, each page once." },
		{ "unique", "Resident memory mapped only by the group: what stopping it frees." },
		{ "shared_out", "Resident memory the group maps that processes outside it map too." },
		{ "pss", "Sum of the group's processes' proportional set sizes." },
		{ "swap", "Swapped-out memory of the group's processes." },
		{ "memory_current", "The cgroup's memory.current (charged, not mapped)." },
	};
	size_t i;

	for (i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		if (!strcmp(col, help[i][0]))
			return help[i][1];
	return "vmacct's group column of that name (README.md, \"The numbers of a group\").";
}

/*
 * --prometheus for a group view: vmacct_group_<column>_bytes for every size column of the file
 * (vmacct_group_procs for the count), and for cgroups memory_current and memory.stat's anon, file
 * and shmem as vmacct_group_memcg_*_bytes. A group's series replace its processes' ones in a
 * scrape: one per user, program or cgroup instead of one per pid, which churns with every fork.
 */
static void vm_group_prom(FILE *f, const struct vm_group_file *g, const char *by, size_t n,
			  const struct vm_opts *o)
{
	size_t i;
	int k;

	fputs("# HELP vmacct_build_info The versions of the vmacct reader and module (value 1).\n"
	      "# TYPE vmacct_build_info gauge\n", f);
	fprintf(f, "vmacct_build_info{version=\"%s\",module_version=\"%s\"} 1\n",
		VMACCT_READER_VERSION, o->version ? o->version : "");
	for (k = 0; k < g->nfields; k++) {
		bool count = !strcmp(g->names[k], "procs");

		fprintf(f, "# HELP vmacct_group_%s%s %s\n# TYPE vmacct_group_%s%s gauge\n",
			g->names[k], count ? "" : "_bytes", vm_group_help(g->names[k]), g->names[k],
			count ? "" : "_bytes");
		for (i = 0; i < n; i++) {
			const struct vm_group_row *r = &g->rows[i];

			if (r->v[k] == VM_GROUP_NONE)
				continue;
			fprintf(f, "vmacct_group_%s%s", g->names[k], count ? "" : "_bytes");
			vm_group_prom_labels(f, r, by);
			fprintf(f, " %" PRIu64 "\n", count ? r->v[k] : r->v[k] * 1024);
		}
	}
	if (strcmp(by, "cgroup"))
		return;
	for (k = 0; k < VM_MEMCG_NR; k++) {
		fprintf(f, "# HELP vmacct_group_memcg_%s_bytes The %s line of the cgroup's "
			"memory.stat (charged, not mapped).\n# TYPE vmacct_group_memcg_%s_bytes "
			"gauge\n", vm_memcg_keys[k], vm_memcg_keys[k], vm_memcg_keys[k]);
		for (i = 0; i < n; i++) {
			if (!g->rows[i].has_memcg)
				continue;
			fprintf(f, "vmacct_group_memcg_%s_bytes", vm_memcg_keys[k]);
			vm_group_prom_labels(f, &g->rows[i], by);
			fprintf(f, " %" PRIu64 "\n", g->rows[i].memcg[k] * 1024);
		}
	}
}

/*
 * The verdict of the cgroup view, as the process view has one for SHR: for the cgroup whose
 * charge is furthest from what it maps, which kind of memory makes the difference. memory.stat's
 * file includes shmem; vmacct's file does not, so file is compared without shmem.
 */
static void vm_cgroup_verdict(FILE *f, const struct vm_group_file *g, const struct vm_opts *o)
{
	static const char *const kinds[VM_MEMCG_NR] = { "anon", "file", "shmem" };
	const struct vm_group_row *worst = NULL;
	int64_t worst_gap = 0, gap, kgap[VM_MEMCG_NR];
	char b1[32], b2[32], b3[32];
	size_t i;
	int k, big = 0;

	for (i = 0; i < g->n; i++) {
		const struct vm_group_row *r = &g->rows[i];
		uint64_t cur = vm_group_get(g, r, "memory_current");

		if (cur == VM_GROUP_NONE || !r->has_memcg)
			continue;
		gap = (int64_t)cur - (int64_t)vm_group_get(g, r, "resident");
		if (!worst || llabs(gap) > llabs(worst_gap)) {
			worst = r;
			worst_gap = gap;
		}
	}
	if (!worst)
		return;
	fputs("Furthest from its charge: ", f);
	vm_put_table_text(f, &worst->name, 0);
	vm_human(b1, sizeof(b1), worst_gap, true, o->kb);
	fprintf(f, " (CUR-RES %s). Charged (memory.stat) vs mapped (vmacct):", b1);
	for (k = 0; k < VM_MEMCG_NR; k++) {
		char u[32], s[32];
		int64_t charged = (int64_t)worst->memcg[k], mapped;

		if (k == VM_MEMCG_FILE)
			charged -= (int64_t)worst->memcg[VM_MEMCG_SHMEM];
		snprintf(u, sizeof(u), "%s_unique", kinds[k]);
		snprintf(s, sizeof(s), "%s_shared_out", kinds[k]);
		mapped = (int64_t)(vm_group_get(g, worst, u) + vm_group_get(g, worst, s));
		kgap[k] = charged - mapped;
		vm_human(b2, sizeof(b2), charged, false, o->kb);
		vm_human(b3, sizeof(b3), mapped, false, o->kb);
		fprintf(f, "%s %s %s vs %s", k ? "," : "", kinds[k], b2, b3);
		if (llabs(kgap[k]) > llabs(kgap[big]))
			big = k;
	}
	fprintf(f, ". Most of the difference is %s: %s.\n", kinds[big],
		big == VM_MEMCG_FILE ? (kgap[big] > 0 ?
			"page cache charged to the cgroup that its processes do not map" :
			"file pages its processes map but another cgroup was charged for") :
		big == VM_MEMCG_SHMEM ? (kgap[big] > 0 ?
			"shmem/tmpfs charged to the cgroup and not mapped (files in tmpfs, or unmapped segments)" :
			"shmem its processes map that another cgroup was charged for") :
		(kgap[big] > 0 ? "anonymous memory charged but not mapped (being freed, or swap cache)" :
			"anonymous pages its processes map that another cgroup was charged for (inherited across a fork from outside)"));
}

int vm_show_groups(FILE *f, const struct vm_source *src, const struct vm_opts *o, int mode,
		   const char *by)
{
	static const char *const cols[] = { "procs", "resident", "unique", "shared_out", "pss",
					    "swap" };
	bool users = !strcmp(by, "user"), cgroups = !strcmp(by, "cgroup");
	const char *file = users ? "users" : cgroups ? "cgroups" : "comms";
	struct vm_group_file g = { 0 };
	uint64_t sum_res = 0, sum_pss = 0;
	size_t i, n;
	unsigned int c;
	int r;

	r = vm_group_read(src, file, users ? "uid" : NULL, users ? NULL : cgroups ? "path" : "comm",
			  &g);
	if (r)
		goto out;
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		if (vm_group_col(&g, cols[c]) < 0) {
			fprintf(stderr, "vmacct: %s/%s has no %s column: the vmacct module and this "
				"reader do not match\n", src->root, file, cols[c]);
			r = VM_EXIT_VERSION;
			goto out;
		}
	}
	if (cgroups && vm_group_col(&g, "memory_current") < 0) {
		fprintf(stderr, "vmacct: %s/cgroups has no memory_current column: the vmacct module "
			"and this reader do not match\n", src->root);
		r = VM_EXIT_VERSION;
		goto out;
	}
	for (i = 0; cgroups && i < g.n; i++)
		vm_read_memcg(src, &g.rows[i]);
	vm_group_sort(&g, "resident");
	n = o->limit >= 0 && (size_t)o->limit < g.n ? (size_t)o->limit : g.n;
	if (mode == MODE_JSON) {
		vm_group_json(f, &g, by, users ? "uid" : NULL, n, o);
		goto out;
	}
	if (mode == MODE_PROM) {
		vm_group_prom(f, &g, by, n, o);
		goto out;
	}
	if (cgroups)
		fprintf(f, "%5s %8s %8s %8s %8s %8s %8s %9s CGROUP\n", "PROCS", "RES", "UNIQUE",
			"SHR-OUT", "PSS", "SWAP", "CURRENT", "CUR-RES");
	else
		fprintf(f, "%-16s %5s %8s %8s %8s %8s %8s\n", users ? "USER" : "COMMAND", "PROCS",
			"RES", "UNIQUE", "SHR-OUT", "PSS", "SWAP");
	for (i = 0; i < n; i++) {
		const struct vm_group_row *row = &g.rows[i];
		char user[64];

		if (users) {
			fprintf(f, "%-16.16s ", vm_user_name(row->uid, user, sizeof(user)));
		} else if (!cgroups) {
			size_t wdt = vm_table_width(&row->name);

			vm_put_table_text(f, &row->name, 16);
			fprintf(f, "%*s ", wdt < 16 ? (int)(16 - wdt) : 0, "");
		}
		fprintf(f, "%5" PRIu64, vm_group_get(&g, row, "procs"));
		for (c = 1; c < sizeof(cols) / sizeof(cols[0]); c++)
			vm_put_size(f, vm_group_get(&g, row, cols[c]), o);
		if (cgroups) {
			uint64_t cur = vm_group_get(&g, row, "memory_current");
			int64_t res = (int64_t)vm_group_get(&g, row, "resident");
			char b[32];

			if (cur == VM_GROUP_NONE) {
				fprintf(f, " %8s %9s ", "-", "-");
			} else {
				vm_put_size(f, cur, o);
				vm_human(b, sizeof(b), (int64_t)cur - res, true, o->kb);
				fprintf(f, " %9s ", b);
			}
			vm_put_table_text(f, &row->name, 0);
		}
		fputc('\n', f);
	}
	for (i = 0; i < g.n; i++) {
		sum_res += vm_group_get(&g, &g.rows[i], "resident");
		sum_pss += vm_group_get(&g, &g.rows[i], "pss");
	}
	fprintf(f, "\n%zu group%s (by %s)%s. RES counts each page once per group (the union of its "
		"processes' pages); UNIQUE is mapped only by the group: what stopping all of it "
		"would free; SHR-OUT is also mapped by processes outside the group.\n", g.n,
		g.n == 1 ? "" : "s", by, n < g.n ? ", the largest shown" : "");
	if (cgroups) {
		fprintf(f, "A cgroup's row covers its whole subtree. CURRENT is the memory the cgroup "
			"was charged (memory.current: page cache it read long ago and no longer maps "
			"included, shared pages charged to whichever cgroup touched them first); "
			"CUR-RES = CURRENT - RES.\n");
		vm_cgroup_verdict(f, &g, o);
	} else {
		char res[32], pss[32];

		vm_human(res, sizeof(res), (int64_t)sum_res, false, o->kb);
		vm_human(pss, sizeof(pss), (int64_t)sum_pss, false, o->kb);
		fprintf(f, "Sum of PSS (%s) is the memory all groups use; the sum of RES (%s) counts "
			"a page once for every group that maps it.\n", pss, res);
	}
out:
	vm_group_file_free(&g);
	return r;
}

int vm_show_sharing(FILE *f, const struct vm_source *src, const struct vm_opts *o, int mode,
		    int pid)
{
	struct vm_group_file g = { 0 };
	char path[4096], *text;
	size_t i, n, len;
	int r, err;

	snprintf(path, sizeof(path), "%s/sharing", src->root);
	if (access(path, F_OK)) {
		fprintf(stderr, "vmacct: %s: no such directory: the loaded vmacct module has no "
			"sharing/ (older than this reader?)\n", path);
		return VM_EXIT_VERSION;
	}
	snprintf(path, sizeof(path), "%s/sharing/%d", src->root, pid);
	err = vm_slurp(path, &text, &len);
	if (err == ENOENT || err == ESRCH)
		return vm_explain_nopid(src, pid);
	if (err) {
		fprintf(stderr, "vmacct: %s: %s\n", path, strerror(err));
		return err == EACCES || err == EPERM ? VM_EXIT_PERM : VM_EXIT_ERROR;
	}
	r = vm_group_parse(path, text, "pid", "comm", &g);
	free(text);
	if (r)
		goto out;
	vm_group_sort(&g, "shared");
	n = o->limit >= 0 && (size_t)o->limit < g.n ? (size_t)o->limit : g.n;
	if (mode == MODE_JSON) {
		vm_group_json(f, &g, "sharing", "pid", n, o);
		goto out;
	}
	fprintf(f, "%7s %8s %8s %8s %8s COMMAND\n", "PID", "SHARED", "ANON", "FILE", "SHMEM");
	for (i = 0; i < n; i++) {
		const struct vm_group_row *row = &g.rows[i];

		fprintf(f, "%7ld", row->uid);
		vm_put_size(f, vm_group_get(&g, row, "shared"), o);
		vm_put_size(f, vm_group_get(&g, row, "anon_shared"), o);
		vm_put_size(f, vm_group_get(&g, row, "file_shared"), o);
		vm_put_size(f, vm_group_get(&g, row, "shmem_shared"), o);
		fputc(' ', f);
		vm_put_table_text(f, &row->name, o->width > 47 ? (size_t)o->width - 47 : 0);
		fputc('\n', f);
	}
	fprintf(f, "\n%zu process%s map%s pages that %d maps%s (each page once per process, however "
		"often either maps it; ANON shared is copy-on-write after fork, or KSM).\n", g.n,
		g.n == 1 ? "" : "es", g.n == 1 ? "s" : "", pid,
		n < g.n ? ", the most shared shown" : "");
out:
	vm_group_file_free(&g);
	return r;
}
