#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The fresh-machine test ("make test-vm").  A plain Debian 12 VM
# (mk-image.sh: debootstrap, systemd, cached) boots under QEMU (TCG, -cpu
# max: DPDK needs SSE4.2), gets our Debian packages, and then does what the
# README and docs/ovs-dpdk.md tell an operator, command for command: the
# blocks marked "<!-- vm-test: NAME -->" there are extracted
# (extract-docs.sh) and run as they are.  Phases (guest/phase-*.sh):
#   install  our .debs with apt, from a fresh machine
#   switch   doms-switch as a systemd service, two guest processes
#            exchanging checked traffic through it, SIGKILL, Restart=
#            brings it back, traffic resumes: outage printed
#   ovs      OVS-DPDK through Debian's openvswitch-switch service, xenshm
#            ports, pmd-rxq-affinity, traffic; systemctl restart
#            openvswitch-switch with the guests running: outage printed
#   purge    apt remove --purge of our packages leaves nothing behind
#
#   test/vm/run-vm-test.sh BUILDDIR DEBDIR
#
# BUILDDIR supplies xenshm-pktcheck (the traffic checker, a test tool that
# is not packaged); DEBDIR the .debs ("make deb").
#
# Environment:
#   XENSHM_VM_PHASES   comma-separated, default install,switch,ovs,purge
#   XENSHM_VM_MEM      guest memory in MiB (default 3584)
#   XENSHM_VM_TIMEOUT  seconds per phase (default 1800)
#   XENSHM_VM_CACHE    image cache (default /var/cache/xenshm/vm-images)
#   XENSHM_VM_KEEP=1   leave the VM running at the end (prints how to reach it)
#
# Output: the time of each stage, the figures, then one line
#   VM-TEST: PASS|FAIL <why> (<seconds> s)
# Logs (serial console, each phase) stay in BUILDDIR/vm-test/.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run-vm-test.sh BUILDDIR DEBDIR}" && pwd)
debdir=$(cd "${2:?usage: run-vm-test.sh BUILDDIR DEBDIR}" && pwd)
phases=${XENSHM_VM_PHASES:-install,switch,ovs,purge}
mem=${XENSHM_VM_MEM:-3584}
ptimeout=${XENSHM_VM_TIMEOUT:-1800}
out=$build/vm-test
T0=$(date +%s.%N)
qpid=

el() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
step_t0=$T0
step() {
	printf 'VM-TEST-TIME %-28s %7.1f s\n' "$1" "$(el "$step_t0")"
	step_t0=$(date +%s.%N)
}
stop_vm() {
	[ -n "$qpid" ] || return 0
	if [ "${XENSHM_VM_KEEP:-0}" = 1 ]; then
		echo "VM-TEST: VM kept running: pid $qpid; ssh ${ssh_opts[*]} root@127.0.0.1"
		return 0
	fi
	vssh 'systemctl poweroff' >/dev/null 2>&1
	for _ in $(seq 60); do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 1
	done
	kill "$qpid" 2>/dev/null
	sleep 1
	kill -9 "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=
}
# The VM's journal and the phases' state files (guest logs, file lists).
collect() {
	[ -n "$qpid" ] && [ -n "${up:-}" ] || return 0
	timeout 120 ssh "${ssh_opts[@]}" root@127.0.0.1 'journalctl -b --no-pager' \
		> "$out/journal.log" 2>&1
	timeout 120 ssh "${ssh_opts[@]}" root@127.0.0.1 'tar -C /var/tmp -cf - vm-test' \
		2>/dev/null | tar -C "$out" -xf - 2>/dev/null
}
verdict() {
	collect
	stop_vm
	rm -f "$out/disk.qcow2"
	[ -f "$out/figures.txt" ] && { echo "figures:"; sed 's/^/  /' "$out/figures.txt"; }
	echo "VM-TEST: $1 ($(el "$T0") s; logs in $out)"
	[ "${1%% *}" = PASS ] && exit 0
	exit 1
}
trap 'verdict "FAIL interrupted"' INT TERM

[ "$(id -u)" = 0 ] || verdict "FAIL must run as root (debootstrap, chroot)"
for t in qemu-system-x86_64 qemu-img debootstrap ssh scp ss; do
	command -v $t >/dev/null ||
		verdict "FAIL $t missing: run XENSHM_DEPS_VM=1 scripts/deps.sh"
done
pkc=$build/test/pktcheck/xenshm-pktcheck
[ -x "$pkc" ] || verdict "FAIL $pkc missing: build first"
ls "$debdir"/*.deb >/dev/null 2>&1 || verdict "FAIL no .deb in $debdir: make deb"
rm -rf "$out"
mkdir -p "$out"
echo "VM-TEST: phases=$phases debs=$debdir"

# 1. The image (cached) and what goes into the VM: the packages, the
#    checker, the commands from the docs, the phase scripts.
img=$("$here/mk-image.sh" 2> >(tee "$out/mk-image.log" >&2)) ||
	verdict "FAIL building the image (see $out/mk-image.log)"
step "image"
p=$out/payload
mkdir -p "$p/debs" "$p/bin"
cp "$debdir"/*.deb "$p/debs/"
cp "$pkc" "$p/bin/"
# The checker's shared libraries, as Debian packages (the VM installs them
# after our packages: test tooling, not something the docs ask for).
# (By file name: ldd says /lib/..., dpkg knows /usr/lib/... on usrmerge.)
ldd "$pkc" | awk '$3 ~ /^\// {n = split($3, a, "/"); print "*/" a[n]}' |
	xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | grep '^librte-' | sort -u \
	> "$p/bin/pktcheck-deps.txt"
grep -q librte-ethdev "$p/bin/pktcheck-deps.txt" ||
	verdict "FAIL cannot tell the packages of xenshm-pktcheck's libraries"
cp -r "$here/guest" "$p/guest"
"$here/extract-docs.sh" "$p/docs" "$src/README.md" "$src"/docs/*.md \
	> "$out/extract.log" 2>&1 ||
	{ cat "$out/extract.log"; verdict "FAIL extracting the commands from the docs"; }
echo "VM-TEST: doc blocks: $(ls "$p/docs" | sed 's/\.sh$//' | tr '\n' ' ')"

# 2. Boot: a copy-on-write overlay of the cached disk; ssh through a port
#    of QEMU's user network on the loopback.
qemu-img create -q -f qcow2 -F raw -b "$img/disk.img" "$out/disk.qcow2" ||
	verdict "FAIL qemu-img"
port=
for _ in $(seq 50); do
	c=$(( 20000 + RANDOM % 20000 ))
	ss -Htln "sport = :$c" | grep -q . || { port=$c; break; }
done
[ -n "$port" ] || verdict "FAIL no free local port"
ssh_opts=(-i "$img/id_ed25519" -p "$port" -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10
	-o ServerAliveInterval=15 -o ServerAliveCountMax=8)
vssh() { ssh "${ssh_opts[@]}" root@127.0.0.1 "$@"; }
qemu-system-x86_64 -M pc -accel tcg,thread=multi -cpu max -m "$mem" -smp 2 \
	-display none -no-reboot -serial file:"$out/serial.log" \
	-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 net.ifnames=1" \
	-drive file="$out/disk.qcow2",if=virtio,format=qcow2,cache=unsafe \
	-nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22 \
	< /dev/null > "$out/qemu.log" 2>&1 &
qpid=$!
echo "VM-TEST: qemu pid $qpid, ssh port $port, serial console in $out/serial.log"
up=
for _ in $(seq 300); do
	kill -0 $qpid 2>/dev/null || break
	vssh true 2>/dev/null && { up=1; break; }
	sleep 2
done
[ -n "$up" ] || { tail -20 "$out/serial.log"; verdict "FAIL the VM did not come up (ssh)"; }
step "boot to ssh"
tar -C "$p" -cf - . | vssh 'rm -rf /root/vm-test && mkdir /root/vm-test && tar -C /root/vm-test -xf -' ||
	verdict "FAIL copying the payload in"

# 3. The phases, one ssh session each.  Each prints "VM-FIG key=value"
#    lines (figures) and ends with "VM-PHASE <name> PASS|FAIL <why>".
: > "$out/figures.txt"
failed=
for ph in ${phases//,/ }; do
	[ -f "$here/guest/phase-$ph.sh" ] || verdict "FAIL unknown phase $ph"
	echo "VM-TEST: phase $ph"
	timeout "$ptimeout" ssh "${ssh_opts[@]}" root@127.0.0.1 \
		"cd /root/vm-test && bash guest/phase-$ph.sh" \
		< /dev/null > "$out/$ph.log" 2>&1
	rc=$?
	grep -E '^VM-(FIG|NOTE) ' "$out/$ph.log" | sed 's/^/  /'
	grep '^VM-FIG ' "$out/$ph.log" | sed "s/^VM-FIG /$ph: /" >> "$out/figures.txt"
	res=$(grep '^VM-PHASE ' "$out/$ph.log" | tail -n1)
	step "phase $ph"
	if [ $rc -ne 0 ] || [ "${res#VM-PHASE $ph PASS}" = "$res" ]; then
		tail -n 40 "$out/$ph.log" | sed 's/^/  | /'
		[ $rc = 124 ] && res="timeout after ${ptimeout}s"
		failed="$ph: ${res#VM-PHASE $ph }"
		break
	fi
	echo "  $res"
done
[ -n "$failed" ] && verdict "FAIL $failed"
verdict "PASS phases $phases"
