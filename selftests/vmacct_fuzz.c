// SPDX-License-Identifier: GPL-2.0
/*
 * A differential fuzzer of vmacct against the kernel's own smaps.
 *
 * A driver builds random address spaces in a small family of worker processes, one operation per
 * step, every choice drawn from a PRNG seeded by --seed: mmap of anonymous, file, shmem, memfd and
 * hugetlb memory, munmap, mprotect, mremap, madvise, mlock, fork and exit, userfaultfd
 * write-protection, THP and mTHP settings, KSM, and pages that drivers insert into a process (a
 * packet socket's ring, io_uring's rings). Between two steps every worker is blocked reading its
 * socket, and the driver compares, for every worker, each row of maps/<pid> with its VMA in
 * /proc/<pid>/smaps, <pid> with smaps_rollup and statm, and the worker's row of `all` with <pid>.
 * oracle[] says which vmacct field equals which smaps keys; unchecked[] lists, with the reason,
 * every field the kernel's files cannot check. A field in neither fails the run.
 *
 *   vmacct_fuzz [--seed S] [--steps N] [--seconds T] [--replay FILE] [--ops A,B,...]
 *               [--no-op A,B,...] [--strict] [--verbose] [--list-ops]
 *
 * Without --seconds one seed runs. With it, seeds S, S+1, ... of N steps each run until T
 * seconds are used (the last one may stop early). --replay FILE first replays the seeds listed
 * there (selftests/fuzz_seeds: "SEED STEPS [ops=..] [no-op=..] # why"). --strict drops the known
 * deviations of unchecked[] (to test the module fix that ends one).
 *
 * A mismatch prints the seed, the step, the operations of the seed so far and every field that
 * differs; `vmacct_fuzz --seed S --steps STEP` replays it: workers run without address space
 * randomisation, so even the addresses repeat.
 *
 * Races that are not bugs: khugepaged and ksmd change address spaces on their own, compaction
 * migrates pages, writeback cleans dirty ptes. khugepaged is slowed to one PMD per day and ksmd
 * runs only during the passes an operation asks for; what is left is handled by reading again: a
 * mismatch counts only if it persists over several reads, each an smaps read between two equal
 * vmacct reads. A worker is compared only once /proc/<pid>/syscall shows it blocked in read() on
 * its socket: after its reply it may still touch its stack (a copy-on-write break after fork).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>

#include "kselftest.h"
#include "vmacct_util.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

/*
 * The kernel's page and PMD (THP) sizes: 4 KiB and 2 MiB, or arm64's 16 KiB and 32 MiB. With 4 KiB
 * pages every number below is what it always was, so the recorded seeds (fuzz_seeds) replay as
 * they were found. The hugetlb sizes are the ones MAP_HUGE_2MB and MAP_HUGE_1GB ask for: PMD and
 * PUD with 4 KiB pages, contiguous PTEs and PMDs with arm64's 16 KiB ones.
 */
#define PAGE		vmacct_page_size()
#define PMD		vmacct_pmd_size()
#define PMD_PAGES	(PMD / PAGE)
#define HUGE_2M		(2UL << 20)
#define HUGE_1G		(1UL << 30)

#define NR_FIRST	3	/* workers a seed starts with */
#define MAX_WORKERS	8	/* alive at once, forked children included */
#define NSLOTS		16	/* mappings a worker holds */
#define BUDGET		(24UL << 20)	/* bytes of small-page slots per worker */
/* The family's file and memfd: no mapping reaches past (an offset of up to 4096 pages or 8 PMDs). */
#define FILE_SIZE	(16384 * PAGE)
#define HUGE_FILE_SIZE	(16UL << 20)	/* the family's hugetlb memfd */
#define DEFAULT_STEPS	200
#define CMD_FD		3	/* a worker's socket to the driver */
#define MEMFD_FD	4	/* the family's memfd */
#define HUGEFD_FD	5	/* the family's hugetlb memfd */
#define REPLY_TIMEOUT_MS 120000	/* a KSM pass or a 1 GiB populate under KASAN is slow */
/* For a worker to block or to be gone: no load makes that take this long. */
#define WAIT_SECONDS	60
/*
 * Which operations ran is judged only after this many steps: with every one drawn by weight,
 * about 25 of 30 have run by then, far above the half required. A slow guest (the KASAN kernel
 * beside other guests) may make fewer in its time: then the result says so (SKIP).
 */
#define MIN_STEPS_TO_JUDGE 100
#define LOG_LINES	8192
#define LOG_LEN		160
#define MAX_REPLAYS	64

/* ------------------------------------------------------------------------------------------ */
/* The oracle: which vmacct field equals which keys of the kernel's smaps (README, "The numbers") */

#define IN_ROW		1	/* a maps/<pid> row against its /proc/pid/smaps VMA */
#define IN_SUMMARY	2	/* <pid> against smaps_rollup and statm (statm_* below) */
/* Rounded down per row: the rows add up to the summary within 1 kB each. */
#define ROUNDED		4

/*
 * Each line: the vmacct fields (summed) that must equal the smaps keys (summed). A line whose
 * vmacct field the module does not print is skipped, so a field appended to the module is checked
 * from the run on which it appears; a line whose key this kernel's smaps lacks is reported as
 * unchecked on this kernel. statm_size/resident/shared are /proc/pid/statm's, in kB.
 */
static const struct oracle {
	const char *vmacct[3];
	const char *smaps[4];
	unsigned int flags;
} oracle[] = {
	{ { "mapped" }, { "Size" }, IN_ROW },
	{ { "mapped" }, { "statm_size" }, IN_SUMMARY },
	{ { "top_virt" }, { "statm_size" }, IN_SUMMARY },
	{ { "top_res" }, { "statm_resident" }, IN_SUMMARY },
	{ { "top_shr" }, { "statm_shared" }, IN_SUMMARY },
	{ { "resident" }, { "Rss" }, IN_ROW | IN_SUMMARY },
	{ { "shared" }, { "Shared_Clean", "Shared_Dirty" }, IN_ROW | IN_SUMMARY },
	{ { "private" }, { "Private_Clean", "Private_Dirty" }, IN_ROW | IN_SUMMARY },
	{ { "pss" }, { "Pss" }, IN_ROW | IN_SUMMARY | ROUNDED },
	{ { "anon_shared", "anon_private" }, { "Anonymous" }, IN_ROW | IN_SUMMARY },
	{ { "swap" }, { "Swap" }, IN_ROW | IN_SUMMARY },
	{ { "thp" }, { "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped" }, IN_ROW | IN_SUMMARY },
	{ { "hugetlb" }, { "Shared_Hugetlb", "Private_Hugetlb" }, IN_ROW | IN_SUMMARY },
	{ { "swap_pss" }, { "SwapPss" }, IN_ROW | IN_SUMMARY | ROUNDED },
	{ { "private_dirty" }, { "Private_Dirty" }, IN_ROW | IN_SUMMARY },
	{ { "shared_dirty" }, { "Shared_Dirty" }, IN_ROW | IN_SUMMARY },
	{ { "ksm" }, { "KSM" }, IN_ROW | IN_SUMMARY },
};

#define NR_ORACLE ARRAY_SIZE(oracle)

/*
 * Everything the oracle does not check exactly, in one place, with the reason. SKIP: no smaps
 * counterpart.
 */
enum { SKIP };

static const struct unchecked {
	const char *field;
	int how;
	bool known_deviation;	/* a module defect being fixed: --strict checks it exactly */
	const char *why;
} unchecked[] = {
	{ "zero", SKIP, false,
	  "mappings of the shared zero page are not resident; smaps counts them nowhere" },
	{ "file_shared", SKIP, false, "smaps does not split by backing; checked by the invariants "
	  "(anon_x + file_x + shmem_x = x) and by each VMA's backing (no shmem in an ext2 file)" },
	{ "file_private", SKIP, false, "as file_shared" },
	{ "shmem_shared", SKIP, false, "as file_shared (no file pages in a memfd or shmem VMA)" },
	{ "shmem_private", SKIP, false, "as file_shared" },
	{ "path", SKIP, false,
	  "vmacct names anonymous memory [anon] and escapes bytes; not a count" },
	{ "[vsyscall]", SKIP, false, "smaps' gate area is no VMA of the mm (statm's size leaves it "
	  "out too): vmacct has no row for it" },
};

#define NR_UNCHECKED ARRAY_SIZE(unchecked)

/* ------------------------------------------------------------------------------------------ */
/* Operations */

#define OPS(X)							\
	X(MMAP_ANON, "mmap_anon", 8)				\
	X(MMAP_FILE, "mmap_file", 4)				\
	X(MMAP_SHMEM, "mmap_shmem", 3)				\
	X(MMAP_MEMFD, "mmap_memfd", 4)				\
	X(MMAP_HUGE_2M, "mmap_hugetlb_2m", 3)			\
	X(MMAP_HUGE_1G, "mmap_hugetlb_1g", 1)			\
	X(POPULATE, "populate", 12)				\
	X(MUNMAP, "munmap", 5)					\
	X(MPROTECT, "mprotect", 5)				\
	X(MREMAP_MOVE, "mremap_move", 2)			\
	X(MREMAP_GROW, "mremap_grow", 2)			\
	X(MREMAP_SHRINK, "mremap_shrink", 2)			\
	X(MREMAP_DONTUNMAP, "mremap_dontunmap", 2)		\
	X(DONTNEED, "madv_dontneed", 3)				\
	X(FREE, "madv_free", 2)					\
	X(PAGEOUT, "madv_pageout", 3)				\
	X(COLD, "madv_cold", 1)					\
	X(HUGEPAGE, "madv_hugepage", 2)				\
	X(NOHUGEPAGE, "madv_nohugepage", 1)			\
	X(COLLAPSE, "madv_collapse", 2)				\
	X(GUARD_INSTALL, "madv_guard_install", 2)		\
	X(GUARD_REMOVE, "madv_guard_remove", 1)			\
	X(MERGEABLE, "madv_mergeable", 1)			\
	X(MLOCK, "mlock", 2)					\
	X(MUNLOCK, "munlock", 1)				\
	X(FORK, "fork", 3)					\
	X(EXIT, "exit", 2)					\
	X(UFFD_WP, "uffd_wp", 3)				\
	X(THP_SYSFS, "thp_sysfs", 2)				\
	X(KSM, "ksm", 2)					\
	X(PACKET_RING, "packet_ring", 1)			\
	X(IO_URING, "io_uring", 1)

#define OP_ENUM(e, name, weight) OP_##e,
enum op { OPS(OP_ENUM) NR_OPS };
#define OP_NAME(e, name, weight) name,
static const char *const op_names[NR_OPS] = { OPS(OP_NAME) };
#define OP_WEIGHT(e, name, weight) weight,
static const unsigned int op_weights[NR_OPS] = { OPS(OP_WEIGHT) };

/* ------------------------------------------------------------------------------------------ */
/* What the driver and the monitor share (MAP_SHARED): counts, the op log, the results. */

struct op_stat {
	unsigned long ran, refused;
	double seconds;		/* spent in it, the comparison after it not included */
	int last_errno;
	bool absent;		/* this kernel lacks it (probed at start) */
	bool off;		/* --ops / --no-op */
	char why_absent[48];
};

static struct shared {
	struct op_stat op[NR_OPS];
	unsigned long seeds, steps, compares, retried, unsettled, faults, ksm_timeouts;
	double compare_seconds;
	unsigned long seen[16];		/* rows compared with a nonzero seen_keys[i] */
	unsigned long long seed;	/* being run */
	int step;
	bool in_seed;
	int nlog;
	char log[LOG_LINES][LOG_LEN];
	int nresults, failed;
	char unknown_fields[256];	/* vmacct fields in neither oracle[] nor unchecked[] */
	char unchecked_here[256];	/* oracle lines this kernel's smaps cannot check */
} *sh;

/* ------------------------------------------------------------------------------------------ */
/* Driver <-> worker protocol: one fixed-size message each way over a SOCK_SEQPACKET pair. */

enum wop {
	W_MMAP, W_MUNMAP, W_MPROTECT, W_MADVISE, W_MREMAP, W_TOUCH, W_FILL, W_MLOCK, W_MUNLOCK,
	W_FORK, W_EXIT, W_UFFD_WP, W_PACKET, W_URING,
};

enum backing {
	B_ANON, B_SHANON, B_FILE, B_MEMFD_FAMILY, B_MEMFD_NEW, B_HUGE_ANON_2M, B_HUGE_MEMFD_2M,
	B_HUGE_ANON_1G,
};

#define MAX_CHILD_WRITES 4

struct fz_cmd {
	uint32_t op;
	int32_t arg;		/* prot, advice, mremap flags, write?, uffd mode, ... */
	uint64_t addr, len;
	uint64_t addr2, len2;	/* mremap: new length; uffd: the range to write-protect */
	uint64_t off;		/* mmap: file offset; touch: stride */
	uint64_t align;		/* mmap/mremap: alignment of the result (0: none) */
	uint64_t skew;		/* mremap: bytes past the alignment (a misaligned move) */
	uint32_t backing;
	uint32_t flags;		/* mmap flags */
	uint32_t pattern;	/* touch/fill: the byte written */
	uint32_t nw;		/* fork: writes the child makes */
	struct { uint64_t addr, len; uint32_t pattern; } w[MAX_CHILD_WRITES];
};

struct fz_reply {
	int32_t err;		/* 0 or an errno */
	int32_t pid;		/* fork: the child */
	uint64_t addr;		/* mmap/mremap/packet/io_uring: the (first) mapping */
	uint64_t len;
	uint64_t addr2, len2, addr3, len3;	/* io_uring's other rings */
	uint64_t faults;	/* touch: pages that faulted (the driver's model was wrong) */
	uint64_t fault_addr;
};

/* ------------------------------------------------------------------------------------------ */
/* PRNG: splitmix64, fully determined by the seed. */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 for n == 0. */
static unsigned long rnd(unsigned long n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(unsigned int percent)
{
	return rnd(100) < percent;
}

/* ------------------------------------------------------------------------------------------ */
/* Options and the run's environment */

static unsigned long long opt_seed = 1;
static long opt_steps = DEFAULT_STEPS;
static long opt_seconds = -1;
static const char *opt_replay;
static bool opt_strict, opt_verbose;
static const char *file_dir;
static char self_exe[4096];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first line of @path, or the [selected] word of a THP setting ("always [madvise] never"). */
static int read_setting(const char *path, char *out, size_t size)
{
	char *text = read_file(path, NULL), *a, *b;

	if (!text)
		return -errno;
	a = strchr(text, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = 0;
		snprintf(out, size, "%s", a + 1);
	} else {
		text[strcspn(text, "\n")] = 0;
		snprintf(out, size, "%s", text);
	}
	free(text);
	return 0;
}

/*
 * Every sysfs/procfs setting the fuzzer changes, with its value before the run: the monitor
 * puts each back at the end, even after the driver died, and every seed starts from them.
 */
#define MAX_KNOBS 48

static struct knob {
	char path[128];
	char saved[64];
	bool per_seed;		/* reset to the saved value at each seed's start */
} knobs[MAX_KNOBS];
static int nr_knobs;

static int knob_add(const char *path, bool per_seed)
{
	struct knob *k = &knobs[nr_knobs];

	if (nr_knobs == MAX_KNOBS || read_setting(path, k->saved, sizeof(k->saved)))
		return -1;
	snprintf(k->path, sizeof(k->path), "%s", path);
	k->per_seed = per_seed;
	return nr_knobs++;
}

static int knob_set(int i, const char *val)
{
	return i < 0 ? -ENOENT : write_file(knobs[i].path, val);
}

/* In reverse: khugepaged's sleep goes back after THP is enabled again. */
static void knobs_restore(bool per_seed_only)
{
	int i;

	for (i = nr_knobs - 1; i >= 0; i--)
		if (!per_seed_only || knobs[i].per_seed)
			write_file(knobs[i].path, knobs[i].saved);
}

#define THP "/sys/kernel/mm/transparent_hugepage"
#define KSM_DIR "/sys/kernel/mm/ksm"
#define HUGEPAGES "/sys/kernel/mm/hugepages"

static int k_ksm_run = -1, k_huge1g = -1;

/* The THP settings thp_sysfs switches, with the values each accepts. */
#define MAX_THP_KNOBS 24
static struct {
	int knob;
	const char *const *values;
} thp_knobs[MAX_THP_KNOBS];
static int nr_thp_knobs;

static const char *const thp_top_values[] = { "always", "madvise", "never", NULL };
static const char *const thp_size_values[] = { "always", "inherit", "madvise", "never", NULL };
static const char *const shmem_top_values[] = { "always", "within_size", "advise", "never", NULL };
static const char *const shmem_size_values[] = {
	"always", "inherit", "within_size", "advise", "never", NULL
};

static void thp_knob_add(const char *path, const char *const *values)
{
	int k;

	if (nr_thp_knobs == MAX_THP_KNOBS || access(path, W_OK))
		return;
	k = knob_add(path, true);
	if (k >= 0) {
		thp_knobs[nr_thp_knobs].knob = k;
		thp_knobs[nr_thp_knobs++].values = values;
	}
}

static long mem_available_mb(void)
{
	char *text = read_file("/proc/meminfo", NULL), *p;
	long kb = 0;

	p = text ? strstr(text, "MemAvailable:") : NULL;
	if (p)
		kb = strtol(p + 13, NULL, 10);
	free(text);
	return kb >> 10;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void setup_knobs(const bool *enabled)
{
	char *sizes[32], path[256];
	struct dirent *e;
	int n = 0, i;
	DIR *d;

	/* mTHP sizes (6.8+), in a fixed order so that a seed picks the same one everywhere. */
	d = opendir(THP);
	while (d && (e = readdir(d)) && n < 32)
		if (!strncmp(e->d_name, "hugepages-", 10))
			sizes[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(sizes, n, sizeof(sizes[0]), cmp_str);
	thp_knob_add(THP "/enabled", thp_top_values);
	thp_knob_add(THP "/shmem_enabled", shmem_top_values);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), THP "/%s/enabled", sizes[i]);
		thp_knob_add(path, thp_size_values);
		snprintf(path, sizeof(path), THP "/%s/shmem_enabled", sizes[i]);
		thp_knob_add(path, shmem_size_values);
		free(sizes[i]);
	}
	/*
	 * khugepaged collapses on its own between a vmacct read and an smaps read: one PMD per
	 * day. A write of scan_sleep_millisecs wakes it for one last pass, of one PMD.
	 */
	knob_set(knob_add(THP "/khugepaged/pages_to_scan", false), "1");
	knob_set(knob_add(THP "/khugepaged/scan_sleep_millisecs", false), "86400000");
	knob_set(knob_add(THP "/khugepaged/alloc_sleep_millisecs", false), "86400000");
	/* Proactive compaction migrates pages in the background (transient migration entries). */
	knob_set(knob_add("/proc/sys/vm/compaction_proactiveness", false), "0");
	/* ksmd runs only during the passes the ksm operation asks for, and then quickly. */
	k_ksm_run = knob_add(KSM_DIR "/run", true);
	knob_set(k_ksm_run, "0");
	knob_set(knob_add(KSM_DIR "/pages_to_scan", false), "2000");
	knob_set(knob_add(KSM_DIR "/sleep_millisecs", false), "1");
	/*
	 * hugetlb pages to populate: 16 of 2 MiB, and one of 1 GiB (a PUD leaf, or with 16 KiB
	 * pages 32 contiguous PMDs) if the kernel
	 * finds one and at least 512 MiB stay available for the rest (the workers use up to 200),
	 * unless --no-op mmap_hugetlb_1g: the kernel zeroes the page in one go, which under arm64
	 * TCG takes longer than the soft-lockup watchdog allows.
	 */
	if (read_long(HUGEPAGES "/hugepages-2048kB/nr_hugepages", -1) < 16)
		knob_set(knob_add(HUGEPAGES "/hugepages-2048kB/nr_hugepages", false), "16");
	if (enabled[OP_MMAP_HUGE_1G] &&
	    read_long(HUGEPAGES "/hugepages-1048576kB/nr_hugepages", -1) == 0) {
		k_huge1g = knob_add(HUGEPAGES "/hugepages-1048576kB/nr_hugepages", false);
		knob_set(k_huge1g, "1");
		if (mem_available_mb() < 512)
			knob_set(k_huge1g, "0");
	}
}

/* Free hugetlb pages of @size that nothing has reserved: what a populate may use. */
static long huge_free(unsigned long size)
{
	char path[128];
	long free_pages, resv;

	snprintf(path, sizeof(path), HUGEPAGES "/hugepages-%lukB/free_hugepages", size >> 10);
	free_pages = read_long(path, -1);
	snprintf(path, sizeof(path), HUGEPAGES "/hugepages-%lukB/resv_hugepages", size >> 10);
	resv = read_long(path, -1);
	return free_pages < 0 || resv < 0 ? 0 : free_pages - resv;
}

/* ------------------------------------------------------------------------------------------ */
/* The worker: executes what the driver sends, one syscall or a short sequence, and answers. */

static int w_file_fd = -1, w_uffd = -1;
static sigjmp_buf touch_env;
static volatile sig_atomic_t touching;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	if (touching) {
		touching = 0;
		siglongjmp(touch_env, 1);
	}
	/* Not one of ours: die of it, the driver reports the worker's death. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Touch @len bytes at @addr every @stride bytes, reading or writing @pattern. The driver's model
 * says every page may be touched; a fault says the model was wrong, and is counted, not fatal.
 */
static void w_touch(uint64_t addr, uint64_t len, uint64_t stride, int write, uint32_t pattern,
		    bool whole_page, struct fz_reply *r)
{
	volatile uint64_t i = 0;
	uint64_t n = len / stride;

	if (sigsetjmp(touch_env, 1)) {
		if (!r->faults++)
			r->fault_addr = addr + i * stride;
		i++;
	}
	touching = 1;
	for (; i < n; i++) {
		volatile char *p = (char *)(uintptr_t)(addr + i * stride);

		if (whole_page)
			memset((char *)p, pattern, PAGE);
		else if (write)
			*p = pattern;
		else
			(void)*p;
	}
	touching = 0;
}

static int w_uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	uint64_t want = UFFD_FEATURE_WP_HUGETLBFS_SHMEM | UFFD_FEATURE_WP_UNPOPULATED;
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	/* The first UFFDIO_API says what this kernel supports; a second fd asks for it. */
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
		return fd < 0 ? -errno : (close(fd), -EINVAL);
	close(fd);
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	api.api = UFFD_API;
	api.features &= want;
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
		return fd < 0 ? -errno : (close(fd), -EINVAL);
	w_uffd = fd;
	return 0;
}

/* mmap with room to align the result, the rest given back. */
static void *w_mmap_aligned(size_t len, int prot, int flags, int fd, off_t off, size_t align)
{
	char *p = mmap(NULL, len + align, prot, flags, fd, off), *q;

	if (p == MAP_FAILED || !align)
		return p;
	q = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (q > p)
		munmap(p, q - p);
	if (p + align > q)
		munmap(q + len, p + align - q);
	return q;
}

static void w_mmap(const struct fz_cmd *c, struct fz_reply *r)
{
	int fd = -1, flags = c->flags;
	void *p;

	switch (c->backing) {
	case B_FILE:
		fd = w_file_fd;
		break;
	case B_MEMFD_FAMILY:
		fd = MEMFD_FD;
		break;
	case B_HUGE_MEMFD_2M:
		fd = HUGEFD_FD;
		break;
	case B_MEMFD_NEW:
		fd = memfd_create("vmacct-fuzz-new", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, FILE_SIZE)) {
			r->err = errno;
			if (fd >= 0)
				close(fd);
			return;
		}
		break;
	}
	p = w_mmap_aligned(c->len, c->arg, flags, fd, c->off, c->align);
	if (p == MAP_FAILED)
		r->err = errno;
	else
		r->addr = (uintptr_t)p;
	if (c->backing == B_MEMFD_NEW)
		close(fd);
}

static void w_mremap(const struct fz_cmd *c, struct fz_reply *r)
{
	size_t reserve = c->len2 + c->align + c->skew;
	char *t = NULL, *q = NULL;
	void *p;

	/* A move goes to a reservation of our own: the destination's alignment is chosen. */
	if (c->arg & MREMAP_FIXED) {
		t = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			 0);
		if (t == MAP_FAILED) {
			r->err = errno;
			return;
		}
		q = t;
		if (c->align)
			q = (char *)(((uintptr_t)t + c->align - 1) & ~(uintptr_t)(c->align - 1));
		q += c->skew;
	}
	p = mremap((void *)(uintptr_t)c->addr, c->len, c->len2, c->arg, q);
	if (p == MAP_FAILED) {
		r->err = errno;
		if (t)
			munmap(t, reserve);
		return;
	}
	r->addr = (uintptr_t)p;
	if (t) {
		if (q > t)
			munmap(t, q - t);
		if (t + reserve > q + c->len2)
			munmap(q + c->len2, t + reserve - (q + c->len2));
	}
}

static void w_packet(const struct fz_cmd *c, struct fz_reply *r)
{
	struct tpacket_req req = {
		.tp_block_size = PAGE << c->arg,
		.tp_block_nr = c->len,
		.tp_frame_size = 2048,
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);	/* protocol 0: receives nothing */
	void *p;

	req.tp_frame_nr = req.tp_block_size / req.tp_frame_size * req.tp_block_nr;
	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		r->err = errno;
		goto out;
	}
	/* The ring's pages are inserted with vm_insert_page() at mmap time. */
	r->len = (uint64_t)req.tp_block_size * req.tp_block_nr;
	p = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		r->err = errno;
	else
		r->addr = (uintptr_t)p;
out:
	if (fd >= 0)
		close(fd);
}

static void w_uring(const struct fz_cmd *c, struct fz_reply *r)
{
	struct io_uring_params p;
	size_t sq, sqes, cq;
	void *a;
	int fd;

	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, (unsigned int)c->len, &p);
	if (fd < 0) {
		r->err = errno;
		return;
	}
	sq = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	cq = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sqes = p.sq_entries * sizeof(struct io_uring_sqe);
	a = mmap(NULL, sq, PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_SQ_RING);
	if (a == MAP_FAILED) {
		r->err = errno;
		goto out;
	}
	r->addr = (uintptr_t)a;
	r->len = (sq + PAGE - 1) & ~(PAGE - 1);
	a = mmap(NULL, sqes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_SQES);
	if (a != MAP_FAILED) {
		r->addr2 = (uintptr_t)a;
		r->len2 = (sqes + PAGE - 1) & ~(PAGE - 1);
	}
	if (c->arg >= 3) {
		a = mmap(NULL, cq, PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_CQ_RING);
		if (a != MAP_FAILED) {
			r->addr3 = (uintptr_t)a;
			r->len3 = (cq + PAGE - 1) & ~(PAGE - 1);
		}
	}
out:
	close(fd);
}

static void w_uffd_wp(const struct fz_cmd *c, struct fz_reply *r)
{
	struct uffdio_register reg = {
		.range = { .start = c->addr, .len = c->len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = c->addr2, .len = c->len2 },
		.mode = c->arg ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};
	int ret = w_uffd < 0 ? w_uffd_open() : 0;

	if (ret) {
		r->err = -ret;
		return;
	}
	if (ioctl(w_uffd, UFFDIO_REGISTER, &reg) || ioctl(w_uffd, UFFDIO_WRITEPROTECT, &wp))
		r->err = errno;
}

/* Send the reply, and with it @fd (a forked child's socket) when there is one. */
static int w_reply(const struct fz_reply *r, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)r, .iov_len = sizeof(*r) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(CMD_FD, &msg, MSG_NOSIGNAL) == sizeof(*r) ? 0 : -1;
}

/* Fork: the child answers on a socket of its own, which the parent hands to the driver. */
static int w_fork(const struct fz_cmd *c, struct fz_reply *r)
{
	int sv[2];
	uint32_t i;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		r->err = errno;
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		r->err = errno;
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (!pid) {
		if (dup2(sv[1], CMD_FD) < 0)
			_exit(1);
		close(sv[0]);
		close(sv[1]);
		/* The uffd belongs to the parent's mm: registering through it would change that. */
		if (w_uffd >= 0)
			close(w_uffd);
		w_uffd = -1;
		memset(r, 0, sizeof(*r));
		for (i = 0; i < c->nw && i < MAX_CHILD_WRITES; i++)
			w_touch(c->w[i].addr, c->w[i].len, PAGE, 1, c->w[i].pattern, false, r);
		r->pid = getpid();
		return -1;	/* the child's "ready" goes out as an ordinary reply */
	}
	close(sv[1]);
	r->pid = pid;
	return sv[0];
}

static void w_do(const struct fz_cmd *c, struct fz_reply *r, int *pass_fd)
{
	void *a = (void *)(uintptr_t)c->addr;

	switch (c->op) {
	case W_MMAP:
		w_mmap(c, r);
		break;
	case W_MUNMAP:
		if (munmap(a, c->len))
			r->err = errno;
		break;
	case W_MPROTECT:
		if (mprotect(a, c->len, c->arg))
			r->err = errno;
		break;
	case W_MADVISE:
		if (madvise(a, c->len, c->arg))
			r->err = errno;
		break;
	case W_MREMAP:
		w_mremap(c, r);
		break;
	case W_TOUCH:
		w_touch(c->addr, c->len, c->off, c->arg, c->pattern, false, r);
		break;
	case W_FILL:
		w_touch(c->addr, c->len, PAGE, 1, c->pattern, true, r);
		break;
	case W_MLOCK:
		if (mlock(a, c->len))
			r->err = errno;
		break;
	case W_MUNLOCK:
		if (munlock(a, c->len))
			r->err = errno;
		break;
	case W_FORK:
		*pass_fd = w_fork(c, r);
		break;
	case W_EXIT:
		_exit(0);
	case W_UFFD_WP:
		w_uffd_wp(c, r);
		break;
	case W_PACKET:
		w_packet(c, r);
		break;
	case W_URING:
		w_uring(c, r);
		break;
	default:
		r->err = EINVAL;
	}
}

static int worker_main(const char *file)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };
	struct fz_reply r;
	struct fz_cmd c;
	int pass_fd;

	/* Children are reaped by the kernel: an exit op leaves no zombie behind. */
	signal(SIGCHLD, SIG_IGN);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	prctl(PR_SET_NAME, "vmacct-fuzz-w");
	if (file[0])
		w_file_fd = open(file, O_RDWR | O_CLOEXEC);
	for (;;) {
		/* The driver compares only while every worker is blocked right here. */
		ssize_t n = read(CMD_FD, &c, sizeof(c));

		if (n != sizeof(c))
			_exit(n == 0 ? 0 : 1);
		memset(&r, 0, sizeof(r));
		pass_fd = -1;
		w_do(&c, &r, &pass_fd);
		if (w_reply(&r, pass_fd))
			_exit(1);
		if (pass_fd >= 0)
			close(pass_fd);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* The driver's model of each worker: its mappings ("slots"), unit by unit. */

enum kind { K_ANON, K_SHANON, K_FILE, K_MEMFD, K_HUGE2M, K_HUGE1G, K_PACKET, K_URING };
static const char *const kind_names[] = {
	"anon", "shmem", "file", "memfd", "hugetlb-2M", "hugetlb-1G", "packet-ring", "io_uring",
};

/* Per unit (small page or huge page). All but U_GUARD are VMA flags: they split VMAs. */
#define U_R		0x01
#define U_W		0x02
#define U_GUARD		0x04	/* MADV_GUARD_INSTALL: any access faults */
#define U_HUGE		0x08
#define U_NOHUGE	0x10
#define U_MERGE		0x20
#define U_LOCK		0x40
#define U_UFFD		0x80
#define U_GONE		0x100	/* a driver's page zapped: nothing faults it in again (SIGBUS) */
#define U_VMA_FLAGS	(U_R | U_W | U_HUGE | U_NOHUGE | U_MERGE | U_LOCK | U_UFFD)

struct slot {
	bool used;
	uint8_t kind;
	bool shared;
	/*
	 * Registered for uffd-wp and write-protected once: never written again by this process,
	 * a write would wait for a uffd reader that does not exist. A forked child's copy is not
	 * registered (no UFFD_FEATURE_EVENT_FORK) and may be written.
	 */
	bool wp;
	unsigned long addr;
	unsigned long unit;	/* bytes */
	unsigned long n;	/* units */
	unsigned long pgoff;	/* units into the object it maps */
	unsigned long objn;	/* the object's size in units (past it: SIGBUS); 0: none */
	uint16_t *st;		/* U_* per unit */
};

struct worker {
	bool alive;
	int id;			/* w0, w1, ...: names in the op log */
	pid_t pid;
	int sock;
	bool child;		/* forked by an op (an exit op may end it) */
	struct slot slot[NSLOTS];
};

static struct family {
	struct worker w[MAX_WORKERS];
	int next_id;
	char file[512];		/* on VMACCT_FILE_DIR, mapped by every worker */
	int memfd, hugefd;	/* the family's memfd and hugetlb memfd, mapped by every worker */
} fam;

static bool slot_backed(const struct slot *s, unsigned long i)
{
	return !s->objn || s->pgoff + i < s->objn;
}

static unsigned long worker_bytes(const struct worker *w)
{
	unsigned long b = 0;
	int i;

	for (i = 0; i < NSLOTS; i++)
		if (w->slot[i].used && w->slot[i].unit == PAGE)
			b += w->slot[i].n * PAGE;
	return b;
}

static int free_slot(const struct worker *w)
{
	int i;

	for (i = 0; i < NSLOTS; i++)
		if (!w->slot[i].used)
			return i;
	return -1;
}

static void st_fill(uint16_t *st, uint16_t v, unsigned long n)
{
	while (n--)
		*st++ = v;
}

static uint16_t *st_dup(const uint16_t *st, unsigned long n)
{
	uint16_t *d = malloc(n * sizeof(*d));

	if (!d)
		ksft_exit_fail_msg("out of memory\n");
	memcpy(d, st, n * sizeof(*d));
	return d;
}

/* Resize the units of @s to @n, the new ones (if any) with state @v. */
static void st_resize(struct slot *s, unsigned long n, uint16_t v)
{
	s->st = realloc(s->st, n * sizeof(*s->st));
	if (!s->st)
		ksft_exit_fail_msg("out of memory\n");
	if (n > s->n)
		st_fill(s->st + s->n, v, n - s->n);
	s->n = n;
}

static void slot_clear(struct slot *s)
{
	free(s->st);
	memset(s, 0, sizeof(*s));
}

/* Units [off, off + n) of @s become slot @t (which must be free); @s keeps the rest. */
static void slot_split_off(struct slot *s, unsigned long off, unsigned long n, struct slot *t)
{
	*t = *s;
	t->st = st_dup(s->st + off, n);
	t->n = n;
	t->addr = s->addr + off * s->unit;
	t->pgoff = s->pgoff + off;
}

/* Drop units [off, off + n), which must be the head or the tail of @s. */
static void slot_trim(struct slot *s, unsigned long off, unsigned long n)
{
	if (n == s->n) {
		slot_clear(s);
		return;
	}
	if (!off) {
		memmove(s->st, s->st + n, (s->n - n) * sizeof(*s->st));
		s->addr += n * s->unit;
		s->pgoff += n;
	}
	s->n -= n;
}

/* ------------------------------------------------------------------------------------------ */
/* The op log of the seed being run: one line per operation, printed with a mismatch. */

static void oplog(const char *fmt, ...)
{
	char line[LOG_LEN];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "%4d ", sh->step);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (opt_verbose)
		ksft_print_msg("seed %llu: %s\n", sh->seed, line);
	if (sh->nlog < LOG_LINES)
		snprintf(sh->log[sh->nlog], LOG_LEN, "%s", line);
	sh->nlog++;
}

static void print_oplog(void)
{
	int i;

	ksft_print_msg("operations of seed %llu (replay: vmacct_fuzz --seed %llu --steps %d):\n",
		       sh->seed, sh->seed, sh->step);
	for (i = 0; i < sh->nlog && i < LOG_LINES; i++)
		ksft_print_msg("  %s\n", sh->log[i]);
	if (sh->nlog > LOG_LINES)
		ksft_print_msg("  ... %d more\n", sh->nlog - LOG_LINES);
}

/* ------------------------------------------------------------------------------------------ */
/* Talking to workers */

/* The seed is over for this reason (a worker died or hung): printed with the op log. */
static char seed_error[512];

static void seed_fail(const char *fmt, ...)
{
	va_list ap;

	if (seed_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(seed_error, sizeof(seed_error), fmt, ap);
	va_end(ap);
}

static int recv_reply(int sock, struct fz_reply *r, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = r, .iov_len = sizeof(*r) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct cmsghdr *cm;
	int ret;

	if (fd)
		*fd = -1;
	do {
		ret = poll(&p, 1, REPLY_TIMEOUT_MS);
	} while (ret < 0 && errno == EINTR);
	if (ret == 0)
		return -ETIMEDOUT;
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(*r))
		return -EPIPE;
	cm = CMSG_FIRSTHDR(&msg);
	if (fd && cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

/* A touch faulted where the model said it could not: the fuzzer's bug, said where it happened. */
static void model_fault(const struct worker *w, const struct fz_reply *r)
{
	sh->faults++;
	oplog("  w%d: %" PRIu64 " pages faulted from %#" PRIx64 " (the model was wrong)", w->id,
	      r->faults, r->fault_addr);
	ksft_print_msg("seed %llu step %d: w%d: a touch faulted at %#" PRIx64 ", which the model "
		       "said it could not (replay with --verbose)\n", sh->seed, sh->step, w->id,
		       r->fault_addr);
}

/* Where a worker that does not answer sleeps, for the report. */
static void print_stuck(const struct worker *w, const struct fz_cmd *c)
{
	char path[64], *text, *line, *save;

	ksft_print_msg("w%d (pid %d) did not answer: command %u addr %#" PRIx64 " len %#" PRIx64
		       " arg %d\n", w->id, w->pid, c->op, c->addr, c->len, c->arg);
	snprintf(path, sizeof(path), "/proc/%d/syscall", w->pid);
	text = read_file(path, NULL);
	if (text)
		ksft_print_msg("  syscall: %s", text);
	free(text);
	snprintf(path, sizeof(path), "/proc/%d/stack", w->pid);
	text = read_file(path, NULL);
	line = text ? strtok_r(text, "\n", &save) : NULL;
	for (; line; line = strtok_r(NULL, "\n", &save))
		ksft_print_msg("  %s\n", line);
	free(text);
}

/* One command, one reply. Nonzero when the worker is gone or hung: the seed is over. */
static int wcall(struct worker *w, struct fz_cmd *c, struct fz_reply *r, int *fd)
{
	int ret;

	if (write(w->sock, c, sizeof(*c)) != sizeof(*c)) {
		seed_fail("worker w%d (pid %d) is gone (write: %s)", w->id, w->pid,
			  strerror(errno));
		return -1;
	}
	ret = recv_reply(w->sock, r, fd);
	if (ret == -ETIMEDOUT)
		print_stuck(w, c);
	if (ret) {
		seed_fail("worker w%d (pid %d) %s", w->id, w->pid,
			  ret == -ETIMEDOUT ? "did not answer within the timeout (hung?)" :
			  "died (killed by the kernel? see the log)");
		return -1;
	}
	if (r->faults)
		model_fault(w, r);
	return 0;
}

static struct worker *new_worker_entry(void)
{
	int i;

	for (i = 0; i < MAX_WORKERS; i++) {
		if (!fam.w[i].alive) {
			memset(&fam.w[i], 0, sizeof(fam.w[i]));
			fam.w[i].alive = true;
			fam.w[i].id = fam.next_id++;
			return &fam.w[i];
		}
	}
	return NULL;
}

static int nr_alive(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_WORKERS; i++)
		n += fam.w[i].alive;
	return n;
}

/*
 * Make @fd the descriptor @to, kept across exec (-1: @to closed). Each source is first copied
 * above the targets (closed at exec), so that no dup2() overwrites a source not yet moved.
 */
static int move_fds(const int *fd, const int *to, int n)
{
	int high[4], i;

	for (i = 0; i < n; i++)
		high[i] = fd[i] < 0 ? -1 : fcntl(fd[i], F_DUPFD_CLOEXEC, 100);
	for (i = 0; i < n; i++) {
		if (fd[i] >= 0 && (high[i] < 0 || dup2(high[i], to[i]) < 0))
			return -1;
		if (fd[i] < 0)
			close(to[i]);
	}
	return 0;
}

/*
 * A worker is this program exec()ed again: it shares no memory with the driver, whose reads and
 * allocations would otherwise break copy-on-write sharing with it. Without address space
 * randomisation a replay repeats even the addresses.
 */
static struct worker *spawn_worker(void)
{
	struct worker *w = new_worker_entry();
	int sv[2];

	if (!w)
		return NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		w->alive = false;
		return NULL;
	}
	w->pid = fork();
	if (!w->pid) {
		int from[] = { sv[1], fam.memfd, fam.hugefd };
		int to[] = { CMD_FD, MEMFD_FD, HUGEFD_FD };

		if (move_fds(from, to, 3))
			_exit(1);
		personality(ADDR_NO_RANDOMIZE);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(self_exe, "vmacct_fuzz", "--worker", fam.file, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	w->sock = sv[0];
	if (w->pid < 0) {
		close(w->sock);
		w->alive = false;
		return NULL;
	}
	return w;
}

static void kill_family(void)
{
	int i, n;

	for (i = 0; i < MAX_WORKERS; i++) {
		struct worker *w = &fam.w[i];

		if (!w->alive)
			continue;
		kill(w->pid, SIGKILL);
		close(w->sock);
		for (n = 0; n < NSLOTS; n++)
			slot_clear(&w->slot[n]);
		w->alive = false;
	}
	/* The workers' pages (hugetlb, KSM, swap) must be gone before the next seed starts. */
	for (i = 0; i < MAX_WORKERS; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d", fam.w[i].pid);
		for (n = 0; fam.w[i].pid > 0 && n < 5000 && !access(path, F_OK); n++)
			usleep(1000);
	}
	if (fam.memfd >= 0)
		close(fam.memfd);
	if (fam.hugefd >= 0)
		close(fam.hugefd);
	if (fam.file[0])
		unlink(fam.file);
	memset(&fam, 0, sizeof(fam));
}

/* ------------------------------------------------------------------------------------------ */
/* Choosing targets */

typedef bool (*slot_pred)(const struct worker *w, const struct slot *s);

/* A random worker, among the alive ones for which @ok holds (NULL: any). */
static struct worker *pick_worker(bool (*ok)(const struct worker *w))
{
	struct worker *cand[MAX_WORKERS];
	int i, n = 0;

	for (i = 0; i < MAX_WORKERS; i++)
		if (fam.w[i].alive && (!ok || ok(&fam.w[i])))
			cand[n++] = &fam.w[i];
	return n ? cand[rnd(n)] : NULL;
}

/* A random slot of a random worker for which @ok holds. */
static struct slot *pick_slot(slot_pred ok, struct worker **wp)
{
	struct { struct worker *w; struct slot *s; } cand[MAX_WORKERS * NSLOTS];
	int i, j, n = 0;

	for (i = 0; i < MAX_WORKERS; i++) {
		struct worker *w = &fam.w[i];

		for (j = 0; w->alive && j < NSLOTS; j++)
			if (w->slot[j].used && (!ok || ok(w, &w->slot[j])))
				cand[n].w = w, cand[n++].s = &w->slot[j];
	}
	if (!n)
		return NULL;
	i = rnd(n);
	*wp = cand[i].w;
	return cand[i].s;
}

/* A random range of units of @s: the whole of it a third of the time. */
static void pick_range(const struct slot *s, unsigned long *off, unsigned long *n)
{
	if (s->n == 1 || chance(33)) {
		*off = 0;
		*n = s->n;
		return;
	}
	*off = rnd(s->n);
	*n = 1 + rnd(s->n - *off);
}

static bool is_huge(const struct slot *s)
{
	return s->kind == K_HUGE2M || s->kind == K_HUGE1G;
}

/* Where this unit may be touched (read or written) without a fault. */
static bool touchable(const struct slot *s, unsigned long i, bool write)
{
	uint16_t st = s->st[i];

	if (!slot_backed(s, i) || (st & (U_GUARD | U_GONE)))
		return false;
	return write ? (st & U_W) && !s->wp : (st & U_R);
}

static const char *prot_name(int prot)
{
	return prot == PROT_NONE ? "none" : prot == PROT_READ ? "r" : "rw";
}

/*
 * Touch the touchable units of [off, off + n) of @s, run by run. hugetlb is touched only when
 * enough free huge pages exist for every unit (a fault without one is SIGBUS).
 */
static int touch_range(struct worker *w, struct slot *s, unsigned long off, unsigned long n,
		       bool write, bool fill, uint32_t pattern, bool *did)
{
	struct fz_cmd c = { .op = fill ? W_FILL : W_TOUCH, .arg = write, .pattern = pattern };
	struct fz_reply r;
	unsigned long i = off, end = off + n, want = 0;

	*did = false;
	for (i = off; i < end; i++)
		want += touchable(s, i, write);
	if (!want)
		return 0;
	if (is_huge(s) && huge_free(s->unit) < (long)want) {
		oplog("  w%d: hugetlb populate left out: %lu pages needed, %ld free", w->id, want,
		      huge_free(s->unit));
		return 0;
	}
	c.off = s->unit;	/* one access per page, huge or not */
	for (i = off; i < end; ) {
		unsigned long j = i;

		while (j < end && touchable(s, j, write))
			j++;
		if (j > i) {
			c.addr = s->addr + i * s->unit;
			c.len = (j - i) * s->unit;
			if (wcall(w, &c, &r, NULL))
				return -1;
			*did = true;
		}
		i = j + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The operations. Each returns -1 when the seed must end (a worker died), 1 when it did not
 * apply (nothing to act on: the driver draws another), else 0 with the kernel's answer counted.
 */

static int op_result(enum op op, int err)
{
	if (err) {
		sh->op[op].refused++;
		sh->op[op].last_errno = err;
	} else {
		sh->op[op].ran++;
	}
	return 0;
}

static bool w_has_room(const struct worker *w)
{
	return free_slot(w) >= 0 && worker_bytes(w) < BUDGET;
}

static int op_mmap(enum op op)
{
	struct worker *w = pick_worker(w_has_room);
	struct fz_cmd c = { .op = W_MMAP };
	int prot = PROT_READ | PROT_WRITE, k, pop = rnd(3);
	unsigned long unit = PAGE, n, room;
	struct fz_reply r;
	struct slot *s;
	bool thp = false, did;
	enum kind kind;

	if (!w)
		return 1;
	room = (BUDGET - worker_bytes(w)) / PAGE;
	/* Small, medium, or THP-sized (PMD-aligned, so that a fault may map a PMD). */
	k = rnd(10);
	n = k < 3 ? 1 + rnd(16) : k < 6 ? 17 + rnd(240) : PMD_PAGES * (1 + rnd(4));
	thp = k >= 6 && chance(70);
	c.flags = MAP_PRIVATE;
	switch (op) {
	case OP_MMAP_ANON:
		kind = K_ANON;
		c.backing = B_ANON;
		c.flags |= MAP_ANONYMOUS;
		break;
	case OP_MMAP_SHMEM:
		kind = K_SHANON;
		c.backing = B_SHANON;
		c.flags = MAP_SHARED | MAP_ANONYMOUS;
		break;
	case OP_MMAP_FILE:
		if (!fam.file[0])
			return 1;
		kind = K_FILE;
		c.backing = B_FILE;
		break;
	case OP_MMAP_MEMFD:
		kind = K_MEMFD;
		c.backing = chance(50) ? B_MEMFD_FAMILY : B_MEMFD_NEW;
		break;
	case OP_MMAP_HUGE_2M:
		kind = K_HUGE2M;
		unit = HUGE_2M;
		n = 1 + rnd(4);
		c.backing = fam.hugefd >= 0 && chance(50) ? B_HUGE_MEMFD_2M : B_HUGE_ANON_2M;
		if (c.backing == B_HUGE_ANON_2M)
			c.flags |= MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB | MAP_NORESERVE;
		else
			c.flags |= MAP_NORESERVE;
		thp = false;
		break;
	default:
		kind = K_HUGE1G;
		unit = HUGE_1G;
		n = 1;
		c.backing = B_HUGE_ANON_1G;
		c.flags |= MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB | MAP_NORESERVE;
		thp = false;
		break;
	}
	if (unit == PAGE && n > room)
		n = room ? room : 1;
	if (thp)
		n = (n + PMD_PAGES - 1) / PMD_PAGES * PMD_PAGES;
	/* Shared or private, except where the backing decides. */
	if (kind == K_FILE || kind == K_MEMFD || kind == K_HUGE2M || kind == K_HUGE1G) {
		if (chance(50))
			c.flags = (c.flags & ~MAP_PRIVATE) | MAP_SHARED;
	}
	k = rnd(10);
	prot = k < 8 ? PROT_READ | PROT_WRITE : k < 9 ? PROT_READ : PROT_NONE;
	c.arg = prot;
	c.len = n * unit;
	c.align = thp ? PMD : 0;
	if (c.backing == B_FILE || c.backing == B_MEMFD_FAMILY || c.backing == B_MEMFD_NEW) {
		c.off = thp ? rnd(8) * PMD : rnd(4096) * PAGE;
	} else if (c.backing == B_HUGE_MEMFD_2M) {
		n = n > HUGE_FILE_SIZE / HUGE_2M ? HUGE_FILE_SIZE / HUGE_2M : n;
		c.len = n * unit;
		c.off = rnd(HUGE_FILE_SIZE / HUGE_2M - n + 1) * HUGE_2M;
	}
	if (wcall(w, &c, &r, NULL))
		return -1;
	oplog("w%d %s %s %s n=%lu%s off=%#" PRIx64 " prot=%s -> %s%#" PRIx64, w->id, op_names[op],
	      kind_names[kind], c.flags & MAP_SHARED ? "shared" : "private", n,
	      thp ? " thp-aligned" : "", c.off, prot_name(prot), r.err ? strerror(r.err) : "",
	      r.addr);
	op_result(op, r.err);
	if (r.err)
		return 0;
	s = &w->slot[free_slot(w)];
	s->used = true;
	s->kind = kind;
	s->shared = c.flags & MAP_SHARED;
	s->addr = r.addr;
	s->unit = unit;
	s->n = n;
	s->pgoff = c.off / unit;
	switch (c.backing) {
	case B_ANON:
		s->objn = 0;
		break;
	case B_SHANON:
	case B_HUGE_ANON_2M:
	case B_HUGE_ANON_1G:
		s->objn = n;	/* the object is as large as the mapping was made */
		break;
	case B_HUGE_MEMFD_2M:
		s->objn = HUGE_FILE_SIZE / unit;
		break;
	default:
		s->objn = FILE_SIZE / unit;
	}
	s->st = NULL;
	s->n = 0;
	st_resize(s, n, (prot & PROT_READ ? U_R : 0) | (prot & PROT_WRITE ? U_W : 0));
	/* A THP-sized region advised before its first fault: THP where enabled=madvise. */
	if (thp && chance(50)) {
		struct fz_cmd a = {
			.op = W_MADVISE, .arg = MADV_HUGEPAGE, .addr = r.addr, .len = c.len,
		};

		if (wcall(w, &a, &r, NULL))
			return -1;
		oplog("  madvise hugepage -> %s", r.err ? strerror(r.err) : "ok");
		if (!r.err)
			st_fill(s->st, s->st[0] | U_HUGE, n);
	}
	/* Populated by writes, by reads (the zero page, page cache), or not at all. */
	if (pop && touch_range(w, s, 0, n, pop == 1, false, rnd(256), &did))
		return -1;
	if (pop && did)
		oplog("  populated by %s", pop == 1 ? "writes" : "reads");
	return 0;
}

static bool any_slot(const struct worker *w, const struct slot *s)
{
	return true;
}

static int op_populate(void)
{
	struct worker *w;
	struct slot *s = pick_slot(any_slot, &w);
	unsigned long off, n;
	bool write = chance(60), did;

	if (!s)
		return 1;
	pick_range(s, &off, &n);
	oplog("w%d populate %s %#lx units %lu+%lu by %s%s", w->id, kind_names[s->kind], s->addr,
	      off, n, write ? "writes" : "reads", write && s->wp ? " (uffd-wp: reads only)" : "");
	if (touch_range(w, s, off, n, write, false, rnd(256), &did))
		return -1;
	return op_result(OP_POPULATE, 0);
}

static int op_munmap(void)
{
	struct fz_cmd c = { .op = W_MUNMAP };
	unsigned long off, n;
	struct fz_reply r;
	struct worker *w;
	struct slot *s = pick_slot(any_slot, &w);
	int mode, t;

	if (!s)
		return 1;
	/* The whole slot, its head, its tail, or a hole that splits it in two. */
	mode = s->n == 1 ? 0 : rnd(4);
	t = free_slot(w);
	if (mode == 3 && (s->n < 3 || t < 0))
		mode = 2;
	n = mode == 0 ? s->n : 1 + rnd(s->n - (mode == 3 ? 2 : 1));
	off = mode == 0 || mode == 1 ? 0 : mode == 2 ? s->n - n : 1 + rnd(s->n - n - 1);
	c.addr = s->addr + off * s->unit;
	c.len = n * s->unit;
	if (wcall(w, &c, &r, NULL))
		return -1;
	oplog("w%d munmap %s %#lx units %lu+%lu of %lu -> %s", w->id, kind_names[s->kind], s->addr,
	      off, n, s->n, r.err ? strerror(r.err) : "ok");
	if (!r.err) {
		if (mode == 3) {
			slot_split_off(s, off + n, s->n - off - n, &w->slot[t]);
			s->n = off;
		} else {
			slot_trim(s, off, n);
		}
	}
	return op_result(OP_MUNMAP, r.err);
}

static int op_mprotect(void)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };
	struct fz_cmd c = { .op = W_MPROTECT };
	unsigned long off, n, i;
	struct fz_reply r;
	struct worker *w;
	struct slot *s = pick_slot(any_slot, &w);

	if (!s)
		return 1;
	pick_range(s, &off, &n);
	c.arg = prots[rnd(3)];
	c.addr = s->addr + off * s->unit;
	c.len = n * s->unit;
	if (wcall(w, &c, &r, NULL))
		return -1;
	oplog("w%d mprotect %s %#lx units %lu+%lu %s -> %s", w->id, kind_names[s->kind], s->addr,
	      off, n, prot_name(c.arg), r.err ? strerror(r.err) : "ok");
	/*
	 * mprotect() goes VMA by VMA: one that fails may have changed the VMAs before the one it
	 * failed on. Then a unit keeps only what both the old and the new protection allow.
	 */
	for (i = off; i < off + n; i++) {
		uint16_t want = (c.arg & PROT_READ ? U_R : 0) | (c.arg & PROT_WRITE ? U_W : 0);

		if (r.err)
			want &= s->st[i];
		s->st[i] = (s->st[i] & ~(U_R | U_W)) | want;
	}
	return op_result(OP_MPROTECT, r.err);
}

/* The last run of units with the same VMA flags: one VMA, which mremap may act on. */
static unsigned long tail_run(const struct slot *s)
{
	unsigned long i = s->n - 1;

	while (i > 0 && (s->st[i - 1] & U_VMA_FLAGS) == (s->st[s->n - 1] & U_VMA_FLAGS))
		i--;
	return i;
}

static bool has_free_slot(const struct worker *w, const struct slot *s)
{
	return free_slot(w) >= 0;
}

/*
 * mremap of a slot's last VMA: moved (to a PMD-aligned place, or a page past one: a PMD of THP
 * moves whole or is split), grown (in place or moved, the kernel decides), shrunk, or moved
 * leaving the old range mapped (MREMAP_DONTUNMAP). A moved part that is not the whole slot
 * becomes a slot of its own.
 */
static int op_mremap(enum op op)
{
	struct fz_cmd c = { .op = W_MREMAP };
	unsigned long run, n, newn, unit, i;
	struct fz_reply r;
	struct worker *w;
	struct slot *s = pick_slot(has_free_slot, &w), *t;
	uint16_t grown;
	bool moved;

	if (!s)
		return 1;
	run = tail_run(s);
	unit = s->unit;
	n = s->n - run;
	newn = n;
	c.addr = s->addr + run * unit;
	c.len = n * unit;
	switch (op) {
	case OP_MREMAP_MOVE:
		c.arg = MREMAP_MAYMOVE | MREMAP_FIXED;
		break;
	case OP_MREMAP_DONTUNMAP:
		c.arg = MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP;
		break;
	case OP_MREMAP_GROW:
		newn = n + 1 + (unit == PAGE ? rnd(512) : 0);
		if (unit == PAGE && worker_bytes(w) + (newn - n) * PAGE > BUDGET)
			return 1;
		c.arg = MREMAP_MAYMOVE;
		break;
	default:
		if (n < 2)
			return 1;
		newn = 1 + rnd(n - 1);
		c.arg = 0;
		break;
	}
	c.len2 = newn * unit;
	if (c.arg & MREMAP_FIXED) {
		c.align = unit == PAGE ? PMD : unit;
		c.skew = unit == PAGE && chance(30) ? PAGE : 0;
	}
	if (wcall(w, &c, &r, NULL))
		return -1;
	oplog("w%d %s %s %#" PRIx64 " units %lu+%lu -> %lu%s -> %s%#" PRIx64, w->id, op_names[op],
	      kind_names[s->kind], c.addr, run, n, newn, c.skew ? " misaligned" : "",
	      r.err ? strerror(r.err) : "", r.addr);
	op_result(op, r.err);
	if (r.err)
		return 0;
	moved = r.addr != c.addr;
	/* A ring's pages were inserted at mmap: where its VMA grows, none ever appear. */
	grown = (s->st[s->n - 1] & U_VMA_FLAGS) |
		(s->kind == K_PACKET || s->kind == K_URING ? U_GONE : 0);
	if (!moved) {
		/* In place: the slot's tail grows or shrinks. */
		if (newn < n)
			slot_trim(s, run + newn, n - newn);
		else if (newn > n)
			st_resize(s, s->n + newn - n, grown);
		return 0;
	}
	/* Moved: [run, n) goes to a new slot at r.addr (grown if asked). */
	t = &w->slot[free_slot(w)];
	slot_split_off(s, run, n, t);
	t->addr = r.addr;
	if (newn > n)
		st_resize(t, newn, grown);
	if (op == OP_MREMAP_DONTUNMAP) {
		/*
		 * The old range stays, empty: anonymous memory faults in zeroes again, shmem and
		 * files their pages; a ring's pages were only ever inserted by mmap.
		 */
		if (s->kind == K_PACKET || s->kind == K_URING)
			for (i = run; i < run + n; i++)
				s->st[i] |= U_GONE;
		return 0;
	}
	if (run)
		s->n = run;
	else
		slot_clear(s);
	return 0;
}

/* A small-page slot with room for a PMD: what MADV_COLLAPSE can act on. */
static bool thp_sized(const struct worker *w, const struct slot *s)
{
	return s->unit == PAGE && s->n >= 2 * PMD_PAGES;
}

/*
 * Not a uffd-wp'd shmem/file range: there MADV_GUARD_INSTALL never returns (7.2; a kernel defect,
 * not vmacct's). It finds a uffd-wp marker, zaps the range, the zap of a uffd-wp VMA puts the
 * marker back (zap_install_uffd_wp_if_needed()), and after a few rounds the syscall restarts.
 */
static bool guard_target(const struct worker *w, const struct slot *s)
{
	return !s->wp || s->kind == K_ANON;
}

/*
 * Send @c for units @off..@off + @n of @s to its worker @w and log it ("w<id> <op> <kind> <addr>
 * units <off>+<n> -> <result>"): 0, or -1 when the worker is lost.
 */
static int wcall_units(struct worker *w, const struct slot *s, enum op op, unsigned long off,
		       unsigned long n, struct fz_cmd *c, struct fz_reply *r)
{
	c->addr = s->addr + off * s->unit;
	c->len = n * s->unit;
	if (wcall(w, c, r, NULL))
		return -1;
	oplog("w%d %s %s %#lx units %lu+%lu -> %s", w->id, op_names[op], kind_names[s->kind],
	      s->addr, off, n, r->err ? strerror(r->err) : "ok");
	return 0;
}

static int op_madvise(enum op op)
{
	static const struct { enum op op; int advice; } advs[] = {
		{ OP_DONTNEED, MADV_DONTNEED }, { OP_FREE, MADV_FREE },
		{ OP_PAGEOUT, MADV_PAGEOUT }, { OP_COLD, MADV_COLD },
		{ OP_HUGEPAGE, MADV_HUGEPAGE },
		{ OP_NOHUGEPAGE, MADV_NOHUGEPAGE }, { OP_COLLAPSE, MADV_COLLAPSE },
		{ OP_GUARD_INSTALL, MADV_GUARD_INSTALL }, { OP_GUARD_REMOVE, MADV_GUARD_REMOVE },
		{ OP_MERGEABLE, MADV_MERGEABLE },
	};
	struct fz_cmd c = { .op = W_MADVISE };
	unsigned long off, n, i;
	struct fz_reply r;
	struct worker *w;
	struct slot *s = pick_slot(op == OP_GUARD_INSTALL ? guard_target :
				   op == OP_COLLAPSE && chance(80) ? thp_sized : any_slot, &w);

	if (!s)
		return 1;
	for (i = 0; i < ARRAY_SIZE(advs); i++)
		if (advs[i].op == op)
			c.arg = advs[i].advice;
	pick_range(s, &off, &n);
	/* A collapse wants at least one aligned PMD inside the range: take enough of the slot. */
	if (op == OP_COLLAPSE && s->n >= 2 * PMD_PAGES && n < 2 * PMD_PAGES) {
		off = rnd(s->n - 2 * PMD_PAGES + 1);
		n = 2 * PMD_PAGES;
	}
	if (wcall_units(w, s, op, off, n, &c, &r))
		return -1;
	/*
	 * madvise() goes VMA by VMA too: a guard install refused by a later VMA (mlocked, say) may
	 * have put guards in the earlier ones. Those units are never touched again.
	 */
	if (r.err && op == OP_GUARD_INSTALL)
		for (i = off; i < off + n; i++)
			s->st[i] |= U_GUARD;
	if (!r.err) {
		for (i = off; i < off + n; i++) {
			if (op == OP_HUGEPAGE)
				s->st[i] = (s->st[i] & ~U_NOHUGE) | U_HUGE;
			else if (op == OP_NOHUGEPAGE)
				s->st[i] = (s->st[i] & ~U_HUGE) | U_NOHUGE;
			else if (op == OP_MERGEABLE)
				s->st[i] |= U_MERGE;
			else if (op == OP_GUARD_INSTALL)
				s->st[i] |= U_GUARD;
			else if (op == OP_GUARD_REMOVE)
				s->st[i] &= ~U_GUARD;
			/* A ring's pages come back on no fault: only mmap inserted them. */
			if ((s->kind == K_PACKET || s->kind == K_URING) && op != OP_HUGEPAGE &&
			    op != OP_NOHUGEPAGE && op != OP_MERGEABLE)
				s->st[i] |= U_GONE;
		}
	}
	return op_result(op, r.err);
}

static bool not_wp(const struct worker *w, const struct slot *s)
{
	/* mlock faults writable private memory in for writing: on a uffd-wp page it would wait. */
	return !s->wp;
}

static int op_mlock(enum op op)
{
	struct fz_cmd c = { .op = op == OP_MLOCK ? W_MLOCK : W_MUNLOCK };
	unsigned long off, n, i;
	struct fz_reply r;
	struct worker *w;
	struct slot *s = pick_slot(op == OP_MLOCK ? not_wp : any_slot, &w);

	if (!s)
		return 1;
	pick_range(s, &off, &n);
	if (wcall_units(w, s, op, off, n, &c, &r))
		return -1;
	/* mlock marks the VMAs locked even when populating them failed (ENOMEM). */
	if (!r.err || (op == OP_MLOCK && r.err == ENOMEM)) {
		for (i = off; i < off + n; i++)
			s->st[i] = op == OP_MLOCK ? s->st[i] | U_LOCK : s->st[i] & ~U_LOCK;
	}
	return op_result(op, r.err);
}

static bool can_fork(const struct worker *w)
{
	return nr_alive() < MAX_WORKERS;
}

static int op_fork(void)
{
	struct worker *w = pick_worker(can_fork), *cw;
	struct fz_cmd c = { .op = W_FORK };
	struct fz_reply r, ready;
	int i, fd;

	if (!w)
		return 1;
	cw = new_worker_entry();
	/*
	 * The child's model: the parent's, minus the uffd registration (not inherited), except for
	 * hugetlb: 6.1 copies the uffd-wp bit of a present hugetlb pte into the child (fixed in 6.3
	 * by "mm/hugetlb: fix uffd-wp during fork()"), whose first write then loops forever: every
	 * copy-on-write maps the new page write-protected again. A kernel defect, not vmacct's.
	 */
	for (i = 0; i < NSLOTS; i++) {
		struct slot *s = &cw->slot[i];

		*s = w->slot[i];
		if (!s->used)
			continue;
		s->st = st_dup(w->slot[i].st, s->n);
		s->wp = s->wp && is_huge(s);
	}
	/* Partial writes in the child: copy-on-write breaks, writes to shared memory. */
	for (c.nw = 0; c.nw < MAX_CHILD_WRITES && chance(70); ) {
		struct slot *s = &cw->slot[rnd(NSLOTS)];
		unsigned long off, n, j;

		if (!s->used || s->unit != PAGE)
			continue;
		pick_range(s, &off, &n);
		for (j = off; j < off + n && touchable(s, j, true); j++)
			;
		if (j == off)
			break;
		c.w[c.nw].addr = s->addr + off * PAGE;
		c.w[c.nw].len = (j - off) * PAGE;
		c.w[c.nw++].pattern = rnd(256);
	}
	cw->child = true;
	if (wcall(w, &c, &r, &fd)) {
		for (i = 0; i < NSLOTS; i++)
			slot_clear(&cw->slot[i]);
		cw->alive = false;
		return -1;
	}
	oplog("w%d fork -> w%d (pid %d), %u writes in the child%s%s", w->id, cw->id, r.pid, c.nw,
	      r.err ? " -> " : "", r.err ? strerror(r.err) : "");
	if (r.err || fd < 0) {
		for (i = 0; i < NSLOTS; i++)
			slot_clear(&cw->slot[i]);
		cw->alive = false;
		return op_result(OP_FORK, r.err ? r.err : EPROTO);
	}
	cw->pid = r.pid;
	cw->sock = fd;
	if (recv_reply(fd, &ready, NULL)) {
		seed_fail("forked worker w%d (pid %d) never got ready", cw->id, cw->pid);
		return -1;
	}
	if (ready.faults)
		model_fault(cw, &ready);
	return op_result(OP_FORK, 0);
}

static bool is_child(const struct worker *w)
{
	return w->child;
}

static int op_exit(void)
{
	struct worker *w = pick_worker(is_child);
	struct fz_cmd c = { .op = W_EXIT };
	struct fz_reply r;
	char path[64];
	double t0;
	int i;

	if (!w)
		return 1;
	oplog("w%d exit (pid %d)", w->id, w->pid);
	if (write(w->sock, &c, sizeof(c)) != sizeof(c)) {
		seed_fail("worker w%d is gone", w->id);
		return -1;
	}
	/* EOF comes after exit_mm(); the pid goes once the kernel has reaped it. */
	if (recv_reply(w->sock, &r, NULL) != -EPIPE) {
		seed_fail("worker w%d did not exit", w->id);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d", w->pid);
	for (t0 = now(); now() - t0 < WAIT_SECONDS && !access(path, F_OK); )
		usleep(1000);
	close(w->sock);
	for (i = 0; i < NSLOTS; i++)
		slot_clear(&w->slot[i]);
	w->alive = false;
	return op_result(OP_EXIT, 0);
}

static bool uffd_target(const struct worker *w, const struct slot *s)
{
	return (s->kind == K_ANON || s->kind == K_SHANON || s->kind == K_MEMFD || is_huge(s));
}

/* Register a whole slot for uffd-wp and write-protect (or unprotect) part of it. */
static int op_uffd_wp(void)
{
	struct fz_cmd c = { .op = W_UFFD_WP, .arg = chance(80) };
	unsigned long off, n, i;
	struct fz_reply r;
	struct worker *w;
	struct slot *s = pick_slot(uffd_target, &w);

	if (!s)
		return 1;
	pick_range(s, &off, &n);
	c.addr = s->addr;
	c.len = s->n * s->unit;
	c.addr2 = s->addr + off * s->unit;
	c.len2 = n * s->unit;
	/* From here on, whatever the answer: a registration may have happened before an error. */
	s->wp = true;
	if (wcall(w, &c, &r, NULL))
		return -1;
	oplog("w%d uffd_wp %s %#lx units %lu+%lu %s -> %s", w->id, kind_names[s->kind], s->addr,
	      off, n, c.arg ? "protect" : "unprotect", r.err ? strerror(r.err) : "ok");
	if (!r.err)
		for (i = 0; i < s->n; i++)
			s->st[i] |= U_UFFD;
	return op_result(OP_UFFD_WP, r.err);
}

static int op_thp_sysfs(void)
{
	int i, n = 0, ret;
	const char *v;

	if (!nr_thp_knobs)
		return 1;
	i = rnd(nr_thp_knobs);
	while (thp_knobs[i].values[n])
		n++;
	v = thp_knobs[i].values[rnd(n)];
	ret = knob_set(thp_knobs[i].knob, v);
	oplog("thp_sysfs %s = %s -> %s", knobs[thp_knobs[i].knob].path + strlen(THP) + 1, v,
	      ret ? strerror(-ret) : "ok");
	return op_result(OP_THP_SYSFS, -ret);
}

/* One full pass of ksmd over the mergeable pages, then ksmd stops again. */
static int ksm_pass(void)
{
	long start = read_long(KSM_DIR "/full_scans", -1), n;
	double t0 = now();
	int ret;

	ret = knob_set(k_ksm_run, "1");
	if (ret)
		return ret;
	/* The first pass notes each page's checksum, the second merges those that stayed. */
	while ((n = read_long(KSM_DIR "/full_scans", -1)) < start + 2 && now() - t0 < 60)
		usleep(10000);
	/* run=0 waits for the batch ksmd is in (ksm_thread_mutex): nothing merges after it. */
	knob_set(k_ksm_run, "0");
	oplog("  ksmd made %ld full scans in %.1f s", n - start, now() - t0);
	if (n < start + 2)
		sh->ksm_timeouts++;
	return 0;
}

static bool ksm_target(const struct worker *w, const struct slot *s)
{
	return s->unit == PAGE && !s->wp;
}

/* Fill pages with one of a few patterns (identical pages for ksmd to merge), then maybe a pass. */
static int op_ksm(void)
{
	struct fz_cmd c = { .op = W_MADVISE, .arg = MADV_MERGEABLE };
	unsigned long off, n, i;
	struct fz_reply r;
	struct worker *w;
	struct slot *s = pick_slot(ksm_target, &w);
	bool pass = chance(50), did;
	uint32_t pattern = 0x5a + rnd(3);

	if (k_ksm_run < 0)
		return 1;
	if (s) {
		pick_range(s, &off, &n);
		c.addr = s->addr + off * s->unit;
		c.len = n * s->unit;
		if (wcall(w, &c, &r, NULL))
			return -1;
		oplog("w%d ksm %s %#lx units %lu+%lu: mergeable -> %s, fill %#x%s", w->id,
		      kind_names[s->kind], s->addr, off, n, r.err ? strerror(r.err) : "ok", pattern,
		      pass ? ", ksmd pass" : "");
		if (!r.err)
			for (i = off; i < off + n; i++)
				s->st[i] |= U_MERGE;
		if (touch_range(w, s, off, n, true, true, pattern, &did))
			return -1;
	} else if (!pass) {
		return 1;
	} else {
		oplog("ksm: ksmd pass");
	}
	if (pass && ksm_pass())
		return op_result(OP_KSM, EIO);
	return op_result(OP_KSM, 0);
}

/* A new slot for a mapping a worker made of a kernel object (rings): shared, read-write. */
static void add_object_slot(struct worker *w, enum kind kind, uint64_t addr, uint64_t len)
{
	int i = free_slot(w);
	struct slot *s;

	if (i < 0 || !addr || !len)
		return;
	s = &w->slot[i];
	s->used = true;
	s->kind = kind;
	s->shared = true;
	s->addr = addr;
	s->unit = PAGE;
	s->objn = len / PAGE;
	st_resize(s, len / PAGE, U_R | U_W);
}

static bool three_free(const struct worker *w)
{
	int i, n = 0;

	for (i = 0; i < NSLOTS; i++)
		n += !w->slot[i].used;
	return n >= 3;
}

static int op_rings(enum op op)
{
	struct worker *w = pick_worker(three_free);
	struct fz_cmd c = { .op = op == OP_PACKET_RING ? W_PACKET : W_URING };
	struct fz_reply r;

	if (!w)
		return 1;
	if (op == OP_PACKET_RING) {
		c.arg = rnd(3);		/* blocks of 1, 2 or 4 pages: compound pages from order 1 */
		c.len = 1 + rnd(4);
	} else {
		c.arg = 2 + rnd(2);	/* the SQ ring and SQEs, and the CQ ring or not */
		c.len = 1U << rnd(7);
	}
	if (wcall(w, &c, &r, NULL))
		return -1;
	oplog("w%d %s arg=%d n=%" PRIu64 " -> %s%#" PRIx64 " %#" PRIx64 " %#" PRIx64, w->id,
	      op_names[op], c.arg, c.len, r.err ? strerror(r.err) : "", r.addr, r.addr2, r.addr3);
	if (!r.err) {
		add_object_slot(w, op == OP_PACKET_RING ? K_PACKET : K_URING, r.addr, r.len);
		add_object_slot(w, K_URING, r.addr2, r.len2);
		add_object_slot(w, K_URING, r.addr3, r.len3);
	}
	return op_result(op, r.err);
}

static int run_op(enum op op)
{
	switch (op) {
	case OP_MMAP_ANON:
	case OP_MMAP_FILE:
	case OP_MMAP_SHMEM:
	case OP_MMAP_MEMFD:
	case OP_MMAP_HUGE_2M:
	case OP_MMAP_HUGE_1G:
		return op_mmap(op);
	case OP_POPULATE:
		return op_populate();
	case OP_MUNMAP:
		return op_munmap();
	case OP_MPROTECT:
		return op_mprotect();
	case OP_MREMAP_MOVE:
	case OP_MREMAP_GROW:
	case OP_MREMAP_SHRINK:
	case OP_MREMAP_DONTUNMAP:
		return op_mremap(op);
	case OP_MLOCK:
	case OP_MUNLOCK:
		return op_mlock(op);
	case OP_FORK:
		return op_fork();
	case OP_EXIT:
		return op_exit();
	case OP_UFFD_WP:
		return op_uffd_wp();
	case OP_THP_SYSFS:
		return op_thp_sysfs();
	case OP_KSM:
		return op_ksm();
	case OP_PACKET_RING:
	case OP_IO_URING:
		return op_rings(op);
	default:
		return op_madvise(op);
	}
}

/* Draw operations by weight until one applies; the seed's op mix is all that enabled ones get. */
static int step_op(bool enabled[NR_OPS])
{
	unsigned int total = 0, x, i;
	int tries, ret;
	double t0;

	for (i = 0; i < NR_OPS; i++)
		total += enabled[i] ? op_weights[i] : 0;
	if (!total)
		return 1;
	for (tries = 0; tries < 32; tries++) {
		x = rnd(total);
		for (i = 0; i < NR_OPS; i++) {
			if (!enabled[i])
				continue;
			if (x < op_weights[i])
				break;
			x -= op_weights[i];
		}
		t0 = now();
		ret = run_op(i);
		sh->op[i].seconds += now() - t0;
		if (ret <= 0)
			return ret;
	}
	oplog("(no operation applied)");
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Comparing */

/* A worker's vmacct files, read once: maps/<pid> and <pid>. */
struct vsnap {
	struct vmacct_counts *rows;
	int nrows;
	struct vmacct_counts sum;
	int err;
};

/* The kernel's: smaps, smaps_rollup and statm (as keys statm_* of the rollup). */
struct ksnap {
	struct smaps_vma *vmas;
	int nvmas;
	struct smaps_vma rollup;
	int err;
};

static void vsnap_free(struct vsnap *v)
{
	free(v->rows);
	v->rows = NULL;
}

static void ksnap_free(struct ksnap *k)
{
	free(k->vmas);
	k->vmas = NULL;
}

static void vread(pid_t pid, struct vsnap *v)
{
	vsnap_free(v);
	v->nrows = vmacct_read_rows(pid, &v->rows);
	if (v->nrows < 0) {
		v->err = -v->nrows;
		v->rows = NULL;
		return;
	}
	v->err = -vmacct_read_summary(pid, &v->sum);
}

static void kread(pid_t pid, struct ksnap *k)
{
	uint64_t size, res, shr;
	int i;

	ksnap_free(k);
	k->nvmas = smaps_read_vmas(pid, &k->vmas);
	if (k->nvmas < 0) {
		k->err = -k->nvmas;
		k->vmas = NULL;
		return;
	}
	/* The gate area (unchecked[]) is always last: it lies above every user address. */
	for (i = 0; i < k->nvmas; i++)
		if (!strcmp(k->vmas[i].name, "[vsyscall]"))
			k->nvmas = i;
	k->err = -smaps_rollup_read_keys(pid, &k->rollup);
	if (!k->err)
		k->err = -statm_read(pid, &size, &res, &shr);
	if (!k->err) {
		smaps_set(&k->rollup, "statm_size", size);
		smaps_set(&k->rollup, "statm_resident", res);
		smaps_set(&k->rollup, "statm_shared", shr);
	}
}

static bool counts_equal(const struct vmacct_counts *a, const struct vmacct_counts *b)
{
	return !memcmp(a->v, b->v, sizeof(a->v)) && !memcmp(a->has, b->has, sizeof(a->has)) &&
	       !memcmp(a->extra, b->extra, sizeof(a->extra)) &&
	       !memcmp(a->has_extra, b->has_extra, sizeof(a->has_extra)) &&
	       a->start == b->start && a->end == b->end && a->offset == b->offset &&
	       !strcmp(a->perms, b->perms) && !strcmp(a->name, b->name);
}

static bool vsnap_equal(const struct vsnap *a, const struct vsnap *b)
{
	int i;

	if (a->err || b->err || a->nrows != b->nrows || !counts_equal(&a->sum, &b->sum))
		return false;
	for (i = 0; i < a->nrows; i++)
		if (!counts_equal(&a->rows[i], &b->rows[i]))
			return false;
	return true;
}

static const struct oracle *oracle_of(const char *field)
{
	unsigned int i, j;

	for (i = 0; i < NR_ORACLE; i++)
		for (j = 0; j < 3 && oracle[i].vmacct[j]; j++)
			if (!strcmp(oracle[i].vmacct[j], field))
				return &oracle[i];
	return NULL;
}

static const struct unchecked *unchecked_of(const char *field)
{
	unsigned int i;

	for (i = 0; i < NR_UNCHECKED; i++)
		if (!strcmp(unchecked[i].field, field) &&
		    (!opt_strict || !unchecked[i].known_deviation))
			return &unchecked[i];
	return NULL;
}

/* Note, once per run, a vmacct field that has neither an oracle line nor a reason. */
static void note_unknown_fields(const struct vmacct_counts *c)
{
	const char *names[VF_NR + VMACCT_MAX_EXTRA];
	uint64_t v[VF_NR + VMACCT_MAX_EXTRA];
	int i, n = vmacct_counts_list(c, names, v, VF_NR + VMACCT_MAX_EXTRA);
	size_t len;

	for (i = 0; i < n; i++) {
		if (oracle_of(names[i]) || unchecked_of(names[i]) ||
		    strstr(sh->unknown_fields, names[i]))
			continue;
		len = strlen(sh->unknown_fields);
		snprintf(sh->unknown_fields + len, sizeof(sh->unknown_fields) - len, " %s",
			 names[i]);
	}
}

static void note_unchecked_here(const struct oracle *o, const char *key)
{
	char what[64];
	size_t len;

	snprintf(what, sizeof(what), " %s(%s)", o->vmacct[0], key);
	if (strstr(sh->unchecked_here, what))
		return;
	len = strlen(sh->unchecked_here);
	snprintf(sh->unchecked_here + len, sizeof(sh->unchecked_here) - len, "%s", what);
}

/* smaps' name for a VMA whose pages are shmem (memfd, shared anonymous memory, SysV). */
static bool name_is_shmem(const char *name)
{
	return !strncmp(name, "/memfd:", 7) || !strncmp(name, "/dev/zero", 9) ||
	       !strncmp(name, "/SYSV", 5);
}

static bool name_is_anon(const char *name)
{
	return !name[0] || !strcmp(name, "[heap]") || !strcmp(name, "[stack]") ||
	       !strncmp(name, "[anon:", 6);
}

static bool name_is_fuzz_file(const char *name)
{
	size_t n = file_dir ? strlen(file_dir) : 0;

	return n && !strncmp(name, file_dir, n) && name[n] == '/';
}

/*
 * What the comparisons covered: how many compared rows had each of these nonzero (smaps keys, and
 * vmacct's zero, which smaps has not). A state no row ever had was not tested by this run.
 */
static const char *const seen_keys[] = {
	"Anonymous", "Shared_Clean", "Shared_Dirty", "AnonHugePages", "ShmemPmdMapped",
	"FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss", "KSM", "LazyFree",
	"Locked", "zero",
};

#define NR_SEEN ARRAY_SIZE(seen_keys)

static void count_seen(const struct vmacct_counts *row, const struct smaps_vma *s)
{
	unsigned int i;
	uint64_t v;

	for (i = 0; i < NR_SEEN; i++) {
		if (!smaps_get(s, seen_keys[i], &v) || !vmacct_counts_get(row, seen_keys[i], &v))
			sh->seen[i] += v > 0;
	}
}

struct diffctx {
	bool report;
	bool count;		/* the first read of a comparison: count the states seen */
	int bad;
	const char *where;	/* "w1 (pid 123) row 7f..-7f.. rw-p [anon]" */
};

static __printf(2, 3) void differ(struct diffctx *d, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	d->bad++;
	if (!d->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg("  %s: %s\n", d->where, msg);
}

static uint64_t get0(const struct vmacct_counts *c, const char *name)
{
	uint64_t v = 0;

	vmacct_counts_get(c, name, &v);
	return v;
}

/* Every oracle line of @scope: the vmacct fields of @c against the smaps keys of @s. */
static void check_oracle(struct diffctx *d, const struct vmacct_counts *c,
			 const struct smaps_vma *s, unsigned int scope)
{
	unsigned int i, j;

	note_unknown_fields(c);
	for (i = 0; i < NR_ORACLE; i++) {
		const struct oracle *o = &oracle[i];
		const struct unchecked *u;
		uint64_t got = 0, want = 0, x;
		bool have = true;

		if (!(o->flags & scope))
			continue;
		for (j = 0; j < 3 && o->vmacct[j]; j++) {
			if (vmacct_counts_get(c, o->vmacct[j], &x))
				have = false;
			got += x;
		}
		if (!have)
			continue;	/* the module does not have this field (yet) */
		for (j = 0; j < 4 && o->smaps[j]; j++) {
			if (smaps_get(s, o->smaps[j], &x)) {
				note_unchecked_here(o, o->smaps[j]);
				have = false;
			}
			want += x;
		}
		if (!have || got == want)
			continue;
		u = unchecked_of(o->vmacct[0]);
		if (u && u->how == SKIP)
			continue;
		differ(d, "%s%s%s = %" PRIu64 " kB, smaps %s%s%s%s%s = %" PRIu64 " kB",
		       o->vmacct[0], o->vmacct[1] ? "+" : "", o->vmacct[1] ? o->vmacct[1] : "", got,
		       o->smaps[0],
		       o->smaps[1] ? "+" : "", o->smaps[1] ? o->smaps[1] : "",
		       o->smaps[2] ? "+" : "", o->smaps[2] ? o->smaps[2] : "", want);
	}
}

/* What vmacct must say whatever the kernel does: its own sums. */
static void check_invariants(struct diffctx *d, const struct vmacct_counts *c)
{
	uint64_t as = get0(c, "anon_shared"), ap = get0(c, "anon_private");
	uint64_t fs = get0(c, "file_shared"), fp = get0(c, "file_private");
	uint64_t ss = get0(c, "shmem_shared"), sp = get0(c, "shmem_private");
	uint64_t shared = get0(c, "shared"), private = get0(c, "private");

	if (as + fs + ss != shared)
		differ(d, "anon_shared+file_shared+shmem_shared = %" PRIu64 " kB, shared = %" PRIu64
		       " kB", as + fs + ss, shared);
	if (ap + fp + sp != private)
		differ(d, "anon_private+file_private+shmem_private = %" PRIu64 " kB, private = %"
		       PRIu64 " kB", ap + fp + sp, private);
	if (shared + private != get0(c, "resident"))
		differ(d, "shared+private = %" PRIu64 " kB, resident = %" PRIu64 " kB",
		       shared + private, get0(c, "resident"));
}

/* A VMA's backing says which kinds of page it can hold (copy-on-write copies are anonymous). */
static void check_backing(struct diffctx *d, const struct vmacct_counts *c, const char *name,
			  bool huge)
{
	uint64_t file = get0(c, "file_shared") + get0(c, "file_private");
	uint64_t shmem = get0(c, "shmem_shared") + get0(c, "shmem_private");

	if (huge)
		return;
	if (name_is_anon(name) && file + shmem)
		differ(d, "anonymous VMA with file %" PRIu64 " kB, shmem %" PRIu64 " kB", file,
		       shmem);
	else if (name_is_shmem(name) && file)
		differ(d, "shmem VMA with file_shared+file_private = %" PRIu64 " kB", file);
	else if (name_is_fuzz_file(name) && shmem)
		differ(d, "ext2 file VMA with shmem_shared+shmem_private = %" PRIu64 " kB", shmem);
}

/* Every check of one worker's read; the number of differences (printed when d->report). */
static int diff_worker(const struct worker *w, const struct vsnap *v, const struct ksnap *k,
		       bool report, bool count)
{
	const char *names[VF_NR + VMACCT_MAX_EXTRA];
	uint64_t vals[VF_NR + VMACCT_MAX_EXTRA], sum[VF_NR + VMACCT_MAX_EXTRA];
	struct diffctx d = { .report = report, .count = count };
	char where[400];
	int i, j, nf;

	snprintf(where, sizeof(where), "w%d (pid %d)", w->id, w->pid);
	d.where = where;
	if (v->err || k->err) {
		differ(&d, "cannot read: vmacct %s, kernel %s", strerror(v->err), strerror(k->err));
		return d.bad;
	}
	if (v->nrows != k->nvmas)
		differ(&d, "maps/<pid> has %d rows, smaps %d VMAs", v->nrows, k->nvmas);
	memset(sum, 0, sizeof(sum));
	nf = vmacct_counts_list(&v->sum, names, vals, VF_NR + VMACCT_MAX_EXTRA);
	for (i = 0; i < v->nrows; i++) {
		const struct vmacct_counts *row = &v->rows[i];
		const struct smaps_vma *s = NULL;
		uint64_t kps = 0;

		for (j = 0; j < k->nvmas && !s; j++)
			if (k->vmas[j].start == row->start && k->vmas[j].end == row->end)
				s = &k->vmas[j];
		snprintf(where, sizeof(where), "w%d (pid %d) row %lx-%lx %s %s", w->id, w->pid,
			 row->start, row->end, row->perms, row->name);
		if (!s) {
			differ(&d, "no VMA with this range in smaps");
			continue;
		}
		if (strcmp(row->perms, s->perms) || row->offset != s->offset)
			differ(&d, "perms %s offset %llx, smaps %s %llx", row->perms, row->offset,
			       s->perms, s->offset);
		if (d.count)
			count_seen(row, s);
		smaps_get(s, "KernelPageSize", &kps);
		check_oracle(&d, row, s, IN_ROW);
		check_invariants(&d, row);
		check_backing(&d, row, s->name, kps > 4);
		for (j = 0; j < nf; j++) {
			uint64_t x = 0;

			vmacct_counts_get(row, names[j], &x);
			sum[j] += x;
		}
	}
	for (j = 0; j < k->nvmas; j++) {
		const struct smaps_vma *s = &k->vmas[j];

		for (i = 0; i < v->nrows; i++)
			if (s->start == v->rows[i].start && s->end == v->rows[i].end)
				break;
		if (i == v->nrows) {
			snprintf(where, sizeof(where), "w%d (pid %d)", w->id, w->pid);
			differ(&d, "smaps VMA %lx-%lx %s has no row in maps/<pid>", s->start,
			       s->end, s->name);
		}
	}
	snprintf(where, sizeof(where), "w%d (pid %d) <pid>", w->id, w->pid);
	check_oracle(&d, &v->sum, &k->rollup, IN_SUMMARY);
	check_invariants(&d, &v->sum);
	/* The rows add up to the summary (a field rounded per row: within 1 kB a row). */
	for (j = 0; j < nf && v->nrows; j++) {
		const struct oracle *o = oracle_of(names[j]);
		uint64_t slack = o && (o->flags & ROUNDED) ? v->nrows : 0, x;

		if (vmacct_counts_get(&v->rows[0], names[j], &x))
			continue;	/* a summary-only field (top_*) */
		if (sum[j] > vals[j] || vals[j] > sum[j] + slack)
			differ(&d, "the rows' %s add up to %" PRIu64 " kB, the summary says %"
			       PRIu64 " kB", names[j], sum[j], vals[j]);
	}
	return d.bad;
}

/* Short sleeps between re-reads: a khugepaged or ksmd event, or a migration, is over by then. */
static const unsigned int backoff_us[] = { 2000, 10000, 30000, 80000, 150000, 300000 };
#define NR_REREADS ARRAY_SIZE(backoff_us)
#define STABLE_TO_REPORT 3

/*
 * Compare one worker. On a difference, read again: vmacct, the kernel, vmacct again; a
 * difference counts only when it persists in STABLE_TO_REPORT such reads whose two vmacct reads
 * agree, and none agreed with the kernel. 0 when equal (or never settled), 1 on a mismatch.
 */
static int compare_worker(struct worker *w, struct vmacct_counts *settled)
{
	struct vsnap a = { 0 }, b = { 0 }, last = { 0 };
	struct ksnap k = { 0 }, lastk = { 0 };
	unsigned int i, stable = 0;
	int ret = 0;

	sh->compares++;
	vread(w->pid, &a);
	kread(w->pid, &k);
	if (!diff_worker(w, &a, &k, false, true)) {
		*settled = a.sum;
		goto out;
	}
	for (i = 0; i < NR_REREADS; i++) {
		usleep(backoff_us[i]);
		vread(w->pid, &a);
		kread(w->pid, &k);
		vread(w->pid, &b);
		if (!vsnap_equal(&a, &b))
			continue;
		if (!diff_worker(w, &a, &k, false, false)) {
			sh->retried++;
			*settled = a.sum;
			goto out;
		}
		stable++;
		/* Keep the last read that settled, to print. */
		vsnap_free(&last);
		ksnap_free(&lastk);
		last = a;
		lastk = k;
		a.rows = NULL;
		k.vmas = NULL;
	}
	if (stable >= STABLE_TO_REPORT) {
		ksft_print_msg("MISMATCH seed %llu step %d: w%d (pid %d), the same in %u reads:\n",
			       sh->seed, sh->step, w->id, w->pid, stable);
		diff_worker(w, &last, &lastk, true, false);
		ret = 1;
	} else {
		sh->unsettled++;
		ksft_print_msg("seed %llu step %d: w%d never settled (%u of %zu re-reads stable)\n",
			       sh->seed, sh->step, w->id, stable, NR_REREADS);
	}
	settled->pid = 0;
out:
	vsnap_free(&a);
	vsnap_free(&b);
	vsnap_free(&last);
	ksnap_free(&k);
	ksnap_free(&lastk);
	return ret;
}

/* The worker's row of `all` against its <pid>, every field by name, and the comm. */
static int diff_all_row(const struct vmacct_counts *row, const struct vmacct_counts *sum,
			const struct worker *w, bool report)
{
	const char *names[VF_NR + VMACCT_MAX_EXTRA];
	uint64_t v[VF_NR + VMACCT_MAX_EXTRA], x;
	struct diffctx d = { .report = report };
	char where[64];
	int i, n = vmacct_counts_list(sum, names, v, VF_NR + VMACCT_MAX_EXTRA);

	snprintf(where, sizeof(where), "w%d (pid %d) row of all", w->id, w->pid);
	d.where = where;
	if (!row) {
		differ(&d, "missing");
		return d.bad;
	}
	for (i = 0; i < n; i++) {
		if (vmacct_counts_get(row, names[i], &x))
			differ(&d, "no field %s", names[i]);
		else if (x != v[i])
			differ(&d, "%s = %" PRIu64 " kB, <pid> says %" PRIu64 " kB", names[i], x,
			       v[i]);
	}
	if (strcmp(row->name, sum->name))
		differ(&d, "comm '%s', <pid> says '%s'", row->name, sum->name);
	return d.bad;
}

static const struct vmacct_counts *all_row(const struct vmacct_counts *rows, int n, pid_t pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (rows[i].pid == pid)
			return &rows[i];
	return NULL;
}

/* `all` against each worker's <pid> (as it settled), re-read like compare_worker() does. */
static int compare_all(struct vmacct_counts *settled)
{
	struct vmacct_counts *rows = NULL, s1, s2;
	int i, n, bad = 0;
	unsigned int r, stable;

	n = vmacct_read_all(&rows);
	for (i = 0; i < MAX_WORKERS; i++) {
		struct worker *w = &fam.w[i];

		if (!w->alive || !settled[i].pid)
			continue;
		if (n >= 0 && !diff_all_row(all_row(rows, n, w->pid), &settled[i], w, false))
			continue;
		for (r = 0, stable = 0; r < NR_REREADS; r++) {
			usleep(backoff_us[r]);
			free(rows);
			rows = NULL;
			if (vmacct_read_summary(w->pid, &s1))
				continue;
			n = vmacct_read_all(&rows);
			if (vmacct_read_summary(w->pid, &s2) || n < 0 || !counts_equal(&s1, &s2))
				continue;
			if (!diff_all_row(all_row(rows, n, w->pid), &s1, w, false))
				break;
			stable++;
		}
		if (r < NR_REREADS)
			continue;
		if (stable >= STABLE_TO_REPORT) {
			ksft_print_msg("MISMATCH seed %llu step %d: all vs <pid> of w%d:\n",
				       sh->seed, sh->step, w->id);
			diff_all_row(n >= 0 ? all_row(rows, n, w->pid) : NULL, &s1, w, true);
			bad++;
		} else {
			sh->unsettled++;
		}
	}
	free(rows);
	return bad;
}

/*
 * Wait until the worker sleeps in read() on its socket (/proc/PID/syscall: the number of read,
 * 0 on x86-64 and 63 on arm64, then the first argument, CMD_FD): only then has it stopped
 * touching its own memory.
 */
static int wait_blocked(const struct worker *w)
{
	char path[64], buf[128], want[32];
	int i, fd, len;
	ssize_t n;

	double t0 = now();

	snprintf(path, sizeof(path), "/proc/%d/syscall", w->pid);
	len = snprintf(want, sizeof(want), "%d %#x ", (int)__NR_read, CMD_FD);
	for (i = 0; now() - t0 < WAIT_SECONDS; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -1;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			if (!strncmp(buf, want, len))
				return 0;
		}
		usleep(i < 100 ? 100 : 1000);
	}
	return -1;
}

static int compare_family(void)
{
	struct vmacct_counts settled[MAX_WORKERS];
	int i, bad = 0;

	for (i = 0; i < MAX_WORKERS; i++) {
		if (fam.w[i].alive && wait_blocked(&fam.w[i])) {
			seed_fail("worker w%d (pid %d) never blocked on its socket", fam.w[i].id,
				  fam.w[i].pid);
			return -1;
		}
	}
	memset(settled, 0, sizeof(settled));
	for (i = 0; i < MAX_WORKERS; i++)
		if (fam.w[i].alive)
			bad += compare_worker(&fam.w[i], &settled[i]);
	bad += compare_all(settled);
	return bad;
}

/* ------------------------------------------------------------------------------------------ */
/* Seeds */

static int start_family(void)
{
	int i;

	memset(&fam, 0, sizeof(fam));
	fam.memfd = memfd_create("vmacct-fuzz", MFD_CLOEXEC);
	if (fam.memfd < 0 || ftruncate(fam.memfd, FILE_SIZE))
		return -1;
	fam.hugefd = memfd_create("vmacct-fuzz-huge", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	if (fam.hugefd >= 0 && ftruncate(fam.hugefd, HUGE_FILE_SIZE)) {
		close(fam.hugefd);
		fam.hugefd = -1;
	}
	if (file_dir) {
		int fd;

		snprintf(fam.file, sizeof(fam.file), "%s/vmacct-fuzz.%d", file_dir, getpid());
		fd = open(fam.file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, FILE_SIZE)) {
			if (fd >= 0)
				close(fd);
			fam.file[0] = 0;
		} else {
			close(fd);
		}
	}
	for (i = 0; i < NR_FIRST; i++)
		if (!spawn_worker())
			return -1;
	return 0;
}

/*
 * One seed: a fresh family, @steps operations each followed by the comparison. Returns 0 when
 * everything agreed, 1 on a mismatch or a worker's death (printed with the op log).
 */
static int run_seed(unsigned long long seed, long steps, double deadline, bool enabled[NR_OPS],
		    long *done)
{
	int ret = 0, r;
	double t0;

	rng_state = seed;
	sh->seed = seed;
	sh->step = 0;
	sh->nlog = 0;
	sh->in_seed = true;
	seed_error[0] = 0;
	/* Every seed starts from the settings the run found, so that it replays alone. */
	knobs_restore(true);
	knob_set(k_ksm_run, "0");
	if (start_family()) {
		ksft_print_msg("seed %llu: cannot start the workers: %s\n", seed, strerror(errno));
		kill_family();
		sh->in_seed = false;
		return 1;
	}
	*done = 0;
	for (sh->step = 1; sh->step <= steps; sh->step++) {
		if (deadline && now() > deadline)
			break;
		r = step_op(enabled);
		t0 = now();
		if (r >= 0)
			r = compare_family();
		sh->compare_seconds += now() - t0;
		sh->steps++;
		*done = sh->step;
		if (r) {
			if (r < 0)
				ksft_print_msg("SEED FAILED seed %llu step %d: %s\n", seed,
					       sh->step, seed_error);
			print_oplog();
			ret = 1;
			break;
		}
	}
	kill_family();
	sh->seeds++;
	sh->in_seed = false;
	return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Setup, replays, the monitor */

/* madvise() refuses an advice it does not know (EINVAL) before it looks for a mapping (ENOMEM). */
static bool probe_madvise(int advice)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return false;
	munmap(p, PAGE);
	return madvise(p, PAGE, advice) && errno == ENOMEM;
}

static bool probe_uffd_wp(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = PAGE },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	bool ok = fd >= 0 && p != MAP_FAILED && !ioctl(fd, UFFDIO_API, &api) &&
		  !ioctl(fd, UFFDIO_REGISTER, &reg);

	if (fd >= 0)
		close(fd);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	return ok;
}

static void absent(enum op op, const char *why)
{
	sh->op[op].absent = true;
	snprintf(sh->op[op].why_absent, sizeof(sh->op[op].why_absent), "%s", why);
}

/* What this kernel (and guest) lacks: those operations are skipped and counted as absent. */
static void probe_features(void)
{
	struct io_uring_params p;
	int fd;

	if (!file_dir)
		absent(OP_MMAP_FILE, "VMACCT_FILE_DIR unset");
	if (access(HUGEPAGES "/hugepages-2048kB", F_OK))
		absent(OP_MMAP_HUGE_2M, "no 2 MiB hugetlb");
	if (access(HUGEPAGES "/hugepages-1048576kB", F_OK))
		absent(OP_MMAP_HUGE_1G, "no 1 GiB hugetlb");
	if (!probe_madvise(MADV_PAGEOUT))
		absent(OP_PAGEOUT, "EINVAL");
	if (!probe_madvise(MADV_COLD))
		absent(OP_COLD, "EINVAL");
	if (!probe_madvise(MADV_COLLAPSE))
		absent(OP_COLLAPSE, "EINVAL");
	if (!probe_madvise(MADV_GUARD_INSTALL)) {
		absent(OP_GUARD_INSTALL, "EINVAL (6.13+)");
		absent(OP_GUARD_REMOVE, "EINVAL (6.13+)");
	}
	if (!probe_madvise(MADV_HUGEPAGE)) {
		absent(OP_HUGEPAGE, "no THP");
		absent(OP_NOHUGEPAGE, "no THP");
	}
	if (!probe_madvise(MADV_MERGEABLE))
		absent(OP_MERGEABLE, "no KSM");
	if (k_ksm_run < 0)
		absent(OP_KSM, "no /sys/kernel/mm/ksm");
	if (!nr_thp_knobs)
		absent(OP_THP_SYSFS, "no THP settings");
	if (!probe_uffd_wp())
		absent(OP_UFFD_WP, "no userfaultfd write-protect");
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		absent(OP_PACKET_RING, strerror(errno));
	else
		close(fd);
	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 1, &p);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		absent(OP_IO_URING, strerror(errno));
	else if (fd >= 0)
		close(fd);
}

static int op_by_name(const char *name)
{
	int i;

	for (i = 0; i < NR_OPS; i++)
		if (!strcmp(op_names[i], name))
			return i;
	return -1;
}

/* "a,b,c": set enabled[] of each to @val; -1 on an unknown name. */
static int parse_op_list(const char *list, bool enabled[NR_OPS], bool val)
{
	char buf[1024], *tok, *save;
	int i;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		i = op_by_name(tok);
		if (i < 0) {
			fprintf(stderr, "vmacct_fuzz: unknown operation '%s' (--list-ops)\n", tok);
			return -1;
		}
		enabled[i] = val;
	}
	return 0;
}

static struct replay {
	unsigned long long seed;
	long steps;
	bool enabled[NR_OPS];
	char line[200];
} replays[MAX_REPLAYS];
static int nr_replays;

/*
 * fuzz_seeds: "SEED STEPS [ops=NAME,...] [no-op=NAME,...] # why", comments and blank lines
 * ignored. A seed's operations are those of the mix it was found with: the draws depend on which
 * operations are enabled (and which the kernel has: 7.2's guard operations change them).
 */
static int read_replays(const char *path, const bool enabled[NR_OPS])
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && nr_replays < MAX_REPLAYS) {
		struct replay *r = &replays[nr_replays];
		char *hash = strchr(line, '#'), *tok, *save;
		int i = 0;

		if (hash)
			*hash = 0;
		memcpy(r->enabled, enabled, sizeof(r->enabled));
		tok = strtok_r(line, " \t\n", &save);
		for (; tok; tok = strtok_r(NULL, " \t\n", &save)) {
			if (i == 0)
				r->seed = strtoull(tok, NULL, 0);
			else if (i == 1)
				r->steps = strtol(tok, NULL, 0);
			else if (!strncmp(tok, "no-op=", 6) &&
				 parse_op_list(tok + 6, r->enabled, false))
				return -EINVAL;
			else if (!strncmp(tok, "ops=", 4) &&
				 (memset(r->enabled, 0, sizeof(r->enabled)),
				  parse_op_list(tok + 4, r->enabled, true)))
				return -EINVAL;
			i++;
		}
		if (i >= 2) {
			snprintf(r->line, sizeof(r->line), "seed %llu, %ld steps", r->seed,
				 r->steps);
			nr_replays++;
		}
	}
	fclose(f);
	return 0;
}

static void print_ops_table(void)
{
	int i;

	ksft_print_msg("%-20s %8s %8s %8s  %s\n", "operation", "ran", "refused", "seconds",
		       "last refusal / note");
	for (i = 0; i < NR_OPS; i++) {
		const struct op_stat *o = &sh->op[i];
		char note[80] = "";

		if (o->off)
			snprintf(note, sizeof(note), "left out (--ops/--no-op)");
		else if (o->absent)
			snprintf(note, sizeof(note), "absent: %s", o->why_absent);
		else if (o->refused)
			snprintf(note, sizeof(note), "%s", strerror(o->last_errno));
		ksft_print_msg("%-20s %8lu %8lu %8.1f  %s\n", op_names[i], o->ran, o->refused,
			       o->seconds, note);
	}
}

/*
 * ksmd scans only while some mm has a mergeable area: with none (a worker may have advised only
 * shared memory, which KSM leaves alone) a pass would never end. The runner keeps one page of its
 * own mergeable, with content no worker writes (workers fill pages with one byte).
 */
static void ksm_anchor(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;

	if (p == MAP_FAILED)
		return;
	for (i = 0; i < PAGE; i++)
		p[i] = i * 7 + 1;
	madvise(p, PAGE, MADV_MERGEABLE);
}

/* The fuzzing itself (in the runner process): the replays, then seeds until the time is up. */
static void runner(bool enabled[NR_OPS])
{
	double t0, deadline;
	unsigned long long seed;
	long done, total = 0;
	int i, failed = 0, nseeds = 0;

	ksm_anchor();

	for (i = 0; i < nr_replays; i++) {
		struct replay *r = &replays[i];
		int bad = run_seed(r->seed, r->steps, 0, r->enabled, &done);

		printf("%sok %d replay of a recorded seed: %s\n", bad ? "not " : "", ++sh->nresults,
		       r->line);
		sh->failed += bad;
	}
	t0 = now();
	deadline = opt_seconds > 0 ? t0 + opt_seconds : 0;
	seed = opt_seed;
	do {
		failed += run_seed(seed, opt_steps, deadline, enabled, &done);
		ksft_print_msg("seed %llu: %ld steps%s\n", seed, done,
			       deadline && now() > deadline ? " (time is up)" : "");
		total += done;
		nseeds++;
		seed++;
	} while (deadline && now() < deadline);
	ksft_print_msg("fuzzed %d seeds (%llu..%llu), %ld steps in %.0f s: %.1f steps/s\n", nseeds,
		       opt_seed, seed - 1, total, now() - t0, total / (now() - t0 + 1e-9));
	printf("%sok %d %d seeds from %llu, %ld steps: vmacct agrees with smaps after every step\n",
	       failed ? "not " : "", ++sh->nresults, nseeds, opt_seed, total);
	sh->failed += !!failed;
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: vmacct_fuzz [--seed S] [--steps N] [--seconds T] [--replay FILE]\n"
		"        [--ops A,B] [--no-op A,B] [--strict] [--verbose] [--list-ops]\n");
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	bool enabled[NR_OPS], skip;
	int i, n, status, plan, ran = 0, have = 0;
	pid_t pid;

	if (argc == 3 && !strcmp(argv[1], "--worker"))
		return worker_main(argv[2]);
	for (i = 0; i < NR_OPS; i++)
		enabled[i] = true;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return KSFT_FAIL;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--strict")) {
			opt_strict = true;
		} else if (!strcmp(a, "--verbose")) {
			opt_verbose = true;
		} else if (!strcmp(a, "--list-ops")) {
			for (i = 0; i < NR_OPS; i++)
				printf("%s\n", op_names[i]);
			return 0;
		} else if (!v) {
			usage();
		} else if (!strcmp(a, "--seed")) {
			opt_seed = strtoull(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--steps")) {
			opt_steps = strtol(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--seconds")) {
			opt_seconds = strtol(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--replay")) {
			opt_replay = v;
			i++;
		} else if (!strcmp(a, "--ops")) {
			memset(enabled, 0, sizeof(enabled));
			if (parse_op_list(v, enabled, true))
				usage();
			i++;
		} else if (!strcmp(a, "--no-op")) {
			if (parse_op_list(v, enabled, false))
				usage();
			i++;
		} else {
			usage();
		}
	}
	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("must be root\n");
	if (access(VMACCT_DIR "/version", R_OK))
		ksft_exit_skip("vmacct is not loaded (insmod vmacct.ko)\n");
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
		ksft_exit_fail_msg("readlink /proc/self/exe: %s\n", strerror(errno));
	file_dir = getenv("VMACCT_FILE_DIR");
	if (file_dir && !file_dir[0])
		file_dir = NULL;
	if (opt_replay && read_replays(opt_replay, enabled))
		ksft_exit_fail_msg("cannot read the seeds to replay from %s\n", opt_replay);
	plan = nr_replays + 2;
	ksft_set_plan(plan);
	setup_knobs(enabled);
	probe_features();
	ksft_print_msg("hugetlb pages: %ld of 2 MiB, %ld of 1 GiB; %ld MiB available\n",
		       read_long(HUGEPAGES "/hugepages-2048kB/nr_hugepages", -1),
		       read_long(HUGEPAGES "/hugepages-1048576kB/nr_hugepages", -1),
		       mem_available_mb());
	for (i = 0; i < NR_OPS; i++) {
		sh->op[i].off = !enabled[i];
		enabled[i] = enabled[i] && !sh->op[i].absent;
		for (n = 0; n < nr_replays; n++)
			replays[n].enabled[i] = replays[n].enabled[i] && !sh->op[i].absent;
	}
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	/*
	 * The runner fuzzes; this process only watches. A kernel oops in a read kills the runner:
	 * then this one prints where it was, puts the settings back and ends the KTAP document.
	 */
	pid = fork();
	if (!pid) {
		setpgid(0, 0);
		/* Orphaned grandchildren of exited workers come here and are reaped at once. */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		signal(SIGCHLD, SIG_IGN);
		runner(enabled);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ksft_print_msg("the fuzzer died (%s %d) at seed %llu step %d; see the kernel log\n",
			       WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ?
			       WTERMSIG(status) : WEXITSTATUS(status), sh->seed, sh->step);
		if (sh->in_seed)
			print_oplog();
		kill(-pid, SIGKILL);
		while (sh->nresults < plan - 1) {
			printf("not ok %d the fuzzer died before this result\n", ++sh->nresults);
			sh->failed++;
		}
	}
	knobs_restore(false);
	print_ops_table();
	ksft_print_msg("%lu seeds, %lu steps, %lu comparisons (%.1f s), %lu settled only on a "
		       "re-read, %lu never settled, %lu touches the model got wrong, %lu KSM "
		       "passes timed out\n", sh->seeds, sh->steps, sh->compares,
		       sh->compare_seconds,
		       sh->retried, sh->unsettled, sh->faults, sh->ksm_timeouts);
	{
		char line[512];
		int len = 0;

		for (i = 0; i < (int)NR_SEEN; i++)
			len += snprintf(line + len, sizeof(line) - len, " %s %lu", seen_keys[i],
					sh->seen[i]);
		ksft_print_msg("rows compared with a nonzero:%s\n", line);
	}
	if (sh->unchecked_here[0])
		ksft_print_msg("this kernel's smaps cannot check:%s\n", sh->unchecked_here);
	for (i = 0; i < (int)NR_UNCHECKED; i++)
		if (!opt_strict || !unchecked[i].known_deviation)
			ksft_print_msg("not checked: %s: %s\n", unchecked[i].field,
				       unchecked[i].why);
	for (i = 0; i < NR_OPS; i++) {
		if (sh->op[i].off || sh->op[i].absent)
			continue;
		have++;
		ran += sh->op[i].ran > 0;
	}
	if (sh->unknown_fields[0])
		ksft_print_msg("vmacct fields with no line in oracle[] or unchecked[]:%s\n",
			       sh->unknown_fields);
	/* A run that exercised little must not pass quietly; one too short to tell says so. */
	skip = sh->steps < MIN_STEPS_TO_JUDGE && ran * 2 < have && !sh->unknown_fields[0];
	if (skip)
		printf("ok %d %d of the %d operations this kernel has ran # SKIP only %lu steps, "
		       "too few to judge (%d needed)\n", ++sh->nresults, ran, have, sh->steps,
		       MIN_STEPS_TO_JUDGE);
	else
		printf("%sok %d %d of the %d operations this kernel has ran%s%s\n",
		       ran * 2 >= have && !sh->unknown_fields[0] ? "" : "not ", ++sh->nresults, ran,
		       have, sh->unknown_fields[0] ? "; fields without an oracle:" : "",
		       sh->unknown_fields);
	if (!skip && (ran * 2 < have || sh->unknown_fields[0]))
		sh->failed++;
	ksft_cnt.ksft_pass = sh->nresults - sh->failed - skip;
	ksft_cnt.ksft_xskip = skip;
	ksft_cnt.ksft_fail = sh->failed;
	ksft_exit(!sh->failed);
}
