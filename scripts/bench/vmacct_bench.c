// SPDX-License-Identifier: GPL-2.0
/*
 * vmacct_bench: the performance measurements of `make bench`, run inside a QEMU guest (busybox
 * only, hence statically linked) with vmacct loaded.
 *
 *   vmacct_bench [-n RUNS] SECTION
 *     dense         1 GiB of 4 KiB anonymous pages, of THP, of a tmpfs file: <pid> vs smaps_rollup
 *     machine       200 forked workers: one read of `all` vs smaps_rollup of every process vs top
 *     sparse        1 TiB PROT_NONE + 1 MiB touched vs 1 MiB alone
 *     scaling       64 MiB .. 4 GiB resident: time per resident page
 *     interference  page-fault latency of a 2 GiB process while a reader loops over it
 *     memory        kernel memory held per open file and left behind by many reads
 *     small         a small process: the fixed cost of one <pid> read vs its smaps_rollup
 *     many          10,000 small processes: all, users, comms, cgroups vs a smaps_rollup sweep
 *
 * Under TCG absolute times mean little, so every comparison is a ratio of medians measured in the
 * same guest, interleaved (A B, then B A, ...), after one warm-up read of each.
 *
 * Output: detail lines "# ..." and one line per goal:
 *   RESULT <section>/<case> <measured> <= <goal> ok|MISS
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VMACCT_DIR "/sys/kernel/debug/vmacct"
#define MiB (1UL << 20)
#define GiB (1UL << 30)
#define PAGE 4096UL
#define HPAGE (2 * MiB)

static int runs = 9;

static void die(const char *what)
{
	fprintf(stderr, "vmacct_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One big buffer: every read is of a whole file, as a monitoring tool does it. */
static char rbuf[4 << 20];

/*
 * Read a whole file; returns its size, or -1 with errno set. The text is left NUL-terminated in
 * rbuf when it fits (files are only parsed when they are small).
 */
static ssize_t slurp(const char *path)
{
	size_t off = 0;
	ssize_t n = 0, r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((r = read(fd, rbuf + off, sizeof(rbuf) - 1 - off)) > 0) {
		n += r;
		off += r;
		if (off == sizeof(rbuf) - 1)
			off = 0;
	}
	rbuf[off] = 0;
	close(fd);
	return r < 0 ? -1 : n;
}

static uint64_t time_read(const char *path)
{
	uint64_t t = now_ns();

	if (slurp(path) < 0)
		die(path);
	return now_ns() - t;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t percentile(uint64_t *sorted, int n, int pct)
{
	int i = (int)(((int64_t)n * pct + 99) / 100) - 1;

	return sorted[i < 0 ? 0 : i];
}

static double ms(uint64_t ns)
{
	return ns / 1e6;
}

static void result(const char *name, double measured, double goal)
{
	printf("RESULT %s %.3f <= %.2f %s\n", name, measured, goal, measured <= goal ? "ok" : "MISS");
	fflush(stdout);
}

/* A "name: N kB" field of a text such as smaps_rollup or a vmacct <pid> file, in kB. */
static long field_kb(const char *path, const char *name)
{
	size_t len = strlen(name);
	char *line;

	if (slurp(path) < 0)
		return -1;
	for (line = rbuf; line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, name, len) && line[len] == ':')
			return strtol(line + len + 1, NULL, 10);
	}
	return -1;
}

/* meminfo is read into its own buffer: callers compare two snapshots. */
static long meminfo_kb(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Holders: a child process that builds some memory, reports readiness through a pipe and waits to
 * be killed, so that the parent reads a process that does not change while it is timed. A setup
 * that has more to do after it is ready calls ready() itself and never returns.
 */
typedef void (*setup_fn)(unsigned long arg);

static int ready_fd = -1;

static void ready(void)
{
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	close(ready_fd);
}

static pid_t spawn(setup_fn setup, unsigned long arg)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(p[0]);
		ready_fd = p[1];
		setup(arg);
		ready();
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		fprintf(stderr, "vmacct_bench: a holder died while building its memory\n");
		exit(1);
	}
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Touch every 4 KiB page with a write: each becomes a resident private page, never the zero page. */
static void touch(char *p, unsigned long size)
{
	unsigned long off;

	for (off = 0; off < size; off += PAGE)
		p[off] = 1;
}

static char *map_anon(unsigned long size, int advice)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	if (advice >= 0 && madvise(p, size, advice))
		die("madvise");
	return p;
}

static void setup_anon_4k(unsigned long size)
{
	touch(map_anon(size, MADV_NOHUGEPAGE), size);
}

static void setup_thp(unsigned long size)
{
	char *p = map_anon(size + HPAGE, -1);

	/* Aligned to 2 MiB so that every part of the range can be a PMD-mapped THP. */
	p = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(p, size, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	touch(p, size);
}

#define BENCH_FILE "/tmp/vmacct-bench-file"

static void setup_file(unsigned long size)
{
	int fd = open(BENCH_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *p;

	if (fd < 0 || ftruncate(fd, size))
		die(BENCH_FILE);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap " BENCH_FILE);
	close(fd);
	touch(p, size);
}

static void setup_sparse(unsigned long touched)
{
	char *p = mmap(NULL, 1UL << 40, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap 1 TiB PROT_NONE");
	/* The touched MiB lies inside the reservation, as a reserve-then-commit allocator does. */
	if (mprotect(p, touched, PROT_READ | PROT_WRITE))
		die("mprotect");
	if (madvise(p, touched, MADV_NOHUGEPAGE))
		die("madvise");
	touch(p, touched);
}

static void pid_paths(pid_t pid, char *vm, char *sm, size_t len)
{
	snprintf(vm, len, VMACCT_DIR "/%d", pid);
	snprintf(sm, len, "/proc/%d/smaps_rollup", pid);
}

/*
 * Time reads of @a and @b interleaved, @runs of each after one warm-up each; the order alternates
 * so that neither always runs on the caches the other left. Medians in *ma, *mb.
 */
static void compare(const char *a, const char *b, uint64_t *ma, uint64_t *mb)
{
	uint64_t *ta = calloc(runs, sizeof(*ta)), *tb = calloc(runs, sizeof(*tb));
	int i;

	if (!ta || !tb)
		die("calloc");
	time_read(a);
	time_read(b);
	for (i = 0; i < runs; i++) {
		if (i % 2) {
			tb[i] = time_read(b);
			ta[i] = time_read(a);
		} else {
			ta[i] = time_read(a);
			tb[i] = time_read(b);
		}
	}
	*ma = median(ta, runs);
	*mb = median(tb, runs);
	free(ta);
	free(tb);
}

static void dense_case(const char *name, setup_fn setup)
{
	char vm[64], sm[64], res[64];
	uint64_t tv, ts;
	pid_t pid = spawn(setup, GiB);

	pid_paths(pid, vm, sm, sizeof(vm));
	printf("# dense %s: smaps_rollup Rss %ld kB, Anonymous %ld kB, AnonHugePages %ld kB; vmacct resident %ld kB, thp %ld kB, shmem_private %ld kB\n",
	       name, field_kb(sm, "Rss"), field_kb(sm, "Anonymous"), field_kb(sm, "AnonHugePages"),
	       field_kb(vm, "resident"), field_kb(vm, "thp"), field_kb(vm, "shmem_private"));
	compare(vm, sm, &tv, &ts);
	printf("# dense %s: vmacct <pid> %.2f ms, smaps_rollup %.2f ms (medians of %d), ratio %.3f\n",
	       name, ms(tv), ms(ts), runs, (double)tv / ts);
	snprintf(res, sizeof(res), "dense/%s vmacct/smaps_rollup", name);
	result(res, (double)tv / ts, 0.7);
	reap(pid);
}

static void bench_dense(void)
{
	printf("# THP: %s", slurp("/sys/kernel/mm/transparent_hugepage/enabled") > 0 ? rbuf : "n/a\n");
	dense_case("anon-4k", setup_anon_4k);
	dense_case("anon-thp", setup_thp);
	dense_case("tmpfs-file", setup_file);
	unlink(BENCH_FILE);
}

/* --- machine: a pre-fork server --- */

#define WORKERS 199		/* plus the server itself: 200 processes */
#define SERVER_HEAP (16 * MiB)
#define WORKER_PRIVATE (256 * 1024)

static pid_t workers[WORKERS];

/*
 * The server builds a heap, then forks its workers: each shares the heap copy-on-write and writes
 * a part of it, which becomes its private copy. The server waits for every worker to be ready.
 */
static void setup_server(unsigned long nworkers)
{
	char *heap = map_anon(SERVER_HEAP, MADV_NOHUGEPAGE);
	int p[2], i;
	char c;

	/* Its own process group: the parent ends server and workers with one kill(). */
	setpgid(0, 0);
	touch(heap, SERVER_HEAP);
	if (pipe(p))
		die("pipe");
	for (i = 0; i < (int)nworkers; i++) {
		workers[i] = fork();
		if (workers[i] < 0)
			die("fork worker");
		if (!workers[i]) {
			close(p[0]);
			touch(heap + (i * WORKER_PRIVATE) % SERVER_HEAP, WORKER_PRIVATE);
			if (write(p[1], "w", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	close(p[1]);
	for (i = 0; i < (int)nworkers; i++)
		if (read(p[0], &c, 1) != 1)
			die("worker start");
	close(p[0]);
}

/* smaps_rollup of every process, as a per-process monitoring sweep does. */
static uint64_t sweep_smaps(int *nproc)
{
	uint64_t t = now_ns();
	struct dirent *d;
	char path[300];
	DIR *dir = opendir("/proc");

	if (!dir)
		die("/proc");
	*nproc = 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", d->d_name);
		/* Kernel threads read as empty; a process gone meanwhile is skipped. */
		if (slurp(path) >= 0)
			(*nproc)++;
	}
	closedir(dir);
	return now_ns() - t;
}

/* procps top only: busybox's top reads other files and is not what the comparison is about. */
static const char *procps_top(void)
{
	static const char *const cand[] = { "/usr/bin/top", "/bin/top" };
	char real[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		if (access(cand[i], X_OK) || !realpath(cand[i], real))
			continue;
		if (strstr(real, "busybox"))
			continue;
		return cand[i];
	}
	return NULL;
}

static uint64_t time_top(const char *top)
{
	uint64_t t = now_ns();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		setenv("TERM", "dumb", 1);
		execl(top, "top", "-b", "-n", "1", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "vmacct_bench: %s -b -n 1 failed (status %#x)\n", top, status);
		exit(1);
	}
	return now_ns() - t;
}

/*
 * The group files walk every process once, as `all` does, and also remember every page mapped more
 * than once (README, "The numbers of a group"): their cost beside `all`'s median @all_ns (sorted by
 * the caller's median()) on the same machine. cgroups exists only where the kernel has cgroups.
 */
static void group_files(const char *section, uint64_t *all_ns, int n)
{
	static const char *const files[] = { "users", "comms", "cgroups" };
	uint64_t *t = calloc(runs, sizeof(*t)), all = median(all_ns, n);
	char path[128], name[64];
	size_t f;
	int i;

	if (!t)
		die("calloc");
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		snprintf(path, sizeof(path), VMACCT_DIR "/%s", files[f]);
		if (access(path, R_OK)) {
			printf("# %s: %s: skipped: no such file (a kernel without cgroups)\n", section,
			       files[f]);
			continue;
		}
		time_read(path);
		for (i = 0; i < runs; i++)
			t[i] = time_read(path);
		printf("# %s: %s %.2f ms (median of %d), %.2f x all\n", section, files[f],
		       ms(median(t, runs)), runs, (double)median(t, runs) / all);
		snprintf(name, sizeof(name), "%s/%s vs all", section, files[f]);
		/* the goal: a whole-machine group file costs at most 3 reads of all */
		result(name, (double)median(t, runs) / all, 3.0);
	}
	free(t);
}

static void bench_machine(void)
{
	uint64_t *ta = calloc(runs, sizeof(*ta)), *ts = calloc(runs, sizeof(*ts));
	uint64_t *tt = calloc(runs, sizeof(*tt));
	const char *top = procps_top();
	pid_t server;
	int i, nproc = 0, rows;
	char *s;

	if (!ta || !ts || !tt)
		die("calloc");
	/* The workers outlive the server for a moment: reparented to us, reaped by us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	server = spawn(setup_server, WORKERS);
	slurp(VMACCT_DIR "/all");
	for (rows = -1, s = rbuf; (s = strchr(s, '\n')); s++)
		rows++;
	sweep_smaps(&nproc);
	if (top)
		time_top(top);
	/* Interleaved; the order rotates so that each reader follows each other one. */
	for (i = 0; i < runs; i++) {
		int k;

		for (k = 0; k < 3; k++) {
			switch ((i + k) % 3) {
			case 0:
				ta[i] = time_read(VMACCT_DIR "/all");
				break;
			case 1:
				ts[i] = sweep_smaps(&nproc);
				break;
			case 2:
				tt[i] = top ? time_top(top) : 0;
				break;
			}
		}
	}
	printf("# machine: %d processes in /proc with smaps_rollup, %d rows in all\n", nproc, rows);
	printf("# machine: all %.2f ms, smaps_rollup sweep %.2f ms (medians of %d), ratio %.3f\n",
	       ms(median(ta, runs)), ms(median(ts, runs)), runs,
	       (double)median(ta, runs) / median(ts, runs));
	result("machine/all vs smaps_rollup-sweep", (double)median(ta, runs) / median(ts, runs), 0.5);
	if (top) {
		printf("# machine: %s -b -n 1 %.2f ms (median of %d); all/top ratio %.3f\n", top,
		       ms(median(tt, runs)), runs, (double)median(ta, runs) / median(tt, runs));
	} else {
		printf("# machine: top: skipped: no top in guest\n");
	}
	group_files("machine", ta, runs);
	kill(-server, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	free(ta);
	free(ts);
	free(tt);
}

/* --- sparse --- */

static void bench_sparse(void)
{
	pid_t big = spawn(setup_sparse, MiB), small = spawn(setup_anon_4k, MiB);
	char vb[64], sb[64], vs[64], ss[64];
	uint64_t tb, ts, sbig, ssmall;

	pid_paths(big, vb, sb, sizeof(vb));
	pid_paths(small, vs, ss, sizeof(vs));
	printf("# sparse: 1 TiB+1 MiB process: mapped %ld kB resident %ld kB; 1 MiB process: mapped %ld kB resident %ld kB\n",
	       field_kb(vb, "mapped"), field_kb(vb, "resident"), field_kb(vs, "mapped"),
	       field_kb(vs, "resident"));
	compare(vb, vs, &tb, &ts);
	compare(sb, ss, &sbig, &ssmall);
	printf("# sparse: vmacct %.3f ms vs %.3f ms (ratio %.3f); smaps_rollup %.3f ms vs %.3f ms (ratio %.3f)\n",
	       ms(tb), ms(ts), (double)tb / ts, ms(sbig), ms(ssmall), (double)sbig / ssmall);
	result("sparse/1TiB+1MiB vs 1MiB", (double)tb / ts, 1.5);
	reap(big);
	reap(small);
}

/* --- scaling --- */

/*
 * Time per resident page, two ways. Whole: the read divided by the resident pages, so a fixed
 * cost per read (the path walk through sysfs and debugfs, the process's other mappings, the
 * formatting) makes the small sizes look slower. Step: the difference between the reads of two
 * consecutive sizes divided by the difference of their pages, in which the fixed cost cancels: a
 * linear total cost (fixed + per page * pages) has equal steps, and that is the goal. All sizes
 * are resident at once and read in the same rounds, the order rotating, so that a change of load
 * on the host moves every size alike; a one-page process read in the same rounds shows the fixed
 * cost.
 */
static void bench_scaling(void)
{
	static const unsigned long sizes[] = { PAGE, 64 * MiB, 256 * MiB, GiB, 4 * GiB };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	char path[2 * N][64];
	uint64_t *t[2 * N], med[2 * N];
	double lo = 1e30, hi = 0, step_lo = 1e30, step_hi = 0;
	long rss[N];
	pid_t pid[N];
	int i, r;

	for (i = 0; i < N; i++) {
		pid[i] = spawn(setup_anon_4k, sizes[i]);
		pid_paths(pid[i], path[2 * i], path[2 * i + 1], sizeof(path[0]));
		rss[i] = field_kb(path[2 * i], "resident");
	}
	for (i = 0; i < 2 * N; i++) {
		t[i] = calloc(runs, sizeof(uint64_t));
		if (!t[i])
			die("calloc");
		time_read(path[i]);	/* warm-up */
	}
	/*
	 * The two files of one process are read one right after the other, and the second finds
	 * its page tables and struct pages in the caches the first filled: the order of the pair
	 * alternates between rounds, as in compare(), so neither file always reads warm.
	 */
	for (r = 0; r < runs; r++)
		for (i = 0; i < N; i++) {
			int k = 2 * ((i + r) % N), first = k + r % 2, second = k + 1 - r % 2;

			t[first][r] = time_read(path[first]);
			t[second][r] = time_read(path[second]);
		}
	for (i = 0; i < 2 * N; i++)
		med[i] = median(t[i], runs);
	printf("# scaling: one-page process: resident %ld kB, vmacct %.3f ms, smaps_rollup %.3f ms (the cost of any read)\n",
	       rss[0], ms(med[0]), ms(med[1]));
	for (i = 1; i < N; i++) {
		double per_page = (double)med[2 * i] / (rss[i] / 4);
		double pages_more = (rss[i] - rss[i - 1]) / 4;
		double step = ((double)med[2 * i] - med[2 * i - 2]) / pages_more;

		printf("# scaling: %5lu MiB: resident %ld kB; vmacct %.2f ms = %.1f ns/page, step %.1f; smaps_rollup %.2f ms = %.1f ns/page, step %.1f; ratio %.3f\n",
		       sizes[i] / MiB, rss[i], ms(med[2 * i]), per_page, step,
		       ms(med[2 * i + 1]), (double)med[2 * i + 1] / (rss[i] / 4),
		       ((double)med[2 * i + 1] - med[2 * i - 1]) / pages_more,
		       (double)med[2 * i] / med[2 * i + 1]);
		lo = per_page < lo ? per_page : lo;
		hi = per_page > hi ? per_page : hi;
		/* The first step, from the one-page process, carries the fixed cost: not a step. */
		if (i > 1) {
			step_lo = step < step_lo ? step : step_lo;
			step_hi = step > step_hi ? step : step_hi;
		}
	}
	for (i = 0; i < N; i++)
		reap(pid[i]);
	for (i = 0; i < 2 * N; i++)
		free(t[i]);
	printf("# scaling: vmacct ns per resident page, largest / smallest over 64 MiB..4 GiB: whole read %.3f, steps %.3f\n",
	       hi / lo, step_hi / step_lo);
	result("scaling/step ns-per-page max/min", step_hi / step_lo, 1.25);
}

/* --- interference --- */

#define FAULTS_PER_BLOCK 2000
#define FRESH (512 * MiB)

/* Latencies the measured process writes and the parent reads (shared memory). */
static uint64_t *block_lat;
static volatile long *reader_reads;
static int cmd_pipe[2], done_pipe[2];

/*
 * The measured process: 2 GiB resident, and a fresh region whose pages it faults in one by one
 * on command, timing each first write (a fault that allocates and zeroes a page). Between blocks
 * it sleeps in read(), so it takes no CPU from the reader.
 */
static void setup_faulter(unsigned long size)
{
	char *fresh, c;
	unsigned long next = 0;

	touch(map_anon(size, MADV_NOHUGEPAGE), size);
	fresh = map_anon(FRESH, MADV_NOHUGEPAGE);
	ready();
	while (read(cmd_pipe[0], &c, 1) == 1) {
		int i;

		for (i = 0; i < FAULTS_PER_BLOCK && next < FRESH; i++, next += PAGE) {
			uint64_t t = now_ns();

			fresh[next] = 1;
			block_lat[i] = now_ns() - t;
		}
		if (write(done_pipe[1], &i, sizeof(i)) != sizeof(i))
			break;
	}
	_exit(0);
}

static pid_t start_reader(const char *path)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		for (;;) {
			slurp(path);
			(*reader_reads)++;
		}
	}
	return pid;
}

static int measure_block(uint64_t *out)
{
	int n;

	if (write(cmd_pipe[1], "m", 1) != 1 || read(done_pipe[0], &n, sizeof(n)) != sizeof(n))
		die("faulter");
	memcpy(out, block_lat, n * sizeof(*out));
	return n;
}

static uint64_t report_faults(const char *name, uint64_t *v, int n, long reads)
{
	uint64_t p50, p99;

	qsort(v, n, sizeof(*v), cmp_u64);
	p50 = percentile(v, n, 50);
	p99 = percentile(v, n, 99);
	printf("# interference: %-20s %6d faults: p50 %7.1f us, p99 %7.1f us, max %8.1f us; reads completed meanwhile: %ld\n",
	       name, n, p50 / 1e3, p99 / 1e3, v[n - 1] / 1e3, reads);
	return p99;
}

static void bench_interference(void)
{
	uint64_t *lat[3], p99[3];
	int n[3] = { 0, 0, 0 }, r, c;
	long reads[3] = { 0, 0, 0 };
	char vm[64], sm[64];
	pid_t pid;
	void *shm;

	shm = mmap(NULL, FAULTS_PER_BLOCK * sizeof(uint64_t) + PAGE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		die("mmap");
	reader_reads = shm;
	block_lat = (uint64_t *)((char *)shm + PAGE);
	if (pipe(cmd_pipe) || pipe(done_pipe))
		die("pipe");
	for (c = 0; c < 3; c++) {
		lat[c] = calloc((size_t)runs * FAULTS_PER_BLOCK, sizeof(uint64_t));
		if (!lat[c])
			die("calloc");
	}
	pid = spawn(setup_faulter, 2 * GiB);
	pid_paths(pid, vm, sm, sizeof(vm));
	printf("# interference: measured process resident %ld kB, %d faults per block, blocks interleaved idle / vmacct reader / smaps_rollup reader\n",
	       field_kb(vm, "resident"), FAULTS_PER_BLOCK);
	for (r = 0; r < runs; r++) {
		for (c = 0; c < 3; c++) {
			pid_t reader = 0;
			long before = *reader_reads;

			if (c) {
				reader = start_reader(c == 1 ? vm : sm);
				/* Let the reader get into its walk before faults are timed. */
				usleep(50000);
			}
			n[c] += measure_block(lat[c] + n[c]);
			if (reader) {
				kill(reader, SIGKILL);
				waitpid(reader, NULL, 0);
				reads[c] += *reader_reads - before;
			}
		}
	}
	p99[0] = report_faults("idle", lat[0], n[0], 0);
	p99[1] = report_faults("vmacct <pid> reader", lat[1], n[1], reads[1]);
	p99[2] = report_faults("smaps_rollup reader", lat[2], n[2], reads[2]);
	printf("# interference: p99 with vmacct reader / idle %.3f, with smaps_rollup reader / idle %.3f\n",
	       (double)p99[1] / p99[0], (double)p99[2] / p99[0]);
	result("interference/fault-p99 vmacct-reader/idle", (double)p99[1] / p99[0], 2.0);
	reap(pid);
	for (c = 0; c < 3; c++)
		free(lat[c]);
}

/* --- memory --- */

#define OPEN_FILES 500

/*
 * Kernel memory held by open files each holding one snapshot (a 1-byte read makes the module
 * walk and format), then left behind after many complete reads (nothing may stay).
 */
static void memory_held(const char *what, const char *path)
{
	static int fds[OPEN_FILES];
	long s0, u0, s1, u1;
	char c;
	int i;

	s0 = meminfo_kb("Slab");
	u0 = meminfo_kb("SUnreclaim");
	for (i = 0; i < OPEN_FILES; i++) {
		fds[i] = open(path, O_RDONLY);
		if (fds[i] < 0 || read(fds[i], &c, 1) != 1)
			die(path);
	}
	s1 = meminfo_kb("Slab");
	u1 = meminfo_kb("SUnreclaim");
	for (i = 0; i < OPEN_FILES; i++)
		close(fds[i]);
	printf("# memory: %-12s %d files open after a 1-byte read: Slab %+ld kB, SUnreclaim %+ld kB = %.2f kB per open file\n",
	       what, OPEN_FILES, s1 - s0, u1 - u0, (double)(u1 - u0) / OPEN_FILES);
}

static void memory_left(const char *what, const char *path, int reads)
{
	long s0, u0, s1, u1;
	int i;

	s0 = meminfo_kb("Slab");
	u0 = meminfo_kb("SUnreclaim");
	for (i = 0; i < reads; i++)
		if (slurp(path) < 0)
			die(path);
	s1 = meminfo_kb("Slab");
	u1 = meminfo_kb("SUnreclaim");
	printf("# memory: %-12s %d complete reads: Slab %+ld kB, SUnreclaim %+ld kB = %.3f kB per read\n",
	       what, reads, s1 - s0, u1 - u0, (double)(u1 - u0) / reads);
}

static void bench_memory(void)
{
	pid_t tiny = spawn(setup_anon_4k, MiB), mid = spawn(setup_anon_4k, 64 * MiB);
	char vt[64], vm[64], mt[64], sm[64];
	struct rlimit rl = { OPEN_FILES + 64, OPEN_FILES + 64 };
	long u0, u1;
	pid_t reader;
	int i;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
	pid_paths(tiny, vt, sm, sizeof(vt));
	pid_paths(mid, vm, sm, sizeof(vm));
	snprintf(mt, sizeof(mt), VMACCT_DIR "/maps/%d", tiny);
	/* Warm the slab caches, so the deltas are what reads hold, not caches growing once. */
	for (i = 0; i < 20; i++) {
		slurp(vt);
		slurp(mt);
		slurp(VMACCT_DIR "/all");
	}
	memory_held("<pid>", vt);
	memory_held("maps/<pid>", mt);
	memory_held("all", VMACCT_DIR "/all");
	memory_left("<pid> 1M", vt, 2000);
	memory_left("<pid> 64M", vm, 50);
	memory_left("maps/<pid>", mt, 2000);
	memory_left("all", VMACCT_DIR "/all", 200);
	/* While a reader loops over the 64 MiB process: a per-page allocation would show here. */
	u0 = meminfo_kb("SUnreclaim");
	reader = fork();
	if (!reader) {
		for (;;)
			slurp(vm);
	}
	usleep(500000);
	u1 = meminfo_kb("SUnreclaim");
	kill(reader, SIGKILL);
	waitpid(reader, NULL, 0);
	printf("# memory: SUnreclaim while a reader loops over the 64 MiB process (16384 pages): %+ld kB\n",
	       u1 - u0);
	reap(tiny);
	reap(mid);
}

/* --- small: the fixed cost of one read --- */

static void setup_small(unsigned long unused)
{
	(void)unused;
}

/*
 * A process with almost nothing mapped (this static binary, its stack): what a read costs
 * before any page is walked, the open, the lookup of <pid> and the text, against the kernel's
 * own smaps_rollup of the same process. Many reads per run, so that the clock resolves them.
 */
static uint64_t time_reads(const char *path, int n)
{
	uint64_t t = now_ns();
	int j;

	for (j = 0; j < n; j++)
		if (slurp(path) < 0)
			die(path);
	return now_ns() - t;
}

static void bench_small(void)
{
	enum { READS = 200 };
	uint64_t *tv = calloc(runs, sizeof(*tv)), *ts = calloc(runs, sizeof(*ts));
	pid_t small = spawn(setup_small, 0);
	char vp[64], sp[64];
	int i;

	if (!tv || !ts)
		die("calloc");
	pid_paths(small, vp, sp, sizeof(vp));
	printf("# small: process %d: resident %ld kB, mapped %ld kB\n", small,
	       field_kb(vp, "resident"), field_kb(vp, "mapped"));
	time_reads(vp, READS);
	time_reads(sp, READS);
	/* interleaved, the order alternating, as compare() does */
	for (i = 0; i < runs; i++) {
		if (i % 2) {
			ts[i] = time_reads(sp, READS);
			tv[i] = time_reads(vp, READS);
		} else {
			tv[i] = time_reads(vp, READS);
			ts[i] = time_reads(sp, READS);
		}
	}
	printf("# small: <pid> %.1f us, smaps_rollup %.1f us per read (medians of %d x %d)\n",
	       median(tv, runs) / 1e3 / READS, median(ts, runs) / 1e3 / READS, runs, READS);
	result("small/<pid> vs smaps_rollup", (double)median(tv, runs) / median(ts, runs), 2.0);
	reap(small);
	free(tv);
	free(ts);
}

/* --- many: 10,000 processes --- */

#define MANY 10000

/* A process that forks MANY - 1 idle children, each a copy of its small self. */
static void setup_many(unsigned long n)
{
	unsigned long i;

	setpgid(0, 0);
	for (i = 1; i < n; i++) {
		pid_t c = fork();

		if (c < 0)
			die("fork (many)");
		if (!c) {
			for (;;)
				pause();
		}
	}
}

static void bench_many(void)
{
	uint64_t *ta = calloc(runs, sizeof(*ta)), *ts = calloc(runs, sizeof(*ts));
	uint64_t t0 = now_ns();
	int i, nproc = 0, rows;
	pid_t top;
	char *s;

	if (!ta || !ts)
		die("calloc");
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	top = spawn(setup_many, MANY);
	printf("# many: %d processes forked in %.1f s\n", MANY, (now_ns() - t0) / 1e9);
	slurp(VMACCT_DIR "/all");
	for (rows = -1, s = rbuf; (s = strchr(s, '\n')); s++)
		rows++;
	sweep_smaps(&nproc);
	for (i = 0; i < runs; i++) {
		if (i % 2) {
			ts[i] = sweep_smaps(&nproc);
			ta[i] = time_read(VMACCT_DIR "/all");
		} else {
			ta[i] = time_read(VMACCT_DIR "/all");
			ts[i] = sweep_smaps(&nproc);
		}
	}
	printf("# many: %d processes in /proc with smaps_rollup, %d rows in all\n", nproc, rows);
	printf("# many: all %.1f ms (%.1f us a process), smaps_rollup sweep %.1f ms, ratio %.3f\n",
	       ms(median(ta, runs)), median(ta, runs) / 1e3 / (rows > 0 ? rows : 1),
	       ms(median(ts, runs)), (double)median(ta, runs) / median(ts, runs));
	result("many/all vs smaps_rollup-sweep", (double)median(ta, runs) / median(ts, runs), 0.5);
	group_files("many", ta, runs);
	kill(-top, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	free(ta);
	free(ts);
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			goto usage;
		runs = atoi(optarg);
		if (runs < 1)
			goto usage;
	}
	if (optind + 1 != argc)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[optind], "dense"))
		bench_dense();
	else if (!strcmp(argv[optind], "machine"))
		bench_machine();
	else if (!strcmp(argv[optind], "sparse"))
		bench_sparse();
	else if (!strcmp(argv[optind], "scaling"))
		bench_scaling();
	else if (!strcmp(argv[optind], "interference"))
		bench_interference();
	else if (!strcmp(argv[optind], "memory"))
		bench_memory();
	else if (!strcmp(argv[optind], "small"))
		bench_small();
	else if (!strcmp(argv[optind], "many"))
		bench_many();
	else
		goto usage;
	return 0;
usage:
	fprintf(stderr, "usage: vmacct_bench [-n RUNS] dense|machine|sparse|scaling|interference|memory|small|many\n");
	return 2;
}
