#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the module, as KTAP: checkpatch.pl --strict (from the newest kernel source of the
# matrix, never copied here) and sparse (C=2) against the kernels whose release ships a sparse the
# kernel accepts (sid's is older than 7.2 requires, so 7.2 is covered by W=1 and the debug kernel).
#   static-checks.sh
set -uo pipefail
. "$(dirname "$0")/lib.sh"

n=0 failed=0
result() { # result 0|1 name
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}
sparse_kernels="6.1 6.12"
echo "TAP version 13"
echo "1..$((1 + $(echo $sparse_kernels | wc -w)))"

src=$("$VMACCT_TOP/scripts/kernel-source.sh" 7.2)
# Every kernel difference is chosen by a compile probe (module/probes/), none by LINUX_VERSION_CODE.
out=$("$src/scripts/checkpatch.pl" --strict --no-tree --quiet \
	-f "$VMACCT_TOP"/module/*.c "$VMACCT_TOP"/module/*.h "$VMACCT_TOP"/module/probes/*.c \
	"$VMACCT_TOP"/include/*.h 2>&1)
[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# /'
result "$([ -z "$out" ] && echo 0 || echo 1)" "checkpatch.pl --strict clean on module/ and include/"

for k in $sparse_kernels; do
	"$VMACCT_TOP/scripts/provision.sh" ensure "$k" >&2 || { result 1 "sparse on $k (provision)"; continue; }
	"$VMACCT_TOP/scripts/provision.sh" in-root "$k" sh -c 'command -v sparse >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q sparse >/dev/null 2>&1' || true
	if VMACCT_BUILD="$VMACCT_BUILD/sparse" "$VMACCT_TOP/scripts/build-module.sh" "$k" C=2 >/dev/null 2>&1; then
		log="$VMACCT_BUILD/sparse/$k/build.log"
		if grep -E 'warning:|error:|sparse is not available' "$log" | sed 's/^/# /' | grep .; then
			result 1 "sparse (C=2) clean on $k"
		else
			result 0 "sparse (C=2) clean on $k"
		fi
	else
		result 1 "sparse (C=2) build on $k"
	fi
done
exit $failed
