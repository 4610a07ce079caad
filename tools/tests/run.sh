#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side tests of the reader (make -C tools check): unit tests, every output format against
# recorded fixtures with exact expected outputs, JSON through a real JSON parser and checked
# against the fixture numbers, Prometheus text through promtool, error paths and exit codes, and
# --compare-top against recorded and live procps top output. KTAP on stdout; exit 1 on failure.
#
#   tests/run.sh            run
#   tests/run.sh --update   rewrite tests/expected/ from the current reader (review the diff!)
set -u
here=$(cd "$(dirname "$0")" && pwd)
tools=$(cd "$here/.." && pwd)
# VMACCT_READER, VMACCT_UNIT: other builds of the same sources (make check-sanitize).
V=${VMACCT_READER:-$tools/vmacct}
FX="$here/fixtures"
EXP="$here/expected"
out="$here/out"
update=0
[ "${1:-}" = --update ] && update=1
rm -rf "$out"
mkdir -p "$out"
export VMACCT_PASSWD="$FX/synthetic/passwd"
export VMACCT_NOW=1764633600.25	# the JSON timestamp: 2025-12-02T00:00:00.250Z
unset VMACCT_ROOT VMACCT_PROC VMACCT_CGROUPFS VMACCT_TOP COLUMNS LINES

# One KTAP document, through the emitter every vmacct shell test uses. The plan is known only at
# the end: the results go to a file first (stdout is that file until the end), then the header,
# the plan and the results.
# shellcheck source=../../selftests/ktap_helpers.sh
. "$here/../../selftests/ktap_helpers.sh"
KTAP_DIAG_LINES=20
exec 3>&1 >"$out/results.ktap"
pass() { ktap_test_pass "$1"; }
fail() { ktap_test_fail "$1"; }
skip() { ktap_test_skip "$1" "$2"; }
# check NAME SHELL-CODE: the code's output is shown when it fails.
check() { ktap_check "$1" eval "$2"; }

# golden NAME FIXTURE ARGS...: stdout, stderr and exit status must match tests/expected/NAME.
golden() {
	local name=$1 fx=$2
	shift 2
	# RUN_AS: a command to run the reader through (setpriv, for the tests as nobody)
	${RUN_AS:-} "$V" --root "$FX/$fx" --proc "$FX/$fx/proc" --cgroupfs "$FX/$fx/cgroup" "$@" \
		>"$out/$name.out" 2>"$out/$name.err"
	echo "exit $?" >>"$out/$name.err"
	if [ $update = 1 ]; then
		cp "$out/$name.out" "$EXP/$name.out"
		cp "$out/$name.err" "$EXP/$name.err"
	fi
	if cmp -s "$out/$name.out" "$EXP/$name.out" && cmp -s "$out/$name.err" "$EXP/$name.err"; then
		pass "$name: vmacct ${*//"$FX"/fixtures} (fixture $fx)"
	else
		fail "$name: vmacct ${*//"$FX"/fixtures} (fixture $fx)"
		diff -u "$EXP/$name.out" "$out/$name.out" | head -20 | sed 's/^/# /'
		diff -u "$EXP/$name.err" "$out/$name.err" | head -10 | sed 's/^/# /'
	fi
}

# 1. unit tests of the parsers and escapers
if "${VMACCT_UNIT:-$tools/tests/unit}" >"$out/unit.txt"; then pass "unit tests ($(grep -c '^ok' "$out/unit.txt") cases)"
else
	grep '^not ok' "$out/unit.txt" | sed 's/^/# /'
	fail "unit tests"
fi

# 2. every view and format against exact expected outputs
G=guest-6.12
mapfile -t gp < <(awk 'NR > 1 && $NF != "sleep" && $NF != "cat" && $NF != "init" && $NF != "sh" { print $1 }' \
	"$FX/$G/all" | head -2)
mapfile -t gmaps < <(cd "$FX/$G/maps" && printf '%s\n' *)
golden synthetic_table synthetic
golden synthetic_table_kb_sort_limit synthetic -k -s pss -n 2
golden synthetic_table_sort_comm synthetic -s comm
golden synthetic_detail synthetic 1 31337
golden synthetic_detail_maps synthetic -m -n 3 4242 777
golden synthetic_json synthetic --json
golden synthetic_json_detail_maps synthetic --pretty -m 4242 777 31337
golden synthetic_prom synthetic --prometheus
golden usage_compare_top_json synthetic --compare-top --json 1
# groups: the users, comms and sharing/PID files
golden synthetic_groups_user synthetic -g user
golden synthetic_groups_comm_kb synthetic -g comm -k -n 3
golden synthetic_groups_cgroup synthetic -g cgroup
golden synthetic_groups_cgroup_json synthetic -g cgroup --pretty
golden synthetic_groups_json synthetic -g user --pretty
golden synthetic_groups_user_prom synthetic -g user -P
golden synthetic_groups_cgroup_prom synthetic -g cgroup -P -n 3
golden synthetic_files synthetic -f
golden synthetic_files_json synthetic -f --pretty
golden synthetic_files_user synthetic -f -u postgres -k
golden guest_files guest-6.12 -f -n 3
check "files view: its PSS, RSS and PRIVATE sums equal those of every mapping of every process" \
	"python3 -c 'import json, sys
f = json.load(open(sys.argv[1]))
tot = {k: sum(r[k] for r in f[\"files\"]) for k in (\"pss\", \"resident\", \"private\")}
want = {\"pss\": 0, \"resident\": 0, \"private\": 0}
for pid in (4242, 777):
	for line in open(sys.argv[2] + \"/maps/%d\" % pid).read().splitlines()[1:]:
		v = line.split(\" \")
		want[\"resident\"] += int(v[3]); want[\"pss\"] += int(v[6]); want[\"private\"] += int(v[5])
assert f[\"processes\"] == 2 and tot == want, (tot, want)' '$out/synthetic_files_json.out' '$FX/synthetic'"
golden synthetic_with synthetic --with 4242
golden synthetic_with_json synthetic --with 4242 -j
golden synthetic_with_gone synthetic --with 99999
check "group views' JSON is valid (python3 json) and holds every row of the file" \
	"python3 -c 'import json, sys
g = json.load(open(sys.argv[1])); w = json.load(open(sys.argv[2]))
assert len(g[\"groups\"]) == 4 and g[\"groups\"][0][\"user\"] == \"postgres\", g
assert [r[\"pid\"] for r in w[\"groups\"]] == [4243, 1, 777], w' '$out/synthetic_groups_json.out' '$out/synthetic_with_json.out'"
# issue 13: sorting, filters, columns, threads, one JSON shape, -n with Prometheus, --watch
golden synthetic_table_sort_shr_error synthetic -s shr_error -n 1
golden synthetic_table_sort_case_reverse synthetic -s PSS -r
golden synthetic_table_pids synthetic -p 4242,1
golden synthetic_table_pid_thread synthetic -p 4243
golden synthetic_table_user synthetic -u postgres,0
golden synthetic_table_command synthetic -c '^(post|sys)'
golden synthetic_table_columns synthetic -o pid,pss,shr_err,comm
golden synthetic_table_cmdline synthetic --cmdline -k
golden synthetic_table_cmdline_column_sort synthetic -o pid,cmdline -s CMDLINE
golden synthetic_detail_thread synthetic 4243
golden synthetic_kernel_thread synthetic 2
golden synthetic_zombie synthetic 666
golden synthetic_json_pids synthetic --json 1 4242
golden synthetic_json_cmdline synthetic --pretty --cmdline -p 31337,777
golden synthetic_prom_limit synthetic -P -s pss -n 1
golden usage_long_option_argument synthetic --pretty=1
COLUMNS=80 LINES=24 golden synthetic_watch_80x24 synthetic -w 0.1 --count 2
COLUMNS=60 LINES=9 golden synthetic_watch_60x9 synthetic -w 0.1 --count 1
golden synthetic_json_watch synthetic -j -u root -w 0.1 --count 2
golden guest_table $G
golden guest_detail_maps $G -m "${gp[@]}"
golden guest_json $G -j
golden guest_json_detail $G -j -m "${gmaps[@]}"
golden guest_prom $G -P

# 3. JSON: parsed by python3's json module, and every number equal to the fixture's `all` row
jsonck() { python3 - "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding='utf-8'))
fx = sys.argv[2]
rows = open(fx + '/all', 'rb').read().split(b'\n')
hdr = rows[0].decode().split()[1:]
want = {}
for r in rows[1:]:
    if not r:
        continue
    v = r.split(b' ')
    want[int(v[0])] = dict(zip(hdr, v))
def unesc(b):
    out, i = bytearray(), 0
    while i < len(b):
        if b[i:i+1] == b'\\':
            out.append(int(b[i+1:i+4], 8)); i += 4
        else:
            out.append(b[i]); i += 1
    return bytes(out)
assert doc['unit'] == 'kB'
def pidfile(pid):
    # the <pid> file was read at its own moment: detail output is checked against it
    d = {}
    for l in open('%s/%d' % (fx, pid), 'rb').read().split(b'\n'):
        if l:
            k, v = l.split(b': ', 1)
            d[k.decode()] = v[:-3] if v.endswith(b' kB') else v
    return d
for p in doc['processes']:
    # PIDs given: each process was read from its <pid> file
    w = pidfile(p['pid']) if 'detail' in sys.argv[1] else want[p['pid']]
    for k, v in w.items():
        if k in ('pid', 'comm') or k not in p:
            continue
        assert p[k] == int(v), (p['pid'], k, p[k], v)
    raw = unesc(w['comm'])
    assert p['comm'] == raw.decode('utf-8', 'replace'), (p['comm'], raw)
    assert unesc(p['comm_escaped'].encode()) == raw
    assert p['shr_error'] == p['top_shr'] - p['shared']
    if 'verdict' in p:
        d = p['verdict']
        assert d['shr_error'] == d['file_private'] + d['shmem_private'] - d['anon_shared'] + d['counter_drift']
    if 'maps' in p:
        for k in ('resident', 'shared', 'private', 'anon_shared', 'file_private', 'swap', 'mapped'):
            assert sum(m[k] for m in p['maps']) == p[k], (p['pid'], k)
    if 'ksm' in p:
        assert p['verdict']['ksm'] == p['ksm']
# one shape for every mode: the same top-level keys; totals add up over the processes
assert list(doc) == ['module_version', 'source', 'unit', 'timestamp', 'processes', 'totals'], list(doc)
assert doc['source'] == 'vmacct'
assert doc['timestamp'].endswith('Z')
t = doc['totals']
if t['processes'] == len(doc['processes']):
    for k, v in t.items():
        if k != 'processes':
            assert v == sum(p.get(k, 0) for p in doc['processes']), k
print('ok', len(doc['processes']))
PY
}
if command -v python3 >/dev/null; then
	for j in synthetic_json:synthetic synthetic_json_detail_maps:synthetic synthetic_json_pids:synthetic \
		guest_json:$G guest_json_detail:$G; do
		check "${j%%:*} is valid JSON (python3 json) with the fixture's numbers and comms" \
			"jsonck '$out/${j%%:*}.out' '$FX/${j#*:}'"
	done
	check "--json --watch: one document per line, each with its timestamp" \
		"python3 -c 'import json, sys
ds = [json.loads(l) for l in open(sys.argv[1])]
assert len(ds) == 2 and all(d[\"timestamp\"] for d in ds) and [p[\"user\"] for p in ds[0][\"processes\"]] == [\"root\"]
' '$out/synthetic_json_watch.out'"
else
	skip "JSON validation" "python3 not installed"
fi

# 4. Prometheus: promtool check metrics, values in bytes. Installing Debian's prometheus package
# would enable and start a Prometheus server: promtool comes from PATH, a build root, or the
# package unpacked (apt-get download, dpkg-deb -x) into the cache, never installed.
promtool=$(command -v promtool || true)
ptcache=${XDG_CACHE_HOME:-$HOME/.cache}/vmacct/promtool
for c in "$ptcache/usr/bin/promtool" "$HOME"/.cache/vmacct/roots/*/usr/bin/promtool; do
	[ -z "$promtool" ] && [ -x "$c" ] && promtool=$c
done
if [ -z "$promtool" ] && command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
	if (cd "$out" && apt-get download prometheus) >"$out/apt.log" 2>&1 &&
		mkdir -p "$ptcache" && dpkg-deb -x "$out"/prometheus_*.deb "$ptcache"; then
		promtool="$ptcache/usr/bin/promtool"
	fi
	rm -f "$out"/prometheus_*.deb
fi
for p in synthetic_prom guest_prom synthetic_groups_user_prom synthetic_groups_cgroup_prom; do
	if [ -n "$promtool" ]; then
		check "$p passes promtool check metrics" "'$promtool' check metrics <'$out/$p.out'"
	else
		skip "$p passes promtool check metrics" "no promtool (PATH, build roots, or the prometheus package unpacked)"
	fi
done
check "prometheus: vmacct_build_info names the reader's and the module's versions" \
	"grep -qx 'vmacct_build_info{version=\"0.1\",module_version=\"0.3\"} 1' '$out/synthetic_prom.out'"
check "prometheus values are the fixture's kB times 1024" \
	"grep -q '^vmacct_resident_bytes{pid=\"4242\",comm=\"postgres: writer\"} 4294967296\$' '$out/synthetic_prom.out' &&
	 grep -q '^vmacct_shr_error_bytes{pid=\"4242\",comm=\"postgres: writer\"} -402644992\$' '$out/synthetic_prom.out' &&
	 grep -qF 'comm=\"x\\\"\\\\\\ny' '$out/synthetic_prom.out'"

# 5. hostile names: one table row per process whatever the name
check "table: one line per process with hostile comms (guest fixture)" \
	"[ \$(grep -c . '$out/guest_table.out') -eq \$((\$(grep -c . '$FX/$G/all') - 1 + 5)) ]"
check "--watch screens fit: 80 and 60 columns, 9 lines" \
	"awk 'length(\$0) > 80 { bad = 1 } END { exit bad }' '$out/synthetic_watch_80x24.out' &&
	 awk 'length(\$0) > 60 { bad = 1 } END { exit bad || NR > 9 - 1 }' '$out/synthetic_watch_60x9.out'"
check "table: no control bytes in any table output" \
	"! LC_ALL=C grep -l \$'[\\x01-\\x08\\x0b-\\x1f\\x7f]' '$out'/*table*.out '$out'/*detail*.out"

# 6. error paths and their exit codes
ex() { "$V" "$@" >"$out/ex.out" 2>"$out/ex.err"; echo $?; }
check "missing --root dir: exit 3, says debugfs/module" \
	"[ \$(ex --root '$out/nonexistent') = 3 ] && grep -q 'debugfs mounted and the vmacct module loaded' '$out/ex.err'"
check "default root on this host: exit 3 with the mount or modprobe command (or 0 if loaded)" \
	"r=\$(ex); [ \$r = 0 ] || { [ \$r = 3 ] && grep -Eq 'mount -t debugfs|modprobe vmacct' '$out/ex.err'; } || { [ \$r = 4 ]; }"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	# Run as nobody from copies in a directory of their own: the tree may be checked out below a
	# directory that only root can enter (a clone into mktemp -d's 0700 directory). The
	# unprivileged reader, the fixture it reads and the passwd file it names users from are
	# copied there; the fake debugfs root (private) stays root's only, 0700.
	tree_V=$V tree_FX=$FX tree_passwd=$VMACCT_PASSWD
	nb=$(mktemp -d)
	if ! { chmod 0755 "$nb" && mkdir -p "$nb/fixtures" "$nb/out" && cp "$V" "$nb/vmacct" &&
		cp -r "$FX/synthetic" "$nb/fixtures/synthetic" &&
		cp -r "$FX/synthetic" "$nb/out/private" && chmod 0700 "$nb/out/private"; }; then
		fail "copies for the tests as nobody in $nb"
	fi
	V=$nb/vmacct FX=$nb/fixtures VMACCT_PASSWD=$nb/fixtures/synthetic/passwd
	check "not root: exit 4, says run as root" \
		"[ \$(ex_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups '$V' --root '$nb/out/private' >'$out/ex.out' 2>'$out/ex.err'; echo \$?; }; ex_nobody) = 4 ] && grep -q 'run vmacct as root' '$out/ex.err'"
	# without root: the user's own processes from smaps_rollup (nobody owns 31337 in the fixture)
	nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
	RUN_AS=$nobody golden nonroot_table ../out/private --proc "$FX/synthetic/proc"
	RUN_AS=$nobody golden nonroot_json ../out/private --proc "$FX/synthetic/proc" --pretty
	check "not root, --prometheus (no fallback: a scrape must not change meaning): exit 4" \
		"[ \$(ex_nobody() { $nobody '$V' --root '$nb/out/private' -P >'$out/ex.out' 2>'$out/ex.err'; echo \$?; }; ex_nobody) = 4 ] && grep -q 'run vmacct as root' '$out/ex.err' && [ ! -s '$out/ex.out' ]"
	V=$tree_V FX=$tree_FX VMACCT_PASSWD=$tree_passwd
	rm -rf "$nb"
else
	skip "not root: exit 4" "needs root and setpriv to drop to nobody"
fi
check "pid gone: exit 5" "[ \$(ex --root '$FX/synthetic' 99999) = 5 ] && grep -q 'process 99999 does not exist' '$out/ex.err'"
check "one pid gone among others: others shown, exit 5" \
	"[ \$(ex --root '$FX/synthetic' 1 99999) = 5 ] && grep -q '^PID 1 ' '$out/ex.out'"
mkfx() { rm -rf "${out:?}/$1"; cp -r "$FX/synthetic" "$out/$1"; }
mkfx v1; echo 1.0 >"$out/v1/version"
check "incompatible module version 1.0: exit 6" "[ \$(ex --root '$out/v1') = 6 ] && grep -q \"version '1.0' is not supported\" '$out/ex.err'"
mkfx nover; rm "$out/nover/version"
check "no version file: exit 6" "[ \$(ex --root '$out/nover') = 6 ]"
mkfx nocol; sed -i '1s/ pss / /' "$out/nocol/all"
check "header lacking a column: exit 6" "[ \$(ex --root '$out/nocol') = 6 ] && grep -q 'lacking a required column' '$out/ex.err'"
mkfx badrow; echo '5 1 2 3' >>"$out/badrow/all"
check "malformed row: exit 6 naming the line" "[ \$(ex --root '$out/badrow') = 6 ] && grep -q 'all:6' '$out/ex.err'"
mkfx badpid; sed -i 's/^pss: .*/pss: many/' "$out/badpid/1"
check "malformed <pid> file: exit 6" "[ \$(ex --root '$out/badpid' 1) = 6 ]"
check "usage errors: exit 2" \
	"[ \$(ex -s bogus) = 2 ] && [ \$(ex -m) = 2 ] && [ \$(ex x1) = 2 ] && [ \$(ex -j -P) = 2 ] && [ \$(ex -w 0) = 2 ] && [ \$(ex --nope) = 2 ]"
check "every combination that would be ignored is refused: exit 2" \
	"for a in '-P -n 1 -m 1' '-m -P 1' '-P -w 1' '-n 1 1' '-k 1' '-k -j' '-k -P' '-o pid -j' \
		'--cmdline -P' '--cmdline 1' '--count 2' '-s pss 1' '-r 1' '-p 1 1' '-u root 1' '-c x 1' \
		'--compare-top -m 1' '--compare-top -k 1' '-n 2 -m -j 1' '-g user -s pss' '--with 1 -P' \
		'-g user 1' '--with 1 -g user' '--with 1 -m' '-g user -k -j' '-g nope' '--with x' \
		'--with 1 --output x' '-g cgroup -w 1' '-f -P' '-f 1' '-f -s pss' '-f -g user' '-f -k -j'; do
		r=\$(ex --root '$FX/synthetic' \$a); [ \$r = 2 ] || { echo \"\$a: exit \$r\"; exit 1; }
	done"
check "bad arguments: exit 2 (-p, -u, -c, -o, --count)" \
	"[ \$(ex -p 1,x) = 2 ] && [ \$(ex -p ,) = 2 ] && [ \$(ex -c '(') = 2 ] && [ \$(ex -o pid,bogus) = 2 ] &&
	 grep -q 'bogus: unknown column' '$out/ex.err' && [ \$(ex -w 1 --count 0) = 2 ]"
check "one message prefix: getopt's errors start with vmacct:, not argv[0]" \
	"for a in -x --nope --sort --pretty=1 --wat; do
		ex \$a >/dev/null; grep -v '^Try ' '$out/ex.err' | grep -qv '^vmacct: ' && { cat '$out/ex.err'; exit 1; }
		grep -q '^vmacct: ' '$out/ex.err' || exit 1
	done"
mkdir -p "$out/empty" "$out/procish"
echo 'Linux version 6.12.0' >"$out/procish/version"
check "--root at a directory that is not vmacct's, empty, or a file: exit 3, says what is there" \
	"[ \$(ex --root '$FX/synthetic/maps') = 3 ] &&
	 grep -q \"maps is not vmacct's debugfs directory: no 'version' or 'all' file; it holds 2 entries: 4242, 777\$\" '$out/ex.err' &&
	 [ \$(ex --root '$out/empty') = 3 ] && grep -q 'it is empty' '$out/ex.err' &&
	 [ \$(ex --root '$FX/synthetic/passwd') = 3 ] && grep -q 'it is a regular file' '$out/ex.err' &&
	 [ \$(ex --root '$out/procish') = 3 ] && grep -q \"its 'version' is not a version number; it holds 1 entry: version\$\" '$out/ex.err'"
documented() {
	"$V" --help >"$out/help.txt" || return 1
	sed 's/\\-/-/g' "$tools/vmacct.8" >"$out/man.txt"
	awk 'length($0) > 80 { print "--help line over 80 columns: " $0; bad = 1 } END { exit bad }' \
		"$out/help.txt" || return 1
	for o in pid user command sort reverse limit columns cmdline kb watch count maps compare-top \
		json pretty prometheus output root proc help version group with; do
		grep -qF -- "--$o" "$out/help.txt" || { echo "--$o not in --help"; return 1; }
		grep -qF -- "--$o" "$out/man.txt" || { echo "--$o not in vmacct.8"; return 1; }
	done
}
check "every option is in --help (within 80 columns) and in vmacct.8" documented
atomic() {
	local d="$out/textfile"
	rm -rf "$d" && mkdir -p "$d" || return 1
	"$V" --root "$FX/synthetic" --proc "$FX/synthetic/proc" -P --output "$d/vmacct.prom" || return 1
	cmp "$d/vmacct.prom" "$EXP/synthetic_prom.out" || return 1
	[ "$(stat -c %a "$d/vmacct.prom")" = 644 ] || { echo "mode $(stat -c %a "$d/vmacct.prom")"; return 1; }
	"$V" --root "$out/badrow" -P --output "$d/vmacct.prom" 2>/dev/null; [ $? = 6 ] || return 1
	cmp "$d/vmacct.prom" "$EXP/synthetic_prom.out" || { echo "a failed run replaced the file"; return 1; }
	"$V" --root "$FX/synthetic" -P -w 0.1 --count 2 --output "$d/vmacct.prom" || return 1
	[ "$(ls -A "$d")" = vmacct.prom ] || { echo "left behind: $(ls -A "$d")"; return 1; }
}
check "--output FILE: written whole through a temporary file and rename, mode 0644, kept when a run fails" atomic
check "--help and --version: exit 0" "[ \$(ex --help) = 0 ] && grep -q 'Exit status' '$out/ex.out' && [ \$(ex -V) = 0 ]"

# 7. --compare-top: recorded top output through a stand-in top, then the real top on this host
FAKE_TOP_OUTPUT="$FX/top/synthetic.txt" FAKE_TOP_PIDS=1,4242 VMACCT_TOP="$here/fake-top.sh" \
	golden compare_top_recorded synthetic --compare-top 1 4242
if command -v top >/dev/null; then
	sleep 600 &
	sp=$!
	sleep 0.3
	mkfx live
	sed "s/^pid: .*/pid: $sp/" "$FX/synthetic/1" >"$out/live/$sp"
	# statm and pg are used by the check's code (eval).
	# shellcheck disable=SC2034
	read -ra statm <"/proc/$sp/statm"
	# shellcheck disable=SC2034
	pg=$(($(getconf PAGESIZE) / 1024))
	check "compare-top with the real top $(top -V 2>/dev/null | head -1 | awk '{print $NF}'): its VIRT RES SHR equal /proc/$sp/statm" \
		"ex --root '$out/live' --compare-top $sp >/dev/null; cat '$out/ex.out';
		 grep -Eq \"^  VIRT +\$((statm[0] * pg)) kB \" '$out/ex.out' &&
		 grep -Eq \"^  RES +\$((statm[1] * pg)) kB \" '$out/ex.out' &&
		 grep -Eq \"^  SHR +\$((statm[2] * pg)) kB \" '$out/ex.out'"
	kill $sp
	check "compare-top: top missing gives exit 7" \
		"[ \$(VMACCT_TOP=/nonexistent/top ex --root '$FX/synthetic' --compare-top 1) = 7 ] && grep -q 'needs procps top' '$out/ex.err'"
else
	skip "compare-top with the real top" "procps top not installed"
fi

exec >&3 3>&-
tests=$((KTAP_TESTNO - 1)) failed=$KTAP_CNT_FAIL
ktap_print_header
ktap_set_plan "$tests"
cat "$out/results.ktap"
[ "$failed" = 0 ]
