// SPDX-License-Identifier: GPL-2.0
/*
 * An rwsem whose writers spin for it before they queue (CONFIG_RWSEM_SPIN_ON_OWNER; not
 * PREEMPT_RT's rwsem): the spinning writer holds the rwsem's osq (MCS) lock, and only writers
 * spin since 5.11 (reader optimistic spinning was removed), so osq_is_locked() says a writer
 * wants the lock before rwsem_is_contended() can. (linux/rwsem.h includes linux/osq_lock.h where
 * rwsems have an osq.)
 */
#include <linux/rwsem.h>

bool vmacct_probe(struct rw_semaphore *sem)
{
	return osq_is_locked(&sem->osq);
}
