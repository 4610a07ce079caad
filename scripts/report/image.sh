#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian user space that `make report` boots: one tree per release and architecture, built with
# mmdebstrap and cached under $VMACCT_CACHE/report/<release>-<arch>-<hash of release, arch and the
# package list>/root. Prints its path. The tree is never changed after it is built:
# scripts/report/run.sh copies it (hard links) and adds the configuration and the workload to the copy.
#
#   image.sh RELEASE [ARCH]   (RELEASE-backports: RELEASE's tree; ARCH: the host's by default)
#
# Another architecture's tree (arm64 on an amd64 host) is built the same way, its maintainer scripts
# run by qemu-user through binfmt_misc: qemu-user-static is installed when missing and its
# interpreter registered (with the F flag: the chroot needs no copy of it) when it is not.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

rel=${1:?usage: image.sh RELEASE [ARCH]}
arch=${2:-$(dpkg --print-architecture)}
# A backports release (trixie-backports) only adds newer packages to its base release: its kernels
# boot the base release's user space, the same tree.
rel=${rel%-backports}
# The services the report measures, with their packaged configurations, and what the collector runs.
pkgs=(systemd-sysv udev dbus openssh-server cron nginx postgresql redis-server apache2 python3 procps kmod)
key=$(printf '%s\n' "$rel" "$arch" "${pkgs[@]}" | sha256sum | cut -c1-12)
dir="$VMACCT_CACHE/report/$rel-$arch-$key"
if [ -f "$dir/.vmacct-ok" ]; then
	echo "$dir/root"
	exit 0
fi

# foreign_ready ARCH: this host runs ARCH's programs (qemu-user-static, binfmt_misc), or die.
foreign_ready() {
	local a=$1 q conf
	q=$(gnu_triplet "$a")
	q=qemu-${q%%-*}
	# arch-test: mmdebstrap asks it whether the host runs the architecture.
	local want=()
	command -v "$q-static" >/dev/null || want+=(qemu-user-static)
	command -v arch-test >/dev/null || want+=(arch-test)
	if [ ${#want[@]} -gt 0 ]; then
		note "installing ${want[*]} (the $a image's maintainer scripts run under qemu-user)"
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"${want[@]}" >/tmp/vmacct-apt.log 2>&1; then
			apt-get update -q >>/tmp/vmacct-apt.log 2>&1 || true
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				"${want[@]}" >>/tmp/vmacct-apt.log 2>&1 ||
				die "could not install ${want[*]}; log: /tmp/vmacct-apt.log"
		fi
	fi
	# Without systemd (a container) nothing registers the interpreter: do what systemd-binfmt does.
	if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
	fi
	conf=/usr/lib/binfmt.d/$q.conf
	if [ ! -e "/proc/sys/fs/binfmt_misc/$q" ]; then
		[ -f "$conf" ] || die "no $conf (qemu-user-static)"
		cat "$conf" >/proc/sys/fs/binfmt_misc/register || die "cannot register $conf with binfmt_misc"
	fi
	grep -qx enabled "/proc/sys/fs/binfmt_misc/$q" || die "binfmt_misc has $q disabled"
}

need_root "building the $rel $arch report image"
if [ "$arch" != "$(dpkg --print-architecture)" ]; then foreign_ready "$arch"; fi
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
mirror=$(debian_mirror)
mkdir -p "$dir"
# One build at a time: a second caller waits for the first and takes its tree.
exec 9>"$dir/.lock"
flock 9
if [ -f "$dir/.vmacct-ok" ]; then
	echo "$dir/root"
	exit 0
fi
rm -rf "$dir/root"
note "building the $rel $arch report image (mmdebstrap, a few minutes; log: $dir/mmdebstrap.log)"
# Valid-Until: a moving release's Release file in the archive we reach may be older than it says.
# apt's lists and caches are dropped: the image never installs anything once built.
if ! mmdebstrap --variant=minbase --mode=root --architectures="$arch" \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--include="$(IFS=,; echo "${pkgs[*]}")" \
	"$rel" "$dir/root" "$mirror" >"$dir/mmdebstrap.log" 2>&1; then
	die "mmdebstrap $rel ($arch) failed; log: $dir/mmdebstrap.log"
fi
touch "$dir/.vmacct-ok"
echo "$dir/root"
