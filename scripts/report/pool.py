# SPDX-License-Identifier: GPL-2.0
# A multiprocessing pool that forked after building a large structure: its four workers share the
# parent's heap copy-on-write (anonymous pages top's SHR does not count). Run by workload.sh.
import multiprocessing
import pathlib
import time

# About 100 MiB of Python objects, built before the fork.
data = {i: ("%09d" % i) * 4 for i in range(600000)}


def work(lo):
	# Reads a slice (reference counts are written: some pages are copied, as in real life).
	return sum(len(data[i]) for i in range(lo, lo + 5000))


if __name__ == "__main__":
	# fork explicitly: Python 3.14 starts pools with forkserver by default.
	with multiprocessing.get_context("fork").Pool(4) as pool:
		pool.map(work, range(0, 40000, 5000))
		pathlib.Path("/run/pypool.ready").touch()
		while True:
			time.sleep(3600)
