// SPDX-License-Identifier: GPL-2.0
/*
 * Reading under memory pressure: a hog allocates until the OOM killer kills it while readers loop
 * over all, maps/<pid> and <pid> (the hog's, their own, init's). oom_score_adj decides who dies, so
 * each case has one outcome:
 *   - the hog is the victim (adj 1000; readers -1000): it dies, every reader lives;
 *   - a reader is the victim (adj 1000; the hog 0, the others -1000): that reader dies first, and
 *     the hog, still allocating, next.
 * The readers that must live are unkillable (-1000), not merely unlikely picks: a memory cgroup's
 * OOM can come again while the killed hog is still giving its memory back (6.1 killed a reader at
 * -998 so); with nothing killable in the cgroup, the allocation fails (ENOMEM, counted) instead.
 * Both run in the whole machine (the global OOM killer) and then inside a cgroup v2 memory
 * controller whose memory.max the hog and the readers share (skipped where the kernel has no
 * memory controller). Checked: every process ends (no hang; the bound is minutes, only a hang
 * reaches it), the victims by SIGKILL and nobody else; each surviving reader's every read either
 * failed with an errno a read may give (ENOENT/ESRCH: the hog is gone; ENOMEM: the memory cgroup
 * is full; EINTR) or gave rows that parse and hold shared + private = resident and pss <=
 * resident; and they kept reading after the OOM kill. A kernel report fails the run through the
 * console scan. The hog is sized by nothing: it allocates 64 MiB at a time until it dies, and
 * gives up (a failure) only past twice MemTotal + SwapTotal. So that it need not fill gigabytes
 * (slow under TCG), the machine's memory is first taken, but for PRESSURE_HEADROOM_MIB of
 * MemAvailable, by hugetlb pages (not zeroed until faulted, never reclaimed, not any process's:
 * the OOM killer still picks among the processes), given back afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "vmacct_util.h"

#define NR_READERS	4
#define CHUNK		(64UL << 20)
#define BUF_SIZE	(4UL << 20)
#define CG_ROOT		"/sys/fs/cgroup"
#define CG		CG_ROOT "/vmacct-pressure"
#define CG_MAX_MIB	96
/* Only a hang gets here: an OOM kill under TCG on a loaded host takes seconds. */
#define HANG_SECONDS	600
/* What MemAvailable the global cases leave the hog to fill (the rest is hugetlb pages). */
#define PRESSURE_HEADROOM_MIB	160
/* nr_hugepages counts pages of the default size: 2 MiB, 32 MiB with arm64's 16 KiB pages. */
#define HUGE_MIB		(vmacct_hugetlb_default_size() >> 20)
#define NR_HUGEPAGES		"/proc/sys/vm/nr_hugepages"

/* Reads each surviving reader makes after the OOM kill. */
#define AFTER_READS	5

struct reader_stats {
	unsigned long reads, rows, after, enomem, gone, bad;
	char first_bad[256];
};

struct shared {
	volatile int stop;
	volatile int oom_seen;		/* the first victim is dead: reads from now on are "after" */
	volatile pid_t hog;
	struct reader_stats r[NR_READERS];
};

static struct shared *sh;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A /proc/meminfo line, in kB; 0 when missing. */
static unsigned long read_meminfo_kb(const char *key)
{
	char *text = read_file("/proc/meminfo", NULL), *line;
	unsigned long v = 0;
	size_t len = strlen(key);

	for (line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, key, len) && line[len] == ':')
			v = strtoul(line + len + 1, NULL, 10);
	free(text);
	return v;
}

static void set_adj(int adj)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", adj);
	if (write_file("/proc/self/oom_score_adj", s))
		ksft_print_msg("oom_score_adj %d: %s\n", adj, strerror(errno));
}

static void hog(int adj)
{
	unsigned long limit, total = 0, refused = 0;
	char *p;

	set_adj(adj);
	limit = 2 * (read_meminfo_kb("MemTotal") + read_meminfo_kb("SwapTotal")) << 10;
	while (total < limit) {
		p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED) {
			/* refused, not killed: try again, the killer comes (or give up: a failure) */
			if (++refused > 100000)
				_exit(5);
			continue;
		}
		/* Distinct bytes per page: zram must not store them as same-filled pages. */
		for (unsigned long off = 0; off < CHUNK; off += 4096)
			*(unsigned long *)(p + off) = off ^ total;
		total += CHUNK;
	}
	_exit(3);	/* never killed: a failure */
}

static __printf(3, 4) void bad_read(struct reader_stats *st, const char *path, const char *fmt,
				     ...)
{
	va_list ap;
	int n;

	st->bad++;
	if (st->first_bad[0])
		return;
	n = snprintf(st->first_bad, sizeof(st->first_bad), "%s: ", path);
	va_start(ap, fmt);
	vsnprintf(st->first_bad + n, sizeof(st->first_bad) - n, fmt, ap);
	va_end(ap);
}

static bool row_ok(const struct vmacct_counts *c)
{
	return c->v[VF_SHARED] + c->v[VF_PRIVATE] == c->v[VF_RESIDENT] &&
	       c->v[VF_PSS] <= c->v[VF_RESIDENT];
}

/* One read of @path: counted, parsed and checked. */
static void read_one(struct reader_stats *st, const char *path, char *buf, bool table)
{
	struct vmacct_counts *rows, c;
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY), i, nr;

	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			st->gone++;
		else if (errno == ENOMEM)
			st->enomem++;
		else
			bad_read(st, path, "open: %s", strerror(errno));
		return;
	}
	while ((r = read(fd, buf + n, BUF_SIZE - 1 - n)) > 0 && n + r < BUF_SIZE - 1)
		n += r;
	close(fd);
	if (r < 0) {
		if (errno == ESRCH)
			st->gone++;
		else if (errno == ENOMEM)
			st->enomem++;
		else if (errno != EINTR)
			bad_read(st, path, "read: %s", strerror(errno));
		return;
	}
	if (r > 0)
		return;		/* larger than the buffer: not parsed */
	buf[n] = 0;
	st->reads++;
	if (sh->oom_seen)
		st->after++;
	if (!table) {
		if (vmacct_parse_summary(buf, &c))
			bad_read(st, path, "unparsable: %.100s", buf);
		else if (!row_ok(&c))
			bad_read(st, path, "resident %llu shared %llu private %llu pss %llu",
				 (unsigned long long)c.v[VF_RESIDENT],
				 (unsigned long long)c.v[VF_SHARED],
				 (unsigned long long)c.v[VF_PRIVATE], (unsigned long long)c.v[VF_PSS]);
		st->rows++;
		return;
	}
	nr = vmacct_parse_table(buf, &rows);
	if (nr == -ENOMEM) {
		st->enomem++;
		return;
	}
	if (nr < 0) {
		bad_read(st, path, "malformed table");
		return;
	}
	for (i = 0; i < nr; i++)
		if (!row_ok(&rows[i]))
			bad_read(st, path, "row %d: resident %llu shared %llu private %llu pss %llu",
				 i, (unsigned long long)rows[i].v[VF_RESIDENT],
				 (unsigned long long)rows[i].v[VF_SHARED],
				 (unsigned long long)rows[i].v[VF_PRIVATE],
				 (unsigned long long)rows[i].v[VF_PSS]);
	st->rows += nr;
	free(rows);
}

static void reader(int id, int adj)
{
	struct reader_stats *st = &sh->r[id];
	char path[64];
	char *buf = malloc(BUF_SIZE);
	unsigned int k = id;

	set_adj(adj);
	if (!buf)
		_exit(2);
	memset(buf, 0, BUF_SIZE);	/* faulted in now, not under the OOM */
	while (!sh->stop) {
		switch (k++ % 5) {
		case 0:
			read_one(st, VMACCT_DIR "/all", buf, true);
			break;
		case 1:
			snprintf(path, sizeof(path), VMACCT_DIR "/maps/%d", sh->hog);
			read_one(st, path, buf, true);
			break;
		case 2:
			snprintf(path, sizeof(path), VMACCT_DIR "/%d", sh->hog);
			read_one(st, path, buf, false);
			break;
		case 3:
			snprintf(path, sizeof(path), VMACCT_DIR "/maps/%d", getpid());
			read_one(st, path, buf, true);
			break;
		default:
			read_one(st, VMACCT_DIR "/1", buf, false);
		}
		usleep(5000);	/* leave the hog some CPU: a TCG guest has little */
	}
	_exit(0);
}

/* waitpid() with the hang bound: the status, or -1 after HANG_SECONDS. */
static int wait_bounded(pid_t pid, double deadline)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 || now() > deadline)
			return -1;
		usleep(20 * 1000);
	}
}

static bool killed(int status)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/*
 * One case: @victim is the reader the OOM killer is to pick, -1 for the hog. @cg: the processes
 * run in the memory cgroup.
 */
static void run_case(int victim, bool cg)
{
	const char *where = cg ? "memory cgroup" : "machine";
	pid_t readers[NR_READERS], hog_pid;
	int status[NR_READERS], hog_status, i, bad = 0;
	bool reaped[NR_READERS];
	double t0 = now(), deadline = t0 + HANG_SECONDS;
	char pid_s[16];

	memset(sh, 0, sizeof(*sh));
	sh->hog = getpid();	/* until the hog exists: a live target */
	for (i = 0; i < NR_READERS; i++) {
		readers[i] = fork();
		if (readers[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!readers[i]) {
			if (cg) {
				snprintf(pid_s, sizeof(pid_s), "%d", getpid());
				if (write_file(CG "/cgroup.procs", pid_s))
					_exit(4);
			}
			reader(i, i == victim ? 1000 : -1000);
		}
	}
	hog_pid = fork();
	if (hog_pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!hog_pid) {
		if (cg) {
			snprintf(pid_s, sizeof(pid_s), "%d", getpid());
			if (write_file(CG "/cgroup.procs", pid_s))
				_exit(4);
		}
		hog(victim < 0 ? 1000 : 0);
	}
	sh->hog = hog_pid;
	if (victim >= 0) {
		status[victim] = wait_bounded(readers[victim], deadline);
		sh->oom_seen = 1;
	}
	hog_status = wait_bounded(hog_pid, deadline);
	sh->oom_seen = 1;
	/* The survivors read on after the kill: a few reads each (or die: a failure), then stop. */
	for (i = 0; i < NR_READERS; i++)
		reaped[i] = i == victim;
	while (now() < deadline) {
		int short_of = 0;

		for (i = 0; i < NR_READERS; i++) {
			if (reaped[i])
				continue;
			if (waitpid(readers[i], &status[i], WNOHANG) == readers[i])
				reaped[i] = true;
			else
				short_of += sh->r[i].after < AFTER_READS;
		}
		if (!short_of)
			break;
		usleep(50 * 1000);
	}
	sh->stop = 1;
	for (i = 0; i < NR_READERS; i++)
		if (!reaped[i])
			status[i] = wait_bounded(readers[i], deadline);

	ksft_print_msg("%s, %s the victim: hog status %#x, after %.1f s\n", where,
		       victim < 0 ? "the hog" : "a reader", hog_status, now() - t0);
	if (!killed(hog_status)) {
		ksft_print_msg("  the hog was not OOM-killed (status %#x)\n", hog_status);
		bad++;
	}
	for (i = 0; i < NR_READERS; i++) {
		struct reader_stats *st = &sh->r[i];

		ksft_print_msg("  reader %d: status %#x, %lu reads (%lu after the kill), %lu rows, %lu gone, %lu ENOMEM, %lu bad%s%s\n",
			       i, status[i], st->reads, st->after, st->rows, st->gone, st->enomem,
			       st->bad, st->first_bad[0] ? ": " : "", st->first_bad);
		if (i == victim) {
			bad += !killed(status[i]);
			continue;
		}
		if (status[i] == -1 || !WIFEXITED(status[i]) || WEXITSTATUS(status[i]) || st->bad ||
		    !st->after)
			bad++;
	}
	/* A hang: end what is left, so that the next test runs. */
	for (i = 0; i < NR_READERS; i++)
		if (status[i] == -1)
			kill(readers[i], SIGKILL);
	if (hog_status == -1)
		kill(hog_pid, SIGKILL);
	while (wait(NULL) > 0)
		;
	ksft_test_result(!bad, "%s: OOM with %s the victim: it died, the rest read on, every row consistent\n",
			 where, victim < 0 ? "the hog" : "a reader");
}

/* A memory cgroup for the case, or a reason why not. */
static const char *cg_setup(bool *mounted)
{
	char *ctl;
	bool has;

	*mounted = false;
	if (access(CG_ROOT "/cgroup.controllers", R_OK)) {
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
			return "no cgroup v2";
		*mounted = true;
	}
	ctl = read_file(CG_ROOT "/cgroup.controllers", NULL);
	has = ctl && strstr(ctl, "memory");
	free(ctl);
	if (!has)
		return "no memory controller";
	if (write_file(CG_ROOT "/cgroup.subtree_control", "+memory"))
		return "cannot enable the memory controller";
	if (mkdir(CG, 0755) && errno != EEXIST)
		return "cannot make a cgroup";
	if (write_file(CG "/memory.max", "100663296"))	/* CG_MAX_MIB */
		return "cannot set memory.max";
	write_file(CG "/memory.swap.max", "0");		/* absent without swap accounting */
	return NULL;
}

static void cg_teardown(bool mounted)
{
	rmdir(CG);
	if (mounted)
		umount(CG_ROOT);
}

int main(void)
{
	bool full = getenv("VMACCT_PRESSURE_FULL") && atoi(getenv("VMACCT_PRESSURE_FULL"));
	unsigned long avail_mib;
	const char *why;
	bool mounted;
	long old_huge;

	vmacct_ksft_start(VMACCT_DIR "/version", 4);
	sh = map_shared(sizeof(*sh));
	if (!sh)
		ksft_exit_fail_msg("out of memory\n");
	/* This process and what it has not set otherwise stay out of the killer's way. */
	set_adj(-1000);
	ksft_print_msg("MemTotal %lu kB, MemAvailable %lu kB, SwapTotal %lu kB\n",
		       read_meminfo_kb("MemTotal"), read_meminfo_kb("MemAvailable"),
		       read_meminfo_kb("SwapTotal"));
	/*
	 * The machine-wide cases only with VMACCT_PRESSURE_FULL=1: the OOM killer may strike again
	 * while the killed hog gives its memory back (the debug kernel did), and outside a cgroup
	 * its next pick is any process of the machine, such as the shell running the tests.
	 */
	if (!full) {
		ksft_test_result_skip("machine: OOM with the hog the victim (VMACCT_PRESSURE_FULL=1 runs it)\n");
		ksft_test_result_skip("machine: OOM with a reader the victim (VMACCT_PRESSURE_FULL=1 runs it)\n");
		goto cgroup;
	}
	old_huge = read_long(NR_HUGEPAGES, -1);
	avail_mib = read_meminfo_kb("MemAvailable") >> 10;
	if (old_huge >= 0 && HUGE_MIB && avail_mib > PRESSURE_HEADROOM_MIB) {
		char n[32];

		snprintf(n, sizeof(n), "%ld", old_huge + (avail_mib - PRESSURE_HEADROOM_MIB) / HUGE_MIB);
		write_file(NR_HUGEPAGES, n);
		ksft_print_msg("nr_hugepages %ld -> %ld: MemAvailable %lu kB left\n", old_huge,
			       read_long(NR_HUGEPAGES, -1), read_meminfo_kb("MemAvailable"));
	}
	run_case(-1, false);
	run_case(0, false);
	if (old_huge >= 0) {
		char n[32];

		snprintf(n, sizeof(n), "%ld", old_huge);
		write_file(NR_HUGEPAGES, n);
	}
cgroup:
	why = cg_setup(&mounted);
	if (why) {
		ksft_test_result_skip("memory cgroup: OOM with the hog the victim (%s)\n", why);
		ksft_test_result_skip("memory cgroup: OOM with a reader the victim (%s)\n", why);
	} else {
		run_case(-1, true);
		run_case(0, true);
	}
	cg_teardown(mounted);
	ksft_finished();
}
