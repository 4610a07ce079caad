// SPDX-License-Identifier: GPL-2.0
/*
 * Process names and paths are arbitrary bytes. The module writes every byte outside 0x21..0x7e,
 * and the backslash, as \ooo; we turn that back into raw bytes once (vm_unescape) and each output
 * format re-escapes for its own syntax here or in json_writer.c, so no format ever sees a
 * half-escaped string.
 */
#include <stdlib.h>
#include <string.h>

#include "vmacct.h"

static int is_oct(char c)
{
	return c >= '0' && c <= '7';
}

int vm_unescape(const char *in, size_t inlen, struct vm_bytes *out)
{
	char *s = malloc(inlen + 1);
	size_t i, n = 0;

	if (!s)
		return -1;
	for (i = 0; i < inlen; i++) {
		unsigned char c = in[i];

		if (c != '\\') {
			/* The module never writes these raw: a line holding one is not ours. */
			if (c < 0x21 || c > 0x7e)
				goto bad;
			s[n++] = c;
			continue;
		}
		if (i + 3 >= inlen || !is_oct(in[i + 1]) || !is_oct(in[i + 2]) || !is_oct(in[i + 3]))
			goto bad;
		if (in[i + 1] > '3')
			goto bad;	/* \4xx and up do not fit a byte */
		c = (in[i + 1] - '0') << 6 | (in[i + 2] - '0') << 3 | (in[i + 3] - '0');
		s[n++] = c;
		i += 3;
	}
	s[n] = '\0';
	out->s = s;
	out->len = n;
	return 0;
bad:
	free(s);
	return -1;
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, nothing
 * above U+10FFFF), or 0 when the bytes there are not one.
 */
size_t vm_utf8_seq(const unsigned char *s, size_t len)
{
	unsigned int cp;
	size_t n, i;

	if (!len)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Multi-byte sequences a table must not show either: C1 controls (U+0080..U+009F) drive
 * terminals, and bidirectional overrides, zero-width characters and line separators make a name
 * look like something else or break the layout (a "Trojan Source" name).
 */
static bool is_invisible(const unsigned char *s, size_t n)
{
	unsigned int cp;

	if (n == 2)
		return s[0] == 0xc2 && s[1] < 0xa0;
	if (n != 3)
		return false;
	cp = (s[0] & 0x0f) << 12 | (s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

/*
 * A table cell shows printable text only: a newline or escape sequence in a process name must
 * not break the one-row-per-process layout or drive the terminal. Printable ASCII and well-formed
 * UTF-8 pass, everything else is shown as '?' (as ps does). maxcols 0 = no limit.
 */
void vm_put_table_text(FILE *f, const struct vm_bytes *b, size_t maxcols)
{
	const unsigned char *s = (const unsigned char *)b->s;
	size_t i = 0, cols = 0;

	while (i < b->len && (!maxcols || cols < maxcols)) {
		size_t n = vm_utf8_seq(s + i, b->len - i);

		if (n == 1 && s[i] >= 0x20 && s[i] < 0x7f) {
			fputc(s[i], f);
		} else if (n > 1 && !is_invisible(s + i, n)) {
			fwrite(s + i, 1, n, f);
		} else {
			fputc('?', f);
			n = n ? n : 1;
		}
		i += n;
		cols++;
	}
}

/* Columns vm_put_table_text uses (one per character: comm and paths are rarely wide scripts). */
size_t vm_table_width(const struct vm_bytes *b)
{
	const unsigned char *s = (const unsigned char *)b->s;
	size_t i = 0, cols = 0;

	while (i < b->len) {
		size_t n = vm_utf8_seq(s + i, b->len - i);

		i += n ? n : 1;
		cols++;
	}
	return cols;
}

/*
 * A Prometheus label value is UTF-8 in which backslash, double quote and line feed are written
 * \\, \" and \n (text exposition format 0.0.4). Bytes that are not UTF-8 become U+FFFD; the
 * pid label keeps series distinct when that makes two names equal.
 */
void vm_put_prom_label(FILE *f, const struct vm_bytes *b)
{
	const unsigned char *s = (const unsigned char *)b->s;
	size_t i = 0;

	while (i < b->len) {
		size_t n = vm_utf8_seq(s + i, b->len - i);

		if (!n) {
			fputs("\xef\xbf\xbd", f);
			i++;
			continue;
		}
		if (s[i] == '\\')
			fputs("\\\\", f);
		else if (s[i] == '"')
			fputs("\\\"", f);
		else if (s[i] == '\n')
			fputs("\\n", f);
		else
			fwrite(s + i, 1, n, f);
		i += n;
	}
}

/* The module's own reversible escape, for output that must stay one ASCII word. */
void vm_put_octal_escaped(FILE *f, const struct vm_bytes *b)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		unsigned char c = b->s[i];

		if (c < 0x21 || c > 0x7e || c == '\\')
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
	}
}
