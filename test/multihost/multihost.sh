#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# multihost.sh BUILD_DIR ("make test-multihost"; not part of "make test")
#
# Two simulated hosts (test/multihost/hosts.sh), each a network namespace
# with its own OVS-DPDK as DomS, joined by a VXLAN tunnel over a veth wire
# that each OVS drives as a DPDK port (net_af_packet):
#
#   host A (netns)                              host B (netns)
#   guest A1 --xenshm-- br-int                  br-int --xenshm-- guest B1
#   guest A2 --xenshm--   | vx (vxlan,          | vx   --xenshm-- guest B2
#                         |  key=flow)          |
#                       br-phy 192.0.2.1     br-phy 192.0.2.2
#                         | wire (af_packet)    | wire
#                         +======= veth ========+
#
# Tenant red is VNI 100 (A1, B1), tenant blue VNI 200 (A2, B2).  br-int's
# OpenFlow rules put a guest's frames into its tenant's VNI
# (set_field:N->tun_id) and deliver a VNI only to that tenant's guest;
# anything else is dropped.  Guests are xenshm-pktcheck processes
# (net_xenshm_guest); every frame carries session, flow, seq and a CRC.
#
# Phase 1 (isolation): A1 (flows 0-3) and A2 (flows 100-103) send at the
# same time; B1 must receive A1's frames, verified and (nearly) all of
# them, and nothing of A2's; B2 the other way round.  tcpdump on B's end of
# the wire shows the VXLAN headers: VNI 100 and 200, no other.
# Phase 2 (positive control, shows the isolation check can fail): host A's
# rule for A1 is changed to VNI 200; A1 sends again (a new session); now
# B2 must receive it and B1 must not.
# Receivers B1, B2 run through both phases; frames are attributed to the
# sending process by pktcheck's session id (per-flow JSON).
#
# Environment: MH_RATE (frames/s per sender, default 20000), MH_COUNT
# (frames per sender, default 100000), MH_MIN_PCT (share of the sent
# frames that must arrive, default 95: the PMD threads of both hosts share
# one CPU and drop, counted, when a ring is full), MH_OVS_MEM (MB each).

set -uo pipefail
B=${1:?usage: $0 BUILD_DIR}
B=$(cd "$B" && pwd) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd)
export XENSHM_GUEST_PMD=$B/guest-pmd/librte_net_xenshm_guest.so
export XENSHM_DOMS_PMD=$B/drivers/net/xenshm/librte_net_xenshm.so
# shellcheck source=../lib/xenshm-test.sh
. "$HERE/../lib/xenshm-test.sh"
xt_init multihost
# shellcheck source=hosts.sh
. "$HERE/hosts.sh"
# shellcheck source=guests.sh
. "$HERE/guests.sh"

RATE=${MH_RATE:-20000}
COUNT=${MH_COUNT:-100000}
MIN_PCT=${MH_MIN_PCT:-95}
SIZES=60,200,1000,1450	# 1450 + 50 bytes of VXLAN/UDP/IP/Ethernet = 1500
VNI_RED=100 VNI_BLUE=200

# --- two hosts and the wire ---------------------------------------------
mh_host A 192.0.2.1 02:00:c0:00:02:01
mh_host B 192.0.2.2 02:00:c0:00:02:02
mh_wire A B

# br-int on each host: guest ports 1 and 2, VXLAN port 10 (key=flow: the
# VNI comes from the rules).  ofport_request keeps the rules readable.
for h in A B; do
	[ $h = A ] && peer=B || peer=A
	mh_vsctl $h add-br br-int -- set bridge br-int datapath_type=netdev
	for n in 1 2; do
		mh_vsctl $h add-port br-int $h$n -- set Interface $h$n type=dpdk \
			ofport_request=$n \
			"options:dpdk-devargs=net_xenshm$((n - 1)),path=$XT_DIR/$h$n.sock"
	done
	mh_vsctl $h add-port br-int vx -- set Interface vx type=vxlan \
		ofport_request=10 options:remote_ip="${MH_IP[$peer]}" options:key=flow
	mh_ofctl $h del-flows br-int
	mh_ofctl $h add-flow br-int "in_port=1,actions=set_field:$VNI_RED->tun_id,output:10"
	mh_ofctl $h add-flow br-int "in_port=2,actions=set_field:$VNI_BLUE->tun_id,output:10"
	mh_ofctl $h add-flow br-int "in_port=10,tun_id=$VNI_RED,actions=output:1"
	mh_ofctl $h add-flow br-int "in_port=10,tun_id=$VNI_BLUE,actions=output:2"
	errs=$(mh_vsctl $h --bare --columns=name,error find Interface 'error!=[]' | tr '\n' ' ')
	[ -z "${errs// /}" ] || xt_fail "$h: OVS interface errors: $errs"
done
xt_log "host A tunnel route: $(mh_appctl A ovs/route/show | grep 192.0.2.0/24 | tr -s " ")"
xt_log "host A neighbours: $(mh_appctl A tnl/neigh/show | grep 192.0.2 | tr -s ' ')"

# --- receivers B1, B2 (through both phases), capture on the wire --------
RX="--rx-port 0 --sizes $SIZES --report-interval 200 --link-wait 30000"
pkc B1 B1 "$RX"
pkc B2 B2 "$RX"
for p in B1 B2; do mh_wait_link B $p 60; done
wire_start B "udp port 4789"

xt_log "phase 1: A1 -> VNI $VNI_RED, A2 -> VNI $VNI_BLUE, $COUNT frames each at $RATE/s"
send A1 A1 0
send A2 A2 100
settle B B1 B2 -- A1 A2
S_A1=$(pkv A1 session) S_A2=$(pkv A2 session)

xt_log "phase 2 (positive control): host A maps A1 to VNI $VNI_BLUE"
mh_ofctl A mod-flows br-int "in_port=1,actions=set_field:$VNI_BLUE->tun_id,output:10"
send A1x A1 0
settle B B1 B2 -- A1x
S_A1x=$(pkv A1x session)

pkc_end B1 int 90
R_B1=$PK_RC
pkc_end B2 int 90
R_B2=$PK_RC

# --- figures --------------------------------------------------------------
# where frames were lost: a guest's frames that OVS did not take in time
# are dropped by the guest's PMD (ring full), so A's port rx < sent
mh_where_lost A tx A1 A2
mh_where_lost B rx B1 B2
for h in A B; do
	xt_log "host $h br-int rules (packets since the start; phase 2 changed A's in_port=1):"
	mh_ofctl $h dump-flows br-int |
		sed -nE 's/.*n_packets=([0-9]+).* ([^ ]+) actions=(.*)/  \2 -> \3: \1/p'
done
for id in B1 B2; do
	xt_log "$id: $(grep '^pktcheck: tx=' "${PK_LOG[$id]}" | tail -1 | cut -d' ' -f3-8)"
done
read -r b1_a1 b1_a1_flows < <(from_session B1 "$S_A1")
read -r b1_a2 _ < <(from_session B1 "$S_A2")
read -r b1_a1x _ < <(from_session B1 "$S_A1x")
read -r b2_a2 b2_a2_flows < <(from_session B2 "$S_A2")
read -r b2_a1 _ < <(from_session B2 "$S_A1")
read -r b2_a1x b2_a1x_flows < <(from_session B2 "$S_A1x")
printf '%-36s %8s %8s %8s %8s\n' "stream" sent "at B1" "at B2" lost \
	"phase 1 A1 (red, VNI $VNI_RED)" "$COUNT" "$b1_a1" "$b2_a1" $((COUNT - b1_a1)) \
	"phase 1 A2 (blue, VNI $VNI_BLUE)" "$COUNT" "$b1_a2" "$b2_a2" $((COUNT - b2_a2)) \
	"phase 2 A1 mapped to VNI $VNI_BLUE" "$COUNT" "$b1_a1x" "$b2_a1x" $((COUNT - b2_a1x))

wire_stop
others=0
for v in "${!WIRE_VNI[@]}"; do
	[ "$v" = $VNI_RED ] || [ "$v" = $VNI_BLUE ] || others=$((others + WIRE_VNI[$v]))
done
xt_log "wire (host B's veth end, tcpdump): $WIRE_FRAMES VXLAN frames (${WIRE_DROPS:-?} dropped by the capture): VNI $VNI_RED ${WIRE_VNI[$VNI_RED]:-0}, VNI $VNI_BLUE ${WIRE_VNI[$VNI_BLUE]:-0}, other VNIs $others"

# --- verdict --------------------------------------------------------------
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
# and host B's rules sent every tunnel frame to one guest port
o=0
for id in B1 B2; do
	o=$((o + $(mh_port_stat B br-int $id tx pkts) + $(mh_port_stat B br-int $id tx drop) +
		$(mh_port_stat B br-int $id tx errs)))
done
xt_check "host B: wire rx == guest ports' tx + dropped" "$(mh_port_stat B br-phy wire rx pkts)" -eq "$o"
xt_check "A1 -> B1 across the tunnel, same tenant (flows $b1_a1_flows)" "$b1_a1" -ge "$min"
xt_check "A2 -> B2 across the tunnel, same tenant (flows $b2_a2_flows)" "$b2_a2" -ge "$min"
xt_check "isolation: nothing of A1 (red) at B2 (blue)" "$b2_a1" -eq 0
xt_check "isolation: nothing of A2 (blue) at B1 (red)" "$b1_a2" -eq 0
xt_check "control: A1 on VNI $VNI_BLUE reaches B2 (flows $b2_a1x_flows)" "$b2_a1x" -ge "$min"
xt_check "control: A1 on VNI $VNI_BLUE not at B1" "$b1_a1x" -eq 0
xt_check "wire: VNI $VNI_RED frames seen" "${WIRE_VNI[$VNI_RED]:-0}" -gt 0
xt_check "wire: VNI $VNI_BLUE frames seen" "${WIRE_VNI[$VNI_BLUE]:-0}" -gt 0
xt_check "wire: no other VNI" "$others" -eq 0
xt_log "PASS: A1->B1 $b1_a1/$COUNT, A2->B2 $b2_a2/$COUNT over VXLAN; cross-tenant 0 and 0; control (A1 on VNI $VNI_BLUE) $b2_a1x/$COUNT at B2"
