#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# A guest that stops consuming (c: never polls its rx) while d streams to
# it and a streams to b at the same time.  doms-switch must drop for c
# (counted: the PMD's tx drops on port c, as the PMD never refuses a
# burst) and keep delivering to b: b gets a's stream, the switch's
# buffers stay bounded (its mbuf pool is not drained).
T_NAME=stall
. "$(dirname "$0")/lib.sh"

MA=02:00:00:00:0e:01 MB=02:00:00:00:0e:02 MC=02:00:00:00:0e:03
MD=02:00:00:00:0e:04
N=20000
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
mbufs = 4096
[tenant red]
[guest a]
tenant = red
mac = $MA
[guest b]
tenant = red
mac = $MB
[guest c]
tenant = red
mac = $MC
[guest d]
tenant = red
mac = $MD
CONF
start_switch "$RUN/sw.conf"

D=$RUN/done U=$RUN/stop
# b: a big ring, so that b being descheduled (shared CPU) loses nothing
GUEST_DEVARGS=",ring-size=16384" guest b $MB --recv 120000 --until "$U"
GUEST_DEVARGS=",ring-size=4096"
guest c $MC --recv 120000 --until "$U" --stall
guest a $MA --recv 120000 --until "$U" --done "$D.a" --pps 10000 \
	--send "tag=to_b,src=$MA,dst=$MB,count=$N,when=$RUN/go"
guest d $MD --recv 120000 --until "$U" --done "$D.d" --pps 10000 \
	--send "tag=to_c,src=$MD,dst=$MC,count=$N,when=$RUN/go"
for p in a b c d; do
	wait_for 30 "port $p up" port_up $p || die "port $p not up"
done
touch "$RUN/go"
wait_for 60 "a sent" test -e "$D.a.to_b" || die "a did not send"
wait_for 60 "d sent" test -e "$D.d.to_c" || die "d did not send"
sleep 1
c_drop=$(tel_get /doms_switch/ports "d['c']['pmd_tx_dropped']")
c_tx=$(tel_get /doms_switch/ports "d['c']['tx_pkts']")
b_tx=$(tel_get /doms_switch/ports "d['b']['tx_pkts']")
b_drop=$(tel_get /doms_switch/ports "d['b']['pmd_tx_dropped']")
avail=$(tel_get /doms_switch/drops "d['total']['no_mbuf']")
touch "$U"
for p in a b c d; do reap $p 20; done
for p in a b c d; do log "$p: $(cat "$RUN/$p.json")"; done
sent_a=$(j "$RUN/a.json" "d['tx']['to_b']")
sent_d=$(j "$RUN/d.json" "d['tx']['to_c']")
rx_b=$(j "$RUN/b.json" "d['rx'].get('to_b', 0)")
log "switch -> c: $c_tx handed to the PMD, $c_drop dropped by it (c's ring full)"
log "switch -> b: $b_tx handed to the PMD, $b_drop dropped; b received $rx_b of $sent_a"

expect "c (stalled) received nothing" "$(j "$RUN/c.json" "d['rx_total']")" -eq 0
expect "drops for c counted (>= sent - ring)" "$c_drop" -ge $((sent_d - 4096 - 64))
expect "b received at least 90% of a's stream" "$rx_b" -ge $((sent_a * 9 / 10))
expect "no mbuf shortage in the switch" "$avail" -eq 0
finish
