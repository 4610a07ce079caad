#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Unpack the Debian kernel source (linux-source-SERIES, Debian patches applied) of one kernel of the
# matrix under the cache and print its path. Used for kselftest headers, checkpatch.pl and the debug
# kernel; never copied into the repository.
#   kernel-source.sh KERNEL
set -euo pipefail
. "$(dirname "$0")/lib.sh"

k=${1:?usage: kernel-source.sh KERNEL}
dest="$VMACCT_CACHE/src/$k"
# The download runs in the kernel's build root (its release's apt sources): make sure it exists.
[ -f "$dest/.vmacct-ok" ] || "$VMACCT_TOP/scripts/provision.sh" ensure "$k" >&2 ||
	die "cannot provision the $k build root"
root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
if [ ! -f "$dest/.vmacct-ok" ]; then
	rm -rf "$dest"
	mkdir -p "$dest" "$root/tmp/vmacct-src-dl"
	"$VMACCT_TOP/scripts/provision.sh" in-root "$k" \
		sh -c "cd /tmp/vmacct-src-dl && apt-get download -q linux-source-$k" >&2 ||
		die "cannot download linux-source-$k (is the Debian archive reachable?)"
	dpkg-deb --fsys-tarfile "$root"/tmp/vmacct-src-dl/linux-source-"$k"_*.deb |
		tar -x -C "$dest" --wildcards './usr/src/linux-source-*.tar.*'
	tarball=$(ls "$dest"/usr/src/linux-source-*.tar.*)
	tar -xf "$tarball" -C "$dest"
	rm -rf "$dest/usr" "$root/tmp/vmacct-src-dl"
	touch "$dest/.vmacct-ok"
fi
ls -d "$dest"/linux-source-*/ | head -n 1 | sed 's:/$::'
