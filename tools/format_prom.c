// SPDX-License-Identifier: GPL-2.0
/*
 * --prometheus: the text exposition format (0.0.4) for node_exporter's textfile collector. One
 * gauge family per field in base units (bytes), each with HELP and TYPE once, then one sample per
 * process labelled pid and comm. Per-mapping rows are not exported: a label per VMA would make
 * series cardinality unbounded.
 */
#include <inttypes.h>

#include "vmacct.h"

static const char *const vm_prom_help[VF_NR] = {
	"Size of all mappings (exact VIRT).",
	"Resident memory mapped by the process, from its page tables (exact RES, smaps Rss).",
	"Resident memory that at least one other process also maps.",
	"Resident memory that no other process maps.",
	"Proportional set size: each resident page divided among the processes mapping it.",
	"Shared anonymous memory (copy-on-write after fork, KSM).",
	"Anonymous memory no other process maps.",
	"File-backed memory another process also maps.",
	"File-backed memory no other process maps.",
	"Shmem, tmpfs and memfd memory another process also maps.",
	"Shmem, tmpfs and memfd memory no other process maps.",
	"Memory swapped out.",
	"Mappings of the shared zero page (not resident).",
	"Resident memory in transparent huge pages.",
	"hugetlbfs memory (not counted as resident).",
	"VIRT as top shows it (statm size).",
	"RES as top shows it (statm resident, the kernel's RSS counters).",
	"SHR as top shows it (statm shared: RssFile + RssShmem counters).",
};

static void vm_prom_labels(FILE *f, const struct vm_proc *p)
{
	fprintf(f, "{pid=\"%d\",comm=\"", p->pid);
	vm_put_prom_label(f, &p->comm);
	fputs("\"}", f);
}

void vm_prom(FILE *f, const struct vm_procs *p)
{
	size_t i;
	int k;

	for (k = 0; k < VF_NR; k++) {
		fprintf(f, "# HELP vmacct_%s_bytes %s\n", vm_field_names[k], vm_prom_help[k]);
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
			((int64_t)p->v[i].f[VF_TOP_SHR] - (int64_t)p->v[i].f[VF_SHARED]) * 1024);
	}
}
