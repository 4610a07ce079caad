#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build a kernel of the matrix whose image is "built" (scripts/kernels.txt: the debug kernel, with KASAN,
# lockdep, DEBUG_VM, ...; the kcsan kernel) from Debian's linux-source of its series, inside its
# release's build root, and cache it keyed by source version and config.
#   debug-kernel.sh KERNEL   -> prints the kernel's cache directory (vmlinuz, release, config)
# Its config: tinyconfig, then scripts/debug-kernel/vmacct-debug.config, then the kernel's own
# fragment scripts/debug-kernel/vmacct-KERNEL.config if there is one (later lines win). Its object
# tree stays inside the build root (/opt/vmacct-KERNEL-KEY, named in the file "build"), where
# scripts/build-module.sh KERNEL builds the module against it; each kernel builds in a directory of
# its own (/tmp/vmacct-KERNEL in the root).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

k=${1:?usage: debug-kernel.sh KERNEL}
[ "$(kernel_field "$k" image)" = built ] || die "kernel $k is not built from source (scripts/kernels.txt)"
root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
src=$("$VMACCT_TOP/scripts/kernel-source.sh" "$k")
frags=("$VMACCT_TOP/scripts/debug-kernel/vmacct-debug.config")
if [ "$k" != debug ] && [ -f "$VMACCT_TOP/scripts/debug-kernel/vmacct-$k.config" ]; then
	frags+=("$VMACCT_TOP/scripts/debug-kernel/vmacct-$k.config")
fi
key=$( (basename "$src"; sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$src/Makefile"; cat "${frags[@]}") |
	sha256sum | cut -c1-12)
dest="$VMACCT_CACHE/kernels/$k-$key"
bdir=/tmp/vmacct-$k
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
	[ "$(cat "$root$bdir/key" 2>/dev/null)" = "$key" ] || rm -rf "$root$bdir"
	mkdir -p "$root$bdir"
	note "building the $k kernel $(basename "$src") [$key] (3-5 minutes on 2 cores, more on a busy host)"
	[ -d "$root$bdir/src" ] || cp -a "$src" "$root$bdir/src"
	echo "$key" >"$root$bdir/key"
	cat "${frags[@]}" >"$root$bdir/vmacct.config"
	log="$VMACCT_CACHE/$k-kernel-$key.log"
	# shellcheck disable=SC2016 # expanded by the shell in the build root
	if ! "$VMACCT_TOP/scripts/provision.sh" in-root "$k" sh -c '
		set -e
		cd "$1/src"
		if ! [ -f .config ]; then
			make -s tinyconfig
			scripts/kconfig/merge_config.sh -m .config ../vmacct.config >/dev/null
			make -s olddefconfig
		fi
		make -s -j"$(nproc)" LOCALVERSION=-vmacct-"$2" bzImage modules
		make -s LOCALVERSION=-vmacct-"$2" kernelrelease > ../release
	' sh "$bdir" "$k" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "the $k kernel failed to build; log: $log"
	fi
	# olddefconfig silently drops an option whose dependencies are missing: insist on the
	# fragments, every option they set to y (KASAN, lockdep, kmemleak, ...) and every one they
	# turn off, as the last fragment that names it says.
	lost=$(cat "${frags[@]}" | awk -v config="$root$bdir/src/.config" '
		/^CONFIG_[A-Z0-9_]+=y$/ { sub(/=y$/, ""); want[$0] = 1 }
		/^# CONFIG_[A-Z0-9_]+ is not set$/ { want[$2] = 0 }
		END {
			while ((getline line <config) > 0)
				if (line ~ /=y$/) { sub(/=y$/, "", line); on[line] = 1 }
			for (o in want)
				if (want[o] != (o in on)) printf " %s%s", want[o] ? "" : "!", o
		}')
	[ -z "$lost" ] || die "the $k kernel config differs from its fragments in:$lost (! = should be off)"
	mkdir -p "$dest.tmp"
	cp "$root$bdir/src/arch/x86/boot/bzImage" "$dest.tmp/vmlinuz"
	cp "$root$bdir/release" "$dest.tmp/release"
	cp "$root$bdir/src/.config" "$dest.tmp/config"
	# Keep only what an out-of-tree module build needs from the object tree.
	rm -rf "$root/opt/vmacct-$k-$key"
	mkdir -p "$root/opt"
	mv "$root$bdir/src" "$root/opt/vmacct-$k-$key"
	find "$root/opt/vmacct-$k-$key" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
	echo "/opt/vmacct-$k-$key" >"$dest.tmp/build"
	rm -rf "$root$bdir" "$dest"
	mv "$dest.tmp" "$dest"
fi
echo "$dest"
