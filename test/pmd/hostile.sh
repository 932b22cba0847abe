#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# hostile.sh: a DomS testpmd with two net_xenshm ports.  Port 1 serves a
# well-behaved guest testpmd (frames bounce between the two in io mode);
# port 0 serves xenshm-hostile-guest, which breaks one ring rule per run.
# For every rule: DomS must not crash, must count exactly that error kind
# in port 0's xstats, log it once, disable port 0 only (link down, region
# unmapped: the hostile guest sees DomS leave), while port 1 keeps
# forwarding.  A stop/start of port 0 re-arms it for the next run.
# Mode no-consume: the guest never consumes what DomS sends it; DomS must
# drop and count (tx_ring_full_drops), never stall, never disable.

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"

xt_init hostile
HOSTILE=${XENSHM_HOSTILE_GUEST:?set by meson}
[ -x "$HOSTILE" ] || xt_fail "$HOSTILE not built"
HSOCK=$XT_DIR/h.sock
GSOCK=$XT_DIR/g.sock
ARGS="--nb-cores=1 --total-num-mbufs=16384 --forward-mode=io --no-flush-rx"

xt_testpmd D 1 0 "-d $DOMS_SO --vdev net_xenshm0,path=$HSOCK \
--vdev net_xenshm1,path=$GSOCK" "$ARGS"
xt_testpmd G 0 1 "-d $GUEST_SO --vdev net_xenshm_guest0,path=$GSOCK" "$ARGS"
xt_sync D 30
xt_sync G 30
xt_wait_link D 1 up 10
xt_wait_link G 0 up 10
xt_cmd D start
xt_sync D
xt_cmd G "start tx_first 2"
xt_sync G

good_rx() { xt_xstats D 1; echo "${XS[rx_good_packets]}"; }
broke_logs() { grep -c "peer broke the ring protocol" "${XT_LOG[D]}"; }

# mode  expected-xstat (port 0)
CASES="desc-oob:err_desc_out_of_bounds
desc-zero:err_desc_zero_len
desc-too-long:err_desc_too_long
bad-flags:err_desc_bad_flags
chain-truncated:err_desc_chain_truncated
chain-too-long:err_desc_chain_too_long
frame-too-long:err_frame_too_long
prod-ahead:err_ring_prod_ahead
cons-ahead:err_ring_cons_ahead
attach-prod-ahead:err_ring_prod_ahead
garbage:any
no-consume:none"

declare -A PREV
snapshot() {
	local k
	xt_xstats D 0
	PREV=()
	for k in "${!XS[@]}"; do PREV[$k]=${XS[$k]}; done
}

errsum() { # sum of err_* deltas now vs PREV
	local k s=0
	for k in "${!XS[@]}"; do
		[[ $k == err_* ]] && s=$((s + XS[$k] - PREV[$k]))
	done
	echo $s
}

n=0
for c in $CASES; do
	mode=${c%%:*} want=${c#*:}
	n=$((n + 1))
	snapshot
	logs0=$(broke_logs)
	g0=$(good_rx)
	"$HOSTILE" "$HSOCK" "$mode" 10 >"$XT_DIR/hostile-$mode.log" 2>&1 &
	hp=$!
	XT_EXTRA_PIDS+=("$hp")
	end=$(($(xt_now_ms) + 20000))
	while kill -0 "$hp" 2>/dev/null; do
		[ "$(xt_now_ms)" -lt "$end" ] || {
			cat "$XT_DIR/hostile-$mode.log"
			xt_fail "$mode: hostile guest still running after 20 s"
		}
		sleep 0.05
	done
	wait "$hp"
	hrc=$?
	kill -0 "${XT_PID[D]}" 2>/dev/null || xt_fail "$mode: DomS testpmd died"
	[ "$hrc" = 0 ] || { cat "$XT_DIR/hostile-$mode.log"
		xt_fail "$mode: hostile guest exit $hrc (2 = DomS never left)"; }
	sleep 0.2
	g1=$(good_rx)
	xt_check "$mode: well-behaved port 1 kept forwarding" "$g1" -gt "$g0"
	xt_xstats D 0
	if [ "$want" = none ]; then
		xt_check "$mode: port 0 not disabled" "${XS[port_disabled]}" -eq 0
		xt_check "$mode: no error counted" "$(errsum)" -eq 0
		xt_check "$mode: DomS dropped into the full ring, never stalled" \
			$((XS[tx_ring_full_drops] - PREV[tx_ring_full_drops])) -gt 0
	else
		xt_check "$mode: port 0 disabled" "${XS[port_disabled]}" -eq 1
		if [ "$want" = any ]; then
			xt_check "$mode: one error counted" "$(errsum)" -eq 1
		else
			xt_check "$mode: $want counted once" \
				$((XS[$want] - PREV[$want])) -eq 1
			xt_check "$mode: no other error kind" "$(errsum)" -eq 1
		fi
		xt_check "$mode: logged once" "$(broke_logs)" -eq $((logs0 + 1))
		[ "$(xt_link D 0)" = down ] || xt_fail "$mode: port 0 link still up"
		grep "peer broke the ring protocol" "${XT_LOG[D]}" | tail -1
	fi
	# re-arm port 0 for the next case
	xt_cmd D stop
	xt_cmd D "port stop 0"
	xt_cmd D "port start 0"
	xt_cmd D start
	xt_sync D
done

xt_cmd G stop
xt_sync G
xt_xstats G 0
xt_check_clean G 0
xt_check "good guest received" "${XS[rx_good_packets]}" -gt 1000
xt_xstats D 1
xt_check_clean D 1
xt_log "PASS: $n hostile cases; well-behaved port 1 forwarded ${XS[rx_good_packets]} frames meanwhile"
xt_cmd D stop
xt_quit G
xt_quit D
