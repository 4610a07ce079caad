#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: the whole kernel matrix plus the host-side tests.
#   check.sh [KERNEL...]     (default: every kernel of the matrix)
# For each kernel: provision (cached), build the module with W=1 in its release's build root (a warning
# fails), build it again through DKMS where the root has dkms, boot a QEMU guest that loads it and runs
# the selftests, scan the console for kernel reports, and count the KTAP results. Ends with a table and
# the line "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernels=${*:-$VMACCT_ALL_KERNELS}
B=$VMACCT_BUILD
mkdir -p "$B"
"$VMACCT_TOP/scripts/host-deps.sh" || exit 1

total_p=0 total_f=0 total_s=0
rows=()
add_row() { # name release status passed failed skipped seconds
	rows+=("$(printf '%-8s %-24s %-22s %6s %6s %7s %6ss' "$@")")
	total_p=$((total_p + $4)) total_f=$((total_f + $5)) total_s=$((total_s + $6))
}
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$VMACCT_TOP/dkms.conf")

# Host side: the reader's parser/formatter tests, then the selftests' binaries for the guests.
t0=$SECONDS
hp=0 hf=0 hs=0 hstat=ok
if [ -f "$VMACCT_TOP/tools/Makefile" ]; then
	if make -s -C "$VMACCT_TOP/tools" >"$B/tools-build.log" 2>&1 &&
		make -s -C "$VMACCT_TOP/tools" check >"$B/host-tests.txt" 2>&1; then
		:
	else
		hstat="tests-failed"
	fi
	cat "$B/host-tests.txt" 2>/dev/null
	read -r hp hf hs < <("$VMACCT_TOP/scripts/ktap-count.sh" "$B/host-tests.txt" 2>/dev/null || echo "0 0 0")
	[ "$hstat" = ok ] || [ "$hf" -gt 0 ] || { hf=1; tail -n 20 "$B/tools-build.log"; }
fi
rm -rf "$B/selftests"
if [ -f "$VMACCT_TOP/selftests/Makefile" ]; then
	ksft=$("$VMACCT_TOP/scripts/kernel-source.sh" 6.12)/tools/testing/selftests
	if ! make -s -C "$VMACCT_TOP/selftests" OUTPUT="$B/selftests" KSFT_DIR="$ksft" >"$B/selftests-build.log" 2>&1; then
		tail -n 30 "$B/selftests-build.log"
		hstat="selftests-build-failed"
		hf=$((hf + 1))
		rm -rf "$B/selftests"
	else
		hp=$((hp + 1))
	fi
fi
# The reader's live test runs the demo workload in every guest (scripts/guest-payload-reader.sh).
reader_files=()
mkdir -p "$B/reader"
if gcc -O2 -Wall -Wextra -Werror -static -o "$B/reader/demo-workload" "$VMACCT_TOP/scripts/demo-workload.c" \
	>"$B/reader/build.log" 2>&1; then
	reader_files=(--with-top --file "$B/reader/demo-workload" --file "$VMACCT_TOP/scripts/guest-payload-reader.sh")
	hp=$((hp + 1))
else
	tail -n 20 "$B/reader/build.log"
	hstat="workload-build-failed"
	hf=$((hf + 1))
fi
add_row host "$(uname -m)" "$hstat" "$hp" "$hf" "$hs" $((SECONDS - t0))

# Static checks of the module: checkpatch --strict, sparse.
t0=$SECONDS
"$VMACCT_TOP/scripts/static-checks.sh" >"$B/static-checks.txt" 2>"$B/static-checks.log"
cat "$B/static-checks.txt"
read -r sp sf ss < <("$VMACCT_TOP/scripts/ktap-count.sh" "$B/static-checks.txt")
[ "$((sp + sf + ss))" -gt 0 ] || { sf=1; tail -n 20 "$B/static-checks.log"; }
add_row static - "$([ "$sf" = 0 ] && echo ok || echo findings)" "$sp" "$sf" "$ss" $((SECONDS - t0))

for k in $kernels; do
	t0=$SECONDS
	p=0 f=0 s=0 status=ok rel=-
	note "=== kernel $k ==="
	if ! "$VMACCT_TOP/scripts/provision.sh" ensure "$k"; then
		add_row "$k" - provision-failed 0 1 0 $((SECONDS - t0))
		continue
	fi
	rel=$("$VMACCT_TOP/scripts/provision.sh" version "$k")
	if ! "$VMACCT_TOP/scripts/build-module.sh" "$k" W=1; then
		add_row "$k" "$rel" build-failed 0 1 0 $((SECONDS - t0))
		continue
	fi
	if grep -E 'warning:' "$B/$k/build.log"; then
		note "$k: the W=1 build has warnings"
		status=build-warnings f=$((f + 1))
	else
		p=$((p + 1))
	fi
	extra=()
	root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
	if [ -x "$root/usr/sbin/dkms" ]; then
		if "$VMACCT_TOP/scripts/dkms-build.sh" "$k"; then
			extra=(--file "$B/$k/vmacct-dkms.ko")
		else
			status=dkms-failed f=$((f + 1))
		fi
	fi
	payload="$B/$k/payload.sh"
	{ echo "EXPECTED_VERSION='$version'"; cat "$VMACCT_TOP/scripts/guest-payload-check.sh"; } >"$payload"
	extra+=(${reader_files[@]+"${reader_files[@]}"})
	if "$VMACCT_TOP/scripts/guest.sh" ${extra[@]+"${extra[@]}"} "$k" "$payload"; then
		p=$((p + 1))
	else
		status=guest-report f=$((f + 1))
	fi
	log="$B/$k/console.log"
	grep -vE '^(dmesg: |\[ *[0-9]+\.[0-9]+\])' "$log" | grep -E '^ *(not )?ok |^ *# ' | sed 's/^/  /'
	read -r kp kf ks < <("$VMACCT_TOP/scripts/ktap-count.sh" "$log")
	p=$((p + kp)) f=$((f + kf)) s=$((s + ks))
	gf=$kf rf=0
	if [ ${#reader_files[@]} -gt 0 ]; then
		# The host half of the reader's test: its table, JSON and Prometheus from the console.
		"$VMACCT_TOP/scripts/reader-host-check.sh" "$log" "$B/$k/reader" >"$B/$k/reader-host.txt" 2>&1
		grep -E '^(not )?ok |^# ' "$B/$k/reader-host.txt" | sed 's/^/  reader (host): /'
		read -r rp rf rs < <("$VMACCT_TOP/scripts/ktap-count.sh" "$B/$k/reader-host.txt")
		[ "$((rp + rf + rs))" -gt 0 ] || { rf=1; tail -n 20 "$B/$k/reader-host.txt"; }
		p=$((p + rp)) f=$((f + rf)) s=$((s + rs))
	fi
	# A second boot with debugfs=off: a clean refusal, no crash.
	offlog="$B/$k/console-debugfs-off.log"
	if "$VMACCT_TOP/scripts/guest.sh" --append debugfs=off --timeout 300 --log "$offlog" "$k" \
		"$VMACCT_TOP/scripts/guest-payload-debugfs-off.sh"; then
		p=$((p + 1))
	else
		status=guest-report f=$((f + 1))
	fi
	grep -E '^(not )?ok ' "$offlog" | sed 's/^/  debugfs=off: /'
	read -r kp kf ks < <("$VMACCT_TOP/scripts/ktap-count.sh" "$offlog")
	p=$((p + kp)) f=$((f + kf)) s=$((s + ks))
	[ "$((gf + kf + rf))" -gt 0 ] && [ "$status" = ok ] && status=tests-failed
	[ "$((kp + kf + ks))" = 0 ] && { status=no-results f=$((f + 1)); }
	sed -n 's/^ *# SHR-REPORT //p' "$log" >"$B/report-$k.txt"
	[ -s "$B/report-$k.txt" ] || rm -f "$B/report-$k.txt"
	add_row "$k" "$rel" "$status" "$p" "$f" "$s" $((SECONDS - t0))
done

echo
printf '%-8s %-24s %-22s %6s %6s %7s %7s\n' kernel release status passed failed skipped time
printf '%s\n' "${rows[@]}"
echo
for r in "$B"/report-*.txt; do
	[ -f "$r" ] && echo "SHR accuracy report: ${r#"$VMACCT_TOP"/} ($(grep -c . "$r") lines)"
done
echo
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
