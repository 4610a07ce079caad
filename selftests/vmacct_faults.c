// SPDX-License-Identifier: GPL-2.0
/*
 * Failed allocations (a kernel with CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and their debugfs
 * knobs: the debug kernel; a skip elsewhere). Every kind of vmacct file is opened and read again
 * and again, the first time with the 1st allocation of the read failed, then the 2nd, and so on
 * until a read makes no more allocations (the task's fail-nth, Documentation/fault-injection:
 * only this task fails, one allocation per read, in order, with no chance). A read that makes
 * more than DENSE + SPREAD + TAIL allocations (the group files: the same few call sites once per
 * process or group, hundreds of times) has its first DENSE and last TAIL failed, and SPREAD spread
 * evenly over those in between: the first ones reach every call site (the open, the first rows,
 * the first walks; `cgroups` makes the target's row, its last new one, near its 60th), and a full
 * sweep of those took most of this program's time on the debug kernel.
 * VMACCT_FAULTS_EVERY=1 fails every allocation of every read. Each read must either work and
 * print the same numbers as an uninjected read of a target process that does not change, or fail
 * with ENOMEM: never another errno, never other numbers.
 *
 * Which allocations count: those with a vmacct function on the stack (the stack-trace filter set
 * to vmacct's text from /proc/kallsyms): the module's own and those of what it calls, such as
 * new_inode() at lookup or single_open(). Three sweeps without the filter also fail the VFS's and
 * seq_file's allocations around them. Then insmod (finit_module) is failed: every allocation under
 * do_init_module() (the module's init), and a spread of those of the whole load; a failed load must
 * leave nothing behind (no module, no debugfs entry, no file system), and a plain insmod must work.
 *
 * The failures are printed with their stacks (verbose=2) into the kernel log, below the console's
 * level while this runs: the program reads them from /dev/kmsg, counts the distinct vmacct call
 * sites that failed and passes every other kernel message on to stdout (the console, which the
 * run's report scan reads), failing on a kernel report. Allocations made with __GFP_NOWARN (the
 * xarray stores of the group files, kvmalloc()'s first try) fail without a stack: they count as
 * injected, not as sites. Leaks are found by the kmemleak scan of the guest payload afterwards.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"
#include "vmacct_util.h"

#define FI_DIR		"/sys/kernel/debug"
#define CG_ROOT		"/sys/fs/cgroup"
#define CG_FAULTS	CG_ROOT "/vmacct-faults"
#define TARGET_COMM	"vmacct-fi-tgt"
#define TARGET_UID	4242
#define MAX_STEPS	4000	/* allocations of one read: far more than any makes */
#define DENSE		64	/* a bounded sweep fails the first DENSE allocations of a read, */
#define TAIL		16	/* its last TAIL, */
#define SPREAD		16	/* and SPREAD spread evenly over those in between */
#define MAX_SITES	256
#define BUF_SIZE	(1 << 20)

/* What an injected read returns: static and locked, so that the read itself faults nothing in. */
static char buf[BUF_SIZE];
static char names[BUF_SIZE];
static int fail_nth_fd = -1, kmsg_fd = -1;
static pid_t target;
static char target_name[16];
static bool cgroup_made, cgroup_mounted;
static int console_level = -1;
static bool every;	/* VMACCT_FAULTS_EVERY=1: no read's sweep is bounded */

/* Distinct vmacct call sites that failed (function+offset of the innermost vmacct frame). */
static char *sites[MAX_SITES];
static int nr_sites, nr_dumps, nr_reports;

/* --- the fault-injection knobs, put back at exit --- */

struct knob {
	char path[96];
	char old[64];
};

static struct knob knobs[32];
static int nr_knobs;

static int knob_set(const char *attr, const char *name, const char *val)
{
	struct knob *k = NULL;
	char path[96];
	int i;

	snprintf(path, sizeof(path), FI_DIR "/%s/%s", attr, name);
	for (i = 0; i < nr_knobs; i++)
		if (!strcmp(knobs[i].path, path))
			k = &knobs[i];
	if (!k && nr_knobs < (int)ARRAY_SIZE(knobs)) {
		char *old = read_file(path, NULL);

		if (!old)
			return -errno;
		k = &knobs[nr_knobs++];
		snprintf(k->path, sizeof(k->path), "%s", path);
		snprintf(k->old, sizeof(k->old), "%s", old);
		k->old[strcspn(k->old, "\n")] = 0;
		free(old);
	}
	return write_file(path, val);
}

static const char *const attrs[] = { "failslab", "fail_page_alloc" };

/* Only allocations with a return address in [start, end) on the stack count (0, ~0: all). */
static int set_filter(unsigned long start, unsigned long end)
{
	char s[32], e[32];
	unsigned int i;
	int ret = 0;

	snprintf(s, sizeof(s), "%#lx", start);
	snprintf(e, sizeof(e), "%#lx", end);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		/* The range must never be empty in between: widen first, then narrow. */
		ret = ret ?: knob_set(attrs[i], "require-start", "0");
		ret = ret ?: knob_set(attrs[i], "require-end", e);
		ret = ret ?: knob_set(attrs[i], "require-start", s);
	}
	return ret;
}

static void restore(void)
{
	int i;

	if (fail_nth_fd >= 0)
		pwrite(fail_nth_fd, "0", 1, 0);
	for (i = nr_knobs - 1; i >= 0; i--)
		write_file(knobs[i].path, knobs[i].old);
	nr_knobs = 0;
	if (console_level >= 0)
		syscall(SYS_syslog, 8, NULL, console_level);	/* SYSLOG_ACTION_CONSOLE_LEVEL */
	console_level = -1;
	if (target > 0) {
		kill(target, SIGKILL);
		waitpid(target, NULL, 0);
		target = 0;
	}
	if (cgroup_made)
		rmdir(CG_FAULTS);
	if (cgroup_mounted)
		umount(CG_ROOT);
	cgroup_made = cgroup_mounted = false;
}

static int setup_knobs(void)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		/* No chance failures anywhere: only this task's fail-nth. */
		ret = ret ?: knob_set(attrs[i], "probability", "0");
		ret = ret ?: knob_set(attrs[i], "task-filter", "Y");
		ret = ret ?: knob_set(attrs[i], "ignore-gfp-wait", "N");
		ret = ret ?: knob_set(attrs[i], "verbose", "2");
		ret = ret ?: knob_set(attrs[i], "verbose_ratelimit_burst", "1000000");
		ret = ret ?: knob_set(attrs[i], "stacktrace-depth", "32");
	}
	/* Order-0 pages too (vmalloc's); user pages (highmem flag) stay out: none fault here. */
	ret = ret ?: knob_set("fail_page_alloc", "min-order", "0");
	ret = ret ?: knob_set("fail_page_alloc", "ignore-gfp-highmem", "Y");
	ret = ret ?: knob_set("failslab", "cache-filter", "N");
	return ret;
}

/* --- the kernel log --- */

static bool is_report(const char *msg)
{
	static const char *const pats[] = {
		"WARNING:", "BUG:", "Oops", "KASAN", "UBSAN:", "general protection",
		"Kernel panic", "possible circular locking", "possible recursive locking",
		"inconsistent lock state", "suspicious RCU usage", "unreferenced object",
		"list_add corruption", "list_del corruption", "Bad page", "kernel BUG",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pats); i++)
		if (strstr(msg, pats[i]))
			return true;
	return false;
}

/* A line of a failure's stack dump (fail_dump(), dump_stack()): not passed on. */
static bool is_dump_line(const char *msg)
{
	/* With the user registers at the bottom of the stack: "RIP: 0033:...", "R13: ...". */
	static const char *const heads[] = {
		"name ", "CPU: ", "Hardware name: ", "Call Trace:", "Tainted: ", " <TASK>",
		" </TASK>", "RIP: ", "Code: ", "RSP: ", "RAX: ", "RDX: ", "RBP: ", "R10: ", "R13: ",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(heads); i++)
		if (!strncmp(msg, heads[i], strlen(heads[i])))
			return true;
	/* A frame: " func+0x1c/0x40" or " ? func+0x1c/0x40", maybe " [module]" after it. */
	return msg[0] == ' ' && strstr(msg, "+0x") && strchr(msg, '/');
}

static void note_site(const char *frame)
{
	char site[128];
	int i;

	while (*frame == ' ')
		frame++;
	snprintf(site, sizeof(site), "%s", frame);
	site[strcspn(site, " ")] = 0;
	for (i = 0; i < nr_sites; i++)
		if (!strcmp(sites[i], site))
			return;
	if (nr_sites < MAX_SITES)
		sites[nr_sites++] = strdup(site);
}

/*
 * Everything the kernel logged since the last call: failure dumps are counted and their first
 * vmacct frame noted; every other line goes to stdout, and a report counts against the run.
 */
static void drain_kmsg(void)
{
	static bool in_dump, site_done;
	char rec[2048], *msg, *p;
	ssize_t r;

	for (;;) {
		r = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE) {
			printf("# kmsg: records were overwritten before they were read\n");
			continue;
		}
		if (r <= 0)
			break;
		rec[r] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;	/* the message, without its dictionary */
		/* fail_dump()'s two lines may come as one record with an escaped newline. */
		if (!strncmp(msg, "FAULT_INJECTION: forcing a failure", 34)) {
			in_dump = true;
			site_done = false;
			nr_dumps++;
			continue;
		}
		if (in_dump && is_dump_line(msg)) {
			if (!strncmp(msg, " </TASK>", 8))
				in_dump = false;
			p = strstr(msg, " [vmacct]");
			if (p && !site_done && !strstr(msg, " ? ")) {
				note_site(msg);
				site_done = true;
			}
			continue;
		}
		printf("# kmsg: %s\n", msg);
		if (is_report(msg))
			nr_reports++;
	}
}

/* --- the target: a process whose numbers do not move --- */

static int run_target(void)
{
	size_t len = 1 << 20, i;
	char *anon, *shm;

	prctl(PR_SET_NAME, TARGET_COMM);
	/* Every page of the binary mapped now, none later: its file rows never change. */
	if (mlockall(MCL_CURRENT))
		return 1;
	anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shm = mmap(NULL, len / 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || shm == MAP_FAILED)
		return 1;
	madvise(anon, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len; i += 4096)
		anon[i] = 1 + i / 4096;
	for (i = 0; i < len / 4; i += 4096)
		shm[i] = 1;
	/* A uid of its own: its own row in `users`. */
	if (setresgid(TARGET_UID, TARGET_UID, TARGET_UID) ||
	    setresuid(TARGET_UID, TARGET_UID, TARGET_UID))
		return 1;
	if (write(3, "r", 1) != 1)
		return 1;
	for (;;)
		pause();
}

static int start_target(char *self)
{
	int p[2];
	char b;

	if (pipe(p))
		return -errno;
	target = fork();
	if (target < 0)
		return -errno;
	if (!target) {
		char *argv[] = { self, "--target", NULL };

		close(p[0]);
		if (dup2(p[1], 3) < 0)
			_exit(1);
		execv("/proc/self/exe", argv);
		_exit(1);
	}
	close(p[1]);
	if (read(p[0], &b, 1) != 1) {
		close(p[0]);
		return -EIO;
	}
	close(p[0]);
	snprintf(target_name, sizeof(target_name), "%d", target);
	return 0;
}

/* The target alone in a cgroup of its own, when this kernel has cgroup v2: its `cgroups` row. */
static bool target_cgroup(void)
{
	char pid[16];

	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			return false;
		cgroup_mounted = true;
	}
	if (mkdir(CG_FAULTS, 0755) && errno != EEXIST)
		return false;
	cgroup_made = true;
	snprintf(pid, sizeof(pid), "%d", target);
	return !write_file(CG_FAULTS "/cgroup.procs", pid);
}

/* --- one read --- */

enum select {
	WHOLE,		/* the whole text */
	NONE,		/* nothing compared (stats: it counts the reads) */
	PREFIX,		/* the line that starts with key */
	SUFFIX,		/* the line that ends with key */
	CGROUP,		/* the line that ends with key, without memory_current */
	DIRENTS,	/* a directory: key (and "version" in the root) among the names */
};

struct op {
	char path[128];
	char label[48];
	enum select sel;
	char key[48];
};

/* Open, read to the end, close: 0 or -errno. Fills buf (a file) or names (a directory). */
static int do_op(const struct op *op, size_t *len)
{
	bool dir = op->sel == DIRENTS;
	int fd = open(op->path, O_RDONLY | (dir ? O_DIRECTORY : 0));
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (dir)
			r = syscall(SYS_getdents64, fd, buf + n, BUF_SIZE - n);
		else
			r = read(fd, buf + n, BUF_SIZE - 1 - n);
		if (r < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (!r || n + r >= BUF_SIZE - 1)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return 0;
}

/* The part of what do_op() read that is compared with the uninjected read: 0, or -ENOENT. */
static int select_part(const struct op *op, size_t len, char *out, size_t outlen)
{
	size_t klen = strlen(op->key);
	char *line, *save, *sp;

	*out = 0;
	if (op->sel == WHOLE) {
		snprintf(out, outlen, "%s", buf);
		return 0;
	}
	if (op->sel == NONE)
		return 0;
	if (op->sel == DIRENTS) {
		bool key = false, version = false;
		size_t off = 0;

		while (off < len) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			key |= !strcmp(d->d_name, op->key);
			version |= !strcmp(d->d_name, "version");
			off += d->d_reclen;
		}
		if (!key || (!strcmp(op->label, "/") && !version))
			return -ENOENT;
		snprintf(out, outlen, "%s listed", op->key);
		return 0;
	}
	snprintf(names, sizeof(names), "%s", buf);
	for (line = strtok_r(names, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);

		if (op->sel == PREFIX && !strncmp(line, op->key, klen))
			break;
		if (op->sel != PREFIX && l > klen && !strcmp(line + l - klen, op->key) &&
		    line[l - klen - 1] == ' ')
			break;
	}
	if (!line)
		return -ENOENT;
	if (op->sel == CGROUP) {
		/* Cut memory_current, the field before the path: the cgroup's charge may move. */
		line[strlen(line) - klen - 1] = 0;
		sp = strrchr(line, ' ');
		if (sp)
			*sp = 0;
	}
	snprintf(out, outlen, "%s", line);
	return 0;
}

static int fail_nth_set(unsigned int n)
{
	char s[16];
	int l = snprintf(s, sizeof(s), "%u", n);

	return pwrite(fail_nth_fd, s, l, 0) == l ? 0 : -errno;
}

static long fail_nth_left(void)
{
	char s[16] = "";

	if (pread(fail_nth_fd, s, sizeof(s) - 1, 0) <= 0)
		return -1;
	return atol(s);
}

/*
 * A read with the @n-th allocation failed. Returns the read's result; *left: what remained of @n
 * after the read's allocations (0: it failed one; -1: unknown).
 */
static int injected_op(const struct op *op, unsigned int n, size_t *len, long *left)
{
	int ret;

	if (fail_nth_set(n))
		ksft_exit_fail_msg("cannot write fail-nth: %s\n", strerror(errno));
	ret = do_op(op, len);
	*left = fail_nth_left();
	fail_nth_set(0);
	drain_kmsg();
	return ret;
}

static unsigned long vmacct_start, vmacct_end, init_start, init_end;

/* The text of vmacct and of do_init_module(), from /proc/kallsyms: 0 or -errno. */
static int find_ranges(void)
{
	unsigned long lo = ~0UL, hi = 0, next = ~0UL, inext = ~0UL, a;
	char line[512], type, name[256];
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return -errno;
	init_start = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %255s", &a, &type, name) != 3)
			continue;
		if (strstr(line, "\t[vmacct]") && (type == 't' || type == 'T')) {
			lo = a < lo ? a : lo;
			hi = a > hi ? a : hi;
		}
		/* A compiler clone keeps the name with a suffix: do_init_module.constprop.0 */
		if (!strncmp(name, "do_init_module", 14) && (!name[14] || name[14] == '.') &&
		    !strchr(line, '['))
			init_start = a;
	}
	/* Each ends where the next symbol starts, whatever it is. */
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx", &a) != 1)
			continue;
		if (a > hi && a < next)
			next = a;
		if (init_start && a > init_start && a < inext)
			inext = a;
	}
	fclose(f);
	if (!hi || !lo || !init_start)
		return -ENOENT;
	vmacct_start = lo;
	vmacct_end = next < hi + 0x10000 ? next : hi + 0x10000;
	init_end = inext < init_start + 0x10000 ? inext : init_start + 0x10000;
	return 0;
}

struct tally {
	unsigned int steps, ok, enomem, absorbed;
	unsigned int total;	/* allocations of one read, counted before the sweep */
	bool bounded;		/* not each of them failed */
};

/*
 * The allocation of a read that makes @total to fail after the @n-th (0: the first). A read that
 * makes many repeats the same call sites once per process or group: its first DENSE allocations
 * reach each site, its last TAIL the end of the read (the last group, the last process), and
 * SPREAD in between sample the rest, each in the middle of its share of them.
 */
static unsigned int next_step(unsigned int n, unsigned int total)
{
	unsigned int mid, i, p;

	if (every || total <= DENSE + SPREAD + TAIL || n < DENSE || n >= total - TAIL)
		return n + 1;
	mid = total - DENSE - TAIL;
	for (i = 0; i < SPREAD; i++) {
		/* mid > SPREAD: distinct, in DENSE + 1 .. total - TAIL. */
		p = DENSE + 1 + (2 * i + 1) * mid / (2 * SPREAD);
		if (p > n)
			return p;
	}
	return total - TAIL + 1;
}

/*
 * How many allocations one read of @op makes: set above them all, fail-nth counts down once per
 * allocation that passes the filter and fails none. It may differ by a few from one read to the
 * next: the sweep still ends at its first read that failed nothing, wherever that is. 0 when it
 * cannot be read (every allocation is then failed); *bad: the read failed.
 */
static unsigned int count_allocs(const struct op *op, bool cold, int *bad)
{
	size_t len;
	long left;
	int ret;

	if (cold)
		umount2(VMACCT_DIR, 0);
	ret = injected_op(op, MAX_STEPS + 1, &len, &left);
	if (ret && left > 0) {
		ksft_print_msg("%s: %s with nothing injected (counting)\n", op->label,
			       strerror(-ret));
		(*bad)++;
	}
	return left >= 0 ? MAX_STEPS + 1 - left : 0;
}

/*
 * Fail the 1st, 2nd, ... allocation of @op until it makes no more, or those next_step() picks
 * of a read that makes many; @cold: unmount vmacct's directory before each (the automount and
 * the lookups then run inside the read). Returns the number of problems, each printed.
 */
static int sweep(const struct op *op, bool cold, struct tally *t)
{
	static char want[BUF_SIZE], got[BUF_SIZE];
	bool injected = true;
	size_t len;
	int bad = 0, ret;
	unsigned int n;
	long left;

	memset(t, 0, sizeof(*t));
	ret = do_op(op, &len);
	if (ret || select_part(op, len, want, sizeof(want))) {
		ksft_print_msg("%s: the uninjected read failed (%s) or lacks the target\n",
			       op->label, strerror(-ret));
		return 1;
	}
	/* VMACCT_FAULTS_EVERY=1: not even counted, the sweep of before. */
	t->total = every ? 0 : count_allocs(op, cold, &bad);
	t->bounded = !every && t->total > DENSE + SPREAD + TAIL;
	if (t->bounded)
		ksft_print_msg("%s: %u allocations per read, %u failed (the first %u, the last %u, %u spread between; VMACCT_FAULTS_EVERY=1 fails each)\n",
			       op->label, t->total, DENSE + SPREAD + TAIL, DENSE, TAIL, SPREAD);
	for (n = next_step(0, t->total); injected && n <= MAX_STEPS; n = next_step(n, t->total)) {
		if (cold)
			umount2(VMACCT_DIR, 0);
		ret = injected_op(op, n, &len, &left);
		injected = !left;
		if (!injected) {
			if (ret) {
				ksft_print_msg("%s: %s with nothing injected\n", op->label,
					       strerror(-ret));
				bad++;
			}
			break;
		}
		t->steps++;
		if (ret == -ENOMEM) {
			t->enomem++;
			continue;
		}
		if (ret) {
			ksft_print_msg("%s: allocation %u failed: %s, not ENOMEM\n", op->label, n,
				       strerror(-ret));
			bad++;
			continue;
		}
		t->absorbed++;
		if (select_part(op, len, got, sizeof(got)) || strcmp(got, want)) {
			ksft_print_msg("%s: allocation %u failed, the read worked but reads\n",
				       op->label, n);
			ksft_print_msg("  %s\n", got);
			ksft_print_msg("where an uninjected read reads\n");
			ksft_print_msg("  %s\n", want);
			bad++;
		}
	}
	if (n > MAX_STEPS) {
		ksft_print_msg("%s: still failing allocations after %d\n", op->label, MAX_STEPS);
		bad++;
	}
	/* The target has not moved: the comparison compared like with like. */
	ret = do_op(op, &len);
	if (ret || select_part(op, len, got, sizeof(got)) || strcmp(got, want)) {
		ksft_print_msg("%s: the target changed during the sweep\n", op->label);
		bad++;
	}
	return bad;
}

static void report(const char *what, int bad, const struct tally *t)
{
	char of[24] = "";

	if (t->bounded)
		snprintf(of, sizeof(of), " of %u", t->total);
	ksft_test_result(!bad, "%s: %u%s allocations failed one at a time: %u reads gave ENOMEM, %u worked with the uninjected numbers\n",
			 what, t->steps, of, t->enomem, t->absorbed);
}

/* --- insmod --- */

static bool module_loaded(void)
{
	char *m = read_file("/proc/modules", NULL);
	bool loaded = m && (!strncmp(m, "vmacct ", 7) || strstr(m, "\nvmacct "));

	free(m);
	return loaded;
}

static bool fs_registered(void)
{
	char *m = read_file("/proc/filesystems", NULL);
	bool reg = m && strstr(m, "\tvmacctfs\n");

	free(m);
	return reg;
}

/* rmmod: the automounted directory unmounted first; a busy module is retried for ~20 s. */
static int unload(void)
{
	int i;

	for (i = 0; i < 400; i++) {
		umount2(VMACCT_DIR, 0);
		if (!syscall(SYS_delete_module, "vmacct", O_NONBLOCK))
			return 0;
		usleep(50000);
	}
	return -errno;
}

/* finit_module() with the @n-th allocation failed (0: none). */
static int insmod(int ko, unsigned int n, bool *injected)
{
	long left;
	int ret;

	if (fail_nth_set(n))
		ksft_exit_fail_msg("cannot write fail-nth: %s\n", strerror(errno));
	ret = syscall(SYS_finit_module, ko, "", 0) ? -errno : 0;
	left = fail_nth_left();
	fail_nth_set(0);
	*injected = n && left == 0;
	drain_kmsg();
	return ret;
}

/* After a load that failed (@ret < 0) or worked despite a failed allocation: check and clean. */
static int after_insmod(int ret, unsigned int n, unsigned int *failed, unsigned int *worked)
{
	char *v;

	if (ret < 0) {
		(*failed)++;
		if (module_loaded() || !access(VMACCT_DIR, F_OK) || fs_registered()) {
			ksft_print_msg("insmod with allocation %u failed (%s) left %s behind\n", n,
				       strerror(-ret), module_loaded() ? "the module" :
				       fs_registered() ? "vmacctfs" : VMACCT_DIR);
			return 1;
		}
		return 0;
	}
	(*worked)++;
	v = read_file(VMACCT_DIR "/version", NULL);
	free(v);
	if (!v) {
		ksft_print_msg("insmod with allocation %u failed worked, but version: %s\n", n,
			       strerror(errno));
		unload();
		return 1;
	}
	if (unload()) {
		ksft_print_msg("cannot unload after insmod %u: %s\n", n, strerror(errno));
		return 1;
	}
	return 0;
}

static void test_insmod(void)
{
	unsigned int n, total, step, failed = 0, worked = 0, init_steps = 0, spread = 0;
	const char *path = getenv("VMACCT_KO");
	bool injected;
	int ko, bad = 0, ret;
	long left;

	if (!path || !*path) {
		ksft_test_result_skip("insmod: VMACCT_KO not set (run_vmacct.sh sets it when it loaded the module)\n");
		return;
	}
	ko = open(path, O_RDONLY | O_CLOEXEC);
	if (ko < 0 || unload()) {
		ksft_test_result_fail("insmod: cannot open %s or unload vmacct: %s\n", path,
				      strerror(errno));
		return;
	}
	/* How many allocations one load makes. */
	if (set_filter(0, ~0UL) || fail_nth_set(1000000))
		ksft_exit_fail_msg("cannot set the fault-injection knobs\n");
	ret = syscall(SYS_finit_module, ko, "", 0) ? -errno : 0;
	left = fail_nth_left();
	fail_nth_set(0);
	drain_kmsg();
	total = 1000000 - left;
	if (ret || unload()) {
		ksft_test_result_fail("insmod: a plain load failed: %s\n", strerror(-ret ?: errno));
		return;
	}
	/* Every allocation of the module's init (under do_init_module()): one by one. */
	set_filter(init_start, init_end);
	for (n = 1; n <= MAX_STEPS; n++) {
		ret = insmod(ko, n, &injected);
		if (!injected)
			break;
		init_steps++;
		bad += after_insmod(ret, n, &failed, &worked);
	}
	/* The first load with nothing left to fail is a plain one: it must work. */
	if (n > MAX_STEPS || ret || unload()) {
		ksft_print_msg("insmod: the load past the init's last allocation: %s\n",
			       n > MAX_STEPS ? "never reached" : strerror(-ret ?: errno));
		bad++;
	}
	/* And a spread of the whole load's: about 24 of them. */
	set_filter(0, ~0UL);
	step = total / 24 ? total / 24 : 1;
	for (n = 1; n <= total; n += step) {
		ret = insmod(ko, n, &injected);
		spread++;
		bad += after_insmod(ret, n, &failed, &worked);
	}
	ret = insmod(ko, 0, &injected);
	if (ret || access(VMACCT_DIR "/version", R_OK)) {
		ksft_print_msg("a plain insmod after the failed ones: %s\n", strerror(-ret ?: errno));
		bad++;
	}
	close(ko);
	ksft_test_result(!bad, "insmod: %u allocations of the init failed one at a time, %u of the load's %u spread over it: %u loads failed cleanly, %u worked; then a plain insmod works\n",
			 init_steps, spread, total, failed, worked);
}

/* The stack pages an injected read may use, faulted in before mlockall(). */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char stack[128 << 10];

	memset((char *)stack, 0, sizeof(stack));
}

int main(int argc, char **argv)
{
	static const struct {
		const char *file;
		enum select sel;
	} files[] = {
		{ "version", WHOLE }, { "stats", NONE }, { "all", PREFIX }, { "users", PREFIX },
		{ "comms", SUFFIX }, { "cgroups", CGROUP }, { "", WHOLE }, { "maps/", WHOLE },
		{ "sharing/", WHOLE }, { "", DIRENTS }, { "maps", DIRENTS }, { "sharing", DIRENTS },
	};
	static const char *const cold[] = { "version", "", "maps/" };
	static const char *const generic[] = { "version", "maps/", "all" };
	bool have_cgroups;
	struct tally t;
	struct op op;
	unsigned int i;
	int pin, bad;

	if (argc > 1 && !strcmp(argv[1], "--target"))
		return run_target();
	/* vmacct_ksft_start(), with the skips of this program before the plan. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (getenv("VMACCT_FAULTS") && !strcmp(getenv("VMACCT_FAULTS"), "0"))
		ksft_exit_skip("VMACCT_FAULTS=0 (make check: off until proven on the debug kernel)\n");
	if (geteuid())
		ksft_exit_skip("must be root\n");
	every = getenv("VMACCT_FAULTS_EVERY") && !strcmp(getenv("VMACCT_FAULTS_EVERY"), "1");
	if (access(FI_DIR "/failslab", F_OK) || access(FI_DIR "/fail_page_alloc", F_OK))
		ksft_exit_skip("no fault injection in this kernel (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)\n");
	if (access(VMACCT_DIR "/version", R_OK))
		ksft_exit_skip("vmacct is not loaded (insmod vmacct.ko)\n");
	ksft_set_plan(ARRAY_SIZE(files) + ARRAY_SIZE(cold) + ARRAY_SIZE(generic) + 3);
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		ksft_exit_skip("no /proc/thread-self/fail-nth: %s\n", strerror(errno));
	if (find_ranges())
		ksft_exit_fail_msg("vmacct or do_init_module not in /proc/kallsyms\n");
	atexit(restore);
	if (setup_knobs())
		ksft_exit_fail_msg("cannot set the fault-injection knobs: %s\n", strerror(errno));
	/*
	 * Everything mapped and locked now: no page fault (and no page-table allocation) happens
	 * inside an injected read, whatever it fails.
	 */
	memset(buf, 0, sizeof(buf));
	memset(names, 0, sizeof(names));
	prefault_stack();
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		ksft_exit_fail_msg("mlockall: %s\n", strerror(errno));
	if (start_target(argv[0]))
		ksft_exit_fail_msg("cannot start the target process\n");
	/* Written again: fork() left them copy-on-write, and a write fault must not happen later. */
	memset(buf, 0, sizeof(buf));
	memset(names, 0, sizeof(names));
	have_cgroups = !access(VMACCT_DIR "/cgroups", F_OK) && target_cgroup();
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0)
		ksft_exit_fail_msg("/dev/kmsg: %s\n", strerror(errno));
	lseek(kmsg_fd, 0, SEEK_END);
	/* The stacks go to the log, not the console (drain_kmsg() passes the rest on). */
	console_level = read_long("/proc/sys/kernel/printk", 5);
	syscall(SYS_syslog, 8, NULL, 4);
	ksft_print_msg("target %d; vmacct's text %#lx-%#lx\n", target, vmacct_start, vmacct_end);

	/* Warm: the directory stays mounted (an open descriptor), its names looked up already. */
	pin = open(VMACCT_DIR, O_RDONLY | O_DIRECTORY);
	if (pin < 0 || set_filter(vmacct_start, vmacct_end))
		ksft_exit_fail_msg("cannot pin %s or set the filter\n", VMACCT_DIR);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		memset(&op, 0, sizeof(op));
		op.sel = files[i].sel;
		if (op.sel == DIRENTS) {
			snprintf(op.path, sizeof(op.path), VMACCT_DIR "/%s", files[i].file);
			snprintf(op.label, sizeof(op.label), "%s/", files[i].file);
			snprintf(op.key, sizeof(op.key), "%s", target_name);
		} else if (!*files[i].file || files[i].file[strlen(files[i].file) - 1] == '/') {
			snprintf(op.path, sizeof(op.path), VMACCT_DIR "/%s%s", files[i].file,
				 target_name);
			snprintf(op.label, sizeof(op.label), "%s<pid>", files[i].file);
		} else {
			snprintf(op.path, sizeof(op.path), VMACCT_DIR "/%s", files[i].file);
			snprintf(op.label, sizeof(op.label), "%s", files[i].file);
		}
		if (!strcmp(files[i].file, "all"))
			snprintf(op.key, sizeof(op.key), "%d ", target);
		else if (!strcmp(files[i].file, "users"))
			snprintf(op.key, sizeof(op.key), "%d ", TARGET_UID);
		else if (!strcmp(files[i].file, "comms"))
			snprintf(op.key, sizeof(op.key), "%s", TARGET_COMM);
		else if (!strcmp(files[i].file, "cgroups"))
			snprintf(op.key, sizeof(op.key), "/vmacct-faults");
		if (!strcmp(files[i].file, "cgroups") && !have_cgroups) {
			ksft_test_result_skip("cgroups: no cgroups file or no cgroup v2 here\n");
			continue;
		}
		bad = sweep(&op, false, &t);
		report(op.label, bad, &t);
	}
	close(pin);

	/* Cold: the automount, the file system's root and the lookups inside the read. */
	for (i = 0; i < ARRAY_SIZE(cold); i++) {
		memset(&op, 0, sizeof(op));
		op.sel = WHOLE;
		snprintf(op.path, sizeof(op.path), VMACCT_DIR "/%s%s", cold[i],
			 strcmp(cold[i], "version") ? target_name : "");
		snprintf(op.label, sizeof(op.label), "unmounted, %s%s", cold[i],
			 strcmp(cold[i], "version") ? "<pid>" : "");
		bad = sweep(&op, true, &t);
		report(op.label, bad, &t);
	}

	/* The VFS's and seq_file's allocations around vmacct's too: no filter. */
	set_filter(0, ~0UL);
	pin = open(VMACCT_DIR, O_RDONLY | O_DIRECTORY);
	for (i = 0; i < ARRAY_SIZE(generic); i++) {
		memset(&op, 0, sizeof(op));
		op.sel = strcmp(generic[i], "all") ? WHOLE : PREFIX;
		snprintf(op.path, sizeof(op.path), VMACCT_DIR "/%s%s", generic[i],
			 !strcmp(generic[i], "maps/") ? target_name : "");
		snprintf(op.label, sizeof(op.label), "any allocation, %s%s", generic[i],
			 !strcmp(generic[i], "maps/") ? "<pid>" : "");
		snprintf(op.key, sizeof(op.key), "%d ", target);
		bad = sweep(&op, false, &t);
		report(op.label, bad, &t);
	}
	if (pin >= 0)
		close(pin);

	test_insmod();

	drain_kmsg();
	for (i = 0; i < (unsigned int)nr_sites; i++)
		ksft_print_msg("failed at %s\n", sites[i]);
	ksft_test_result(nr_sites > 0, "%d distinct vmacct call sites failed (%d failures printed a stack)\n",
			 nr_sites, nr_dumps);
	ksft_test_result(!nr_reports, "no kernel report while allocations failed (%d)\n",
			 nr_reports);
	restore();
	ksft_finished();
}
