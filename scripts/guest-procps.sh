#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Put the real procps top of a kernel's Debian release into a guest tree, so that
# `vmacct --compare-top` in the guest compares with the top that release ships, not busybox's.
#
#   guest-procps.sh KERNEL DEST
#
# Makes sure procps is installed in the release's build root (apt inside the root, with the lists
# mmdebstrap kept; one `apt-get update` in the root only if the kept lists no longer match the
# archive), then copies into DEST, at the same paths as in the root: /usr/bin/top, its whole
# shared-library closure as the root's own ld.so resolves it (ldd run inside the root: the host's
# loader and libraries are another release), and a few terminfo entries (top -b still asks
# ncurses for a terminal). Nothing is ever installed on the host.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

k=${1:?usage: guest-procps.sh KERNEL DEST}
dest=${2:?usage: guest-procps.sh KERNEL DEST}
prov="$VMACCT_TOP/scripts/provision.sh"
root=$("$prov" root "$k")
[ -f "$root/.vmacct-ok" ] || die "no build root for $k at $root (scripts/provision.sh ensure $k)"
[ -d "$dest" ] || die "$dest is not a directory"

# shellcheck disable=SC2016 # ${Status} is dpkg-query's, not the shell's
installed() { chroot "$root" dpkg-query -W -f '${Status}' procps 2>/dev/null | grep -q 'ok installed'; }
if ! installed || [ ! -x "$root/usr/bin/top" ]; then
	need_root "installing procps into the $(release_of "$k") build root"
	note "installing procps into the $(release_of "$k") build root"
	inst=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends procps)
	log="$VMACCT_CACHE/procps-$(release_of "$k").log"
	if ! "$prov" in-root "$k" "${inst[@]}" >"$log" 2>&1; then
		# The kept lists name package versions the archive may have dropped since (sid moves).
		if ! "$prov" in-root "$k" apt-get update -q >>"$log" 2>&1 ||
			! "$prov" in-root "$k" "${inst[@]}" >>"$log" 2>&1; then
			die "could not install procps into $root; log: $log"
		fi
	fi
	installed || die "procps is still not installed in $root; log: $log"
fi

# Copy a file of the root to the same path under DEST. The path is resolved inside the root
# (symlinks there may be absolute, e.g. /lib64 -> /usr/lib64 on merged-/usr releases); the copy is
# a plain file at the path the loader asks for, so DEST needs none of the root's symlinks.
copy() {
	local p=$1 real
	real=$(chroot "$root" realpath -e "$p") || die "$p is missing in $root"
	mkdir -p "$dest$(dirname "$p")"
	cp "$root$real" "$dest$p"
}

copy /usr/bin/top
# ldd prints "name => /path (addr)" for each library and "/path/ld.so (addr)" for the loader;
# linux-vdso has no file. An unresolved library ("not found") is an error, not a silent gap.
libs=$(chroot "$root" ldd /usr/bin/top) || die "ldd /usr/bin/top failed in $root"
if grep -q 'not found' <<<"$libs"; then
	die "top in $root has unresolved libraries: $libs"
fi
n=0
# shellcheck disable=SC2013 # library paths hold no blanks
for p in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$libs"); do
	copy "$p"
	n=$((n + 1))
done
[ "$n" -ge 2 ] || die "ldd found no libraries for top in $root: $libs"

# Terminfo: dumb (what top -b sets up), linux (the kernel's TERM for init), vt100/vt220 (a serial
# console), xterm and screen (what a user's terminal around QEMU usually is).
ti=
for d in /usr/share/terminfo /lib/terminfo /etc/terminfo; do
	[ -e "$root$d/d/dumb" ] && { ti=$d; break; }
done
[ -n "$ti" ] || die "no terminfo database (ncurses-base) in $root"
for t in d/dumb l/linux v/vt100 v/vt220 x/xterm x/xterm-256color s/screen; do
	real=$(chroot "$root" realpath -e "$ti/$t" 2>/dev/null) || continue
	mkdir -p "$dest/usr/share/terminfo/${t%/*}"
	cp "$root$real" "$dest/usr/share/terminfo/$t"
done
