// SPDX-License-Identifier: GPL-2.0
/*
 * 6.16 (backported to 6.12.y): statm reads exact per-cpu sums of the rss counters,
 * get_mm_counter_sum().
 */
#include <linux/mm.h>

unsigned long vmacct_probe(struct mm_struct *mm)
{
	return get_mm_counter_sum(mm, MM_ANONPAGES);
}
