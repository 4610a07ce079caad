// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table states and address-space changes the walker must count exactly, each a regression
 * test for a way the module has gone wrong:
 * - uffd-wp markers (PTE_MARKER_UFFD_WP, a swap-format entry) where a hugetlb page would be: at the
 *   PUD of a 1 GiB page and at the PMD of a 2 MiB one (with 4 KiB pages; with arm64's 16 KiB pages
 *   in 32 contiguous PMDs and 128 contiguous PTEs). They map nothing, and an entry that is not
 *   present is no page table either;
 * - arm64's contiguous hugetlb sizes (with 4 KiB pages 64 KiB: 16 PTEs, 32 MiB: 16 PMDs; with
 *   16 KiB pages 2 MiB: 128 PTEs, 1 GiB: 32 PMDs), counted once per page;
 * - a VMA that grows (heap) or loses its head (munmap) while the walk has let go of mmap_lock: the
 *   numbers may lag the change but never count a page twice or miss one that stayed mapped;
 * - PROT_NONE pages (a PMD THP and small pages): counted exactly as the kernel's smaps counts them;
 * - the file interface: setattr (chmod, chown, truncate, utimes) is refused, and readdir lists
 *   exactly the names a lookup finds (no zombies, no leaders whose other threads live on).
 *
 * The processes under test are children that are either frozen while read or change in one
 * direction only (pages only added, or only removed), so every expected number is exact or a
 * bound that holds for any timing. Each test kills and reaps its children on every way out: no
 * ASSERT once a child exists (an ASSERT ends the test process on the spot), and should the test
 * process die anyway, a frozen child exits when its pipe closes and a busy one by
 * PR_SET_PDEATHSIG (the harness's timeout kills the whole process group).
 *
 * VMACCT_STATES_HEAP_MIB (default 512) and VMACCT_STATES_TRIM_MIB (default 512): the sizes of the
 * growing heap and of the mapping trimmed from its head. VMACCT_STATES_SKIP_HUGETLB_1G=1 skips the
 * 1 GiB marker test: on a module that oopses there, it lets the other tests run on a clean kernel.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "vmacct_util.h"

/*
 * The harness gives a TEST() 30 s, where it expands TEST_TIMEOUT_DEFAULT. The growth and trim
 * tests fault in and walk 512 MiB of small pages a hundred times and more: some 20 s under TCG, a
 * few times that on a KASAN kernel.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

/* The kernel's page size and PMD size (a THP): 4 KiB and 2 MiB, or arm64's 16 KiB and 32 MiB. */
#define PS		vmacct_page_size()
#define HPAGE		vmacct_pmd_size()
#define MiB		(1UL << 20)
#define GiB		(1UL << 30)
/* What the heap grows by and the trimmed mapping loses at a time: a multiple of any page size. */
#define PIECE		(2 * MiB)
#define NOBODY		65534

/* /proc/pid/pagemap bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT	(1ULL << 63)
#define PM_UFFD_WP	(1ULL << 57)

/* task->flags of /proc/pid/stat: the task is in do_exit(). */
#define PF_EXITING	0x4

/* --- children: every one is killed and reaped, whatever path the test takes --- */

static struct child kids[4];	/* .go: the pipe that holds a frozen child, or -1 */
static int nr_kids;

static void kid_add(pid_t pid, int go)
{
	if (pid > 0 && nr_kids < (int)ARRAY_SIZE(kids))
		kids[nr_kids++] = (struct child){ .pid = pid, .go = go };
}

/* Reaped already: not to be killed (its number may be reused). */
static void kid_forget(pid_t pid)
{
	int i;

	for (i = 0; i < nr_kids; i++)
		if (kids[i].pid == pid)
			kids[i] = kids[--nr_kids];
}

/* SIGKILL and reap (a zombie is only reaped). */
static void kid_kill(pid_t pid)
{
	int i;

	for (i = 0; i < nr_kids; i++) {
		if (kids[i].pid != pid)
			continue;
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (kids[i].go >= 0)
			close(kids[i].go);
		kids[i] = kids[--nr_kids];
		return;
	}
}

/* The last step of every test that started a child. */
static void kids_reap_all(void)
{
	while (nr_kids)
		kid_kill(kids[nr_kids - 1].pid);
}

/* A frozen child (vmacct_util's spawn_child()): it waits, unchanging, until it is killed. */
static struct child start_frozen(void (*fn)(void *), void *arg)
{
	struct child c = spawn_child(fn, arg);

	kid_add(c.pid, c.go);
	return c;
}

/*
 * A child that keeps changing while it is read: @fn(@arg, @ready) writes a byte to @ready once it
 * is set up, then works, and never returns. The parent gets its pid once it is ready, -1 if it
 * died first. PR_SET_PDEATHSIG: should this test process die, the child goes with it.
 */
static pid_t start_busy(void (*fn)(void *arg, int ready), void *arg)
{
	int p[2];
	pid_t pid;
	char b;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(arg, p[1]);
		_exit(0);
	}
	close(p[1]);
	kid_add(pid, -1);
	if (pid > 0 && read(p[0], &b, 1) != 1) {
		kid_kill(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/* --- helpers --- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A size from the environment, within what the test can use: a smaller or larger one is clamped
 * (and said), not replaced by the default, which is the largest size of all (make check's debug
 * kernel asks for small sizes).
 */
static long env_long(const char *name, long def, long min, long max)
{
	const char *s = getenv(name);
	long v = s && *s ? strtol(s, NULL, 0) : def;

	if (v < min || v > max) {
		printf("# %s=%ld is outside %ld..%ld: %ld\n", name, v, min, max, v < min ? min : max);
		v = v < min ? min : max;
	}
	return v;
}

/*
 * How many kB top_res (the kernel's RSS counters, read as statm reads them at the end of the walk)
 * may lag behind the pages a single-threaded process really has mapped, when that process only
 * ever adds pages, one per page fault:
 * - up to 6.1 (SPLIT_RSS_COUNTING), each thread adds its faults to a cache of its own, which
 *   reaches the mm's counters only when a fault finds more than TASK_RSS_EVENTS_THRESH (64) faults
 *   counted since the last sync: the syncing fault and the 65 after it wait there, 66 pages that
 *   statm does not see yet;
 * - from 6.2 the counters are per-cpu (percpu_counter): every CPU holds up to batch - 1 pages
 *   (batch = max(32, 2 * CPUs online)) that statm's get_mm_counter() does not add in, until 6.16
 *   (and 6.12.39 in 6.12.y) made statm sum them (get_mm_counter_sum()), exactly;
 * - so 0 from 6.16 and on 6.12.39 and later.
 * A process that only removes pages can only make top_res lag below what it has mapped (an unmap
 * reaches the mm's counters at once, or folds the per-cpu part), so the same bound serves there.
 * @why says which case applies.
 */
static uint64_t rss_slack_kb(const char **why)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF), online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int major = 0, minor = 0, sub = 0;
	struct utsname u;
	long batch;

	if (!uname(&u))
		sscanf(u.release, "%u.%u.%u", &major, &minor, &sub);
	if (major < 6 || (major == 6 && minor < 2)) {
		*why = "per-thread RSS caches synced every 64 faults";
		return 66 * KB(PS);
	}
	if (major > 6 || minor >= 16 || (minor == 12 && sub >= 39)) {
		*why = "statm sums the per-cpu RSS counters";
		return 0;
	}
	batch = 2 * online > 32 ? 2 * online : 32;
	*why = "per-cpu RSS counters that statm reads without their per-cpu parts";
	return (uint64_t)(batch - 1) * (cpus > 0 ? cpus : 1) * KB(PS);
}

/* --- 1. uffd-wp markers where hugetlb pages would be --- */

/* Shared between the test and its child, which builds the state and reports here. */
struct uffd_case {
	size_t len;
	size_t page;		/* the hugetlb page size */
	int huge_flag;		/* MAP_HUGE_1GB, MAP_HUGE_2MB, ...: the page size's */
	bool populate_first;	/* fault the first huge page in before write-protecting */
	bool wp;		/* write-protect the range (else no userfaultfd at all) */
	unsigned long addr;	/* out: the mapping */
	uint64_t features;	/* out: what UFFDIO_API was asked for */
	bool skip;		/* out: the kernel cannot build this state, see msg */
	bool failed;		/* out: a step failed that should not, see msg */
	char msg[200];
};

static void uffd_report(struct uffd_case *u, bool skip, const char *what, int err)
{
	snprintf(u->msg, sizeof(u->msg), "%s: %s", what, strerror(err));
	u->skip = skip;
	u->failed = !skip;
}

/*
 * Register @u's whole range with a new userfaultfd for write-protect faults and write-protect it.
 * Every hugetlb entry of the range that maps no page becomes a PTE_MARKER_UFFD_WP entry (the
 * marker remembers the protection for the page a later fault would map). The descriptor stays
 * open: the registration lives as long as it. UFFD_USER_MODE_ONLY: what an unprivileged user may
 * open whatever vm.unprivileged_userfaultfd says.
 */
static void uffd_wp_range(struct uffd_case *u)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = u->addr, .len = u->len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = u->addr, .len = u->len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	uint64_t want = UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (fd < 0) {
		uffd_report(u, errno == ENOSYS || errno == EINVAL || errno == EPERM,
			    "userfaultfd(UFFD_USER_MODE_ONLY)", errno);
		return;
	}
	/* UFFDIO_API works once per descriptor: a first one only asks what the kernel offers. */
	if (ioctl(fd, UFFDIO_API, &api)) {
		uffd_report(u, false, "UFFDIO_API", errno);
		return;
	}
	close(fd);
	if (!(api.features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM)) {
		uffd_report(u, true, "UFFD_FEATURE_WP_HUGETLBFS_SHMEM", EOPNOTSUPP);
		return;
	}
	if (api.features & UFFD_FEATURE_WP_UNPOPULATED)
		want |= UFFD_FEATURE_WP_UNPOPULATED;
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	api = (struct uffdio_api){ .api = UFFD_API, .features = want };
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api)) {
		uffd_report(u, false, "UFFDIO_API with the features offered", errno);
		return;
	}
	if (ioctl(fd, UFFDIO_REGISTER, &reg)) {
		uffd_report(u, false, "UFFDIO_REGISTER (mode WP)", errno);
		return;
	}
	if (ioctl(fd, UFFDIO_WRITEPROTECT, &wp)) {
		uffd_report(u, false, "UFFDIO_WRITEPROTECT", errno);
		return;
	}
	u->features = want;
}

static sigjmp_buf populate_env;

static void populate_sigbus(int sig)
{
	siglongjmp(populate_env, 1);
}

/*
 * The child, before it reports ready: an unprivileged user (setgid first, while it still may)
 * maps hugetlb memory with MAP_NORESERVE (no pool page is reserved, so a 1 GiB page needs no
 * 1 GiB pool) and write-protects it through userfaultfd.
 */
static void uffd_child(void *arg)
{
	struct uffd_case *u = arg;
	struct sigaction sa = { .sa_handler = populate_sigbus };
	char *p;

	if (setgid(NOBODY) || setuid(NOBODY)) {
		uffd_report(u, false, "setgid/setuid(65534)", errno);
		return;
	}
	p = mmap(NULL, u->len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE | u->huge_flag, -1, 0);
	if (p == MAP_FAILED) {
		uffd_report(u, true, "mmap(MAP_HUGETLB) of this page size", errno);
		return;
	}
	u->addr = (unsigned long)p;
	if (u->populate_first) {
		/* Without a reservation, a fault that finds the pool empty gets SIGBUS. */
		sigaction(SIGBUS, &sa, NULL);
		if (sigsetjmp(populate_env, 1)) {
			uffd_report(u, true, "no free hugetlb page of this size", ENOMEM);
			return;
		}
		*(volatile char *)p = 1;
		sa.sa_handler = SIG_DFL;
		sigaction(SIGBUS, &sa, NULL);
	}
	if (u->wp)
		uffd_wp_range(u);
}

/* The pagemap entry of @addr in process @pid, or 0 when unreadable. */
static uint64_t pagemap_entry(pid_t pid, unsigned long addr)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), addr / PS * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return e;
}

/*
 * Map @len bytes of hugetlb pages of @page bytes in an unprivileged child, the first one faulted
 * in when @populate_first, write-protect the range with userfaultfd when @wp, and check what
 * vmacct says about it: its maps row (only the present page is hugetlb; a marker or an empty
 * entry maps nothing), the same as smaps; the <pid> summary and the process's row of `all` agree
 * with the row.
 */
static void check_uffd_case(struct __test_metadata *_metadata, size_t len, size_t page,
			    bool populate_first, bool wp)
{
	struct uffd_case *u = map_shared(sizeof(*u));
	uint64_t want_hugetlb = populate_first ? KB(page) : 0;
	struct vmacct_counts want = want_row(KB(len)), row, sum, *rows;
	unsigned long marker;
	struct smaps_counts s;
	int n, i, found = 0, ret;
	struct child c;
	uint64_t e;

	ASSERT_NE(NULL, u);
	u->len = len;
	u->page = page;
	u->huge_flag = __builtin_ctzl(page) << MAP_HUGE_SHIFT;
	u->populate_first = populate_first;
	u->wp = wp;
	c = start_frozen(uffd_child, u);
	ASSERT_GT(c.pid, 0);
	if (u->skip)
		SKIP(goto out, "%s", u->msg);
	EXPECT_FALSE(u->failed) TH_LOG("%s", u->msg);
	if (u->failed)
		goto out;
	printf("# %zu KiB at %#lx, uffd features %#" PRIx64 "\n", len >> 10, u->addr, u->features);

	/*
	 * The state under test must exist, or a pass would mean nothing: the kernel reports a
	 * marker in pagemap as PM_UFFD_WP without PM_PRESENT. (Older kernels install one only
	 * where the upper page-table levels already exist; newer ones allocate them for it.)
	 */
	marker = u->addr + len - (populate_first ? page : len);
	e = pagemap_entry(c.pid, marker);
	if (wp && (!(e & PM_UFFD_WP) || (e & PM_PRESENT)))
		SKIP(goto out, "no uffd-wp marker at %#lx (pagemap %#" PRIx64 ")", marker, e);
	EXPECT_FALSE(!!(e & PM_PRESENT)) TH_LOG("the last huge page is present");
	if (!wp) {
		EXPECT_TRUE(!!(pagemap_entry(c.pid, u->addr) & PM_PRESENT))
			TH_LOG("the first huge page is not present");
	} else if (populate_first) {
		e = pagemap_entry(c.pid, u->addr) & (PM_PRESENT | PM_UFFD_WP);
		EXPECT_EQ(PM_PRESENT | PM_UFFD_WP, e)
			TH_LOG("the first huge page is not present and write-protected");
	}

	/* A walker that takes the marker for a page table oopses here. */
	ret = vmacct_read_summary(c.pid, &sum);
	EXPECT_EQ(0, ret) TH_LOG("<pid>: %s", strerror(-ret));
	want.v[VF_HUGETLB] = want_hugetlb;
	ret = vmacct_read_row(c.pid, u->addr, &row);
	EXPECT_EQ(0, ret) TH_LOG("maps/<pid>: %s", strerror(-ret));
	if (ret)
		goto out;
	EXPECT_EQ(u->addr, row.start);
	EXPECT_EQ(0, vmacct_diff("hugetlb row", &row, &want));
	EXPECT_EQ(0, smaps_vma_read(c.pid, row.start, &s));
	EXPECT_EQ(0, row_vs_smaps("hugetlb row vs smaps", &row, &s));
	/* The child's only hugetlb mapping: the summary's hugetlb is the row's. */
	EXPECT_EQ(want_hugetlb, sum.v[VF_HUGETLB]);

	n = vmacct_read_all(&rows);
	EXPECT_GT(n, 0) TH_LOG("all: %s", strerror(-n));
	for (i = 0; i < n; i++) {
		if (rows[i].pid != c.pid)
			continue;
		found = 1;
		EXPECT_EQ(sum.v[VF_HUGETLB], rows[i].v[VF_HUGETLB]);
		EXPECT_EQ(sum.v[VF_MAPPED], rows[i].v[VF_MAPPED]);
	}
	if (n > 0)
		free(rows);
	EXPECT_TRUE(found) TH_LOG("pid %d has no row in all", c.pid);
out:
	kids_reap_all();
	munmap(u, sizeof(*u));
}

/*
 * 1 GiB of hugetlb, nothing faulted in: one marker in the PUD entry (x86-64, arm64 with 4 KiB
 * pages), or in each of the 32 contiguous PMDs of arm64's 1 GiB page with 16 KiB pages.
 */
TEST(hugetlb_1g_uffd_wp_markers)
{
	if (getenv("VMACCT_STATES_SKIP_HUGETLB_1G"))
		SKIP(return, "VMACCT_STATES_SKIP_HUGETLB_1G is set");
	check_uffd_case(_metadata, GiB, GiB, false, true);
}

/*
 * Two hugetlb pages of @page bytes, the first faulted in, @wp: write-protected (a marker in the
 * second): one page of hugetlb. The pool gets a page of that size for the test when it has none
 * (the default size's pool is filled by run_vmacct.sh; 2 MiB is not the default with 16 KiB pages).
 */
static void check_huge_size(struct __test_metadata *_metadata, size_t page, bool wp)
{
	char path[128], old[32];
	long n;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
		 page >> 10);
	n = read_long(path, -1);
	if (n < 0)
		SKIP(return, "no %zu KiB hugetlb pages here", page >> 10);
	snprintf(old, sizeof(old), "%ld", n);
	if (n < 1 && write_file(path, "1"))
		SKIP(return, "cannot write %s", path);
	check_uffd_case(_metadata, 2 * page, page, true, wp);
	if (n < 1)
		write_file(path, old);
}

/*
 * 4 MiB of 2 MiB hugetlb pages: the first present (and write-protected), a marker in the next. A
 * PMD entry each (x86-64, arm64 with 4 KiB pages), or 128 contiguous PTEs (arm64, 16 KiB pages).
 */
TEST(hugetlb_2m_uffd_wp_markers)
{
	check_huge_size(_metadata, 2 * MiB, true);
}

/*
 * The hugetlb sizes of this kernel strictly between @lo and @hi, in @sizes (at most 8): their
 * number. arm64's runs of contiguous PTEs lie between the page and the PMD, its runs of contiguous
 * PMDs between the PMD and the PUD; x86-64 has none there.
 */
static int hugetlb_sizes_between(size_t lo, size_t hi, size_t sizes[8])
{
	size_t all[16];
	int n = vmacct_hugetlb_sizes(all, ARRAY_SIZE(all)), i, k = 0;

	for (i = 0; i < n && k < 8; i++)
		if (all[i] > lo && all[i] < hi)
			sizes[k++] = all[i];
	return k;
}

/*
 * arm64's hugetlb pages of contiguous PTEs (64 KiB: 16 of 4 KiB; 2 MiB: 128 of 16 KiB), found
 * through the PTE table: each size the kernel has below the PMD, counted once per page.
 */
TEST(hugetlb_contiguous_ptes)
{
	size_t sizes[8];
	int n = hugetlb_sizes_between(PS, HPAGE, sizes), i;

	if (!n)
		SKIP(return, "no hugetlb size between the page (%zu KiB) and the PMD (%zu KiB): "
		     "contiguous PTEs are arm64's", PS >> 10, HPAGE >> 10);
	for (i = 0; i < n; i++) {
		printf("# %zu KiB: %zu contiguous PTEs\n", sizes[i] >> 10, sizes[i] / PS);
		check_huge_size(_metadata, sizes[i], false);
	}
}

/*
 * arm64's hugetlb pages of contiguous PMDs (32 MiB: 16 of 2 MiB with 4 KiB pages; 1 GiB: 32 of
 * 32 MiB with 16 KiB pages): each size the kernel has between the PMD and the PUD, counted once,
 * by the first entry.
 */
TEST(hugetlb_contiguous_pmds)
{
	size_t sizes[8];
	int n = hugetlb_sizes_between(HPAGE, vmacct_pud_size(), sizes), i;

	if (!n)
		SKIP(return, "no hugetlb size between the PMD (%zu KiB) and the PUD (%zu KiB): "
		     "contiguous PMDs are arm64's", HPAGE >> 10, vmacct_pud_size() >> 10);
	for (i = 0; i < n; i++) {
		printf("# %zu KiB: %zu contiguous PMDs\n", sizes[i] >> 10, sizes[i] / HPAGE);
		check_huge_size(_metadata, sizes[i], false);
	}
}

/* One read of a busy child's <pid> file: 0, or -1 (printed) when it failed. */
static int read_busy(pid_t pid, int reads, struct vmacct_counts *c)
{
	int ret = vmacct_read_summary(pid, c);

	if (ret)
		printf("# read %d: %s\n", reads, strerror(-ret));
	return ret ? -1 : 0;
}

/*
 * After a read of a busy child: true (printed) when it died or 240 s have passed since @t0; the
 * test then says how far the child got.
 */
static bool busy_over(pid_t pid, double t0)
{
	int status;

	if (waitpid(pid, &status, WNOHANG) == pid) {
		kid_forget(pid);
		printf("# the child died: status %#x\n", status);
		return true;
	}
	if (now() - t0 > 240) {
		printf("# 240 s passed: no more reads\n");
		return true;
	}
	return false;
}

/* --- 2. a heap that grows while it is read --- */

struct heap_state {
	size_t limit;			/* bytes to grow to */
	volatile size_t grown;		/* bytes grown so far */
	volatile int done;		/* reached the limit (or sbrk failed: err) */
	volatile int err;
};

static void heap_grow_piece(struct heap_state *h)
{
	char *p = sbrk(PIECE);
	size_t i;

	if (p == (void *)-1) {
		h->err = errno;
		h->done = 1;
		return;
	}
	for (i = 0; i < PIECE; i += PS)
		p[i] = 1;
	h->grown += PIECE;
}

/*
 * Grows the heap by PIECE (2 MiB) at a time with sbrk() (brk extends the [heap] VMA in place) and
 * writes every page: pages are only ever added. Set up so that each fault adds exactly one page and
 * nothing else of the process faults: no THP (PR_SET_THP_DISABLE leaves the VMA's flags alone, so
 * brk still extends it), every existing page faulted in and locked now (MCL_CURRENT), and the
 * heap locked on fault (MCL_FUTURE | MCL_ONFAULT), so that reclaim cannot take a page the walk
 * has counted. The first piece is grown before the child reports ready: its faults (512 of 4 KiB
 * pages, 128 of 16 KiB) also flush 6.1's per-thread RSS cache of the multi-page faults of
 * MCL_CURRENT.
 */
static void heap_child(void *arg, int ready)
{
	struct heap_state *h = arg;

	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	mlockall(MCL_CURRENT);
	mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
	heap_grow_piece(h);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	while (!h->done) {
		heap_grow_piece(h);
		if (h->grown >= h->limit)
			h->done = 1;
	}
	for (;;)
		pause();
}

/*
 * While the heap grows, every read of <pid> must stay within what the process had at the end of
 * that walk, which the module reads then (top_virt, top_res): mapped <= top_virt always (VMAs only
 * grow), and resident <= top_res + the counters' lag (pages are only added, each one a fault, so
 * a page the walk saw is still mapped and counted when the walk ends). A walk that restarts a grown
 * VMA from its start counts its first part twice.
 */
TEST(heap_growth_never_overcounts)
{
	long mib = env_long("VMACCT_STATES_HEAP_MIB", 512, 4, 1 << 20);
	struct heap_state *h = map_shared(sizeof(*h));
	int64_t worst_res = INT64_MIN, worst_virt = INT64_MIN;
	int reads = 0, after_done = 0, bad = 0;
	const char *why;
	uint64_t slack = rss_slack_kb(&why);
	double t0 = now();
	pid_t pid;

	ASSERT_NE(NULL, h);
	h->limit = (size_t)mib * MiB;
	pid = start_busy(heap_child, h);
	ASSERT_GT(pid, 0);
	while (reads < 100 || after_done < 20) {
		struct vmacct_counts c;
		int done = h->done;
		int64_t res, virt;

		if (read_busy(pid, reads, &c)) {
			bad++;
			break;
		}
		reads++;
		after_done += done;
		res = (int64_t)(c.v[VF_RESIDENT] - c.v[VF_TOP_RES]);
		virt = (int64_t)(c.v[VF_MAPPED] - c.v[VF_TOP_VIRT]);
		if (res > worst_res)
			worst_res = res;
		if (virt > worst_virt)
			worst_virt = virt;
		if (res > (int64_t)slack || virt > 0) {
			if (bad++ < 5)
				printf("# read %d at %zu MiB: resident %" PRIu64 " top_res %" PRIu64
				       " mapped %" PRIu64 " top_virt %" PRIu64 " kB\n", reads,
				       h->grown / MiB, c.v[VF_RESIDENT], c.v[VF_TOP_RES],
				       c.v[VF_MAPPED], c.v[VF_TOP_VIRT]);
		}
		if (busy_over(pid, t0)) {
			bad++;
			break;
		}
	}
	printf("# %d reads while the heap grew to %zu MiB%s%s in %.1f s\n", reads, h->grown / MiB,
	       h->err ? ", sbrk: " : "", h->err ? strerror(h->err) : "", now() - t0);
	if (reads) {
		printf("# worst resident - top_res %+" PRId64 " kB (allowed %" PRIu64 " kB: %s)\n",
		       worst_res, slack, why);
		printf("# worst mapped - top_virt %+" PRId64 " kB (allowed 0)\n", worst_virt);
	}
	EXPECT_EQ(0, bad);
	kids_reap_all();
	munmap(h, sizeof(*h));
}

/* --- 3. a mapping that loses its head while it is read --- */

struct trim_state {
	size_t size;			/* bytes mapped at first */
	volatile unsigned long reads;	/* reads the test has done */
	volatile size_t left;		/* bytes still mapped */
	volatile int done;		/* trimmed down to TRIM_KEEP */
	volatile int err;
};

#define TRIM_KEEP	(64 * MiB)

/*
 * Maps @size of small anonymous pages (MADV_NOHUGEPAGE: khugepaged leaves them alone too), writes
 * each, then unmaps PIECE (2 MiB) from the head at a time: pages are only ever removed.
 * Everything else the process has is faulted in and locked before (MCL_CURRENT), so no page is
 * added while it is read. One munmap per read of the test, at a varying delay into that read, so
 * that most land while the walk is inside the mapping.
 */
static void trim_child(void *arg, int ready)
{
	struct trim_state *t = arg;
	unsigned long seen;
	char *p;
	size_t i;
	int n = 0;

	mlockall(MCL_CURRENT);
	p = mmap(NULL, t->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Without THP (Debian's PREEMPT_RT kernel) MADV_NOHUGEPAGE is EINVAL: small pages anyway. */
	if (p == MAP_FAILED || (madvise(p, t->size, MADV_NOHUGEPAGE) && errno != EINVAL)) {
		t->err = errno;
		t->done = 1;
		if (write(ready, "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	for (i = 0; i < t->size; i += PS)
		p[i] = 1;
	t->left = t->size;
	seen = t->reads;
	if (write(ready, "r", 1) != 1)
		_exit(1);
	while (t->left > TRIM_KEEP) {
		while (t->reads == seen)
			usleep(100);
		seen = t->reads;
		usleep(500 * (n++ % 16));
		if (munmap(p, PIECE)) {
			t->err = errno;
			break;
		}
		p += PIECE;
		t->left -= PIECE;
	}
	t->done = 1;
	for (;;)
		pause();
}

/*
 * While the mapping loses its head, every read of <pid> must count at least what the process still
 * had at the end of that walk: resident >= top_res - the counters' lag. Every page mapped at the
 * end of the walk was mapped throughout it, so the walk passed it. A walk that stops counting a
 * VMA whose start moved while it let go of mmap_lock misses the rest of it.
 * One exception is the munmap under way: it takes the VMA out of the tree first and then zaps its
 * pages with mmap_lock downgraded to read (do_vmi_align_munmap()), so a walk running meanwhile no
 * longer finds the range while top_res still counts its pages. The child unmaps one PIECE
 * (2 MiB) at a time, so up to 2048 kB more may be missing (the bug this test is for misses
 * hundreds of MiB).
 */
TEST(vma_head_trim_never_undercounts)
{
	long mib = env_long("VMACCT_STATES_TRIM_MIB", 512, 128, 1 << 20);
	struct trim_state *t = map_shared(sizeof(*t));
	int64_t worst = INT64_MIN;
	int reads = 0, bad = 0;
	const char *why;
	uint64_t slack = rss_slack_kb(&why) + KB(PIECE);
	double t0 = now();
	pid_t pid;

	ASSERT_NE(NULL, t);
	t->size = (size_t)mib * MiB;
	pid = start_busy(trim_child, t);
	ASSERT_GT(pid, 0);
	if (t->err && !t->left)
		SKIP(kids_reap_all(); return, "could not map %ld MiB: %s", mib, strerror(t->err));
	while (reads < 50 || !t->done) {
		struct vmacct_counts c;
		int64_t short_kb;

		if (read_busy(pid, reads, &c)) {
			bad++;
			break;
		}
		reads++;
		t->reads = reads;
		short_kb = (int64_t)(c.v[VF_TOP_RES] - c.v[VF_RESIDENT]);
		if (short_kb > worst)
			worst = short_kb;
		if (short_kb > (int64_t)slack && bad++ < 5)
			printf("# read %d at %zu MiB left: resident %" PRIu64 " top_res %" PRIu64
			       " kB\n", reads, t->left / MiB, c.v[VF_RESIDENT], c.v[VF_TOP_RES]);
		if (busy_over(pid, t0)) {
			bad++;
			break;
		}
	}
	printf("# %d reads while %ld MiB were trimmed to %zu MiB%s%s in %.1f s\n", reads, mib,
	       t->left / MiB, t->err ? ", munmap: " : "", t->err ? strerror(t->err) : "",
	       now() - t0);
	if (reads)
		printf("# worst top_res - resident %+" PRId64 " kB (allowed %" PRIu64
		       " kB: one munmap in flight, %s)\n", worst, slack, why);
	EXPECT_EQ(0, bad);
	kids_reap_all();
	munmap(t, sizeof(*t));
}

/* --- 4. PROT_NONE pages, as smaps counts them --- */

struct protnone_case {
	bool thp;		/* a THP, or 16 small pages */
	unsigned long addr;	/* out */
	uint64_t thp_kb;	/* out: smaps AnonHugePages before mprotect() */
	int err;		/* out */
};

#define SMALL_PAGES	16

/*
 * The child: writes the region (a THP fault, or small pages), notes what smaps says, makes it
 * PROT_NONE. The small pages' region has a hole on either side: a PROT_NONE neighbour with the same
 * flags would otherwise merge with it.
 */
static void protnone_child(void *arg)
{
	struct protnone_case *pc = arg;
	struct smaps_counts s;
	size_t len = pc->thp ? HPAGE : SMALL_PAGES * PS, i;
	char *p;

	if (pc->thp) {
		p = map_aligned_hpage();
	} else {
		p = mmap(NULL, len + 2 * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p != MAP_FAILED) {
			munmap(p, PS);
			munmap(p + PS + len, PS);
			p += PS;
			madvise(p, len, MADV_NOHUGEPAGE);
		} else {
			p = NULL;
		}
	}
	if (!p) {
		pc->err = errno;
		return;
	}
	for (i = 0; i < len; i += PS)
		p[i] = 1;
	if (!smaps_vma_read(getpid(), (unsigned long)p, &s))
		pc->thp_kb = s.anon_huge;
	if (mprotect(p, len, PROT_NONE))
		pc->err = errno;
	pc->addr = (unsigned long)p;
}

/*
 * A PROT_NONE PMD entry is present (x86: _PAGE_PROTNONE) and maps its THP. Whether smaps counts it
 * has changed between kernels (6.1 leaves it out, 6.12 and later count it): vmacct must say what
 * the running kernel's smaps says, and that is all of the THP or none of it.
 */
TEST(protnone_thp_as_smaps)
{
	struct protnone_case *pc = map_shared(sizeof(*pc));
	struct vmacct_counts row;
	struct smaps_counts s;
	struct child c;
	int ret;

	ASSERT_NE(NULL, pc);
	if (!thp_enabled())
		SKIP(return, "transparent hugepages are disabled");
	pc->thp = true;
	c = start_frozen(protnone_child, pc);
	ASSERT_GT(c.pid, 0);
	EXPECT_EQ(0, pc->err) TH_LOG("setting up the THP: %s", strerror(pc->err));
	if (pc->err)
		goto out;
	if (pc->thp_kb != KB(HPAGE))
		SKIP(goto out, "the kernel did not allocate a THP here (AnonHugePages %" PRIu64
		     " kB)", pc->thp_kb);
	ret = read_row_and_smaps(c.pid, pc->addr, &row, &s);
	EXPECT_EQ(0, ret) TH_LOG("maps/<pid> or smaps: %s", strerror(-ret));
	if (ret)
		goto out;
	printf("# PROT_NONE THP: smaps Rss %" PRIu64 " kB, AnonHugePages %" PRIu64 " kB\n", s.rss,
	       s.anon_huge);
	printf("# PROT_NONE THP: vmacct resident %" PRIu64 " kB, thp %" PRIu64 " kB\n",
	       row.v[VF_RESIDENT], row.v[VF_THP]);
	EXPECT_TRUE(s.rss == 0 || s.rss == KB(HPAGE)) TH_LOG("smaps Rss %" PRIu64 " kB", s.rss);
	EXPECT_EQ(s.rss, s.anon_huge);
	EXPECT_EQ(KB(HPAGE), row.v[VF_MAPPED]);
	EXPECT_EQ(0, row_vs_smaps("PROT_NONE THP", &row, &s));
out:
	kids_reap_all();
	munmap(pc, sizeof(*pc));
}

/* PROT_NONE small pages: present entries, counted by smaps on every kernel. */
TEST(protnone_small_pages_as_smaps)
{
	struct protnone_case *pc = map_shared(sizeof(*pc));
	struct vmacct_counts want = want_row(SMALL_PAGES * KB(PS)), row;
	struct smaps_counts s;
	struct child c;
	int ret;

	ASSERT_NE(NULL, pc);
	c = start_frozen(protnone_child, pc);
	ASSERT_GT(c.pid, 0);
	EXPECT_EQ(0, pc->err) TH_LOG("setting up: %s", strerror(pc->err));
	if (pc->err)
		goto out;
	ret = read_row_and_smaps(c.pid, pc->addr, &row, &s);
	EXPECT_EQ(0, ret) TH_LOG("maps/<pid> or smaps: %s", strerror(-ret));
	if (ret)
		goto out;
	want.v[VF_ANON_PRIVATE] = SMALL_PAGES * KB(PS);
	want.v[VF_PRIVATE] = SMALL_PAGES * KB(PS);
	want.v[VF_RESIDENT] = SMALL_PAGES * KB(PS);
	want.v[VF_PSS] = SMALL_PAGES * KB(PS);
	EXPECT_EQ(pc->addr, row.start);
	EXPECT_EQ(0, vmacct_diff("PROT_NONE small pages", &row, &want));
	EXPECT_EQ(0, row_vs_smaps("PROT_NONE small pages", &row, &s));
out:
	kids_reap_all();
	munmap(pc, sizeof(*pc));
}

/* --- 5. attributes cannot be changed, not even by root --- */

static bool same_attrs(const struct stat *a, const struct stat *b)
{
	return a->st_mode == b->st_mode && a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* One attribute change on @path: 0 when it failed with EPERM, else 1 (printed). */
static int refused(const char *path, const char *what, int ret)
{
	int err = errno;

	if (ret < 0 && err == EPERM)
		return 0;
	printf("# %s %s: %s, expected EPERM\n", what, path, ret < 0 ? strerror(err) : "succeeded");
	return 1;
}

/*
 * Root passes every permission check of chmod, chown, truncate and utimes, so only the file
 * system's setattr can refuse them. What one of them changed is put back, so that later tests
 * (and the reader) still find root-only files.
 */
TEST(setattr_rejected)
{
	static const char * const fixed[] = { "version", "all", "stats" };
	struct timeval tv[2] = { { 1, 0 }, { 1, 0 } };
	char paths[ARRAY_SIZE(fixed) + 2][96];
	unsigned int i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		snprintf(paths[i], sizeof(paths[i]), VMACCT_DIR "/%s", fixed[i]);
	snprintf(paths[i++], sizeof(paths[0]), VMACCT_DIR "/%d", getpid());
	snprintf(paths[i], sizeof(paths[0]), VMACCT_DIR "/maps/%d", getpid());
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		const char *p = paths[i];
		struct stat before, after;
		struct timespec ts[2];

		ASSERT_EQ(0, stat(p, &before)) TH_LOG("%s: %s", p, strerror(errno));
		EXPECT_EQ(0400U, before.st_mode & 07777) TH_LOG("%s: mode %o", p, before.st_mode);
		bad += refused(p, "chmod 0644", chmod(p, 0644));
		bad += refused(p, "chown 65534:65534", chown(p, NOBODY, NOBODY));
		bad += refused(p, "truncate 0", truncate(p, 0));
		bad += refused(p, "utimes", utimes(p, tv));
		ASSERT_EQ(0, stat(p, &after));
		if (!same_attrs(&before, &after)) {
			printf("# %s: mode %o uid %u gid %u mtime %lld.%09ld before\n", p,
			       before.st_mode, before.st_uid, before.st_gid,
			       (long long)before.st_mtim.tv_sec, before.st_mtim.tv_nsec);
			printf("# %s: mode %o uid %u gid %u mtime %lld.%09ld after\n", p,
			       after.st_mode, after.st_uid, after.st_gid,
			       (long long)after.st_mtim.tv_sec, after.st_mtim.tv_nsec);
			bad++;
			ts[0] = before.st_atim;
			ts[1] = before.st_mtim;
			if (chmod(p, before.st_mode & 07777) ||
			    chown(p, before.st_uid, before.st_gid) || utimensat(AT_FDCWD, p, ts, 0))
				printf("# %s: could not restore its attributes\n", p);
		}
	}
	EXPECT_EQ(0, bad);
}

/* --- 6. readdir lists what lookup finds --- */

/* State letter and flags of /proc/@pid/stat; false when it is gone. */
static bool proc_state(pid_t pid, char *state, unsigned long *flags)
{
	char path[64], *text, *p;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	text = read_file(path, NULL);
	if (!text)
		return false;
	/* "pid (comm) S ppid pgrp session tty_nr tpgid flags ...": comm may hold ") ". */
	p = strrchr(text, ')');
	if (p && sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", state, flags) == 2)
		ok = true;
	free(text);
	return ok;
}

/* Wait (up to 10 s) until @pid is a zombie: exited, not reaped. */
static bool wait_zombie(pid_t pid)
{
	unsigned long flags;
	char state;
	int i;

	for (i = 0; i < 1000; i++) {
		if (proc_state(pid, &state, &flags) && state == 'Z')
			return true;
		usleep(10000);
	}
	return false;
}

/* Gone, a zombie, or in do_exit() past the point where it let go of its address space. */
static bool exited(pid_t pid)
{
	unsigned long flags;
	char state;

	return !proc_state(pid, &state, &flags) || state == 'Z' || state == 'X' ||
	       (flags & PF_EXITING);
}

/* A thread of @pid other than its leader that has not exited. */
static bool other_thread_lives(pid_t pid)
{
	char path[64];
	struct dirent *e;
	bool alive = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && !alive && (e = readdir(d))) {
		pid_t tid = atoi(e->d_name);
		unsigned long flags;
		char state;

		alive = tid > 0 && tid != pid && proc_state(tid, &state, &flags) && state != 'Z';
	}
	if (d)
		closedir(d);
	return alive;
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* A process whose thread-group leader exits while a second thread lives on. */
static pid_t fork_leader_exits(void)
{
	pid_t pid = fork();
	pthread_t t;

	if (pid == 0) {
		if (pthread_create(&t, NULL, sleeper, NULL))
			_exit(1);
		syscall(SYS_exit, 0);	/* this thread only, not exit_group() */
		_exit(1);		/* not reached */
	}
	kid_add(pid, -1);
	return pid;
}

/* The numeric names of directory @dir (at most @max); -errno on failure. */
static int list_pids(const char *dir, pid_t *pids, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long v = strtol(e->d_name, &end, 10);

		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && !*end)
			pids[n++] = v;
	}
	closedir(d);
	return n;
}

static bool listed(const pid_t *pids, int n, pid_t pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int lookup_errno(const char *dir, pid_t pid)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%d", dir, pid);
	return stat(path, &st) ? errno : 0;
}

#define MAX_PIDS 4096

/*
 * A zombie (exited, not reaped) and a process whose leader has exited while another thread runs
 * have no leader with an address space: neither readdir nor lookup may show them. A sleeping
 * process shows in both. Every other name readdir lists must be found by lookup, unless that
 * process exited in between (the guest runs nothing else, but this must not fail by chance).
 */
TEST(readdir_matches_lookup)
{
	static const char * const dirs[] = { VMACCT_DIR, VMACCT_DIR "/maps" };
	pid_t *pids = calloc(MAX_PIDS, sizeof(*pids)), zombie, leaderless;
	struct child sleeping;
	unsigned int d;
	int bad = 0;
	bool set_up;

	ASSERT_NE(NULL, pids);
	zombie = fork();
	if (zombie == 0)
		_exit(0);
	kid_add(zombie, -1);
	leaderless = fork_leader_exits();
	sleeping = start_frozen(NULL, NULL);
	set_up = zombie > 0 && leaderless > 0 && sleeping.pid > 0 && wait_zombie(zombie) &&
		 wait_zombie(leaderless) && other_thread_lives(leaderless);
	if (!set_up)
		kids_reap_all();
	ASSERT_TRUE(set_up) TH_LOG("zombie %d, leader exited %d, sleeping %d", zombie, leaderless,
				   sleeping.pid);
	printf("# zombie %d, leader exited %d, sleeping %d\n", zombie, leaderless, sleeping.pid);

	for (d = 0; d < 2; d++) {
		int n = list_pids(dirs[d], pids, MAX_PIDS), i, checked = 0;

		if (n <= 0) {
			printf("# readdir %s: %s\n", dirs[d], n ? strerror(-n) : "no pids");
			bad++;
			continue;
		}
		if (listed(pids, n, zombie) || listed(pids, n, leaderless) ||
		    !listed(pids, n, sleeping.pid)) {
			printf("# readdir %s: zombie %s, leader exited %s, sleeping %s\n", dirs[d],
			       listed(pids, n, zombie) ? "listed" : "not listed",
			       listed(pids, n, leaderless) ? "listed" : "not listed",
			       listed(pids, n, sleeping.pid) ? "listed" : "not listed");
			bad++;
		}
		if (lookup_errno(dirs[d], zombie) != ENOENT ||
		    lookup_errno(dirs[d], leaderless) != ENOENT ||
		    lookup_errno(dirs[d], sleeping.pid)) {
			printf("# lookup in %s: zombie %s, leader exited %s, sleeping %s\n",
			       dirs[d], strerror(lookup_errno(dirs[d], zombie)),
			       strerror(lookup_errno(dirs[d], leaderless)),
			       strerror(lookup_errno(dirs[d], sleeping.pid)));
			bad++;
		}
		for (i = 0; i < n; i++) {
			int err = lookup_errno(dirs[d], pids[i]);

			if (!err) {
				checked++;
			} else if (!exited(pids[i])) {
				printf("# %s/%d listed, but lookup: %s\n", dirs[d], pids[i],
				       strerror(err));
				bad++;
			}
		}
		printf("# %s: %d names listed, %d found by lookup\n", dirs[d], n, checked);
	}
	EXPECT_EQ(0, bad);
	kids_reap_all();
	free(pids);
}

/* --- 7. dirty pages and KSM pages: private_dirty, shared_dirty and ksm --- */

#define DIRTY_PAGES	64
#define KSM_DIR		"/sys/kernel/mm/ksm"
#define KSM_WAIT_S	120	/* ksmd under TCG and KASAN, beside other guests */

struct dirty_case {
	unsigned long written, freed, same;	/* out: where each region is */
	int err;
};

/* @pages anonymous small pages, with a hole on either side so that no neighbour merges with it. */
static char *map_small_pages(size_t pages)
{
	size_t len = pages * PS;
	char *p = mmap(NULL, len + 2 * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, PS);
	munmap(p + PS + len, PS);
	p += PS;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/*
 * The child: pages it wrote (dirty ptes), pages it wrote and then gave up with MADV_FREE (clean
 * ptes, clean lazy-free folios, until reclaim takes them), and pages that all hold the same bytes
 * and are offered to KSM.
 */
static void dirty_child(void *arg)
{
	struct dirty_case *dc = arg;
	char *w = map_small_pages(DIRTY_PAGES), *f = map_small_pages(DIRTY_PAGES);
	char *k = map_small_pages(DIRTY_PAGES);

	if (!w || !f || !k) {
		dc->err = errno;
		return;
	}
	memset(w, 1, DIRTY_PAGES * PS);
	memset(f, 2, DIRTY_PAGES * PS);
	memset(k, 0x5a, DIRTY_PAGES * PS);
	if (madvise(f, DIRTY_PAGES * PS, MADV_FREE))
		dc->err = errno;
	else if (madvise(k, DIRTY_PAGES * PS, MADV_MERGEABLE))
		dc->err = errno ? errno : EINVAL;
	dc->written = (unsigned long)w;
	dc->freed = (unsigned long)f;
	dc->same = (unsigned long)k;
}

/* The row of @addr in @pid against smaps, and against @want where @want->has[] says. */
static int dirty_row_check(const char *what, pid_t pid, unsigned long addr,
			   const struct vmacct_counts *want, struct vmacct_counts *row)
{
	struct smaps_counts s;
	int ret = read_row_and_smaps(pid, addr, row, &s), bad;

	if (ret) {
		printf("# %s: maps/<pid> or smaps: %s\n", what, strerror(-ret));
		return 1;
	}
	printf("# %s: resident %" PRIu64 " private_dirty %" PRIu64 " shared_dirty %" PRIu64
	       " ksm %" PRIu64 " kB; smaps Private_Dirty %" PRIu64 " Shared_Dirty %" PRIu64
	       " KSM %" PRIu64 "%s\n", what, row->v[VF_RESIDENT], row->v[VF_PRIVATE_DIRTY],
	       row->v[VF_SHARED_DIRTY], row->v[VF_KSM], s.private_dirty, s.shared_dirty, s.ksm,
	       s.has_ksm ? "" : " (no KSM line on this kernel)");
	bad = row_vs_smaps(what, row, &s) + vmacct_diff(what, row, want);
	if (row->v[VF_PRIVATE_DIRTY] != s.private_dirty || row->v[VF_SHARED_DIRTY] != s.shared_dirty ||
	    (s.has_ksm && row->v[VF_KSM] != s.ksm))
		bad++;
	return bad;
}

/* Expect exactly @v of the fields @f (VF_NR ends the list), nothing asked of the others. */
static struct vmacct_counts want_fields(const int *f, const uint64_t *v)
{
	struct vmacct_counts w;

	memset(&w, 0, sizeof(w));
	for (; *f != VF_NR; f++, v++) {
		w.has[*f] = true;
		w.v[*f] = *v;
	}
	return w;
}

/*
 * Written pages are dirty (the pte's dirty bit); after a fork the same pages are shared and still
 * dirty (copy-on-write keeps the bit in both); MADV_FREE makes them clean (pte and folio). The
 * numbers equal smaps' Private_Dirty and Shared_Dirty and the exact sizes the test made.
 */
TEST(dirty_private_shared_and_lazyfree_exact)
{
	struct dirty_case *dc = map_shared(sizeof(*dc));
	const uint64_t all = DIRTY_PAGES * KB(PS);
	char *cow = map_small_pages(DIRTY_PAGES);
	struct vmacct_counts want, row;
	struct child c;

	ASSERT_NE(NULL, dc);
	ASSERT_NE(NULL, cow);
	memset(cow, 3, DIRTY_PAGES * PS);
	/* The frozen child is a fork of this process: it maps @cow's pages, copy-on-write. */
	c = start_frozen(dirty_child, dc);
	ASSERT_GT(c.pid, 0);
	EXPECT_EQ(0, dc->err) TH_LOG("setting up: %s", strerror(dc->err));
	if (dc->err)
		goto out;

	want = want_fields((const int[]){ VF_RESIDENT, VF_PRIVATE, VF_PRIVATE_DIRTY,
					  VF_SHARED_DIRTY, VF_KSM, VF_NR },
			   (const uint64_t[]){ all, all, all, 0, 0 });
	EXPECT_EQ(0, dirty_row_check("written pages", c.pid, dc->written, &want, &row));

	want = want_fields((const int[]){ VF_RESIDENT, VF_SHARED, VF_PRIVATE_DIRTY,
					  VF_SHARED_DIRTY, VF_PSS, VF_NR },
			   (const uint64_t[]){ all, all, 0, all, all / 2 });
	EXPECT_EQ(0, dirty_row_check("written, then forked", c.pid, (unsigned long)cow, &want,
				     &row));

	/* Reclaim may take lazy-free pages at any time: whatever is left is private and clean. */
	want = want_fields((const int[]){ VF_SHARED, VF_PRIVATE_DIRTY, VF_SHARED_DIRTY, VF_NR },
			   (const uint64_t[]){ 0, 0, 0 });
	EXPECT_EQ(0, dirty_row_check("written, then MADV_FREE", c.pid, dc->freed, &want, &row));
	EXPECT_EQ(row.v[VF_RESIDENT], row.v[VF_PRIVATE]);
out:
	kids_reap_all();
	munmap(cow, DIRTY_PAGES * PS);
	munmap(dc, sizeof(*dc));
}

/* A sysfs knob's value (first line), "" when it does not exist. */
static void knob_read(const char *path, char *buf, size_t size)
{
	char *s = read_file(path, NULL);

	snprintf(buf, size, "%s", s ? s : "");
	buf[strcspn(buf, "\n")] = 0;
	free(s);
}

/*
 * 64 pages with the same bytes, offered to KSM: once ksmd merged them, the one KSM page is mapped
 * 64 times by the process. ksm = 256 kB (every mapping of a KSM page, as smaps' KSM counts it),
 * all of it shared, pss one page. ksmd runs only for this test, scanning fast, and is stopped
 * again (run = 0 keeps the merged pages); a kernel without KSM or a ksmd that did not get to the
 * pages in KSM_WAIT_S seconds is a skip, with what it did.
 */
TEST(ksm_pages_exact)
{
	static const char *const knobs[] = { "run", "pages_to_scan", "sleep_millisecs",
					     "smart_scan" };
	static const char *const fast[] = { "1", "1000", "1", "0" };
	struct dirty_case *dc = map_shared(sizeof(*dc));
	const uint64_t all = DIRTY_PAGES * KB(PS);
	char saved[ARRAY_SIZE(knobs)][32], path[128];
	struct vmacct_counts want, row;
	double t0 = now();
	unsigned int i;
	uint64_t ksm;
	struct child c;

	ASSERT_NE(NULL, dc);
	if (access(KSM_DIR "/run", W_OK))
		SKIP(return, "no KSM in this kernel (%s)", strerror(errno));
	c = start_frozen(dirty_child, dc);
	ASSERT_GT(c.pid, 0);
	EXPECT_EQ(0, dc->err) TH_LOG("setting up: %s", strerror(dc->err));
	if (dc->err)
		goto out;
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		snprintf(path, sizeof(path), KSM_DIR "/%s", knobs[i]);
		knob_read(path, saved[i], sizeof(saved[i]));
		if (saved[i][0])
			write_file(path, fast[i]);
	}
	/* The kernel's own count of the process's merged pages says when ksmd is done, not vmacct. */
	snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", c.pid);
	do {
		usleep(100 * 1000);
		ksm = (uint64_t)read_long(path, 0) * KB(PS);
	} while (ksm < all && now() - t0 < KSM_WAIT_S);
	for (i = ARRAY_SIZE(knobs); i-- > 0;) {
		snprintf(path, sizeof(path), KSM_DIR "/%s", knobs[i]);
		if (saved[i][0])
			write_file(path, saved[i]);
	}
	if (ksm < all)
		SKIP(goto out, "ksmd merged %" PRIu64 " of %" PRIu64 " kB in %.0f s", ksm, all,
		     now() - t0);
	printf("# ksmd merged the pages in %.1f s\n", now() - t0);
	want = want_fields((const int[]){ VF_RESIDENT, VF_ANON_SHARED, VF_SHARED, VF_PRIVATE,
					  VF_PSS, VF_KSM, VF_NR },
			   (const uint64_t[]){ all, all, all, 0, KB(PS), all });
	EXPECT_EQ(0, dirty_row_check("KSM pages", c.pid, dc->same, &want, &row));
	want = want_fields((const int[]){ VF_KSM, VF_NR }, (const uint64_t[]){ 0 });
	EXPECT_EQ(0, dirty_row_check("pages not offered to KSM", c.pid, dc->written, &want, &row));
out:
	kids_reap_all();
	munmap(dc, sizeof(*dc));
}

TEST_HARNESS_MAIN
