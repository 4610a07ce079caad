#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The host half of the reader's live test: take what scripts/guest-payload-reader.sh printed on
# the guest's console (base64 between "@@VMACCT-BLOB name" and "@@VMACCT-END name"), decode it
# into DIR, and check the table, the JSON (python3's json module) and the Prometheus text
# (promtool check metrics) against the module's `all` and <pid> files read in the same moment.
#
#   reader-host-check.sh CONSOLE_LOG DIR    -> one KTAP document on stdout, exit 1 on a failure
#
# A process's numbers are compared where they cannot have changed: its `all` row was the same
# just before the table and just after the Prometheus output (the guest reads `all` with shell
# builtins and starts nothing but the reader in between). The workload and the hostile-named processes are
# idle, so they must be among those; a busy process (the guest's shell) is only checked for
# presence.
set -euo pipefail
log=${1:?usage: reader-host-check.sh CONSOLE_LOG DIR}
dir=${2:?usage: reader-host-check.sh CONSOLE_LOG DIR}
rm -rf "$dir"
mkdir -p "$dir"
# Console lines may carry the guest's indentation; a kernel message between two base64 lines is
# dropped by keeping only base64 lines.
awk -v dir="$dir" '
	{ sub(/^ +/, "") }
	/^@@VMACCT-BLOB / { name = $2; file = dir "/" name ".b64"; printf "" > file; next }
	/^@@VMACCT-END / { close(file); name = ""; next }
	/^@@VMACCT-PIDS / { print > (dir "/pids") }
	name != "" && /^[A-Za-z0-9+\/=]+$/ { print >> file }' "$log"
for b in "$dir"/*.b64; do
	[ -e "$b" ] || break
	base64 -d "$b" >"${b%.b64}" 2>/dev/null || rm -f "${b%.b64}"
done

promtool_rc=skip
if command -v promtool >/dev/null && [ -f "$dir/prom" ]; then
	if promtool check metrics <"$dir/prom" >"$dir/promtool.out" 2>&1; then promtool_rc=0; else promtool_rc=1; fi
fi

exec python3 - "$dir" "$promtool_rc" <<'PY'
import json, os, re, sys

d, promtool_rc = sys.argv[1], sys.argv[2]
results = []


count = 0


def result(ok, name, diag=(), skip=None):
    global count
    count += 1
    if skip:
        results.append('ok %d %s # SKIP %s' % (count, name, skip))
        return
    results.append('%s %d %s' % ('ok' if ok else 'not ok', count, name))
    if not ok:
        results.extend('# ' + l for l in diag[:30])


def read(name):
    p = os.path.join(d, name)
    return open(p, 'rb').read() if os.path.exists(p) else None


def unesc(b):
    """The module's escape: \\ooo for every byte outside 0x21..0x7e and for the backslash."""
    out, i = bytearray(), 0
    while i < len(b):
        if b[i:i + 1] == b'\\':
            out.append(int(b[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def parse_all(raw):
    lines = raw.split(b'\n')
    hdr = lines[0].decode().split()
    assert hdr[0] == '#' and hdr[1] == 'pid' and hdr[-1] == 'comm', hdr
    rows = {}
    for l in lines[1:]:
        if not l:
            continue
        v = l.split(b' ')
        assert len(v) == len(hdr) - 1, l
        rows[int(v[0])] = {k: (v[i] if k == 'comm' else int(v[i]))
                           for i, k in enumerate(hdr[1:])}
    return rows


def parse_pidfile(raw):
    f = {}
    for l in raw.split(b'\n'):
        if l:
            k, v = l.split(b': ', 1)
            f[k.decode()] = int(v[:-3]) if v.endswith(b' kB') else v
    return f


def table_text(raw):
    """What the table shows for a name: printable ASCII and valid UTF-8, '?' for the rest."""
    s = raw.decode('utf-8', 'replace')
    return ''.join(c if (' ' <= c <= '~' or (ord(c) > 0x9f and c != '\ufffd')) else '?'
                   for c in s)


names = ['all1', 'table', 'all2', 'json', 'json-detail', 'pid-before', 'pid-after', 'prom']
missing = [n for n in names if read(n) is None]
pids = {}
if os.path.exists(os.path.join(d, 'pids')):
    for kv in open(os.path.join(d, 'pids')).read().split()[1:]:
        k, v = kv.split('=', 1)
        pids[k] = [int(x) for x in v.split(',') if x]
result(not missing and pids.get('workload') and len(pids.get('hostile', [])) == 4,
       'the guest printed the reader outputs and the workload pids',
       ['missing: %s' % ' '.join(missing), 'pids: %r' % pids])
if missing or not pids.get('workload'):
    print('TAP version 13\n1..%d' % count)
    print('\n'.join(results))
    sys.exit(1)

wp = pids['workload'][0]
idle = pids['workload'] + pids['workers'] + pids['hostile']
all1, all2 = parse_all(read('all1')), parse_all(read('all2'))
stable = {p for p in all1 if p in all2 and all1[p] == all2[p]}
result(set(idle) <= stable, 'the idle processes (workload, hostile names) did not change',
       ['changed or missing: %s' % sorted(set(idle) - stable)])

# The table (-k): PID USER VIRT RES SHR SHARED PRIVATE PSS SWAP SHR-ERR COMMAND.
cols = ['top_virt', 'top_res', 'top_shr', 'shared', 'private', 'pss', 'swap']
diag, trows = [], {}
for l in read('table').decode('utf-8', 'replace').split('\n')[1:]:
    w = l.split(None, 10)
    if len(w) >= 10 and w[0].isdigit():
        trows[int(w[0])] = w
for p in sorted(set(all1) & set(all2)):
    if p not in trows:
        diag.append('pid %d alive before and after, but not in the table' % p)
for p in sorted(stable & set(trows)):
    w, a = trows[p], all1[p]
    got = [int(x) for x in w[2:9]] + [int(w[9])]
    want = [a[c] for c in cols] + [a['top_shr'] - a['shared']]
    if got != want:
        diag.append('pid %d: table %r, all %r' % (p, got, want))
    comm = w[10] if len(w) > 10 else ''
    if comm != table_text(unesc(a['comm'])):
        diag.append('pid %d: table shows %r for %r' % (p, comm, unesc(a['comm'])))
result(not diag and len(stable & set(trows)) >= len(idle),
       'table: every process of `all` has its row; %d unchanged ones equal `all` column by '
       'column, names shown printable' % len(stable & set(trows)), diag)

# JSON of every process.
diag = []
try:
    doc = json.loads(read('json').decode('utf-8'))
    assert doc['unit'] == 'kB'
    jp = {p['pid']: p for p in doc['processes']}
    for p in sorted(set(all1) & set(all2)):
        if p not in jp:
            diag.append('pid %d alive before and after, but not in the JSON' % p)
    for p in sorted(stable & set(jp)):
        a, j = all1[p], jp[p]
        for k, v in a.items():
            if k == 'comm':
                raw = unesc(v)
                if j['comm'] != raw.decode('utf-8', 'replace') or \
                        unesc(j['comm_escaped'].encode()) != raw:
                    diag.append('pid %d: comm %r / %r for %r' % (p, j['comm'], j['comm_escaped'], raw))
            elif j.get(k) != v:
                diag.append('pid %d: %s %r, all %r' % (p, k, j.get(k), v))
        if j['shr_error'] != j['top_shr'] - j['shared']:
            diag.append('pid %d: shr_error is not top_shr - shared' % p)
except (ValueError, KeyError, AssertionError, UnicodeDecodeError) as e:
    diag.append('%s: %s' % (type(e).__name__, e))
result(not diag, 'vmacct --json: valid JSON (python3 json), unchanged processes equal `all`, '
       'hostile names exact', diag)

# JSON detail with maps: workload parent and the hostile names.
diag = []
try:
    before, after = parse_pidfile(read('pid-before')), parse_pidfile(read('pid-after'))
    if before != after:
        diag.append('the workload parent changed between the reads')
    doc = json.loads(read('json-detail').decode('utf-8'))
    got = [p['pid'] for p in doc['processes']]
    if got != [wp] + pids['hostile']:
        diag.append('processes %r, asked for %r' % (got, [wp] + pids['hostile']))
    for p in doc['processes']:
        v = p['verdict']
        if v['shr_error'] != v['file_private'] + v['shmem_private'] - v['anon_shared'] + \
                v['counter_drift'] or v['shr_error'] != p['top_shr'] - p['shared']:
            diag.append('pid %d: verdict does not add up: %r' % (p['pid'], v))
        n = len(p['maps'])
        for k in ('mapped', 'resident', 'shared', 'private', 'anon_shared', 'anon_private',
                  'file_shared', 'file_private', 'shmem_shared', 'shmem_private', 'swap', 'pss'):
            s = sum(m[k] for m in p['maps'])
            if (k != 'pss' and s != p[k]) or (k == 'pss' and not 0 <= p[k] - s <= n):
                diag.append('pid %d: maps %s sum %d, summary %d' % (p['pid'], k, s, p[k]))
        if p['pid'] == wp:
            for k, val in before.items():
                if k not in ('pid', 'comm') and p.get(k) != val:
                    diag.append('pid %d: %s %r, <pid> file %r' % (wp, k, p.get(k), val))
except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
    diag.append('%s: %s' % (type(e).__name__, e))
result(not diag, 'vmacct --pretty -m PID...: valid JSON, equal to the <pid> file, verdict adds '
       'up, mappings sum to the summary', diag)

# Prometheus.
if promtool_rc == 'skip':
    result(True, 'vmacct --prometheus passes promtool check metrics',
           skip='promtool not installed (Debian package prometheus)')
else:
    out = open(os.path.join(d, 'promtool.out'), errors='replace').read().splitlines()
    result(promtool_rc == '0', 'vmacct --prometheus passes promtool check metrics', out)
diag = []
lab = re.compile(r'^(vmacct_[a-z_]+_bytes)\{pid="(\d+)",comm="((?:[^"\\\n]|\\[\\"n])*)"\} (-?\d+)$')
samples, families = {}, {}
for l in read('prom').decode('utf-8').split('\n'):
    if not l:
        continue
    if l.startswith('# TYPE '):
        f = l.split()[2]
        families[f] = families.get(f, 0) + 1
        continue
    if l.startswith('# HELP '):
        continue
    if l.startswith('vmacct_build_info{'):
        if not re.match(r'^vmacct_build_info\{version="[0-9.]+",module_version="[0-9.]+"\} 1$', l):
            diag.append('build_info: %r' % l)
        continue
    m = lab.match(l)
    if not m:
        diag.append('not a sample line: %r' % l)
        continue
    comm = re.sub(r'\\(.)', lambda x: '\n' if x.group(1) == 'n' else x.group(1), m.group(3))
    samples[(m.group(1), int(m.group(2)))] = (comm, int(m.group(4)))
# One family per field of `all` (its header: '#', pid, the fields, comm), shr_error, build_info.
nfields = len(read('all1').split(b'\n')[0].split()) - 3
if any(c != 1 for c in families.values()) or len(families) != nfields + 2:
    diag.append('metric families: %r' % families)
for p in sorted(stable):
    if ('vmacct_resident_bytes', p) not in samples:
        continue
    a = all1[p]
    for k, v in a.items():
        if k in ('pid', 'comm'):
            continue
        s = samples.get(('vmacct_%s_bytes' % k, p))
        if not s or s[1] != v * 1024 or s[0] != unesc(a['comm']).decode('utf-8', 'replace'):
            diag.append('pid %d %s: %r, all %d kB %r' % (p, k, s, v, unesc(a['comm'])))
    s = samples.get(('vmacct_shr_error_bytes', p))
    if not s or s[1] != (a['top_shr'] - a['shared']) * 1024:
        diag.append('pid %d shr_error: %r' % (p, s))
for p in idle:
    if ('vmacct_resident_bytes', p) not in samples:
        diag.append('pid %d has no samples' % p)
result(not diag, 'vmacct --prometheus: one HELP/TYPE per family, unchanged processes equal `all` '
       'in bytes, label values unescape to the exact names', diag)

print('TAP version 13\n1..%d' % count)
print('\n'.join(results))
sys.exit(0 if all(not r.startswith('not ok') for r in results) else 1)
PY
