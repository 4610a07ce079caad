# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the vmacct scripts: cache location, the kernel matrix and the Debian mirror.
# shellcheck shell=bash

VMACCT_CACHE=${VMACCT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmacct}
VMACCT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VMACCT_BUILD=${VMACCT_BUILD:-$VMACCT_TOP/build}

die() { printf 'vmacct: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'vmacct: %s\n' "$*" >&2; }

# The kernel matrix is the table scripts/kernels.txt (one row per kernel, one column per fact);
# scripts ask it through these helpers and never name a kernel themselves.
VMACCT_KERNEL_TABLE=${VMACCT_KERNEL_TABLE:-$VMACCT_TOP/scripts/kernels.txt}

# kernel_table KERNEL|'*' COLUMN [VALUE]: the column's cell for one kernel (or, with '*' and a
# VALUE, the kernels whose cell is VALUE), from the rows in table order. Exit 1: unknown kernel,
# 2: unknown column.
kernel_table() {
	awk -v k="$1" -v c="$2" -v want="${3-}" '
		/^#/ || NF == 0 { next }
		!cols { for (i = 1; i <= NF; i++) col[$i] = i; cols = NF; if (!(c in col)) { rc = 2; exit } next }
		k == "*" && $col[c] == want { print $1; next }
		$1 == k { print $col[c]; found = 1; exit }
		END { if (rc) exit rc; if (k != "*" && !found) exit 1 }' "$VMACCT_KERNEL_TABLE"
}
# kernel_field KERNEL COLUMN: one fact of one kernel; dies for an unknown kernel or column.
kernel_field() {
	local v rc=0
	v=$(kernel_table "$1" "$2") || rc=$?
	case $rc in
	0) echo "$v" ;;
	1) die "unknown kernel '$1' (${VMACCT_KERNEL_TABLE#"$VMACCT_TOP"/} has: $VMACCT_ALL_KERNELS)" ;;
	*) die "no column '$2' in ${VMACCT_KERNEL_TABLE#"$VMACCT_TOP"/}" ;;
	esac
}
# kernel_is KERNEL COLUMN: the kernel's yes/no fact is yes.
kernel_is() {
	local v
	v=$(kernel_field "$1" "$2") || exit 1
	[ "$v" = yes ]
}
# kernels_with COLUMN [VALUE]: the kernels whose COLUMN is VALUE (default yes), one per line.
kernels_with() {
	kernel_table '*' "$1" "${2:-yes}" || die "no column '$1' in ${VMACCT_KERNEL_TABLE#"$VMACCT_TOP"/}"
}
all_kernels() { awk '/^#/ || NF == 0 { next } n++ { print $1 }' "$VMACCT_KERNEL_TABLE"; }
# check_kernels KERNEL...: dies for a name that is not in the table.
check_kernels() {
	local k
	for k in "$@"; do kernel_field "$k" kernel >/dev/null; done
}
# The kernel whose linux-source is the newest series (checkpatch.pl comes from it).
newest_kernel() {
	awk '/^#/ || NF == 0 { next } !n++ { for (i = 1; i <= NF; i++) if ($i == "series") s = i; next }
		{ print $s, $1 }' "$VMACCT_KERNEL_TABLE" | sort -s -r -V -k1,1 | head -n 1 | cut -d' ' -f2
}
release_of() { kernel_field "$1" release; }
# gnu_triplet ARCH: a Debian architecture's GNU triplet (multiarch directories, cross tools).
gnu_triplet() {
	case $1 in
	amd64) echo x86_64-linux-gnu ;;
	arm64) echo aarch64-linux-gnu ;;
	*) die "no GNU triplet known for $1" ;;
	esac
}
# cross_gcc ARCH: the host's cross compiler for user space of a Debian architecture (host-deps.sh
# installs it with its libc).
cross_gcc() { echo "$(gnu_triplet "$1")-gcc"; }

VMACCT_ALL_KERNELS=$(all_kernels | tr '\n' ' ')
VMACCT_ALL_KERNELS=${VMACCT_ALL_KERNELS% }
# shellcheck disable=SC2034 # for the scripts that source this file
VMACCT_DEFAULT_KERNEL=$(kernels_with default | head -n 1)

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

# Every shell script of the tree, relative to its top, one per line: *.sh and the files whose first
# line runs a shell. For shellcheck (scripts/static-checks.sh).
shell_scripts() {
	(
		cd "$VMACCT_TOP" || exit 1
		find . \( -name .git -o -name build -o -path ./tools/tests/out \) -prune -o -type f -print |
			sed 's|^\./||' | sort | while IFS= read -r f; do
			case "$f" in
			*.sh) echo "$f" ;;
			*) if head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*(/|env )(ba)?sh\b'; then echo "$f"; fi ;;
			esac
		done
	)
}

need_root() {
	[ "$(id -u)" = 0 ] || die "$1 needs root (it runs mmdebstrap/chroot); rerun with sudo"
}

# ccache_env ROOT: the words of an `env` that puts ccache in front of a build root's compilers
# (its /usr/lib/ccache names each of them, the cross ones too), with the cache inside the root;
# nothing for a root without ccache (provision.sh ensure installs it). The module's builds (W=1,
# sparse, DKMS, the package's DKMS) then compile only what changed since the last build for that
# kernel; a cached compile replays its warnings, so W=1 still sees them, and sparse runs after the
# compiler, never cached. ccache keys on the command line, paths included: every build of the
# module for one kernel has one fixed directory (build-module.sh, DKMS's own).
ccache_env() {
	[ -x "$1/usr/bin/ccache" ] || return 0
	echo env PATH=/usr/lib/ccache:/usr/sbin:/usr/bin:/sbin:/bin CCACHE_DIR=/var/cache/vmacct-ccache
}

# host_ccache_env: the same for the host's own compiles (the reader, its sanitizer build, the
# selftests for each architecture), with the cache in VMACCT_CACHE; nothing without the host's
# ccache (scripts/host-deps.sh installs it). Only separate compiles are cached: a gcc that also
# links (the in-tree kselftest build, the one-run static reader) is passed through. Every clean
# clone is somewhere else: paths inside the tree are hashed relative to it (CCACHE_BASEDIR), and
# the directory of a -g compile (the sanitizer builds) not at all.
host_ccache_env() {
	[ -d /usr/lib/ccache ] || return 0
	echo env PATH="/usr/lib/ccache:$PATH" CCACHE_DIR="$VMACCT_CACHE/ccache-host" \
		CCACHE_BASEDIR="$VMACCT_TOP" CCACHE_NOHASHDIR=true
}

# tcg_qemu ARCH: sets qemu (an array: the QEMU that boots a kernel of ARCH under TCG, without -smp,
# -m and what to boot) and console (its UART's device name); dies for an architecture without one.
# thread=single: multi-threaded TCG races with the kernel's int3-based live text patching (seen as
# a random "Oops: int3" at boot); one TCG thread for both vCPUs is slower but exact.
# arm64: the virt machine with -cpu max (every feature TCG has, LPA2 among them); pauth-impdef:
# pointer authentication with QEMU's own cheap hash instead of emulated QARMA, which costs TCG a
# large part of its time (the kernel signs every return address); the console is the PL011 UART.
tcg_qemu() {
	# shellcheck disable=SC2054,SC2034 # the commas separate QEMU's suboptions; qemu and console are for the caller
	case "$1" in
	amd64) qemu=(qemu-system-x86_64 -accel tcg,thread=single -cpu max) console=ttyS0 ;;
	arm64) qemu=(qemu-system-aarch64 -M virt -accel tcg,thread=single -cpu max,pauth-impdef=on) console=ttyAMA0 ;;
	*) die "no QEMU command for $1 yet (scripts/lib.sh tcg_qemu)" ;;
	esac
	command -v "${qemu[0]}" >/dev/null || die "${qemu[0]} is missing (scripts/host-deps.sh installs it)"
}

# boot_image KERNEL_DIR ARCH: the kernel image QEMU's -kernel gets. An x86-64 bzImage spends
# seconds of every boot under TCG in its decompressor (3-7 s measured, more on a loaded host); a
# kernel with PVH support (CONFIG_PVH, Debian's have it) boots its ELF image directly, which is
# extracted from the bzImage once and kept beside it (vmlinux.pvh). Direct boot skips the
# decompressor's KASLR, nothing vmacct depends on. Anything else boots as it is.
boot_image() {
	local kd=$1 arch=$2 img off tmp
	img=$kd/vmlinuz
	if [ "$arch" != amd64 ] || [ -e "$kd/vmlinux.none" ]; then
		echo "$img"
		return
	fi
	if [ ! -f "$kd/vmlinux.pvh" ]; then
		# As the kernel's scripts/extract-vmlinux: the payload starts at its compressor's magic
		# (zstd from Debian 13, xz before; the magic without xz's NUL, which no shell string holds), and
		# may end in bytes the decompressor complains of.
		tmp=$(mktemp "$kd/vmlinux.XXXXXX")
		local magic unpack
		for magic in $'\x28\xb5\x2f\xfd:zstd' $'\xfd\x37\x7a\x58\x5a:xz'; do
			unpack=${magic##*:} magic=${magic%:*}
			for off in $(LC_ALL=C grep -abo "$magic" "$img" | cut -d: -f1 | head -n 3); do
				tail -c +$((off + 1)) "$img" | "$unpack" -dcq 2>/dev/null >"$tmp"
				# XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry point QEMU needs.
				if readelf -n "$tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
					mv "$tmp" "$kd/vmlinux.pvh"
					break 2
				fi
			done
		done
		if [ ! -f "$kd/vmlinux.pvh" ]; then
			rm -f "$tmp"
			touch "$kd/vmlinux.none"
			echo "$img"
			return
		fi
	fi
	echo "$kd/vmlinux.pvh"
}

# payload_sizes TIER: the sizes of make check's main guest for a row's tier (scripts/check.sh's
# boot_kernel() says what each tier is for; make sweep runs small): bounds_gib many_vmas cycles
# states_mib fuzz_seconds fuzz_replay torture_seconds syscalls_seconds.
payload_sizes() {
	case $1 in
	default) echo 8 100000 5 256 10 1 5 5 ;;
	full) echo 8 100000 5 256 10 0 5 5 ;;
	debug) echo 2 1000 3 32 30 0 10 10 ;;
	small) echo 4 20000 3 128 6 0 3 3 ;;
	*) return 1 ;;
	esac
}
