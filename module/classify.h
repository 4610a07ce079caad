/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_CLASSIFY_H
#define VMACCT_CLASSIFY_H

#include <linux/mm_types.h>

#include "stats.h"

/* Count @nr pages starting at @page, mapped by one entry (present or a migration entry). */
void vmacct_account_page(struct vmacct_stats *st, struct page *page, unsigned long nr,
			 bool present);

#endif /* VMACCT_CLASSIFY_H */
