// SPDX-License-Identifier: GPL-2.0
/*
 * The walker's promises about huge processes, checked on one with tens of GiB mapped:
 * - it reads them exactly (dense: every page of the range maps the zero page; sparse: one zero
 *   page per PMD (2 MiB, 32 MiB with 16 KiB pages) over the range, beside a 1 TiB PROT_NONE
 *   reservation);
 * - it never holds mmap_lock for more than the budget the `stats` file states, and lets go of it
 *   often enough that a writer in the walked process (mmap/munmap) is not held up for the walk;
 * - where the kernel has per-VMA locks, it walks each VMA under that VMA's own lock instead, and
 *   lets go of that lock for a writer of that VMA (madvise changing its flags);
 * - a reader of <pid>, maps/<pid> or all that gets SIGKILL dies promptly, mid-walk.
 * The zero page makes the page tables dense without using memory: VMACCT_BOUNDS_GIB (default 16)
 * GiB of small-page mappings cost 8 bytes of page table per page (2 MiB per GiB with 4 KiB pages,
 * 512 KiB with 16 KiB ones) and nothing else.
 * Soft lockups, hung tasks and lockdep reports are caught by the kernel log scan of the runner.
 */
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

#define GiB		(1UL << 30)
/* What one PTE table maps: the kernel's PMD size. */
#define PMD_SPAN	vmacct_pmd_size()

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a whole file, discarding it: seconds taken, or -1 with errno. */
static double time_read(const char *path)
{
	static char buf[1 << 16];
	double t0 = now();
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return r < 0 ? -1 : now() - t0;
}

/* Latencies of the target's mmap+munmap pairs, in shared memory. */
#define MAX_SAMPLES	4096
struct writer_log {
	volatile int on;
	volatile int in_vma;	/* write the dense VMA itself (madvise) instead of mmap+munmap */
	volatile int failed;	/* a write of the VMA failed */
	volatile int n;
	volatile long us[MAX_SAMPLES];
};

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* Percentile @p (0..100) of the samples logged, in us. */
static long percentile(struct writer_log *log, int p)
{
	long v[MAX_SAMPLES];
	int n = log->n < MAX_SAMPLES ? log->n : MAX_SAMPLES, i;

	if (!n)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = log->us[i];
	qsort(v, n, sizeof(v[0]), cmp_long);
	return v[(n - 1) * p / 100];
}

/*
 * The walked process. Maps @gib GiB as small zero-page entries (dense) and a sparse range with one
 * zero page per PMD plus 1 TiB PROT_NONE, reports "ready" through @ready, then, while @log->on
 * is set, times mmap+munmap pairs (each needs mmap_lock for writing) into @log, until killed.
 * With @log->in_vma it times instead a pair of madvise(MADV_DONTFORK), madvise(MADV_DOFORK) of
 * the whole dense VMA: each changes the VMA's flags, so each write-locks it (under mmap_lock for
 * writing) and waits for a walk that holds the VMA's own lock, wherever in the VMA the walk is (an
 * mprotect of one page would split the VMA, and the walk could be in a piece it leaves alone).
 * The sparse range is MADV_DONTDUMP so that it never merges with the dense one: the madvise
 * covers one whole VMA.
 */
static void target(unsigned long gib, int ready, struct writer_log *log)
{
	size_t dense_len = gib * GiB, sparse_len = gib * GiB, i;
	char *dense, *sparse, c = 0;
	double t0, dt;

	dense = mmap(NULL, dense_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	sparse = mmap(NULL, sparse_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (dense == MAP_FAILED || sparse == MAP_FAILED ||
	    mmap(NULL, 1UL << 40, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) ==
	    MAP_FAILED)
		_exit(2);
	/*
	 * Small entries, not the huge zero page: the walk must visit every PTE. A kernel without THP
	 * (Debian's PREEMPT_RT one) refuses MADV_NOHUGEPAGE (EINVAL) and maps small entries anyway.
	 */
	if ((madvise(dense, dense_len, MADV_NOHUGEPAGE) && errno != EINVAL) ||
	    madvise(dense, dense_len, MADV_POPULATE_READ))
		_exit(3);
	madvise(sparse, sparse_len, MADV_NOHUGEPAGE);
	if (madvise(sparse, sparse_len, MADV_DONTDUMP))
		_exit(5);
	for (i = 0; i < sparse_len; i += PMD_SPAN)
		c += ((volatile char *)sparse)[i];
	if (write(ready, &c, 1) != 1)
		_exit(4);
	for (;;) {
		if (!log->on || log->n >= MAX_SAMPLES) {
			usleep(1000);
			continue;
		}
		t0 = now();
		if (log->in_vma) {
			if (madvise(dense, dense_len, MADV_DONTFORK) ||
			    madvise(dense, dense_len, MADV_DOFORK))
				log->failed = 1;
		} else {
			munmap(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 4096);
		}
		dt = (now() - t0) * 1e6;
		log->us[log->n] = dt;
		log->n++;
		usleep(200);
	}
}

/* Start a reader of @path, let it get into the walk, SIGKILL it: seconds until it was reaped. */
static double kill_latency(const char *path, double walk_time)
{
	int pipefd[2];
	double t0;
	pid_t r;
	char c;

	if (pipe(pipefd))
		return -1;
	r = fork();
	if (!r) {
		close(pipefd[0]);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			time_read(path);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		return -1;
	close(pipefd[0]);
	/* A third of a walk in: well inside it, whichever file is read. */
	usleep(walk_time * 1e6 / 3);
	t0 = now();
	kill(r, SIGKILL);
	waitpid(r, NULL, 0);
	return now() - t0;
}

/*
 * SIGKILL readers of @path mid-read until one is seen to have given up a walk for it (the stats
 * file's walks_interrupted grew): that is "dies mid-walk", whatever the scheduler of a loaded TCG
 * guest does to the latency. A signal can land between two reads, where no walk runs, so up to
 * 10 tries; a walk that does not stop for a fatal signal never counts one. Returns the reaping
 * latency (s) of the try that interrupted a walk, -1 when none did.
 */
static double kill_mid_walk(const char *path, double walk_time, int *tries)
{
	double lat;

	for (*tries = 1; *tries <= 10; ++*tries) {
		long long before = vmacct_stat("walks_interrupted");

		lat = kill_latency(path, walk_time);
		if (lat < 0 || before < 0)
			return -1;
		if (vmacct_stat("walks_interrupted") > before)
			return lat;
	}
	return -1;
}

/* The walked process and what the results learn about it, in the order they run. */
static struct bounds {
	unsigned long gib;
	pid_t pid;
	struct writer_log *log;
	char path[64];		/* its <pid> file */
	char mpath[64];		/* its maps/<pid> file */
	double t_walk;		/* the fastest read of <pid> (lock_budget), seconds */
} b = { .t_walk = 1e9 };

/* Exact numbers. zero = dense + one page per PMD of sparse; nothing is resident. */
static void exact_numbers(void)
{
	struct vmacct_counts row;
	int err = vmacct_read_summary(b.pid, &row);

	if (!err) {
		uint64_t want_zero = KB(b.gib * GiB) + b.gib * GiB / PMD_SPAN * KB(vmacct_page_size());

		err = row.v[VF_ZERO] != want_zero ||
		      row.v[VF_MAPPED] < KB(2 * b.gib * GiB + (1UL << 40));
		ksft_print_msg("zero %llu kB (want %llu), mapped %llu kB, resident %llu kB\n",
			       (unsigned long long)row.v[VF_ZERO], (unsigned long long)want_zero,
			       (unsigned long long)row.v[VF_MAPPED],
			       (unsigned long long)row.v[VF_RESIDENT]);
	}
	ksft_test_result(!err, "%lu GiB dense and sparse zero-page mappings read exactly\n", b.gib);
}

/* The lock budget. Each read of the dense range takes gib GiB / PMD_SPAN PMD steps. */
static void lock_budget(void)
{
	long long budget, yields0, holds0, yields, max_steps;
	double t;
	int i;

	budget = vmacct_stat("lock_budget_steps");
	yields0 = vmacct_stat("lock_yields_budget") + vmacct_stat("lock_yields_contended") +
		  vmacct_stat("lock_yields_vma_writer") + vmacct_stat("lock_yields_resched");
	holds0 = vmacct_stat("lock_holds");
	for (i = 0; i < 3; i++) {
		t = time_read(b.path);
		if (t >= 0 && t < b.t_walk)
			b.t_walk = t;
	}
	yields = vmacct_stat("lock_yields_budget") + vmacct_stat("lock_yields_contended") +
		 vmacct_stat("lock_yields_vma_writer") + vmacct_stat("lock_yields_resched") - yields0;
	max_steps = vmacct_stat("max_lock_hold_steps");
	ksft_print_msg("read of %s: %.3f s (best of 3); %lld holds, %lld yields; longest hold %lld steps, %lld ns; budget %lld\n",
		       b.path, b.t_walk, vmacct_stat("lock_holds") - holds0, yields, max_steps,
		       vmacct_stat("max_lock_hold_ns"), budget);
	ksft_test_result(budget > 0 && max_steps <= budget &&
			 yields >= 3 * (long long)(b.gib * GiB / PMD_SPAN) / budget,
			 "mmap_lock let go at least every %lld steps, never held longer\n", budget);
}

/* VMAs the walk of this process finds: /proc/self/maps but x86-64's [vsyscall], no VMA. */
static int own_vmas(void)
{
	char *text = read_file("/proc/self/maps", NULL), *line, *save;
	int n = 0;

	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strstr(line, "[vsyscall]"))
			n++;
	free(text);
	return n;
}

/*
 * Where the kernel has per-VMA locks (`stats`: vma_locks 1), mmap_lock is held only to find each
 * VMA, which is then walked under its own lock: a read trades mmap_lock for a VMA's lock at least
 * once per VMA (again after each yield inside one). Where it has none, never. Read here: this
 * process itself, one thread whose VMAs do not change while it reads.
 */
static void vma_locks(void)
{
	long long have = vmacct_stat("vma_locks"), before, traded;
	int vmas = own_vmas(), after;
	char path[64];
	double t;

	snprintf(path, sizeof(path), VMACCT_DIR "/%d", getpid());
	before = vmacct_stat("lock_holds_vma");
	t = time_read(path);
	traded = vmacct_stat("lock_holds_vma") - before;
	after = own_vmas();
	if (after < vmas)
		vmas = after;
	ksft_print_msg("per-VMA locks: %lld; a read of this process (%d VMAs, %.3f s) traded mmap_lock for a VMA's lock %lld times\n",
		       have, vmas, t, traded);
	ksft_test_result(t >= 0 && vmas > 0 &&
			 (have == 1 ? traded >= vmas : have == 0 && traded == 0),
			 "each VMA walked under its own lock where the kernel has per-VMA locks, never elsewhere\n");
}

/*
 * A writer in the walked process is held up less by vmacct than by the kernel's own
 * smaps_rollup, which lets go of mmap_lock only between VMAs: its writer waits for the walk of
 * the whole dense VMA. Absolute latencies under TCG are dominated by how QEMU switches between
 * vCPUs; the comparison is in the same guest, with the same load: three reads of smaps_rollup,
 * then vmacct read in a loop for as long.
 */
static void writer_wait(void)
{
	static const char *const phase[3] = { "idle", "smaps_rollup", "vmacct" };
	struct writer_log *log = b.log;
	long p50[3], worst[3];
	double t, t_end = 0;
	char rollup[64];
	int i;

	snprintf(rollup, sizeof(rollup), "/proc/%d/smaps_rollup", b.pid);
	for (i = 0; i < 3; i++) {
		log->n = 0;
		log->on = 1;
		t = now();
		if (i == 0) {
			usleep(300000);
		} else if (i == 1) {
			time_read(rollup);
			time_read(rollup);
			time_read(rollup);
			t_end = now() - t;
		} else {
			while (now() < t + t_end)
				time_read(b.path);
		}
		log->on = 0;
		usleep(20000);
		p50[i] = percentile(log, 50);
		worst[i] = percentile(log, 100);
		ksft_print_msg("target's mmap+munmap, %s (%.2f s): %d samples, p50 %ld us, p99 %ld us, max %ld us\n",
			       phase[i], now() - t, log->n, p50[i], percentile(log, 99), worst[i]);
	}
	/*
	 * A writer under smaps_rollup waits for a walk of the whole dense VMA; under vmacct for one
	 * hold. Under TCG a writer's worst wait also holds up to some 0.2 s of vCPU scheduling
	 * (measured: 40-190 ms under vmacct on every row), so the comparison means something only
	 * where one smaps_rollup read of the range takes longer than that: the default and full
	 * rows (0.25-0.55 s), the debug row when it is slow enough (0.22-1.5 s seen). The small
	 * rows' ranges read in 0.04-0.16 s, and a comparison of two noises failed once on arm64-16k.
	 */
	if (t_end / 3 < 0.25) {
		ksft_test_result_skip("a writer in the walked process waits less than under smaps_rollup: one smaps_rollup read takes %.2f s here, within TCG's scheduling noise (0.25 s needed)\n",
				      t_end / 3);
		return;
	}
	ksft_test_result(worst[2] >= 0 && worst[1] >= 0 && worst[2] < worst[1],
			 "a writer in the walked process waits less than under smaps_rollup\n");
}

/* Let @pid run on CPU @cpu only, or on every CPU (-1). */
static int pin(pid_t pid, int cpu)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		if (i == cpu || cpu < 0)
			CPU_SET(i, &set);
	return sched_setaffinity(pid, sizeof(set), &set);
}

/*
 * A writer of the very VMA being walked: the target changes its dense VMA's flags (madvise, see
 * target()) every 200 us while <pid> is read in a loop, for at least 0.5 s and 3 reads, and until
 * the walk has let go for it 10 times (5 s at most). Each madvise write-locks the VMA and waits for
 * its readers: between two steps the walk must see it (the VMA's lock says a writer waits, or,
 * without per-VMA locks, mmap_lock does; spinning or queued) and let go, counting
 * lock_yields_vma_writer (lock_yields_contended without per-VMA locks). A walk that did not look
 * would let go only at its budget or at need_resched(), and count none: the writer then waits up to
 * a whole hold every time. The walk then sleeps a tick while the writer holds mmap_lock (the
 * back-off), so about one madvise in a tick lands inside a hold: 36-81 in 0.5 s on the release
 * kernels, 279-291 on PREEMPT_RT (no back-off), and 9 once on the debug kernel, whose clock ticks
 * in 4 ms steps and whose writer wrote 48 times in 0.5 s: hence the loop until 10, not a fixed
 * time. Reader and writer are pinned to different CPUs: on one CPU the writer would run only while
 * the reader is switched away, and the reader switches away only with its lock let go
 * (need_resched()), so the writer would never find the VMA locked and the test would prove nothing.
 */
static void vma_writer(void)
{
	static const char *const counts[] = {
		"lock_holds", "lock_holds_vma", "lock_yields_resched", "lock_yields_budget",
		"lock_take_backoffs",
	};
	long long before, contended, other[ARRAY_SIZE(counts)];
	const char *counter;
	struct writer_log *log = b.log;
	unsigned int i;
	double t0;
	int reads = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		ksft_test_result_skip("the walk lets go of the VMA it walks for a writer of that VMA: one CPU\n");
		return;
	}
	if (pin(getpid(), 0) || pin(b.pid, 1)) {
		ksft_test_result_fail("the walk lets go of the VMA it walks for a writer of that VMA: sched_setaffinity: %s\n",
				      strerror(errno));
		return;
	}
	log->n = 0;
	log->in_vma = 1;
	log->on = 1;
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		other[i] = vmacct_stat(counts[i]);
	/* Where the VMA's own lock is held, its writer is counted apart: that count must grow. */
	counter = vmacct_stat("vma_locks") == 1 ? "lock_yields_vma_writer" : "lock_yields_contended";
	before = vmacct_stat(counter);
	t0 = now();
	for (;;) {
		contended = vmacct_stat(counter) - before;
		if (reads >= 3 && now() >= t0 + 0.5 && (contended >= 10 || now() >= t0 + 5))
			break;
		if (time_read(b.path) < 0)
			break;
		reads++;
	}
	log->on = 0;
	usleep(20000);
	log->in_vma = 0;
	pin(getpid(), -1);
	pin(b.pid, -1);
	contended = vmacct_stat(counter) - before;
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		ksft_print_msg("  %s: +%lld\n", counts[i], vmacct_stat(counts[i]) - other[i]);
	ksft_print_msg("target's madvise pair of the walked VMA during %d reads (%.2f s): %d samples%s, p50 %ld us, p99 %ld us, max %ld us; the walk let go for a writer %lld times (%s)\n",
		       reads, now() - t0, log->n, log->failed ? " (a madvise failed)" : "",
		       percentile(log, 50), percentile(log, 99), percentile(log, 100), contended,
		       counter);
	ksft_test_result(reads >= 3 && log->n > 0 && !log->failed && contended >= 10,
			 "the walk lets go of the VMA it walks for a writer of that VMA\n");
}

/* SIGKILL mid-read: each step of a walk checks for it. A reaping that takes seconds is a hang. */
static void kill_result(const char *what, const char *path)
{
	int tries;
	double lat = kill_mid_walk(path, b.t_walk, &tries);

	if (lat >= 0)
		ksft_print_msg("SIGKILL to a reader of %s: walk interrupted at try %d, reaped after %.1f ms\n",
			       what, tries, lat * 1e3);
	else
		ksft_print_msg("SIGKILL to a reader of %s: no walk was interrupted in 10 tries\n", what);
	ksft_test_result(lat >= 0 && lat < 5, "a read of %s dies mid-walk on SIGKILL\n", what);
}

static void kill_pid_reader(void)
{
	kill_result("<pid>", b.path);
}

static void kill_maps_reader(void)
{
	kill_result("maps/<pid>", b.mpath);
}

static void kill_all_reader(void)
{
	kill_result("all", VMACCT_DIR "/all");
}

/* The rows of maps/<pid> add up to the summary after all this. */
static void rows_add_up(void)
{
	struct vmacct_counts *rows, sum, row;
	int n = vmacct_read_rows(b.pid, &rows), i, f, err;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < n; i++)
		for (f = VF_MAPPED; f <= VF_HUGETLB; f++)
			sum.v[f] += rows[i].v[f];
	err = n <= 0 || vmacct_read_summary(b.pid, &row) || sum.v[VF_ZERO] != row.v[VF_ZERO] ||
	      sum.v[VF_MAPPED] != row.v[VF_MAPPED];
	if (n > 0)
		free(rows);
	ksft_test_result(!err, "maps/<pid> rows add up to <pid> (zero, mapped)\n");
}

/* One KTAP result each, in this order: lock_budget measures the walk the kill tests time. */
static void (*const tests[])(void) = {
	exact_numbers, lock_budget, vma_locks, writer_wait, vma_writer, kill_pid_reader,
	kill_maps_reader, kill_all_reader, rows_add_up,
};

/* Fork the walked process and wait until it has mapped everything. */
static void start_target(void)
{
	int ready[2], status;
	double t = now();
	char c;

	b.log = mmap(NULL, sizeof(*b.log), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	if (b.log == MAP_FAILED || pipe(ready))
		ksft_exit_fail_msg("setup: %s\n", strerror(errno));
	fflush(stdout);
	b.pid = fork();
	if (!b.pid) {
		close(ready[0]);
		target(b.gib, ready[1], b.log);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(b.pid, &status, 0);
		ksft_exit_fail_msg("target could not map %lu GiB (status %#x)\n", b.gib, status);
	}
	ksft_print_msg("target %d: %lu GiB dense + %lu GiB sparse + 1 TiB PROT_NONE, set up in %.1f s\n",
		       b.pid, b.gib, b.gib, now() - t);
	snprintf(b.path, sizeof(b.path), VMACCT_DIR "/%d", b.pid);
	snprintf(b.mpath, sizeof(b.mpath), VMACCT_DIR "/maps/%d", b.pid);
}

int main(void)
{
	const char *env = getenv("VMACCT_BOUNDS_GIB");
	unsigned int i;

	b.gib = env ? strtoul(env, NULL, 0) : 16;
	vmacct_ksft_start(VMACCT_DIR "/stats", ARRAY_SIZE(tests));
	start_target();
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		tests[i]();
	kill(b.pid, SIGKILL);
	waitpid(b.pid, NULL, 0);
	ksft_finished();
}
