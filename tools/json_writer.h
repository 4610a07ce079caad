/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON writer every command uses (modelled on bpftool's json_writer): it tracks nesting and
 * commas, and it alone escapes strings, so no command can emit malformed JSON.
 */
#ifndef VMACCT_JSON_WRITER_H
#define VMACCT_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

json_writer_t *jsonw_new(FILE *f, bool pretty);
void jsonw_destroy(json_writer_t **self);	/* closes nothing: the caller must balance */
void jsonw_start_object(json_writer_t *self);
void jsonw_end_object(json_writer_t *self);
void jsonw_start_array(json_writer_t *self);
void jsonw_end_array(json_writer_t *self);
void jsonw_name(json_writer_t *self, const char *name);
void jsonw_string(json_writer_t *self, const char *s);
void jsonw_bytes(json_writer_t *self, const char *s, size_t len);
void jsonw_uint(json_writer_t *self, uint64_t v);
void jsonw_int(json_writer_t *self, int64_t v);
void jsonw_bool(json_writer_t *self, bool v);
void jsonw_null(json_writer_t *self);

/* name + value in one call, as bpftool's jsonw_*_field helpers. */
void jsonw_string_field(json_writer_t *self, const char *name, const char *s);
void jsonw_bytes_field(json_writer_t *self, const char *name, const char *s, size_t len);
void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t v);
void jsonw_int_field(json_writer_t *self, const char *name, int64_t v);

#endif
