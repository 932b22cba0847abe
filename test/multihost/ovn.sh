#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# ovn.sh BUILD_DIR ("make test-multihost" runs it after multihost.sh)
#
# The same two hosts as multihost.sh (netns, OVS-DPDK, br-phy, veth wire
# taken by net_af_packet), but the overlay is OVN's: Debian's ovn-central
# (NB and SB ovsdb-servers, ovn-northd) runs in the test's directory,
# ovn-controller runs in each host's namespace against that host's OVS,
# creates the Geneve tunnel between the chassis and installs br-int's
# flows.  Guest ports are plain xenshm DPDK ports on br-int with
# external_ids:iface-id naming a logical switch port: that is the whole
# binding, nothing xenshm-specific.
#
#   logical switch red:  red-A1 (host A, guest A1)  red-B1 (host B, B1)
#   logical switch blue: blue-A2 (host A, A2)       blue-B2 (host B, B2)
#
# Phase 1: A1 and A2 send at the same time (broadcast frames, flooded in
# their logical switch); B1 must receive A1's and nothing of A2's, B2 the
# other way round.  The wire shows Geneve with each logical switch's
# tunnel key as VNI, and no other VNI.
# Phase 2 (positive control): B2's interface is re-bound to a new port
# red-B2 of switch red (only its iface-id changes); A1 sends again, and now
# B2 receives it.
# Environment as multihost.sh (MH_RATE, MH_COUNT, MH_MIN_PCT, MH_OVS_MEM).

set -uo pipefail
B=${1:?usage: $0 BUILD_DIR}
B=$(cd "$B" && pwd) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd)
export XENSHM_GUEST_PMD=$B/guest-pmd/librte_net_xenshm_guest.so
export XENSHM_DOMS_PMD=$B/drivers/net/xenshm/librte_net_xenshm.so
# shellcheck source=../lib/xenshm-test.sh
. "$HERE/../lib/xenshm-test.sh"
xt_init multihost-ovn
for c in ovn-northd ovn-controller ovn-nbctl ovn-sbctl ovn-appctl; do
	command -v $c >/dev/null || xt_skip "$c missing (apt-get install ovn-central ovn-host)"
done
for s in ovn-nb ovn-sb; do
	[ -f /usr/share/ovn/$s.ovsschema ] || xt_skip "/usr/share/ovn/$s.ovsschema missing"
done
# shellcheck source=hosts.sh
. "$HERE/hosts.sh"

RATE=${MH_RATE:-20000}
COUNT=${MH_COUNT:-100000}
MIN_PCT=${MH_MIN_PCT:-95}
SIZES=60,200,1000,1400	# 1400 + 58 (Geneve with OVN's option) < 1500
# shellcheck source=guests.sh
. "$HERE/guests.sh"

# --- central: NB and SB databases, ovn-northd ------------------------------
C=$XT_DIR/central
mkdir -p "$C"
OVN_PIDS=()
ovn_down() {
	local pid i
	for pid in "${OVN_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		kill -9 "$pid" 2>/dev/null
	done
	return 0
}
# before mh_down: each ovn-controller goes before its OVS
XT_CLEANUP_HOOKS=(ovn_down "${XT_CLEANUP_HOOKS[@]}")
ovn_pid() { # remember the daemon whose pidfile is $1
	local i
	for i in $(seq 1 100); do
		[ -s "$1" ] && { OVN_PIDS+=("$(cat "$1")"); return 0; }
		sleep 0.1
	done
	xt_fail "no pidfile $1"
}
for db in nb sb; do
	ovsdb-tool create "$C/$db.db" /usr/share/ovn/ovn-$db.ovsschema ||
		xt_fail "ovsdb-tool create $db"
	ovsdb-server "$C/$db.db" --remote=punix:"$C/$db.sock" \
		--pidfile="$C/$db.pid" --unixctl="$C/$db.ctl" \
		--log-file="$C/$db.log" -vconsole:off --detach --no-chdir ||
		xt_fail "ovsdb-server ($db) did not start"
	ovn_pid "$C/$db.pid"
done
ovn-northd --ovnnb-db=unix:"$C/nb.sock" --ovnsb-db=unix:"$C/sb.sock" \
	--pidfile="$C/northd.pid" --unixctl="$C/northd.ctl" \
	--log-file="$C/northd.log" -vconsole:off --detach --no-chdir ||
	xt_fail "ovn-northd did not start"
ovn_pid "$C/northd.pid"
XT_LOG[northd]=$C/northd.log
NBCTL="ovn-nbctl --db=unix:$C/nb.sock --timeout=60"
SBCTL="ovn-sbctl --db=unix:$C/sb.sock --timeout=60"
$NBCTL init

# --- hosts, wire, one ovn-controller per host ------------------------------
mh_host A 192.0.2.1 02:00:c0:00:02:01
mh_host B 192.0.2.2 02:00:c0:00:02:02
mh_wire A B
for h in A B; do
	d=${MH_DIR[$h]}
	# br-int as ovn-controller would create it, but netdev: made here so
	# that the guest ports can be added before the controller runs
	mh_vsctl $h add-br br-int -- set bridge br-int datapath_type=netdev \
		fail_mode=secure other_config:disable-in-band=true
	mh_vsctl $h set Open_vSwitch . external_ids:system-id=host-$h \
		external_ids:ovn-remote="unix:$C/sb.sock" \
		external_ids:ovn-encap-type=geneve \
		external_ids:ovn-encap-ip="${MH_IP[$h]}" \
		external_ids:ovn-bridge=br-int \
		external_ids:ovn-bridge-datapath-type=netdev
	# OVS_RUNDIR: ovn-controller opens br-int.mgmt in the host's run dir
	OVS_RUNDIR=$d/run OVN_RUNDIR=$d/run OVN_LOGDIR=$d/log \
		ip netns exec "${MH_NS[$h]}" ovn-controller "unix:$d/run/db.sock" \
		--pidfile="$d/run/ovn-controller.pid" \
		--log-file="$d/log/ovn-controller.log" -vconsole:off --detach \
		--no-chdir || xt_fail "$h: ovn-controller did not start"
	ovn_pid "$d/run/ovn-controller.pid"
	XT_LOG[ovn-controller-$h]=$d/log/ovn-controller.log
done

# --- logical topology; guest ports bound by iface-id ------------------------
lsp() { # lsp SWITCH PORT: a port that takes any MAC (no port security)
	$NBCTL --may-exist ls-add "$1" -- lsp-add "$1" "$2" -- \
		lsp-set-addresses "$2" unknown
}
lsp red red-A1
lsp red red-B1
lsp blue blue-A2
lsp blue blue-B2
for h in A B; do
	for n in 1 2; do
		[ $n = 1 ] && ls=red || ls=blue
		mh_vsctl $h add-port br-int $h$n -- set Interface $h$n type=dpdk \
			"options:dpdk-devargs=net_xenshm$((n - 1)),path=$XT_DIR/$h$n.sock" \
			external_ids:iface-id=$ls-$h$n
	done
done
for p in red-A1 red-B1 blue-A2 blue-B2; do
	$NBCTL wait-until Logical_Switch_Port $p up=true ||
		xt_fail "logical port $p not up (not bound by ovn-controller)"
done
$NBCTL --wait=hv sync || xt_fail "ovn-nbctl --wait=hv sync"
KEY_RED=$($SBCTL --bare --columns=tunnel_key find Datapath_Binding external_ids:name=red)
KEY_BLUE=$($SBCTL --bare --columns=tunnel_key find Datapath_Binding external_ids:name=blue)
xt_log "OVN: chassis $($SBCTL --bare --columns=name list Chassis | xargs),\
 switch red key $KEY_RED, blue key $KEY_BLUE"
for h in A B; do
	xt_log "$h br-int: $(mh_vsctl $h list-ports br-int | xargs);\
 tunnel $(mh_vsctl $h --bare --columns=name,type,options find Interface type=geneve | xargs)"
	for n in 1 2; do
		xt_log "  $h$n bound: $($SBCTL --bare --columns=logical_port,chassis find Port_Binding \
logical_port=$(mh_vsctl $h get Interface $h$n external_ids:iface-id) | xargs)"
	done
done

# --- traffic ----------------------------------------------------------------
RX="--rx-port 0 --sizes $SIZES --report-interval 200 --link-wait 30000"
pkc B1 B1 "$RX"
pkc B2 B2 "$RX"
for p in B1 B2; do mh_wait_link B $p 60; done
wire_start B "udp port 6081"

xt_log "phase 1: A1 on switch red, A2 on blue, $COUNT frames each at $RATE/s"
send A1 A1 0
send A2 A2 100
settle B B1 B2 -- A1 A2
S_A1=$(pkv A1 session) S_A2=$(pkv A2 session)

xt_log "phase 2 (positive control): B2's interface re-bound to red-B2 (switch red)"
$NBCTL lsp-add red red-B2 -- lsp-set-addresses red-B2 unknown
mh_vsctl B set Interface B2 external_ids:iface-id=red-B2
$NBCTL wait-until Logical_Switch_Port red-B2 up=true || xt_fail "red-B2 not up"
$NBCTL --wait=hv sync
send A1x A1 0
settle B B1 B2 -- A1x
S_A1x=$(pkv A1x session)

pkc_end B1 int 90
R_B1=$PK_RC
pkc_end B2 int 90
R_B2=$PK_RC

# --- figures and verdict ----------------------------------------------------
# where frames were lost: a guest's frames that OVS did not take in time
# are dropped by the guest's PMD (ring full), so A's port rx < sent
mh_where_lost A tx A1 A2
mh_where_lost B rx B1 B2
for id in B1 B2; do
	xt_log "$id: $(grep '^pktcheck: tx=' "${PK_LOG[$id]}" | tail -1 | cut -d' ' -f3-8)"
done
read -r b1_a1 b1_a1_flows < <(from_session B1 "$S_A1")
read -r b1_a2 _ < <(from_session B1 "$S_A2")
read -r b2_a2 b2_a2_flows < <(from_session B2 "$S_A2")
read -r b2_a1 _ < <(from_session B2 "$S_A1")
read -r b1_a1x _ < <(from_session B1 "$S_A1x")
read -r b2_a1x b2_a1x_flows < <(from_session B2 "$S_A1x")
printf '%-36s %8s %8s %8s\n' "stream" sent "at B1" "at B2" \
	"phase 1 A1 (red-A1)" "$COUNT" "$b1_a1" "$b2_a1" \
	"phase 1 A2 (blue-A2)" "$COUNT" "$b1_a2" "$b2_a2" \
	"phase 2 A1 (B2 re-bound to red-B2)" "$COUNT" "$b1_a1x" "$b2_a1x"

wire_stop
others=0
for v in "${!WIRE_VNI[@]}"; do
	[ "$v" = "$KEY_RED" ] || [ "$v" = "$KEY_BLUE" ] || others=$((others + WIRE_VNI[$v]))
done
xt_log "wire (host B's veth end, tcpdump): $WIRE_FRAMES Geneve frames (${WIRE_DROPS:-?} dropped by the capture): VNI $KEY_RED (red) ${WIRE_VNI[$KEY_RED]:-0}, VNI $KEY_BLUE (blue) ${WIRE_VNI[$KEY_BLUE]:-0}, other VNIs $others"

min=$((COUNT * MIN_PCT / 100))
for id in B1 B2; do
	[ $id = B1 ] && rc=$R_B1 || rc=$R_B2
	xt_check "$id: receiver exit status (1: corrupted or duplicated frames)" "$rc" -eq 0
	for k in corrupted duplicated reordered stale foreign; do
		xt_check "$id: $k" "$(pkv $id $k)" -eq 0
	done
done
# every frame OVS put into a guest's ring reached the guest's checker
for id in B1 B2; do
	xt_check "$id received what OVS B put into its ring" "$(pkv $id rx)" -eq \
		"$(mh_port_stat B br-int $id tx pkts)"
done
xt_check "A1 -> B1 through OVN (switch red, flows $b1_a1_flows)" "$b1_a1" -ge "$min"
xt_check "A2 -> B2 through OVN (switch blue, flows $b2_a2_flows)" "$b2_a2" -ge "$min"
xt_check "isolation: nothing of A1 (red) at B2 (blue)" "$b2_a1" -eq 0
xt_check "isolation: nothing of A2 (blue) at B1 (red)" "$b1_a2" -eq 0
xt_check "control: B2 re-bound to red-B2 receives A1 (flows $b2_a1x_flows)" "$b2_a1x" -ge "$min"
xt_check "wire: switch red's VNI $KEY_RED seen" "${WIRE_VNI[$KEY_RED]:-0}" -gt 0
xt_check "wire: switch blue's VNI $KEY_BLUE seen" "${WIRE_VNI[$KEY_BLUE]:-0}" -gt 0
xt_check "wire: no other VNI" "$others" -eq 0
xt_log "PASS: OVN bound xenshm ports by iface-id; A1->B1 $b1_a1/$COUNT, A2->B2 $b2_a2/$COUNT over Geneve; cross-switch 0 and 0; control $b2_a1x/$COUNT"
