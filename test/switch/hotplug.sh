#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Guests come and go at run time while b streams to c (packet checker):
#   a (configured) appears, is attached, talks, leaves (its socket goes)
#   and is detached after the grace period;
#   guest_dyn (no section, default-tenant) appears and is attached, then
#   leaves; the switch has the guest PMD loaded too, as EAL does where both
#   Debian packages are installed, and a name starting with "guest" must
#   still get a DomS port (EAL's vdev bus matches driver names as prefixes);
#   bad-name.sock (not a usable name) is ignored with a log line.
# The stream b -> c must not lose, corrupt or duplicate a frame.
T_NAME=hotplug
. "$(dirname "$0")/lib.sh"

MA=02:00:00:00:0f:01 MB=02:00:00:00:0f:02 MC=02:00:00:00:0f:03
MY=02:00:00:00:0f:04 BC=ff:ff:ff:ff:ff:ff
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
default-tenant = red
detach-grace-ms = 500
mbufs = 8192
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
CONF
SW_EAL="$SW_EAL -d $G_PMD" start_switch "$RUN/sw.conf"
expect "no port before any guest" "$(tel_get /doms_switch/info "d['ports']")" -eq 0

# The largest rings: the stream must survive the switch's worker being
# descheduled for seconds on a loaded 2-core machine (seen: 2.5 s, which
# overflowed 8192 slots at 5000 frames/s); a hot-plug that stops or resets
# the other ports still shows up as loss or link-down drops.
# c's idle timeout outlasts what the rings ride out (32768 slots at
# 5000/s: 6.5 s); a 4.6 s stall of the worker once ended c at 3 s.
GUEST_DEVARGS=",ring-size=32768"
pktcheck_guest c $MC --rx-port 0 --duration 60 --idle-timeout 8000
wait_for 30 "port c up" port_up c || die "port c not up"
pktcheck_guest b $MB --tx-port 0 --src-mac $MB --dst-mac $MC --rate 5000 \
	--duration 100 --link-wait 10000
wait_for 30 "port b up" port_up b || die "port b not up"
sleep 1
GUEST_DEVARGS=

# a configured guest comes, talks, goes
att0=$(tel_get /doms_switch/info "d['attaches']")
guest a $MA --recv 60000 --until "$RUN/stop.a" --pps 1000 \
	--send "tag=a_bc,src=$MA,dst=$BC,count=20"
wait_for 30 "port a attached" port_up a || fail "a not attached"
expect "a is polled by a worker" \
	"$(tel_get /doms_switch/lcores "any(p.startswith('a:') for w in d.values() if isinstance(w, dict) for p in w['polls'])")" = True
touch "$RUN/stop.a"
reap a 30
wait_for 15 "port a detached" port_absent a || fail "a not detached"

# a guest without a section: default-tenant
guest guest_dyn $MY --recv 60000 --until "$RUN/stop.guest_dyn"
wait_for 30 "port guest_dyn attached" port_up guest_dyn || fail "guest_dyn not attached"
expect "guest_dyn is in the default tenant" \
	"$(tel_get /doms_switch/ports,guest_dyn "d['tenant']")" = red
expect "guest_dyn came from guest-dir" \
	"$(tel_get /doms_switch/ports,guest_dyn "d['origin']")" = guest-dir
touch "$RUN/stop.guest_dyn"
reap guest_dyn 30
wait_for 15 "port guest_dyn detached" port_absent guest_dyn || fail "guest_dyn not detached"

# a socket whose name cannot be a port
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
	"$RUN/guests/bad-name.sock"
wait_for 10 "refusal logged" grep -q "bad-name.sock.*not A-Z" "$RUN/switch.log" ||
	fail "bad-name.sock not reported"
rm -f "$RUN/guests/bad-name.sock"

att1=$(tel_get /doms_switch/info "d['attaches']")
det=$(tel_get /doms_switch/info "d['detaches']")
expect "attaches during the stream (a, guest_dyn)" $((att1 - att0)) -eq 2
expect "detaches (a, guest_dyn)" "$det" -eq 2
expect "b and c stayed attached" \
	"$(tel_get /doms_switch/ports "sorted(d.keys())")" = '["b", "c"]'

# end the stream: SIGINT makes the checker stop sending and report
kill -INT "$GPID_b"
log "worker's longest loop gap: $(tel_get /doms_switch/lcores "max(w['max_loop_gap_us'] for w in d.values() if isinstance(w, dict))") us"
reap b 60
reap c 60
log "b: $(tail -1 "$RUN/b.log")"
log "c: $(tail -1 "$RUN/c.log")"
sent=$(j "$RUN/b.pkc.json" "d['tx']")
expect "b sent" "$sent" -gt 10000
expect "c received every frame of b's stream" "$(j "$RUN/c.pkc.json" "d['rx']")" -eq "$sent"
expect "c: lost" "$(j "$RUN/c.pkc.json" "d['lost']")" -eq 0
expect "c: corrupted" "$(j "$RUN/c.pkc.json" "d['corrupted']")" -eq 0
expect "c: duplicated" "$(j "$RUN/c.pkc.json" "d['duplicated']")" -eq 0
log "c: longest gap $(j "$RUN/c.pkc.json" "d.get('max_gap_ms')") ms"
finish
