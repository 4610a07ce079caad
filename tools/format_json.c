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

static void vm_json_proc_fields(json_writer_t *w, const struct vm_proc *p)
{
	char ub[32];
	int k;

	jsonw_int_field(w, "pid", p->pid);
	jsonw_bytes_field(w, "comm", p->comm.s, p->comm.len);
	vm_json_escaped_field(w, "comm_escaped", &p->comm);
	if (p->uid >= 0) {
		jsonw_int_field(w, "uid", p->uid);
		jsonw_string_field(w, "user", vm_user_name(p->uid, ub, sizeof(ub)));
	} else {
		jsonw_name(w, "uid");
		jsonw_null(w);
		jsonw_name(w, "user");
		jsonw_null(w);
	}
	for (k = 0; k < VF_NR; k++)
		jsonw_uint_field(w, vm_field_names[k], p->f[k]);
	jsonw_int_field(w, "shr_error", vm_shr_error(p->f));
}

static void vm_json_head(json_writer_t *w, const struct vm_opts *o)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "module_version", o->version ? o->version : "");
	jsonw_string_field(w, "unit", "kB");
}

void vm_json_all(FILE *f, const struct vm_procs *p, const struct vm_opts *o)
{
	json_writer_t *w = jsonw_new(f, o->pretty);
	uint64_t sum[VF_NR] = { 0 };
	size_t i;
	int k;

	if (!w)
		return;
	vm_json_head(w, o);
	jsonw_name(w, "processes");
	jsonw_start_array(w);
	for (i = 0; i < p->n; i++) {
		for (k = 0; k < VF_NR; k++)
			sum[k] += p->v[i].f[k];
		if (o->limit >= 0 && i >= (size_t)o->limit)
			continue;
		jsonw_start_object(w);
		vm_json_proc_fields(w, &p->v[i]);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	/* Over every process, also those -n left out; only pss sums to real memory use. */
	jsonw_name(w, "totals");
	jsonw_start_object(w);
	jsonw_uint_field(w, "processes", p->n);
	for (k = 0; k < VF_NR; k++)
		jsonw_uint_field(w, vm_field_names[k], sum[k]);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

void vm_json_detail(FILE *f, const struct vm_proc *p, const struct vm_maps *const *maps,
		    size_t n, const struct vm_opts *o)
{
	json_writer_t *w = jsonw_new(f, o->pretty);
	size_t i, j;
	int k;

	if (!w)
		return;
	vm_json_head(w, o);
	jsonw_name(w, "processes");
	jsonw_start_array(w);
	for (i = 0; i < n; i++) {
		struct vm_verdict v;

		jsonw_start_object(w);
		vm_json_proc_fields(w, &p[i]);
		vm_verdict(p[i].f, &v);
		/* shr_error = file_private + shmem_private - anon_shared + counter_drift */
		jsonw_name(w, "verdict");
		jsonw_start_object(w);
		jsonw_int_field(w, "top_shr", v.top_shr);
		jsonw_int_field(w, "shared", v.shared);
		jsonw_int_field(w, "shr_error", v.error);
		jsonw_int_field(w, "file_private", v.file_private);
		jsonw_int_field(w, "shmem_private", v.shmem_private);
		jsonw_int_field(w, "anon_shared", v.anon_shared);
		jsonw_int_field(w, "counter_drift", v.drift);
		jsonw_end_object(w);
		if (maps && maps[i]) {
			jsonw_name(w, "maps");
			jsonw_start_array(w);
			for (j = 0; j < maps[i]->n; j++) {
				const struct vm_map *m = &maps[i]->v[j];
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
				jsonw_int_field(w, "shr_error", vm_map_error(m));
				jsonw_end_object(w);
			}
			jsonw_end_array(w);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}
