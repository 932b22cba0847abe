#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# pktcheck.sh sizes|restart-doms|restart-guest|backpressure
#
# Content checks with xenshm-pktcheck (test/pktcheck): every frame carries
# flow, sequence and CRC32C of its payload, so the receiver counts lost,
# reordered, duplicated and corrupted frames.  Corrupted, duplicated and
# reordered must be 0 in every mode.  Lost frames are reported, not
# asserted: the sending PMD drops (and counts) when the receiver's ring is
# full or no peer is attached, which is the designed behaviour, and this
# shared machine stalls processes for hundreds of ms at times.
#
#   sizes          guest -> DomS, then DomS -> guest, 2 queues, 4 flows,
#                  sizes 60..9000 mixed (jumbo frames are mbuf chains on
#                  both sides, 2176-byte mbufs)
#   restart-doms   guest A (pktcheck sender) -> DomS testpmd (io, two
#                  ports) -> guest B (pktcheck receiver); the DomS testpmd
#                  is SIGKILLed under traffic and started again: B keeps
#                  receiving, nothing duplicated or corrupted
#   restart-guest  same, but sender guest A is SIGKILLed and restarted
#                  (a new pktcheck session); DomS and B are untouched
#   backpressure   the receiver is stopped (SIGSTOP) for a while under
#                  traffic, then resumed (SIGCONT):
#                  g2d      guest sender (tx-full=backpressure, its
#                           default): its tx stalls while DomS is stopped,
#                           the port hands frames back (tx_ring_full > 0,
#                           no drops), and the receiver loses nothing
#                  d2g-drop DomS sender (tx-full=drop, its default): its tx
#                           goes on, the frames that do not fit are dropped
#                           (tx_ring_full_drops), the stalled guest loses
#                           them
#                  d2g-bp   DomS sender with tx-full=backpressure: nothing
#                           lost

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"

MODE=${1:?mode}
xt_init "pktcheck-$MODE"
PKC=${XENSHM_PKTCHECK:-}
[ -x "$PKC" ] || xt_fail "xenshm-pktcheck not built ($PKC)"
SIZES=60,64,200,1000,1514,2048,2049,4096,8000,9000
EALM="--no-huge -m 256 --no-pci"

# pkc ID "lcores" "EAL args" "pktcheck args": background, own log
declare -A PK_PID PK_LOG
pkc() {
	local id=$1 lc=$2 eal=$3 args=$4
	PK_LOG[$id]=$XT_DIR/pk-$id.log
	XT_LOG[pk-$id]=${PK_LOG[$id]}
	# shellcheck disable=SC2086
	stdbuf -oL -eL "$PKC" --lcores "$lc" $EALM --file-prefix "xt$$_pk$id" \
		$eal -- $args >>"${PK_LOG[$id]}" 2>&1 &
	PK_PID[$id]=$!
	XT_EXTRA_PIDS+=("$!")
}

# wait for pktcheck ID to exit by itself (or stop it with SIGINT)
pkc_end() {
	local id=$1 how=${2:-wait} t=${3:-30} end
	[ "$how" = int ] && kill -INT "${PK_PID[$id]}" 2>/dev/null
	end=$(($(xt_now_ms) + t * 1000))
	while kill -0 "${PK_PID[$id]}" 2>/dev/null; do
		[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "pktcheck $id did not end"
		sleep 0.05
	done
	wait "${PK_PID[$id]}"
	PK_RC=$?
	rm -rf "/var/run/dpdk/xt$$_pk$id"
}

# summary field of pktcheck ID: pkv ID key
pkv() {
	grep "^pktcheck: tx=" "${PK_LOG[$1]}" | tail -1 |
		tr ' ' '\n' | sed -n "s/^$2=//p"
}

clean() { # ID: no corruption, duplicate or reorder
	local id=$1 k
	grep -q "^pktcheck: tx=" "${PK_LOG[$id]}" || xt_fail "$id: no summary"
	xt_log "$id: $(grep '^pktcheck: tx=' "${PK_LOG[$id]}" | tail -1 |
		cut -d' ' -f2-9)"
	for k in corrupted duplicated reordered stale bad_len bad_csum bad_payload; do
		xt_check "$id: $k" "$(pkv "$id" $k)" -eq 0
	done
}

# rx count of the last progress line of ID
pk_rx_now() {
	grep "^pktcheck: progress" "${PK_LOG[$1]}" | tail -1 |
		tr ' ' '\n' | sed -n 's/^rx=//p'
}

# tx count of the last progress line of ID
pk_tx_now() {
	grep "^pktcheck: progress" "${PK_LOG[$1]}" | tail -1 |
		tr ' ' '\n' | sed -n 's/^tx=//p'
}

# port 0's xstats of a running DPDK process with file prefix PREFIX, read
# over its telemetry socket, into XS[name]=value
tele_xstats() {
	local sock=/var/run/dpdk/$1/dpdk_telemetry.v2 k v
	XS=()
	[ -S "$sock" ] || xt_fail "no telemetry socket $sock"
	while read -r k v; do
		XS[$k]=$v
	done < <(python3 - "$sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(4096)
s.send(b"/ethdev/xstats,0")
for k, v in json.loads(s.recv(1 << 20).decode())["/ethdev/xstats"].items():
    print(k, v)
PY
)
	[ -n "${XS[tx_good_packets]:-}" ] || xt_fail "telemetry: no xstats from $1"
}

# One backpressure phase: receiver R<name> on RXV, sender T<name> on TXV.
# R is stopped once T has sent a while, and resumed once T's tx stalled
# (STALL=yes), or once T sent 20000 more frames (STALL=no: a dropping
# sender never stalls; its ring holds at most 256).
BP_COUNT=200000
bp_phase() {
	local name=$1 rxv=$2 txv=$3 stall=$4 r=R$1 t=T$1 txs tx0 tx1 same end lost
	# idle timeout 5 s: the receiver's clock runs on while it is stopped
	pkc "$r" "0@0,1@1" "$rxv" "--rx-port 0 --sizes 64,1514 --count $BP_COUNT \
--idle-timeout 5000 --link-wait 15000"
	pkc "$t" "0@0" "$txv" "--tx-port 0 --sizes 64,1514 --count $BP_COUNT \
--rate 100000 --link-wait 15000 --drain-ms 1000 --report-interval 50"
	end=$(($(xt_now_ms) + 20000))
	until [ "$(pk_tx_now "$t")" -gt 20000 ] 2>/dev/null; do
		[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "$name: sender did not start"
		sleep 0.05
	done
	kill -STOP "${PK_PID[$r]}"
	xt_log "$name: receiver stopped at sender tx=$(pk_tx_now "$t")"
	# the sender's tx must stay put for 0.5 s (10 progress lines) when
	# the port backpressures, and must go on when it drops
	txs=$(pk_tx_now "$t")
	tx0=$txs same=0
	end=$(($(xt_now_ms) + 10000))
	while [ "$(xt_now_ms)" -lt "$end" ]; do
		sleep 0.05
		tx1=$(pk_tx_now "$t")
		if [ "$tx1" = "$tx0" ]; then
			same=$((same + 1))
		else
			same=0 tx0=$tx1
		fi
		[ "$stall" = yes ] && [ "$same" -ge 10 ] && break
		[ "$stall" = no ] && [ "$tx1" -ge $((txs + 20000)) ] && break
	done
	tele_xstats "xt$$_pk$t"
	xt_log "$name: while the receiver was stopped: sender tx=$tx1, port tx_good_packets=${XS[tx_good_packets]} tx_ring_full=${XS[tx_ring_full]} tx_ring_full_drops=${XS[tx_ring_full_drops]} tx_errors=${XS[tx_errors]}"
	if [ "$stall" = yes ]; then
		xt_check "$name: sender's tx stalled while the receiver was stopped (0.5 s)" "$same" -ge 10
		xt_check "$name: frames handed back to the application" "${XS[tx_ring_full]}" -gt 0
		xt_check "$name: no ring-full drops" "${XS[tx_ring_full_drops]}" -eq 0
		xt_check "$name: no tx errors" "${XS[tx_errors]}" -eq 0
	else
		xt_check "$name: sender went on while the receiver was stopped" "$tx1" -ge $((txs + 20000))
		xt_check "$name: ring-full drops" "${XS[tx_ring_full_drops]}" -gt 0
		xt_check "$name: nothing handed back" "${XS[tx_ring_full]}" -eq 0
	fi
	kill -CONT "${PK_PID[$r]}"
	pkc_end "$t" wait 60
	xt_check "$name: sender exit" "$PK_RC" -eq 0
	pkc_end "$r" wait 30
	clean "$r"
	lost=$(pkv "$r" lost)
	if [ "$stall" = yes ]; then
		xt_check "$name: sender sent every frame" "$(pkv "$t" tx)" -eq "$BP_COUNT"
		xt_check "$name: sender left nothing unsent" "$(pkv "$t" unsent)" -eq 0
		xt_check "$name: receiver got every frame" "$(pkv "$r" rx)" -eq "$BP_COUNT"
		xt_check "$name: nothing lost" "$lost" -eq 0
	else
		xt_check "$name: the stalled receiver lost frames" "$lost" -gt 0
	fi
	RESULTS="${RESULTS:-} $name:rx=$(pkv "$r" rx),lost=$lost"
}

backpressure() {
	local sock=$XT_DIR/bp.sock
	local gv="-d $GUEST_SO --vdev net_xenshm_guest0,path=$sock,ring-size=256"
	local dv="-d $DOMS_SO --vdev net_xenshm0,path=$sock"
	bp_phase g2d "$dv" "$gv" yes
	bp_phase d2g-drop "$gv" "$dv" no
	bp_phase d2g-bp "$gv" "$dv,tx-full=backpressure" yes
	xt_log "PASS:$RESULTS"
}

case $MODE in
sizes)
	for dir in g2d d2g; do
		sock=$XT_DIR/$dir.sock
		gv="-d $GUEST_SO --vdev net_xenshm_guest0,path=$sock,queues=2,mtu=9000"
		dv="-d $DOMS_SO --vdev net_xenshm0,path=$sock"
		if [ $dir = g2d ]; then rx=$dv tx=$gv; else rx=$gv tx=$dv; fi
		pkc R$dir "0@0,1@1" "$rx" "--rx-port 0 --rxq 2 --sizes $SIZES \
--idle-timeout 3000 --link-wait 15000"
		pkc T$dir "0@0" "$tx" "--tx-port 0 --txq 2 --flows 4 --sizes $SIZES \
--count 300000 --rate 150000 --link-wait 15000 --drain-ms 1000"
		pkc_end T$dir wait 60
		xt_check "$dir: sender exit" "$PK_RC" -eq 0
		pkc_end R$dir wait 30
		xt_check "$dir: receiver exit (0 = no corruption/dup)" "$PK_RC" -eq 0
		clean R$dir
		xt_check "$dir: sent" "$(pkv T$dir tx)" -eq 300000
		xt_check "$dir: received" "$(pkv R$dir rx)" -gt 1000
		xt_check "$dir: jumbo frames arrived as mbuf chains" \
			"$(pkv R$dir rx_chained)" -gt 0
		xt_check "$dir: 4 flows" "$(pkv R$dir flows)" -eq 4
		RESULTS="${RESULTS:-} $dir=$(pkv R$dir rx)/300000"
	done
	xt_log "PASS:$RESULTS (rx/sent; the rest dropped at full rings, counted by the sender's port)"
	exit 0
	;;
restart-doms|restart-guest) ;;
backpressure)
	backpressure
	exit 0
	;;
*) xt_fail "unknown mode $MODE" ;;
esac

SA=$XT_DIR/a.sock SB=$XT_DIR/b.sock
DARGS="--nb-cores=1 --total-num-mbufs=16384 --forward-mode=io \
--port-topology=paired --mbuf-size=2176 --max-pkt-len=9022 --enable-scatter"
DEAL="-d $DOMS_SO --vdev net_xenshm0,path=$SA --vdev net_xenshm1,path=$SB"
SENDER="--tx-port 0 --sizes 64,1514,9000 --rate 50000 --duration 40 \
--link-wait 15000"
pkc B "0@0,1@1" "-d $GUEST_SO --vdev net_xenshm_guest0,path=$SB,mtu=9000" \
	"--rx-port 0 --sizes 64,1514,9000 --report-interval 100 --link-wait 15000"
pkc A "0@0" "-d $GUEST_SO --vdev net_xenshm_guest0,path=$SA,mtu=9000" "$SENDER"
xt_testpmd D 0 1 "$DEAL" "$DARGS"
xt_sync D 30
xt_cmd D start
xt_sync D
end=$(($(xt_now_ms) + 15000))
until [ "$(pk_rx_now B)" -gt 20000 ] 2>/dev/null; do
	[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "B received nothing through DomS"
	sleep 0.1
done
before=$(pk_rx_now B)
xt_log "B received $before frames through DomS"

if [ "$MODE" = restart-doms ]; then
	xt_log "SIGKILL DomS testpmd (pid ${XT_PID[D]}) under traffic"
	xt_kill9 D
	sleep 0.5
	xt_testpmd D2 0 1 "$DEAL" "$DARGS"
	xt_sync D2 30
	xt_cmd D2 start
	xt_sync D2
else
	xt_log "SIGKILL sender guest A (pid ${PK_PID[A]}) under traffic"
	kill -9 "${PK_PID[A]}"
	wait "${PK_PID[A]}" 2>/dev/null
	rm -rf "/var/run/dpdk/xt$$_pkA"
	sleep 0.5
	pkc A2 "0@0" "-d $GUEST_SO --vdev net_xenshm_guest0,path=$SA,mtu=9000" \
		"$SENDER"
fi
t0=$(xt_now_ms)
end=$((t0 + 15000))
until [ "$(pk_rx_now B)" -gt $((before + 1000)) ]; do
	[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "B got no traffic after the restart"
	sleep 0.05
done
xt_log "B resumed: $(( $(pk_rx_now B) - before )) more frames seen $(( $(xt_now_ms) - t0 )) ms after the restarted side started (progress lines every 100 ms)"
sleep 1
if [ "$MODE" = restart-doms ]; then
	pkc_end A int
	xt_check "sender exit" "$PK_RC" -eq 0
	sleep 0.5
	pkc_end B int
	clean B
	xt_check "one sender session" "$(pkv B flows)" -eq 1
else
	pkc_end A2 int
	xt_check "restarted sender exit" "$PK_RC" -eq 0
	sleep 0.5
	pkc_end B int
	clean B
	xt_check "two sender sessions (old and restarted guest)" "$(pkv B flows)" -eq 2
fi
xt_check "receiver got jumbo chains" "$(pkv B rx_chained)" -gt 0
xt_log "PASS: B rx=$(pkv B rx) lost=$(pkv B lost) max_gap_ms=$(pkv B max_gap_ms) (the gap is the outage)"
