// SPDX-License-Identifier: GPL-2.0
/*
 * What the reader derives from the module's numbers: the decomposition of top's SHR error and the
 * sort orders. Kept apart from the formatters so table, JSON and Prometheus agree by construction.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "vmacct.h"

/*
 * top's SHR is statm's shared = RssFile + RssShmem, the kernel's counters. The exact SHARED is
 * anon_shared + file_shared + shmem_shared from the page tables. If the counters matched the page
 * tables, top_shr = file_shared + file_private + shmem_shared + shmem_private, so
 *   top_shr - shared = file_private + shmem_private - anon_shared + drift,
 * where drift is whatever the counters disagree with the page tables by (batched counter updates,
 * a process changing between the two reads).
 */
int64_t vm_shr_error(const uint64_t *f)
{
	return (int64_t)f[VF_TOP_SHR] - (int64_t)f[VF_SHARED];
}

void vm_verdict(const uint64_t *f, struct vm_verdict *v)
{
	v->top_shr = f[VF_TOP_SHR];
	v->shared = f[VF_SHARED];
	v->error = vm_shr_error(f);
	v->file_private = f[VF_FILE_PRIVATE];
	v->shmem_private = f[VF_SHMEM_PRIVATE];
	v->anon_shared = f[VF_ANON_SHARED];
	v->drift = v->error - (v->file_private + v->shmem_private - v->anon_shared);
}

/* What one mapping contributes to top's SHR error (the counters have no per-mapping drift). */
int64_t vm_map_error(const struct vm_map *m)
{
	return (int64_t)m->f[VF_FILE_PRIVATE] + (int64_t)m->f[VF_SHMEM_PRIVATE] -
	       (int64_t)m->f[VF_ANON_SHARED];
}

/*
 * -s and -o accept, in any case: a debugfs field name, top's and the table's column names
 * (VIRT, RES, SHR, SHR_ERR, COMMAND, ...), or pid, user, comm, cmdline.
 */
int vm_sort_key(const char *name)
{
	static const struct { const char *alias; int key; } alias[] = {
		{ "virt", VF_TOP_VIRT }, { "res", VF_TOP_RES }, { "shr", VF_TOP_SHR },
		{ "rss", VF_RESIDENT }, { "pid", VS_PID }, { "comm", VS_COMM },
		{ "command", VS_COMM }, { "user", VS_USER }, { "shr_error", VS_SHR_ERROR },
		{ "shr_err", VS_SHR_ERROR }, { "error", VS_SHR_ERROR }, { "cmdline", VS_CMDLINE },
	};
	size_t i;
	int f;

	for (f = 0; f < VF_NR; f++)
		if (!strcasecmp(name, vm_field_names[f]))
			return f;
	for (i = 0; i < sizeof(alias) / sizeof(*alias); i++)
		if (!strcasecmp(name, alias[i].alias))
			return alias[i].key;
	return -1;
}

static int vm_sort_by;
static bool vm_sort_reverse;

static int vm_cmp_bytes(const struct vm_bytes *a, const struct vm_bytes *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, n);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Sizes sort largest first (what top does), the SHR error by magnitude, names and pids
 * ascending; ties by pid. */
static int vm_cmp_proc(const void *pa, const void *pb)
{
	const struct vm_proc *a = pa, *b = pb;
	int64_t x, y;
	int c = 0;

	switch (vm_sort_by) {
	case VS_PID:
		break;
	case VS_COMM:
		c = vm_cmp_bytes(&a->comm, &b->comm);
		break;
	case VS_CMDLINE:
		c = vm_cmp_bytes(&a->cmdline, &b->cmdline);
		break;
	case VS_USER:
		c = (a->uid > b->uid) - (a->uid < b->uid);
		break;
	case VS_SHR_ERROR:
		/* By magnitude, as -m orders mappings: -384M is a bigger error than +1000K. */
		x = llabs(vm_shr_error(a->f));
		y = llabs(vm_shr_error(b->f));
		c = (x < y) - (x > y);
		break;
	default:
		c = (a->f[vm_sort_by] < b->f[vm_sort_by]) - (a->f[vm_sort_by] > b->f[vm_sort_by]);
	}
	if (!c)
		c = (a->pid > b->pid) - (a->pid < b->pid);
	return vm_sort_reverse ? -c : c;
}

void vm_sort_procs(struct vm_procs *p, const struct vm_opts *o)
{
	vm_sort_by = o->sort_field;
	vm_sort_reverse = o->reverse;
	qsort(p->v, p->n, sizeof(*p->v), vm_cmp_proc);
}

/* -u: names or uids; a name is compared with what the USER column shows. */
int vm_filter_add_users(struct vm_filter *flt, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *w;
	int ret = -1;

	if (!copy)
		return -1;
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		char **nv = realloc(flt->users, (flt->nusers + 1) * sizeof(*nv));

		if (!nv)
			goto out;
		flt->users = nv;
		flt->users[flt->nusers] = strdup(w);
		if (!flt->users[flt->nusers])
			goto out;
		flt->nusers++;
		ret = 0;
	}
out:
	free(copy);
	return ret;
}

int vm_filter_set_regex(struct vm_filter *flt, const char *re)
{
	if (regcomp(&flt->re, re, REG_EXTENDED | REG_NOSUB))
		return -1;
	flt->have_re = true;
	return 0;
}

void vm_filter_free(struct vm_filter *flt)
{
	size_t i;

	for (i = 0; i < flt->nusers; i++)
		free(flt->users[i]);
	free(flt->users);
	free(flt->pids);
	if (flt->have_re)
		regfree(&flt->re);
	memset(flt, 0, sizeof(*flt));
}

static bool vm_user_matches(const struct vm_filter *flt, long uid)
{
	char buf[32], num[32];
	const char *name = vm_user_name(uid, buf, sizeof(buf));
	size_t i;

	snprintf(num, sizeof(num), "%ld", uid);
	for (i = 0; i < flt->nusers; i++)
		if (uid >= 0 && (!strcmp(flt->users[i], name) || !strcmp(flt->users[i], num)))
			return true;
	return false;
}

/* A NUL-free copy for regexec: a name with an escaped NUL cannot occur, a command line can. */
static bool vm_regex_matches(const regex_t *re, const struct vm_bytes *b)
{
	char *s = malloc(b->len + 1);
	size_t i;
	bool m;

	if (!s)
		return false;
	for (i = 0; i < b->len; i++)
		s[i] = b->s[i] ? b->s[i] : ' ';
	s[b->len] = '\0';
	m = !regexec(re, s, 0, NULL, 0);
	free(s);
	return m;
}

static int vm_find_pid(const struct vm_procs *p, int pid)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].pid == pid)
			return i;
	return -1;
}

/*
 * Keep the processes the filters select (-p, -u, -c), reading command lines first when they are
 * shown or matched. A -p pid that has no row is explained (a thread selects its process);
 * returns VM_EXIT_NOPID then, the others are still shown.
 */
int vm_select(const struct vm_source *src, struct vm_procs *p, const struct vm_filter *flt,
	      const struct vm_opts *o)
{
	bool *want = NULL;
	size_t i, n = 0;
	int ret = VM_EXIT_OK;

	bool cmdline = o->cmdline || o->sort_field == VS_CMDLINE;

	for (i = 0; i < o->ncols; i++)
		cmdline |= o->cols[i] == VS_CMDLINE;
	if (cmdline)
		for (i = 0; i < p->n; i++)
			vm_read_cmdline(src, &p->v[i]);
	if (!flt->npids && !flt->nusers && !flt->have_re)
		return VM_EXIT_OK;
	if (flt->npids) {
		want = calloc(p->n ? p->n : 1, sizeof(*want));
		if (!want)
			return VM_EXIT_ERROR;
		for (i = 0; i < flt->npids; i++) {
			int k = vm_find_pid(p, flt->pids[i]), tgid;

			if (k < 0 && vm_pid_kind(src, flt->pids[i], &tgid, NULL, 0) == VM_PID_THREAD &&
			    (k = vm_find_pid(p, tgid)) >= 0)
				fprintf(stderr, "vmacct: %d is a thread of process %d: selecting process "
					"%d\n", flt->pids[i], tgid, tgid);
			if (k < 0)
				ret = vm_explain_nopid(src, flt->pids[i]);
			else
				want[k] = true;
		}
	}
	for (i = 0; i < p->n; i++) {
		struct vm_proc *q = &p->v[i];
		bool keep = (!want || want[i]) && (!flt->nusers || vm_user_matches(flt, q->uid)) &&
			    (!flt->have_re || vm_regex_matches(&flt->re, &q->comm) ||
			     (flt->cmdline && vm_regex_matches(&flt->re, &q->cmdline)));

		if (keep)
			p->v[n++] = *q;
		else
			vm_proc_free(q);
	}
	p->n = n;
	free(want);
	return ret;
}
