// SPDX-License-Identifier: GPL-2.0
/*
 * Memory-layout scenarios: each test builds one mapping whose every count is known from how it was
 * built, finds its row in maps/<pid> by address and checks every field exactly. Nothing expected is
 * read back from vmacct; the kernel's own smaps is consulted only to decide a SKIP (a THP or swap-out
 * the kernel declined to do). Every scenario also prints its line of the SHR accuracy report.
 *
 * Sizes are chosen so the numbers are deterministic: regions that must stay 4 KiB pages are
 * MADV_NOHUGEPAGE (Debian builds THP "always"), every counted page is touched explicitly, and the
 * processes are stopped at a sync point while they are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmacct_util.h"

#define PS		4096UL
#define NPAGES		64UL
#define SIZE		(NPAGES * PS)
#define SIZE_KB		KB(SIZE)
#define HPAGE		(2UL << 20)
#define PSS_SHIFT	12

/* --- expected rows --- */

/* Fill resident/shared/private from the six anon/file/shmem fields (the module's invariant). */
static void want_totals(struct vmacct_counts *w)
{
	w->v[VF_SHARED] = w->v[VF_ANON_SHARED] + w->v[VF_FILE_SHARED] + w->v[VF_SHMEM_SHARED];
	w->v[VF_PRIVATE] = w->v[VF_ANON_PRIVATE] + w->v[VF_FILE_PRIVATE] + w->v[VF_SHMEM_PRIVATE];
	w->v[VF_RESIDENT] = w->v[VF_SHARED] + w->v[VF_PRIVATE];
}

/* pss of @pages pages each mapped @mapcount times, in kB, rounded as smaps_rollup rounds. */
static uint64_t pss_kb(uint64_t pages, uint64_t mapcount)
{
	return (pages * ((PS << PSS_SHIFT) / mapcount)) >> (10 + PSS_SHIFT);
}

static int check_row(const char *what, pid_t pid, void *addr, const struct vmacct_counts *want,
		     struct vmacct_counts *got)
{
	int ret = vmacct_read_row(pid, (unsigned long)addr, got);

	if (ret) {
		printf("# %s: no row for %p in maps/%d: %s\n", what, addr, pid, strerror(-ret));
		return 1;
	}
	return vmacct_diff(what, got, want);
}

/* --- helpers that build memory --- */

static void *map_anon(size_t size, int flags, bool huge)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

static void touch(char *p, size_t size, char val)
{
	size_t i;

	for (i = 0; i < size; i += PS)
		p[i] = val;
}

static void read_all(const char *p, size_t size)
{
	size_t i;

	for (i = 0; i < size; i += PS)
		(void)*(volatile const char *)(p + i);
}

/* Check @p's row in this process and in child @c, print the report line, release the child. */
static int check_parent_child(const char *scenario, struct child *c, void *p,
			      const struct vmacct_counts *want)
{
	struct vmacct_counts got;
	int bad = check_row("parent", getpid(), p, want, &got);

	shr_report(scenario, &got);
	bad += check_row("child", c->pid, p, want, &got);
	release_child(c);
	return bad;
}

struct region {
	char *p;
	size_t size;
	char val;
};

static void child_touch(void *arg)
{
	struct region *r = arg;

	touch(r->p, r->size, r->val);
}

static void child_read(void *arg)
{
	struct region *r = arg;

	read_all(r->p, r->size);
}

/* --- scenarios --- */

TEST(anon_private_touched)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char *p = map_anon(SIZE, MAP_PRIVATE, false);

	ASSERT_NE(NULL, p);
	touch(p, SIZE, 1);
	want.v[VF_ANON_PRIVATE] = SIZE_KB;
	want.v[VF_PSS] = SIZE_KB;
	want_totals(&want);
	EXPECT_EQ(0, check_row("anon private", getpid(), p, &want, &got));
	shr_report("anon private touched", &got);
	munmap(p, SIZE);
}

TEST(untouched_read_is_zero_page)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char *p = map_anon(SIZE, MAP_PRIVATE, false);

	ASSERT_NE(NULL, p);
	read_all(p, SIZE);
	/* Read faults map the shared zero page: mapped, counted as zero, not resident. */
	want.v[VF_ZERO] = SIZE_KB;
	EXPECT_EQ(0, check_row("zero page", getpid(), p, &want, &got));
	shr_report("anon read-only (zero page)", &got);
	munmap(p, SIZE);
}

TEST(fork_no_writes_anon_shared)
{
	struct vmacct_counts want = want_row(SIZE_KB);
	char *p = map_anon(SIZE, MAP_PRIVATE, false);
	struct child c;

	ASSERT_NE(NULL, p);
	touch(p, SIZE, 1);
	c = spawn_child(NULL, NULL);
	ASSERT_GT(c.pid, 0);
	want.v[VF_ANON_SHARED] = SIZE_KB;
	want.v[VF_PSS] = pss_kb(NPAGES, 2);
	want_totals(&want);
	EXPECT_EQ(0, check_parent_child("fork, no writes (parent)", &c, p, &want));
	munmap(p, SIZE);
}

TEST(fork_child_writes_half_cow)
{
	struct vmacct_counts want = want_row(SIZE_KB);
	char *p = map_anon(SIZE, MAP_PRIVATE, false);
	struct region half;
	struct child c;

	ASSERT_NE(NULL, p);
	touch(p, SIZE, 1);
	half = (struct region){ p, SIZE / 2, 2 };
	c = spawn_child(child_touch, &half);
	ASSERT_GT(c.pid, 0);
	/* The child's copies and the parent's originals of that half are each mapped once. */
	want.v[VF_ANON_SHARED] = SIZE_KB / 2;
	want.v[VF_ANON_PRIVATE] = SIZE_KB / 2;
	want.v[VF_PSS] = pss_kb(NPAGES / 2, 2) + pss_kb(NPAGES / 2, 1);
	want_totals(&want);
	EXPECT_EQ(0, check_parent_child("fork, child writes half", &c, p, &want));
	munmap(p, SIZE);
}

TEST(shared_anonymous_across_fork)
{
	struct vmacct_counts want = want_row(SIZE_KB);
	char *p = map_anon(SIZE, MAP_SHARED, false);
	struct region all;
	struct child c;

	ASSERT_NE(NULL, p);
	touch(p, SIZE, 1);
	/* fork() does not copy the page tables of shared mappings: the child faults them in. */
	all = (struct region){ p, SIZE, 0 };
	c = spawn_child(child_read, &all);
	ASSERT_GT(c.pid, 0);
	want.v[VF_SHMEM_SHARED] = SIZE_KB;
	want.v[VF_PSS] = pss_kb(NPAGES, 2);
	want_totals(&want);
	EXPECT_EQ(0, check_parent_child("MAP_SHARED|MAP_ANONYMOUS x2", &c, p, &want));
	munmap(p, SIZE);
}

static char *map_memfd(void)
{
	int fd = memfd_create("vmacct-selftest", 0);
	char *p;

	if (fd < 0 || ftruncate(fd, SIZE))
		return NULL;
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

TEST(memfd_one_process_shmem_private)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char *p = map_memfd();

	ASSERT_NE(NULL, p);
	touch(p, SIZE, 1);
	want.v[VF_SHMEM_PRIVATE] = SIZE_KB;
	want.v[VF_PSS] = SIZE_KB;
	want_totals(&want);
	EXPECT_EQ(0, check_row("memfd", getpid(), p, &want, &got));
	shr_report("memfd, one process", &got);
	munmap(p, SIZE);
}

TEST(memfd_two_processes_shmem_shared)
{
	struct vmacct_counts want = want_row(SIZE_KB);
	char *p = map_memfd();
	struct region all;
	struct child c;

	ASSERT_NE(NULL, p);
	touch(p, SIZE, 1);
	all = (struct region){ p, SIZE, 0 };
	c = spawn_child(child_read, &all);
	ASSERT_GT(c.pid, 0);
	want.v[VF_SHMEM_SHARED] = SIZE_KB;
	want.v[VF_PSS] = pss_kb(NPAGES, 2);
	want_totals(&want);
	EXPECT_EQ(0, check_parent_child("memfd, two processes", &c, p, &want));
	munmap(p, SIZE);
}

/*
 * Regular files need a page-cache file system: the runner mounts one and names it in
 * VMACCT_FILE_DIR (the initramfs root is tmpfs, whose files are shmem).
 */
static int make_file(char *path, size_t pathlen)
{
	const char *dir = getenv("VMACCT_FILE_DIR");
	char buf[PS];
	size_t i;
	int fd;

	if (!dir)
		return -1;
	snprintf(path, pathlen, "%s/vmacct-selftest.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	memset(buf, 7, sizeof(buf));
	for (i = 0; i < NPAGES; i++)
		if (write(fd, buf, PS) != (ssize_t)PS)
			return -1;
	unlink(path);
	return fd;
}

static char *map_file(int fd)
{
	char *p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, SIZE, MADV_RANDOM);
	read_all(p, SIZE);
	return p;
}

TEST(file_one_process_file_private)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char path[256];
	int fd = make_file(path, sizeof(path));
	char *p;

	if (fd < 0)
		SKIP(return, "no page-cache file system (VMACCT_FILE_DIR)");
	p = map_file(fd);
	ASSERT_NE(NULL, p);
	want.v[VF_FILE_PRIVATE] = SIZE_KB;
	want.v[VF_PSS] = SIZE_KB;
	want_totals(&want);
	EXPECT_EQ(0, check_row("file", getpid(), p, &want, &got));
	shr_report("file, one process", &got);
	munmap(p, SIZE);
	close(fd);
}

TEST(file_two_processes_file_shared)
{
	struct vmacct_counts want = want_row(SIZE_KB);
	char path[256];
	int fd = make_file(path, sizeof(path));
	struct region all;
	struct child c;
	char *p;

	if (fd < 0)
		SKIP(return, "no page-cache file system (VMACCT_FILE_DIR)");
	p = map_file(fd);
	ASSERT_NE(NULL, p);
	all = (struct region){ p, SIZE, 0 };
	c = spawn_child(child_read, &all);
	ASSERT_GT(c.pid, 0);
	want.v[VF_FILE_SHARED] = SIZE_KB;
	want.v[VF_PSS] = pss_kb(NPAGES, 2);
	want_totals(&want);
	EXPECT_EQ(0, check_parent_child("file, two processes", &c, p, &want));
	munmap(p, SIZE);
	close(fd);
}

TEST(file_mapped_twice_in_one_process)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char path[256];
	int fd = make_file(path, sizeof(path));
	char *p, *q;

	if (fd < 0)
		SKIP(return, "no page-cache file system (VMACCT_FILE_DIR)");
	p = map_file(fd);
	q = map_file(fd);
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, q);
	/*
	 * Each page is mapped twice (mapcount 2), by the same process. smaps counts that as shared
	 * and so does vmacct: "shared" means mapped more than once, not "by another process".
	 */
	want.v[VF_FILE_SHARED] = SIZE_KB;
	want.v[VF_PSS] = pss_kb(NPAGES, 2);
	want_totals(&want);
	EXPECT_EQ(0, check_row("first mapping", getpid(), p, &want, &got));
	shr_report("file mapped twice, 1 process", &got);
	EXPECT_EQ(0, check_row("second mapping", getpid(), q, &want, &got));
	munmap(p, SIZE);
	munmap(q, SIZE);
	close(fd);
}

TEST(madv_dontneed_half)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char *p = map_anon(SIZE, MAP_PRIVATE, false);

	ASSERT_NE(NULL, p);
	touch(p, SIZE, 1);
	ASSERT_EQ(0, madvise(p + SIZE / 2, SIZE / 2, MADV_DONTNEED));
	want.v[VF_ANON_PRIVATE] = SIZE_KB / 2;
	want.v[VF_PSS] = SIZE_KB / 2;
	want_totals(&want);
	EXPECT_EQ(0, check_row("dontneed", getpid(), p, &want, &got));
	shr_report("MADV_DONTNEED half", &got);
	munmap(p, SIZE);
}

TEST(mlock_populates)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char *p = map_anon(SIZE, MAP_PRIVATE, false);

	ASSERT_NE(NULL, p);
	if (mlock(p, SIZE))
		SKIP(return, "mlock: %s", strerror(errno));
	want.v[VF_ANON_PRIVATE] = SIZE_KB;
	want.v[VF_PSS] = SIZE_KB;
	want_totals(&want);
	EXPECT_EQ(0, check_row("mlock", getpid(), p, &want, &got));
	shr_report("mlock (populated)", &got);
	munlock(p, SIZE);
	munmap(p, SIZE);
}

TEST(mremap_move_and_grow)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char *p = map_anon(SIZE, MAP_PRIVATE, false), *dest, *moved, *grown;

	ASSERT_NE(NULL, p);
	touch(p, SIZE, 1);
	dest = mmap(NULL, 4 * SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dest);
	moved = mremap(p, SIZE, SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	ASSERT_EQ(dest, moved);
	want.v[VF_ANON_PRIVATE] = SIZE_KB;
	want.v[VF_PSS] = SIZE_KB;
	want_totals(&want);
	EXPECT_EQ(0, check_row("moved", getpid(), moved, &want, &got));
	/* Nothing is left where it was. */
	EXPECT_EQ(0, vmacct_read_row(getpid(), (unsigned long)p, &got) == 0 &&
		  got.start == (unsigned long)p);

	grown = mremap(moved, SIZE, 2 * SIZE, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, grown);
	want.v[VF_MAPPED] = 2 * SIZE_KB;
	EXPECT_EQ(0, check_row("grown", getpid(), grown, &want, &got));
	shr_report("mremap move + grow", &got);
	munmap(grown, 2 * SIZE);
	munmap(dest, 4 * SIZE);
}

/*
 * How the process summary moved across the reservation: 0 when only mapped and top_virt grew, and
 * by exactly @grow kB; otherwise the number of fields that moved, each printed.
 */
static int fields_moved(const struct vmacct_counts *before, const struct vmacct_counts *after,
			uint64_t grow)
{
	int f, moved = 0;

	for (f = 0; f < VF_NR; f++) {
		uint64_t want = f == VF_MAPPED || f == VF_TOP_VIRT ? grow : 0;

		if (after->v[f] - before->v[f] == want)
			continue;
		moved++;
		printf("# process %s: %llu kB before, %llu kB after, expected +%llu kB\n",
		       vmacct_field_names[f], (unsigned long long)before->v[f],
		       (unsigned long long)after->v[f], (unsigned long long)want);
	}
	return moved;
}

/*
 * Another process can move this process's pages between shared and private at any time: the
 * harness parent writing its stack after fork() breaks COW on pages we inherited, and a sibling
 * test process finishing its exit unmaps file pages we share. A few attempts separate that noise
 * (rare, random) from an accounting bug (the same difference every time).
 */
#define RESERVATION_ATTEMPTS 5

TEST(one_tib_prot_none_reservation)
{
	const uint64_t tib = 1ULL << 40;
	struct vmacct_counts before, after, want = want_row(KB(tib)), got;
	int attempt, moved = -1;
	char *p = MAP_FAILED;

	for (attempt = 1; attempt <= RESERVATION_ATTEMPTS && moved; attempt++) {
		if (p != MAP_FAILED)
			munmap(p, tib);
		/* The first read warms up the allocator and the stack the read path writes. */
		ASSERT_EQ(0, vmacct_read_summary(getpid(), &before));
		ASSERT_EQ(0, vmacct_read_summary(getpid(), &before));
		p = mmap(NULL, tib, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, vmacct_read_summary(getpid(), &after));
		moved = fields_moved(&before, &after, KB(tib));
		if (moved)
			printf("# attempt %d: %d fields of the process moved besides mapped and top_virt\n",
			       attempt, moved);
	}
	EXPECT_EQ(0, check_row("1 TiB PROT_NONE", getpid(), p, &want, &got));
	shr_report("1 TiB PROT_NONE reservation", &got);
	/* The process: VIRT grows by exactly 1 TiB, every other number stays what it was. */
	EXPECT_EQ(0, moved);
	munmap(p, tib);
}

static void child_fork_grandchild(void *arg)
{
	struct child *gc = arg;

	/* The grandchild's pid reaches the test through this shared page. */
	*gc = spawn_child(NULL, NULL);
}

TEST(three_generations_share_one_region)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char *p = map_anon(SIZE, MAP_PRIVATE, false);
	struct child *gc = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct child c;

	ASSERT_NE(NULL, p);
	ASSERT_NE(MAP_FAILED, gc);
	touch(p, SIZE, 1);
	c = spawn_child(child_fork_grandchild, gc);
	ASSERT_GT(c.pid, 0);
	ASSERT_GT(gc->pid, 0);
	want.v[VF_ANON_SHARED] = SIZE_KB;
	want.v[VF_PSS] = pss_kb(NPAGES, 3);
	want_totals(&want);
	EXPECT_EQ(0, check_row("parent", getpid(), p, &want, &got));
	shr_report("three generations of forks", &got);
	EXPECT_EQ(0, check_row("child", c.pid, p, &want, &got));
	EXPECT_EQ(0, check_row("grandchild", gc->pid, p, &want, &got));
	release_child(&c);	/* the child's exit closes the grandchild's pipe too */
	munmap(p, SIZE);
	munmap(gc, PS);
}

/* Did the kernel give this region a PMD-mapped THP? (its own smaps says so) */
static bool got_thp(void *p)
{
	struct smaps_counts s;

	return !smaps_vma_read(getpid(), (unsigned long)p, &s) && s.anon_huge == KB(HPAGE);
}

TEST(thp_alone)
{
	struct vmacct_counts want = want_row(KB(HPAGE)), got;
	char *p;

	if (!thp_enabled())
		SKIP(return, "transparent hugepages are disabled");
	p = map_aligned_hpage();
	ASSERT_NE(NULL, p);
	touch(p, HPAGE, 1);
	if (!got_thp(p))
		SKIP(munmap(p, HPAGE); return, "the kernel did not allocate a THP here");
	want.v[VF_ANON_PRIVATE] = KB(HPAGE);
	want.v[VF_PSS] = KB(HPAGE);
	want.v[VF_THP] = KB(HPAGE);
	want_totals(&want);
	EXPECT_EQ(0, check_row("thp", getpid(), p, &want, &got));
	shr_report("THP, one process", &got);
	munmap(p, HPAGE);
}

TEST(thp_shared_across_fork)
{
	struct vmacct_counts want = want_row(KB(HPAGE));
	struct child c;
	char *p;

	if (!thp_enabled())
		SKIP(return, "transparent hugepages are disabled");
	p = map_aligned_hpage();
	ASSERT_NE(NULL, p);
	touch(p, HPAGE, 1);
	if (!got_thp(p))
		SKIP(munmap(p, HPAGE); return, "the kernel did not allocate a THP here");
	c = spawn_child(NULL, NULL);
	ASSERT_GT(c.pid, 0);
	/* fork() shares the PMD mapping: every page of the folio is mapped twice. */
	want.v[VF_ANON_SHARED] = KB(HPAGE);
	want.v[VF_PSS] = pss_kb(HPAGE / PS, 2);
	want.v[VF_THP] = KB(HPAGE);
	want_totals(&want);
	EXPECT_EQ(0, check_parent_child("THP shared across fork", &c, p, &want));
	munmap(p, HPAGE);
}

TEST(thp_region_read_only_is_zero)
{
	struct vmacct_counts want = want_row(KB(HPAGE)), got;
	char *p;

	if (!thp_enabled())
		SKIP(return, "transparent hugepages are disabled");
	p = map_aligned_hpage();
	ASSERT_NE(NULL, p);
	read_all(p, HPAGE);
	/*
	 * A read fault in a THP-eligible region maps the huge zero page (use_zero_page=1) or, if the
	 * kernel declines, 512 small zero pages: either way 2 MiB of zero, nothing resident, no thp
	 * (thp counts resident memory only).
	 */
	want.v[VF_ZERO] = KB(HPAGE);
	EXPECT_EQ(0, check_row("thp read-only", getpid(), p, &want, &got));
	shr_report("THP region read-only (zero)", &got);
	munmap(p, HPAGE);
}

TEST(hugetlb_pages)
{
	struct vmacct_counts want = want_row(KB(HPAGE)), got;
	char *p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED)
		SKIP(return, "no hugetlb pages (vm.nr_hugepages): %s", strerror(errno));
	touch(p, HPAGE, 1);
	/* hugetlb pages are reported apart: smaps leaves them out of Rss too. */
	want.v[VF_HUGETLB] = KB(HPAGE);
	EXPECT_EQ(0, check_row("hugetlb", getpid(), p, &want, &got));
	shr_report("hugetlb", &got);
	munmap(p, HPAGE);
}

static bool swap_active(void)
{
	char *s = read_file("/proc/swaps", NULL);
	bool on = s && strchr(s, '\n') && strchr(s, '\n')[1];

	free(s);
	return on;
}

TEST(madv_pageout_to_swap_and_back)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	struct smaps_counts s;
	char *p;
	int tries;

	if (!swap_active())
		SKIP(return, "no swap device");
	p = map_anon(SIZE, MAP_PRIVATE, false);
	ASSERT_NE(NULL, p);
	touch(p, SIZE, 3);
	for (tries = 0; tries < 10; tries++) {
		if (madvise(p, SIZE, MADV_PAGEOUT))
			SKIP(munmap(p, SIZE); return, "MADV_PAGEOUT: %s", strerror(errno));
		if (!smaps_vma_read(getpid(), (unsigned long)p, &s) && s.swap == SIZE_KB)
			break;
		usleep(100000);
	}
	if (tries == 10)
		SKIP(munmap(p, SIZE); return, "the kernel swapped out %llu of %lu kB",
		     (unsigned long long)s.swap, SIZE_KB);
	want.v[VF_SWAP] = SIZE_KB;
	EXPECT_EQ(0, check_row("swapped out", getpid(), p, &want, &got));
	shr_report("MADV_PAGEOUT (swapped out)", &got);

	read_all(p, SIZE);
	want.v[VF_SWAP] = 0;
	want.v[VF_ANON_PRIVATE] = SIZE_KB;
	want.v[VF_PSS] = SIZE_KB;
	want_totals(&want);
	EXPECT_EQ(0, check_row("swapped in", getpid(), p, &want, &got));
	munmap(p, SIZE);
}

/*
 * Shmem pages swapped out of the page cache have no swap entry in any page table; smaps counts
 * them in Swap, for a shared mapping all of its part of the file, for a private writable one only
 * behind its empty entries (its copy-on-write pages hide the file's). A memfd is filled through a
 * shared mapping, its first half written (copied) through a private one, then the shared mapping
 * is paged out: every file page is mapped by the shared mapping alone, so all go to swap.
 */
TEST(memfd_swapped_out_of_page_cache)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	int fd = memfd_create("vmacct-swap", 0), tries;
	struct smaps_counts s;
	char *shared, *priv;

	if (!swap_active())
		SKIP(if (fd >= 0) close(fd); return, "no swap device");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, SIZE));
	shared = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	priv = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_NE(MAP_FAILED, priv);
	madvise(shared, SIZE, MADV_NOHUGEPAGE);
	madvise(priv, SIZE, MADV_NOHUGEPAGE);
	touch(shared, SIZE, 5);
	touch(priv, SIZE / 2, 6);
	for (tries = 0; tries < 10; tries++) {
		if (madvise(shared, SIZE, MADV_PAGEOUT))
			SKIP(goto out, "MADV_PAGEOUT: %s", strerror(errno));
		if (!smaps_vma_read(getpid(), (unsigned long)shared, &s) && s.swap == SIZE_KB &&
		    s.rss == 0)
			break;
		usleep(100000);
	}
	if (tries == 10)
		SKIP(goto out, "the kernel swapped out %llu of %lu kB of the memfd",
		     (unsigned long long)s.swap, SIZE_KB);
	want.v[VF_SWAP] = SIZE_KB;
	EXPECT_EQ(0, check_row("memfd shared, swapped out", getpid(), shared, &want, &got));
	want = want_row(SIZE_KB);
	want.v[VF_ANON_PRIVATE] = SIZE_KB / 2;
	want.v[VF_PSS] = SIZE_KB / 2;
	want.v[VF_SWAP] = SIZE_KB / 2;
	want_totals(&want);
	EXPECT_EQ(0, check_row("memfd private, half copied, rest swapped", getpid(), priv, &want,
			       &got));
out:
	munmap(shared, SIZE);
	munmap(priv, SIZE);
}

static int write_sysfs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static long read_sysfs_long(const char *path)
{
	char *s = read_file(path, NULL);
	long v = s ? atol(s) : -1;

	free(s);
	return v;
}

TEST(ksm_merged_identical_pages)
{
	struct vmacct_counts want = want_row(SIZE_KB), got;
	char *p;
	int i;

	if (write_sysfs("/sys/kernel/mm/ksm/sleep_millisecs", "0") ||
	    write_sysfs("/sys/kernel/mm/ksm/pages_to_scan", "1000") ||
	    write_sysfs("/sys/kernel/mm/ksm/run", "1"))
		SKIP(return, "KSM is not available");
	p = map_anon(SIZE, MAP_PRIVATE, false);
	ASSERT_NE(NULL, p);
	memset(p, 0x42, SIZE);
	if (madvise(p, SIZE, MADV_MERGEABLE))
		SKIP(munmap(p, SIZE); write_sysfs("/sys/kernel/mm/ksm/run", "0"); return,
		     "MADV_MERGEABLE: %s", strerror(errno));
	/* ksmd merges the identical pages into one KSM page, mapped NPAGES times. */
	for (i = 0; i < 300 && read_sysfs_long("/sys/kernel/mm/ksm/pages_sharing") < (long)NPAGES - 1;
	     i++)
		usleep(100000);
	write_sysfs("/sys/kernel/mm/ksm/run", "0");
	if (read_sysfs_long("/sys/kernel/mm/ksm/pages_sharing") < (long)NPAGES - 1)
		SKIP(munmap(p, SIZE); return, "ksmd merged only %ld of %lu pages in 30 s",
		     read_sysfs_long("/sys/kernel/mm/ksm/pages_sharing") + 1, NPAGES);
	want.v[VF_ANON_SHARED] = SIZE_KB;
	want.v[VF_PSS] = pss_kb(NPAGES, NPAGES);
	want_totals(&want);
	EXPECT_EQ(0, check_row("ksm", getpid(), p, &want, &got));
	shr_report("KSM-merged identical pages", &got);
	munmap(p, SIZE);
}

/* After the harness's totals (it leaves through exit()): the table, once, from the parent. */
static pid_t harness_pid;

__attribute__((constructor)) static void remember_harness_pid(void)
{
	harness_pid = getpid();
}

__attribute__((destructor)) static void print_shr_table(void)
{
	if (getpid() == harness_pid)
		shr_report_table();
}

TEST_HARNESS_MAIN
