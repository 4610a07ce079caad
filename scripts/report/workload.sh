#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The report's workload, run by vmacct-report.service once the Debian guest has reached
# multi-user.target (scripts/report/run.sh installs it): check the services, give them clients,
# start a Redis BGSAVE and a forked Python pool, let the machine settle, load vmacct, measure every
# process (collect.py), write the results to the second disk as a tar archive and power off.
# Everything it prints goes to the serial console; "vmacct-guest: done" ends a complete run.
set -uo pipefail
cd /root/report || exit 1
mkdir -p out
t0=$(cut -d' ' -f1 /proc/uptime)
say() { echo "vmacct-report: $*"; echo "$*" >>out/workload.log; }
fail() { say "FAIL: $*"; echo "$*" >>out/failures; }
say "multi-user.target reached at ${t0}s of uptime"
pgver=$(ls /etc/postgresql)
units="ssh.service cron.service systemd-journald.service systemd-udevd.service nginx.service
postgresql@$pgver-main.service redis-server.service apache2.service"
for u in $units; do
	# A unit still starting gets a minute: under TCG PostgreSQL's start is slow.
	for _ in $(seq 60); do
		[ "$(systemctl is-active "$u")" = active ] && break
		sleep 1
	done
	if [ "$(systemctl is-active "$u")" = active ]; then
		say "service $u active"
	else
		fail "service $u did not start ($(systemctl is-active "$u"))"
		systemctl status --no-pager "$u" 2>&1 | tail -n 20 >>out/workload.log
	fi
done

# PostgreSQL: a table, then four clients that read it (its pages go through shared_buffers, which
# is shmem every backend maps) and stay connected in pg_sleep while the machine is measured.
runuser -u postgres -- psql -q -c "CREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 300000) g" \
	>>out/workload.log 2>&1 || fail "psql could not create the table"
for i in 1 2 3 4; do
	systemd-run --quiet --unit="pgclient$i" --uid=postgres psql -q -c \
		"SELECT count(*), sum(length(h)) FROM t; SELECT h FROM t ORDER BY h LIMIT 5; SELECT pg_sleep(3600)"
done

# Redis: 100000 keys of 1 KiB through the protocol, then a BGSAVE slowed to 10 ms a key (the child
# lives for minutes: the fork's copy-on-write sharing is caught), and some writes in the parent
# after the fork, as a live server has.
python3 - <<'PY' | redis-cli --pipe >>out/workload.log 2>&1 || fail "redis-cli --pipe failed"
import sys
w = sys.stdout.buffer
for i in range(100000):
	k, v = b"key:%d" % i, b"%07d" % i * 146
	w.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
PY
redis-cli config set rdb-key-save-delay 10000 >>out/workload.log 2>&1 || fail "rdb-key-save-delay"
redis-cli bgsave >>out/workload.log 2>&1 || fail "BGSAVE did not start"
python3 - <<'PY' | redis-cli --pipe >>out/workload.log 2>&1
import sys
w = sys.stdout.buffer
for i in range(0, 100000, 20):
	k, v = b"key:%d" % i, b"%07d" % (i + 1) * 146
	w.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
PY

# A Python multiprocessing pool that forked after building a large structure.
systemd-run --quiet --unit=pypool python3 /root/report/pool.py
# Its 100 MB dict is built under TCG: arm64's is about three times slower than x86's.
for _ in $(seq 900); do
	[ -e /run/pypool.ready ] && break
	sleep 1
done
[ -e /run/pypool.ready ] || fail "the Python pool did not get ready"
# A few requests so that the web servers' workers have served something.
for _ in 1 2 3; do
	python3 -c 'import urllib.request as u; u.urlopen("http://127.0.0.1/").read(); u.urlopen("http://127.0.0.1:8080/").read()' \
		>>out/workload.log 2>&1 || fail "nginx or apache2 did not answer"
done

# Settle: per-cpu batches, the services' own start-up work, the journal.
sleep "${VMACCT_REPORT_SETTLE:-30}"
if [ "$(redis-cli info persistence | tr -d '\r' | sed -n 's/^rdb_bgsave_in_progress://p')" != 1 ]; then
	fail "the Redis BGSAVE is not in progress any more"
fi
modprobe -q configfs 2>/dev/null
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
insmod /root/report/vmacct.ko || fail "insmod vmacct.ko failed"
t1=$(cut -d' ' -f1 /proc/uptime)
say "measuring at ${t1}s of uptime"
python3 /root/report/collect.py out >>out/workload.log 2>out/collect.err || fail "collect.py failed ($(tail -n 3 out/collect.err))"
t2=$(cut -d' ' -f1 /proc/uptime)
say "measured in $(python3 -c "print(round($t2 - $t1, 1))")s"
printf '{"multi_user_s": %s, "measure_start_s": %s, "measure_end_s": %s}\n' "$t0" "$t1" "$t2" >out/times.json
dmesg >out/dmesg.txt
tar -cf /dev/vdb out
sync
# The whole kernel log, also what was below the console log level, for the report scan.
sed 's/^/dmesg: /' out/dmesg.txt
if [ -e out/failures ]; then
	sed 's/^/vmacct-report: FAIL: /' out/failures
fi
echo "vmacct-guest: done"
systemctl poweroff --force --force
