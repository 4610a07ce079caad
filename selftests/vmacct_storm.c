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
 */
#include <errno.h>
#include <fcntl.h>
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
#define MAX_SAMPLES	8192
#define BUF_SIZE	(4UL << 20)
#define HANG_SECONDS	600

struct shared {
	volatile int go;
	volatile int sample;		/* the target logs while set */
	volatile int n;
	volatile long us[MAX_SAMPLES];
	double slowest[MAX_READERS];	/* seconds, per reader */
	unsigned long rows[MAX_READERS];
	char bad[MAX_READERS][160];
};

static struct shared *sh;
static char *buf;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int env_int(const char *name, int def, int max)
{
	const char *s = getenv(name);
	int v = s ? atoi(s) : def;

	return v < 1 ? 1 : v > max ? max : v;
}

/* Reads and checks @path; its time in seconds, or -1 with @why filled. */
static double read_check(const char *path, char *why, size_t len, unsigned long *rows)
{
	struct vmacct_counts *r;
	double t0 = now();
	size_t n = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY), nr, i;

	if (fd < 0) {
		snprintf(why, len, "%s: open: %s", path, strerror(errno));
		return -1;
	}
	while ((got = read(fd, buf + n, BUF_SIZE - 1 - n)) > 0 && n + got < BUF_SIZE - 1)
		n += got;
	close(fd);
	t0 = now() - t0;
	if (got != 0) {
		snprintf(why, len, "%s: read: %s", path, got < 0 ? strerror(errno) : "too long");
		return -1;
	}
	buf[n] = 0;
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

/* The target: times mmap + a write fault + munmap while sampling is on. */
static void target(void)
{
	double t0;
	char *p;

	for (;;) {
		if (!sh->sample || sh->n >= MAX_SAMPLES) {
			usleep(1000);
			continue;
		}
		t0 = now();
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			*(volatile char *)p = 1;
			munmap(p, 4096);
		}
		sh->us[sh->n] = (now() - t0) * 1e6;
		sh->n++;
		usleep(500);
	}
}

/* Another process of the machine: 1 MiB shared copy-on-write with its siblings, a quarter its own. */
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

/* p50 and p99 of the target's samples since sampling began. */
static void percentiles(long *p50, long *p99, int *n)
{
	static long v[MAX_SAMPLES];
	int i;

	*n = sh->n < MAX_SAMPLES ? sh->n : MAX_SAMPLES;
	*p50 = *p99 = -1;
	if (!*n)
		return;
	for (i = 0; i < *n; i++)
		v[i] = sh->us[i];
	qsort(v, *n, sizeof(v[0]), cmp_long);
	*p50 = v[(*n - 1) / 2];
	*p99 = v[(*n - 1) * 99 / 100];
}

/* Samples the target for @seconds with nothing else going on. */
static void sample_idle(double seconds)
{
	sh->n = 0;
	sh->sample = 1;
	usleep(seconds * 1e6);
	sh->sample = 0;
}

int main(void)
{
	int nreaders = env_int("VMACCT_STORM_READERS", 64, MAX_READERS);
	int reads = env_int("VMACCT_STORM_READS", 1, 1000);
	int nprocs = env_int("VMACCT_STORM_PROCS", 32, 4096);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), idle50, idle99, storm50, storm99;
	double lone[5], t_storm, slowest = 0, deadline;
	int i, r, status, bad = 0, done = 0, n_idle, n_storm;
	unsigned long rows = 0;
	pid_t tgt, *procs, readers[MAX_READERS];
	char path[64], why[160];
	char *cow;

	vmacct_ksft_start(VMACCT_DIR "/version", 1);
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
	snprintf(path, sizeof(path), VMACCT_DIR "/maps/%d", tgt);

	/* A lone read of all: the median of five. */
	for (i = 0; i < 5; i++) {
		lone[i] = read_check(VMACCT_DIR "/all", why, sizeof(why), &rows);
		if (lone[i] < 0)
			ksft_exit_fail_msg("lone read: %s\n", why);
	}
	qsort(lone, 5, sizeof(lone[0]), cmp_double);
	sample_idle(1.0);
	percentiles(&idle50, &idle99, &n_idle);

	for (i = 0; i < nreaders; i++) {
		readers[i] = fork();
		if (readers[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!readers[i]) {
			double t;

			while (!sh->go)
				usleep(1000);
			for (r = 0; r < reads; r++) {
				t = read_check(r % 2 ? path : VMACCT_DIR "/all", sh->bad[i],
					       sizeof(sh->bad[i]), &sh->rows[i]);
				if (t < 0)
					_exit(1);
				if (t > sh->slowest[i])
					sh->slowest[i] = t;
				t = read_check(r % 2 ? VMACCT_DIR "/all" : path, sh->bad[i],
					       sizeof(sh->bad[i]), &sh->rows[i]);
				if (t < 0)
					_exit(1);
				if (t > sh->slowest[i])
					sh->slowest[i] = t;
			}
			_exit(0);
		}
	}
	sh->n = 0;
	sh->sample = 1;
	t_storm = now();
	deadline = t_storm + HANG_SECONDS;
	sh->go = 1;
	for (i = 0; i < nreaders; i++) {
		while ((r = waitpid(readers[i], &status, WNOHANG)) == 0 && now() < deadline)
			usleep(10 * 1000);
		if (r != readers[i]) {
			ksft_print_msg("reader %d did not complete in %d s\n", i, HANG_SECONDS);
			kill(readers[i], SIGKILL);
			waitpid(readers[i], NULL, 0);
			bad++;
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("reader %d: status %#x: %s\n", i, status, sh->bad[i]);
			bad++;
			continue;
		}
		done++;
		rows += sh->rows[i];
		if (sh->slowest[i] > slowest)
			slowest = sh->slowest[i];
	}
	t_storm = now() - t_storm;
	sh->sample = 0;
	percentiles(&storm50, &storm99, &n_storm);

	kill(tgt, SIGKILL);
	for (i = 0; i < nprocs; i++)
		kill(procs[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	ksft_print_msg("%d readers x %d reads of all and maps/<target>, %d more processes, %ld CPUs: storm %.2f s\n",
		       nreaders, reads, nprocs, ncpu, t_storm);
	ksft_print_msg("slowest read %.3f s; lone read of all (median of 5) %.3f s x %.1f readers per CPU = %.3f s\n",
		       slowest, lone[2], (double)nreaders / ncpu, lone[2] * nreaders / ncpu);
	ksft_print_msg("target mmap+fault+munmap: idle p50 %ld us p99 %ld us (%d samples); storm p50 %ld us p99 %ld us (%d samples)\n",
		       idle50, idle99, n_idle, storm50, storm99, n_storm);
	/* For make bench (scripts/bench/guest-payload-bench.sh), whose summary takes these lines. */
	ksft_print_msg("RESULT-INFO storm/slowest_read_over_fair_share %.2f\n",
		       slowest / (lone[2] * nreaders / ncpu));
	if (idle99 > 0 && storm99 > 0)
		ksft_print_msg("RESULT-INFO storm/fault_p99_storm_over_idle %.2f\n",
			       (double)storm99 / idle99);
	ksft_test_result(!bad && done == nreaders,
			 "%d concurrent readers completed %d reads each, %lu rows, every one consistent\n",
			 nreaders, 2 * reads, rows);
	ksft_finished();
}
