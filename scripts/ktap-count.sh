#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Count the leaf results of the KTAP document(s) in a guest console log or a host test's output.
#   ktap-count.sh FILE   -> prints "PASSED FAILED SKIPPED"
# A result line whose preceding result line was indented deeper is the summary of a nested subtest
# (kselftest runner style) and is not counted again. Kernel log lines ("[   1.2] ...", "dmesg: ...") are
# not KTAP. "Bail out!" counts as a failure.
set -euo pipefail
awk '
	/^dmesg: / || /^\[ *[0-9]+\.[0-9]+\]/ { next }
	/^ *Bail out!/ { fail++; next }
	match($0, /^ *(not )?ok [0-9]+/) {
		line = $0
		indent = match(line, /[^ ]/) - 1
		if (have && prev > indent) { prev = indent; next }
		have = 1; prev = indent
		if (line ~ /^ *not ok /) {
			if (line ~ /# *[Ss][Kk][Ii][Pp]/) skip++; else fail++
		} else if (line ~ /# *[Ss][Kk][Ii][Pp]/) skip++
		else pass++
	}
	END { printf "%d %d %d\n", pass, fail, skip }
' "${1:?usage: ktap-count.sh FILE}"
