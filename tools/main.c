// SPDX-License-Identifier: GPL-2.0
/*
 * vmacct: read the vmacct module's exact memory accounting and show what top's VIRT, RES and SHR
 * really mean. Option parsing and dispatch only; reading is in debugfs.c, selection and order in
 * model.c, output in format_*.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "vmacct.h"

#define VMACCT_DEFAULT_ROOT "/sys/kernel/debug/vmacct"

static const char usage[] =
"Usage: vmacct [OPTION]...          every process, one table\n"
"       vmacct [OPTION]... PID...   every field of each process, and the verdict\n"
"Exact memory accounting from the vmacct kernel module, beside what top shows.\n"
"\n"
"Table: PID USER VIRT RES SHR SHARED PRIVATE PSS SWAP SHR_ERR COMMAND, largest\n"
"RES first. VIRT RES SHR are top's, SHARED PRIVATE PSS SWAP exact, and\n"
"  SHR_ERR = SHR - SHARED = file_private + shmem_private - anon_shared + drift\n"
"\n"
"Selecting and ordering (table, --json, --prometheus):\n"
"  -p, --pid PID[,PID]       only these processes (a thread id: its process)\n"
"  -u, --user USER[,USER]    only processes of these users (names or uids)\n"
"  -c, --command REGEX       only names matching the extended regex (with\n"
"                            --cmdline: names or command lines)\n"
"  -s, --sort FIELD          sort by a column (VIRT, RES, SHR, SHARED, PSS,\n"
"                            SHR_ERR, PID, USER, COMMAND) or field (swap, ...),\n"
"                            any case; sizes largest first, SHR_ERR by\n"
"                            magnitude (default: RES)\n"
"  -r, --reverse             reverse the order\n"
"  -n, --limit N             at most N processes (N mappings with -m);\n"
"                            the totals cover all\n"
"The table:\n"
"  -o, --columns COL,...     these columns, in this order (names as for -s)\n"
"      --cmdline             the command line instead of the process name\n"
"                            (with --json: a cmdline key)\n"
"  -k, --kb                  exact kB (as free -k, df -k), not K/M/G/T\n"
"  -w, --watch SEC           refresh every SEC seconds, fitting the terminal,\n"
"                            with each process's PSS change\n"
"      --count N             with --watch: stop after N refreshes\n"
"With PIDs:\n"
"  -m, --maps                the mappings behind top's SHR error, worst first\n"
"      --compare-top         run procps top -b -n 1 -p PID... and show what it\n"
"                            printed beside the counters and the exact values\n"
"Groups (each a view of its own; with -n, -k, --json, --pretty):\n"
"  -g, --group user|comm|cgroup  per user, process name or cgroup: PROCS, RES\n"
"                            (each page once), UNIQUE (only the group maps it),\n"
"                            SHR-OUT, PSS (cgroup: and memory.current, and\n"
"                            memory.stat's anon/file/shmem in JSON and -P);\n"
"                            also --prometheus and --output\n"
"      --with PID            the processes that map pages PID maps, by kind\n"
"  -f, --files               per mapped file or kind of anonymous memory, over\n"
"                            the processes (-p, -u, -c pick them): PROCS and\n"
"                            the sums of RSS, PSS, PRIVATE (USS), SWAP\n"
"Output:\n"
"  -j, --json                one JSON document (debugfs field names, kB);\n"
"                            with --watch, one document per line\n"
"      --pretty              indented JSON\n"
"  -P, --prometheus          Prometheus text format, in bytes\n"
"      --output FILE         write FILE atomically (temporary file, rename), as\n"
"                            node_exporter's textfile collector needs\n"
"Where to read:\n"
"      --root DIR            the module's directory (default\n"
"                            " VMACCT_DEFAULT_ROOT ", or $VMACCT_ROOT)\n"
"      --proc DIR            procfs (default /proc, or $VMACCT_PROC)\n"
"      --cgroupfs DIR        the cgroup v2 mount, for memory.stat (default\n"
"                            /sys/fs/cgroup, or $VMACCT_CGROUPFS)\n"
"  -h, --help                this help\n"
"  -V, --version             the reader's version\n"
"\n"
"Exit status: 0 success, 1 error, 2 usage, 3 debugfs not mounted or module\n"
"not loaded, 4 not root, 5 no such process (or a kernel thread, a zombie),\n"
"6 incompatible module version, 7 top failed (--compare-top). See vmacct(8).\n";

static int vm_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "vmacct: %s%s%s\nTry 'vmacct --help'.\n", msg, arg ? ": " : "",
		arg ? arg : "");
	return VM_EXIT_USAGE;
}

static int vm_parse_long(const char *s, long min, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < min ? -1 : 0;
}

/* "1,2,3" (or repeated options) appended to *v; -1 on a word that is not a pid. */
static int vm_parse_pids(const char *arg, int **v, size_t *n)
{
	char *copy = strdup(arg), *save = NULL, *w;
	int *nv;
	long l;

	if (!copy)
		return -1;
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (vm_parse_long(w, 1, &l) || l > INT32_MAX)
			goto bad;
		nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!nv)
			goto bad;
		*v = nv;
		(*v)[(*n)++] = l;
	}
	free(copy);
	return *n ? 0 : -1;
bad:
	free(copy);
	return -1;
}


static int vm_show_all(FILE *out, const struct vm_source *src, const struct vm_opts *o, int mode,
		       const struct vm_filter *flt)
{
	struct vm_procs p;
	int r = o->own ? vm_read_own(src, &p) : vm_read_all(src, &p), sel;

	if (r)
		return r;
	sel = vm_select(src, &p, flt, o);
	vm_sort_procs(&p, o);
	if (mode == MODE_JSON)
		vm_json(out, p.v, p.n, NULL, o);
	else if (mode == MODE_PROM)
		vm_prom(out, &p, o);
	else
		vm_table_all(out, &p, o, src->proc);
	vm_procs_free(&p);
	return sel ? sel : o->own ? VM_EXIT_PERM : VM_EXIT_OK;
}

static int vm_show_pids(FILE *out, const struct vm_source *src, const struct vm_opts *o, int mode,
			const int *pids, size_t npids)
{
	struct vm_proc *p = calloc(npids, sizeof(*p));
	struct vm_maps *m = calloc(npids, sizeof(*m));
	const struct vm_maps **mp = calloc(npids, sizeof(*mp));
	size_t i, n = 0;
	int ret = VM_EXIT_OK, r;

	if (!p || !m || !mp) {
		free(p);
		free(m);
		free(mp);
		return VM_EXIT_ERROR;
	}
	/* A process that is gone is reported and skipped: the others are still shown. */
	for (i = 0; i < npids; i++) {
		r = vm_read_pid(src, pids[i], &p[n]);
		/* p[n].pid: a thread id was read as its process */
		if (!r && o->maps) {
			r = vm_read_maps(src, p[n].pid, &m[n]);
			if (r)
				vm_proc_free(&p[n]);
			else
				mp[n] = &m[n];
		}
		if (r) {
			if (!ret)
				ret = r;
			if (r != VM_EXIT_NOPID)
				goto out;	/* permission or format: the next pid fails the same way */
			continue;
		}
		n++;
	}
	if (mode == MODE_JSON) {
		vm_json(out, p, n, o->maps ? mp : NULL, o);
	} else if (mode == MODE_PROM) {
		struct vm_procs all = { .v = p, .n = n };

		vm_prom(out, &all, o);
	} else {
		for (i = 0; i < n; i++) {
			if (i)
				fputc('\n', out);
			vm_table_detail(out, &p[i], mp[i], o);
		}
	}
out:
	for (i = 0; i < n; i++) {
		vm_proc_free(&p[i]);
		vm_maps_free(&m[i]);
	}
	free(p);
	free(m);
	free(mp);
	return ret;
}

/*
 * --output FILE: write into a temporary file in FILE's directory, then rename() it over FILE, so
 * a reader (node_exporter's textfile collector) sees the old file or the new one, never half of
 * one. Mode 0644: the collector does not run as root.
 */
static int vm_output_open(const char *path, char *tmp, size_t len, FILE **out)
{
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash)
		snprintf(tmp, len, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		snprintf(tmp, len, ".%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, 0644) < 0 || !(*out = fdopen(fd, "w"))) {
		fprintf(stderr, "vmacct: %s: cannot create a temporary file beside it: %s\n", path,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	return 0;
}

static int vm_output_close(FILE *out, const char *tmp, const char *path, bool discard)
{
	int err = fflush(out) || ferror(out) || fsync(fileno(out)) ? errno : 0;

	if (fclose(out) && !err)
		err = errno;
	if (!err && !discard && rename(tmp, path) < 0)
		err = errno;
	if (err || discard)
		unlink(tmp);
	if (err)
		fprintf(stderr, "vmacct: %s: %s\n", path, strerror(err));
	return err ? -1 : 0;
}

/* Each line at most @width characters (the text is printable ASCII or UTF-8 by now). */
static void vm_put_cut(FILE *out, const char *s, size_t len, long width)
{
	size_t i = 0;
	long cols = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '\n') {
			cols = 0;
		} else if ((c & 0xc0) != 0x80 && ++cols > width) {
			continue;	/* past the edge: a lead byte and its continuation bytes */
		} else if ((c & 0xc0) == 0x80 && cols > width) {
			continue;
		}
		fputc(c, out);
	}
}

/* $VMACCT_NOW (seconds since the epoch) stands in for the clock: the tests' fixed timestamps. */
static void vm_clock(struct timespec *ts)
{
	const char *env = getenv("VMACCT_NOW");
	char *end;
	double d;

	if (env && *env) {
		d = strtod(env, &end);
		if (!*end && d >= 0) {
			ts->tv_sec = (time_t)d;
			ts->tv_nsec = (long)((d - (double)ts->tv_sec) * 1e9);
			return;
		}
	}
	clock_gettime(CLOCK_REALTIME, ts);
}

/* The terminal's size: $COLUMNS and $LINES first (as ps and top), then the tty's. */
static void vm_screen(struct vm_opts *o, bool watch)
{
	struct winsize ws = { 0 };
	const char *c = getenv("COLUMNS"), *l = getenv("LINES");
	long v;

	if (isatty(1) && !ioctl(1, TIOCGWINSZ, &ws)) {
		o->width = ws.ws_col;
		o->height = watch ? ws.ws_row : 0;
	}
	if (c && !vm_parse_long(c, 1, &v))
		o->width = v;
	if (watch && l && !vm_parse_long(l, 1, &v))
		o->height = v;
}

int main(int argc, char **argv)
{
	enum { OPT_PROC = 256, OPT_ROOT, OPT_PRETTY, OPT_COMPARE, OPT_CMDLINE, OPT_COUNT,
		OPT_OUTPUT, OPT_WITH, OPT_CGROUPFS };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "command", required_argument, NULL, 'c' },
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "limit", required_argument, NULL, 'n' },
		{ "columns", required_argument, NULL, 'o' },
		{ "cmdline", no_argument, NULL, OPT_CMDLINE },
		{ "kb", no_argument, NULL, 'k' },
		{ "maps", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, OPT_PRETTY },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "compare-top", no_argument, NULL, OPT_COMPARE },
		{ "group", required_argument, NULL, 'g' },
		{ "files", no_argument, NULL, 'f' },
		{ "with", required_argument, NULL, OPT_WITH },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "cgroupfs", required_argument, NULL, OPT_CGROUPFS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_opts o = { .limit = -1, .sort_field = VF_TOP_RES };
	struct vm_source src = { .root = getenv("VMACCT_ROOT"), .proc = getenv("VMACCT_PROC"),
				 .cgroupfs = getenv("VMACCT_CGROUPFS") };
	struct vm_filter flt = { 0 };
	bool compare = false, limit_set = false, files = false;
	const char *regex = NULL, *cols = NULL, *output = NULL, *group = NULL;
	long with = 0;
	double watch = 0;
	char ver[64], *end, msg[192];
	int mode = MODE_TABLE, c, r = VM_EXIT_OK, *pids = NULL, i;
	size_t npids = 0;
	long l, count = -1, done;

	/* getopt's own messages would start with argv[0] ("./vmacct:"): every message says vmacct. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:u:c:s:rn:o:kmjPw:g:fhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (vm_parse_pids(optarg, &flt.pids, &flt.npids)) {
				r = vm_usage_error("-p needs process ids separated by commas", optarg);
				goto out;
			}
			break;
		case 'u':
			if (vm_filter_add_users(&flt, optarg)) {
				r = vm_usage_error("-u needs user names or uids separated by commas",
						   optarg);
				goto out;
			}
			break;
		case 'c':
			regex = optarg;
			break;
		case 's':
			o.sort_field = vm_sort_key(optarg);
			if (o.sort_field < 0) {
				r = vm_usage_error("unknown sort field (see --help)", optarg);
				goto out;
			}
			o.sort_set = true;
			break;
		case 'r':
			o.reverse = true;
			break;
		case 'n':
			if (vm_parse_long(optarg, 0, &l)) {
				r = vm_usage_error("-n needs a number >= 0", optarg);
				goto out;
			}
			o.limit = l;
			limit_set = true;
			break;
		case 'o':
			cols = optarg;
			break;
		case OPT_CMDLINE:
			o.cmdline = true;
			break;
		case 'k':
			o.kb = true;
			break;
		case 'm':
			o.maps = true;
			break;
		case OPT_PRETTY:
			o.pretty = true;
			/* fall through */
		case 'j':
			if (mode == MODE_PROM) {
				r = vm_usage_error("--json and --prometheus exclude each other", NULL);
				goto out;
			}
			mode = MODE_JSON;
			break;
		case 'P':
			if (mode == MODE_JSON) {
				r = vm_usage_error("--json and --prometheus exclude each other", NULL);
				goto out;
			}
			mode = MODE_PROM;
			break;
		case 'w':
			errno = 0;
			watch = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(watch >= 0.1 && watch <= 86400)) {
				r = vm_usage_error("--watch needs seconds between 0.1 and 86400", optarg);
				goto out;
			}
			break;
		case OPT_COUNT:
			if (vm_parse_long(optarg, 1, &count)) {
				r = vm_usage_error("--count needs a number >= 1", optarg);
				goto out;
			}
			break;
		case OPT_COMPARE:
			compare = true;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case 'g':
			if (!strcasecmp(optarg, "user")) {
				group = "user";
			} else if (!strcasecmp(optarg, "comm")) {
				group = "comm";
			} else if (!strcasecmp(optarg, "cgroup")) {
				group = "cgroup";
			} else {
				r = vm_usage_error("-g groups by user, comm or cgroup", optarg);
				goto out;
			}
			break;
		case 'f':
			files = true;
			break;
		case OPT_WITH:
			if (vm_parse_long(optarg, 1, &with) || with > INT_MAX) {
				r = vm_usage_error("--with needs a process id", optarg);
				goto out;
			}
			break;
		case OPT_ROOT:
			src.root = optarg;
			break;
		case OPT_PROC:
			src.proc = optarg;
			break;
		case OPT_CGROUPFS:
			src.cgroupfs = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			goto out;
		case 'V':
			printf("vmacct %s\n", VMACCT_READER_VERSION);
			goto out;
		case ':':
			/* a long option (perhaps abbreviated) is named as typed, a short one by letter */
			if (optind > 1 && !strncmp(argv[optind - 1], "--", 2))
				snprintf(msg, sizeof(msg), "option %.100s needs an argument",
					 argv[optind - 1]);
			else
				snprintf(msg, sizeof(msg), "option -%c needs an argument", optopt);
			r = vm_usage_error(msg, NULL);
			goto out;
		default:
			if (optind > 1 && !strncmp(argv[optind - 1], "--", 2))
				snprintf(msg, sizeof(msg), "unknown or ambiguous option, or one that takes "
					 "no argument: %.100s", argv[optind - 1]);
			else
				snprintf(msg, sizeof(msg), "unknown option -%c", optopt);
			r = vm_usage_error(msg, NULL);
			goto out;
		}
	}
	if (!src.root || !*src.root) {
		src.root = VMACCT_DEFAULT_ROOT;
		src.root_is_default = true;
	}
	if (!src.proc || !*src.proc)
		src.proc = "/proc";
	if (!src.cgroupfs || !*src.cgroupfs)
		src.cgroupfs = "/sys/fs/cgroup";
	for (i = optind; i < argc; i++) {
		if (vm_parse_pids(argv[i], &pids, &npids)) {
			r = vm_usage_error("not a process id", argv[i]);
			goto out;
		}
	}
	/*
	 * Every option either acts or is refused: a combination that would be ignored is a usage
	 * error, so that nobody reads a table believing a filter or a limit was applied.
	 */
	if ((group || with) && (npids || o.maps || compare || (with && mode == MODE_PROM) || watch ||
				o.sort_set || o.reverse || flt.npids || flt.nusers || regex || cols ||
				o.cmdline || (with && output) || (group && with)))
		r = vm_usage_error("-g and --with are views of their own: they take -n, -k, --json "
				   "and --pretty only, -g also --prometheus and --output (and not "
				   "each other)", NULL);
	else if (files && (npids || o.maps || compare || mode == MODE_PROM || watch || o.sort_set ||
			   o.reverse || cols || o.cmdline || group || with))
		r = vm_usage_error("-f is a view of its own: it takes -p, -u, -c to pick processes, -n, "
				   "-k, --json, --pretty and --output only (no --prometheus: a series "
				   "per file has no bound)", NULL);
	else if (o.kb && (group || with || files) && mode != MODE_TABLE)
		r = vm_usage_error("-k is for tables: JSON is always in kB", NULL);
	else if (o.maps && !npids)
		r = vm_usage_error("--maps needs one or more PIDs", NULL);
	else if (compare && !npids)
		r = vm_usage_error("--compare-top needs one or more PIDs", NULL);
	else if (compare && mode != MODE_TABLE)
		r = vm_usage_error("--compare-top prints a table only", NULL);
	else if (compare && (o.maps || limit_set || o.kb))
		r = vm_usage_error("--compare-top prints every value in kB, without -m, -n or -k", NULL);
	else if (npids && (o.sort_set || o.reverse || flt.npids || flt.nusers || regex || cols ||
			   o.cmdline))
		r = vm_usage_error("-s, -r, -p, -u, -c, -o and --cmdline apply to the all-process "
				   "table (no PID arguments); use -p PID to pick rows of the table",
				   NULL);
	else if (npids && o.kb && !o.maps && mode == MODE_TABLE)
		r = vm_usage_error("with PIDs, -k is for the mappings of -m: the fields are listed in "
				   "kB already", NULL);
	else if (npids && limit_set && !o.maps)
		r = vm_usage_error("with PIDs, -n limits the mappings of -m", NULL);
	else if (o.maps && limit_set && mode == MODE_JSON)
		r = vm_usage_error("--json lists every mapping: -n does not apply to -m --json", NULL);
	else if (o.maps && mode == MODE_PROM)
		r = vm_usage_error("--prometheus exports processes, not mappings (a series per "
				   "mapping has no bound): drop -m", NULL);
	else if (o.kb && mode != MODE_TABLE)
		r = vm_usage_error("-k is for tables: JSON is always in kB, Prometheus in bytes", NULL);
	else if (cols && mode != MODE_TABLE)
		r = vm_usage_error("-o chooses table columns; --json and --prometheus always carry "
				   "every field", NULL);
	else if (o.cmdline && mode == MODE_PROM)
		r = vm_usage_error("--cmdline has no Prometheus form (a label per command line would "
				   "multiply the series)", NULL);
	else if (o.cmdline && npids)
		r = vm_usage_error("--cmdline applies to the all-process table and --json", NULL);
	else if (watch && mode == MODE_PROM && !output)
		r = vm_usage_error("--watch with --prometheus would write expositions back to back: "
				   "add --output FILE (replaced at each refresh)", NULL);
	else if (output && !*output)
		r = vm_usage_error("--output needs a file name", NULL);
	else if (count > 0 && !watch)
		r = vm_usage_error("--count counts --watch refreshes", NULL);
	else if (regex && vm_filter_set_regex(&flt, regex))
		r = vm_usage_error("-c: not a valid extended regular expression", regex);
	else if (cols && vm_parse_columns(&o, cols))
		r = VM_EXIT_USAGE;	/* the column was named */
	else {
		/* not root: the table and JSON fall back to the user's own processes */
		src.quiet_perm = geteuid() != 0 && !npids && !compare && mode != MODE_PROM && !files;
		r = vm_check_version(&src, ver, sizeof(ver));
		if (r == VM_EXIT_PERM && src.quiet_perm) {
			fprintf(stderr, "vmacct: not root: showing only your own processes, from "
				"/proc/PID/smaps_rollup (the anon/file/shmem split unavailable: -); "
				"run vmacct as root (sudo vmacct) for every process, exactly\n");
			o.own = true;
			r = VM_EXIT_OK;
		}
	}
	if (r)
		goto out;
	o.version = o.own ? NULL : ver;
	flt.cmdline = o.cmdline;
	vm_screen(&o, watch && mode == MODE_TABLE);
	for (done = 0;; done++) {
		FILE *out = stdout, *screen;
		char tmp[4096], *sbuf = NULL;
		size_t slen = 0;

		vm_clock(&o.now);
		if (output && vm_output_open(output, tmp, sizeof(tmp), &out)) {
			r = VM_EXIT_ERROR;
			break;
		}
		if (watch && mode == MODE_TABLE && !output && isatty(1))
			fputs("\033[H\033[2J", out);	/* home and clear, as watch(1) */
		o.watch = watch > 0;
		/* a --watch screen is drawn whole, then cut at the terminal's width */
		screen = watch && mode == MODE_TABLE && o.width > 0 && !output ?
			open_memstream(&sbuf, &slen) : NULL;
		if (group)
			r = vm_show_groups(out, &src, &o, mode, group);
		else if (files)
			r = vm_show_files(out, &src, &o, mode, &flt);
		else if (with)
			r = vm_show_sharing(out, &src, &o, mode, (int)with);
		else if (compare)
			r = vm_compare_top(screen ? screen : out, &src, pids, npids, &o);
		else if (npids)
			r = vm_show_pids(screen ? screen : out, &src, &o, mode, pids, npids);
		else
			r = vm_show_all(screen ? screen : out, &src, &o, mode, &flt);
		if (screen) {
			fclose(screen);
			vm_put_cut(out, sbuf, slen, o.width);
			free(sbuf);
			sbuf = NULL;
		}
		if (output) {
			/* a run that failed leaves the previous file in place */
			if (vm_output_close(out, tmp, output, r && r != VM_EXIT_NOPID) && !r)
				r = VM_EXIT_ERROR;
		} else if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "vmacct: write error: %s\n", strerror(errno));
			r = VM_EXIT_ERROR;
			break;
		}
		if (!watch || (r && r != VM_EXIT_NOPID) || (count > 0 && done + 1 >= count))
			break;
		{
			struct timespec ts = { (time_t)watch,
					       (long)((watch - (time_t)watch) * 1e9) };

			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
	}
out:
	free(pids);
	vm_filter_free(&flt);
	vm_watch_free();
	return r;
}
