#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The real-Xen test.  Debian's Xen 4.17 boots under QEMU (TCG: KVM does
# not work on these machines) with a Debian Dom0 that only runs the
# toolstack, a DomS domain and guest domains (guest/scenario.sh says what
# each does).  Images come from the Debian archive at test time
# (mk-base.sh, cached), our binaries are added to them (mk-payload.sh).
#
#   test/xen/run-xen-test.sh BUILDDIR
#
# Environment:
#   XENSHM_XEN_PHASES   comma-separated, default xchk,switch; also pmd
#                       (testpmd as DomS) and smoke (three idle domUs)
#   XENSHM_XEN_BREAK    none (default) | corrupt | devid: break the data
#                       path on purpose; the verdict must then be FAIL
#   XENSHM_XEN_TIMEOUT  seconds for the whole QEMU run (default 2400)
#   XENSHM_XEN_CACHE    image cache (default /var/cache/xenshm/xen-images)
#   XENSHM_XEN_MEM      QEMU memory in MiB (default 4096)
#
# Output: the time of each stage, then one line
#   XEN-TEST: PASS|FAIL <why> (<seconds> s)
# Logs (serial console, each domain's console, Xen's dmesg) stay in
# BUILDDIR/xen-test/ after every run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run-xen-test.sh BUILDDIR}" && pwd)
phases=${XENSHM_XEN_PHASES:-xchk,switch}
brk=${XENSHM_XEN_BREAK:-none}
qtimeout=${XENSHM_XEN_TIMEOUT:-2400}
mem=${XENSHM_XEN_MEM:-4096}
# No XSAVE: under TCG, Xen's save/restore of the extended (AVX) state of
# PV vCPUs sharing a physical CPU corrupts them (seen as glibc and
# liblzma miscomputing in Dom0 as soon as a domU ran beside it).
cpu=${XENSHM_XEN_CPU:-max,xsave=off}
out=$build/xen-test
T0=$(date +%s.%N)

el() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
verdict() {
	echo "XEN-TEST: $1 ($(el "$T0") s; logs in $out)"
	[ "${1%% *}" = PASS ] && exit 0
	exit 1
}
step_t0=$T0
step() {
	printf 'XEN-TEST-TIME %-24s %7.1f s\n' "$1" "$(el "$step_t0")"
	step_t0=$(date +%s.%N)
}

case $brk in none|corrupt|devid) ;; *) verdict "FAIL unknown XENSHM_XEN_BREAK=$brk" ;; esac
[ "$(id -u)" = 0 ] || verdict "FAIL must run as root (debootstrap, chroot)"
for t in qemu-system-x86_64 qemu-img debootstrap mkfs.ext4 debugfs cpio; do
	command -v $t >/dev/null ||
		verdict "FAIL $t missing: run XENSHM_DEPS_XEN=1 scripts/deps.sh"
done
rm -rf "$out"
mkdir -p "$out"
echo "XEN-TEST: phases=$phases break=$brk build=$build"

# 1. Images.
base=$("$here/mk-base.sh" 2> >(tee "$out/mk-base.log" >&2)) ||
	verdict "FAIL building the base image (see $out/mk-base.log)"
step "base image"
payload=$("$here/mk-payload.sh" "$build" "$base" 2> >(tee "$out/mk-payload.log" >&2)) ||
	verdict "FAIL building the payload (see $out/mk-payload.log)"
step "payload image"

# 2. Boot.  Dom0's disk is a copy-on-write overlay of the cached image;
#    the payload disk is a private copy, results come back on it.
qemu-img create -q -f qcow2 -F raw -b "$base/dom0.img" "$out/dom0.qcow2" ||
	verdict "FAIL qemu-img"
cp --sparse=always "$payload" "$out/payload.img"
# smap=0 smep=0: under TCG "-cpu max" Xen 4.17's SMAP/SMEP handling
# crashes a PV Dom0 at its first bounce frame.  Dom0 gets CPU 0, DomS
# CPU 1 (its config pins it), the guests share CPU 0 with Dom0.
xen_args="smap=0 smep=0 console=com1 com1=115200,8n1 dom0_mem=768M,max:768M"
xen_args+=" dom0_max_vcpus=1 dom0_vcpus_pin loglvl=all guest_loglvl=all"
dom0_args="console=hvc0 earlyprintk=xen loglevel=4"
dom0_args+=" xs_PHASES=${phases//,/+} xs_BREAK=$brk xs_LIMIT=$((qtimeout - 90))"
serial=$out/serial.log
: > "$serial"
qemu-system-x86_64 -M pc -accel tcg,thread=multi -cpu "$cpu" -m "$mem" -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$base/xen.elf" -append "$xen_args" \
	-initrd "$base/vmlinuz $dom0_args,$base/dom0-initrd.gz" \
	-drive file="$out/dom0.qcow2",if=virtio,format=qcow2,cache=unsafe \
	-drive file="$out/payload.img",if=virtio,format=raw,cache=unsafe \
	< /dev/null > "$serial" 2>&1 &
qpid=$!
echo "XEN-TEST: qemu pid $qpid, serial console in $serial"
res=timeout
qt0=$(date +%s)
while kill -0 $qpid 2>/dev/null; do
	if grep -q 'XT-DONE' "$serial" 2>/dev/null; then
		res=done
		break
	fi
	if [ $(( $(date +%s) - qt0 )) -gt "$qtimeout" ]; then
		break
	fi
	sleep 2
done
grep -q 'XT-DONE' "$serial" 2>/dev/null && res=done
# Dom0 powers off after XT-DONE; give it a moment to flush the disk.
for i in $(seq 1 15); do
	kill -0 $qpid 2>/dev/null || break
	sleep 1
done
kill $qpid 2>/dev/null
sleep 1
kill -9 $qpid 2>/dev/null
wait $qpid 2>/dev/null
step "xen boot + scenario"
rm -f "$out/dom0.qcow2"

# 3. Results.
# Replay the journal first: debugfs reads the disk as it is.
e2fsck -fy "$out/payload.img" >/dev/null 2>&1
debugfs -R "rdump /results $out" "$out/payload.img" >/dev/null 2>&1
rm -f "$out/payload.img"
tr -d '\r' < "$serial" | grep -E '^(XT-|XS-STAGE-TIME|XS-RECOVERY|XS-HOSTILE|XS t=.*(STAGE|FAIL|traffic|created|saw|disconnect))' |
	sed 's/^/  /'
[ -f "$out/results/stage-times.txt" ] && {
	echo "stage times (in Dom0):"
	sed 's/^/  /' "$out/results/stage-times.txt"
}
if [ "$res" = timeout ]; then
	tr -d '\r' < "$serial" | tail -n 40
	if [ $(( $(date +%s) - qt0 )) -gt "$qtimeout" ]; then
		verdict "FAIL no result within ${qtimeout}s"
	fi
	verdict "FAIL QEMU stopped without a result"
fi
line=$(tr -d '\r' < "$serial" | grep -m1 '^XT-RESULT ' | sed 's/^XT-RESULT //')
[ -n "$line" ] || verdict "FAIL no verdict on the serial console"
case $line in
PASS*) verdict "PASS ${line#PASS }" ;;
*) verdict "FAIL ${line#FAIL }" ;;
esac
