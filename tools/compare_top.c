// SPDX-License-Identifier: GPL-2.0
/*
 * --compare-top: run the real procps top in batch mode for the pids concerned, parse the VIRT,
 * RES and SHR it printed, and put them beside the kernel counters top reads (top_*, from statm)
 * and the exact values from the page tables. This answers "how accurate is top's SHR" with top
 * itself, including its rounding, instead of a re-reading of statm.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmacct.h"

#define TOP_MAX_PIDS 20		/* top -p takes at most 20 pids */

/*
 * A memory cell of top: plain KiB ("39316"), or scaled with one suffix and usually a fraction
 * ("38.4m", "1.2g") when the number does not fit the column or the user chose a larger unit.
 * *step is the precision of what was printed (one unit of the last digit), in kB.
 */
int vm_top_parse_size(const char *s, uint64_t *kb, uint64_t *step)
{
	uint64_t mant = 0, div = 1, mult = 1;
	bool dot = false, digits = false;
	const char *p;

	for (p = s; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (mant > UINT64_MAX / 100)
				return -1;
			mant = mant * 10 + (*p - '0');
			if (dot)
				div *= 10;
			digits = true;
		} else if (*p == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!digits)
		return -1;
	if (*p) {
		switch (tolower((unsigned char)*p)) {
		case 'k':
			mult = 1;
			break;
		case 'm':
			mult = 1024;
			break;
		case 'g':
			mult = 1024ULL * 1024;
			break;
		case 't':
			mult = 1024ULL * 1024 * 1024;
			break;
		case 'p':
			mult = 1024ULL * 1024 * 1024 * 1024;
			break;
		case 'e':
			mult = 1024ULL * 1024 * 1024 * 1024 * 1024;
			break;
		default:
			return -1;
		}
		if (p[1])
			return -1;
	}
	if (mant > UINT64_MAX / mult)
		return -1;
	*kb = (mant * mult + div / 2) / div;
	*step = mult / div ? mult / div : 1;
	return 0;
}

/* Whitespace-separated words of a line; top's columns hold no blanks except COMMAND, last. */
static size_t vm_words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

/* Find the task header (PID ... VIRT RES SHR ...) by name: the user's toprc may reorder it. */
int vm_top_parse(const char *text, struct vm_top_row **rows, size_t *n)
{
	char *copy = strdup(text), *line, *save = NULL, *w[64];
	int ipid = -1, ivirt = -1, ires = -1, ishr = -1;
	size_t cap = 0, nw, i;
	struct vm_top_row *v = NULL;

	*rows = NULL;
	*n = 0;
	if (!copy)
		return -1;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		nw = vm_words(line, w, 64);
		if (ipid < 0) {
			for (i = 0; i < nw; i++) {
				if (!strcmp(w[i], "PID"))
					ipid = i;
				else if (!strcmp(w[i], "VIRT"))
					ivirt = i;
				else if (!strcmp(w[i], "RES"))
					ires = i;
				else if (!strcmp(w[i], "SHR"))
					ishr = i;
			}
			if (ipid >= 0 && (ivirt < 0 || ires < 0 || ishr < 0))
				goto bad;	/* a task header without the columns we need */
			continue;
		}
		if (nw <= (size_t)ipid || nw <= (size_t)ivirt || nw <= (size_t)ires ||
		    nw <= (size_t)ishr)
			goto bad;
		if (cap == *n) {
			struct vm_top_row *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto bad;
			v = nv;
		}
		{
			struct vm_top_row *r = &v[*n];
			char *end;
			long pid;

			errno = 0;
			pid = strtol(w[ipid], &end, 10);
			if (errno || *end || pid <= 0 ||
			    vm_top_parse_size(w[ivirt], &r->virt, &r->virt_step) ||
			    vm_top_parse_size(w[ires], &r->res, &r->res_step) ||
			    vm_top_parse_size(w[ishr], &r->shr, &r->shr_step))
				goto bad;
			r->pid = pid;
			(*n)++;
		}
	}
	free(copy);
	if (ipid < 0) {
		free(v);
		*n = 0;
		return -1;
	}
	*rows = v;
	return 0;
bad:
	free(copy);
	free(v);
	*n = 0;
	return -1;
}

/* Run top and return what it printed. The top binary is looked up in PATH (VMACCT_TOP overrides). */
static int vm_run_top(const int *pids, size_t npids, char **out)
{
	const char *top = getenv("VMACCT_TOP") ? getenv("VMACCT_TOP") : "top";
	char pidlist[TOP_MAX_PIDS * 12 + 1] = "", *buf = NULL;
	size_t len = 0, cap = 0, i;
	int pfd[2], status;
	pid_t child;
	ssize_t r;

	for (i = 0; i < npids; i++)
		snprintf(pidlist + strlen(pidlist), sizeof(pidlist) - strlen(pidlist), "%s%d",
			 i ? "," : "", pids[i]);
	if (pipe(pfd) < 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (!child) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		/*
		 * -e k: memory in KiB, top's finest unit (it still scales a number that does not fit
		 * its column); -w 512: no truncated lines in batch mode.
		 */
		execlp(top, top, "-b", "-n", "1", "-w", "512", "-e", "k", "-p", pidlist, (char *)NULL);
		fprintf(stderr, "vmacct: cannot run %s: %s; --compare-top needs procps top "
			"(apt-get install procps)\n", top, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		r = read(pfd[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	close(pfd[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!buf || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFEXITED(status) && WEXITSTATUS(status) != 127)
			fprintf(stderr, "vmacct: %s -b -n 1 -p %s failed (exit %d)\n", top, pidlist,
				WEXITSTATUS(status));
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static void vm_cmp_line(FILE *f, const char *col, const struct vm_top_row *t, uint64_t top_kb,
			uint64_t step, uint64_t counter, const char *exact_name, uint64_t exact)
{
	char printed[48], diff[48];
	int64_t d = (int64_t)top_kb - (int64_t)exact;

	if (t)
		snprintf(printed, sizeof(printed), "%" PRIu64 " kB%s", top_kb, step > 1 ? " ~" : "");
	else
		snprintf(printed, sizeof(printed), "-");
	if (t && exact)
		snprintf(diff, sizeof(diff), "%+" PRId64 " kB (%+.1f%%)", d, 100.0 * d / exact);
	else if (t)
		snprintf(diff, sizeof(diff), "%+" PRId64 " kB", d);
	else
		snprintf(diff, sizeof(diff), "-");
	fprintf(f, "  %-4s %14s %14" PRIu64 " kB   %-8s %12" PRIu64 " kB   %s\n", col, printed,
		counter, exact_name, exact, diff);
}

int vm_compare_top(FILE *f, const struct vm_source *src, const int *pids, size_t npids,
		   const struct vm_opts *o)
{
	struct vm_proc *p = calloc(npids ? npids : 1, sizeof(*p));
	struct vm_top_row *rows = NULL;
	size_t nrows = 0, i, j, done;
	int ret = VM_EXIT_OK, r;
	char *text;

	(void)o;
	if (!p)
		return VM_EXIT_ERROR;
	for (i = 0; i < npids; i++) {
		r = vm_read_pid(src, pids[i], &p[i]);
		if (r) {
			ret = r;
			goto out;
		}
	}
	for (done = 0; done < npids; done += TOP_MAX_PIDS) {
		size_t chunk = npids - done < TOP_MAX_PIDS ? npids - done : TOP_MAX_PIDS;
		struct vm_top_row *more, *nr;
		size_t nmore;

		if (vm_run_top(pids + done, chunk, &text)) {
			ret = VM_EXIT_TOP;
			goto out;
		}
		r = vm_top_parse(text, &more, &nmore);
		if (r) {
			fprintf(stderr, "vmacct: cannot find PID, VIRT, RES and SHR in top's output:\n%s",
				text);
			free(text);
			ret = VM_EXIT_TOP;
			goto out;
		}
		free(text);
		nr = realloc(rows, (nrows + nmore + 1) * sizeof(*rows));
		if (!nr) {
			free(more);
			ret = VM_EXIT_ERROR;
			goto out;
		}
		rows = nr;
		memcpy(rows + nrows, more, nmore * sizeof(*rows));
		nrows += nmore;
		free(more);
	}
	for (i = 0; i < npids; i++) {
		const struct vm_top_row *t = NULL;
		struct vm_verdict v;
		char b[32];

		for (j = 0; j < nrows; j++)
			if (rows[j].pid == p[i].pid)
				t = &rows[j];
		fprintf(f, "%sPID %d  COMMAND ", i ? "\n" : "", p[i].pid);
		vm_put_table_text(f, &p[i].comm, 0);
		fprintf(f, "\n  %-4s %14s %17s   %-8s %15s   %s\n", "", "top printed",
			"counters (top_*)", "exact", "", "top - exact");
		vm_cmp_line(f, "VIRT", t, t ? t->virt : 0, t ? t->virt_step : 0, p[i].f[VF_TOP_VIRT],
			    "mapped", p[i].f[VF_MAPPED]);
		vm_cmp_line(f, "RES", t, t ? t->res : 0, t ? t->res_step : 0, p[i].f[VF_TOP_RES],
			    "resident", p[i].f[VF_RESIDENT]);
		vm_cmp_line(f, "SHR", t, t ? t->shr : 0, t ? t->shr_step : 0, p[i].f[VF_TOP_SHR],
			    "shared", p[i].f[VF_SHARED]);
		if (!t) {
			fprintf(f, "  top did not list this process (it exited?)\n");
			ret = VM_EXIT_NOPID;
			continue;
		}
		if (t->virt_step > 1 || t->res_step > 1 || t->shr_step > 1)
			fprintf(f, "  ~ top printed a scaled number: precision %" PRIu64 " kB\n",
				t->shr_step > t->res_step ? t->shr_step : t->res_step);
		vm_verdict(p[i].f, &v);
		vm_human(b, sizeof(b), (int64_t)t->shr - v.shared, true, false);
		fprintf(f, "  top's SHR is off by %s: file_private %" PRId64 " kB + shmem_private %"
			PRId64 " kB - anon_shared %" PRId64 " kB + counter drift %" PRId64 " kB%s\n",
			b, v.file_private, v.shmem_private, v.anon_shared,
			(int64_t)t->shr - v.shared - (v.file_private + v.shmem_private - v.anon_shared),
			" (drift includes top's rounding and changes between top's read and ours)");
	}
out:
	for (i = 0; i < npids; i++)
		vm_proc_free(&p[i]);
	free(p);
	free(rows);
	return ret;
}
