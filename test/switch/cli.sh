#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The command line, the configuration errors as a user meets them, the
# shipped example configuration and systemd unit, and every telemetry
# command through Debian's own dpdk-telemetry.py.
T_NAME=cli
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
UNIT=$(dirname "$DS_BIN")/doms-switch.service

out=$("$DS_BIN" --help 2>&1); rc=$?
expect "--help exits 0" $rc -eq 0
echo "$out" | grep -q -- "--config FILE" || fail "--help does not show --config"
"$DS_BIN" --version | grep -q "^doms-switch " || fail "--version"
"$DS_BIN" --bogus >"$RUN/o" 2>&1; rc=$?
expect "unknown option exits 2" $rc -eq 2
grep -q "unknown or incomplete option '--bogus'" "$RUN/o" || fail "unknown option message: $(cat "$RUN/o")"
"$DS_BIN" -c "$RUN/missing.conf" >"$RUN/o" 2>&1; rc=$?
expect "missing config exits 2" $rc -eq 2
grep -q "missing.conf: cannot open" "$RUN/o" || fail "missing config message: $(cat "$RUN/o")"

printf '[global]\naging-time = 10\n\n[tenant red]\nvlan = 5000\n' >"$RUN/bad.conf"
"$DS_BIN" -c "$RUN/bad.conf" --check >"$RUN/o" 2>&1; rc=$?
expect "bad config exits 2" $rc -eq 2
grep -q "bad.conf:5: \[tenant red\]: vlan must be 1..4094, not '5000'" "$RUN/o" ||
	fail "bad config message: $(cat "$RUN/o")"
"$DS_BIN" -c "$SRC/app/doms-switch/doms-switch.conf.example" --check \
	>"$RUN/o" 2>&1; rc=$?
expect "the shipped example passes --check" $rc -eq 0
grep -q "guest vm1: tenant red" "$RUN/o" || fail "--check output: $(cat "$RUN/o")"
"$DS_BIN" -c "$SRC/app/doms-switch/doms-switch.conf.example" --check \
	--set guest:vm1.tenant=green >"$RUN/o" 2>&1; rc=$?
expect "--set is validated like the file" $rc -eq 2
grep -q "unknown tenant 'green'" "$RUN/o" || fail "--set message: $(cat "$RUN/o")"

grep -q "^Restart=always" "$UNIT" || fail "unit: no Restart=always"
grep -q "^ExecStart=/.*/doms-switch --config /etc/xenshm/doms-switch.conf" \
	"$UNIT" || fail "unit: ExecStart"

# telemetry through dpdk-telemetry.py
printf '[global]\nguest-dir = %s/guests\nmbufs = 4096\n[tenant red]\nvlan = 7\n' \
	"$RUN" >"$RUN/sw.conf"
start_switch "$RUN/sw.conf"
cmds=$(tel_get / "sorted(c for c in d if c.startswith('/doms_switch/'))")
expect "telemetry commands registered" "$cmds" = \
	'["/doms_switch/drops", "/doms_switch/fdb", "/doms_switch/info", "/doms_switch/lcores", "/doms_switch/ports", "/doms_switch/tenants"]'
for c in info:version ports: fdb:capacity tenants:red drops:total lcores:main_lcore; do
	cmd=${c%%:*} key=${c#*:}
	r=$(tel "/doms_switch/$cmd")
	if ! echo "$r" | python3 -c "import json,sys; d=json.load(sys.stdin)['/doms_switch/$cmd']; sys.exit(0 if d is not None and ('$key' == '' or '$key' in d) else 1)"; then
		fail "/doms_switch/$cmd: $r"
	else
		log "ok: /doms_switch/$cmd -> $(echo "$r" | cut -c1-120)"
	fi
done
tel "/help,/doms_switch/fdb" | grep -q "MAC table" || fail "/help text"
finish
