// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock as the walker uses it, and the `stats` file that shows how long it held it.
 *
 * The walker holds mmap_lock for reading while it descends page tables: it keeps the VMAs and the
 * upper page-table levels from being freed. Readers do not block each other, and page faults take
 * per-VMA locks where the kernel has them, so a hold only ever delays a writer (mmap, munmap,
 * mprotect, a fault that falls back to mmap_lock...). The walker lets go after every step at which
 * a writer waits (queued: mmap_lock_is_contended(), as smaps_rollup asks; or still spinning for the
 * lock, which smaps_rollup does not see: vmacct_mmap_writer_waiting()) or the scheduler wants the
 * CPU (need_resched(): it reschedules only with the lock let go, but for the swap count of a shmem
 * range, shmem_swap.c), and in any case after VMACCT_LOCK_BUDGET steps, so one hold never covers
 * more than VMACCT_LOCK_BUDGET + 1 steps. A step is the work of about one PTE table: one PTE
 * table's range (at most PTRS_PER_PTE entries, 512 with 4 KiB pages and 2048 with 16 KiB ones,
 * under its page-table lock), a run of PMD leaves under the pmd lock that ends once it has cost
 * PTRS_PER_PTE entries and page mapcounts (a private THP costs 1, a shared one 1 + PTRS_PER_PTE),
 * or one VMA.
 *
 * Where the kernel has per-VMA locks (6.4 on, CONFIG_PER_VMA_LOCK; compat-mm.h), mmap_lock is held
 * only to find the next VMA: the walk then trades it for that VMA's own read lock
 * (vmacct_mmlock_narrow(), as 7.x's /proc/pid/maps does) and walks the VMA under it alone. A writer
 * elsewhere in the process (mmap, munmap, mprotect of another VMA) then waits for no walk at all. A
 * writer of this VMA (anything that changes, splits, merges or detaches it: munmap, mprotect,
 * madvise, mremap, mlock, an mmap or brk that merges with it, stack growth, fork, an anonymous THP
 * collapse) write-locks it holding mmap_lock for writing, and waits for its readers: while the
 * VMA's lock is held, the step asks the VMA's lock whether a writer waits
 * (vmacct_vma_writer_waiting(), counted as lock_yields_vma_writer), as it asks mmap_lock while
 * that is held, so such a writer waits for at most one step of the walk's running time (more if the
 * walk is preempted or its CPU stalls meanwhile, or on a kernel none of the probes fits). To find
 * the next VMA the walk tries mmap_lock before it lets go of the VMA's lock (a trylock cannot
 * deadlock), and goes on with the same hold when it gets it; otherwise a writer has it or waits for
 * it, and the walk yields (lock_yields_contended). One hold is the time from taking mmap_lock to
 * letting go of whichever lock it then holds.
 *
 * The walker never queues for mmap_lock behind a writer, as long as it can help it. When a writer
 * leaves, the rwsem grants the lock to every reader queued behind it, running or not; with many
 * readers per CPU (a scrape storm) those readers then hold it while they wait for a CPU, and the
 * next writer waits until each of them has run: mmap and munmap stall for a whole round of the
 * run queue. So the walker tries the lock, and while a writer holds or waits for it, sleeps one
 * tick and tries again (vmacct_mmap_read_lock()); a walker holds mmap_lock only from a moment it
 * was running. A walk sleeps so at most VMACCT_LOCK_TRIES times in all (a process that
 * write-locks without pause), then queues like any reader, so no read waits for ever and none
 * pays the back-off once per VMA. The sleep is TASK_NOLOAD: a storm of readers backing off is not
 * load. PREEMPT_RT's rwsem (rwbase_rt) has readers count themselves in only once they run, so
 * there the walker queues at once.
 *
 * The statistics are global, updated without a lock: atomic counters and a compare-and-swap
 * maximum, so concurrent readers never lose a maximum, and a read of `stats` may see counters of
 * one walk half updated.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>

#include "compat-mm.h"
#include "group.h"
#include "mmlock.h"

static atomic64_t vmacct_walks, vmacct_walks_interrupted;
static atomic64_t vmacct_holds, vmacct_holds_vma, vmacct_yields_contended, vmacct_yields_resched;
static atomic64_t vmacct_yields_vma_writer;
static atomic64_t vmacct_yields_budget, vmacct_yields_handover, vmacct_take_backoffs;
static atomic64_t vmacct_max_hold_ns, vmacct_max_hold_steps;

static void vmacct_update_max(atomic64_t *max, s64 v)
{
	s64 old = atomic64_read(max);

	while (v > old) {
		s64 seen = atomic64_cmpxchg(max, old, v);

		if (seen == old)
			break;
		old = seen;
	}
}

/*
 * mmap_lock for reading if no writer holds it or waits for it. mmap_read_trylock() alone fails
 * for a writer that holds the lock or is queued for it, but succeeds while one is still spinning
 * for it: taken then, the lock is kept from that writer again, and a walk that has just let go
 * for it would take it back at once, for as long as the writer spins (measured on 6.1 under TCG:
 * 33,000 yields in 0.6 s, the writer waiting 55 ms).
 */
static bool vmacct_mmap_read_trylock(struct mm_struct *mm)
{
	return !vmacct_mmap_writer_waiting(mm) && mmap_read_trylock(mm);
}

/* mmap_lock for reading, taken only while running (above): 0, or -EINTR on a fatal signal. */
static int vmacct_mmap_read_lock(struct vmacct_mmlock *l)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return mmap_read_lock_killable(l->mm);
	for (; l->backoffs < VMACCT_LOCK_TRIES; l->backoffs++) {
		if (vmacct_mmap_read_trylock(l->mm))
			return 0;
		atomic64_inc(&vmacct_take_backoffs);
		set_current_state(TASK_KILLABLE | TASK_NOLOAD);
		schedule_timeout(1);
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return mmap_read_lock_killable(l->mm);
}

int vmacct_mmlock_take(struct vmacct_mmlock *l)
{
	if (vmacct_mmap_read_lock(l))
		return -EINTR;
	l->held = true;
	l->vma = NULL;
	l->steps = 0;
	l->since = ktime_get_ns();
	atomic64_inc(&vmacct_holds);
	return 0;
}

void vmacct_mmlock_release(struct vmacct_mmlock *l)
{
	if (!l->held)
		return;
	vmacct_update_max(&vmacct_max_hold_ns, ktime_get_ns() - l->since);
	vmacct_update_max(&vmacct_max_hold_steps, l->steps);
	l->held = false;
	if (l->vma) {
		vmacct_vma_read_unlock(l->vma);
		l->vma = NULL;
	} else {
		mmap_read_unlock(l->mm);
	}
}

void vmacct_mmlock_narrow(struct vmacct_mmlock *l, struct vm_area_struct *vma)
{
	if (l->vma || !vmacct_vma_read_lock_under_mmap(vma))
		return;
	l->vma = vma;
	mmap_read_unlock(l->mm);
	atomic64_inc(&vmacct_holds_vma);
}

bool vmacct_mmlock_step(struct vmacct_mmlock *l)
{
	l->steps++;
	if (l->vma && vmacct_vma_writer_waiting(l->vma)) {
		atomic64_inc(&vmacct_yields_vma_writer);
		return true;
	}
	if (!l->vma && vmacct_mmap_writer_waiting(l->mm)) {
		atomic64_inc(&vmacct_yields_contended);
		return true;
	}
	/*
	 * The scheduler wants the CPU: let go first, then reschedule. cond_resched() after the step
	 * would switch away with mmap_lock held, and a writer that comes then waits for every task
	 * ahead of this one in the run queue (a storm of 64 readers on 2 CPUs: holds of seconds).
	 * A kernel that preempts without setting need_resched first (PREEMPT_LAZY) can still
	 * preempt a hold; the budget bounds it in steps.
	 */
	if (need_resched()) {
		atomic64_inc(&vmacct_yields_resched);
		return true;
	}
	if (l->steps >= VMACCT_LOCK_BUDGET) {
		atomic64_inc(&vmacct_yields_budget);
		return true;
	}
	return false;
}

void vmacct_mmlock_count_handover(void)
{
	atomic64_inc(&vmacct_yields_handover);
}

int vmacct_mmlock_yield(struct vmacct_mmlock *l)
{
	vmacct_mmlock_release(l);
	cond_resched();
	return vmacct_mmlock_take(l);
}

int vmacct_mmlock_next_vma(struct vmacct_mmlock *l)
{
	if (fatal_signal_pending(current)) {
		vmacct_mmlock_release(l);
		return -EINTR;
	}
	if (vmacct_mmlock_step(l))
		return vmacct_mmlock_yield(l);
	/* The next VMA is found under mmap_lock: back from the VMA's own lock to it (above). */
	if (l->vma) {
		if (!vmacct_mmap_read_trylock(l->mm)) {
			atomic64_inc(&vmacct_yields_contended);
			return vmacct_mmlock_yield(l);
		}
		vmacct_vma_read_unlock(l->vma);
		l->vma = NULL;
	}
	return 0;
}

void vmacct_mmlock_begin_walk(struct vmacct_mmlock *l)
{
	l->backoffs = 0;
	atomic64_inc(&vmacct_walks);
}

void vmacct_mmlock_count_interrupted(void)
{
	atomic64_inc(&vmacct_walks_interrupted);
}

/* The `stats` file: README.md ("The stats file") defines each line. */
int vmacct_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "walks: %lld\n", atomic64_read(&vmacct_walks));
	seq_printf(m, "walks_interrupted: %lld\n", atomic64_read(&vmacct_walks_interrupted));
	seq_printf(m, "lock_holds: %lld\n", atomic64_read(&vmacct_holds));
	seq_printf(m, "vma_locks: %d\n", vmacct_have_vma_locks());
	seq_printf(m, "lock_holds_vma: %lld\n", atomic64_read(&vmacct_holds_vma));
	seq_printf(m, "lock_yields_contended: %lld\n", atomic64_read(&vmacct_yields_contended));
	seq_printf(m, "lock_yields_vma_writer: %lld\n", atomic64_read(&vmacct_yields_vma_writer));
	seq_printf(m, "lock_yields_resched: %lld\n", atomic64_read(&vmacct_yields_resched));
	seq_printf(m, "lock_yields_budget: %lld\n", atomic64_read(&vmacct_yields_budget));
	seq_printf(m, "lock_yields_handover: %lld\n", atomic64_read(&vmacct_yields_handover));
	seq_printf(m, "lock_take_backoffs: %lld\n", atomic64_read(&vmacct_take_backoffs));
	seq_printf(m, "lock_budget_steps: %d\n", VMACCT_LOCK_BUDGET);
	seq_printf(m, "max_lock_hold_steps: %lld\n", atomic64_read(&vmacct_max_hold_steps));
	seq_printf(m, "max_lock_hold_ns: %lld\n", atomic64_read(&vmacct_max_hold_ns));
	vmacct_group_stats_show(m);
	return 0;
}
