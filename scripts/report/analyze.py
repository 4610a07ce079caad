#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Turn the report guests' results (scripts/report/collect.py, one directory per kernel) into the
# report: OUTDIR/shr-report.md, OUTDIR/shr-report.json and the chart OUTDIR/shr-chart.svg (an SVG
# written here: no fonts to fetch, no network). Exit 1 when a result makes the numbers meaningless
# (a failure the guest recorded, a process whose exact numbers disagree with smaps_rollup, no
# process of a service that should run); the reasons go to stderr.
#
#   analyze.py OUTDIR KERNEL=RESULTDIR...
import datetime
import html
import json
import os
import re
import statistics
import sys

# The services the guest runs, by the unit (cgroup) their processes are in, and what to call them.
EXPECTED = ["sshd", "journald", "udevd", "cron", "nginx", "postgresql", "psql clients", "redis",
	    "apache2 (prefork)", "python pool"]
NAMES = {"ssh": "sshd", "systemd-journald": "journald", "systemd-udevd": "udevd", "udev": "udevd", "cron": "cron",
	 "nginx": "nginx", "redis-server": "redis", "apache2": "apache2 (prefork)",
	 "pypool": "python pool", "init.scope": "systemd (pid 1)",
	 "vmacct-report": "report workload", "dbus": "dbus", "systemd-logind": "logind"}
TERMS = ("file_private", "shmem_private", "anon_shared")


def service_of(unit):
	name = unit[:-len(".service")] if unit.endswith(".service") else unit
	if name.startswith("postgresql@"):
		return "postgresql"
	if re.fullmatch(r"pgclient\d+", name):
		return "psql clients"
	return NAMES.get(name, name)


def analyze(kernel, d, problems):
	def problem(msg):
		problems.append("%s: %s" % (kernel, msg))

	try:
		with open(os.path.join(d, "out", "result.json")) as f:
			res = json.load(f)
	except (OSError, ValueError) as e:
		problem("no result.json (%s)" % e)
		return None
	failures = os.path.join(d, "out", "failures")
	if os.path.exists(failures):
		with open(failures) as f:
			for line in f:
				problem("guest: " + line.strip())
	for msg in res["failures"]:
		problem("collector: " + msg)
	times = {}
	try:
		with open(os.path.join(d, "out", "times.json")) as f:
			times = json.load(f)
	except (OSError, ValueError):
		pass
	procs = []
	for p in res["processes"]:
		v = p["vmacct"]
		shared = v["shared"]
		err = p["top"]["shr"] - shared
		drift = err - (v["file_private"] + v["shmem_private"] - v["anon_shared"])
		rel = abs(err) / shared if shared else (0.0 if err == 0 else float("inf"))
		procs.append({"pid": p["pid"], "comm": p["comm"], "service": service_of(p["unit"]),
			      "top_virt": p["top"]["virt"], "top_res": p["top"]["res"],
			      "top_shr": p["top"]["shr"], "top_scaled": p["top"]["scaled"],
			      "shared": shared, "private": v["private"], "pss": v["pss"],
			      "resident": v["resident"], "shr_error": err,
			      "file_private": v["file_private"], "shmem_private": v["shmem_private"],
			      "anon_shared": v["anon_shared"], "drift": drift, "rel_error": rel,
			      "settled": p["settled"]})
	seen = {p["service"] for p in procs}
	for s in EXPECTED:
		if s not in seen:
			problem("no process of %s" % s)
	if not procs:
		return None
	services = {}
	for p in procs:
		s = services.setdefault(p["service"], {"processes": 0, "top_shr": 0, "shared": 0,
						       "shr_error": 0, "drift": 0, "pss": 0, "top_res": 0,
						       **{t: 0 for t in TERMS}})
		s["processes"] += 1
		for k in ("top_shr", "shared", "shr_error", "drift", "pss", "top_res") + TERMS:
			s[k] += p[k]
	for s in services.values():
		s["dominant"] = max(TERMS, key=lambda t: s[t])
	# The term that makes most of the error, summed over the whole machine.
	term_sums = {t: sum(p[t] for p in procs) for t in TERMS}
	rels = [p["rel_error"] for p in procs]
	worst = max(procs, key=lambda p: abs(p["shr_error"]))
	worst_rel = max((p for p in procs if p["shared"]), key=lambda p: p["rel_error"])
	return {
		"kernel": kernel, "uname": res["uname"], "top_version": res["top_version"],
		"processes": len(procs),
		"off_10pct": sum(r > 0.10 for r in rels), "off_50pct": sum(r > 0.50 for r in rels),
		"median_rel_error": statistics.median(rels),
		"median_abs_error_kb": float(statistics.median(abs(p["shr_error"]) for p in procs)),
		"term_sums_kb": term_sums, "dominant_term": max(TERMS, key=lambda t: term_sums[t]),
		"worst_error": {k: worst[k] for k in ("pid", "comm", "service", "top_shr", "shared",
						   "shr_error")},
		"worst_rel_error": {k: worst_rel[k] for k in ("pid", "comm", "service", "top_shr",
						       "shared", "rel_error")},
		"sums_kb": {"top_res": sum(p["top_res"] for p in procs),
			    "top_shr": sum(p["top_shr"] for p in procs),
			    "pss": sum(p["pss"] for p in procs),
			    "shared": sum(p["shared"] for p in procs),
			    "free_used": res["free"]["used"], "mem_total": res["free"]["total"]},
		"crosscheck": res["crosscheck"], "times": times,
		"services": services, "process_list": procs,
	}


def mib(kb):
	return "%.1f" % (kb / 1024)


def pct(r):
	return "∞" if r == float("inf") else "%.0f %%" % (100 * r)


def markdown(reports, date):
	o = ["# top's SHR against the exact shared size, on a real Debian system", "",
	     "`make report`, %s. Every process of a Debian guest booted with its release's kernel and "
	     "systemd, running sshd, journald, udevd, cron, nginx (4 workers), PostgreSQL with 4 psql "
	     "clients, Redis during a BGSAVE, apache2 (prefork) and a forked Python pool. SHR is what "
	     "procps top printed; shared, private and pss are vmacct's, each checked against "
	     "smaps_rollup. Error = SHR − shared = file_private + shmem_private − anon_shared + drift." % date, ""]
	o.append("| kernel | processes | SHR off > 10 % | > 50 % | median error | worst error | "
		 "dominant term (Σ MiB) | Σ RES | Σ PSS | free used |")
	o.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for r in reports:
		w, s = r["worst_error"], r["sums_kb"]
		d = r["dominant_term"]
		o.append("| %s (%s) | %d | %d | %d | %s (%s kB) | %s MiB (%s, pid %d: SHR %s, shared %s MiB) "
			 "| %s (%s) | %s MiB | %s MiB | %s MiB |" %
			 (r["kernel"], r["uname"], r["processes"], r["off_10pct"], r["off_50pct"],
			  pct(r["median_rel_error"]), r["median_abs_error_kb"], mib(w["shr_error"]),
			  w["comm"], w["pid"], mib(w["top_shr"]), mib(w["shared"]), d,
			  mib(r["term_sums_kb"][d]), mib(s["top_res"]), mib(s["pss"]), mib(s["free_used"])))
	for r in reports:
		o += ["", "## %s: per service (MiB)" % r["kernel"], "",
		      "| service | procs | SHR (top) | shared (exact) | error | file_private | "
		      "shmem_private | anon_shared | drift | dominant term |",
		      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
		for name, s in sorted(r["services"].items(), key=lambda x: -abs(x[1]["shr_error"])):
			o.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" %
				 (name, s["processes"], mib(s["top_shr"]), mib(s["shared"]),
				  mib(s["shr_error"]), mib(s["file_private"]), mib(s["shmem_private"]),
				  mib(s["anon_shared"]), mib(s["drift"]), s["dominant"]))
		c, t = r["crosscheck"], r["times"]
		o += ["", "Whole machine: Σ RES %s MiB, Σ PSS %s MiB, Σ SHR %s MiB, Σ shared %s MiB; free "
		      "says %s MiB used of %s MiB." % (mib(r["sums_kb"]["top_res"]), mib(r["sums_kb"]["pss"]),
						  mib(r["sums_kb"]["top_shr"]),
						  mib(r["sums_kb"]["shared"]),
						  mib(r["sums_kb"]["free_used"]),
						  mib(r["sums_kb"]["mem_total"])),
		      "Cross-check with smaps_rollup: %d processes, %d settled, %d unsettled, %d "
		      "mismatched. multi-user.target at %s s of uptime, measured at %s s; %s." %
		      (c["checked"], c["settled"], c["unsettled"], c["mismatched"],
		       t.get("multi_user_s", "?"), t.get("measure_start_s", "?"), r["top_version"])]
	return "\n".join(o) + "\n"


COLORS = {"top_shr": "#8c8c8c", "shared": "#1f5fa8", "file_private": "#e08a1e",
	  "shmem_private": "#b8478f", "anon_shared": "#2e9e5b"}


def svg(reports, date):
	"""Per kernel, per service: top's SHR, the exact shared size, and the error split into its
	terms (file_private and shmem_private to the right of zero, anon_shared to the left)."""
	lw, cw, bh, gap, top_pad = 150, 560, 8, 10, 56
	rows = []
	lo = hi = 0
	for r in reports:
		rows.append(("kernel", r["kernel"], r["uname"]))
		for name, s in sorted(r["services"].items(), key=lambda x: -x[1]["top_shr"] - x[1]["shared"]):
			if s["top_shr"] + s["shared"] < 1024:
				continue
			rows.append(("service", name, s))
			hi = max(hi, s["top_shr"], s["shared"], s["file_private"] + s["shmem_private"])
			lo = min(lo, -s["anon_shared"])
	span = (hi - lo) or 1
	x0 = lw + cw * (-lo) / span

	def x(kb):
		return x0 + cw * kb / span

	y = top_pad
	e = []
	for kind, name, s in rows:
		if kind == "kernel":
			y += 6
			e.append('<text x="4" y="%d" font-weight="bold">Linux %s (%s)</text>' %
				 (y + 10, html.escape(name), html.escape(s)))
			y += 18
			continue
		e.append('<text x="%d" y="%d" text-anchor="end">%s</text>' %
			 (lw - 6, y + 2 * bh, html.escape(name)))
		for i, k in enumerate(("top_shr", "shared")):
			e.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' %
				 (x0, y + i * bh, x(s[k]) - x0, bh - 1, COLORS[k]))
		yy = y + 2 * bh
		e.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' %
			 (x0, yy, x(s["file_private"]) - x0, bh - 1, COLORS["file_private"]))
		e.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' %
			 (x(s["file_private"]), yy, x(s["file_private"] + s["shmem_private"]) -
			  x(s["file_private"]), bh - 1, COLORS["shmem_private"]))
		e.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' %
			 (x(-s["anon_shared"]), yy, x0 - x(-s["anon_shared"]), bh - 1, COLORS["anon_shared"]))
		e.append('<text x="%.1f" y="%d" font-size="9">%s / %s MiB</text>' %
			 (lw + cw + 6, y + bh + 3, mib(s["top_shr"]), mib(s["shared"])))
		y += 3 * bh + gap
	height = y + 30
	# Axis: a grid line every 1, 2 or 5 times a power of ten MiB, four to ten of them.
	step = 1
	while span / 1024 / step > 10:
		step = step * 5 // 2 if str(step)[0] == "2" else step * 2
	ticks = []
	t = -(int(-lo / 1024) // step) * step
	while t * 1024 <= hi:
		ticks.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' %
			     (x(t * 1024), top_pad, x(t * 1024), y))
		ticks.append('<text x="%.1f" y="%d" text-anchor="middle" font-size="9">%d</text>' %
			     (x(t * 1024), y + 12, t))
		t += step
	ticks.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000"/>' % (x0, top_pad, x0, y))
	ticks.append('<text x="%.1f" y="%d" text-anchor="middle" font-size="9">MiB (left of 0: '
		     'anonymous pages shared that SHR misses)</text>' % (lw + cw / 2, y + 24))
	legend = []
	lx = 4
	for k, label in (("top_shr", "SHR (top)"), ("shared", "shared (exact)"),
			 ("file_private", "file_private"), ("shmem_private", "shmem_private"),
			 ("anon_shared", "anon_shared (missed)")):
		legend.append('<rect x="%d" y="34" width="10" height="10" fill="%s"/>'
			      '<text x="%d" y="43">%s</text>' % (lx, COLORS[k], lx + 14, label))
		lx += 14 + 7 * len(label) + 14
	width = lw + cw + 130
	return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
		'font-family="sans-serif" font-size="11">\n'
		'<rect width="100%%" height="100%%" fill="#fff"/>\n'
		'<text x="4" y="18" font-size="13" font-weight="bold">top\'s SHR vs the exact shared '
		'size, per service, sum over its processes (make report, %s)</text>\n%s\n%s\n%s\n</svg>\n' %
		(width, height, date, "\n".join(legend), "\n".join(ticks), "\n".join(e)))


def finite(v):
	"""JSON has no infinity: a relative error against a shared size of 0 is written as null."""
	if isinstance(v, float) and v == float("inf"):
		return None
	if isinstance(v, dict):
		return {k: finite(x) for k, x in v.items()}
	if isinstance(v, list):
		return [finite(x) for x in v]
	return v


def main():
	outdir = sys.argv[1]
	problems, reports = [], []
	for arg in sys.argv[2:]:
		kernel, _, d = arg.partition("=")
		r = analyze(kernel, d, problems)
		if r:
			reports.append(r)
	date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
	os.makedirs(outdir, exist_ok=True)
	with open(os.path.join(outdir, "shr-report.json"), "w") as f:
		json.dump(finite({"date": date, "problems": problems, "kernels": reports}), f, indent=1)
		f.write("\n")
	if reports:
		with open(os.path.join(outdir, "shr-report.md"), "w") as f:
			f.write(markdown(reports, date))
		with open(os.path.join(outdir, "shr-chart.svg"), "w") as f:
			f.write(svg(reports, date))
	for r in reports:
		print("%s: %d processes, SHR off by >10 %%: %d, >50 %%: %d, median error %s, worst %s MiB (%s), "
		      "dominant term %s" % (r["kernel"], r["processes"], r["off_10pct"], r["off_50pct"],
					    pct(r["median_rel_error"]), mib(r["worst_error"]["shr_error"]),
					    r["worst_error"]["comm"], r["dominant_term"]))
	for p in problems:
		print("problem: " + p, file=sys.stderr)
	sys.exit(1 if problems or not reports else 0)


if __name__ == "__main__":
	main()
