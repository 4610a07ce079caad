# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Record the module's debugfs files for the reader's host fixtures, and run the reader live.
D=/sys/kernel/debug/vmacct
# comm can only be written by the process itself: forked subshells (COW-sharing the shell's
# anonymous pages) rename themselves, then wait.
( printf 'a b"c\\d' > /proc/self/comm; sleep 1000; : ) &
A=$!
( printf 'new\nline\ttab' > /proc/self/comm; sleep 1000; : ) &
B=$!
( printf 'bad\303(\200x' > /proc/self/comm; sleep 1000; : ) &
C=$!
( printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' > /proc/self/comm; sleep 1000; : ) &
E=$!
( printf 'caf\303\251 {x=1}' > /proc/self/comm; sleep 1000; : ) &
F=$!
sleep 1
echo "@@PIDS $$ $A $B $C $E $F"
for f in version all; do echo "@@BEGIN $f"; cat $D/$f; echo "@@END $f"; done
for p in 1 $$ $A $B $C $E $F; do
	echo "@@BEGIN $p"; cat "$D/$p"; echo "@@END $p"
	echo "@@BEGIN maps/$p"; cat "$D/maps/$p"; echo "@@END maps/$p"
	echo "@@BEGIN status/$p"; grep -E '^(Uid|Name):' "/proc/$p/status"; echo "@@END status/$p"
done
echo "@@LIVE"
vmacct; echo "rc=$?"
vmacct -k -n 3 -s pss; echo "rc=$?"
vmacct $$ 1; echo "rc=$?"
vmacct -m -n 5 $$; echo "rc=$?"
vmacct --json $A $B $C $E $F > /tmp/j; echo "rc=$?"; cat /tmp/j
vmacct -P | head -5; echo "rc=$?"
vmacct 99999; echo "rc=$? (expect 5)"
kill $A $B $C $E $F; vmacct -P > /tmp/p; echo "@@BEGIN prom"; cat /tmp/p; echo "@@END prom"
