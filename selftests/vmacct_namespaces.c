// SPDX-License-Identifier: GPL-2.0
/*
 * vmacct's files from inside containers, against the kernel's own rule for the same question:
 * whoever may not read /proc/<pid>/smaps of a process (ptrace_may_access(), mm_access()) must not
 * read its <pid>, maps/<pid> or sharing/<pid> either, nor all, users or comms, which show every
 * process. Each reader runs in a new pid namespace (debugfs is visible there: same mount
 * namespace), as
 *   - root of the initial user namespace: reads everything, like smaps;
 *   - root of a user namespace whose uid 0 is 65534 outside: debugfs (0700) refuses it everything;
 *   - root of a user namespace whose uid 0 is the initial 0: its fsuid passes the 0400 mode, but it
 *     may not read smaps of processes outside its namespace, and vmacct must refuse it too;
 *   - uid 0 without capabilities: the same.
 * For each, its own process and pid 1 are tried through vmacct and smaps and the errnos compared:
 * vmacct never allows what smaps refuses; it refuses a reader's own process too, unless the reader
 * has CAP_SYS_PTRACE over the initial user namespace (module/files.c says why).
 * And pids are those of the initial pid namespace: vmacct/1 read from inside a pid namespace,
 * where the reader itself is pid 1, is the machine's init.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "kselftest.h"
#include "vmacct_util.h"

#define COMM	"vmacct-ns"

enum ctx { CTX_ROOT, CTX_USERNS_NOBODY, CTX_USERNS_ROOT, CTX_NOCAPS, CTX_NR };

static const char *const ctx_names[CTX_NR] = {
	"root in a pid namespace",
	"user namespace root mapped to 65534",
	"user namespace root mapped to the initial 0",
	"uid 0 without capabilities",
};

enum kind { K_PID, K_MAPS, K_SHARING, K_NR };
static const char *const kind_dirs[K_NR] = { "", "maps/", "sharing/" };

/* What the reader saw, in memory shared with the test. errno values, 0 = read. */
struct probe {
	int setup_err;			/* unshare/setuid/capset failed: errno */
	int done;
	int vm[2][K_NR];		/* [self, pid 1][kind] */
	int smaps[2];
	int all, users, comms, version;
	pid_t ns_pid;			/* getpid() inside */
	pid_t self;			/* its pid in the initial namespace (/proc/self) */
	int one_pid, self_pid;		/* the pid: lines of vmacct/1 and vmacct/<self> */
	char one_comm[32], self_comm[32];
};

/* 0 when @path opens and reads, else the errno. */
static int try_read(const char *path)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY), e = 0;

	if (fd < 0)
		return errno;
	if (read(fd, buf, sizeof(buf)) < 0)
		e = errno;
	close(fd);
	return e;
}

/* The pid: and comm: lines of a <pid> file. */
static void read_summary(const char *path, int *pid, char comm[32])
{
	char *text = read_file(path, NULL), *c;

	*pid = -1;
	comm[0] = 0;
	if (!text)
		return;
	if (!strncmp(text, "pid: ", 5))
		*pid = atoi(text + 5);
	c = strstr(text, "\ncomm: ");
	if (c)
		sscanf(c + 7, "%31s", comm);
	free(text);
}

static int drop_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return syscall(SYS_capset, &h, d);
}

/* The reader, pid 1 of its pid namespace. */
static void probe(enum ctx c, struct probe *p)
{
	char path[128], link[32];
	pid_t t;
	int i, k;

	if (c == CTX_USERNS_NOBODY || c == CTX_USERNS_ROOT) {
		if (setresgid(0, 0, 0) || setresuid(0, 0, 0)) {
			p->setup_err = errno;
			return;
		}
	}
	if (c == CTX_NOCAPS && drop_caps()) {
		p->setup_err = errno;
		return;
	}
	prctl(PR_SET_NAME, COMM, 0, 0, 0);
	p->ns_pid = getpid();
	/* /proc is the initial namespace's: /proc/self names this process by its pid there. */
	memset(link, 0, sizeof(link));
	if (readlink("/proc/self", link, sizeof(link) - 1) < 0) {
		p->setup_err = errno;
		return;
	}
	p->self = atoi(link);
	for (i = 0; i < 2; i++) {
		t = i ? 1 : p->self;
		for (k = 0; k < K_NR; k++) {
			snprintf(path, sizeof(path), VMACCT_DIR "/%s%d", kind_dirs[k], t);
			p->vm[i][k] = try_read(path);
		}
		snprintf(path, sizeof(path), "/proc/%d/smaps", t);
		p->smaps[i] = try_read(path);
	}
	p->all = try_read(VMACCT_DIR "/all");
	p->users = try_read(VMACCT_DIR "/users");
	p->comms = try_read(VMACCT_DIR "/comms");
	p->version = try_read(VMACCT_DIR "/version");
	read_summary(VMACCT_DIR "/1", &p->one_pid, p->one_comm);
	snprintf(path, sizeof(path), VMACCT_DIR "/%d", p->self);
	read_summary(path, &p->self_pid, p->self_comm);
	p->done = 1;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return r;
}

/*
 * Runs probe() in context @c: a child unshares (a pid namespace, and a user namespace whose maps
 * this process writes), and its child, pid 1 there, probes.
 */
static void run(enum ctx c, struct probe *p)
{
	int up[2], down[2], st;
	bool userns = c == CTX_USERNS_NOBODY || c == CTX_USERNS_ROOT;
	char path[64], map[32], b = 0;
	pid_t mid;

	memset(p, 0, sizeof(*p));
	if (pipe(up) || pipe(down))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	mid = fork();
	if (mid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!mid) {
		pid_t g;

		if (unshare(CLONE_NEWPID | (userns ? CLONE_NEWUSER : 0))) {
			p->setup_err = errno;
			b = 1;
		}
		if (write(up[1], &b, 1) != 1 || b || read(down[0], &b, 1) != 1 || b)
			_exit(0);
		g = fork();
		if (!g) {
			probe(c, p);
			_exit(0);
		}
		waitpid(g, NULL, 0);
		_exit(0);
	}
	if (read(up[0], &b, 1) != 1)
		b = 1;
	if (!b && userns) {
		snprintf(map, sizeof(map), "0 %d 1", c == CTX_USERNS_ROOT ? 0 : 65534);
		snprintf(path, sizeof(path), "/proc/%d/setgroups", mid);
		if (write_str(path, "deny"))
			b = 1;
		snprintf(path, sizeof(path), "/proc/%d/uid_map", mid);
		if (write_str(path, map))
			b = 1;
		snprintf(path, sizeof(path), "/proc/%d/gid_map", mid);
		if (write_str(path, map))
			b = 1;
		if (b)
			p->setup_err = errno;
	}
	if (write(down[1], &b, 1) != 1)
		ksft_exit_fail_msg("pipe write: %s\n", strerror(errno));
	waitpid(mid, &st, 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

static const char *err_name(int e)
{
	return e ? strerrorname_np(e) ?: "?" : "read";
}

/*
 * One context's result: what it got against what it should get (@want_vm for vmacct's per-pid
 * files and all/users/comms, @want_self_smaps, @want_version), and never vmacct without smaps.
 */
static void check(enum ctx c, const struct probe *p, int want_vm, int want_version)
{
	static const char *const who[2] = { "itself", "pid 1" };
	int i, k, bad = 0;

	if (p->setup_err || !p->done) {
		ksft_test_result_skip("%s: cannot set up (%s)\n", ctx_names[c],
				      p->setup_err ? strerror(p->setup_err) : "the reader died");
		return;
	}
	for (i = 0; i < 2; i++) {
		ksft_print_msg("%s, %s: smaps %s; vmacct <pid> %s, maps %s, sharing %s\n",
			       ctx_names[c], who[i], err_name(p->smaps[i]), err_name(p->vm[i][K_PID]),
			       err_name(p->vm[i][K_MAPS]), err_name(p->vm[i][K_SHARING]));
		for (k = 0; k < K_NR; k++) {
			/* The anchor: never more than smaps. */
			if (!p->vm[i][k] && p->smaps[i]) {
				ksft_print_msg("  %s%s read although smaps refuses it\n", kind_dirs[k],
					       who[i]);
				bad++;
			}
			if (p->vm[i][k] != want_vm) {
				ksft_print_msg("  %s%s: %s, expected %s\n", kind_dirs[k], who[i],
					       err_name(p->vm[i][k]), err_name(want_vm));
				bad++;
			}
		}
	}
	/* Itself is always readable through smaps; pid 1 only for the capable root. */
	if (p->smaps[0] || (p->smaps[1] != 0) != (c != CTX_ROOT)) {
		ksft_print_msg("  smaps: itself %s, pid 1 %s: not the setup wanted\n",
			       err_name(p->smaps[0]), err_name(p->smaps[1]));
		bad++;
	}
	ksft_print_msg("%s: all %s, users %s, comms %s, version %s\n", ctx_names[c],
		       err_name(p->all), err_name(p->users), err_name(p->comms),
		       err_name(p->version));
	if (p->all != want_vm || p->users != want_vm || p->comms != want_vm ||
	    p->version != want_version)
		bad++;
	ksft_test_result(!bad, "%s: vmacct %s, smaps of pid 1 %s\n", ctx_names[c],
			 err_name(want_vm), err_name(p->smaps[1]));
}

int main(void)
{
	struct probe *p;
	char init_comm[32] = "";
	char *text;

	vmacct_ksft_start(VMACCT_DIR "/version", CTX_NR + 1);
	p = map_shared(sizeof(*p));
	if (!p)
		ksft_exit_fail_msg("out of memory\n");
	text = read_file("/proc/1/comm", NULL);
	if (text)
		sscanf(text, "%31s", init_comm);
	free(text);

	run(CTX_ROOT, p);
	if (p->setup_err || !p->done) {
		ksft_test_result_skip("pid namespace: cannot set up (%s)\n", strerror(p->setup_err));
	} else {
		ksft_print_msg("inside: getpid() %d; vmacct/1: pid %d comm %s (init: %s); vmacct/%d: pid %d comm %s\n",
			       p->ns_pid, p->one_pid, p->one_comm, init_comm, p->self,
			       p->self_pid, p->self_comm);
		ksft_test_result(p->ns_pid == 1 && p->self != 1 && p->one_pid == 1 &&
				 !strcmp(p->one_comm, init_comm) && strcmp(init_comm, COMM) &&
				 p->self_pid == p->self && !strcmp(p->self_comm, COMM),
				 "pids are the initial namespace's: vmacct/1 from inside is init, the reader is vmacct/%d\n",
				 p->self);
	}
	check(CTX_ROOT, p, 0, 0);
	run(CTX_USERNS_NOBODY, p);
	check(CTX_USERNS_NOBODY, p, EACCES, EACCES);
	run(CTX_USERNS_ROOT, p);
	check(CTX_USERNS_ROOT, p, EACCES, 0);
	run(CTX_NOCAPS, p);
	check(CTX_NOCAPS, p, EACCES, 0);
	ksft_finished();
}
