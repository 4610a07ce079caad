#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prove the DKMS path: inside a kernel's build root (which has dkms), `dkms add` + `dkms build` this tree
# exactly as a Debian user would, and copy the resulting module out for a guest to load.
#   dkms-build.sh KERNEL   -> build/KERNEL/vmacct-dkms.ko
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

k=${1:?usage: dkms-build.sh KERNEL}
root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
rel=$("$VMACCT_TOP/scripts/provision.sh" version "$k")
[ -x "$root/usr/sbin/dkms" ] || die "the build root of $k has no dkms"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$VMACCT_TOP/dkms.conf")
out="$VMACCT_BUILD/$k"
mkdir -p "$out"
rm -rf "$root/usr/src/vmacct-$ver"
mkdir -p "$root/usr/src/vmacct-$ver"
cp -r "$VMACCT_TOP/Kbuild" "$VMACCT_TOP/Makefile" "$VMACCT_TOP/dkms.conf" "$VMACCT_TOP/module" \
	"$VMACCT_TOP/include" "$root/usr/src/vmacct-$ver/"
# shellcheck disable=SC2046 # ccache_env: words for env
if ! "$VMACCT_TOP/scripts/provision.sh" in-root "$k" $(ccache_env "$root") sh -c \
	"dkms remove vmacct/$ver --all >/dev/null 2>&1; dkms add vmacct/$ver && dkms build vmacct/$ver -k $rel" \
	>"$out/dkms.log" 2>&1; then
	tail -n 20 "$out/dkms.log" >&2
	die "dkms build for $k failed; log: $out/dkms.log"
fi
ko=$(find "$root/var/lib/dkms/vmacct/$ver/$rel" -name 'vmacct.ko*' | head -n 1)
[ -n "$ko" ] || die "dkms build for $k left no vmacct.ko"
case "$ko" in
*.xz) xz -dc "$ko" >"$out/vmacct-dkms.ko" ;;
*.zst) zstd -qdc "$ko" >"$out/vmacct-dkms.ko" ;;
*) cp "$ko" "$out/vmacct-dkms.ko" ;;
esac
