#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# PID 1 of Dom0 (after the initramfs switched to the Debian root): start
# the Xen toolstack by hand (no systemd), run scenario.sh under a time
# limit, keep every log in /xenshm/results (the payload disk, which the
# host reads back), print the verdict on the console and power off.
export PATH=/xenshm/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
R=/xenshm/results
t() { echo "XT-TIME $(cut -d' ' -f1 /proc/uptime) $*"; }
finish() {
	echo "XT-RESULT $1"
	echo "XT-RESULT $1" > $R/verdict
	cp /var/log/xen/console/*.log $R/ 2>/dev/null
	xl dmesg > $R/xen-dmesg.log 2>&1
	dmesg > $R/dom0-dmesg.log 2>&1
	sync
	# The host reads the payload disk back: leave it clean.
	cd /
	umount /xenshm 2>/dev/null || mount -o remount,ro /xenshm
	sync
	echo "XT-DONE"
	echo o > /proc/sysrq-trigger 2>/dev/null
	sleep 5
	poweroff -f
}
mkdir -p $R
t "dom0 userspace up ($(uname -r))"
mount -o remount,rw /
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
hostname xen-dom0
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
	modprobe $m || echo "modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen
mkdir -p -m 700 /run/xen
mkdir -p /run/xenstored /var/log/xen/console /var/lib/xen /var/run/xen
export XENSTORED_ROOTDIR=/run/xenstored
oxenstored --pid-file /run/xenstore.pid ||
	xenstored --pid-file /run/xenstore.pid
for i in $(seq 1 100); do
	xenstore-read -s / >/dev/null 2>&1 && break
	sleep 0.2
done
xen-init-dom0 || echo "xen-init-dom0 failed"
xenconsoled --pid-file /run/xenconsoled.pid --log=guest \
	--log-dir=/var/log/xen/console
# Dom0 shares CPU 0 with the guests, whose DPDK polls without pause:
# weight 512 against their 256 each lets the toolstack run when it needs
# to without starving them, and gives them all of it otherwise.
xl sched-credit2 -d Domain-0 -w 512 >/dev/null 2>&1 ||
	echo "cannot raise Dom0's scheduler weight"
t "toolstack up"
xl info > $R/xl-info.txt 2>&1 || finish "FAIL xl info does not work"
grep -E 'nr_cpus|total_memory|free_memory|xen_version|xen_commandline' \
	$R/xl-info.txt
t "xl info done"

# Options from the host, on the kernel command line.
for a in $(cat /proc/cmdline); do
	case $a in
	xs_*=*) export "XS_${a#xs_}" ;;
	esac
done
limit=${XS_LIMIT:-900}
t "scenario start (limit ${limit}s)"
timeout -s TERM $limit /xenshm/scenario.sh 2>&1 | tee $R/scenario.log
rc=${PIPESTATUS[0]}
t "scenario end rc=$rc"
if [ $rc = 0 ]; then
	finish "PASS $(tail -n1 $R/scenario-verdict.txt 2>/dev/null)"
elif [ $rc = 124 ]; then
	finish "FAIL scenario exceeded ${limit}s"
else
	finish "FAIL $(tail -n1 $R/scenario-verdict.txt 2>/dev/null)"
fi
