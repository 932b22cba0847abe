#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Guest discipline, all in one tenant with a receiver r:
#   s  strict (mac = MS): only MS passes; tagged frames and multicast
#      sources never pass;
#   l  learn-first: the first source (ML1) is locked, ML2 never passes;
#   o  anti-spoof off: any unicast source passes and is learnt, up to
#      max-macs (4); a MAC pinned to a live port (MS) is still refused.
T_NAME=antispoof
. "$(dirname "$0")/lib.sh"

MS=02:00:00:00:0c:01 ML1=02:00:00:00:0c:11 ML2=02:00:00:00:0c:12
MO=02:00:00:00:0c:2 MR=02:00:00:00:0c:ff MX=02:00:00:00:0c:99
BC=ff:ff:ff:ff:ff:ff
N=10
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
mbufs = 8192
[tenant red]
[guest s]
tenant = red
mac = $MS
[guest l]
tenant = red
mac = learn
[guest o]
tenant = red
anti-spoof = no
max-macs = 4
[guest r]
tenant = red
mac = $MR
CONF
start_switch "$RUN/sw.conf"

D=$RUN/done U=$RUN/stop
guest r $MR --recv 120000 --until "$U"
guest s $MS --recv 120000 --until "$U" --done "$D.s" --pps 2000 \
	--send "tag=s_ok,src=$MS,dst=$MR,count=$N,when=$RUN/go" \
	--send "tag=s_spoof,src=$MX,dst=$MR,count=$N" \
	--send "tag=s_tagged,src=$MS,dst=$BC,count=$N,vlan=7" \
	--send "tag=s_mcsrc,src=01:00:5e:00:00:01,dst=$MR,count=$N" \
	--send "tag=s_zero,src=00:00:00:00:00:00,dst=$MR,count=$N"
guest l 02:00:00:00:0c:10 --recv 120000 --until "$U" --done "$D.l" \
	--pps 2000 \
	--send "tag=l_first,src=$ML1,dst=$MR,count=$N,when=$RUN/go" \
	--send "tag=l_second,src=$ML2,dst=$MR,count=$N" \
	--send "tag=l_again,src=$ML1,dst=$MR,count=$N"
sends=()
for i in 1 2 3 4 5 6; do
	sends+=(--send "tag=o_$i,src=${MO}$i,dst=$MR,count=$N")
done
guest o 02:00:00:00:0c:20 --recv 120000 --until "$U" --done "$D.o" \
	--pps 2000 "${sends[@]/tag=o_1,/when=$RUN/go,tag=o_1,}" \
	--send "tag=o_steal,src=$MS,dst=$MR,count=$N"
for p in r s l o; do
	wait_for 30 "port $p up" port_up $p || die "port $p not up"
done
touch "$RUN/go"
for w in s.s_zero l.l_again o.o_steal; do
	wait_for 60 "$w sent" test -e "$D.$w" || die "$w not sent"
done
sleep 1

expect "s: spoofed drops" "$(drops_of s spoofed)" -eq $N
expect "s: guest_tagged drops" "$(drops_of s guest_tagged)" -eq $N
expect "s: bad source MAC drops (multicast + zero)" \
	"$(drops_of s bad_src_mac)" -eq $((2 * N))
expect "l: spoofed drops" "$(drops_of l spoofed)" -eq $N
expect "l: locked to its first MAC" \
	"$(tel_get /doms_switch/ports "d['l']['mac']")" = $ML1
expect "l: locked MAC pinned (static)" \
	"$(tel_get /doms_switch/fdb "[e['static'] for e in d['entries'].values() if e['mac'] == '$ML1'][0]")" -eq 1
expect "o: its MACs learnt, max-macs 4" \
	"$(tel_get /doms_switch/ports "d['o']['fdb_entries']")" -eq 4
expect "o: learning refused beyond max-macs" \
	"$(tel_get /doms_switch/drops "d['control']['fdb_port_limit']")" -gt 0
expect "o: cannot use s's pinned MAC" "$(drops_of o spoofed)" -eq $N
expect "s's MAC still on s" "$(fdb_port_of $MS)" = s
touch "$U"
for p in r s l o; do reap $p 20; done
for p in r s l o; do log "$p: $(cat "$RUN/$p.json")"; done

rx() { j "$RUN/r.json" "d['rx'].get('$1', 0)"; }
expect "r got s_ok" "$(rx s_ok)" -eq $N
for t in s_spoof s_tagged s_mcsrc s_zero l_second o_steal; do
	expect "r got no $t" "$(rx $t)" -eq 0
done
expect "r got l_first" "$(rx l_first)" -eq $N
expect "r got l_again (the locked MAC)" "$(rx l_again)" -eq $N
for i in 1 2 3 4 5 6; do
	# forwarding does not depend on learning room
	expect "r got o_$i" "$(rx o_$i)" -eq $N
done
finish
