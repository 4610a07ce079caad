#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot the default kernel with vmacct and a small pre-fork workload, and show what vmacct
# sees next to what top's counters say, and what the release's procps top itself printed; then the
# group views with the workload run as a service in its own cgroup. Installs what is missing (as
# root) on a fresh Debian machine.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

k=${KERNEL:-$VMACCT_DEFAULT_KERNEL}
B=$VMACCT_BUILD
"$VMACCT_TOP/scripts/host-deps.sh"
"$VMACCT_TOP/scripts/provision.sh" ensure "$k"
"$VMACCT_TOP/scripts/build-module.sh" "$k"
[ -f "$VMACCT_TOP/tools/Makefile" ] && make -s -C "$VMACCT_TOP/tools" >/dev/null
mkdir -p "$B/demo"
gcc -O2 -Wall -Wextra -static -o "$B/demo/demo-workload" "$VMACCT_TOP/scripts/demo-workload.c"
cat >"$B/demo/payload.sh" <<'PAYLOAD'
# A real page-cache file system for the file mapping (the initramfs root is tmpfs, i.e. shmem).
data=/tmp/demo.data
if modprobe ext4 && modprobe brd rd_nr=1 rd_size=65536 && mke2fs -q /dev/ram0 && mkdir -p /mnt && mount /dev/ram0 /mnt; then
	data=/mnt/demo.data
fi
# The workload runs as a service would: in its own cgroup (v2, memory controller on), where it
# first writes a 16 MiB log file it never maps (page cache charged to the service, not mapped).
cg=/sys/fs/cgroup
mkdir -p $cg
mount -t cgroup2 none $cg 2>/dev/null
svc=
if echo +memory >$cg/cgroup.subtree_control && mkdir -p $cg/demo.service; then
	svc=$cg/demo.service
fi
# shellcheck disable=SC2016 # $$ is the inner shell's: it moves itself, then becomes the workload
sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"; dd if=/dev/zero of="$2.log" bs=1M count=16 2>/dev/null
	exec /vmacct/demo-workload /tmp/demo.pid "$2"' sh "$svc" "$data" &
while [ ! -s /tmp/demo.pid ]; do sleep 0.2; done
pid=$(cat /tmp/demo.pid)
echo "=== demo: a parent with 32 MiB anonymous memory shared copy-on-write with 3 workers,"
echo "=== 8 MiB of a memfd and a 4 MiB private file mapping that no other process maps"
echo "=== cat /sys/kernel/debug/vmacct/$pid"
cat /sys/kernel/debug/vmacct/$pid
awk '/^(shared|file_private|shmem_private|anon_shared|top_shr):/ { v[$1] = $2 }
	END {
		printf "=== top shows SHR %d kB; really shared: %d kB; top is off by %+d kB =\n",
			v["top_shr:"], v["shared:"], v["top_shr:"] - v["shared:"]
		printf "===   %d kB of file pages + %d kB of shmem pages no other mapping uses (top counts them)\n",
			v["file_private:"], v["shmem_private:"]
		printf "===   - %d kB of anonymous pages shared copy-on-write with the workers (top misses them)\n",
			v["anon_shared:"]
	}' /sys/kernel/debug/vmacct/$pid
echo "=== cat /proc/$pid/smaps_rollup (the kernel's own view, for comparison)"
cat /proc/$pid/smaps_rollup
if command -v vmacct >/dev/null; then
	echo "=== vmacct (every process: top's VIRT RES SHR beside the exact SHARED PRIVATE PSS)"
	vmacct
	echo "=== vmacct $pid (every field, and the verdict on top's SHR)"
	vmacct "$pid"
	# busybox's sh runs its own top applet first: the release's procps top is /usr/bin/top.
	if [ -x /usr/bin/top ]; then
		echo "=== vmacct --compare-top $pid (what $(/usr/bin/top -V | head -n 1) itself printed)"
		vmacct --compare-top "$pid"
	fi
	echo "=== vmacct -g comm -n 4 (per program: each page once, what stopping it frees)"
	vmacct -g comm -n 4
	if [ -n "$svc" ]; then
		echo "=== vmacct -g cgroup (the service's cgroup: what it maps beside what it was charged)"
		vmacct -g cgroup
	fi
	echo "=== vmacct --with $pid (who shares memory with the parent)"
	vmacct --with "$pid"
	echo "=== vmacct -f -c demo-workload (per file, over the workload's processes)"
	vmacct -f -c demo-workload
fi
echo "=== end of demo"
PAYLOAD
note "booting kernel $k in QEMU (TCG, about 10 s)"
rc=0
"$VMACCT_TOP/scripts/guest.sh" --with-top --file "$B/demo/demo-workload" "$k" "$B/demo/payload.sh" || rc=$?
sed -n '/^=== demo/,/^=== end of demo/p' "$B/$k/console.log" | grep -vE '^\[ *[0-9]+\.[0-9]+\]'
[ $rc = 0 ] || die "the guest reported a problem; console log: $B/$k/console.log"
