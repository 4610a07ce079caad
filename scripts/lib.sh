# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the vmacct scripts: cache location, the kernel matrix and the Debian mirror.
# shellcheck shell=bash

VMACCT_CACHE=${VMACCT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmacct}
VMACCT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VMACCT_BUILD=${VMACCT_BUILD:-$VMACCT_TOP/build}

# The matrix: kernel series -> Debian release that ships it, and "debug": the newest series built
# from its Debian source with KASAN, lockdep and DEBUG_VM (scripts/debug-kernel.sh).
VMACCT_ALL_KERNELS="6.1 6.12 7.2 debug"
VMACCT_DEFAULT_KERNEL=6.12
# The debug kernel (KASAN, lockdep, DEBUG_VM) is built from the source of this series.
VMACCT_DEBUG_SERIES=7.2

die() { printf 'vmacct: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'vmacct: %s\n' "$*" >&2; }

release_of() {
	case "$1" in
	6.1) echo bookworm ;;
	6.12) echo trixie ;;
	7.2) echo sid ;;
	debug) echo sid ;;	# the debug kernel is built from sid's linux-source, with sid's gcc
	*) die "unknown kernel '$1' (known: $VMACCT_ALL_KERNELS)" ;;
	esac
}

# The Debian mirror, read from this machine's apt configuration at run time so that no host name is
# written in the project. deb822 (.sources) files are preferred, then one-line sources.list entries.
debian_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
		[ -n "$uri" ] && { echo "${uri%/}"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) { print $i; exit } else break } }' "$f")
		[ -n "$uri" ] && { echo "${uri%/}"; return 0; }
	done
	die "no Debian mirror found in /etc/apt/sources.list{,.d}; configure apt first"
}

need_root() {
	[ "$(id -u)" = 0 ] || die "$1 needs root (it runs mmdebstrap/chroot); rerun with sudo"
}
