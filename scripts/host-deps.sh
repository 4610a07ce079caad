#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the host packages vmacct's scripts need (Debian 12 host), only those missing.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# command -> package (rsync: the kselftest tree's `make install`, used by the in-tree check)
want="qemu-system-x86_64:qemu-system-x86 mmdebstrap:mmdebstrap cpio:cpio xz:xz-utils zstd:zstd
depmod:kmod file:file python3:python3 gcc:gcc make:make rsync:rsync shellcheck:shellcheck
qemu-system-aarch64:qemu-system-arm aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu ccache:ccache"
missing=()
for pair in $want; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
# The static busybox is the guest's whole userland (the dynamic one would need libc in the initramfs).
file -L "$(command -v busybox 2>/dev/null || echo /nonexistent)" 2>/dev/null | grep -q 'statically linked' ||
	missing+=(busybox-static)
# The arm64 guests' static user space links against the cross libc.
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || missing+=(libc6-dev-arm64-cross)
[ ${#missing[@]} = 0 ] && exit 0
need_root "installing ${missing[*]}"
note "installing host packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/vmacct-apt.log 2>&1; then
	if ! apt-get update -q >>/tmp/vmacct-apt.log 2>&1 ||
		! apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/vmacct-apt.log 2>&1; then
		die "could not install ${missing[*]} (is the Debian archive reachable?); log: /tmp/vmacct-apt.log"
	fi
fi
