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
# One directory per kernel, the same path every time: the compiler cache (lib.sh ccache_env) keys
# on the paths in the command line. Builds for one kernel wait for each other (the lock).
src="$root/tmp/vmacct-src-$k"
srcin=/tmp/vmacct-src-$k
exec 9>"$src.lock"
flock 9
rm -rf "$src" && mkdir -p "$src"
trap 'rm -rf "$src"' EXIT
cp -r "$VMACCT_TOP/Kbuild" "$VMACCT_TOP/Makefile" "$VMACCT_TOP/module" "$VMACCT_TOP/include" "$src/"
# The compile probes' answer (module/Kbuild) depends only on the probes, the kernel's headers and
# the compiler: cached under a key of all three (the probes and Kbuild; the headers' .config and
# release; the versions of the root's packages, the headers' and the compiler's among them, but
# not vmacct's own, which make check installs there). The probes are some 12 s of CPU of each
# build; make check builds 11 kernels, some of them twice.
key=$({
	cat "$VMACCT_TOP/module/Kbuild" "$VMACCT_TOP"/module/probes/*.c "$root$kbuild/.config" \
		"$root$kbuild/include/generated/utsrelease.h"
	dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Package} ${Version}\n' | grep -v '^vmacct'
} | sha256sum | cut -c1-16)
probe_cache=$VMACCT_CACHE/probes/$k-$key
probe_args=()
if [ -f "$probe_cache" ]; then
	probe_args=(VMACCT_PROBE_FLAGS="$(cat "$probe_cache")")
fi
# shellcheck disable=SC2046 # ccache_env: words for env
if "$VMACCT_TOP/scripts/provision.sh" in-root "$k" $(ccache_env "$root") \
	make -C "$kbuild" M="$srcin" ${probe_args[@]+"${probe_args[@]}"} "$@" modules >"$out/build.log" 2>&1; then
	cp "$src/module/vmacct.ko" "$out/vmacct.ko"
	if [ ${#probe_args[@]} = 0 ]; then
		# What the probes gave is on kbuild's record of every compile (.NAME.o.cmd).
		mkdir -p "${probe_cache%/*}"
		grep -o -- '-DVMACCT_HAVE_[A-Z0-9_]*' "$src/module/.main.o.cmd" | sort -u | tr '\n' ' ' \
			>"$probe_cache.tmp" && mv "$probe_cache.tmp" "$probe_cache"
	fi
else
	tail -n 30 "$out/build.log" >&2
	die "module build for $k ($rel) failed; full log: $out/build.log"
fi
