// SPDX-License-Identifier: GPL-2.0
/*
 * Union and uniqueness of the pages of a group of processes (group.h). Each remembered page is an
 * xarray value entry under its pfn, packing the mappings members were seen to hold, the highest
 * mapcount seen and the kind (anon, file, shmem) of its folio.
 *
 * Exactness: as for one process, a page's mapcount is read without the folio lock while other
 * processes may map or unmap it, and the members are walked one after the other: a process that
 * changes during the read can be seen before or after the change, and a page freed and reused
 * between two members' walks is taken for the same page (README, "Exactness").
 */
#include <linux/atomic.h>
#include <linux/mm.h>

#include "group.h"

#define VMACCT_KIND_BITS	2
#define VMACCT_COUNT_BITS	28
#define VMACCT_COUNT_MAX	((1UL << VMACCT_COUNT_BITS) - 1)

static atomic64_t vmacct_group_peak = ATOMIC64_INIT(0);

static unsigned long vmacct_page_pack(unsigned long members, unsigned long mapcount,
				      enum vmacct_kind kind)
{
	members = min(members, VMACCT_COUNT_MAX);
	mapcount = min(mapcount, VMACCT_COUNT_MAX);
	return (members << (VMACCT_KIND_BITS + VMACCT_COUNT_BITS)) |
	       (mapcount << VMACCT_KIND_BITS) | kind;
}

static void vmacct_page_unpack(unsigned long v, unsigned long *members, unsigned long *mapcount,
			       enum vmacct_kind *kind)
{
	*kind = v & ((1UL << VMACCT_KIND_BITS) - 1);
	*mapcount = (v >> VMACCT_KIND_BITS) & VMACCT_COUNT_MAX;
	*members = v >> (VMACCT_KIND_BITS + VMACCT_COUNT_BITS);
}

void vmacct_group_init(struct vmacct_group *g)
{
	memset(g, 0, sizeof(*g));
	xa_init(&g->pages);
}

void vmacct_group_destroy(struct vmacct_group *g)
{
	xa_destroy(&g->pages);
	g->nr_pages = 0;
}

void vmacct_shares_begin(struct vmacct_shares *s)
{
	memset(s->recorded, 0, sizeof(s->recorded));
	s->n = 0;
	s->overflow = false;
}

/* One more mapping of page @pfn by a member of @g. */
static int vmacct_group_add_page(struct vmacct_group *g, unsigned long pfn, int mapcount,
				 enum vmacct_kind kind)
{
	unsigned long members = 0, seen = 0;
	enum vmacct_kind k;
	void *old = xa_load(&g->pages, pfn);

	if (old)
		vmacct_page_unpack(xa_to_value(old), &members, &seen, &k);
	else
		g->nr_pages++;
	return xa_err(xa_store(&g->pages, pfn,
			       xa_mk_value(vmacct_page_pack(members + 1,
							    max_t(unsigned long, seen, mapcount),
							    kind)),
			       GFP_KERNEL));
}

int vmacct_group_consume(struct vmacct_shares *s, const struct vmacct_share_run *r)
{
	unsigned int gi, j;
	int ret = 0;

	for (gi = 0; gi < s->nr_groups && !ret; gi++)
		for (j = 0; j < r->nr && !ret; j++)
			ret = vmacct_group_add_page(s->groups[gi], r->pfn + j, r->mapcount,
						    r->kind);
	return ret;
}

int vmacct_shares_flush(struct vmacct_shares *s)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < s->n && !ret; i++) {
		s->recorded[s->run[i].kind] += (u64)s->run[i].nr << PAGE_SHIFT;
		ret = s->consume(s, &s->run[i]);
	}
	s->n = 0;
	if (!ret && s->overflow)
		ret = -EOVERFLOW;
	return ret;
}

void vmacct_shares_end(struct vmacct_shares *s, const struct vmacct_stats *st)
{
	unsigned int gi;
	int k;

	for (gi = 0; gi < s->nr_groups; gi++) {
		struct vmacct_group *g = s->groups[gi];

		for (k = 0; k < VMACCT_NR_KINDS; k++)
			g->single[k] += st->private[k] + st->shared[k] - s->recorded[k];
		g->pss += st->pss;
		g->swap += st->swap;
		g->procs++;
	}
}

void vmacct_group_finish(struct vmacct_group *g)
{
	unsigned long pfn, members, mapcount;
	enum vmacct_kind kind;
	void *entry;
	int k;

	for (k = 0; k < VMACCT_NR_KINDS; k++) {
		g->unique[k] = g->single[k];
		g->shared_out[k] = 0;
	}
	xa_for_each(&g->pages, pfn, entry) {
		vmacct_page_unpack(xa_to_value(entry), &members, &mapcount, &kind);
		if (members >= mapcount)
			g->unique[kind] += PAGE_SIZE;
		else
			g->shared_out[kind] += PAGE_SIZE;
		cond_resched();
	}
	vmacct_group_destroy(g);
}

void vmacct_group_note_peak(unsigned long pages)
{
	s64 old = atomic64_read(&vmacct_group_peak);

	while ((s64)pages > old && !atomic64_try_cmpxchg(&vmacct_group_peak, &old, pages))
		;
}

void vmacct_group_stats_show(struct seq_file *m)
{
	seq_printf(m, "group_pages_peak: %lld\n", atomic64_read(&vmacct_group_peak));
}
