# SPDX-License-Identifier: GPL-2.0
# Guest payload for a boot with debugfs=off (init has tried to insmod the module already): the module
# must refuse to load with a message that says why, and nothing may crash.
echo "TAP version 13"
echo "1..2"
if grep -q '^vmacct ' /proc/modules; then echo "not ok 1 module refuses to load without debugfs"
else echo "ok 1 module refuses to load without debugfs"; fi
if dmesg | grep -q 'vmacct: cannot create /sys/kernel/debug/vmacct.*debugfs is disabled'; then
	echo "ok 2 the kernel log says why"
else
	echo "not ok 2 the kernel log says why"
fi
