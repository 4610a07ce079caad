#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Unpack the Debian kernel source (linux-source-SERIES, Debian patches applied; the series is the
# kernel's row in scripts/kernels.txt) of one kernel of the matrix under the cache and print its path.
# Used for kselftest headers, checkpatch.pl and the debug kernel; never copied into the repository.
#   kernel-source.sh KERNEL
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

k=${1:?usage: kernel-source.sh KERNEL}
series=$(kernel_field "$k" series)
dest="$VMACCT_CACHE/src/$series"
# The download runs in the kernel's build root (its release's apt sources): make sure it exists.
[ -f "$dest/.vmacct-ok" ] || "$VMACCT_TOP/scripts/provision.sh" ensure-root "$k" >&2 ||
	die "cannot provision the $k build root"
root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
if [ ! -f "$dest/.vmacct-ok" ]; then
	rm -rf "$dest"
	mkdir -p "$dest" "$root/tmp/vmacct-src-dl"
	"$VMACCT_TOP/scripts/provision.sh" in-root "$k" \
		sh -c "cd /tmp/vmacct-src-dl && apt-get download -q linux-source-$series" >&2 ||
		die "cannot download linux-source-$series (is the Debian archive reachable?)"
	dpkg-deb --fsys-tarfile "$root"/tmp/vmacct-src-dl/linux-source-"$series"_*.deb |
		tar -x -C "$dest" --wildcards './usr/src/linux-source-*.tar.*'
	for tarball in "$dest"/usr/src/linux-source-*.tar.*; do
		tar -xf "$tarball" -C "$dest"
	done
	rm -rf "${dest:?}/usr" "$root/tmp/vmacct-src-dl"
	touch "$dest/.vmacct-ok"
fi
for d in "$dest"/linux-source-*/; do
	echo "${d%/}"
	break
done
