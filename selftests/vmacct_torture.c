// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded torture: processes that change their address space as fast as they can while readers
 * walk them through every vmacct file. Deterministic seed, fixed duration (VMACCT_TORTURE_SECONDS,
 * default 20). The kernel's own checkers (KASAN, lockdep, DEBUG_VM on the debug kernel; WARN/BUG
 * everywhere) judge the module; this program checks that every read either succeeds with
 * self-consistent numbers or fails with ESRCH/ENOENT/EINTR.
 *
 * Mutators: mmap/munmap, mprotect splits, mremap move and grow, MADV_DONTNEED, MADV_PAGEOUT,
 * MADV_HUGEPAGE + MADV_COLLAPSE (THP) and MADV_NOHUGEPAGE, THP splits through
 * /sys/kernel/debug/split_huge_pages, memfd and file mappings (VMACCT_FILE_DIR), fork+exit, threads
 * faulting concurrently (per-VMA locks), a process that exec()s itself over and over (its pid gets
 * a new address space while being read), and processes that exit while being read.
 * Readers: <pid>, maps/<pid> and all in a loop, some with 1-byte reads, some SIGKILLed mid-read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

#define NR_MUTATORS	4	/* the last one exec()s itself */
#define NR_READERS	3
#define SLOTS		32
#define MAXLEN		(4UL << 20)
#define PS		vmacct_page_size()

static volatile sig_atomic_t stop;
static pid_t mutators[NR_MUTATORS];

static void on_alarm(int sig)
{
	stop = 1;
}

static unsigned int rnd(unsigned int *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

static void *fault_thread(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	char *p = mmap(NULL, MAXLEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	while (!stop) {
		p[(rnd(&seed) % (MAXLEN / PS)) * PS] = 1;
		if (!(rnd(&seed) % 64))
			madvise(p, MAXLEN, MADV_DONTNEED);
	}
	return NULL;
}

/* Ask the kernel to split every THP in [p, p + len) of this process (needs debugfs; best effort). */
static void split_thps(char *p, size_t len)
{
	int fd = open("/sys/kernel/debug/split_huge_pages", O_WRONLY);

	if (fd < 0)
		return;
	dprintf(fd, "%d,%#lx,%#lx", getpid(), (unsigned long)p, (unsigned long)(p + len));
	close(fd);
}

/* A file of 4 * MAXLEN in VMACCT_FILE_DIR (page cache), or -1 when there is none. */
static int open_backing_file(int id)
{
	const char *dir = getenv("VMACCT_FILE_DIR");
	char path[256];
	int fd;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/torture-%d", dir, id);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd >= 0 && ftruncate(fd, 4 * MAXLEN)) {
		close(fd);
		fd = -1;
	}
	unlink(path);
	return fd;
}

/* One mutator: SLOTS mappings, each step changes one of them at random. */
static void mutate(unsigned int seed)
{
	struct { char *p; size_t len; } slot[SLOTS] = {};
	int i, file = open_backing_file(seed);
	pthread_t threads[2];

	for (i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, fault_thread, (void *)(unsigned long)(seed + i));
	while (!stop) {
		int s = rnd(&seed) % SLOTS, op = rnd(&seed) % 10;
		size_t len = ((rnd(&seed) % (MAXLEN / PS)) + 1) * PS;
		char *q;

		if (!slot[s].p && op > 1) {
			int memfd = -1;

			if (op == 9) {
				memfd = memfd_create("torture", 0);
				/* room for mremap growth: touching past EOF would SIGBUS */
				if (memfd < 0 || ftruncate(memfd, 4 * MAXLEN))
					continue;
			}
			if (op == 8 && file >= 0)	/* page cache, shared or private (COW) */
				q = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 rnd(&seed) % 2 ? MAP_SHARED : MAP_PRIVATE, file, 0);
			else
				q = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 memfd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, memfd, 0);
			if (memfd >= 0)
				close(memfd);
			if (q == MAP_FAILED)
				continue;
			slot[s].p = q;
			slot[s].len = len;
			memset(q, s, len / 2);
			continue;
		}
		if (!slot[s].p)
			continue;
		switch (op) {
		case 0:
			munmap(slot[s].p, slot[s].len);
			slot[s].p = NULL;
			break;
		case 1:
			/* split the VMA in three, then let it merge again */
			q = slot[s].p + slot[s].len / 2 / PS * PS;
			mprotect(q, PS, PROT_READ);
			mprotect(q, PS, PROT_READ | PROT_WRITE);
			break;
		case 2:
			if (slot[s].len * 2 > 4 * MAXLEN)
				break;
			q = mremap(slot[s].p, slot[s].len, slot[s].len * 2, MREMAP_MAYMOVE);
			if (q != MAP_FAILED) {
				slot[s].p = q;
				slot[s].len *= 2;
			}
			break;
		case 3:
			madvise(slot[s].p, slot[s].len, MADV_DONTNEED);
			break;
		case 4:
			madvise(slot[s].p, slot[s].len, MADV_PAGEOUT);
			break;
		case 5:
			madvise(slot[s].p, slot[s].len, MADV_HUGEPAGE);
			memset(slot[s].p, 7, slot[s].len);
			/* EINVAL on some mappings and kernels: then it is just more faults. */
			madvise(slot[s].p, slot[s].len, MADV_COLLAPSE);
			break;
		case 6:
			split_thps(slot[s].p, slot[s].len);
			madvise(slot[s].p, slot[s].len, MADV_NOHUGEPAGE);
			break;
		case 7: {
			/* fork: a child that writes a little and exits at once (COW, exit mid-read) */
			pid_t c = fork();

			if (c == 0) {
				memset(slot[s].p, 9, PS);
				_exit(0);
			}
			if (c > 0)
				waitpid(c, NULL, 0);
			break;
		}
		default:
			memset(slot[s].p, op, slot[s].len);
			break;
		}
	}
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	_exit(0);
}

/*
 * The exec mutator: maps and touches a little memory, then exec()s itself again (same pid, new
 * address space) until @deadline (a time(NULL) value).
 */
static void exec_again(const char *self, time_t deadline)
{
	char arg[32], *p = mmap(NULL, MAXLEN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		memset(p, 1, MAXLEN / 2);
	if (time(NULL) >= deadline)
		_exit(0);
	snprintf(arg, sizeof(arg), "%lld", (long long)deadline);
	execl(self, self, "--exec-until", arg, (char *)NULL);
	_exit(1);
}

/* Report a bad read from a child process: its stdout is flushed before _exit(). */
static int bad_read(const char *path, const char *what, int err, const char *text)
{
	static int reported;

	if (reported++ < 5)
		ksft_print_msg("%s: %s%s%s\n", path, what, err ? ": " : "", err ? strerror(err) : "");
	if (text && reported <= 5)
		ksft_print_msg("%s text: %.200s\n", path, text);
	fflush(stdout);
	return 1;
}

/*
 * A read gives consistent numbers or one of the documented errors. 0 ok, 1 bad. A target that
 * has exited (a zombie mutator at the end, a forked child) fails at open with ENOENT (no dentry)
 * or ESRCH (a cached dentry whose process has no address space any more), or later with ESRCH.
 */
static int read_one(const char *path, bool byte_by_byte)
{
	const char *name = path + strlen(VMACCT_DIR) + 1;
	char buf[8192];
	struct vmacct_counts c;
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : bad_read(path, "open", errno, NULL);
	for (;;) {
		r = read(fd, buf + n, byte_by_byte ? 1 : sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += r;
		if (n >= sizeof(buf) - 1)
			n = 0;	/* only the last part is kept: large maps files are just streamed */
	}
	if (r < 0) {
		int err = errno;

		close(fd);
		return err == ESRCH || err == EINTR ? 0 : bad_read(path, "read", err, NULL);
	}
	close(fd);
	buf[n] = 0;
	if (strchr(name, '/') || !strncmp(name, "all", 3))
		return 0;
	if (n == 0)
		return bad_read(path, "empty summary", 0, NULL);
	if (vmacct_parse_summary(buf, &c))
		return bad_read(path, "unparsable summary", 0, buf);
	if (c.v[VF_SHARED] + c.v[VF_PRIVATE] != c.v[VF_RESIDENT])
		return bad_read(path, "shared + private != resident", 0, buf);
	return 0;
}

static void reader(int id, unsigned int seed)
{
	char path[64];
	int bad = 0;

	while (!stop) {
		pid_t target = mutators[rnd(&seed) % NR_MUTATORS];

		switch (rnd(&seed) % 3) {
		case 0:
			snprintf(path, sizeof(path), VMACCT_DIR "/%d", target);
			break;
		case 1:
			snprintf(path, sizeof(path), VMACCT_DIR "/maps/%d", target);
			break;
		default:
			snprintf(path, sizeof(path), VMACCT_DIR "/all");
			break;
		}
		bad += read_one(path, id == 0 && !(rnd(&seed) % 4));
	}
	fflush(stdout);
	_exit(bad ? 1 : 0);
}

static int seconds;
static pid_t readers[NR_READERS];
static int kills;

/* The mutators and readers run for @seconds, while more readers are SIGKILLed mid-read. */
static void run_torture(void)
{
	time_t end;
	int i;

	fflush(stdout);	/* the children flush stdout: nothing of the parent's may be in it */
	signal(SIGALRM, on_alarm);
	for (i = 0; i < NR_MUTATORS; i++) {
		mutators[i] = fork();
		if (!mutators[i] && i == NR_MUTATORS - 1)
			exec_again("/proc/self/exe", time(NULL) + seconds);
		if (!mutators[i]) {
			alarm(seconds);
			mutate(1000 + i);
		}
	}
	for (i = 0; i < NR_READERS; i++) {
		readers[i] = fork();
		if (!readers[i]) {
			alarm(seconds);
			reader(i, 2000 + i);
		}
	}
	/* A fourth kind of reader: started and SIGKILLed mid-read, over and over. */
	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		pid_t k = fork();

		if (!k) {
			char path[64];

			snprintf(path, sizeof(path), VMACCT_DIR "/maps/%d", mutators[kills % NR_MUTATORS]);
			for (;;)
				read_one(path, true);
		}
		usleep(20000 + (kills % 7) * 5000);
		kill(k, SIGKILL);
		waitpid(k, NULL, 0);
		kills++;
	}
}

/* Each reader exits 1 after a read that was neither consistent nor a documented error. */
static void reads_consistent(void)
{
	int i, status, bad = 0;

	for (i = 0; i < NR_READERS; i++) {
		waitpid(readers[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("reader %d: status %#x\n", i, status);
			bad++;
		}
	}
	ksft_print_msg("%d s, %d mutators, %d readers, %d readers killed mid-read\n", seconds,
		       NR_MUTATORS, NR_READERS, kills);
	ksft_test_result(!bad, "every read was consistent or failed with ESRCH/ENOENT/EINTR\n");
}

static void mutators_survived(void)
{
	int i, status, dead = 0;

	for (i = 0; i < NR_MUTATORS; i++) {
		waitpid(mutators[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("mutator %d: status %#x\n", mutators[i], status);
			dead++;
		}
	}
	ksft_test_result(!dead, "mutators ran to the end\n");
}

/* One KTAP result each, judged after run_torture(). */
static void (*const results[])(void) = { reads_consistent, mutators_survived };

int main(int argc, char **argv)
{
	const char *env = getenv("VMACCT_TORTURE_SECONDS");
	unsigned int i;

	if (argc == 3 && !strcmp(argv[1], "--exec-until"))
		exec_again("/proc/self/exe", atoll(argv[2]));
	seconds = env ? atoi(env) : 20;
	vmacct_ksft_start(VMACCT_DIR "/version", ARRAY_SIZE(results));
	run_torture();
	for (i = 0; i < ARRAY_SIZE(results); i++)
		results[i]();
	ksft_finished();
}
