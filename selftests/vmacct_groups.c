// SPDX-License-Identifier: GPL-2.0
/*
 * The group files, `users` and `comms` (README.md, "The numbers of a group"), against an
 * independent oracle and against the scenarios' own arithmetic.
 *
 * The oracle is user space alone: /proc/<pid>/pagemap gives the pfn of every present page of
 * every member (root reads pfns), /proc/kpagecount the page's mapcount by the same per-kernel rule
 * vmacct uses (page_mapcount() on 6.1, folio_precise_page_mapcount() from 6.12), /proc/kpageflags
 * its kind (anon, swap-backed, else file) and what is not resident (the zero pages). A group's
 * resident pages are the distinct pfns; a page is unique when the members' mappings of it are as
 * many as its mapcount. PFN maps ([vvar], [vvar_vclock]) and the gate area have no pages smaps
 * or vmacct count and are left out, as both do.
 *
 * The groups under test run as uids and names no other process of the guest has, and are frozen
 * while read; everything else in the guest is idle. The oracle is read before and after the
 * module: a read counts only when both oracle reads agree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmacct_util.h"

/*
 * The harness gives a TEST() 30 s. The oracle reads every member's pagemap and the page flags and
 * count of every page, again on each retry; each sharing/ read walks the machine: a few times 30 s
 * on the KASAN kernel.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define PS		vmacct_page_size()
#define MiB		(1UL << 20)
#define SERVER_UID	60123		/* the pre-forking server and its workers */
#define LONER_UID	60124		/* a group of one process */
#define SERVER_COMM	"vmacct-grp-srv"
#define WORKERS		3
#define HEAP_PAGES	(8 * MiB / PS)	/* written by the server before it forks */
#define ATTEMPTS	5

/* /proc/kpageflags bits (Documentation/admin-guide/mm/pagemap.rst). */
#define KPF_ANON	12
#define KPF_SWAPBACKED	14
#define KPF_HUGE	17
#define KPF_NOPAGE	20
#define KPF_ZERO_PAGE	24
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

/* The group fields, in include/vmacct_fields.h's order. */
enum vmacct_group_field {
#define VMACCT_GROUP_FIELD(id, name) VG_##id,
#include "vmacct_fields.h"
	VG_NR
};

static const char *const group_field_names[VG_NR] = {
#define VMACCT_GROUP_FIELD(id, name) [VG_##id] = #name,
#include "vmacct_fields.h"
};

struct group_row {
	unsigned long key;		/* uid (users) */
	char name[64];			/* comm (comms), as printed */
	uint64_t procs;
	uint64_t v[VG_NR];		/* kB */
};

static bool parse_u64(const char *tok, uint64_t *v)
{
	char *end;

	if (!tok || !*tok)
		return false;
	errno = 0;
	*v = strtoull(tok, &end, 10);
	return !errno && !*end;
}

/*
 * The row of `users` whose uid is @uid, or of `comms` whose name is @comm: 0, -ENOENT when there
 * is none, -EPROTO when the file is not in the format README gives (header, then numbers).
 */
static int group_row_read(const char *file, long uid, const char *comm, struct group_row *row)
{
	char path[128], *text, *line, *save, *tok, *tsave;
	bool users = uid >= 0;
	int ret = -ENOENT, f;

	snprintf(path, sizeof(path), VMACCT_DIR "/%s", file);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	line = strtok_r(text, "\n", &save);
	/* The header: "# [uid] procs <fields> [comm]". */
	tok = line ? strtok_r(line, " ", &tsave) : NULL;
	if (!tok || strcmp(tok, "#"))
		goto bad;
	if (users && strcmp(strtok_r(NULL, " ", &tsave) ?: "", "uid"))
		goto bad;
	if (strcmp(strtok_r(NULL, " ", &tsave) ?: "", "procs"))
		goto bad;
	for (f = 0; f < VG_NR; f++)
		if (strcmp(strtok_r(NULL, " ", &tsave) ?: "", group_field_names[f]))
			goto bad;
	tok = strtok_r(NULL, " ", &tsave);
	if (users ? tok != NULL : (!tok || strcmp(tok, "comm")))
		goto bad;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct group_row r = { 0 };
		uint64_t key = 0;

		tok = strtok_r(line, " ", &tsave);
		if (users && (!parse_u64(tok, &key) || !(tok = strtok_r(NULL, " ", &tsave))))
			goto bad;
		if (!parse_u64(tok, &r.procs))
			goto bad;
		for (f = 0; f < VG_NR; f++)
			if (!parse_u64(strtok_r(NULL, " ", &tsave), &r.v[f]))
				goto bad;
		tok = strtok_r(NULL, " ", &tsave);
		if (users ? tok != NULL : !tok)
			goto bad;
		if (!users)
			snprintf(r.name, sizeof(r.name), "%s", tok);
		r.key = key;
		if (users ? (long)key == uid : !strcmp(r.name, comm)) {
			*row = r;
			ret = 0;
		}
	}
	free(text);
	return ret;
bad:
	printf("# %s: not in the documented format\n", path);
	free(text);
	return -EPROTO;
}

/* --- the oracle --- */

struct oracle {
	uint64_t resident, unique, shared_out;		/* kB */
	uint64_t unique_kind[3], shared_out_kind[3];	/* anon, file, shmem */
	int procs;
};

enum { K_ANON, K_FILE, K_SHMEM };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Append the pfns of @pid's present pages (PFN maps and the gate area left out) to @pfns. */
static int member_pfns(pid_t pid, uint64_t **pfns, size_t *n, size_t *cap)
{
	char path[64], *maps, *line, *save;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = read_file(path, NULL);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (!maps || fd < 0) {
		ret = -errno;
		goto out;
	}
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, end, a;

		if (sscanf(line, "%lx-%lx", &start, &end) != 2) {
			ret = -EPROTO;
			break;
		}
		if (strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
			continue;
		/* pagemap in chunks of 512 entries: one read per 512 pages, not per page */
		for (a = start; a < end; ) {
			uint64_t e[512];
			size_t want = (end - a) / PS < 512 ? (end - a) / PS : 512, i;

			if (pread(fd, e, want * sizeof(*e), a / PS * sizeof(*e)) !=
			    (ssize_t)(want * sizeof(*e))) {
				ret = -EIO;
				goto out;
			}
			for (i = 0; i < want; i++) {
				if (!(e[i] & PM_PRESENT) || !(e[i] & PM_PFN_MASK))
					continue;
				if (*n == *cap) {
					*cap = *cap ? 2 * *cap : 4096;
					*pfns = realloc(*pfns, *cap * sizeof(**pfns));
					if (!*pfns) {
						ret = -ENOMEM;
						goto out;
					}
				}
				(*pfns)[(*n)++] = e[i] & PM_PFN_MASK;
			}
			a += want * PS;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(maps);
	return ret;
}

/*
 * The processes (with an address space) whose real uid is @uid, or whose comm is @comm (@uid -1),
 * or all of them (@uid -2).
 */
static int group_members(long uid, const char *comm, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)) && n < max) {
		char path[300], *s, *u, *c;
		pid_t pid = atoi(de->d_name);
		bool member;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		s = read_file(path, NULL);
		if (!s)
			continue;
		u = strstr(s, "\nUid:\t");
		c = strncmp(s, "Name:\t", 6) ? NULL : s + 6;
		if (uid == -2)
			member = true;	/* every process */
		else if (uid >= 0)
			member = u && atol(u + 6) == uid;
		else
			member = c && !strncmp(c, comm, strlen(comm)) && c[strlen(comm)] == '\n';
		/* Kernel threads have no VmSize line: no address space. */
		if (member && strstr(s, "\nVmSize:"))
			pids[n++] = pid;
		free(s);
	}
	if (d)
		closedir(d);
	return n;
}

static int oracle_read(long uid, const char *comm, struct oracle *o)
{
	int kc = open("/proc/kpagecount", O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY);
	size_t n = 0, cap = 0, i, j;
	uint64_t *pfns = NULL;
	pid_t pids[64];
	int ret = 0, m;

	memset(o, 0, sizeof(*o));
	if (kc < 0 || kf < 0) {
		ret = -errno;
		goto out;
	}
	o->procs = group_members(uid, comm, pids, ARRAY_SIZE(pids));
	for (m = 0; m < o->procs && !ret; m++)
		ret = member_pfns(pids[m], &pfns, &n, &cap);
	if (ret)
		goto out;
	qsort(pfns, n, sizeof(*pfns), cmp_u64);
	for (i = 0; i < n; i = j) {
		uint64_t flags, count;
		int kind;

		for (j = i; j < n && pfns[j] == pfns[i]; j++)
			;
		if (pread(kf, &flags, 8, pfns[i] * 8) != 8 ||
		    pread(kc, &count, 8, pfns[i] * 8) != 8) {
			ret = -EIO;
			goto out;
		}
		if (flags & (1ULL << KPF_ZERO_PAGE | 1ULL << KPF_HUGE | 1ULL << KPF_NOPAGE))
			continue;
		kind = flags & 1ULL << KPF_ANON ? K_ANON :
		       flags & 1ULL << KPF_SWAPBACKED ? K_SHMEM : K_FILE;
		o->resident += PS / 1024;
		if (j - i >= count) {
			o->unique += PS / 1024;
			o->unique_kind[kind] += PS / 1024;
		} else {
			o->shared_out += PS / 1024;
			o->shared_out_kind[kind] += PS / 1024;
		}
	}
out:
	free(pfns);
	if (kc >= 0)
		close(kc);
	if (kf >= 0)
		close(kf);
	return ret;
}

/* Differences between a group row and the oracle, printed; their number. */
static int row_vs_oracle(const char *what, const struct group_row *r, const struct oracle *o)
{
	const struct {
		const char *name;
		uint64_t got, want;
	} f[] = {
		{ "procs", r->procs, (uint64_t)o->procs },
		{ "resident", r->v[VG_RESIDENT], o->resident },
		{ "unique", r->v[VG_UNIQUE], o->unique },
		{ "shared_out", r->v[VG_SHARED_OUT], o->shared_out },
		{ "anon_unique", r->v[VG_ANON_UNIQUE], o->unique_kind[K_ANON] },
		{ "anon_shared_out", r->v[VG_ANON_SHARED_OUT], o->shared_out_kind[K_ANON] },
		{ "file_unique", r->v[VG_FILE_UNIQUE], o->unique_kind[K_FILE] },
		{ "file_shared_out", r->v[VG_FILE_SHARED_OUT], o->shared_out_kind[K_FILE] },
		{ "shmem_unique", r->v[VG_SHMEM_UNIQUE], o->unique_kind[K_SHMEM] },
		{ "shmem_shared_out", r->v[VG_SHMEM_SHARED_OUT], o->shared_out_kind[K_SHMEM] },
	};
	unsigned int i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		printf("# %s: %-16s vmacct %8" PRIu64 " oracle %8" PRIu64 "%s\n", what, f[i].name,
		       f[i].got, f[i].want, f[i].got == f[i].want ? "" : "  <-- differs");
		bad += f[i].got != f[i].want;
	}
	return bad;
}

/*
 * The module's row of the group and the oracle, read oracle, module, oracle until both oracle
 * reads agree. 0, or the error of the last attempt.
 */
static int read_settled(const char *file, long uid, const char *comm, struct group_row *row,
			struct oracle *o)
{
	struct oracle again;
	int i, ret = -EAGAIN;

	for (i = 0; i < ATTEMPTS; i++) {
		ret = oracle_read(uid, comm, o);
		if (!ret)
			ret = group_row_read(file, uid, comm, row);
		if (!ret)
			ret = oracle_read(uid, comm, &again);
		if (ret)
			return ret;
		if (!memcmp(o, &again, sizeof(again)))
			return 0;
		printf("# the group changed while it was read, reading again\n");
		ret = -EAGAIN;
	}
	return ret;
}

/*
 * The sums of pss and swap over @pids' <pid> files, and of their summaries' other fields in @sum
 * (to tell whether two such reads saw the same state). 0 or the first error.
 */
static int members_sum(const pid_t *pids, int n, struct vmacct_counts *sum)
{
	struct vmacct_counts c;
	int i, f, ret;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		ret = vmacct_read_summary(pids[i], &c);
		if (ret)
			return ret;
		for (f = 0; f < VF_NR; f++)
			sum->v[f] += c.v[f];
	}
	return 0;
}

/*
 * The group's row and oracle (read_settled()) between two equal sums of its members' own <pid>
 * files: all three describe one state. The test process's own copy-on-write breaks (it shares
 * pages with the children it forked) settle after a few reads.
 */
static int read_settled_with_members(const char *file, long uid, const char *comm,
				     const pid_t *pids, int n, struct group_row *row,
				     struct oracle *o, struct vmacct_counts *sum)
{
	struct vmacct_counts again;
	int i, ret = -EAGAIN;

	for (i = 0; i < ATTEMPTS; i++) {
		ret = members_sum(pids, n, sum);
		if (!ret)
			ret = read_settled(file, uid, comm, row, o);
		if (!ret)
			ret = members_sum(pids, n, &again);
		if (ret)
			return ret;
		if (!memcmp(sum->v, again.v, sizeof(again.v)))
			return 0;
		printf("# the members changed while the group was read, reading again\n");
		ret = -EAGAIN;
	}
	return ret;
}

/* --- the scenarios --- */

struct server_case {
	pid_t workers[WORKERS];
	int err;
};

/* A worker of the server: dies with it. */
static void worker_wait(pid_t server, int ready)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != server)
		_exit(0);
	if (write(ready, "w", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/*
 * The server: runs as SERVER_UID under SERVER_COMM, writes HEAP_PAGES of anonymous memory and forks
 * WORKERS workers that keep it copy-on-write: those pages are mapped 1 + WORKERS times, all by the
 * group (the test process forked the server before they existed).
 */
static void server_child(void *arg)
{
	struct server_case *sc = arg;
	pid_t self = getpid();
	int ready[2], i;
	char *heap, *thp, b;

	prctl(PR_SET_NAME, SERVER_COMM);
	heap = mmap(NULL, HEAP_PAGES * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (heap == MAP_FAILED || pipe(ready) || setresuid(SERVER_UID, SERVER_UID, SERVER_UID)) {
		sc->err = errno;
		return;
	}
	madvise(heap, HEAP_PAGES * PS, MADV_NOHUGEPAGE);
	memset(heap, 7, HEAP_PAGES * PS);
	/* A THP too (when the kernel gives one): its pages read one by one, entire mapcount. */
	thp = map_aligned_hpage();
	if (thp)
		memset(thp, 9, vmacct_pmd_size());
	for (i = 0; i < WORKERS; i++) {
		/* Set in the server only: @sc is shared memory, the worker sees it too. */
		pid_t pid = fork();

		if (pid == 0)
			worker_wait(self, ready[1]);
		if (pid < 0 || read(ready[0], &b, 1) != 1) {
			sc->err = ECHILD;
			return;
		}
		sc->workers[i] = pid;
	}
}

static void loner_child(void *arg)
{
	int *err = arg;
	char *p = mmap(NULL, 64 * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || setresuid(LONER_UID, LONER_UID, LONER_UID)) {
		*err = errno;
		return;
	}
	memset(p, 1, 64 * PS);
}

static void stop_child(struct child *c)
{
	if (c->pid > 0)
		kill(c->pid, SIGKILL);
	release_child(c);
}

/*
 * A pre-forking server and its workers: `users` row of their uid and `comms` row of their name
 * equal the oracle field by field, hold all four processes, have the copy-on-write heap unique
 * (mapped by members only), and pss and swap the sums of the members' own.
 */
TEST(prefork_server_users_and_comms_as_oracle)
{
	struct server_case *sc = map_shared(sizeof(*sc));
	struct vmacct_counts sum;
	struct group_row row;
	pid_t pids[1 + WORKERS];
	struct oracle o;
	struct child srv;
	int ret, i;

	ASSERT_NE(NULL, sc);
	srv = spawn_child(server_child, sc);
	ASSERT_GT(srv.pid, 0);
	EXPECT_EQ(0, sc->err) TH_LOG("setting up the server: %s", strerror(sc->err));
	if (sc->err)
		goto out;
	pids[0] = srv.pid;
	for (i = 0; i < WORKERS; i++)
		pids[1 + i] = sc->workers[i];

	for (i = 0; i < 2; i++) {
		const char *file = i ? "comms" : "users";

		ret = read_settled_with_members(file, i ? -1 : SERVER_UID, SERVER_COMM, pids,
						ARRAY_SIZE(pids), &row, &o, &sum);
		EXPECT_EQ(0, ret) TH_LOG("%s: %s", file, strerror(-ret));
		if (ret)
			continue;
		EXPECT_EQ(0, row_vs_oracle(file, &row, &o));
		EXPECT_EQ((uint64_t)ARRAY_SIZE(pids), row.procs);
		/* The heap, mapped by the server and every worker: unique to them. */
		EXPECT_LE(HEAP_PAGES * PS / 1024, row.v[VG_ANON_UNIQUE]);
		/* pss is additive: rounded once per process there, once here. */
		EXPECT_LE(sum.v[VF_PSS], row.v[VG_PSS]);
		EXPECT_GE(sum.v[VF_PSS] + ARRAY_SIZE(pids), row.v[VG_PSS]);
		EXPECT_EQ(sum.v[VF_SWAP], row.v[VG_SWAP]);
		/* The union is at most the sum of the members' resident, at least the largest. */
		EXPECT_GE(sum.v[VF_RESIDENT], row.v[VG_RESIDENT]);
	}
out:
	stop_child(&srv);
	munmap(sc, sizeof(*sc));
}

/* A group of one process: unique is its private, shared_out its shared, and so on. */
TEST(group_of_one_is_the_process)
{
	int *err = map_shared(sizeof(*err));
	struct vmacct_counts c;
	struct group_row row;
	struct oracle o;
	struct child ch;
	int ret;

	ASSERT_NE(NULL, err);
	ch = spawn_child(loner_child, err);
	ASSERT_GT(ch.pid, 0);
	EXPECT_EQ(0, *err) TH_LOG("setting up: %s", strerror(*err));
	if (*err)
		goto out;
	ret = read_settled_with_members("users", LONER_UID, NULL, &ch.pid, 1, &row, &o, &c);
	EXPECT_EQ(0, ret) TH_LOG("users: %s", strerror(-ret));
	if (ret)
		goto out;
	EXPECT_EQ(0, row_vs_oracle("users", &row, &o));
	EXPECT_EQ((uint64_t)1, row.procs);
	EXPECT_EQ(c.v[VF_RESIDENT], row.v[VG_RESIDENT]);
	EXPECT_EQ(c.v[VF_PRIVATE], row.v[VG_UNIQUE]);
	EXPECT_EQ(c.v[VF_SHARED], row.v[VG_SHARED_OUT]);
	EXPECT_EQ(c.v[VF_ANON_PRIVATE], row.v[VG_ANON_UNIQUE]);
	EXPECT_EQ(c.v[VF_ANON_SHARED], row.v[VG_ANON_SHARED_OUT]);
	EXPECT_EQ(c.v[VF_FILE_PRIVATE], row.v[VG_FILE_UNIQUE]);
	EXPECT_EQ(c.v[VF_FILE_SHARED], row.v[VG_FILE_SHARED_OUT]);
	EXPECT_EQ(c.v[VF_SHMEM_PRIVATE], row.v[VG_SHMEM_UNIQUE]);
	EXPECT_EQ(c.v[VF_SHMEM_SHARED], row.v[VG_SHMEM_SHARED_OUT]);
	EXPECT_EQ(c.v[VF_PSS], row.v[VG_PSS]);
	EXPECT_EQ(c.v[VF_SWAP], row.v[VG_SWAP]);
out:
	stop_child(&ch);
	munmap(err, sizeof(*err));
}

/* The processes `users` (@users) or `comms` counts in all; -1 if its text is not as documented. */
static long procs_in(const char *file, bool users)
{
	char path[128], *text, *line, *save;
	long total = 0, last = -1;
	uint64_t v;

	snprintf(path, sizeof(path), VMACCT_DIR "/%s", file);
	text = read_file(path, NULL);
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tok = line, *sp;

		if (line[0] == '#')
			continue;
		if (users) {
			/* uids in increasing order, each once */
			sp = strchr(line, ' ');
			if (!sp)
				goto bad;
			*sp = 0;
			if (!parse_u64(line, &v) || (long)v <= last)
				goto bad;
			last = v;
			tok = sp + 1;
		}
		sp = strchr(tok, ' ');
		if (!sp)
			goto bad;
		*sp = 0;
		if (!parse_u64(tok, &v))
			goto bad;
		total += v;
	}
	free(text);
	return total;
bad:
	printf("# %s: a row not in the documented format\n", path);
	free(text);
	return -1;
}

/*
 * `users` lists uids in order, each once; `users` and `comms` count the same processes (read
 * again when a process started or ended between the two reads); both refuse writing.
 */
TEST(users_and_comms_cover_every_process)
{
	long in_users = -1, in_comms = -2;
	int i, fd;

	for (i = 0; i < ATTEMPTS && in_users != in_comms; i++) {
		in_users = procs_in("users", true);
		in_comms = procs_in("comms", false);
		ASSERT_LT(0, in_users);
		ASSERT_LT(0, in_comms);
	}
	EXPECT_EQ(in_users, in_comms);
	printf("# %ld processes in users and in comms\n", in_users);
	/* As many as /proc has with an address space (read again when one came or went). */
	for (i = 0; i < ATTEMPTS; i++) {
		pid_t pids[4096];
		long before = procs_in("users", true);
		int n = group_members(-2, NULL, pids, ARRAY_SIZE(pids));

		if (before == n && procs_in("users", true) == n)
			break;
		printf("# users: %ld processes, /proc: %d with an address space\n", before, n);
	}
	EXPECT_LT(i, ATTEMPTS);
	fd = open(VMACCT_DIR "/users", O_WRONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	if (fd >= 0)
		close(fd);
}

/* --- sharing/<pid> --- */

/* @pid's resident pages (as the oracle counts them), sorted, each once; their number or -errno. */
static long resident_pfns(pid_t pid, int kf, uint64_t **out)
{
	size_t n = 0, cap = 0, i, k = 0;
	uint64_t *pfns = NULL, flags;
	int ret = member_pfns(pid, &pfns, &n, &cap);

	if (ret) {
		free(pfns);
		return ret;
	}
	qsort(pfns, n, sizeof(*pfns), cmp_u64);
	for (i = 0; i < n; i++) {
		if (k && pfns[k - 1] == pfns[i])
			continue;
		if (pread(kf, &flags, 8, pfns[i] * 8) != 8) {
			free(pfns);
			return -EIO;
		}
		if (flags & (1ULL << KPF_ZERO_PAGE | 1ULL << KPF_HUGE | 1ULL << KPF_NOPAGE))
			continue;
		pfns[k++] = pfns[i];
	}
	*out = pfns;
	return k;
}

/* The kB of pages both @a and @b map, by kind (anon, file, shmem): the oracle of sharing/. */
static int oracle_shared(pid_t a, pid_t b, uint64_t kb[3])
{
	int kf = open("/proc/kpageflags", O_RDONLY);
	uint64_t *pa = NULL, *pb = NULL, flags;
	long na, nb, i = 0, j = 0;
	int ret = 0;

	memset(kb, 0, 3 * sizeof(*kb));
	if (kf < 0)
		return -errno;
	na = resident_pfns(a, kf, &pa);
	nb = na < 0 ? na : resident_pfns(b, kf, &pb);
	if (na < 0 || nb < 0) {
		ret = na < 0 ? na : nb;
		goto out;
	}
	while (i < na && j < nb) {
		if (pa[i] != pb[j]) {
			if (pa[i] < pb[j])
				i++;
			else
				j++;
			continue;
		}
		if (pread(kf, &flags, 8, pa[i] * 8) != 8) {
			ret = -EIO;
			goto out;
		}
		kb[flags & 1ULL << KPF_ANON ? K_ANON :
		   flags & 1ULL << KPF_SWAPBACKED ? K_SHMEM : K_FILE] += PS / 1024;
		i++;
		j++;
	}
out:
	free(pa);
	free(pb);
	close(kf);
	return ret;
}

struct sharing_row {
	pid_t pid;
	uint64_t shared, kind[3];
};

/* The rows of sharing/<pid>: their number (at most @max), or -errno / -EPROTO. */
static int sharing_read(pid_t pid, struct sharing_row *rows, int max)
{
	char path[128], *text, *line, *save;
	int n = 0;

	snprintf(path, sizeof(path), VMACCT_DIR "/sharing/%d", pid);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	line = strtok_r(text, "\n", &save);
	if (!line || strcmp(line, "# pid shared anon_shared file_shared shmem_shared comm"))
		goto bad;
	while ((line = strtok_r(NULL, "\n", &save)) && n < max) {
		struct sharing_row *r = &rows[n];
		char *tsave, *tok = strtok_r(line, " ", &tsave);
		uint64_t v[5];
		int f;

		for (f = 0; f < 5; f++, tok = strtok_r(NULL, " ", &tsave))
			if (!parse_u64(tok, &v[f]))
				goto bad;
		if (!tok || v[1] != v[2] + v[3] + v[4] || !v[1])
			goto bad;
		r->pid = v[0];
		r->shared = v[1];
		memcpy(r->kind, v + 2, sizeof(r->kind));
		n++;
	}
	free(text);
	return n;
bad:
	printf("# %s: not in the documented format\n", path);
	free(text);
	return -EPROTO;
}

/*
 * A group read hands the pages it noted over to its groups with the lock let go (the hand-over
 * allocates, and may sleep), once they might not leave room for another step's: the stats file
 * counts those yields, lock_yields_handover. This process maps 3 * PTRS_PER_PTE pages, every one
 * shared with a forked child and every other one with a second child too (the second child wrote
 * to the others, so they are its own copies): mapcounts 3, 2, 3, 2... break every run, so a walk
 * of this process notes one run per page, more than 2 * PTRS_PER_PTE + 1, and a read of `users`
 * must let go to hand them over at least once. A read of <pid> notes nothing and must not.
 */
TEST(group_read_hands_pages_over_unlocked)
{
	size_t page = vmacct_page_size(), ptrs = page / 8, len = 3 * ptrs * page, i;
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long long before, after_pid, after_users;
	int ready[2], done[2], k;
	char path[64], *text, c;
	pid_t child[2];

	ASSERT_NE(MAP_FAILED, mem);
	/* Small pages: a THP would be one run (a kernel without THP refuses this: EINVAL). */
	ASSERT_TRUE(!madvise(mem, len, MADV_NOHUGEPAGE) || errno == EINVAL);
	memset(mem, 1, len);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	for (k = 0; k < 2; k++) {
		child[k] = fork();
		ASSERT_GE(child[k], 0);
		if (!child[k]) {
			for (i = page; k && i < len; i += 2 * page)
				mem[i] = 2;
			close(done[1]);
			_exit(write(ready[1], "r", 1) != 1 || read(done[0], &c, 1) < 0);
		}
	}
	close(done[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	snprintf(path, sizeof(path), VMACCT_DIR "/%d", getpid());
	before = vmacct_stat("lock_yields_handover");
	text = read_file(path, NULL);
	EXPECT_NE(NULL, text);
	free(text);
	after_pid = vmacct_stat("lock_yields_handover");
	text = read_file(VMACCT_DIR "/users", NULL);
	EXPECT_NE(NULL, text);
	free(text);
	after_users = vmacct_stat("lock_yields_handover");
	printf("# lock_yields_handover: %lld; after a read of <pid> %lld; after a read of users %lld\n",
	       before, after_pid, after_users);
	close(done[1]);
	for (k = 0; k < 2; k++)
		waitpid(child[k], NULL, 0);
	munmap(mem, len);
	EXPECT_LE(0, before);
	EXPECT_EQ(before, after_pid);
	EXPECT_LT(after_pid, after_users);
}

/*
 * sharing/<server>: each worker is listed with exactly the pages both map (the oracle: the
 * intersection of their pagemaps), the copy-on-write heap among them, and every listed process
 * does share that much with the server (compared with the oracle as well).
 */
TEST(sharing_lists_each_worker_as_oracle)
{
	struct server_case *sc = map_shared(sizeof(*sc));
	struct sharing_row rows[64];
	int n = 0, i, w, attempt, bad = 0;
	uint64_t want[3], again[3];
	struct child srv;

	ASSERT_NE(NULL, sc);
	srv = spawn_child(server_child, sc);
	ASSERT_GT(srv.pid, 0);
	EXPECT_EQ(0, sc->err) TH_LOG("setting up the server: %s", strerror(sc->err));
	if (sc->err)
		goto out;
	for (attempt = 0; attempt < ATTEMPTS; attempt++) {
		bad = 0;
		n = sharing_read(srv.pid, rows, ARRAY_SIZE(rows));
		ASSERT_LE(0, n) TH_LOG("sharing/%d: %s", srv.pid, strerror(-n));
		for (w = 0; w < WORKERS; w++) {
			for (i = 0; i < n && rows[i].pid != sc->workers[w]; i++)
				;
			if (i == n) {
				printf("# worker %d not listed\n", sc->workers[w]);
				bad++;
			} else if (rows[i].kind[K_ANON] < HEAP_PAGES * PS / 1024) {
				printf("# worker %d: anon_shared %" PRIu64 " kB, below the heap\n",
				       rows[i].pid, rows[i].kind[K_ANON]);
				bad++;
			}
		}
		for (i = 0; i < n; i++) {
			if (oracle_shared(srv.pid, rows[i].pid, want) ||
			    oracle_shared(srv.pid, rows[i].pid, again) ||
			    memcmp(want, again, sizeof(want)))
				continue;	/* gone, or changing: not comparable */
			if (memcmp(want, rows[i].kind, sizeof(want))) {
				printf("# pid %d: vmacct anon/file/shmem %" PRIu64 "/%" PRIu64 "/%"
				       PRIu64 " kB, oracle %" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
				       rows[i].pid, rows[i].kind[0], rows[i].kind[1],
				       rows[i].kind[2], want[0], want[1], want[2]);
				bad++;
			}
		}
		if (!bad)
			break;
		printf("# reading sharing/%d again\n", srv.pid);
	}
	EXPECT_EQ(0, bad);
	printf("# sharing/%d: %d processes listed\n", srv.pid, n);
out:
	stop_child(&srv);
	munmap(sc, sizeof(*sc));
}

/* --- cgroups --- */

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_OUTER	CG_ROOT "/vmacct-groups"
#define CG_INNER	CG_OUTER "/inner"

/* The row of `cgroups` whose path is @path: 0, -ENOENT, or -EPROTO (not as documented). */
static int cgroup_row_read(const char *path, struct group_row *row, long *current_kb)
{
	char *text = read_file(VMACCT_DIR "/cgroups", NULL), *line, *save, *tok, *tsave;
	int ret = -ENOENT, f;

	if (!text)
		return -errno;
	line = strtok_r(text, "\n", &save);
	tok = line ? strtok_r(line, " ", &tsave) : NULL;
	if (!tok || strcmp(tok, "#") || strcmp(strtok_r(NULL, " ", &tsave) ?: "", "procs"))
		goto bad;
	for (f = 0; f < VG_NR; f++)
		if (strcmp(strtok_r(NULL, " ", &tsave) ?: "", group_field_names[f]))
			goto bad;
	if (strcmp(strtok_r(NULL, " ", &tsave) ?: "", "memory_current") ||
	    strcmp(strtok_r(NULL, " ", &tsave) ?: "", "path"))
		goto bad;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct group_row r = { 0 };
		uint64_t cur = 0;

		if (!parse_u64(strtok_r(line, " ", &tsave), &r.procs))
			goto bad;
		for (f = 0; f < VG_NR; f++)
			if (!parse_u64(strtok_r(NULL, " ", &tsave), &r.v[f]))
				goto bad;
		tok = strtok_r(NULL, " ", &tsave);
		if (!tok || (strcmp(tok, "-") && !parse_u64(tok, &cur)))
			goto bad;
		r.key = strcmp(tok, "-") ? cur : (unsigned long)-1;
		tok = strtok_r(NULL, " ", &tsave);
		if (!tok || strtok_r(NULL, " ", &tsave))
			goto bad;
		if (!strcmp(tok, path)) {
			*row = r;
			*current_kb = (long)r.key;
			ret = 0;
		}
	}
	free(text);
	return ret;
bad:
	printf("# cgroups: not in the documented format\n");
	free(text);
	return -EPROTO;
}

static void cgroups_cleanup(pid_t server, const pid_t *workers)
{
	char pid[16];
	int i;

	for (i = -1; i < WORKERS; i++) {
		if ((i < 0 ? server : workers[i]) <= 0)
			continue;
		snprintf(pid, sizeof(pid), "%d", i < 0 ? server : workers[i]);
		write_file(CG_ROOT "/cgroup.procs", pid);
	}
	rmdir(CG_INNER);
	rmdir(CG_OUTER);
}

/*
 * The server and its workers moved into a cgroup two levels down, with the memory controller:
 * the rows of both levels hold the four processes and equal the oracle of their uid (the same
 * processes) field by field; memory_current is the cgroup's memory.current, read before and after.
 */
TEST(cgroups_nested_as_oracle)
{
	struct server_case *sc = map_shared(sizeof(*sc));
	struct group_row row;
	long cur, before, after;
	struct oracle o;
	struct child srv;
	bool memory;
	char pid[16];
	int i, ret, level, attempt;

	ASSERT_NE(NULL, sc);
	if (access(VMACCT_DIR "/cgroups", F_OK))
		SKIP(return, "no cgroups file: a kernel without CONFIG_CGROUPS");
	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			SKIP(return, "no cgroup2 (%s)", strerror(errno));
	}
	/* Without the memory controller (no CONFIG_MEMCG) the rows have no memory_current. */
	memory = !write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
	rmdir(CG_INNER);
	rmdir(CG_OUTER);
	ASSERT_EQ(0, mkdir(CG_OUTER, 0755));
	if (memory)
		ASSERT_EQ(0, write_file(CG_OUTER "/cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, mkdir(CG_INNER, 0755));
	srv = spawn_child(server_child, sc);
	ASSERT_GT(srv.pid, 0);
	EXPECT_EQ(0, sc->err) TH_LOG("setting up the server: %s", strerror(sc->err));
	if (sc->err)
		goto out;
	for (i = -1; i < WORKERS; i++) {
		snprintf(pid, sizeof(pid), "%d", i < 0 ? srv.pid : sc->workers[i]);
		ret = write_file(CG_INNER "/cgroup.procs", pid);
		EXPECT_EQ(0, ret) TH_LOG("moving %s: %s", pid, strerror(-ret));
	}
	for (level = 0; level < 2; level++) {
		const char *path = level ? "/vmacct-groups/inner" : "/vmacct-groups";
		const char *cg = level ? CG_INNER : CG_OUTER;
		char file[128];

		snprintf(file, sizeof(file), "%s/memory.current", cg);
		for (attempt = 0; attempt < ATTEMPTS; attempt++) {
			struct oracle again;

			before = read_long(file, -1) / 1024;
			ret = oracle_read(SERVER_UID, NULL, &o);
			if (!ret)
				ret = cgroup_row_read(path, &row, &cur);
			if (!ret)
				ret = oracle_read(SERVER_UID, NULL, &again);
			after = read_long(file, -1) / 1024;
			if (ret || !memcmp(&o, &again, sizeof(o)))
				break;
			ret = -EAGAIN;
		}
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", path, strerror(-ret));
		EXPECT_EQ(0, row_vs_oracle(path, &row, &o));
		EXPECT_EQ((uint64_t)1 + WORKERS, row.procs);
		printf("# %s: memory_current %ld kB, memory.current %ld..%ld kB\n", path, cur,
		       before, after);
		if (memory) {
			EXPECT_TRUE(cur >= (before < after ? before : after) &&
				    cur <= (before < after ? after : before));
		} else {
			EXPECT_EQ(-1, cur);
		}
	}
	/* The root's row: every process, and no memory.current (the root has none). */
	ret = cgroup_row_read("/", &row, &cur);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(-1, cur);
	EXPECT_LT((uint64_t)1 + WORKERS, row.procs);
out:
	cgroups_cleanup(srv.pid, sc->workers);
	stop_child(&srv);
	munmap(sc, sizeof(*sc));
}

TEST_HARNESS_MAIN
