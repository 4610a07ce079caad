// SPDX-License-Identifier: GPL-2.0
/*
 * Read the module's debugfs files and parse them into the model (vmacct.h). Columns of `all` and
 * maps/<pid> are found by name in their header line and <pid> lines by their `name:`, so a module
 * that appends fields keeps working with this reader; a missing field means an incompatible module.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "vmacct.h"

#define DEBUGFS_MAGIC 0x64626720	/* include/uapi/linux/magic.h */
#define DEBUGFS_DIR "/sys/kernel/debug"

const char *const vm_field_names[VF_NR] = {
#define VMACCT_FIELD(id, name, scope) [VF_##id] = #name,
#include "vmacct_fields.h"
};

static const unsigned char vm_field_scope[VF_NR] = {
#define VMACCT_FIELD(id, name, scope) [VF_##id] = scope,
#include "vmacct_fields.h"
};

bool vm_field_in_maps(int field)
{
	return field >= 0 && field < VF_NR && vm_field_scope[field] != VMACCT_PROC;
}

int vm_field_by_name(const char *name)
{
	int i;

	for (i = 0; i < VF_NR; i++)
		if (!strcmp(name, vm_field_names[i]))
			return i;
	return -1;
}

const char *vm_extra_names[VM_MAX_EXTRA];
int vm_nextra;

/*
 * The index of an unknown field's name, interned for the whole run; -1 when the name is not a
 * field name the module could print ([a-z0-9_], not a known column) or the table is full.
 */
int vm_extra_index(const char *name)
{
	size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_");
	int i;

	if (!len || name[len] || len > 64)
		return -1;
	for (i = 0; i < vm_nextra; i++)
		if (!strcmp(vm_extra_names[i], name))
			return i;
	if (vm_nextra == VM_MAX_EXTRA)
		return -1;
	vm_extra_names[vm_nextra] = strdup(name);
	return vm_extra_names[vm_nextra] ? vm_nextra++ : -1;
}

/* Explain why the module's directory cannot be read, with the command that fixes it. */
static int vm_explain_root(const struct vm_source *src, int err)
{
	struct statfs sfs;

	if (err == EACCES || err == EPERM) {
		if (!src->quiet_perm)
			fprintf(stderr, "vmacct: %s: permission denied: vmacct's debugfs files are "
				"readable by root only; run vmacct as root (sudo vmacct)\n", src->root);
		return VM_EXIT_PERM;
	}
	if (err != ENOENT && err != ENOTDIR) {
		fprintf(stderr, "vmacct: %s: %s\n", src->root, strerror(err));
		return VM_EXIT_ERROR;
	}
	if (!src->root_is_default) {
		fprintf(stderr, "vmacct: %s: no such directory: is debugfs mounted and the vmacct "
			"module loaded?\n", src->root);
		return VM_EXIT_NOMODULE;
	}
	if (statfs(DEBUGFS_DIR, &sfs) < 0 && (errno == EACCES || errno == EPERM))
		return vm_explain_root(src, errno);
	if (statfs(DEBUGFS_DIR, &sfs) < 0 || sfs.f_type != DEBUGFS_MAGIC) {
		fprintf(stderr, "vmacct: debugfs is not mounted on " DEBUGFS_DIR ": mount it with "
			"'mount -t debugfs none " DEBUGFS_DIR "'\n");
		return VM_EXIT_NOMODULE;
	}
	fprintf(stderr, "vmacct: %s does not exist: the vmacct module is not loaded; load it with "
		"'modprobe vmacct' (or 'insmod vmacct.ko')\n", src->root);
	return VM_EXIT_NOMODULE;
}

/*
 * Read a whole file. debugfs files report size 0, so read until EOF; one read() call is one
 * seq_file chunk. Returns 0 or an errno value.
 */
int vm_slurp(const char *path, char **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1), *nb;
	int fd, err;
	ssize_t r;

	if (!b)
		return ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		free(b);
		return err;
	}
	for (;;) {
		if (n == cap) {
			cap *= 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				err = ENOMEM;
				goto fail;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			goto fail;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	close(fd);
	free(b);
	return err;
}

static int vm_incompatible(const char *path, const char *what)
{
	fprintf(stderr, "vmacct: %s: %s: the vmacct module and this reader do not match; "
		"install the reader built with the loaded module\n", path, what);
	return VM_EXIT_VERSION;
}

/*
 * The directory has no version file: say what it is instead. One with an `all` file is a vmacct
 * module too old to have one; anything else is not vmacct's directory (a mistyped --root or
 * $VMACCT_ROOT, or debugfs's top directory), and the user sees what is there.
 */
static int vm_not_ours(const struct vm_source *src, const char *version_path)
{
	char path[4096], list[256] = "";
	struct dirent **ents = NULL;
	struct stat st;
	size_t n = 0, shown = 0, used = 0, i;
	int nent;

	if (stat(src->root, &st) == 0 && !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vmacct: %s is not vmacct's debugfs directory: it is a %s, not a "
			"directory\n", src->root, S_ISREG(st.st_mode) ? "regular file" : "special file");
		return VM_EXIT_NOMODULE;
	}
	snprintf(path, sizeof(path), "%s/all", src->root);
	if (version_path && access(path, F_OK) == 0)
		return vm_incompatible(version_path, "missing (a vmacct module older than 0.1?)");
	/* sorted, so the message is the same on every file system */
	nent = scandir(src->root, &ents, NULL, alphasort);
	for (i = 0; i < (nent > 0 ? (size_t)nent : 0); i++) {
		char *name = ents[i]->d_name;
		size_t l = strlen(name);

		if (name[0] != '.' && n++ < 8 && used + l + 3 < sizeof(list) - 8) {
			struct vm_bytes b = { name, l };
			FILE *m = fmemopen(list + used, sizeof(list) - used, "w");

			/* a name as a table shows it: printable only */
			if (m) {
				if (used)
					fputs(", ", m);
				vm_put_table_text(m, &b, 40);
				used += ftell(m);
				fclose(m);
				shown++;
			}
		}
		free(ents[i]);
	}
	free(nent > 0 ? ents : NULL);
	list[used] = '\0';
	if (!n)
		fprintf(stderr, "vmacct: %s is not vmacct's debugfs directory: it is empty (no "
			"'version' or 'all' file)\n", src->root);
	else
		fprintf(stderr, "vmacct: %s is not vmacct's debugfs directory: %s; it holds %zu "
			"entr%s: %s%s\n", src->root, version_path ? "no 'version' or 'all' file" :
			"no 'all' file, and its 'version' is not a version number", n,
			n == 1 ? "y" : "ies", list, shown < n ? ", ..." : "");
	if (!src->root_is_default)
		fprintf(stderr, "vmacct: the module's files are in /sys/kernel/debug/vmacct "
			"(--root and $VMACCT_ROOT change that)\n");
	return VM_EXIT_NOMODULE;
}

int vm_check_version(const struct vm_source *src, char *ver, size_t verlen)
{
	char path[4096], *buf, *end;
	struct stat st;
	unsigned long major;
	size_t len;
	int err;

	if (stat(src->root, &st) < 0)
		return vm_explain_root(src, errno);
	snprintf(path, sizeof(path), "%s/version", src->root);
	err = vm_slurp(path, &buf, &len);
	if (err == EACCES || err == EPERM)
		return vm_explain_root(src, err);
	if (err == ENOENT || err == ENOTDIR)
		return vm_not_ours(src, path);
	if (err) {
		fprintf(stderr, "vmacct: %s: %s\n", path, strerror(err));
		return VM_EXIT_ERROR;
	}
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(ver, verlen, "%s", buf);
	/*
	 * Within major version 0 the files only ever gain fields at the end (the debugfs contract),
	 * and columns are parsed by name: any 0.N is readable.
	 */
	errno = 0;
	major = strtoul(buf, &end, 10);
	if (errno || end == buf || *end != '.' || end[1] < '0' || end[1] > '9') {
		/* not a version number: a version file of something else (/proc has one) */
		snprintf(path, sizeof(path), "%s/all", src->root);
		if (access(path, F_OK)) {
			free(buf);
			return vm_not_ours(src, NULL);
		}
	}
	if (errno || end == buf || *end != '.' || major != 0 || end[1] < '0' || end[1] > '9') {
		char what[160];

		snprintf(what, sizeof(what), "module version '%.64s' is not supported (this reader "
			 "reads 0.x)", buf);
		free(buf);
		return vm_incompatible(path, what);
	}
	free(buf);
	return VM_EXIT_OK;
}

/*
 * What a number that has no vmacct file is, from procfs: a thread of another process (top -H
 * shows thread ids), a kernel thread or a zombie (no address space), or nothing at all.
 */
int vm_pid_kind(const struct vm_source *src, int pid, int *tgid, char *name, size_t namelen)
{
	char path[4096], line[512], *rp;
	unsigned long flags = 0;
	long t = -1;
	char state = 0;
	FILE *f;

	*tgid = pid;
	if (namelen)
		*name = '\0';
	snprintf(path, sizeof(path), "%s/%d/status", src->proc, pid);
	f = fopen(path, "re");
	if (!f)
		return VM_PID_GONE;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:\t", 6) && namelen) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(name, namelen, "%s", line + 6);
		}
		sscanf(line, "Tgid: %ld", &t);
		sscanf(line, "State: %c", &state);
	}
	fclose(f);
	if (t > 0 && t != pid) {
		*tgid = t;
		return VM_PID_THREAD;
	}
	/* PF_KTHREAD (0x00200000) in the flags, the 9th field of stat, after "(comm)". */
	snprintf(path, sizeof(path), "%s/%d/stat", src->proc, pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(line, sizeof(line), f) && (rp = strrchr(line, ')')) &&
		    sscanf(rp + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1 &&
		    (flags & 0x00200000))
			state = 'K';
		fclose(f);
	}
	if (state == 'K')
		return VM_PID_KTHREAD;
	if (state == 'Z' || state == 'X')
		return VM_PID_ZOMBIE;
	return VM_PID_NOFILE;
}

/* Why a process has no vmacct file, in a user's words (exit 5). */
int vm_explain_nopid(const struct vm_source *src, int pid)
{
	char name[64], shown[64];
	int tgid, kind = vm_pid_kind(src, pid, &tgid, name, sizeof(name));
	struct vm_bytes b = { name, strlen(name) };
	FILE *m = fmemopen(shown, sizeof(shown), "w");

	/* the name as a table shows it: a hostile one cannot drive the terminal */
	if (m) {
		vm_put_table_text(m, &b, 32);
		fputc('\0', m);
		fclose(m);
	} else {
		shown[0] = '\0';
	}
	shown[sizeof(shown) - 1] = '\0';
	switch (kind) {
	case VM_PID_KTHREAD:
		fprintf(stderr, "vmacct: %d (%s) is a kernel thread: no address space\n", pid, shown);
		break;
	case VM_PID_ZOMBIE:
		fprintf(stderr, "vmacct: process %d (%s) is a zombie (exited, not reaped): no address "
			"space\n", pid, shown);
		break;
	case VM_PID_THREAD:
		fprintf(stderr, "vmacct: %d is a thread of process %d, which does not exist (or "
			"exited)\n", pid, tgid);
		break;
	default:
		fprintf(stderr, "vmacct: process %d does not exist (or exited)\n", pid);
	}
	return VM_EXIT_NOPID;
}

/* The error of a per-process file, in a user's words. */
static int vm_pid_error(const struct vm_source *src, const char *path, int pid, int err)
{
	if ((err == ENOENT || err == ESRCH) && src->quiet_gone)
		return VM_EXIT_NOPID;
	if (err == ENOENT || err == ESRCH)
		return vm_explain_nopid(src, pid);
	if (err == EACCES || err == EPERM) {
		fprintf(stderr, "vmacct: %s: permission denied: run vmacct as root\n", path);
		return VM_EXIT_PERM;
	}
	fprintf(stderr, "vmacct: %s: %s\n", path, strerror(err));
	return VM_EXIT_ERROR;
}

/* Split at single spaces (the module's separator), keeping an empty last field (empty comm). */
static size_t vm_split(char *line, char **tok, size_t max)
{
	size_t n = 0;

	for (;;) {
		if (n == max)
			return max + 1;
		tok[n++] = line;
		line = strchr(line, ' ');
		if (!line)
			return n;
		*line++ = '\0';
	}
}

static int vm_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int vm_parse_hex(const char *s, const char *stop, uint64_t *v)
{
	char *end;

	if (s == stop)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return errno || end != stop ? -1 : 0;
}

#define VM_MAX_COLS 256

/* Map each header column to a field index; extra unknown columns get -1 and are skipped. */
struct vm_header {
	int col[VM_MAX_COLS];
	int xcol[VM_MAX_COLS];	/* for VC_UNKNOWN columns: vm_extra_index(), or -1 */
	size_t ncols;
};

enum { VC_UNKNOWN = -1, VC_PID = -2, VC_COMM = -3, VC_RANGE = -4, VC_PERMS = -5,
	VC_OFFSET = -6, VC_PATH = -7 };

/* The columns a file must have: @fixed, then every field (of a maps row, when @maps). */
static size_t vm_need(int *need, const int *fixed, size_t nfixed, bool maps)
{
	size_t n = 0;
	int f;

	while (n < nfixed) {
		need[n] = fixed[n];
		n++;
	}
	for (f = 0; f < VF_NR; f++)
		if (!maps || vm_field_in_maps(f))
			need[n++] = f;
	return n;
}

static int vm_parse_header(char *line, struct vm_header *h, const int *need, size_t nneed)
{
	char *tok[VM_MAX_COLS];
	size_t i, j;

	if (strncmp(line, "# ", 2))
		return -1;
	h->ncols = vm_split(line + 2, tok, VM_MAX_COLS);
	if (h->ncols > VM_MAX_COLS)
		return -1;
	for (i = 0; i < h->ncols; i++) {
		int f = vm_field_by_name(tok[i]);

		if (f >= 0)
			h->col[i] = f;
		else if (!strcmp(tok[i], "pid"))
			h->col[i] = VC_PID;
		else if (!strcmp(tok[i], "comm"))
			h->col[i] = VC_COMM;
		else if (!strcmp(tok[i], "start-end"))
			h->col[i] = VC_RANGE;
		else if (!strcmp(tok[i], "perms"))
			h->col[i] = VC_PERMS;
		else if (!strcmp(tok[i], "offset"))
			h->col[i] = VC_OFFSET;
		else if (!strcmp(tok[i], "path"))
			h->col[i] = VC_PATH;
		else
			h->col[i] = VC_UNKNOWN;
		h->xcol[i] = h->col[i] == VC_UNKNOWN ? vm_extra_index(tok[i]) : -1;
	}
	for (j = 0; j < nneed; j++) {
		for (i = 0; i < h->ncols; i++)
			if (h->col[i] == need[j])
				break;
		if (i == h->ncols)
			return -1;
	}
	return 0;
}

void vm_proc_free(struct vm_proc *p)
{
	free(p->comm.s);
	p->comm.s = NULL;
	free(p->cmdline.s);
	p->cmdline.s = NULL;
}

/*
 * The command line as ps shows it: arguments joined by spaces (their NULs), at most 4 KiB. A
 * process without one (a zombie, or one that cleared it) shows its name in brackets, as ps does.
 */
void vm_read_cmdline(const struct vm_source *src, struct vm_proc *p)
{
	char path[4096], *b = malloc(4096 + 2);
	ssize_t n = -1, i;
	int fd;

	if (!b)
		return;
	snprintf(path, sizeof(path), "%s/%d/cmdline", src->proc, p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, b, 4096);
		close(fd);
	}
	while (n > 0 && b[n - 1] == '\0')
		n--;
	if (n <= 0) {
		n = snprintf(b, 4096 + 2, "[%.*s]", (int)(p->comm.len < 4000 ? p->comm.len : 4000),
			     p->comm.s ? p->comm.s : "");
	} else {
		for (i = 0; i < n; i++)
			if (!b[i])
				b[i] = ' ';
	}
	free(p->cmdline.s);
	p->cmdline.s = b;
	p->cmdline.len = n;
}

void vm_procs_free(struct vm_procs *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		vm_proc_free(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void vm_maps_free(struct vm_maps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].path.s);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void *vm_grow(void *v, size_t *cap, size_t n, size_t size)
{
	void *nv;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 64;
	nv = realloc(v, *cap * size);
	if (!nv) {
		fprintf(stderr, "vmacct: out of memory\n");
		exit(VM_EXIT_ERROR);
	}
	return nv;
}

int vm_read_all(const struct vm_source *src, struct vm_procs *out)
{
	static const int fixed[] = { VC_PID, VC_COMM };
	int need[2 + VF_NR];
	size_t nneed = vm_need(need, fixed, 2, false);
	char path[4096], *buf, *line, *next, *tok[VM_MAX_COLS];
	struct vm_proc *half = NULL;	/* the row being parsed */
	struct vm_header h;
	size_t len, i, lineno = 1;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/all", src->root);
	err = vm_slurp(path, &buf, &len);
	if (err == ENOENT)
		return vm_incompatible(path, "missing");
	if (err == EACCES || err == EPERM)
		return vm_explain_root(src, err);
	if (err) {
		fprintf(stderr, "vmacct: %s: %s\n", path, strerror(err));
		return VM_EXIT_ERROR;
	}
	next = strchr(buf, '\n');
	if (!next || (*next = '\0', vm_parse_header(buf, &h, need, nneed))) {
		free(buf);
		return vm_incompatible(path, "header line missing or lacking a required column");
	}
	for (line = next + 1; *line; line = next) {
		struct vm_proc *p;

		half = NULL;
		lineno++;
		next = strchr(line, '\n');
		if (!next)
			goto bad;	/* the module ends every row with a newline */
		*next++ = '\0';
		if (vm_split(line, tok, VM_MAX_COLS) != h.ncols)
			goto bad;
		out->v = vm_grow(out->v, &out->cap, out->n, sizeof(*out->v));
		p = &out->v[out->n];
		memset(p, 0, sizeof(*p));
		p->uid = -1;
		half = p;	/* not counted in out->n until complete */
		for (i = 0; i < h.ncols; i++) {
			uint64_t v;

			if (h.col[i] == VC_COMM) {
				if (vm_unescape(tok[i], strlen(tok[i]), &p->comm))
					goto bad;
			} else if (h.col[i] == VC_PID) {
				if (vm_parse_u64(tok[i], &v) || !v || v > INT32_MAX)
					goto bad;
				p->pid = v;
			} else if (h.col[i] >= 0) {
				if (vm_parse_u64(tok[i], &p->f[h.col[i]]))
					goto bad;
			} else if (h.xcol[i] >= 0 && !vm_parse_u64(tok[i], &p->x[h.xcol[i]])) {
				p->xset |= 1u << h.xcol[i];
			}
		}
		out->n++;
	}
	free(buf);
	for (i = 0; i < out->n; i++)
		out->v[i].uid = vm_proc_uid(src, out->v[i].pid);
	return VM_EXIT_OK;
bad:
	free(buf);
	if (half)	/* a slot past out->n was never initialised otherwise */
		vm_proc_free(half);
	vm_procs_free(out);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ":%zu", lineno);
	return vm_incompatible(path, "line not in the expected format");
}

int vm_read_pid(const struct vm_source *src, int pid, struct vm_proc *out)
{
	char path[4096], *buf, *line, *next;
	bool seen[VF_NR] = { 0 }, seen_comm = false;
	size_t len;
	int err, i;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/%d", src->root, pid);
	err = vm_slurp(path, &buf, &len);
	if (err == ENOENT) {
		int tgid, kind = vm_pid_kind(src, pid, &tgid, NULL, 0);

		/* A thread id (top -H): its process's address space is the thread's. */
		if (kind == VM_PID_THREAD && tgid != pid) {
			snprintf(path, sizeof(path), "%s/%d", src->root, tgid);
			if (!vm_slurp(path, &buf, &len)) {
				fprintf(stderr, "vmacct: %d is a thread of process %d: showing process "
					"%d\n", pid, tgid, tgid);
				pid = tgid;
				err = 0;
			}
		}
	}
	if (err)
		return vm_pid_error(src, path, pid, err);
	for (line = buf; *line; line = next) {
		char *colon, *val;
		uint64_t v;
		int f;

		next = strchr(line, '\n');
		if (!next)
			goto bad;
		*next++ = '\0';
		colon = strstr(line, ": ");
		if (!colon)
			goto bad;
		*colon = '\0';
		val = colon + 2;
		if (!strcmp(line, "pid")) {
			if (vm_parse_u64(val, &v) || v != (uint64_t)pid)
				goto bad;
			out->pid = pid;
		} else if (!strcmp(line, "comm")) {
			free(out->comm.s);
			if (vm_unescape(val, strlen(val), &out->comm))
				goto bad;
			seen_comm = true;
		} else if ((f = vm_field_by_name(line)) >= 0) {
			size_t l = strlen(val);

			if (l < 4 || strcmp(val + l - 3, " kB"))
				goto bad;
			val[l - 3] = '\0';
			if (vm_parse_u64(val, &out->f[f]))
				goto bad;
			seen[f] = true;
		} else if (!strcmp(val + strlen(val) - (strlen(val) >= 3 ? 3 : 0), " kB") &&
			   (f = vm_extra_index(line)) >= 0) {
			/* A size a newer module appended: passed through by name. */
			val[strlen(val) - 3] = '\0';
			if (!vm_parse_u64(val, &out->x[f]))
				out->xset |= 1u << f;
		}
	}
	free(buf);
	for (i = 0; i < VF_NR; i++)
		if (!seen[i])
			break;
	if (out->pid != pid || !seen_comm || i < VF_NR) {
		vm_proc_free(out);
		return vm_incompatible(path, "a required field is missing");
	}
	out->uid = vm_proc_uid(src, pid);
	return VM_EXIT_OK;
bad:
	free(buf);
	vm_proc_free(out);
	return vm_incompatible(path, "line not in the expected 'name: value' format");
}

int vm_read_maps(const struct vm_source *src, int pid, struct vm_maps *out)
{
	static const int fixed[] = { VC_RANGE, VC_PERMS, VC_OFFSET, VC_PATH };
	int need[4 + VF_NR];
	size_t nneed = vm_need(need, fixed, 4, true);
	char path[4096], *buf, *line, *next, *tok[VM_MAX_COLS];
	struct vm_header h;
	size_t len, i, lineno = 1;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/maps/%d", src->root, pid);
	err = vm_slurp(path, &buf, &len);
	if (err)
		return vm_pid_error(src, path, pid, err);
	next = strchr(buf, '\n');
	if (!next || (*next = '\0', vm_parse_header(buf, &h, need, nneed))) {
		free(buf);
		return vm_incompatible(path, "header line missing or lacking a required column");
	}
	for (line = next + 1; *line; line = next) {
		struct vm_map *m;

		lineno++;
		next = strchr(line, '\n');
		if (!next)
			goto bad;
		*next++ = '\0';
		if (vm_split(line, tok, VM_MAX_COLS) != h.ncols)
			goto bad;
		out->v = vm_grow(out->v, &out->cap, out->n, sizeof(*out->v));
		m = &out->v[out->n];
		memset(m, 0, sizeof(*m));
		for (i = 0; i < h.ncols; i++) {
			char *dash;

			switch (h.col[i]) {
			case VC_RANGE:
				dash = strchr(tok[i], '-');
				if (!dash || vm_parse_hex(tok[i], dash, &m->start) ||
				    vm_parse_hex(dash + 1, dash + 1 + strlen(dash + 1), &m->end))
					goto bad;
				break;
			case VC_PERMS:
				if (strlen(tok[i]) != 4)
					goto bad;
				memcpy(m->perms, tok[i], 5);
				break;
			case VC_OFFSET:
				if (vm_parse_hex(tok[i], tok[i] + strlen(tok[i]), &m->offset))
					goto bad;
				break;
			case VC_PATH:
				if (vm_unescape(tok[i], strlen(tok[i]), &m->path))
					goto bad;
				break;
			default:
				if (vm_field_in_maps(h.col[i]) &&
				    vm_parse_u64(tok[i], &m->f[h.col[i]]))
					goto bad;
				if (h.col[i] == VC_UNKNOWN && h.xcol[i] >= 0 &&
				    !vm_parse_u64(tok[i], &m->x[h.xcol[i]]))
					m->xset |= 1u << h.xcol[i];
			}
		}
		out->n++;
	}
	free(buf);
	return VM_EXIT_OK;
bad:
	free(buf);
	if (out->n < out->cap)
		free(out->v[out->n].path.s);
	vm_maps_free(out);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ":%zu", lineno);
	return vm_incompatible(path, "line not in the expected format");
}

/* The effective uid of a process, as top's USER column shows it; -1 if unknown (or gone). */
long vm_proc_uid(const struct vm_source *src, int pid)
{
	char path[4096], line[256];
	long ruid, euid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/status", src->proc, pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Uid: %ld %ld", &ruid, &euid) == 2) {
			fclose(f);
			return euid;
		}
	}
	fclose(f);
	return -1;
}

/*
 * User names come from the system's user database through getpwuid() (NSS: /etc/passwd, LDAP,
 * SSSD, systemd's DynamicUser accounts), asked once per uid: a table of thousands of processes
 * owned by a few users asks NSS a few times.
 *
 * The static build (tools/vmacct, which also runs in the busybox initramfs guests) cannot use NSS:
 * a static glibc dlopen()s the NSS modules of the host's glibc at run time, and those crash in a
 * static binary (libnss_systemd does) or are absent (busybox). It reads /etc/passwd itself
 * (vm_passwd_name), so it names the local accounts only; the dynamic build that `make install`
 * installs asks getpwuid(). $VMACCT_PASSWD names a passwd-format file that replaces the user
 * database in both (documented in vmacct(8); the tests use it for stable names).
 */
struct vm_user {
	long uid;
	char *name;	/* NULL: the uid has no name; shown as the number */
};
static struct vm_user *vm_users;
static size_t vm_nusers, vm_users_cap;

/* One passwd(5) line: name:password:uid:..., fields split at every ':' (empty ones too). */
const char *vm_passwd_name(const char *file, long uid, char *buf, size_t len)
{
	FILE *f = fopen(file, "re");
	char line[1024];
	const char *found = NULL;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *rest = line, *name = strsep(&rest, ":"), *u, *end;
		long v;

		if (!rest || !strsep(&rest, ":") || !rest)
			continue;	/* no password field, or no uid field */
		u = strsep(&rest, ":");
		if (!*name || *u < '0' || *u > '9')
			continue;
		errno = 0;
		v = strtol(u, &end, 10);
		if (errno || *end || v != uid)
			continue;
		snprintf(buf, len, "%s", name);
		found = buf;
	}
	if (f)
		fclose(f);
	return found;
}

static char *vm_lookup_user(long uid)
{
	const char *file = getenv("VMACCT_PASSWD");
	char buf[256];
#ifndef VMACCT_STATIC
	struct passwd *pw;

	if (!file || !*file) {
		pw = getpwuid(uid);
		return pw && pw->pw_name && *pw->pw_name ? strdup(pw->pw_name) : NULL;
	}
#endif
	if (!file || !*file)
		file = "/etc/passwd";
	return vm_passwd_name(file, uid, buf, sizeof(buf)) ? strdup(buf) : NULL;
}

const char *vm_user_name(long uid, char *buf, size_t len)
{
	size_t i;

	if (uid < 0)
		return "?";
	for (i = 0; i < vm_nusers; i++)
		if (vm_users[i].uid == uid)
			break;
	if (i == vm_nusers) {
		vm_users = vm_grow(vm_users, &vm_users_cap, vm_nusers, sizeof(*vm_users));
		vm_users[i].uid = uid;
		vm_users[i].name = vm_lookup_user(uid);
		vm_nusers++;
	}
	if (vm_users[i].name)
		return vm_users[i].name;
	snprintf(buf, len, "%ld", uid);
	return buf;
}
