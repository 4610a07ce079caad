// SPDX-License-Identifier: GPL-2.0
/*
 * Whole-machine cross-checks of vmacct against the kernel's own accounting, and the file interface's
 * rules (existence, errors, escaping, permissions, partial reads).
 *
 * For every process of the guest (quiescent: the guest runs nothing but this test and its shell):
 *   <pid> summary  == /proc/pid/smaps_rollup (Rss, Shared_*, Private_*, Pss within 1 kB, Swap,
 *                     Private_Dirty, Shared_Dirty, KSM where smaps has it)
 *   top_*, mapped  == /proc/pid/statm (mapped == statm size)
 *   invariants     shared + private == resident == the six anon/file/shmem fields; the dirty
 *                  part of each within it, ksm within resident
 *   maps/<pid>     rows sum to the summary; each row == its /proc/pid/smaps VMA
 *   all            rows == the <pid> summaries
 * This process itself changes as it reads (buffers), so it is checked only after a warm-up and
 * left out of the comparisons that span two reads of different files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sched.h>

#include "kselftest.h"
#include "vmacct_util.h"

static int pids[4096], nr_pids;

/*
 * A small zoo of processes with every kind of memory, so that the whole-machine checks cover more
 * than init and a shell: anonymous memory shared copy-on-write and half rewritten, a memfd and a
 * shared anonymous mapping, a THP region, a page-cache file. Each reports its pid and waits.
 */
#define ZOO_SIZE (4UL << 20)
static int zoo_pipe[2];
static pid_t zoo[8];
static int nr_zoo;

static void zoo_ready_and_wait(void)
{
	pid_t me = getpid();

	if (write(zoo_pipe[1], &me, sizeof(me)) != sizeof(me))
		_exit(1);
	for (;;)
		pause();
}

static char *zoo_map_len(size_t len, int flags, int fd, int advice)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		_exit(1);
	madvise(p, len, advice);
	memset(p, 0x5a, len);
	return p;
}

static char *zoo_map(int flags, int fd, int advice)
{
	return zoo_map_len(ZOO_SIZE, flags, fd, advice);
}

static void spawn_zoo(void)
{
	const char *dir = getenv("VMACCT_FILE_DIR");
	int expect = 0;
	pid_t pid;

	if (pipe(zoo_pipe))
		return;
	/* copy-on-write: a parent and a child that rewrote half */
	if (!(pid = fork())) {
		char *p = zoo_map(MAP_PRIVATE | MAP_ANONYMOUS, -1, MADV_NOHUGEPAGE);

		if (!fork())
			memset(p, 1, ZOO_SIZE / 2);
		zoo_ready_and_wait();
	}
	expect += 2;
	/* shmem: a memfd that a child maps too, and a shared anonymous mapping only the parent uses */
	if (!(pid = fork())) {
		int fd = memfd_create("zoo", 0);
		volatile char *m;
		size_t i;

		if (fd < 0 || ftruncate(fd, ZOO_SIZE))
			_exit(1);
		m = zoo_map(MAP_SHARED, fd, MADV_NORMAL);
		zoo_map(MAP_SHARED | MAP_ANONYMOUS, -1, MADV_NORMAL);
		if (!fork())	/* fork() copies no page tables of shared mappings: fault them in */
			for (i = 0; i < ZOO_SIZE; i += vmacct_page_size())
				(void)m[i];
		zoo_ready_and_wait();
	}
	expect += 2;
	/* THP: two PMDs' worth holds one aligned PMD whatever the PMD size (32 MiB with 16 KiB pages) */
	if (!(pid = fork())) {
		zoo_map_len(2 * vmacct_pmd_size(), MAP_PRIVATE | MAP_ANONYMOUS, -1, MADV_HUGEPAGE);
		zoo_ready_and_wait();
	}
	expect++;
	/* page cache */
	if (dir && !(pid = fork())) {
		char path[256];
		int fd;

		snprintf(path, sizeof(path), "%s/zoo.XXXXXX", dir);
		fd = mkstemp(path);
		if (fd < 0 || ftruncate(fd, ZOO_SIZE))
			_exit(1);
		unlink(path);
		zoo_map(MAP_SHARED, fd, MADV_RANDOM);
		zoo_map(MAP_PRIVATE, fd, MADV_RANDOM);
		/*
		 * Written back now, not by the flusher half a minute later between two reads
		 * (writeback cleans the folios and their ptes: Private_Dirty would change).
		 */
		if (fsync(fd))
			_exit(1);
		zoo_ready_and_wait();
	}
	if (dir)
		expect++;
	while (nr_zoo < expect && read(zoo_pipe[0], &zoo[nr_zoo], sizeof(pid_t)) == sizeof(pid_t))
		nr_zoo++;
	/* Let per-cpu LRU batches and lazy counters settle before the kernel is compared. */
	usleep(200000);
}

static void kill_zoo(void)
{
	int i;

	for (i = 0; i < nr_zoo; i++)
		kill(zoo[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

static void collect_pids(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	nr_pids = 0;
	while (d && (e = readdir(d)) && nr_pids < 4096) {
		int pid = atoi(e->d_name);
		char path[64];

		if (pid <= 0)
			continue;
		/* Only processes with an address space: kernel threads have an empty statm... */
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		if (access(path, F_OK) && errno == ENOENT)
			continue;
		pids[nr_pids++] = pid;
	}
	if (d)
		closedir(d);
}

static bool u64_near(uint64_t a, uint64_t b, uint64_t tol)
{
	return a > b ? a - b <= tol : b - a <= tol;
}

/*
 * private_dirty, shared_dirty and ksm against smaps' Private_Dirty, Shared_Dirty and KSM (a line
 * 6.1's smaps does not have: there vmacct's ksm is checked by the invariants only). Differences
 * printed; true if any.
 */
static bool dirty_ksm_differ(int pid, const char *what, const uint64_t *v,
			     const struct smaps_counts *s)
{
	if (v[VF_PRIVATE_DIRTY] == s->private_dirty && v[VF_SHARED_DIRTY] == s->shared_dirty &&
	    (!s->has_ksm || v[VF_KSM] == s->ksm))
		return false;
	ksft_print_msg("pid %d %s: vmacct private_dirty %" PRIu64 " shared_dirty %" PRIu64
		       " ksm %" PRIu64 "; smaps %" PRIu64 " %" PRIu64 " %" PRIu64 "%s\n", pid, what,
		       v[VF_PRIVATE_DIRTY], v[VF_SHARED_DIRTY], v[VF_KSM], s->private_dirty,
		       s->shared_dirty, s->ksm, s->has_ksm ? "" : " (no KSM line)");
	return true;
}

/* 0 = checked and equal, 1 = mismatch, -1 = process gone (not counted). */
static int check_summary_vs_kernel(int pid)
{
	struct vmacct_counts c;
	struct smaps_counts s;
	uint64_t virt, res, shr, six;
	const uint64_t *v = c.v;
	int bad = 0;

	if (vmacct_read_summary(pid, &c) || smaps_rollup_read(pid, &s) || statm_read(pid, &virt, &res, &shr))
		return -1;
	six = v[VF_ANON_SHARED] + v[VF_ANON_PRIVATE] + v[VF_FILE_SHARED] + v[VF_FILE_PRIVATE] +
	      v[VF_SHMEM_SHARED] + v[VF_SHMEM_PRIVATE];
	if (v[VF_RESIDENT] != s.rss || v[VF_SHARED] != s.shared || v[VF_PRIVATE] != s.private ||
	    !u64_near(v[VF_PSS], s.pss, 1) || v[VF_SWAP] != s.swap) {
		ksft_print_msg("pid %d (%s): vmacct rss %" PRIu64 " shared %" PRIu64 " private %" PRIu64
			       " pss %" PRIu64 " swap %" PRIu64 "; smaps_rollup %" PRIu64 " %" PRIu64
			       " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", pid, c.name, v[VF_RESIDENT],
			       v[VF_SHARED], v[VF_PRIVATE], v[VF_PSS], v[VF_SWAP], s.rss, s.shared,
			       s.private, s.pss, s.swap);
		bad = 1;
	}
	if (v[VF_TOP_VIRT] != virt || v[VF_TOP_RES] != res || v[VF_TOP_SHR] != shr ||
	    v[VF_MAPPED] != virt) {
		ksft_print_msg("pid %d: mapped %" PRIu64 " top_* %" PRIu64 " %" PRIu64 " %" PRIu64
			       ", statm %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", pid, v[VF_MAPPED],
			       v[VF_TOP_VIRT], v[VF_TOP_RES], v[VF_TOP_SHR], virt, res, shr);
		bad = 1;
	}
	if (dirty_ksm_differ(pid, "summary", v, &s))
		bad = 1;
	if (v[VF_SHARED] + v[VF_PRIVATE] != v[VF_RESIDENT] || six != v[VF_RESIDENT] ||
	    v[VF_PRIVATE_DIRTY] > v[VF_PRIVATE] || v[VF_SHARED_DIRTY] > v[VF_SHARED] ||
	    v[VF_KSM] > v[VF_RESIDENT]) {
		ksft_print_msg("pid %d: invariants broken\n", pid);
		bad = 1;
	}
	return bad;
}

static int check_rows(int pid)
{
	struct vmacct_counts c, *rows, sum;
	int n, i, f, bad = 0;

	if (vmacct_read_summary(pid, &c))
		return -1;
	n = vmacct_read_rows(pid, &rows);
	if (n < 0)
		return -1;
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < n; i++) {
		struct smaps_counts s;

		for (f = 0; f < VF_NR; f++)
			if (vmacct_field_scopes[f] != VMACCT_PROC)
				sum.v[f] += rows[i].v[f];
		if (smaps_vma_read(pid, rows[i].start, &s)) {
			ksft_print_msg("pid %d: row %lx has no smaps VMA\n", pid, rows[i].start);
			bad = 1;
			continue;
		}
		if (rows[i].v[VF_RESIDENT] != s.rss || rows[i].v[VF_SHARED] != s.shared ||
		    rows[i].v[VF_PRIVATE] != s.private || rows[i].v[VF_SWAP] != s.swap ||
		    !u64_near(rows[i].v[VF_PSS], s.pss, 1)) {
			ksft_print_msg("pid %d row %lx-%lx %s: vmacct %" PRIu64 "/%" PRIu64 "/%" PRIu64
				       " smaps %" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n", pid,
				       rows[i].start, rows[i].end, rows[i].name, rows[i].v[VF_RESIDENT],
				       rows[i].v[VF_SHARED], rows[i].v[VF_PRIVATE], s.rss, s.shared,
				       s.private);
			bad = 1;
		}
		if (dirty_ksm_differ(pid, rows[i].name, rows[i].v, &s))
			bad = 1;
	}
	/* pss is rounded per row, so the row sum may be below the summary by up to a kB a row. */
	for (f = 0; f < VF_NR; f++) {
		bool ok;

		if (vmacct_field_scopes[f] == VMACCT_PROC)
			continue;
		ok = f == VF_PSS ? sum.v[f] <= c.v[f] && c.v[f] - sum.v[f] <= (uint64_t)n :
				   sum.v[f] == c.v[f];
		if (!ok) {
			ksft_print_msg("pid %d: rows sum %s = %" PRIu64 ", summary %" PRIu64 "\n", pid,
				       vmacct_field_names[f], sum.v[f], c.v[f]);
			bad = 1;
		}
	}
	free(rows);
	return bad;
}

/* Run @check on every process but this one; a test fails on any mismatch, or if none was checked. */
static void for_each_process(const char *name, int (*check)(int pid))
{
	int i, checked = 0, bad = 0;

	for (i = 0; i < nr_pids; i++) {
		int r;

		if (pids[i] == getpid())
			continue;
		r = check(pids[i]);
		if (r >= 0) {
			checked++;
			bad += r;
		}
	}
	ksft_print_msg("%s: %d processes checked, %d mismatched\n", name, checked, bad);
	ksft_test_result(checked > 0 && !bad, "%s\n", name);
}

static void test_all_file(void)
{
	struct vmacct_counts *rows, c;
	int n, i, f, checked = 0, bad = 0;

	n = vmacct_read_all(&rows);
	if (n < 0) {
		ksft_test_result_fail("all: %s\n", strerror(-n));
		return;
	}
	for (i = 0; i < n; i++) {
		if (rows[i].pid == getpid() || vmacct_read_summary(rows[i].pid, &c))
			continue;
		checked++;
		for (f = 0; f < VF_NR; f++) {
			if (rows[i].v[f] != c.v[f]) {
				ksft_print_msg("all: pid %d %s %" PRIu64 " vs <pid> %" PRIu64 "\n",
					       rows[i].pid, vmacct_field_names[f], rows[i].v[f], c.v[f]);
				bad++;
			}
		}
		shr_report_process(&c);
		if (strcmp(rows[i].name, c.name)) {
			ksft_print_msg("all: pid %d comm '%s' vs '%s'\n", rows[i].pid, rows[i].name, c.name);
			bad++;
		}
	}
	free(rows);
	ksft_test_result(checked > 0 && !bad, "all agrees with every <pid> (%d processes)\n", checked);
}

static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static void test_unknown_names(void)
{
	static const char *const names[] = { "999999", "0", "01", "+1", "abc", "2147483648", "maps/999999" };
	int bad = 0;
	unsigned int i;
	char path[128];

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), VMACCT_DIR "/%s", names[i]);
		if (open_errno(path, O_RDONLY) != ENOENT) {
			ksft_print_msg("%s: expected ENOENT\n", path);
			bad++;
		}
	}
	/* kthreadd (pid 2) has no address space. */
	if (open_errno(VMACCT_DIR "/2", O_RDONLY) != ENOENT) {
		ksft_print_msg("pid 2 (a kernel thread) should not exist here\n");
		bad++;
	}
	ksft_test_result(!bad, "unknown pids, non-canonical names and kernel threads give ENOENT\n");
}

static void test_write_rejected(void)
{
	char path[64], *before, *after;
	int fd, bad = 0;

	snprintf(path, sizeof(path), VMACCT_DIR "/%d", getppid());
	before = read_file(path, NULL);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "0", 1) >= 0) {
			ksft_print_msg("write to %s succeeded\n", path);
			bad++;
		}
		close(fd);
	}
	if (open_errno(VMACCT_DIR "/all", O_WRONLY | O_TRUNC) == 0 ||
	    open_errno(VMACCT_DIR "/newfile", O_WRONLY | O_CREAT) == 0) {
		ksft_print_msg("write-open, truncate or create succeeded\n");
		bad++;
	}
	after = read_file(path, NULL);
	if (!before || !after || strcmp(before, after)) {
		ksft_print_msg("the file changed after a rejected write\n");
		bad++;
	}
	free(before);
	free(after);
	ksft_test_result(!bad, "writes, truncation and creation are rejected and change nothing\n");
}

static void test_one_byte_reads(void)
{
	char path[64], buf[65536], *bulk;
	size_t n = 0, blen;
	int fd, bad = 0;

	/* The parent shell is quiescent while this test runs. */
	snprintf(path, sizeof(path), VMACCT_DIR "/maps/%d", getppid());
	bulk = read_file(path, &blen);
	fd = open(path, O_RDONLY);
	while (fd >= 0 && n < sizeof(buf) - 1 && read(fd, buf + n, 1) == 1)
		n++;
	buf[n] = 0;
	if (!bulk || blen != n || strcmp(bulk, buf))
		bad++;
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 10) == 10 && bulk &&
	    memcmp(buf, bulk, 10))
		bad++;
	if (fd >= 0)
		close(fd);
	free(bulk);
	ksft_test_result(!bad, "1-byte reads and lseek give the same text as one read\n");
}

static void set_comm(void *name)
{
	prctl(PR_SET_NAME, name);
}

static void test_hostile_comm(void)
{
	static const char hostile[16] = "a b\n\"'\\\t\xff\xfe\x01z";
	struct child child = spawn_child(set_comm, (void *)hostile);
	struct vmacct_counts c, *rows;
	int n, i, found = 0, bad = 0;
	pid_t pid = child.pid;

	if (pid < 0)
		bad++;
	if (vmacct_read_summary(pid, &c) || strcmp(c.name, "a\\040b\\012\"'\\134\\011\\377\\376\\001z")) {
		ksft_print_msg("comm line: '%s'\n", c.name);
		bad++;
	}
	/* parse_table rejects a row whose column count differs from the header's. */
	n = vmacct_read_all(&rows);
	if (n < 0) {
		bad++;
	} else {
		for (i = 0; i < n; i++)
			if (rows[i].pid == pid)
				found = !strcmp(rows[i].name, c.name);
		free(rows);
	}
	release_child(&child);
	ksft_test_result(!bad && found, "a comm with spaces, newline, quotes, backslash and 0xff stays one escaped field\n");
}

static void test_not_root(void)
{
	pid_t pid = fork();
	int status = -1;

	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open_errno(VMACCT_DIR "/all", O_RDONLY) == EACCES &&
		      open_errno(VMACCT_DIR "/1", O_RDONLY) == EACCES ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "files are unreadable for a non-root user\n");
}

static void test_exists_at_once_and_gone(void)
{
	char path[64], buf[256];
	int i, bad = 0, fd;
	pid_t pid;

	/* The entry exists from the moment the process exists: no event to wait for. */
	for (i = 0; i < 50; i++) {
		pid = fork();
		if (!pid) {
			pause();
			_exit(0);
		}
		snprintf(path, sizeof(path), VMACCT_DIR "/%d", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
			bad++;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		/* Opened while alive, read after it is gone: ESRCH, never stale numbers. */
		if (fd >= 0) {
			lseek(fd, 0, SEEK_SET);
			if (read(fd, buf, sizeof(buf)) >= 0 || errno != ESRCH)
				bad++;
			close(fd);
		}
		if (open_errno(path, O_RDONLY) != ENOENT)
			bad++;
	}
	ksft_test_result(!bad, "a new process is readable at once; a gone one gives ESRCH/ENOENT\n");
}

/*
 * fork() into the pid number @nr, free now: clone3() with set_tid (root may choose). The child
 * returns 0 like fork()'s; -1 with errno EEXIST when another process holds the number.
 */
static pid_t fork_as(pid_t nr)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&nr,
		.set_tid_size = 1,
	};

	return syscall(SYS_clone3, &args, sizeof(args));
}

/*
 * A number reused by a new process: the entries the old one left in the dcache (vmacct keeps
 * unused dentries, as /proc does) must not serve it. Revalidation compares the struct pid, not the
 * number. The new process maps 1 GiB PROT_NONE, which the old one never had.
 */
static void test_reused_pid(void)
{
	unsigned long *where = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				    -1, 0);
	struct vmacct_counts c, row, *rows = NULL;
	struct child old;
	int ready[2], ok = 1, err;
	pid_t new;
	char b;

	old = spawn_child(NULL, NULL);
	if (where == MAP_FAILED || old.pid < 0 || pipe(ready)) {
		ksft_test_result_fail("reused pid: setup failed\n");
		return;
	}
	/* Look both names up and leave their dentries unused in the dcache. */
	if (vmacct_read_summary(old.pid, &c) || vmacct_read_rows(old.pid, &rows) <= 0)
		ok = 0;
	free(rows);
	release_child(&old);
	*where = 0;
	new = fork_as(old.pid);
	if (new == 0) {
		void *p = mmap(NULL, 1UL << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);

		*where = p == MAP_FAILED ? 0 : (unsigned long)p;
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (new < 0) {
		ksft_test_result_skip("reused pid: clone3() with set_tid failed: %s\n", strerror(errno));
		close(ready[0]);
		return;
	}
	if (read(ready[0], &b, 1) != 1 || !*where)
		ok = 0;
	close(ready[0]);
	err = vmacct_read_summary(new, &c);
	if (err || c.pid != new) {
		ksft_print_msg("reused pid %d: <pid> unreadable (%s) or another process's\n", new,
			       strerror(-err));
		ok = 0;
	}
	if (vmacct_read_row(new, *where, &row) || row.start != *where ||
	    row.v[VF_MAPPED] != KB(1UL << 30)) {
		ksft_print_msg("reused pid %d: maps/<pid> has no 1 GiB row at %#lx\n", new, *where);
		ok = 0;
	}
	kill(new, SIGKILL);
	waitpid(new, NULL, 0);
	munmap(where, 4096);
	ksft_test_result(ok, "a reused pid number reads the new process, never the old one's cached entry\n");
}

/*
 * VMACCT_MANY_VMAS (default 100,000) VMAs in one process (alternating protections on one
 * reservation; vm.max_map_count is raised for it): maps/<pid> streams every row, and the rows
 * still add up to the summary. The KASAN kernel takes a millisecond per mprotect() split under
 * TCG, and runs it with fewer.
 */
static long many_vmas(void)
{
	const char *env = getenv("VMACCT_MANY_VMAS");
	long n = env ? strtol(env, NULL, 0) : 100000;

	return n > 2 && n <= 200000 ? n : 100000;
}

static void make_many_vmas(void *count)
{
	size_t ps = vmacct_page_size();
	long n = *(long *)count, j;
	char *p = mmap(NULL, (size_t)n * ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(1);
	for (j = 1; j < n; j += 2)
		if (mprotect(p + j * ps, ps, PROT_NONE))
			_exit(1);
}

static void test_many_vmas(void)
{
	char *old_max = read_file("/proc/sys/vm/max_map_count", NULL);
	struct vmacct_counts *rows, c;
	int n = -1, bad = 0, i, fd;
	long want = many_vmas();
	struct child child;
	uint64_t sum = 0;

	fd = open("/proc/sys/vm/max_map_count", O_WRONLY);
	if (fd < 0 || write(fd, "250000", 6) != 6) {
		ksft_test_result_skip("cannot raise vm.max_map_count\n");
		free(old_max);
		return;
	}
	close(fd);
	child = spawn_child(make_many_vmas, &want);
	if (child.pid < 0)
		bad++;
	if (!bad) {
		n = vmacct_read_rows(child.pid, &rows);
		if (n < want || vmacct_read_summary(child.pid, &c))
			bad++;
		for (i = 0; i < n; i++)
			sum += rows[i].v[VF_MAPPED];
		if (n > 0) {
			if (sum != c.v[VF_MAPPED])
				bad++;
			free(rows);
		}
	}
	release_child(&child);
	fd = open("/proc/sys/vm/max_map_count", O_WRONLY);
	if (fd >= 0 && old_max) {
		if (write(fd, old_max, strlen(old_max)) < 0)
			bad++;
		close(fd);
	}
	free(old_max);
	ksft_print_msg("maps/<pid> of a process with %ld VMAs: %d rows\n", want, n);
	ksft_test_result(!bad, "a process with %ld VMAs reads completely and sums up\n", want);
}

static void test_version(void)
{
	char *v = read_file(VMACCT_DIR "/version", NULL);

	ksft_test_result(v && v[0] >= '0' && v[0] <= '9' && strchr(v, '\n'), "version file\n");
	free(v);
}

static void test_summaries(void)
{
	for_each_process("<pid> summary equals smaps_rollup and statm", check_summary_vs_kernel);
}

static void test_rows(void)
{
	for_each_process("maps/<pid> rows equal smaps and sum to the summary", check_rows);
}

static void test_self_twice(void)
{
	ksft_test_result(check_summary_vs_kernel(getpid()) == 0, "this process, read twice\n");
}

/* One KTAP result each, in this order. */
static void (*const tests[])(void) = {
	test_version, test_summaries, test_rows, test_self_twice, test_all_file,
	test_unknown_names, test_write_rejected, test_one_byte_reads, test_hostile_comm,
	test_not_root, test_exists_at_once_and_gone, test_reused_pid, test_many_vmas,
};

int main(void)
{
	struct vmacct_counts warm;
	unsigned int i;

	vmacct_ksft_start(VMACCT_DIR "/version", ARRAY_SIZE(tests));
	vmacct_read_summary(getpid(), &warm);
	spawn_zoo();
	ksft_print_msg("%d extra processes with anon/COW, shmem, THP and file memory\n", nr_zoo);
	collect_pids();
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		struct timespec t0, t1;

		/* What each result costs, for make check's budget (the debug kernel's most of all). */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		tests[i]();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ksft_print_msg("result %u took %.2f s\n", i + 1,
			       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	kill_zoo();
	ksft_finished();
}
