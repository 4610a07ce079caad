// SPDX-License-Identifier: GPL-2.0
/*
 * Without root the module's files cannot be read (0400, root only). Rather than only exiting 4,
 * the table shows the user's own processes from what procfs lets their owner read: smaps_rollup
 * (the kernel's own walk, whose keys the module's fields are defined against, README "The
 * numbers") and statm (top's counters). What smaps does not split is marked unavailable: the
 * anon/file/shmem parts of shared and private, zero, and ksm where the kernel has no KSM line.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmacct.h"

static bool vm_rollup(const char *proc, int pid, struct vm_proc *p)
{
	static const struct { const char *key; int field; } keys[] = {
		{ "Rss", VF_RESIDENT }, { "Pss", VF_PSS }, { "Shared_Clean", VF_SHARED },
		{ "Shared_Dirty", VF_SHARED }, { "Private_Clean", VF_PRIVATE },
		{ "Private_Dirty", VF_PRIVATE }, { "Swap", VF_SWAP }, { "AnonHugePages", VF_THP },
		{ "ShmemPmdMapped", VF_THP }, { "FilePmdMapped", VF_THP },
		{ "Shared_Hugetlb", VF_HUGETLB }, { "Private_Hugetlb", VF_HUGETLB },
		{ "Private_Dirty", VF_PRIVATE_DIRTY }, { "Shared_Dirty", VF_SHARED_DIRTY },
		{ "KSM", VF_KSM },
	};
	char path[4096], line[256], key[64];
	unsigned long long v, size, res, shr;
	long page = sysconf(_SC_PAGESIZE) / 1024;
	bool ksm = false, rss = false;
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/smaps_rollup", proc, pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %llu kB", key, &v) != 2)
			continue;
		for (i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
			if (strcmp(key, keys[i].key))
				continue;
			p->f[keys[i].field] += v;
			ksm |= keys[i].field == VF_KSM;
			rss |= keys[i].field == VF_RESIDENT;
		}
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/%d/statm", proc, pid);
	f = fopen(path, "re");
	if (!rss || !f || fscanf(f, "%llu %llu %llu", &size, &res, &shr) != 3) {
		if (f)
			fclose(f);
		return false;	/* a kernel thread (empty rollup), or gone */
	}
	fclose(f);
	p->f[VF_TOP_VIRT] = p->f[VF_MAPPED] = size * page;
	p->f[VF_TOP_RES] = res * page;
	p->f[VF_TOP_SHR] = shr * page;
	p->unavail = 1u << VF_ANON_SHARED | 1u << VF_ANON_PRIVATE | 1u << VF_FILE_SHARED |
		     1u << VF_FILE_PRIVATE | 1u << VF_SHMEM_SHARED | 1u << VF_SHMEM_PRIVATE |
		     1u << VF_ZERO | (ksm ? 0 : 1u << VF_KSM);
	return true;
}

/* The processes whose real uid is ours and whose smaps_rollup we may read. */
int vm_read_own(const struct vm_source *src, struct vm_procs *out)
{
	DIR *d = opendir(src->proc);
	struct dirent *de;
	uid_t me = getuid();

	memset(out, 0, sizeof(*out));
	if (!d) {
		fprintf(stderr, "vmacct: %s: %s\n", src->proc, strerror(errno));
		return VM_EXIT_ERROR;
	}
	while ((de = readdir(d))) {
		char path[4096], line[256], name[64] = "";
		long ruid = -1, euid = -1;
		struct vm_proc p = { 0 };
		FILE *f;
		size_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		p.pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "%s/%d/status", src->proc, p.pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			sscanf(line, "Uid: %ld %ld", &ruid, &euid);
		fclose(f);
		if (ruid != (long)me || !vm_rollup(src->proc, p.pid, &p))
			continue;
		/* comm holds the name's raw bytes (status escapes some), then a newline */
		snprintf(path, sizeof(path), "%s/%d/comm", src->proc, p.pid);
		f = fopen(path, "re");
		n = f ? fread(name, 1, sizeof(name) - 1, f) : 0;
		if (f)
			fclose(f);
		if (n && name[n - 1] == '\n')
			n--;
		p.comm.s = malloc(n + 1);
		if (!p.comm.s)
			continue;
		memcpy(p.comm.s, name, n);
		p.comm.s[n] = '\0';
		p.comm.len = n;
		p.uid = euid;
		out->v = vm_grow(out->v, &out->cap, out->n, sizeof(*out->v));
		out->v[out->n++] = p;
	}
	closedir(d);
	return VM_EXIT_OK;
}
