// SPDX-License-Identifier: GPL-2.0
/*
 * Memory-layout scenarios: each builds one mapping whose every count is known from how it was
 * built, finds its row in maps/<pid> by address and checks every field exactly, then checks the
 * same row against the kernel's own smaps VMA (read between two equal vmacct reads). Nothing
 * expected is read back from vmacct or smaps: the expected row comes from the scenario's table
 * entry. smaps also decides a SKIP (a THP or swap-out the kernel declined to do). Every scenario
 * prints its line of the SHR accuracy report.
 *
 * The scenarios are one table (cases[]), as the mm selftests' cow.c runs its memory kinds and
 * operations: a memory kind, who else maps it (forked processes or a second mapping), and the
 * operations done to it, each followed by the rows it must leave. One runner builds any entry;
 * each runs in a process of its own, so that one scenario's leftovers never reach the next.
 *
 * Sizes are chosen so the numbers are deterministic: regions that must stay small pages are
 * MADV_NOHUGEPAGE (Debian builds THP "always"), every counted page is touched explicitly, and the
 * processes are stopped at a sync point while they are read. Every size is the kernel's own (the
 * page size, the PMD's, the default hugetlb page's): arm64 also has 16 KiB pages, whose THP is
 * 32 MiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "vmacct_util.h"

#define PS		vmacct_page_size()
#define NPAGES		64UL
#define SIZE		(NPAGES * PS)
#define HPAGE		vmacct_pmd_size()
#define TIB		(1ULL << 40)
#define PSS_SHIFT	12
/* The longest scenario waits up to 30 s for ksmd. */
#define CASE_TIMEOUT_S	120

/* --- the table --- */

enum kind {
	ANON,		/* MAP_PRIVATE | MAP_ANONYMOUS, 64 small pages */
	SHARED_ANON,	/* MAP_SHARED | MAP_ANONYMOUS (shmem), 64 pages */
	MEMFD,		/* a memfd mapped MAP_SHARED, 64 pages */
	FILE_PAGES,	/* a file on a page-cache file system (VMACCT_FILE_DIR), read, 64 pages */
	THP,		/* one PMD (2 MiB, 32 MiB with 16 KiB pages), aligned, MADV_HUGEPAGE */
	HUGETLB,	/* one hugetlb page of the default size (the PMD's), MAP_PRIVATE */
	RESERVATION,	/* 1 TiB PROT_NONE, MAP_NORESERVE */
};

enum access {
	NONE,
	READ,		/* every page read */
	WRITE,		/* every page written (the same bytes: identical pages) */
	WRITE_HALF,	/* the first half written */
	MLOCK,		/* mlock() populates it */
};

enum mappers {
	ALONE,
	FORKED,		/* + a child forked after the first access, which then does .other */
	FORKED_TWICE,	/* + that child's own child: three generations */
	TWICE,		/* + a second MAP_SHARED mapping of the same file here, accessed .other */
	PLUS_PRIVATE,	/* + a MAP_PRIVATE mapping of the same memfd here, accessed .other */
};

enum op {
	CHECK,		/* nothing: the rows as built */
	DONTNEED_HALF,	/* MADV_DONTNEED on the second half */
	MREMAP_MOVE,	/* mremap to a fixed address: nothing stays at the old one */
	MREMAP_GROW,	/* mremap to twice the length */
	PAGEOUT,	/* MADV_PAGEOUT until smaps says all of it is in swap */
	READ_BACK,	/* read every page (swap-in) */
	KSM_MERGE,	/* MADV_MERGEABLE, and ksmd until it merged the identical pages */
};

/*
 * Part of an expected row: @field holds all (ALL) or half (HALF) of the pages built, each mapped
 * @mapcount times (which gives pss). mapcount 0: a field that is not resident memory (zero, swap,
 * hugetlb) or that restates resident pages (thp).
 */
enum { ALL = 1, HALF = 2 };

struct part {
	int field;
	unsigned int share;
	unsigned int mapcount;
};

#define MAX_PARTS	3

struct step {
	enum op op;
	struct part want[MAX_PARTS];	/* the region's row, in every process that maps it */
	struct part want2[MAX_PARTS];	/* the second mapping's row (TWICE, PLUS_PRIVATE) */
	const char *report;		/* the SHR report line of the region's row here, if any */
};

#define MAX_STEPS	2

struct layout_case {
	const char *name;		/* its KTAP result */
	enum kind kind;
	enum access access;		/* how this process fills the region */
	enum mappers mappers;
	enum access other;		/* what the other mapper does (FORKED..PLUS_PRIVATE) */
	struct step steps[MAX_STEPS];	/* a second step with op CHECK ends them */
};

#define AS(share, mc)	{ VF_ANON_SHARED, share, mc }
#define AP(share)	{ VF_ANON_PRIVATE, share, 1 }
#define FS(share, mc)	{ VF_FILE_SHARED, share, mc }
#define FP(share)	{ VF_FILE_PRIVATE, share, 1 }
#define SS(share, mc)	{ VF_SHMEM_SHARED, share, mc }
#define SP(share)	{ VF_SHMEM_PRIVATE, share, 1 }
#define NOT_RESIDENT(f, share) { VF_##f, share, 0 }

static const struct layout_case cases[] = {
	{ "anon_private_touched", ANON, WRITE, ALONE, NONE,
	  { { CHECK, { AP(ALL) }, {}, "anon private touched" } } },
	/* Read faults map the shared zero page: mapped, counted as zero, not resident. */
	{ "untouched_read_is_zero_page", ANON, READ, ALONE, NONE,
	  { { CHECK, { NOT_RESIDENT(ZERO, ALL) }, {}, "anon read-only (zero page)" } } },
	{ "fork_no_writes_anon_shared", ANON, WRITE, FORKED, NONE,
	  { { CHECK, { AS(ALL, 2) }, {}, "fork, no writes (parent)" } } },
	/* The child's copies and the parent's originals of that half are each mapped once. */
	{ "fork_child_writes_half_cow", ANON, WRITE, FORKED, WRITE_HALF,
	  { { CHECK, { AS(HALF, 2), AP(HALF) }, {}, "fork, child writes half" } } },
	/* fork() does not copy the page tables of shared mappings: the child faults them in. */
	{ "shared_anonymous_across_fork", SHARED_ANON, WRITE, FORKED, READ,
	  { { CHECK, { SS(ALL, 2) }, {}, "MAP_SHARED|MAP_ANONYMOUS x2" } } },
	{ "memfd_one_process_shmem_private", MEMFD, WRITE, ALONE, NONE,
	  { { CHECK, { SP(ALL) }, {}, "memfd, one process" } } },
	{ "memfd_two_processes_shmem_shared", MEMFD, WRITE, FORKED, READ,
	  { { CHECK, { SS(ALL, 2) }, {}, "memfd, two processes" } } },
	{ "file_one_process_file_private", FILE_PAGES, READ, ALONE, NONE,
	  { { CHECK, { FP(ALL) }, {}, "file, one process" } } },
	{ "file_two_processes_file_shared", FILE_PAGES, READ, FORKED, READ,
	  { { CHECK, { FS(ALL, 2) }, {}, "file, two processes" } } },
	/*
	 * Each page is mapped twice (mapcount 2), by the same process. smaps counts that as shared
	 * and so does vmacct: "shared" means mapped more than once, not "by another process".
	 */
	{ "file_mapped_twice_in_one_process", FILE_PAGES, READ, TWICE, READ,
	  { { CHECK, { FS(ALL, 2) }, { FS(ALL, 2) }, "file mapped twice, 1 process" } } },
	{ "madv_dontneed_half", ANON, WRITE, ALONE, NONE,
	  { { DONTNEED_HALF, { AP(HALF) }, {}, "MADV_DONTNEED half" } } },
	{ "mlock_populates", ANON, MLOCK, ALONE, NONE,
	  { { CHECK, { AP(ALL) }, {}, "mlock (populated)" } } },
	{ "mremap_move_and_grow", ANON, WRITE, ALONE, NONE,
	  { { MREMAP_MOVE, { AP(ALL) }, {}, NULL },
	    { MREMAP_GROW, { AP(ALL) }, {}, "mremap move + grow" } } },
	/* Also: the process's VIRT grows by 1 TiB exactly, nothing else (map_reservation). */
	{ "one_tib_prot_none_reservation", RESERVATION, NONE, ALONE, NONE,
	  { { CHECK, {}, {}, "1 TiB PROT_NONE reservation" } } },
	{ "three_generations_share_one_region", ANON, WRITE, FORKED_TWICE, NONE,
	  { { CHECK, { AS(ALL, 3) }, {}, "three generations of forks" } } },
	{ "thp_alone", THP, WRITE, ALONE, NONE,
	  { { CHECK, { AP(ALL), NOT_RESIDENT(THP, ALL) }, {}, "THP, one process" } } },
	/* fork() shares the PMD mapping: every page of the folio is mapped twice. */
	{ "thp_shared_across_fork", THP, WRITE, FORKED, NONE,
	  { { CHECK, { AS(ALL, 2), NOT_RESIDENT(THP, ALL) }, {}, "THP shared across fork" } } },
	/*
	 * A read fault in a THP-eligible region maps the huge zero page (use_zero_page=1) or, if
	 * the kernel declines, a PMD's worth of small zero pages: either way the whole region is
	 * zero, nothing resident, no thp (thp counts resident memory only).
	 */
	{ "thp_region_read_only_is_zero", THP, READ, ALONE, NONE,
	  { { CHECK, { NOT_RESIDENT(ZERO, ALL) }, {}, "THP region read-only (zero)" } } },
	/* hugetlb pages are reported apart: smaps leaves them out of Rss too. */
	{ "hugetlb_pages", HUGETLB, WRITE, ALONE, NONE,
	  { { CHECK, { NOT_RESIDENT(HUGETLB, ALL) }, {}, "hugetlb" } } },
	{ "madv_pageout_to_swap_and_back", ANON, WRITE, ALONE, NONE,
	  { { PAGEOUT, { NOT_RESIDENT(SWAP, ALL) }, {}, "MADV_PAGEOUT (swapped out)" },
	    { READ_BACK, { AP(ALL) }, {}, NULL } } },
	/*
	 * Shmem pages swapped out of the page cache have no swap entry in any page table; smaps
	 * counts them in Swap, for a shared mapping all of its part of the file, for a private
	 * writable one only behind its empty entries (its copy-on-write pages hide the file's). A
	 * memfd is filled through a shared mapping, its first half written (copied) through a
	 * private one, then the shared mapping is paged out: every file page is mapped by the
	 * shared mapping alone, so all go to swap.
	 */
	{ "memfd_swapped_out_of_page_cache", MEMFD, WRITE, PLUS_PRIVATE, WRITE_HALF,
	  { { PAGEOUT, { NOT_RESIDENT(SWAP, ALL) }, { AP(HALF), NOT_RESIDENT(SWAP, HALF) },
	      NULL } } },
	/* ksmd merges the identical pages into one KSM page, mapped NPAGES times. */
	{ "ksm_merged_identical_pages", ANON, WRITE, ALONE, NONE,
	  { { KSM_MERGE, { AS(ALL, NPAGES) }, {}, "KSM-merged identical pages" } } },
};

/* --- one scenario, in a process of its own --- */

struct run {
	const struct layout_case *lc;
	size_t size;		/* bytes built */
	size_t len;		/* the region's length now (mremap grows it) */
	char *p;		/* the region */
	char *q;		/* the second mapping (TWICE, PLUS_PRIVATE) */
	int fd;			/* the memfd or file behind them, or -1 */
	struct child child;	/* FORKED, FORKED_TWICE */
	struct child *grandchild; /* FORKED_TWICE: in a page shared with the child */
	pid_t pids[3];		/* the processes that map the region, this one first */
	int npids;
};

/* A SKIP's reason, in a page the runner shares with every scenario's process. */
static char *skip_reason;

static __printf(1, 2) int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, PS, fmt, ap);
	va_end(ap);
	return KSFT_SKIP;
}

static __printf(1, 2) int fail(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return KSFT_FAIL;
}

static size_t kind_size(enum kind kind)
{
	switch (kind) {
	case THP:
		return HPAGE;
	case HUGETLB:
		return vmacct_hugetlb_default_size();
	case RESERVATION:
		return TIB;
	default:
		return SIZE;
	}
}

/* pss of @pages pages each mapped @mapcount times, in kB, rounded as smaps_rollup rounds. */
static uint64_t pss_kb(uint64_t pages, uint64_t mapcount)
{
	return (pages * ((PS << PSS_SHIFT) / mapcount)) >> (10 + PSS_SHIFT);
}

/*
 * The expected row: every field asserted; the parts' fields, pss from their mapcounts, and
 * shared/private/resident as the sums of the six anon/file/shmem fields (the module's invariant).
 */
static struct vmacct_counts expected(const struct part *parts, size_t size, size_t len)
{
	struct vmacct_counts w = want_row(KB(len));
	const struct part *pt;
	uint64_t *v = w.v;

	for (pt = parts; pt < parts + MAX_PARTS && pt->share; pt++) {
		v[pt->field] += KB(size / pt->share);
		if (pt->mapcount)
			v[VF_PSS] += pss_kb(size / pt->share / PS, pt->mapcount);
	}
	v[VF_SHARED] = v[VF_ANON_SHARED] + v[VF_FILE_SHARED] + v[VF_SHMEM_SHARED];
	v[VF_PRIVATE] = v[VF_ANON_PRIVATE] + v[VF_FILE_PRIVATE] + v[VF_SHMEM_PRIVATE];
	v[VF_RESIDENT] = v[VF_SHARED] + v[VF_PRIVATE];
	return w;
}

/* @addr's row in @pid: exactly @want, and equal to its smaps VMA where smaps has the field. */
static int check_row(const char *what, pid_t pid, void *addr, const struct vmacct_counts *want,
		     struct vmacct_counts *got)
{
	struct smaps_counts s;
	int ret = read_row_and_smaps(pid, (unsigned long)addr, got, &s);

	if (ret) {
		printf("# %s: no stable row for %p in maps/%d and smaps: %s\n", what, addr, pid,
		       strerror(-ret));
		return 1;
	}
	return vmacct_diff(what, got, want) + row_vs_smaps(what, got, &s);
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

static int do_access(char *p, size_t size, enum access how)
{
	switch (how) {
	case NONE:
		break;
	case READ:
		read_all(p, size);
		break;
	case WRITE:
		touch(p, size, 1);
		break;
	case WRITE_HALF:
		touch(p, size / 2, 2);
		break;
	case MLOCK:
		if (mlock(p, size))
			return skip("mlock: %s", strerror(errno));
		break;
	}
	return KSFT_PASS;
}

static char *mmap_or_null(size_t len, int prot, int flags, int fd, int advice)
{
	char *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, advice);
	return p;
}

/*
 * Regular files need a page-cache file system: the runner mounts one and names it in
 * VMACCT_FILE_DIR (the initramfs root is tmpfs, whose files are shmem).
 */
static int make_file(void)
{
	const char *dir = getenv("VMACCT_FILE_DIR");
	char *buf, path[256];
	size_t i;
	int fd;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/vmacct-selftest.XXXXXX", dir);
	fd = mkstemp(path);
	buf = malloc(PS);
	if (fd < 0 || !buf)
		return -1;
	unlink(path);
	memset(buf, 7, PS);
	for (i = 0; i < NPAGES; i++)
		if (write(fd, buf, PS) != (ssize_t)PS)
			return -1;
	free(buf);
	return fd;
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
 * The 1 TiB reservation, which must move nothing of the process but mapped and top_virt. Another
 * process can move this process's pages between shared and private at any time: the runner
 * writing its stack after fork() breaks COW on pages we inherited, and a scenario's process
 * finishing its exit unmaps file pages we share. A few attempts separate that noise (rare,
 * random) from an accounting bug (the same difference every time).
 */
#define RESERVATION_ATTEMPTS 5

static int map_reservation(struct run *r)
{
	struct vmacct_counts before, after;
	int attempt, moved = -1;

	for (attempt = 1; attempt <= RESERVATION_ATTEMPTS && moved; attempt++) {
		if (r->p)
			munmap(r->p, TIB);
		/* The first read warms up the allocator and the stack the read path writes. */
		if (vmacct_read_summary(getpid(), &before) ||
		    vmacct_read_summary(getpid(), &before))
			return fail("<pid> unreadable");
		r->p = mmap_or_null(TIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
				    MADV_NORMAL);
		if (!r->p)
			return fail("mmap 1 TiB PROT_NONE: %s", strerror(errno));
		if (vmacct_read_summary(getpid(), &after))
			return fail("<pid> unreadable");
		moved = fields_moved(&before, &after, KB(TIB));
		if (moved)
			printf("# attempt %d: %d fields of the process moved besides mapped and "
			       "top_virt\n", attempt, moved);
	}
	return moved ? fail("the process: more than VIRT moved by the reservation") : KSFT_PASS;
}

/* Did the kernel give this region a PMD-mapped THP? (its own smaps says so) */
static bool got_thp(void *p)
{
	struct smaps_counts s;

	return !smaps_vma_read(getpid(), (unsigned long)p, &s) && s.anon_huge == KB(HPAGE);
}

static int map_region(struct run *r)
{
	const int rw = PROT_READ | PROT_WRITE;

	switch (r->lc->kind) {
	case ANON:
		r->p = mmap_or_null(r->size, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, MADV_NOHUGEPAGE);
		break;
	case SHARED_ANON:
		r->p = mmap_or_null(r->size, rw, MAP_SHARED | MAP_ANONYMOUS, -1, MADV_NOHUGEPAGE);
		break;
	case MEMFD:
		r->fd = memfd_create("vmacct-selftest", 0);
		if (r->fd < 0 || ftruncate(r->fd, r->size))
			return fail("memfd: %s", strerror(errno));
		r->p = mmap_or_null(r->size, rw, MAP_SHARED, r->fd, MADV_NOHUGEPAGE);
		break;
	case FILE_PAGES:
		r->fd = make_file();
		if (r->fd < 0)
			return skip("no page-cache file system (VMACCT_FILE_DIR)");
		r->p = mmap_or_null(r->size, PROT_READ, MAP_SHARED, r->fd, MADV_RANDOM);
		break;
	case THP:
		if (!thp_enabled())
			return skip("transparent hugepages are disabled");
		r->p = map_aligned_hpage();
		break;
	case HUGETLB:
		if (!r->size)
			return skip("no hugetlb (no Hugepagesize in /proc/meminfo)");
		r->p = mmap_or_null(r->size, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1,
				    MADV_NORMAL);
		if (!r->p)
			return skip("no hugetlb pages (vm.nr_hugepages): %s", strerror(errno));
		break;
	case RESERVATION:
		return map_reservation(r);
	}
	return r->p ? KSFT_PASS : fail("mapping the region: %s", strerror(errno));
}

static void child_access(void *arg)
{
	struct run *r = arg;

	do_access(r->p, r->size, r->lc->other);
}

static void child_fork_grandchild(void *arg)
{
	struct run *r = arg;

	/* The grandchild's pid reaches the test through this shared page. */
	*r->grandchild = spawn_child(child_access, r);
}

/* The other mappers: forked processes (frozen until released) or a second mapping here. */
static int add_mappers(struct run *r)
{
	const struct layout_case *lc = r->lc;
	int shared = lc->mappers == TWICE;

	r->pids[r->npids++] = getpid();
	switch (lc->mappers) {
	case ALONE:
		break;
	case FORKED:
		r->child = spawn_child(child_access, r);
		if (r->child.pid <= 0)
			return fail("fork: %s", strerror(errno));
		r->pids[r->npids++] = r->child.pid;
		break;
	case FORKED_TWICE:
		r->grandchild = (struct child *)mmap_or_null(PS, PROT_READ | PROT_WRITE,
							     MAP_SHARED | MAP_ANONYMOUS, -1,
							     MADV_NORMAL);
		if (!r->grandchild)
			return fail("mmap: %s", strerror(errno));
		r->child = spawn_child(child_fork_grandchild, r);
		if (r->child.pid <= 0 || r->grandchild->pid <= 0)
			return fail("fork: %s", strerror(errno));
		r->pids[r->npids++] = r->child.pid;
		r->pids[r->npids++] = r->grandchild->pid;
		break;
	case TWICE:
	case PLUS_PRIVATE:
		r->q = mmap_or_null(r->size, shared ? PROT_READ : PROT_READ | PROT_WRITE,
				    shared ? MAP_SHARED : MAP_PRIVATE, r->fd,
				    shared ? MADV_RANDOM : MADV_NOHUGEPAGE);
		if (!r->q)
			return fail("second mapping: %s", strerror(errno));
		return do_access(r->q, r->size, lc->other);
	}
	return KSFT_PASS;
}

static bool swap_active(void)
{
	char *s = read_file("/proc/swaps", NULL);
	bool on = s && strchr(s, '\n') && strchr(s, '\n')[1];

	free(s);
	return on;
}

static int pageout(struct run *r)
{
	struct smaps_counts s = { 0 };
	int tries;

	if (!swap_active())
		return skip("no swap device");
	for (tries = 0; tries < 10; tries++) {
		if (madvise(r->p, r->len, MADV_PAGEOUT))
			return skip("MADV_PAGEOUT: %s", strerror(errno));
		if (!smaps_vma_read(getpid(), (unsigned long)r->p, &s) && s.swap == KB(r->len) &&
		    s.rss == 0)
			return KSFT_PASS;
		usleep(100000);
	}
	return skip("the kernel swapped out %llu of %llu kB", (unsigned long long)s.swap,
		    (unsigned long long)KB(r->len));
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

#define KSM "/sys/kernel/mm/ksm/"

static int ksm_merge(struct run *r)
{
	long want = (long)(r->size / PS) - 1;
	int i;

	if (write_sysfs(KSM "sleep_millisecs", "0") || write_sysfs(KSM "pages_to_scan", "1000") ||
	    write_sysfs(KSM "run", "1"))
		return skip("KSM is not available");
	if (madvise(r->p, r->len, MADV_MERGEABLE)) {
		write_sysfs(KSM "run", "0");
		return skip("MADV_MERGEABLE: %s", strerror(errno));
	}
	for (i = 0; i < 300 && read_sysfs_long(KSM "pages_sharing") < want; i++)
		usleep(100000);
	write_sysfs(KSM "run", "0");
	if (read_sysfs_long(KSM "pages_sharing") < want)
		return skip("ksmd merged only %ld of %lu pages in 30 s",
			    read_sysfs_long(KSM "pages_sharing") + 1, r->size / PS);
	return KSFT_PASS;
}

static int do_op(struct run *r, enum op op)
{
	struct vmacct_counts got;
	char *dest, *p;

	switch (op) {
	case CHECK:
		break;
	case DONTNEED_HALF:
		if (madvise(r->p + r->len / 2, r->len / 2, MADV_DONTNEED))
			return fail("MADV_DONTNEED: %s", strerror(errno));
		break;
	case MREMAP_MOVE:
		dest = mmap_or_null(4 * r->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
				    MADV_NORMAL);
		if (!dest)
			return fail("mmap: %s", strerror(errno));
		p = mremap(r->p, r->len, r->len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
		if (p != dest)
			return fail("mremap to %p: %s", dest, strerror(errno));
		/* Nothing is left where it was. */
		if (!vmacct_read_row(getpid(), (unsigned long)r->p, &got) &&
		    got.start == (unsigned long)r->p)
			return fail("a row still starts at %p, where the region was", r->p);
		r->p = p;
		break;
	case MREMAP_GROW:
		p = mremap(r->p, r->len, 2 * r->len, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return fail("mremap to %zu bytes: %s", 2 * r->len, strerror(errno));
		r->p = p;
		r->len *= 2;
		break;
	case PAGEOUT:
		return pageout(r);
	case READ_BACK:
		read_all(r->p, r->len);
		break;
	case KSM_MERGE:
		return ksm_merge(r);
	}
	return KSFT_PASS;
}

/* After a step: the region's row in each process that maps it, the second mapping's here. */
static int check_step(struct run *r, const struct step *st)
{
	static const char *const who[] = { "parent", "child", "grandchild" };
	struct vmacct_counts want = expected(st->want, r->size, r->len), got;
	const char *one = r->npids > 1 ? who[0] : r->lc->name;
	int i, bad = 0;

	for (i = 0; i < r->npids; i++) {
		bad += check_row(i ? who[i] : one, r->pids[i], r->p, &want, &got);
		if (!i && st->report)
			shr_report(st->report, &got);
	}
	if (r->q) {
		want = expected(st->want2, r->size, r->size);
		bad += check_row("second mapping", getpid(), r->q, &want, &got);
	}
	return bad;
}

static int run_case(const struct layout_case *lc)
{
	struct run r = { .lc = lc, .size = kind_size(lc->kind), .fd = -1 };
	int ret, i, bad = 0;

	r.len = r.size;
	ret = map_region(&r);
	if (ret == KSFT_PASS)
		ret = do_access(r.p, r.size, lc->access);
	/* A THP written: the kernel may still have given it 4 KiB pages. */
	if (ret == KSFT_PASS && lc->kind == THP && lc->access == WRITE && !got_thp(r.p))
		ret = skip("the kernel did not allocate a THP here");
	if (ret == KSFT_PASS)
		ret = add_mappers(&r);
	for (i = 0; i < MAX_STEPS && ret == KSFT_PASS; i++) {
		if (i && lc->steps[i].op == CHECK)
			break;
		ret = do_op(&r, lc->steps[i].op);
		if (ret == KSFT_PASS)
			bad += check_step(&r, &lc->steps[i]);
	}
	/* The child's exit closes the grandchild's pipe too. */
	if (r.child.pid > 0)
		release_child(&r.child);
	return ret == KSFT_PASS && bad ? KSFT_FAIL : ret;
}

/*
 * The results keep the names kselftest_harness gave them when each scenario was a TEST() of its
 * fixture "global" (as vmacct_states' still are), so that logs of before and after compare.
 */
#define NAME_PREFIX "global."

/* Each scenario in a process of its own, its result printed by the runner. */
static void run_in_process(const struct layout_case *lc)
{
	struct timespec t0, t1;
	int status;
	pid_t pid;

	skip_reason[0] = 0;
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		alarm(CASE_TIMEOUT_S);
		exit(run_case(lc));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		ksft_test_result_fail("%s: fork/wait: %s\n", lc->name, strerror(errno));
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("%s took %.2f s\n", lc->name,
		       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_PASS) {
		ksft_test_result_pass(NAME_PREFIX "%s\n", lc->name);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP) {
		/*
		 * ksft_test_result_skip() would print the reason where the name goes. Counted
		 * first: ksft_test_num() is the number of the results so far, this one's included.
		 */
		ksft_inc_xskip_cnt();
		printf("ok %d " NAME_PREFIX "%s # SKIP %s\n", ksft_test_num(), lc->name,
		       skip_reason);
	} else {
		if (!WIFEXITED(status))
			ksft_print_msg("%s: the scenario's process died: status %#x\n", lc->name,
				       status);
		ksft_test_result_fail(NAME_PREFIX "%s\n", lc->name);
	}
}

int main(void)
{
	unsigned int i;

	vmacct_ksft_start(VMACCT_DIR "/version", ARRAY_SIZE(cases));
	skip_reason = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_in_process(&cases[i]);
	shr_report_table();
	ksft_finished();
}
