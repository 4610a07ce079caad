#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make report`: how wrong top's SHR is on a real Debian system, per kernel of the matrix.
#   report.sh [KERNEL...]   (default: the kernels whose image is Debian's own, image=deb)
# For each kernel: provision (cached), build the module (cross-built for arm64), build or reuse the
# release's report image for the kernel's architecture (scripts/report/image.sh, cached under
# $VMACCT_CACHE/report/), boot it with systemd and the services (scripts/report/run.sh), then write
# $VMACCT_BUILD/shr-report.md, shr-report.json and the chart shr-chart.svg (scripts/report/analyze.py).
# KTAP on stdout: one result per kernel (the guest ran, every service started, every process agreed
# with smaps_rollup) and one for the report.
# VMACCT_REPORT_SETTLE: seconds the guest lets the services settle before measuring (30).
set -uo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../../selftests/ktap_helpers.sh
. "$VMACCT_TOP/selftests/ktap_helpers.sh"

if [ $# -gt 0 ]; then
	kernels=("$@")
else
	mapfile -t kernels < <(kernels_with image deb)
fi
check_kernels "${kernels[@]}"
B=$VMACCT_BUILD
mkdir -p "$B"
"$VMACCT_TOP/scripts/host-deps.sh" || exit 1
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is missing (apt-get install e2fsprogs)"

ktap_print_header
ktap_set_plan $((${#kernels[@]} + 1))
make -s -C "$VMACCT_TOP/tools" vmacct >"$B/report-tools.log" 2>&1 || die "the reader did not build ($B/report-tools.log)"
# Another architecture's guests get a static reader from the host's cross compiler (host-deps.sh
# installs it), where run.sh looks for it.
for a in $(for k in "${kernels[@]}"; do kernel_field "$k" arch; done | sort -u); do
	[ "$a" != "$(dpkg --print-architecture)" ] || continue
	make -s -C "$VMACCT_TOP/tools" static CC="$(cross_gcc "$a")" OUT="$B/report/reader-$a" \
		>>"$B/report-tools.log" 2>&1 || die "the $a reader did not build ($B/report-tools.log)"
done
args=()
for k in "${kernels[@]}"; do
	t0=$SECONDS
	d=$B/report/$k
	if ! "$VMACCT_TOP/scripts/provision.sh" ensure "$k" >"$B/report-$k.log" 2>&1 ||
		! "$VMACCT_TOP/scripts/build-module.sh" "$k" >>"$B/report-$k.log" 2>&1; then
		ktap_test_fail "report $k" "provisioning or the module build failed ($B/report-$k.log)"
		continue
	fi
	if ! "$VMACCT_TOP/scripts/report/run.sh" "$k" "$d" >>"$B/report-$k.log" 2>&1; then
		ktap_print_msg "$k: $(grep -hE 'vmacct(-report)?: |guest problem' "$B/report-$k.log" "$d/console.log" 2>/dev/null | tail -n 15)"
		ktap_test_fail "report $k" "the guest did not complete ($d/console.log)"
		continue
	fi
	args+=("$k=$d/results")
	ktap_print_msg "$k: guest ran $(cat "$d/guest-seconds")s, $((SECONDS - t0))s in all"
	if [ -e "$d/results/out/failures" ]; then
		while IFS= read -r line; do ktap_print_msg "$k: $line"; done <"$d/results/out/failures"
		ktap_test_fail "report $k" "the guest recorded failures"
	else
		ktap_test_pass "report $k"
	fi
done
if [ ${#args[@]} = 0 ]; then
	ktap_test_fail "shr-report" "no kernel gave results"
elif python3 "$VMACCT_TOP/scripts/report/analyze.py" "$B" "${args[@]}" >"$B/report-analyze.txt" 2>&1; then
	while IFS= read -r line; do ktap_print_msg "$line"; done <"$B/report-analyze.txt"
	ktap_test_pass "shr-report ($B/shr-report.md)"
else
	while IFS= read -r line; do ktap_print_msg "$line"; done <"$B/report-analyze.txt"
	ktap_test_fail "shr-report" "the numbers are not meaningful (above)"
fi
ktap_finished
