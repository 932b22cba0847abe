# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Phase "ovs": docs/ovs-dpdk.md, block by block, on the machine the
# switch phase left: doms-switch gives way to OVS-DPDK run by Debian's
# openvswitch-switch service; the guests forward through a netdev bridge
# with two xenshm ports whose rx queues are pinned (pmd-rxq-affinity).
# Then "systemctl restart openvswitch-switch" with the guests running:
# traffic must resume by itself.  The operator already had an EAL option
# in dpdk-extra; the runbook must keep it.
PHASE=ovs
. guest/lib.sh

doc ovs-stop-doms-switch
doc ovs-install
# The operator's own EAL option, set before the runbook touches dpdk-extra.
OPERATOR_EXTRA=--log-level=pmd.net.xenshm:info
ovs-vsctl set Open_vSwitch . other_config:dpdk-extra="$OPERATOR_EXTRA"
doc ovs-alternative
[ "$(readlink -f /etc/alternatives/ovs-vswitchd)" = /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk ] ||
	fail "the ovs-vswitchd alternative is $(readlink -f /etc/alternatives/ovs-vswitchd)"
doc ovs-hugepages
free0=$(awk '/HugePages_Free/{print $2}' /proc/meminfo)
t0=$(now_ms)
doc ovs-dpdk-init
wait_until 300 eval '[ "$(ovs-vsctl get Open_vSwitch . dpdk_initialized)" = true ]' || {
	tail -n 30 /var/log/openvswitch/ovs-vswitchd.log
	fail "OVS did not initialise DPDK"
}
fig "ovs_dpdk_init_ms=$(( $(now_ms) - t0 ))"
extra=$(ovs-vsctl get Open_vSwitch . other_config:dpdk-extra)
note "dpdk-extra is now: $extra"
case $extra in *"$OPERATOR_EXTRA"*) ;; *) fail "the runbook clobbered the operator's dpdk-extra ($extra)" ;; esac
case $extra in *--no-pci*) ;; *) fail "dpdk-extra lacks --no-pci ($extra)" ;; esac
doc ovs-ports
doc ovs-affinity
ports_ready() {
	local s
	for i in vm1 vm2; do
		s=$(ovs-vsctl get Interface $i admin_state) || return 1
		[ "$s" = up ] || return 1
	done
}
wait_until 120 ports_ready || {
	ovs-vsctl list interface vm1
	tail -n 30 /var/log/openvswitch/ovs-vswitchd.log
	fail "the xenshm ports did not come up in OVS"
}
for i in vm1 vm2; do
	e=$(ovs-vsctl get Interface $i error 2>/dev/null)
	[ -z "$e" ] || [ "$e" = '[]' ] || fail "interface $i: $e"
done
ovs-appctl dpif-netdev/pmd-rxq-show > "$ST/pmd-rxq-show.txt"
sed 's/^/  rxq| /' "$ST/pmd-rxq-show.txt"
# Pinned: both ports' queue 0 under core 1, which pinning isolates.
awk '/^pmd thread/ { c = ($0 ~ /core_id 1:/) } c && /isolated *: *true/ { iso = 1 }
     c && /port: *vm1 / { a = 1 } c && /port: *vm2 / { b = 1 }
     END { exit !(iso && a && b) }' "$ST/pmd-rxq-show.txt" ||
	fail "pmd-rxq-affinity: vm1 and vm2 are not on an isolated core 1"
fig "ovs_hugepages_used_mb=$(( (free0 - $(awk '/HugePages_Free/{print $2}' /proc/meminfo)) * 2 ))"

traffic_start
note "traffic flows: vm1 -> OVS br0 -> vm2 at $RATE frames/s"
pid0=$(pidof ovs-vswitchd)
rx0=$(rx_of vm2)
t0=$(now_ms)
doc ovs-restart
t_restart=$(now_ms)
pid1=$(pidof ovs-vswitchd)
[ -n "$pid1" ] && [ "$pid1" != "$pid0" ] || fail "ovs-vswitchd was not restarted ($pid0 -> $pid1)"
rx1=$(rx_of vm2)
wait_until 300 rx_above vm2 $((rx1 + RATE)) || {
	tail -n 30 /var/log/openvswitch/ovs-vswitchd.log
	fail "traffic did not resume within 300 s after the restart"
}
t_resume=$(now_ms)
traffic_stop
restart_gap=$(summary_of vm2 max_gap_ms)
restart_ms=$((t_restart - t0))
corrupted=$(summary_of vm2 corrupted)
duplicated=$(summary_of vm2 duplicated)
fig "restart_cmd_ms=$((t_restart - t0))"
fig "resumed_ms=$((t_resume - t0))"
fig "max_gap_ms=$(summary_of vm2 max_gap_ms)"
fig "sent=$(summary_of vm1 tx) received=$(summary_of vm2 rx) lost=$(summary_of vm2 lost) corrupted=$corrupted duplicated=$duplicated reordered=$(summary_of vm2 reordered)"
[ "$corrupted" = 0 ] && [ "$duplicated" = 0 ] ||
	fail "corrupted=$corrupted duplicated=$duplicated"
[ "$(summary_of vm2 result)" = PASS ] || fail "the checker says FAIL"

# A reconfiguration of one port (its rx descriptor count): OVS stops and
# starts that port; vm2 should see one detach and re-attach.
mv "$ST/vm1.log" "$ST/vm1-restart.log"; mv "$ST/vm2.log" "$ST/vm2-restart.log"
PIDS=()
traffic_start
# The PMD logs every link change of the port through OVS's log.
VSLOG=/var/log/openvswitch/ovs-vswitchd.log
ups() { grep -c 'net_xenshm_vm2: link up' "$VSLOG"; }
ups0=$(ups)
t0=$(now_ms)
doc ovs-reconfigure
if wait_until 120 eval '[ "$(ups)" -gt "$ups0" ]'; then
	note "vm2's port went down and up again: the guest re-attached $(( $(now_ms) - t0 )) ms after the reconfiguration began"
else
	note "vm2's port did not go down and up within 120 s of the reconfiguration"
fi
rx1=$(rx_of vm2)
wait_until 300 rx_above vm2 $((rx1 + RATE)) || fail "traffic did not resume within 300 s after the reconfiguration"
fig "reconfigure_resumed_ms=$(( $(now_ms) - t0 ))"
traffic_stop
fig "reconfigure_max_gap_ms=$(summary_of vm2 max_gap_ms) lost=$(summary_of vm2 lost) corrupted=$(summary_of vm2 corrupted) duplicated=$(summary_of vm2 duplicated)"
[ "$(summary_of vm2 corrupted)" = 0 ] && [ "$(summary_of vm2 duplicated)" = 0 ] ||
	fail "reconfiguration: corrupted or duplicated frames"
cp /var/log/openvswitch/ovs-vswitchd.log "$ST/" 2>/dev/null
doc ovs-remove-ports
pass "systemctl restart openvswitch-switch took $restart_ms ms, gap $restart_gap ms; a port reconfiguration: gap $(summary_of vm2 max_gap_ms) ms"
