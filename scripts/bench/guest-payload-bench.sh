# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The guest side of `make bench` (busybox sh, run by the guest's init in /vmacct after insmod).
# Runs each section of vmacct_bench and prints its lines prefixed "bench: ". BENCH_RUNS and
# BENCH_SECTIONS (the sections to run, in this order; empty: all) are set by the lines bench.sh
# puts in front of this file.
D=/sys/kernel/debug/vmacct
B=/vmacct/vmacct_bench
say() { echo "bench: $*"; }
section() { # section NAME
	say "## $1"
	t0=$(date +%s)
	$B -n "$BENCH_RUNS" "$1" 2>&1 | sed 's/^/bench: /'
	say "# $1 took $(($(date +%s) - t0)) s (guest clock)"
}

# wanted NAME: the section is one of BENCH_SECTIONS (or all are wanted).
wanted() { [ -z "${BENCH_SECTIONS:-}" ] || case " $BENCH_SECTIONS " in *" $1 "*) true ;; *) false ;; esac; }

say "# kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo) RAM, vmacct $(cat $D/version), $BENCH_RUNS runs per median"
# Nothing else runs in the guest; the memory the sections build is freed between them.
for s in dense sparse scaling machine small many memory; do
	if wanted $s; then section $s; fi
done
# The scrape storm of the selftests, on a machine of 200 more processes: 64 readers of all and
# maps/<pid> at once, 3 rounds each, then the same with smaps_rollup and smaps, and both again with
# the faulting target SCHED_FIFO (VMACCT_STORM_COMPARE: CPU starvation apart from mmap_lock waits);
# its "# " lines, RESULT-INFO among them, are the section's.
if wanted storm; then
	say "## storm"
	t0=$(date +%s)
	VMACCT_STORM_PROCS=200 VMACCT_STORM_READS=3 VMACCT_STORM_COMPARE=1 /vmacct/vmacct_storm 2>&1 |
		sed -n 's/^# /bench: /p'
	say "# storm took $(($(date +%s) - t0)) s (guest clock)"
fi
wanted interference || exit 0
# The longest mmap_lock hold is a maximum since the module was loaded: a fresh module, so that it
# covers exactly the reads of the interference section (a reader looping over a 2 GiB process).
n=0
until rmmod vmacct 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 40 ] || break
	sleep 0.5
done
insmod /vmacct/vmacct.ko || say "# insmod failed"
section interference
if [ -r $D/stats ]; then
	sed 's/^/bench: # stats: /' $D/stats
	say "RESULT-INFO interference/max_lock_hold_ns $(sed -n 's/^max_lock_hold_ns: *//p' $D/stats)"
else
	say "RESULT-INFO interference/max_lock_hold_ns not-available"
fi
