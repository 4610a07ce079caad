# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest payload for a boot with lockdown=confidentiality (init has tried to insmod the module already).
# Debian's kernels then refuse any unsigned module, ours included, and must say so; a kernel that
# loads it must leave every file read-only and readable by root only, as without lockdown. Either
# way nothing may crash (the runner scans the kernel log).
# shellcheck source=../selftests/ktap_helpers.sh
. /vmacct/ktap_helpers.sh
D=/sys/kernel/debug/vmacct
locked_down() { dmesg | grep -q 'Kernel is locked down from command line'; }
ktap_print_header
ktap_set_plan 2
ktap_test_result "the kernel is locked down (confidentiality)" locked_down
if grep -q '^vmacct ' /proc/modules; then
	sleep 100 &
	if grep -q '^comm: sleep$' "$D/$!" && ! (echo x > $D/version) 2>/dev/null &&
		! su nobody -s /bin/sh -c "cat $D/$!" >/dev/null 2>&1; then
		ktap_test_pass "module loaded: files readable by root only, read-only"
	else
		ktap_test_fail "module loaded but its files misbehave under lockdown"
	fi
	kill $!
else
	# Lockdown's own message is rate-limited and often lost in the boot's tracefs notices; the
	# error insmod gets is what a user sees.
	err=$(insmod /vmacct/vmacct.ko 2>&1)
	dmesg | grep -E 'Lockdown: insmod|vmacct:' | sed 's/^/# /'
	case "$err" in
	*"Operation not permitted"*)
		ktap_test_pass "module refused cleanly: $err" ;;
	*)	ktap_test_fail "module neither loaded nor refused with EPERM: $err" ;;
	esac
fi
