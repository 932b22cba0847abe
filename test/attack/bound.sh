#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# attack-silent-bound: what 8 silent hostile guests cost a good one on the
# same doms-switch.  Each silent guest (xenshm-attack ... hold) accepts
# DomS's connection, reads HELLO and never answers, over and over.  A good
# guest (xenshm-attack ... timing) measures, over several rounds:
#   attach: from creating its socket to DomS's ACCEPT (discovery,
#           hot-plug of the port, connect and handshake)
#   leave:  from closing everything to doms.live = GONE in its region
#           (DomS noticed, drained and unmapped)
# in one run, three times:
#   A0  nothing else on the switch
#   A   8 sockets nobody listens on (8 more ports that never connect:
#       the same port count as B, so B - A is the silence alone)
#   B   the same 8 paths held by silent peers
# B's medians must stay within 1.2x of A's (or within 10 ms, one period
# of the PMD's control alarm, for times that small).  A blocking
# handshake fails this by seconds (each silent peer held the control
# thread for 1 s).
T_NAME=attack-silent-bound
: "${XS_FRAMES:=unused}" "${TAPIO:=unused}"
export XS_FRAMES TAPIO
. "$(dirname "$0")/../switch/lib.sh"
. "$(dirname "$0")/lib.sh"
G=$RUN/guests
ROUNDS=${XA_ROUNDS:-9}

cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $G
default-tenant = red
detach-grace-ms = 1000
[tenant red]
CONF
start_switch "$RUN/sw.conf"

timing() {	# NAME -> "attach_ms leave_ms"
	timeout -k 5 150 "$XA" -r "$ROUNDS" -t 30 guest "$G/$1" timing \
		>"$RUN/$1.log" 2>&1
	sed 's/^/    /' "$RUN/$1.log" >&2
	sed -n 's/^TIMING attach_ms=\([0-9.]*\) leave_ms=\([0-9.]*\).*/\1 \2/p' \
		"$RUN/$1.log"
}
nports() { snap >/dev/null && t ports | tr ',' '\n' | grep -c .; }

read -r A0 L0 < <(timing good_a0)
[ -n "${A0:-}" ] || die "no timing on an empty switch"
log "A0 nothing else:          attach $A0 ms, leave detection $L0 ms (medians of $ROUNDS)"

# 8 dead guests' sockets: ports that exist and never connect
python3 - "$G" <<'PY'
import socket, sys
for n in range(1, 9):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind("%s/silent%d.sock" % (sys.argv[1], n))
PY
wait_for 30 "8 more ports" test "$(nports)" -ge 8 || die "no ports for the dead sockets"
read -r A1 L1 < <(timing good_a)
[ -n "${A1:-}" ] || die "no timing with 8 dead sockets"
log "A  8 dead sockets:        attach $A1 ms, leave detection $L1 ms"

# the same paths, now held by silent peers (same ports: they come back
# within detach-grace-ms)
for n in $(seq 1 8); do
	"$XA" -m "02:00:00:ee:05:0$n" guest "$G/silent$n.sock" hold \
		>"$RUN/silent$n.log" 2>&1 &
	PIDS+=("$!")
done
held2() { [ "$(grep -c '^HELD' "$1")" -ge 2 ]; }
for n in $(seq 1 8); do	# every silent peer has been held twice: steady
	wait_for 30 "silent$n holding" held2 "$RUN/silent$n.log" ||
		die "silent peer $n never reached"
done
kill -0 "$SW_PID" || die "doms-switch died"
read -r B1 M1 < <(timing good_b)
[ -n "${B1:-}" ] || die "no timing with silent peers"
log "B  8 silent peers:        attach $B1 ms, leave detection $M1 ms"
kill -0 "$SW_PID" || die "doms-switch died"
snap silent1 && log "silent1's port: peer_rejects $(t silent1.x.peer_rejects), reject_timeout $(t silent1.x.reject_timeout)"

verdict() {	# WHAT BASE LOADED
	local r ok
	r=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 99) }')
	ok=$(awk -v a="$2" -v b="$3" 'BEGIN { print (b <= 1.2 * a || b - a <= 10) ? 1 : 0 }')
	log "RESULT $1: $2 ms without, $3 ms with 8 silent peers, ratio $r"
	expect "$1 with 8 silent peers within 1.2x (or 10 ms) of without" "$ok" -eq 1
}
verdict attach "$A1" "$B1"
verdict leave-detection "$L1" "$M1"
log "(against an empty switch: attach ratio $(awk -v a="$A0" -v b="$B1" 'BEGIN { printf "%.2f", b / a }'), leave ratio $(awk -v a="$L0" -v b="$M1" 'BEGIN { printf "%.2f", b / a }'))"
held=0
for n in $(seq 1 8); do
	held=$((held + $(grep -c '^HELD' "$RUN/silent$n.log")))
done
log "silent peers: $held handshakes held open; DomS gave up on each after (count x ms): $(grep -h '^HELD' "$RUN"/silent*.log | awk '{ print int($3 / 100) * 100 }' | sort -n | uniq -c | awk '{ printf "%s x %s+, ", $1, $2 }')"
finish
