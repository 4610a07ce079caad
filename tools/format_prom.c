// SPDX-License-Identifier: GPL-2.0
/*
 * --prometheus: the text exposition format (0.0.4) for node_exporter's textfile collector. One
 * gauge family per field in base units (bytes), each with HELP and TYPE once, then one sample per
 * process labelled pid and comm; first, vmacct_build_info (the reader's and module's versions). Per-mapping rows are not exported: a label per VMA would make
 * series cardinality unbounded.
 */
#include <inttypes.h>

#include "vmacct.h"

/* A field without a line here is described by the README section named in vm_prom(). */
static const char *const vm_prom_help[VF_NR] = {
	[VF_MAPPED] = "Size of all mappings (exact VIRT).",
	[VF_RESIDENT] = "Resident memory mapped by the process, from its page tables (exact RES, smaps Rss).",
	[VF_SHARED] = "Resident memory mapped more than once: by another process, or twice by this one.",
	[VF_PRIVATE] = "Resident memory mapped exactly once.",
	[VF_PSS] = "Proportional set size: each resident page divided among the processes mapping it.",
	[VF_ANON_SHARED] = "Anonymous memory mapped more than once (copy-on-write after fork, KSM).",
	[VF_ANON_PRIVATE] = "Anonymous memory mapped exactly once.",
	[VF_FILE_SHARED] = "File-backed memory mapped more than once.",
	[VF_FILE_PRIVATE] = "File-backed memory mapped exactly once.",
	[VF_SHMEM_SHARED] = "Shmem, tmpfs and memfd memory mapped more than once.",
	[VF_SHMEM_PRIVATE] = "Shmem, tmpfs and memfd memory mapped exactly once.",
	[VF_SWAP] = "Memory swapped out.",
	[VF_ZERO] = "Mappings of the shared zero page (not resident).",
	[VF_THP] = "Resident memory in transparent huge pages.",
	[VF_HUGETLB] = "hugetlbfs memory (not counted as resident).",
	[VF_TOP_VIRT] = "VIRT as top shows it (statm size).",
	[VF_TOP_RES] = "RES as top shows it (statm resident, the kernel's RSS counters).",
	[VF_TOP_SHR] = "SHR as top shows it (statm shared: RssFile + RssShmem counters).",
	[VF_PRIVATE_DIRTY] = "Resident memory mapped exactly once and dirty (smaps Private_Dirty).",
	[VF_SHARED_DIRTY] = "Resident memory mapped more than once and dirty (smaps Shared_Dirty).",
	[VF_KSM] = "Resident memory in KSM-merged pages (smaps KSM): sharing with identical pages, not from fork.",
};

static void vm_prom_labels(FILE *f, const struct vm_proc *p)
{
	fprintf(f, "{pid=\"%d\",comm=\"", p->pid);
	vm_put_prom_label(f, &p->comm);
	fputs("\"}", f);
}

/* -n exports the first N processes in the order of -s (the largest, by default). */
void vm_prom(FILE *f, const struct vm_procs *all, const struct vm_opts *o)
{
	struct vm_procs shown = *all, *p = &shown;
	size_t i;
	int k;

	if (o->limit >= 0 && (size_t)o->limit < shown.n)
		shown.n = o->limit;

	/* Which reader and module made the exposition, as exporters' *_build_info series say. */
	fputs("# HELP vmacct_build_info The versions of the vmacct reader and module (value 1).\n"
	      "# TYPE vmacct_build_info gauge\n", f);
	fprintf(f, "vmacct_build_info{version=\"%s\",module_version=\"%s\"} 1\n",
		VMACCT_READER_VERSION, o->version ? o->version : "");

	for (k = 0; k < VF_NR; k++) {
		if (vm_prom_help[k])
			fprintf(f, "# HELP vmacct_%s_bytes %s\n", vm_field_names[k], vm_prom_help[k]);
		else
			fprintf(f, "# HELP vmacct_%s_bytes vmacct's %s (README.md, \"The numbers\").\n",
				vm_field_names[k], vm_field_names[k]);
		fprintf(f, "# TYPE vmacct_%s_bytes gauge\n", vm_field_names[k]);
		for (i = 0; i < p->n; i++) {
			fprintf(f, "vmacct_%s_bytes", vm_field_names[k]);
			vm_prom_labels(f, &p->v[i]);
			fprintf(f, " %" PRIu64 "\n", p->v[i].f[k] * 1024);
		}
	}
	fputs("# HELP vmacct_shr_error_bytes top's SHR minus the exact shared memory "
	      "(file_private + shmem_private - anon_shared + counter drift).\n"
	      "# TYPE vmacct_shr_error_bytes gauge\n", f);
	for (i = 0; i < p->n; i++) {
		fputs("vmacct_shr_error_bytes", f);
		vm_prom_labels(f, &p->v[i]);
		fprintf(f, " %" PRId64 "\n",
			vm_shr_error(p->v[i].f) * 1024);
	}
}
