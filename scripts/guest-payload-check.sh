# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The guest side of `make check` (busybox sh, run by the guest's init in /vmacct after insmod).
# Prints one KTAP document: the module's life-cycle basics, then the selftests (nested as they print),
# then the reader against the live module (guest-payload-reader.sh, when check.sh put it in).
# EXPECTED_VERSION, the sizes (BOUNDS_GIB, ..., FUZZ_SECONDS) and TESTS (the selftests to run, empty
# for all) are set by the lines check.sh puts in front of this file.
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
version_root_only() { [ "$(stat -c %a $D/version)" = 400 ]; }

# The module's life-cycle basics, one per line: the function that checks, a tab, what it checks.
# The plan is the number of lines.
basics_list() {
	printf '%s\t%s\n' module_loaded "module loaded" \
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

ktap_print_header
ktap_set_plan 3
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
	(cd /vmacct/selftests && VMACCT_TORTURE_SECONDS=10 VMACCT_BOUNDS_GIB=$BOUNDS_GIB VMACCT_MANY_VMAS=$MANY_VMAS \
		VMACCT_LIFECYCLE_CYCLES=$LIFECYCLE_CYCLES VMACCT_STATES_HEAP_MIB=$STATES_MIB \
		VMACCT_STATES_TRIM_MIB=$STATES_MIB VMACCT_FUZZ_SECONDS=$FUZZ_SECONDS \
		VMACCT_FUZZ_SEED=$FUZZ_SEED VMACCT_FUZZ_REPLAY=$FUZZ_REPLAY VMACCT_TESTS=${TESTS:-} \
		sh ./run_vmacct.sh) \
		>/tmp/selftests.out 2>&1
	rc=$?
	sed 's/^/  /' /tmp/selftests.out
	took selftests "$t"
	if [ $rc = 0 ]; then
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
