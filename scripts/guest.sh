#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot one kernel of the matrix in QEMU (TCG, no KVM) with a busybox initramfs that carries vmacct.ko,
# the reader and the selftests, run a payload script, and collect the serial console.
#
#   guest.sh [options] KERNEL PAYLOAD
#     PAYLOAD      a shell script run by the guest's init after the module is loaded; its output and
#                  the kernel log go to the console log. It runs in /vmacct, where it finds
#                  ktap_helpers.sh (selftests/ktap_helpers.sh, the KTAP emitter) to source
#     --ko FILE    module to load (default build/KERNEL/vmacct.ko)
#     --no-load    do not insmod the module before the payload
#     --append S   extra kernel command line (repeatable)
#     --timeout S  hard limit for the whole guest run (default 900)
#     --log FILE   console log (default build/KERNEL/console.log)
#     --mem SIZE   guest memory (default 2G)
#     --file FILE  also put FILE into the guest's /vmacct/ (repeatable)
#     --with-top   also the procps top of the kernel's Debian release, as /usr/bin/top with its
#                  libraries and terminfo (scripts/guest-procps.sh); it replaces busybox's top
#
# Exit status: 0 when the guest ran the payload to the end, powered off, and the console log holds no
# kernel report (see scripts/scan-log.sh); 1 otherwise. The payload's own pass/fail is in its KTAP.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ko='' load=1 append='' timeout=900 log='' mem=2G with_top=0
files=()
while [ $# -gt 0 ]; do
	case "$1" in
	--ko) ko=$2; shift 2 ;;
	--no-load) load=0; shift ;;
	--append) append="$append $2"; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--with-top) with_top=1; shift ;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
k=${1:?usage: guest.sh [options] KERNEL PAYLOAD}
payload=${2:?usage: guest.sh [options] KERNEL PAYLOAD}
check_kernels "$k"
kd=$("$VMACCT_TOP/scripts/provision.sh" kernel-dir "$k")
rel=$(cat "$kd/release")
out="$VMACCT_BUILD/$k"
ko=${ko:-$out/vmacct.ko}
log=${log:-$out/console.log}
[ -f "$kd/vmlinuz" ] || die "kernel $k is not provisioned (scripts/provision.sh ensure $k)"
[ $load = 0 ] || [ -f "$ko" ] || die "no module at $ko (scripts/build-module.sh $k)"
# The QEMU that boots the kernel's architecture (scripts/kernels.txt).
arch=$(kernel_field "$k" arch)
tcg_qemu "$arch"
# A kernel built from source (the debug and KCSAN kernels: tinyconfig plus the kernel's checkers)
# sets up 256 legacy ptys at boot, 5 of its 33 s to user space under TCG with KASAN (pty_init()),
# and the guests use none.
if [ "$(kernel_field "$k" image)" = built ]; then append="pty.legacy_count=0 $append"; fi
# User space for the guest: the host's (busybox-static, the reader, the selftests) on the host's
# architecture; another architecture's from the kernel directory (provision.sh) and
# $VMACCT_BUILD/ARCH/ (check.sh cross-builds them).
if [ -f "$kd/busybox" ]; then
	busybox=$kd/busybox
	reader=$VMACCT_BUILD/$arch/vmacct selftests=$VMACCT_BUILD/$arch/selftests
else
	busybox=$(command -v busybox || true)
	reader=$VMACCT_TOP/tools/vmacct selftests=$VMACCT_BUILD/selftests
fi
if [ -z "$busybox" ] || ! file -L "$busybox" | grep -q 'statically linked'; then
	die "a static busybox is needed (apt-get install busybox-static)"
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/vmacct-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,run,root,etc,vmacct,"lib/modules/$rel"}
cp "$busybox" "$stage/bin/busybox"
[ $load = 0 ] || cp "$ko" "$stage/vmacct/vmacct.ko"
cp "$payload" "$stage/vmacct/payload.sh"
# The KTAP emitter every payload sources (. /vmacct/ktap_helpers.sh).
cp "$VMACCT_TOP/selftests/ktap_helpers.sh" "$stage/vmacct/ktap_helpers.sh"
for f in ${files[@]+"${files[@]}"}; do cp "$f" "$stage/vmacct/"; done
# Whatever the reader and the selftests build, if they are built (tools/vmacct, selftests/*).
[ -x "$reader" ] && cp "$reader" "$stage/bin/vmacct"
if [ -d "$selftests" ]; then
	cp -r "$selftests" "$stage/vmacct/selftests"
fi
[ $with_top = 0 ] || "$VMACCT_TOP/scripts/guest-procps.sh" "$k" "$stage"
# Kernel modules the tests need (zram for swap), with their dependencies from modules.dep.
"$VMACCT_TOP/scripts/guest-modules.sh" "$kd/lib/modules/$rel" "$stage/lib/modules/$rel" zram brd loop ext4 ext2 crc32c_generic crc32c-intel

cat >"$stage/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
# The kernel calls /sbin/modprobe for on-demand modules (file systems, zram compressors).
ln -s /bin/busybox /sbin/modprobe
export PATH=/bin:/sbin:/usr/bin
# With --with-top the release's procps top is /usr/bin/top: busybox's top applet must not shadow it.
# The kernel gives init TERM=linux; the console is a serial line, for which vt100 is the safe choice.
if [ -x /usr/bin/top ]; then
	rm -f /bin/top
	export TERM=vt100
fi
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
echo 'root:x:0:' > /etc/group
echo 'nogroup:x:65534:' >> /etc/group
echo "vmacct-guest: kernel \$(uname -r)"
if [ $load = 1 ]; then
	if insmod /vmacct/vmacct.ko; then
		echo "vmacct-guest: module loaded"
	else
		echo "vmacct-guest: insmod failed"
	fi
fi
cd /vmacct
sh /vmacct/payload.sh
echo "vmacct-guest: payload-exit \$?"
# The guest's CPU time (user nice system idle ..., in USER_HZ) at the end: how much of the guest's
# time its two vCPUs idled, which make check's slots are sized by.
echo "vmacct-guest: \$(head -n 1 /proc/stat) uptime \$(cut -d' ' -f1 /proc/uptime)"
# The whole kernel log, also what was below the console log level, for the report scan.
dmesg | sed 's/^/dmesg: /'
echo "vmacct-guest: done"
sync
# End only once the console has sent all of it: reboot -f does not wait for the tty, and a
# loaded host once lost the end of the dmesg dump and the done line. stty sets the console's mode
# with TCSADRAIN, which returns when the output queue is empty; the second is for the UART's FIFO.
# A reboot, not a power-off: -no-reboot makes it QEMU's exit on every kernel, also on the built
# ones, which have no ACPI to power off with.
stty -F /dev/console "\$(stty -F /dev/console -g)" 2>/dev/null
sleep 1
reboot -f
INIT
chmod +x "$stage/init"
# mktemp made the tree's root 0700: a guest's / must be searchable by non-root users (su nobody).
chmod 755 "$stage"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$stage.cpio.gz"
trap 'rm -rf "$stage" "$stage.cpio.gz"' EXIT

mkdir -p "$(dirname "$log")"
# The KASAN debug kernel runs with 4-level paging: with -cpu max's LA57 it once reported a
# wild-memory-access in an interrupt taken during identify_cpu(), at 0.007 s of boot, long before
# anything of vmacct runs. The release kernels keep 5-level paging (the walker's p4d level).
if kernel_is "$k" debug; then append="no5lvl $append"; fi
# panic=-1 + -no-reboot: a panic ends QEMU at once instead of hanging until the timeout.
# Two vCPUs as two sockets of one core: SeaBIOS's MP table, where the built kernels (no ACPI) find
# their CPUs, lists one CPU per socket, and with -smp 2 alone (one socket of two cores) they saw one.
# Soft lockups and hung tasks are reported quickly so the log scan sees them.
set +e
timeout --foreground -k 10 "$timeout" "${qemu[@]}" -smp 2,sockets=2,cores=1,threads=1 -m "$mem" \
	-nographic -no-reboot -nic none \
	-kernel "$(boot_image "$kd" "$arch")" -initrd "$stage.cpio.gz" \
	-append "console=$console panic=-1 loglevel=5 watchdog_thresh=10 hung_task_timeout_secs=60 $append" \
	</dev/null >"$log" 2>&1
qrc=$?
set -e
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	echo "vmacct-guest: TIMEOUT after ${timeout}s" >>"$log"
fi
"$VMACCT_TOP/scripts/scan-log.sh" "$log"
