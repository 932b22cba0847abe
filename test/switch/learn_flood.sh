#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Learning, flooding and aging, with three guests of one tenant:
#  1. a sends to b's MAC before b ever sent: unknown unicast, flooded to
#     b and c; a broadcast and a multicast are flooded too; a is learnt.
#  2. b sends once: b is learnt; now a -> b is unicast: c gets nothing.
#  3. nothing more from b for longer than aging-time (8 s): b's entry ages
#     out and a -> b is flooded again.
T_NAME=learn_flood
. "$(dirname "$0")/lib.sh"

MA=02:00:00:00:0a:01 MB=02:00:00:00:0a:02 MC=02:00:00:00:0a:03
BC=ff:ff:ff:ff:ff:ff MCAST=01:00:5e:00:00:07
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
aging-time = 8
mbufs = 8192
detach-grace-ms = 500
[tenant red]
[guest a]
tenant = red
anti-spoof = no
[guest b]
tenant = red
anti-spoof = no
[guest c]
tenant = red
anti-spoof = no
CONF
start_switch "$RUN/sw.conf"

D=$RUN/done U=$RUN/stop
guest c $MC --recv 90000 --until "$U"
guest b $MB --recv 90000 --until "$U" --done "$D.b" \
	--send "tag=bhello,src=$MB,dst=$BC,count=3,when=$RUN/go.b" \
	--send "tag=bhello2,src=$MB,dst=$BC,count=1,when=$RUN/go.b2"
guest a $MA --recv 90000 --until "$U" --done "$D.a" --pps 2000 \
	--send "tag=unk,src=$MA,dst=$MB,count=20,when=$RUN/go.a1" \
	--send "tag=bcast,src=$MA,dst=$BC,count=10" \
	--send "tag=mcast,src=$MA,dst=$MCAST,count=10" \
	--send "tag=known,src=$MA,dst=$MB,count=20,when=$RUN/go.a2" \
	--send "tag=aged,src=$MA,dst=$MB,count=20,when=$RUN/go.a3"
for p in a b c; do
	wait_for 30 "port $p up" port_up $p || die "port $p not up"
done
log "ports a, b, c up"

# 1: unknown unicast, broadcast, multicast
touch "$RUN/go.a1"
wait_for 30 "phase 1 sent" test -e "$D.a.mcast" || die "a did not send"
wait_for 10 "a learnt" fdb_has $MA a || fail "a's MAC not learnt on port a"
expect "fdb: b unknown before b sent" "$(fdb_port_of $MB)" = none

# 2: b speaks, gets learnt; a -> b becomes unicast
touch "$RUN/go.b"
wait_for 30 "b sent" test -e "$D.b.bhello" || die "b did not send"
wait_for 10 "b learnt" fdb_has $MB b || fail "b's MAC not learnt on port b"
static=$(tel_get /doms_switch/fdb "[e['static'] for e in d['entries'].values() if e['mac'] == '$MB'][0]")
expect "b's entry is dynamic" "$static" -eq 0
# b speaks again just before: the entry is fresh whatever the steps took
touch "$RUN/go.b2"
wait_for 30 "b sent again" test -e "$D.b.bhello2" || die "b did not send"
touch "$RUN/go.a2"
wait_for 30 "phase 2 sent" test -e "$D.a.known" || die "a did not send"

# 3: aging (8 s), then flooding again
wait_for 40 "b aged out" bash -c "[ \"\$(echo /doms_switch/fdb | dpdk-telemetry.py -f $PFX-sw | grep -c '$MB')\" = 0 ]" ||
	fail "b's entry did not age out"
aged=$(tel_get /doms_switch/fdb "d['total']")
log "fdb entries after aging: $aged"
touch "$RUN/go.a3"
wait_for 30 "phase 3 sent" test -e "$D.a.aged" || die "a did not send"
sleep 1
touch "$U"
for p in a b c; do reap $p 20; done

for p in a b c; do log "$p: $(cat "$RUN/$p.json")"; done
expect "b got the unknown unicast" "$(j "$RUN/b.json" "d['rx'].get('unk',0)")" -eq 20
expect "c got the unknown unicast (flooded)" "$(j "$RUN/c.json" "d['rx'].get('unk',0)")" -eq 20
expect "b got the broadcast" "$(j "$RUN/b.json" "d['rx'].get('bcast',0)")" -eq 10
expect "c got the broadcast" "$(j "$RUN/c.json" "d['rx'].get('bcast',0)")" -eq 10
expect "c got the multicast" "$(j "$RUN/c.json" "d['rx'].get('mcast',0)")" -eq 10
expect "a got b's broadcast" "$(j "$RUN/a.json" "d['rx'].get('bhello',0)")" -eq 3
expect "c got b's broadcast" "$(j "$RUN/c.json" "d['rx'].get('bhello',0)")" -eq 3
expect "a never gets its own frames" "$(j "$RUN/a.json" "sum(d['rx'].get(t,0) for t in ('unk','bcast','mcast','known','aged'))")" -eq 0
expect "b got the learnt unicast" "$(j "$RUN/b.json" "d['rx'].get('known',0)")" -eq 20
expect "c got none of the learnt unicast" "$(j "$RUN/c.json" "d['rx'].get('known',0)")" -eq 0
expect "b got a -> b after aging" "$(j "$RUN/b.json" "d['rx'].get('aged',0)")" -eq 20
expect "c got a -> b after aging (flooded again)" "$(j "$RUN/c.json" "d['rx'].get('aged',0)")" -eq 20
expect "b never gets its own broadcast" "$(j "$RUN/b.json" "d['rx'].get('bhello',0)")" -eq 0
finish
