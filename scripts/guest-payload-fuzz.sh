# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The guest side of `make fuzz` (busybox sh, run by the guest's init in /vmacct after insmod): the
# selftests' runner with vmacct_fuzz alone, which sets up the RAM disk, the zram swap and the hugetlb
# pages as in `make check`. FUZZ_SECONDS, FUZZ_SEED, FUZZ_ARGS and FUZZ_TESTS are set by the lines
# fuzz.sh puts in front of this file.
if [ ! -f /vmacct/selftests/run_vmacct.sh ]; then
	echo "vmacct-fuzz: the selftests are not in the guest"
	exit 1
fi
# New seeds only: the recorded ones (fuzz_seeds) are make check's.
# FUZZ_TESTS: vmacct_fuzz, and what else is asked for (VMACCT_FUZZ_TESTS): vmacct_syscalls for as
# long, vmacct_pressure with all its cases.
cd /vmacct/selftests && VMACCT_TESTS=${FUZZ_TESTS:-vmacct_fuzz} VMACCT_FUZZ_SECONDS=$FUZZ_SECONDS \
	VMACCT_FUZZ_SEED=$FUZZ_SEED VMACCT_FUZZ_ARGS="$FUZZ_ARGS" VMACCT_FUZZ_REPLAY=0 \
	VMACCT_SYSCALLS_SECONDS=$FUZZ_SECONDS VMACCT_SYSCALLS_SEED=$FUZZ_SEED VMACCT_PRESSURE_FULL=1 \
	sh ./run_vmacct.sh
echo "vmacct-fuzz: exit $?"
