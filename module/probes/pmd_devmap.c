// SPDX-License-Identifier: GPL-2.0
/* 6.1 and 6.12: device-DAX and fs-DAX PMDs are marked "devmap"; 7.x removed pmd_devmap(). */
#include <linux/mm.h>

int vmacct_probe(pmd_t pmd)
{
	return pmd_devmap(pmd);
}
