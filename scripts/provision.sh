#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Provision the kernel matrix (scripts/kernels.txt) under the cache: a build root per Debian release
# (its own compiler and linux-headers-<arch>), and the matching kernel image plus its modules.
#
#   provision.sh ensure KERNEL...    make what is missing (the cached version is kept)
#   provision.sh ensure-root KERNEL  only the kernel's build root
#   provision.sh refresh [KERNEL...] ask the archive for a newer kernel and re-provision if there is one
#                                    (default: every kernel of the table)
#   provision.sh fetch KERNEL REL    only the image of kernel release REL (a release string, e.g.
#                                    6.18.15+deb13-amd64) from the kernel's build root's archive
#   provision.sh version KERNEL      print the cached kernel release string (uname -r of the guest)
#   provision.sh root KERNEL         print the build root's path
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

root_dir() { echo "$VMACCT_CACHE/roots/$(release_of "$1")"; }
# The kernel's Debian flavour, the suffix of linux-headers-* and of its release string: the arch
# (amd64), or with the table's flavour column rt-amd64, cloud-amd64.
flavour_of() {
	local fl
	fl=$(kernel_field "$1" flavour)
	case "$fl" in
	'' | -) kernel_field "$1" arch ;;
	*) echo "$fl-$(kernel_field "$1" arch)" ;;
	esac
}
# A kernel whose image is "built" is compiled from its linux-source by debug-kernel.sh; the others
# are Debian's own packages.
is_built() { [ "$(kernel_field "$1" image)" = built ]; }
kern_dir() {
	if is_built "$1"; then
		"$VMACCT_TOP/scripts/debug-kernel.sh" "$1"
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
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m -- sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$root" "$@"
}

make_root() {
	local k=$1 rel root tmp mirror o
	rel=$(release_of "$k")
	root=$(root_dir "$k")
	[ -f "$root/.vmacct-ok" ] && return 0
	need_root "building the $rel build root"
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
	mirror=$(debian_mirror)
	# procps: the guests get the release's own top (scripts/guest-procps.sh installs it into older roots).
	local pkgs=(make libc6-dev kmod libelf-dev bc cpio file sparse procps)
	# The root serves every kernel of its release: their compilers and headers, and dkms where
	# the table proves the DKMS path (see README, "DKMS").
	for o in $(kernels_with release "$rel"); do
		pkgs+=("$(kernel_field "$o" compiler)" "linux-headers-$(flavour_of "$o")")
		if kernel_is "$o" dkms; then pkgs+=(dkms); fi
	done
	mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
	# A backports release (trixie-backports) is its base release plus the backports suite, from
	# which only the headers come (pkg/suite): compiler and tools stay the base release's.
	local base=$rel sources=("deb $mirror $rel main")
	if [ "${rel%-backports}" != "$rel" ]; then
		base=${rel%-backports}
		sources=("deb $mirror $base main" "deb $mirror $rel main")
		for o in "${!pkgs[@]}"; do
			case "${pkgs[$o]}" in linux-headers-*) pkgs[o]="${pkgs[$o]}/$rel" ;; esac
		done
	fi
	tmp="$root.tmp"
	rm -rf "$tmp"
	mkdir -p "$(dirname "$root")"
	note "building the $rel build root (mmdebstrap, about a minute)"
	# A moving release's (unstable's) Release file in the archive we reach may be older than its
	# Valid-Until; for a build root, an old Release file is harmless.
	mmdebstrap --variant=apt --skip=cleanup/apt/lists --aptopt='Acquire::Check-Valid-Until "false"' \
		--include="$(IFS=,; echo "${pkgs[*]}")" \
		"$base" "$tmp" "${sources[@]}" >"$VMACCT_CACHE/mmdebstrap-$rel.log" 2>&1 ||
		die "mmdebstrap $rel failed (is the Debian archive reachable?); log: $VMACCT_CACHE/mmdebstrap-$rel.log"
	touch "$tmp/.vmacct-ok"
	rm -rf "$root"
	mv "$tmp" "$root"
}

# The kernel ABI the root's linux-headers-FLAVOUR points at, e.g. 6.12.48+deb13-amd64 (amd64) or
# 7.3.1+deb13-rt-amd64 (rt-amd64). For amd64, the rt-amd64 and cloud-amd64 headers are not its own.
headers_release() { # headers_release ROOT FLAVOUR
	local d r rels=()
	for d in "$1"/usr/src/linux-headers-*-"$2"; do
		r=${d##*/linux-headers-}
		if [ -d "$d" ] && ! [[ ${r%-"$2"} =~ -[a-z]+$ ]]; then rels+=("$r"); fi
	done
	[ ${#rels[@]} = 0 ] || printf '%s\n' "${rels[@]}" | sort -V | tail -n 1
}

fetch_kernel() {
	local k=$1 root kd rel tmp deb fl
	root=$(root_dir "$k")
	kd=$(kern_dir "$k")
	fl=$(flavour_of "$k")
	rel=${2:-$(headers_release "$root" "$fl")}
	[ -n "$rel" ] || die "no linux-headers-*-$fl in $root"
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
		if is_built "$k"; then
			kern_dir "$k" >/dev/null
		else
			fetch_kernel "$k"
		fi
	done
}

# The kernel build directory, as seen inside the build root.
kbuild_dir() {
	if is_built "$1"; then
		cat "$(kern_dir "$1")/build"
	else
		echo "/usr/src/linux-headers-$(cat "$(kern_dir "$1")/release")"
	fi
}

refresh() {
	local k root cur new fl
	for k in "$@"; do
		# A built kernel is rebuilt when its source (linux-source-<series>) changes.
		if is_built "$k"; then continue; fi
		root=$(root_dir "$k")
		fl=$(flavour_of "$k")
		if [ ! -f "$root/.vmacct-ok" ]; then
			ensure "$k"
			continue
		fi
		cur=$(headers_release "$root" "$fl")
		in_root "$root" apt-get update -q >/dev/null
		in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get -y -q full-upgrade >/dev/null
		new=$(headers_release "$root" "$fl")
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
if [ "$cmd" = refresh ] && [ $# = 0 ]; then
	mapfile -t all < <(all_kernels)
	set -- "${all[@]}"
fi
usage="usage: provision.sh ensure|ensure-root|fetch|refresh|version|kbuild-dir|root|kernel-dir|in-root KERNEL..."
case "$cmd" in
ensure | refresh) check_kernels "$@" ;;
ensure-root | fetch | version | kbuild-dir | root | kernel-dir | in-root)
	[ $# -gt 0 ] || die "$usage"
	check_kernels "$1"
	;;
*) die "$usage" ;;
esac
case "$cmd" in
ensure) ensure "$@" ;;
ensure-root) make_root "$1" ;;
fetch) fetch_kernel "$1" "${2:?$usage}" ;;
refresh) refresh "$@" ;;
version) cat "$(kern_dir "$1")/release" ;;
kbuild-dir) kbuild_dir "$1" ;;
root) root_dir "$1" ;;
kernel-dir) kern_dir "$1" ;;
in-root) k=$1; shift; in_root "$(root_dir "$k")" "$@" ;;
*) die "$usage" ;;
esac
