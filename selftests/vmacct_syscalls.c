// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded syscall fuzzer of vmacct's files and directories themselves (not of what they count):
 * random open flags (O_PATH, O_DIRECT, O_TMPFILE, write and create modes), read/pread/readv of 0
 * bytes to several MiB at random offsets, lseek with every whence and absurd offsets, mmap, ioctl,
 * poll, splice/sendfile, fstat, getdents64 with tiny buffers and the name-changing calls, as root
 * and, now and then, in a child that setuid()s to 65534 and keeps root's descriptors; meanwhile a
 * churner forks and reaps short-lived processes so that <pid> names appear and vanish, and the
 * automounted directory is now and then left idle until it expires.
 *
 * Every call must succeed or fail with an errno from its allow-list (allowed[] below: what the VFS
 * and seq_file answer for a read-only, immutable file system without create, link, mmap, splice or
 * ioctl), a call that changes a name or opens for writing must never succeed, and version must read
 * the same through read, pread, readv (and splice/sendfile where they work). A failure prints the
 * call, its arguments and how to replay it:
 *   VMACCT_SYSCALLS_SEED=S VMACCT_SYSCALLS_CALLS=N vmacct_syscalls
 * replays the same N calls as long as the same opens succeed (which pids exist at a call depends
 * on the churner, so an open of a pid name may go differently and the sequence part from there). VMACCT_SYSCALLS_SECONDS (default 20) bounds a run without CALLS; the
 * seed defaults to the time and is printed. At the end no descriptor of this program is left open
 * and the automounted directory expires.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "kselftest.h"
#include "vmacct_util.h"

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

#define MiB		(1UL << 20)
#define BUF_SIZE	(6 * MiB)
#define MAX_FDS		16
#define NOBODY		65534

enum op {
	OP_OPEN, OP_CLOSE, OP_READ, OP_PREAD, OP_READV, OP_LSEEK, OP_MMAP, OP_IOCTL, OP_POLL,
	OP_SPLICE, OP_SENDFILE, OP_FSTAT, OP_GETDENTS, OP_LINK, OP_RENAME, OP_UNLINK, OP_MKDIR,
	OP_SYMLINK, OP_NR
};

static const char *const op_names[OP_NR] = {
	"open", "close", "read", "pread", "readv", "lseek", "mmap", "ioctl", "poll", "splice",
	"sendfile", "fstat", "getdents64", "linkat", "renameat", "unlinkat", "mkdirat", "symlinkat",
};

/*
 * What each call may answer, as root. Why each errno:
 *  EPERM   write or truncating opens (vmacct_open_check()), and the immutable inodes and
 *          directories without create/link/unlink/mkdir/symlink/rename/tmpfile operations
 *  EACCES  O_CREAT of a new name (no ->create), mmap of a read-only fd with PROT_WRITE
 *  ENOENT  a pid name whose process is gone, or never existed
 *  ESRCH   a process gone between lookup and open or read (files.c)
 *  EISDIR, ENOTDIR, ENOTEMPTY, EEXIST, EBUSY, EXDEV, ENAMETOOLONG: name and type mismatches
 *  EINVAL  O_DIRECT (no direct I/O), O_TMPFILE without write mode, seq_lseek's other whences and
 *          negative offsets, getdents64 into a buffer too small, splice with no splice_read, a
 *          read whose position plus size overflows (rw_verify_area(): seq_lseek() accepts any
 *          position, and a directory's is INT_MAX at its end)
 *  ENXIO   SEEK_DATA/SEEK_HOLE past a directory's end (generic_file_llseek)
 *  EOPNOTSUPP O_TMPFILE and FS ioctls the file system does not have
 *  EBADF   operations other than close/fstat on O_PATH descriptors
 *  ENODEV  mmap: no ->mmap
 *  ENOTTY  ioctls: none are implemented
 *  EOVERFLOW mmap offsets beyond the file's range; sendfile/splice from a position at or past
 *          s_maxbytes (a directory read to its end)
 *  ENOMEM  mmap of an absurd length
 * The child that setuid()s to 65534 may additionally get EACCES from every path (debugfs is 0700).
 */
#define E(x) ((unsigned __int128)1 << (x))
static const unsigned __int128 allowed[OP_NR] = {
	[OP_OPEN] = E(EPERM) | E(EACCES) | E(ENOENT) | E(ESRCH) | E(EISDIR) | E(ENOTDIR) |
		    E(EEXIST) | E(EINVAL) | E(EOPNOTSUPP) | E(ENAMETOOLONG),
	[OP_CLOSE] = 0,
	[OP_READ] = E(EBADF) | E(EISDIR) | E(ESRCH) | E(EINVAL),
	[OP_PREAD] = E(EBADF) | E(EISDIR) | E(ESRCH) | E(EINVAL),
	[OP_READV] = E(EBADF) | E(EISDIR) | E(ESRCH) | E(EINVAL),
	[OP_LSEEK] = E(EBADF) | E(EINVAL) | E(ENXIO) | E(ESRCH),
	[OP_MMAP] = E(EBADF) | E(ENODEV) | E(EACCES) | E(EINVAL) | E(EOVERFLOW) | E(ENOMEM) |
		    E(EPERM),
	[OP_IOCTL] = E(EBADF) | E(ENOTTY) | E(EINVAL) | E(EOPNOTSUPP) | E(EPERM),
	[OP_POLL] = 0,
	[OP_SPLICE] = E(EBADF) | E(EINVAL) | E(EISDIR) | E(ESRCH) | E(EOVERFLOW),
	[OP_SENDFILE] = E(EBADF) | E(EINVAL) | E(EISDIR) | E(ESRCH) | E(EOVERFLOW),
	[OP_FSTAT] = 0,
	[OP_GETDENTS] = E(EBADF) | E(EINVAL) | E(ENOTDIR),
	[OP_LINK] = E(EPERM) | E(EEXIST) | E(ENOENT) | E(EXDEV) | E(ENAMETOOLONG),
	[OP_RENAME] = E(EPERM) | E(EEXIST) | E(ENOENT) | E(EXDEV) | E(EISDIR) | E(ENOTDIR) |
		      E(EBUSY) | E(EINVAL) | E(ENOTEMPTY) | E(ENAMETOOLONG),
	[OP_UNLINK] = E(EPERM) | E(ENOENT) | E(EISDIR) | E(ENOTDIR) | E(EBUSY) | E(EINVAL) |
		      E(ENOTEMPTY) | E(ENAMETOOLONG),
	[OP_MKDIR] = E(EPERM) | E(EEXIST) | E(ENOENT) | E(ENAMETOOLONG),
	[OP_SYMLINK] = E(EPERM) | E(EEXIST) | E(ENOENT) | E(ENAMETOOLONG),
};

/* Calls that change names must fail, whoever makes them. */
static const bool must_fail[OP_NR] = {
	[OP_LINK] = true, [OP_RENAME] = true, [OP_UNLINK] = true, [OP_MKDIR] = true,
	[OP_SYMLINK] = true,
};

#define NR_ERRNO 140
struct counts {
	unsigned long calls[OP_NR], ok[OP_NR], err[OP_NR][NR_ERRNO];
	unsigned long failures, version_bad, expiries, nobody_runs, nobody_calls, version_checks, splice_ok;
};

/* Shared with the setuid child, which counts into it too. */
static struct counts *cnt;

static struct {
	unsigned long long seed, state;
	unsigned long call;		/* number of the call being made, from 1 */
	bool nobody;
} fz;

/* The pids the churner made last: names that come and go. */
#define RECENT 8
struct churn {
	volatile int pid[RECENT];
	volatile unsigned int n;
	volatile int stop;
};
static struct churn *churn;
static pid_t churner;

static struct held {
	int fd;
	char path[128];
	int flags;
	bool dir;
} held[MAX_FDS];
static int nheld;

static char *buf;
static char version_ref[256];
static size_t version_len;
static char other_file[] = "/tmp/vmacct-syscalls-XXXXXX";

/* splitmix64, as vmacct_fuzz */
static unsigned long long rnd(void)
{
	unsigned long long z = (fz.state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

static bool chance(int percent)
{
	return (int)below(100) < percent;
}

/* A size: 0, small, around a page, up to several MiB. */
static size_t rnd_size(void)
{
	switch (below(6)) {
	case 0: return 0;
	case 1: return 1 + below(16);
	case 2: return 1 + below(4096);
	case 3: return 4096 * (1 + below(16)) - 1 + below(3);
	case 4: return below(BUF_SIZE) + 1;
	default: return BUF_SIZE;
	}
}

/* An offset: 0, small, beyond any file, negative, near the top. */
static long long rnd_offset(void)
{
	switch (below(7)) {
	case 0: return 0;
	case 1: return below(64);
	case 2: return below(1 << 16);
	case 3: return below(64 * MiB);
	case 4: return -(long long)below(1 << 20) - 1;
	case 5: return 0x7fffffffffffffffLL - (long long)below(4096);
	default: return 1LL << (32 + below(30));
	}
}

/* Fails the run: the call, its arguments, the errno and how to replay. */
static __printf(2, 3) void bad(int e, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cnt->failures++;
	if (cnt->failures > 20)
		return;
	ksft_print_msg("%s%s -> %s (%d); replay: VMACCT_SYSCALLS_SEED=%llu VMACCT_SYSCALLS_CALLS=%lu\n",
		       fz.nobody ? "[uid 65534] " : "", what, e ? strerror(e) : "success", e,
		       fz.seed, fz.call);
}

/* Counts a call's result and checks it against the allow-list. @r < 0: failed with errno. */
static __printf(3, 4) void result(enum op op, long r, const char *fmt, ...)
{
	int e = r < 0 ? errno : 0;
	unsigned __int128 ok = allowed[op];
	char what[400];
	va_list ap;

	cnt->calls[op]++;
	if (e == 0)
		cnt->ok[op]++;
	else
		cnt->err[op][e < NR_ERRNO ? e : 0]++;
	if (fz.nobody)
		ok |= E(EACCES);
	if ((e == 0 && !must_fail[op]) || (e > 0 && e < 128 && (ok & E(e))))
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	bad(e, "%s", what);
}

static pid_t recent_pid(void)
{
	unsigned int n = churn->n;
	unsigned long long r = rnd();	/* one draw whatever the churner did: replays match */

	return n ? churn->pid[(n - 1 - r % (n < RECENT ? n : RECENT)) % RECENT] : 1;
}

/* A name in a vmacct directory: fixed ones, live, gone and impossible pids, odd spellings. */
static void rnd_name(char *name, size_t size, bool mutate)
{
	static const char *const fixed[] = {
		"version", "stats", "all", "users", "comms", "cgroups", "maps", "sharing", ".",
		"nonexistent", "0", "0012", "-1", "+1", "4194305", "99999999999",
	};
	unsigned int k = below(ARRAY_SIZE(fixed) + 6);

	if (k < ARRAY_SIZE(fixed)) {
		snprintf(name, size, "%s", fixed[k]);
	} else if (k == ARRAY_SIZE(fixed)) {
		snprintf(name, size, "%d", getpid());
	} else if (k == ARRAY_SIZE(fixed) + 1) {
		snprintf(name, size, "1");
	} else if (k == ARRAY_SIZE(fixed) + 2) {
		snprintf(name, size, "%d", churner);
	} else if (k == ARRAY_SIZE(fixed) + 3 && !mutate) {
		snprintf(name, size, "..");
	} else if (k == ARRAY_SIZE(fixed) + 4) {
		memset(name, '7', size - 1);	/* longer than NAME_MAX */
		name[size - 1] = 0;
	} else {
		snprintf(name, size, "%d", recent_pid());
	}
}

/* A path inside the vmacct directory, into @path (400 bytes). */
static void rnd_path(char *path, bool mutate)
{
	static const char *const dirs[] = { VMACCT_DIR, VMACCT_DIR "/maps", VMACCT_DIR "/sharing" };
	char name[300];

	rnd_name(name, chance(3) ? sizeof(name) : 32, mutate);
	snprintf(path, 400, "%s/%s", dirs[below(3)], name);
}

static void put_fd(int fd, const char *path, int flags)
{
	struct stat st;
	int i;

	if (nheld == MAX_FDS) {
		i = below(MAX_FDS);
		close(held[i].fd);
		held[i] = held[--nheld];
	}
	held[nheld].fd = fd;
	held[nheld].flags = flags;
	held[nheld].dir = !fstat(fd, &st) && S_ISDIR(st.st_mode);
	snprintf(held[nheld].path, sizeof(held[nheld].path), "%.120s", path);
	nheld++;
}

static void close_all(void)
{
	while (nheld)
		close(held[--nheld].fd);
}

static void do_open(void)
{
	static const int extra[] = {
		O_CREAT, O_EXCL, O_TRUNC, O_DIRECT, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_APPEND,
		O_CLOEXEC, O_NOATIME, O_SYNC, O_NOCTTY,
	};
	char path[400];
	int flags, fd, i;

	rnd_path(path, false);
	if (chance(50))
		path[strlen(path) - strlen(strrchr(path, '/'))] = 0;	/* the directory itself */
	flags = below(10) < 7 ? O_RDONLY : (below(2) ? O_WRONLY : O_RDWR);
	for (i = 0; i < (int)ARRAY_SIZE(extra); i++)
		if (chance(12))
			flags |= extra[i];
	if (chance(15))
		flags |= O_PATH;
	if (chance(8))
		flags = (flags & ~O_DIRECTORY & ~O_CREAT) | O_TMPFILE;
	fd = open(path, flags, 0600);
	result(OP_OPEN, fd, "open(\"%s\", %#o)", path, flags);
	if (fd < 0)
		return;
	/* Only reading or path opens may succeed. */
	if (!(flags & O_PATH) && (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY) {
		errno = 0;
		bad(0, "open(\"%s\", %#o) opened for writing", path, flags);
	}
	put_fd(fd, path, flags);
}

static struct held *pick(void)
{
	return nheld ? &held[below(nheld)] : NULL;
}

static void do_close(void)
{
	int i;

	if (!nheld)
		return;
	i = below(nheld);
	result(OP_CLOSE, close(held[i].fd), "close(%d \"%s\")", held[i].fd, held[i].path);
	held[i] = held[--nheld];
}

static void do_read(enum op op, struct held *h)
{
	size_t size = rnd_size();
	long long off = rnd_offset();
	struct iovec iov[8];
	long r;
	int i, n;

	switch (op) {
	case OP_READ:
		r = read(h->fd, buf, size);
		result(op, r, "read(%d \"%s\" %#o, %zu)", h->fd, h->path, h->flags, size);
		break;
	case OP_PREAD:
		r = pread(h->fd, buf, size, off);
		result(op, r, "pread(%d \"%s\" %#o, %zu, %lld)", h->fd, h->path, h->flags, size,
		       off);
		break;
	default:
		n = 1 + below(8);
		for (i = 0; i < n; i++) {
			iov[i].iov_base = buf + below(BUF_SIZE / 2);
			iov[i].iov_len = below(2) ? below(BUF_SIZE / 2) : below(64);
		}
		r = readv(h->fd, iov, n);
		result(op, r, "readv(%d \"%s\" %#o, %d iovecs)", h->fd, h->path, h->flags, n);
	}
}

static void do_lseek(struct held *h)
{
	static const int whence[] = { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE };
	int w = whence[below(ARRAY_SIZE(whence))];
	long long off = rnd_offset();
	long long r = lseek(h->fd, off, w);

	result(OP_LSEEK, r < 0 ? -1 : 0, "lseek(%d \"%s\", %lld, %d)", h->fd, h->path, off, w);
}

static void do_mmap(struct held *h)
{
	size_t len = below(4) ? 4096 * (1 + below(16)) : (below(2) ? 0 : 1ULL << 46);
	int prot = below(8), flags = below(2) ? MAP_PRIVATE : MAP_SHARED;
	long long off = below(3) ? 0 : (rnd_offset() & ~4095LL);
	void *p = mmap(NULL, len, prot, flags, h->fd, off);

	result(OP_MMAP, p == MAP_FAILED ? -1 : 0, "mmap(%zu, prot %d, flags %d, \"%s\", %lld)",
	       len, prot, flags, h->path, off);
	if (p != MAP_FAILED)
		munmap(p, len);
}

static void do_ioctl(struct held *h)
{
	static const unsigned long known[] = {
		FIONREAD, FIOQSIZE, FIGETBSZ, FS_IOC_GETFLAGS, FS_IOC_GETVERSION, FIONBIO,
		FIOCLEX, FIONCLEX, FS_IOC_FIEMAP, TCGETS,
	};
	unsigned long cmd;
	unsigned int type;
	long r;

	memset(buf, 0, 1 << 16);
	if (chance(60)) {
		cmd = known[below(ARRAY_SIZE(known))];
	} else {
		cmd = rnd() & 0xffffffff;
		type = (cmd >> 8) & 0xff;
		/* The generic ones that change state (freeze, clone, ...) are not random. */
		if (type == 'X' || type == 0x94 || type == 'f' || type == 'T' || type == 0x15 ||
		    type == 0x54 || (cmd & 0xffff) == 0x5421 || (cmd & 0xffff) == 0x5452)
			cmd = (cmd & ~0xff00UL) | ('v' << 8);
	}
	r = ioctl(h->fd, cmd, buf);
	result(OP_IOCTL, r, "ioctl(%d \"%s\", %#lx)", h->fd, h->path, cmd);
}

static void do_poll(struct held *h)
{
	struct pollfd p = { .fd = h->fd, .events = POLLIN | POLLOUT | POLLPRI };

	result(OP_POLL, poll(&p, 1, 0), "poll(%d \"%s\")", h->fd, h->path);
}

/* Empties a pipe's read end. */
static void drain(int fd)
{
	while (read(fd, buf, 1 << 16) > 0)
		;
}

static void do_splice(enum op op, struct held *h)
{
	size_t size = below(2) ? 1 + below(4096) : 1 + below(65536);
	loff_t off = below(2) ? 0 : below(1 << 16);
	int p[2];
	long r;

	if (pipe2(p, O_NONBLOCK))
		ksft_exit_fail_msg("pipe2: %s\n", strerror(errno));
	if (op == OP_SPLICE) {
		r = splice(h->fd, below(2) ? &off : NULL, p[1], NULL, size, SPLICE_F_NONBLOCK);
		result(op, r, "splice(%d \"%s\", %zu)", h->fd, h->path, size);
	} else {
		r = sendfile(p[1], h->fd, below(2) ? &off : NULL, size);
		result(op, r, "sendfile(\"%s\", %zu)", h->path, size);
	}
	drain(p[0]);
	close(p[0]);
	close(p[1]);
}

static void do_fstat(struct held *h)
{
	struct stat st;
	int r = fstat(h->fd, &st);

	result(OP_FSTAT, r, "fstat(%d \"%s\")", h->fd, h->path);
	/* Never writable, by anyone (README: 0400 files, 0500 directories); ".." is debugfs's. */
	if (!r && strcmp(h->path + strlen(h->path) - 3, "/..") &&
	    (st.st_mode & 0222 || st.st_uid != 0)) {
		errno = 0;
		bad(0, "fstat(\"%s\"): mode %o uid %u", h->path, st.st_mode, st.st_uid);
	}
}

static void do_getdents(struct held *h)
{
	size_t size = below(2) ? below(64) : below(4096);
	long r, n = 0;

	do {
		r = syscall(SYS_getdents64, h->fd, buf, size);
		n++;
	} while (r > 0 && n < 10000);
	result(OP_GETDENTS, r, "getdents64(%d \"%s\", %zu)", h->fd, h->path, size);
}

/* Whether two paths name one inode: renaming a name onto itself succeeds and does nothing. */
static bool same_inode(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void do_mutate(enum op op)
{
	char a[400], b[400];
	int r;

	rnd_path(a, true);
	rnd_path(b, true);
	if (chance(20))
		snprintf(b, sizeof(b), "%s", other_file);	/* another file system */
	switch (op) {
	case OP_LINK:
		if (chance(50))
			r = linkat(AT_FDCWD, a, AT_FDCWD, b, 0);
		else
			r = linkat(AT_FDCWD, b, AT_FDCWD, a, 0);
		break;
	case OP_RENAME:
		if (chance(30))
			r = syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE);
		else
			r = renameat(AT_FDCWD, a, AT_FDCWD, b);
		break;
	case OP_UNLINK:
		r = unlinkat(AT_FDCWD, a, chance(50) ? AT_REMOVEDIR : 0);
		break;
	case OP_MKDIR:
		r = mkdirat(AT_FDCWD, a, 0700);
		break;
	default:
		r = symlinkat(b, AT_FDCWD, a);
		break;
	}
	if (op == OP_RENAME && !r && same_inode(a, b)) {
		cnt->calls[op]++;
		cnt->ok[op]++;
		return;
	}
	result(op, r, "%s(\"%s\", \"%s\")", op_names[op], a, b);
}

/* A failed comparison of version's text: a failure of its own result too. */
#define version_bad(...)			\
	do {					\
		cnt->version_bad++;		\
		bad(__VA_ARGS__);		\
	} while (0)

/* version read through every way there is must be the same text. */
static void check_version(void)
{
	char got[256];
	struct iovec iov[3];
	loff_t off = 0;
	int fd, p[2];
	ssize_t r;
	size_t n = 0;

	fd = open(VMACCT_DIR "/version", O_RDONLY);
	if (fz.nobody) {
		/* debugfs is 0700: another user never gets there */
		if (fd >= 0 || errno != EACCES)
			bad(fd < 0 ? errno : 0, "open(version) as uid %d", NOBODY);
		if (fd >= 0)
			close(fd);
		return;
	}
	cnt->version_checks++;
	if (fd < 0) {
		bad(errno, "open(version)");
		return;
	}
	/* read, in random small pieces */
	while (n < sizeof(got) && (r = read(fd, got + n, 1 + below(8))) > 0)
		n += r;
	if (n != version_len || memcmp(got, version_ref, n))
		version_bad(0, "version by read(): %zu bytes, not the %zu of the first read", n,
			    version_len);
	/* pread at a random offset */
	off = below(version_len + 1);
	r = pread(fd, got, sizeof(got), off);
	if (r != (ssize_t)(version_len - off) || memcmp(got, version_ref + off, r))
		version_bad(r < 0 ? errno : 0, "version by pread(%lld): %zd bytes", (long long)off, r);
	/* readv in three pieces */
	lseek(fd, 0, SEEK_SET);
	iov[0] = (struct iovec){ got, 1 };
	iov[1] = (struct iovec){ got + 1, 2 };
	iov[2] = (struct iovec){ got + 3, sizeof(got) - 3 };
	r = readv(fd, iov, 3);
	if (r != (ssize_t)version_len || memcmp(got, version_ref, r))
		version_bad(r < 0 ? errno : 0, "version by readv(): %zd bytes", r);
	/* splice and sendfile: identical when the kernel splices these files, else EINVAL */
	if (pipe(p))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	off = 0;
	r = below(2) ? splice(fd, &off, p[1], NULL, sizeof(got), 0) :
		       sendfile(p[1], fd, &off, sizeof(got));
	if (r >= 0) {
		cnt->splice_ok++;
		if (r != (ssize_t)version_len || read(p[0], got, r) != r ||
		    memcmp(got, version_ref, r))
			version_bad(0, "version by splice/sendfile: %zd bytes differ", r);
	} else if (errno != EINVAL) {
		bad(errno, "splice/sendfile(version)");
	}
	close(p[0]);
	close(p[1]);
	close(fd);
}

/* Lets the automounted directory expire: nothing open in it, idle past two periods (0.2 s). */
static void expire(void)
{
	struct timespec ts = { 0, 300 * 1000 * 1000 };

	close_all();
	nanosleep(&ts, NULL);
	cnt->expiries++;
}

static void one_call(void)
{
	struct held *h;
	int k = below(100);

	fz.call++;
	if (k < 14 || !nheld) {
		do_open();
		return;
	}
	if (k < 20) {
		do_close();
		return;
	}
	if (k < 29) {
		do_mutate(OP_LINK + below(5));
		return;
	}
	h = pick();
	switch (k) {
	case 29 ... 40: do_read(OP_READ, h); break;
	case 41 ... 50: do_read(OP_PREAD, h); break;
	case 51 ... 56: do_read(OP_READV, h); break;
	case 57 ... 64: do_lseek(h); break;
	case 65 ... 68: do_mmap(h); break;
	case 69 ... 74: do_ioctl(h); break;
	case 75 ... 77: do_poll(h); break;
	case 78 ... 81: do_splice(OP_SPLICE, h); break;
	case 82 ... 84: do_splice(OP_SENDFILE, h); break;
	case 85 ... 88: do_fstat(h); break;
	case 89 ... 95: do_getdents(h); break;
	case 96 ... 97: check_version(); break;
	default:
		if (!fz.nobody && chance(25))
			expire();
		else
			do_close();
	}
}

/*
 * The same calls as another user, on root's descriptors (inherited, as a privileged monitor might
 * pass them on) and by path: @calls of them, then exit. Its counts land in the shared *cnt.
 */
static void run_nobody(unsigned long calls)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)) {
			bad(errno, "setuid(%d)", NOBODY);
			_exit(1);
		}
		fz.nobody = true;
		while (calls--) {
			cnt->nobody_calls++;
			one_call();
		}
		close_all();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	cnt->nobody_runs++;
	/* Its calls took numbers from this sequence: skip them here too, so a replay matches. */
	fz.call += calls;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = 0;
		bad(0, "the uid %d child ended with status %#x", NOBODY, status);
	}
}

/* Forks short-lived processes until told to stop: <pid> names that appear and vanish. */
static void churn_loop(void)
{
	struct timespec ts;
	unsigned int i = 0;

	while (!churn->stop) {
		pid_t pid = fork();

		if (!pid) {
			ts = (struct timespec){ 0, (i % 7) * 3 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			_exit(0);
		}
		if (pid > 0) {
			churn->pid[churn->n % RECENT] = pid;
			churn->n++;
			waitpid(pid, NULL, 0);
		}
		ts = (struct timespec){ 0, (i++ % 5) * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	_exit(0);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the one opendir() holds */
}

/* Whether the vmacct file system is mounted (the automount has not expired). */
static bool vmacct_mounted(void)
{
	char *text = read_file("/proc/self/mountinfo", NULL);
	bool mounted = text && strstr(text, " vmacctfs ");

	free(text);
	return mounted;
}

static void print_counts(void)
{
	char line[1024];
	int op, e, n;

	for (op = 0; op < OP_NR; op++) {
		if (!cnt->calls[op])
			continue;
		n = snprintf(line, sizeof(line), "%-10s %6lu calls: ok %lu", op_names[op],
			     cnt->calls[op], cnt->ok[op]);
		for (e = 0; e < NR_ERRNO; e++)
			if (cnt->err[op][e] && n < (int)sizeof(line) - 40)
				n += snprintf(line + n, sizeof(line) - n, ", %s %lu",
					      e ? strerrorname_np(e) ?: "?" : "other",
					      cnt->err[op][e]);
		ksft_print_msg("%s\n", line);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	const char *s = getenv("VMACCT_SYSCALLS_SEED");
	double seconds = atof(getenv("VMACCT_SYSCALLS_SECONDS") ?: "20"), t0;
	unsigned long calls = strtoul(getenv("VMACCT_SYSCALLS_CALLS") ?: "0", NULL, 0);
	int fds0, fds1, fd, i;
	char *v;

	vmacct_ksft_start(VMACCT_DIR "/version", 4);
	v = read_file(VMACCT_DIR "/version", &version_len);
	if (!v)
		ksft_exit_fail_msg("%s/version: %s\n", VMACCT_DIR, strerror(errno));
	if (version_len >= sizeof(version_ref))
		ksft_exit_fail_msg("version is %zu bytes\n", version_len);
	memcpy(version_ref, v, version_len);
	free(v);

	fz.seed = s ? strtoull(s, NULL, 0) : (unsigned long long)time(NULL);
	fz.state = fz.seed;
	ksft_print_msg("seed %llu (VMACCT_SYSCALLS_SEED), %s\n", fz.seed,
		       calls ? "a fixed number of calls" : "time-bound (VMACCT_SYSCALLS_SECONDS)");
	buf = malloc(BUF_SIZE);
	cnt = map_shared(sizeof(*cnt));
	churn = map_shared(sizeof(*churn));
	if (!buf || !cnt || !churn)
		ksft_exit_fail_msg("out of memory\n");
	fd = mkstemp(other_file);
	if (fd < 0)
		ksft_exit_fail_msg("mkstemp: %s\n", strerror(errno));
	close(fd);
	fds0 = count_fds();

	churner = fork();
	if (!churner)
		churn_loop();
	t0 = now();
	for (i = 0; calls ? fz.call < calls : now() - t0 < seconds; i++) {
		if (!(i % 500) && i) {
			unsigned long n = 50 + below(150);

			if (calls && fz.call + n > calls)
				n = calls - fz.call;
			run_nobody(n);
		} else {
			one_call();
		}
	}
	close_all();
	churn->stop = 1;
	waitpid(churner, NULL, 0);
	unlink(other_file);

	print_counts();
	ksft_print_msg("%lu calls in %.1f s, %lu of them as uid %d in %lu runs, %lu expiries, %lu version checks (%lu spliced), %u churned processes\n",
		       fz.call, now() - t0, cnt->nobody_calls, NOBODY,
		       cnt->nobody_runs, cnt->expiries, cnt->version_checks, cnt->splice_ok,
		       churn->n);
	ksft_test_result(!cnt->failures, "%lu calls, each answered as allowed (seed %llu)\n",
			 fz.call, fz.seed);
	ksft_test_result(cnt->version_checks > 0 && !cnt->version_bad,
			 "version reads the same by read, pread, readv and splice/sendfile (%lu checks)\n",
			 cnt->version_checks);
	fds1 = count_fds();
	ksft_test_result(fds1 == fds0, "no descriptor left open (%d before, %d after)\n", fds0,
			 fds1);
	/* Nothing of ours holds the directory: it expires within 0.2 s; 30 s is the margin. */
	for (i = 0; i < 300 && vmacct_mounted(); i++)
		usleep(100 * 1000);
	ksft_test_result(!vmacct_mounted(), "the automounted directory expires afterwards\n");
	ksft_finished();
}
