# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC3043 # busybox sh, which has local
# The reader against the live module (busybox sh in the guest; run by guest-payload-check.sh, or
# alone as a guest.sh payload). Prints one KTAP document.
#
# Workload: /vmacct/demo-workload (a parent whose 32 MiB of anonymous memory is shared
# copy-on-write with 3 workers, a memfd, a private file mapping) and processes with hostile names
# (newline, quotes, backslash, 0xff, JSON and Prometheus syntax). All of them are idle once set up,
# so every number of theirs must be equal in every read.
#
# Checked here: the table's shape, `vmacct PID` field by field against the <pid> file and its
# verdict's decomposition, `-m` against maps/<pid>, --compare-top against the release's real
# procps top (/usr/bin/top, guest.sh --with-top) and /proc/PID/statm, and the exit statuses for
# non-root (4), a process that is gone (5), the module unloaded and debugfs unmounted (3).
# The table, JSON and Prometheus outputs, with the `all` file read just before and after, are
# printed base64-encoded between "@@VMACCT-BLOB name" and "@@VMACCT-END name" lines for the host
# to check with python3's json module and promtool (scripts/reader-host-check.sh): base64 keeps
# every byte of a hostile name intact through the serial console.
# Lists of pids ($workers, $hostile, $idle) are split into words on purpose (SC2086 where used).
# shellcheck source=../selftests/ktap_helpers.sh
. /vmacct/ktap_helpers.sh
D=/sys/kernel/debug/vmacct
T=/tmp/reader
mkdir -p $T
# check name command...: fails when the command fails or called fail_msg; its output is shown
# as diagnostics then.
check() {
	local name="$1"
	shift
	bad=0
	ktap_check "$name" checked "$@"
}
checked() { "$@" && [ $bad = 0 ]; }
blob() { # blob NAME FILE
	echo "@@VMACCT-BLOB $1"
	base64 "$2"
	echo "@@VMACCT-END $1"
}
# A failed condition inside a check's function: noted, and the function goes on to show more.
fail_msg() { echo "FAIL: $*"; bad=1; return 1; }
# A <pid> file as "name value" lines (kB numbers without the unit).
fields() { sed -n 's/^\([a-z_]*\): \([0-9]*\) kB$/\1 \2/p' "$1"; }
field() { sed -n "s/^$2: \\([0-9]*\\) kB\$/\\1/p" "$1"; }
# The page size in kB as the kernel reports it (busybox has no getconf): the KernelPageSize of
# awk's own first mapping, an ordinary one. 4 on x86-64, 16 on arm64's 16 KiB-page kernel.
page_kb=$(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps)
statm_kb() { # statm_kb PID -> "virt res shr" in kB
	awk -v pg="$page_kb" '{ print $1 * pg, $2 * pg, $3 * pg }' "/proc/$1/statm"
}

grep -q '^vmacct ' /proc/modules || insmod /vmacct/vmacct.ko

ktap_print_header
ktap_set_plan 13

# --- workload
rm -f $T/w.pid
/vmacct/demo-workload $T/w.pid $T/w.data &
i=0
while [ ! -s $T/w.pid ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
wp=$(cat $T/w.pid 2>/dev/null)
workers=
# Space-separated lists without a leading blank, for the messages.
for s in /proc/[0-9]*/stat; do
	# "pid (comm) state ppid ...": comm may hold anything, so cut at the last ')'.
	st=$(sed 's/.*) //' "$s" 2>/dev/null) || continue
	# shellcheck disable=SC2086 # the fields of /proc/PID/stat after comm
	set -- $st
	if [ -n "$wp" ] && [ "$2" = "$wp" ]; then
		p=${s#/proc/}
		workers="${workers:+$workers }${p%/stat}"
	fi
done
# Hostile names, from a shell that does nothing else afterwards: a forked subshell shares the
# shell's pages copy-on-write, so its numbers only hold still if that shell is idle too.
sh -c '
	( printf "new\nline\"q\\\\b" >/proc/self/comm; sleep 1000; : ) & echo $! >'$T'/h1
	( printf "\377\377x\377" >/proc/self/comm; sleep 1000; : ) & echo $! >'$T'/h2
	( printf "\"},{\"x\":1" >/proc/self/comm; sleep 1000; : ) & echo $! >'$T'/h3
	( printf "x\"} 1\n# a\\\\" >/proc/self/comm; sleep 1000; : ) & echo $! >'$T'/h4
	wait' &
sleep 2
hostile=$(cat $T/h1 $T/h2 $T/h3 $T/h4 2>/dev/null | tr '\n' ' ')
hostile=${hostile% }
# shellcheck disable=SC2086 # a list of pids
set -- $workers
check "workload: demo-workload parent ($wp) with 3 workers ($workers), 4 hostile names ($hostile)" \
	sh -c "[ -n '$wp' ] && [ $# = 3 ] && [ \$(echo $hostile | wc -w) = 4 ]"
idle="$wp $workers $hostile"
echo "@@VMACCT-PIDS workload=$wp workers=$(echo "$workers" | tr ' ' ,) hostile=$(echo "$hostile" | tr ' ' ,)"

# Read a file with shell builtins only. A busybox process (cat) maps busybox's pages, so it would
# change the mapcount, the shared/private split and the pss of every idle busybox process between
# the reads the host compares; the reader itself is static and shares nothing with them.
slurp() {
	while IFS= read -r l; do printf '%s\n' "$l"; done <"$1" >"$2"
}

# --- the table, JSON and Prometheus in one window: `all` read just before and just after, with
# no other process started in between; a process whose row is the same in both reads had these
# numbers in all three outputs. The host compares them (scripts/reader-host-check.sh).
# The reader is a process, and maps the vDSO page that every process maps: the two reads of `all`
# are made by a process that maps it too and shares nothing else with anyone (guest-cat, static
# like the reader), so that all five see that page mapped as often (with 16 KiB pages one mapping
# more moves the pss of a process that has it mapped by a whole kB). Without guest-cat (a payload
# run by hand), the shell's builtins.
read_all() {
	if [ -x /vmacct/guest-cat ]; then /vmacct/guest-cat $D/all >"$1"; else slurp $D/all "$1"; fi
}
window() {
	read_all $T/all1 && vmacct -k >$T/table && vmacct --json >$T/json &&
		vmacct --prometheus >$T/prom && read_all $T/all2
}
check "vmacct -k, vmacct --json, vmacct --prometheus: exit 0" window
table() {
	nproc=$(sed -n 's/^\([0-9]*\) processes\..*/\1/p' $T/table)
	rows=$(awk '$1 == "TOTAL" { exit } NR > 1' $T/table | wc -l)
	[ "$rows" = "$nproc" ] || fail_msg "$rows rows but '$nproc processes'"
	for p in $idle; do
		[ "$(awk -v p="$p" '$1 == p' $T/table | wc -l)" = 1 ] || fail_msg "pid $p: not exactly one row"
	done
	# Only printable ASCII and newlines: every hostile byte was replaced.
	[ "$(tr -d '\n\040-\176' <$T/table | wc -c)" = 0 ] || fail_msg "control or 8-bit bytes in the table"
	cat $T/table
}
check "vmacct: one row per process (hostile names included), printable, row count = 'N processes'" table

# --- vmacct PID: every field against the <pid> file, the verdict's decomposition adds up
detail() {
	local p="$1"
	cat "$D/$p" >$T/pid1 && vmacct "$p" >$T/detail && cat "$D/$p" >$T/pid2 || return 1
	cat $T/detail
	cmp -s $T/pid1 $T/pid2 || fail_msg "pid $p changed between reads: not idle"
	# "label  human  kB  meaning" rows, one per size field of the <pid> file, from the third line;
	# the label is the first 14 columns ("VIRT (top)").
	fields $T/pid1 | sort >$T/p.fields
	n=$(wc -l <$T/p.fields)
	[ "$n" -ge 18 ] || fail_msg "the <pid> file has $n size fields, fewer than the 18 of 0.1" || return 1
	awk -v n="$n" 'NR >= 3 && NR < 3 + n { l = substr($0, 1, 14); sub(/ +$/, "", l); split(substr($0, 16), a, " ")
		if (l == "VIRT (top)") l = "top_virt"; if (l == "RES (top)") l = "top_res"
		if (l == "SHR (top)") l = "top_shr"; print l, a[2] }' $T/detail | sort >$T/d.fields
	cmp $T/d.fields $T/p.fields || { diff $T/p.fields $T/d.fields; return 1; }
	# shellcheck disable=SC2046 # four numbers
	set -- $(sed -n 's/^  = file_private \(-*[0-9]*\) kB + shmem_private \(-*[0-9]*\) kB - anon_shared \(-*[0-9]*\) kB + counter drift \(-*[0-9]*\) kB$/\1 \2 \3 \4/p' $T/detail)
	[ $# = 4 ] || { fail_msg "no decomposition line"; return 1; }
	err=$(sed -n 's/^top.s SHR: .* (\([-+]*[0-9]*\) kB)$/\1/p' $T/detail)
	[ -n "$err" ] || { fail_msg "no 'top's SHR: ... (N kB)' line"; return 1; }
	[ "$err" = $(($(field $T/pid1 top_shr) - $(field $T/pid1 shared))) ] ||
		fail_msg "error $err is not top_shr - shared"
	if [ "$1" != "$(field $T/pid1 file_private)" ] || [ "$2" != "$(field $T/pid1 shmem_private)" ] ||
		[ "$3" != "$(field $T/pid1 anon_shared)" ]; then
		fail_msg "decomposition terms are not the fields"
	fi
	[ "$err" = $(($1 + $2 - $3 + $4)) ] || fail_msg "$err != $1 + $2 - $3 + $4"
}
check "vmacct $wp: every field equals the <pid> file, SHR error = file_private + shmem_private - anon_shared + drift" \
	detail "$wp"
# The workers keep 3 of the 4 quarters of the 32 MiB region shared with the parent.
cow_shared() {
	[ "$(field $T/pid1 anon_shared)" -ge 24576 ] ||
		fail_msg "anon_shared is $(field $T/pid1 anon_shared) kB"
	grep 'misses [0-9.]*M of anonymous pages shared with forked processes' $T/detail
}
check "vmacct $wp: anon_shared >= 24 MiB (copy-on-write with the workers) and the verdict says top misses it" \
	cow_shared

# --- -m: every mapping, sums equal the summary
maps() {
	local p="$1"
	cat "$D/maps/$p" >$T/maps1 && vmacct -k -m "$p" >$T/dmaps && cat "$D/maps/$p" >$T/maps2 || return 1
	cat $T/dmaps
	cmp -s $T/maps1 $T/maps2 || fail_msg "maps/$p changed between reads: not idle"
	nm=$(($(wc -l <$T/maps1) - 1))
	grep -q "^Mappings, largest contribution to top's SHR error first ($nm of $nm):" $T/dmaps ||
		fail_msg "not all $nm mappings listed"
	# The summary's kB column and the sums of the mapping rows (columns mapped..swap, exact with -k).
	awk 'NR >= 3 && NR <= 20 { l = substr($0, 1, 14); sub(/ +$/, "", l); split(substr($0, 16), a, " "); f[l] = a[2] }
		/^Mappings, / { m = NR + 1 }
		m && NR > m && NF >= 12 { n++; for (i = 3; i <= 11; i++) s[i] += $i
			if ($8 > big) big = $8 }
		END { split("mapped resident shared private pss anon_shared file_private shmem_private swap", c, " ")
			bad = 0
			for (i = 3; i <= 11; i++) {
				name = c[i - 2]
				d = s[i] - f[name]
				# pss: each row is rounded down on its own, up to 1 kB per row
				if (name == "pss" ? (d > 0 || -d > n) : d != 0) {
					printf "%s: rows sum to %d, summary %d\n", name, s[i], f[name]; bad = 1 }
			}
			if (big < 24576) { printf "no mapping with >= 24 MiB anon_shared (largest %d)\n", big; bad = 1 }
			exit bad }' $T/dmaps
}
check "vmacct -m $wp: every mapping listed, columns sum to the summary, the 32 MiB region found" maps "$wp"

# --- the group views: the workload's name has its 4 processes, --with lists the 3 workers, each
# sharing at least the 8 MiB quarter of the region that no worker rewrote (24, 16 and 8 MiB: each
# worker rewrote a different number of quarters)
groups() {
	vmacct -g comm -k >$T/groups || return 1
	cat $T/groups
	awk '$2 == 4 { found = 1 } END { exit !found }' $T/groups ||
		fail_msg "no group of 4 processes (the workload and its workers)"
	vmacct -g user >/dev/null || return 1
	if [ -f $D/cgroups ]; then
		vmacct -g cgroup >$T/cgroups || return 1
		cat $T/cgroups
	fi
	vmacct --with "$wp" -k >$T/with || return 1
	cat $T/with
	for p in $workers; do
		awk -v p="$p" '$1 == p && $3 >= 8192 { found = 1 } END { exit !found }' $T/with ||
			fail_msg "worker $p not listed with >= 8 MiB of anonymous memory shared"
	done
}
check "vmacct -g comm, -g user, -g cgroup, --with $wp: the workload's group, its workers sharing with it" groups

# --- JSON and Prometheus: captured for the host
check "vmacct --pretty -m PID...: exit 0" sh -c \
	"vmacct --pretty -m $wp $hostile >$T/json-detail && cat $D/$wp >$T/pid-after"
for b in all1 table json json-detail prom all2; do blob $b $T/$b; done
blob pid-before $T/pid1
blob pid-after $T/pid-after

# --- --compare-top with the release's procps top
compare_top() {
	/usr/bin/top -V | head -n 1
	for p in $wp $workers $hostile; do
		cat "$D/$p" >"$T/c.$p"
		statm_kb "$p" >"$T/s1.$p"
	done
	# shellcheck disable=SC2086 # lists of pids
	vmacct --compare-top "$wp" $workers $hostile >$T/ctop || { cat $T/ctop; return 1; }
	cat $T/ctop
	for p in $wp $workers $hostile; do
		statm_kb "$p" >"$T/s2.$p"
		cmp -s "$T/s1.$p" "$T/s2.$p" || fail_msg "pid $p: statm changed: not idle"
		# shellcheck disable=SC2046 # virt res shr
		set -- $(cat "$T/s1.$p")
		for f in "VIRT top_virt $1" "RES top_res $2" "SHR top_shr $3"; do
			# shellcheck disable=SC2086 # label field value
			set -- $f
			# "  VIRT  <printed> kB  <counter> kB ...": a "~" after the first kB means top
			# scaled the number; these processes are small enough for exact KiB.
			awk -v p="$p" -v col="$1" -v want="$3" -v ctr="$(field "$T/c.$p" "$2")" '
				/^PID / { cur = $2 }
				cur == p && $1 == col { found = 1
					if ($2 != want || $3 != "kB" || $4 != ctr || $5 != "kB" || ctr != want) {
						printf "pid %s %s: top printed %s %s %s, counter %s; statm %s\n",
							p, col, $2, $3, $4, ctr, want; exit 1 } }
				END { if (!found) { printf "pid %s: no %s line\n", p, col; exit 1 } }' $T/ctop || return 1
		done
	done
}
if [ -x /usr/bin/top ] && /usr/bin/top -V 2>/dev/null | grep -q procps; then
	check "vmacct --compare-top (procps $(/usr/bin/top -V | awk '{ print $NF; exit }')): VIRT RES SHR top printed = top_* = statm, exactly" \
		compare_top
else
	ktap_test_skip "vmacct --compare-top against procps top" "no procps top in the guest (guest.sh --with-top)"
fi

# --- exit statuses
ex() { "$@" >$T/ex.out 2>$T/ex.err; echo $?; }
nonroot() {
	r=$(ex su nobody -c /bin/vmacct)
	cat $T/ex.err
	[ "$r" = 4 ] && grep -q 'run vmacct as root' $T/ex.err
}
check "not root: exit 4, says run as root" nonroot
gone() {
	sleep 100 &
	p=$!
	kill $p
	wait $p
	r=$(ex vmacct $p)
	cat $T/ex.err
	[ "$r" = 5 ] && grep -q "process $p does not exist" $T/ex.err || return 1
	# Among live ones: the live one is still shown.
	r=$(ex vmacct "$wp" "$p")
	[ "$r" = 5 ] && grep -q "^PID $wp " $T/ex.out
}
check "process gone: exit 5 (alone, and among live ones which are still shown)" gone
# The automounted directory keeps the module until it has been idle for a moment.
unload() {
	i=0
	until rmmod vmacct 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 40 ] || { rmmod vmacct; return 1; }
		sleep 0.25
	done
}
nomodule() {
	unload || return 1
	r=$(ex vmacct)
	cat $T/ex.err
	[ "$r" = 3 ] && grep -q 'not loaded; load it with .modprobe vmacct' $T/ex.err || return 1
	umount /sys/kernel/debug || return 1
	r=$(ex vmacct "$wp")
	cat $T/ex.err
	mount -t debugfs debugfs /sys/kernel/debug
	[ "$r" = 3 ] && grep -q 'debugfs is not mounted on /sys/kernel/debug: mount it with' $T/ex.err
}
check "module unloaded, then debugfs unmounted: exit 3 with the command that fixes it" nomodule
check "module loaded again: vmacct $wp exits 0" sh -c \
	"mount | grep -q ' /sys/kernel/debug ' || mount -t debugfs debugfs /sys/kernel/debug
	 grep -q '^vmacct ' /proc/modules || insmod /vmacct/vmacct.ko; vmacct $wp >/dev/null"

# shellcheck disable=SC2086 # lists of pids
kill "$wp" $workers $hostile 2>/dev/null
