#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Polling cores: three lcores (main 0; workers 1 and 2, both on CPU 1 of
# this small machine).  a's queue is pinned to lcore 2, b's two queues to
# lcores 1 and 2, c is placed automatically on the least loaded worker.
# The assignment must be what /doms_switch/lcores and the log show, and
# frames cross workers (a on lcore 2 -> b, polled partly by lcore 1).
# An lcore that is not a worker is refused at start, naming the line.
T_NAME=lcores
. "$(dirname "$0")/lib.sh"

MA=02:00:00:00:10:01 MB=02:00:00:00:10:02 MC=02:00:00:00:10:03
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
mbufs = 8192
[tenant red]
[guest a]
tenant = red
mac = $MA
lcores = 2
[guest b]
tenant = red
mac = $MB
queues = 2
lcores = 1, 2
[guest c]
tenant = red
mac = $MC
CONF
SW_EAL="--lcores 0@0,1@1,2@1 --no-huge -m 256 --no-pci"
start_switch "$RUN/sw.conf"
expect "two workers" "$(tel_get /doms_switch/info "d['workers']")" -eq 2

D=$RUN/done U=$RUN/stop
GUEST_DEVARGS=",queues=2" guest b $MB --recv 120000 --until "$U"
guest c $MC --recv 120000 --until "$U"
guest a $MA --recv 120000 --until "$U" --done "$D.a" --pps 2000 \
	--send "tag=a_b,src=$MA,dst=$MB,count=200,when=$RUN/go"
for p in a b c; do
	wait_for 30 "port $p up" port_up $p || die "port $p not up"
done
polls() { tel_get /doms_switch/lcores "sorted(d['lcore_$1']['polls'])"; }
expect "lcore 1 polls b:0 and c:0 (auto: least loaded)" "$(polls 1)" = \
	'["b:0", "c:0"]'
expect "lcore 2 polls a:0 and b:1" "$(polls 2)" = '["a:0", "b:1"]'
expect "b has 2 rx queues" "$(tel_get /doms_switch/ports "d['b']['rx_queues']")" -eq 2
expect "every port has a tx queue per worker" \
	"$(tel_get /doms_switch/ports "min(p['tx_queues'] for p in d.values())")" -eq 2
grep -q "lcore 2 polls: a:0 b:1" "$RUN/switch.log" ||
	grep -q "lcore 2 polls: b:1 a:0" "$RUN/switch.log" ||
	fail "the log does not show lcore 2's polls"
touch "$RUN/go"
wait_for 30 "a sent" test -e "$D.a.a_b" || die "a did not send"
sleep 1
touch "$U"
for p in a b c; do reap $p 20; done
expect "b got a's frames across workers" \
	"$(j "$RUN/b.json" "d['rx'].get('a_b', 0)")" -eq 200
expect "c got none (unicast to b)" "$(j "$RUN/c.json" "d['rx'].get('a_b', 0)")" -eq 0

# an lcore that is not a worker: refused with the line
kill -TERM "$SW_PID"
wait "$SW_PID"
cat >"$RUN/bad.conf" <<CONF
[tenant red]
[guest a]
tenant = red
lcores = 5
CONF
"$DS_BIN" -c "$RUN/bad.conf" --pmd none -- -l 0,1 --no-huge -m 128 \
	--no-pci --file-prefix "$PFX-bad" >"$RUN/bad.log" 2>&1
rc=$?
expect "doms-switch refuses a non-worker lcore" "$rc" -ne 0
grep -q "bad.conf:4: \[guest a\] lcore 5 is not a worker lcore" "$RUN/bad.log" ||
	fail "message does not name bad.conf:4: $(grep -i lcore "$RUN/bad.log")"
finish
