// SPDX-License-Identifier: GPL-2.0
/*
 * Readers for the vmacct debugfs files and for the kernel's own smaps, smaps_rollup and statm.
 * Columns of maps/<pid> and `all` are found by their names in the header line, so tests keep working
 * when fields are appended.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmacct_util.h"

const char *const vmacct_field_names[VF_NR] = {
#define VMACCT_FIELD(id, name, scope) [VF_##id] = #name,
#include "vmacct_fields.h"
};

const unsigned char vmacct_field_scopes[VF_NR] = {
#define VMACCT_FIELD(id, name, scope) [VF_##id] = (scope),
#include "vmacct_fields.h"
};

void *map_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

long read_long(const char *path, long def)
{
	char *s = read_file(path, NULL);
	long v = s ? atol(s) : def;

	free(s);
	return v;
}

long long vmacct_stat(const char *name)
{
	char *text = read_file(VMACCT_DIR "/stats", NULL), *line;
	size_t len = strlen(name);
	long long v = -1;

	for (line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, name, len) && line[len] == ':')
			v = atoll(line + len + 1);
	free(text);
	return v;
}

char *read_file(const char *path, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0 || !buf) {
		int e = errno;

		free(buf);
		if (fd >= 0)
			close(fd);
		errno = e;
		return NULL;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static int field_index(const char *name)
{
	int i;

	for (i = 0; i < VF_NR; i++)
		if (!strcmp(name, vmacct_field_names[i]))
			return i;
	return -1;
}

char vmacct_extra_names[VMACCT_MAX_EXTRA][32];

/* The index of an appended field's name, interned on first sight; -1 when there is no room. */
static int extra_index(const char *name)
{
	int i;

	if (strlen(name) >= sizeof(vmacct_extra_names[0]))
		return -1;
	for (i = 0; i < VMACCT_MAX_EXTRA && vmacct_extra_names[i][0]; i++)
		if (!strcmp(name, vmacct_extra_names[i]))
			return i;
	if (i == VMACCT_MAX_EXTRA)
		return -1;
	strcpy(vmacct_extra_names[i], name);
	return i;
}

/* @tok is a whole number in @base (no sign, no trailing bytes): true with *@v set. */
static bool parse_num(const char *tok, int base, unsigned long long *v)
{
	char *end;

	if (!tok || !*tok || *tok == '-' || *tok == '+' || *tok == ' ')
		return false;
	errno = 0;
	*v = strtoull(tok, &end, base);
	return !errno && !*end;
}

/*
 * A summary line "key: N kB" exactly (@len bytes, no newline): the key in @key. False for
 * anything else, a number with trailing bytes included.
 */
static bool parse_kb_line(const char *line, size_t len, char key[64], unsigned long long *v)
{
	char num[32];
	size_t k = 0, d;

	while (k < len && k < 63 && ((line[k] >= 'a' && line[k] <= 'z') || line[k] == '_'))
		k++;
	if (!k || len < k + 2 + 1 + 3 || line[k] != ':' || line[k + 1] != ' ' ||
	    memcmp(line + len - 3, " kB", 3))
		return false;
	d = len - 3 - (k + 2);
	if (!d || d >= sizeof(num))
		return false;
	memcpy(num, line + k + 2, d);
	num[d] = 0;
	memcpy(key, line, k);
	key[k] = 0;
	return parse_num(num, 10, v);
}

/*
 * The <pid> file: "pid: N", "comm: NAME", then "key: N kB" lines. Any other line, or a number
 * that is not one, is -EPROTO: a garbled file never reads as zeros.
 */
int vmacct_parse_summary(const char *text, struct vmacct_counts *c)
{
	const char *line = text;

	memset(c, 0, sizeof(*c));
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		char key[64];
		unsigned long long v;
		int i;

		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (!strncmp(line, "pid: ", 5)) {
			char num[16];

			if (len - 5 >= sizeof(num))
				return -EPROTO;
			memcpy(num, line + 5, len - 5);
			num[len - 5] = 0;
			if (!parse_num(num, 10, &v) || !v || v > INT32_MAX)
				return -EPROTO;
			c->pid = (int)v;
		} else if (!strncmp(line, "comm: ", 6)) {
			size_t n = (eol ? (size_t)(eol - line) : strlen(line)) - 6;

			if (n >= sizeof(c->name))
				n = sizeof(c->name) - 1;
			memcpy(c->name, line + 6, n);
			c->name[n] = 0;
		} else if (parse_kb_line(line, len, key, &v)) {
			i = field_index(key);
			if (i >= 0) {
				c->v[i] = v;
				c->has[i] = true;
			} else if ((i = extra_index(key)) >= 0) {
				c->extra[i] = v;
				c->has_extra[i] = true;
			}
		} else if (len) {
			return -EPROTO;
		}
		line = eol ? eol + 1 : NULL;
	}
	return c->pid ? 0 : -EINVAL;
}

/* The text of @pid's vmacct file @dir<pid> ("" or "maps/"), malloc()ed; NULL with errno set. */
static char *read_pid_file(const char *dir, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), VMACCT_DIR "/%s%d", dir, pid);
	return read_file(path, NULL);
}

int vmacct_read_summary(pid_t pid, struct vmacct_counts *c)
{
	char *text = read_pid_file("", pid);
	int ret;

	if (!text)
		return -errno;
	ret = vmacct_parse_summary(text, c);
	free(text);
	return ret;
}

/*
 * Parse a table (maps/<pid> or all): a "# col col ..." header, then rows. Column "start-end" gives
 * start/end, "pid" the pid, "path"/"comm" the name, "perms" and "offset" what /proc/pid/maps has
 * there, the others are counts (those enum vmacct_field does not name in extra[]).
 */
#define COL_IGNORED	-1
#define COL_RANGE	-2
#define COL_PID		-3
#define COL_NAME	-4
#define COL_PERMS	-5
#define COL_OFFSET	-6
#define COL_EXTRA	-100	/* COL_EXTRA - i: vmacct_extra_names[i] */

int vmacct_parse_table(char *text, struct vmacct_counts **rows)
{
	int col_of[64], ncols = 0, nrows = 0, cap = 64;
	char *save, *line, *tok;
	struct vmacct_counts *out;

	line = strtok_r(text, "\n", &save);
	if (!line || line[0] != '#')
		return -EPROTO;
	for (tok = strtok(line + 1, " "); tok && ncols < 64; tok = strtok(NULL, " ")) {
		int f;

		if (!strcmp(tok, "start-end"))
			f = COL_RANGE;
		else if (!strcmp(tok, "pid"))
			f = COL_PID;
		else if (!strcmp(tok, "path") || !strcmp(tok, "comm"))
			f = COL_NAME;
		else if (!strcmp(tok, "perms"))
			f = COL_PERMS;
		else if (!strcmp(tok, "offset"))
			f = COL_OFFSET;
		else if ((f = field_index(tok)) < 0)
			f = extra_index(tok) < 0 ? COL_IGNORED : COL_EXTRA - extra_index(tok);
		col_of[ncols++] = f;
	}
	out = calloc(cap, sizeof(*out));
	if (!out)
		return -ENOMEM;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct vmacct_counts *c;
		char *s2;
		int i = 0;

		if (nrows == cap) {
			struct vmacct_counts *bigger = realloc(out, 2 * cap * sizeof(*out));

			if (!bigger) {
				free(out);
				return -ENOMEM;
			}
			memset(bigger + cap, 0, cap * sizeof(*out));
			out = bigger;
			cap *= 2;
		}
		c = &out[nrows++];
		for (tok = strtok_r(line, " ", &s2); tok && i < ncols; tok = strtok_r(NULL, " ", &s2), i++) {
			int f = col_of[i];

			unsigned long long v = 0;
			char *dash = strchr(tok, '-');
			bool ok = true;

			if (f == COL_RANGE) {
				ok = dash && (*dash = 0, parse_num(tok, 16, &v));
				c->start = v;
				ok = ok && parse_num(dash + 1, 16, &v);
				c->end = v;
			} else if (f == COL_PID) {
				ok = parse_num(tok, 10, &v) && v && v <= INT32_MAX;
				c->pid = (int)v;
			} else if (f == COL_NAME) {
				snprintf(c->name, sizeof(c->name), "%s", tok);
			} else if (f == COL_PERMS) {
				snprintf(c->perms, sizeof(c->perms), "%s", tok);
			} else if (f == COL_OFFSET) {
				ok = parse_num(tok, 16, &c->offset);
			} else if (f <= COL_EXTRA) {
				ok = parse_num(tok, 10, &v);
				c->extra[COL_EXTRA - f] = v;
				c->has_extra[COL_EXTRA - f] = true;
			} else if (f >= 0) {
				ok = parse_num(tok, 10, &v);
				c->v[f] = v;
				c->has[f] = true;
			}
			if (!ok) {
				free(out);
				return -EPROTO;	/* not a number where the header says one is */
			}
		}
		if (i != ncols || tok) {
			free(out);
			return -EPROTO;	/* a row with more or fewer columns than the header */
		}
	}
	*rows = out;
	return nrows;
}

/* A maps/<pid> or `all` file's rows: their number, or -errno. */
static int read_table(char *text, struct vmacct_counts **rows)
{
	int n;

	if (!text)
		return -errno;
	n = vmacct_parse_table(text, rows);
	free(text);
	return n;
}

int vmacct_read_rows(pid_t pid, struct vmacct_counts **rows)
{
	return read_table(read_pid_file("maps/", pid), rows);
}

int vmacct_read_row(pid_t pid, unsigned long addr, struct vmacct_counts *c)
{
	struct vmacct_counts *rows;
	int n = vmacct_read_rows(pid, &rows), i, ret = -ENOENT;

	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (rows[i].start <= addr && addr < rows[i].end) {
			*c = rows[i];
			ret = 0;
			break;
		}
	}
	free(rows);
	return ret;
}

int vmacct_read_all(struct vmacct_counts **rows)
{
	return read_table(read_file(VMACCT_DIR "/all", NULL), rows);
}

static void smaps_add_line(struct smaps_counts *s, const char *line)
{
	unsigned long long v;
	char key[64];

	if (sscanf(line, "%63[A-Za-z_]: %llu kB", key, &v) != 2)
		return;
	if (!strcmp(key, "Shared_Clean") || !strcmp(key, "Shared_Dirty"))
		s->shared += v;
	if (!strcmp(key, "Private_Clean") || !strcmp(key, "Private_Dirty"))
		s->private += v;
	if (!strcmp(key, "Rss"))
		s->rss = v;
	else if (!strcmp(key, "Pss"))
		s->pss = v;
	else if (!strcmp(key, "Shared_Dirty"))
		s->shared_dirty = v;
	else if (!strcmp(key, "Private_Dirty"))
		s->private_dirty = v;
	else if (!strcmp(key, "Swap"))
		s->swap = v;
	else if (!strcmp(key, "AnonHugePages"))
		s->anon_huge = v;
	else if (!strcmp(key, "Shared_Hugetlb") || !strcmp(key, "Private_Hugetlb"))
		s->hugetlb += v;
	else if (!strcmp(key, "KSM")) {
		s->ksm = v;
		s->has_ksm = true;
	}
}

int smaps_rollup_read(pid_t pid, struct smaps_counts *s)
{
	char path[64], *text, *line, *save;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	memset(s, 0, sizeof(*s));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		smaps_add_line(s, line);
	free(text);
	return 0;
}

int smaps_vma_read(pid_t pid, unsigned long start, struct smaps_counts *s)
{
	char path[64], *text, *line, *save;
	int in = 0, found = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	memset(s, 0, sizeof(*s));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a == start;
			if (in)
				found = 0;
			continue;
		}
		if (in)
			smaps_add_line(s, line);
	}
	free(text);
	return found;
}

int statm_read(pid_t pid, uint64_t *virt, uint64_t *res, uint64_t *shr)
{
	char path[64];
	unsigned long long v, r, s;
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu %llu %llu", &v, &r, &s);
	fclose(f);
	if (n != 3)
		return -EPROTO;
	*virt = v * page_kb;
	*res = r * page_kb;
	*shr = s * page_kb;
	return 0;
}

int vmacct_diff(const char *what, const struct vmacct_counts *got, const struct vmacct_counts *want)
{
	int i, bad = 0;

	for (i = 0; i < VF_NR; i++) {
		if (!want->has[i])
			continue;
		if (!got->has[i]) {
			printf("# %s: field %s missing\n", what, vmacct_field_names[i]);
			bad++;
		} else if (got->v[i] != want->v[i]) {
			printf("# %s: %s is %" PRIu64 " kB, expected %" PRIu64 " kB\n", what,
			       vmacct_field_names[i], got->v[i], want->v[i]);
			bad++;
		}
	}
	return bad;
}

/*
 * kselftest_harness runs each TEST() in a forked child: the rows for the final table live in a
 * MAP_SHARED page set up before the first test, so the parent sees what every child recorded.
 */
#define SHR_TABLE_ROWS 64
struct shr_row {
	char scenario[32];
	int64_t top, exact;
	uint64_t file_private, shmem_private, anon_shared;
};
static struct shr_table {
	int n;
	struct shr_row row[SHR_TABLE_ROWS];
} *shr_table;

__attribute__((constructor)) static void shr_table_init(void)
{
	void *p = mmap(NULL, sizeof(*shr_table), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	shr_table = p == MAP_FAILED ? NULL : p;
}

void shr_report_table(void)
{
	int i;

	if (!shr_table || !shr_table->n)
		return;
	printf("# SHR-REPORT table: what top's SHR counts vs what is really shared, per scenario (kB)\n");
	printf("# SHR-REPORT %-28s %8s %8s %8s %8s %8s %8s\n", "scenario", "top_shr", "shared",
	       "error", "file_prv", "shm_prv", "anon_shr");
	for (i = 0; i < shr_table->n; i++) {
		const struct shr_row *r = &shr_table->row[i];

		printf("# SHR-REPORT %-28s %8" PRId64 " %8" PRId64 " %+8" PRId64 " %8" PRIu64 " %8" PRIu64
		       " %8" PRIu64 "\n", r->scenario, r->top, r->exact, r->top - r->exact,
		       r->file_private, r->shmem_private, r->anon_shared);
	}
	printf("# SHR-REPORT error = top_shr - shared = file_private + shmem_private - anon_shared\n");
	fflush(stdout);
}

/*
 * Per mapping, top's SHR is what the mapping adds to statm's shared counter (RssFile + RssShmem):
 * all its file and shmem pages. That is computed from the row, exactly; the process's own counter
 * also holds the test program's other mappings and per-CPU counter drift.
 */
void shr_report(const char *scenario, const struct vmacct_counts *c)
{
	const uint64_t *v = c->v;
	int64_t top = v[VF_FILE_SHARED] + v[VF_FILE_PRIVATE] + v[VF_SHMEM_SHARED] + v[VF_SHMEM_PRIVATE];
	int64_t exact = v[VF_ANON_SHARED] + v[VF_FILE_SHARED] + v[VF_SHMEM_SHARED];

	if (shr_table && shr_table->n < SHR_TABLE_ROWS) {
		struct shr_row *r = &shr_table->row[shr_table->n++];

		snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
		r->top = top;
		r->exact = exact;
		r->file_private = v[VF_FILE_PRIVATE];
		r->shmem_private = v[VF_SHMEM_PRIVATE];
		r->anon_shared = v[VF_ANON_SHARED];
	}

	printf("# SHR-REPORT %-28s top_shr=%6" PRId64 " kB exact_shared=%6" PRId64
	       " kB error=%+7" PRId64 " kB (file_private %" PRIu64 " + shmem_private %" PRIu64
	       " - anon_shared %" PRIu64 ")\n", scenario, top, exact, top - exact,
	       v[VF_FILE_PRIVATE], v[VF_SHMEM_PRIVATE], v[VF_ANON_SHARED]);
}

void shr_report_process(const struct vmacct_counts *c)
{
	const uint64_t *v = c->v;
	int64_t counted = v[VF_FILE_SHARED] + v[VF_FILE_PRIVATE] + v[VF_SHMEM_SHARED] +
			  v[VF_SHMEM_PRIVATE];
	int64_t top = v[VF_TOP_SHR];
	int64_t exact = v[VF_SHARED];

	printf("# SHR-REPORT process %d %-16s top_shr=%6" PRId64 " kB exact_shared=%6" PRId64
	       " kB error=%+7" PRId64 " kB = file_private %" PRIu64 " + shmem_private %" PRIu64
	       " - anon_shared %" PRIu64 " + counter drift %" PRId64 "\n", c->pid, c->name, top, exact,
	       top - exact, v[VF_FILE_PRIVATE], v[VF_SHMEM_PRIVATE], v[VF_ANON_SHARED], top - counted);
}

struct child spawn_child(void (*fn)(void *), void *arg)
{
	int ready[2], go[2];
	struct child c = { .pid = -1, .go = -1 };
	char b;

	if (pipe(ready) || pipe(go))
		return c;
	c.pid = fork();
	if (c.pid == 0) {
		close(ready[0]);
		close(go[1]);
		if (fn)
			fn(arg);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(go[0], &b, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	if (c.pid < 0 || read(ready[0], &b, 1) != 1)
		c.pid = -1;
	close(ready[0]);
	c.go = go[1];
	return c;
}

void release_child(struct child *c)
{
	close(c->go);
	if (c->pid > 0)
		waitpid(c->pid, NULL, 0);
}

int vmacct_counts_get(const struct vmacct_counts *c, const char *name, uint64_t *v)
{
	int i = field_index(name);

	if (i >= 0 && c->has[i]) {
		*v = c->v[i];
		return 0;
	}
	for (i = 0; i < VMACCT_MAX_EXTRA; i++) {
		if (c->has_extra[i] && !strcmp(name, vmacct_extra_names[i])) {
			*v = c->extra[i];
			return 0;
		}
	}
	return -ENOENT;
}

int vmacct_counts_list(const struct vmacct_counts *c, const char **names, uint64_t *v, int max)
{
	int i, n = 0;

	for (i = 0; i < VF_NR && n < max; i++) {
		if (c->has[i]) {
			names[n] = vmacct_field_names[i];
			v[n++] = c->v[i];
		}
	}
	for (i = 0; i < VMACCT_MAX_EXTRA && n < max; i++) {
		if (c->has_extra[i]) {
			names[n] = vmacct_extra_names[i];
			v[n++] = c->extra[i];
		}
	}
	return n;
}

int smaps_get(const struct smaps_vma *s, const char *key, uint64_t *v)
{
	int i;

	for (i = 0; i < s->nr; i++) {
		if (!strcmp(s->key[i], key)) {
			*v = s->v[i];
			return 0;
		}
	}
	return -ENOENT;
}

int smaps_set(struct smaps_vma *s, const char *key, uint64_t v)
{
	int i;

	for (i = 0; i < s->nr; i++) {
		if (!strcmp(s->key[i], key)) {
			s->v[i] = v;
			return 0;
		}
	}
	if (s->nr == SMAPS_MAX_KEYS || strlen(key) >= sizeof(s->key[0]))
		return -ENOSPC;
	strcpy(s->key[s->nr], key);
	s->v[s->nr++] = v;
	return 0;
}

/*
 * A VMA's first line: "start-end perms offset dev inode   name". The name may hold spaces
 * ("/memfd:x (deleted)"); it starts after the blanks that follow the inode number.
 */
static int smaps_header(const char *line, struct smaps_vma *s)
{
	int pos = 0;

	if (sscanf(line, "%lx-%lx %7s %llx %*s %*u%n", &s->start, &s->end, s->perms, &s->offset,
		   &pos) != 4 || !pos)
		return -EPROTO;
	line += pos;
	while (*line == ' ' || *line == '\t')
		line++;
	snprintf(s->name, sizeof(s->name), "%s", line);
	return 0;
}

/* A header line starts with hex digits and '-'; a key line with a capital letter. */
static bool smaps_is_header(const char *line)
{
	const char *dash = strchr(line, '-'), *space = strchr(line, ' ');

	return line[0] && !(line[0] >= 'A' && line[0] <= 'Z') && dash && space && dash < space;
}

int smaps_parse(char *text, struct smaps_vma **vmas)
{
	struct smaps_vma *out = NULL, *cur = NULL;
	int n = 0, cap = 0;
	char *line, *save;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;
		char key[64];

		if (smaps_is_header(line)) {
			if (n == cap) {
				struct smaps_vma *bigger;

				cap = cap ? 2 * cap : 64;
				bigger = realloc(out, cap * sizeof(*out));
				if (!bigger) {
					free(out);
					return -ENOMEM;
				}
				out = bigger;
			}
			cur = &out[n++];
			memset(cur, 0, sizeof(*cur));
			if (smaps_header(line, cur)) {
				free(out);
				return -EPROTO;
			}
		} else if (cur) {
			/* Only "Key: N kB": sscanf() would take "THPeligible:    0" too. */
			uint64_t old;
			int end = 0;

			if (sscanf(line, "%63[A-Za-z_]: %llu kB%n", key, &v, &end) == 2 && end &&
			    smaps_get(cur, key, &old))
				smaps_set(cur, key, v);
		}
	}
	if (!n) {
		free(out);
		return -EPROTO;
	}
	*vmas = out;
	return n;
}

int smaps_read_vmas(pid_t pid, struct smaps_vma **vmas)
{
	char path[64], *text;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	/* A process without VMAs has an empty smaps: no rows, not an error. */
	if (!text[0]) {
		free(text);
		*vmas = NULL;
		return 0;
	}
	n = smaps_parse(text, vmas);
	free(text);
	return n;
}

int smaps_rollup_read_keys(pid_t pid, struct smaps_vma *r)
{
	struct smaps_vma *one;
	char path[64], *text;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	n = smaps_parse(text, &one);
	free(text);
	if (n < 0)
		return n;
	*r = one[0];
	free(one);
	return n == 1 ? 0 : -EPROTO;
}

size_t vmacct_page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}

size_t vmacct_pmd_size(void)
{
	static size_t pmd;

	if (!pmd) {
		long thp = read_long("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", 0);

		pmd = thp > 0 ? (size_t)thp : vmacct_page_size() / 8 * vmacct_page_size();
	}
	return pmd;
}

size_t vmacct_pud_size(void)
{
	return vmacct_pmd_size() / 8 * vmacct_page_size();
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

int vmacct_hugetlb_sizes(size_t *sizes, int max)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	unsigned long kb;
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max)
		if (sscanf(e->d_name, "hugepages-%lukB", &kb) == 1)
			sizes[n++] = (size_t)kb << 10;
	closedir(d);
	qsort(sizes, n, sizeof(*sizes), size_cmp);
	return n;
}

size_t vmacct_hugetlb_default_size(void)
{
	char *text = read_file("/proc/meminfo", NULL), *line;
	unsigned long kb = 0;

	for (line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			break;
	free(text);
	return (size_t)kb << 10;
}

char *map_aligned_hpage(void)
{
	const unsigned long hpage = vmacct_pmd_size();
	char *p = mmap(NULL, 2 * hpage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((unsigned long)p + hpage - 1) & ~(hpage - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + hpage, p + 2 * hpage - (a + hpage));
	madvise(a, hpage, MADV_HUGEPAGE);
	return a;
}

bool thp_enabled(void)
{
	char *s = read_file("/sys/kernel/mm/transparent_hugepage/enabled", NULL);
	bool on = s && !strstr(s, "[never]");

	free(s);
	return on;
}

struct vmacct_counts want_row(uint64_t mapped_kb)
{
	struct vmacct_counts w;
	int f;

	memset(&w, 0, sizeof(w));
	for (f = VF_MAPPED; f <= VF_HUGETLB; f++)
		w.has[f] = true;
	w.v[VF_MAPPED] = mapped_kb;
	return w;
}

int row_vs_smaps(const char *what, const struct vmacct_counts *row, const struct smaps_counts *s)
{
	const struct {
		const char *name;
		uint64_t vmacct, smaps;
	} f[] = {
		{ "resident/Rss", row->v[VF_RESIDENT], s->rss },
		{ "shared/Shared_*", row->v[VF_SHARED], s->shared },
		{ "private/Private_*", row->v[VF_PRIVATE], s->private },
		{ "pss/Pss", row->v[VF_PSS], s->pss },
		{ "swap/Swap", row->v[VF_SWAP], s->swap },
		{ "thp/AnonHugePages", row->v[VF_THP], s->anon_huge },
		{ "hugetlb/*_Hugetlb", row->v[VF_HUGETLB], s->hugetlb },
	};
	unsigned int i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		if (f[i].vmacct == f[i].smaps)
			continue;
		printf("# %s: %s: vmacct %" PRIu64 " kB, smaps %" PRIu64 " kB\n", what, f[i].name,
		       f[i].vmacct, f[i].smaps);
		bad++;
	}
	return bad;
}

/*
 * A frozen process changes only if the kernel moves its pages (compaction migrating a THP,
 * reclaim): rare and brief, so a few attempts separate that from a difference in counting, which
 * is the same every time.
 */
#define STABLE_ATTEMPTS 5

int read_row_and_smaps(pid_t pid, unsigned long addr, struct vmacct_counts *row,
		       struct smaps_counts *s)
{
	struct vmacct_counts again;
	int attempt, ret = -EAGAIN;

	for (attempt = 0; attempt < STABLE_ATTEMPTS; attempt++) {
		ret = vmacct_read_row(pid, addr, row);
		if (!ret)
			ret = smaps_vma_read(pid, row->start, s);
		if (!ret)
			ret = vmacct_read_row(pid, addr, &again);
		if (ret)
			return ret;
		if (!memcmp(row->v, again.v, sizeof(row->v)) && row->start == again.start &&
		    row->end == again.end)
			return 0;
		printf("# maps/%d changed between two reads, reading again\n", pid);
		ret = -EAGAIN;
	}
	return ret;
}
