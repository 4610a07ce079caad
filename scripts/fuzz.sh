#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make fuzz`: vmacct_fuzz alone, for a long time, on each kernel of the matrix, each in a QEMU guest
# of its own (4 GiB: room for a 1 GiB hugetlb page), VMACCT_JOBS (2) guests at a time (a TCG guest is
# one host thread). Not part of `make check`, which runs the same fuzzer for about 30 s per kernel.
#   fuzz.sh [--seconds T] [--seed S] [--args "OPTIONS"] [KERNEL...]
#     --seconds T   fuzzing time per kernel (default 600)
#     --seed S      first seed (default: the time, printed); every kernel runs these seed numbers
#                   (the same operations where the kernels have the same ones)
#     --args A      more options for vmacct_fuzz (--no-op NAME,..., --strict)
#     --mem SIZE    guest memory (default 4G; make check's guests have 2G)
#   VMACCT_FUZZ_TESTS="vmacct_fuzz vmacct_syscalls"  the selftests to run (default vmacct_fuzz), each
#                 for --seconds from --seed (vmacct_syscalls: VMACCT_SYSCALLS_SECONDS/_SEED)
# Results: build/fuzz-KERNEL.txt (what the fuzzer printed), build/KERNEL/fuzz-console.log. Prints, per
# kernel, the seeds and steps made, the operations table and every mismatch with its seed; exit 1
# when any kernel had a mismatch, a kernel report (oops, KASAN, ...) or no result.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

seconds=600 seed='' args='' mem=4G
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--args) args=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
kernels=${*:-$VMACCT_ALL_KERNELS}
# shellcheck disable=SC2086 # a list of kernel names
check_kernels $kernels
seed=${seed:-$(date +%s)}
B=$VMACCT_BUILD
mkdir -p "$B/fuzz"
"$VMACCT_TOP/scripts/host-deps.sh" || exit 1

# The selftests for the guests, as make check builds them (guest.sh copies build/selftests in).
ksft=$("$VMACCT_TOP/scripts/kernel-source.sh" "$VMACCT_DEFAULT_KERNEL")/tools/testing/selftests
rm -rf "$B/selftests"
make -s -C "$VMACCT_TOP/selftests" OUTPUT="$B/selftests" KSFT_DIR="$ksft" >"$B/fuzz/selftests-build.log" 2>&1 ||
	{ tail -n 30 "$B/fuzz/selftests-build.log"; die "building the selftests failed"; }
# ... and cross-built for a kernel of another architecture (guest.sh copies build/ARCH/selftests).
host_arch=$(dpkg --print-architecture)
for a in $(for k in $kernels; do kernel_field "$k" arch; done | sort -u); do
	[ "$a" != "$host_arch" ] || continue
	rm -rf "${B:?}/$a/selftests"
	make -s -C "$VMACCT_TOP/selftests" CC="$(cross_gcc "$a")" OUTPUT="$B/$a/selftests" KSFT_DIR="$ksft" \
		>>"$B/fuzz/selftests-build.log" 2>&1 ||
		{ tail -n 30 "$B/fuzz/selftests-build.log"; die "building the selftests for $a failed"; }
done
{
	echo "FUZZ_SECONDS=$seconds"
	echo "FUZZ_SEED=$seed"
	echo "FUZZ_ARGS='$args'"
	echo "FUZZ_TESTS='${VMACCT_FUZZ_TESTS:-vmacct_fuzz}'"
	cat "$VMACCT_TOP/scripts/guest-payload-fuzz.sh"
} >"$B/fuzz/payload.sh"
note "fuzzing ${seconds} s per kernel from seed $seed${args:+ with $args}: $kernels"

# One kernel: module build, the guest, the fuzzer's lines out of the console. The guest's time limit
# leaves room for the boot, a slow last step (a KSM pass, a 1 GiB populate under KASAN) and the end.
fuzz_kernel() {
	local k=$1 log="$B/$1/fuzz-console.log" out="$B/fuzz-$1.txt" st=ok

	if ! "$VMACCT_TOP/scripts/provision.sh" ensure "$k" >"$B/fuzz/$k-build.log" 2>&1 ||
		! "$VMACCT_TOP/scripts/build-module.sh" "$k" >>"$B/fuzz/$k-build.log" 2>&1; then
		echo "build-failed" >"$B/fuzz/$k.status"
		return
	fi
	local huge=()
	# The 1 GiB hugetlb page reserved at boot, as make check does (scripts/check.sh says why).
	kernel_is "$k" debug || huge=(--append "hugepagesz=1G hugepages=1")
	"$VMACCT_TOP/scripts/guest.sh" --mem "$mem" ${huge[@]+"${huge[@]}"} --timeout $((seconds + 900)) \
		--log "$log" "$k" "$B/fuzz/payload.sh" 2>"$B/fuzz/$k-guest.txt" || st=guest-report
	# The fuzzer's own lines (run_vmacct.sh indents them), without the kernel's.
	grep -vE '^(dmesg: |\[ *[0-9]+\.[0-9]+\])' "$log" | sed -n 's/^  //p' >"$out"
	if grep -qE '^not ok|^# MISMATCH|^# SEED FAILED|^# the fuzzer died' "$out"; then
		st=mismatch
	elif ! grep -qE '^ok [0-9]+ [0-9]+ seeds from' "$out"; then
		st=no-result
	fi
	echo "$st" >"$B/fuzz/$k.status"
}

jobs_max=${VMACCT_JOBS:-2}
for k in $kernels; do
	mkdir -p "$B/$k"
	rm -f "$B/fuzz/$k.status"
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do sleep 5; done
	note "=== kernel $k: fuzzing ==="
	fuzz_kernel "$k" &
done
wait

rc=0
summary=()
for k in $kernels; do
	out="$B/fuzz-$k.txt" st=$(cat "$B/fuzz/$k.status" 2>/dev/null || echo runner-failed)
	echo
	echo "=== $k: $st"
	[ "$st" = build-failed ] && { tail -n 20 "$B/fuzz/$k-build.log"; rc=1; continue; }
	cat "$B/fuzz/$k-guest.txt" 2>/dev/null
	# The steps made, the operations table, every mismatch (without the op logs: in the file).
	grep -E '^# (fuzzed|[0-9]+ seeds,|operation |MISMATCH|SEED FAILED|the fuzzer died|  w[0-9]|operations of seed|this kernel)|^(not )?ok ' "$out"
	sed -n '/^# operation /,/^# [0-9]* seeds,/p' "$out" | sed '1d;$d'
	[ "$st" = ok ] || rc=1
	summary+=("$(printf '%-8s %-14s %s' "$k" "$st" "$(sed -n 's/^# fuzzed //p' "$out" | tail -n 1)")")
done
echo
printf '%s\n' "${summary[@]}"
echo "fuzzer output: ${B#"$VMACCT_TOP"/}/fuzz-<kernel>.txt"
echo "replay a mismatch: make fuzz KERNELS=<kernel> SEED=<seed> SECONDS=0 FUZZ_ARGS=\"--steps <step>\""
exit $rc
