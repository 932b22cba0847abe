#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# check-topology.sh BUILD_DIR: the topology and scenarios of
# TestSuite_xenshm.py without DTS, on tap interfaces where DTS needs PCI
# ports (DTS 24.11 cannot describe taps: README.md, "Limits"):
#
#   scapy -> tap A -> net_tap0 (port 0) -> testpmd DomS -> net_xenshm0 (port 2)
#   scapy <- tap B <- net_tap1 (port 1) <-    (chained, portlist 0,2,1)   <- ring
#                                             xenshm-peer.sh guest (io, loop) <-'
#
#   link follows the peer   no guest: down; start: up; stop: down; start: up
#   forward both ways       16 marked frames come back intact on tap B;
#                           net_xenshm0 counted >= 16 tx and rx
#   peer restart            SIGKILL the guest: link down, 0 of 8 come back;
#                           new guest: up, 16 of 16 again, reconnects = 2
# Jumbo frames are not checked here: net_tap's max_rx_pktlen is 1522
# (drivers/net/tap/rte_eth_tap.c, DPDK 22.11); pmd-traffic-9000-* in
# make test cover jumbo frames over xenshm.
# Exit 0 pass, 1 fail, 77 skip.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: check-topology.sh BUILD_DIR}" && pwd)
export XENSHM_GUEST_PMD=$build/guest-pmd/librte_net_xenshm_guest.so
export XENSHM_DOMS_PMD=$build/drivers/net/xenshm/librte_net_xenshm.so
. "$here/../test/lib/xenshm-test.sh"

py=${DTS_PYTHON:-/usr/bin/python3}
"$py" -c "import scapy" 2>/dev/null || xt_skip "$py has no scapy (apt-get install python3-scapy)"
[ -c /dev/net/tun ] || xt_skip "no /dev/net/tun"
xt_init dts-topology
SOCK=$XT_DIR/vm1.sock
TAP_A=xd$$a
TAP_B=xd$$b
export XENSHM_DTS_STATE=$XT_DIR/peer-state
export XENSHM_DTS_PMDS=$XT_STAGE
export XENSHM_DTS_TESTPMD=$XT_TESTPMD
export XENSHM_DTS_PEER_LCORES=0@1,1@0
peer() { "$here/xenshm-peer.sh" "$@"; }
stop_peer() { "$here/xenshm-peer.sh" stop >/dev/null 2>&1; }
XT_CLEANUP_HOOKS+=(stop_peer)

# frames sent on tap A that come back on tap B, intact: "R" of "returned R of N"
returned() {
	local tag=$1 count=$2 out
	out=$("$py" "$here/tap-traffic.py" --tx "$TAP_A" --rx "$TAP_B" \
		--tag "$tag" --count "$count" --wait "${3:-3}") || xt_fail "tap-traffic.py failed: $out"
	xt_log "$tag: $out" >&2
	echo "$out" | awk '{ print $2 }'
}

# port 2's "show port stats" RX-packets and TX-packets
xenshm_stats() {
	xt_run doms "show port stats 2"
	tr -d '\r' <"$XT_DIR/doms.out" |
		awk '/RX-packets:/ { rx = $2 } /TX-packets:/ { tx = $2 } END { print rx, tx }'
}

xt_testpmd doms 0 1 \
	"-d $DOMS_SO --vdev net_tap0,iface=$TAP_A --vdev net_tap1,iface=$TAP_B --vdev net_xenshm0,path=$SOCK" \
	"--forward-mode=io --port-topology=chained --portlist=0,2,1 --total-num-mbufs=16384"
xt_sync doms 60
for tap in "$TAP_A" "$TAP_B"; do
	# no IPv6 router solicitations and the like from the kernel on the taps
	sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" 2>/dev/null
	ip link set "$tap" up
done
xt_cmd doms "start"

# link follows the peer
xt_wait_link doms 2 down 5
peer start "$SOCK" >/dev/null || xt_fail "peer start"
xt_wait_link doms 2 up 10
peer stop >/dev/null
xt_wait_link doms 2 down 10
peer start "$SOCK" >/dev/null || xt_fail "peer start (2nd)"
xt_wait_link doms 2 up 10
xt_log "ok: link followed the peer (down, up, down, up)"

# forward both ways
read -r rx0 tx0 < <(xenshm_stats)
xt_check "frames back through the guest" "$(returned fwd 16)" -eq 16
read -r rx1 tx1 < <(xenshm_stats)
xt_check "net_xenshm0 tx to the guest" $((tx1 - tx0)) -ge 16
xt_check "net_xenshm0 rx from the guest" $((rx1 - rx0)) -ge 16

# peer restart
peer kill >/dev/null
xt_wait_link doms 2 down 10
xt_check "frames back with no guest" "$(returned gone 8 1)" -eq 0
peer start "$SOCK" >/dev/null || xt_fail "peer start after kill"
xt_wait_link doms 2 up 10
xt_check "frames back after the restart" "$(returned after 16)" -eq 16
xt_xstats doms 2
xt_check "net_xenshm0 reconnects" "${XS[reconnects]}" -eq 2

peer stop >/dev/null
xt_quit doms
xt_log "PASS"
