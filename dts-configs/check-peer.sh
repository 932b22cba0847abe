#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# check-peer.sh BUILD_DIR: exercise xenshm-peer.sh, the guest end that
# TestSuite_xenshm.py starts and kills, without DTS: a DomS testpmd (this
# machine's dpdk-testpmd, the DPDK the PMDs in BUILD_DIR were built for)
# with net_xenshm0 watches the peer come and go.
#   start -> link up; io bounce (DomS tx_first 32, loop): DomS receives
#   what it sent back from the peer, both ring directions; stop -> link
#   down, pid file gone; start again -> up; kill (SIGKILL) -> down, the
#   killed peer's runtime dir gone; start -> up, DomS counted 2 reconnects;
#   a second start is refused; start with MTU 9000 -> DomS sees MTU 9000.
# Exit 0 pass, 1 fail, 77 skip (no root or no testpmd).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: check-peer.sh BUILD_DIR}" && pwd)
export XENSHM_GUEST_PMD=$build/guest-pmd/librte_net_xenshm_guest.so
export XENSHM_DOMS_PMD=$build/drivers/net/xenshm/librte_net_xenshm.so
. "$here/../test/lib/xenshm-test.sh"

xt_init dts-peer
SOCK=$XT_DIR/vm1.sock
export XENSHM_DTS_STATE=$XT_DIR/peer-state
export XENSHM_DTS_PMDS=$XT_STAGE
export XENSHM_DTS_TESTPMD=$XT_TESTPMD
export XENSHM_DTS_PEER_LCORES=0@1,1@0
peer() { "$here/xenshm-peer.sh" "$@"; }
stop_peer() { "$here/xenshm-peer.sh" stop >/dev/null 2>&1; }
XT_CLEANUP_HOOKS+=(stop_peer)

xt_testpmd doms 0 1 "-d $DOMS_SO --vdev net_xenshm0,path=$SOCK" \
	"--forward-mode=io --total-num-mbufs=16384"
xt_sync doms 60
xt_wait_link doms 0 down 5

out=$(peer start "$SOCK") || xt_fail "peer start: $out"
xt_log "peer: $out"
xt_wait_link doms 0 up 10

xt_cmd doms "start tx_first 32"
end=$(($(xt_now_ms) + 10000))
while xt_xstats doms 0; [ "${XS[rx_good_packets]}" -lt 10000 ]; do
	[ "$(xt_now_ms)" -lt "$end" ] ||
		xt_fail "DomS got back ${XS[rx_good_packets]} frames from the peer in 10 s, want 10000"
	sleep 0.1
done
xt_log "DomS received ${XS[rx_good_packets]} frames back from the peer (sent ${XS[tx_good_packets]})"
xt_cmd doms "stop"

out=$(peer stop)
xt_check "peer stop answers" "$([ "$out" = stopped ] && echo 1 || echo 0)" = 1
xt_check "pid file removed" "$([ -e "$XENSHM_DTS_STATE/peer.pid" ] && echo 1 || echo 0)" = 0
xt_check "status after stop" "$([ "$(peer status)" = stopped ] && echo 1 || echo 0)" = 1
xt_wait_link doms 0 down 10

peer start "$SOCK" >/dev/null || xt_fail "peer start (2nd)"
xt_wait_link doms 0 up 10
pid=$(peer status | awk '$1 == "running" { print $2 }')
[ -n "$pid" ] || xt_fail "status does not name the running peer"
peer kill >/dev/null
xt_check "killed peer is gone" "$(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0)" = 0
xt_check "its runtime dir is gone" "$([ -e /var/run/dpdk/xenshm-dts-peer ] && echo 1 || echo 0)" = 0
xt_wait_link doms 0 down 10

peer start "$SOCK" >/dev/null || xt_fail "peer start after kill"
xt_wait_link doms 0 up 10
xt_xstats doms 0
xt_check "DomS reconnects" "${XS[reconnects]}" = 2
# a second start while one runs is refused and leaves it running
peer start "$SOCK" >/dev/null 2>&1 && xt_fail "a second peer start was accepted"
xt_check "first peer still running" "$(peer status | cut -d' ' -f1)" = running
peer stop >/dev/null
xt_wait_link doms 0 down 10
# the jumbo test's guest: the region carries MTU 9000
peer start "$SOCK" 9000 >/dev/null || xt_fail "peer start with MTU 9000"
xt_wait_link doms 0 up 10
grep -q "guest attached: .*MTU 9000" "${XT_LOG[doms]}" ||
	xt_fail "DomS did not see a guest with MTU 9000"
xt_log "ok: a guest with MTU 9000 attached"
peer stop >/dev/null
xt_quit doms
xt_log "PASS"
