#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: vmacct's performance against the kernel's own files, per kernel of the matrix, in a
# QEMU guest (TCG) booting that kernel. Not part of `make check`: it takes minutes per kernel and
# measures, it does not pass or fail the build.
#   bench.sh [KERNEL...]      (default: the kernels with bench=yes in scripts/kernels.txt; the debug
#                             kernel would measure KASAN, not vmacct)
#   BENCH_RUNS=N              reads per median (default 9)
#   BENCH_SECTIONS="A B"      only these sections (dense sparse scaling machine small many memory
#                             storm interference; default all)
# Results: build/bench-KERNEL.txt (every line the guest printed) and build/bench-summary.txt (the
# RESULT lines of every kernel, also printed at the end).
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ $# = 0 ]; then
	mapfile -t kernels < <(kernels_with bench)
else
	kernels=("$@")
fi
check_kernels "${kernels[@]}"
runs=${BENCH_RUNS:-9}
B=$VMACCT_BUILD
mkdir -p "$B/bench"
"$VMACCT_TOP/scripts/host-deps.sh" || exit 1
gcc -O2 -Wall -Wextra -Werror -static -o "$B/bench/vmacct_bench" "$VMACCT_TOP/scripts/bench/vmacct_bench.c" ||
	die "building scripts/bench/vmacct_bench.c failed"
# The scrape storm is a selftest (pass/fail in make check); here it runs larger, for its timings.
ksft=$("$VMACCT_TOP/scripts/kernel-source.sh" "$VMACCT_DEFAULT_KERNEL")/tools/testing/selftests
gcc -O2 -Wall -Wextra -Wno-unused-parameter -Werror -static -D_GNU_SOURCE -I"$ksft" \
	-I"$VMACCT_TOP/include" -o "$B/bench/vmacct_storm" "$VMACCT_TOP/selftests/vmacct_storm.c" \
	"$VMACCT_TOP/selftests/vmacct_util.c" || die "building selftests/vmacct_storm.c failed"
sections=${BENCH_SECTIONS:-}
{ echo "BENCH_RUNS=$runs"; echo "BENCH_SECTIONS='$sections'"; cat "$VMACCT_TOP/scripts/bench/guest-payload-bench.sh"; } >"$B/bench/payload.sh"

summary="$B/bench-summary.txt"
: >"$summary.new"
rc=0
for k in "${kernels[@]}"; do
	note "=== bench on kernel $k ==="
	out="$B/bench-$k.txt"
	if ! "$VMACCT_TOP/scripts/provision.sh" ensure "$k" || ! "$VMACCT_TOP/scripts/build-module.sh" "$k" W=1; then
		echo "$k: not run (provision or module build failed)" | tee -a "$summary.new"
		rc=1
		continue
	fi
	rel=$("$VMACCT_TOP/scripts/provision.sh" version "$k")
	log="$B/$k/bench-console.log"
	t0=$SECONDS
	# 7 GiB: the scaling section holds 64 MiB + 256 MiB + 1 GiB + 4 GiB resident at once, the rest is the kernel,
	# the initramfs and the bench itself. procps top for the whole-machine comparison.
	if ! "$VMACCT_TOP/scripts/guest.sh" --with-top --mem 7G --timeout 3600 --log "$log" \
		--file "$B/bench/vmacct_bench" --file "$B/bench/vmacct_storm" "$k" "$B/bench/payload.sh"; then
		note "$k: the guest reported a problem; console log: $log"
		rc=1
	fi
	{
		echo "# make bench on kernel $k ($rel), $(date -u +%Y-%m-%dT%H:%MZ), ${runs} runs per median, $((SECONDS - t0)) s"
		echo "# command: make bench KERNELS=$k$([ "$runs" = 9 ] || echo " BENCH_RUNS=$runs")$([ -z "$sections" ] || echo " BENCH_SECTIONS=\"$sections\"")"
		sed -n 's/^bench: //p' "$log"
	} >"$out"
	grep -q '^RESULT[ -]' "$out" || { note "$k: no results; console log: $log"; rc=1; }
	{
		echo "== $k ($rel)"
		grep -E '^RESULT|^# machine: .*top|^# interference: p99|^# stats: max_lock_hold|^fault p99, us:' "$out"
	} | tee -a "$summary.new"
done
mv "$summary.new" "$summary"
echo
echo "bench results: ${B#"$VMACCT_TOP"/}/bench-<kernel>.txt, summary: ${summary#"$VMACCT_TOP"/}"
exit $rc
