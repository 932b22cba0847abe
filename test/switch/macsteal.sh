#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# MAC ownership (docs/doms-switch.md, "Security model"): learn-first
# guests a and b try to steal MACs that are someone else's, in tenant red
# (vlan 100) with a gateway host behind a net_tap uplink:
#   a. the MAC a learn-first guest v pinned, the MAC an anti-spoof=no
#      guest o uses, the mac= of a configured guest z that is not
#      attached: every frame is dropped as spoofed, a then claims its own;
#   b. the gateway's MAC, learnt behind the uplink: same;
#   c. v's MAC right after doms-switch is SIGKILLed and restarted: b
#      streams from v's MAC across the kill, so its ring holds frames
#      queued while no switch ran, and they reach the new switch before
#      v (quiet) sends anything.  The pin comes back from the state file:
#      every frame of b is dropped, v keeps its MAC and its traffic.
# Unicast to v reaches v and never the attackers, before and after.  The
# anti-spoof=no guest o cannot use v's pinned MAC nor z's configured one,
# the uplink not v's.
# How long a pin lasts: f leaves (its pin is released with its port); e
# is SIGKILLed and its socket removed while no switch runs (its restored
# pin expires after detach-grace-ms).
T_NAME=macsteal
. "$(dirname "$0")/lib.sh"

MV=02:00:00:00:0d:01 MA=02:00:00:00:0d:0a MB=02:00:00:00:0d:0b
MO=02:00:00:00:0d:0e MR=02:00:00:00:0d:ff MZ=02:00:00:00:0d:99
MG=02:00:00:00:0d:fe BC=ff:ff:ff:ff:ff:ff
ME=02:00:00:00:0d:e0 MF=02:00:00:00:0d:f0
T_TAP=xsms$$
N=10
PINS=$RUN/pins
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
mbufs = 8192
state-file = $PINS
[tenant red]
vlan = 100
[guest v]
tenant = red
[guest a]
tenant = red
[guest b]
tenant = red
[guest e]
tenant = red
[guest f]
tenant = red
[guest o]
tenant = red
anti-spoof = no
[guest r]
tenant = red
mac = $MR
[guest z]
tenant = red
mac = $MZ
[uplink up]
devargs = net_tap_xsms$$,iface=$T_TAP
tenants = red
CONF
start_switch "$RUN/sw.conf"
wait_for 20 "uplink up" port_up up || die "uplink not up"
sysctl -qw "net.ipv6.conf.$T_TAP.disable_ipv6=1" 2>/dev/null
ip link set dev "$T_TAP" up

D=$RUN/done U=$RUN/stop G=$RUN/go
gopts=(--recv 300000 --until "$U" --pps 2000)
guest r $MR "${gopts[@]}" --done "$D.r" \
	--send "tag=r_to_v,src=$MR,dst=$MV,count=$N,when=$G.r1" \
	--send "tag=r_to_gw,src=$MR,dst=$MG,count=$N" \
	--send "tag=r_to_v2,src=$MR,dst=$MV,count=$N,when=$G.r2"
guest v $MV "${gopts[@]}" --done "$D.v" \
	--send "tag=v_first,src=$MV,dst=$MR,count=$N,when=$G.v1" \
	--send "tag=v_after,src=$MV,dst=$MR,count=$N,when=$G.v2"
guest o $MO "${gopts[@]}" --done "$D.o" \
	--send "tag=o_first,src=$MO,dst=$MR,count=$N,when=$G.o1" \
	--send "tag=o_steal_v,src=$MV,dst=$MR,count=$N,when=$G.o2" \
	--send "tag=o_steal_z,src=$MZ,dst=$MR,count=$N"
guest e $ME "${gopts[@]}" --done "$D.e" \
	--send "tag=e_first,src=$ME,dst=$MR,count=$N,when=$G.e"
guest f $MF "${gopts[@]}" --done "$D.f" \
	--send "tag=f_first,src=$MF,dst=$MR,count=$N,when=$G.f"
guest a $MA "${gopts[@]}" --done "$D.a" \
	--send "tag=a_steal_gw,src=$MG,dst=$MR,count=$N,when=$G.a" \
	--send "tag=a_steal_v,src=$MV,dst=$MR,count=$N" \
	--send "tag=a_steal_o,src=$MO,dst=$MR,count=$N" \
	--send "tag=a_steal_z,src=$MZ,dst=$MR,count=$N" \
	--send "tag=a_own,src=$MA,dst=$MR,count=$N"
# b: v's MAC at 1000/s from go.b until the end (SIGINT), across the kill
# and the restart however long they take
guest b $MB --recv 300000 --until "$U" --pps 1000 \
	--send "tag=b_steal_v,src=$MV,dst=$MR,count=100000000,when=$G.b"
python3 "$TAPIO" --iface "$T_TAP" --until "$U.up" --max-s 120 \
	--done "$D.up" --ready "$RUN/tapio.ready" --pps 2000 \
	--send "tag=gw_hello,vlan=100,src=$MG,dst=$BC,count=$N,when=$G.u1" \
	--send "tag=gw_to_v,vlan=100,src=$MG,dst=$MV,count=$N,when=$G.u2" \
	--send "tag=up_steal_v,vlan=100,src=$MV,dst=$MR,count=$N" \
	>"$RUN/up.json" 2>"$RUN/up.log" &
PIDS+=("$!")
TAPIO_PID=$!
for p in r v o a b e f; do
	wait_for 30 "port $p up" port_up $p || die "port $p not up"
done
wait_for 30 "tapio receiving" test -e "$RUN/tapio.ready" ||
	die "tapio did not start"

port_mac() { tel_get /doms_switch/ports "d.get('$1', {}).get('mac')"; }
ctl() { tel_get /doms_switch/drops "d['control']['$1']"; }
# go TRIGGER DONE-FILE...: start senders, wait until they are done
go() {
	local t=$1 f
	shift
	touch "$G.$t"
	for f in "$@"; do
		wait_for 60 "$f" test -e "$D.$f" || die "$f not sent"
	done
}

# the owners: the gateway speaks, v claims its MAC, o uses MO
go u1 up.gw_hello
wait_for 30 "gateway learnt behind the uplink" fdb_has $MG up ||
	fail "gateway MAC not learnt"
go v1 v.v_first
wait_for 30 "v pinned" fdb_has $MV v || fail "v did not claim its MAC"
go o1 o.o_first
wait_for 30 "o's MAC learnt" fdb_has $MO o || fail "o's MAC not learnt"
expect "v: pinned to its first MAC" "$(port_mac v)" = $MV
expect "b: nothing pinned before its first frame" "$(port_mac b)" = any

# b. and a.: a tries every MAC that is someone's, then its own
go a a.a_own
wait_for 30 "a pinned to its own MAC" fdb_has $MA a ||
	fail "a could not claim its own MAC"
go r1 r.r_to_gw
go u2 up.up_steal_v
go o2 o.o_steal_z
expect "a: every stolen source dropped as spoofed" \
	"$(drops_of a spoofed)" -eq $((4 * N))
expect "o (anti-spoof=no): v's and z's MACs dropped as spoofed" \
	"$(drops_of o spoofed)" -eq $((2 * N))
expect "uplink: v's pinned MAC dropped as spoofed" \
	"$(drops_of up spoofed)" -eq $N
expect "a: pinned to its own MAC, not a stolen one" "$(port_mac a)" = $MA
expect "v's MAC still on v" "$(fdb_port_of $MV)" = v
expect "the gateway's MAC still behind the uplink" "$(fdb_port_of $MG)" = up
expect "o's MAC still on o" "$(fdb_port_of $MO)" = o
expect "z's MAC (z never attached) on no port" "$(fdb_port_of $MZ)" = none
go e e.e_first
go f f.f_first
wait_for 30 "e and f pinned" bash -c "grep -q '^e red $ME\$' $PINS &&
	grep -q '^f red $MF\$' $PINS" || fail "e or f not pinned"
expect "claims granted: v, a, e, f" "$(ctl mac_claims)" -eq 4
expect "v's pin is in the state file" \
	"$(grep -c "^v red $MV\$" "$PINS")" -eq 1
expect "a's pin is in the state file" \
	"$(grep -c "^a red $MA\$" "$PINS")" -eq 1
touch "$U.up"
wait "$TAPIO_PID"

# f leaves: its port goes after detach-grace-ms, and its pin with it
kill -INT "$GPID_f"
reap f 30
wait_for 30 "f detached" port_absent f || fail "f not detached"
expect "f's pin released with its port" "$(grep -c "^f " "$PINS")" -eq 0
expect "f's MAC gone from the FDB" "$(fdb_port_of $MF)" = none
# e dies and leaves its socket: its port and its pin stay
kill -KILL "$GPID_e"
reap e 10
expect "e's pin kept while its port stays" \
	"$(grep -c "^e red $ME\$" "$PINS")" -eq 1

# c. the restart race: b streams v's MAC, the switch dies and comes back
touch "$G.b"
b_spoofed() { [ "$(drops_of b spoofed)" -gt 0 ] 2>/dev/null; }
wait_for 30 "b streaming (refused by the running switch)" b_spoofed ||
	fail "b's frames did not reach the switch"
kill -KILL "$SW_PID"
wait "$SW_PID" 2>/dev/null
log "doms-switch SIGKILLed"
rm -f "$RUN/guests/e.sock"	# e will not come back
start_switch "$RUN/sw.conf"
b_rx() { tel_get /doms_switch/ports,b "d['rx_pkts']"; }
b_seen() { [ "$(b_rx)" -gt 0 ] 2>/dev/null; }
wait_for 30 "b's frames reach the new switch" b_seen ||
	fail "b's stream did not reach the restarted switch"
wait_for 30 "port v up again" port_up v || fail "v not attached again"
expect "pins restored from the state file (v, a)" \
	"$(ctl pins_restored)" -eq 2
expired() { [ "$(ctl pins_expired)" = 1 ]; }
wait_for 30 "e's pin expired" expired || fail "e's pin did not expire"
expect "e's pin gone from the state file" "$(grep -c "^e " "$PINS")" -eq 0
expect "v: its MAC pinned again before it sent anything" \
	"$(port_mac v)" = $MV
expect "b: nothing pinned" "$(port_mac b)" = any
expect "v's MAC on v after the restart" "$(fdb_port_of $MV)" = v
# b is still streaming: a frame of b forwarded would leave rx_pkts above
# drop_spoofed for good (rx is counted first, drops right after)
b_all_spoofed() {	# one snapshot of both counters
	[ "$(tel_get /doms_switch/ports,b \
		"d['rx_pkts'] > 0 and d['rx_pkts'] == d['drop_spoofed']")" = True ]
}
wait_for 10 "every frame of b counted as spoofed" b_all_spoofed ||
	fail "b: $(tel_get /doms_switch/ports,b "(d['rx_pkts'], d['drop_spoofed'])") (frames in, spoofed)"
log "b after the restart: $(b_rx) frames so far, all spoofed"
expect "b claimed nothing" "$(ctl mac_claims)" -eq 0
go v2 v.v_after
go r2 r.r_to_v2
expect "v's MAC still on v" "$(fdb_port_of $MV)" = v
expect "b: still nothing pinned" "$(port_mac b)" = any

touch "$U"
kill -INT "$GPID_b"	# stops its stream, reports
for p in r v o a b; do reap $p 30; done
for f in r v o a b up; do log "$f: $(cat "$RUN/$f.json")"; done
rx() { j "$RUN/$1.json" "d['rx'].get('$2', 0)"; }

for t in a_steal_v a_steal_gw a_steal_o a_steal_z b_steal_v o_steal_v \
	o_steal_z up_steal_v; do
	for p in r v o a; do
		expect "$p got no $t" "$(rx $p $t)" -eq 0
	done
done
for t in a_steal_v a_steal_gw a_steal_o a_steal_z; do
	expect "the uplink got no $t" "$(rx up $t)" -eq 0
done
for t in v_first v_after o_first a_own; do
	expect "r got $t" "$(rx r $t)" -eq $N
done
for t in r_to_v gw_to_v r_to_v2; do
	expect "v got $t" "$(rx v $t)" -eq $N
	expect "a got no $t" "$(rx a $t)" -eq 0
	expect "b got no $t" "$(rx b $t)" -eq 0
done
expect "the gateway got r_to_gw" "$(rx up r_to_gw)" -eq $N
expect "a got no r_to_gw" "$(rx a r_to_gw)" -eq 0
finish
