// SPDX-License-Identifier: GPL-2.0
/*
 * --json: one document per run, written only through json_writer.c. Keys are the debugfs field
 * names and values are kB as the module printed them, so numbers match across the module's files,
 * this output and the table (-k). comm and path are given twice: as UTF-8 text (invalid bytes
 * replaced by U+FFFD) and in the module's lossless octal escape (comm_escaped, path_escaped).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "vmacct.h"

static void vm_json_escaped_field(json_writer_t *w, const char *name, const struct vm_bytes *b)
{
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);

	if (!m)
		return;
	vm_put_octal_escaped(m, b);
	fclose(m);
	jsonw_bytes_field(w, name, s, len);
	free(s);
}

static void vm_json_extras(json_writer_t *w, const uint64_t *x, uint32_t xset)
{
	int k;

	for (k = 0; k < vm_nextra; k++)
		if (xset & 1u << k)
			jsonw_uint_field(w, vm_extra_names[k], x[k]);
}

/* A value, or null where it is not known (read without root, from smaps_rollup). */
static void vm_json_num(json_writer_t *w, const char *name, int64_t v, bool known)
{
	jsonw_name(w, name);
	if (known)
		jsonw_int(w, v);
	else
		jsonw_null(w);
}

static void vm_json_fields(json_writer_t *w, const uint64_t *f, uint32_t unavail)
{
	int k;

	for (k = 0; k < VF_NR; k++) {
		jsonw_name(w, vm_field_names[k]);
		if (unavail & 1u << k)
			jsonw_null(w);
		else
			jsonw_uint(w, f[k]);
	}
}

static void vm_json_verdict(json_writer_t *w, const struct vm_proc *p)
{
	bool split = !(p->unavail & (1u << VF_FILE_PRIVATE | 1u << VF_SHMEM_PRIVATE |
				     1u << VF_ANON_SHARED));
	struct vm_verdict v;

	vm_verdict(p->f, &v);
	/* shr_error = file_private + shmem_private - anon_shared + counter_drift */
	jsonw_name(w, "verdict");
	jsonw_start_object(w);
	jsonw_int_field(w, "top_shr", v.top_shr);
	jsonw_int_field(w, "shared", v.shared);
	jsonw_int_field(w, "shr_error", v.error);
	vm_json_num(w, "file_private", v.file_private, split);
	vm_json_num(w, "shmem_private", v.shmem_private, split);
	vm_json_num(w, "anon_shared", v.anon_shared, split);
	vm_json_num(w, "counter_drift", v.drift, split);
	/* at most this much of anon_shared is KSM's, the rest is fork's (copy-on-write) */
	vm_json_num(w, "ksm", p->f[VF_KSM], !(p->unavail & 1u << VF_KSM));
	jsonw_end_object(w);
}

static void vm_json_maps(json_writer_t *w, const struct vm_maps *maps)
{
	size_t j;
	int k;

	jsonw_name(w, "maps");
	jsonw_start_array(w);
	for (j = 0; j < maps->n; j++) {
		const struct vm_map *m = &maps->v[j];
		char hex[24];

		jsonw_start_object(w);
		snprintf(hex, sizeof(hex), "%" PRIx64, m->start);
		jsonw_string_field(w, "start", hex);
		snprintf(hex, sizeof(hex), "%" PRIx64, m->end);
		jsonw_string_field(w, "end", hex);
		jsonw_string_field(w, "perms", m->perms);
		snprintf(hex, sizeof(hex), "%" PRIx64, m->offset);
		jsonw_string_field(w, "offset", hex);
		jsonw_bytes_field(w, "path", m->path.s, m->path.len);
		vm_json_escaped_field(w, "path_escaped", &m->path);
		for (k = 0; k < VF_NR; k++)
			if (vm_field_in_maps(k))
				jsonw_uint_field(w, vm_field_names[k], m->f[k]);
		vm_json_extras(w, m->x, m->xset);
		jsonw_int_field(w, "shr_error", vm_map_error(m));
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

/* One process: the same keys in every mode; "maps" only with -m, "cmdline" with --cmdline. */
static void vm_json_proc(json_writer_t *w, const struct vm_proc *p, const struct vm_maps *maps,
			 bool cmdline)
{
	char ub[32];

	jsonw_start_object(w);
	jsonw_int_field(w, "pid", p->pid);
	jsonw_bytes_field(w, "comm", p->comm.s, p->comm.len);
	vm_json_escaped_field(w, "comm_escaped", &p->comm);
	if (cmdline) {
		/* --cmdline: arguments joined by spaces, as UTF-8 and in the octal escape */
		jsonw_bytes_field(w, "cmdline", p->cmdline.s, p->cmdline.len);
		vm_json_escaped_field(w, "cmdline_escaped", &p->cmdline);
	}
	if (p->uid >= 0) {
		jsonw_int_field(w, "uid", p->uid);
		jsonw_string_field(w, "user", vm_user_name(p->uid, ub, sizeof(ub)));
	} else {
		jsonw_name(w, "uid");
		jsonw_null(w);
		jsonw_name(w, "user");
		jsonw_null(w);
	}
	vm_json_fields(w, p->f, p->unavail);
	vm_json_extras(w, p->x, p->xset);
	jsonw_int_field(w, "shr_error", vm_shr_error(p->f));
	vm_json_verdict(w, p);
	if (maps)
		vm_json_maps(w, maps);
	jsonw_end_object(w);
}

/* RFC 3339 in UTC, milliseconds: --watch can refresh more than once a second. */
void vm_timestamp(char *buf, size_t len, const struct timespec *ts)
{
	struct tm tm;
	time_t t = ts->tv_sec;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000);
}

/*
 * The head every JSON document of the reader starts with (processes, groups, files): the module's
 * version (null without root: its files were not read), where the numbers come from (the module,
 * or without root the user's smaps_rollup), their unit and when they were read.
 */
void vm_json_head(json_writer_t *w, const struct vm_opts *o)
{
	char ts[40];

	jsonw_name(w, "module_version");
	if (o->version)
		jsonw_string(w, o->version);
	else
		jsonw_null(w);
	jsonw_string_field(w, "source", o->own ? "smaps_rollup" : "vmacct");
	jsonw_string_field(w, "unit", "kB");
	vm_timestamp(ts, sizeof(ts), &o->now);
	jsonw_string_field(w, "timestamp", ts);
}

/*
 * The one document shape of every mode (all processes, PIDs, -m): module_version, unit,
 * timestamp, processes (each with its verdict; maps with -m) and totals over every process
 * selected, also those -n leaves out. Only pss sums to real memory use.
 */
void vm_json(FILE *f, const struct vm_proc *p, size_t n, const struct vm_maps *const *maps,
	     const struct vm_opts *o)
{
	json_writer_t *w = jsonw_new(f, o->pretty);
	uint64_t sum[VF_NR] = { 0 }, xsum[VM_MAX_EXTRA] = { 0 };
	uint32_t xset = 0, unavail = 0;
	size_t i;
	int k;

	if (!w)
		return;
	jsonw_start_object(w);
	vm_json_head(w, o);
	jsonw_name(w, "processes");
	jsonw_start_array(w);
	for (i = 0; i < n; i++) {
		for (k = 0; k < VF_NR; k++)
			sum[k] += p[i].f[k];
		for (k = 0; k < vm_nextra; k++)
			xsum[k] += p[i].x[k];
		xset |= p[i].xset;
		unavail |= p[i].unavail;
		if (o->limit < 0 || i < (size_t)o->limit || o->maps)
			vm_json_proc(w, &p[i], maps ? maps[i] : NULL, o->cmdline);
	}
	jsonw_end_array(w);
	jsonw_name(w, "totals");
	jsonw_start_object(w);
	jsonw_uint_field(w, "processes", n);
	vm_json_fields(w, sum, unavail);
	vm_json_extras(w, xsum, xset);
	jsonw_int_field(w, "shr_error", vm_shr_error(sum));
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}
