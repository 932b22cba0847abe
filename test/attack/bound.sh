#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# attack-silent-bound: what 8 silent hostile guests cost a good one on the
# same doms-switch.  Each silent guest (xenshm-attack ... hold) accepts
# DomS's connection, reads HELLO and never answers, over and over.  A good
# guest (xenshm-attack ... timing) measures, over several rounds:
#   attach: from creating its socket to DomS's ACCEPT
#   leave:  from closing everything to doms.live = GONE in its region
#           (DomS noticed, drained and unmapped)
# first with no silent peer, then with the 8, in the same run.  Both
# medians with the 8 must stay within 1.2x of those without (or within
# 10 ms, one period of the PMD's control alarm, for times that small).
# This needs non-blocking handshakes in DomS: with a handshake that blocks
# the control thread 1 s per silent peer, the good guest waits for them.
T_NAME=attack-silent-bound
: "${XS_FRAMES:=unused}" "${TAPIO:=unused}"
export XS_FRAMES TAPIO
. "$(dirname "$0")/../switch/lib.sh"
XA=${XA_BIN:?set by meson}
G=$RUN/guests
ROUNDS=${XA_ROUNDS:-7}

cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $G
default-tenant = red
detach-grace-ms = 200
[tenant red]
CONF
start_switch "$RUN/sw.conf"

timing() {	# NAME -> "attach_ms leave_ms"
	timeout -k 5 120 "$XA" -r "$ROUNDS" -t 30 guest "$G/$1" timing \
		>"$RUN/$1.log" 2>&1
	sed 's/^/    /' "$RUN/$1.log" >&2
	sed -n 's/^TIMING attach_ms=\([0-9.]*\) leave_ms=\([0-9.]*\).*/\1 \2/p' \
		"$RUN/$1.log"
}

read -r A0 L0 < <(timing good_a)
[ -n "${A0:-}" ] || die "no timing without silent peers"
log "without silent peers: attach $A0 ms, leave detection $L0 ms (medians of $ROUNDS)"

for n in $(seq 1 8); do
	"$XA" -m "02:00:00:ee:05:0$n" guest "$G/silent$n.sock" hold \
		>"$RUN/silent$n.log" 2>&1 &
	PIDS+=("$!")
done
# every silent peer has held DomS at least once
for n in $(seq 1 8); do
	wait_for 30 "silent$n holding" grep -q '^HELD' "$RUN/silent$n.log" ||
		die "silent peer $n never reached"
done
kill -0 "$SW_PID" || die "doms-switch died"

read -r A1 L1 < <(timing good_b)
[ -n "${A1:-}" ] || die "no timing with silent peers"
log "with 8 silent peers:  attach $A1 ms, leave detection $L1 ms"
kill -0 "$SW_PID" || die "doms-switch died"

verdict() {	# WHAT BASE LOADED
	local r ok
	r=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 99) }')
	ok=$(awk -v a="$2" -v b="$3" 'BEGIN { print (b <= 1.2 * a || b - a <= 10) ? 1 : 0 }')
	log "RESULT $1: without $2 ms, with 8 silent peers $3 ms, ratio $r"
	expect "$1 with 8 silent peers within 1.2x (or 10 ms) of without" "$ok" -eq 1
}
verdict attach "$A0" "$A1"
verdict leave-detection "$L0" "$L1"
held=0
for n in $(seq 1 8); do
	held=$((held + $(grep -c '^HELD' "$RUN/silent$n.log")))
done
log "silent peers: $held handshakes held open in total; DomS gave up on each after: $(grep -h '^HELD' "$RUN"/silent*.log | awk '{ print $3 }' | sort -n | uniq -c | sort -rn | head -3 | awk '{ printf "%s x %s ms; ", $1, $2 }')"
finish
