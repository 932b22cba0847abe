#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# traffic.sh SIZE QUEUES [mismatch|maxpkt]
#
# Two Debian dpdk-testpmd processes, a guest (net_xenshm_guest) and a DomS
# (net_xenshm), connected through one region.  Three phases, each checked
# with both sides' counters:
#   g2d  guest txonly -> DomS rxonly
#   d2g  DomS txonly  -> guest rxonly
#   io   both io-forward; the guest injects with "start tx_first", the
#        frames bounce between the two until both stop
# After a phase both sides stop sending, the receivers drain the rings,
# and then every frame the sender's port counted as sent (tx_good_packets,
# i.e. put into the ring) must have been received by the other side
# (rx_good_packets), byte for byte.  What the sender's port did not put in
# the ring it counted as dropped (tx_errors = tx_ring_full_drops here).
# Only during io can nothing be dropped (the frames in flight fit the
# rings), so there drops must be 0.
#
# SIZE 9000 uses multi-segment mbufs on both sides (2048-byte mbuf data
# rooms, txpkts split in 5 segments, --enable-scatter) and mtu=9000.
# "mismatch": guest queues=4 with 4 rx/4 tx queues, DomS with 2 rx / 3 tx
# ethdev queues: the queue-to-ring mapping must still deliver everything.
# "maxpkt" (SIZE 9000): no mtu= devarg; both testpmds get the usual
# --max-pkt-len=9018 (MTU 8996), and the guest's region follows that MTU.

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"

SIZE=${1:?size}
Q=${2:?queues}
MODE=${3:-}
xt_init "traffic-$SIZE-q$Q${MODE:+-$MODE}"

SOCK=$XT_DIR/g0.sock
GQ=$Q DRXQ=$Q DTXQ=$Q
if [ "$MODE" = mismatch ]; then
	GQ=4 DRXQ=2 DTXQ=3
fi
common="--nb-cores=1 --total-num-mbufs=16384 --burst=32"
gvdev="net_xenshm_guest0,path=$SOCK,queues=$GQ"
case $SIZE in
9000)
	if [ "$MODE" = maxpkt ]; then
		common="$common --max-pkt-len=9018"
	else
		gvdev="$gvdev,mtu=9000"
		common="$common --max-pkt-len=9022"
	fi
	common="$common --mbuf-size=2176 --enable-scatter"
	txpkts=2048,2048,2048,2048,808
	bursts=1 ;;
*)
	txpkts=$SIZE
	bursts=4 ;;
esac

xt_testpmd G 0 1 "-d $GUEST_SO --vdev $gvdev" \
	"$common --rxq=$GQ --txq=$GQ --txpkts=$txpkts"
xt_testpmd D 1 0 "-d $DOMS_SO --vdev net_xenshm0,path=$SOCK" \
	"$common --rxq=$DRXQ --txq=$DTXQ --txpkts=$txpkts"
xt_sync G 30
xt_sync D 30
xt_wait_link G 0 up 30
xt_wait_link D 0 up 30
xt_log "both links up (guest queues=$GQ; DomS rxq=$DRXQ txq=$DTXQ)"
if [ "$MODE" = maxpkt ]; then
	grep -q "MTU 1500 -> 8996: shared a new region" "${XT_LOG[G]}" ||
		xt_fail "the guest's region did not follow --max-pkt-len=9018"
	end=$(($(xt_now_ms) + 10000))
	until grep -q "guest attached: .*MTU 8996" "${XT_LOG[D]}"; do
		[ "$(xt_now_ms)" -lt "$end" ] ||
			xt_fail "DomS did not attach a region with MTU 8996"
		sleep 0.1
	done
	xt_log "ok: --max-pkt-len=9018 accepted; the guest's region has MTU 8996"
fi

reset_stats() {
	local id
	for id in G D; do
		xt_cmd $id "clear port stats all"
		xt_cmd $id "clear port xstats all"
		xt_sync $id
	done
}

# wait until RX's rx_good_packets reaches N (the receiver drains)
drain() {
	local rx=$1 n=$2 end=$(($(xt_now_ms) + 10000))
	while :; do
		xt_xstats "$rx" 0
		[ "${XS[rx_good_packets]}" -ge "$n" ] && return 0
		[ "$(xt_now_ms)" -lt "$end" ] || return 0
		sleep 0.05
	done
}

# Let traffic run for 2 s, and longer (up to 20 s) until ID has received
# at least N frames: this machine is shared, and a starved process must
# not look like a broken driver.  No rate is asserted.
run_until() {
	local id=$1 n=$2 t0 end
	t0=$(xt_now_ms)
	end=$((t0 + 20000))
	sleep 2
	while [ "$(xt_now_ms)" -lt "$end" ]; do
		xt_xstats "$id" 0
		[ "${XS[rx_good_packets]}" -ge "$n" ] && return 0
		sleep 0.2
	done
	xt_log "note: $id received only ${XS[rx_good_packets]} frames in 20 s"
}

# one-way phase: TX txonly -> RX rxonly
one_way() {
	local tx=$1 rx=$2 name=$3
	local sent drops bytes full
	reset_stats
	xt_cmd "$tx" "set fwd txonly"
	xt_cmd "$rx" "set fwd rxonly"
	xt_cmd "$rx" start
	xt_sync "$rx"
	xt_cmd "$tx" start
	run_until "$rx" 10000
	xt_cmd "$tx" stop
	xt_sync "$tx"
	xt_xstats "$tx" 0
	sent=${XS[tx_good_packets]} drops=${XS[tx_errors]}
	bytes=${XS[tx_good_bytes]} full=${XS[tx_ring_full_drops]}
	xt_check_clean "$tx" 0
	drain "$rx" "$sent"
	xt_cmd "$rx" stop
	xt_sync "$rx"
	xt_xstats "$rx" 0
	xt_check_clean "$rx" 0
	xt_log "$name: sent $sent frames of $SIZE B ($drops dropped: ring full), received ${XS[rx_good_packets]}"
	xt_check "$name: frames sent" "$sent" -gt 1000
	xt_check "$name: received == sent" "${XS[rx_good_packets]}" -eq "$sent"
	xt_check "$name: rx bytes == tx bytes" "${XS[rx_good_bytes]}" -eq "$bytes"
	xt_check "$name: tx bytes == frames x size" "$bytes" -eq $((sent * SIZE))
	xt_check "$name: sender drops are all ring-full drops" "$drops" -eq "$full"
	xt_check "$name: receiver rx errors" "${XS[rx_errors]}" -eq 0
	xt_check "$name: receiver nombuf" "${XS[rx_mbuf_allocation_errors]}" -eq 0
	RESULTS="$RESULTS $name=$sent"
}

io_phase() {
	local gi1 go1 ge1 di1 do1 de1 inj gi2 go2 di2 do2
	reset_stats
	xt_cmd G "set fwd io"
	xt_cmd D "set fwd io"
	xt_cmd D start
	xt_sync D
	xt_cmd G "start tx_first $bursts"
	run_until G $((bursts * 32 * GQ * 10))
	xt_cmd G stop
	xt_cmd D stop
	xt_sync G
	xt_sync D
	xt_xstats G 0
	gi1=${XS[rx_good_packets]} go1=${XS[tx_good_packets]} ge1=${XS[tx_errors]}
	xt_check_clean G 0
	xt_xstats D 0
	di1=${XS[rx_good_packets]} do1=${XS[tx_good_packets]} de1=${XS[tx_errors]}
	xt_check_clean D 0
	# Every guest tx attempt is either an injected frame or a forwarded one.
	inj=$((go1 + ge1 - gi1))
	xt_log "io: injected $inj, guest rx $gi1 tx $go1, DomS rx $di1 tx $do1, drops $ge1/$de1"
	xt_check "io: injected frames (tx_first $bursts x 32 x $GQ streams)" "$inj" -eq $((bursts * 32 * GQ))
	xt_check "io: DomS forwarded all it received" $((do1 + de1)) -eq "$di1"
	xt_check "io: no drops (in-flight frames fit the rings)" $((ge1 + de1)) -eq 0
	xt_check "io: frames circulated" "$gi1" -gt $((inj * 10))
	# drain what is still in the rings, then both directions must balance
	xt_cmd G "set fwd rxonly"
	xt_cmd D "set fwd rxonly"
	xt_cmd G start
	xt_cmd D start
	xt_sync G
	xt_sync D
	end=$(($(xt_now_ms) + 10000))
	while :; do
		xt_xstats G 0
		gi2=${XS[rx_good_packets]} go2=${XS[tx_good_packets]}
		xt_xstats D 0
		di2=${XS[rx_good_packets]} do2=${XS[tx_good_packets]}
		[ $(((gi2 - gi1) + (di2 - di1))) -ge "$inj" ] && break
		[ "$(xt_now_ms)" -lt "$end" ] || break
		sleep 0.1
	done
	xt_cmd G stop
	xt_cmd D stop
	xt_sync G
	xt_sync D
	xt_check "io: guest->DomS received == sent" "$di2" -eq "$go2"
	xt_check "io: DomS->guest received == sent" "$gi2" -eq "$do2"
	xt_check "io: frames left in the rings after stop" \
		$(((gi2 - gi1) + (di2 - di1))) -eq "$inj"
	xt_check "io: DomS rx bytes == frames x size" "${XS[rx_good_bytes]}" -eq $((di2 * SIZE))
	RESULTS="$RESULTS io=$((gi2 + di2))"
}

RESULTS=
one_way G D g2d
one_way D G d2g
io_phase
xt_quit G
xt_quit D
xt_log "PASS:$RESULTS"
