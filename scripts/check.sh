#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: the whole kernel matrix plus the host-side tests.
#   check.sh [KERNEL...]     (default: every kernel of the matrix, scripts/kernels.txt)
#   VMACCT_QUICK=1           `make check-quick`, the fast loop: the default kernel unless named; of the
#                            host side only the selftests' build; no static checks, no DKMS; one boot
#                            with the module basics and the layout and crosscheck selftests
#                            (VMACCT_QUICK_TESTS), no reader, no debugfs=off boot
# For each kernel: provision (cached), build the module with W=1 in its release's build root (a warning
# fails), build it again through DKMS where the root has dkms; then boot QEMU guests that load it and
# run the selftests (two kernels at a time, VMACCT_JOBS), scan the console for kernel reports, and
# count the KTAP results. Ends with a table and the line "N passed, N failed, N skipped".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

quick=${VMACCT_QUICK:-0}
if [ "$quick" = 1 ]; then
	kernels=${*:-$VMACCT_DEFAULT_KERNEL}
	quick_tests=${VMACCT_QUICK_TESTS:-vmacct_layout vmacct_crosscheck}
else
	kernels=${*:-$VMACCT_ALL_KERNELS}
	quick_tests=
fi
# shellcheck disable=SC2086 # a list of kernel names
check_kernels $kernels
B=$VMACCT_BUILD
mkdir -p "$B"
"$VMACCT_TOP/scripts/host-deps.sh" || exit 1

total_p=0 total_f=0 total_s=0
rows=()
add_row() { # name release status passed failed skipped seconds
	rows+=("$(printf '%-10s %-24s %-22s %6s %6s %7s %6ss' "$@")")
	total_p=$((total_p + $4)) total_f=$((total_f + $5)) total_s=$((total_s + $6))
}
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$VMACCT_TOP/dkms.conf")

# Static checks of the module (checkpatch --strict, sparse in the build roots): run by the
# background builder after the kernels' builds, while guests run; reported before the kernels.
run_static_checks() {
	local t0=$SECONDS

	"$VMACCT_TOP/scripts/static-checks.sh" >"$B/static-checks.txt" 2>"$B/static-checks.log"
	echo $((SECONDS - t0)) >"$B/static-checks.seconds"
}
report_static_checks() {
	local sp sf ss

	cat "$B/static-checks.txt"
	read -r sp sf ss < <("$VMACCT_TOP/scripts/ktap-count.sh" "$B/static-checks.txt")
	[ "$((sp + sf + ss))" -gt 0 ] || { sf=1; tail -n 20 "$B/static-checks.log"; }
	add_row static - "$([ "$sf" = 0 ] && echo ok || echo findings)" "$sp" "$sf" "$ss" \
		"$(cat "$B/static-checks.seconds" 2>/dev/null || echo 0)"
}

# prepare_failed STATUS RELEASE: prepare_kernel's end for a kernel that cannot boot (one failure).
prepare_failed() {
	echo "0 1 0 $1 $2 $((SECONDS - t0))" >"$B/$k/state"
	touch "$B/$k/prepared"
}

# Phase 1 of a kernel: provision, W=1 build, DKMS.
# Leaves $B/K/state ("p f s status rel seconds") and, for a kernel that can boot, $B/K/bootable;
# $B/K/prepared once nothing more is to come for its guests (the Debian packages come later).
prepare_kernel() { # KERNEL
	local k=$1 t0=$SECONDS p=0 f=0 s=0 status=ok rel=- root deb=0

	rm -f "$B/$k/state" "$B/$k/bootable" "$B/$k/booted" "$B/$k/vmacct-dkms.ko"
	mkdir -p "$B/$k"
	note "=== kernel $k: build === (at ${SECONDS} s)"
	if ! "$VMACCT_TOP/scripts/provision.sh" ensure "$k"; then
		prepare_failed provision-failed -
		return
	fi
	rel=$("$VMACCT_TOP/scripts/provision.sh" version "$k")
	if ! "$VMACCT_TOP/scripts/build-module.sh" "$k" W=1; then
		prepare_failed build-failed "$rel"
		return
	fi
	if grep -E 'warning:' "$B/$k/build.log"; then
		note "$k: the W=1 build has warnings"
		status=build-warnings f=$((f + 1))
	else
		p=$((p + 1))
	fi
	root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
	# The Debian packages (make deb), built and lintian-checked in the first DKMS kernel's root,
	# and installed there: the module their DKMS hook builds (dkms add, build, install from the
	# packaged dkms.conf) is loaded by that kernel's guest. Another kernel whose root has dkms
	# builds it with dkms directly (scripts/dkms-build.sh): the same dkms.conf, without the
	# package, whose DKMS build would only repeat the other one on the packages' kernel.
	rm -f "$B/$k/vmacct-deb.ko" "$B/$k/deb.ktap"
	if [ "$quick" = 0 ] && [ "$k" = "$(kernels_with dkms | head -n 1)" ]; then
		deb=1
	elif [ "$quick" = 0 ] && [ -x "$root/usr/sbin/dkms" ] && ! "$VMACCT_TOP/scripts/dkms-build.sh" "$k"; then
		status=dkms-failed f=$((f + 1))
	fi
	# procps (for the reader's --compare-top) goes into the build root now, not while guests run.
	if [ "$quick" = 0 ] && ! kernel_is "$k" debug; then
		rm -rf "$B/$k/procps" && mkdir -p "$B/$k/procps"
		"$VMACCT_TOP/scripts/guest-procps.sh" "$k" "$B/$k/procps" || { status=procps-failed f=$((f + 1)); }
	fi
	echo "$p $f $s $status $rel $((SECONDS - t0))" >"$B/$k/state"
	touch "$B/$k/bootable"
	if [ "$deb" = 0 ]; then
		touch "$B/$k/prepared"
		return
	fi
	# The packages take minutes (dpkg-buildpackage, lintian twice, DKMS through apt): beside the
	# next kernels' builds, so that no slot waits for them; this kernel's guests wait.
	(
		"$VMACCT_TOP/scripts/deb.sh" --install >"$B/$k/deb.out" 2>&1
		cp "$B/deb/deb.ktap" "$B/$k/deb.ktap" 2>/dev/null || tail -n 20 "$B/$k/deb.out" >"$B/$k/deb.ktap"
		touch "$B/$k/prepared"
	) &
}

# The kernels are built one after the other in the background, and a slot that comes free starts
# the guests of the first kernel in this order that is prepared: VMACCT_JOBS (default 2) kernels'
# guests at a time, since a TCG guest is one host thread and two use both cores. A build
# overlapping two guests only slows them a little; it saves its whole time. The order keeps both
# slots busy to the end: the first kernel built from source (the debug kernel, the longest guest)
# first, then the table's order (its rows go from the longest guests to the shortest: the release
# kernels, the small rows, the kcsan kernel's two tests last); a kernel still waiting for its
# packages or its architecture's user space lets the next one go first. The builder starts first:
# the first guest waits for nothing else, the host side's setup below goes on beside the first
# build.
jobs_max=${VMACCT_JOBS:-2}
first_built=
for k in $kernels; do
	if [ "$(kernel_field "$k" image)" = built ]; then first_built=$k; break; fi
done
order=$first_built
for k in $kernels; do
	if [ "$k" != "$first_built" ]; then order="$order $k"; fi
done
for k in $order; do
	rm -f "$B/$k/prepared" "$B/$k/guests-done"
done
rm -f "$B/static-checks.txt" "$B/static-checks.seconds"
(
	for pk in $order; do prepare_kernel "$pk"; done
	# The static checks are nobody's prerequisite: the guests go first.
	[ "$quick" = 1 ] || { renice -n 10 -p "$BASHPID" >/dev/null; run_static_checks; }
	wait
) &
preparer=$!
# Host side. First what the guests need, the reader and the selftests' binaries; then the host's own tests (the
# reader's parser/formatter tests, twice with the sanitizers, the selftests' parsers, the in-tree
# kselftest build), in the background while the kernels are prepared and their guests run: they
# are single-threaded, and one core would wait for them otherwise.
t0=$SECONDS
hp=0 hf=0 hs=0 hstat=ok
# The host's compiles go through ccache (lib.sh host_ccache_env): make for tools/ and selftests/.
read -ra hmake <<<"$(host_ccache_env) make"
reader_built=0
if [ -f "$VMACCT_TOP/tools/Makefile" ] && [ "$quick" = 0 ]; then
	if "${hmake[@]}" -s -C "$VMACCT_TOP/tools" >"$B/tools-build.log" 2>&1; then
		reader_built=1
	else
		tail -n 20 "$B/tools-build.log"
		hstat="reader-build-failed"
		hf=$((hf + 1))
	fi
fi
rm -rf "$B/selftests"
if [ -f "$VMACCT_TOP/selftests/Makefile" ]; then
	ksft=$("$VMACCT_TOP/scripts/kernel-source.sh" "$VMACCT_DEFAULT_KERNEL")/tools/testing/selftests
	if ! "${hmake[@]}" -s -C "$VMACCT_TOP/selftests" OUTPUT="$B/selftests" KSFT_DIR="$ksft" >"$B/selftests-build.log" 2>&1; then
		tail -n 30 "$B/selftests-build.log"
		hstat="selftests-build-failed"
		hf=$((hf + 1))
		rm -rf "$B/selftests"
	else
		hp=$((hp + 1))
	fi
fi
# host_tests: each document into $B/host-NAME.txt (NAME: tests, sanitize, selftests-host,
# selftests-in-tree); the seconds into $B/host-tests.seconds.
host_tests() {
	local t=$SECONDS

	# Nobody waits for them until the end: the guests and the builds go first.
	renice -n 10 -p "$BASHPID" >/dev/null

	rm -f "$B"/host-*.txt "$B/host-tests.seconds"
	if [ "$reader_built" = 1 ]; then
		"${hmake[@]}" -s -C "$VMACCT_TOP/tools" check >"$B/host-tests.txt" 2>&1
		# The same tests once more with the reader under AddressSanitizer + UBSan.
		"${hmake[@]}" -s -C "$VMACCT_TOP/tools" check-sanitize >"$B/host-sanitize.txt" 2>&1
	fi
	if [ -f "$VMACCT_TOP/selftests/Makefile" ]; then
		# The selftests' parsers on the host, under AddressSanitizer + UBSan (needs only gcc) ...
		"${hmake[@]}" -s -C "$VMACCT_TOP/selftests" host-check OUTPUT="$B/selftests-host" KSFT_DIR="$ksft" \
			>"$B/host-selftests-host.txt" 2>&1
		# ... and built in a kernel tree, as kernel CI builds them.
		"$VMACCT_TOP/scripts/ksft-intree-check.sh" >"$B/host-selftests-in-tree.txt" 2>&1
	fi
	echo $((SECONDS - t)) >"$B/host-tests.seconds"
}
# report_host_tests: show the host's documents and count them into the host row (no result at
# all is a failure: the producer did not run).
report_host_tests() {
	local name

	for name in tests sanitize selftests-host selftests-in-tree; do
		case $name in
		selftests-*) [ -f "$VMACCT_TOP/selftests/Makefile" ] || continue ;;
		*) [ "$reader_built" = 1 ] || continue ;;
		esac
		# The reader's own tests unprefixed, the others named.
		sed "s/^/$([ "$name" = tests ] || echo "$name: ")/" "$B/host-$name.txt" 2>/dev/null
		host_count "$B/host-$name.txt" || tail -n 20 "$B/host-$name.txt"
	done
}
host_count() {
	local p f s
	read -r p f s < <("$VMACCT_TOP/scripts/ktap-count.sh" "$1" 2>/dev/null || echo "0 0 0")
	[ "$((p + f + s))" -gt 0 ] || f=1
	[ "$f" = 0 ] || hstat="tests-failed"
	hp=$((hp + p)) hf=$((hf + f)) hs=$((hs + s))
	[ "$((p + f + s))" -gt 0 ]
}
host_tests_pid=
if [ "$quick" = 0 ]; then
	host_tests &
	host_tests_pid=$!
fi
# The reader's live test runs the demo workload in every guest (scripts/guest-payload-reader.sh).
reader_files=()
mkdir -p "$B/reader"
build_workload() {
	gcc -O2 -Wall -Wextra -Werror -static -o "$B/reader/demo-workload" \
		"$VMACCT_TOP/scripts/demo-workload.c" >"$B/reader/build.log" 2>&1 &&
		gcc -O2 -Wall -Wextra -Werror -static -o "$B/reader/guest-cat" \
			"$VMACCT_TOP/scripts/guest-cat.c" >>"$B/reader/build.log" 2>&1
}
if [ "$quick" = 1 ]; then
	note "make check-quick: no reader test (make -C tools check and make check have it)"
elif build_workload; then
	reader_files=(--with-top --file "$B/reader/demo-workload" --file "$B/reader/guest-cat"
		--file "$VMACCT_TOP/scripts/guest-payload-reader.sh")
	hp=$((hp + 1))
else
	tail -n 20 "$B/reader/build.log"
	hstat="workload-build-failed"
	hf=$((hf + 1))
fi
# The guests of a kernel of another architecture than the host's (kernels.txt's arch) get their
# user space from $B/ARCH/ (scripts/guest.sh): the selftests, the static reader and the demo
# workload, cross-compiled and static.
host_arch=$(dpkg --print-architecture)
is_cross() { [ "$(kernel_field "$1" arch)" != "$host_arch" ]; }
cross_build() { # ARCH
	local cc d=$B/$1

	cc=$(cross_gcc "$1") || return 1
	rm -rf "$d" && mkdir -p "$d"
	[ -z "${ksft:-}" ] || "${hmake[@]}" -s -C "$VMACCT_TOP/selftests" CC="$cc" OUTPUT="$d/selftests" \
		KSFT_DIR="$ksft" || return 1
	[ "$quick" = 1 ] && return 0
	"${hmake[@]}" -s -C "$VMACCT_TOP/tools" static CC="$cc" OUT="$d" &&
		"$cc" -O2 -Wall -Wextra -Werror -static -o "$d/demo-workload" "$VMACCT_TOP/scripts/demo-workload.c" &&
		"$cc" -O2 -Wall -Wextra -Werror -static -o "$d/guest-cat" "$VMACCT_TOP/scripts/guest-cat.c"
}
cross_archs() {
	local c

	for c in $kernels; do
		if is_cross "$c"; then kernel_field "$c" arch; fi
	done | sort -u
}
# In the background: only the foreign kernels' guests, late in the order, wait for it.
rm -f "$B"/cross-*.ok "$B/cross.done"
(
	for a in $(cross_archs); do
		if cross_build "$a" >"$B/cross-$a.log" 2>&1; then
			touch "$B/cross-$a.ok"
		else
			rm -rf "${B:?}/$a"
		fi
	done
	touch "$B/cross.done"
) &
cross_builder=$!
report_cross_builds() {
	local a

	for a in $(cross_archs); do
		if [ -f "$B/cross-$a.ok" ]; then
			hp=$((hp + 1))
		else
			tail -n 30 "$B/cross-$a.log"
			hstat="cross-build-failed"
			hf=$((hf + 1))
		fi
	done
}
host_setup_seconds=$((SECONDS - t0))

# Count the KTAP results of one guest log into the kernel's row; a failure marks the row.
count_results() {
	local kp kf ks
	read -r kp kf ks < <("$VMACCT_TOP/scripts/ktap-count.sh" "$1")
	p=$((p + kp)) f=$((f + kf)) s=$((s + ks))
	[ "$kf" -gt 0 ] && [ "$status" = ok ] && status=tests-failed
	[ "$((kp + kf + ks))" = 0 ] && { status=no-results f=$((f + 1)); }
	return 0
}

# extra_boot NAME CMDLINE PAYLOAD: one more boot of kernel $k with CMDLINE appended.
extra_boot() {
	local elog="$B/$k/console-$1.log"

	if "$VMACCT_TOP/scripts/guest.sh" --append "$2" --timeout 300 --log "$elog" "$k" \
		"$VMACCT_TOP/scripts/$3"; then
		p=$((p + 1))
	else
		status=guest-report f=$((f + 1))
	fi
	grep -E '^(not )?ok ' "$elog" | sed "s/^/  $1: /"
	count_results "$elog"
}

# The debugfs=off boot proves the module's refusal at init, which depends on the series' debugfs and
# not on a flavour, a page size or the architecture (debugfs and the module's init are the same C
# on each): it runs on the first kernel of each series among those checked, in the table's order
# (so on 6.1, 6.12, 7.2 and 7.3 in a whole run, not on 7.3-rt or an arm64 row).
first_of_series() { # KERNEL
	local o
	for o in $VMACCT_ALL_KERNELS; do
		case " $kernels " in *" $o "*) ;; *) continue ;; esac
		if [ "$(kernel_field "$o" series)" = "$(kernel_field "$1" series)" ] &&
			! kernel_is "$o" debug; then
			[ "$o" = "$1" ]
			return
		fi
	done
	return 1
}

# Phase 2 of a kernel: its guests; output to $B/K/check.out, the final state to $B/K/state.
boot_kernel() {
	local t0=$SECONDS p f s status rel t1 payload log extra=() guest_tests=$quick_tests
	local bounds_gib many_vmas cycles states_mib fuzz_seconds fuzz_replay torture_seconds
	local syscalls_seconds reader=() no_reader='' debugfs_off=0
	# VMACCT_FUZZ_SEED picks the fuzzer's first seed; VMACCT_FUZZ_SECONDS overrides its time.
	local fuzz_seed=${VMACCT_FUZZ_SEED:-1} fuzz_args=''

	read -r p f s status rel t1 <"$B/$k/state"
	[ -f "$B/$k/vmacct-dkms.ko" ] && extra=(--file "$B/$k/vmacct-dkms.ko")
	[ -f "$B/$k/vmacct-deb.ko" ] && extra+=(--file "$B/$k/vmacct-deb.ko")
	if [ -f "$B/$k/deb.ktap" ]; then
		grep -E '^(not )?ok ' "$B/$k/deb.ktap" | sed 's/^/  make deb: /'
		count_results "$B/$k/deb.ktap"
	fi
	payload="$B/$k/payload.sh"
	# The sizes of the main guest, in one table. make check is meant to stay within 12 minutes on
	# 2 cores, every core busy with guests (README, "make check's time"), so each size is as large
	# as its purpose needs on one kernel and smaller on the others; make fuzz runs the long
	# variants. The fuzzer's new seeds start at 1 on every run: its seconds choose how many of
	# the same seeds run, not how much new ground.
	#   default  the table's default kernel: the full sizes, and the replay of every recorded
	#            fuzz seed (fuzz_seeds: some 45 s) before 10 s of new seeds. (It had twice the
	#            full sizes, 16 GiB and 512 MiB, 10 reloads: 80 s of CPU more than a full row,
	#            for what the full sizes already show; the selftests run by themselves, as
	#            kernel CI runs them in a tree, keep those as their defaults, and 50 reloads.)
	#   full     the other release kernels of the table's payload column: 8 GiB of zero-page
	#            entries, 100,000 VMAs, 256 MiB of 4 KiB pages walked over and over, 5
	#            reloads, no replay (make fuzz replays every seed on every kernel), 10 s of
	#            fuzzing, 5 s of torture and of hostile syscalls
	#   debug    the KASAN/lockdep kernel, where each step is some 10 times slower: small sizes
	#            (the VMA-heavy process 1,000 VMAs, some 25 pages of maps/<pid>: 5,000 took
	#            30-80 s there; the trimmed region 128 MiB, vmacct_states' least; 3
	#            reloads); its time goes to what only it finds (KASAN, lockdep, kmemleak,
	#            fault injection)
	#   small    rows that add a newer kernel, a flavour or another architecture (TCG for a
	#            foreign CPU is some three times slower): small sizes, 3 reloads, 6 s of
	#            fuzzing, 3 s of torture and of hostile syscalls
	# (The numbers: payload_sizes in scripts/lib.sh.)
	local tier
	if kernel_is "$k" debug; then
		tier=debug
	elif kernel_is "$k" default; then
		tier=default
	else
		tier=$(kernel_field "$k" payload)
	fi
	local sizes
	sizes=$(payload_sizes "$tier") || die "kernel $k: unknown payload $tier (scripts/kernels.txt)"
	# shellcheck disable=SC2086 # eight numbers
	set -- $sizes
	bounds_gib=$1 many_vmas=$2 cycles=$3 states_mib=$4 fuzz_seconds=${VMACCT_FUZZ_SECONDS:-$5}
	fuzz_replay=$6 torture_seconds=$7 syscalls_seconds=$8
	# The debug kernel: no reader (user space: its live test runs on the release kernels), nor the
	# debugfs=off boot (the release kernels' configuration; a boot of a KASAN/kmemleak kernel costs
	# more than a minute under TCG). A kernel of another
	# architecture (arm64) runs under TCG that translates every instruction for a foreign CPU:
	# the fuzzer leaves the 1 GiB hugetlb page alone, since populating it takes longer under arm64
	# TCG than the soft-lockup watchdog allows (vmacct_states still maps one). Its reader test
	# runs the cross-compiled reader and demo workload, and the release's arm64 procps top.
	# kmemleak makes every allocation of the debug kernel some three times slower again: there
	# vmacct_pressure (a hog filling a memory cgroup until the OOM killer comes, over 3 minutes)
	# is left out, the release kernels run it; the scrape storm has 16 readers, not 64; and the
	# guest may take 30 minutes, not 15, before it counts as hung.
	local skip='' storm_readers=64 timeout=900 prio=()
	if first_of_series "$k"; then debugfs_off=1; fi
	if kernel_is "$k" debug; then
		skip=vmacct_pressure storm_readers=16 timeout=1800
		# A TCG guest's clock runs on while its QEMU thread waits for a core, and the timer,
		# RCU and softirq work that piles up is what KASAN, lockdep and kmemleak make dear: the
		# debug kernels' guests (the longest row) get the larger share of a core (nice -5),
		# and the others' work fills the rest ("make check's time" in README).
		prio=(nice -n -5)
		no_reader='the reader (user space) is tested on the release kernels'
		# A KCSAN kernel (scripts/debug-kernel/vmacct-kcsan.config) runs what makes readers
		# and writers of one address space meet, the torture test and the fuzzer (from seeds
		# of its own), in about 3 minutes of guest time; the debug kernel does the rest.
		if grep -q '^CONFIG_KCSAN=y' "$("$VMACCT_TOP/scripts/provision.sh" kernel-dir "$k")/config"; then
			guest_tests='vmacct_torture vmacct_fuzz' fuzz_seed=$((fuzz_seed + 1000))
		fi
	elif is_cross "$k"; then
		fuzz_args='--no-op mmap_hugetlb_1g'
		if [ ${#reader_files[@]} -gt 0 ] && [ -x "$B/$(kernel_field "$k" arch)/demo-workload" ]; then
			reader=(--with-top --file "$B/$(kernel_field "$k" arch)/demo-workload"
				--file "$B/$(kernel_field "$k" arch)/guest-cat"
				--file "$VMACCT_TOP/scripts/guest-payload-reader.sh")
		fi
	else
		reader=(${reader_files[@]+"${reader_files[@]}"})
	fi
	if [ "$quick" = 1 ]; then
		no_reader='make check-quick: the reader is tested by make -C tools check and make check'
	fi
	{
		echo "EXPECTED_VERSION='$version'"
		echo "BOUNDS_GIB=$bounds_gib"
		echo "MANY_VMAS=$many_vmas"
		echo "LIFECYCLE_CYCLES=$cycles"
		echo "STATES_MIB=$states_mib"
		echo "FUZZ_SECONDS=$fuzz_seconds"
		echo "FUZZ_SEED=$fuzz_seed"
		echo "FUZZ_REPLAY=$fuzz_replay"
		echo "FUZZ_ARGS='$fuzz_args'"
		echo "TORTURE_SECONDS=$torture_seconds"
		echo "SYSCALLS_SECONDS=$syscalls_seconds"
		[ -z "$no_reader" ] || echo "NO_READER='$no_reader'"
		echo "TESTS='$guest_tests'"
		echo "SKIP='$skip'"
		echo "STORM_READERS=$storm_readers"
		# Where the kernel has them (the debug kernel): failed allocations (vmacct_faults) and
		# the kmemleak check; VMACCT_FAULTS=0 and VMACCT_KMEMLEAK=0 leave them out.
		echo "FAULTS=${VMACCT_FAULTS:-1}"
		echo "KMEMLEAK_CHECK=${VMACCT_KMEMLEAK:-1}"
		cat "$VMACCT_TOP/scripts/guest-payload-check.sh"
	} >"$payload"
	extra+=(${reader[@]+"${reader[@]}"})
	# The 1 GiB hugetlb page (a PUD leaf) the fuzzer and vmacct_states populate is reserved at
	# boot: allocated at run time, the kernel clears all of it in one loop (init_on_alloc, on in
	# Debian's kernels) without yielding, which under TCG on a loaded host takes long enough for
	# the soft-lockup detector to report it (seen on 6.1 and 6.12: alloc_contig_range ->
	# prep_new_page -> clear_page_erms, 22 s). The debug kernel has no 1 GiB pages.
	kernel_is "$k" debug || extra+=(--append "hugepagesz=1G hugepages=1")
	# 3 GiB: the 1 GiB page, and at least 512 MiB for the rest (the fuzzer checks).
	if ${prio[@]+"${prio[@]}"} "$VMACCT_TOP/scripts/guest.sh" --mem 3G --timeout "$timeout" ${extra[@]+"${extra[@]}"} "$k" "$payload"; then
		p=$((p + 1))
	else
		status=guest-report f=$((f + 1))
	fi
	log="$B/$k/console.log"
	grep -vE '^(dmesg: |\[ *[0-9]+\.[0-9]+\])' "$log" | grep -E '^ *(not )?ok |^ *# ' | sed 's/^/  /'
	count_results "$log"
	if [ ${#reader[@]} -gt 0 ]; then
		# The host half of the reader's test: its table, JSON and Prometheus from the console.
		"$VMACCT_TOP/scripts/reader-host-check.sh" "$log" "$B/$k/reader" >"$B/$k/reader-host.txt" 2>&1
		grep -E '^(not )?ok |^# ' "$B/$k/reader-host.txt" | sed 's/^/  reader (host): /'
		count_results "$B/$k/reader-host.txt"
	fi
	# One more boot: debugfs=off must give a clean refusal and crash nothing. (Lockdown is raised
	# at the end of the main guest: scripts/guest-payload-check.sh.)
	if [ "$quick" = 0 ] && [ "$debugfs_off" = 1 ]; then
		extra_boot debugfs-off debugfs=off guest-payload-debugfs-off.sh
	fi
	sed -n 's/^ *# SHR-REPORT //p' "$log" >"$B/report-$k.txt"
	[ -s "$B/report-$k.txt" ] || rm -f "$B/report-$k.txt"
	echo "$p $f $s $status $rel $((t1 + SECONDS - t0))" >"$B/$k/state"
	touch "$B/$k/booted"
}

guests_running() {
	local k n=0

	for k in ${launched[@]+"${launched[@]}"}; do
		[ -f "$B/$k/guests-done" ] || n=$((n + 1))
	done
	echo $n
}
# next_kernel: the first kernel of $pending that can start now (prepared, and a foreign one's
# user space built); drops from $pending the prepared ones that cannot boot.
next_kernel() {
	local k keep=

	next=
	for k in $pending; do
		if [ -z "$next" ] && [ -f "$B/$k/prepared" ]; then
			[ -f "$B/$k/bootable" ] || continue
			if ! is_cross "$k" || [ -f "$B/cross.done" ] || ! kill -0 "$cross_builder" 2>/dev/null; then
				next=$k
				continue
			fi
		fi
		keep="$keep $k"
	done
	pending=$keep
}
launched=() pending=$order
while [ -n "$pending" ]; do
	while [ "$(guests_running)" -ge "$jobs_max" ]; do sleep 1; done
	preparing=0
	if kill -0 "$preparer" 2>/dev/null || kill -0 "$cross_builder" 2>/dev/null; then preparing=1; fi
	next_kernel
	if [ -z "$next" ]; then
		# Builders that are gone leave the rest unprepared for good: phase 3 reports them.
		[ "$preparing" = 1 ] || break
		sleep 1
		continue
	fi
	k=$next
	note "=== kernel $k: guests === (at ${SECONDS} s)"
	(boot_kernel >"$B/$k/check.out" 2>&1; touch "$B/$k/guests-done"
		note "kernel $k: guests done (at ${SECONDS} s)") &
	launched+=("$k")
done
wait
report_cross_builds
if [ -n "$host_tests_pid" ]; then report_host_tests; fi
add_row host "$(uname -m)" "$hstat" "$hp" "$hf" "$hs" \
	$((host_setup_seconds + $(cat "$B/host-tests.seconds" 2>/dev/null || echo 0)))
[ "$quick" = 1 ] || report_static_checks

# Phase 3: every kernel's output and row, in matrix order.
for k in $kernels; do
	note "=== kernel $k ==="
	[ -f "$B/$k/check.out" ] && [ -f "$B/$k/bootable" ] && cat "$B/$k/check.out"
	if [ -f "$B/$k/bootable" ] && [ ! -f "$B/$k/booted" ]; then
		p=0 f=1 s=0 status=runner-failed rel=- secs=0
	elif [ -f "$B/$k/state" ]; then
		read -r p f s status rel secs <"$B/$k/state"
	else
		p=0 f=1 s=0 status=runner-failed rel=- secs=0
	fi
	add_row "$k" "$rel" "$status" "$p" "$f" "$s" "$secs"
done

# VMACCT_REPORT=1: also the real-system SHR report (scripts/report/report.sh) for the default kernel,
# with a short settle. Opt-in: it adds a Debian boot with services (minutes under TCG; the image is
# built once and cached).
if [ "${VMACCT_REPORT:-0}" = 1 ]; then
	t0=$SECONDS
	VMACCT_REPORT_SETTLE=${VMACCT_REPORT_SETTLE:-10} "$VMACCT_TOP/scripts/report/report.sh" \
		"$VMACCT_DEFAULT_KERNEL" >"$B/report-check.txt" 2>&1
	sed 's/^/report: /' "$B/report-check.txt"
	read -r p f s < <("$VMACCT_TOP/scripts/ktap-count.sh" "$B/report-check.txt" 2>/dev/null || echo "0 0 0")
	[ "$((p + f + s))" -gt 0 ] || f=1
	status=ok
	if [ "$f" != 0 ]; then status=tests-failed; fi
	add_row report "$VMACCT_DEFAULT_KERNEL" "$status" "$p" "$f" "$s" $((SECONDS - t0))
fi

echo
printf '%-10s %-24s %-22s %6s %6s %7s %7s\n' kernel release status passed failed skipped time
printf '%s\n' "${rows[@]}"
echo
for k in $kernels; do
	r="$B/report-$k.txt"
	[ -f "$r" ] && echo "SHR accuracy report: ${r#"$VMACCT_TOP"/} ($(grep -c . "$r") lines)"
done
echo
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
