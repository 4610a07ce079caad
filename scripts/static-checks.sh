#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Static checks, as KTAP: shellcheck over every shell script of the tree (settings in .shellcheckrc),
# checkpatch.pl --strict on the module (from the newest kernel source of the matrix, never copied
# here) and sparse (C=2) against the kernels marked sparse=yes in scripts/kernels.txt, those whose
# release ships a sparse the kernel accepts (sid's is older than 7.2 requires, so 7.2 is covered by
# W=1 and the debug kernel).
#   static-checks.sh
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../selftests/ktap_helpers.sh
. "$VMACCT_TOP/selftests/ktap_helpers.sh"

result() { # result 0|1 name
	if [ "$1" = 0 ]; then ktap_test_pass "$2"; else ktap_test_fail "$2"; fi
}
mapfile -t sparse_kernels < <(kernels_with sparse)
ktap_print_header
ktap_set_plan $((2 + ${#sparse_kernels[@]}))

# Every shell script: *.sh, and files whose first line runs a shell (.ci/run). scripts/host-deps.sh
# installs shellcheck.
mapfile -t scripts < <(shell_scripts)
if ! command -v shellcheck >/dev/null; then
	ktap_test_fail "shellcheck clean on ${#scripts[@]} shell scripts" "shellcheck is not installed"
elif out=$(cd "$VMACCT_TOP" && shellcheck -f gcc "${scripts[@]}" 2>&1); then
	ktap_test_pass "shellcheck clean on ${#scripts[@]} shell scripts"
else
	printf '%s\n' "$out" | sed 's/^/# /'
	ktap_test_fail "shellcheck clean on ${#scripts[@]} shell scripts"
fi

src=$("$VMACCT_TOP/scripts/kernel-source.sh" "$(newest_kernel)")
# Every kernel difference is chosen by a compile probe (module/probes/), none by LINUX_VERSION_CODE.
out=$("$src/scripts/checkpatch.pl" --strict --no-tree --quiet \
	-f "$VMACCT_TOP"/module/*.c "$VMACCT_TOP"/module/*.h "$VMACCT_TOP"/module/probes/*.c \
	"$VMACCT_TOP"/include/*.h 2>&1)
[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# /'
result "$([ -z "$out" ] && echo 0 || echo 1)" "checkpatch.pl --strict clean on module/ and include/"

for k in "${sparse_kernels[@]}"; do
	"$VMACCT_TOP/scripts/provision.sh" ensure "$k" >&2 || { result 1 "sparse on $k (provision)"; continue; }
	"$VMACCT_TOP/scripts/provision.sh" in-root "$k" sh -c 'command -v sparse >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q sparse >/dev/null 2>&1' || true
	if VMACCT_BUILD="$VMACCT_BUILD/sparse" "$VMACCT_TOP/scripts/build-module.sh" "$k" C=2 >/dev/null 2>&1; then
		log="$VMACCT_BUILD/sparse/$k/build.log"
		if grep -E 'warning:|error:|sparse is not available' "$log" | sed 's/^/# /' | grep .; then
			result 1 "sparse (C=2) clean on $k"
		else
			result 0 "sparse (C=2) clean on $k"
		fi
	else
		result 1 "sparse (C=2) build on $k"
	fi
done
[ "$KTAP_CNT_FAIL" = 0 ]
