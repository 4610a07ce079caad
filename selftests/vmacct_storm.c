// SPDX-License-Identifier: GPL-2.0
/*
 * A scrape storm: VMACCT_STORM_READERS (64) processes read all and maps/<target> at once,
 * VMACCT_STORM_READS (1) times each, on a machine with VMACCT_STORM_PROCS (32) more processes than
 * it had (each with some private and some copy-on-write memory, as bench.sh's "200-process
 * machine" has), while the target maps, faults and unmaps a page over and over.
 * Pass/fail: every reader completes (no hang: the bound is minutes, only a hang reaches it), every
 * read succeeds and every row parses with shared + private = resident and pss <= resident.
 * Measured, printed as diagnostics only (TCG on a shared host times nothing reliably): the slowest
 * read of the storm against the median lone read times readers per CPU (what a fair scheduler
 * would give), and the target's mmap+fault+munmap p50/p99 during the storm against idle.
 *
 * VMACCT_STORM_COMPARE=1 (make bench) tells the CPU the readers take from the target apart from
 * the time it waits for its mmap_lock. The same storm again with the kernel's own files (each
 * reader sweeps /proc/<pid>/smaps_rollup of every process for `all` and reads
 * /proc/<target>/smaps for maps/<target>): the kernel's interface under the same load. Again with
 * readers that only spin in user space (cpu-only: the CPU load with no kernel work, no lock). And
 * all three again with the target SCHED_FIFO: it then runs as soon as it wakes, ahead of every
 * reader, so what is left of its latency is the wait for mmap_lock (and for a reader in the kernel
 * to reach a point where it can be preempted), measured against its idle latency, SCHED_FIFO too.
 * The target times mmap, the fault and munmap apart, and vmacct's stats (the longest mmap_lock
 * hold) are printed after each storm.
 * SCHED_FIFO rather than nice -20: a nice -20 task still shares the CPUs with 64 nice 0 ones (its
 * weight is 88761 against their 65536) and is not sure to preempt one when it wakes; SCHED_FIFO
 * is. The target sleeps 500 us between samples, a few percent of a CPU, so it starves no reader,
 * and priority 1 stays below the kernel's own real-time threads. Every storm is a pass/fail result.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "vmacct_util.h"

#define MAX_READERS	256
#define MAX_SAMPLES	65536
#define BUF_SIZE	(4UL << 20)
#define HANG_SECONDS	600

/* Set by one process and polled by another: every access through these. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* ksft_print_msg() under a name checkpatch knows as a logging one: a format stays on one line. */
#define storm_info(...)		ksft_print_msg(__VA_ARGS__)

/* What the target times: the whole of one sample, and each of its parts. */
enum part { PART_ALL, PART_MMAP, PART_FAULT, PART_MUNMAP, NR_PARTS };

struct shared {
	int go;
	int sample;			/* the target logs while set */
	int n;
	long us[NR_PARTS][MAX_SAMPLES];
	double slowest[MAX_READERS];	/* seconds, per reader */
	unsigned long rows[MAX_READERS];
	char bad[MAX_READERS][160];
};

/*
 * What the readers read: vmacct's files, the kernel's own (smaps_rollup and smaps), or nothing
 * (FILES_CPU: each spins in user space for the CPU time of a lone read of all, as often as a
 * reader of the vmacct storm reads: the CPU load alone, no kernel, no lock).
 */
enum storm_files { FILES_VMACCT, FILES_PROC, FILES_CPU, NR_FILES };

struct storm {
	enum storm_files files;
	int fifo;			/* the target is SCHED_FIFO */
	double lone;			/* median lone read of all, or sweep of smaps_rollup (s) */
	double seconds, slowest;
	long p50, p99, part99[NR_PARTS];
	int n, done, bad;
	unsigned long rows;
};

static struct shared *sh;
static char *buf;
static int nreaders, reads;
static pid_t tgt;
static char vm_path[64], proc_path[64];
static double spin_seconds;		/* FILES_CPU: CPU time of one "read" */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int env_int(const char *name, int def, int min, int max)
{
	const char *s = getenv(name);
	int v = s ? atoi(s) : def;

	return v < min ? min : v > max ? max : v;
}

/* Reads all of @path into buf: its length, or -errno. */
static ssize_t slurp(const char *path)
{
	size_t n = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY), err;

	if (fd < 0)
		return -errno;
	while ((got = read(fd, buf + n, BUF_SIZE - 1 - n)) > 0)
		n += got;
	err = got < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	if (n >= BUF_SIZE - 1)
		return -EFBIG;
	buf[n] = 0;
	return n;
}

/* Reads and checks the vmacct table @path; its time in seconds, or -1 with @why filled. */
static double read_check(const char *path, char *why, size_t len, unsigned long *rows)
{
	struct vmacct_counts *r;
	double t0 = now();
	ssize_t got = slurp(path);
	int nr, i;

	t0 = now() - t0;
	if (got < 0) {
		snprintf(why, len, "%s: %s", path, strerror(-got));
		return -1;
	}
	nr = vmacct_parse_table(buf, &r);
	if (nr <= 0) {
		snprintf(why, len, "%s: malformed (%d)", path, nr);
		return -1;
	}
	for (i = 0; i < nr; i++) {
		if (r[i].v[VF_SHARED] + r[i].v[VF_PRIVATE] != r[i].v[VF_RESIDENT] ||
		    r[i].v[VF_PSS] > r[i].v[VF_RESIDENT]) {
			snprintf(why, len, "%s: row %d inconsistent", path, i);
			free(r);
			return -1;
		}
	}
	*rows += nr;
	free(r);
	return t0;
}

/* Reads the target's /proc/<pid>/smaps; its time in seconds, or -1 with @why filled. */
static double read_smaps(char *why, size_t len, unsigned long *rows)
{
	double t0 = now();
	ssize_t got = slurp(proc_path);
	const char *p;

	t0 = now() - t0;
	if (got < 0) {
		snprintf(why, len, "%s: %s", proc_path, strerror(-got));
		return -1;
	}
	if (!strstr(buf, "Rss:")) {
		snprintf(why, len, "%s: no Rss line", proc_path);
		return -1;
	}
	for (p = buf; (p = strstr(p, "\nRss:")); p++)
		(*rows)++;
	return t0;
}

/*
 * What a monitor without vmacct reads for `all`: smaps_rollup of every process in /proc (a process
 * gone meanwhile is skipped, a kernel thread reads as empty). Its time, or -1 with @why filled.
 */
static double sweep_smaps_rollup(char *why, size_t len, unsigned long *rows)
{
	double t0 = now();
	struct dirent *d;
	char path[48];
	ssize_t got;
	DIR *dir = opendir("/proc");

	if (!dir) {
		snprintf(why, len, "/proc: %s", strerror(errno));
		return -1;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/smaps_rollup", d->d_name);
		got = slurp(path);
		if (got == -ENOENT || got == -ESRCH || !got)
			continue;
		if (got < 0 || !strstr(buf, "Rss:")) {
			snprintf(why, len, "%s: %s", path,
				 got < 0 ? strerror(-got) : "no Rss line");
			closedir(dir);
			return -1;
		}
		(*rows)++;
	}
	closedir(dir);
	return now() - t0;
}

/* Spins in user space for @seconds of this process's CPU time; the wall time it took. */
static double spin(double seconds)
{
	struct timespec ts;
	double t0 = now(), end;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	end = ts.tv_sec + ts.tv_nsec / 1e9 + seconds;
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	while (ts.tv_sec + ts.tv_nsec / 1e9 < end);
	return now() - t0;
}

/* The target: times mmap + a write fault + munmap while sampling is on. */
static void target(void)
{
	double t[NR_PARTS];
	char *p;
	int i;

	for (;;) {
		int n = sh->n;

		if (!READ_ONCE(sh->sample) || n >= MAX_SAMPLES) {
			usleep(1000);
			continue;
		}
		t[0] = now();
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		t[1] = now();
		if (p != MAP_FAILED)
			WRITE_ONCE(*p, 1);
		t[2] = now();
		if (p != MAP_FAILED)
			munmap(p, 4096);
		t[3] = now();
		WRITE_ONCE(sh->us[PART_ALL][n], (long)((t[3] - t[0]) * 1e6));
		for (i = PART_MMAP; i < NR_PARTS; i++)
			WRITE_ONCE(sh->us[i][n], (long)((t[i] - t[i - 1]) * 1e6));
		WRITE_ONCE(sh->n, n + 1);
		usleep(500);
	}
}

/* Another process: 1 MiB copy-on-write shared with its siblings, a quarter of it its own. */
static void sleeper(char *cow, int id)
{
	memset(cow + (id % 4) * (256 << 10), id, 256 << 10);
	pause();
	_exit(0);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* p50 and p99 of the target's samples of @part since sampling began; @n of them. */
static void percentiles(enum part part, long *p50, long *p99, int *n)
{
	static long v[MAX_SAMPLES];
	int i;

	*n = READ_ONCE(sh->n);
	*p50 = -1;
	*p99 = -1;
	if (!*n)
		return;
	for (i = 0; i < *n; i++)
		v[i] = READ_ONCE(sh->us[part][i]);
	qsort(v, *n, sizeof(v[0]), cmp_long);
	*p50 = v[(*n - 1) / 2];
	*p99 = v[(*n - 1) * 99 / 100];
}

/* The target SCHED_FIFO (priority 1) or back to SCHED_OTHER: 0 or -errno. */
static int target_fifo(int fifo)
{
	struct sched_param sp = { .sched_priority = fifo ? 1 : 0 };

	return sched_setscheduler(tgt, fifo ? SCHED_FIFO : SCHED_OTHER, &sp) ? -errno : 0;
}

/* Samples the target for @seconds with nothing else going on. */
static void sample_idle(double seconds, long *p50, long *p99, int *n)
{
	WRITE_ONCE(sh->n, 0);
	WRITE_ONCE(sh->sample, 1);
	usleep(seconds * 1e6);
	WRITE_ONCE(sh->sample, 0);
	percentiles(PART_ALL, p50, p99, n);
}

/* One reader of the storm: @reads rounds of the two files, in alternating order. */
static void reader(int i, enum storm_files files)
{
	unsigned long *rows = &sh->rows[i];
	char *why = sh->bad[i];
	size_t len = sizeof(sh->bad[i]);
	double t;
	int r, k;

	while (!READ_ONCE(sh->go))
		usleep(1000);
	for (r = 0; r < reads; r++) {
		for (k = 0; k < 2; k++) {
			if (files == FILES_CPU)
				t = spin(spin_seconds);
			else if (files == FILES_PROC && (r + k) % 2)
				t = read_smaps(why, len, rows);
			else if (files == FILES_PROC)
				t = sweep_smaps_rollup(why, len, rows);
			else
				t = read_check((r + k) % 2 ? vm_path : VMACCT_DIR "/all", why, len,
					       rows);
			if (t < 0)
				_exit(1);
			if (t > sh->slowest[i])
				sh->slowest[i] = t;
		}
	}
	_exit(0);
}

/* Runs the storm @s describes and fills in what it measured. */
static void run_storm(struct storm *s)
{
	pid_t readers[MAX_READERS];
	double deadline;
	int i, r, status;
	long x;

	WRITE_ONCE(sh->go, 0);
	memset(sh->slowest, 0, sizeof(sh->slowest));
	memset(sh->rows, 0, sizeof(sh->rows));
	memset(sh->bad, 0, sizeof(sh->bad));
	for (i = 0; i < nreaders; i++) {
		readers[i] = fork();
		if (readers[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!readers[i])
			reader(i, s->files);
	}
	WRITE_ONCE(sh->n, 0);
	WRITE_ONCE(sh->sample, 1);
	s->seconds = now();
	deadline = s->seconds + HANG_SECONDS;
	WRITE_ONCE(sh->go, 1);
	for (i = 0; i < nreaders; i++) {
		while ((r = waitpid(readers[i], &status, WNOHANG)) == 0 && now() < deadline)
			usleep(10 * 1000);
		if (r != readers[i]) {
			storm_info("reader %d did not complete in %d s\n", i, HANG_SECONDS);
			kill(readers[i], SIGKILL);
			waitpid(readers[i], NULL, 0);
			s->bad++;
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			storm_info("reader %d: status %#x: %s\n", i, status, sh->bad[i]);
			s->bad++;
			continue;
		}
		s->done++;
		s->rows += sh->rows[i];
		if (sh->slowest[i] > s->slowest)
			s->slowest = sh->slowest[i];
	}
	s->seconds = now() - s->seconds;
	WRITE_ONCE(sh->sample, 0);
	usleep(20 * 1000);	/* a sample under way is stored */
	percentiles(PART_ALL, &s->p50, &s->p99, &s->n);
	for (i = PART_MMAP; i < NR_PARTS; i++)
		percentiles(i, &x, &s->part99[i], &r);
}

static const char *const files_name[NR_FILES] = { "vmacct", "smaps_rollup", "cpu-only" };
static const char *const files_what[NR_FILES] = {
	"all and maps/<target>", "a sweep of /proc/*/smaps_rollup and /proc/<target>/smaps",
	"a user-space spin as long as a lone read of all (CPU time)",
};

static const char *const files_lone[NR_FILES] = { "all", "the sweep", "all" };

static void report_storm(const struct storm *s, long ncpu)
{
	double fair = s->lone * nreaders / ncpu;

	storm_info("%s storm, target %s: %d readers x %d rounds of %s: %.2f s\n",
		   files_name[s->files], s->fifo ? "SCHED_FIFO" : "SCHED_OTHER", nreaders,
		   reads, files_what[s->files], s->seconds);
	storm_info("  slowest read %.3f s; lone read of %s (median of 5) %.3f s x %.1f readers per CPU = %.3f s: %.2f x\n",
		   s->slowest, files_lone[s->files], s->lone,
		   (double)nreaders / ncpu, fair, s->slowest / fair);
	storm_info("  target mmap+fault+munmap during the storm: p50 %ld us p99 %ld us (%d samples); p99 of mmap %ld us, fault %ld us, munmap %ld us\n",
		   s->p50, s->p99, s->n, s->part99[PART_MMAP], s->part99[PART_FAULT],
		   s->part99[PART_MUNMAP]);
	storm_info("  vmacct stats since load: max_lock_hold_ns %lld, lock_yields_contended %lld, lock_yields_vma_writer %lld, lock_take_backoffs %lld\n",
		   vmacct_stat("max_lock_hold_ns"), vmacct_stat("lock_yields_contended"),
		   vmacct_stat("lock_yields_vma_writer"), vmacct_stat("lock_take_backoffs"));
	ksft_test_result(!s->bad && s->done == nreaders,
			 "%s storm, target %s: %d concurrent readers completed %d reads each, %lu rows, every one consistent\n",
			 files_name[s->files], s->fifo ? "SCHED_FIFO" : "SCHED_OTHER", nreaders,
			 2 * reads, s->rows);
}

/* A ratio for make bench's summary, or "n/a" when either side was not measured. */
static void result_info(const char *name, double num, double den)
{
	if (num > 0 && den > 0)
		storm_info("RESULT-INFO storm/%s %.2f\n", name, num / den);
	else
		storm_info("RESULT-INFO storm/%s n/a\n", name);
}

/* The median of five lone reads (files) or sweeps (FILES_PROC) of the whole machine. */
static double lone_median(enum storm_files files)
{
	unsigned long rows = 0;
	double lone[5];
	char why[160];
	int i;

	for (i = 0; i < 5; i++) {
		if (files == FILES_PROC)
			lone[i] = sweep_smaps_rollup(why, sizeof(why), &rows);
		else
			lone[i] = read_check(VMACCT_DIR "/all", why, sizeof(why), &rows);
		if (lone[i] < 0)
			ksft_exit_fail_msg("lone read: %s\n", why);
	}
	qsort(lone, 5, sizeof(lone[0]), cmp_double);
	return lone[2];
}

int main(void)
{
	int nprocs = env_int("VMACCT_STORM_PROCS", 32, 1, 4096);
	int compare = env_int("VMACCT_STORM_COMPARE", 0, 0, 1);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), idle50[2], idle99[2];
	int i, nstorms = compare ? 6 : 1, n_idle[2], fifo_err = 0;
	struct storm storms[6] = {
		{ .files = FILES_VMACCT }, { .files = FILES_PROC }, { .files = FILES_CPU },
		{ .files = FILES_VMACCT, .fifo = 1 }, { .files = FILES_PROC, .fifo = 1 },
		{ .files = FILES_CPU, .fifo = 1 },
	};
	double lone[NR_FILES], idle_seconds = compare ? 2.0 : 1.0;
	char *cow, *preempt;
	pid_t *procs;

	nreaders = env_int("VMACCT_STORM_READERS", 64, 1, MAX_READERS);
	reads = env_int("VMACCT_STORM_READS", 1, 1, 1000);
	vmacct_ksft_start(VMACCT_DIR "/version", nstorms);
	sh = map_shared(sizeof(*sh));
	buf = malloc(BUF_SIZE);
	procs = calloc(nprocs, sizeof(*procs));
	cow = malloc(1 << 20);
	if (!sh || !buf || !procs || !cow)
		ksft_exit_fail_msg("out of memory\n");
	memset(cow, 1, 1 << 20);

	for (i = 0; i < nprocs; i++) {
		procs[i] = fork();
		if (!procs[i])
			sleeper(cow, i);
	}
	tgt = fork();
	if (!tgt)
		target();
	snprintf(vm_path, sizeof(vm_path), VMACCT_DIR "/maps/%d", tgt);
	snprintf(proc_path, sizeof(proc_path), "/proc/%d/smaps", tgt);

	lone[FILES_VMACCT] = lone_median(FILES_VMACCT);
	lone[FILES_PROC] = compare ? lone_median(FILES_PROC) : 0;
	lone[FILES_CPU] = lone[FILES_VMACCT];
	spin_seconds = lone[FILES_VMACCT];
	sample_idle(idle_seconds, &idle50[0], &idle99[0], &n_idle[0]);
	idle50[1] = -1;
	idle99[1] = -1;
	n_idle[1] = 0;
	if (compare) {
		fifo_err = target_fifo(1);
		if (fifo_err)
			storm_info("target SCHED_FIFO: %s: its runs are SCHED_OTHER\n",
				   strerror(-fifo_err));
		sample_idle(idle_seconds, &idle50[1], &idle99[1], &n_idle[1]);
		target_fifo(0);
	}
	storm_info("%d readers x %d rounds, %d more processes, %ld CPUs\n", nreaders, reads,
		   nprocs, ncpu);
	/* Where a reader in the kernel can be switched away (with mmap_lock held or not). */
	preempt = read_file("/sys/kernel/debug/sched/preempt", NULL);
	if (preempt)
		storm_info("preemption models, the active one in parentheses: %s", preempt);
	free(preempt);
	storm_info("target mmap+fault+munmap idle: p50 %ld us p99 %ld us (%d samples)\n",
		   idle50[0], idle99[0], n_idle[0]);
	if (compare)
		storm_info("target mmap+fault+munmap idle, SCHED_FIFO: p50 %ld us p99 %ld us (%d samples)\n",
			   idle50[1], idle99[1], n_idle[1]);

	for (i = 0; i < nstorms; i++) {
		storms[i].lone = lone[storms[i].files];
		if (storms[i].fifo && !fifo_err)
			target_fifo(1);
		run_storm(&storms[i]);
		if (storms[i].fifo && !fifo_err)
			target_fifo(0);
		report_storm(&storms[i], ncpu);
	}

	kill(tgt, SIGKILL);
	for (i = 0; i < nprocs; i++)
		kill(procs[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	/* For make bench (scripts/bench/guest-payload-bench.sh): its summary takes these lines. */
	result_info("slowest_read_over_fair_share", storms[0].slowest,
		    lone[FILES_VMACCT] * nreaders / ncpu);
	result_info("fault_p99_storm_over_idle", storms[0].p99, idle99[0]);
	if (compare) {
		storm_info("fault p99, us: idle %ld, vmacct storm %ld, smaps_rollup storm %ld, cpu-only storm %ld; target SCHED_FIFO: idle %ld, vmacct storm %ld, smaps_rollup storm %ld, cpu-only storm %ld\n",
			   idle99[0], storms[0].p99, storms[1].p99, storms[2].p99, idle99[1],
			   storms[3].p99, storms[4].p99, storms[5].p99);
		result_info("smaps_slowest_read_over_fair_share", storms[1].slowest,
			    lone[FILES_PROC] * nreaders / ncpu);
		result_info("fault_p99_smaps_storm_over_idle", storms[1].p99, idle99[0]);
		result_info("fault_p99_cpu_storm_over_idle", storms[2].p99, idle99[0]);
		result_info("fault_p99_storm_over_smaps_storm", storms[0].p99, storms[1].p99);
		result_info("fifo_fault_p99_storm_over_idle", storms[3].p99, idle99[1]);
		result_info("fifo_fault_p99_smaps_storm_over_idle", storms[4].p99, idle99[1]);
		result_info("fifo_fault_p99_cpu_storm_over_idle", storms[5].p99, idle99[1]);
		result_info("fifo_fault_p99_storm_over_smaps_storm", storms[3].p99, storms[4].p99);
	}
	ksft_finished();
}
