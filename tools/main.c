// SPDX-License-Identifier: GPL-2.0
/*
 * vmacct: read the vmacct module's exact memory accounting and show what top's VIRT, RES and SHR
 * really mean. Option parsing and dispatch only; reading is in debugfs.c, output in format_*.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmacct.h"

#define VMACCT_READER_VERSION "0.1"
#define VMACCT_DEFAULT_ROOT "/sys/kernel/debug/vmacct"

static const char usage[] =
"Usage: vmacct [OPTION]... [PID]...\n"
"Exact per-process memory accounting from the vmacct kernel module, beside what top shows.\n"
"\n"
"Without PID: every process in one table (PID USER VIRT RES SHR SHARED PRIVATE PSS SWAP SHR ERR\n"
"COMMAND), largest RES first. With PIDs: every field of each process and the verdict on top's SHR:\n"
"  SHR (top) - SHARED (exact) = file_private + shmem_private - anon_shared + counter drift\n"
"\n"
"  -s, --sort FIELD       sort the table by FIELD: a debugfs field name (resident, pss, swap, ...),\n"
"                         virt, res, shr, shr_error, pid, comm or user (default: res)\n"
"  -n, --limit N          show at most N processes (or N mappings with -m)\n"
"  -k, --kb               exact kB instead of human sizes (K, M, G = KiB, MiB, GiB)\n"
"  -m, --maps             with PIDs: the per-mapping table, biggest SHR error first\n"
"  -j, --json             one JSON document (keys are the debugfs field names, values in kB)\n"
"  -p, --pretty           indented JSON (implies --json)\n"
"  -P, --prometheus       Prometheus text format (node_exporter textfile collector), in bytes\n"
"  -w, --watch SEC        redraw every SEC seconds until interrupted\n"
"  -c, --compare-top      with PIDs: run procps top -b -n 1 -p PID... and show side by side what\n"
"                         top printed, the kernel counters it reads, and the exact values\n"
"  -r, --root DIR         the module's debugfs directory (default " VMACCT_DEFAULT_ROOT
",\n"
"                         or $VMACCT_ROOT)\n"
"      --proc DIR         procfs for process owners (default /proc, or $VMACCT_PROC)\n"
"  -h, --help             this help\n"
"  -V, --version          reader version\n"
"\n"
"Exit status: 0 success, 1 error, 2 usage, 3 debugfs not mounted or module not loaded,\n"
"4 not root, 5 process does not exist, 6 incompatible module version, 7 top failed (-c).\n"
"See vmacct(8).\n";

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

enum { MODE_TABLE, MODE_JSON, MODE_PROM };

static int vm_show_all(const struct vm_source *src, const struct vm_opts *o, int mode)
{
	struct vm_procs p;
	int r = vm_read_all(src, &p);

	if (r)
		return r;
	vm_sort_procs(&p, o);
	if (mode == MODE_JSON)
		vm_json_all(stdout, &p, o);
	else if (mode == MODE_PROM)
		vm_prom(stdout, &p);
	else
		vm_table_all(stdout, &p, o);
	vm_procs_free(&p);
	return VM_EXIT_OK;
}

static int vm_show_pids(const struct vm_source *src, const struct vm_opts *o, int mode,
			const int *pids, size_t npids)
{
	struct vm_proc *p = calloc(npids, sizeof(*p));
	struct vm_maps *m = calloc(npids, sizeof(*m));
	const struct vm_maps **mp = calloc(npids, sizeof(*mp));
	struct vm_procs all;
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
		if (!r && o->maps && mode != MODE_PROM) {
			r = vm_read_maps(src, pids[i], &m[n]);
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
		vm_json_detail(stdout, p, mp, n, o);
	} else if (mode == MODE_PROM) {
		all.v = p;
		all.n = n;
		vm_prom(stdout, &all);
	} else {
		for (i = 0; i < n; i++) {
			if (i)
				fputc('\n', stdout);
			vm_table_detail(stdout, &p[i], mp[i], o);
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sort", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ "kb", no_argument, NULL, 'k' },
		{ "maps", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "watch", required_argument, NULL, 'w' },
		{ "compare-top", no_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'r' },
		{ "proc", required_argument, NULL, 1 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_opts o = { .limit = -1, .sort_field = VF_TOP_RES };
	struct vm_source src = { .root = getenv("VMACCT_ROOT"), .proc = getenv("VMACCT_PROC") };
	bool compare = false;
	double watch = 0;
	char ver[64], *end;
	int mode = MODE_TABLE, c, r, *pids = NULL, i;
	size_t npids = 0;
	long l;

	while ((c = getopt_long(argc, argv, "s:n:kmjpPw:cr:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.sort_field = vm_sort_key(optarg);
			if (o.sort_field < 0)
				return vm_usage_error("unknown sort field", optarg);
			o.sort_set = true;
			break;
		case 'n':
			if (vm_parse_long(optarg, 0, &l))
				return vm_usage_error("-n needs a number >= 0", optarg);
			o.limit = l;
			break;
		case 'k':
			o.kb = true;
			break;
		case 'm':
			o.maps = true;
			break;
		case 'p':
			o.pretty = true;
			/* fall through */
		case 'j':
			if (mode == MODE_PROM)
				return vm_usage_error("--json and --prometheus exclude each other", NULL);
			mode = MODE_JSON;
			break;
		case 'P':
			if (mode == MODE_JSON)
				return vm_usage_error("--json and --prometheus exclude each other", NULL);
			mode = MODE_PROM;
			break;
		case 'w':
			errno = 0;
			watch = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(watch >= 0.1 && watch <= 86400))
				return vm_usage_error("--watch needs seconds between 0.1 and 86400",
						      optarg);
			break;
		case 'c':
			compare = true;
			break;
		case 'r':
			src.root = optarg;
			break;
		case 1:
			src.proc = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return VM_EXIT_OK;
		case 'V':
			printf("vmacct %s\n", VMACCT_READER_VERSION);
			return VM_EXIT_OK;
		default:
			fputs("Try 'vmacct --help'.\n", stderr);
			return VM_EXIT_USAGE;
		}
	}
	if (!src.root || !*src.root) {
		src.root = VMACCT_DEFAULT_ROOT;
		src.root_is_default = true;
	}
	if (!src.proc || !*src.proc)
		src.proc = "/proc";
	if (optind < argc) {
		pids = calloc(argc - optind, sizeof(*pids));
		if (!pids)
			return VM_EXIT_ERROR;
		for (i = optind; i < argc; i++) {
			if (vm_parse_long(argv[i], 1, &l) || l > INT32_MAX) {
				r = vm_usage_error("not a process id", argv[i]);
				goto out;
			}
			pids[npids++] = l;
		}
	}
	/* From here on every exit goes through out: (the sanitizer build checks for leaks). */
	if (o.maps && !npids)
		r = vm_usage_error("--maps needs one or more PIDs", NULL);
	else if (compare && !npids)
		r = vm_usage_error("--compare-top needs one or more PIDs", NULL);
	else if (compare && mode != MODE_TABLE)
		r = vm_usage_error("--compare-top prints a table only", NULL);
	else if (o.sort_set && npids)
		r = vm_usage_error("--sort applies to the all-process table (no PID)", NULL);
	else
		r = vm_check_version(&src, ver, sizeof(ver));
	if (r)
		goto out;
	o.version = ver;
	for (;;) {
		if (watch && mode == MODE_TABLE && isatty(1))
			fputs("\033[H\033[2J", stdout);	/* home and clear, as watch(1) */
		if (compare)
			r = vm_compare_top(stdout, &src, pids, npids, &o);
		else if (npids)
			r = vm_show_pids(&src, &o, mode, pids, npids);
		else
			r = vm_show_all(&src, &o, mode);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "vmacct: write error: %s\n", strerror(errno));
			r = VM_EXIT_ERROR;
			break;
		}
		if (!watch || r)
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
	return r;
}
