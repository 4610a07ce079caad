#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Provision the kernel matrix (scripts/kernels.txt) under the cache: a build root per Debian release
# (its own compiler and linux-headers-<arch>), and the matching kernel image plus its modules.
#
#   provision.sh ensure KERNEL...    make what is missing (the cached version is kept)
#   provision.sh ensure-root KERNEL  only the kernel's build root
#   provision.sh refresh [KERNEL...] ask the archive for a newer kernel and re-provision if there is one
#                                    (default: every kernel of the table)
#   provision.sh fetch KERNEL REL [DEB...]
#                                    only the image of kernel release REL (a release string, e.g.
#                                    6.18.15+deb13-amd64) from the kernel's build root's archive;
#                                    DEB: .deb files of its packages that the archive's index no
#                                    longer lists (sweep.sh brings them from the pool), used
#                                    instead of a download
#   provision.sh version KERNEL      print the cached kernel release string (uname -r of the guest)
#   provision.sh root KERNEL         print the build root's path
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# A kernel of another architecture than the host's (scripts/kernels.txt's arch) is built in a root
# of its own, RELEASE-cross: multi-arch (the host's and the kernel's), with the host's kbuild tools
# (linux-kbuild is Multi-Arch: foreign), the kernel's headers and the cross compiler they name. The
# host-architecture root of the same release is left as it is.
host_arch() { dpkg --print-architecture; }
is_cross() { [ "$(kernel_field "$1" arch)" != "$(host_arch)" ]; }
root_name() {
	if is_cross "$1"; then echo "$(release_of "$1")-cross"; else release_of "$1"; fi
}
root_dir() { echo "$VMACCT_CACHE/roots/$(root_name "$1")"; }
# The kernel's Debian flavour, the suffix of linux-headers-* and of its release string: the arch
# (amd64), or with the table's flavour column rt-amd64, cloud-amd64. Debian names a featureset or a
# cloud kernel before the arch, a page size after it: arm64-16k (16 KiB pages).
flavour_of() {
	local fl arch
	fl=$(kernel_field "$1" flavour)
	arch=$(kernel_field "$1" arch)
	case "$fl" in
	'' | -) echo "$arch" ;;
	[0-9]*k) echo "$arch-$fl" ;;
	*) echo "$fl-$arch" ;;
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
	local k=$1 rel root tmp mirror o name archs
	rel=$(release_of "$k")
	name=$(root_name "$k")
	root=$(root_dir "$k")
	[ -f "$root/.vmacct-ok" ] && return 0
	need_root "building the $rel build root"
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
	mirror=$(debian_mirror)
	# procps: the guests get the release's own top (scripts/guest-procps.sh installs it into older roots).
	local pkgs=(make libc6-dev kmod libelf-dev bc cpio file sparse procps ccache)
	# The root serves every kernel of its release: their compilers and headers, and dkms where
	# the table proves the DKMS path (see README, "DKMS").
	archs=$(host_arch)
	for o in $(kernels_with release "$rel"); do
		[ "$(root_name "$o")" = "$name" ] || continue
		if is_cross "$o"; then
			# The headers and their compiler come after mmdebstrap (cross_headers).
			archs="$archs,$(kernel_field "$o" arch)"
			continue
		fi
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
	note "building the $name build root (mmdebstrap, about a minute)"
	# A moving release's (unstable's) Release file in the archive we reach may be older than its
	# Valid-Until; for a build root, an old Release file is harmless.
	mmdebstrap --variant=apt --skip=cleanup/apt/lists --aptopt='Acquire::Check-Valid-Until "false"' \
		--architectures="$archs" --include="$(IFS=,; echo "${pkgs[*]}")" \
		"$base" "$tmp" "${sources[@]}" >"$VMACCT_CACHE/mmdebstrap-$name.log" 2>&1 ||
		die "mmdebstrap $name failed (is the Debian archive reachable?); log: $VMACCT_CACHE/mmdebstrap-$name.log"
	# A cross root serves every cross kernel of its release: each flavour's headers.
	for o in $(kernels_with release "$rel"); do
		if [ "$(root_name "$o")" != "$name" ] || ! is_cross "$o"; then continue; fi
		cross_headers "$tmp" "$(kernel_field "$o" arch)" "$(flavour_of "$o")" \
			>>"$VMACCT_CACHE/mmdebstrap-$name.log" 2>&1 ||
			die "cross headers ($(flavour_of "$o")) for $name failed; log: $VMACCT_CACHE/mmdebstrap-$name.log"
	done
	touch "$tmp/.vmacct-ok"
	rm -rf "$root"
	mv "$tmp" "$root"
}

# cross_headers ROOT ARCH FLAVOUR: the newest linux-headers-<abi>-FLAVOUR:ARCH (FLAVOUR: ARCH, or
# another of the arch's flavours, arm64-16k) in a multi-arch root. Installed
# as a package it would pull in its compiler as an ARCH package (trixie's headers depend on plain
# gcc-14), so its dependencies are installed for the host (linux-kbuild is Multi-Arch: foreign,
# the -common part is arch: all) with gcc-N-<triplet> for the gcc-N it names, and the package
# itself is unpacked with dpkg -x. Also the static busybox of ARCH, the guests' whole userland
# (kept as /opt/vmacct-ARCH/busybox).
cross_headers() {
	local root=$1 arch=$2
	# shellcheck disable=SC2016 # expanded by the inner sh
	in_root "$root" sh -eu -c '
		a=$1 fl=$2
		triplet=$(case $a in arm64) echo aarch64-linux-gnu ;; *) exit 3 ;; esac)
		apt-get update -q
		# linux-headers-FLAVOUR depends on linux-headers-<abi>-FLAVOUR, which depends on the rest.
		meta=$(apt-cache depends "linux-headers-$fl:$a" | sed -n "s/^ *Depends: \(linux-headers-[^:]*\).*/\1/p" | head -n 1)
		deps=$(apt-cache depends "$meta:$a" | sed -n "s/^ *Depends: <*\([^:>]*\).*/\1/p")
		gccv=$(echo "$deps" | sed -n "s/^\(gcc-[0-9][0-9]*\)\(-for-host\)*$/\1/p" | head -n 1)
		[ -n "$meta" ] && [ -n "$gccv" ]
		inst=$(echo "$deps" | grep -E "^linux-(kbuild|headers)-" | tr "\n" " ")
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			$inst "$gccv-$triplet"
		rm -rf /tmp/vmacct-hdr && mkdir -p /tmp/vmacct-hdr && chmod 777 /tmp/vmacct-hdr && cd /tmp/vmacct-hdr
		apt-get download -q "$meta:$a" "busybox-static:$a"
		dpkg -x "$meta"_*.deb /
		dpkg -x busybox-static_*.deb bb
		mkdir -p "/opt/vmacct-$a"
		cp "$(ls bb/bin/busybox bb/usr/bin/busybox 2>/dev/null | head -n 1)" "/opt/vmacct-$a/busybox"
		cd / && rm -rf /tmp/vmacct-hdr
	' sh "$arch" "${3:-$arch}"
}
# A cross root made before a kernel of another flavour joined the table lacks its headers: add them.
cross_headers_missing() {
	local k=$1 root
	root=$(root_dir "$k")
	is_cross "$k" || return 0
	[ -z "$(headers_release "$root" "$(flavour_of "$k")")" ] || return 0
	need_root "adding the $(flavour_of "$k") headers to $(root_name "$k")"
	note "adding the $(flavour_of "$k") headers to the $(root_name "$k") build root"
	cross_headers "$root" "$(kernel_field "$k" arch)" "$(flavour_of "$k")" \
		>>"$VMACCT_CACHE/mmdebstrap-$(root_name "$k").log" 2>&1 ||
		die "cross headers ($(flavour_of "$k")) for $(root_name "$k") failed; log: $VMACCT_CACHE/mmdebstrap-$(root_name "$k").log"
}

# A root made before the module builds went through ccache (lib.sh ccache_env) lacks it: add it.
ccache_missing() {
	local root
	root=$(root_dir "$1")
	[ ! -x "$root/usr/bin/ccache" ] || return 0
	need_root "adding ccache to $(root_name "$1")"
	in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q ccache \
		>>"$VMACCT_CACHE/mmdebstrap-$(root_name "$1").log" 2>&1 ||
		die "cannot install ccache into $(root_name "$1"); log: $VMACCT_CACHE/mmdebstrap-$(root_name "$1").log"
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

fetch_kernel() { # fetch_kernel KERNEL [REL [DEB...]]
	local k=$1 root kd rel tmp deb fl arch given=("${@:3}")
	root=$(root_dir "$k")
	kd=$(kern_dir "$k")
	fl=$(flavour_of "$k")
	arch=$(kernel_field "$k" arch)
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
	local set img='' qual='' want p
	# A cross root's packages of the kernel's architecture are asked for by name:arch.
	if is_cross "$k"; then qual=":$arch"; fi
	for set in "${sets[@]}"; do
		rm -f "$root"/tmp/vmacct-dl/*.deb
		# The set's packages given as files are copied, the others downloaded.
		want=
		for p in $set; do
			for deb in ${given[@]+"${given[@]}"} ''; do
				[ -n "$deb" ] && [ "$(dpkg-deb -f "$deb" Package)" = "$p" ] && break
			done
			if [ -n "$deb" ]; then
				cp "$deb" "$root/tmp/vmacct-dl/"
			else
				want="$want $p$qual"
			fi
		done
		if [ -n "$want" ]; then
			in_root "$root" sh -c "cd /tmp/vmacct-dl && apt-get download -q$want" >/dev/null 2>&1 ||
				continue
		fi
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
	# The guest's busybox, when the host's cannot run there (cross_headers put it in the root).
	if is_cross "$k"; then cp "$root/opt/vmacct-$arch/busybox" "$tmp/busybox"; fi
	echo "$rel" >"$tmp/release"
	rm -rf "$kd"
	mv "$tmp" "$kd"
	note "kernel $k: $rel"
}

ensure() {
	local k
	for k in "$@"; do
		make_root "$k"
		cross_headers_missing "$k"
		ccache_missing "$k"
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
	local k root cur new fl arch
	for k in "$@"; do
		# A built kernel is rebuilt when its source (linux-source-<series>) changes.
		if is_built "$k"; then continue; fi
		root=$(root_dir "$k")
		fl=$(flavour_of "$k")
		arch=$(kernel_field "$k" arch)
		if [ ! -f "$root/.vmacct-ok" ]; then
			ensure "$k"
			continue
		fi
		cur=$(headers_release "$root" "$fl")
		in_root "$root" apt-get update -q >/dev/null
		in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get -y -q full-upgrade >/dev/null
		# A cross root's headers are unpacked, not installed: apt upgrades only what they need.
		if is_cross "$k"; then cross_headers "$root" "$arch" "$fl" >/dev/null; fi
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
ensure-root) make_root "$1" && cross_headers_missing "$1" ;;
fetch) fetch_kernel "$1" "${2:?$usage}" "${@:3}" ;;
refresh) refresh "$@" ;;
version) cat "$(kern_dir "$1")/release" ;;
kbuild-dir) kbuild_dir "$1" ;;
root) root_dir "$1" ;;
kernel-dir) kern_dir "$1" ;;
in-root) k=$1; shift; in_root "$(root_dir "$k")" "$@" ;;
*) die "$usage" ;;
esac
