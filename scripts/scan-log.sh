#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Scan a guest console log for kernel reports and for a guest that did not finish.
#   scan-log.sh LOG   -> prints each problem found, exit 1 if any
set -uo pipefail
log=${1:?usage: scan-log.sh LOG}
bad=0
report() { printf 'vmacct: guest problem: %s\n' "$*" >&2; bad=1; }
# Kernel reports that fail a run wherever they appear (after NIPA's vm.py and kernel CI log parsers).
pat='WARNING:|BUG:|Oops|KASAN|UBSAN:|kernel BUG|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|rcu_preempt detected stalls|rcu_sched detected stalls|self-detected stall|soft lockup|hard LOCKUP|blocked for more than|unreferenced object|list_add corruption|list_del corruption|Bad page state|Bad page map|page dumped because'
if grep -nE "$pat" "$log" >/tmp/vmacct-scan.$$ 2>/dev/null; then
	while IFS= read -r line; do report "kernel report: $line"; done </tmp/vmacct-scan.$$
fi
rm -f /tmp/vmacct-scan.$$
grep -q 'vmacct-guest: TIMEOUT' "$log" && report "guest hit its time limit (hung?)"
grep -q '^vmacct-guest: done' "$log" || report "guest did not reach the end of its payload (crash, panic or hang)"
exit $bad
