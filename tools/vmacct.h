/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reader's model of the module's debugfs files. Data flows one way:
 * debugfs text (debugfs.c) -> struct vm_proc / struct vm_map -> table, JSON or Prometheus text.
 * Every number is kept in kB, exactly as the module printed it; formatters convert.
 */
#ifndef VMACCT_H
#define VMACCT_H

/* The reader's own version (--version, vmacct_build_info). */
#define VMACCT_READER_VERSION "0.1"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Exit codes; documented in vmacct.8 and --help. */
enum {
	VM_EXIT_OK = 0,
	VM_EXIT_ERROR = 1,	/* I/O or output error not covered below */
	VM_EXIT_USAGE = 2,	/* bad option or argument */
	VM_EXIT_NOMODULE = 3,	/* debugfs not mounted or vmacct not loaded */
	VM_EXIT_PERM = 4,	/* not root */
	VM_EXIT_NOPID = 5,	/* a requested process does not exist (or exited) */
	VM_EXIT_VERSION = 6,	/* debugfs files from an incompatible module version */
	VM_EXIT_TOP = 7,	/* --compare-top: top missing, failed or printed something unparsable */
};

/*
 * The fields, named and ordered as in the module's <pid> file: include/vmacct_fields.h, the list
 * the module prints from. A maps row holds the fields whose scope is not VMACCT_PROC.
 */
enum vm_field {
#define VMACCT_FIELD(id, name, scope) VF_##id,
#include "vmacct_fields.h"
	VF_NR,
};

extern const char *const vm_field_names[VF_NR];
int vm_field_by_name(const char *name);
/* Whether maps/<pid> rows carry the field (a VMACCT_ROW or VMACCT_ROW_LAST one). */
bool vm_field_in_maps(int field);

/*
 * Numeric fields this reader does not know (a newer module appended them): kept by name and
 * passed through to JSON. Names are interned once per run (at most VM_MAX_EXTRA distinct ones);
 * a value's bit in xset says the process or mapping has it.
 */
#define VM_MAX_EXTRA 16
extern const char *vm_extra_names[VM_MAX_EXTRA];
extern int vm_nextra;
int vm_extra_index(const char *name);

/* A byte string that may hold any byte (comm and paths are arbitrary bytes). */
struct vm_bytes {
	char *s;
	size_t len;
};

struct vm_proc {
	int pid;
	struct vm_bytes comm;
	uint64_t f[VF_NR];	/* kB */
	uint64_t x[VM_MAX_EXTRA];	/* kB; fields this reader does not know, see xset */
	uint32_t xset;
	long uid;		/* -1 when unknown */
	uint32_t unavail;	/* VF_* bits: not known (read without root, from smaps_rollup) */
	struct vm_bytes cmdline;	/* --cmdline: /proc/PID/cmdline, arguments joined by spaces */
};

struct vm_map {
	uint64_t start, end, offset;
	char perms[5];
	struct vm_bytes path;
	uint64_t f[VF_NR];	/* kB; only those vm_field_in_maps() */
	uint64_t x[VM_MAX_EXTRA];
	uint32_t xset;
};

struct vm_procs {
	struct vm_proc *v;
	size_t n, cap;
};

struct vm_maps {
	struct vm_map *v;
	size_t n, cap;
};

/* Where to read; tests point these at recorded fixture directories. */
struct vm_source {
	const char *root;	/* the module's debugfs directory */
	const char *proc;	/* procfs, for the owner of a process (USER column) */
	const char *cgroupfs;	/* the cgroup v2 mount: a cgroup's memory.stat (-g cgroup) */
	bool root_is_default;
	bool quiet_perm;	/* "not root" is explained by the caller (its fallback) */
	bool quiet_gone;	/* a process that exited is VM_EXIT_NOPID without a message */
};

/* What the output is: a table, JSON or the Prometheus text format. */
enum { MODE_TABLE, MODE_JSON, MODE_PROM };

/* Read a whole file (debugfs files report size 0): 0 or an errno value. */
int vm_slurp(const char *path, char **buf, size_t *len);

/* debugfs.c: each returns a VM_EXIT_* code and has printed the reason on stderr. */
int vm_check_version(const struct vm_source *src, char *ver, size_t verlen);
int vm_read_all(const struct vm_source *src, struct vm_procs *out);
int vm_read_pid(const struct vm_source *src, int pid, struct vm_proc *out);
int vm_read_maps(const struct vm_source *src, int pid, struct vm_maps *out);
void vm_procs_free(struct vm_procs *p);
void vm_maps_free(struct vm_maps *m);
void vm_proc_free(struct vm_proc *p);
void *vm_grow(void *v, size_t *cap, size_t n, size_t size);
/* unprivileged.c: the user's own processes from procfs, without the module */
int vm_read_own(const struct vm_source *src, struct vm_procs *out);
enum { VM_PID_GONE, VM_PID_NOFILE, VM_PID_THREAD, VM_PID_KTHREAD, VM_PID_ZOMBIE };
int vm_pid_kind(const struct vm_source *src, int pid, int *tgid, char *name, size_t namelen);
int vm_explain_nopid(const struct vm_source *src, int pid);
long vm_proc_uid(const struct vm_source *src, int pid);
const char *vm_user_name(long uid, char *buf, size_t len);
const char *vm_passwd_name(const char *file, long uid, char *buf, size_t len);

/* escape.c */
int vm_unescape(const char *in, size_t inlen, struct vm_bytes *out);
size_t vm_utf8_seq(const unsigned char *s, size_t len);
void vm_put_table_text(FILE *f, const struct vm_bytes *b, size_t maxcols);
size_t vm_table_width(const struct vm_bytes *b);
void vm_put_prom_label(FILE *f, const struct vm_bytes *b);
void vm_put_octal_escaped(FILE *f, const struct vm_bytes *b);

/* The decomposition of top's SHR error (kB, signed). */
struct vm_verdict {
	int64_t top_shr, shared, error, file_private, shmem_private, anon_shared, drift;
};
int64_t vm_shr_error(const uint64_t *f);
void vm_verdict(const uint64_t *f, struct vm_verdict *v);
int64_t vm_map_error(const struct vm_map *m);

/* Output options shared by the formatters. */
struct vm_opts {
	bool kb;		/* exact kB instead of human sizes */
	bool reverse;		/* -r */
	bool cmdline;		/* --cmdline: COMMAND shows the command line */
	bool watch;		/* --watch: a screen (time, changes) */
	bool own;		/* not root: own processes from smaps_rollup (unprivileged.c) */
	int cols[32];		/* -o: VF_* and VS_* keys; ncols 0 = the default columns */
	size_t ncols;
	long width, height;	/* the terminal (0: no limit) */
	bool maps;		/* -m */
	bool pretty;		/* JSON indentation */
	long limit;		/* -n; <0 = no limit */
	int sort_field;		/* a VF_* or one of the VS_* below */
	bool sort_set;
	const char *version;
	struct timespec now;	/* when the files were read (JSON timestamp, --watch) */
};
enum { VS_PID = VF_NR, VS_COMM, VS_SHR_ERROR, VS_USER, VS_CMDLINE };
int vm_sort_key(const char *name);
void vm_sort_procs(struct vm_procs *p, const struct vm_opts *o);

/* Which processes the table, JSON and Prometheus show (-p, -u, -c). */
#include <regex.h>
struct vm_filter {
	int *pids;
	size_t npids;
	char **users;
	size_t nusers;
	regex_t re;
	bool have_re;
	bool cmdline;		/* -c also matches the command line */
};
int vm_filter_add_users(struct vm_filter *flt, const char *arg);
int vm_filter_set_regex(struct vm_filter *flt, const char *re);
void vm_filter_free(struct vm_filter *flt);
int vm_select(const struct vm_source *src, struct vm_procs *p, const struct vm_filter *flt,
	      const struct vm_opts *o);
void vm_read_cmdline(const struct vm_source *src, struct vm_proc *p);

/* format_table.c */
void vm_human(char *buf, size_t len, int64_t kb, bool sign, bool kb_exact);
void vm_table_all(FILE *f, const struct vm_procs *p, const struct vm_opts *o, const char *proc);
int vm_parse_columns(struct vm_opts *o, const char *list);
void vm_watch_free(void);
void vm_table_detail(FILE *f, const struct vm_proc *p, const struct vm_maps *m,
		     const struct vm_opts *o);

/* format_json.c */
void vm_timestamp(char *buf, size_t len, const struct timespec *ts);
struct json_writer;
void vm_json_head(struct json_writer *w, const struct vm_opts *o);
void vm_json(FILE *f, const struct vm_proc *p, size_t n, const struct vm_maps *const *maps,
	     const struct vm_opts *o);

/* format_prom.c */
void vm_prom(FILE *f, const struct vm_procs *p, const struct vm_opts *o);

/* groups.c: -g user|comm and --with PID; each returns a VM_EXIT_* code. */
int vm_show_groups(FILE *f, const struct vm_source *src, const struct vm_opts *o, int mode,
		   const char *by);
int vm_show_sharing(FILE *f, const struct vm_source *src, const struct vm_opts *o, int mode,
		    int pid);

/* files_view.c: -f, per mapped file over the selected processes */
int vm_show_files(FILE *f, const struct vm_source *src, const struct vm_opts *o, int mode,
		  const struct vm_filter *flt);

/* compare_top.c */
struct vm_top_row {
	int pid;
	uint64_t virt, res, shr;	/* kB, as top printed them (after its scaling) */
	uint64_t virt_step, res_step, shr_step;	/* kB: the precision of what top printed */
};
int vm_top_parse_size(const char *s, uint64_t *kb, uint64_t *step);
int vm_top_parse(const char *text, struct vm_top_row **rows, size_t *n);
int vm_compare_top(FILE *f, const struct vm_source *src, const int *pids, size_t npids,
		   const struct vm_opts *o);

#endif
