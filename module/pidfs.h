/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMACCT_PIDFS_H
#define VMACCT_PIDFS_H

int vmacct_pidfs_init(void);
void vmacct_pidfs_exit(void);

#endif /* VMACCT_PIDFS_H */
