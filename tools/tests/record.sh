#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Record the reader's fixtures from a live module: boot kernel K with tests/record-payload.sh (which
# starts processes with hostile names and cats every debugfs file between @@BEGIN/@@END markers)
# and split the console log into tests/fixtures/guest-K/. Needs the module built for K
# (scripts/build-module.sh K) and the reader (make -C tools).
#
#   tools/tests/record.sh 6.12
set -eu
k=${1:?usage: record.sh KERNEL}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${VMACCT_BUILD:-$top/build}
out="$here/fixtures/guest-$k"
"$top/scripts/guest.sh" --timeout 300 "$k" "$here/record-payload.sh" >/dev/null
rm -rf "$out"
mkdir -p "$out/maps" "$out/proc"
# The console adds carriage returns; the module's lines never hold one (it escapes \r).
tr -d '\r' <"$build/$k/console.log" | awk -v out="$out" '
	/^@@BEGIN / { name = $2; file = out "/" name; n = split(name, p, "/");
		if (p[1] == "status") { file = out "/proc/" p[2] "/status";
			system("mkdir -p \"" out "/proc/" p[2] "\"") }
		printf "" > file; next }
	/^@@END / { close(file); file = ""; next }
	file != "" { print >> file }'
rm -f "$out/prom"
echo "recorded $(find "$out" -mindepth 1 -maxdepth 1 | wc -l) entries into $out"
