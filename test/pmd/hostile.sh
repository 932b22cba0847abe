#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# hostile.sh guest|doms
#
# guest: a DomS testpmd with two net_xenshm ports.  Port 1 serves a
#        well-behaved guest testpmd (frames bounce between the two in io
#        mode); port 0 serves xenshm-hostile-peer in the guest role, which
#        breaks one ring rule per run.  A stop/start of port 0 re-arms it.
# doms:  the mirror image: a guest testpmd with two net_xenshm_guest
#        ports; port 1 talks to a well-behaved DomS testpmd, port 0 to
#        xenshm-hostile-peer in the DomS role.  A guest port disabled by its
#        peer needs a new region: port 0 is detached and attached again
#        (rte_dev_remove / rte_dev_probe) between runs.
# For every rule: the victim process must not crash, must count exactly
# that error kind in port 0's xstats, log it once, disable port 0 only
# (port_disabled, link down; DomS also unmaps, which the hostile guest
# sees), while port 1 keeps forwarding.
# Mode no-consume: the hostile peer never consumes; the victim must never
# stall, never disable the port, and count what did not fit: a DomS drops
# it (tx_ring_full_drops, its default tx-full=drop), a guest hands it
# back to the application (tx_ring_full, its default tx-full=backpressure).

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"

ROLE=${1:?guest or doms}
xt_init "hostile-$ROLE"
HOSTILE=${XENSHM_HOSTILE_PEER:?set by meson}
[ -x "$HOSTILE" ] || xt_fail "$HOSTILE not built"
HSOCK=$XT_DIR/h.sock
GSOCK=$XT_DIR/g.sock
ARGS="--nb-cores=1 --total-num-mbufs=16384 --forward-mode=io --no-flush-rx"

if [ "$ROLE" = guest ]; then
	V=D OTHER=G
	xt_testpmd D 1 0 "-d $DOMS_SO --vdev net_xenshm0,path=$HSOCK \
--vdev net_xenshm1,path=$GSOCK" "$ARGS"
	xt_testpmd G 0 1 "-d $GUEST_SO --vdev net_xenshm_guest0,path=$GSOCK" "$ARGS"
	OTHER_PORT=0
else
	V=G OTHER=D
	xt_testpmd G 0 1 "-d $GUEST_SO --vdev net_xenshm_guest0,path=$HSOCK \
--vdev net_xenshm_guest1,path=$GSOCK" "$ARGS"
	xt_testpmd D 1 0 "-d $DOMS_SO --vdev net_xenshm0,path=$GSOCK" "$ARGS"
	OTHER_PORT=0
fi
xt_sync D 30
xt_sync G 30
xt_wait_link "$V" 1 up 30
xt_wait_link "$OTHER" "$OTHER_PORT" up 30
xt_cmd "$OTHER" start
xt_sync "$OTHER"
xt_cmd "$V" "start tx_first 2"
xt_sync "$V"

good_rx() { xt_xstats "$V" 1; echo "${XS[rx_good_packets]}"; }
broke_logs() { grep -c "peer broke the ring protocol" "${XT_LOG[$V]}"; }

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
	xt_xstats "$V" 0
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
	[ "$ROLE" = doms ] && [ "$mode" = attach-prod-ahead ] && continue
	n=$((n + 1))
	snapshot
	logs0=$(broke_logs)
	g0=$(good_rx)
	"$HOSTILE" "$ROLE" "$HSOCK" "$mode" 10 >"$XT_DIR/hostile-$mode.log" 2>&1 &
	hp=$!
	XT_EXTRA_PIDS+=("$hp")
	if [ "$ROLE" = doms ] && [ "$want" != none ]; then
		# the hostile DomS stays attached until told: wait for the
		# victim to disable the port (the attack follows the good
		# frames, which the hostile peer saw consumed)
		end=$(($(xt_now_ms) + 15000))
		while :; do
			xt_xstats "$V" 0
			[ "${XS[port_disabled]}" = 1 ] && break
			kill -0 "$hp" 2>/dev/null || break
			[ "$(xt_now_ms)" -lt "$end" ] || break
			sleep 0.05
		done
		kill -TERM "$hp" 2>/dev/null
	fi
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
	kill -0 "${XT_PID[$V]}" 2>/dev/null || xt_fail "$mode: victim testpmd died"
	[ "$hrc" = 0 ] || { cat "$XT_DIR/hostile-$mode.log"
		xt_fail "$mode: hostile peer exit $hrc (2: DomS never left, 3: the victim never consumed)"; }
	sleep 0.2
	g1=$(good_rx)
	xt_check "$mode: well-behaved port 1 kept forwarding" "$g1" -gt "$g0"
	xt_xstats "$V" 0
	if [ "$want" = none ]; then
		xt_check "$mode: port 0 not disabled" "${XS[port_disabled]}" -eq 0
		xt_check "$mode: no error counted" "$(errsum)" -eq 0
		if [ "$ROLE" = guest ]; then	# victim: DomS
			xt_check "$mode: dropped into the full ring, never stalled" \
				$((XS[tx_ring_full_drops] - PREV[tx_ring_full_drops])) -gt 0
		else				# victim: a guest
			xt_check "$mode: handed back at the full ring, never stalled" \
				$((XS[tx_ring_full] - PREV[tx_ring_full])) -gt 0
			xt_check "$mode: no ring-full drops at the guest" \
				$((XS[tx_ring_full_drops] - PREV[tx_ring_full_drops])) -eq 0
		fi
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
		[ "$(xt_link "$V" 0)" = down ] || xt_fail "$mode: port 0 link still up"
		grep "peer broke the ring protocol" "${XT_LOG[$V]}" | tail -1
	fi
	# re-arm port 0 for the next case
	xt_cmd "$V" stop
	xt_cmd "$V" "port stop 0"
	if [ "$ROLE" = doms ]; then
		xt_run G "port detach 0"
		grep -q "is detached" "$XT_DIR/G.out" || xt_fail "guest port 0 detach"
		xt_run G "port attach net_xenshm_guest0,path=$HSOCK"
		grep -q "Port 0 is attached" "$XT_DIR/G.out" ||
			xt_fail "guest port 0 re-attach"
	fi
	xt_cmd "$V" "port start 0"
	xt_cmd "$V" start
	xt_sync "$V"
done

xt_cmd "$OTHER" stop
xt_sync "$OTHER"
xt_xstats "$OTHER" "$OTHER_PORT"
xt_check_clean "$OTHER" "$OTHER_PORT"
xt_check "well-behaved peer received" "${XS[rx_good_packets]}" -gt 1000
xt_xstats "$V" 1
xt_check_clean "$V" 1
xt_log "PASS: $n hostile cases; well-behaved port 1 forwarded ${XS[rx_good_packets]} frames meanwhile"
xt_cmd "$V" stop
xt_quit G
xt_quit D
