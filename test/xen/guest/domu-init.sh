#!/bin/busybox sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# PID 1 of every test domU (DomS and guests share one initramfs).  The
# kernel command line picks the role:
#   xsrole=<role> [xsguest=<domid>] [xsguest2=<domid>]
#   [xsg1=<domid> xsg2=<domid>] [xsopt=...]
# The role's program runs in the background until Dom0 writes
# data/xenshm-stop in this domain's xenstore directory (or the program
# ends); then it gets SIGINT, and its exit code and last lines are
# printed.  Everything goes to hvc0, which Dom0's xenconsoled logs.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/local/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm /run /tmp /var/run /mnt/huge
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

ut() { cut -d' ' -f1 /proc/uptime; }
say() { echo "XS-DOMU t=$(ut) $*"; }

role=none; guest=; guest2=; g1=; g2=; opt=
for a in $(cat /proc/cmdline); do
	case $a in
	xsrole=*) role=${a#xsrole=} ;;
	xsguest=*) guest=${a#xsguest=} ;;
	xsguest2=*) guest2=${a#xsguest2=} ;;
	xsg1=*) g1=${a#xsg1=} ;;
	xsg2=*) g2=${a#xsg2=} ;;
	xsopt=*) opt=${a#xsopt=} ;;
	esac
done
say "up role=$role $(grep MemTotal /proc/meminfo | tr -s ' ')"

# Xen user-space devices.  gntalloc's default limit (1024 grants) is
# below one default region (~1030 pages), and moving a region to a new
# DomS holds old and new grants at once: allow plenty.
for m in $(cat /mods/order); do
	case $m in
	xen-gntalloc.ko) insmod /mods/$m limit=65536 ;;
	*) insmod /mods/$m ;;
	esac || say "insmod $m failed"
done
mount -t xenfs xenfs /proc/xen 2>/dev/null
for d in gntalloc gntdev evtchn xenbus; do
	[ -e /dev/xen/$d ] || say "MISSING /dev/xen/$d"
done
domid=$(xenstore-read domid 2>/dev/null)
say "domid=$domid"

# DPDK in a small domU: no hugepages (--no-huge), one vCPU shared by the
# lcores, plugins from a root-owned directory (EAL refuses -d below a
# world-writable one).
PMDS=/opt/xenshm/pmds
# DPDK drivers testpmd links against, kept out of EAL's plugin directory.
export LD_LIBRARY_PATH=/usr/lib/xenshm-deps
EAL="--no-huge -m 192 --no-pci --file-prefix xs --log-level=pmd.net.xenshm*:info"
has_opt() { case ,$opt, in *,$1,*) return 0 ;; esac; return 1; }
# Guest port: follows whichever DomS Dom0 assigns (backend=any).
GUEST_VDEV="net_xenshm_guest0,transport=xen,backend=any,devid=0"
PKC_SIZES="--sizes 60,256,1024,1514"

case $role in
xchk-guest|xchk-hostile)
	set -- /usr/local/bin/xenshm-xen-check guest 0 any ;;
xchk-doms)
	# One process, one loop, one port per guest (as a PMD's alarm).
	case ,$opt, in *,corrupt,*) export XENSHM_XCHK_CORRUPT=1 ;; esac
	set -- /usr/local/bin/xenshm-xen-check doms "$guest${guest2:+,$guest2}" 0 ;;
idle)
	set -- /bin/sleep 100000 ;;
pkc-tx)
	# Low rate: three DPDK domains share two emulated CPUs.
	inject=
	has_opt corrupt && inject="--inject corrupt=97"
	set -- /usr/local/bin/xenshm-pktcheck $EAL -l 0 \
		-d $PMDS/librte_net_xenshm_guest.so --vdev $GUEST_VDEV -- \
		--tx-port 0 --rate 1000 $PKC_SIZES --flows 4 \
		--report-interval 2000 --link-wait 600000 $inject ;;
pkc-rx)
	set -- /usr/local/bin/xenshm-pktcheck $EAL -l 0 \
		-d $PMDS/librte_net_xenshm_guest.so --vdev $GUEST_VDEV -- \
		--rx-port 0 $PKC_SIZES --report-interval 1000 \
		--expect-min-rx 1000 --link-wait 600000 ;;
pmd-doms)
	# Two ports, one per guest; io forwarding pairs port 0 with port 1.
	set -- /usr/bin/dpdk-testpmd $EAL --lcores "(0,1)@0" \
		-d $PMDS/librte_net_xenshm.so \
		--vdev "net_xenshm0,transport=xen,domid=$g1,devid=0" \
		--vdev "net_xenshm1,transport=xen,domid=$g2,devid=0" -- \
		--forward-mode=io --stats-period 5 --total-num-mbufs 4096 \
		--burst 32 ;;
switch-doms)
	# The DomS switch: finds the guests Dom0 assigned to this domain
	# in xenstore by itself (no domain ids given), one tenant for all.
	set -- /usr/local/bin/xenshm-doms-switch \
		--set global.default-tenant=lab --set tenant:lab.max-macs=16 \
		--set global.guest-dir= --set global.mbufs=4096 \
		--set global.scan-interval-ms=500 \
		-p $PMDS/librte_net_xenshm.so -- $EAL --lcores "(0,1)@0" ;;
*)
	say "unknown role '$role'"
	set -- /bin/true ;;
esac

# ---- the hostile guest: attacks on its own frontend keys --------------
# Dom0 writes data/xenshm-attack = "<seq> <name>"; the guest runs that
# attack on its frontend directory (everything in it is the guest's to
# write) with "xenshm-xen-check attack" (C: its pace does not depend on
# how fast a starved domU forks), then answers data/xenshm-attack-done.
# Its xenshm-xen-check guest keeps running beside it as a real endpoint.
attack_agent() {
	local last=0 cmd seq name
	while :; do
		cmd=$(xenstore-read data/xenshm-attack 2>/dev/null)
		seq=${cmd%% *}
		name=${cmd#* }
		if [ -n "$cmd" ] && [ "$seq" != "$last" ]; then
			last=$seq
			say "ATTACK $seq $name start"
			/usr/local/bin/xenshm-xen-check attack "$name" 0
			say "ATTACK $seq $name done"
			xenstore-write data/xenshm-attack-done "$seq"
		fi
		sleep 1
	done
}
[ "$role" = xchk-hostile ] && attack_agent &

say "exec: $*"
"$@" > /tmp/role.log 2>&1 &
pid=$!
say "role pid=$pid"
# Stream the program's output to the console as it comes.
tail -f /tmp/role.log &
tailpid=$!
kills=0
while kill -0 $pid 2>/dev/null; do
	if [ "$(xenstore-read data/xenshm-stop 2>/dev/null)" = 1 ]; then
		say "stop requested by Dom0"
		kill -INT $pid
		i=0
		while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 $pid 2>/dev/null
		break
	fi
	# Dom0 bumps data/xenshm-kill to have the program SIGKILLed and
	# started again in this same domain (a process restart).
	k=$(xenstore-read data/xenshm-kill 2>/dev/null)
	if [ -n "$k" ] && [ "$k" != "$kills" ]; then
		kills=$k
		say "SIGKILL requested by Dom0 ($k)"
		kill -9 $pid
		wait $pid
		"$@" >> /tmp/role.log 2>&1 &
		pid=$!
		say "role restarted pid=$pid"
	fi
	sleep 1
done
wait $pid
rc=$?
sleep 1
kill $tailpid 2>/dev/null
say "role exit rc=$rc pid=$pid"
xenstore-write data/xenshm-rc "$rc" 2>/dev/null
sync
poweroff -f
