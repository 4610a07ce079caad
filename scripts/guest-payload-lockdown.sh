# SPDX-License-Identifier: GPL-2.0
# Guest payload for a boot with lockdown=confidentiality (init has tried to insmod the module already).
# Debian's kernels then refuse any unsigned module, ours included, and must say so; a kernel that
# loads it must leave every file read-only and readable by root only, as without lockdown. Either
# way nothing may crash (the runner scans the kernel log).
D=/sys/kernel/debug/vmacct
echo "TAP version 13"
echo "1..2"
if dmesg | grep -q 'Kernel is locked down from command line'; then
	echo "ok 1 the kernel is locked down (confidentiality)"
else
	echo "not ok 1 the kernel is locked down (confidentiality)"
fi
if grep -q '^vmacct ' /proc/modules; then
	sleep 100 &
	if grep -q '^comm: sleep$' $D/$! && ! (echo x > $D/version) 2>/dev/null &&
		! su nobody -s /bin/sh -c "cat $D/$!" >/dev/null 2>&1; then
		echo "ok 2 module loaded: files readable by root only, read-only"
	else
		echo "not ok 2 module loaded but its files misbehave under lockdown"
	fi
	kill $!
else
	# Lockdown's own message is rate-limited and often lost in the boot's tracefs notices; the
	# error insmod gets is what a user sees.
	err=$(insmod /vmacct/vmacct.ko 2>&1)
	dmesg | grep -E 'Lockdown: insmod|vmacct:' | sed 's/^/# /'
	case "$err" in
	*"Operation not permitted"*)
		echo "ok 2 module refused cleanly: $err" ;;
	*)	echo "not ok 2 module neither loaded nor refused with EPERM: $err" ;;
	esac
fi
