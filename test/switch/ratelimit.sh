#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Per-guest rate limits (token buckets), checked by counters:
#   p  rate-pps = 200, burst 50 ms (10 frames): sends 1000 at ~2000/s
#   y  rate-bps = 400k (50 kB/s), 1000-byte frames: sends 300 at ~1000/s
#   u  no limit: sends 1000, all pass
# Every frame a limited guest sends is either forwarded (the receiver
# gets it) or counted as rate_limited, exactly.  How many pass is bounded
# by burst + rate x (time the test saw the sender busy), a generous upper
# bound; no speed is asserted.
T_NAME=ratelimit
. "$(dirname "$0")/lib.sh"

MP=02:00:00:00:0d:01 MY=02:00:00:00:0d:02 MU=02:00:00:00:0d:03
MR=02:00:00:00:0d:ff
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
mbufs = 8192
[tenant red]
[guest p]
tenant = red
mac = $MP
rate-pps = 200
rate-burst-ms = 50
[guest y]
tenant = red
mac = $MY
rate-bps = 400k
rate-burst-ms = 50
[guest u]
tenant = red
mac = $MU
[guest r]
tenant = red
mac = $MR
CONF
start_switch "$RUN/sw.conf"

D=$RUN/done U=$RUN/stop
guest r $MR --recv 120000 --until "$U"
guest p $MP --recv 120000 --until "$U" --done "$D.p" --pps 2000 \
	--send "tag=p,src=$MP,dst=$MR,count=1000,when=$RUN/go.p"
guest y $MY --recv 120000 --until "$U" --done "$D.y" --pps 1000 \
	--send "tag=y,src=$MY,dst=$MR,count=300,len=1000,when=$RUN/go.y"
guest u $MU --recv 120000 --until "$U" --done "$D.u" --pps 2000 \
	--send "tag=u,src=$MU,dst=$MR,count=1000,when=$RUN/go.u"
for p in r p y u; do
	wait_for 30 "port $p up" port_up $p || die "port $p not up"
done

# one sender at a time, timed from outside: an upper bound of its sending
send_timed() {
	local t0 t1
	t0=$(date +%s.%N)
	touch "$RUN/go.$1"
	wait_for 60 "$1 sent" test -e "$D.$1.$1" || die "$1 did not send"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
Tp=$(send_timed p)
Ty=$(send_timed y)
send_timed u >/dev/null
sleep 1
lim_p=$(drops_of p rate_limited)
lim_y=$(drops_of y rate_limited)
lim_u=$(drops_of u rate_limited)
touch "$U"
for p in r p y u; do reap $p 20; done
log "r: $(cat "$RUN/r.json")"
fw_p=$(j "$RUN/r.json" "d['rx'].get('p', 0)")
fw_y=$(j "$RUN/r.json" "d['rx'].get('y', 0)")
fw_u=$(j "$RUN/r.json" "d['rx'].get('u', 0)")
sent_p=$(j "$RUN/p.json" "d['tx']['p']")
sent_y=$(j "$RUN/y.json" "d['tx']['y']")
log "p: sent $sent_p in <= $Tp s, forwarded $fw_p, rate_limited $lim_p"
log "y: sent $sent_y in <= $Ty s, forwarded $fw_y, rate_limited $lim_y"

expect "p: forwarded + rate_limited = sent" $((fw_p + lim_p)) -eq "$sent_p"
expect "p: some were limited" "$lim_p" -gt 0
expect "p: at least the burst passed" "$fw_p" -ge 10
bound=$(awk -v t="$Tp" 'BEGIN { printf "%d", 10 + 200 * t + 2 }')
expect "p: forwarded <= 10 + 200/s x $Tp s" "$fw_p" -le "$bound"
expect "y: forwarded + rate_limited = sent" $((fw_y + lim_y)) -eq "$sent_y"
expect "y: some were limited" "$lim_y" -gt 0
# 50 kB/s of 1000-byte frames (1000 bytes each incl. header)
bound=$(awk -v t="$Ty" 'BEGIN { printf "%d", 3 + 50 * t + 2 }')
expect "y: forwarded <= 2500 B burst + 50 kB/s x $Ty s" "$fw_y" -le "$bound"
expect "u (no limit): nothing limited" "$lim_u" -eq 0
expect "u (no limit): all forwarded" "$fw_u" -eq 1000
finish
