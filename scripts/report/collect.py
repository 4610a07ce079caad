# SPDX-License-Identifier: GPL-2.0
# Measure every process of the report guest (run by workload.sh, vmacct loaded): what procps top
# printed (VIRT, RES, SHR), the exact numbers of /sys/kernel/debug/vmacct/<pid>, the reader's
# --json, free's "used", and a per-process comparison with /proc/pid/smaps_rollup.
#
#   python3 collect.py OUTDIR    writes OUTDIR/result.json and the raw outputs beside it
#
# The services are busy (PostgreSQL's clients, the Redis BGSAVE), so a process is compared the way
# vmacct_crosscheck compares a quiescent one, but only when it stood still: smaps_rollup is read
# before and after the vmacct read, and the comparison counts only when both smaps_rollup reads
# agree; otherwise it is read again (up to TRIES times). A process that never stands still is
# reported as unsettled, with its resident size required to lie between the two smaps_rollup reads.
import json
import os
import re
import subprocess
import sys
import time

DEBUGFS = "/sys/kernel/debug/vmacct"
TRIES = 20
out = sys.argv[1]
me = os.getpid()
failures = []


def fail(msg):
	failures.append(msg)
	print("FAIL: " + msg, flush=True)


def run(*cmd):
	return subprocess.run(cmd, check=True, capture_output=True, text=True,
			      env=dict(os.environ, TERM="dumb", COLUMNS="512", LC_ALL="C")).stdout


def save(name, text):
	with open(os.path.join(out, name), "w") as f:
		f.write(text)


# top: must be procps's (busybox's or another top counts differently).
version = run("top", "-V").strip()
save("top-version.txt", version + "\n")
if "procps" not in version:
	fail("top is not procps: %r" % version)

# top's memory columns are KiB, scaled with a suffix when they do not fit their width.
SCALE = {"": 1, "k": 1, "m": 1024, "g": 1024 ** 2, "t": 1024 ** 3}


def top_kb(s):
	m = re.fullmatch(r"([0-9.]+)([kmgt]?)", s.lower())
	if not m:
		raise ValueError(s)
	return int(float(m.group(1)) * SCALE[m.group(2)]), m.group(2) not in ("", "k")


top_text = run("top", "-b", "-n1", "-w", "512")
save("top.txt", top_text)
top = {}
lines = top_text.splitlines()
hdr = next(i for i, line in enumerate(lines) if line.split()[:1] == ["PID"])
cols = lines[hdr].split()
for line in lines[hdr + 1:]:
	f = line.split(None, len(cols) - 1)
	if len(f) < len(cols):
		continue
	row = dict(zip(cols, f))
	virt, a1 = top_kb(row["VIRT"])
	res, a2 = top_kb(row["RES"])
	shr, a3 = top_kb(row["SHR"])
	top[int(row["PID"])] = {"virt": virt, "res": res, "shr": shr, "scaled": a1 or a2 or a3,
				"command": row["COMMAND"]}

free_text = run("free", "-k")
save("free.txt", free_text)
mem = next(line.split() for line in free_text.splitlines() if line.startswith("Mem:"))
free = dict(zip(["total", "used", "free", "shared", "buff_cache", "available"], map(int, mem[1:7])))

reader_json = run("/root/report/vmacct", "--json")
save("vmacct.json", reader_json)
json.loads(reader_json)


def read_vmacct(pid):
	v = {}
	with open("%s/%d" % (DEBUGFS, pid)) as f:
		for line in f:
			k, _, val = line.partition(":")
			val = val.split()
			if k == "comm":
				v[k] = val[0] if val else ""
			elif val and val[0].isdigit():
				v[k] = int(val[0])
	return v


def read_rollup(pid):
	s = {}
	with open("/proc/%d/smaps_rollup" % pid) as f:
		for line in f:
			m = re.match(r"(\w+):\s+(\d+) kB", line)
			if m:
				s[m.group(1)] = int(m.group(2))
	return {"resident": s["Rss"], "shared": s["Shared_Clean"] + s["Shared_Dirty"],
		"private": s["Private_Clean"] + s["Private_Dirty"], "pss": s["Pss"], "swap": s["Swap"]}


def agrees(v, s):
	return all(v[k] == s[k] for k in ("resident", "shared", "private", "swap")) and \
		abs(v["pss"] - s["pss"]) <= 1


def unit_of(pid):
	"""The systemd unit of the process: the deepest .service or .scope of its cgroup (udevd
	runs in systemd-udevd.service/udev), or the cgroup's last component."""
	with open("/proc/%d/cgroup" % pid) as f:
		path = f.read().strip().split("::", 1)[-1]
	parts = [c for c in path.split("/") if c]
	units = [c for c in parts if c.endswith((".service", ".scope"))]
	return units[-1] if units else (parts[-1] if parts else "-")


procs = []
counts = {"checked": 0, "settled": 0, "unsettled": 0, "mismatched": 0, "gone": 0,
	  "kernel_threads": 0}
for pid in sorted(top):
	if pid == me:
		continue
	# Kernel threads have no address space: no vmacct file, nothing of theirs in top's columns.
	try:
		os.readlink("/proc/%d/exe" % pid)
	except FileNotFoundError:
		counts["kernel_threads" if os.path.exists("/proc/%d" % pid) else "gone"] += 1
		continue
	except OSError:
		pass
	try:
		for tries in range(1, TRIES + 1):
			a = read_rollup(pid)
			v = read_vmacct(pid)
			b = read_rollup(pid)
			if a == b:
				break
			time.sleep(0.1)
		unit = unit_of(pid)
		with open("/proc/%d/cmdline" % pid, "rb") as f:
			cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
	except (FileNotFoundError, ProcessLookupError):
		counts["gone"] += 1
		continue
	except OSError as e:
		fail("pid %d: %s" % (pid, e))
		continue
	counts["checked"] += 1
	settled = a == b
	if settled:
		counts["settled"] += 1
		ok = agrees(v, a)
	else:
		counts["unsettled"] += 1
		lo, hi = sorted((a["resident"], b["resident"]))
		ok = lo <= v["resident"] <= hi
	if not ok:
		counts["mismatched"] += 1
		fail("pid %d (%s): vmacct %s, smaps_rollup %s / %s" %
		     (pid, v.get("comm"), {k: v[k] for k in a}, a, b))
	procs.append({"pid": pid, "comm": v.get("comm"), "unit": unit, "cmdline": cmdline[:200],
		      "top": top[pid], "vmacct": v, "smaps_rollup": b, "tries": tries,
		      "settled": settled, "agrees": ok})

result = {"uname": os.uname().release, "top_version": version, "free": free,
	  "crosscheck": counts, "failures": failures, "processes": procs}
save("result.json", json.dumps(result, indent=1) + "\n")
print("collect: %(checked)d processes, %(settled)d settled, %(unsettled)d unsettled, "
      "%(mismatched)d mismatched, %(gone)d gone, %(kernel_threads)d kernel threads" % counts, flush=True)
sys.exit(1 if failures else 0)
