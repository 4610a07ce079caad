# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest payload for a boot with debugfs=off (init has tried to insmod the module already): the module
# must refuse to load with a message that says why, and nothing may crash.
# shellcheck source=../selftests/ktap_helpers.sh
. /vmacct/ktap_helpers.sh
not_loaded() { ! grep -q '^vmacct ' /proc/modules; }
says_why() { dmesg | grep -q 'vmacct: cannot create /sys/kernel/debug/vmacct.*debugfs is disabled'; }
ktap_print_header
ktap_set_plan 2
ktap_test_result "module refuses to load without debugfs" not_loaded
ktap_test_result "the kernel log says why" says_why
