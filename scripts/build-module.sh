#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build vmacct.ko for one kernel of the matrix inside that kernel's build root (its release's gcc).
#   build-module.sh KERNEL [extra make args, e.g. W=1 C=2]
# Result: build/KERNEL/vmacct.ko and build/KERNEL/build.log.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

k=${1:?usage: build-module.sh KERNEL [make args]}
shift
root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
rel=$("$VMACCT_TOP/scripts/provision.sh" version "$k")
kbuild=$("$VMACCT_TOP/scripts/provision.sh" kbuild-dir "$k")
out="$VMACCT_BUILD/$k"
mkdir -p "$out" "$root/tmp"
# A copy, not a bind mount: the root stays self-contained and a failed build leaves nothing mounted.
# A private directory per build, so that builds for one kernel may run side by side.
src=$(mktemp -d "$root/tmp/vmacct-src.XXXXXX")
srcin=/tmp/${src##*/}
trap 'rm -rf "$src"' EXIT
cp -r "$VMACCT_TOP/Kbuild" "$VMACCT_TOP/Makefile" "$VMACCT_TOP/module" "$VMACCT_TOP/include" "$src/"
if "$VMACCT_TOP/scripts/provision.sh" in-root "$k" \
	make -C "$kbuild" M="$srcin" "$@" modules >"$out/build.log" 2>&1; then
	cp "$src/module/vmacct.ko" "$out/vmacct.ko"
else
	tail -n 30 "$out/build.log" >&2
	die "module build for $k ($rel) failed; full log: $out/build.log"
fi
