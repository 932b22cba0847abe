#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Tenant isolation.  Tenants red (vlan 100: guests a, b) and blue (vlan
# 200: guest c); an uplink (net_tap) carries both, 802.1Q-tagged.
#  1. crafted frames from a guest, from the other tenant and from the
#     uplink: broadcast, multicast, unknown unicast, unicast to a MAC of
#     the other tenant, a spoofed source, a guest's own 802.1Q tag,
#     untagged and unknown-vlan uplink frames.  Each lands exactly in its
#     tenant (the uplink copy tagged with the tenant's vlan), never in the
#     other.
#  2. the packet checker: a streams to c's MAC; b (same tenant as a) gets
#     every frame intact, c (other tenant) gets none.
T_NAME=isolation
. "$(dirname "$0")/lib.sh"

MA=02:00:00:00:0b:01 MB=02:00:00:00:0b:02 MC=02:00:00:00:0b:03
BC=ff:ff:ff:ff:ff:ff MCAST=01:00:5e:00:00:09 UNK=02:00:00:00:0b:99
T_TAP=xsup$$
N=10
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
mbufs = 8192
detach-grace-ms = 300
[tenant red]
vlan = 100
[tenant blue]
vlan = 200
[guest a]
tenant = red
mac = $MA
[guest b]
tenant = red
mac = $MB
[guest c]
tenant = blue
mac = $MC
[uplink up]
devargs = net_tap_xsw$$,iface=$T_TAP
tenants = red, blue
CONF
start_switch "$RUN/sw.conf"
wait_for 20 "uplink up" port_up up || die "uplink not up"
sysctl -qw "net.ipv6.conf.$T_TAP.disable_ipv6=1" 2>/dev/null
ip link set dev "$T_TAP" up

D=$RUN/done U=$RUN/stop
guest b $MB --recv 120000 --until "$U"
guest c $MC --recv 120000 --until "$U" --done "$D.c" --pps 2000 \
	--send "tag=c_bc,src=$MC,dst=$BC,count=$N,when=$RUN/go.c" \
	--send "tag=c_to_a,src=$MC,dst=$MA,count=$N"
guest a $MA --recv 120000 --until "$U" --done "$D.a" --pps 2000 \
	--send "tag=a_bc,src=$MA,dst=$BC,count=$N,when=$RUN/go.a" \
	--send "tag=a_mc,src=$MA,dst=$MCAST,count=$N" \
	--send "tag=a_uu,src=$MA,dst=$UNK,count=$N" \
	--send "tag=a_to_c,src=$MA,dst=$MC,count=$N" \
	--send "tag=a_spoof,src=$MC,dst=$BC,count=$N" \
	--send "tag=a_tag200,src=$MA,dst=$BC,count=$N,vlan=200"
python3 "$TAPIO" --iface "$T_TAP" --until "$U" --max-s 120 --done "$D.u" \
	--ready "$RUN/tapio.ready" \
	--pps 2000 \
	--send "tag=u100_bc,vlan=100,dst=$BC,count=$N,when=$RUN/go.u" \
	--send "tag=u200_bc,vlan=200,dst=$BC,count=$N" \
	--send "tag=u_untag,dst=$BC,count=$N" \
	--send "tag=u300_bc,vlan=300,dst=$BC,count=$N" \
	--send "tag=u100_to_c,vlan=100,dst=$MC,count=$N" \
	--send "tag=u200_to_a,vlan=200,dst=$MA,count=$N" \
	>"$RUN/up.json" 2>"$RUN/up.log" &
PIDS+=("$!")
TAPIO_PID=$!
for p in a b c; do
	wait_for 30 "port $p up" port_up $p || die "port $p not up"
done
wait_for 30 "tapio receiving" test -e "$RUN/tapio.ready" || die "tapio did not start"

touch "$RUN/go.a"
wait_for 30 "a sent" test -e "$D.a.a_tag200" || die "a did not send"
touch "$RUN/go.c"
wait_for 30 "c sent" test -e "$D.c.c_to_a" || die "c did not send"
touch "$RUN/go.u"
wait_for 30 "uplink sent" test -e "$D.u.u200_to_a" || die "tapio did not send"
sleep 1
log "uplink port: $(tel /doms_switch/ports,up)"
# counters while the ports are still there
expect "a: spoofed drops" "$(drops_of a spoofed)" -eq $N
expect "a: guest_tagged drops" "$(drops_of a guest_tagged)" -eq $N
expect "uplink: bad-vlan drops (untagged + vlan 300, plus kernel noise)" \
	"$(drops_of up uplink_bad_vlan)" -ge $((2 * N))
expect "isolation guard never fired" \
	"$(tel_get /doms_switch/drops "d['total']['isolation_guard']")" -eq 0
tenants=$(tel_get /doms_switch/tenants "sorted(d['red']['ports']) == ['a', 'b', 'up'] and sorted(d['blue']['ports']) == ['c', 'up']")
expect "/doms_switch/tenants lists the members" "$tenants" = True

touch "$U"
for p in a b c; do reap $p 20; done
wait "$TAPIO_PID"

for f in a b c up; do log "$f: $(cat "$RUN/$f.json")"; done
rx() { j "$RUN/$1.json" "d['rx'].get('$2', 0)"; }
vl() { j "$RUN/$1.json" "d['rx_vlan'].get('$2', -9)"; }

# red frames stay in red, blue in blue
for t in a_bc a_mc a_uu a_to_c u100_bc u100_to_c; do
	expect "b (red) got $t" "$(rx b $t)" -eq $N
	expect "c (blue) got no $t" "$(rx c $t)" -eq 0
done
for t in u100_bc u100_to_c; do
	expect "a (red) got $t" "$(rx a $t)" -eq $N
	expect "a got $t untagged" "$(vl a $t)" -eq -1
done
for t in c_bc c_to_a u200_bc u200_to_a; do
	expect "a (red) got no $t" "$(rx a $t)" -eq 0
	expect "b (red) got no $t" "$(rx b $t)" -eq 0
done
for t in u200_bc u200_to_a; do
	expect "c (blue) got $t" "$(rx c $t)" -eq $N
done
# the uplink: tagged with the sender's tenant
for t in a_bc a_mc a_uu a_to_c; do
	expect "uplink got $t" "$(rx up $t)" -eq $N
	expect "uplink got $t in vlan 100" "$(vl up $t)" -eq 100
done
for t in c_bc c_to_a; do
	expect "uplink got $t" "$(rx up $t)" -eq $N
	expect "uplink got $t in vlan 200" "$(vl up $t)" -eq 200
done
# never: spoofed, guest-tagged, untagged or foreign-vlan uplink frames,
# and nothing back to where it came from
for t in a_spoof a_tag200 u_untag u300_bc; do
	for p in a b c up; do
		expect "$p got no $t" "$(rx $p $t)" -eq 0
	done
done
for t in u100_bc u200_bc u100_to_c u200_to_a; do
	expect "uplink got no echo of $t" "$(rx up $t)" -eq 0
done
# 2: the packet checker across tenants (big rings: the receivers share a
# loaded CPU and may sleep for a while; loss is not what is tested here)
rm -f "$U"
GUEST_DEVARGS=",ring-size=8192"
pktcheck_guest b $MB --rx-port 0 --duration 120 --late-join
pktcheck_guest c $MC --rx-port 0 --duration 120
for p in b c; do
	wait_for 30 "port $p up (pktcheck)" port_up $p || die "port $p not up"
done
pktcheck_guest a $MA --tx-port 0 --src-mac $MA --dst-mac $MC --rate 3000 \
	--duration 2 --link-wait 10000
reap a 30
sleep 1
kill -INT "$GPID_b" "$GPID_c"	# receivers: report and exit
reap b 30
reap c 30
log "pktcheck a: $(tail -1 "$RUN/a.log")"
log "pktcheck b: $(tail -1 "$RUN/b.log")"
log "pktcheck c: $(tail -1 "$RUN/c.log")"
sent=$(j "$RUN/a.pkc.json" "d['tx']")
expect "pktcheck a sent" "$sent" -gt 1000
expect "b (same tenant) got a's stream (flooded: c's MAC is not red's)" \
	"$(j "$RUN/b.pkc.json" "d['rx']")" -gt 0
log "b lost $(j "$RUN/b.pkc.json" "d['lost']") of $sent (CPU contention)"
expect "b: corrupted" "$(j "$RUN/b.pkc.json" "d['corrupted']")" -eq 0
expect "b: duplicated" "$(j "$RUN/b.pkc.json" "d['duplicated']")" -eq 0
expect "c (other tenant) got nothing" "$(j "$RUN/c.pkc.json" "d['rx']")" -eq 0
finish
