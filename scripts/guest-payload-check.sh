# SPDX-License-Identifier: GPL-2.0
# The guest side of `make check` (busybox sh, run by the guest's init in /vmacct after insmod).
# Prints one KTAP document: the module's life-cycle basics, then the selftests (nested as they print).
# EXPECTED_VERSION is set by the line check.sh puts in front of this file.
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
version_is() { [ "$(cat $D/version)" = "$EXPECTED_VERSION" ]; }
write_rejected() { ! sh -c "echo 1 > $D/version" 2>/dev/null; }
reload() { rmmod vmacct && [ ! -e $D/version ] && insmod /vmacct/vmacct.ko && version_is; }
dkms_module() {
	rmmod vmacct && insmod /vmacct/vmacct-dkms.ko && version_is && rmmod vmacct &&
		insmod /vmacct/vmacct.ko && version_is
}

echo "TAP version 13"
echo "1..2"
echo "  TAP version 13"
if [ -f /vmacct/vmacct-dkms.ko ]; then echo "  1..6"; else echo "  1..5"; fi
check "module loaded" grep -q '^vmacct ' /proc/modules
check "version file reads $EXPECTED_VERSION" version_is
check "version file is root-only (0400)" sh -c "[ \"\$(stat -c %a $D/version)\" = 400 ]"
check "write to version is rejected" write_rejected
check "rmmod and insmod again" reload
[ -f /vmacct/vmacct-dkms.ko ] && check "module built by dkms loads and works" dkms_module
if [ $failed = 0 ]; then echo "ok 1 vmacct: module basics"; else echo "not ok 1 vmacct: module basics"; fi

if [ -f /vmacct/selftests/run_vmacct.sh ]; then
	(cd /vmacct/selftests && sh ./run_vmacct.sh) >/tmp/selftests.out 2>&1
	rc=$?
	sed 's/^/  /' /tmp/selftests.out
	if [ $rc = 0 ]; then echo "ok 2 vmacct: selftests"; else echo "not ok 2 vmacct: selftests # exit $rc"; fi
else
	echo "ok 2 vmacct: selftests # SKIP not built"
fi
