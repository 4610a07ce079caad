# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC3043 # busybox sh, which has local
# The guest side of `make check` (busybox sh, run by the guest's init in /vmacct after insmod).
# Prints one KTAP document: the module's life-cycle basics, then the selftests (nested as they print),
# then the reader against the live module (guest-payload-reader.sh, when check.sh put it in).
# EXPECTED_VERSION and the sizes (BOUNDS_GIB, ..., FUZZ_SECONDS) are set by the lines check.sh puts in
# front of this file.
D=/sys/kernel/debug/vmacct
n=0
failed=0
result() { # result OK|FAIL|SKIP name [reason]
	n=$((n + 1))
	case "$1" in
	OK) echo "  ok $n $2" ;;
	SKIP) echo "  ok $n $2 # SKIP $3" ;;
	*) echo "  not ok $n $2${3:+ # $3}"; failed=1 ;;
	esac
}
check() { # check name command...
	local name=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then result OK "$name"; else
		sed 's/^/  # /' /tmp/check.out
		result FAIL "$name"
	fi
}
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
dkms_module() {
	unload && insmod /vmacct/vmacct-dkms.ko && version_is && unload &&
		insmod /vmacct/vmacct.ko && version_is
}
# An open file keeps the module: rmmod must refuse (EBUSY), not crash, and work once it is closed.
busy_while_open() {
	exec 3<$D/version
	if rmmod vmacct 2>/dev/null; then exec 3<&-; return 1; fi
	cat <&3 >/dev/null
	exec 3<&-
	unload && insmod /vmacct/vmacct.ko && version_is
}

echo "TAP version 13"
echo "1..3"
t=$(now_s)
echo "  TAP version 13"
if [ -f /vmacct/vmacct-dkms.ko ]; then echo "  1..7"; else echo "  1..6"; fi
check "module loaded" grep -q '^vmacct ' /proc/modules
check "version file reads $EXPECTED_VERSION" version_is
check "version file is root-only (0400)" sh -c "[ \"\$(stat -c %a $D/version)\" = 400 ]"
check "write to version is rejected" write_rejected
check "rmmod and insmod again" reload
check "rmmod refuses while a file is open, works after close" busy_while_open
[ -f /vmacct/vmacct-dkms.ko ] && check "module built by dkms loads and works" dkms_module
took "module basics" "$t"
if [ $failed = 0 ]; then echo "ok 1 vmacct: module basics"; else echo "not ok 1 vmacct: module basics"; fi

if [ -f /vmacct/selftests/run_vmacct.sh ]; then
	# The runner loads the module itself (as on a kernel CI box), which also lets it run the
	# load/unload life-cycle tests.
	unload
	t=$(now_s)
	(cd /vmacct/selftests && VMACCT_TORTURE_SECONDS=10 VMACCT_BOUNDS_GIB=$BOUNDS_GIB VMACCT_MANY_VMAS=$MANY_VMAS \
		VMACCT_LIFECYCLE_CYCLES=$LIFECYCLE_CYCLES VMACCT_STATES_HEAP_MIB=$STATES_MIB \
		VMACCT_STATES_TRIM_MIB=$STATES_MIB VMACCT_FUZZ_SECONDS=$FUZZ_SECONDS \
		VMACCT_FUZZ_SEED=$FUZZ_SEED VMACCT_FUZZ_REPLAY=$FUZZ_REPLAY sh ./run_vmacct.sh) \
		>/tmp/selftests.out 2>&1
	rc=$?
	sed 's/^/  /' /tmp/selftests.out
	took selftests "$t"
	if [ $rc = 0 ]; then echo "ok 2 vmacct: selftests"; else echo "not ok 2 vmacct: selftests # exit $rc"; fi
else
	echo "ok 2 vmacct: selftests # SKIP not built"
fi

if [ -f /vmacct/guest-payload-reader.sh ]; then
	t=$(now_s)
	sh /vmacct/guest-payload-reader.sh >/tmp/reader.out 2>&1
	sed 's/^/  /' /tmp/reader.out
	took reader "$t"
	if grep -q '^not ok' /tmp/reader.out || ! grep -q '^ok ' /tmp/reader.out; then
		echo "not ok 3 vmacct: reader"
	else
		echo "ok 3 vmacct: reader"
	fi
else
	echo "ok 3 vmacct: reader # SKIP ${NO_READER:-guest-payload-reader.sh not in the guest}"
fi
