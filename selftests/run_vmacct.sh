#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the vmacct selftests as one KTAP document (each program's own KTAP nested as a subtest).
# Loads vmacct.ko if it is not loaded (next to this script, /vmacct/vmacct.ko, or modprobe) and
# unloads it afterwards if it loaded it. Sets up what the scenarios need when it can: a page-cache
# file system (brd + ext2), a zram swap device, a few hugetlb pages. Exit 4 = skip (kselftest).
# POSIX sh: it runs under busybox in the test guests.
here=$(cd "$(dirname "$0")" && pwd)
D=/sys/kernel/debug/vmacct
# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"

if [ "$(id -u)" != 0 ]; then
	ktap_print_header; ktap_skip_all "must be root"; exit "$KSFT_SKIP"
fi
[ -d /sys/kernel/debug/tracing ] || [ -n "$(ls /sys/kernel/debug 2>/dev/null)" ] ||
	mount -t debugfs none /sys/kernel/debug 2>/dev/null
loaded_here=0 loaded_ko=
if ! grep -q '^vmacct ' /proc/modules; then
	for ko in "$here/vmacct.ko" /vmacct/vmacct.ko; do
		[ -f "$ko" ] && insmod "$ko" && loaded_here=1 && loaded_ko=$ko && break
	done
	[ $loaded_here = 1 ] || { modprobe vmacct 2>/dev/null && loaded_here=1; }
	if [ $loaded_here = 0 ]; then
		ktap_print_header; ktap_skip_all "vmacct.ko not available"; exit "$KSFT_SKIP"
	fi
fi

# Page cache for the file scenarios: a RAM disk with ext2 (the guest root is tmpfs). 32 MiB per
# 4 KiB of page size: the fuzzer writes file mappings of PMD multiples, 2 MiB with 4 KiB pages and
# 32 MiB with 16 KiB ones, which must find free blocks (a full disk makes a write fault SIGBUS).
# The page size is the kernel's KernelPageSize (busybox has no getconf).
mnt=/tmp/vmacct-selftest-fs
if [ -z "$VMACCT_FILE_DIR" ]; then
	mkdir -p $mnt
	page_kb=$(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps 2>/dev/null)
	# Modules or built in: whichever this kernel has.
	modprobe ext4 2>/dev/null
	modprobe brd rd_nr=1 rd_size=$((32768 * ${page_kb:-4} / 4)) 2>/dev/null
	if [ -b /dev/ram0 ] && mke2fs -q /dev/ram0 >/dev/null 2>&1 &&
		mount -t ext2 /dev/ram0 $mnt 2>/dev/null; then
		export VMACCT_FILE_DIR=$mnt
	fi
fi
# Swap for MADV_PAGEOUT: zram, only if no swap is configured yet.
swap_here=0
modprobe zram 2>/dev/null
if [ "$(wc -l < /proc/swaps)" -le 1 ] && [ -e /sys/block/zram0 ]; then
	echo 64M > /sys/block/zram0/disksize 2>/dev/null && mkswap /dev/zram0 >/dev/null 2>&1 &&
		swapon /dev/zram0 2>/dev/null && swap_here=1
fi
# hugetlb pages for the hugetlb scenario.
old_huge=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
[ "$old_huge" -ge 2 ] 2>/dev/null || echo 2 > /proc/sys/vm/nr_hugepages 2>/dev/null

# Module life cycle, when this script may unload the module: rmmod must refuse (not crash) while
# readers hold files open and read, and 50 rmmod/insmod cycles must work once they are gone.
vmacct_lifecycle() {
	ko=
	for k in "$here/vmacct.ko" /vmacct/vmacct.ko; do [ -f "$k" ] && ko=$k && break; done
	ktap_print_header
	if [ $loaded_here = 0 ] || [ -z "$ko" ]; then
		ktap_skip_all "the module was not loaded by this script"
		return "$KSFT_SKIP"
	fi
	ktap_set_plan 3
	busy=0 n=0 readers=
	for r in 1 2 3; do
		(while :; do cat $D/all $D/maps/1 $D/1 >/dev/null 2>&1; done) &
		readers="$readers $!"
	done
	while [ $n -lt 20 ]; do
		rmmod vmacct 2>/dev/null && { busy=1; insmod "$ko"; }
		n=$((n + 1))
		sleep 0.1
	done
	# shellcheck disable=SC2086 # a list of pids
	kill $readers
	# shellcheck disable=SC2086
	wait $readers 2>/dev/null
	# Unloading while readers are active is allowed to succeed between two reads; what
	# counts is that nothing crashed and the module still answers.
	if [ -r $D/version ]; then ktap_test_pass "rmmod under 3 busy readers: refused or clean (unloaded $busy)"
	else ktap_test_fail "rmmod under busy readers left no working module"; fi
	# Under load: processes forking, faulting and exiting all the time (readers of vmacct's own
	# files would keep it busy, and rmmod rightly refused).
	loads=
	for r in 1 2; do
		(while :; do seq 1 3000 | sort -r | head -1; done) >/dev/null 2>&1 &
		loads="$loads $!"
	done
	# VMACCT_LIFECYCLE_CYCLES (default 50): a KASAN kernel under TCG takes 2-3 s per cycle.
	cycles=${VMACCT_LIFECYCLE_CYCLES:-50}
	n=0 fails=0
	while [ $n -lt "$cycles" ]; do
		# Every other cycle unmounts the directory (what a user who wants rmmod at once does),
		# so that rmmod also meets the expiry work still queued; the others wait for expiry.
		[ $((n % 2)) = 1 ] && umount $D 2>/dev/null
		m=0
		until rmmod vmacct 2>/dev/null; do
			m=$((m + 1)); [ $m -lt 80 ] || break; sleep 0.05
		done
		insmod "$ko" && cat $D/1 >/dev/null || fails=$((fails + 1))
		n=$((n + 1))
	done
	# shellcheck disable=SC2086 # a list of pids
	kill $loads
	# shellcheck disable=SC2086
	wait $loads 2>/dev/null
	if [ $fails = 0 ]; then ktap_test_pass "$cycles rmmod/insmod cycles under load, each read back"
	else ktap_test_fail "$fails of $cycles rmmod/insmod cycles failed"; fi
	# First accesses through the automount point, each after the mount expired, against rmmod:
	# debugfs calls vmacct's automount callback without a module reference, so an unload must
	# wait for every access already under way (a KASAN report or an oops in the log fails the
	# run). Readers sleep past the expiry between reads; rmmod is tried every 50 ms.
	firsts=
	for r in 1 2 3; do
		(while :; do cat $D/version >/dev/null 2>&1; sleep 0.$((r + 2)); done) &
		firsts="$firsts $!"
	done
	n=0 unloaded=0 fails3=0
	while [ $n -lt $((cycles / 4 + 1)) ]; do
		m=0
		until rmmod vmacct 2>/dev/null; do
			m=$((m + 1)); [ $m -lt 100 ] || break; sleep 0.05
		done
		[ $m -lt 100 ] && unloaded=$((unloaded + 1))
		grep -q '^vmacct ' /proc/modules || insmod "$ko" || fails3=$((fails3 + 1))
		n=$((n + 1))
	done
	# shellcheck disable=SC2086 # a list of pids
	kill $firsts
	# shellcheck disable=SC2086
	wait $firsts 2>/dev/null
	if [ $fails3 = 0 ] && [ $unloaded -gt 0 ] && [ "$(cat $D/version 2>/dev/null)" != "" ]; then
		ktap_test_pass "rmmod against first accesses through the automount: $unloaded of $n unloads, each reloaded"
	else
		ktap_test_fail "rmmod against first accesses: $unloaded of $n unloads, $fails3 failed reloads"
	fi
	[ $fails = 0 ] && [ $fails3 = 0 ] && [ -r $D/version ]
}

# The differential fuzzer: first the seeds that once found a defect (fuzz_seeds; not with
# VMACCT_FUZZ_REPLAY=0), then VMACCT_FUZZ_SECONDS (30) of new seeds from VMACCT_FUZZ_SEED (1) on;
# VMACCT_FUZZ_ARGS adds options (--no-op NAME, --strict ...).
vmacct_fuzz() {
	set -- --seconds "${VMACCT_FUZZ_SECONDS:-30}" --seed "${VMACCT_FUZZ_SEED:-1}"
	[ -f "$here/fuzz_seeds" ] && [ "${VMACCT_FUZZ_REPLAY:-1}" = 1 ] &&
		set -- --replay "$here/fuzz_seeds" "$@"
	# shellcheck disable=SC2086 # VMACCT_FUZZ_ARGS is a list of options
	"$here/vmacct_fuzz" "$@" ${VMACCT_FUZZ_ARGS:-}
}

# VMACCT_TESTS runs some of them only (make fuzz: vmacct_fuzz); VMACCT_SKIP names some that are
# left out, each a skip result (make check's debug kernel).
tests=${VMACCT_TESTS:-"vmacct_layout vmacct_crosscheck vmacct_states vmacct_groups vmacct_bounds vmacct_torture vmacct_fuzz vmacct_syscalls vmacct_namespaces vmacct_pressure vmacct_storm vmacct_faults vmacct_lifecycle"}
ktap_print_header
# shellcheck disable=SC2086 # a list of names
ktap_set_plan "$(echo $tests | wc -w)"
rc=0
for t in $tests; do
	case " ${VMACCT_SKIP:-} " in
	*" $t "*)
		ktap_test_skip "selftests: vmacct: $t" "VMACCT_SKIP"
		continue
		;;
	esac
	read -r t0 _ </proc/uptime
	# Each runs in a process of its own and prints a KTAP document of its own, nested here.
	if [ "$t" = vmacct_lifecycle ]; then
		(vmacct_lifecycle) > "/tmp/vmacct-$t.out" 2>&1
	elif [ "$t" = vmacct_fuzz ]; then
		vmacct_fuzz > "/tmp/vmacct-$t.out" 2>&1
	elif [ "$t" = vmacct_faults ]; then
		# It also fails insmod's allocations: only with the module this script loaded.
		VMACCT_KO=$loaded_ko "$here/$t" > "/tmp/vmacct-$t.out" 2>&1
	else
		"$here/$t" > "/tmp/vmacct-$t.out" 2>&1
	fi
	r=$?
	read -r t1 _ </proc/uptime
	sed 's/^/  /' "/tmp/vmacct-$t.out"
	ktap_print_msg "$t took $((${t1%.*} - ${t0%.*})) s"
	case $r in
	0) ktap_test_pass "selftests: vmacct: $t" ;;
	"$KSFT_SKIP") ktap_test_skip "selftests: vmacct: $t" ;;
	*) ktap_test_fail "selftests: vmacct: $t" "exit=$r"; rc=1 ;;
	esac
done

echo "$old_huge" > /proc/sys/vm/nr_hugepages 2>/dev/null
[ $swap_here = 1 ] && swapoff /dev/zram0 2>/dev/null
mountpoint -q $mnt 2>/dev/null && umount $mnt
if [ $loaded_here = 1 ]; then
	# The automounted directory expires within 0.2 s of its last use.
	n=0
	until rmmod vmacct 2>/dev/null; do
		n=$((n + 1))
		[ $n -ge 20 ] && { echo "# could not unload vmacct"; rc=1; break; }
		sleep 0.5
	done
fi
exit $rc
