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
#
# A kernel of another architecture (arm64 in an amd64 host's RELEASE-cross root): that arch's
# top cannot run in the root, so its libraries are installed for the arch beside the host's
# (Multi-Arch: same), procps:ARCH is unpacked to /opt/vmacct-ARCH/procps, and the closure is read
# from the ELF headers (NEEDED, the program interpreter) with readelf instead of ldd.
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
arch=$(kernel_field "$k" arch)
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
	top=/opt/vmacct-$arch/procps/usr/bin/top
	if [ ! -x "$root$top" ]; then
		need_root "installing procps:$arch into the $k build root"
		note "unpacking procps:$arch into the $k build root"
		# shellcheck disable=SC2016 # expanded by the inner sh
		"$prov" in-root "$k" sh -eu -c '
			a=$1
			libs=$(apt-cache depends "procps:$a" | sed -n "s/^ *Depends: \(lib[^:]*\).*/\1:$a/p" | sort -u)
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $libs
			rm -rf /tmp/vmacct-procps && mkdir -p /tmp/vmacct-procps && chmod 777 /tmp/vmacct-procps
			cd /tmp/vmacct-procps && apt-get download -q "procps:$a"
			rm -rf "/opt/vmacct-$a/procps" && dpkg -x procps_*.deb "/opt/vmacct-$a/procps"
			cd / && rm -rf /tmp/vmacct-procps
		' sh "$arch" >"$VMACCT_CACHE/procps-$k.log" 2>&1 ||
			die "could not unpack procps:$arch; log: $VMACCT_CACHE/procps-$k.log"
	fi
fi
if [ -n "${top:-}" ]; then
	:
elif ! installed || [ ! -x "$root/usr/bin/top" ]; then
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

# The libraries of a foreign top: the program interpreter and each NEEDED library, recursively,
# from the arch's multiarch directories of the root.
foreign_closure() {
	local triplet todo=("$top") f name d found=() n
	triplet=$(gnu_triplet "$arch")
	mkdir -p "$dest/usr/bin"
	cp "$root$top" "$dest/usr/bin/top"
	f=$(chroot "$root" readelf -l "$top" | sed -n 's/.*program interpreter: \(.*\)\]/\1/p')
	[ -n "$f" ] || die "no program interpreter in $top"
	copy "$f"
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for name in $(chroot "$root" readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case " ${found[*]} " in *" $name "*) continue ;; esac
			n=
			for d in "/usr/lib/$triplet" "/lib/$triplet"; do
				if [ -e "$root$d/$name" ]; then n=$d/$name; break; fi
			done
			[ -n "$n" ] || die "top in $root: $name not found for $arch"
			found+=("$name")
			copy "$n"
			todo+=("$n")
		done
	done
	[ ${#found[@]} -ge 2 ] || die "readelf found no libraries for $top in $root"
}
# The native top's libraries, as the root's own loader resolves them.
native_closure() {
	local libs n p
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
}
if [ -n "${top:-}" ]; then
	foreign_closure
else
	native_closure
fi

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
