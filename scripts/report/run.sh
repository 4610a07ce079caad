#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot one kernel of the matrix with a real Debian user space of its release (scripts/report/image.sh)
# and systemd as init, let the workload unit (scripts/report/workload.sh) load the services, measure
# every process (scripts/report/collect.py) and power off; the results land in OUT.
#
#   run.sh [--timeout S] [--mem SIZE] KERNEL OUT   (defaults: 3600 s, 3G; sid's boot took 1450 s
#                                                   under TCG with another guest running; arm64,
#                                                   about three times slower under TCG: 10800 s)
#
# The root is an ext4 image (mkfs.ext4 -d) of a hard-linked copy of the cached tree plus the kernel's
# modules, the configuration the report needs and the workload; the results come back as a tar
# archive written to a second virtio disk. The initramfs is busybox (as in scripts/guest.sh): it
# loads virtio_blk and ext4, which Debian's kernels have as modules, and switches to systemd.
# Another architecture than the host's (arm64) boots in its own QEMU (the command of scripts/guest.sh),
# with its own release tree (image.sh RELEASE ARCH), the busybox provision.sh keeps beside the kernel
# and the reader report.sh cross-builds ($VMACCT_BUILD/report/reader-ARCH/vmacct).
# Exit status: 0 when the guest wrote its results and its console holds no kernel report.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

timeout='' mem=3G
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
k=${1:?usage: run.sh [options] KERNEL OUT}
out=${2:?usage: run.sh [options] KERNEL OUT}
check_kernels "$k"
arch=$(kernel_field "$k" arch)
# The QEMU that boots the kernel's architecture (lib.sh tcg_qemu, as scripts/guest.sh); an emulated
# arm64 machine is about three times slower.
tcg_qemu "$arch"
slow=1
if [ "$arch" = arm64 ]; then slow=3; fi
timeout=${timeout:-$((3600 * slow))}
here=$VMACCT_TOP/scripts/report
kd=$("$VMACCT_TOP/scripts/provision.sh" kernel-dir "$k")
kver=$(cat "$kd/release")
ko=$VMACCT_BUILD/$k/vmacct.ko
# The host's static busybox and reader on the host's architecture; another architecture's busybox
# from the kernel directory (provision.sh) and its reader cross-built by report.sh.
if [ "$arch" = "$(dpkg --print-architecture)" ]; then
	reader=$VMACCT_TOP/tools/vmacct busybox=$(command -v busybox || true)
else
	reader=$VMACCT_BUILD/report/reader-$arch/vmacct busybox=$kd/busybox
fi
[ -f "$kd/vmlinuz" ] || die "kernel $k is not provisioned (scripts/provision.sh ensure $k)"
[ -f "$ko" ] || die "no module at $ko (scripts/build-module.sh $k)"
[ -x "$reader" ] || die "no reader at $reader (report.sh builds it)"
if [ -z "$busybox" ] || ! file -L "$busybox" | grep -q 'statically linked'; then
	die "a static busybox for $arch is needed (busybox-static; provision.sh keeps another architecture's)"
fi
root=$("$here/image.sh" "$(release_of "$k")" "$arch")

work=$(mktemp -d "${TMPDIR:-/tmp}/vmacct-report.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/root
note "$k: staging the root (hard links to $root)"
cp -al "$root" "$stage"
# The kernel's own modules (udev loads what the devices want), linked too: nothing writes them.
mkdir -p "$stage/usr/lib/modules"
cp -al "$kd/lib/modules/$kver" "$stage/usr/lib/modules/$kver"
# What the workload needs: files are replaced, never written in place (they are links to the cache).
r=$stage/root/report
mkdir -p "$r"
cp "$ko" "$r/vmacct.ko"
cp "$reader" "$r/vmacct"
cp "$here/workload.sh" "$here/collect.py" "$here/pool.py" "$r/"
rm -f "$stage/etc/systemd/system/vmacct-report.service"
cat >"$stage/etc/systemd/system/vmacct-report.service" <<UNIT
[Unit]
Description=vmacct report: load the services, measure every process, power off
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/bash /root/report/workload.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/$console
[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
ln -sf ../vmacct-report.service "$stage/etc/systemd/system/multi-user.target.wants/vmacct-report.service"
# Nothing in the guest may log in or wait for a network; the timers that would run apt are off.
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
	"serial-getty@$console.service" getty@tty1.service systemd-networkd-wait-online.service; do
	rm -f "$stage/etc/systemd/system/$u"
	ln -s /dev/null "$stage/etc/systemd/system/$u"
done
# systemd gives a unit 90 s to start; an emulated arm64 machine is about three times slower.
mkdir -p "$stage/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultTimeoutStartSec=%ds\n' $((90 * slow)) >"$stage/etc/systemd/system.conf.d/vmacct-report.conf"
echo "vmacct-report" >"$stage/etc/hostname.new" && mv "$stage/etc/hostname.new" "$stage/etc/hostname"
printf '/dev/vda / ext4 rw,noatime 0 1\n' >"$stage/etc/fstab.new" && mv "$stage/etc/fstab.new" "$stage/etc/fstab"
# nginx and apache2 both want port 80: apache2 moves to 8080. nginx with four workers.
# apache2 with the prefork MPM instead of Debian's default event MPM.
sed 's/^Listen 80$/Listen 8080/' "$stage/etc/apache2/ports.conf" >"$work/ports.conf"
rm "$stage/etc/apache2/ports.conf" && mv "$work/ports.conf" "$stage/etc/apache2/ports.conf"
sed 's/<VirtualHost \*:80>/<VirtualHost *:8080>/' "$stage/etc/apache2/sites-available/000-default.conf" >"$work/site.conf"
rm "$stage/etc/apache2/sites-available/000-default.conf"
mv "$work/site.conf" "$stage/etc/apache2/sites-available/000-default.conf"
rm -f "$stage"/etc/apache2/mods-enabled/mpm_event.* "$stage"/etc/apache2/mods-enabled/mpm_worker.*
for f in load conf; do
	ln -sf "../mods-available/mpm_prefork.$f" "$stage/etc/apache2/mods-enabled/mpm_prefork.$f"
done
sed 's/^worker_processes .*/worker_processes 4;/' "$stage/etc/nginx/nginx.conf" >"$work/nginx.conf"
rm "$stage/etc/nginx/nginx.conf" && mv "$work/nginx.conf" "$stage/etc/nginx/nginx.conf"
# Redis: the DEBUG command is not needed (the workload loads keys through the protocol); nothing else.

# The root image: the tree's size plus room for PostgreSQL's and Redis's writes.
size_mb=$(( $(du -sm "$stage" | cut -f1) + 1536 ))
note "$k: root image, ${size_mb} MB (sparse)"
mkfs.ext4 -q -F -L vmacct-root -d "$stage" "$work/root.img" "${size_mb}M" || die "mkfs.ext4 -d failed"
rm -rf "$stage"
truncate -s 256M "$work/results.img"

# The initramfs: busybox, virtio_pci (a module on 6.1), virtio_blk and ext4 with their dependencies,
# then switch_root to systemd.
ird=$work/initramfs
mkdir -p "$ird"/{bin,sbin,dev,proc,sys,newroot,"lib/modules/$kver"}
cp "$busybox" "$ird/bin/busybox"
"$VMACCT_TOP/scripts/guest-modules.sh" "$kd/lib/modules/$kver" "$ird/lib/modules/$kver" \
	virtio_pci virtio_mmio virtio_blk ext4 crc32c_generic crc32c-intel crc32c-cryptoapi
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
ln -s /bin/busybox /sbin/modprobe
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in crc32c_generic crc32c-intel crc32c-cryptoapi virtio_pci virtio_mmio virtio_blk ext4; do modprobe "$m" 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t ext4 -o rw,noatime /dev/vda /newroot; then
	echo "vmacct-report: cannot mount the root"
	poweroff -f
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.gz"

mkdir -p "$out"
log=$out/console.log
note "$k: booting $kver with systemd (TCG; log: $log)"
start=$(date +%s)
set +e
# panic=-1, -no-reboot: as scripts/guest.sh (its comments say why).
timeout --foreground -k 10 "$timeout" "${qemu[@]}" -smp 2 \
	-m "$mem" -nographic -no-reboot -nic none \
	-drive "file=$work/root.img,format=raw,if=virtio" \
	-drive "file=$work/results.img,format=raw,if=virtio" \
	-kernel "$kd/vmlinuz" -initrd "$work/initramfs.gz" \
	-append "console=$console panic=-1 loglevel=5 watchdog_thresh=10 hung_task_timeout_secs=120 systemd.show_status=0 net.ifnames=0" \
	</dev/null >"$log" 2>&1
qrc=$?
set -e
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
echo "$(( $(date +%s) - start ))" >"$out/guest-seconds"
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	echo "vmacct-guest: TIMEOUT after ${timeout}s" >>"$log"
fi
rm -rf "$out/results"
mkdir -p "$out/results"
if ! tar -xf "$work/results.img" -C "$out/results" 2>/dev/null; then
	note "$k: the guest wrote no results (see $log)"
	"$VMACCT_TOP/scripts/scan-log.sh" "$log" || true
	exit 1
fi
"$VMACCT_TOP/scripts/scan-log.sh" "$log"
