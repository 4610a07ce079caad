// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal streaming JSON writer (RFC 8259). Names and values go through one escaping function;
 * strings that are not valid UTF-8 (process names and paths are arbitrary bytes) get U+FFFD for
 * each invalid byte, because a JSON text must be UTF-8 and a parser would reject the document
 * otherwise. Callers that need the exact bytes also emit the module's octal-escaped form.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "vmacct.h"

#define JSONW_MAX_DEPTH 32

struct json_writer {
	FILE *out;
	bool pretty;
	unsigned int depth;
	bool first[JSONW_MAX_DEPTH];	/* nothing written yet at this depth */
	bool after_name;
};

json_writer_t *jsonw_new(FILE *f, bool pretty)
{
	json_writer_t *self = calloc(1, sizeof(*self));

	if (!self)
		return NULL;
	self->out = f;
	self->pretty = pretty;
	self->first[0] = true;
	return self;
}

void jsonw_destroy(json_writer_t **self)
{
	if (self && *self) {
		fputc('\n', (*self)->out);
		free(*self);
		*self = NULL;
	}
}

static void jsonw_indent(json_writer_t *self)
{
	unsigned int i;

	if (!self->pretty)
		return;
	fputc('\n', self->out);
	for (i = 0; i < self->depth; i++)
		fputs("  ", self->out);
}

/* Separator before a value or a name: a comma unless first, nothing right after a name. */
static void jsonw_eor(json_writer_t *self)
{
	if (self->after_name) {
		self->after_name = false;
		return;
	}
	if (!self->first[self->depth])
		fputc(',', self->out);
	self->first[self->depth] = false;
	if (self->depth)
		jsonw_indent(self);
}

static void jsonw_puts(json_writer_t *self, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', self->out);
	while (i < len) {
		size_t n = vm_utf8_seq(p + i, len - i);

		if (!n) {
			fputs("\\ufffd", self->out);
			i++;
			continue;
		}
		switch (p[i]) {
		case '"':
			fputs("\\\"", self->out);
			break;
		case '\\':
			fputs("\\\\", self->out);
			break;
		case '\b':
			fputs("\\b", self->out);
			break;
		case '\f':
			fputs("\\f", self->out);
			break;
		case '\n':
			fputs("\\n", self->out);
			break;
		case '\r':
			fputs("\\r", self->out);
			break;
		case '\t':
			fputs("\\t", self->out);
			break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f)
				fprintf(self->out, "\\u%04x", p[i]);
			else
				fwrite(p + i, 1, n, self->out);
		}
		i += n;
	}
	fputc('"', self->out);
}

static void jsonw_open(json_writer_t *self, char c)
{
	jsonw_eor(self);
	fputc(c, self->out);
	if (self->depth + 1 < JSONW_MAX_DEPTH)
		self->depth++;
	self->first[self->depth] = true;
}

static void jsonw_close(json_writer_t *self, char c)
{
	bool empty = self->first[self->depth];

	if (self->depth)
		self->depth--;
	if (!empty)
		jsonw_indent(self);
	fputc(c, self->out);
}

void jsonw_start_object(json_writer_t *self)
{
	jsonw_open(self, '{');
}

void jsonw_end_object(json_writer_t *self)
{
	jsonw_close(self, '}');
}

void jsonw_start_array(json_writer_t *self)
{
	jsonw_open(self, '[');
}

void jsonw_end_array(json_writer_t *self)
{
	jsonw_close(self, ']');
}

void jsonw_name(json_writer_t *self, const char *name)
{
	jsonw_eor(self);
	jsonw_puts(self, name, strlen(name));
	fputs(self->pretty ? ": " : ":", self->out);
	self->after_name = true;
}

void jsonw_bytes(json_writer_t *self, const char *s, size_t len)
{
	jsonw_eor(self);
	jsonw_puts(self, s, len);
}

void jsonw_string(json_writer_t *self, const char *s)
{
	jsonw_bytes(self, s, strlen(s));
}

void jsonw_uint(json_writer_t *self, uint64_t v)
{
	jsonw_eor(self);
	fprintf(self->out, "%" PRIu64, v);
}

void jsonw_int(json_writer_t *self, int64_t v)
{
	jsonw_eor(self);
	fprintf(self->out, "%" PRId64, v);
}

void jsonw_bool(json_writer_t *self, bool v)
{
	jsonw_eor(self);
	fputs(v ? "true" : "false", self->out);
}

void jsonw_null(json_writer_t *self)
{
	jsonw_eor(self);
	fputs("null", self->out);
}

void jsonw_string_field(json_writer_t *self, const char *name, const char *s)
{
	jsonw_name(self, name);
	jsonw_string(self, s);
}

void jsonw_bytes_field(json_writer_t *self, const char *name, const char *s, size_t len)
{
	jsonw_name(self, name);
	jsonw_bytes(self, s, len);
}

void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t v)
{
	jsonw_name(self, name);
	jsonw_uint(self, v);
}

void jsonw_int_field(json_writer_t *self, const char *name, int64_t v)
{
	jsonw_name(self, name);
	jsonw_int(self, v);
}
