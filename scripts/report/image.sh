#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian user space that `make report` boots: one tree per release, built with mmdebstrap and
# cached under $VMACCT_CACHE/report/<release>-<hash of the package list>/root. Prints its path.
# The tree is never changed after it is built: scripts/report/run.sh copies it (hard links) and
# adds the configuration and the workload to the copy.
#
#   image.sh RELEASE
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

rel=${1:?usage: image.sh RELEASE}
# The services the report measures, with their packaged configurations, and what the collector runs.
pkgs=(systemd-sysv udev dbus openssh-server cron nginx postgresql redis-server apache2 python3 procps kmod)
key=$(printf '%s\n' "$rel" "${pkgs[@]}" | sha256sum | cut -c1-12)
dir="$VMACCT_CACHE/report/$rel-$key"
if [ -f "$dir/.vmacct-ok" ]; then
	echo "$dir/root"
	exit 0
fi
need_root "building the $rel report image"
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
note "building the $rel report image (mmdebstrap, a few minutes; log: $dir/mmdebstrap.log)"
# Valid-Until: a moving release's Release file in the archive we reach may be older than it says.
# apt's lists and caches are dropped: the image never installs anything once built.
if ! mmdebstrap --variant=minbase --mode=root \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--include="$(IFS=,; echo "${pkgs[*]}")" \
	"$rel" "$dir/root" "$mirror" >"$dir/mmdebstrap.log" 2>&1; then
	die "mmdebstrap $rel failed; log: $dir/mmdebstrap.log"
fi
touch "$dir/.vmacct-ok"
echo "$dir/root"
