#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# attack-guest-pmd: xenshm-attack plays a hostile DomS against
# net_xenshm_guest.  One good DomS testpmd D (io forwarding, each port
# back to itself) serves two guest processes:
#   P  xenshm-pktcheck with two net_xenshm_guest ports: port 0 listens on
#      a hostile socket, port 1 on D; P streams through D and back to
#      itself and counts lost, corrupted and duplicated frames
#   G  dpdk-testpmd with two ports: port 0 hostile, port 1 on D (frames
#      bounce between G port 1 and D)
#  1. P port 0: every HELLO field, sizes, an fd with HELLO, silence,
#     close, then every ACCEPT field: each gets the REJECT code (or the
#     end-of-file) the document names; P counts them (peer_rejects,
#     reject_<kind>) and port 0 is never disabled; P's stream on port 1:
#     0 corrupted, 0 duplicated.  The tool also checks the guest's OFFER,
#     memfd, seals and header against the document.
#  2. BUSY: a second DomS, then 40 at once, against port 1 while D is
#     attached: each refused BUSY, D undisturbed.
#  3. a d2g descriptor out of bounds: port 0 disabled with
#     err_desc_out_of_bounds = 1, nothing else.
# Throughout: G lives and port 1 keeps forwarding with clean counters.

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"
xt_init attack-guest-pmd
XA=${XA_BIN:?set by meson}
ERR_H=${XA_ERR_H:-}
PKC=${PKTCHECK:?set by meson}
HSOCK=$XT_DIR/h.sock
GSOCK=$XT_DIR/g.sock
PHSOCK=$XT_DIR/ph.sock
PSOCK=$XT_DIR/p.sock
ARGS="--nb-cores=1 --total-num-mbufs=16384 --forward-mode=io --no-flush-rx"

xt_testpmd G 0 1 "-d $GUEST_SO --vdev net_xenshm_guest0,path=$HSOCK \
--vdev net_xenshm_guest1,path=$GSOCK" "$ARGS"
xt_testpmd D 1 0 "-d $DOMS_SO --vdev net_xenshm0,path=$GSOCK \
--vdev net_xenshm1,path=$PSOCK" "$ARGS"
XT_LOG[P]=$XT_DIR/P.log
stdbuf -oL -eL "$PKC" --lcores 0@0,1@1 --no-huge -m 256 --no-pci \
	--file-prefix "xt$$_P" -d "$GUEST_SO" \
	--vdev "net_xenshm_guest0,path=$PHSOCK" \
	--vdev "net_xenshm_guest1,path=$PSOCK" -- --tx-port 1 --rx-port 1 \
	--rate 2000 --link-wait 30000 --report-interval 1000 \
	--json "$XT_DIR/P.json" \
	>"$XT_DIR/P.log" 2>&1 &
P_PID=$!
XT_EXTRA_PIDS+=("$P_PID")
xt_sync G 30
xt_sync D 30
xt_wait_link G 1 up 30
xt_wait_link D 1 up 30
xt_cmd D start
xt_sync D
xt_cmd G "start tx_first 2"
xt_sync G
declare -A T
psnap() {	# P's port 0 xstats into T[@0.x.*]
	local k v
	T=()
	while IFS='=' read -r k v; do
		T[$k]=$v
	done < <(python3 "$(dirname "$0")/tel.py" "xt$$_P" @0 2>/dev/null)
}
p_rx() { xt_xstats D 1; echo "${XS[rx_good_packets]}"; }

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

# ---- 1: handshake, against P ---------------------------------------------
mapfile -t HS < <("$XA" list | awk '$1 == "doms" && $2 ~ /^(hello|accept)-/ { print $2 }')
HS+=(second-hello hello-magic)
end=$(($(xt_now_ms) + 30000))
until [ "$(p_rx)" -gt 0 ]; do	# P's stream goes round through D
	[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "P's stream never reached D"
	sleep 0.2
done
p0=$(p_rx)
xt_log "phase 1: ${#HS[@]} hostile-DomS handshake attacks on P's port 0"
xa "$XT_DIR/hs.log" -t 60 doms "$PHSOCK" "${HS[@]}"
soft_check "handshake attacks: tool verdict" $? -eq 0
kill -0 "$P_PID" 2>/dev/null || xt_fail "handshake: pktcheck guest P died"
psnap
rej=${T[@0.x.peer_rejects]:-0}
# second-hello attaches; accept-close/hello-close end in the guest's own
# receive, the rest are refusals
soft_check "P port 0 counted the refusals (peer_rejects)" \
	"$rej" -ge $((${#HS[@]} - 3))
soft_check "P port 0 never disabled" "${T[@0.x.port_disabled]:-?}" -eq 0
rs=0
for k in "${!T[@]}"; do [[ $k == @0.x.reject_* ]] && rs=$((rs + T[$k])); done
soft_check "P port 0 counted them by kind (sum of reject_* = peer_rejects)" \
	"$rs" -eq "$rej"
while read -r code n; do
	k=reject_$(echo "$code" | tr 'A-Z' 'a-z')
	soft_check "P port 0: $k" "${T[@0.x.$k]:-0}" -ge "$n"
done < <(sed -n 's/^RESULT .* got REJECT \([A-Z_]*\) .*/\1/p' "$XT_DIR/hs.log" |
	sort | uniq -c | awk '{ print $2, $1 }')
soft_check "P port 0: reject_timeout (hello-silent, accept-silent)" \
	"${T[@0.x.reject_timeout]:-0}" -ge 2
soft_check "P's stream kept flowing through D" "$(p_rx)" -gt "$p0"

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

# ---- P's verdict ------------------------------------------------------------
kill -INT "$P_PID"
end=$(($(xt_now_ms) + 30000))
while kill -0 "$P_PID" 2>/dev/null; do
	[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "pktcheck P did not end"
	sleep 0.1
done
wait "$P_PID"
xt_log "P: $(grep '^pktcheck: tx=' "$XT_DIR/P.log" | tail -1)"
pj() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$XT_DIR/P.json" "$1" 2>/dev/null || echo "?"; }
soft_check "P received its stream" "$(pj rx)" -gt 100
soft_check "P: corrupted" "$(pj corrupted)" -eq 0
soft_check "P: duplicated" "$(pj duplicated)" -eq 0
xt_log "P: lost $(pj lost) (not asserted: CPU contention)"

xt_cmd G stop
xt_cmd D stop
xt_sync G
xt_sync D
[ "$FAILS" = 0 ] || xt_fail "$FAILS check(s) failed (above)"
xt_log "PASS"
xt_quit G
xt_quit D
