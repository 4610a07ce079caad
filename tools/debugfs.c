// SPDX-License-Identifier: GPL-2.0
/*
 * Read the module's debugfs files and parse them into the model (vmacct.h). Columns of `all` and
 * maps/<pid> are found by name in their header line and <pid> lines by their `name:`, so a module
 * that appends fields keeps working with this reader; a missing field means an incompatible module.
 */
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

/* Explain why the module's directory cannot be read, with the command that fixes it. */
static int vm_explain_root(const struct vm_source *src, int err)
{
	struct statfs sfs;

	if (err == EACCES || err == EPERM) {
		fprintf(stderr, "vmacct: %s: permission denied: vmacct's debugfs files are readable by "
			"root only; run vmacct as root (sudo vmacct)\n", src->root);
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
static int vm_slurp(const char *path, char **buf, size_t *len)
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
	if (err == ENOENT)
		return vm_incompatible(path, "missing (a vmacct module older than 0.1?)");
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

/* The error of a per-process file, in a user's words. */
static int vm_pid_error(const char *path, int pid, int err)
{
	if (err == ENOENT || err == ESRCH) {
		fprintf(stderr, "vmacct: process %d does not exist (or exited)\n", pid);
		return VM_EXIT_NOPID;
	}
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

static void *vm_grow(void *v, size_t *cap, size_t n, size_t size)
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
	if (err)
		return vm_pid_error(path, pid, err);
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
		}
		/* Unknown names are fields a newer module appended: ignore them. */
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
		return vm_pid_error(path, pid, err);
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
 * The fallback, for the static build: the reader is linked statically (it also runs in busybox
 * initramfs guests), and a static glibc loads its NSS modules at run time; where they are missing
 * getpwuid() finds nobody, so a uid getpwuid() does not know is looked up in /etc/passwd by the
 * reader itself (vm_passwd_name). Where NSS works this finds nothing new: its "files" source
 * already read that file. $VMACCT_PASSWD names a passwd-format file that replaces the user
 * database altogether (documented in vmacct(8); the tests use it for stable names).
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
	struct passwd *pw;

	if (file && *file)
		return vm_passwd_name(file, uid, buf, sizeof(buf)) ? strdup(buf) : NULL;
	pw = getpwuid(uid);
	if (pw && pw->pw_name && *pw->pw_name)
		return strdup(pw->pw_name);
	return vm_passwd_name("/etc/passwd", uid, buf, sizeof(buf)) ? strdup(buf) : NULL;
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
