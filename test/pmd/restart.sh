#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# restart.sh doms|guest
#
# doms:  guest txonly -> DomS rxonly.  SIGKILL the DomS testpmd under
#        traffic, check the guest notices (link down, tx dropped and
#        counted as tx_link_down_drops, never stalled), start a new DomS
#        testpmd: traffic resumes without touching the guest process.
# guest: DomS txonly -> guest rxonly.  SIGKILL the guest testpmd, check
#        DomS notices and keeps transmitting (dropping), start a new guest:
#        DomS reconnects by itself, without a port stop/start.
#
# The resume time is measured from the moment the restarted testpmd is
# ready (its prompt answers, its port started during init) to the first
# frame it receives, and printed with EAL start-up time beside it.  On a
# quiet box it is well under DomS's retry back-off cap (250 ms) plus one
# handshake; the check only bounds it at 5 s, which still fails if the
# side that stayed up needed anything but its own retry (a port restart,
# the 10 s hold-off of a faulted peer), and holds on a loaded CI box.

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"

WHO=${1:?doms or guest}
xt_init "restart-$WHO"
SOCK=$XT_DIR/g0.sock
ARGS="--nb-cores=1 --total-num-mbufs=16384"
GEAL="-d $GUEST_SO --vdev net_xenshm_guest0,path=$SOCK"
DEAL="-d $DOMS_SO --vdev net_xenshm0,path=$SOCK"

rx_of() { xt_xstats "$1" 0; echo "${XS[rx_good_packets]}"; }

# Wait until ID has received something; echo the milliseconds it took.
wait_rx() {
	local id=$1 t0 end
	t0=$(xt_now_ms)
	end=$((t0 + 10000))
	while :; do
		xt_xstats "$id" 0
		[ "${XS[rx_good_packets]}" -gt 0 ] && break
		[ "$(xt_now_ms)" -lt "$end" ] ||
			xt_fail "$id received nothing in 10 s"
		sleep 0.02
	done
	echo $(($(xt_now_ms) - t0))
}

if [ "$WHO" = doms ]; then
	TX=G RX=D OLD=D NEW=D2
	xt_testpmd G 0 1 "$GEAL" "$ARGS --forward-mode=txonly"
	xt_testpmd D 1 0 "$DEAL" "$ARGS --forward-mode=rxonly"
else
	TX=D RX=G OLD=G NEW=G2
	xt_testpmd D 1 0 "$DEAL" "$ARGS --forward-mode=txonly"
	xt_testpmd G 0 1 "$GEAL" "$ARGS --forward-mode=rxonly"
fi
xt_sync G 30
xt_sync D 30
xt_wait_link G 0 up 30
xt_wait_link D 0 up 30
xt_cmd "$RX" start
xt_cmd "$TX" start
xt_sync "$RX"
xt_sync "$TX"
sleep 1
before=$(rx_of "$RX")
xt_check "traffic before the kill" "$before" -gt 1000

xt_log "SIGKILL $OLD (pid ${XT_PID[$OLD]}) under traffic"
xt_kill9 "$OLD"
xt_wait_link "$TX" 0 down 30
xt_xstats "$TX" 0
d1=${XS[tx_link_down_drops]}
end=$(($(xt_now_ms) + 10000))
while :; do
	sleep 0.1
	xt_xstats "$TX" 0
	[ "${XS[tx_link_down_drops]}" -gt "$d1" ] && break
	[ "$(xt_now_ms)" -lt "$end" ] || break
done
xt_check "sender keeps running and counts link-down drops" \
	"${XS[tx_link_down_drops]}" -gt "$d1"

t_spawn=$(xt_now_ms)
if [ "$WHO" = doms ]; then
	xt_testpmd D2 1 0 "$DEAL" "$ARGS --forward-mode=rxonly"
else
	xt_testpmd G2 0 1 "$GEAL" "$ARGS --forward-mode=rxonly"
fi
xt_sync "$NEW" 30
t_ready=$(xt_now_ms)
xt_cmd "$NEW" start
ms=$(wait_rx "$NEW")
xt_log "$NEW ready $((t_ready - t_spawn)) ms after spawn; first frame $ms ms after ready"
xt_check "traffic resumed within 5 s of the restarted side being ready" "$ms" -lt 5000
xt_wait_link "$TX" 0 up 30
sleep 1
xt_cmd "$TX" stop
xt_sync "$TX"
xt_xstats "$TX" 0
xt_check_clean "$TX" 0
sent_link_down=${XS[tx_link_down_drops]}
xt_check "sender saw one reconnect" "${XS[reconnects]}" -eq 1
xt_check "sender saw one detach" "${XS[peer_detaches]}" -eq 1
sleep 0.3
xt_cmd "$NEW" stop
xt_sync "$NEW"
xt_xstats "$NEW" 0
xt_check_clean "$NEW" 0
after=${XS[rx_good_packets]}
xt_check "restarted side received" "$after" -gt 1000
xt_check "restarted side: rx errors" "${XS[rx_errors]}" -eq 0
xt_log "PASS: before kill $before frames, after restart $after frames, resume ${ms} ms, sender dropped $sent_link_down while alone"
xt_quit "$NEW"
xt_quit "$TX"
