#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Provision the kernel matrix under the cache: a build root per Debian release (its own gcc and
# linux-headers-amd64), and the matching kernel image plus its modules.
#
#   provision.sh ensure KERNEL...    make what is missing (the cached version is kept)
#   provision.sh refresh KERNEL...   ask the archive for a newer kernel and re-provision if there is one
#   provision.sh version KERNEL      print the cached kernel release string (uname -r of the guest)
#   provision.sh root KERNEL         print the build root's path
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root_dir() { echo "$VMACCT_CACHE/roots/$(release_of "$1")"; }
kern_dir() {
	if [ "$1" = debug ]; then
		"$VMACCT_TOP/scripts/debug-kernel.sh"
	else
		echo "$VMACCT_CACHE/kernels/$1"
	fi
}

# Run a command inside a build root with /proc mounted (objtool reads it) in a private mount namespace,
# so nothing stays mounted if the command dies.
in_root() {
	local root=$1
	shift
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	unshare -m -- sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$root" "$@"
}

make_root() {
	local k=$1 rel root tmp mirror
	rel=$(release_of "$k")
	root=$(root_dir "$k")
	[ -x "$root/usr/bin/gcc" ] && [ -f "$root/.vmacct-ok" ] && return 0
	need_root "building the $rel build root"
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
	mirror=$(debian_mirror)
	# procps: the guests get the release's own top (scripts/guest-procps.sh installs it into older roots).
	local extra=() pkgs=gcc,make,libc6-dev,linux-headers-amd64,kmod,libelf-dev,bc,cpio,file,sparse,procps
	# sid's Release file in the archive we reach may be older than its Valid-Until.
	[ "$rel" = sid ] && extra+=(--aptopt='Acquire::Check-Valid-Until "false"')
	# DKMS is proven in the trixie root (see README, "DKMS").
	[ "$rel" = trixie ] && pkgs+=,dkms
	tmp="$root.tmp"
	rm -rf "$tmp"
	mkdir -p "$(dirname "$root")"
	note "building the $rel build root (mmdebstrap, about a minute)"
	mmdebstrap --variant=apt --skip=cleanup/apt/lists "${extra[@]}" --include="$pkgs" \
		"$rel" "$tmp" "$mirror" >"$VMACCT_CACHE/mmdebstrap-$rel.log" 2>&1 ||
		die "mmdebstrap $rel failed (is the Debian archive reachable?); log: $VMACCT_CACHE/mmdebstrap-$rel.log"
	touch "$tmp/.vmacct-ok"
	rm -rf "$root"
	mv "$tmp" "$root"
}

# The kernel ABI the root's linux-headers-amd64 points at, e.g. 6.12.48+deb13-amd64.
headers_release() {
	local root=$1
	ls -1 "$root/usr/src" | sed -n 's/^linux-headers-\(.*-amd64\)$/\1/p' | sort -V | tail -n 1
}

fetch_kernel() {
	local k=$1 root kd rel tmp pkg deb
	root=$(root_dir "$k")
	kd=$(kern_dir "$k")
	rel=$(headers_release "$root")
	[ -n "$rel" ] || die "no linux-headers-*-amd64 in $root"
	[ -f "$kd/vmlinuz" ] && [ "$(cat "$kd/release" 2>/dev/null)" = "$rel" ] && return 0
	need_root "downloading the $k kernel image"
	tmp="$kd.tmp"
	rm -rf "$tmp"
	mkdir -p "$(dirname "$kd")"
	mkdir -p "$tmp/deb" "$root/tmp/vmacct-dl"
	# bookworm/trixie: linux-image-* holds image and modules. Newer Debian splits them into
	# linux-binary-* (image, in /usr/lib/modules/REL/vmlinuz) and linux-modules-*, and linux-image-*
	# becomes a package that only depends on them.
	local sets=("linux-image-$rel-unsigned" "linux-image-$rel" "linux-binary-$rel linux-modules-$rel")
	local set img=
	for set in "${sets[@]}"; do
		rm -f "$root"/tmp/vmacct-dl/*.deb
		in_root "$root" sh -c "cd /tmp/vmacct-dl && apt-get download -q $set" >/dev/null 2>&1 || continue
		for deb in "$root"/tmp/vmacct-dl/*.deb; do
			dpkg-deb -x "$deb" "$tmp/deb"
		done
		for img in "$tmp/deb/boot/vmlinuz-$rel" "$tmp/deb/usr/lib/modules/$rel/vmlinuz" ""; do
			[ -n "$img" ] && [ -e "$img" ] && break
		done
		[ -n "$img" ] && break
	done
	rm -rf "$root/tmp/vmacct-dl"
	[ -n "$img" ] || die "no kernel image for $rel in the archive (tried: ${sets[*]})"
	mv "$img" "$tmp/vmlinuz"
	for f in "$tmp/deb/boot/config-$rel" "$tmp/deb/usr/lib/modules/$rel/config"; do
		[ -e "$f" ] && cp "$f" "$tmp/config"
	done
	mkdir -p "$tmp/lib/modules"
	for d in "$tmp/deb/lib/modules/$rel" "$tmp/deb/usr/lib/modules/$rel"; do
		[ -d "$d" ] && mv "$d" "$tmp/lib/modules/" && break
	done
	# modules.dep is made by the package's postinst, not shipped: make it here.
	depmod -b "$tmp" "$rel" || die "depmod for $rel failed"
	rm -rf "$tmp/deb"
	echo "$rel" >"$tmp/release"
	rm -rf "$kd"
	mv "$tmp" "$kd"
	note "kernel $k: $rel"
}

ensure() {
	local k
	for k in "$@"; do
		make_root "$k"
		if [ "$k" = debug ]; then
			kern_dir debug >/dev/null
		else
			fetch_kernel "$k"
		fi
	done
}

# The kernel build directory, as seen inside the build root.
kbuild_dir() {
	if [ "$1" = debug ]; then
		cat "$(kern_dir debug)/build"
	else
		echo "/usr/src/linux-headers-$(cat "$(kern_dir "$1")/release")"
	fi
}

refresh() {
	local k root cur new
	for k in "$@"; do
		[ "$k" = debug ] && continue	# rebuilt when its source (sid's linux-source) changes
		root=$(root_dir "$k")
		if [ ! -f "$root/.vmacct-ok" ]; then
			ensure "$k"
			continue
		fi
		cur=$(headers_release "$root")
		in_root "$root" apt-get update -q >/dev/null
		in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get -y -q full-upgrade >/dev/null
		new=$(headers_release "$root")
		if [ "$cur" = "$new" ]; then
			note "kernel $k: $cur is the newest in the archive"
		else
			note "kernel $k: $cur -> $new"
		fi
		fetch_kernel "$k"
	done
}

cmd=${1:-}
shift || true
case "$cmd" in
ensure) ensure "$@" ;;
refresh) refresh "$@" ;;
version) cat "$(kern_dir "$1")/release" ;;
kbuild-dir) kbuild_dir "$1" ;;
root) root_dir "$1" ;;
kernel-dir) kern_dir "$1" ;;
in-root) k=$1; shift; in_root "$(root_dir "$k")" "$@" ;;
*) die "usage: provision.sh ensure|refresh|version|root|kernel-dir|in-root KERNEL..." ;;
esac
