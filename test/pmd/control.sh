#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# control.sh: everything around the data path, with Debian's dpdk-testpmd.
#   1. devargs: each bad value fails the probe with a message naming it
#   2. hot-plug: "port attach" / "port detach" (rte_dev_probe/remove) on
#      both sides, the other side follows (link down, reconnect), and a
#      re-attached guest gets traffic again
#   3. MTU: the guest refuses more than 9600, and its region follows its
#      MTU above the mtu= devarg
#   4. telemetry: /ethdev/xstats over the DPDK telemetry socket lists the
#      driver's xstats
# (secondary processes: test/pmd/secondary.sh)

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"
xt_init control
SOCK=$XT_DIR/g0.sock

# --- 1. devargs -------------------------------------------------------
probe_fails() { # "vdev" "expected message"
	local vdev=$1 msg=$2 so=$GUEST_SO out
	case $vdev in net_xenshm[0-9]*) so=$DOMS_SO ;; esac
	out=$(timeout 30 "$XT_TESTPMD" --lcores 0@0,1@1 --no-huge -m 128 \
		--no-pci --file-prefix "xt$$_pf" -d "$so" --vdev "$vdev" -- -i \
		--total-num-mbufs=1024 </dev/null 2>&1)
	rm -rf "/var/run/dpdk/xt$$_pf"
	echo "$out" | grep -q "No probed ethernet devices" ||
		xt_fail "probe of '$vdev' succeeded"
	echo "$out" | grep -qF -- "$msg" || {
		echo "$out" | tail -8
		xt_fail "'$vdev': no message '$msg'"
	}
	xt_log "ok: '$vdev' refused: $(echo "$out" | grep -F -- "$msg" | head -1)"
}
probe_fails "net_xenshm_guest0,path=$SOCK,foo=1" "unknown devarg 'foo'"
probe_fails "net_xenshm_guest0,path=$SOCK,ring-size=1000" "ring size 1000 is not a power of two"
probe_fails "net_xenshm_guest0,path=$SOCK,queues=0" "invalid queues=0"
probe_fails "net_xenshm_guest0,path=$SOCK,queues=17" "invalid queues=17"
probe_fails "net_xenshm_guest0,path=$SOCK,mtu=9000,slot-size=100" "invalid slot-size=100"
probe_fails "net_xenshm_guest0,path=$SOCK,mac=zz:00" "invalid mac=zz:00"
probe_fails "net_xenshm_guest0,queues=2" "transport=host needs path=<socket>"
probe_fails "net_xenshm_guest0,path=$SOCK,backend=1" "backend= and devid= are for transport=xen"
probe_fails "net_xenshm_guest0,path=$SOCK,queues=2,queues=3" "devarg 'queues' given twice"
probe_fails "net_xenshm0,path=$SOCK,transport=tcp" "invalid transport=tcp"
probe_fails "net_xenshm0,path=$SOCK,max-mtu=20000" "invalid max-mtu=20000"
probe_fails "net_xenshm0,path=$SOCK,domid=3" "domid= and devid= are for transport=xen"
probe_fails "net_xenshm0,path=$SOCK,reconnect-max-ms=x" "invalid reconnect-max-ms=x"
probe_fails "net_xenshm0,path=$SOCK,speed=0" "invalid speed=0"
probe_fails "net_xenshm_guest0,path=$SOCK,speed=500000" "invalid speed=500000"
probe_fails "net_xenshm_guest0,path=$SOCK,tx-full=wait" "invalid tx-full=wait: expected drop or backpressure"

# --- 2. hot-plug ------------------------------------------------------
ARGS="--nb-cores=1 --total-num-mbufs=8192"
xt_testpmd G 0 1 "-d $GUEST_SO" "$ARGS --forward-mode=txonly"
xt_testpmd D 1 0 "-d $DOMS_SO" "$ARGS --forward-mode=rxonly"
xt_sync G 30
xt_sync D 30
xt_run G "port attach net_xenshm_guest0,path=$SOCK"
grep -q "Port 0 is attached" "$XT_DIR/G.out" || xt_fail "guest port attach"
xt_run D "port attach net_xenshm0,path=$SOCK,speed=25000"
grep -q "Port 0 is attached" "$XT_DIR/D.out" || xt_fail "DomS port attach"
xt_run G "port start 0"
xt_run D "port start 0"
xt_wait_link G 0 up 30
xt_wait_link D 0 up 30
xt_log "ok: hot-plugged ports linked"
# link speed while up: the default on the guest, speed= on DomS
for s in "G 10 Gbps" "D 25 Gbps"; do
	xt_run "${s%% *}" "show port info 0"
	grep -q "^Link speed: ${s#* }" "$XT_DIR/${s%% *}.out" || {
		grep "^Link" "$XT_DIR/${s%% *}.out"
		xt_fail "${s%% *}: link speed is not ${s#* }"
	}
done
xt_log "ok: link speed 10 Gbps (guest, default) and 25 Gbps (DomS, speed=25000)"
xt_cmd D start
xt_cmd G start
sleep 0.5
xt_cmd G stop
xt_sync G
sleep 0.3
xt_xstats D 0
first=${XS[rx_good_packets]}
xt_check "traffic over hot-plugged ports" "$first" -gt 0

# guest port detached: DomS sees it go and comes back when it returns
# (stopped, not closed: rte_dev_remove -> the driver's remove closes it)
xt_run G "port stop 0"
xt_run G "port detach 0"
grep -q "is detached" "$XT_DIR/G.out" ||
	{ cat "$XT_DIR/G.out"; xt_fail "guest port detach"; }
[ ! -e "$SOCK" ] || xt_fail "guest socket $SOCK left behind after detach"
xt_wait_link D 0 down 30
xt_log "ok: guest detached, DomS link down, socket removed"
xt_run G "port attach net_xenshm_guest0,path=$SOCK"
xt_run G "port start 0"
xt_wait_link G 0 up 30
xt_wait_link D 0 up 30
xt_cmd G start
sleep 0.5
xt_cmd G stop
xt_sync G
sleep 0.3
xt_xstats D 0
xt_check "DomS reconnected by itself" "${XS[reconnects]}" -eq 1
xt_check "traffic after re-attach" "${XS[rx_good_packets]}" -gt "$first"
xt_check_clean D 0

# DomS port detached: the guest sees DomS go
xt_cmd D stop
# (closed by the application first, then the device removed)
xt_run D "port stop 0"
xt_run D "port close 0"
xt_run D "device detach net_xenshm0"
grep -q "is detached" "$XT_DIR/D.out" ||
	{ cat "$XT_DIR/D.out"; xt_fail "DomS device detach"; }
xt_wait_link G 0 down 30
xt_log "ok: DomS detached, guest link down"

# --- 3. MTU -----------------------------------------------------------
# The guest's MTU goes up to the protocol's 9600 (the region follows it;
# test/pmd/mtu.sh checks that with traffic); more is refused.
xt_run G "port stop 0"
xt_run G "port config mtu 0 9601"
xt_run G "show port info 0"
grep -q "^MTU: 1500" "$XT_DIR/G.out" || xt_fail "guest accepted MTU 9601 > 9600"
xt_run G "port config mtu 0 1600"
xt_run G "show port info 0"
grep -q "^MTU: 1600" "$XT_DIR/G.out" || xt_fail "guest refused MTU 1600"
grep -q "MTU 1500 -> 1600: shared a new region" "${XT_LOG[G]}" ||
	xt_fail "guest's region did not follow MTU 1600"
xt_run G "port config mtu 0 1000"
xt_run G "show port info 0"
grep -q "^MTU: 1000" "$XT_DIR/G.out" || xt_fail "guest refused MTU 1000"
grep -q "MTU 1600 -> 1500: shared a new region" "${XT_LOG[G]}" ||
	xt_fail "guest's region did not go back to mtu=1500 (the devarg's)"
xt_log "ok: guest MTU 9601 refused, 1600 accepted (a new region), 1000 accepted (region back at mtu=1500)"

# --- 4. telemetry -----------------------------------------------------
TSOCK=/var/run/dpdk/${XT_PREFIX[G]}/dpdk_telemetry.v2
[ -S "$TSOCK" ] || xt_fail "no telemetry socket $TSOCK"
names=$(python3 - "$TSOCK" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(4096)
s.send(b"/ethdev/xstats,0")
d = json.loads(s.recv(1 << 20).decode())
print(" ".join(sorted(d["/ethdev/xstats"].keys())))
PY
) || xt_fail "telemetry query failed"
for n in tx_ring_full_drops tx_link_down_drops reconnects port_disabled \
		err_desc_out_of_bounds err_ring_prod_ahead rx_q0_nombuf \
		tx_q0_ring_full_drops; do
	[[ " $names " == *" $n "* ]] || xt_fail "telemetry lacks xstat $n"
done
xt_log "ok: telemetry /ethdev/xstats,0 lists $(echo "$names" | wc -w) xstats incl. the driver's"

xt_quit G
xt_quit D
xt_log "PASS"
