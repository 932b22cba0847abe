#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# attack-guest-pmd: xenshm-attack plays a hostile DomS against
# net_xenshm_guest in dpdk-testpmd.  The guest testpmd G has two ports:
# port 0 listens on the hostile socket, port 1 is attached to a good DomS
# testpmd D; frames bounce between G port 1 and D (io forwarding).
#  1. every HELLO field, sizes, an fd with HELLO, silence, close, then
#     every ACCEPT field: each gets the REJECT code (or the end-of-file)
#     the document names; G counts them (peer_rejects) and port 0 is
#     never disabled.  The tool also checks G's OFFER, memfd, seals and
#     header against the document.
#  2. BUSY: a second DomS, then 40 at once, against port 1 while D is
#     attached: each refused BUSY, D undisturbed.
#  3. a d2g descriptor out of bounds: port 0 disabled with
#     err_desc_out_of_bounds = 1, nothing else.
# Throughout: G lives and port 1 keeps forwarding with clean counters.

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"
xt_init attack-guest-pmd
XA=${XA_BIN:?set by meson}
ERR_H=${XA_ERR_H:-}
HSOCK=$XT_DIR/h.sock
GSOCK=$XT_DIR/g.sock
ARGS="--nb-cores=1 --total-num-mbufs=16384 --forward-mode=io --no-flush-rx"

xt_testpmd G 0 1 "-d $GUEST_SO --vdev net_xenshm_guest0,path=$HSOCK \
--vdev net_xenshm_guest1,path=$GSOCK" "$ARGS"
xt_testpmd D 1 0 "-d $DOMS_SO --vdev net_xenshm0,path=$GSOCK" "$ARGS"
xt_sync G 30
xt_sync D 30
xt_wait_link G 1 up 30
xt_cmd D start
xt_sync D
xt_cmd G "start tx_first 2"
xt_sync G

good_rx() { xt_xstats G 1; echo "${XS[rx_good_packets]}"; }
alive() { kill -0 "${XT_PID[G]}" 2>/dev/null || xt_fail "$1: guest testpmd died"; }
xa() {
	local log=$1
	shift
	timeout -k 5 "${XA_LIMIT:-150}" "$XA" -e "$ERR_H" "$@" >"$log" 2>&1
	local rc=$?
	grep -E '^(RESULT|SPEC-FAIL|SUMMARY|  )' "$log" | sed 's/^/    /'
	return $rc
}
FAILS=0
soft_check() {	# like xt_check, but carry on (report every attack)
	if [ "$2" "$3" "$4" ]; then
		xt_log "ok: $1 ($2 $3 $4)"
	else
		xt_log "FAIL: $1: expected $2 $3 $4"
		FAILS=$((FAILS + 1))
	fi
}

# ---- 1: handshake ----------------------------------------------------------
mapfile -t HS < <("$XA" list | awk '$1 == "doms" && $2 ~ /^(hello|accept)-/ { print $2 }')
HS+=(second-hello hello-magic)
g0=$(good_rx)
xt_xstats G 0
rej0=${XS[peer_rejects]}
xt_log "phase 1: ${#HS[@]} hostile-DomS handshake attacks on port 0"
xa "$XT_DIR/hs.log" -t 20 doms "$HSOCK" "${HS[@]}"
soft_check "handshake attacks: tool verdict" $? -eq 0
alive "handshake"
xt_xstats G 0
# second-hello attaches; accept-close/hello-close end in the guest's own
# receive, the rest are refusals
soft_check "port 0 counted the refusals (peer_rejects)" \
	$((XS[peer_rejects] - rej0)) -ge $((${#HS[@]} - 3))
soft_check "port 0 never disabled" "${XS[port_disabled]}" -eq 0
rs=0
for k in "${!XS[@]}"; do [[ $k == reject_* ]] && rs=$((rs + XS[$k])); done
soft_check "port 0 counted them by kind (sum of reject_* = peer_rejects)" \
	"$rs" -eq "${XS[peer_rejects]}"
while read -r code n; do
	k=reject_$(echo "$code" | tr 'A-Z' 'a-z')
	soft_check "port 0: $k" "${XS[$k]:-0}" -ge "$n"
done < <(sed -n 's/^RESULT .* got REJECT \([A-Z_]*\) .*/\1/p' "$XT_DIR/hs.log" |
	sort | uniq -c | awk '{ print $2, $1 }')
soft_check "port 0: reject_timeout (hello-silent, accept-silent)" \
	"${XS[reject_timeout]:-0}" -ge 2
xt_xstats G 1
xt_check_clean G 1
soft_check "port 1 kept forwarding" "$(good_rx)" -gt "$g0"

# ---- 2: BUSY -------------------------------------------------------------
xt_log "phase 2: second DomS and a flood of them against port 1"
xt_xstats D 0
att0=${XS[peer_attaches]}
g0=$(good_rx)
xa "$XT_DIR/busy.log" doms "$GSOCK" busy busy-flood
soft_check "busy: tool verdict" $? -eq 0
alive "busy"
xt_xstats D 0
soft_check "good DomS undisturbed (no re-attach)" "${XS[peer_attaches]}" -eq "$att0"
xt_check_clean D 0
[ "$(xt_link G 1)" = up ] || xt_fail "port 1 link down after the BUSY flood"
soft_check "port 1 kept forwarding" "$(good_rx)" -gt "$g0"

# ---- 3: one data-path attack from a hostile DomS ------------------------
xt_log "phase 3: d2g descriptor out of bounds"
xt_xstats G 0
oob0=${XS[err_desc_out_of_bounds]}
"$XA" -e "$ERR_H" -t 30 -h "$XT_DIR/release" doms "$HSOCK" d2g-desc-oob \
	>"$XT_DIR/dp.log" 2>&1 &
hp=$!
XT_EXTRA_PIDS+=("$hp")
end=$(($(xt_now_ms) + 30000))
while :; do
	xt_xstats G 0
	[ "${XS[port_disabled]}" = 1 ] && break
	kill -0 "$hp" 2>/dev/null || break
	[ "$(xt_now_ms)" -lt "$end" ] || break
	sleep 0.05
done
touch "$XT_DIR/release"
wait "$hp"
hrc=$?
sed 's/^/    /' "$XT_DIR/dp.log"
soft_check "d2g-desc-oob: tool verdict" $hrc -eq 0
alive "d2g-desc-oob"
xt_xstats G 0
soft_check "d2g-desc-oob: port 0 disabled" "${XS[port_disabled]}" -eq 1
soft_check "d2g-desc-oob: err_desc_out_of_bounds counted once" \
	$((XS[err_desc_out_of_bounds] - oob0)) -eq 1
g0=$(good_rx)
xt_wait_link G 1 up 10
end=$(($(xt_now_ms) + 10000))
until [ "$(good_rx)" -gt "$g0" ]; do
	[ "$(xt_now_ms)" -lt "$end" ] || break
	sleep 0.1
done
soft_check "port 1 kept forwarding after port 0 was disabled" "$(good_rx)" -gt "$g0"
xt_xstats G 1
xt_check_clean G 1

xt_cmd G stop
xt_cmd D stop
xt_sync G
xt_sync D
[ "$FAILS" = 0 ] || xt_fail "$FAILS check(s) failed (above)"
xt_log "PASS"
xt_quit G
xt_quit D
