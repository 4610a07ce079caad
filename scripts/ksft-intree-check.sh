#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel CI builds selftests inside a kernel tree: prove that selftests/ works there. In a scratch
# copy of a kernel source's tools/ (the default kernel's linux-source), with selftests/ as
# tools/testing/selftests/vmacct: `make -C tools/testing/selftests TARGETS=vmacct` builds every
# program, and `install` produces a run_kselftest.sh that lists the target's runner. KTAP on stdout.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../selftests/ktap_helpers.sh
. "$VMACCT_TOP/selftests/ktap_helpers.sh"

src=$("$VMACCT_TOP/scripts/kernel-source.sh" "$VMACCT_DEFAULT_KERNEL") ||
	die "no $VMACCT_DEFAULT_KERNEL kernel source"
t=$(mktemp -d "${TMPDIR:-/tmp}/vmacct-ksft.XXXXXX")
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/tools/testing"
cp -r "$src/tools/testing/selftests" "$src/tools/include" "$src/tools/scripts" "$t/tools/testing/" 2>/dev/null
mv "$t/tools/testing/include" "$t/tools/testing/scripts" "$t/tools/"
cp -r "$src/scripts" "$src/include" "$src/Makefile" "$t/"
cp -r "$VMACCT_TOP/selftests" "$t/tools/testing/selftests/vmacct"
# The field list the module prints from goes next to the sources (the Makefile's LOCAL_HDRS).
cp "$VMACCT_TOP/include/vmacct_fields.h" "$t/tools/testing/selftests/vmacct/"
rm -rf "$t/tools/testing/selftests/vmacct/build" "$t/tools/testing/selftests/vmacct/build.obj"

built() {
	local p
	for p in vmacct_layout vmacct_crosscheck vmacct_states vmacct_groups vmacct_bounds vmacct_torture \
		vmacct_fuzz vmacct_faults; do
		[ -x "$t/tools/testing/selftests/vmacct/$p" ] || return 1
	done
}

in_tree_build() {
	if make -s -C "$t/tools/testing/selftests" TARGETS=vmacct >"$t/build.log" 2>&1 && built; then
		return 0
	fi
	tail -n 20 "$t/build.log"
	return 1
}
installed() {
	grep -q 'vmacct:run_vmacct.sh' "$t/inst/kselftest-list.txt" &&
		[ -x "$t/inst/vmacct/vmacct_layout" ] && [ -f "$t/inst/vmacct/fuzz_seeds" ] &&
		[ -f "$t/inst/vmacct/ktap_helpers.sh" ] && [ -x "$t/inst/run_kselftest.sh" ]
}
in_tree_install() {
	if make -s -C "$t/tools/testing/selftests" TARGETS=vmacct install INSTALL_PATH="$t/inst" \
		>"$t/install.log" 2>&1 && installed; then
		return 0
	fi
	tail -n 20 "$t/install.log"
	return 1
}

ktap_print_header
ktap_set_plan 2
ktap_check "make -C tools/testing/selftests TARGETS=vmacct builds every program in a kernel tree" \
	in_tree_build
ktap_check "install: run_kselftest.sh lists vmacct:run_vmacct.sh with its programs" in_tree_install
