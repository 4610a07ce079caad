/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers every vmacct selftest shares (in the spirit of selftests/mm/vm_util.h): reading the
 * vmacct debugfs files and the kernel's own smaps/smaps_rollup/statm into plain structs.
 */
#ifndef VMACCT_UTIL_H
#define VMACCT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

#include <linux/userfaultfd.h>

#define VMACCT_DIR "/sys/kernel/debug/vmacct"
#define KB(bytes) ((uint64_t)(bytes) >> 10)

/* Older kselftest.h lacks these. */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

/*
 * What the build root's headers may lack: the kernels of the matrix are newer. (Here, after the
 * headers that define them, so that no test redefines what it includes later.)
 */
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21U << 26)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1 << 12)
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif

/*
 * The counts of a maps/<pid> row or a <pid> summary, in kB, named as in the debugfs files: the
 * module's own list (include/vmacct_fields.h, copied next to this file in a kernel tree).
 */
enum vmacct_field {
#define VMACCT_FIELD(id, name, scope) VF_##id,
#include "vmacct_fields.h"
	VF_NR
};

extern const char *const vmacct_field_names[VF_NR];
/* Where each field is printed: VMACCT_ROW, VMACCT_ROW_LAST (maps rows too) or VMACCT_PROC. */
extern const unsigned char vmacct_field_scopes[VF_NR];

/*
 * Fields the module has appended to its files after enum vmacct_field was written keep their
 * values too: their names are interned once per process in vmacct_extra_names[], and each parsed
 * row or summary holds the value under the name's index. vmacct_counts_get() reads either kind.
 */
#define VMACCT_MAX_EXTRA 8

struct vmacct_counts {
	uint64_t v[VF_NR];
	bool has[VF_NR];		/* field present in what was parsed */
	unsigned long start, end;	/* maps rows */
	int pid;			/* summaries */
	char name[256];			/* comm or path, as printed (escaped) */
	char perms[8];			/* maps rows: as in /proc/pid/maps */
	unsigned long long offset;	/* maps rows: as in /proc/pid/maps */
	uint64_t extra[VMACCT_MAX_EXTRA];	/* by index into vmacct_extra_names[] */
	bool has_extra[VMACCT_MAX_EXTRA];
};

extern char vmacct_extra_names[VMACCT_MAX_EXTRA][32];

/* The kernel's view: smaps_rollup (or one smaps VMA) and statm, in kB. */
struct smaps_counts {
	uint64_t rss, pss, shared, private, swap, anon_huge, hugetlb;
	uint64_t private_dirty, shared_dirty, ksm;
	bool has_ksm;			/* this kernel's smaps has a KSM line (6.12 on) */
};

/* 0 on success, -errno on failure (ENOENT for an unknown pid). */
int vmacct_read_summary(pid_t pid, struct vmacct_counts *c);
/* The maps/<pid> row that contains @addr. */
int vmacct_read_row(pid_t pid, unsigned long addr, struct vmacct_counts *c);
/* All rows of maps/<pid>; returns their number or -errno. *rows is malloc()ed. */
int vmacct_read_rows(pid_t pid, struct vmacct_counts **rows);
/* All rows of the `all` file; returns their number or -errno. */
int vmacct_read_all(struct vmacct_counts **rows);
/* Parse a `<pid>` file's text (for tests that read it in unusual ways). */
int vmacct_parse_summary(const char *text, struct vmacct_counts *c);
/* Parse a maps/<pid> or `all` text (modified in place): number of rows or -errno. */
int vmacct_parse_table(char *text, struct vmacct_counts **rows);

int smaps_rollup_read(pid_t pid, struct smaps_counts *s);
/* One VMA of /proc/pid/smaps, the one that starts at @start. */
int smaps_vma_read(pid_t pid, unsigned long start, struct smaps_counts *s);
/* statm size, resident, shared, converted to kB. */
int statm_read(pid_t pid, uint64_t *virt, uint64_t *res, uint64_t *shr);

/*
 * The kernel's sizes, as it reports them, never assumed: x86-64 and arm64 have 4 KiB pages, but
 * arm64 also 16 KiB (and 64 KiB) ones, and every size above the page follows from it.
 * - vmacct_page_size(): sysconf(_SC_PAGESIZE);
 * - vmacct_pmd_size(): what one PMD entry maps, a PMD THP (hpage_pmd_size where the kernel has
 *   THP; else a page of page-table entries of 8 bytes each, page size / 8 of them, times the
 *   page): 2 MiB with 4 KiB pages, 32 MiB with 16 KiB;
 * - vmacct_pud_size(): what one PUD entry maps: 1 GiB with 4 KiB pages, 64 GiB with 16 KiB;
 * - vmacct_hugetlb_sizes(): the hugetlb page sizes (/sys/kernel/mm/hugepages/hugepages-<N>kB),
 *   ascending, at most @max of them in @sizes; their number. arm64 has, besides PMD and PUD
 *   sizes, runs of contiguous PTEs (64 KiB with 4 KiB pages, 2 MiB with 16 KiB) and of contiguous
 *   PMDs (32 MiB with 4 KiB pages, 1 GiB with 16 KiB);
 * - vmacct_hugetlb_default_size(): the size MAP_HUGETLB without a size flag maps (/proc/meminfo
 *   Hugepagesize), 0 when the kernel has no hugetlb.
 */
size_t vmacct_page_size(void);
size_t vmacct_pmd_size(void);
size_t vmacct_pud_size(void);
int vmacct_hugetlb_sizes(size_t *sizes, int max);
size_t vmacct_hugetlb_default_size(void);
/* The MAP_HUGE_* (MFD_HUGE_*) flag of a hugetlb page of @size bytes (a power of two). */
#define MAP_HUGE_SIZE(size) (__builtin_ctzl(size) << MAP_HUGE_SHIFT)

/*
 * A PMD-aligned private anonymous region of one PMD (vmacct_pmd_size(), cut out of a larger
 * reservation), advised MADV_HUGEPAGE, for a THP; NULL on failure.
 */
char *map_aligned_hpage(void);
/* Transparent hugepages are not "[never]". */
bool thp_enabled(void);

/*
 * A row expectation with every count field (mapped to hugetlb) asserted, all 0 but @mapped_kb
 * until set: vmacct_diff() then checks each of them.
 */
struct vmacct_counts want_row(uint64_t mapped_kb);
/* The fields of a maps row that smaps also has, against the smaps VMA; differences printed. */
int row_vs_smaps(const char *what, const struct vmacct_counts *row, const struct smaps_counts *s);
/*
 * The maps/<pid> row that holds @addr and the smaps VMA that starts where it starts, read as
 * vmacct, smaps, vmacct: when both vmacct reads agree, the VMA did not change in between and the
 * two files describe the same state. 0, or -errno of the last failure (-EAGAIN: never stable).
 */
int read_row_and_smaps(pid_t pid, unsigned long addr, struct vmacct_counts *row,
		       struct smaps_counts *s);

/* Read a whole file into a malloc()ed NUL-terminated buffer; NULL with errno set on failure. */
char *read_file(const char *path, size_t *len);
/* @size bytes shared with the children a test forks (results, pids): NULL on failure. */
void *map_shared(size_t size);
/* Write @val to @path (a sysfs or cgroup file): 0 or -errno. */
int write_file(const char *path, const char *val);
/* The number at the start of @path, or @def when it cannot be read. */
long read_long(const char *path, long def);
/* One `name: value` line of vmacct's stats file; -1 when the file or the line is missing. */
long long vmacct_stat(const char *name);

/*
 * Compare every field of @got with @want and print a KTAP diagnostic for each difference.
 * Returns the number of differences.
 */
int vmacct_diff(const char *what, const struct vmacct_counts *got, const struct vmacct_counts *want);

/*
 * The SHR accuracy report (the check script collects "# SHR-REPORT " lines): for one mapping, what
 * top's SHR counts from it (its file and shmem pages) against what is really shared.
 */
void shr_report(const char *scenario, const struct vmacct_counts *row);
/* The same for a whole process: top's real SHR (statm) against the exact shared size. */
void shr_report_process(const struct vmacct_counts *summary);
/*
 * Every shr_report() line is also kept (in memory shared with the forked test children) for the
 * table that shr_report_table() prints once at the end.
 */
void shr_report_table(void);

/*
 * A child that runs @fn(@arg), reports ready and then waits, frozen, until released: the parent
 * reads both processes while nothing moves. pid -1 when it could not be started or @fn exited.
 */
struct child {
	pid_t pid;
	int go;		/* write end: closing it releases the child */
};

struct child spawn_child(void (*fn)(void *), void *arg);
/* Let the child exit and reap it. */
void release_child(struct child *c);

/*
 * The value of the count field @name (a name of the file format, known to enum vmacct_field or
 * appended since): 0, or -ENOENT when what was parsed has no such field.
 */
int vmacct_counts_get(const struct vmacct_counts *c, const char *name, uint64_t *v);
/* Every count field @c holds, known or appended: their number (at most @max) in @names/@v. */
int vmacct_counts_list(const struct vmacct_counts *c, const char **names, uint64_t *v, int max);

/*
 * One VMA of /proc/pid/smaps (or the whole of smaps_rollup) with every "Key: N kB" line it has,
 * by name, so that a test can compare keys this file does not know of (KSM, SwapPss, ...).
 */
#define SMAPS_MAX_KEYS 48

struct smaps_vma {
	unsigned long start, end;
	char perms[8];
	unsigned long long offset;
	char name[256];			/* path, [heap], [stack]...; empty: anonymous memory */
	int nr;
	char key[SMAPS_MAX_KEYS][24];
	uint64_t v[SMAPS_MAX_KEYS];	/* kB */
};

/* Parse smaps text (modified in place): the number of VMAs, *vmas malloc()ed; or -errno. */
int smaps_parse(char *text, struct smaps_vma **vmas);
/* Every VMA of /proc/pid/smaps, in one read. */
int smaps_read_vmas(pid_t pid, struct smaps_vma **vmas);
/* /proc/pid/smaps_rollup's keys. */
int smaps_rollup_read_keys(pid_t pid, struct smaps_vma *r);
/* The value of @key: 0, or -ENOENT when this kernel's smaps has no such key. */
int smaps_get(const struct smaps_vma *s, const char *key, uint64_t *v);
/* Set (or add) @key; -ENOSPC when there is no room left. */
int smaps_set(struct smaps_vma *s, const char *key, uint64_t v);

#ifdef KSFT_PASS
/*
 * How every program that prints its KTAP with kselftest.h (included before this file) starts:
 * stdout a line at a time (a run cut off by the runner's timeout still shows where it was), the
 * header, a SKIP unless root with vmacct loaded (@file readable: `version`, or a file the test
 * needs), the plan.
 */
static inline void vmacct_ksft_start(const char *file, unsigned int plan)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("must be root\n");
	if (access(file, R_OK))
		ksft_exit_skip("vmacct is not loaded (insmod vmacct.ko): no %s\n", file);
	ksft_set_plan(plan);
}
#endif

#endif /* VMACCT_UTIL_H */
