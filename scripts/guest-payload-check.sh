# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The guest side of `make check` (busybox sh, run by the guest's init in /vmacct after insmod).
# Prints one KTAP document: the module's life-cycle basics, then the selftests (nested as they print),
# then the reader against the live module (guest-payload-reader.sh, when check.sh put it in).
# EXPECTED_VERSION, the sizes (BOUNDS_GIB, ..., FUZZ_SECONDS, FUZZ_ARGS), TESTS (the selftests to
# run, empty for all), FAULTS and KMEMLEAK_CHECK (1: vmacct_faults and the leak check run where the
# kernel has what they need) are set by the lines check.sh puts in front of this file.
# shellcheck source=../selftests/ktap_helpers.sh
. /vmacct/ktap_helpers.sh
D=/sys/kernel/debug/vmacct
# Whole seconds since boot: each part of the document says how long it took (the matrix's budget).
now_s() { read -r up _ </proc/uptime; echo "${up%.*}"; }
took() { echo "  # $1 took $(($(now_s) - $2)) s"; }
version_is() { [ "$(cat $D/version)" = "$EXPECTED_VERSION" ]; }
write_rejected() { ! sh -c "echo 1 > $D/version" 2>/dev/null; }
# The automounted directory pins the module until it has been idle for two expiry periods (0.2 s).
unload() {
	i=0
	until rmmod vmacct 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 20 ] || { rmmod vmacct; return 1; }
		sleep 0.5
	done
}
reload() { unload && [ ! -e $D/version ] && insmod /vmacct/vmacct.ko && version_is; }
# other_module KO: another build of the module loads and works, then the W=1 build is back.
other_module() {
	unload && insmod "$1" && version_is && unload && insmod /vmacct/vmacct.ko && version_is
}
dkms_module() { other_module /vmacct/vmacct-dkms.ko; }
deb_module() { other_module /vmacct/vmacct-deb.ko; }
# An open file keeps the module: rmmod must refuse (EBUSY), not crash, and work once it is closed.
busy_while_open() {
	exec 3<$D/version
	if rmmod vmacct 2>/dev/null; then exec 3<&-; return 1; fi
	cat <&3 >/dev/null
	exec 3<&-
	unload && insmod /vmacct/vmacct.ko && version_is
}

module_loaded() { grep -q '^vmacct ' /proc/modules; }
# guest.sh gives every guest two vCPUs; the torture, storm and KCSAN tests need both online (a
# kernel that finds its CPUs in the MP table once saw one of them).
two_cpus() { [ "$(cat /sys/devices/system/cpu/online)" = 0-1 ]; }
version_root_only() { [ "$(stat -c %a $D/version)" = 400 ]; }

# The module's life-cycle basics, one per line: the function that checks, a tab, what it checks.
# The plan is the number of lines.
basics_list() {
	printf '%s\t%s\n' two_cpus "guest has both vCPUs online" \
		module_loaded "module loaded" \
		version_is "version file reads $EXPECTED_VERSION" \
		version_root_only "version file is root-only (0400)" \
		write_rejected "write to version is rejected" \
		reload "rmmod and insmod again" \
		busy_while_open "rmmod refuses while a file is open, works after close"
	if [ -f /vmacct/vmacct-dkms.ko ]; then
		printf '%s\t%s\n' dkms_module "module built by dkms loads and works"
	fi
	if [ -f /vmacct/vmacct-deb.ko ]; then
		printf '%s\t%s\n' deb_module "module built by installing the vmacct-dkms package loads and works"
	fi
}

# The basics: a nested document of their own, printed by a subshell.
module_basics() {
	basics_list >/tmp/basics.list
	ktap_print_header
	ktap_set_plan "$(wc -l </tmp/basics.list)"
	tab=$(printf '\t')
	while IFS=$tab read -r fn desc <&4; do
		ktap_check "$desc" "$fn"
	done 4</tmp/basics.list
	[ "$KTAP_CNT_FAIL" = 0 ]
}

# Leaks (a kernel with kmemleak: the debug kernel), once everything above has loaded, read and
# unloaded the module. kmemleak never reports an object younger than 5 s, and reports one only
# when its checksum did not change between two scans: wait, scan twice; when that finds an object
# of vmacct's, wait and scan once more (what was in flight is gone then). An object counts as
# vmacct's when a frame of its allocation's backtrace is in vmacct, or in code no longer loaded (a
# bare address: the module has been unloaded since; no other module is unloaded here), and any
# struct pid (allocated by alloc_pid()): a pid reference vmacct leaks leaves one unreferenced, with
# a backtrace that never passes through vmacct, and the guest leaks none without vmacct (a guest
# that forks, kills and reaps hundreds of processes without the module: no report). Those are
# printed as kmemleak prints them (and fail the run's report scan too); the others are summed up,
# one line each: the task that allocated it, its first 8 bytes, the innermost frames.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_scan() {
	sleep 6
	echo scan >$KMEMLEAK && sleep 1 && echo scan >$KMEMLEAK && cat $KMEMLEAK >/tmp/kmemleak.txt
}
kmemleak_sort() {
	awk -v mine=/tmp/kmemleak.mine '
		function flush() {
			if (blk == "")
				return
			if (ours) {
				n++
				printf "%s", blk
			} else {
				printf "  # kmemleak: not vmacct'"'"'s:%s\n", sum
			}
			blk = ""
		}
		/^unreferenced object/ { flush(); ours = 0; bt = 0; hx = 0; nf = 0; sum = " " $3 " " $4 " " $5 }
		/^  comm / { sum = sum " by " $2 " " $3 " " $4 }
		/^  hex dump/ { hx = 1; next }
		hx == 1 { sum = sum " [" $1 " " $2 " " $3 " " $4 " " $5 " " $6 " " $7 " " $8 "]"; hx = 2 }
		{ blk = blk "  # " $0 "\n" }
		/^  backtrace/ { bt = 1; next }
		bt && (/ \[vmacct\]$/ || /^    0x[0-9a-f]+$/ || /^    alloc_pid\+/) { ours = 1 }
		bt && nf < 4 && /^    [^ ]/ { sum = sum " < " $1; nf++ }
		END { flush(); print n + 0 >mine }' /tmp/kmemleak.txt
}
kmemleak_check() {
	t=$(now_s)
	scans=2
	if ! kmemleak_scan; then
		ktap_test_fail "vmacct: kmemleak" "cannot scan ($(cat $KMEMLEAK 2>&1 | head -n 1))"
		return
	fi
	kmemleak_sort >/dev/null
	if [ "$(cat /tmp/kmemleak.mine)" != 0 ]; then
		kmemleak_scan
		scans=4
	fi
	kmemleak_sort
	mine=$(cat /tmp/kmemleak.mine)
	others=$(($(grep -c '^unreferenced object' /tmp/kmemleak.txt) - mine))
	took "kmemleak ($scans scans)" "$t"
	if [ "$mine" = 0 ]; then
		ktap_test_pass "vmacct: kmemleak: no leak of vmacct's ($others objects of others)"
	else
		ktap_test_fail "vmacct: kmemleak: $mine leaked objects of vmacct's ($others of others)"
	fi
}

# Lockdown, raised at run time to confidentiality with the module loaded, last (it cannot be
# lifted, and it closes kmemleak's file): every file stays read-only and readable by root only, as
# without lockdown (smaps is readable under lockdown too, and vmacct's files are 0400 without write,
# ioctl or mmap, which is what debugfs lets through); rmmod works; then insmod of the unsigned module
# is refused with EPERM, cleanly (on a kernel with module signatures; one without loads it again). (A boot with lockdown=confidentiality only shows that refusal:
# Debian's kernels load no unsigned module then.) A kernel without the lockdown LSM skips it.
LOCKDOWN=/sys/kernel/security/lockdown
under_lockdown() {
	[ -e $LOCKDOWN ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	if [ ! -e $LOCKDOWN ]; then
		ktap_test_skip "vmacct: under lockdown" "no $LOCKDOWN (no lockdown LSM or no securityfs)"
		return
	fi
	module_loaded || insmod /vmacct/vmacct.ko || true
	sleep 100 &
	lpid=$!
	why=''
	# Until the child has exec'd sleep its comm is the shell's (once seen on 7.3 in make sweep).
	i=0
	while [ "$(cat /proc/$lpid/comm 2>/dev/null)" != sleep ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	echo confidentiality >$LOCKDOWN 2>/dev/null
	grep -q '\[confidentiality\]' $LOCKDOWN || why="lockdown is $(cat $LOCKDOWN)"
	[ -n "$why" ] || grep -q '^comm: sleep$' "$D/$lpid" || why="<pid> unreadable: $(head -n 1 "$D/$lpid" 2>&1)"
	[ -n "$why" ] || grep -q . "$D/maps/$lpid" || why="maps/<pid> unreadable"
	[ -n "$why" ] || grep -q "^$lpid " "$D/all" || why="all does not list the process"
	[ -n "$why" ] || version_is || why="version unreadable"
	[ -n "$why" ] || write_rejected || why="a write to version was accepted"
	[ -n "$why" ] || ! su nobody -s /bin/sh -c "cat $D/$lpid" >/dev/null 2>&1 ||
		why="readable by nobody"
	kill $lpid
	[ -n "$why" ] || unload || why="rmmod failed"
	# A kernel without module signatures (the debug kernels) has nothing for lockdown to check.
	if [ -z "$why" ] && [ -e /sys/module/module/parameters/sig_enforce ]; then
		err=$(insmod /vmacct/vmacct.ko 2>&1) && why="insmod of the unsigned module worked"
		case "$err" in
		*"Operation not permitted"*) echo "  # insmod under lockdown: $err" ;;
		*) [ -n "$why" ] || why="insmod failed otherwise: $err" ;;
		esac
	elif [ -z "$why" ]; then
		insmod /vmacct/vmacct.ko && version_is || why="insmod without module signatures failed"
	fi
	if [ -z "$why" ]; then
		ktap_test_pass "vmacct: under lockdown (confidentiality, raised at run time)"
	else
		ktap_test_fail "vmacct: under lockdown (confidentiality, raised at run time)" "$why"
	fi
}

ktap_print_header
if [ "${KMEMLEAK_CHECK:-0}" != 1 ] || [ ! -e $KMEMLEAK ]; then KMEMLEAK_CHECK=0; fi
if [ "$KMEMLEAK_CHECK" = 1 ]; then ktap_set_plan 5; else ktap_set_plan 4; fi
t=$(now_s)
rm -f /tmp/basics.rc
(module_basics; echo $? >/tmp/basics.rc) 2>&1 | sed 's/^/  /'
took "module basics" "$t"
if [ "$(cat /tmp/basics.rc 2>/dev/null)" = 0 ]; then
	ktap_test_pass "vmacct: module basics"
else
	ktap_test_fail "vmacct: module basics"
fi

if [ -f /vmacct/selftests/run_vmacct.sh ]; then
	# The runner loads the module itself (as on a kernel CI box), which also lets it run the
	# load/unload life-cycle tests.
	unload
	t=$(now_s)
	rm -f /tmp/selftests.rc
	(cd /vmacct/selftests && VMACCT_TORTURE_SECONDS=${TORTURE_SECONDS:-10} VMACCT_SYSCALLS_SECONDS=${SYSCALLS_SECONDS:-20} \
		VMACCT_BOUNDS_GIB=$BOUNDS_GIB VMACCT_MANY_VMAS=$MANY_VMAS \
		VMACCT_LIFECYCLE_CYCLES=$LIFECYCLE_CYCLES VMACCT_STATES_HEAP_MIB=$STATES_MIB \
		VMACCT_STATES_TRIM_MIB=$STATES_MIB VMACCT_FUZZ_SECONDS=$FUZZ_SECONDS \
		VMACCT_FUZZ_SEED=$FUZZ_SEED VMACCT_FUZZ_REPLAY=$FUZZ_REPLAY VMACCT_FUZZ_ARGS=${FUZZ_ARGS:-} \
		VMACCT_TESTS=${TESTS:-} VMACCT_SKIP=${SKIP:-} VMACCT_FAULTS=${FAULTS:-0} \
		VMACCT_STORM_READERS=${STORM_READERS:-64} \
		sh ./run_vmacct.sh; echo $? >/tmp/selftests.rc) 2>&1 | sed 's/^/  /'
	# Streamed as it goes (one program's document at a time): a guest that runs out of time shows
	# where.
	rc=$(cat /tmp/selftests.rc 2>/dev/null || echo 1)
	took selftests "$t"
	if [ "$rc" = 0 ]; then
		ktap_test_pass "vmacct: selftests"
	else
		ktap_test_fail "vmacct: selftests" "exit $rc"
	fi
else
	ktap_test_skip "vmacct: selftests" "not built"
fi

if [ -f /vmacct/guest-payload-reader.sh ]; then
	t=$(now_s)
	sh /vmacct/guest-payload-reader.sh >/tmp/reader.out 2>&1
	sed 's/^/  /' /tmp/reader.out
	took reader "$t"
	if grep -q '^not ok' /tmp/reader.out || ! grep -q '^ok ' /tmp/reader.out; then
		ktap_test_fail "vmacct: reader"
	else
		ktap_test_pass "vmacct: reader"
	fi
else
	ktap_test_skip "vmacct: reader" "${NO_READER:-guest-payload-reader.sh not in the guest}"
fi
[ "$KMEMLEAK_CHECK" = 0 ] || kmemleak_check
under_lockdown
