# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# KTAP output for every vmacct shell test: the guest payloads (busybox sh), run_vmacct.sh and the
# host-side tests (tools/tests/run.sh, scripts/static-checks.sh). Sourced, POSIX sh. Modelled on
# the kernel's tools/testing/selftests/kselftest/ktap_helpers.sh, with its names, and:
#   - descriptions and reasons are printed as given (printf: no globbing, no word splitting, no
#     backslash escapes);
#   - ktap_print_header starts a new document, numbered from 1. A nested document is printed by a
#     subshell (or another script) whose output the parent indents by two blanks: its counts stay
#     its own;
#   - ktap_test_fail and ktap_test_skip take an optional reason ("not ok 3 name # reason",
#     "ok 3 name # SKIP reason");
#   - ktap_check runs a command with its output kept aside, shown only when it fails.
# scripts/ktap-count.sh counts what this prints.

# The kselftest exit codes (kselftest.h), for the scripts that source this file.
# shellcheck disable=SC2034
{
	KSFT_PASS=0
	KSFT_FAIL=1
	KSFT_XFAIL=2
	KSFT_XPASS=3
	KSFT_SKIP=4
}

KTAP_TESTNO=1
KTAP_CNT_PASS=0
KTAP_CNT_FAIL=0
KTAP_CNT_SKIP=0
KSFT_NUM_TESTS=0
# ktap_check: the number of lines of a failed command's output shown as diagnostics.
KTAP_DIAG_LINES=${KTAP_DIAG_LINES:-40}

ktap_print_header() {
	KTAP_TESTNO=1 KTAP_CNT_PASS=0 KTAP_CNT_FAIL=0 KTAP_CNT_SKIP=0 KSFT_NUM_TESTS=0
	echo "TAP version 13"
}

ktap_set_plan() {
	KSFT_NUM_TESTS=$1
	echo "1..$KSFT_NUM_TESTS"
}

ktap_skip_all() {
	printf '1..0 # SKIP %s\n' "$*"
}

ktap_print_msg() {
	printf '# %s\n' "$*"
}

# __ktap_test RESULT DESCRIPTION [DIRECTIVE]
__ktap_test() {
	printf '%s %d %s%s\n' "$1" "$KTAP_TESTNO" "$2" "${3:+ # $3}"
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
}

ktap_test_pass() { # DESCRIPTION
	__ktap_test ok "$1"
	KTAP_CNT_PASS=$((KTAP_CNT_PASS + 1))
}

ktap_test_skip() { # DESCRIPTION [REASON]
	__ktap_test ok "$1" "SKIP${2:+ $2}"
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

ktap_test_fail() { # DESCRIPTION [REASON]
	__ktap_test "not ok" "$1" "${2:-}"
	KTAP_CNT_FAIL=$((KTAP_CNT_FAIL + 1))
}

ktap_test_result() { # DESCRIPTION COMMAND...
	__ktap_desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$__ktap_desc"
	else
		ktap_test_fail "$__ktap_desc"
	fi
}

# ktap_check DESCRIPTION COMMAND...: pass when the command succeeds; otherwise its first
# KTAP_DIAG_LINES lines of output (stdout and stderr) as diagnostics, then the failure. The
# command runs in this shell (a function may set variables).
ktap_check() {
	__ktap_desc=$1
	__ktap_out=${TMPDIR:-/tmp}/ktap-check.$$
	shift
	if "$@" >"$__ktap_out" 2>&1; then
		ktap_test_pass "$__ktap_desc"
	else
		head -n "$KTAP_DIAG_LINES" "$__ktap_out" | sed 's/^/# /'
		ktap_test_fail "$__ktap_desc"
	fi
	rm -f "$__ktap_out"
}

ktap_print_totals() {
	echo "# Totals: pass:$KTAP_CNT_PASS fail:$KTAP_CNT_FAIL xfail:0 xpass:0" \
		"skip:$KTAP_CNT_SKIP error:0"
}

ktap_exit_fail_msg() {
	printf 'Bail out! %s\n' "$*"
	ktap_print_totals
	exit "$KSFT_FAIL"
}

ktap_finished() {
	ktap_print_totals
	if [ $((KTAP_CNT_PASS + KTAP_CNT_SKIP)) -eq "$KSFT_NUM_TESTS" ]; then
		exit "$KSFT_PASS"
	else
		exit "$KSFT_FAIL"
	fi
}
