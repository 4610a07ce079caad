#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build a kernel of the matrix whose image is "built" (scripts/kernels.txt: the debug kernel, with KASAN,
# lockdep, DEBUG_VM, ...) from Debian's linux-source of its series, inside its release's build root, and
# cache it keyed by source version and config.
#   debug-kernel.sh KERNEL   -> prints the kernel's cache directory (vmlinuz, release, config)
# Its object tree stays inside the build root (/opt/vmacct-debug-KEY, named in the file "build"), where
# scripts/build-module.sh KERNEL builds the module against it.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

k=${1:?usage: debug-kernel.sh KERNEL}
[ "$(kernel_field "$k" image)" = built ] || die "kernel $k is not built from source (scripts/kernels.txt)"
root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
src=$("$VMACCT_TOP/scripts/kernel-source.sh" "$k")
frag="$VMACCT_TOP/scripts/debug-kernel/vmacct-debug.config"
key=$( (basename "$src"; sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$src/Makefile"; cat "$frag") |
	sha256sum | cut -c1-12)
dest="$VMACCT_CACHE/kernels/debug-$key"
if [ ! -f "$dest/vmlinuz" ]; then
	need_root "building the debug kernel"
	# The kernel build needs more than a module build: flex, bison, openssl headers.
	if ! "$VMACCT_TOP/scripts/provision.sh" in-root "$k" sh -c 'command -v flex && command -v bison && command -v xz' >/dev/null; then
		"$VMACCT_TOP/scripts/provision.sh" in-root "$k" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q flex bison libssl-dev libelf-dev bc python3 rsync xz-utils >/dev/null ||
			die "cannot install the kernel build dependencies in the $(release_of "$k") build root"
	fi
	rm -rf "$dest"
	# An interrupted build resumes (make is incremental) as long as the source and config are the same.
	[ "$(cat "$root/tmp/vmacct-debug/key" 2>/dev/null)" = "$key" ] || rm -rf "$root/tmp/vmacct-debug"
	mkdir -p "$root/tmp/vmacct-debug"
	note "building the debug kernel $(basename "$src") [$key] (10-15 minutes on 2 cores)"
	[ -d "$root/tmp/vmacct-debug/src" ] || cp -a "$src" "$root/tmp/vmacct-debug/src"
	echo "$key" >"$root/tmp/vmacct-debug/key"
	cp "$frag" "$root/tmp/vmacct-debug/vmacct-debug.config"
	log="$VMACCT_CACHE/debug-kernel-$key.log"
	# shellcheck disable=SC2016 # expanded by the shell in the build root
	if ! "$VMACCT_TOP/scripts/provision.sh" in-root "$k" sh -c '
		set -e
		cd /tmp/vmacct-debug/src
		if ! [ -f .config ]; then
			make -s tinyconfig
			scripts/kconfig/merge_config.sh -m .config ../vmacct-debug.config >/dev/null
			make -s olddefconfig
		fi
		make -s -j"$(nproc)" LOCALVERSION=-vmacct-debug bzImage modules
		make -s LOCALVERSION=-vmacct-debug kernelrelease > ../release
	' >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "the debug kernel failed to build; log: $log"
	fi
	# olddefconfig silently drops an option whose dependencies are missing: insist on the ones
	# this kernel exists for.
	for opt in KASAN KASAN_GENERIC PROVE_LOCKING PROVE_RCU DEBUG_VM DEBUG_ATOMIC_SLEEP DEBUG_LIST \
		DEBUG_PAGEALLOC TRANSPARENT_HUGEPAGE HUGETLBFS ZRAM KSM MODULES DEBUG_FS \
		DEBUG_KMEMLEAK CGROUPS MEMCG FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_DEBUG_FS \
		FAULT_INJECTION_STACKTRACE_FILTER; do
		grep -q "^CONFIG_$opt=y" "$root/tmp/vmacct-debug/src/.config" ||
			die "the debug kernel config lost CONFIG_$opt (see $frag)"
	done
	mkdir -p "$dest.tmp"
	cp "$root/tmp/vmacct-debug/src/arch/x86/boot/bzImage" "$dest.tmp/vmlinuz"
	cp "$root/tmp/vmacct-debug/release" "$dest.tmp/release"
	cp "$root/tmp/vmacct-debug/src/.config" "$dest.tmp/config"
	# Keep only what an out-of-tree module build needs from the object tree.
	rm -rf "$root/opt/vmacct-debug-$key"
	mkdir -p "$root/opt"
	mv "$root/tmp/vmacct-debug/src" "$root/opt/vmacct-debug-$key"
	find "$root/opt/vmacct-debug-$key" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
	echo "/opt/vmacct-debug-$key" >"$dest.tmp/build"
	rm -rf "$root/tmp/vmacct-debug" "$dest"
	mv "$dest.tmp" "$dest"
fi
echo "$dest"
