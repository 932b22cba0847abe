#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# mtu.sh: the guest's MTU at run time, with Debian's dpdk-testpmd.
#   1. a guest with the default region (MTU 1500) drops 9000-byte frames
#      at tx (tx_too_long_drops): the MTU is enforced
#   2. "port config mtu 0 9000" while the guest forwards: the guest shares
#      a new region, the link goes down and up once (two LSC events), DomS
#      attaches the new region by itself (reconnects), and 9000-byte frames
#      then arrive at DomS, every one of them, byte for byte
#   3. "port config mtu 0 1500" (port started, forwarding stopped): back
#      to 1500, one more flap, 9000-byte frames dropped again
#   4. a guest started with --max-pkt-len=1600 (which needed a region MTU
#      of 1578) sends 1518-byte frames to DomS
# Nothing the peer wrote is ever refused (no err_*, port_disabled 0).

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"
xt_init mtu
SOCK=$XT_DIR/g0.sock
J=2048,2048,2048,2048,808	# 9000 bytes in 5 segments
ARGS="--nb-cores=1 --total-num-mbufs=16384 --burst=32 --mbuf-size=2176 --enable-scatter"

xt_testpmd G 0 1 "-d $GUEST_SO --vdev net_xenshm_guest0,path=$SOCK" \
	"$ARGS --forward-mode=txonly --txpkts=$J"
xt_testpmd D 1 0 "-d $DOMS_SO --vdev net_xenshm0,path=$SOCK" \
	"$ARGS --forward-mode=rxonly --max-pkt-len=9022"
GI=G	# the guest testpmd the helpers talk to
xt_sync G 30
xt_sync D 30
xt_wait_link G 0 up 30
xt_wait_link D 0 up 30

mtu_is() { # ID MTU
	xt_run "$1" "show port info 0"
	grep -q "^MTU: $2\$" "$XT_DIR/$1.out" ||
		xt_fail "$1: MTU is not $2: $(grep '^MTU' "$XT_DIR/$1.out")"
}
lsc_events() { grep -c "link state change event" "${XT_LOG[$GI]}"; }

# the guest's and DomS's attach counters now (xstats, since the last reset)
attaches_now() {
	xt_xstats $GI 0
	A0=${XS[peer_attaches]}
	xt_xstats D 0
	R0=${XS[reconnects]}
}

# after attaches_now: wait until the guest has attached once more
attached_again() {
	local end=$(($(xt_now_ms) + 30000))
	while :; do
		xt_xstats $GI 0
		[ "${XS[peer_attaches]}" -ge $((A0 + 1)) ] && break
		[ "$(xt_now_ms)" -lt "$end" ] ||
			xt_fail "guest did not attach again in 30 s"
		sleep 0.1
	done
	xt_check "the guest attached exactly once more" "${XS[peer_attaches]}" -eq $((A0 + 1))
	xt_wait_link $GI 0 up 30
	xt_wait_link D 0 up 30
	xt_xstats D 0
	xt_check "DomS reattached by itself, once" "${XS[reconnects]}" -eq $((R0 + 1))
}

reset_stats() {
	local id
	for id in $GI D; do
		xt_cmd $id "clear port stats all"
		xt_cmd $id "clear port xstats all"
		xt_sync $id
	done
}

# guest txonly for 1 s, and longer (at most 20 s) until DomS got WANT
# frames; leaves the guest's xstats in GX and DomS's in XS
send_some() {
	local want=$1 end k last=-1
	xt_cmd D start
	xt_sync D
	# DomS first drains what an earlier phase left in the ring (the
	# guest is stopped): two equal samples 100 ms apart
	end=$(($(xt_now_ms) + 10000))
	while :; do
		xt_xstats D 0
		[ "${XS[rx_good_packets]}" -eq "$last" ] && break
		[ "$(xt_now_ms)" -lt "$end" ] || break
		last=${XS[rx_good_packets]}
		sleep 0.1
	done
	reset_stats
	xt_cmd $GI start
	sleep 1
	end=$(($(xt_now_ms) + 20000))
	while [ "$want" -gt 0 ] && [ "$(xt_now_ms)" -lt "$end" ]; do
		xt_xstats D 0
		[ "${XS[rx_good_packets]}" -ge "$want" ] && break
		sleep 0.2
	done
	xt_cmd $GI stop
	xt_sync $GI
	xt_xstats $GI 0
	xt_check_clean $GI 0
	declare -gA GX=()
	for k in "${!XS[@]}"; do GX[$k]=${XS[$k]}; done
	end=$(($(xt_now_ms) + 10000))
	while :; do	# DomS drains the ring
		xt_xstats D 0
		[ "${XS[rx_good_packets]}" -ge "${GX[tx_good_packets]}" ] && break
		[ "$(xt_now_ms)" -lt "$end" ] || break
		sleep 0.05
	done
	xt_cmd D stop
	xt_sync D
	xt_xstats D 0
	xt_check_clean D 0
}

# --- 1. MTU 1500: 9000-byte frames are too long ------------------------
mtu_is G 1500
send_some 0
xt_log "MTU 1500: guest tx ${GX[tx_good_packets]}, too long ${GX[tx_too_long_drops]}"
xt_check "MTU 1500: 9000-byte frames refused at tx" "${GX[tx_too_long_drops]}" -gt 0
xt_check "MTU 1500: none sent" "${GX[tx_good_packets]}" -eq 0

# --- 2. port config mtu 0 9000 while forwarding -------------------------
attaches_now
ev0=$(lsc_events)
xt_cmd G start
xt_sync G
xt_run G "port config mtu 0 9000"
grep -q "Set MTU failed" "$XT_DIR/G.out" && xt_fail "port config mtu 0 9000 failed"
attached_again
xt_cmd G stop
xt_sync G
mtu_is G 9000
ev1=$(lsc_events)
xt_check "MTU 9000: the link flapped once (LSC down + up)" $((ev1 - ev0)) -eq 2
grep -q "MTU 1500 -> 9000: shared a new region" "${XT_LOG[G]}" ||
	xt_fail "guest did not say it shared a new region"
grep -q "the guest's MTU is now 9000 (was 1500)" "${XT_LOG[D]}" ||
	xt_fail "DomS did not see the new MTU"
send_some 2000
sent=${GX[tx_good_packets]}
xt_log "MTU 9000: guest sent $sent frames of 9000 B, DomS received ${XS[rx_good_packets]}"
xt_check "MTU 9000: frames sent" "$sent" -gt 500
xt_check "MTU 9000: none too long" "${GX[tx_too_long_drops]}" -eq 0
xt_check "MTU 9000: DomS received every frame" "${XS[rx_good_packets]}" -eq "$sent"
xt_check "MTU 9000: DomS rx bytes == frames x 9000" "${XS[rx_good_bytes]}" -eq $((sent * 9000))

# --- 3. back to 1500 ----------------------------------------------------
attaches_now
xt_run G "port config mtu 0 1500"
grep -q "Set MTU failed" "$XT_DIR/G.out" && xt_fail "port config mtu 0 1500 failed"
attached_again
mtu_is G 1500
xt_check "MTU 1500 again: one more flap" $(($(lsc_events) - ev1)) -eq 2
send_some 0
xt_check "MTU 1500 again: 9000-byte frames refused at tx" "${GX[tx_too_long_drops]}" -gt 0
xt_check "MTU 1500 again: none sent" "${GX[tx_good_packets]}" -eq 0
xt_quit G

# --- 4. --max-pkt-len=1600 ----------------------------------------------
xt_testpmd G2 0 1 "-d $GUEST_SO --vdev net_xenshm_guest0,path=$SOCK" \
	"$ARGS --forward-mode=txonly --txpkts=1518 --max-pkt-len=1600"
GI=G2
xt_sync G2 30
xt_wait_link G2 0 up 30
xt_wait_link D 0 up 30
mtu_is G2 1578
send_some 2000
sent=${GX[tx_good_packets]}
xt_log "--max-pkt-len=1600: guest sent $sent frames of 1518 B, DomS received ${XS[rx_good_packets]}"
xt_check "--max-pkt-len=1600: frames sent" "$sent" -gt 500
xt_check "--max-pkt-len=1600: DomS received every frame" "${XS[rx_good_packets]}" -eq "$sent"
xt_check "--max-pkt-len=1600: DomS rx bytes == frames x 1518" "${XS[rx_good_bytes]}" -eq $((sent * 1518))
xt_quit G2
xt_quit D
xt_log "PASS"
